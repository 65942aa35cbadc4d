"""Call a dialplan subroutine on a condition.

Synopsis:
    Conditionally jump to label, saving return address.

Syntax:
    GosubIf(condition?[labeliftrue[(args)]][:labeliffalse[(args)]])

Description:
    Splits at the first ``?`` and the first ``:`` after it, leaving parentheses and
    quotes alone, so ``GosubIf(${X}?sub,s,1(a:b):other,s,1)`` works. The condition follows
    the GotoIf rule (empty or a leading integer 0 is false). The chosen branch is called
    as ``Gosub`` does; a missing or empty branch continues at the next priority. Without a
    ``?`` it warns and continues.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_raw
from dialplan_engine.expressions import is_true
from dialplan_engine.state import CONTINUE, GOTO, HANGUP, AppResult, ExecState

logger = logging.getLogger(__name__)

NAME = "GosubIf"
_USAGE = "GosubIf requires an argument: GosubIf(cond?label1(args):label2(args)"


async def execute(state: ExecState, args: str) -> AppResult:
    parts = split_raw(args, "?", limit=2)
    if len(parts) != 2:
        logger.warning("%s", _USAGE)
        return CONTINUE
    condition, labels = parts
    branches = split_raw(labels, ":", limit=2)
    if_true = branches[0] if branches else ""
    if_false = branches[1] if len(branches) == 2 else ""
    branch = if_true if is_true(condition) else if_false
    if not branch:
        return CONTINUE
    return GOTO if state.gosub(branch) else HANGUP
