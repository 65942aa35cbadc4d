"""Synopsis: Remove a key from the Asterisk database, giving its value.

Syntax: DB_DELETE(family/key)

Description:
    Reading removes *key* from *family* and gives the value it had (empty when there was
    none); ``DB_RESULT`` is set to that value as well. Writing anything to it,
    ``Set(DB_DELETE(family/key)=)``, removes the key the same way.
"""

from __future__ import annotations

from dialplan_engine.funcs.db import family_and_key
from dialplan_engine.scope import FunctionContext

NAME = "DB_DELETE"


def read(ctx: FunctionContext, args: str) -> str:
    location = family_and_key(NAME, args)
    if location is None:
        return ""
    value = ctx.astdb.get(*location)
    if value is not None:
        ctx.astdb.delete(*location)
    ctx.set_variable("DB_RESULT", value or "")
    return value or ""


def write(ctx: FunctionContext, args: str, value: str) -> None:
    read(ctx, args)
