"""MP3 encoding of recordings with LAME, and enough MPEG audio parsing to describe the result.

These are the in-process replacements for the seed's external ``wav → mp3`` post-commands.
LAME (through ``lameenc``) writes the audio frames; this module puts in front of them the
frame that the ``lame`` command-line tool writes but the library binding does not: an "Info"
tag with the LAME extension, holding the frame count, the encoder delay and the padding.
Without it every decoder plays LAME's 576 samples of look-ahead at the start and the flush
padding at the end (0.1-0.2 s extra at 8 kHz), and players have to guess the duration.

Output files appear atomically (:func:`atomic_output`): a temporary dot-file in the
destination's folder, renamed over the destination once complete, so a reader such as the
REST API never serves half an mp3, and a failed conversion leaves an older file untouched.

Everything here blocks on file I/O and encoding (a few hundred times real time for 8 kHz
mono): run it in an executor or the media process, never on an event loop. ``lameenc``
releases the GIL while it encodes, so a thread pool is enough.

Exceptions::

    ValueError
     └── RecordingConversionError   missing, empty or unreadable input
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, BinaryIO

import lameenc  # type: ignore[import-not-found]
import numpy as np
import numpy.typing as npt
import soundfile  # type: ignore[import-untyped]

__all__ = [
    "MP3_SAMPLE_RATES",
    "ChannelMode",
    "FrameHeader",
    "Mp3Info",
    "MpegVersion",
    "RecordingConversionError",
    "atomic_output",
    "crc16",
    "downmix",
    "encode_mp3",
    "mp3_info",
    "open_audio",
    "wav_to_mp3",
    "write_mp3",
]

Samples = npt.NDArray[np.int16]

BLOCK_FRAMES = 16384
"""Sample frames handed to LAME per call: 2 s at 8 kHz, so memory stays flat for long calls."""


class RecordingConversionError(ValueError):
    """The input recording is missing, empty or not audio; no output was written."""


class MpegVersion(Enum):
    MPEG1 = "1"
    MPEG2 = "2"
    MPEG25 = "2.5"
    """The unofficial extension to 8-12 kHz that LAME writes for telephony rates."""


class ChannelMode(Enum):
    """The two-bit channel mode of a frame header, by value."""

    STEREO = 0
    JOINT_STEREO = 1
    DUAL_CHANNEL = 2
    MONO = 3


_VERSIONS = {0b11: MpegVersion.MPEG1, 0b10: MpegVersion.MPEG2, 0b00: MpegVersion.MPEG25}
_SAMPLE_RATES = {
    MpegVersion.MPEG1: (44100, 48000, 32000),
    MpegVersion.MPEG2: (22050, 24000, 16000),
    MpegVersion.MPEG25: (11025, 12000, 8000),
}
MP3_SAMPLE_RATES = tuple(sorted(r for rates in _SAMPLE_RATES.values() for r in rates))
"""The rates an MP3 stream can carry; other input rates are resampled by LAME."""

_BITRATES_MPEG1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_BITRATES_MPEG2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
"""Layer III bitrates in kbit/s by header index; MPEG-2.5 shares the MPEG-2 table."""

_LAYER_III = 0b01
_ENCODER_DELAY = 576
"""Samples of look-ahead LAME puts before the first input sample, whatever the settings."""
_XING_FLAGS = 0x0F
"""Frames, bytes, seek table and quality present: the full layout LAME itself writes."""
_LAME_EXTENSION_SIZE = 36
_TAG_BODY_SIZE = 4 + 4 + 4 + 4 + 100 + 4 + _LAME_EXTENSION_SIZE
_LAME_VERSION = b"LAME3.100"
"""Decoders look for the LAME extension only after an encoder string starting ``LAME``."""


def _bitrates(version: MpegVersion) -> tuple[int, ...]:
    return _BITRATES_MPEG1 if version is MpegVersion.MPEG1 else _BITRATES_MPEG2


def _version_of(rate: int) -> MpegVersion:
    return next(v for v, rates in _SAMPLE_RATES.items() if rate in rates)


def _frame_size(version: MpegVersion, bitrate_kbps: int, rate: int, padded: bool) -> int:
    per_slot = 144 if version is MpegVersion.MPEG1 else 72
    return per_slot * bitrate_kbps * 1000 // rate + int(padded)


def _side_info_size(version: MpegVersion, mono: bool) -> int:
    if version is MpegVersion.MPEG1:
        return 17 if mono else 32
    return 9 if mono else 17


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameHeader:
    """The four-byte header of one MPEG audio Layer III frame."""

    raw: int
    """The header as a big-endian 32-bit number, sync word included."""
    version: MpegVersion
    bitrate_kbps: int
    sample_rate: int
    channel_mode: ChannelMode
    padded: bool
    """One extra byte in this frame, which keeps the average bitrate exact."""
    protected: bool
    """A 16-bit CRC follows the header."""

    @classmethod
    def parse(cls, data: bytes) -> FrameHeader | None:
        """The Layer III header at the start of ``data``, or ``None`` if there is none there.

        Reserved values and free-format bitrates count as no header: they do not occur in
        LAME's output, and rejecting them keeps random bytes from passing for a frame.
        """
        if len(data) < 4:
            return None
        raw = int.from_bytes(data[:4], "big")
        version = _VERSIONS.get((raw >> 19) & 0b11)
        bitrate_index = (raw >> 12) & 0xF
        rate_index = (raw >> 10) & 0b11
        if (
            raw >> 21 != 0x7FF
            or version is None
            or (raw >> 17) & 0b11 != _LAYER_III
            or bitrate_index in (0, 15)
            or rate_index == 3
        ):
            return None
        return cls(
            raw=raw,
            version=version,
            bitrate_kbps=_bitrates(version)[bitrate_index],
            sample_rate=_SAMPLE_RATES[version][rate_index],
            channel_mode=ChannelMode((raw >> 6) & 0b11),
            padded=bool(raw & (1 << 9)),
            protected=not raw & (1 << 16),
        )

    @property
    def size(self) -> int:
        """The whole frame in bytes, header included."""
        return _frame_size(self.version, self.bitrate_kbps, self.sample_rate, self.padded)

    @property
    def samples(self) -> int:
        """Samples per channel that the frame decodes to."""
        return 1152 if self.version is MpegVersion.MPEG1 else 576

    @property
    def side_info_size(self) -> int:
        return _side_info_size(self.version, self.channel_mode is ChannelMode.MONO)


@dataclass(frozen=True, slots=True, kw_only=True)
class Mp3Info:
    """What the frame headers and the Info/Xing tag of an MP3 stream say about it."""

    first: FrameHeader
    """The first audio frame (the tag frame, if any, is not audio)."""
    frames: int
    """Audio frames, the tag frame not counted."""
    tag: str | None
    """``"Info"`` (constant bitrate), ``"Xing"`` (variable) or ``None``."""
    encoder_delay: int = 0
    """From the LAME extension: samples a gapless decoder drops at the start."""
    encoder_padding: int = 0
    """From the LAME extension: samples a gapless decoder drops at the end."""

    @property
    def samples(self) -> int:
        """Samples per channel a decoder that honours the LAME extension produces."""
        total = self.frames * self.first.samples
        return max(0, total - self.encoder_delay - self.encoder_padding)

    @property
    def duration_s(self) -> float:
        return self.samples / self.first.sample_rate


# --- CRC-16 -------------------------------------------------------------------------------

_CRC_POLY = 0xA001
"""CRC-16/ARC (polynomial 0x8005, bit-reversed), the checksum of the LAME extension."""


@functools.cache
def _crc_after_zero_words(level: int) -> npt.NDArray[np.uint16]:
    """The CRC register after ``2**level`` zero 16-bit words, indexed by the register before.

    The CRC is linear over GF(2) and has no initial or final XOR, so a long message can be
    split into words, each checksummed alone, and neighbours combined pairwise: the left
    block's CRC is carried through as many zero words as the right block is long, and XORed
    with the right block's. These tables make a whole recording a few dozen numpy gathers
    instead of a Python loop over megabytes.
    """
    if level == 0:
        register = np.arange(1 << 16, dtype=np.uint32)
        for _ in range(16):
            register = np.where(register & 1, (register >> 1) ^ _CRC_POLY, register >> 1)
        return register.astype(np.uint16)
    half = _crc_after_zero_words(level - 1)
    table: npt.NDArray[np.uint16] = half[half]
    return table


def _crc_through_zero_words(crc: int, count: int) -> int:
    if crc == 0:
        return 0
    level = 0
    while count:
        if count & 1:
            crc = int(_crc_after_zero_words(level)[crc])
        count >>= 1
        level += 1
    return crc


def crc16(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """CRC-16/ARC of ``data``, continuing from ``crc`` (the CRC of whatever came before)."""
    view = memoryview(data).cast("B")
    if len(view) % 2:
        crc ^= view[0]
        for _ in range(8):
            crc = (crc >> 1) ^ _CRC_POLY if crc & 1 else crc >> 1
        view = view[1:]
    count = len(view) // 2
    if count == 0:
        return crc
    block = _crc_after_zero_words(0)[np.frombuffer(view, dtype="<u2")]
    # Leading zero words leave a zero register unchanged, so padding to a power of two is free.
    width = 1 << (count - 1).bit_length()
    crcs = np.zeros(width, dtype=np.uint16)
    crcs[width - count :] = block
    level = 0
    while len(crcs) > 1:
        crcs = _crc_after_zero_words(level)[crcs[0::2]] ^ crcs[1::2]
        level += 1
    return int(crcs[0]) ^ _crc_through_zero_words(crc, count)


# --- Reading ------------------------------------------------------------------------------


def _id3v2_size(head: bytes) -> int:
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    # A "synchsafe" size: seven bits per byte, so the size can never look like a sync word.
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def _read_tag(frame: bytes, header: FrameHeader) -> tuple[str | None, int, int]:
    at = 4 + (2 if header.protected else 0) + header.side_info_size
    name = frame[at : at + 4]
    if name not in (b"Info", b"Xing"):
        return None, 0, 0
    flags = int.from_bytes(frame[at + 4 : at + 8], "big")
    at += 8
    for flag, length in ((0x1, 4), (0x2, 4), (0x4, 100), (0x8, 4)):
        if flags & flag:
            at += length
    extension = frame[at : at + _LAME_EXTENSION_SIZE]
    if len(extension) < 24 or not extension.startswith((b"LAME", b"Lav")):
        return name.decode(), 0, 0
    gap = int.from_bytes(extension[21:24], "big")
    return name.decode(), gap >> 12, gap & 0xFFF


def _scan(stream: BinaryIO, name: str) -> Mp3Info:
    start = stream.tell()
    start += _id3v2_size(stream.read(10))
    stream.seek(start)
    first_bytes = stream.read(4)
    first = FrameHeader.parse(first_bytes)
    if first is None:
        raise RecordingConversionError(f"{name}: not an MP3 stream (no MPEG Layer III frame)")
    stream.seek(start)
    tag, delay, padding = _read_tag(stream.read(first.size), first)
    position = start
    frames = 0
    header: FrameHeader | None = first
    while header is not None:
        frames += 1
        position += header.size
        stream.seek(position)
        # Whatever does not start a frame ends the stream: an ID3v1 or APE tag, or junk.
        header = FrameHeader.parse(stream.read(4))
    if tag is not None:
        frames -= 1
        stream.seek(start + first.size)
        audio = FrameHeader.parse(stream.read(4))
        if audio is None:
            raise RecordingConversionError(f"{name}: an MP3 tag frame but no audio frames")
        first = audio
    return Mp3Info(
        first=first, frames=frames, tag=tag, encoder_delay=delay, encoder_padding=padding
    )


def mp3_info(source: bytes | Path) -> Mp3Info:
    """Describe an MP3 file or stream from its frame headers and its Info/Xing tag.

    Only a leading ID3v2 tag is skipped; the frames must follow it directly, and the stream
    ends at the first bytes that are not a frame header.
    """
    if isinstance(source, bytes):
        return _scan(io.BytesIO(source), "mp3 data")
    _check_file(source)
    with source.open("rb") as stream:
        return _scan(stream, str(source))


def _check_file(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise RecordingConversionError(f"{path}: no such file") from exc
    if not path.is_file():
        raise RecordingConversionError(f"{path}: not a regular file")
    if size == 0:
        raise RecordingConversionError(f"{path}: empty file")


def open_audio(path: Path, *, allow_empty: bool = False) -> Any:
    """Open ``path`` for reading with soundfile, as a ``soundfile.SoundFile`` to close.

    Raises :class:`RecordingConversionError` if it is missing, not audio libsndfile can
    read, or (unless ``allow_empty``) holds no samples.
    """
    _check_file(path)
    try:
        sound = soundfile.SoundFile(str(path))
    except (RuntimeError, OSError) as exc:
        # soundfile's LibsndfileError is a RuntimeError; its message says what libsndfile saw.
        raise RecordingConversionError(f"{path}: not a readable audio file ({exc})") from exc
    if sound.frames == 0 and not allow_empty:
        sound.close()
        raise RecordingConversionError(f"{path}: no audio (0 samples)")
    return sound


# --- Writing ------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(dst: Path) -> Iterator[BinaryIO]:
    """A binary file, readable and writable, that becomes ``dst`` only if the block succeeds.

    The temporary file is ``.<name>.<random>.part`` in the same folder, so the final rename
    stays on one file system and is atomic, and listings of ``*.mp3`` or ``*.wav`` skip it.
    It is created with mode 0o666 like any new file, leaving the umask to decide; an
    exception removes it and leaves an existing ``dst`` as it was.
    """
    tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(6)}.part")
    descriptor = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "w+b") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _output_rate(rate: int) -> int:
    if rate <= 0:
        raise ValueError(f"sample rate must be positive, not {rate}")
    if rate in MP3_SAMPLE_RATES:
        return rate
    # The nearest carriable rate at or above the input keeps all of its bandwidth.
    return next((r for r in MP3_SAMPLE_RATES if r >= rate), MP3_SAMPLE_RATES[-1])


def _tag_bitrate(version: MpegVersion, rate: int, mono: bool) -> int:
    need = 4 + _side_info_size(version, mono) + _TAG_BODY_SIZE
    return next(b for b in _bitrates(version)[1:] if _frame_size(version, b, rate, False) >= need)


def _source_rate_code(rate: int) -> int:
    if rate <= 32000:
        return 0
    if rate <= 44100:
        return 1
    return 2 if rate <= 48000 else 3


_LAME_STEREO_MODES = {
    ChannelMode.MONO: 0,
    ChannelMode.STEREO: 1,
    ChannelMode.DUAL_CHANNEL: 2,
    ChannelMode.JOINT_STEREO: 3,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Encoding:
    """What the tag frame records about one finished encoding."""

    audio: Mp3Info
    samples: int
    """Samples per channel at the output rate, before the encoder delay and padding."""
    input_rate: int
    bitrate_kbps: int
    quality: int
    audio_bytes: int
    audio_crc: int


def _tag_frame(encoding: _Encoding) -> bytes:
    first = encoding.audio.first
    bitrate = _tag_bitrate(first.version, first.sample_rate, first.channel_mode is ChannelMode.MONO)
    index = _bitrates(first.version).index(bitrate)
    # The audio frames' header with a bigger bitrate, no padding and no CRC: decoders expect
    # the tag frame to agree with the stream in everything but its size.
    raw = (first.raw & ~((0xF << 12) | (1 << 9))) | (index << 12) | (1 << 16)
    size = _frame_size(first.version, bitrate, first.sample_rate, False)
    total_bytes = size + encoding.audio_bytes
    frames = encoding.audio.frames
    padding = frames * first.samples - _ENCODER_DELAY - encoding.samples
    padding = min(max(padding, 0), 0xFFF)
    misc = (_source_rate_code(encoding.input_rate) << 6) | (
        _LAME_STEREO_MODES[first.channel_mode] << 2
    )
    extension = b"".join(
        (
            _LAME_VERSION,
            bytes((0x01,)),  # tag revision 0, constant bitrate
            bytes(1 + 4 + 2 + 2 + 1),  # lowpass, peak, replay gains, flags: not recorded
            bytes((min(encoding.bitrate_kbps, 255),)),
            ((_ENCODER_DELAY << 12) | padding).to_bytes(3, "big"),
            bytes((misc, 0)),
            bytes(2),  # no preset, no surround
            total_bytes.to_bytes(4, "big"),
            encoding.audio_crc.to_bytes(2, "big"),
        )
    )
    frame = bytearray(size)
    frame[0:4] = raw.to_bytes(4, "big")
    at = 4 + first.side_info_size
    body = b"".join(
        (
            b"Info",
            _XING_FLAGS.to_bytes(4, "big"),
            frames.to_bytes(4, "big"),
            total_bytes.to_bytes(4, "big"),
            # At constant bitrate n % of the time is n % of the bytes.
            bytes(i * 256 // 100 for i in range(100)),
            (100 - 10 * encoding.quality).to_bytes(4, "big"),
            extension,
        )
    )
    frame[at : at + len(body)] = body
    end = at + len(body)
    frame[end : end + 2] = crc16(frame[:end]).to_bytes(2, "big")
    return bytes(frame)


def _as_frames(block: npt.NDArray[Any], channels: int) -> Samples:
    if block.dtype != np.int16:
        raise ValueError(f"samples must be int16, not {block.dtype}")
    if block.ndim == 2 and block.shape[1] == channels:
        return block
    if channels == 1 and block.ndim == 1:
        return block
    want = "(n,) or (n, 1)" if channels == 1 else "(n, 2)"
    raise ValueError(f"samples of shape {block.shape} do not fit {want} for {channels} channel(s)")


def _encode_into(
    out: BinaryIO,
    blocks: Iterable[npt.NDArray[Any]],
    *,
    rate: int,
    channels: int,
    bitrate_kbps: int | None,
    quality: int,
) -> None:
    if channels not in (1, 2):
        raise ValueError(f"MP3 carries 1 or 2 channels, not {channels}")
    if not 0 <= quality <= 9:
        raise ValueError(f"LAME quality is 0 (best) to 9 (fastest), not {quality}")
    out_rate = _output_rate(rate)
    version = _version_of(out_rate)
    bitrate = bitrate_kbps if bitrate_kbps is not None else 32 * channels
    if bitrate not in _bitrates(version)[1:]:
        allowed = ", ".join(map(str, _bitrates(version)[1:]))
        raise ValueError(f"{bitrate} kbit/s is not an MP3 bitrate at {out_rate} Hz ({allowed})")

    encoder = lameenc.Encoder()
    encoder.set_channels(channels)
    encoder.set_in_sample_rate(rate)
    # Fixed, or LAME would pick a lower rate for a low bitrate (22.05 kHz for 44.1 kHz input).
    encoder.set_out_sample_rate(out_rate)
    encoder.set_bit_rate(bitrate)
    encoder.set_quality(quality)
    # Otherwise LAME's message handlers write to the process's own streams, around logging.
    encoder.silence()

    start = out.tell()
    tag_bitrate = _tag_bitrate(version, out_rate, channels == 1)
    placeholder = _frame_size(version, tag_bitrate, out_rate, False)
    out.write(bytes(placeholder))
    crc = 0
    count = 0
    for block in blocks:
        frames = _as_frames(block, channels)
        if len(frames) == 0:
            continue
        count += len(frames)
        data = bytes(encoder.encode(np.ascontiguousarray(frames, dtype="<i2").tobytes()))
        out.write(data)
        crc = crc16(data, crc)
    if count == 0:
        raise RecordingConversionError("no audio samples to encode")
    data = bytes(encoder.flush())
    out.write(data)
    crc = crc16(data, crc)
    end = out.tell()

    out.seek(start + placeholder)
    audio = _scan(out, "LAME output")
    encoding = _Encoding(
        audio=audio,
        samples=round(count * out_rate / rate),
        input_rate=rate,
        bitrate_kbps=bitrate,
        quality=quality,
        audio_bytes=end - start - placeholder,
        audio_crc=crc,
    )
    tag = _tag_frame(encoding)
    if len(tag) != placeholder:
        raise RuntimeError(f"LAME wrote {audio.first}, not the stream configured")
    out.seek(start)
    out.write(tag)
    out.seek(end)


def _blocks_of(samples: npt.NDArray[Any]) -> Iterator[npt.NDArray[Any]]:
    for at in range(0, len(samples), BLOCK_FRAMES):
        yield samples[at : at + BLOCK_FRAMES]


def encode_mp3(
    samples: npt.NDArray[np.int16],
    rate: int,
    *,
    bitrate_kbps: int | None = None,
    quality: int = 2,
) -> bytes:
    """Encode int16 audio, shape ``(n,)`` mono or ``(n, 2)`` stereo, as a constant-bitrate MP3.

    ``bitrate_kbps`` defaults to 32 for mono and 64 for stereo, ample for telephony audio;
    it must be one the MPEG version for the rate allows (8-160 below 32 kHz, 32-320 from
    32 kHz). ``quality`` is LAME's algorithm choice, 0 best to 9 fastest. A rate an MP3 cannot
    carry is resampled by LAME to the next one up. Stereo is written as joint stereo.
    """
    if samples.ndim == 2 and samples.shape[1] == 2:
        channels = 2
    elif samples.ndim == 1 or (samples.ndim == 2 and samples.shape[1] == 1):
        channels = 1
    else:
        raise ValueError(f"samples must have shape (n,) or (n, 2), not {samples.shape}")
    out = io.BytesIO()
    _encode_into(
        out,
        _blocks_of(samples),
        rate=rate,
        channels=channels,
        bitrate_kbps=bitrate_kbps,
        quality=quality,
    )
    return out.getvalue()


def write_mp3(
    dst: Path,
    blocks: Iterable[npt.NDArray[np.int16]],
    *,
    rate: int,
    channels: int,
    bitrate_kbps: int | None = None,
    quality: int = 2,
) -> Path:
    """Encode int16 blocks (each ``(n,)`` or ``(n, channels)``) into ``dst``, atomically.

    The blocks are consumed one at a time, so a recording of any length costs only one block
    of memory. Settings as for :func:`encode_mp3`. An error from the blocks or the encoder
    leaves no file behind and an existing ``dst`` untouched.
    """
    with atomic_output(dst) as out:
        _encode_into(
            out, blocks, rate=rate, channels=channels, bitrate_kbps=bitrate_kbps, quality=quality
        )
    return dst


def downmix(block: npt.NDArray[np.int16]) -> Samples:
    """The mean of the channels of a ``(n, channels)`` block, as ``(n,)`` int16."""
    if block.shape[1] == 1:
        mono: Samples = block[:, 0]
        return mono
    mean: Samples = np.rint(block.mean(axis=1)).astype(np.int16)
    return mean


def wav_to_mp3(src: Path, dst: Path, *, bitrate_kbps: int | None = None, quality: int = 2) -> Path:
    """Convert any file libsndfile reads (wav above all) to an MP3 at ``dst``, atomically.

    Mono and stereo keep their channels; more than two are mixed down to mono, which is all
    an MP3 could carry of them anyway. Raises :class:`RecordingConversionError` for a
    missing, empty or non-audio ``src``.
    """
    with open_audio(src) as sound:
        channels = 2 if sound.channels == 2 else 1
        blocks: Iterator[npt.NDArray[np.int16]] = sound.blocks(
            BLOCK_FRAMES, dtype="int16", always_2d=True
        )
        if channels == 1:
            blocks = (downmix(block) for block in blocks)
        return write_mp3(
            dst,
            blocks,
            rate=sound.samplerate,
            channels=channels,
            bitrate_kbps=bitrate_kbps,
            quality=quality,
        )
