"""Extension patterns: every token, the digit-collection questions, and Asterisk's sort order."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialplan_engine.patterns import compile_pattern, normalize, sort_key


@pytest.mark.parametrize(
    ("pattern", "dialed", "expected"),
    [
        ("_X", "5", True),
        ("_X", "0", True),
        ("_X", "a", False),
        ("_X", "", False),
        ("_X", "55", False),
        ("_x", "9", True),
        ("_Z", "0", False),
        ("_Z", "1", True),
        ("_z", "9", True),
        ("_N", "1", False),
        ("_N", "2", True),
        ("_n", "9", True),
        ("_[15-7a]", "1", True),
        ("_[15-7a]", "5", True),
        ("_[15-7a]", "6", True),
        ("_[15-7a]", "7", True),
        ("_[15-7a]", "a", True),
        ("_[15-7a]", "4", False),
        ("_[15-7a]", "8", False),
        ("_[15-7a]", "A", False),
        ("_[1-3]", "2", True),
        ("_[1-3]", "4", False),
        ("_[5-]", "5", True),
        ("_[5-1]", "3", False),  # a reversed range holds nothing
        ("_[]1", "1", True),  # an empty set is skipped
        ("_1[]", "1", True),
        ("_[12", "1", False),  # never closed: matches nothing
        ("_.", "h", True),
        ("_.", "", False),
        ("_!", "", True),
        ("_!", "abc", True),
        ("_9011.", "9011", False),  # '.' is one or more
        ("_9011.", "90115", True),
        ("_9011.", "9011555", True),
        ("_9011!", "9011", True),  # '!' is zero or more
        ("_9011!", "90115", True),
        ("_9011!", "901", False),
        ("_NXX-XXXX", "5551234", True),
        ("_NXX-XXXX", "555-1234", True),
        ("_NXX-XXXX", "1551234", False),
        ("_NXX-XXXX", "55512345", False),
        ("_1.2", "1x", True),  # as in Asterisk, nothing after '.' is looked at
        ("_ab", "ab", True),
        ("_ab", "AB", False),  # other characters are case-sensitive
        ("_+7X", "+71", True),
        ("100", "100", True),
        ("100", "10", False),
        ("100", "1000", False),
        ("555-1234", "5551234", True),
        ("5551234", "555-1234", True),
        ("abc", "ABC", False),
        ("s", "s", True),
        ("_12", "12", True),
    ],
)
def test_matches(pattern: str, dialed: str, expected: bool) -> None:
    assert compile_pattern(pattern).matches(dialed) is expected


def test_lowercase_letters_are_the_same_tokens() -> None:
    for lower, upper in (("_x.", "_X."), ("_z", "_Z"), ("_nxx", "_NXX")):
        assert sort_key(lower) == sort_key(upper)
        for dialed in ("0", "1", "2", "12", "555", "a"):
            assert compile_pattern(lower).matches(dialed) == compile_pattern(upper).matches(dialed)


@pytest.mark.parametrize(
    ("pattern", "dialed", "can_match", "match_more", "early"),
    [
        ("_9011.", "9", True, True, False),
        ("_9011.", "9011", True, True, False),
        ("_9011.", "90111", True, True, False),
        ("_9011.", "8", False, False, False),
        ("_9011!", "901", True, True, False),
        ("_9011!", "9011", True, False, True),
        ("_9011!", "90112", True, False, True),
        ("_9011!", "8", False, False, False),
        ("_NXX", "", True, True, False),
        ("_NXX", "55", True, True, False),
        ("_NXX", "555", True, False, False),
        ("_NXX", "5555", False, False, False),
        ("_NXX", "1", False, False, False),
        ("_X.", "", True, True, False),
        ("_!", "", True, False, True),
        ("100", "", True, True, False),
        ("100", "1", True, True, False),
        ("100", "100", True, False, False),
        ("100", "1000", False, False, False),
        ("100", "2", False, False, False),
        ("1-00", "10", True, True, False),
    ],
)
def test_digit_collection_questions(
    pattern: str, dialed: str, can_match: bool, match_more: bool, early: bool
) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.can_match(dialed) is can_match
    assert compiled.match_more(dialed) is match_more
    assert compiled.early_match(dialed) is early


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("555-1234", "5551234"),
        ("_NXX-XXXX", "_NXXXXXX"),
        ("_[1-3]-X", "_[1-3]X"),
        ("-", ""),
        ("a[-]b", "a[]b"),  # a literal has no sets: every '-' goes, as Asterisk compares them
        ("_X.", "_X."),
    ],
)
def test_normalize(written: str, normal: str) -> None:
    assert normalize(written) == normal


# Each list is in the order Asterisk's old matcher tries the names (dialplan.md section 2).
ORDERS = [
    ["123", "_12.", "_1X.", "_X."],  # the reference's own example
    ["1", "10", "100", "2", "_1"],  # literals first, in strcmp order
    ["_1", "_[12]", "_N", "_Z", "_X"],  # smaller set first: 1 < 2 < 8 < 9 < 10
    ["_[13]", "_[24]"],  # equal size: lower lowest character first
    ["_[19]", "_[2-3]"],
    ["_[0-2]", "_[1-3]"],
    ["_1X", "_1.", "_1!"],  # any set, then '.', then '!'
    ["_1X.", "_1X!", "_1X"],  # a pattern that has ended sorts last
    ["_011.", "_0X.", "_X."],
    ["_NXXXXXX", "_X."],
    ["_2", "_N", "_X", "_[a-z]"],  # 26 letters sort after X's ten digits
    ["_91X", "_9NX", "_9X.", "_9X"],
    ["_[]1", "_[12]"],  # the empty set is skipped: _[]1 sorts as _1
    ["s", "t", "_.", "_!"],
]


@pytest.mark.parametrize("order", ORDERS, ids=" < ".join)
def test_sort_order(order: list[str]) -> None:
    for shuffled in itertools.permutations(order):
        assert sorted(shuffled, key=sort_key) == order


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("_X.", "_x."),
        ("_X", "_[0-9]"),
        ("_Z", "_[1-9]"),
        ("_N", "_[2-9]"),
        ("_[1-3]", "_[123]"),
        ("_[1-3]", "_[321]"),
        ("_[1-3]", "_[3-31-2]"),
        ("_555-1234", "_5551234"),
        ("_[]1", "_1"),
        ("555-1234", "5551234"),
    ],
)
def test_names_that_are_the_same_extension(one: str, other: str) -> None:
    assert sort_key(one) == sort_key(other)


def test_pattern_and_literal_of_same_text_differ() -> None:
    assert sort_key("_12") != sort_key("12")
    assert sort_key("12") < sort_key("_12")


# -- properties against a brute-force reference -------------------------------------------

_TOKENS = {"0": "0", "1": "1", "2": "2", "X": "[0-9]", "Z": "[1-9]", "N": "[2-9]"}
_TOKENS |= {"[12]": "[12]", "[0-1]": "[01]", "[0-9]": "[0-9]", "[2-9]": "[2-9]", "[1]": "1"}
_ALPHABET = "0129"  # every token above has a member here
_TAILS = {"": "", ".": ".+", "!": ".*"}


@st.composite
def _patterns(draw: st.DrawFn) -> tuple[str, str]:
    tokens = draw(st.lists(st.sampled_from(sorted(_TOKENS)), max_size=3))
    tail = draw(st.sampled_from(sorted(_TAILS)))
    pattern = "_" + "".join(tokens) + tail
    regex = "".join(_TOKENS[token] for token in tokens) + _TAILS[tail]
    return pattern, regex


def _strings(max_length: int) -> list[str]:
    return [
        "".join(chars)
        for length in range(max_length + 1)
        for chars in itertools.product(_ALPHABET, repeat=length)
    ]


_SUFFIXES = _strings(4)


@settings(max_examples=150, deadline=None)
@given(_patterns(), st.sampled_from(_strings(4)))
def test_questions_agree_with_brute_force(drawn: tuple[str, str], dialed: str) -> None:
    pattern, regex = drawn
    compiled = compile_pattern(pattern)
    reference = re.compile(regex)
    assert compiled.matches(dialed) == bool(reference.fullmatch(dialed))
    longer = any(reference.fullmatch(dialed + suffix) for suffix in _SUFFIXES if suffix)
    assert compiled.can_match(dialed) == (longer or compiled.matches(dialed))
    assert compiled.early_match(dialed) == (pattern.endswith("!") and compiled.matches(dialed))
    assert compiled.match_more(dialed) == (longer and not compiled.early_match(dialed))


@settings(max_examples=200, deadline=None)
@given(_patterns(), _patterns())
def test_names_with_equal_keys_match_the_same_strings(
    one: tuple[str, str], other: tuple[str, str]
) -> None:
    # Equal keys make one extension of two names, which is only safe if they match alike.
    if sort_key(one[0]) == sort_key(other[0]):
        first, second = compile_pattern(one[0]), compile_pattern(other[0])
        assert all(first.matches(text) == second.matches(text) for text in _SUFFIXES)
