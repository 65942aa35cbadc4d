"""``$[...]`` expressions, evaluated the way Asterisk's ``ast_expr`` does it.

Values are strings that may look like numbers. The scanner makes a number-looking token
(``[0-9]+(\\.[0-9]+)?``) a *numeric string*, a double-quoted token a plain string with its
quotes, anything else a plain string. Arithmetic converts numeric strings to numbers and
treats plain strings as non-numeric (a warning, and the operator's fallback result);
comparisons compare numerically only when neither side is a plain string. Operators, lowest
precedence first (left-associative except the unary ones):

=====  ===========================================================================
1      ``a ? b :: c``
2      ``|`` ``||``: *a* unless it is empty or zero, else *b*
3      ``&`` ``&&``: *a* when both are non-empty and non-zero, else 0
4      ``=`` ``==`` ``!=`` ``<`` ``>`` ``<=`` ``>=`` → 1 or 0
5      ``+`` ``-``
6      ``*`` ``/`` ``%`` (division by zero: a warning and 2147483647)
7      unary ``-`` and ``!``
8      ``:`` (regex anchored at the start), ``=~`` (unanchored), ``~~`` (concatenation)
=====  ===========================================================================

plus parentheses and function calls: the C math functions Asterisk offers (``SQRT``,
``FLOOR``, ``POW``...) and, for any other upper-case name, a dialplan function through the
*call_function* callback. Regex operators return group 1 when the pattern has a group that
took part, else the length of the match.

Numbers: Asterisk computes in C ``long double`` and prints with ``%.18Lg``. Here they are
:class:`~decimal.Decimal` values with 20 significant digits, printed with 18, which gives
the same text for everyday results (``3/2`` → ``1.5``, ``1/3`` → ``0.333333333333333333``,
integers exact up to 18 digits) without binary rounding noise.

A syntax error logs a warning and yields ``0``, as ``ast_expr`` does. :func:`evaluate`
never raises.
"""

from __future__ import annotations

import enum
import logging
import math
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    getcontext,
    localcontext,
)

from dialplan_engine.args import scan_int
from dialplan_engine.posix_regex import RegexError, compile_ere

_log = logging.getLogger(__name__)

CallFunction = Callable[[str, str], str | None]
"""``(name, arguments) -> result``, or None when no such dialplan function exists."""

_ARITHMETIC = Context(prec=20, rounding=ROUND_HALF_EVEN, Emax=4932, Emin=-4951, traps=[])
"""Roughly the range and a little more than the precision of an x86 ``long double``;
no traps, so overflow gives infinity and invalid operations NaN, as in C."""
_PRINTING = Context(prec=18, rounding=ROUND_HALF_EVEN, Emax=4932, Emin=-4951, traps=[])
_INT_MAX = Decimal(2147483647)
_ZERO = Decimal(0)
_MAX_DEPTH = 100
"""Nesting beyond this is reported as a syntax error instead of exhausting the stack."""

_TWO_CHAR_OPERATORS = frozenset({"||", "&&", "==", "=~", "~~", ">=", "<=", "!=", "::"})
_ONE_CHAR_OPERATORS = frozenset("|&=><+,-*/%?!:()")
_WORD_CHARS = frozenset(string.ascii_letters + string.digits + ".';\\_^#@")
_TRAIL_STOP = frozenset("-\t\r \n$():?%/+=*<>!|&")
_SPACE = frozenset(" \t\r\n")
_NUMBER_TOKEN = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_STRTOLD = re.compile(r"[ \t\n\v\f\r]*([+-]?)([0-9]*)(?:\.([0-9]*))?")
_FUNCTION_NAME_CHARS = frozenset(string.ascii_uppercase + "_" + string.digits)
_REALLY_NUMERIC_CHARS = frozenset("-0123456789. \t")
_NUMERIC_STRING_CHARS = frozenset("0123456789.")

_LEVELS = {
    "?": 1,
    "|": 2,
    "||": 2,
    "&": 3,
    "&&": 3,
    "=": 4,
    "==": 4,
    "!=": 4,
    "<": 4,
    ">": 4,
    "<=": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "%": 6,
    ":": 8,
    "=~": 8,
    "~~": 8,
}
_UNARY_OPERAND_LEVEL = 8
"""Unary operators bind tighter than ``*`` but looser than ``:``: ``-a : b`` is ``-(a : b)``."""


