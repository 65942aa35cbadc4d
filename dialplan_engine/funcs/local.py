"""Synopsis: A variable local to the current Gosub subroutine.

Syntax: LOCAL(varname)

Description:
    ``Set(LOCAL(name)=value)`` sets the channel variable *name* for the current
    subroutine only: when it returns (or its frame is dropped with ``StackPop``) *name*
    gets back the value it had before, or disappears if it had none. Subroutines it calls
    see the variable like any other until they make it local themselves. Outside a Gosub
    the write is an error and sets nothing.

    Reading gives the value of *name* when the current subroutine made it local, else
    empty; ``${name}`` reads it as usual.
"""

from __future__ import annotations

import logging

from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "LOCAL"


def read(ctx: FunctionContext, args: str) -> str:
    return ctx.get_local(args) or ""


def write(ctx: FunctionContext, args: str, value: str) -> None:
    if not ctx.set_local(args, value):
        _log.error("Tried to set LOCAL(%s), but we aren't within a Gosub routine", args)
