"""``$[...]`` evaluation: the rules of main/ast_expr2.y, case by case (after the ideas of
Asterisk's expression tests, with cases written from the grammar and operator code)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialplan_engine.expressions import evaluate, is_true

PRECEDENCE = [
    ("1 + 2 * 3", "7"),
    ("(1+2)*3", "9"),
    ("2*3+4", "10"),
    ("10 - 2 - 3", "5"),
    ("100 / 10 / 5", "2"),
    ("2 + 3 = 5", "1"),
    ("1 = 1 & 2 = 2", "1"),
    ("0 | 1 & 0", "0"),
    ("1 | 0 & 0", "1"),
    ("- 2 * 3", "-6"),
    ("-2 + 5", "3"),
    ("-(2 + 3)", "-5"),
    ("2 - -1", "3"),
    ("!0 + 1", "2"),
    ("! 1 = 0", "1"),
    # The regex and concatenation operators bind tighter than the unary ones.
    ("-abc : a", "-1"),
    ("2 + 10 : 1", "3"),
    ("a ~~ b = ab", "1"),
    ("1 ? 2 :: 3 + 4", "2"),
    ("0 ? 2 :: 3 + 4", "7"),
    ("1 + 1 ? yes :: no", "yes"),
    ("0 | 0 ? yes :: no", "no"),
    # Conditionals associate to the left, and may nest in the middle.
    ("2 ? 3 :: 4 ? 5 :: 6", "5"),
    ("0 ? 3 :: 0 ? 5 :: 6", "6"),
    ("1 ? 0 ? a :: b :: c", "b"),
]

LOGIC = [
    ("abc | def", "abc"),
    ("0 | x", "x"),
    ("0 || 5", "5"),
    ("00 | 7", "7"),
    ('"" | x', '""'),
    ("0010 | 5", "10"),
    ("5 & 6", "5"),
    ("5 & 0", "0"),
    ("abc && 0", "0"),
    ("abc & def", "abc"),
    ("0010 & 1", "10"),
]

COMPARISON = [
    ("10 < 9", "0"),
    ("9 < 10", "1"),
    ("abc < abd", "1"),
    ("10 < abc", "1"),
    ("1.0 = 1", "1"),
    ("1.50 == 1.5", "1"),
    ("007 = 7", "1"),
    ("2 != 3", "1"),
    ("3 >= 3", "1"),
    ("3 <= 2", "0"),
    ("b > a", "1"),
    ('"abc" = "abc"', "1"),
    # A quoted token keeps its quotes and is never a number.
    ('"abc" = abc', "0"),
    ('"10" < "9"', "1"),
    ("abc = ABC", "0"),
]

ARITHMETIC = [
    ("3/2", "1.5"),
    ("4/2", "2"),
    ("1/3", "0.333333333333333333"),
    ("2/3", "0.666666666666666667"),
    ("7 % 3", "1"),
    ("-7 % 3", "-1"),
    ("7.5 % 2", "1.5"),
    ("0.1 + 0.2", "0.3"),
    ("2 * 0.5", "1"),
    ("1000000 * 1000000", "1000000000000"),
    ("123456789012345678 + 1", "123456789012345679"),
    ("10000000000000000000 * 10", "1e+20"),
    ("1 / 100000", "1e-05"),
    ("1 / 10000", "0.0001"),
    ("-0", "-0"),
    ("0 * -1", "-0"),
    ("5/0", "2147483647"),
    ("5 % 0", "0"),
    # Non-numeric operands: a warning and the operator's fallback.
    ("abc + 1", "1"),
    ("1 + abc", "1"),
    ("abc + def", "0"),
    ("abc - 1", "-1"),
    ("1 - abc", "1"),
    ("abc * 2", "0"),
    ("abc / 2", "0"),
    ("2 / abc", "2147483647"),
    ("abc % 2", "0"),
    ("-abc", "0"),
]

UNARY = [
    ("!0", "1"),
    ("!1", "0"),
    ("!abc", "1"),
    ("!5abc", "0"),
    ("!0.5", "1"),
    ('!""', "1"),
    ("- -3", "3"),
    ("!!5", "1"),
]

REGEX = [
    ('123456 : "(123)"', "123"),
    ('123456 : "123"', "3"),
    ('123456 : "456"', "0"),
    ('123456 : "(456)"', ""),
    ('123456 =~ "456"', "3"),
    ('123456 =~ "(45)6"', "45"),
    ('foo =~ "o+"', "2"),
    ("foo =~ x", "0"),
    ('foo =~ "(x)"', ""),
    # A group that did not take part: the length of the match.
    ('abc : "(x)?abc"', "3"),
    ('"hello world" : "hello"', "5"),
    # POSIX takes the longest match at the leftmost position.
    ('ab : "a|ab"', "2"),
    ('xaab =~ "a|aab"', "3"),
    ('1234 : "[[:digit:]]+"', "4"),
    ('0123 : "0[1-9]"', "2"),
    ("5551234 : 555", "3"),
    ('x : ""', "0"),
    ('abc : "a{"', ""),
    # A group result that looks like a number is one.
    ('"12" : "(1)2" + 1', "2"),
    ('"+49" : "[+]([0-9]+)"', "49"),
]

CONCATENATION = [
    ("a ~~ b", "ab"),
    ('"a b" ~~ c', "a bc"),
    ("1 ~~ 2", "12"),
    ("12 ~~ 3 + 1", "124"),
]

CONDITIONAL = [
    ("1 ? a :: b", "a"),
    ("0 ? a :: b", "b"),
    ('"" ? a :: b', "b"),
    ("abc ? a :: b", "a"),
    ("0.0 ? a :: b", "b"),
    ("2 - 2 ? a :: b", "b"),
]

FORMATTING = [
    ("", ""),
    ("   ", ""),
    ("0010", "0010"),
    ("0010 + 0", "10"),
    ("1.50", "1.50"),
    ("1.50 + 0", "1.5"),
    ('"abc"', '"abc"'),
    ("abc", "abc"),
    ("12345678901234567890 + 0", "1.23456789012345679e+19"),
]

MATH = [
    ("SQRT(16)", "4"),
    ("SQRT(2)", "1.41421356237309505"),
    ("FLOOR(2.7)", "2"),
    ("FLOOR(-2.5)", "-3"),
    ("CEIL(2.1)", "3"),
    ("ROUND(2.5)", "3"),
    ("ROUND(-2.5)", "-3"),
    ("RINT(2.5)", "2"),
    ("RINT(3.5)", "4"),
    ("TRUNC(-2.7)", "-2"),
    ("ABS(-5)", "5"),
    ("ABS(5)", "5"),
    ("POW(2,10)", "1024"),
    ("POW(2, 0.5)", "1.41421356237309505"),
    ("POW(0, 0)", "1"),
    ("EXP(0)", "1"),
    ("LOG(1)", "0"),
    ("LOG10(1000)", "3"),
    ("LOG2(8)", "3"),
    ("EXP2(10)", "1024"),
    ("EXP10(3)", "1000"),
    ("COS(0)", "1"),
    ("SIN(0)", "0"),
    ("ATAN2(0,1)", "0"),
    ("REMAINDER(7,2)", "-1"),
    ("SQRT(-1)", "nan"),
    ("LOG(0)", "-inf"),
    ("EXP(100000)", "inf"),
    ("SQRT(16) + 1", "5"),
    ("SQRT (16)", "4"),
    ("SQRT(1,2)", "0"),
    ("POW(2)", "0"),
    ("FOO(1)", "0"),
    ("lower(1)", "0"),
]

SYNTAX_ERRORS = ["1 +", "(1", "1 2", " = ", "1 ? 2", "1 :: 2", "1,2", "()", ")", "* 3", "SQRT()"]

LEXER = [
    ('"unterminated', "unterminated"),
    ("{abc}", "abc"),
    ("a$b", "a$b"),
    ("${X}", "${X}"),
    ("${X}+1", "1"),
    ("1e5", "1e5"),
]


@pytest.mark.parametrize(
    ("expr", "expected"),
    PRECEDENCE
    + LOGIC
    + COMPARISON
    + ARITHMETIC
    + UNARY
    + REGEX
    + CONCATENATION
    + CONDITIONAL
    + FORMATTING
    + MATH
    + LEXER,
)
def test_evaluate(expr: str, expected: str) -> None:
    assert evaluate(expr) == expected


@pytest.mark.parametrize("expr", SYNTAX_ERRORS)
def test_syntax_error_warns_and_gives_zero(expr: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert evaluate(expr) == "0"
    assert "Syntax error" in caplog.text


def test_division_by_zero_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert evaluate("5/0") == "2147483647"
    assert "division by zero" in caplog.text


def test_invalid_regex_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert evaluate('abc : "(a"') == ""
    assert "regcomp" in caplog.text


def test_edge_case_13() -> None:
    """dialplan.md edge case 13, one line each."""
    assert evaluate("1 + 2 * 3") == "7"
    assert evaluate("(1+2)*3") == "9"
    assert evaluate("5/0") == "2147483647"
    assert evaluate('"abc" = "abc"') == "1"
    assert evaluate("10 < 9") == "0"
    assert evaluate("abc < abd") == "1"
    # $[${X} = ] with X empty: the substituted text is " = ", a syntax error.
    assert evaluate(" = ") == "0"
    assert evaluate("1 ? a :: b") == "a"
    assert evaluate('123456 : "(123)"') == "123"
    # Without quotes the parentheses are operators: 123456 : 123.
    assert evaluate("123456 : (123)") == "3"
    assert evaluate('foo =~ "o+"') == "2"
    assert evaluate("a ~~ b") == "ab"


def test_dialplan_functions_through_the_callback() -> None:
    calls: list[tuple[str, str]] = []

    def call(name: str, args: str) -> str | None:
        calls.append((name, args))
        return {"LEN": str(len(args)), "NAME": "Bob", "EMPTY": ""}.get(name)

    assert evaluate("LEN(abc) + 1", call) == "4"
    assert evaluate("NAME(x) = Bob", call) == "1"
    # An empty result counts as the number 0.
    assert evaluate("EMPTY(x) + 1", call) == "1"
    assert evaluate("F(a, 1+1, 3)", call) == "0"
    assert evaluate("G(1,,2)", call) == "0"
    assert evaluate("G(1,)", call) == "0"
    assert ("F", "a,2,3") in calls
    assert ("G", "1,,2") in calls
    assert ("G", "1,") in calls


def test_unknown_function_logs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert evaluate("NOSUCH(1)", lambda name, args: None) == "0"
    assert "NOSUCH" in caplog.text


@pytest.mark.parametrize(
    "expr",
    ["(" * 500 + "1" + ")" * 500, "-" * 1000 + "1", "!" * 1000 + "1", "1 ? " * 300 + "1"],
)
def test_deep_nesting_is_a_syntax_error_not_a_crash(expr: str) -> None:
    assert evaluate(expr) == "0"


def test_moderate_nesting_works() -> None:
    assert evaluate("(" * 40 + "1 + 1" + ")" * 40) == "2"


TRUTH = [
    ("", False),
    ("0", False),
    ("00", False),
    (" 0", False),
    ("0abc", False),
    ("-0", False),
    ("abc", True),
    ("-1", True),
    ("1", True),
    ('""', True),
    ("  ", True),
    ("-", True),
    ("4294967296", False),
]


@pytest.mark.parametrize(("value", "expected"), TRUTH)
def test_is_true(value: str, expected: bool) -> None:
    assert is_true(value) is expected


def test_edge_case_14_truth() -> None:
    assert not is_true("")
    assert not is_true("0")
    assert not is_true("00")
    assert not is_true(" 0")
    assert is_true("abc")
    assert is_true("-1")
    assert is_true('""')


EXPRESSION_TEXT = st.text(
    alphabet=st.sampled_from(list("0123456789abcXYZ ()+-*/%!=<>&|?:~\",.${}[]\\^#@'\t")),
    max_size=40,
) | st.text(max_size=40)


@settings(max_examples=400, deadline=None)
@given(EXPRESSION_TEXT)
def test_evaluate_never_raises(expr: str) -> None:
    assert isinstance(evaluate(expr), str)
    assert isinstance(evaluate(expr, lambda name, args: args), str)
