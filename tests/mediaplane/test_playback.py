"""Playback of files and tones: pacing, numbering, the finished event, looping, stopping."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import numpy as np
import pytest
import soundfile  # type: ignore[import-untyped]

from media.goertzel import dominant_frequency
from rtp.seq import uint16_diff, uint32_diff
from softswitch.mediaplane.client import CommandFailed
from softswitch.mediaplane.protocol import ErrorCode, PlaybackFinished
from tests.mediaplane import HOST, Phone, Started, decode, media_plane, wire


async def _stream_to(started: Started, phone: Phone, stream_id: int = 1) -> int:
    port = await started.plane.allocate(stream_id, HOST)
    await started.plane.configure(
        stream_id, remote_host=HOST, remote_port=phone.port, codec="PCMU", payload_type=0
    )
    return port


def _tone_file(path: Path, seconds: float, freq: float = 1000.0, rate: int = 16000) -> str:
    """A stereo file at another rate, so playback has to downmix and resample it."""
    t = np.arange(round(seconds * rate)) / rate
    tone = 0.4 * np.sin(2 * np.pi * freq * t)
    soundfile.write(path, np.column_stack((tone, tone)), rate, subtype="PCM_16")
    return str(path)


async def test_file_plays_paced_numbered_and_finishes(tmp_path: Path) -> None:
    path = _tone_file(tmp_path / "prompt.wav", 0.5)
    async with media_plane() as started, Phone() as b:
        await _stream_to(started, b)
        await started.plane.play(1, 10, path)
        done = await started.wait_event(lambda e: isinstance(e, PlaybackFinished))
        assert done == PlaybackFinished(play_id=10, stream_id=1, completed=True)
        packets = await b.quiet()
        assert len(packets) == 25
        assert packets[0].marker
        assert not any(p.marker for p in packets[1:])
        for before, after in itertools.pairwise(packets):
            assert uint16_diff(after.sequence, before.sequence) == 1
            assert uint32_diff(after.timestamp, before.timestamp) == 160
        arrivals = [t for t, _ in b.received]
        assert 0.4 < arrivals[-1] - arrivals[0] < 0.6
        audio = np.concatenate([decode(p.payload, "PCMU") for p in packets])
        assert abs(dominant_frequency(audio) - 1000.0) < 20


async def test_loop_repeats_until_stopped(tmp_path: Path) -> None:
    path = _tone_file(tmp_path / "short.wav", 0.1)
    async with media_plane() as started, Phone() as b:
        await _stream_to(started, b)
        await started.plane.play(1, 11, path, loop=True)
        await asyncio.sleep(0.5)
        await started.plane.stop_play(11)
        done = await started.wait_event(lambda e: isinstance(e, PlaybackFinished))
        assert done == PlaybackFinished(play_id=11, stream_id=1, completed=False)
        packets = await b.quiet()
        assert 20 <= len(packets) <= 30
        await asyncio.sleep(0.1)
        assert len(b.received) == len(packets)
        with pytest.raises(CommandFailed) as failed:
            await started.plane.stop_play(11)
        assert failed.value.code is ErrorCode.UNKNOWN_PLAYBACK


async def test_missing_file_is_an_error_reply(tmp_path: Path) -> None:
    async with media_plane() as started, Phone() as b:
        await _stream_to(started, b)
        with pytest.raises(CommandFailed) as failed:
            await started.plane.play(1, 12, str(tmp_path / "absent.wav"))
        assert failed.value.code is ErrorCode.FILE
        assert "absent.wav" in str(failed.value)


async def test_ringback_tone_repeats_and_a_new_play_replaces_it(tmp_path: Path) -> None:
    path = _tone_file(tmp_path / "after.wav", 0.1)
    async with media_plane() as started, Phone() as b:
        await _stream_to(started, b)
        await started.plane.play_tone(1, 20, "ringback")
        await asyncio.sleep(0.3)
        await started.plane.play(1, 21, path)
        await started.wait_event(lambda e: isinstance(e, PlaybackFinished) and e.play_id == 21)
        finished = [e for e in started.events if isinstance(e, PlaybackFinished)]
        assert finished == [
            PlaybackFinished(play_id=20, stream_id=1, completed=False),
            PlaybackFinished(play_id=21, stream_id=1, completed=True),
        ]
        ringing = [p for _, p in b.received][:10]
        audio = np.concatenate([decode(p.payload, "PCMU") for p in ringing])
        assert 430 < dominant_frequency(audio) < 490


async def test_playback_to_a_bridged_stream_pauses_the_relay(tmp_path: Path) -> None:
    path = _tone_file(tmp_path / "announce.wav", 0.2)
    async with media_plane() as started, Phone() as a, Phone() as b:
        port_a, _ = await wire(started, a, b)

        async def announce() -> None:
            await asyncio.sleep(0.2)
            await started.plane.play(2, 30, path)
            await started.wait_event(lambda e: isinstance(e, PlaybackFinished))

        talk = a.stream(port_a, [a.packet(0, b"\x11" * 160) for _ in range(40)])
        await asyncio.gather(talk, announce())
        packets = await b.quiet()
        kinds = ["relay" if p.payload == b"\x11" * 160 else "play" for p in packets]
        first_play = kinds.index("play")
        last_play = len(kinds) - 1 - kinds[::-1].index("play")
        assert kinds[first_play : last_play + 1] == ["play"] * 10
        assert "relay" in kinds[:first_play]
        assert "relay" in kinds[last_play + 1 :]
        # One stream as far as phone B can tell: one SSRC, sequence numbers without a gap.
        assert len({p.ssrc for p in packets}) == 1
        for before, after in itertools.pairwise(packets):
            assert uint16_diff(after.sequence, before.sequence) == 1
        assert packets[first_play].marker
        assert packets[last_play + 1].marker
