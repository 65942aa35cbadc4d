"""The string, number, time, encoding and dialplan functions that need no switch."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialplan_engine.funcs import assign, base64_decode, base64_encode, csv_quote
from dialplan_engine.funcs import quote as quote_function
from dialplan_engine.parser import parse_extensions_conf
from dialplan_engine.substitution import substitute
from tests.dialplan.fake_channel import Switch
from tests.dialplan.fake_scope import FakeContext


@pytest.fixture
def ctx() -> FakeContext:
    return FakeContext()


def call(ctx: FakeContext, text: str) -> str:
    """``${text}`` through the real substitution, as the dialplan would read it."""
    return substitute("${" + text + "}", ctx)


# -- lists: FIELDNUM, LISTFILTER, SHIFT, POP, PUSH, UNSHIFT, ARRAY ---------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("L,-,b", "2"),
        ("L,-,C", "3"),
        ("L,-,z", "0"),
        ("L,,b", "0"),
        ("EMPTY,-,b", "0"),
        ("T,\\\\t,y", "2"),
        ("L,-", ""),
    ],
)
def test_fieldnum(ctx: FakeContext, args: str, expected: str) -> None:
    ctx.variables.update({"L": "a-b-c", "T": "x\ty", "EMPTY": ""})
    assert call(ctx, f"FIELDNUM({args})") == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("L,&,PJSIP/102", "PJSIP/101&PJSIP/103"),
        ("L,&,PJSIP/1", "PJSIP/101&PJSIP/102&PJSIP/103"),
        ("L,&,nothing", "PJSIP/101&PJSIP/102&PJSIP/103"),
        ("C,,b", "a,c"),
        ("D,::,x", "a::b"),
        ("NONE,&,x", ""),
        ("L,&", ""),
    ],
)
def test_listfilter(ctx: FakeContext, args: str, expected: str) -> None:
    ctx.variables.update(
        {"L": "PJSIP/101&PJSIP/102&PJSIP/103", "C": "a,b,c,b", "D": "a::x::b::x"}
    )
    assert call(ctx, f"LISTFILTER({args})") == expected
    assert ctx.variables["L"] == "PJSIP/101&PJSIP/102&PJSIP/103"


def test_shift_and_pop_take_fields_off(ctx: FakeContext) -> None:
    ctx.variables["L"] = "a,b,c"
    assert call(ctx, "SHIFT(L)") == "a"
    assert ctx.variables["L"] == "b,c"
    assert call(ctx, "POP(L)") == "c"
    assert call(ctx, "POP(L)") == "b"
    assert ctx.variables["L"] == ""
    assert call(ctx, "SHIFT(L)") == ""
    ctx.variables["P"] = "1|2|3"
    assert call(ctx, "POP(P,|)") == "3"
    assert ctx.variables["P"] == "1|2"


def test_shift_needs_a_variable_name(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    assert call(ctx, "SHIFT()") == ""
    assert "SHIFT requires a variable name" in caplog.text


def test_push_and_unshift_add_fields(ctx: FakeContext) -> None:
    assign(ctx, "PUSH(L)", "a")
    assign(ctx, "PUSH(L)", "b,c")
    assign(ctx, "UNSHIFT(L)", "z")
    assert ctx.variables["L"] == "z,a,b,c"
    assign(ctx, "PUSH(__D,&)", "PJSIP/101")
    assign(ctx, "PUSH(__D,&)", "PJSIP/102")
    assert ctx.variables["D"] == "PJSIP/101&PJSIP/102"
    assert ctx.inheritance["D"] == "__"


def test_push_is_write_only(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    assert call(ctx, "PUSH(L)") == ""
    assert call(ctx, "ARRAY(a,b)") == ""
    assert "PUSH is write-only" in caplog.text


def test_array_sets_each_variable(ctx: FakeContext) -> None:
    assign(ctx, "ARRAY(A,_B,C)", '1,"2,5"')
    assert ctx.variables == {"A": "1", "B": "2,5", "C": ""}
    assert ctx.inheritance == {"B": "_"}


async def test_hash_values_keys_and_whole_hash_reads() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(HASH(h,one)=1)\n same => n,Set(HASH(h,two)=2)\n"
        " same => n,Set(HASH(h,three)=3)\n same => n,Set(HASH(other,x)=9)\n"
        " same => n,Set(R=${HASH(h,one)}|${HASH(h,none)}|${HASHKEYS(H)}|${HASH(h)})\n"
        " same => n,Set(HASH(h)=a,b,c)\n"
        " same => n,Set(S=${HASH(h,one)}${HASH(h,two)}${HASH(h,three)}${HASH(H,one)})\n"
        " same => n,Set(HASH(_inh,k)=v)\n same => n,Dial(PJSIP/102)\n"
    )
    channel = await switch.call("c")
    # Keys come the most recently set first; HASHKEYS ignores the letter case of the hash
    # name, reading a value does not (variable names are case-sensitive).
    assert channel.var("R") == "1||three,two,one|3,2,1"
    assert channel.var("S") == "cba"
    assert channel.dials[0].options.inherit == {"~HASH~inh~k~": "v"}


def test_hash_write_without_keys_needs_a_read_first(
    ctx: FakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    assign(ctx, "HASH(h)", "a,b")
    assert ctx.variables == {}
    assert "read ${HASH(h)} first" in caplog.text


# -- FILTER, REPLACE, KEYPADHASH, QUOTE, CSV_QUOTE -------------------------------------------


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [
        # Asterisk's own test_FILTER cases, on 0042133333&DAHDI/g1/2212.
        ("A-R", "DAHDI"),
        ("A\\-R", "A"),
        ("\\x41-R", "DAHDI"),
        ("0-9A-Ca-c", "0042133333A12212"),
        ("0-9a-cA-C_+\\-", "0042133333A12212"),
        ("&/", "&//"),
        ("3-", "33333"),
    ],
)
def test_filter(ctx: FakeContext, allowed: str, expected: str) -> None:
    assert call(ctx, f"FILTER({allowed},0042133333&DAHDI/g1/2212)") == expected


def test_filter_keeps_commas_of_the_string_and_warns_on_odd_specs(
    ctx: FakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    assert call(ctx, "FILTER(0-9\\,,1,2;3)") == "1,23"
    assert call(ctx, "FILTER(z-a,az)") == "az"
    assert "Range wrapping" in caplog.text
    assert call(ctx, "FILTER(0-9)") == ""
    assert call(ctx, "FILTER(\\xZZ,abc)") == ""
    assert "Usage: FILTER" in caplog.text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("N,- ", "5551234"),
        ("N,-,.", "555.12 34"),
        ("N,\\\\x20,_", "555-12_34"),
        ("N,\\x20,_", "555-1_ 34"),
        ("N,5,xy", "xxx-12 34"),
        ("EMPTY,5,x", ""),
        ("N,,x", ""),
        ("N", ""),
    ],
)
def test_replace(ctx: FakeContext, args: str, expected: str) -> None:
    ctx.variables.update({"N": "555-12 34", "EMPTY": ""})
    assert call(ctx, f"REPLACE({args})") == expected


def test_keypadhash(ctx: FakeContext) -> None:
    assert call(ctx, "KEYPADHASH(Les Paul-0*1)") == "537728501"


@pytest.mark.parametrize(
    ("args", "quote", "csv"),
    [("abc", '"abc"', '"abc"'), ('a"b\\c', '"a\\"b\\\\c"', '"a""b\\c"'), ("", '""', '""')],
)
def test_quote_and_csv_quote(ctx: FakeContext, args: str, quote: str, csv: str) -> None:
    # Read directly: the argument holds characters the argument syntax would eat.
    assert quote_function.read(ctx, args) == quote
    assert csv_quote.read(ctx, args) == csv


# -- MATH, INC, DEC ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("1+2", "3.000000"),
        ("3/2", "1.500000"),
        ("3/2,i", "1"),
        ("7/0", "0.000000"),
        ("7/-1", "0.000000"),
        ("-7%3,int", "-1"),
        ("2^10,i", "1024"),
        ("170 AND 63,i", "42"),
        ("170AND63,i", "42"),
        ("5 OR 2,i", "7"),
        ("6XOR3,i", "5"),
        ("1<<4,i", "16"),
        ("256>>4,i", "16"),
        ("-2*-3,i", "6"),
        ("10--3,i", "13"),
        ("255+0,h", "ff"),
        ("-1+0,hex", "ffffffff"),
        ("65+1,c", "B"),
        ("3>2", "TRUE"),
        ("3<2", "FALSE"),
        ("2>=2", "TRUE"),
        ("2<=1", "FALSE"),
        ("2==2.0", "TRUE"),
        ("1.5e1+1", "16.000000"),
    ],
)
def test_math(ctx: FakeContext, args: str, expected: str) -> None:
    assert call(ctx, f"MATH({args})") == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("5", "Supply all the parameters"),
        ("5=3", "Supply all the parameters"),
        ("a+1", "'a' is not a valid number"),
        ("1+2,roman", "Unknown type of result requested 'roman'"),
        ("", "missing argument"),
    ],
)
def test_math_errors(
    ctx: FakeContext, args: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert call(ctx, f"MATH({args})") == ""
    assert message in caplog.text


def test_inc_and_dec_change_the_variable(ctx: FakeContext) -> None:
    ctx.variables["N"] = "4"
    assert call(ctx, "INC(N)") == "5"
    assert call(ctx, "DEC(N)") == "4"
    assert call(ctx, "DEC(N)") == "3"
    assert ctx.variables["N"] == "3"
    ctx.globals["G"] = "2147483647"
    assert call(ctx, "INC(G)") == "-2147483648"


@pytest.mark.parametrize("value", [None, "", "4.5", "4x", "x"])
def test_inc_leaves_non_integers_alone(
    ctx: FakeContext, value: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    if value is not None:
        ctx.variables["N"] = value
    with caplog.at_level(logging.INFO):
        assert call(ctx, "INC(N)") == ""
    assert ctx.variables.get("N") == value
    assert caplog.records


# -- SPRINTF --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("%03d,7", "007"),
        ("%.2f,3.14159", "3.14"),
        ("%-5s|,ab", "ab   |"),
        ("%x-%X-%o-%#o-%#x-%#x,255,255,8,8,255,0", "ff-FF-10-010-0xff-0"),
        ("%u,-1", "4294967295"),
        ("%ld%hhi%lli,1,2,3", "123"),
        ("%c%c,72,105", "Hi"),
        ("100%%", "100%"),
        ("%+.1e,12345", "+1.2e+04"),
        ("%'d,1000", "1000"),
        ("%s-%s,a", "a-"),
        ("tail %", "tail "),
        ('"%s,%s",a,b', "a,b"),
    ],
)
def test_sprintf(ctx: FakeContext, args: str, expected: str) -> None:
    assert call(ctx, f"SPRINTF({args})") == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("%d,abc", "Argument 'abc' is not an integer number for format '%d'"),
        ("%f,x", "Argument 'x' is not a floating point number for format '%f'"),
        ("%d %d,1", "SPRINTF() has more format specifiers than arguments!"),
        ("%n,1", "Format type not supported: '%n' with argument '1'"),
    ],
)
def test_sprintf_errors(
    ctx: FakeContext, args: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert call(ctx, f"SPRINTF({args})") == ""
    assert message in caplog.text


# -- STRPTIME, IFTIME --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("2024-03-01 12:00:00,UTC,%Y-%m-%d %H:%M:%S", "1709294400"),
        ("2024-03-01 12:00:00,Europe/Paris,%Y-%m-%d %H:%M:%S", "1709290800"),
        ("01/03/2024,UTC,%d/%m/%Y", "1709251200"),
        ("2024-03-01,UTC,%d/%m/%Y", ""),
        ("2024-03-01,UTC,", ""),
    ],
)
def test_strptime(ctx: FakeContext, args: str, expected: str) -> None:
    assert call(ctx, f"STRPTIME({args})") == expected


def test_strptime_without_a_zone_reads_local_time(ctx: FakeContext) -> None:
    expected = int(time.mktime(time.strptime("2024-07-01 08:30", "%Y-%m-%d %H:%M")))
    assert call(ctx, "STRPTIME(2024-07-01 08:30,,%Y-%m-%d %H:%M)") == str(expected)


def test_strptime_and_strftime_round_trip(ctx: FakeContext) -> None:
    assert call(ctx, "STRFTIME(1709294400,UTC,%Y-%m-%d %H:%M:%S)") == "2024-03-01 12:00:00"
    assert call(ctx, "STRPTIME(2024-03-01 12:00:00,UTC,%Y-%m-%d %H:%M:%S)") == "1709294400"


def _other_month() -> str:
    return "jan" if datetime.now().month != 1 else "feb"


def test_iftime(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    assert call(ctx, "IFTIME(*,*,*,*?open:closed)") == "open"
    assert call(ctx, f"IFTIME(*,*,*,{_other_month()}?open:closed)") == "closed"
    assert call(ctx, f'IFTIME(*,*,*,{_other_month()}?open:" closed ")') == " closed "
    assert call(ctx, f"IFTIME(*,*,*,{_other_month()}?open)") == ""
    assert call(ctx, "IFTIME(*,*,*,*)") == ""
    assert "Syntax IFTIME" in caplog.text
    assert call(ctx, "IFTIME(*,noday,*,*?a:b)") == ""
    assert "Invalid Time Spec" in caplog.text


# -- encodings and digests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoded"),
    [("hello", "aGVsbG8="), ("héllo wörld", "aMOpbGxvIHfDtnJsZA=="), ("ab", "YWI=")],
)
def test_base64(ctx: FakeContext, text: str, encoded: str) -> None:
    assert call(ctx, f"BASE64_ENCODE({text})") == encoded
    assert call(ctx, f"BASE64_DECODE({encoded})") == text


def test_base64_decode_reads_like_asterisk(ctx: FakeContext) -> None:
    assert call(ctx, "BASE64_DECODE(aGVsbG8)") == "hello"
    assert call(ctx, "BASE64_DECODE(YWI=ignored)") == "ab"
    # A NUL ends the text; bytes that are not UTF-8 survive a round trip.
    assert call(ctx, "BASE64_DECODE(YQBi)") == "a"
    assert call(ctx, f"BASE64_ENCODE({call(ctx, 'BASE64_DECODE(/w==)')})") == "/w=="


def test_base64_needs_an_argument(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    assert call(ctx, "BASE64_ENCODE()") == call(ctx, "BASE64_DECODE()") == ""
    assert "BASE64_ENCODE(<data>) - missing argument!" in caplog.text


@given(st.text())
def test_base64_round_trips(text: str) -> None:
    ctx = FakeContext()
    expected = text.partition("\0")[0]
    if text:
        assert base64_decode.read(ctx, base64_encode.read(ctx, text)) == expected


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("a b&c=d", "a%20b%26c%3Dd"),
        ("-_.!~*'()", "-_.!~*'()"),
        ("é/?", "%C3%A9%2F%3F"),
        ("", ""),
    ],
)
def test_uriencode(ctx: FakeContext, text: str, encoded: str) -> None:
    assert call(ctx, f"URIENCODE({text})") == encoded
    assert call(ctx, f"URIDECODE({encoded})") == text


def test_uridecode_reads_plus_as_space_and_keeps_bad_escapes(ctx: FakeContext) -> None:
    assert call(ctx, "URIDECODE(a+b%2B%zz%4)") == "a b+%zz%4"


def test_md5_and_sha1(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    assert call(ctx, "MD5(hello)") == hashlib.md5(b"hello").hexdigest()
    assert call(ctx, "SHA1(hello)") == "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
    assert call(ctx, "MD5()") == call(ctx, "SHA1()") == ""
    assert "Syntax: MD5(<data>) - missing argument!" in caplog.text


# -- VALID_EXTEN, DIALPLAN_EXISTS -------------------------------------------------------------

_PLAN = (
    "[internal]\nexten => 100,1,NoOp()\n same => n(menu),NoOp()\n"
    "exten => _2XX,1,NoOp()\nexten => 300/555,1,NoOp()\ninclude => shared\n"
    "[shared]\nexten => 900,1,NoOp()\n"
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (",100", "1"),
        ("internal,100,2", "1"),
        ("internal,100,3", "0"),
        ("internal,100,menu", "0"),
        (",250", "1"),
        (",900", "1"),
        (",300", "0"),
        ("shared,100", "0"),
        ("nosuch,100", "0"),
    ],
)
def test_valid_exten(ctx: FakeContext, args: str, expected: str) -> None:
    ctx.dialplan = parse_extensions_conf(_PLAN)
    assert call(ctx, f"VALID_EXTEN({args})") == expected


def test_valid_exten_matches_the_caller_and_needs_an_extension(
    ctx: FakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    ctx.dialplan = parse_extensions_conf(_PLAN)
    ctx.caller_id = "555"
    assert call(ctx, "VALID_EXTEN(,300)") == "1"
    assert call(ctx, "VALID_EXTEN(internal)") == ""
    assert "missing argument <extension>" in caplog.text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("internal", "1"),
        ("nosuch", "0"),
        ("internal,100", "1"),
        ("internal,101", "0"),
        ("internal,250", "1"),
        ("internal,100,2", "1"),
        ("internal,100,3", "0"),
        ("internal,100,menu", "1"),
        ("internal,100,other", "0"),
        ("internal,900,1", "1"),
    ],
)
def test_dialplan_exists(ctx: FakeContext, args: str, expected: str) -> None:
    ctx.dialplan = parse_extensions_conf(_PLAN)
    assert call(ctx, f"DIALPLAN_EXISTS({args})") == expected


def test_dialplan_exists_needs_an_argument(
    ctx: FakeContext, caplog: pytest.LogCaptureFixture
) -> None:
    assert call(ctx, "DIALPLAN_EXISTS()") == ""
    assert call(ctx, "DIALPLAN_EXISTS(,)") == ""
    assert "DIALPLAN_EXISTS() requires an argument" in caplog.text
    assert "Invalid arguments provided to DIALPLAN_EXISTS" in caplog.text
