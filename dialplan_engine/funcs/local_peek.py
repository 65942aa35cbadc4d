"""Synopsis: A variable as it is in an outer Gosub subroutine.

Syntax: LOCAL_PEEK(n,varname)

Description:
    The value of *varname* *n* ``LOCAL()`` levels out: ``0`` is the current value, ``1``
    the value the innermost subroutine that made it local hid, and so on. Empty when
    there is no such level; a missing argument is an error (empty result). A negative or
    non-numeric *n* counts as 0.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import scan_int, split_raw
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "LOCAL_PEEK"


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_raw(args, limit=2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        _log.error("LOCAL_PEEK requires parameters n and varname")
        return ""
    depth = max(scan_int(parts[0]) or 0, 0)
    return ctx.peek_variable(parts[1], depth) or ""
