"""Synopsis: A string quoted as a CSV field.

Syntax: CSV_QUOTE(string)

Description:
    *string* (the whole argument) between double quotes, each ``"`` in it doubled, as a
    field of a CSV file: ``a"b,c`` gives ``"a""b,c"``. An empty argument gives ``""``.
"""

from __future__ import annotations

from dialplan_engine.scope import FunctionContext

NAME = "CSV_QUOTE"


def read(ctx: FunctionContext, args: str) -> str:
    escaped = args.replace('"', '""')
    return f'"{escaped}"'
