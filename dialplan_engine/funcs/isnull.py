"""Synopsis: Whether a value is empty.

Syntax: ISNULL(data)

Description:
    ``1`` when *data* is empty, ``0`` otherwise: ``${ISNULL(${CALLERID(num)})}`` tells an
    anonymous caller apart. The opposite of ``EXISTS``.
"""

from __future__ import annotations

from dialplan_engine.scope import FunctionContext

NAME = "ISNULL"


def read(ctx: FunctionContext, args: str) -> str:
    return "0" if args else "1"
