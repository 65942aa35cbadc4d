"""Bridged relay through the media process: continuity, transcoding, symmetric RTP, re-INVITE."""

from __future__ import annotations

import asyncio
import itertools

import numpy as np

from media.goertzel import dominant_frequency
from media.tones import sine
from rtp.packet import RtpPacket
from rtp.seq import uint16_diff, uint32_diff
from softswitch.mediaplane.protocol import RemoteLearned
from tests.mediaplane import HOST, Phone, decode, encode, media_plane, wire


def _continuous(packets: list[RtpPacket], step: int = 160) -> None:
    assert len({p.ssrc for p in packets}) == 1
    for before, after in itertools.pairwise(packets):
        assert uint16_diff(after.sequence, before.sequence) == 1
        assert uint32_diff(after.timestamp, before.timestamp) == step


async def test_relay_both_ways_keeps_payload_and_rewrites_ssrc_seq() -> None:
    async with media_plane() as started, Phone() as a, Phone() as b:
        port_a, port_b = await wire(started, a, b)
        payloads = [bytes([i]) * 160 for i in range(100)]
        a_sent = [a.packet(0, p, marker=i == 0) for i, p in enumerate(payloads)]
        b_sent = [b.packet(0, p[::-1]) for p in payloads]
        await asyncio.gather(a.stream(port_a, a_sent), b.stream(port_b, b_sent))
        at_b = await b.wait_packets(100)
        at_a = await a.wait_packets(100)
        assert [p.payload for p in at_b] == payloads
        assert [p.payload for p in at_a] == [p[::-1] for p in payloads]
        for received, sender in ((at_b, a), (at_a, b)):
            assert len(received) == 100
            _continuous(received)
            assert received[0].ssrc != sender.ssrc
            assert received[0].marker
            assert all(p.payload_type == 0 for p in received)
        # The engine relays from the port it gave each leg, so symmetric peers accept it.
        assert b.sources == {(HOST, port_b)}
        assert a.sources == {(HOST, port_a)}
        stats = await started.plane.stats(1)
        assert stats.packets_received == 100
        assert stats.packets_sent == 100
        assert stats.packets_lost == 0
        assert stats.remote_learned == (HOST, a.port)


async def test_pcmu_to_pcma_transcoding_keeps_a_1khz_tone() -> None:
    async with media_plane() as started, Phone() as a, Phone() as b:
        port_a, _ = await wire(started, a, b, codec_a="PCMU", codec_b="PCMA")
        await a.talk(port_a, sine(1000.0, 1.0), codec="PCMU", pt=0, interval=0.005)
        at_b = await b.wait_packets(50)
        assert len(at_b) == 50
        assert {p.payload_type for p in at_b} == {8}
        audio = np.concatenate([decode(p.payload, "PCMA") for p in at_b])
        assert abs(dominant_frequency(audio) - 1000.0) < 20


async def test_loss_and_reordering_pass_through_as_sent() -> None:
    async with media_plane() as started, Phone() as a, Phone() as b:
        port_a, _ = await wire(started, a, b)
        packets = [a.packet(0, bytes([i]) * 160) for i in range(20)]
        order = [p for i, p in enumerate(packets) if i != 5]
        order[10], order[11] = order[11], order[10]
        await a.stream(port_a, order, interval=0.005)
        received = await b.wait_packets(19)
        assert [p.payload[0] for p in received] == [p.payload[0] for p in order]
        # Gaps and order survive the rewrite, so the far end's jitter buffer sees the truth.
        first = received[0].sequence
        assert [uint16_diff(p.sequence, first) for p in received] == [
            p.sequence - packets[0].sequence if p.sequence >= packets[0].sequence else 0
            for p in order
        ]
        assert (await started.plane.stats(1)).packets_lost == 1


async def test_symmetric_rtp_latches_onto_the_real_source() -> None:
    async with media_plane() as started, Phone() as a, Phone() as b:
        plane = started.plane
        port_a = await plane.allocate(1, HOST)
        port_b = await plane.allocate(2, HOST)
        wrong = a.port + 1 if a.port < 65535 else a.port - 1
        await plane.configure(1, remote_host=HOST, remote_port=wrong, codec="PCMU", payload_type=0)
        await plane.configure(2, remote_host=HOST, remote_port=b.port, codec="PCMU", payload_type=0)
        await plane.bridge(1, (1, 2))
        a.send(port_a, a.packet(0, bytes(160)))
        learned = await started.wait_event(lambda e: isinstance(e, RemoteLearned))
        assert learned == RemoteLearned(stream_id=1, host=HOST, port=a.port)
        await b.stream(port_b, [b.packet(0, bytes([7]) * 160) for _ in range(5)])
        at_a = await a.wait_packets(5)
        assert len(at_a) == 5
        assert (await plane.stats(1)).remote_learned == (HOST, a.port)
        # Once latched, another source is not the peer: its packets are dropped.
        async with Phone() as intruder:
            intruder.send(port_a, intruder.packet(0, bytes(160)))
            await asyncio.sleep(0.1)
        assert (await plane.status()).packets_unexpected == 1


async def test_reinvite_moves_the_peer_and_keeps_our_numbering() -> None:
    async with media_plane() as started, Phone() as a, Phone() as b, Phone() as b2:
        plane = started.plane
        port_a, _ = await wire(started, a, b)
        await a.stream(port_a, [a.packet(0, bytes(160)) for _ in range(5)], interval=0.01)
        before = await b.wait_packets(5)
        await plane.configure(
            2, remote_host=HOST, remote_port=b2.port, codec="PCMA", payload_type=8
        )
        # The caller's phone restarts its stream too: a new SSRC and sequence.
        a.ssrc ^= 0xFFFF
        a.seq = (a.seq + 20000) & 0xFFFF
        await asyncio.sleep(0.05)
        quiet = encode(np.zeros(160, dtype=np.int16), "PCMU")
        await a.stream(port_a, [a.packet(0, quiet) for _ in range(5)], interval=0.01)
        after = await b2.wait_packets(5)
        assert len(after) == 5
        assert {p.ssrc for p in before + after} == {before[0].ssrc}
        assert uint16_diff(after[0].sequence, before[-1].sequence) == 1
        assert after[0].marker
        assert uint32_diff(after[0].timestamp, before[-1].timestamp) >= 160
        assert {p.payload_type for p in after} == {8}
        _continuous(after)
        assert encode(np.zeros(160, dtype=np.int16), "PCMA") == after[0].payload


async def test_packets_before_configure_and_garbage_are_counted_and_dropped() -> None:
    async with media_plane() as started, Phone() as a:
        plane = started.plane
        port = await plane.allocate(1, HOST)
        a.send(port, a.packet(0, bytes(160)))
        a.sock.sendto(b"\x00\x01garbage", (HOST, port))
        await asyncio.sleep(0.1)
        status = await plane.status()
        assert status.packets_unexpected == 1
        assert status.packets_malformed == 1
        assert (await plane.stats(1)).packets_received == 0
