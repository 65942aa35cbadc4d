"""The seed's post-call scripts as functions: mono mp3, stereo mp3 and wav, durations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile  # type: ignore[import-untyped]

from media.goertzel import dominant_frequency, goertzel_power, rms_dbov
from media.mp3 import ChannelMode, RecordingConversionError, mp3_info
from media.recording_files import (
    direction_files,
    mono_mp3,
    recording_duration,
    stereo_mp3,
    stereo_wav,
)

RATE = 8000
UNIQUEID = "1711279935.60"
CAN_DECODE = "MP3" in soundfile.available_formats()
needs_decoder = pytest.mark.skipif(not CAN_DECODE, reason="this libsndfile cannot read MP3")


def _sine(freq: float, seconds: float, amplitude: float = 0.4) -> npt.NDArray[np.int16]:
    t = np.arange(round(seconds * RATE)) / RATE
    return np.round(amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def _wav(path: Path, samples: npt.NDArray[np.int16], rate: int = RATE) -> Path:
    soundfile.write(str(path), samples, rate, subtype="PCM_16", format="WAV")
    return path


def _call(folder: Path, caller_s: float = 2.0, callee_s: float = 1.5) -> tuple[Path, Path, Path]:
    """A multichannel MixMonitor recording: caller says 1 kHz, callee answers 400 Hz."""
    caller, callee = _sine(1000.0, caller_s), _sine(400.0, callee_s)
    length = max(len(caller), len(callee))
    mixed = np.zeros(length, dtype=np.int32)
    mixed[: len(caller)] += caller
    mixed[: len(callee)] += callee
    mixed_wav = _wav(folder / f"{UNIQUEID}.wav", np.clip(mixed, -32768, 32767).astype(np.int16))
    receive, transmit = direction_files(mixed_wav)
    return mixed_wav, _wav(receive, caller), _wav(transmit, callee)


def _read(path: Path) -> tuple[npt.NDArray[np.int16], int]:
    samples, rate = soundfile.read(str(path), dtype="int16", always_2d=True)
    return samples, rate


def test_direction_files_use_mixmonitor_names(tmp_path: Path) -> None:
    receive, transmit = direction_files(tmp_path / f"{UNIQUEID}.wav")
    assert receive == tmp_path / f"{UNIQUEID}_receive.wav"
    assert transmit == tmp_path / f"{UNIQUEID}_transmit.wav"


def test_mono_mp3_beside_the_wav_which_stays(tmp_path: Path) -> None:
    mixed, _, _ = _call(tmp_path)
    mp3 = mono_mp3(mixed)
    assert mp3 == tmp_path / f"{UNIQUEID}.mp3"
    assert mixed.exists()
    info = mp3_info(mp3)
    assert info.first.channel_mode is ChannelMode.MONO
    assert (info.first.sample_rate, info.first.bitrate_kbps) == (RATE, 32)
    assert info.duration_s == pytest.approx(2.0, abs=1e-9)


@needs_decoder
def test_mono_mp3_decodes_to_the_mix(tmp_path: Path) -> None:
    mixed, _, _ = _call(tmp_path, caller_s=2.0, callee_s=2.0)
    decoded, rate = _read(mono_mp3(mixed))
    assert (decoded.shape, rate) == ((2 * RATE, 1), RATE)
    # Both parties at equal level, well above what lies between them.
    caller, callee, between = (goertzel_power(decoded[:, 0], f, rate) for f in (1000, 400, 700))
    assert caller == pytest.approx(callee, rel=0.5)
    assert between < caller / 1000


def test_stereo_mp3_replaces_the_mono_one(tmp_path: Path) -> None:
    mixed, receive, transmit = _call(tmp_path)
    mono_mp3(mixed)
    mp3 = stereo_mp3(mixed, receive, transmit)
    assert mp3 == tmp_path / f"{UNIQUEID}.mp3"
    info = mp3_info(mp3)
    assert info.first.channel_mode in (ChannelMode.JOINT_STEREO, ChannelMode.STEREO)
    assert info.first.bitrate_kbps == 64
    # The longer side sets the length; the callee's 1.5 s is padded to 2 s.
    assert info.duration_s == pytest.approx(2.0, abs=1e-9)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [f"{UNIQUEID}.mp3", f"{UNIQUEID}.wav"] + [
        f"{UNIQUEID}_{side}.wav" for side in ("receive", "transmit")
    ]


@needs_decoder
def test_stereo_mp3_caller_left_callee_right(tmp_path: Path) -> None:
    mixed, receive, transmit = _call(tmp_path, caller_s=2.0, callee_s=1.5)
    decoded, rate = _read(stereo_mp3(mixed, receive, transmit))
    assert decoded.shape == (2 * RATE, 2)
    left, right = decoded[:, 0], decoded[:, 1]
    assert dominant_frequency(left, rate) == pytest.approx(1000.0, abs=20.0)
    assert dominant_frequency(right[: RATE * 3 // 2], rate) == pytest.approx(400.0, abs=20.0)
    # The padding is silence (the codec's ringing dies out within a few milliseconds).
    assert rms_dbov(right[RATE * 3 // 2 + 400 :]) < -60.0


def test_stereo_wav_interleaves_exactly(tmp_path: Path) -> None:
    _, receive, transmit = _call(tmp_path, caller_s=1.0, callee_s=1.25)
    dst = stereo_wav(receive, transmit, tmp_path / "stereo.wav")
    info = soundfile.info(str(dst))
    assert (info.format, info.subtype, info.channels) == ("WAV", "PCM_16", 2)
    samples, rate = _read(dst)
    assert rate == RATE
    caller, callee = _sine(1000.0, 1.0), _sine(400.0, 1.25)
    assert len(samples) == len(callee)
    np.testing.assert_array_equal(samples[: len(caller), 0], caller)
    np.testing.assert_array_equal(samples[len(caller) :, 0], 0)
    np.testing.assert_array_equal(samples[:, 1], callee)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_stereo_wav_mixes_a_two_channel_side_down(tmp_path: Path) -> None:
    tone = _sine(1000.0, 0.5)
    receive = _wav(tmp_path / "r.wav", np.stack([tone, tone], axis=1))
    transmit = _wav(tmp_path / "t.wav", tone)
    samples, _ = _read(stereo_wav(receive, transmit, tmp_path / "s.wav"))
    np.testing.assert_array_equal(samples[:, 0], tone)


def test_one_silent_side_may_be_empty(tmp_path: Path) -> None:
    mixed = _wav(tmp_path / f"{UNIQUEID}.wav", _sine(1000.0, 1.0))
    receive, transmit = direction_files(mixed)
    _wav(receive, _sine(1000.0, 1.0))
    _wav(transmit, np.zeros(0, dtype=np.int16))
    info = mp3_info(stereo_mp3(mixed, receive, transmit))
    assert info.duration_s == pytest.approx(1.0, abs=1e-9)


def test_stereo_errors_leave_no_mp3(tmp_path: Path) -> None:
    mixed, receive, transmit = _call(tmp_path)
    missing = tmp_path / "missing.wav"
    with pytest.raises(RecordingConversionError, match="no such file"):
        stereo_mp3(mixed, receive, missing)
    other_rate = _wav(tmp_path / "16k.wav", _sine(400.0, 1.0), rate=16000)
    with pytest.raises(RecordingConversionError, match=r"8000 Hz but .* 16000 Hz"):
        stereo_mp3(mixed, receive, other_rate)
    empty = _wav(tmp_path / "empty.wav", np.zeros(0, dtype=np.int16))
    with pytest.raises(RecordingConversionError, match="0 samples in either"):
        stereo_mp3(mixed, empty, empty)
    noise = tmp_path / "noise.wav"
    noise.write_bytes(np.random.default_rng(3).bytes(3000))
    with pytest.raises(RecordingConversionError, match="not a readable audio file"):
        stereo_wav(noise, transmit, tmp_path / "s.wav")
    assert not list(tmp_path.glob("*.mp3"))
    assert not (tmp_path / "s.wav").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_mono_mp3_of_bad_wav_is_a_conversion_error(tmp_path: Path) -> None:
    bad = tmp_path / f"{UNIQUEID}.wav"
    bad.write_bytes(b"not a wav at all" * 64)
    with pytest.raises(RecordingConversionError):
        mono_mp3(bad)
    assert list(tmp_path.iterdir()) == [bad]


def test_recording_duration(tmp_path: Path) -> None:
    mixed, receive, transmit = _call(tmp_path, caller_s=2.0, callee_s=1.5)
    assert recording_duration(mixed) == pytest.approx(2.0)
    assert recording_duration(transmit) == pytest.approx(1.5)
    assert recording_duration(stereo_mp3(mixed, receive, transmit)) == pytest.approx(2.0)
    assert recording_duration(_wav(tmp_path / "e.wav", np.zeros(0, dtype=np.int16))) == 0.0
    with pytest.raises(RecordingConversionError, match="no such file"):
        recording_duration(tmp_path / "gone.mp3")


@needs_decoder
def test_recording_duration_of_mp3_agrees_with_the_decoder(tmp_path: Path) -> None:
    mixed = _wav(tmp_path / "a.wav", _sine(1000.0, 1.337))
    mp3 = mono_mp3(mixed)
    decoded, rate = _read(mp3)
    assert recording_duration(mp3) == pytest.approx(len(decoded) / rate, abs=1e-9)
