"""Synopsis: Insert values at the start of a variable's delimited value.

Syntax: UNSHIFT(varname[,delimiter])

Description:
    Write-only: ``Set(UNSHIFT(L)=z)`` puts *z* in front of the variable *varname* (a
    name, not ``${...}``), followed by a *delimiter* (default ``,``; one character,
    ``\\t``-style escapes decoded) when the variable is not empty: ``L=a,b`` becomes
    ``z,a,b``. A ``_`` or ``__`` prefix on *varname* marks the variable inherited.
"""

from __future__ import annotations

import logging

from dialplan_engine.funcs import push
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "UNSHIFT"


def read(ctx: FunctionContext, args: str) -> str:
    _log.warning("%s is write-only: Set(%s(varname)=value)", NAME, NAME)
    return ""


def write(ctx: FunctionContext, args: str, value: str) -> None:
    push.add(ctx, args, value, function=NAME, at_start=True)
