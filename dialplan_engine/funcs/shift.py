"""Synopsis: Take the first field off a variable's delimited value.

Syntax: SHIFT(varname[,delimiter])

Description:
    Removes the first *delimiter*-separated field (default ``,``; one character,
    ``\\t``-style escapes decoded) from the variable *varname* (a name, not ``${...}``)
    and gives it: with ``L=a,b,c``, ``${SHIFT(L)}`` is ``a`` and leaves ``L=b,c``. The
    last field leaves the variable empty; an empty variable gives an empty result.
    ``POP`` does the same from the end.
"""

from __future__ import annotations

import logging

from dialplan_engine import substitution
from dialplan_engine.args import decode_char, split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "SHIFT"


def read(ctx: FunctionContext, args: str) -> str:
    return take(ctx, args, function=NAME, from_start=True)


def take(ctx: FunctionContext, args: str, *, function: str, from_start: bool) -> str:
    """What SHIFT (*from_start*) and POP do: remove one field and give it."""
    parts = split_args(args, limit=2)
    varname = parts[0] if parts else ""
    if not varname:
        _log.warning("%s requires a variable name", function)
        return ""
    delimiter = (decode_char(parts[1]) if len(parts) > 1 and parts[1] else None) or ","
    value = substitution.substitute("${" + varname + "}", ctx)
    if not value:
        return ""
    if delimiter not in value:
        ctx.set_variable(varname, "")
        return value
    if from_start:
        field, _, rest = value.partition(delimiter)
    else:
        rest, _, field = value.rpartition(delimiter)
    ctx.set_variable(varname, rest)
    return field