class _Kind(enum.Enum):
    NUMBER = enum.auto()
    NUMERIC_STRING = enum.auto()
    """Looks like a number; becomes one when an operator needs it, otherwise prints as typed."""
    STRING = enum.auto()


@dataclass(frozen=True, slots=True)
class _Value:
    kind: _Kind
    text: str = ""
    number: Decimal = _ZERO


class _ExpressionSyntaxError(Exception):
    pass


def evaluate(expr: str, call_function: CallFunction | None = None) -> str:
    """The result of ``$[expr]`` (*expr* already substituted)."""
    try:
        with localcontext(_ARITHMETIC):
            tokens = _tokenize(expr)
            result = _Parser(tokens, call_function).parse()
            return _text(result)
    except _ExpressionSyntaxError:
        _log.warning("Syntax error in expression %r", expr)
        return "0"


def is_true(value: str) -> bool:
    """The truth rule of ``GotoIf``, ``ExecIf``, ``IF()`` (``pbx_checkcondition``): empty is
    false, text starting with an integer has that integer's truth (``0``, `` 0``, ``0abc``
    are false), any other text — ``abc``, ``""``, a lone ``-`` — is true."""
    if not value:
        return False
    number = scan_int(value)
    return True if number is None else number != 0


# --- scanning -------------------------------------------------------------------------


def _tokenize(expr: str) -> list[str | _Value]:
    tokens: list[str | _Value] = []
    i, n = 0, len(expr)
    while i < n:
        char = expr[i]
        if char in _SPACE:
            i += 1
        elif expr.startswith("${", i):
            i = _scan_variable(expr, i, i + 2, tokens)
        elif expr[i : i + 2] in _TWO_CHAR_OPERATORS:
            tokens.append(expr[i : i + 2])
            i += 2
        elif char in _ONE_CHAR_OPERATORS:
            tokens.append(char)
            i += 1
        elif char == '"':
            close = expr.find('"', i + 1)
            if close < 0:
                # No rule matches a lone quote; the scanner skips it.
                i += 1
            else:
                tokens.append(_Value(_Kind.STRING, expr[i : close + 1]))
                i = close + 1
        else:
            i = _scan_word(expr, i, tokens)
    return tokens


def _scan_word(expr: str, start: int, tokens: list[str | _Value]) -> int:
    i, n = start, len(expr)
    while i < n:
        char = expr[i]
        if char in _WORD_CHARS or ord(char) >= 0x80:
            i += 1
        elif char == "$" and i + 1 < n and expr[i + 1] != "{":
            i += 2
        else:
            break
    if i == start:
        # Characters no rule matches (braces, brackets, control characters) are skipped.
        return start + 1
    if expr.startswith("${", i):
        return _scan_variable(expr, start, i + 2, tokens)
    text = expr[start:i]
    kind = _Kind.NUMERIC_STRING if _NUMBER_TOKEN.fullmatch(text) else _Kind.STRING
    tokens.append(_Value(kind, text))
    return i


def _scan_variable(expr: str, start: int, i: int, tokens: list[str | _Value]) -> int:
    """A token holding an unsubstituted ``${...}`` and what sticks to it; *i* is just after
    the ``${``. An unterminated one swallows the rest of the input."""
    n = len(expr)
    while True:
        depth = 0
        while True:
            brace = _next_brace(expr, i)
            if brace < 0:
                return n
            i = brace + 1
            if expr[brace] == "{":
                depth += 1
            else:
                depth -= 1
                if depth < 0:
                    break
        while i < n and expr[i] not in _TRAIL_STOP:
            i += 1
        if not expr.startswith("${", i):
            tokens.append(_Value(_Kind.STRING, expr[start:i]))
            return i
        i += 2


def _next_brace(expr: str, start: int) -> int:
    positions = [p for p in (expr.find("{", start), expr.find("}", start)) if p >= 0]
    return min(positions, default=-1)


# --- parsing --------------------------------------------------------------------------


