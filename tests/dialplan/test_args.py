"""Argument splitting and option strings, as main/app.c does them."""

from __future__ import annotations

import contextlib
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialplan_engine.args import (
    OptionError,
    OptionSpec,
    ParsedOptions,
    decode_char,
    decode_char_at,
    decode_chars,
    expand_subroutine_target,
    is_affirmative,
    parse_options,
    scan_float,
    scan_int,
    scan_int_prefix,
    split_args,
    split_parenthesized,
    split_raw,
    strip_blanks,
    strip_quoted,
)

SPLIT_CASES = [
    # text, split_args, split_raw
    ("a,b,c", ["a", "b", "c"], ["a", "b", "c"]),
    ("", [], []),
    (",", ["", ""], ["", ""]),
    ("a,", ["a", ""], ["a", ""]),
    (",a", ["", "a"], ["", "a"]),
    ("a,,b", ["a", "", "b"], ["a", "", "b"]),
    ('a,"b,c",d', ["a", "b,c", "d"], ["a", '"b,c"', "d"]),
    ('"",x', ["", "x"], ['""', "x"]),
    ("Dial(PJSIP/1,20),x", ["Dial(PJSIP/1,20)", "x"], ["Dial(PJSIP/1,20)", "x"]),
    ("f(a,(b,c)),d", ["f(a,(b,c))", "d"], ["f(a,(b,c))", "d"]),
    ("[1,2],3", ["[1,2]", "3"], ["[1,2]", "3"]),
    ("a\\,b,c", ["a,b", "c"], ["a\\,b", "c"]),
    ("a\\\\,b", ["a\\", "b"], ["a\\\\", "b"]),
    ('a\\"b,c', ['a"b', "c"], ['a\\"b', "c"]),
    ('"a\\"b",c', ['a"b', "c"], ['"a\\"b"', "c"]),
    ("trailing\\", ["trailing"], ["trailing\\"]),
    # A stray closer does not go negative; an unclosed opener stops all later splits.
    ("a)b,c", ["a)b", "c"], ["a)b", "c"]),
    ("(a,b,c", ["(a,b,c"], ["(a,b,c"]),
    ('"a,b', ["a,b"], ['"a,b']),
    # Quotes do not hide parentheses from the counter.
    ('"(",a', ["(,a"], ['"(",a']),
]


@pytest.mark.parametrize(("text", "expected", "raw"), SPLIT_CASES)
def test_split(text: str, expected: list[str], raw: list[str]) -> None:
    assert split_args(text) == expected
    assert split_raw(text) == raw


LIMIT_CASES = [
    ("a,b,c", 2, ["a", "b,c"]),
    ("a,b,c", 3, ["a", "b", "c"]),
    ("a,b,c", 1, ["a,b,c"]),
    ("a,", 2, ["a", ""]),
    ("a", 3, ["a"]),
    # The last piece is the rest as written: its quotes and backslashes stay.
    ('a,"b",c', 2, ["a", '"b",c']),
    ('a,"b"', 2, ["a", '"b"']),
    ("a,b\\,c", 2, ["a", "b\\,c"]),
    ('"x",y', 2, ["x", "y"]),
]


@pytest.mark.parametrize(("text", "limit", "expected"), LIMIT_CASES)
def test_limit_keeps_the_rest_unprocessed(text: str, limit: int, expected: list[str]) -> None:
    assert split_args(text, limit=limit) == expected


def test_other_separators() -> None:
    assert split_args("fam/key/sub", "/", limit=2) == ["fam", "key/sub"]
    assert split_args("PJSIP/1&PJSIP/2&", "&") == ["PJSIP/1", "PJSIP/2", ""]
    assert split_args("cond?yes:no", "?") == ["cond", "yes:no"]
    # With '"' as separator, quotes do not group (REGEX relies on this).
    assert split_args('"^0[1-9]" 0123', '"') == ["", "^0[1-9]", " 0123"]


def test_raw_limit_with_other_separator() -> None:
    assert split_raw('"a"?b:"c"', "?", 2) == ['"a"', 'b:"c"']


@pytest.mark.parametrize("bad", ["", ",,"])
def test_separator_must_be_one_character(bad: str) -> None:
    with pytest.raises(ValueError, match="one character"):
        split_args("a", bad)


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        split_args("a", limit=0)


@given(st.text(alphabet='ab,()[]"\\ ', max_size=30))
def test_split_args_always_returns_text(text: str) -> None:
    pieces = split_args(text)
    assert all(isinstance(piece, str) for piece in pieces)
    assert len(split_args(text, limit=2)) <= 2
    if "\\" not in text and '"' not in text:
        assert ",".join(split_raw(text)) == text


DIAL = OptionSpec(flags="tTgiR", with_args="mLrSUD")


OPTION_CASES = [
    ("", {}),
    ("tTg", {"t": None, "T": None, "g": None}),
    ("m(class)", {"m": "class"}),
    ("m", {"m": None}),
    ("m()", {"m": ""}),
    ("L(60000:30000)", {"L": "60000:30000"}),
    ("r(ring)tS(30)", {"r": "ring", "t": None, "S": "30"}),
    ("U(ctx^arg1^arg2)", {"U": "ctx^arg1^arg2"}),
    ("D(w123:456)", {"D": "w123:456"}),
    # Nested parentheses balance; a flag's argument is read and dropped.
    ("U(sub(x))g", {"U": "sub(x)", "g": None}),
    ("t(ignored)T", {"t": None, "T": None}),
    # A leading quote protects parentheses and is removed.
    ('m("a)b")', {"m": "a)b"}),
    ('m("a\\"b")', {"m": 'a"b'}),
    ('m("a\\b")', {"m": "a\\b"}),
    # Outside quotes a backslash makes the next character literal.
    ("m(a\\)b)", {"m": "a)b"}),
    # Quotes that do not start the argument are ordinary characters.
    ('m(a"b)', {"m": 'a"b'}),
    # The last of repeated letters wins.
    ("m(a)m(b)", {"m": "b"}),
]


