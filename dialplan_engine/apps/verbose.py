"""Write a message to the log.

Synopsis:
    Send arbitrary text to verbose output.

Syntax:
    Verbose([level,]message)

Description:
    Logs *message* at INFO, prefixed with the channel name; with two arguments the first
    is the verbosity level (0 to 4, larger values count as 4), which the message shows.
    A level that is not a number is warned about and taken as 0. Commas after the first
    are part of the message; without any argument nothing is logged.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import scan_int, split_args
from dialplan_engine.state import CONTINUE, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "Verbose"
_MAX_LEVEL = 4


async def execute(state: ExecState, args: str) -> AppResult:
    if not args:
        return CONTINUE
    parts = split_args(args, limit=2)
    level_text, message = ("0", parts[0]) if len(parts) == 1 else parts
    level = scan_int(level_text)
    if level is None or level < 0:
        logger.warning("'%s' is not a verboser number", level_text)
        level = 0
    logger.info("[%s] (%d) %s", state.channel.name, min(level, _MAX_LEVEL), message)
    return CONTINUE
