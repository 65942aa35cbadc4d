"""Synopsis: One arithmetic or comparison operation on two numbers.

Syntax: MATH(expression[,type])

Description:
    *expression* is ``number1 op number2`` (blanks allowed around the operator), *op*
    one of ``+ - * / % ^`` (power), ``<< >>`` (shifts), ``AND OR XOR`` (bitwise), and the
    comparisons ``< > <= >= ==``, which give ``TRUE`` or ``FALSE``. The other results are
    written as *type* says: ``f``/``float`` (the default, six decimals: ``${MATH(3/2)}``
    is ``1.500000``), ``i``/``int`` (truncated), ``h``/``hex`` (lower-case hex of the
    unsigned 32-bit value) or ``c``/``char`` (the character with that code, modulo 256).
    ``%``, shifts and bitwise operations work on the integer parts; dividing by zero or
    by a negative number gives 0, as in Asterisk.

    Operators are looked for in the order ``* / % ^ AND XOR OR > < == + -``, the first one
    found splits the expression, and a ``-`` at the very start is the sign of *number1*:
    ``${MATH(-2*-3,i)}`` is ``6``. Prefer ``$[...]`` for anything longer. A missing
    operator or number, or an unknown *type*, gives an empty result and a warning.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from dialplan_engine.args import scan_float, split_args
from dialplan_engine.scope import FunctionContext

_log = logging.getLogger(__name__)

NAME = "MATH"

_INT_MIN = -(2**31)
_SYMBOLS = ("*", "/", "%", "^")
_WORDS = ("AND", "XOR", "OR")


def c_int(value: float) -> int:
    """C's ``(int)`` cast as x86 does it: truncation; NaN and out-of-range give INT_MIN."""
    if not math.isfinite(value) or not _INT_MIN <= value < 2**31:
        return _INT_MIN
    return int(value)


def _wrap32(value: int) -> int:
    return (value + 2**31) % 2**32 - 2**31


def _remainder(a: float, b: float) -> float:
    left, right = c_int(a), c_int(b)
    return 0.0 if right == 0 else math.fmod(left, right)


def _power(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: 0.0 if b <= 0 else a / b,
    "%": _remainder,
    "^": _power,
    "<<": lambda a, b: _wrap32(c_int(a) << (c_int(b) & 31)),
    ">>": lambda a, b: c_int(a) >> (c_int(b) & 31),
    "AND": lambda a, b: c_int(a) & c_int(b),
    "XOR": lambda a, b: c_int(a) ^ c_int(b),
    "OR": lambda a, b: c_int(a) | c_int(b),
}
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    "==": lambda a, b: a == b,
}
_TYPES = {
    "f": "f",
    "float": "f",
    "i": "i",
    "int": "i",
    "h": "h",
    "hex": "h",
    "c": "c",
    "char": "c",
}


def read(ctx: FunctionContext, args: str) -> str:
    if not args:
        _log.warning("Syntax: MATH(<number1><op><number 2>[,<type_of_result>]) - missing argument!")
        return ""
    parts = split_args(args, limit=2)
    expression = parts[0]
    negative = expression.startswith("-")
    found = _split(expression[1:] if negative else expression)
    kind = "f"
    if len(parts) > 1:
        wanted = _TYPES.get(parts[1].lower())
        if wanted is None:
            _log.warning("Unknown type of result requested '%s'.", parts[1])
            return ""
        kind = wanted
    if found is None:
        _log.warning("Supply all the parameters - just this once, please")
        return ""
    left_text, operator, right_text = found
    left, right = scan_float(left_text), scan_float(right_text)
    if left is None or right is None:
        _log.warning("'%s' is not a valid number", left_text if left is None else right_text)
        return ""
    if negative:
        left = -left
    comparison = _COMPARISONS.get(operator)
    if comparison is not None:
        return "TRUE" if comparison(left, right) else "FALSE"
    return _format(float(_ARITHMETIC[operator](left, right)), kind)


def _split(expression: str) -> tuple[str, str, str] | None:
    """The first operator found, in Asterisk's order, and the texts around it."""
    for symbol in (*_SYMBOLS, *_WORDS):
        at = expression.find(symbol)
        if at >= 0:
            return expression[:at], symbol, expression[at + len(symbol) :]
    for symbol in (">", "<"):
        at = expression.find(symbol)
        if at >= 0:
            following = expression[at + 1 : at + 2]
            operator = symbol + following if following in ("=", symbol) else symbol
            return expression[:at], operator, expression[at + len(operator) :]
    at = expression.find("=")
    if at >= 0:
        if expression[at + 1 : at + 2] != "=":
            return None
        return expression[:at], "==", expression[at + 2 :]
    for symbol in ("+", "-"):
        at = expression.find(symbol)
        if at >= 0:
            return expression[:at], symbol, expression[at + 1 :]
    return None


def _format(value: float, kind: str) -> str:
    if kind == "f":
        return f"{value:f}"
    if kind == "i":
        return str(c_int(value))
    # Casts to unsigned types go through a 64-bit integer on x86; out of range gives 0.
    whole = int(value) if math.isfinite(value) and abs(value) < 2**63 else 0
    if kind == "h":
        return f"{whole % 2**32:x}"
    code = whole % 256
    return chr(code) if code else ""
