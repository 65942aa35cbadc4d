"""Jump to a priority, extension or context.

Synopsis:
    Jump to a particular priority, extension, or context.

Syntax:
    Goto([[context,]extension,]priority)

Description:
    One argument is a priority of the current extension, two are extension and priority,
    three add the context. The priority is a number, ``+N``/``-N`` relative to the current
    one, or a label of the target extension. An unknown label fails the application, which
    hangs up the call; an unknown extension or context is handled by the loop (``i``, then
    ``e``, then hang up).
"""

from __future__ import annotations

import logging

from dialplan_engine.state import GOTO, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "Goto"


async def execute(state: ExecState, args: str) -> AppResult:
    if not args.strip():
        logger.warning("Goto requires an argument ([[context,]extension,]priority)")
        return HANGUP
    return GOTO if state.goto(args) else HANGUP
