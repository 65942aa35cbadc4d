"""The dialplan functions, the registry, and the stores they use."""

from __future__ import annotations

import ctypes
import datetime
import logging
import pkgutil
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dialplan_engine.funcs as registry
from dialplan_engine.funcs import (
    FUNCTIONS,
    assign,
    find_function,
    read_function,
    read_function_call,
    split_call,
    write_function,
)
from dialplan_engine.funcs.callerid import split_caller_id
from dialplan_engine.funcs.dialgroup import bucket
from dialplan_engine.scope import (
    AstDbDialgroups,
    Inheritance,
    MemoryAstDb,
    MemoryDialgroups,
    split_inheritance,
)
from dialplan_engine.substitution import substitute
from tests.dialplan.fake_scope import FakeContext


@pytest.fixture
def ctx() -> FakeContext:
    return FakeContext()


def call(ctx: FakeContext, text: str) -> str:
    """``${text}`` through the real substitution, as the dialplan would read it."""
    return substitute("${" + text + "}", ctx)


def put(ctx: FakeContext, target: str, value: str) -> None:
    """``Set(target=value)``."""
    assign(ctx, target, value)


# --- registry -------------------------------------------------------------------------


def test_every_function_module_is_registered() -> None:
    package = Path(registry.__file__).parent
    on_disk = {info.name for info in pkgutil.iter_modules([str(package)])}
    assert on_disk == {module.__name__.rpartition(".")[2] for module in FUNCTIONS}


def test_registered_functions_are_documented() -> None:
    names = []
    for module in FUNCTIONS:
        function = find_function(module.NAME)
        assert function is not None
        assert function.module is module
        assert function.synopsis
        assert function.syntax.startswith(module.NAME + "(")
        assert function.description
        names.append(module.NAME)
    assert len(names) == len(set(names))


def test_find_function_is_case_sensitive() -> None:
    assert find_function("CALLERID") is not None
    assert find_function("callerid") is None
    assert find_function("NOSUCH") is None


def test_writable_functions() -> None:
    writable = {module.NAME for module in FUNCTIONS if hasattr(module, "write")}
    assert writable == {
        "CALLERID", "CDR", "CHANNEL", "DB", "DB_DELETE", "DIALGROUP", "GLOBAL", "TIMEOUT",
        "ARRAY", "HASH", "LOCAL", "PUSH", "UNSHIFT",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LEN(abc)", ("LEN", "abc")),
        ("LEN()", ("LEN", "")),
        ("F(a(b)c)", ("F", "a(b)c")),
        ("F(a)b)c", ("F", "a)b")),
        ("F(abc", ("F", "abc")),
        ("F", ("F", "")),
    ],
)
def test_split_call(text: str, expected: tuple[str, str]) -> None:
    assert split_call(text) == expected


def test_read_function(ctx: FakeContext) -> None:
    assert read_function(ctx, "LEN", "abcd") == "4"
    assert read_function(ctx, "NOSUCH", "x") is None
    assert read_function_call(ctx, "LEN(ab)") == "2"


def test_write_function(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    assert write_function(ctx, "CALLERID(name)", "Bob")
    assert ctx.channel.caller_name == "Bob"
    with caplog.at_level(logging.WARNING):
        assert not write_function(ctx, "NOSUCH(x)", "1")
        assert not write_function(ctx, "LEN(x)", "1")
    assert "not registered" in caplog.text
    assert "cannot be written" in caplog.text


def test_assign_sets_variables_or_writes_functions(ctx: FakeContext) -> None:
    assign(ctx, "PLAIN", "1")
    assign(ctx, "_CHILD", "2")
    assign(ctx, "__ALL", "3")
    assign(ctx, "CALLERID(num)", "555")
    assert ctx.variables == {"PLAIN": "1", "CHILD": "2", "ALL": "3"}
    assert ctx.inheritance == {"CHILD": "_", "ALL": "__"}
    assert ctx.channel.caller_number == "555"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("VAR", ("VAR", Inheritance.NONE)),
        ("_VAR", ("VAR", Inheritance.CHILDREN)),
        ("__VAR", ("VAR", Inheritance.DESCENDANTS)),
        ("___VAR", ("_VAR", Inheritance.DESCENDANTS)),
        ("", ("", Inheritance.NONE)),
    ],
)
def test_split_inheritance(name: str, expected: tuple[str, Inheritance]) -> None:
    assert split_inheritance(name) == expected


