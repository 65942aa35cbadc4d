"""Synopsis: Whether a key exists in the Asterisk database.

Syntax: DB_EXISTS(family/key)

Description:
    ``1`` when *family* has *key* — and then ``DB_RESULT`` is set to its value — else
    ``0``.
"""

from __future__ import annotations

from dialplan_engine.funcs.db import family_and_key
from dialplan_engine.scope import FunctionContext

NAME = "DB_EXISTS"


def read(ctx: FunctionContext, args: str) -> str:
    location = family_and_key(NAME, args)
    if location is None:
        return ""
    value = ctx.astdb.get(*location)
    if value is None:
        return "0"
    ctx.set_variable("DB_RESULT", value)
    return "1"
