"""RFC 4733 telephone-events: payload codec, receiver dedupe and timeouts, sender sequence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtp.dtmf import (
    DigitEnded,
    DigitStarted,
    DtmfEvent,
    DtmfParseError,
    DtmfReceiver,
    DtmfSender,
    TelephoneEvent,
    digit_to_event,
    event_to_digit,
)

# -- payload ---------------------------------------------------------------------------------


def test_payload_layout() -> None:
    event = TelephoneEvent(event=5, end=True, volume=10, duration=800)
    assert event.to_bytes() == bytes.fromhex("058a0320")
    assert TelephoneEvent.parse(bytes.fromhex("058a0320")) == event


def test_reserved_bit_is_ignored() -> None:
    assert TelephoneEvent.parse(bytes.fromhex("0bca00a0")) == TelephoneEvent(
        event=11, end=True, volume=10, duration=160
    )
    assert TelephoneEvent.parse(bytes.fromhex("0b4a00a0")).end is False


def test_short_payload_is_a_parse_error() -> None:
    with pytest.raises(DtmfParseError) as caught:
        TelephoneEvent.parse(b"\x05\x8a\x03")
    assert str(caught.value) == "telephone-event payload too short"


@given(st.binary(max_size=8))
def test_parse_raises_only_its_own_error(data: bytes) -> None:
    try:
        event = TelephoneEvent.parse(data)
    except DtmfParseError:
        return
    assert TelephoneEvent.parse(event.to_bytes()) == event


@given(st.integers(0, 255), st.booleans(), st.integers(0, 63), st.integers(0, 0xFFFF))
def test_payload_round_trips(event: int, end: bool, volume: int, duration: int) -> None:
    packet = TelephoneEvent(event=event, end=end, volume=volume, duration=duration)
    assert TelephoneEvent.parse(packet.to_bytes()) == packet


@pytest.mark.parametrize(
    ("field", "value"), [("event", 256), ("volume", 64), ("duration", 65536), ("volume", -1)]
)
def test_payload_fields_are_range_checked(field: str, value: int) -> None:
    fields: dict[str, int] = {"event": 1, "volume": 10, "duration": 0, field: value}
    with pytest.raises(ValueError, match="out of range"):
        TelephoneEvent(**fields)  # type: ignore[arg-type]


def test_digit_mapping() -> None:
    assert [event_to_digit(e) for e in range(17)] == list("0123456789*#ABCD!")
    assert event_to_digit(17) is None
    assert event_to_digit(255) is None
    assert digit_to_event("*") == 10
    assert digit_to_event("#") == 11
    assert digit_to_event("d") == 15
    assert digit_to_event("!") == 16
    for bad in ("E", "", "12", " "):
        with pytest.raises(ValueError, match="not a DTMF digit"):
            digit_to_event(bad)


# -- receiver --------------------------------------------------------------------------------


def _payload(event: int, duration: int, *, end: bool = False) -> bytes:
    return TelephoneEvent(event=event, end=end, volume=10, duration=duration).to_bytes()


def _press(
    receiver: DtmfReceiver,
    digit: str,
    *,
    timestamp: int,
    start: float,
    updates: int,
    ends: int = 3,
) -> list[DtmfEvent]:
    """Feed one key press as a phone sends it: updates every 20 ms, then ``ends`` E packets."""
    event = digit_to_event(digit)
    out: list[DtmfEvent] = []
    for i in range(updates):
        out += receiver.feed(timestamp, i == 0, _payload(event, 160 * (i + 1)), start + i * 0.02)
    for i in range(ends):
        arrival = start + (updates + i) * 0.02
        out += receiver.feed(timestamp, False, _payload(event, 160 * updates, end=True), arrival)
    return out


def test_one_press_gives_one_start_and_one_end_despite_three_end_packets() -> None:
    receiver = DtmfReceiver()
    events = _press(receiver, "5", timestamp=8000, start=1.0, updates=5)
    assert events == [
        DigitStarted(digit="5", timestamp=8000),
        DigitEnded(digit="5", timestamp=8000, duration_ms=100),
    ]
    assert receiver.next_deadline() is None
    assert receiver.expire(100.0) == []


def test_lost_start_packets_still_start_the_digit_once() -> None:
    receiver = DtmfReceiver()
    # Only the last update and the ends arrive; no marker bit was seen.
    events = receiver.feed(320, False, _payload(1, 480), 0.0)
    events += receiver.feed(320, False, _payload(1, 640, end=True), 0.02)
    events += receiver.feed(320, False, _payload(1, 640, end=True), 0.04)
    assert events == [
        DigitStarted(digit="1", timestamp=320),
        DigitEnded(digit="1", timestamp=320, duration_ms=80),
    ]


def test_all_end_packets_lost_then_next_digit_ends_it() -> None:
    receiver = DtmfReceiver()
    first = _press(receiver, "1", timestamp=1000, start=0.0, updates=4, ends=0)
    assert first == [DigitStarted(digit="1", timestamp=1000)]
    second = _press(receiver, "2", timestamp=5000, start=0.2, updates=4)
    assert second == [
        DigitEnded(digit="1", timestamp=1000, duration_ms=80),
        DigitStarted(digit="2", timestamp=5000),
        DigitEnded(digit="2", timestamp=5000, duration_ms=80),
    ]


def test_same_digit_twice_with_lost_ends_gives_two_digits() -> None:
    receiver = DtmfReceiver()
    events = _press(receiver, "7", timestamp=1000, start=0.0, updates=3, ends=0)
    events += _press(receiver, "7", timestamp=4000, start=0.4, updates=3, ends=0)
    events += receiver.expire(10.0)
    assert [type(e).__name__ for e in events] == [
        "DigitStarted",
        "DigitEnded",
        "DigitStarted",
        "DigitEnded",
    ]
    assert {e.timestamp for e in events} == {1000, 4000}


def test_all_end_packets_lost_then_timeout_ends_it() -> None:
    receiver = DtmfReceiver(timeout=0.5)
    _press(receiver, "#", timestamp=0, start=10.0, updates=6, ends=0)
    last_arrival = 10.0 + 5 * 0.02
    assert receiver.next_deadline() == pytest.approx(last_arrival + 0.5)
    assert receiver.expire(last_arrival + 0.49) == []
    assert receiver.expire(last_arrival + 0.5) == [
        DigitEnded(digit="#", timestamp=0, duration_ms=120)
    ]
    assert receiver.expire(last_arrival + 5) == []
    assert receiver.next_deadline() is None


def test_late_retransmissions_after_the_end_are_ignored() -> None:
    receiver = DtmfReceiver()
    _press(receiver, "9", timestamp=800, start=0.0, updates=2)
    # A reordered update of the same event, then a fourth end copy.
    assert receiver.feed(800, False, _payload(9, 160), 0.5) == []
    assert receiver.feed(800, False, _payload(9, 320, end=True), 0.6) == []
    assert receiver.expire(10.0) == []


def test_packets_of_an_older_event_are_ignored() -> None:
    receiver = DtmfReceiver()
    _press(receiver, "1", timestamp=1000, start=0.0, updates=2)
    _press(receiver, "2", timestamp=3000, start=0.2, updates=2, ends=1)
    # The other two end copies of "1", delayed past the start of "2".
    assert receiver.feed(1000, False, _payload(1, 320, end=True), 0.3) == []
    assert receiver.feed(1000, False, _payload(1, 320, end=True), 0.31) == []


def test_timestamp_wraparound_between_events() -> None:
    receiver = DtmfReceiver()
    before = 0xFFFFFF00
    events = _press(receiver, "3", timestamp=before, start=0.0, updates=2)
    events += _press(receiver, "4", timestamp=0x100, start=0.2, updates=2)
    assert [e.digit for e in events if isinstance(e, DigitStarted)] == ["3", "4"]


def test_marker_bit_is_not_needed_and_not_trusted_for_dedupe() -> None:
    receiver = DtmfReceiver()
    # A sender that marks every copy of the first packet (some do, for robustness).
    events = receiver.feed(0, True, _payload(0, 160), 0.0)
    events += receiver.feed(0, True, _payload(0, 160), 0.001)
    events += receiver.feed(0, True, _payload(0, 160), 0.002)
    assert events == [DigitStarted(digit="0", timestamp=0)]


def test_long_event_segments_are_one_digit() -> None:
    receiver = DtmfReceiver()
    events = receiver.feed(1000, True, _payload(6, 0xFFF0), 0.0)
    # RFC 4733 2.5.1.3: the next segment starts where the previous one ended, without marker.
    events += receiver.feed(1000 + 0xFFF0, False, _payload(6, 800), 8.3)
    events += receiver.feed(1000 + 0xFFF0, False, _payload(6, 1600, end=True), 8.4)
    assert events == [
        DigitStarted(digit="6", timestamp=1000),
        DigitEnded(digit="6", timestamp=1000 + 0xFFF0, duration_ms=(0xFFF0 + 1600) // 8),
    ]


def test_quick_redial_with_lost_end_and_start_is_two_digits() -> None:
    receiver = DtmfReceiver()
    # "8" for 100 ms, E packets lost; 100 ms later "8" again, its marked first packet lost.
    events = _press(receiver, "8", timestamp=1000, start=0.0, updates=5, ends=0)
    events += receiver.feed(1000 + 1600, False, _payload(8, 320), 0.22)
    events += receiver.feed(1000 + 1600, False, _payload(8, 800, end=True), 0.3)
    assert events == [
        DigitStarted(digit="8", timestamp=1000),
        DigitEnded(digit="8", timestamp=1000, duration_ms=100),
        DigitStarted(digit="8", timestamp=2600),
        DigitEnded(digit="8", timestamp=2600, duration_ms=100),
    ]


def test_unknown_events_and_malformed_payloads_are_ignored() -> None:
    receiver = DtmfReceiver()
    assert receiver.feed(0, True, _payload(70, 160), 0.0) == []
    assert receiver.feed(0, True, b"\x01", 0.0) == []
    assert receiver.malformed == 1
    assert receiver.next_deadline() is None


def test_other_clock_rates() -> None:
    receiver = DtmfReceiver(clock_rate=48000)
    events = receiver.feed(0, True, _payload(2, 960), 0.0)
    events += receiver.feed(0, False, _payload(2, 4800, end=True), 0.1)
    assert events[-1] == DigitEnded(digit="2", timestamp=0, duration_ms=100)


# Each step is (packet index into a scripted press, duplicated?, dropped?).
@given(
    st.lists(st.sampled_from("0123456789*#ABCD"), min_size=1, max_size=6),
    st.data(),
)
def test_any_loss_and_duplication_gives_exactly_one_digit_per_press(
    digits: list[str], data: st.DataObject
) -> None:
    receiver = DtmfReceiver()
    events: list[DtmfEvent] = []
    now = 0.0
    for press, digit in enumerate(digits):
        timestamp = 1000 + press * 4000
        event = digit_to_event(digit)
        packets = [(i == 0, _payload(event, 160 * (i + 1))) for i in range(5)]
        packets += [(False, _payload(event, 800, end=True))] * 3
        # Keep at least one packet of each press: a press with every packet lost is invisible.
        kept = data.draw(st.lists(st.booleans(), min_size=8, max_size=8))
        kept[data.draw(st.integers(0, 7))] = True
        for (marker, payload), keep in zip(packets, kept, strict=True):
            if keep:
                copies = data.draw(st.integers(1, 3))
                for _ in range(copies):
                    events += receiver.feed(timestamp, marker, payload, now)
            now += 0.02
        now += 0.1
    events += receiver.expire(now + 10)
    started = [e.digit for e in events if isinstance(e, DigitStarted)]
    ended = [e.digit for e in events if isinstance(e, DigitEnded)]
    assert started == digits
    assert ended == digits


def test_receiver_validates_settings() -> None:
    with pytest.raises(ValueError, match="positive"):
        DtmfReceiver(timeout=0)


# -- sender ----------------------------------------------------------------------------------


def test_sender_packet_sequence_for_100_ms() -> None:
    packets = DtmfSender().packets("5", 100, timestamp=12345)
    decoded = [TelephoneEvent.parse(p.payload) for p in packets]
    assert [p.marker for p in packets] == [True] + [False] * 6
    assert {p.timestamp for p in packets} == {12345}
    assert [e.duration for e in decoded] == [160, 320, 480, 640, 800, 800, 800]
    assert [e.end for e in decoded] == [False] * 4 + [True] * 3
    assert {(e.event, e.volume) for e in decoded} == {(5, 10)}


def test_sender_shortest_digit_is_three_end_packets() -> None:
    packets = DtmfSender().packets("#", 20, timestamp=0)
    assert [p.marker for p in packets] == [True, False, False]
    assert [TelephoneEvent.parse(p.payload) for p in packets] == [
        TelephoneEvent(event=11, end=True, volume=10, duration=160)
    ] * 3


def test_sender_duration_not_a_multiple_of_ptime() -> None:
    packets = DtmfSender(ptime_ms=20).packets("1", 90, timestamp=0)
    assert [TelephoneEvent.parse(p.payload).duration for p in packets] == [
        160,
        320,
        480,
        640,
        720,
        720,
        720,
    ]


def test_sender_rejects_impossible_requests() -> None:
    sender = DtmfSender()
    with pytest.raises(ValueError, match="at least one packet"):
        sender.packets("1", 10, timestamp=0)
    with pytest.raises(ValueError, match="16-bit"):
        sender.packets("1", 9000, timestamp=0)
    with pytest.raises(ValueError, match="not a DTMF digit"):
        sender.packets("x", 100, timestamp=0)
    with pytest.raises(ValueError, match="timestamp"):
        sender.packets("1", 100, timestamp=-1)
    with pytest.raises(ValueError, match="settings"):
        DtmfSender(volume=64)


@given(st.sampled_from("0123456789*#ABCD"), st.integers(20, 8000), st.integers(0, 0xFFFFFFFF))
def test_sender_output_decodes_to_one_digit_of_the_right_length(
    digit: str, duration_ms: int, timestamp: int
) -> None:
    receiver = DtmfReceiver()
    events: list[DtmfEvent] = []
    for index, packet in enumerate(DtmfSender().packets(digit, duration_ms, timestamp)):
        events += receiver.feed(packet.timestamp, packet.marker, packet.payload, index * 0.02)
    assert events == [
        DigitStarted(digit=digit, timestamp=timestamp),
        DigitEnded(digit=digit, timestamp=timestamp, duration_ms=duration_ms),
    ]
