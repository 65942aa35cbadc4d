"""Synopsis: Take the last field off a variable's delimited value.

Syntax: POP(varname[,delimiter])

Description:
    Removes the last *delimiter*-separated field (default ``,``; one character,
    ``\\t``-style escapes decoded) from the variable *varname* (a name, not ``${...}``)
    and gives it: with ``L=a,b,c``, ``${POP(L)}`` is ``c`` and leaves ``L=a,b``. The
    last field leaves the variable empty; an empty variable gives an empty result.
"""

from __future__ import annotations

from dialplan_engine.funcs import shift
from dialplan_engine.scope import FunctionContext

NAME = "POP"


def read(ctx: FunctionContext, args: str) -> str:
    return shift.take(ctx, args, function=NAME, from_start=False)
