"""Synopsis: The position of a field in a variable's value.

Syntax: FIELDNUM(varname,delim,value)

Description:
    The number (from 1) of the first *delim*-separated field of the variable *varname*
    (a name, not ``${...}``) that equals *value*, ignoring letter case: with
    ``X=a-b-c``, ``${FIELDNUM(X,-,b)}`` is ``2``. ``0`` when no field matches, the value is
    empty or *delim* is empty. *delim* is one character, ``\\t``-style escapes decoded. A
    missing argument is an error and gives an empty result.
"""

from __future__ import annotations

import logging

from dialplan_engine import substitution
from dialplan_engine.args import decode_char, split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "FIELDNUM"


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=3)
    if len(parts) < 3:
        _log.error("Usage: FIELDNUM(<listname>,<delimiter>,<fieldvalue>)")
        return ""
    varname, delimiter_text, wanted = parts
    value = substitution.substitute("${" + varname + "}", ctx)
    if not value or not delimiter_text:
        return "0"
    delimiter = decode_char(delimiter_text)
    if delimiter is None:
        return ""
    fields = value.split(delimiter)
    wanted = wanted.lower()
    return next((str(n) for n, field in enumerate(fields, 1) if field.lower() == wanted), "0")
