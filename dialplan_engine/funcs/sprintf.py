"""Synopsis: Values formatted the way C's ``printf`` does it.

Syntax: SPRINTF(format,arg1[,arg2[,...]])

Description:
    *format* with each conversion replaced by the next argument: ``%d %i %o %u %x %X %c``
    take an integer (``%c`` prints the character with that code), ``%e %E %f %F %g %G`` a
    number, ``%s`` any text, ``%%`` is a percent sign. Flags ``#0- +``, a width and a
    ``.precision`` work as in C (``'`` and ``I`` are accepted and ignored, so are the size
    letters ``h l ll L q j z t``): ``${SPRINTF(%03d,7)}`` is ``007``,
    ``${SPRINTF(%.2f,3.14159)}`` is ``3.14``. The arguments are split at commas as
    usual, so quote one that holds a comma. A ``%s`` without an argument prints nothing.

    An argument that is not a number where one is needed, a conversion without an
    argument, or an unknown conversion (``%a``, ``%n``, ``%p``...) gives an empty result
    and an error.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from dialplan_engine.args import scan_float, scan_int, split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "SPRINTF"

_MAX_ARGUMENTS = 100
_CONVERSION = re.compile(
    r"%(?P<flags>[#0\- +'I]*)(?P<width>[0-9]*)(?:\.(?P<precision>[0-9]*))?"
    r"(?:hh|ll|[hlLqjzt])?(?P<conversion>.)",
    re.DOTALL,
)
_INTEGER = "diouxXc"
_UNSIGNED = "ouxX"
_FLOATING = "eEfFgG"


class _FormatError(ValueError):
    pass


def read(ctx: FunctionContext, args: str) -> str:
    parts = split_args(args, limit=_MAX_ARGUMENTS + 1)
    if not parts:
        return ""
    template, values = parts[0], iter(parts[1:])
    out: list[str] = []
    position = 0
    try:
        while (percent := template.find("%", position)) >= 0:
            out.append(template[position:percent])
            found = _CONVERSION.match(template, percent)
            if found is None:
                # A conversion cut off by the end of the format prints nothing.
                position = len(template)
                break
            out.append(_convert(found, values))
            position = found.end()
        else:
            out.append(template[position:])
    except _FormatError as error:
        _log.error("%s", error)
        return ""
    return "".join(out)


def _convert(found: re.Match[str], values: Iterator[str]) -> str:
    spec = found.group(0)
    conversion = found["conversion"]
    if conversion == "%":
        return "%"
    flags = found["flags"].replace("'", "").replace("I", "")
    width = found["width"]
    precision = found["precision"]
    if conversion == "s":
        return _printf(flags, width, precision, "s", next(values, ""))
    if conversion not in _INTEGER + _FLOATING:
        argument = next(values, "")
        raise _FormatError(f"Format type not supported: '{spec}' with argument '{argument}'")
    text = next(values, None)
    if text is None:
        raise _FormatError("SPRINTF() has more format specifiers than arguments!")
    if conversion in _FLOATING:
        number = scan_float(text)
        if number is None:
            raise _FormatError(
                f"Argument '{text}' is not a floating point number for format '{spec}'"
            )
        return _printf(flags, width, precision, conversion, number)
    integer = scan_int(text)
    if integer is None:
        raise _FormatError(f"Argument '{text}' is not an integer number for format '{spec}'")
    if conversion == "c":
        return _printf(flags.replace("#", ""), width, None, "s", chr(integer & 0xFF))
    if conversion in _UNSIGNED:
        integer %= 2**32
    if "#" in flags and (integer == 0 or conversion == "o"):
        # C writes no 0x for zero, and marks octal with a leading 0 (Python writes 0o).
        flags = flags.replace("#", "")
        digits = len(f"{integer:o}")
        if conversion == "o" and integer and int(precision or 0) <= digits:
            precision = str(digits + 1)
    return _printf(flags, width, precision, "d" if conversion == "i" else conversion, integer)


def _printf(flags: str, width: str, precision: str | None, conversion: str, value: object) -> str:
    dot = "" if precision is None else "." + (precision or "0")
    return f"%{flags}{width}{dot}{conversion}" % (value,)
