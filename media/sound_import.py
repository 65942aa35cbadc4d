"""Turning an uploaded audio file into a prompt the switch plays: 8 kHz, 16-bit, mono wav.

That is the format Evolvex asked for ("wav, 8000 Hz, 16-bit, mono") and the one Playback
reads without converting. Any file libsndfile decodes is accepted: wav of any rate, sample
width and channel count, mp3, flac, ogg. Channels are averaged and the rate converted by
:func:`media.resample.to_8k_mono`.

The input is converted in blocks, so a long file never sits in memory decoded. Each block is
resampled together with :data:`MARGIN_S` of the input on either side and then trimmed to its
own outputs; as the filter reaches far less than that around each output, and every block
starts a whole number of resampling periods in, the blocks join into exactly what converting
the whole file at once gives.

Blocking (decoding, resampling, writing): run it in a worker thread.

Exceptions::

    ValueError
     └── NotAudioError    not a file libsndfile can decode, or one without samples
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile  # type: ignore[import-untyped]

from media.mp3 import atomic_output
from media.resample import TARGET_RATE, to_8k_mono

__all__ = ["MARGIN_S", "NotAudioError", "SoundInfo", "converted_blocks", "import_sound"]

Samples = npt.NDArray[np.int16]

BLOCK_S = 10.0
"""Seconds of input decoded and converted at a time."""
MARGIN_S = 0.25
"""Input on each side of a block that its outputs may depend on; the filter needs < 0.06 s
even at 500 Hz input, under 4 ms at the usual rates."""
MIN_RATE = 500


class NotAudioError(ValueError):
    """The upload is not audio the switch can play; nothing was written."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SoundInfo:
    """What was uploaded, and how long the prompt made from it lasts."""

    source_rate: int
    source_channels: int
    source_format: str
    """libsndfile's name of the container, ``WAV``, ``MP3`` …"""
    duration_s: float


def import_sound(src: Path, dst: Path) -> SoundInfo:
    """Convert *src* into an 8 kHz 16-bit mono wav at *dst*, which appears only if it works."""
    try:
        sound = soundfile.SoundFile(str(src))
    except (RuntimeError, OSError) as exc:
        # soundfile's LibsndfileError is a RuntimeError naming what libsndfile saw.
        raise NotAudioError(f"not an audio file libsndfile can read ({exc})") from exc
    with sound:
        if sound.frames == 0:
            raise NotAudioError("the file holds no audio")
        if sound.samplerate < MIN_RATE:
            raise NotAudioError(f"a sample rate of {sound.samplerate} Hz is not audio we play")
        written = 0
        with (
            atomic_output(dst) as out,
            soundfile.SoundFile(out, mode="w", samplerate=TARGET_RATE, channels=1,
                                format="WAV", subtype="PCM_16") as wav,
        ):
            for block in converted_blocks(sound):
                wav.write(block)
                written += len(block)
        return SoundInfo(source_rate=sound.samplerate, source_channels=sound.channels,
                         source_format=str(sound.format), duration_s=written / TARGET_RATE)


def converted_blocks(sound: Any) -> Iterator[Samples]:
    """8 kHz mono int16 blocks of an open ``soundfile.SoundFile``, read from where it is."""
    rate, channels = int(sound.samplerate), int(sound.channels)
    if rate == TARGET_RATE:
        for block in _decoded(sound):
            yield to_8k_mono(block, rate, channels)
        return
    divisor = math.gcd(TARGET_RATE, rate)
    up, down = TARGET_RATE // divisor, rate // divisor
    # Whole resampling periods: a block starting there has the same filter phases as the
    # whole-file conversion at that point.
    margin = down * math.ceil(rate * MARGIN_S / down)
    pending: npt.NDArray[np.float64] = np.zeros((0, channels))
    context = 0  # leading rows of ``pending`` already converted, kept as left context
    for block in _decoded(sound):
        pending = np.concatenate((pending, block))
        ready = (len(pending) - context - margin) // down * down
        if ready <= 0:
            continue
        out = to_8k_mono(pending[: context + ready + margin], rate, channels)
        first = context * up // down
        yield out[first : first + ready * up // down]
        keep = max(0, context + ready - margin)
        pending = pending[keep:]
        context = context + ready - keep
    if len(pending) > context:
        # The end: zero padding after the last sample, as the whole-file conversion has.
        yield to_8k_mono(pending, rate, channels)[context * up // down :]


def _decoded(sound: Any) -> Iterator[npt.NDArray[np.float64]]:
    """Blocks of :data:`BLOCK_S` seconds as float frames; a decoding failure midway (a
    truncated or damaged file) is a :class:`NotAudioError`."""
    blocks = sound.blocks(max(1, round(sound.samplerate * BLOCK_S)), dtype="float64",
                          always_2d=True)
    while True:
        try:
            block = next(blocks)
        except StopIteration:
            return
        except RuntimeError as exc:
            raise NotAudioError(f"the audio cannot be decoded ({exc})") from exc
        yield block
