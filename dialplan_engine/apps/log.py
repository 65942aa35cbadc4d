"""Write a message to the log at a chosen level.

Synopsis:
    Send arbitrary text to a selected log level.

Syntax:
    Log(level,message)

Description:
    Logs *message* (commas included) through Python logging, prefixed with the channel and
    the place in the dialplan, as Asterisk writes ``Ext. 100:2 @ internal``. *level*, in
    any letter case: ``ERROR``, ``WARNING``, ``NOTICE`` and ``VERBOSE`` (logged at INFO),
    ``DEBUG`` and ``DTMF`` (logged at DEBUG). An unknown level logs an error instead.
    Without any argument nothing is logged.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args
from dialplan_engine.state import CONTINUE, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "Log"

LEVELS = {
    "ERROR": logging.ERROR,
    "WARNING": logging.WARNING,
    "NOTICE": logging.INFO,
    "VERBOSE": logging.INFO,
    "DEBUG": logging.DEBUG,
    "DTMF": logging.DEBUG,
}


async def execute(state: ExecState, args: str) -> AppResult:
    if not args:
        return CONTINUE
    level_name, message = [*split_args(args, limit=2), ""][:2]
    level = LEVELS.get(level_name.upper())
    if level is None:
        logger.error("Unknown log level: '%s'", level_name)
        return CONTINUE
    logger.log(
        level,
        "[%s] Ext. %s:%d @ %s: %s",
        state.channel.name,
        state.exten,
        state.priority,
        state.context,
        message,
    )
    return CONTINUE
