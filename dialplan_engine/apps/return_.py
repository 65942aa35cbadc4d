"""Return from a dialplan subroutine.

Synopsis:
    Return from gosub routine.

Syntax:
    Return([value])

Description:
    Goes back to the priority after the innermost ``Gosub``, whose ``LOCAL()`` variables
    and arguments get their previous values back, and sets ``${GOSUB_RETVAL}`` to *value*
    (the whole argument, commas included; empty without one). Without a Gosub to return
    from it logs an error and hangs up the call. In a hangup handler it ends the handler.
"""

from __future__ import annotations

import logging

from dialplan_engine.state import GOTO, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "Return"


async def execute(state: ExecState, args: str) -> AppResult:
    frame = state.return_from_gosub(args)
    if frame is None:
        logger.error("Return without Gosub: stack is empty")
        return HANGUP
    # A routine the interpreter runs (a hangup handler) ends here, back where it started.
    return HANGUP if frame.special else GOTO
