"""Synopsis: A string encoded for a URI.

Syntax: URIENCODE(data)

Description:
    *data* (the whole argument) with every byte of its UTF-8 form other than letters,
    digits and ``-_.!~*'()`` written as ``%XX`` (upper-case hex), as RFC 3986 wants for a
    query value: ``a b&c`` gives ``a%20b%26c``.
"""

from __future__ import annotations

from urllib.parse import quote

from dialplan_engine.scope import FunctionContext

NAME = "URIENCODE"
_UNRESERVED_MARKS = "-_.!~*'()"


def read(ctx: FunctionContext, args: str) -> str:
    return quote(args, safe=_UNRESERVED_MARKS, encoding="utf-8", errors="surrogateescape")
