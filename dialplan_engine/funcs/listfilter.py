"""Synopsis: A variable's delimited value without the fields equal to a value.

Syntax: LISTFILTER(varname,delimiter,value)

Description:
    The value of the variable *varname* (a name, not ``${...}``) split at *delimiter*
    (one or more characters, ``\\t``-style escapes decoded; ``,`` when empty), without the
    fields that are exactly *value*, joined again:
    ``Set(L=${LISTFILTER(L,&,PJSIP/101)})`` takes one member out of a dial list. The
    variable itself is not changed. An empty variable or a missing argument is an error
    with an empty result.
"""

from __future__ import annotations

import logging

from dialplan_engine import substitution
from dialplan_engine.args import decode_chars, split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "LISTFILTER"


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=3)
    if len(parts) < 3:
        _log.error("Usage: LISTFILTER(<listname>,<delimiter>,<fieldvalue>)")
        return ""
    varname, delimiter_text, unwanted = parts
    value = substitution.substitute("${" + varname + "}", ctx)
    if not value:
        _log.error("List variable '%s' not found", varname)
        return ""
    if unwanted not in value:
        return value
    delimiter = decode_chars(delimiter_text) or ","
    return delimiter.join(field for field in value.split(delimiter) if field != unwanted)
