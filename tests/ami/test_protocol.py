"""AMI framing: whole, byte by byte, with trailing data, and broken input."""

from __future__ import annotations

import pytest

from http_api.ami.protocol import (
    BANNER,
    AmiParser,
    AmiProtocolError,
    Event,
    Limits,
    Message,
    Response,
    Status,
    serialize,
)

LOGIN = b"Action: Login\r\nActionID: 1\r\nUsername: admin\r\nSecret: s3cret\r\n\r\n"
PAIRS = (("Action", "Login"), ("ActionID", "1"), ("Username", "admin"), ("Secret", "s3cret"))


def test_banner_names_the_call_manager() -> None:
    assert BANNER == b"Asterisk Call Manager/13.0.0\r\n"


def test_whole_message() -> None:
    assert AmiParser().feed(LOGIN) == [Message(PAIRS)]


def test_byte_by_byte() -> None:
    parser = AmiParser()
    out: list[Message] = []
    for byte in LOGIN:
        out.extend(parser.feed(bytes([byte])))
    assert out == [Message(PAIRS)]


def test_trailing_data_waits_for_its_end() -> None:
    parser = AmiParser()
    assert parser.feed(LOGIN + b"Action: Ping\r\nAction") == [Message(PAIRS)]
    assert parser.feed(b"ID: 2\r\n\r\n") == [Message((("Action", "Ping"), ("ActionID", "2")))]


def test_bare_lf_blank_keepalives_and_value_spacing() -> None:
    messages = AmiParser().feed(b"\r\n\naction:   ping\nactionid:7\n\n")
    assert messages == [Message((("action", "ping"), ("actionid", "7")))]


def test_lookup_ignores_case_first_wins_repeats_kept() -> None:
    message = Message((("Action", "Originate"), ("Variable", "a=1"), ("variable", "b=2"),
                       ("ACTION", "Other")))
    assert message.get("action") == "Originate"
    assert message.get_all("VARIABLE") == ["a=1", "b=2"]
    assert message.get("Missing") is None


def test_value_may_contain_colons() -> None:
    (message,) = AmiParser().feed(b"Action: Command\r\nCommand: a: b\r\n\r\n")
    assert message.get("Command") == "a: b"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"no colon here\r\n", "Malformed header line: no colon here"),
        (b": empty key\r\n", "Malformed header line: : empty key"),
        (b"A: " + b"x" * 100 + b"\r\n", "Line too long"),
        (b"A: " + b"x" * 100, "Line too long"),
        (b"".join(b"K%d: v\r\n" % i for i in range(5)), "Message too long"),
    ],
)
def test_malformed_input(data: bytes, error: str) -> None:
    parser = AmiParser(Limits(max_line_bytes=64, max_lines=4))
    with pytest.raises(AmiProtocolError) as caught:
        parser.feed(data)
    assert str(caught.value) == error
    # The parser starts clean afterwards.
    assert parser.feed(b"Action: Ping\r\n\r\n") == [Message((("Action", "Ping"),))]


def test_message_size_limit() -> None:
    parser = AmiParser(Limits(max_message_bytes=30))
    with pytest.raises(AmiProtocolError, match="Message too long"):
        parser.feed(b"Key: 0123456789\r\nKey: 0123456789\r\n")


def test_serialize_uses_crlf_and_cannot_be_split_by_values() -> None:
    assert serialize([("Ping", "Pong"), ("X", "a\r\nEvent: forged")]) == (
        b"Ping: Pong\r\nX: a  Event: forged\r\n\r\n"
    )


def test_response_order_and_action_id() -> None:
    response = Response.success("Authentication accepted", fields=(("A", "1"),))
    assert response.encode("42") == (
        b"Response: Success\r\nActionID: 42\r\nMessage: Authentication accepted\r\nA: 1\r\n\r\n"
    )
    assert Response(status=Status.GOODBYE).encode(None) == b"Response: Goodbye\r\n\r\n"


def test_event_privilege_adds_all() -> None:
    event = Event(name="VarSet", classes=("dialplan",), fields=(("Variable", "X"),))
    assert event.encode() == b"Event: VarSet\r\nPrivilege: dialplan,all\r\nVariable: X\r\n\r\n"
