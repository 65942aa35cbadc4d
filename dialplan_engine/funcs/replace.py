"""Synopsis: A variable's value with some characters replaced or removed.

Syntax: REPLACE(varname,find-chars[,replace-char])

Description:
    The value of the variable *varname* (a name, not ``${...}``) with every character
    that appears in *find-chars* replaced by *replace-char*, or removed when there is
    none: with ``X=555-12 34``, ``${REPLACE(X,- )}`` is ``5551234``. Escapes such as
    ``\\t`` are decoded in both; only the first character of *replace-char* is used. An
    empty value gives an empty result; an empty *varname* or *find-chars*, or a missing
    argument, is an error with an empty result.
"""

from __future__ import annotations

import logging

from dialplan_engine import substitution
from dialplan_engine.args import decode_char, decode_chars, split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "REPLACE"


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=3)
    if len(parts) < 2:
        _log.error("Usage: REPLACE(<varname>,<search-chars>[,<replace-char>])")
        return ""
    varname, find_text = parts[0], parts[1]
    find = decode_chars(find_text)
    replacement = decode_char(parts[2]) if len(parts) > 2 else None
    if not find or not varname:
        _log.error("The characters to search for and the variable name must not be empty.")
        return ""
    value = substitution.substitute("${" + varname + "}", ctx)
    return "".join(
        char if char not in find else (replacement or "") for char in value
    )
