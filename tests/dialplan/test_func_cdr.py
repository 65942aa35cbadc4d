"""``CDR(name)``: the fields and variables a channel's call detail record will carry."""

from __future__ import annotations

import pytest

from dialplan_engine.funcs import assign
from dialplan_engine.funcs.cdr import caller_id, parse_ama_flags
from dialplan_engine.substitution import substitute
from tests.dialplan.fake_scope import FakeContext


@pytest.fixture
def ctx() -> FakeContext:
    return FakeContext()


def read(ctx: FakeContext, args: str) -> str:
    return substitute("${CDR(" + args + ")}", ctx)


def test_userfield_is_written_and_read(ctx: FakeContext) -> None:
    assert read(ctx, "userfield") == ""
    assign(ctx, "CDR(userfield)", "campaign-7")
    assert ctx.channel.cdr_fields == {"userfield": "campaign-7"}
    assert read(ctx, "userfield") == "campaign-7"
    assign(ctx, "CDR(USERFIELD)", "other")
    assert read(ctx, "UserField") == "other"


def test_accountcode_is_the_channels(ctx: FakeContext) -> None:
    assign(ctx, "CDR(accountcode)", "sales")
    assert ctx.channel.accountcode == "sales"
    assert read(ctx, "accountcode") == "sales"
    assert ctx.channel.cdr_fields == {}


@pytest.mark.parametrize(
    ("written", "stored"),
    [("billing", "BILLING"), ("OMIT", "OMIT"), ("3", "DOCUMENTATION"), ("2", "BILLING"),
     ("1", "OMIT"), ("default", "DOCUMENTATION"), (" Documentation ", "DOCUMENTATION")],
)
def test_amaflags(ctx: FakeContext, written: str, stored: str) -> None:
    assert read(ctx, "amaflags") == "DOCUMENTATION"
    assign(ctx, "CDR(amaflags)", written)
    assert read(ctx, "amaflags") == stored
    assert ctx.channel.cdr_fields["amaflags"] == stored


def test_amaflags_unparsed_option_reads_the_number(ctx: FakeContext) -> None:
    assert read(ctx, "amaflags,u") == "3"
    assign(ctx, "CDR(amaflags)", "BILLING")
    assert read(ctx, "amaflags,u") == "2"


def test_unknown_amaflags_are_refused(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    assign(ctx, "CDR(amaflags)", "SOMETIMES")
    assert read(ctx, "amaflags") == "DOCUMENTATION"
    assert "Unknown AMA flags 'SOMETIMES'" in caplog.text


def test_variables_keep_their_names(ctx: FakeContext) -> None:
    assert read(ctx, "route") == ""
    assign(ctx, "CDR(route)", "27")
    assign(ctx, "CDR(Agent)", "42")
    assert read(ctx, "route") == "27"
    assert read(ctx, "Agent") == "42"
    assert read(ctx, "agent") == ""
    assert ctx.channel.cdr_fields == {"route": "27", "Agent": "42"}


def test_fields_known_from_the_channel(ctx: FakeContext) -> None:
    assert read(ctx, "channel") == "PJSIP/101-00000001"
    assert read(ctx, "uniqueid") == "1700000000.1"
    assert read(ctx, "linkedid") == "1700000000.1"
    ctx.channel.linkedid = "1699999999.7"
    assert read(ctx, "linkedid") == "1699999999.7"
    assert read(ctx, "src") == "101"
    assert read(ctx, "clid") == '"Alice" <101>'
    assert read(ctx, "dst") == "5551234"
    assert read(ctx, "dcontext") == "internal"


@pytest.mark.parametrize("name", ["duration", "billsec", "disposition", "lastapp", "start"])
def test_fields_of_the_finished_record_read_empty(
    ctx: FakeContext, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    assert read(ctx, name) == ""
    assert "known only once the record is finished" in caplog.text


@pytest.mark.parametrize("name", ["src", "channel", "disposition", "billsec", "uniqueid"])
def test_read_only_fields_cannot_be_written(
    ctx: FakeContext, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    assign(ctx, f"CDR({name})", "x")
    assert ctx.channel.cdr_fields == {}
    assert f"Attempt to set the '{name}' read-only variable!" in caplog.text


def test_peeraccount_cannot_be_written(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    assign(ctx, "CDR(peeraccount)", "x")
    assert ctx.channel.cdr_fields == {}
    assert "'peeraccount' setting is not supported" in caplog.text


def test_a_name_is_required(ctx: FakeContext, caplog: pytest.LogCaptureFixture) -> None:
    assert read(ctx, "") == ""
    assign(ctx, "CDR()", "x")
    assert ctx.channel.cdr_fields == {}
    assert "CDR requires a field or variable name" in caplog.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", None), ("2", "BILLING"), ("4", None), ("omit", "OMIT"), ("DEFAULT", "DOCUMENTATION")],
)
def test_parse_ama_flags(text: str, expected: str | None) -> None:
    assert parse_ama_flags(text) == expected


@pytest.mark.parametrize(
    ("name", "number", "expected"),
    [("Alice", "101", '"Alice" <101>'), ("", "101", "101"), ("Alice", "", "Alice"), ("", "", "")],
)
def test_caller_id(name: str, number: str, expected: str) -> None:
    assert caller_id(name, number) == expected
