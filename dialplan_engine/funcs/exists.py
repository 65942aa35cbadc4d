"""Synopsis: Whether a value is non-empty.

Syntax: EXISTS(data)

Description:
    ``1`` when *data* is not empty, ``0`` when it is. The opposite of ``ISNULL``.
"""

from __future__ import annotations

from dialplan_engine.scope import FunctionContext

NAME = "EXISTS"


def read(ctx: FunctionContext, args: str) -> str:
    return "1" if args else "0"
