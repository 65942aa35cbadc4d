"""RFC 4733 digits through a bridge: detected once each, relayed with the other leg's PT."""

from __future__ import annotations

from rtp.dtmf import TelephoneEvent
from rtp.packet import RtpPacket
from softswitch.mediaplane.protocol import DtmfBegin, DtmfEnd, Event
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
