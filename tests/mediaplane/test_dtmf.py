"""RFC 4733 digits through a bridge: detected once each, relayed with the other leg's PT."""

from __future__ import annotations

import itertools

import pytest

from rtp.dtmf import DigitEnded, DtmfReceiver, TelephoneEvent
from rtp.packet import RtpPacket
from rtp.seq import uint16_diff, uint32_diff
from softswitch.mediaplane.client import CommandFailed
from softswitch.mediaplane.protocol import DtmfBegin, DtmfEnd, ErrorCode, Event
from tests.mediaplane import Phone, media_plane, wire


def _digit(phone: Phone, event: int, *, updates: int, ends: int) -> list[RtpPacket]:
    """One key press as a phone sends it: same timestamp, growing duration, E bit at the end."""
    packets = []
    timestamp = phone.ts
    for n in range(updates + ends):
        end = n >= updates
        duration = 160 * min(n + 1, updates + 1)
        payload = TelephoneEvent(event=event, end=end, duration=duration).to_bytes()
        packets.append(
            RtpPacket(
                payload_type=101,
                sequence=phone.seq,
                timestamp=timestamp,
                ssrc=phone.ssrc,
                payload=payload,
                marker=n == 0,
            )
        )
        phone.seq = (phone.seq + 1) & 0xFFFF
    phone.ts = (phone.ts + 160 * (updates + 2)) & 0xFFFFFFFF
    return packets


def _dtmf(events: list[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, DtmfBegin | DtmfEnd)]


async def test_digits_detected_exactly_once_and_relayed_with_the_peer_pt() -> None:
    async with media_plane() as started, Phone() as a, Phone() as b:
        port_a, _ = await wire(started, a, b)
        one = _digit(a, 1, updates=4, ends=3)
        # The pound key's end packets are all lost: the engine must close it by itself.
        pound = _digit(a, 11, updates=4, ends=0)
        await a.stream(port_a, one + pound)
        await started.wait_event(lambda e: isinstance(e, DtmfEnd) and e.digit == "#")
        assert _dtmf(started.events) == [
            DtmfBegin(stream_id=1, digit="1"),
            DtmfEnd(stream_id=1, digit="1", duration_ms=100),
            DtmfBegin(stream_id=1, digit="#"),
            DtmfEnd(stream_id=1, digit="#", duration_ms=80),
        ]
        relayed = await b.wait_packets(len(one + pound))
        assert len(relayed) == len(one + pound)
        assert {p.payload_type for p in relayed} == {96}
        assert [p.payload for p in relayed] == [p.payload for p in one + pound]
        assert relayed[0].marker
        assert relayed[len(one)].marker
        # One event, one timestamp, as the sender stamped it.
        assert len({p.timestamp for p in relayed[: len(one)]}) == 1


async def test_digits_on_an_unbridged_stream_are_still_detected() -> None:
    async with media_plane() as started, Phone() as a:
        plane = started.plane
        port = await plane.allocate(7, "127.0.0.1")
        await plane.configure(
            7,
            remote_host="127.0.0.1",
            remote_port=a.port,
            codec="PCMA",
            payload_type=8,
            dtmf_payload_type=101,
        )
        await a.stream(port, _digit(a, 5, updates=2, ends=3), interval=0.005)
        end = await started.wait_event(lambda e: isinstance(e, DtmfEnd))
        assert end == DtmfEnd(stream_id=7, digit="5", duration_ms=60)
        assert _dtmf(started.events)[0] == DtmfBegin(stream_id=7, digit="5")


async def test_send_dtmf_produces_events_a_receiver_decodes_once() -> None:
    async with media_plane() as started, Phone() as b:
        plane = started.plane
        await plane.allocate(3, "127.0.0.1")
        await plane.configure(
            3,
            remote_host="127.0.0.1",
            remote_port=b.port,
            codec="PCMU",
            payload_type=0,
            dtmf_payload_type=101,
        )
        await plane.send_dtmf(3, "1#", duration_ms=100, gap_ms=40)
        packets = await b.quiet()
        assert len(packets) == 14
        assert {p.payload_type for p in packets} == {101}
        assert len({p.ssrc for p in packets}) == 1
        assert [p.marker for p in packets] == [True] + [False] * 6 + [True] + [False] * 6
        assert len({p.timestamp for p in packets[:7]}) == 1
        assert uint32_diff(packets[7].timestamp, packets[0].timestamp) >= 800
        for before, after in itertools.pairwise(packets):
            assert uint16_diff(after.sequence, before.sequence) == 1
        receiver = DtmfReceiver()
        decoded = [
            event
            for p in packets
            for event in receiver.feed(p.timestamp, p.marker, p.payload, 0.0)
            if isinstance(event, DigitEnded)
        ]
        assert [(e.digit, e.duration_ms) for e in decoded] == [("1", 100), ("#", 100)]


async def test_send_dtmf_needs_a_telephone_event_payload_type() -> None:
    async with media_plane() as started, Phone() as b:
        plane = started.plane
        await plane.allocate(3, "127.0.0.1")
        await plane.configure(
            3, remote_host="127.0.0.1", remote_port=b.port, codec="PCMU", payload_type=0
        )
        with pytest.raises(CommandFailed) as failed:
            await plane.send_dtmf(3, "5")
        assert failed.value.code is ErrorCode.NO_DTMF
