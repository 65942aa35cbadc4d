"""Synopsis: The keys of a hash.

Syntax: HASHKEYS(hashname)

Description:
    The keys set with ``Set(HASH(hashname,key)=value)`` on this channel, comma-separated,
    the most recently set first. *hashname* is compared ignoring letter case. An unknown
    hash gives an empty result.
"""

from __future__ import annotations

from dialplan_engine.scope import FunctionContext

NAME = "HASHKEYS"


def variable(hashname: str, key: str) -> str:
    """The channel variable that holds one value of a hash, named as Asterisk names it."""
    return f"~HASH~{hashname}~{key}~"


def keys(ctx: FunctionContext, hashname: str) -> list[str]:
    prefix = variable(hashname, "")[:-1].lower()
    return [
        name[len(prefix) : -1]
        for name in ctx.variable_names()
        if name.lower().startswith(prefix) and name.endswith("~")
    ]


def read(ctx: FunctionContext, args: str) -> str:
    return ",".join(keys(ctx, args))
