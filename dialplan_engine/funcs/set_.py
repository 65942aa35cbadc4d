"""Synopsis: Set a variable (or write a function) and give the value.

Syntax: SET(varname=[value])

Description:
    Does what ``Set(varname=value)`` does — a name ending in ``)`` writes that function,
    a ``_`` or ``__`` prefix marks the variable inherited — and reads as *value*, so an
    assignment fits inside another expression: ``${IF(${X}?${SET(Y=1)}:${SET(Y=2)})}``.
    Blanks around the name and the value are removed. Without ``=`` (or without a name)
    nothing is set and the result is empty.
"""

from __future__ import annotations

import logging

from dialplan_engine import funcs
from dialplan_engine.args import strip_blanks
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "SET"


def read(ctx: FunctionContext, args: str) -> str:
    name, equals, value = args.partition("=")
    name, value = strip_blanks(name), strip_blanks(value)
    if not name or not equals:
        _log.warning("Syntax SET(<varname>=[<value>]), got %r", args)
        return ""
    funcs.assign(ctx, name, value)
    return value
