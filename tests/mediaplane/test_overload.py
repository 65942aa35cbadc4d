"""The media process short of CPU: stale audio is shed, recordings keep the call's length.

The process is stopped with SIGSTOP while a phone keeps talking, which is what starvation by
other processes looks like from the sockets: datagrams queue up and wait for the loop.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import soundfile  # type: ignore[import-untyped]

from rtp.seq import uint16_diff
from softswitch.mediaplane.engine import MAX_QUEUE_DELAY_S
from softswitch.mediaplane.protocol import RecordingFinished
from tests.mediaplane import Phone, Started, media_plane, wire

STOPPED_S = 1.2
"""How long the media process is stopped: well past MAX_QUEUE_DELAY_S, and past the 5 ticks
after which the loop skips its own ticks."""


@contextmanager
def stopped(started: Started) -> Iterator[None]:
    process = started.plane._process
    assert process is not None
    # Stopped while it waits in epoll, not halfway through reading a socket (a drain already
    # under way relays what it reads: at most DRAIN_LIMIT packets, once).
    time.sleep(0.1)
    os.kill(process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(process.pid, signal.SIGCONT)


async def test_audio_that_waited_for_a_starved_loop_is_shed_and_still_recorded(
    tmp_path: Path,
) -> None:
    path = tmp_path / "call.wav"
    async with media_plane() as started, Phone() as a, Phone() as b:
        port_a, _ = await wire(started, a, b)
        await started.plane.record(1, bridge_id=1, path_mixed=str(path))
        await a.stream(port_a, [a.packet(0, bytes([0]) * 160) for _ in range(10)])
        assert len(await b.wait_packets(10)) == 10
        count = round(STOPPED_S / 0.02)
        queued = [a.packet(0, bytes([1 + i]) * 160) for i in range(count)]
        with stopped(started):
            await a.stream(port_a, queued)
            await asyncio.sleep(0.02)
        fresh = [a.packet(0, bytes([200]) * 160) for _ in range(10)]
        await a.stream(port_a, fresh)
        received = await b.quiet(period=0.2)
        await started.plane.stop_record(1)
        done = await started.wait_event(lambda e: isinstance(e, RecordingFinished))
        stats = await started.plane.stats(1)
    # Everything was heard: the phone's stream shows no loss.
    assert stats.packets_received == 10 + count + 10
    assert stats.packets_lost == 0
    # What waited longer than the limit was not relayed; what came after it was, in order.
    relayed = [p.payload[0] for p in received[10:]]
    assert relayed[-10:] == [200] * 10
    through = relayed[:-10]
    assert through == list(range(through[0], count + 1)) if through else True
    shed = count - len(through)
    assert shed >= round((STOPPED_S - MAX_QUEUE_DELAY_S) / 0.02) - 5
    # The far end sees the shed audio as a gap in the sequence numbers, as it would a loss.
    if through:
        assert uint16_diff(received[10].sequence, received[9].sequence) == 1 + shed
    # The recording kept the call's length through the stall: the stall itself plus the
    # 20 packets heard outside it. Skipping the loop's missed ticks would lose the stall.
    assert isinstance(done, RecordingFinished)
    assert done.duration_s >= STOPPED_S + 20 * 0.02
    assert soundfile.info(path).duration == pytest.approx(done.duration_s, abs=0.03)


async def test_a_short_stall_sheds_nothing() -> None:
    async with media_plane() as started, Phone() as a, Phone() as b:
        port_a, _ = await wire(started, a, b)
        await a.stream(port_a, [a.packet(0, bytes(160)) for _ in range(5)])
        assert len(await b.wait_packets(5)) == 5
        # Well inside the limit, with room for a slow wake-up on a busy machine.
        packets = [a.packet(0, bytes([i]) * 160) for i in range(5)]
        with stopped(started):
            await a.stream(port_a, packets)
        received = await b.wait_packets(10)
    assert [p.payload[0] for p in received[5:]] == list(range(5))
