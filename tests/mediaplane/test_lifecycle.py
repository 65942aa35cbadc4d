"""Ports, errors, timeouts and the health of the media process as the client sees them."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from softswitch.mediaplane.client import CommandFailed, MediaPlaneError
from softswitch.mediaplane.protocol import ErrorCode, MediaPlaneDied, PlaybackFinished, RtpTimeout
from tests.mediaplane import HOST, Phone, media_plane, wire


async def test_release_returns_every_port_and_the_range_has_a_clear_limit() -> None:
    async with media_plane(pairs=4) as started:
        plane = started.plane
        start = await plane.status()
        assert (start.ports_total, start.ports_free) == (4, 4)
        ports = [await plane.allocate(i, HOST) for i in range(4)]
        assert all(p % 2 == 0 and started.port_min <= p < started.port_max for p in ports)
        assert len(set(ports)) == 4
        with pytest.raises(CommandFailed) as failed:
            await plane.allocate(99, HOST)
        assert failed.value.code is ErrorCode.PORTS_EXHAUSTED
        assert f"{started.port_min}-{started.port_max}" in str(failed.value)
        for i in range(4):
            await plane.release(i)
        assert (await plane.status()).ports_free == start.ports_free
        # And the ports are really free again: a whole new round fits.
        again = [await plane.allocate(i, HOST) for i in range(4)]
        assert sorted(again) == sorted(ports)
        for i in range(4):
            await plane.release(i)
        assert (await plane.status()).ports_free == 4


async def test_a_full_call_leaves_the_pool_as_it_found_it() -> None:
    async with media_plane() as started, Phone() as a, Phone() as b:
        plane = started.plane
        before = await plane.status()
        port_a, _ = await wire(started, a, b)
        await plane.play_tone(2, 1, "ringback")
        await a.stream(port_a, [a.packet(0, bytes(160)) for _ in range(3)], interval=0.01)
        await plane.release(1)
        await plane.release(2)
        after = await plane.status()
        assert after.ports_free == before.ports_free
        assert (after.streams, after.bridges, after.playbacks, after.recordings) == (0, 0, 0, 0)


async def test_command_errors_name_their_cause() -> None:
    async with media_plane() as started:
        plane = started.plane
        await plane.allocate(1, HOST)
        await plane.allocate(2, HOST)
        await plane.allocate(3, HOST)
        cases = [
            (plane.allocate(1, HOST), ErrorCode.DUPLICATE_ID),
            (plane.allocate(4, "example.com"), ErrorCode.ADDRESS),
            (plane.release(42), ErrorCode.UNKNOWN_STREAM),
            (plane.unbridge(5), ErrorCode.UNKNOWN_BRIDGE),
            (
                plane.configure(
                    1, remote_host="::1", remote_port=4000, codec="PCMU", payload_type=0
                ),
                ErrorCode.ADDRESS,
            ),
        ]
        for call, code in cases:
            with pytest.raises(CommandFailed) as failed:
                await call
            assert failed.value.code is code
        await plane.bridge(1, (1, 2))
        with pytest.raises(CommandFailed) as failed:
            await plane.bridge(2, (2, 3))
        assert failed.value.code is ErrorCode.STREAM_BUSY
        with pytest.raises(ValueError, match="codec"):
            await plane.configure(
                1,
                remote_host=HOST,
                remote_port=4000,
                codec="G729",  # type: ignore[arg-type]
                payload_type=18,
            )


async def test_rtp_timeout_is_reported_once_and_rearmed_by_traffic() -> None:
    async with media_plane() as started, Phone() as a:
        plane = started.plane
        port = await plane.allocate(1, HOST)
        await plane.configure(
            1,
            remote_host=HOST,
            remote_port=a.port,
            codec="PCMU",
            payload_type=0,
            rtp_timeout_s=0.3,
        )
        first = await started.wait_event(lambda e: isinstance(e, RtpTimeout))
        assert isinstance(first, RtpTimeout)
        assert first.stream_id == 1
        assert 0.3 <= first.seconds < 0.7
        await asyncio.sleep(0.5)
        assert sum(isinstance(e, RtpTimeout) for e in started.events) == 1
        a.send(port, a.packet(0, bytes(160)))
        await asyncio.sleep(0.9)
        assert sum(isinstance(e, RtpTimeout) for e in started.events) == 2


async def test_hold_suspends_the_rtp_timeout() -> None:
    async with media_plane() as started, Phone() as a:
        plane = started.plane
        await plane.allocate(1, HOST)
        await plane.configure(
            1,
            remote_host=HOST,
            remote_port=a.port,
            codec="PCMU",
            payload_type=0,
            direction="sendonly",
            rtp_timeout_s=0.2,
        )
        await asyncio.sleep(0.6)
        assert not [e for e in started.events if isinstance(e, RtpTimeout)]


async def test_killed_media_process_fails_calls_and_is_announced() -> None:
    async with media_plane() as started:
        plane = started.plane
        process = plane._process
        assert process is not None
        await plane.allocate(1, HOST)
        os.kill(process.pid, signal.SIGKILL)
        died = await started.wait_event(lambda e: isinstance(e, MediaPlaneDied))
        assert died == MediaPlaneDied(returncode=-signal.SIGKILL)
        assert not plane.alive
        with pytest.raises(MediaPlaneError):
            await plane.allocate(2, HOST)


async def test_pending_call_fails_when_the_process_dies() -> None:
    async with media_plane() as started, Phone():
        plane = started.plane
        process = plane._process
        assert process is not None
        os.kill(process.pid, signal.SIGSTOP)
        call = asyncio.create_task(plane.status())
        await asyncio.sleep(0.1)
        os.kill(process.pid, signal.SIGKILL)
        with pytest.raises(MediaPlaneError, match="died"):
            await call


async def test_in_process_mode_runs_the_same_engine() -> None:
    async with media_plane(in_process=True) as started, Phone() as a, Phone() as b:
        port_a, _ = await wire(started, a, b)
        await a.stream(port_a, [a.packet(0, bytes(160)) for _ in range(5)], interval=0.005)
        assert len(await b.wait_packets(5)) == 5


async def test_events_iterator_delivers_in_order_and_ends_with_the_process() -> None:
    async with media_plane() as started, Phone() as a:
        plane = started.plane
        await plane.allocate(1, HOST)
        await plane.configure(1, remote_host=HOST, remote_port=a.port, codec="PCMU", payload_type=0)
        seen: list[object] = []

        async def listen() -> None:
            async for event in plane.events():
                seen.append(event)

        async with asyncio.timeout(5):
            async with asyncio.TaskGroup() as group:
                group.create_task(listen())
                await asyncio.sleep(0)
                await plane.play_tone(1, 1, "beep")
                await started.wait_event(lambda e: isinstance(e, PlaybackFinished))
                process = plane._process
                assert process is not None
                os.kill(process.pid, signal.SIGKILL)
        assert seen == [
            PlaybackFinished(play_id=1, stream_id=1, completed=True),
            MediaPlaneDied(returncode=-signal.SIGKILL),
        ]
