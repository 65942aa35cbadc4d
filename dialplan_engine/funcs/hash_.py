"""Synopsis: One value of a named hash (an associative array of the channel).

Syntax: HASH(hashname[,key])

Description:
    ``Set(HASH(h,key)=value)`` stores a value, ``${HASH(h,key)}`` reads it (empty when
    unset); a ``_`` or ``__`` prefix on *hashname* makes the value inherited, as in Set.
    With no *key*, ``${HASH(h)}`` gives every value of *h*, comma-separated in
    ``HASHKEYS(h)`` order, and remembers that order, so ``Set(HASH(h)=v1,v2,...)`` stores
    values back under the same keys (nothing is stored before such a read). The values
    live in channel variables named ``~HASH~h~key~``, as in Asterisk.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args
from dialplan_engine.funcs import array_, hashkeys
from dialplan_engine.scope import FunctionContext, split_inheritance

_log = logging.getLogger(__name__)

NAME = "HASH"
FIELDS = "~ODBCFIELDS~"
"""The key order the last whole-hash read gave (Asterisk shares it with ODBC)."""


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=2)
    if len(parts) == 2:
        return ctx.get_variable(hashkeys.variable(*parts)) or ""
    if not parts:
        _log.warning("Syntax: HASH(<hashname>[,<hashkey>])")
        return ""
    keys = hashkeys.keys(ctx, parts[0])
    ctx.set_variable(FIELDS, ",".join(keys))
    return ",".join(ctx.get_variable(hashkeys.variable(parts[0], key)) or "" for key in keys)


def write(ctx: FunctionContext, args: str, value: str) -> None:
    parts = split_args(args, limit=2)
    hashname = parts[0] if parts else ""
    stored, _ = split_inheritance(hashname)
    marker = hashname[: len(hashname) - len(stored)]
    if len(parts) == 2:
        ctx.set_variable(marker + hashkeys.variable(stored, parts[1]), value)
        return
    fields = ctx.get_variable(FIELDS)
    if fields is None:
        _log.warning("HASH(%s)=...: read ${HASH(%s)} first to know its keys", args, args)
        return
    names = [marker + hashkeys.variable(stored, key) for key in split_args(fields)]
    array_.assign_each(ctx, names, value)
