"""Call a dialplan subroutine.

Synopsis:
    Jump to label, saving return address.

Syntax:
    Gosub([[context,]exten,]priority[(arg1[,...][,argN])])

Description:
    Jumps to the priority (number, label or ``+N``/``-N``, as Goto takes it) and remembers
    where it came from: ``Return()`` goes on at the priority after this Gosub. The
    arguments, split at commas with their quotes kept, are ``${ARG1}`` to ``${ARGn}`` inside
    the subroutine and their number ``${ARGC}``; like every variable set with
    ``LOCAL()``, they get their previous values back on ``Return``. When the subroutine
    has fewer arguments than the one that called it, the missing ones read as empty.

    An address that is invalid or names no existing priority fails the application (an
    error is logged), which hangs up the call.
"""

from __future__ import annotations

import logging

from dialplan_engine.state import GOTO, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "Gosub"


async def execute(state: ExecState, args: str) -> AppResult:
    if not args:
        logger.error(
            "Gosub requires an argument: Gosub([[context,]exten,]priority[(arg1[,...][,argN])])"
        )
        return HANGUP
    return GOTO if state.gosub(args) else HANGUP
