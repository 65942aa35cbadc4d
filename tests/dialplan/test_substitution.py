"""``${...}`` / ``$[...]`` substitution (main/pbx_variables.c behaviour)."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialplan_engine.funcs import assign
from dialplan_engine.substitution import parse_assignment, substitute
from tests.dialplan.fake_scope import FakeContext


@pytest.fixture
def ctx() -> FakeContext:
    context = FakeContext()
    context.variables.update({"X": "Y", "Y": "hello", "B": "1", "A1": "indirect", "N": "2"})
    context.globals.update({"G": "global", "X": "shadowed global"})
    context.channel.caller_number = "4915112345678"
    return context


PLAIN = [
    ("no references", "no references"),
    ("", ""),
    ("cost $5", "cost $5"),
    ("$$", "$$"),
    ("trailing $", "trailing $"),
    ("$${Y}", "$hello"),
    ("{Y}", "{Y}"),
    ("[1+1]", "[1+1]"),
]

VARIABLES = [
    ("${Y}", "hello"),
    ("<${Y}>", "<hello>"),
    ("${Y}${Y}", "hellohello"),
    ("${UNKNOWN}", ""),
    ("a${UNKNOWN}b", "ab"),
    ("${G}", "global"),
    # A channel variable hides the global of the same name.
    ("${X}", "Y"),
    # Names are case-sensitive.
    ("${y}", ""),
    ("${EXTEN}", "5551234"),
    ("${CONTEXT}", "internal"),
    ("${}", ""),
]

SUBSTRINGS = [
    ("${EXTEN:1}", "551234"),
    ("${EXTEN:-4}", "1234"),
    ("${EXTEN:0:3}", "555"),
    ("${EXTEN:2:-1}", "5123"),
    ("${EXTEN:-4:2}", "12"),
    ("${EXTEN:-3:-1}", "23"),
    ("${EXTEN:7}", ""),
    ("${EXTEN:10}", ""),
    ("${EXTEN:-10}", "5551234"),
    ("${EXTEN:1:0}", ""),
    ("${EXTEN:0:100}", "5551234"),
    ("${EXTEN:5:-3}", ""),
    # sscanf("%d:%d") quirks: no number -> no substring; blanks before a number are fine.
    ("${EXTEN::3}", "5551234"),
    ("${EXTEN:abc}", "5551234"),
    ("${EXTEN:2:}", "51234"),
    ("${EXTEN: 2}", "51234"),
    ("${EXTEN:+2}", "51234"),
    ("${EXTEN:1x:2}", "551234"),
    ("${UNKNOWN:1}", ""),
    # On function results too.
    ("${CALLERID(num):-4}", "5678"),
    ("${CALLERID(num):0:2}", "49"),
    ("${CALLERID(num):1}", "915112345678"),
    # The offset itself may be substituted.
    ("${EXTEN:${N}}", "51234"),
    ("${EXTEN:$[1+1]:2}", "51"),
]

NESTING = [
    ("${${X}}", "hello"),
    ("${A${B}}", "indirect"),
    ("${${UNKNOWN}}", ""),
    ("${LEN(${Y})}", "5"),
    ("${LEN(${Y}${Y})}", "10"),
    ("${LEN(${CALLERID(num)})}", "13"),
]

EXPRESSIONS = [
    ("$[1+2]", "3"),
    ("$[${N} * 3]", "6"),
    ("$[$[1+1] * 3]", "6"),
    ("$[${LEN(abc)} * 2]", "6"),
    ("$[LEN(abcd) + 1]", "5"),
    ("[$[1]]", "[1]"),
    ("$[[1]]", "1"),
    ("x$[]y", "xy"),
    ("$[${Y} = hello]", "1"),
    ("$[${UNKNOWN} = ]", "0"),
    ("$[${EXTEN:0:3} = 555]", "1"),
]

FUNCTIONS = [
    ("${LEN(abc)}", "3"),
    ("${LEN(abc)xyz}", "3"),
    ("${LEN()}", "0"),
    ("${LEN(a,b)}", "3"),
    ("${LEN(a(b)c)}", "5"),
    ("${CALLERID(name)}", "Alice"),
    ("${IF($[${N} > 1]?big:small)}", "big"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    PLAIN + VARIABLES + SUBSTRINGS + NESTING + EXPRESSIONS + FUNCTIONS,
)
def test_substitute(ctx: FakeContext, text: str, expected: str) -> None:
    assert substitute(text, ctx) == expected


def test_builtins_cannot_be_shadowed(ctx: FakeContext) -> None:
    ctx.variables["EXTEN"] = "variable"
    assert substitute("${EXTEN}", ctx) == "5551234"


def test_values_are_not_substituted_again(ctx: FakeContext) -> None:
    ctx.variables["RAW"] = "${Y} and $[1+1]"
    assert substitute("${RAW}", ctx) == "${Y} and $[1+1]"


def test_braces_inside_a_name_are_balanced(ctx: FakeContext) -> None:
    ctx.variables["W{1}"] = "braced"
    assert substitute("${W{1}}", ctx) == "braced"
    assert substitute("${W{1}}tail", ctx) == "bracedtail"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${Y", "hello"),
        ("${EXTEN:1", "551234"),
        ("abc${", "abc"),
        ("$[1+2", "3"),
        ("${Y${B}", ""),
        ("${LEN(ab}", "2"),
    ],
)
def test_unbalanced_reference_takes_the_rest(
    ctx: FakeContext, text: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert substitute(text, ctx) == expected
    assert "missing" in caplog.text or "trailing parenthesis" in caplog.text


def test_unknown_function_is_empty_with_a_warning(
    ctx: FakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert substitute("a${NOSUCH(1)}b", ctx) == "ab"
    assert "NOSUCH" in caplog.text


def test_function_names_are_case_sensitive(
    ctx: FakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        assert substitute("${callerid(num)}", ctx) == ""
    assert "callerid" in caplog.text


def test_edge_case_11_substrings(ctx: FakeContext) -> None:
    assert substitute("${EXTEN:1}", ctx) == "551234"
    assert substitute("${EXTEN:-4}", ctx) == "1234"
    assert substitute("${EXTEN:0:3}", ctx) == "555"
    assert substitute("${EXTEN:2:-1}", ctx) == "5123"
    assert substitute("${EXTEN:99}", ctx) == ""
    assert substitute("${CALLERID(num):-4}", ctx) == "5678"


def test_edge_case_12_variables(ctx: FakeContext) -> None:
    assert substitute("${${X}}", ctx) == "hello"
    assert substitute("${UNKNOWN}", ctx) == ""
    ctx.variables["foo"] = "lower"
    ctx.variables["FOO"] = "upper"
    assert substitute("${foo}/${FOO}", ctx) == "lower/upper"
    # Set(_VAR=x) / Set(__VAR=y): the scope stores the plain name and the inheritance.
    assign(ctx, "_ONE", "x")
    assign(ctx, "__ALL", "y")
    assert substitute("${ONE}${ALL}", ctx) == "xy"
    assert substitute("${_ONE}", ctx) == ""
    assert ctx.inheritance == {"ONE": "_", "ALL": "__"}


def test_self_referencing_values_terminate(ctx: FakeContext) -> None:
    # CUT substitutes ${varname} again: a value naming a CUT of itself must not recurse
    # forever.
    ctx.channel.caller_name = "CUT(${CALLERID(name)},-,1)"
    assert isinstance(substitute("${CUT(${CALLERID(name)},-,1)}", ctx), str)


def test_deep_nesting_is_dropped_not_a_crash(ctx: FakeContext) -> None:
    assert substitute("${" * 200 + "Y" + "}" * 200, ctx) == ""
    assert substitute("$[" * 200 + "1" + "]" * 200, ctx) == ""


def test_moderate_nesting_works(ctx: FakeContext) -> None:
    ctx.variables["hello"] = "Y"
    assert substitute("${${${${Y}}}}", ctx) == "Y"


ASSIGNMENTS = [
    ("A=b", ("A", "b")),
    ("A=b=c", ("A", "b=c")),
    ("A=", ("A", "")),
    ("=x", ("", "x")),
    ("X=a,b", ("X", "a,b")),
    ('X="quoted"', ("X", '"quoted"')),
    ("CALLERID(name)=Bob", ("CALLERID(name)", "Bob")),
    ("__VAR=1", ("__VAR", "1")),
]


@pytest.mark.parametrize(("text", "expected"), ASSIGNMENTS)
def test_parse_assignment(text: str, expected: tuple[str, str]) -> None:
    assert parse_assignment(text) == expected


def test_parse_assignment_requires_an_equals_sign() -> None:
    with pytest.raises(ValueError, match="requires an '='"):
        parse_assignment("novalue")


def test_parse_assignment_warns_about_spaces(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert parse_assignment("A B=1") == ("A B", "1")
    assert "spaces" in caplog.text


SUBSTITUTION_TEXT = st.text(
    alphabet=st.sampled_from(list('${}[]():,-0123456789XYNB+*/=?~"\\ abcLENIFCUT&|')),
    max_size=40,
) | st.text(max_size=40)


@settings(max_examples=400, deadline=None)
@given(SUBSTITUTION_TEXT)
def test_substitute_never_raises(text: str) -> None:
    context = FakeContext()
    context.variables.update({"X": "Y", "Y": "${X}", "N": "-2"})
    assert isinstance(substitute(text, context), str)