class _Parser:
    def __init__(self, tokens: list[str | _Value], call_function: CallFunction | None) -> None:
        self._tokens = tokens
        self._pos = 0
        self._depth = 0
        self._call_function = call_function

    def parse(self) -> _Value:
        if not self._tokens:
            return _Value(_Kind.STRING, "")
        value = self._binary(1)
        if self._pos != len(self._tokens):
            raise _ExpressionSyntaxError
        return value

    def _peek_operator(self) -> str | None:
        if self._pos < len(self._tokens):
            token = self._tokens[self._pos]
            if isinstance(token, str):
                return token
        return None

    def _expect(self, operator: str) -> None:
        if self._peek_operator() != operator:
            raise _ExpressionSyntaxError
        self._pos += 1

    def _binary(self, min_level: int) -> _Value:
        self._depth += 1
        if self._depth > _MAX_DEPTH:
            raise _ExpressionSyntaxError
        left = self._unary()
        while True:
            operator = self._peek_operator()
            level = _LEVELS.get(operator or "")
            if operator is None or level is None or level < min_level:
                break
            self._pos += 1
            if operator == "?":
                if_true = self._binary(1)
                self._expect("::")
                if_false = self._binary(level + 1)
                left = _conditional(left, if_true, if_false)
            else:
                left = _BINARY[operator](left, self._binary(level + 1))
        self._depth -= 1
        return left

    def _unary(self) -> _Value:
        operator = self._peek_operator()
        if operator == "-":
            self._pos += 1
            return _negate(self._binary(_UNARY_OPERAND_LEVEL))
        if operator == "!":
            self._pos += 1
            return _complement(self._binary(_UNARY_OPERAND_LEVEL))
        return self._primary()

    def _primary(self) -> _Value:
        if self._pos >= len(self._tokens):
            raise _ExpressionSyntaxError
        token = self._tokens[self._pos]
        self._pos += 1
        if token == "(":
            inner = self._binary(1)
            self._expect(")")
            return inner
        if not isinstance(token, _Value):
            raise _ExpressionSyntaxError
        if self._peek_operator() != "(":
            return token
        self._pos += 1
        arguments = [self._binary(1)]
        while self._peek_operator() == ",":
            self._pos += 1
            if self._peek_operator() in (",", ")"):
                arguments.append(_make_str(""))
            else:
                arguments.append(self._binary(1))
        self._expect(")")
        return _call(token.text, arguments, self._call_function)


# --- values ---------------------------------------------------------------------------


def _number(value: Decimal) -> _Value:
    return _Value(_Kind.NUMBER, number=value)


def _make_str(text: str) -> _Value:
    """A computed string, numeric when it consists of digits and dots only."""
    if text and all(char in _NUMERIC_STRING_CHARS for char in text):
        return _Value(_Kind.NUMERIC_STRING, text)
    return _Value(_Kind.STRING, text)


def _strtold(text: str) -> Decimal:
    """``strtold``: the number at the start of *text* (0 when there is none)."""
    match = _STRTOLD.match(text)
    if match is None or not (match.group(2) or match.group(3)):
        return _ZERO
    sign, whole, fraction = match.group(1), match.group(2), match.group(3) or ""
    return getcontext().create_decimal(f"{sign}{whole or '0'}.{fraction}")


def _to_number(value: _Value) -> _Value | None:
    """The value as a number; None for a plain string, which never converts."""
    if value.kind is _Kind.STRING:
        return None
    return _number(_numeric(value))


def _numeric(value: _Value) -> Decimal:
    """The number of a value that is not a plain string."""
    return value.number if value.kind is _Kind.NUMBER else _strtold(value.text)


def _text(value: _Value) -> str:
    return _format(value.number) if value.kind is _Kind.NUMBER else value.text


def _format(value: Decimal) -> str:
    """``printf("%.18Lg")``."""
    if value.is_nan():
        return "-nan" if value.is_signed() else "nan"
    if value.is_infinite():
        return "-inf" if value.is_signed() else "inf"
    if value.is_zero():
        return "-0" if value.is_signed() else "0"
    with localcontext(_PRINTING):
        rounded = +value
    exponent = rounded.adjusted()
    if -4 <= exponent < _PRINTING.prec:
        fixed = format(rounded, "f")
        return fixed.rstrip("0").rstrip(".") if "." in fixed else fixed
    digits = "".join(map(str, rounded.as_tuple().digits)).rstrip("0") or "0"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sign = "-" if rounded.is_signed() else ""
    return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"


def _strip_quotes(text: str) -> str:
    if text.startswith('"') and text.endswith('"'):
        return text.replace('"', "")
    return text


