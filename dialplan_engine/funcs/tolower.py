"""Synopsis: A string in lower case.

Syntax: TOLOWER(string)

Description:
    *string* with the ASCII letters A-Z turned into a-z; other characters are unchanged,
    as with C's ``tolower`` in the C locale.
"""

from __future__ import annotations

import string

from dialplan_engine.scope import FunctionContext

NAME = "TOLOWER"

_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def read(ctx: FunctionContext, args: str) -> str:
    return args.translate(_LOWER)
