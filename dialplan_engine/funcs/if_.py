"""Synopsis: One of two values, depending on a condition.

Syntax: IF(condition?[true-value][:false-value])

Description:
    *true-value* when *condition* is true, else *false-value*; a missing value is empty.
    The condition follows the ``GotoIf`` truth rule: empty is false, text starting with an
    integer is that integer's truth, other text is true, so it is usually an expression:
    ``${IF($[${DIALSTATUS} = BUSY]?busy:other)}``. Surrounding blanks are removed from
    all three parts. Without a ``?`` or without any value the result is empty.
    As in Asterisk, only the first ``?`` and the first ``:`` after it split, and the
    false-value keeps any quotes and backslashes it was written with.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args, strip_blanks
from dialplan_engine.expressions import is_true
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "IF"


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, "?", limit=2)
    branches = split_args(parts[1], ":", limit=2) if len(parts) == 2 else []
    if not parts or not parts[0] or not branches:
        _log.warning("Syntax IF(<expr>?[<true>][:<false>]), got %r", args)
        return ""
    if is_true(strip_blanks(parts[0])):
        return strip_blanks(branches[0])
    return strip_blanks(branches[1]) if len(branches) == 2 else ""
