"""Synopsis: A string in double quotes, for a shell command or an expression.

Syntax: QUOTE(string)

Description:
    *string* (the whole argument) between double quotes, with each ``\\`` and ``"`` in
    it escaped by a backslash: ``a"b`` gives ``"a\\"b"``. An empty argument gives ``""``
    and a warning.
"""

from __future__ import annotations

import logging

from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "QUOTE"


def read(ctx: FunctionContext, args: str) -> str:
    if not args:
        _log.warning("No argument specified!")
    escaped = args.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
