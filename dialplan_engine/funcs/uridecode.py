"""Synopsis: The text a URI-encoded string stands for.

Syntax: URIDECODE(data)

Description:
    *data* with each ``%XX`` (two hex digits) turned back into its byte and each ``+``
    into a space; the bytes are read as UTF-8 (bytes that are not UTF-8 are kept, so
    ``URIENCODE`` gives them back). A ``%`` not followed by two hex digits stays as it is.
"""

from __future__ import annotations

import re

from dialplan_engine.scope import FunctionContext

NAME = "URIDECODE"

_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


def read(ctx: FunctionContext, args: str) -> str:
    raw = args.replace("+", " ").encode("utf-8", "surrogateescape")
    decoded = _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), raw.decode("latin-1"))
    return decoded.encode("latin-1").decode("utf-8", "surrogateescape")
