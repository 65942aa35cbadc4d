"""Stream framing for TCP/TLS (RFC 3261 §18.3) and CRLF keep-alives (RFC 5626 §4.4.1)."""

from __future__ import annotations

import pytest

from sip.errors import MessageTooLarge, ParseError
from sip.framing import KEEPALIVE_PING, StreamFramer
from sip.message import Limits, Request, parse_message


def message(call_id: str, body: bytes = b"", *, length_header: str = "Content-Length") -> bytes:
    return (
        f"MESSAGE sip:bob@example.com SIP/2.0\r\n"
        f"Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK{call_id}\r\n"
        f"From: <sip:alice@example.com>;tag=1\r\n"
        f"To: <sip:bob@example.com>\r\n"
        f"Call-ID: {call_id}\r\n"
        f"CSeq: 1 MESSAGE\r\n"
        f"{length_header}: {len(body)}\r\n"
        f"\r\n"
    ).encode() + body


FIRST = message("one", b"hello")
SECOND = message("two", b"")
THIRD = message("three", b"\r\n\r\nbody with blank lines\r\n\r\n")


def test_whole_message_in_one_feed() -> None:
    framer = StreamFramer()
    assert framer.feed(FIRST) == [FIRST]
    assert not framer.has_partial
    request = parse_message(FIRST, stream=True)
    assert isinstance(request, Request)
    assert request.body == b"hello"


def test_several_messages_in_one_feed() -> None:
    framer = StreamFramer()
    assert framer.feed(FIRST + SECOND + THIRD) == [FIRST, SECOND, THIRD]
    assert not framer.has_partial


def test_byte_by_byte() -> None:
    framer = StreamFramer()
    frames: list[bytes] = []
    stream = FIRST + SECOND + THIRD
    for index in range(len(stream)):
        frames += framer.feed(stream[index : index + 1])
        done = sum(len(frame) for frame in frames)
        assert framer.has_partial == (done < index + 1)
    assert frames == [FIRST, SECOND, THIRD]


def test_split_inside_the_blank_line_and_inside_the_body() -> None:
    framer = StreamFramer()
    cut = FIRST.index(b"\r\n\r\n") + 2
    assert framer.feed(FIRST[:cut]) == []
    assert framer.has_partial
    assert framer.feed(FIRST[cut : cut + 3]) == []
    assert framer.feed(FIRST[cut + 3 :]) == [FIRST]


def test_trailing_partial_data_waits_for_the_rest() -> None:
    framer = StreamFramer()
    assert framer.feed(FIRST + SECOND[:40]) == [FIRST]
    assert framer.has_partial
    assert framer.feed(SECOND[40:] + THIRD[:1]) == [SECOND]
    assert framer.has_partial
    assert framer.feed(THIRD[1:]) == [THIRD]
    assert not framer.has_partial


def test_body_containing_a_blank_line_is_not_cut_early() -> None:
    framer = StreamFramer()
    assert framer.feed(THIRD[:-5]) == []
    assert framer.feed(THIRD[-5:]) == [THIRD]


def test_keepalive_ping_between_messages() -> None:
    framer = StreamFramer()
    frames = framer.feed(FIRST + KEEPALIVE_PING + SECOND + KEEPALIVE_PING)
    assert frames == [FIRST, KEEPALIVE_PING, SECOND, KEEPALIVE_PING]
    assert framer.pings_received == 2
    assert KEEPALIVE_PING == b"\r\n\r\n"


def test_ping_split_across_feeds_is_recognised() -> None:
    framer = StreamFramer()
    assert framer.feed(b"\r") == []
    assert not framer.has_partial
    assert framer.feed(b"\n\r") == []
    assert framer.feed(b"\n") == [KEEPALIVE_PING]
    assert framer.pings_received == 1
    assert not framer.has_partial


def test_stray_crlfs_between_messages_are_skipped() -> None:
    framer = StreamFramer()
    assert framer.feed(b"\r\n" + FIRST + b"\r\n" + SECOND + b"\n" + THIRD) == [FIRST, SECOND, THIRD]
    assert framer.pings_received == 0


def test_lone_crlf_pong_is_held_without_counting_as_partial() -> None:
    framer = StreamFramer()
    assert framer.feed(b"\r\n") == []
    assert not framer.has_partial
    assert framer.feed(FIRST) == [FIRST]
    assert framer.pings_received == 0


def test_ping_before_first_message_and_several_in_a_row() -> None:
    framer = StreamFramer()
    assert framer.feed(KEEPALIVE_PING * 3 + FIRST) == [KEEPALIVE_PING] * 3 + [FIRST]
    assert framer.pings_received == 3


def test_compact_and_folded_content_length_is_understood() -> None:
    compact = message("c1", b"abc", length_header="l")
    folded = compact.replace(b"l: 3", b"l:\r\n 3")
    framer = StreamFramer()
    assert framer.feed(compact + folded) == [compact, folded]


def test_lf_only_framing_is_accepted() -> None:
    lf = FIRST.replace(b"\r\n", b"\n")
    assert StreamFramer().feed(lf + lf) == [lf, lf]


def test_missing_content_length_is_fatal() -> None:
    framer = StreamFramer()
    bad = FIRST.replace(b"Content-Length: 5\r\n", b"")
    with pytest.raises(ParseError) as caught:
        framer.feed(bad)
    assert str(caught.value) == "missing Content-Length"
    with pytest.raises(ParseError):
        framer.feed(SECOND)


@pytest.mark.parametrize("value", [b"-5", b"five", b"", b"5 5", b"\xd9\xa5", b"9" * 30])
def test_bad_content_length_is_fatal(value: bytes) -> None:
    framer = StreamFramer()
    with pytest.raises(ParseError) as caught:
        framer.feed(FIRST.replace(b"Content-Length: 5", b"Content-Length: " + value))
    assert str(caught.value) == "bad Content-Length"


def test_two_content_lengths_are_fatal() -> None:
    doubled = FIRST.replace(b"Content-Length: 5\r\n", b"Content-Length: 5\r\nl: 5\r\n")
    with pytest.raises(ParseError, match=r"^bad Content-Length$"):
        StreamFramer().feed(doubled)


def test_declared_body_over_the_limit_is_too_large_before_it_arrives() -> None:
    head = FIRST.replace(b"Content-Length: 5", b"Content-Length: 70000")[: -len(b"hello")]
    framer = StreamFramer()
    with pytest.raises(MessageTooLarge) as caught:
        framer.feed(head)
    assert str(caught.value) == "message too large"
    assert caught.value.status_code == 513


def test_endless_header_section_is_too_large() -> None:
    framer = StreamFramer(Limits(max_bytes=1000))
    assert framer.feed(b"INVITE sip:x SIP/2.0\r\nX-Filler: " + b"a" * 900) == []
    with pytest.raises(MessageTooLarge):
        framer.feed(b"a" * 200)
    with pytest.raises(MessageTooLarge):
        framer.feed(FIRST)


def test_limit_is_inclusive() -> None:
    assert StreamFramer(Limits(max_bytes=len(FIRST))).feed(FIRST) == [FIRST]
    with pytest.raises(MessageTooLarge):
        StreamFramer(Limits(max_bytes=len(FIRST) - 1)).feed(FIRST)


def test_large_message_fed_in_small_chunks_stays_linear() -> None:
    big = message("big", b"x" * 60000)
    framer = StreamFramer()
    frames: list[bytes] = []
    for index in range(0, len(big), 7):
        frames += framer.feed(big[index : index + 7])
    assert frames == [big]