# --- CALLERID -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("num", "101"),
        ("number", "101"),
        ("NUM", "101"),
        ("name", "Alice"),
        ("Name", "Alice"),
        ("all", '"Alice" <101>'),
        ("ani", ""),
        ("", ""),
    ],
)
def test_callerid_read(ctx: FakeContext, args: str, expected: str) -> None:
    assert call(ctx, f"CALLERID({args})") == expected


def test_callerid_all_with_a_missing_part(ctx: FakeContext) -> None:
    ctx.channel.caller_name = ""
    assert call(ctx, "CALLERID(all)") == "101"
    ctx.channel.caller_name, ctx.channel.caller_number = "Alice", ""
    assert call(ctx, "CALLERID(all)") == "Alice"
    ctx.channel.caller_name = ""
    assert call(ctx, "CALLERID(all)") == ""


def test_callerid_of_a_given_string(ctx: FakeContext) -> None:
    assert call(ctx, 'CALLERID(num,"Bob" <201>)') == "201"
    assert call(ctx, 'CALLERID(name,"Bob" <201>)') == "Bob"
    assert call(ctx, "CALLERID(all,201)") == '"" <201>'


def test_callerid_write(ctx: FakeContext) -> None:
    put(ctx, "CALLERID(num)", " 202 ")
    put(ctx, "CALLERID(name)", "Reception\t")
    assert (ctx.channel.caller_number, ctx.channel.caller_name) == ("202", "Reception")
    put(ctx, "CALLERID(all)", '"Bob Smith" <(555) 123-4567>')
    assert (ctx.channel.caller_number, ctx.channel.caller_name) == ("5551234567", "Bob Smith")


def test_callerid_unknown_type_logs(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        put(ctx, "CALLERID(rdnis)", "1")
        assert call(ctx, "CALLERID(pres)") == ""
    assert caplog.text.count("Unknown callerid data type") == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"Bob" <201>', ("Bob", "201")),
        ("Bob <201>", ("Bob", "201")),
        ("<201>", ("", "201")),
        ("201", ("", "201")),
        ("+49 (30) 1234-56", ("", "+4930123456")),
        ("Bob", ("Bob", "")),
        ('"201"', ("201", "")),
        ('"B\\"ob" <1>', ('B"ob', "1")),
        ("Bob <201", ("Bob", "201")),
        ('"Bob <201>"', ("Bob", "201")),
        ("", ("", "")),
        ('"', ("", "")),
    ],
)
def test_split_caller_id(text: str, expected: tuple[str, str]) -> None:
    assert split_caller_id(text) == expected


# --- DIALGROUP ------------------------------------------------------------------------


def _same_bucket_pair() -> tuple[str, str]:
    seen: dict[int, str] = {}
    for number in range(100, 400):
        member = f"PJSIP/{number}"
        if bucket(member) in seen:
            return seen[bucket(member)], member
        seen[bucket(member)] = member
    raise AssertionError("no collision found")


def test_dialgroup_bucket_is_asterisks_string_hash() -> None:
    def reference(text: str) -> int:
        value = ctypes.c_int32(5381)
        for byte in text.encode():
            value = ctypes.c_int32(value.value * 33 ^ ctypes.c_int8(byte).value)
        return abs(value.value) % 37

    for member in ["PJSIP/101", "SIP/10", "SIP/20", "Local/100@from-internal", "PJSIP/é", ""]:
        assert bucket(member) == reference(member)


def test_dialgroup_add_read_and_order(ctx: FakeContext) -> None:
    put(ctx, "DIALGROUP(sales,add)", "SIP/10")
    put(ctx, "DIALGROUP(sales,add)", "SIP/20")
    # Hash-table order, not insertion order: SIP/20 lands in an earlier bucket.
    assert call(ctx, "DIALGROUP(sales)") == "SIP/20&SIP/10"
    first, second = _same_bucket_pair()
    put(ctx, "DIALGROUP(pair)", f"{second}&{first}")
    # Within one bucket, the order of insertion.
    assert call(ctx, "DIALGROUP(pair)") == f"{second}&{first}"


