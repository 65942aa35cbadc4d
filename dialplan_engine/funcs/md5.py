"""Synopsis: The MD5 digest of a string.

Syntax: MD5(data)

Description:
    The MD5 digest of *data* (the whole argument, as UTF-8 bytes) in 32 lower-case hex
    digits. An empty argument gives an empty result and a warning.
"""

from __future__ import annotations

import hashlib
import logging

from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "MD5"


def read(ctx: FunctionContext, args: str) -> str:
    if not args:
        _log.warning("Syntax: MD5(<data>) - missing argument!")
        return ""
    return hashlib.md5(args.encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest()
