"""Synopsis: Fields of a variable's value, cut at a delimiter.

Syntax: CUT(varname,char-delim,range-spec)

Description:
    Splits the value of the variable *varname* (a name, not ``${...}``) at *char-delim*
    — one character; ``\\t``-style escapes are decoded; ``-`` when empty — and gives the
    fields that *range-spec* selects, joined by the delimiter again. Fields count from 1;
    *range-spec* is ``&``-separated parts, each ``n``, ``n-m``, ``-m`` (1 to m) or ``n-``
    (n to the end): with ``X=a-b-c-d``, ``${CUT(X,-,2&4)}`` is ``b-d``. Fields are taken
    in order, so ``3&1`` gives only field 3 (with a warning). A malformed range gives an
    empty result.
"""

from __future__ import annotations

import logging

from dialplan_engine import substitution
from dialplan_engine.args import decode_char, scan_int_prefix, split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "CUT"

_INT_MAX = 2**31 - 1


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=3)
    if len(parts) < 3:
        _log.error("Syntax: CUT(<varname>,<char-delim>,<range-spec>) - missing argument!")
        return ""
    varname, delimiter_text, range_spec = parts
    delimiter = decode_char(delimiter_text) or "-"
    value = substitution.substitute("${" + varname + "}", ctx)
    if not value:
        return ""
    remaining: str | None = value
    field_number = 1
    selected: list[str] = []
    for part in range_spec.split("&"):
        if remaining is None:
            break
        bounds = _range(part)
        if bounds is None:
            _log.error("Usage: CUT(<varname>,<char-delim>,<range-spec>)")
            return ""
        start, stop = bounds
        while remaining is not None and field_number < start:
            remaining = _rest_after(remaining, delimiter)
            field_number += 1
        if field_number > start:
            _log.warning("We're already past the field you wanted?")
        while remaining is not None and field_number <= stop:
            field, _, rest = remaining.partition(delimiter)
            selected.append(field)
            remaining = rest if delimiter in remaining else None
            field_number += 1
    return delimiter.join(selected)


def _rest_after(text: str, delimiter: str) -> str | None:
    """What ``strsep`` leaves after the first field: None once no delimiter remains."""
    _, found, rest = text.partition(delimiter)
    return rest if found else None


def _range(part: str) -> tuple[int, int] | None:
    """One range of the spec, read with the same ``sscanf`` patterns as Asterisk."""
    first = scan_int_prefix(part)
    if first is not None and part[first[1] : first[1] + 1] == "-":
        second = scan_int_prefix(part, first[1] + 1)
        if second is not None:
            return first[0], second[0]
    if part.startswith("-"):
        end = scan_int_prefix(part, 1)
        if end is not None:
            return 1, end[0]
    if first is not None:
        if part[first[1] : first[1] + 1] == "-":
            return first[0], _INT_MAX
        return first[0], first[0]
    return None
