"""Synopsis: The SHA-1 digest of a string.

Syntax: SHA1(data)

Description:
    The SHA-1 digest of *data* (the whole argument, as UTF-8 bytes) in 40 lower-case hex
    digits. An empty argument gives an empty result and a warning.
"""

from __future__ import annotations

import hashlib
import logging

from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "SHA1"


def read(ctx: FunctionContext, args: str) -> str:
    if not args:
        _log.warning("Syntax: SHA1(<data>) - missing argument!")
        return ""
    return hashlib.sha1(args.encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest()
