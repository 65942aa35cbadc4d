"""Recording a bridge or a stream to wav: alignment, channels, the reasons recordings end."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile  # type: ignore[import-untyped]

from media.goertzel import dominant_frequency, goertzel_power
from media.tones import silence, sine
from rtp.dtmf import TelephoneEvent
from rtp.packet import RtpPacket
from softswitch.mediaplane.client import CommandFailed
from softswitch.mediaplane.protocol import ErrorCode, RecordingFinished
from tests.mediaplane import HOST, Phone, media_plane, wire


def _read(path: Path) -> tuple[npt.NDArray[np.int16], int]:
    data, rate = soundfile.read(path, dtype="int16")
    return data, rate


async def test_bridge_recording_has_each_side_where_it_belongs(tmp_path: Path) -> None:
    paths = {kind: tmp_path / f"call-{kind}.wav" for kind in ("mixed", "rx", "tx", "stereo")}
    async with media_plane() as started, Phone() as a, Phone() as b:
        port_a, port_b = await wire(started, a, b)
        await started.plane.record(
            1,
            bridge_id=1,
            path_mixed=str(paths["mixed"]),
            path_rx=str(paths["rx"]),
            path_tx=str(paths["tx"]),
            path_stereo=str(paths["stereo"]),
            max_duration_s=2.0,
        )
        await asyncio.gather(
            a.talk(port_a, sine(1000.0, 2.4), codec="PCMU", pt=0),
            b.talk(port_b, sine(400.0, 2.4), codec="PCMU", pt=0),
        )
        done = await started.wait_event(lambda e: isinstance(e, RecordingFinished))
    assert isinstance(done, RecordingFinished)
    assert done.reason == "maxduration"
    assert done.duration_s == pytest.approx(2.0, rel=0.05)
    assert done.path_stereo == str(paths["stereo"])
    for path in paths.values():
        info = soundfile.info(path)
        assert info.samplerate == 8000
        assert info.subtype == "PCM_16"
        assert info.duration == pytest.approx(2.0, rel=0.05)
    stereo, _ = _read(paths["stereo"])
    assert stereo.shape[1] == 2
    # The middle second: both phones are talking there whatever the start-up skew.
    middle = slice(4000, 12000)
    assert abs(dominant_frequency(stereo[middle, 0]) - 1000) < 20
    assert abs(dominant_frequency(stereo[middle, 1]) - 400) < 20
    rx, _ = _read(paths["rx"])
    tx, _ = _read(paths["tx"])
    assert abs(dominant_frequency(rx[middle]) - 1000) < 20
    assert abs(dominant_frequency(tx[middle]) - 400) < 20
    mixed, _ = _read(paths["mixed"])
    strong = goertzel_power(mixed[middle], 1000.0)
    assert goertzel_power(mixed[middle], 400.0) > strong / 10
    assert goertzel_power(mixed[middle], 700.0) < strong / 100


async def test_dtmf_ends_a_stream_recording(tmp_path: Path) -> None:
    path = tmp_path / "voicemail.wav"
    async with media_plane() as started, Phone() as a:
        plane = started.plane
        port = await plane.allocate(1, HOST)
        await plane.configure(
            1,
            remote_host=HOST,
            remote_port=a.port,
            codec="PCMA",
            payload_type=8,
            dtmf_payload_type=101,
        )
        await plane.record(5, stream_id=1, path_rx=str(path), stop_on_dtmf="#*")
        await a.talk(port, sine(500.0, 0.6), codec="PCMA", pt=8)
        pound = TelephoneEvent(event=11, duration=160).to_bytes()
        a.send(
            port,
            RtpPacket(
                payload_type=101,
                sequence=a.seq,
                timestamp=a.ts,
                ssrc=a.ssrc,
                payload=pound,
                marker=True,
            ),
        )
        done = await started.wait_event(lambda e: isinstance(e, RecordingFinished))
    assert isinstance(done, RecordingFinished)
    assert (done.reason, done.digit, done.path_rx) == ("dtmf", "#", str(path))
    assert 0.5 < done.duration_s < 1.0
    audio, _ = _read(path)
    assert abs(dominant_frequency(audio) - 500) < 20


async def test_silence_ends_a_recording(tmp_path: Path) -> None:
    async with media_plane() as started, Phone() as a:
        plane = started.plane
        port = await plane.allocate(1, HOST)
        await plane.configure(1, remote_host=HOST, remote_port=a.port, codec="PCMU", payload_type=0)
        await plane.record(6, stream_id=1, path_mixed=str(tmp_path / "m.wav"), silence_s=0.4)
        speech = np.concatenate((sine(300.0, 0.4), silence(1.0)))
        await a.talk(port, speech, codec="PCMU", pt=0)
        done = await started.wait_event(lambda e: isinstance(e, RecordingFinished))
    assert isinstance(done, RecordingFinished)
    assert done.reason == "silence"
    assert 0.7 < done.duration_s < 1.2


async def test_release_and_stop_end_recordings_with_their_reasons(tmp_path: Path) -> None:
    async with media_plane() as started, Phone() as a, Phone() as b:
        plane = started.plane
        await wire(started, a, b)
        await plane.record(7, bridge_id=1, path_mixed=str(tmp_path / "bridge.wav"))
        await plane.record(8, stream_id=2, path_rx=str(tmp_path / "leg.wav"))
        await asyncio.sleep(0.2)
        await plane.stop_record(8)
        stopped = await started.wait_event(
            lambda e: isinstance(e, RecordingFinished) and e.record_id == 8
        )
        await plane.release(1)
        hangup = await started.wait_event(
            lambda e: isinstance(e, RecordingFinished) and e.record_id == 7
        )
        assert isinstance(stopped, RecordingFinished)
        assert isinstance(hangup, RecordingFinished)
        assert stopped.reason == "stopped"
        assert hangup.reason == "hangup"
        assert soundfile.info(tmp_path / "bridge.wav").duration == pytest.approx(
            hangup.duration_s, abs=0.001
        )
        with pytest.raises(CommandFailed) as failed:
            await plane.stop_record(8)
        assert failed.value.code is ErrorCode.UNKNOWN_RECORDING


async def test_unwritable_path_is_an_error_reply(tmp_path: Path) -> None:
    async with media_plane() as started, Phone():
        plane = started.plane
        await plane.allocate(1, HOST)
        with pytest.raises(CommandFailed) as failed:
            await plane.record(9, stream_id=1, path_rx=str(tmp_path / "no" / "such" / "x.wav"))
        assert failed.value.code is ErrorCode.FILE
        assert (await plane.status()).recordings == 0
        await asyncio.sleep(0.1)
        assert not [e for e in started.events if isinstance(e, RecordingFinished)]


async def test_shutdown_finishes_recordings_before_exiting(tmp_path: Path) -> None:
    path = tmp_path / "last.wav"
    async with media_plane() as started, Phone():
        plane = started.plane
        await plane.allocate(1, HOST)
        await plane.record(10, stream_id=1, path_stereo=str(path))
        await asyncio.sleep(0.3)
        assert await plane.close() == 0
        done = [e for e in started.events if isinstance(e, RecordingFinished)]
    assert len(done) == 1
    assert done[0].reason == "hangup"
    assert soundfile.info(path).duration == pytest.approx(done[0].duration_s, abs=0.001)
