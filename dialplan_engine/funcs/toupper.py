"""Synopsis: A string in upper case.

Syntax: TOUPPER(string)

Description:
    *string* with the ASCII letters a-z turned into A-Z; other characters are unchanged,
    as with C's ``toupper`` in the C locale.
"""

from __future__ import annotations

import string

from dialplan_engine.scope import FunctionContext

NAME = "TOUPPER"

_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def read(ctx: FunctionContext, args: str) -> str:
    return args.translate(_UPPER)
