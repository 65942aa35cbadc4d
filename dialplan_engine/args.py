"""Argument splitting and option parsing shared by every application and function.

This is the one place that knows how Asterisk cuts an argument string into pieces
(``AST_STANDARD_APP_ARGS`` and its relatives in ``main/app.c``) and how it reads option
strings such as ``tTg``, ``m(class)`` or ``U(ctx^arg)``. It also holds the small C-library
style scanners (``sscanf("%d")``, ``ast_get_encoded_char``, ``ast_strip``) whose quirks
the dialplan depends on, so that no caller hand-rolls its own variant.

Splitting, as Asterisk does it:

* a separator inside ``(...)``, ``[...]`` or ``"..."`` does not split; the counters are
  kept across pieces, so an unbalanced ``(`` stops all later splitting;
* ``\\x`` makes ``x`` literal; :func:`split_args` drops the backslash and the quotes,
  :func:`split_raw` keeps them;
* with a *limit* of N pieces, the N-th piece is the rest of the text **as written**
  (quotes and backslashes kept): Asterisk stops scanning once it has N-1 pieces;
* an empty text gives no pieces at all; a trailing separator gives a last empty piece.

::

    ValueError
     └── OptionError    an option argument lacks its closing parenthesis
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

_log = logging.getLogger(__name__)

_C_SPACE = " \t\n\v\f\r"
_BLANKS = "".join(chr(code) for code in range(33))
_SCAN_WIDTH = 30
"""Asterisk scans numbers with ``%30d`` and ``%30lf``: at most 30 characters, sign included."""


class OptionError(ValueError):
    """An option string that Asterisk would refuse (the application then fails)."""


def split_args(text: str, separator: str = ",", *, limit: int | None = None) -> list[str]:
    """Split like ``AST_STANDARD_APP_ARGS`` (or ``AST_NONSTANDARD_APP_ARGS`` for another
    *separator*): quotes and escaping backslashes are removed from the pieces."""
    return _split(text, separator, limit, remove=True)


def split_raw(text: str, separator: str = ",", limit: int | None = None) -> list[str]:
    """Split like ``AST_STANDARD_RAW_ARGS``: the same rules, but quotes and backslashes stay
    in the pieces (what ``Set``-like and ``GotoIf``-like callers need)."""
    return _split(text, separator, limit, remove=False)


def _split(text: str, separator: str, limit: int | None, *, remove: bool) -> list[str]:
    if len(separator) != 1:
        raise ValueError(f"separator must be one character, not {separator!r}")
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    pieces: list[str] = []
    paren = bracket = 0
    quoted = False
    ended_on_separator = False
    i, n = 0, len(text)
    while i < n and (limit is None or len(pieces) < limit - 1):
        piece: list[str] = []
        ended_on_separator = False
        while i < n:
            char = text[i]
            if char == "(":
                paren += 1
            elif char == ")":
                paren = max(paren - 1, 0)
            elif char == "[":
                bracket += 1
            elif char == "]":
                bracket = max(bracket - 1, 0)
            elif char == '"' and separator != '"':
                quoted = not quoted
                if remove:
                    i += 1
                    continue
            elif char == "\\":
                # The escaped character is copied without being looked at.
                if not remove:
                    piece.append(char)
                piece.append(text[i + 1 : i + 2])
                i += 2
                continue
            elif char == separator and not (paren or bracket or quoted):
                i += 1
                ended_on_separator = True
                break
            piece.append(char)
            i += 1
        pieces.append("".join(piece))
    if i < n:
        pieces.append(text[i:])
    elif ended_on_separator:
        pieces.append("")
    return pieces


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """The option letters an application knows, as in its ``AST_APP_OPTIONS`` table."""

    flags: str
    """Letters that never take an argument (a ``(...)`` after one is read and ignored)."""
    with_args: str
    """Letters that may be followed by ``(argument)``."""

    def __post_init__(self) -> None:
        both = set(self.flags) & set(self.with_args)
        if both:
            raise ValueError(f"option letters listed twice: {''.join(sorted(both))}")


@dataclass(frozen=True, slots=True)
class ParsedOptions:
    values: Mapping[str, str | None]
    """Every known letter given: its argument, or None when given without ``(...)``
    (always None for a letter of :attr:`OptionSpec.flags`). A repeated letter keeps its
    last argument."""
    unknown: str
    """Letters not in the spec, in order of first appearance (Asterisk ignores them)."""

    def __contains__(self, letter: object) -> bool:
        return letter in self.values

    def arg(self, letter: str) -> str | None:
        """The argument of *letter*; None when the letter is absent or had none."""
        return self.values.get(letter)


def parse_options(text: str, spec: OptionSpec) -> ParsedOptions:
    """Read an option string the way ``ast_app_parse_options`` does.

    Inside ``(...)``: nested parentheses are balanced; when the argument starts with ``"``
    the quotes are removed and protect ``(``, ``)`` and ``\\``; outside quotes a backslash
    makes the next character literal. Raises :class:`OptionError` for a missing ``)``.
    """
    values: dict[str, str | None] = {}
    unknown: list[str] = []
    i, n = 0, len(text)
    while i < n:
        letter = text[i]
        i += 1
        argument: str | None = None
        if i < n and text[i] == "(":
            argument, i = _option_argument(text, i + 1, letter)
        if letter in spec.with_args:
            values[letter] = argument
        elif letter in spec.flags:
            values[letter] = None
        elif letter not in unknown:
            unknown.append(letter)
    if unknown:
        _log.warning("Unrecognized option(s) %r in %r", "".join(unknown), text)
    return ParsedOptions(values=values, unknown="".join(unknown))


def _option_argument(text: str, start: int, letter: str) -> tuple[str, int]:
    """The argument that starts at *start* (just after its ``(``) and where scanning resumes."""
    depth = 1
    quoted = False
    strip_quotes = text[start : start + 1] == '"'
    out: list[str] = []
    i, n = start, len(text)
    while i < n:
        char = text[i]
        if char == "(" and not quoted:
            depth += 1
        elif char == ")" and not quoted:
            depth -= 1
            if depth == 0:
                return "".join(out), i + 1
        elif char == '"' and strip_quotes:
            quoted = not quoted
            i += 1
            continue
        elif char == "\\":
            following = text[i + 1 : i + 2]
            if quoted and following != '"':
                # Inside quotes only \" is an escape; other pairs stay as written.
                out.append(char)
            out.append(following)
            i += 2
            continue
        out.append(char)
        i += 1
    raise OptionError(
        f"Missing closing parenthesis for argument '{letter}' in string {text[start:]!r}"
    )


def scan_int_prefix(text: str, start: int = 0) -> tuple[int, int] | None:
    """``sscanf(text + start, "%30d")``: the value and the index after it, or None.

    Leading C whitespace is skipped; the value wraps like glibc's (saturated to a 64-bit
    ``long``, then truncated to a 32-bit ``int``).
    """
    i, n = start, len(text)
    while i < n and text[i] in _C_SPACE:
        i += 1
    begin = i
    stop = min(n, begin + _SCAN_WIDTH)
    if i < stop and text[i] in "+-":
        i += 1
    digits_start = i
    while i < stop and "0" <= text[i] <= "9":
        i += 1
    if i == digits_start:
        return None
    value = int(text[begin:i])
    value = max(-(2**63), min(2**63 - 1, value))
    value = (value + 2**31) % 2**32 - 2**31
    return value, i


def scan_int(text: str) -> int | None:
    """``sscanf(text, "%30d")`` as Asterisk uses it; None when no number starts the text."""
    scanned = scan_int_prefix(text)
    return None if scanned is None else scanned[0]


def strip_blanks(text: str) -> str:
    """``ast_strip``: drop leading and trailing characters up to and including space."""
    return text.strip(_BLANKS)


def decode_char(text: str) -> str | None:
    """``ast_get_encoded_char``: the character *text* starts with, decoding ``\\n``, ``\\r``,
    ``\\t``, ``\\xHH`` (one or two hex digits), ``\\0ooo`` (octal) and ``\\c`` (= ``c``).

    None for an empty text or a ``\\x`` without a hex digit (callers then use their default).
    """
    decoded = decode_char_at(text)
    return None if decoded is None else decoded[0]


def decode_char_at(text: str, start: int = 0) -> tuple[str, int] | None:
    """:func:`decode_char` at *start*: the character and how many characters of *text* it
    took; None at the end of *text* or for a ``\\x`` without a hex digit."""
    if start >= len(text):
        return None
    if text[start] != "\\":
        return text[start], 1
    # A lone backslash reads the terminating NUL as its "escaped" character.
    kind = text[start + 1 : start + 2] or "\0"
    taken = min(2, len(text) - start)
    simple = {"n": "\n", "r": "\r", "t": "\t"}
    if kind in simple:
        return simple[kind], taken
    if kind == "x":
        hex_digits = ""
        for char in text[start + 2 : start + 4]:
            if char not in "0123456789abcdefABCDEF":
                break
            hex_digits += char
        if not hex_digits:
            _log.error("Illegal character %r in hexadecimal string", text[start + 2 : start + 3])
            return None
        return chr(int(hex_digits, 16)), 2 + len(hex_digits)
    if kind == "0":
        octal = ""
        for char in text[start + 2 :]:
            if char not in "01234567":
                break
            octal += char
        # C stores the result in a char, so only the low 8 bits survive.
        return chr(int(octal or "0", 8) & 0xFF), 2 + len(octal)
    return kind, taken


def decode_chars(text: str) -> str:
    """``ast_get_encoded_str``: every character of *text* decoded as :func:`decode_char`
    does, up to the end or the first undecodable escape."""
    out: list[str] = []
    i = 0
    while (decoded := decode_char_at(text, i)) is not None:
        out.append(decoded[0])
        i += decoded[1]
    return "".join(out)


def strip_quoted(text: str) -> str:
    """``ast_strip_quoted(text, "\"", "\"")``: blanks stripped, then one pair of double
    quotes around the whole text."""
    text = strip_blanks(text)
    if text[:1] == '"' and text[-1:] == '"':
        return text[1:-1]
    return text


def split_parenthesized(text: str) -> tuple[str, str | None]:
    """``label(args)`` as Gosub and ExecIf cut it: the text before the first ``(``, and the
    text from there to the last ``)`` (None when there is no ``(``; the rest of the text,
    with a warning, when no ``)`` follows)."""
    head, paren, rest = text.partition("(")
    if not paren:
        return text, None
    close = rest.rfind(")")
    if close < 0:
        _log.warning("Ouch.  No closing paren: '%s'?", text)
        return head, rest
    return head, rest[:close]


def expand_subroutine_target(target: str, context: str, exten: str) -> str:
    """A Gosub address ``[[context,]exten,]priority[(args)]`` made complete with *context*
    and *exten* where it leaves them out or empty, as Asterisk stores a hangup handler: it
    runs later, wherever the channel is by then. Fields are cut at plain commas."""
    label, args = split_parenthesized(target)
    parts = label.split(",")
    if len(parts) == 1:
        given_context, given_exten, priority = "", "", parts[0]
    elif len(parts) == 2:
        given_context, (given_exten, priority) = "", parts
    else:
        given_context, given_exten, priority = parts[:3]
    expanded = f"{given_context or context},{given_exten or exten},{priority}"
    return f"{expanded}({args})" if args else expanded


_AFFIRMATIVE = frozenset({"yes", "true", "y", "t", "1", "on"})


def is_affirmative(text: str) -> bool:
    """``ast_true``: ``yes``, ``true``, ``y``, ``t``, ``1`` or ``on``, any letter case,
    surrounding blanks ignored."""
    return strip_blanks(text).lower() in _AFFIRMATIVE


_C_FLOAT = re.compile(
    r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?|nan)",
    re.IGNORECASE,
)


def scan_float(text: str) -> float | None:
    """``sscanf(text, "%30lf")``: the number a text starts with (after C whitespace), at
    most 30 characters of it; None when none does."""
    stripped = text.lstrip(_C_SPACE)
    found = _C_FLOAT.match(stripped[:_SCAN_WIDTH])
    return float(found.group()) if found else None
