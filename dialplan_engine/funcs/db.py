"""Synopsis: Read or write a key of the Asterisk database.

Syntax: DB(family/key)

Description:
    Reading gives the value stored under *key* in *family* (empty when there is none) and,
    when the key exists, also sets ``DB_RESULT`` to it. ``Set(DB(family/key)=value)``
    stores a value. The key may contain further ``/``: ``DB(cfwd/101/busy)`` is key
    ``101/busy`` of family ``cfwd``. Without a ``/`` nothing is read or written and a
    warning is logged.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "DB"


def family_and_key(function: str, args: str) -> tuple[str, str] | None:
    """The ``family/key`` argument of the DB functions, or None (with a warning)."""
    parts = split_args(args, "/", limit=2) if args else []
    if len(parts) < 2:
        _log.warning("%s requires an argument, %s(<family>/<key>)", function, function)
        return None
    return parts[0], parts[1]


def read(ctx: FunctionContext, args: str) -> str:
    location = family_and_key(NAME, args)
    if location is None:
        return ""
    value = ctx.astdb.get(*location)
    if value is None:
        return ""
    ctx.set_variable("DB_RESULT", value)
    return value


def write(ctx: FunctionContext, args: str, value: str) -> None:
    location = family_and_key(NAME, args)
    if location is not None:
        ctx.astdb.put(*location, value)