def test_dialgroup_edge_case_17(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    put(ctx, "DIALGROUP(g,add)", "PJSIP/101")
    put(ctx, "DIALGROUP(g,add)", "PJSIP/101")
    assert call(ctx, "DIALGROUP(g)") == "PJSIP/101"
    with caplog.at_level(logging.WARNING):
        put(ctx, "DIALGROUP(g,del)", "PJSIP/999")
    assert "Interface 'PJSIP/999' not found in dialgroup 'g'" in caplog.text
    put(ctx, "DIALGROUP(g)", "PJSIP/102&PJSIP/103")
    assert call(ctx, "DIALGROUP(g)") == "PJSIP/102&PJSIP/103"
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert call(ctx, "DIALGROUP(unknown)") == ""
    assert "No such dialgroup 'unknown'" in caplog.text
    put(ctx, "DIALGROUP(g,del)", "PJSIP/102&PJSIP/103")
    # What Dial(${DIALGROUP(g)}) receives once the group is empty.
    assert substitute("Dial(${DIALGROUP(g)})", ctx) == "Dial()"


def test_dialgroup_operations(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    put(ctx, "DIALGROUP(g,ADD)", "PJSIP/101&PJSIP/102&&PJSIP/101")
    assert ctx.dialgroups.members("g") == ["PJSIP/101", "PJSIP/102"]
    put(ctx, "DIALGROUP(g,Delete)", "PJSIP/101")
    assert ctx.dialgroups.members("g") == ["PJSIP/102"]
    with caplog.at_level(logging.ERROR):
        put(ctx, "DIALGROUP(g,frobnicate)", "PJSIP/103")
    assert "Unrecognized operation: frobnicate" in caplog.text
    assert ctx.dialgroups.members("g") == ["PJSIP/102"]
    # Names are case-sensitive.
    assert ctx.dialgroups.members("G") is None
    put(ctx, "DIALGROUP(g)", "")
    assert ctx.dialgroups.members("g") is None


def test_dialgroup_persists_in_astdb_as_asterisk_does() -> None:
    astdb = MemoryAstDb()
    ctx = FakeContext(dialgroups=AstDbDialgroups(astdb))
    put(ctx, "DIALGROUP(sales,add)", "SIP/10")
    put(ctx, "DIALGROUP(sales,add)", "SIP/20")
    assert astdb.get("dialgroup", "sales") == "SIP/20&SIP/10"
    # A store reopened on the same database sees the group (Asterisk reloads it at start).
    reopened = FakeContext(dialgroups=AstDbDialgroups(astdb))
    assert call(reopened, "DIALGROUP(sales)") == "SIP/20&SIP/10"
    put(ctx, "DIALGROUP(sales,del)", "SIP/10&SIP/20")
    assert astdb.get("dialgroup", "sales") is None


def test_dialgroup_read_takes_the_whole_argument(ctx: FakeContext) -> None:
    put(ctx, "DIALGROUP(g,add)", "PJSIP/101")
    assert call(ctx, "DIALGROUP(g,add)") == ""


# --- small string functions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LEN(abc)", "3"),
        ("LEN()", "0"),
        ("LEN(a b,c)", "5"),
        ("ISNULL()", "1"),
        ("ISNULL(x)", "0"),
        ("EXISTS()", "0"),
        ("EXISTS(x)", "1"),
        ("TOUPPER(abc-é)", "ABC-é"),
        ("TOLOWER(ABC-É)", "abc-É"),
    ],
)
def test_string_functions(ctx: FakeContext, text: str, expected: str) -> None:
    assert call(ctx, text) == expected


def test_global(ctx: FakeContext) -> None:
    ctx.variables["V"] = "channel"
    ctx.globals["V"] = "global"
    assert call(ctx, "GLOBAL(V)") == "global"
    assert call(ctx, "GLOBAL(NONE)") == ""
    put(ctx, "GLOBAL(NEW)", "1")
    assert ctx.globals["NEW"] == "1"
    assert "NEW" not in ctx.variables


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IF(1?a:b)", "a"),
        ("IF(0?a:b)", "b"),
        ("IF( 1 ? a : b )", "a"),
        ("IF(abc?x:y)", "x"),
        # The quotes are removed before the test: an empty condition is a syntax error.
        ('IF(""?x:y)', ""),
        ("IF(00?x:y)", "y"),
        ("IF(1?a)", "a"),
        ("IF(0?a)", ""),
        ("IF(1?:b)", ""),
        ("IF(0?:b)", "b"),
        ("IF(1?a:b:c)", "a"),
        ("IF(0?a:b:c)", "b:c"),
        ("IF(?a:b)", ""),
        ("IF(1)", ""),
        ("IF(1?)", ""),
        ("IF($[2 > 1]?yes:no)", "yes"),
    ],
)
def test_if(ctx: FakeContext, text: str, expected: str) -> None:
    assert call(ctx, text) == expected


