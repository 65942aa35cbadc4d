"""Synopsis: Append values to a variable's delimited value.

Syntax: PUSH(varname[,delimiter])

Description:
    Write-only: ``Set(PUSH(L)=d)`` appends *d* to the variable *varname* (a name, not
    ``${...}``), after a *delimiter* (default ``,``; one character, ``\\t``-style escapes
    decoded) when the variable is not empty: ``L=a,b`` becomes ``a,b,d``. The value may
    itself hold several fields. A ``_`` or ``__`` prefix on *varname* marks the variable
    inherited, as in Set. ``UNSHIFT`` adds at the start instead.
"""

from __future__ import annotations

import logging

from dialplan_engine import substitution
from dialplan_engine.args import decode_char, split_args
from dialplan_engine.scope import FunctionContext, split_inheritance

_log = logging.getLogger(__name__)

NAME = "PUSH"


def read(ctx: FunctionContext, args: str) -> str:
    _log.warning("%s is write-only: Set(%s(varname)=value)", NAME, NAME)
    return ""


def write(ctx: FunctionContext, args: str, value: str) -> None:
    add(ctx, args, value, function=NAME, at_start=False)


def add(ctx: FunctionContext, args: str, value: str, *, function: str, at_start: bool) -> None:
    """What PUSH and UNSHIFT (*at_start*) do: add *value* as a field."""
    parts = split_args(args, limit=2)
    varname = parts[0] if parts else ""
    if not varname:
        _log.warning("%s requires a variable name", function)
        return
    delimiter = (decode_char(parts[1]) if len(parts) > 1 and parts[1] else None) or ","
    stored, _ = split_inheritance(varname)
    previous = substitution.substitute("${" + stored + "}", ctx)
    if not previous:
        combined = value
    elif at_start:
        combined = f"{value}{delimiter}{previous}"
    else:
        combined = f"{previous}{delimiter}{value}"
    ctx.set_variable(varname, combined)
