"""Extension names and patterns: matching, the digit-collection questions, and the sort order.

A name starting with ``_`` is a pattern, anything else a literal::

    X x   one of 0-9            .   one or more characters, whatever follows in the pattern
    Z z   one of 1-9            !   zero or more characters; ends digit collection at once
    N n   one of 2-9            [15-7a]   one character of the set; ``a-b`` is a range
    other characters match themselves, case-sensitively

``-`` is cosmetic: it is dropped from literals, from patterns outside ``[...]`` and from the
dialed string before comparing, so ``555-1234`` and ``5551234`` are the same extension. As in
Asterisk, matching stops at the first ``.`` or ``!`` (anything written after it is ignored
when matching, though it still counts for the sort order); an empty set ``[]`` is skipped; a
``[`` that is never closed matches nothing from there on.

The three questions asked of a pattern (Asterisk's E_MATCH, E_CANMATCH, E_MATCHMORE):

* :meth:`Pattern.matches` -- the dialed string is an extension of this name;
* :meth:`Pattern.can_match` -- it is, or could become one with more digits;
* :meth:`Pattern.match_more` -- a longer string could match. When the string has reached a
  ``!``, the answer is no, and :meth:`Pattern.early_match` says the caller must stop looking
  at other extensions too (Asterisk's "final" answer).
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field

SortKey = tuple[int, tuple[tuple[int, ...], ...]]
"""What :func:`sort_key` returns: compare two of them to order two extension names."""


class _Wild(enum.Enum):
    DOT = "."
    BANG = "!"


@dataclass(frozen=True, slots=True)
class _CharSet:
    ranges: tuple[tuple[int, int], ...]
    """Inclusive code point ranges, sorted and merged, so equal sets compare equal."""

    def __contains__(self, char: str) -> bool:
        code = ord(char)
        return any(low <= code <= high for low, high in self.ranges)

    @property
    def size(self) -> int:
        return sum(high - low + 1 for low, high in self.ranges)

    @property
    def lowest(self) -> int:
        return self.ranges[0][0] if self.ranges else -1


_Token = _CharSet | _Wild

_DIGITS = _CharSet(((ord("0"), ord("9")),))
_ONE_TO_NINE = _CharSet(((ord("1"), ord("9")),))
_TWO_TO_NINE = _CharSet(((ord("2"), ord("9")),))
_NOTHING = _CharSet(())
_LETTER_SETS = {"X": _DIGITS, "Z": _ONE_TO_NINE, "N": _TWO_TO_NINE}

# Position classes of the sort key: at one position any set sorts before '.', '.' before
# '!', and a pattern that has already ended sorts after all of them.
_SET, _DOT, _BANG, _END = 0, 1, 2, 3


class _Mode(enum.Enum):
    MATCH = enum.auto()
    CANMATCH = enum.auto()
    MATCHMORE = enum.auto()


class _Result(enum.Enum):
    NO = enum.auto()
    YES = enum.auto()
    EARLY = enum.auto()
    """The string reached a ``!``: it matches, and no longer string needs to be waited for."""


def normalize(ext: str) -> str:
    """*ext* without its cosmetic ``-`` (those inside a pattern's ``[...]`` are kept)."""
    if not ext.startswith("_"):
        return ext.replace("-", "")
    kept: list[str] = []
    in_set = False
    for char in ext:
        if char == "[":
            in_set = True
        elif char == "]":
            in_set = False
        elif char == "-" and not in_set:
            continue
        kept.append(char)
    return "".join(kept)


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def _parse_set(inner: str) -> _CharSet:
    ranges: list[tuple[int, int]] = []
    index = 0
    while index < len(inner):
        if index + 2 < len(inner) and inner[index + 1] == "-":
            low, high = ord(inner[index]), ord(inner[index + 2])
            # A reversed range such as [5-1] holds nothing, as in Asterisk.
            if low <= high:
                ranges.append((low, high))
            index += 3
        else:
            ranges.append((ord(inner[index]), ord(inner[index])))
            index += 1
    return _CharSet(_merge(ranges))


def _tokenize(body: str) -> tuple[_Token, ...]:
    """The tokens of a normalised pattern written without its leading ``_``."""
    tokens: list[_Token] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char.upper() in _LETTER_SETS:
            tokens.append(_LETTER_SETS[char.upper()])
        elif char == ".":
            tokens.append(_Wild.DOT)
        elif char == "!":
            tokens.append(_Wild.BANG)
        elif char == "[":
            end = body.find("]", index + 1)
            if end == -1:
                tokens.append(_NOTHING)
                break
            if end > index + 1:
                tokens.append(_parse_set(body[index + 1 : end]))
            index = end + 1
            continue
        else:
            tokens.append(_CharSet(((ord(char), ord(char)),)))
        index += 1
    return tuple(tokens)


def _position_key(token: _Token) -> tuple[int, ...]:
    if isinstance(token, _Wild):
        return (_DOT,) if token is _Wild.DOT else (_BANG,)
    # The ranges break the tie between different sets of equal size and lowest member, so
    # that only sets holding the same characters (X and [0-9]) compare equal.
    flat = tuple(bound for pair in token.ranges for bound in pair)
    return (_SET, token.size, token.lowest, *flat)


def sort_key(ext: str) -> SortKey:
    """Asterisk's order of extensions within a context: sort names by this key.

    All literals come first, in ``strcmp`` order of their normalised text. Patterns follow,
    compared position by position: the smaller character set first (a literal character has
    one, ``[ab]`` two, N 8, Z 9, X 10), between sets of equal size the one with the lower
    lowest character; then ``.``, then ``!``; a pattern that has ended sorts last. Names with
    equal keys (``_X.`` and ``_[0-9].``, ``_x.`` and ``_X.``) are the same extension.
    """
    text = normalize(ext)
    if not text.startswith("_"):
        return (0, tuple((ord(char),) for char in text))
    positions = tuple(_position_key(token) for token in _tokenize(text[1:]))
    return (1, (*positions, (_END,)))


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled extension name (pattern or literal); build it with :func:`compile_pattern`."""

    text: str
    """The name as written, ``-`` included."""
    is_pattern: bool = field(init=False, compare=False)
    key: SortKey = field(init=False, repr=False, compare=False)
    _literal: str = field(init=False, repr=False, compare=False)
    _tokens: tuple[_Token, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = normalize(self.text)
        is_pattern = text.startswith("_")
        object.__setattr__(self, "is_pattern", is_pattern)
        object.__setattr__(self, "key", sort_key(self.text))
        object.__setattr__(self, "_literal", "" if is_pattern else text)
        object.__setattr__(self, "_tokens", _tokenize(text[1:]) if is_pattern else ())

    def matches(self, dialed: str) -> bool:
        """*dialed* is an extension of this name."""
        return self._compare(dialed, _Mode.MATCH) is not _Result.NO

    def can_match(self, dialed: str) -> bool:
        """*dialed* matches now, or could with more characters."""
        return self._compare(dialed, _Mode.CANMATCH) is not _Result.NO

    def match_more(self, dialed: str) -> bool:
        """A longer string starting with *dialed* could match (no once a ``!`` is reached)."""
        return self._compare(dialed, _Mode.MATCHMORE) is _Result.YES

    def early_match(self, dialed: str) -> bool:
        """*dialed* has reached this pattern's ``!``: digit collection should stop now."""
        return self._compare(dialed, _Mode.MATCHMORE) is _Result.EARLY

    def _compare(self, dialed: str, mode: _Mode) -> _Result:
        data = dialed.replace("-", "")
        if not self.is_pattern:
            literal = self._literal
            if mode is _Mode.MATCH:
                found = data == literal
            elif mode is _Mode.CANMATCH:
                found = literal.startswith(data)
            else:
                found = len(literal) > len(data) and literal.startswith(data)
            return _Result.YES if found else _Result.NO
        # Asterisk's matcher walks the pattern once; when the data runs out before the
        # pattern does, the answer is "not yet" (NO for MATCH, YES for the other two).
        partial = _Result.NO if mode is _Mode.MATCH else _Result.YES
        index = 0
        for token in self._tokens:
            if isinstance(token, _Wild):
                if token is _Wild.BANG:
                    return _Result.EARLY
                return _Result.YES if index < len(data) else partial
            if index >= len(data):
                return partial
            if data[index] not in token:
                return _Result.NO
            index += 1
        if index < len(data) or mode is _Mode.MATCHMORE:
            return _Result.NO
        return _Result.YES


@functools.lru_cache(maxsize=4096)
def compile_pattern(ext: str) -> Pattern:
    """The compiled form of extension name *ext* (``_`` first: a pattern; else a literal)."""
    return Pattern(ext)
