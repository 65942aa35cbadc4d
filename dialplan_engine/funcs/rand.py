"""Synopsis: A random integer.

Syntax: RAND([min][,max])

Description:
    A random integer from *min* (default 0) to *max* (default 2147483647), both included;
    the bounds are swapped when *max* is smaller. A bound that is not a number counts as
    missing.
"""

from __future__ import annotations

import random

from dialplan_engine.args import scan_int, split_args
from dialplan_engine.scope import FunctionContext

NAME = "RAND"

_RAND_MAX = 2**31 - 1


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=2)
    low = scan_int(parts[0]) if parts else None
    high = scan_int(parts[1]) if len(parts) == 2 else None
    low = 0 if low is None else low
    high = _RAND_MAX if high is None else high
    low, high = min(low, high), max(low, high)
    return str(random.randint(low, high))
