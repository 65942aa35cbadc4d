"""Synopsis: The length of a string.

Syntax: LEN(string)

Description:
    The number of characters in *string* (the whole argument, commas included), so
    ``${LEN(${EXTEN})}`` is the number of digits dialed. An empty argument gives ``0``.
    Asterisk counts bytes; this counts characters, which differs only outside ASCII.
"""

from __future__ import annotations

from dialplan_engine.scope import FunctionContext

NAME = "LEN"


def read(ctx: FunctionContext, args: str) -> str:
    return str(len(args))
