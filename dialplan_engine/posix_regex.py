"""POSIX extended regular expressions, as glibc's ``regcomp(REG_EXTENDED)`` reads them.

Asterisk hands ``$[a : re]``, ``$[a =~ re]`` and ``REGEX("re" text)`` to the C library, so a
dialplan written for it uses POSIX ERE, which differs from Python's syntax in ways that
matter: a backslash inside ``[...]`` is literal, ``[[:digit:]]`` classes exist, ``{`` that
does not open a valid interval is an error rather than a literal, ``a**`` is allowed,
``\\d`` means ``d``, and ``$`` matches only at the very end. :func:`compile_ere` translates the
pattern into an :mod:`re` pattern (or raises :class:`RegexError` where glibc refuses it),
and :meth:`PosixRegex.search` applies POSIX's *leftmost-longest* rule: of all matches at the
leftmost possible position it returns the longest, as ``regexec`` does (Python alone would
return the first alternative that works: ``a|ab`` on ``ab`` matches ``a``). When several
ways give that same longest match, the sub-group contents are Python's choice.

GNU extensions glibc accepts are kept: ``\\w \\W \\s \\S \\b \\B \\< \\> \\` \\'`` and the
back-references ``\\1``-``\\9``. Ranges and classes are those of the C locale.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass

_FLAGS = re.DOTALL | re.ASCII
_DUP_MAX = 0x7FFF
"""glibc's RE_DUP_MAX: larger interval counts are refused."""
_MAX_NESTING = 50
"""Deeper group nesting is refused rather than risking recursion limits in :mod:`re`."""

_CLASSES = {
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "0-9A-Za-z",
    "upper": "A-Z",
    "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v",
    "blank": " \\t",
    "punct": "".join("\\" + char for char in string.punctuation),
    "print": "\\x20-\\x7e",
    "graph": "\\x21-\\x7e",
    "cntrl": "\\x00-\\x1f\\x7f",
    "xdigit": "0-9A-Fa-f",
}
_GNU_ESCAPES = {
    "w": "[0-9A-Za-z_]",
    "W": "[^0-9A-Za-z_]",
    "s": "[ \\t\\n\\r\\f\\v]",
    "S": "[^ \\t\\n\\r\\f\\v]",
    "`": "\\A",
}
_END_SENSITIVE_ESCAPES = {
    "b": "\\b",
    "B": "\\B",
    "<": "\\b(?=\\w)",
    ">": "\\b(?<=\\w)",
    "'": "\\Z",
}
_DUPLICATION = "*+?{"
_INTERVAL = re.compile("([0-9]*)(,?)([0-9]*)")


class RegexError(ValueError):
    """The pattern is not a valid POSIX extended regular expression."""


@dataclass(frozen=True, slots=True)
class PosixRegex:
    expression: str
    """The ERE as written."""
    translated: str
    """The equivalent :mod:`re` syntax."""
    compiled: re.Pattern[str]
    end_sensitive: bool
    """Whether matching depends on what follows the match (``$``, word boundaries): then
    the longest-match search cannot simply cut the text short."""

    @property
    def groups(self) -> int:
        return self.compiled.groups

    def search(self, text: str, *, anchored: bool = False) -> re.Match[str] | None:
        """The leftmost-longest match, or None. *anchored*: it must start at 0."""
        first = self.compiled.match(text) if anchored else self.compiled.search(text)
        if first is None or first.end() == len(text):
            return first
        start = first.start()
        for end in range(len(text), first.end(), -1):
            if self.end_sensitive:
                longer = _ending_before(self.translated, len(text) - end).match(text, start)
            else:
                longer = self.compiled.fullmatch(text, start, end)
            if longer is not None:
                return longer
        return first


@functools.lru_cache(maxsize=256)
def compile_ere(expression: str) -> PosixRegex:
    """Translate and compile *expression*; :class:`RegexError` when glibc would refuse it."""
    translator = _Translator(expression)
    translated = translator.translate()
    try:
        compiled = re.compile(translated, _FLAGS)
    except re.error as error:
        raise RegexError(f"invalid regular expression {expression!r}: {error}") from None
    return PosixRegex(
        expression=expression,
        translated=translated,
        compiled=compiled,
        end_sensitive=translator.end_sensitive,
    )


@functools.lru_cache(maxsize=256)
def _ending_before(translated: str, remaining: int) -> re.Pattern[str]:
    """The pattern forced to end exactly *remaining* characters before the end of the text."""
    return re.compile(f"(?:{translated})(?=[\\s\\S]{{{remaining}}}\\Z)", _FLAGS)


