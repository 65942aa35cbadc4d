"""Set a channel variable or write a dialplan function.

Synopsis:
    Set channel variable or function value.

Syntax:
    Set(name=value)

Description:
    Splits at the first ``=`` only: the value keeps its commas and quotes. A name ending in
    ``)`` writes a function (``Set(CALLERID(name)=Bob)``, ``Set(DIALGROUP(g,add)=PJSIP/101)``).
    ``_NAME`` makes the variable inherited by the channels this one dials (one level),
    ``__NAME`` forever. ``Set(NAME=)`` stores an empty value. Without ``=`` it warns and
    does nothing.
"""

from __future__ import annotations

import logging

from dialplan_engine.funcs import assign
from dialplan_engine.state import CONTINUE, AppResult, ExecState
from dialplan_engine.substitution import parse_assignment

logger = logging.getLogger(__name__)

NAME = "Set"


async def execute(state: ExecState, args: str) -> AppResult:
    try:
        name, value = parse_assignment(args)
    except ValueError as exc:
        logger.warning("%s", exc)
        return CONTINUE
    assign(state, name, value)
    return CONTINUE