def _zero_or_null(value: _Value) -> tuple[_Value, bool]:
    """Whether *value* counts as empty/zero for ``|`` and ``&``, and the value as converted
    by the test (a numeric string that was tested comes back as a number)."""
    if value.kind is _Kind.NUMBER:
        return value, value.number == 0
    if not value.text:
        return value, True
    converted = _to_number(value)
    if converted is None:
        return value, False
    return converted, converted.number == 0


def _non_numeric() -> None:
    _log.warning("non-numeric argument in expression")


# --- operators ------------------------------------------------------------------------


def _or(left: _Value, right: _Value) -> _Value:
    left, null = _zero_or_null(left)
    return right if null else left


def _and(left: _Value, right: _Value) -> _Value:
    left, left_null = _zero_or_null(left)
    if left_null:
        return _number(_ZERO)
    _, right_null = _zero_or_null(right)
    return _number(_ZERO) if right_null else left


def _comparison(test: Callable[[int], bool]) -> Callable[[_Value, _Value], _Value]:
    def compare(left: _Value, right: _Value) -> _Value:
        if left.kind is _Kind.STRING or right.kind is _Kind.STRING:
            a, b = _text(left), _text(right)
            order = (a > b) - (a < b)
        else:
            x, y = _numeric(left), _numeric(right)
            if x.is_nan() or y.is_nan():
                # C compares NaN as unordered: only != holds.
                return _number(Decimal(int(test(1) and test(-1))))
            order = (x > y) - (x < y)
        return _number(Decimal(int(test(order))))

    return compare


def _plus(left: _Value, right: _Value) -> _Value:
    a, b = _to_number(left), _to_number(right)
    if a is None:
        _non_numeric()
        return _number(_ZERO) if b is None else b
    if b is None:
        return a
    return _number(a.number + b.number)


def _minus(left: _Value, right: _Value) -> _Value:
    a, b = _to_number(left), _to_number(right)
    if a is None:
        _non_numeric()
        return _number(_ZERO) if b is None else _number(_ZERO - b.number)
    if b is None:
        _non_numeric()
        return a
    return _number(a.number - b.number)


def _times(left: _Value, right: _Value) -> _Value:
    a, b = _to_number(left), _to_number(right)
    if a is None or b is None:
        _non_numeric()
        return _number(_ZERO)
    return _number(a.number * b.number)


def _divide(left: _Value, right: _Value) -> _Value:
    a = _to_number(left)
    if a is None:
        _non_numeric()
        return _number(_ZERO)
    b = _to_number(right)
    if b is None:
        _non_numeric()
        return _number(_INT_MAX)
    if b.number == 0:
        _log.warning("division by zero in expression")
        return _number(_INT_MAX)
    return _number(a.number / b.number)


def _remainder(left: _Value, right: _Value) -> _Value:
    a, b = _to_number(left), _to_number(right)
    if a is None or b is None:
        _non_numeric()
        return _number(_ZERO)
    if b.number == 0:
        _log.warning("division by zero in expression")
        return b
    # Decimal's % keeps the sign of the dividend, like fmodl.
    return _number(a.number % b.number)


def _regex_match(anchored: bool) -> Callable[[_Value, _Value], _Value]:
    def match(left: _Value, right: _Value) -> _Value:
        subject, pattern = _strip_quotes(_text(left)), _strip_quotes(_text(right))
        try:
            regex = compile_ere(pattern)
        except RegexError as error:
            _log.warning("regcomp() error: %s", error)
            return _make_str("")
        found = regex.search(subject, anchored=anchored)
        if found is not None:
            if regex.groups and found.group(1) is not None:
                return _make_str(found.group(1))
            return _number(Decimal(len(found.group())))
        return _number(_ZERO) if not regex.groups else _make_str("")

    return match


def _concatenate(left: _Value, right: _Value) -> _Value:
    return _make_str(_strip_quotes(_text(left)) + _strip_quotes(_text(right)))


def _conditional(condition: _Value, if_true: _Value, if_false: _Value) -> _Value:
    if condition.kind is _Kind.STRING:
        chosen = condition.text not in ("", '""', "0")
    else:
        chosen = _numeric(condition) != 0
    return if_true if chosen else if_false


def _negate(operand: _Value) -> _Value:
    converted = _to_number(operand)
    if converted is None:
        _non_numeric()
        return _number(_ZERO)
    return _number(converted.number.copy_negate())