class _Translator:
    def __init__(self, expression: str) -> None:
        self._src = expression
        self._pos = 0
        self.end_sensitive = False

    def translate(self) -> str:
        return self._alternation(0)

    def _peek(self, offset: int = 0) -> str:
        return self._src[self._pos + offset : self._pos + offset + 1]

    def _alternation(self, depth: int) -> str:
        branches = [self._branch(depth)]
        while self._peek() == "|":
            self._pos += 1
            branches.append(self._branch(depth))
        return "|".join(branches)

    def _branch(self, depth: int) -> str:
        pieces: list[str] = []
        while self._pos < len(self._src):
            char = self._peek()
            if char == "|" or (char == ")" and depth > 0):
                break
            if char in _DUPLICATION:
                raise RegexError("Invalid preceding regular expression")
            atom, repeatable = self._atom(depth)
            quantified = False
            while self._peek() and self._peek() in _DUPLICATION:
                if not repeatable:
                    raise RegexError("Invalid preceding regular expression")
                quantifier = self._duplication()
                # Python refuses a quantifier on a quantified atom; POSIX stacks them.
                atom = f"(?:{atom}){quantifier}" if quantified else atom + quantifier
                quantified = True
            pieces.append(atom)
        return "".join(pieces)

    def _atom(self, depth: int) -> tuple[str, bool]:
        char = self._peek()
        self._pos += 1
        if char == "(":
            if depth >= _MAX_NESTING:
                raise RegexError("Regular expression too big")
            inner = self._alternation(depth + 1)
            if self._peek() != ")":
                raise RegexError("Unmatched ( or \\(")
            self._pos += 1
            return f"({inner})", True
        if char == "[":
            return self._bracket(), True
        if char == ".":
            return ".", True
        if char == "^":
            return "^", False
        if char == "$":
            self.end_sensitive = True
            return "\\Z", False
        if char == "\\":
            return self._escape()
        return re.escape(char), True

    def _escape(self) -> tuple[str, bool]:
        char = self._peek()
        if not char:
            raise RegexError("Trailing backslash")
        self._pos += 1
        if char in _GNU_ESCAPES:
            return _GNU_ESCAPES[char], char != "`"
        if char in _END_SENSITIVE_ESCAPES:
            self.end_sensitive = True
            return _END_SENSITIVE_ESCAPES[char], False
        if "1" <= char <= "9":
            return f"(?:\\{char})", True
        return re.escape(char), True

    def _duplication(self) -> str:
        char = self._peek()
        self._pos += 1
        if char != "{":
            return char
        close = self._src.find("}", self._pos)
        if close < 0:
            raise RegexError("Unmatched \\{")
        interval = _INTERVAL.fullmatch(self._src, self._pos, close)
        self._pos = close + 1
        if interval is None:
            raise RegexError("Invalid content of \\{\\}")
        low_text, comma, high_text = interval.group(1, 2, 3)
        if not low_text and not comma:
            raise RegexError("Invalid content of \\{\\}")
        low = int(low_text or "0")
        high = int(high_text) if high_text else None
        if low > _DUP_MAX or (high is not None and high > _DUP_MAX):
            raise RegexError("Regular expression too big")
        if high is not None and high < low:
            raise RegexError("Invalid content of \\{\\}")
        if not comma:
            return f"{{{low}}}"
        return f"{{{low},{'' if high is None else high}}}"

    def _bracket(self) -> str:
        negate = self._peek() == "^"
        if negate:
            self._pos += 1
        items: list[str] = []
        first = True
        while True:
            char = self._peek()
            if not char:
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            if char == "]" and not first:
                self._pos += 1
                break
            first = False
            if char == "[" and self._peek(1) == ":":
                items.append(self._character_class())
                continue
            start = self._bracket_char()
            if self._peek() == "-" and self._peek(1) not in ("", "]"):
                self._pos += 1
                if self._peek() == "[" and self._peek(1) == ":":
                    raise RegexError("Invalid range end")
                end = self._bracket_char()
                if end < start:
                    raise RegexError("Invalid range end")
                items.append(f"{_class_escape(start)}-{_class_escape(end)}")
            else:
                items.append(_class_escape(start))
        return "[" + ("^" if negate else "") + "".join(items) + "]"

    def _character_class(self) -> str:
        close = self._src.find(":]", self._pos + 2)
        if close < 0:
            raise RegexError("Unmatched [, [^, [:, [., or [=")
        name = self._src[self._pos + 2 : close]
        self._pos = close + 2
        if name not in _CLASSES:
            raise RegexError("Invalid character class name")
        return _CLASSES[name]

    def _bracket_char(self) -> str:
        """One character of a bracket expression: plain, ``[.c.]`` or ``[=c=]``."""
        char = self._peek()
        marker = self._peek(1)
        if char == "[" and marker in (".", "="):
            close = self._src.find(marker + "]", self._pos + 2)
            if close < 0:
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            name = self._src[self._pos + 2 : close]
            self._pos = close + 2
            if len(name) != 1:
                raise RegexError("Invalid collation character")
            return name
        self._pos += 1
        return char


def _class_escape(char: str) -> str:
    # Escaping all ASCII punctuation also keeps Python from reading "[[", "&&", "--", "~~"
    # or "||" as the set operations it warns about.
    return "\\" + char if char in string.punctuation else char