def test_set_function(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    assert call(ctx, "SET(X=5)") == "5"
    assert call(ctx, "SET( Y = spaced )") == "spaced"
    assert call(ctx, "SET(_Z=1)") == "1"
    assert call(ctx, "SET(CALLERID(name)=Bob)") == "Bob"
    assert ctx.variables == {"X": "5", "Y": "spaced", "Z": "1"}
    assert ctx.inheritance == {"Z": "_"}
    assert ctx.channel.caller_name == "Bob"
    with caplog.at_level(logging.WARNING):
        assert call(ctx, "SET(noequals)") == ""
        assert call(ctx, "SET(=1)") == ""
    assert caplog.text.count("Syntax SET") == 2


# --- CUT / FIELDQTY -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("X,-,1", "a"),
        ("X,-,2", "b"),
        ("X,-,2&4", "b-d"),
        ("X,-,2-3", "b-c"),
        ("X,-,-2", "a-b"),
        ("X,-,3-", "c-d"),
        ("X,-,5", ""),
        ("X,,2", "b"),
        ("X,b,1", "a-"),
        ("X,-,abc", ""),
        ("X,-", ""),
        ("EMPTY,-,1", ""),
        ("X:2,-,1", "b"),
    ],
)
def test_cut(ctx: FakeContext, args: str, expected: str) -> None:
    ctx.variables["X"] = "a-b-c-d"
    assert call(ctx, f"CUT({args})") == expected


def test_cut_decodes_the_delimiter(ctx: FakeContext) -> None:
    ctx.variables["T"] = "one\ttwo"
    # The argument splitting eats one backslash level, so the dialplan writes \\t.
    assert call(ctx, "CUT(T,\\\\t,2)") == "two"
    ctx.variables["C"] = "x,y"
    assert call(ctx, "CUT(C,\\,,2)") == "y"


def test_cut_warns_when_fields_go_backwards(
    ctx: FakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    ctx.variables["X"] = "a-b-c-d"
    with caplog.at_level(logging.WARNING):
        assert call(ctx, "CUT(X,-,3&1)") == "c"
    assert "already past the field" in caplog.text


@pytest.mark.parametrize(
    ("value", "args", "expected"),
    [
        ("a-b-c", "X,-", "3"),
        ("abc", "X,-", "1"),
        ("", "X,-", "0"),
        ("a-b", "X", "1"),
        ("a-b", "X,", "1"),
        # The delimiter is the last argument, kept as written: one backslash here.
        ("a\tb", "X,\\t", "2"),
    ],
)
def test_fieldqty(ctx: FakeContext, value: str, args: str, expected: str) -> None:
    ctx.variables["X"] = value
    assert call(ctx, f"FIELDQTY({args})") == expected


# --- REGEX ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ('"^0[1-9]" 0123', "1"),
        ('"^0[1-9]" 1234', "0"),
        ('"[[:digit:]]{3}" ab123', "1"),
        ('"^$" ', "1"),
        ('"a|b"c', "0"),
        ("no quotes", ""),
        ('"(" x', ""),
    ],
)
def test_regex(ctx: FakeContext, args: str, expected: str) -> None:
    assert call(ctx, f"REGEX({args})") == expected


def test_regex_invalid_pattern_warns(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert read_function(ctx, "REGEX", '"a{" abc') == ""
    assert "Malformed input" in caplog.text


# --- STRFTIME / RAND ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("0,UTC,%Y-%m-%d %H:%M:%S", "1970-01-01 00:00:00"),
        ("1700000000,Europe/Paris,%H:%M", "23:13"),
        ("1700000000,America/New_York,%H %Z", "17 EST"),
        ("1.25,UTC,%S.%q", "01.250"),
        ("1.25,UTC,%1q %6q", "2 250000"),
        ("1.25,UTC,%%q", "%q"),
        ("0,UTC,%Y,%m", "1970,01"),
        ("0,UTC", "Thu Jan  1 00:00:00 1970"),
    ],
)
def test_strftime(ctx: FakeContext, args: str, expected: str) -> None:
    assert call(ctx, f"STRFTIME({args})") == expected


