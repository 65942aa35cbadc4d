"""Jump on a condition.

Synopsis:
    Conditional goto.

Syntax:
    GotoIf(condition?[labeliftrue][:labeliffalse])

Description:
    Splits at the first ``?`` and then the first ``:``. The condition is false when empty
    or when it starts with an integer that is 0 (``0``, `` 0``, ``0abc``), true otherwise.
    The chosen branch uses Goto's syntax (``[[context,]exten,]priority``); when that branch
    is missing or empty the dialplan continues at the next priority.
"""

from __future__ import annotations

import logging

from dialplan_engine.expressions import is_true
from dialplan_engine.state import CONTINUE, GOTO, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "GotoIf"


async def execute(state: ExecState, args: str) -> AppResult:
    if not args:
        logger.warning("GotoIf: ignoring, since there is no condition to check")
        return CONTINUE
    condition, _, branches = args.partition("?")
    if_true, _, if_false = branches.partition(":")
    branch = if_true if is_true(condition) else if_false
    if not branch.strip():
        return CONTINUE
    return GOTO if state.goto(branch) else HANGUP
