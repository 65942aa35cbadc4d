"""Synopsis: Set several variables from one comma-separated value.

Syntax: ARRAY(var1[,var2[,...]])

Description:
    Write-only: ``Set(ARRAY(a,b,c)=1,2,3)`` sets ``a`` to ``1``, ``b`` to ``2`` and ``c``
    to ``3``; a variable without a value of its own is set empty. Both lists are split at
    commas with the usual quoting (``Set(ARRAY(a,b)="1,5",2)``); names may carry the
    ``_``/``__`` inheritance prefixes.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "ARRAY"


def read(ctx: FunctionContext, args: str) -> str:
    _log.warning("%s is write-only: Set(%s(var1,var2)=value1,value2)", NAME, NAME)
    return ""


def write(ctx: FunctionContext, args: str, value: str) -> None:
    assign_each(ctx, split_args(args), value)


def assign_each(ctx: FunctionContext, names: list[str], value: str) -> None:
    """Set each of *names* to the field of *value* in the same position (empty when
    *value* has fewer fields)."""
    values = split_args(value)
    for index, name in enumerate(names):
        ctx.set_variable(name, values[index] if index < len(values) else "")
