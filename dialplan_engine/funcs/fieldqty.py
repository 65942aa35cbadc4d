"""Synopsis: How many fields a variable's value has.

Syntax: FIELDQTY(varname,delim)

Description:
    The number of *delim*-separated fields in the value of the variable *varname* (a
    name, not ``${...}``): with ``X=a-b-c``, ``${FIELDQTY(X,-)}`` is ``3``. *delim* is one
    character, ``\\t``-style escapes decoded. An empty value has 0 fields; without a
    *delim* argument the answer is 1.
"""

from __future__ import annotations

from dialplan_engine import substitution
from dialplan_engine.args import decode_char, split_args
from dialplan_engine.scope import FunctionContext

NAME = "FIELDQTY"


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=2)
    if len(parts) < 2:
        return "1"
    varname, delimiter_text = parts
    value = substitution.substitute("${" + varname + "}", ctx)
    if not value:
        return "0"
    delimiter = decode_char(delimiter_text)
    if not delimiter:
        return "1"
    return str(value.count(delimiter) + 1)
