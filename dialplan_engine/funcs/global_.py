"""Synopsis: Read or set a global variable.

Syntax: GLOBAL(varname)

Description:
    Reading gives the global variable *varname* even when the channel has a variable of
    the same name (empty when there is no such global). ``Set(GLOBAL(varname)=value)``
    sets the global, visible to every channel.
"""

from __future__ import annotations

from dialplan_engine.scope import FunctionContext

NAME = "GLOBAL"


def read(ctx: FunctionContext, args: str) -> str:
    return ctx.get_global(args) or ""


def write(ctx: FunctionContext, args: str, value: str) -> None:
    ctx.set_global(args, value)
