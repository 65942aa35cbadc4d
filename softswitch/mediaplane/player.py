"""Playback: sound files and tones as clips, the clip cache, and the paced playback state.

A :class:`Clip` is audio already in the switch's format (8 kHz mono int16) plus its G.711
encodings, made once on first use, so a playing packet is a slice of bytes. Files are
decoded and resampled once and cached by path, size and modification time; the cache is only
ever touched from the engine's loader thread, because reading and resampling a file can take
longer than a tick.

A :class:`Playback` is paced by absolute deadlines ``t0 + n * ptime``: a late tick sends
every packet that came due, up to a small burst, so a stall does not shift what follows.
"""

from __future__ import annotations

import itertools
import os
from collections import OrderedDict
from typing import Final

import numpy as np
import numpy.typing as npt
import soundfile  # type: ignore[import-untyped]

from media.g711 import alaw_encode, ulaw_encode
from media.resample import to_8k_mono
from media.tones import Cadence, beep, cadence_frames
from softswitch.mediaplane.protocol import Codec, Tone

Samples = npt.NDArray[np.int16]
SAMPLE_RATE = 8000
CACHE_SAMPLES = 60 * 60 * SAMPLE_RATE
"""The cache keeps about an hour of audio (~60 MB with both encodings) before evicting."""
MAX_BURST = 5
"""Packets a late tick may send at once to catch up; beyond that the schedule restarts."""

_SILENCE: Final[dict[Codec, int]] = {"PCMU": 0xFF, "PCMA": 0xD5}
"""The encoding of a zero sample in each law, used to pad a clip's last packet."""
_TONES: Final[dict[Tone, Cadence]] = {
    # North American call progress (ANSI T1.401), as Asterisk's indications.conf "us".
    "ringback": Cadence(freqs=(440.0, 480.0), steps=((2.0, True), (4.0, False))),
    "busy": Cadence(freqs=(480.0, 620.0), steps=((0.5, True), (0.5, False))),
    "congestion": Cadence(freqs=(480.0, 620.0), steps=((0.25, True), (0.25, False))),
}


class Clip:
    """Audio to play, with its G.711 encodings made on demand."""

    __slots__ = ("_encoded", "samples")

    def __init__(self, samples: Samples) -> None:
        self.samples = samples
        self._encoded: dict[Codec, bytes] = {}

    def __len__(self) -> int:
        return len(self.samples)

    def encoded(self, codec: Codec) -> bytes:
        payload = self._encoded.get(codec)
        if payload is None:
            encode = ulaw_encode if codec == "PCMU" else alaw_encode
            payload = self._encoded[codec] = encode(self.samples)
        return payload


def load_clip(path: str) -> Clip:
    """Decode any file soundfile reads and convert it; raises ``OSError`` or soundfile's error."""
    data, rate = soundfile.read(path, dtype="int16", always_2d=True)
    return Clip(to_8k_mono(data, rate, data.shape[1]))


class ClipCache:
    """Clips by (path, size, mtime), least recently used evicted first. One thread only."""

    def __init__(self, max_samples: int = CACHE_SAMPLES) -> None:
        self.max_samples = max_samples
        self._clips: OrderedDict[tuple[str, int, int], Clip] = OrderedDict()
        self._samples = 0

    def get(self, path: str) -> Clip:
        status = os.stat(path)
        key = (os.path.abspath(path), status.st_size, status.st_mtime_ns)
        clip = self._clips.get(key)
        if clip is not None:
            self._clips.move_to_end(key)
            return clip
        clip = load_clip(path)
        self._clips[key] = clip
        self._samples += len(clip)
        while self._samples > self.max_samples and len(self._clips) > 1:
            _, evicted = self._clips.popitem(last=False)
            self._samples -= len(evicted)
        return clip

    def __len__(self) -> int:
        return len(self._clips)


def tone_clip(tone: Tone) -> tuple[Clip, bool]:
    """The clip for *tone* (one whole cadence period) and whether it repeats."""
    if tone == "beep":
        return Clip(beep()), False
    cadence = _TONES[tone]
    period = round(sum(seconds for seconds, _ in cadence.steps) * SAMPLE_RATE)
    frames = itertools.islice(cadence_frames(cadence), -(-period // 160))
    return Clip(np.concatenate(list(frames))[:period]), True


class Playback:
    """Where a clip playing to one stream has got to."""

    __slots__ = ("_n", "_position", "_t0", "clip", "loop", "play_id", "stream_id")

    def __init__(self, *, play_id: int, stream_id: int, clip: Clip, loop: bool, t0: float) -> None:
        self.play_id = play_id
        self.stream_id = stream_id
        self.clip = clip
        self.loop = loop
        self._t0 = t0
        self._n = 0
        self._position = 0

    @property
    def finished(self) -> bool:
        return not self.loop and self._position >= len(self.clip)

    def due(self, now: float, ptime_s: float) -> int:
        """How many packets are due by *now*; restarts the schedule after a long stall."""
        count = int((now - self._t0) / ptime_s + 1e-6) - self._n + 1
        if count > MAX_BURST:
            self._t0 = now
            self._n = 0
            return 1
        return max(0, count)

    def next_frame(self, codec: Codec, samples: int) -> bytes:
        """The next packet's payload, padded with silence after the end of the clip."""
        self._n += 1
        start = self._position
        end = start + samples
        total = len(self.clip)
        encoded = self.clip.encoded(codec)
        if end <= total:
            self._position = end
            return encoded[start:end]
        if self.loop and total:
            wrap = end - total
            self._position = wrap % total
            return (encoded[start:] + encoded * -(-wrap // total))[:samples]
        self._position = total
        return encoded[start:] + bytes((_SILENCE[codec],)) * (samples - (total - start))