def test_strftime_defaults_to_now(ctx: FakeContext) -> None:
    year = datetime.datetime.now(datetime.UTC).year
    assert call(ctx, "STRFTIME(,UTC,%Y)") in (str(year), str(year + 1))
    assert call(ctx, "STRFTIME(soon,UTC,%Y)") in (str(year), str(year + 1))


def test_strftime_local_zone(ctx: FakeContext) -> None:
    expected = time.strftime("%H:%M", time.localtime(1700000000))
    assert call(ctx, "STRFTIME(1700000000,,%H:%M)") == expected


def test_strftime_unknown_zone_warns(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert call(ctx, "STRFTIME(0,Mars/Olympus,%Y)") in ("1969", "1970")
        assert call(ctx, "STRFTIME(1e400,UTC,%Y)") == ""
    assert "Unknown timezone" in caplog.text


def test_rand(ctx: FakeContext) -> None:
    assert {int(call(ctx, "RAND(1,3)")) for _ in range(200)} == {1, 2, 3}
    assert call(ctx, "RAND(5,5)") == "5"
    assert 1 <= int(call(ctx, "RAND(6,1)")) <= 6
    assert 0 <= int(call(ctx, "RAND()")) <= 2**31 - 1
    assert 10 <= int(call(ctx, "RAND(10)")) <= 2**31 - 1
    assert 0 <= int(call(ctx, "RAND(x,2)")) <= 2


# --- DB -------------------------------------------------------------------------------


def test_db_read_write(ctx: FakeContext) -> None:
    put(ctx, "DB(cfwd/101)", "5551234")
    assert ctx.astdb.get("cfwd", "101") == "5551234"
    assert call(ctx, "DB(cfwd/101)") == "5551234"
    assert ctx.variables["DB_RESULT"] == "5551234"
    del ctx.variables["DB_RESULT"]
    assert call(ctx, "DB(cfwd/999)") == ""
    assert "DB_RESULT" not in ctx.variables


def test_db_keys_may_contain_slashes(ctx: FakeContext) -> None:
    put(ctx, "DB(cfwd/101/busy)", "1")
    assert ctx.astdb.get("cfwd", "101/busy") == "1"
    ctx.variables["EXT"] = "101"
    assert call(ctx, "DB(cfwd/${EXT}/busy)") == "1"


def test_db_without_a_key_warns(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert call(ctx, "DB(cfwd)") == ""
        assert call(ctx, "DB()") == ""
        put(ctx, "DB(cfwd)", "1")
        assert call(ctx, "DB_EXISTS(x)") == ""
        assert call(ctx, "DB_DELETE(x)") == ""
    assert caplog.text.count("requires an argument") == 5


def test_db_exists(ctx: FakeContext) -> None:
    ctx.astdb.put("fam", "key", "value")
    assert call(ctx, "DB_EXISTS(fam/key)") == "1"
    assert ctx.variables["DB_RESULT"] == "value"
    assert call(ctx, "DB_EXISTS(fam/other)") == "0"


def test_db_delete(ctx: FakeContext) -> None:
    ctx.astdb.put("fam", "key", "value")
    assert call(ctx, "DB_DELETE(fam/key)") == "value"
    assert ctx.astdb.get("fam", "key") is None
    assert ctx.variables["DB_RESULT"] == "value"
    assert call(ctx, "DB_DELETE(fam/key)") == ""
    assert ctx.variables["DB_RESULT"] == ""
    ctx.astdb.put("fam", "other", "x")
    put(ctx, "DB_DELETE(fam/other)", "ignored")
    assert ctx.astdb.get("fam", "other") is None


# --- CHANNEL / TIMEOUT ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("name", "PJSIP/101-00000001"),
        ("NAME", "PJSIP/101-00000001"),
        ("uniqueid", "1700000000.1"),
        ("linkedid", "1700000000.1"),
        ("state", "Up"),
        ("language", "en"),
        ("accountcode", ""),
        ("channeltype", "PJSIP"),
        ("exten", "5551234"),
        ("context", "internal"),
        ("checkhangup", "0"),
        ("nosuchthing", ""),
    ],
)
def test_channel_read(ctx: FakeContext, item: str, expected: str) -> None:
    assert call(ctx, f"CHANNEL({item})") == expected


