"""Synopsis: A string in base64.

Syntax: BASE64_ENCODE(string)

Description:
    *string* (the whole argument, as UTF-8 bytes) encoded in standard base64 with ``=``
    padding and no line breaks. An empty argument gives an empty result and a warning.
    Text that ``BASE64_DECODE`` gave back, bytes that are not UTF-8 included, encodes to
    the same bytes again.
"""

from __future__ import annotations

import base64
import logging

from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "BASE64_ENCODE"


def read(ctx: FunctionContext, args: str) -> str:
    if not args:
        _log.warning("Syntax: BASE64_ENCODE(<data>) - missing argument!")
        return ""
    return base64.b64encode(args.encode("utf-8", "surrogateescape")).decode("ascii")
