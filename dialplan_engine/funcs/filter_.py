"""Synopsis: Only the allowed characters of a string.

Syntax: FILTER(allowed-chars,string)

Description:
    The characters of *string* that appear in *allowed-chars*, in order:
    ``${FILTER(0-9,${CALLERID(num)})}`` keeps the digits. *allowed-chars* may hold ranges
    (``a-z``; one whose end comes before its start wraps past ``\\xff``, with a warning;
    a final dash is a range of one character) and ``\\t``-style escapes (``\\-`` for a
    literal dash, ``\\x41``). Its quotes are kept, so a leading ``"`` warns. *string* is
    the rest of the argument, commas included. Without a *string* argument, or with a
    ``\\x`` that has no hex digit, the result is empty and an error is logged.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import decode_char_at, split_raw
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "FILTER"
_BYTE = 256


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_raw(args, limit=2)
    if len(parts) < 2:
        _log.error("Usage: FILTER(<allowed-chars>,<string>)")
        return ""
    spec, text = parts
    if spec.startswith('"'):
        _log.warning(
            'FILTER allowed characters includes the quote (") character.  '
            "This may not be what you want."
        )
    allowed = _allowed(spec, args)
    if allowed is None:
        return ""
    return "".join(char for char in text if char in allowed)


def _allowed(spec: str, args: str) -> set[str] | None:
    allowed: set[str] = set()
    i = 0
    while i < len(spec):
        first = decode_char_at(spec, i)
        if first is None:
            return None
        start, i = first[0], i + first[1]
        if spec[i : i + 1] != "-":
            allowed.add(start)
            continue
        last = decode_char_at(spec, i + 1)
        # A dash with nothing after it ends a range at its own start.
        end, taken = last if last is not None else (start, 0)
        i += 1 + taken
        low, high = ord(start), ord(end)
        if high >= low:
            allowed.update(map(chr, range(low, high + 1)))
        else:
            _log.warning("Range wrapping in FILTER(%s).  This may not be what you want.", args)
            allowed.update(map(chr, range(low, max(low + 1, _BYTE))))
            allowed.update(map(chr, range(high + 1)))
    return allowed
