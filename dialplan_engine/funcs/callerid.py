"""Synopsis: The caller's number and name on this channel.

Syntax: CALLERID(datatype[,caller-id])

Description:
    *datatype* is ``num`` (any word starting with ``num``, so ``number`` works), ``name``
    or ``all``, in any letter case. ``all`` reads as ``"Name" <number>``, or just the name
    or just the number when the other one is empty.

    With a second argument, the caller ID read is that text instead of the channel's:
    ``${CALLERID(num,"Bob" <201>)}`` is ``201``, and ``all`` then always has the
    ``"name" <number>`` form.

    Writing changes the channel's caller ID: ``Set(CALLERID(num)=201)``,
    ``Set(CALLERID(name)=Reception)``, or both at once with ``Set(CALLERID(all)="Bob" <201>)``.
    Blanks around a written value are removed. Other data types of Asterisk (``ani``,
    ``rdnis``, ``pres``...) are not supported: they read as empty and log an error.
"""

from __future__ import annotations

import logging

from dialplan_engine.args import split_args, strip_blanks
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "CALLERID"

_PHONE_CHARS = frozenset("0123456789*#+")


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=2)
    if not parts:
        return ""
    datatype = parts[0].lower()
    if len(parts) == 2:
        name, number = split_caller_id(parts[1])
        if datatype.startswith("all"):
            return f'"{name}" <{number}>'
        if datatype.startswith("name"):
            return name
        if datatype.startswith("num"):
            return number
    else:
        name, number = ctx.channel.caller_name, ctx.channel.caller_number
        if datatype == "all":
            if name:
                return f'"{name}" <{number}>' if number else name
            return number
        if datatype.startswith("name"):
            return name
        if datatype.startswith("num"):
            return number
    _log.error("Unknown callerid data type '%s'.", args)
    return ""


def write(ctx: FunctionContext, args: str, value: str) -> None:
    datatype = args.lower()
    value = strip_blanks(value)
    if datatype == "all":
        ctx.channel.caller_name, ctx.channel.caller_number = split_caller_id(value)
    elif datatype.startswith("name"):
        ctx.channel.caller_name = value
    elif datatype.startswith("num"):
        ctx.channel.caller_number = value
    else:
        _log.error("Unknown callerid data type '%s'.", args)


def split_caller_id(text: str) -> tuple[str, str]:
    """Name and number of a caller ID string, as ``ast_callerid_split`` reads it:
    ``"Name" <number>``, ``Name <number>``, a bare number, or a bare name."""
    unquoted, was_quoted = _strip_quoted(text)
    left = unquoted.rfind("<")
    if left >= 0:
        location = unquoted[left + 1 :]
        right = location.rfind(">")
        if right >= 0:
            location = location[:right]
        name = _unescape(_strip_quoted(unquoted[:left])[0])
        return name, _shrink_phone_number(location)
    shrunk = _shrink_phone_number(unquoted)
    if not was_quoted and shrunk and all(char in _PHONE_CHARS for char in shrunk):
        return "", shrunk
    return _unescape(_strip_quoted(unquoted)[0]), ""


def _strip_quoted(text: str) -> tuple[str, bool]:
    """*text* without its blanks and one pair of surrounding double quotes (a lone ``"``
    counts as both), and whether there were quotes."""
    text = strip_blanks(text)
    if text[:1] == '"' and text[-1:] == '"':
        return text[1:-1], True
    return text, False


def _unescape(text: str) -> str:
    out: list[str] = []
    escaped = False
    for char in text:
        if char == "\\" and not escaped:
            escaped = True
            continue
        out.append(char)
        escaped = False
    return "".join(out)


def _shrink_phone_number(number: str) -> str:
    """``ast_shrink_phone_number``: drop the ``( )`` spacing and ``-`` / ``.`` separators
    people write in numbers (``-`` is kept inside ``[...]``, a final ``.`` is kept)."""
    out: list[str] = []
    bracketed = 0
    for index, char in enumerate(number):
        if char == "[":
            bracketed += 1
        elif char == "]":
            bracketed -= 1
        elif (
            (char == "-" and not bracketed)
            or (char == "." and index != len(number) - 1)
            or char in "( )"
        ):
            continue
        out.append(char)
    return "".join(out)
