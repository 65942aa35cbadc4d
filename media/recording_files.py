"""The after-call recording conversions that Evolvex ran as ``MIXMONITOR_COMMAND`` scripts.

Evolvex recorded a call with ``MixMonitor`` to ``<uniqueid>.wav`` and, when it ended, ran the
script named by the dialplan global ``MIXMONITOR_COMMAND``:

- ``wavtompeg/script.php --uniqueid=…``, the default: the mixed wav becomes a mono
  ``<uniqueid>.mp3`` beside it. Here :func:`mono_mp3`.
- ``wavtostereompeg/script.php --uniqueid=…``, multichannel mode (since 8.3.4): ``MixMonitor``
  also wrote ``<uniqueid>_receive.wav`` and ``<uniqueid>_transmit.wav``
  (:func:`direction_files`), and the script joined them into a stereo ``<uniqueid>.mp3``,
  caller on one channel and callee on the other. Here :func:`stereo_mp3`; :func:`stereo_wav`
  makes the same two-channel file as 16-bit PCM.

The wav files are left in place, since the REST API serves a recording by uniqueid as wav or
mp3. Every output appears atomically, complete or not at all (see
:func:`media.mp3.atomic_output`). All of this blocks: run it in an executor or the media
process, never on an event loop.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile  # type: ignore[import-untyped]

from media.mp3 import (
    BLOCK_FRAMES,
    RecordingConversionError,
    atomic_output,
    downmix,
    mp3_info,
    open_audio,
    wav_to_mp3,
    write_mp3,
)

__all__ = [
    "RecordingConversionError",
    "direction_files",
    "mono_mp3",
    "recording_duration",
    "stereo_mp3",
    "stereo_wav",
]

Samples = npt.NDArray[np.int16]


def direction_files(mixed_wav: Path) -> tuple[Path, Path]:
    """The ``(receive, transmit)`` files multichannel ``MixMonitor`` wrote beside ``mixed_wav``.

    ``/rec/1711279935.60.wav`` → ``/rec/1711279935.60_receive.wav``, ``…_transmit.wav``.
    """
    return (
        mixed_wav.with_name(f"{mixed_wav.stem}_receive{mixed_wav.suffix}"),
        mixed_wav.with_name(f"{mixed_wav.stem}_transmit{mixed_wav.suffix}"),
    )


def mono_mp3(uniqueid_wav: Path, *, bitrate_kbps: int | None = None) -> Path:
    """Convert the mixed ``<uniqueid>.wav`` into ``<uniqueid>.mp3`` beside it, and return that.

    What the seed's ``wavtompeg`` script did. A stereo wav stays stereo (at 64 kbit/s by
    default); the usual 8 kHz mono recording becomes a 32 kbit/s MPEG-2.5 mp3.
    """
    return wav_to_mp3(uniqueid_wav, uniqueid_wav.with_suffix(".mp3"), bitrate_kbps=bitrate_kbps)


def stereo_mp3(
    mixed_wav: Path,
    receive_wav: Path,
    transmit_wav: Path,
    *,
    bitrate_kbps: int | None = None,
) -> Path:
    """Join the two directions of a call into a stereo ``<uniqueid>.mp3`` beside ``mixed_wav``.

    What the seed's ``wavtostereompeg`` script did in multichannel mode. Channels:

    - **left: the caller**, ``receive_wav``: what the recorded (calling) channel received
      from its own phone, that is, the caller's voice;
    - **right: the callee**, ``transmit_wav``: what was sent to that phone, the other party.

    The two files start together; the shorter is padded with silence at the end, and one of
    them may be empty (a side that never sent audio). Each must be mono (a multi-channel side
    is mixed down) and both must have the same sample rate. ``mixed_wav`` is only used for
    the output's name and folder; the result replaces a mono mp3 already made from it.
    """
    with _directions(receive_wav, transmit_wav) as (rate, blocks):
        return write_mp3(
            mixed_wav.with_suffix(".mp3"),
            blocks,
            rate=rate,
            channels=2,
            bitrate_kbps=bitrate_kbps,
        )


def stereo_wav(receive_wav: Path, transmit_wav: Path, dst: Path) -> Path:
    """Write the two directions as one 16-bit stereo wav at ``dst``: caller left, callee right.

    The same channel order, padding and checks as :func:`stereo_mp3`.
    """
    with (
        _directions(receive_wav, transmit_wav) as (rate, blocks),
        atomic_output(dst) as out,
        soundfile.SoundFile(
            out, mode="w", samplerate=rate, channels=2, format="WAV", subtype="PCM_16"
        ) as wav,
    ):
        for block in blocks:
            wav.write(block)
    return dst


def recording_duration(path: Path) -> float:
    """The length of a recording in seconds: any file libsndfile reads, or an mp3.

    An mp3 is measured from its frame headers and the LAME tag, so the answer does not depend
    on whether this libsndfile can decode MP3. An empty wav lasts 0.0 s.
    """
    if path.suffix.lower() == ".mp3":
        return mp3_info(path).duration_s
    with open_audio(path, allow_empty=True) as sound:
        return float(sound.frames / sound.samplerate)


@contextlib.contextmanager
def _directions(receive_wav: Path, transmit_wav: Path) -> Iterator[tuple[int, Iterator[Samples]]]:
    with (
        open_audio(receive_wav, allow_empty=True) as left,
        open_audio(transmit_wav, allow_empty=True) as right,
    ):
        if left.samplerate != right.samplerate:
            raise RecordingConversionError(
                f"{receive_wav} is at {left.samplerate} Hz but {transmit_wav} at "
                f"{right.samplerate} Hz"
            )
        if left.frames == 0 and right.frames == 0:
            raise RecordingConversionError(
                f"{receive_wav} and {transmit_wav}: no audio (0 samples in either)"
            )
        yield left.samplerate, _interleave(left, right)


def _interleave(left: Any, right: Any) -> Iterator[Samples]:
    while True:
        a = downmix(left.read(BLOCK_FRAMES, dtype="int16", always_2d=True))
        b = downmix(right.read(BLOCK_FRAMES, dtype="int16", always_2d=True))
        if len(a) == 0 and len(b) == 0:
            return
        block = np.zeros((max(len(a), len(b)), 2), dtype=np.int16)
        block[: len(a), 0] = a
        block[: len(b), 1] = b
        yield block