def _complement(operand: _Value) -> _Value:
    if operand.kind is _Kind.NUMBER:
        truth = operand.number != 0
    elif operand.text in ("", "0"):
        truth = False
    else:
        # Asterisk uses atoi() here, so "abc" and "0.5" count as false.
        truth = bool(scan_int(operand.text))
    return _number(Decimal(int(not truth)))


_BINARY: dict[str, Callable[[_Value, _Value], _Value]] = {
    "|": _or,
    "||": _or,
    "&": _and,
    "&&": _and,
    "=": _comparison(lambda order: order == 0),
    "==": _comparison(lambda order: order == 0),
    "!=": _comparison(lambda order: order != 0),
    "<": _comparison(lambda order: order < 0),
    ">": _comparison(lambda order: order > 0),
    "<=": _comparison(lambda order: order <= 0),
    ">=": _comparison(lambda order: order >= 0),
    "+": _plus,
    "-": _minus,
    "*": _times,
    "/": _divide,
    "%": _remainder,
    ":": _regex_match(anchored=True),
    "=~": _regex_match(anchored=False),
    "~~": _concatenate,
}


# --- functions ------------------------------------------------------------------------


def _rounding(mode: str) -> Callable[[Decimal], Decimal]:
    return lambda x: x.to_integral_value(rounding=mode)


def _via_float(function: Callable[..., float]) -> Callable[..., Decimal]:
    """Trigonometry in double precision; C's NaN/infinity results instead of exceptions."""

    def apply(*arguments: Decimal) -> Decimal:
        try:
            result = function(*(float(argument) for argument in arguments))
        except ValueError:
            return Decimal("NaN")
        except OverflowError:
            return Decimal("Infinity")
        return Decimal(repr(result))

    return apply


def _power(base: Decimal, exponent: Decimal) -> Decimal:
    # C's pow() defines these even for NaN operands; Decimal calls them invalid.
    if exponent.is_zero() or base == 1:
        return Decimal(1)
    return base**exponent


def _absolute(x: Decimal) -> Decimal:
    return x.copy_negate() if x < 0 else x


_MATH: dict[str, tuple[int, Callable[..., Decimal]]] = {
    "COS": (1, _via_float(math.cos)),
    "SIN": (1, _via_float(math.sin)),
    "TAN": (1, _via_float(math.tan)),
    "ACOS": (1, _via_float(math.acos)),
    "ASIN": (1, _via_float(math.asin)),
    "ATAN": (1, _via_float(math.atan)),
    "ATAN2": (2, _via_float(math.atan2)),
    "POW": (2, _power),
    "SQRT": (1, lambda x: x.sqrt()),
    "FLOOR": (1, _rounding(ROUND_FLOOR)),
    "CEIL": (1, _rounding(ROUND_CEILING)),
    "ROUND": (1, _rounding(ROUND_HALF_UP)),
    "RINT": (1, _rounding(ROUND_HALF_EVEN)),
    "TRUNC": (1, _rounding(ROUND_DOWN)),
    "EXP": (1, lambda x: x.exp()),
    "EXP2": (1, lambda x: _power(Decimal(2), x)),
    "EXP10": (1, lambda x: _power(Decimal(10), x)),
    "LOG": (1, lambda x: x.ln()),
    "LOG2": (1, lambda x: x.ln() / Decimal(2).ln()),
    "LOG10": (1, lambda x: x.log10()),
    "REMAINDER": (2, lambda x, y: x.remainder_near(y)),
    "ABS": (1, _absolute),
}


def _call(name: str, arguments: list[_Value], call_function: CallFunction | None) -> _Value:
    if not all(char in _FUNCTION_NAME_CHARS for char in name):
        _log.error("'%s' is not possibly a function name", name)
        return _number(_ZERO)
    if name in _MATH:
        arity, function = _MATH[name]
        if len(arguments) != arity:
            _log.warning("Wrong args to %s() function", name)
            return _number(_ZERO)
        numbers = []
        for argument in arguments:
            converted = _to_number(argument)
            if converted is None:
                _non_numeric()
            numbers.append(_ZERO if converted is None else converted.number)
        return _number(function(*numbers))
    result = call_function(name, ",".join(map(_text, arguments))) if call_function else None
    if result is None:
        _log.error("'%s' doesn't appear to be an available function", name)
        return _number(_ZERO)
    if all(char in _REALLY_NUMERIC_CHARS for char in result):
        return _number(_strtold(result))
    return _make_str(result)
