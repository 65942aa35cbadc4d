"""MP3 encoding: frame headers, the Info/LAME tag, decoded pitch and length, atomic files.

Two independent checks of every stream: the frame headers walked by a parser written here
(not the one in ``media.mp3``), and, where this libsndfile can read MP3 (1.1 and later, via
mpg123), a real decode checked for length and pitch.
"""

from __future__ import annotations

import io
import os
import random
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soundfile  # type: ignore[import-untyped]

from media.goertzel import dominant_frequency, goertzel_power
from media.mp3 import (
    ChannelMode,
    MpegVersion,
    RecordingConversionError,
    atomic_output,
    crc16,
    encode_mp3,
    mp3_info,
    wav_to_mp3,
    write_mp3,
)

CAN_DECODE = "MP3" in soundfile.available_formats()
needs_decoder = pytest.mark.skipif(not CAN_DECODE, reason="this libsndfile cannot read MP3")


def _sine(freq: float, seconds: float, rate: int, amplitude: float = 0.4) -> npt.NDArray[np.int16]:
    t = np.arange(round(seconds * rate)) / rate
    return np.round(amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def _stereo(left: npt.NDArray[np.int16], right: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    return np.stack([left, right], axis=1)


def _decode(data: bytes) -> tuple[npt.NDArray[np.int16], int]:
    samples, rate = soundfile.read(io.BytesIO(data), dtype="int16")
    return samples, rate


def _reference_crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


# --- An independent frame walker ----------------------------------------------------------

_RATES = {0b11: (44100, 48000, 32000), 0b10: (22050, 24000, 16000), 0b00: (11025, 12000, 8000)}
_KBPS = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_VERSION_NAMES = {0b11: "1", 0b10: "2", 0b00: "2.5"}


@dataclass
class Frame:
    version: str
    kbps: int
    rate: int
    mode: int
    """0 stereo, 1 joint stereo, 2 dual channel, 3 mono."""
    spf: int
    data: bytes

    @property
    def side_info(self) -> int:
        if self.version == "1":
            return 17 if self.mode == 3 else 32
        return 9 if self.mode == 3 else 17


def _frames(data: bytes) -> list[Frame]:
    """Every frame of ``data``, asserting that the stream is frames and nothing else."""
    frames: list[Frame] = []
    at = 0
    while at < len(data):
        header = int.from_bytes(data[at : at + 4], "big")
        assert header >> 21 == 0x7FF, f"no frame sync at byte {at}"
        version_bits = (header >> 19) & 3
        assert version_bits in _RATES, "reserved MPEG version"
        assert (header >> 17) & 3 == 0b01, "not Layer III"
        mpeg1 = version_bits == 0b11
        kbps = _KBPS[mpeg1][(header >> 12) & 0xF]
        rate = _RATES[version_bits][(header >> 10) & 3]
        size = (144 if mpeg1 else 72) * kbps * 1000 // rate + ((header >> 9) & 1)
        frames.append(
            Frame(
                version=_VERSION_NAMES[version_bits],
                kbps=kbps,
                rate=rate,
                mode=(header >> 6) & 3,
                spf=1152 if mpeg1 else 576,
                data=data[at : at + size],
            )
        )
        at += size
    assert at == len(data), "the last frame is cut short"
    return frames


def _info_tag(frame: Frame) -> dict[str, int]:
    """The Info tag fields of a tag frame written with all four Xing fields present."""
    at = 4 + frame.side_info
    body = frame.data[at:]
    assert body[:4] == b"Info"
    assert int.from_bytes(body[4:8], "big") == 0x0F
    lame = body[120:156]
    assert lame[:4] == b"LAME"
    gap = int.from_bytes(lame[21:24], "big")
    return {
        "frames": int.from_bytes(body[8:12], "big"),
        "bytes": int.from_bytes(body[12:16], "big"),
        "delay": gap >> 12,
        "padding": gap & 0xFFF,
        "music_length": int.from_bytes(lame[28:32], "big"),
        "music_crc": int.from_bytes(lame[32:34], "big"),
        "tag_crc": int.from_bytes(lame[34:36], "big"),
        "tag_crc_end": at + 154,
    }


# --- Encoding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "version"), [(8000, "2.5"), (16000, "2"), (22050, "2"), (44100, "1"), (48000, "1")]
)
def test_mono_headers_keep_rate_and_bitrate(rate: int, version: str) -> None:
    data = encode_mp3(_sine(1000.0, 2.0, rate), rate)
    tag, *audio = _frames(data)
    assert {(f.version, f.rate, f.kbps, f.mode) for f in audio} == {(version, rate, 32, 3)}
    # The frames hold LAME's 576 samples of delay and at most two frames of flush padding,
    # which the Info tag accounts for; without it the duration would be off by up to 11 %.
    fields = _info_tag(tag)
    held = len(audio) * audio[0].spf
    assert rate * 2 + 576 <= held <= rate * 2 + 576 + 2 * audio[0].spf
    played = held - fields["delay"] - fields["padding"]
    assert played / rate == pytest.approx(2.0, rel=0.05)
    assert tag.version == version and tag.rate == rate and tag.mode == 3


def test_8khz_is_mpeg_2_5_layer_iii() -> None:
    data = encode_mp3(_sine(1000.0, 2.0, 8000), 8000)
    header = int.from_bytes(data[:4], "big")
    assert header >> 21 == 0x7FF
    assert (header >> 19) & 3 == 0b00  # MPEG-2.5: version bits 00
    assert (header >> 17) & 3 == 0b01  # Layer III
    assert (header >> 10) & 3 == 0b10  # 8000 Hz in the MPEG-2.5 table
    info = mp3_info(data)
    assert info.first.version is MpegVersion.MPEG25
    assert info.first.sample_rate == 8000
    assert info.first.samples == 576


def test_info_tag_records_frames_gap_and_checksums() -> None:
    samples = _sine(1000.0, 2.0, 8000)
    data = encode_mp3(samples, 8000)
    tag_frame, *audio = _frames(data)
    fields = _info_tag(tag_frame)
    assert fields["frames"] == len(audio)
    assert fields["bytes"] == fields["music_length"] == len(data)
    assert fields["delay"] == 576
    assert len(audio) * 576 - fields["delay"] - fields["padding"] == len(samples)
    assert fields["music_crc"] == _reference_crc16(data[len(tag_frame.data) :])
    assert fields["tag_crc"] == _reference_crc16(tag_frame.data[: fields["tag_crc_end"]])
    info = mp3_info(data)
    assert (info.tag, info.frames, info.samples) == ("Info", len(audio), len(samples))
    assert info.duration_s == pytest.approx(2.0, abs=1e-9)


@needs_decoder
@pytest.mark.parametrize("rate", [8000, 16000, 44100])
def test_mono_sine_decodes_to_same_length_and_pitch(rate: int) -> None:
    samples = _sine(1000.0, 2.0, rate)
    decoded, decoded_rate = _decode(encode_mp3(samples, rate))
    assert decoded_rate == rate
    assert decoded.ndim == 1
    assert len(decoded) / rate == pytest.approx(2.0, rel=0.05)
    # The Info tag lets the decoder drop LAME's delay and padding: exactly the input length.
    assert len(decoded) == len(samples)
    assert dominant_frequency(decoded, rate) == pytest.approx(1000.0, abs=20.0)
    # Aligned too, not just as long: the decoded sine tracks the input sample for sample.
    correlation = np.corrcoef(decoded[rate // 4 :].astype(float), samples[rate // 4 :])[0, 1]
    assert correlation > 0.95


def test_stereo_headers_are_joint_stereo_at_64_kbps() -> None:
    rate = 8000
    data = encode_mp3(_stereo(_sine(1000.0, 2.0, rate), _sine(400.0, 2.0, rate)), rate)
    _, *audio = _frames(data)
    assert {f.mode for f in audio} <= {0, 1}  # stereo or joint stereo, never mono or dual
    assert {f.kbps for f in audio} == {64}
    info = mp3_info(data)
    assert info.first.channel_mode in (ChannelMode.JOINT_STEREO, ChannelMode.STEREO)
    assert info.duration_s == pytest.approx(2.0, rel=0.05)


@needs_decoder
@pytest.mark.parametrize("rate", [8000, 44100])
def test_stereo_channels_come_back_on_their_sides(rate: int) -> None:
    samples = _stereo(_sine(1000.0, 2.0, rate), _sine(400.0, 2.0, rate))
    decoded, _ = _decode(encode_mp3(samples, rate))
    assert decoded.shape == samples.shape
    left, right = decoded[:, 0], decoded[:, 1]
    assert dominant_frequency(left, rate) == pytest.approx(1000.0, abs=20.0)
    assert dominant_frequency(right, rate) == pytest.approx(400.0, abs=20.0)
    # Joint stereo must not smear one side into the other: at least 30 dB apart.
    assert goertzel_power(left, 400.0, rate) < goertzel_power(left, 1000.0, rate) / 1000
    assert goertzel_power(right, 1000.0, rate) < goertzel_power(right, 400.0, rate) / 1000


def test_bitrate_and_quality_are_applied() -> None:
    data = encode_mp3(_sine(1000.0, 2.0, 8000), 8000, bitrate_kbps=16, quality=7)
    _, *audio = _frames(data)
    assert {f.kbps for f in audio} == {16}
    assert mp3_info(data).first.bitrate_kbps == 16


@pytest.mark.parametrize(("rate", "carried"), [(11000, 11025), (96000, 48000), (6000, 8000)])
def test_rate_mp3_cannot_carry_is_resampled_upwards(rate: int, carried: int) -> None:
    data = encode_mp3(_sine(1000.0, 1.0, rate), rate)
    info = mp3_info(data)
    assert info.first.sample_rate == carried
    assert info.duration_s == pytest.approx(1.0, abs=0.01)


def test_mono_as_n_by_1_column_is_accepted() -> None:
    data = encode_mp3(_sine(1000.0, 0.5, 8000)[:, np.newaxis], 8000)
    assert mp3_info(data).first.channel_mode is ChannelMode.MONO


@pytest.mark.parametrize(
    ("samples", "rate", "kwargs", "message"),
    [
        (np.zeros(800, dtype=np.float32), 8000, {}, "must be int16"),
        (np.zeros((800, 3), dtype=np.int16), 8000, {}, r"shape \(n,\) or \(n, 2\)"),
        (np.zeros(800, dtype=np.int16), 0, {}, "must be positive"),
        (np.zeros(800, dtype=np.int16), 8000, {"bitrate_kbps": 320}, "not an MP3 bitrate"),
        (np.zeros(800, dtype=np.int16), 44100, {"bitrate_kbps": 8}, "not an MP3 bitrate"),
        (np.zeros(800, dtype=np.int16), 8000, {"quality": 10}, "quality"),
    ],
)
def test_bad_arguments_are_value_errors(
    samples: npt.NDArray[np.generic], rate: int, kwargs: dict[str, int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        encode_mp3(samples, rate, **kwargs)  # type: ignore[arg-type]


def test_no_samples_is_a_conversion_error() -> None:
    with pytest.raises(RecordingConversionError, match="no audio samples"):
        encode_mp3(np.zeros(0, dtype=np.int16), 8000)


# --- Reading headers ----------------------------------------------------------------------


def test_info_skips_id3v2_and_stops_at_id3v1() -> None:
    data = encode_mp3(_sine(1000.0, 1.0, 8000), 8000)
    # A 20-byte ID3v2 body; its size is "synchsafe", seven bits per byte.
    id3v2 = b"ID3\x04\x00\x00" + bytes((0, 0, 0, 20)) + bytes(20)
    id3v1 = b"TAG" + bytes(125)
    info = mp3_info(id3v2 + data + id3v1)
    assert info == mp3_info(data)
    assert info.duration_s == pytest.approx(1.0, abs=1e-9)


def test_stream_without_tag_counts_every_frame() -> None:
    data = encode_mp3(_sine(1000.0, 1.0, 8000), 8000)
    tag_frame, *audio = _frames(data)
    info = mp3_info(data[len(tag_frame.data) :])
    assert (info.tag, info.encoder_delay, info.encoder_padding) == (None, 0, 0)
    assert info.samples == len(audio) * 576


def test_info_of_non_mp3_is_a_conversion_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingConversionError, match="no MPEG Layer III frame"):
        mp3_info(b"RIFF" + bytes(100))
    with pytest.raises(RecordingConversionError, match="no such file"):
        mp3_info(tmp_path / "missing.mp3")


# --- CRC ----------------------------------------------------------------------------------


def test_crc16_check_value() -> None:
    assert crc16(b"123456789") == 0xBB3D  # the CRC-16/ARC catalogue check value


@pytest.mark.parametrize("length", [0, 1, 2, 3, 7, 64, 999, 4096, 20001])
def test_crc16_matches_bitwise_reference_whole_and_in_pieces(length: int) -> None:
    data = random.Random(length).randbytes(length)
    assert crc16(data) == _reference_crc16(data)
    cut = length // 3
    assert crc16(data[cut:], crc16(data[:cut])) == _reference_crc16(data)


# --- Files --------------------------------------------------------------------------------


def _write_wav(
    path: Path, samples: npt.NDArray[np.int16], rate: int, subtype: str = "PCM_16"
) -> Path:
    soundfile.write(str(path), samples, rate, subtype=subtype, format="WAV")
    return path


def test_wav_to_mp3_writes_destination_and_nothing_else(tmp_path: Path) -> None:
    src = _write_wav(tmp_path / "call.wav", _sine(1000.0, 2.0, 8000), 8000)
    dst = wav_to_mp3(src, tmp_path / "call.mp3")
    assert dst == tmp_path / "call.mp3"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["call.mp3", "call.wav"]
    info = mp3_info(dst)
    assert info.first.sample_rate == 8000
    assert info.first.channel_mode is ChannelMode.MONO
    assert info.duration_s == pytest.approx(2.0, abs=1e-9)


@needs_decoder
def test_wav_to_mp3_stereo_24_bit_source(tmp_path: Path) -> None:
    samples = _stereo(_sine(1000.0, 2.0, 16000), _sine(400.0, 2.0, 16000))
    src = _write_wav(tmp_path / "in.wav", samples, 16000, subtype="PCM_24")
    decoded, rate = soundfile.read(str(wav_to_mp3(src, tmp_path / "out.mp3")), dtype="int16")
    assert rate == 16000
    assert decoded.shape == samples.shape
    assert dominant_frequency(decoded[:, 0], rate) == pytest.approx(1000.0, abs=20.0)
    assert dominant_frequency(decoded[:, 1], rate) == pytest.approx(400.0, abs=20.0)


def test_wav_to_mp3_mixes_more_than_two_channels_down(tmp_path: Path) -> None:
    tone = _sine(1000.0, 1.0, 8000)
    src = _write_wav(tmp_path / "in.wav", np.stack([tone, tone, tone], axis=1), 8000)
    info = mp3_info(wav_to_mp3(src, tmp_path / "out.mp3"))
    assert info.first.channel_mode is ChannelMode.MONO


def test_wav_to_mp3_bitrate_override(tmp_path: Path) -> None:
    src = _write_wav(tmp_path / "in.wav", _sine(1000.0, 1.0, 8000), 8000)
    assert mp3_info(wav_to_mp3(src, tmp_path / "o.mp3", bitrate_kbps=24)).first.bitrate_kbps == 24


def _bad_inputs(folder: Path) -> Iterator[tuple[Path, str]]:
    noise = folder / "noise.wav"
    noise.write_bytes(random.Random(1).randbytes(4096))
    yield noise, "not a readable audio file"
    empty_wav = _write_wav(folder / "empty.wav", np.zeros(0, dtype=np.int16), 8000)
    yield empty_wav, r"no audio \(0 samples\)"
    zero_bytes = folder / "zero.wav"
    zero_bytes.touch()
    yield zero_bytes, "empty file"
    yield folder / "missing.wav", "no such file"
    yield folder, "not a regular file"


def test_bad_inputs_are_conversion_errors_and_leave_no_file(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    for src, message in list(_bad_inputs(inputs)):
        with pytest.raises(RecordingConversionError, match=message):
            wav_to_mp3(src, out / "x.mp3")
    assert list(out.iterdir()) == []
    assert issubclass(RecordingConversionError, ValueError)


def test_failed_conversion_keeps_the_previous_file(tmp_path: Path) -> None:
    dst = tmp_path / "call.mp3"
    dst.write_bytes(b"previous recording")
    noise = tmp_path / "call.wav"
    noise.write_bytes(random.Random(2).randbytes(2048))
    with pytest.raises(RecordingConversionError):
        wav_to_mp3(noise, dst)
    assert dst.read_bytes() == b"previous recording"


def test_input_failing_mid_encoding_leaves_no_partial_file(tmp_path: Path) -> None:
    dst = tmp_path / "call.mp3"
    dst.write_bytes(b"previous recording")

    def blocks() -> Iterator[npt.NDArray[np.int16]]:
        yield _sine(1000.0, 1.0, 8000)
        yield _sine(1000.0, 1.0, 8000)
        yield np.zeros(8000, dtype=np.float64)

    with pytest.raises(ValueError, match="must be int16"):
        write_mp3(dst, blocks(), rate=8000, channels=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["call.mp3"]
    assert dst.read_bytes() == b"previous recording"


def test_reader_never_sees_a_partial_file(tmp_path: Path) -> None:
    dst = tmp_path / "call.mp3"
    seen: list[bool] = []

    def blocks() -> Iterator[npt.NDArray[np.int16]]:
        for _ in range(3):
            # While encoding, the destination does not exist yet; only the hidden part file.
            seen.append(dst.exists())
            (part,) = tmp_path.iterdir()
            assert part.name.startswith(".call.mp3.") and part.name.endswith(".part")
            yield _sine(1000.0, 1.0, 8000)

    write_mp3(dst, blocks(), rate=8000, channels=1)
    assert seen == [False, False, False]
    assert mp3_info(dst).duration_s == pytest.approx(3.0, abs=1e-9)


def test_output_mode_follows_the_umask(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "a.bin") as out:
        out.write(b"x")
    reference = tmp_path / "b.bin"
    reference.write_bytes(b"x")
    mode = stat.S_IMODE(os.stat(tmp_path / "a.bin").st_mode)
    assert mode == stat.S_IMODE(reference.stat().st_mode)