@pytest.mark.parametrize(("text", "expected"), OPTION_CASES)
def test_parse_options(text: str, expected: dict[str, str | None]) -> None:
    parsed = parse_options(text, DIAL)
    assert parsed.values == expected
    assert parsed.unknown == ""


def test_unknown_letters_are_reported_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        parsed = parse_options("tXx(arg)Xg", DIAL)
    assert parsed.values == {"t": None, "g": None}
    assert parsed.unknown == "Xx"
    assert "Unrecognized option" in caplog.text


def test_missing_closing_parenthesis_is_an_error() -> None:
    with pytest.raises(OptionError, match="Missing closing parenthesis for argument 'm'"):
        parse_options("tm(class", DIAL)
    with pytest.raises(OptionError):
        parse_options('m("a)', DIAL)


def test_parsed_options_helpers() -> None:
    parsed = parse_options("m(x)t", DIAL)
    assert isinstance(parsed, ParsedOptions)
    assert "m" in parsed
    assert "t" in parsed
    assert "T" not in parsed
    assert parsed.arg("m") == "x"
    assert parsed.arg("t") is None
    assert parsed.arg("L") is None


def test_option_spec_refuses_a_letter_in_both_lists() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        OptionSpec(flags="ab", with_args="bc")


@given(st.text(alphabet='tTgmL()"\\x:0', max_size=20))
def test_parse_options_only_raises_option_error(text: str) -> None:
    with contextlib.suppress(OptionError):
        parse_options(text, DIAL)


SCAN_CASES = [
    ("42", 42),
    ("  -7x", -7),
    ("+3", 3),
    ("0abc", 0),
    ("\t\n 5", 5),
    ("abc", None),
    ("", None),
    ("-", None),
    ("+ 1", None),
    # glibc saturates to a 64-bit long, then keeps the low 32 bits.
    ("4294967296", 0),
    ("2147483648", -(2**31)),
    ("99999999999999999999", -1),
    # At most 30 characters are read.
    ("0" * 29 + "12", 1),
    ("-" + "0" * 28 + "12", -1),
]


@pytest.mark.parametrize(("text", "expected"), SCAN_CASES)
def test_scan_int(text: str, expected: int | None) -> None:
    assert scan_int(text) == expected


def test_scan_int_prefix_reports_where_it_stopped() -> None:
    assert scan_int_prefix("12:34") == (12, 2)
    assert scan_int_prefix("12:34", 3) == (34, 5)
    assert scan_int_prefix("x", 0) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("-", "-"),
        ("ab", "a"),
        ("\\n", "\n"),
        ("\\t", "\t"),
        ("\\r", "\r"),
        ("\\x41", "A"),
        ("\\x4", "\x04"),
        ("\\xg", None),
        ("\\0101", "A"),
        ("\\0", "\x00"),
        ("\\-", "-"),
        ("\\", "\x00"),
    ],
)
def test_decode_char(text: str, expected: str | None) -> None:
    assert decode_char(text) == expected


def test_strip_blanks_removes_control_characters_too() -> None:
    assert strip_blanks(" \t\x01 a b \r\n") == "a b"
    assert strip_blanks("") == ""


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("a\\x41b", 1, ("A", 4)),
        ("\\x4g", 0, ("\x04", 3)),
        ("\\0101x", 0, ("A", 5)),
        ("\\n", 0, ("\n", 2)),
        ("\\", 0, ("\x00", 1)),
        ("ab", 2, None),
        ("\\xg", 0, None),
    ],
)
def test_decode_char_at(text: str, start: int, expected: tuple[str, int] | None) -> None:
    assert decode_char_at(text, start) == expected


def test_decode_chars_stops_at_an_undecodable_escape() -> None:
    assert decode_chars("a\\tb\\x41\\-") == "a\tbA-"
    assert decode_chars("ab\\xZcd") == "ab"
    assert decode_chars("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [(' "a b" ', "a b"), ('"', ""), ('"a', '"a'), ("a", "a"), ('""', "")],
)
def test_strip_quoted(text: str, expected: str) -> None:
    assert strip_quoted(text) == expected


def test_split_parenthesized(caplog: pytest.LogCaptureFixture) -> None:
    assert split_parenthesized("sub,s,1(a,(b),c)") == ("sub,s,1", "a,(b),c")
    assert split_parenthesized("label") == ("label", None)
    assert split_parenthesized("x()") == ("x", "")
    assert split_parenthesized("x(a") == ("x", "a")
    assert "No closing paren" in caplog.text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("5", "ctx,100,5"),
        ("200,label", "ctx,200,label"),
        ("other,300,1(a,b)", "other,300,1(a,b)"),
        (",,1()", "ctx,100,1"),
        ("o,e,1,extra", "o,e,1"),
    ],
)
def test_expand_subroutine_target(target: str, expected: str) -> None:
    assert expand_subroutine_target(target, "ctx", "100") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("yes", True), (" On ", True), ("1", True), ("T", True), ("no", False), ("", False)],
)
def test_is_affirmative(text: str, expected: bool) -> None:
    assert is_affirmative(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.5x", 1.5), (" -2e3", -2000.0), (".5", 0.5), ("7.", 7.0), ("x1", None), ("", None)],
)
def test_scan_float(text: str, expected: float | None) -> None:
    assert scan_float(text) == expected