def test_channel_linkedid_and_hangup(ctx: FakeContext) -> None:
    ctx.channel.linkedid = "1699999999.7"
    ctx.channel.hung_up = True
    assert call(ctx, "CHANNEL(linkedid)") == "1699999999.7"
    assert call(ctx, "CHANNEL(checkhangup)") == "1"


def test_channel_write(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    put(ctx, "CHANNEL(language)", "fr")
    put(ctx, "CHANNEL(accountcode)", "sales")
    assert (ctx.channel.language, ctx.channel.accountcode) == ("fr", "sales")
    with caplog.at_level(logging.WARNING):
        put(ctx, "CHANNEL(name)", "x")
    assert "Unknown or unavailable item" in caplog.text


def test_timeout_defaults(ctx: FakeContext) -> None:
    assert call(ctx, "TIMEOUT(digit)") == "5.000"
    assert call(ctx, "TIMEOUT(response)") == "10.000"
    assert call(ctx, "TIMEOUT(absolute)") == "0"


@pytest.mark.parametrize(
    ("kind", "value", "variable", "stored"),
    [
        ("digit", "3", "TIMEOUT_DIGIT", "3.000"),
        ("digit", "3.5", "TIMEOUT_DIGIT", "3.500"),
        ("D", "2.25", "TIMEOUT_DIGIT", "2.250"),
        ("response", "20", "TIMEOUT_RESPONSE", "20.000"),
        ("response", "abc", "TIMEOUT_RESPONSE", "0.000"),
        ("response", "-5", "TIMEOUT_RESPONSE", "0.000"),
        ("absolute", "30", "TIMEOUT_ABSOLUTE", "30.000"),
        ("absolute", "0", "TIMEOUT_ABSOLUTE", "0"),
        ("absolute", "", "TIMEOUT_ABSOLUTE", "0"),
    ],
)
def test_timeout_write(ctx: FakeContext, kind: str, value: str, variable: str, stored: str) -> None:
    put(ctx, f"TIMEOUT({kind})", value)
    assert ctx.variables[variable] == stored
    assert call(ctx, f"TIMEOUT({kind})") == stored


def test_timeout_unknown_type(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        assert call(ctx, "TIMEOUT(x)") == ""
        put(ctx, "TIMEOUT()", "1")
    assert caplog.text.count("Unknown timeout type") == 2
    assert ctx.variables == {}


# --- stores ---------------------------------------------------------------------------


def test_memory_astdb() -> None:
    astdb = MemoryAstDb()
    for key in ("a", "a/b", "a/b/c", "ab", "z"):
        astdb.put("fam", key, key.upper())
    astdb.put("other", "a", "kept")
    assert astdb.get("fam", "a/b") == "A/B"
    assert astdb.delete("fam", "z")
    assert not astdb.delete("fam", "z")
    assert astdb.delete_tree("fam", "a/b") == 2
    assert astdb.get("fam", "a") == "A"
    assert astdb.delete_tree("fam", "a") == 1
    assert astdb.get("fam", "ab") == "AB"
    assert astdb.delete_tree("fam") == 1
    assert astdb.get("other", "a") == "kept"


def test_memory_dialgroups_copies_lists() -> None:
    store = MemoryDialgroups()
    members = ["PJSIP/1"]
    store.set_members("g", members)
    members.append("PJSIP/2")
    found = store.members("g")
    assert found == ["PJSIP/1"]
    assert found is not None
    found.append("x")
    assert store.members("g") == ["PJSIP/1"]
    store.set_members("g", [])
    assert store.members("g") is None


# --- robustness -----------------------------------------------------------------------

ARGUMENT_TEXT = st.text(
    alphabet=st.sampled_from(list('ab01-&/,:?=()"\\ \t%qUTC.^$[]{}|*+')), max_size=30
) | st.text(max_size=30)


@settings(max_examples=60, deadline=None)
@given(ARGUMENT_TEXT, ARGUMENT_TEXT)
def test_functions_never_raise(args: str, value: str) -> None:
    for module in FUNCTIONS:
        function = find_function(module.NAME)
        assert function is not None
        ctx = FakeContext()
        assert isinstance(function.read(ctx, args), str)
        if function.write is not None:
            function.write(ctx, args, value)
