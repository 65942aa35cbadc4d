"""Playback: sound files and tones as clips, the clip cache, and the paced playback state.

A :class:`Clip` is audio already in the switch's format (8 kHz mono int16) plus its G.711
encodings, made once on first use, so a playing packet is a slice of bytes. Files are
decoded and resampled once and cached by path, size and modification time; the cache is only
ever touched from the engine's loader thread, because reading and resampling a file can take
longer than a tick.

A :class:`Playback` is paced by absolute deadlines ``t0 + n * ptime``: a late tick sends
every packet that came due, up to a small burst, so a stall does not shift what follows.
:class:`Playbacks` is the engine's bookkeeping from Play command to PlaybackFinished event.
:class:`DigitPlayback` sends digits the same way, as telephone-event packets.
"""

from __future__ import annotations

import errno
import itertools
import math
import os
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import soundfile  # type: ignore[import-untyped]

from media.g711 import alaw_encode, ulaw_encode
from media.resample import to_8k_mono
from media.tones import Cadence, beep, cadence_frames
from rtp.dtmf import DtmfPacket, DtmfSender
from softswitch.mediaplane.protocol import (
    Codec,
    CommandError,
    ErrorCode,
    Event,
    Play,
    PlaybackFinished,
    PlayTone,
    SendDtmf,
    Tone,
)

if TYPE_CHECKING:
    from softswitch.mediaplane.streams import Stream

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
    "dial": Cadence(freqs=(350.0, 440.0), steps=((1.0, True),)),
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

    __slots__ = ("_n", "_position", "_t0", "clip", "loop", "play_id", "stream")

    def __init__(self, *, play_id: int, stream: Stream, clip: Clip, loop: bool, t0: float) -> None:
        self.play_id = play_id
        self.stream = stream
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
        count = math.floor((now - self._t0) / ptime_s + 1e-6) - self._n + 1
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


class DigitPlayback:
    """Digits going to one stream as RFC 4733 events: one packet (or a silent gap) per tick.

    The packets come from :class:`rtp.dtmf.DtmfSender`; their timestamp is filled in when
    each digit's first packet goes out, because only then is the event's start known.
    """

    __slots__ = ("_steps", "event_ts", "request_id", "stream")

    def __init__(
        self, *, request_id: int, stream: Stream, cmd: SendDtmf, tick_ms: int = 20
    ) -> None:
        self.request_id = request_id
        self.stream = stream
        self.event_ts = 0
        """The RTP timestamp every packet of the current digit carries."""
        sender = DtmfSender(ptime_ms=tick_ms)
        gap: list[DtmfPacket | None] = [None] * round(cmd.gap_ms / tick_ms)
        self._steps: deque[DtmfPacket | None] = deque()
        for index, digit in enumerate(cmd.digits):
            if index:
                self._steps.extend(gap)
            self._steps.extend(sender.packets(digit, cmd.duration_ms, 0))

    @property
    def finished(self) -> bool:
        return not self._steps

    def step(self) -> DtmfPacket | None:
        """This tick's packet, or None for a tick of the gap between digits."""
        return self._steps.popleft()


@dataclass(frozen=True, slots=True)
class Loaded:
    """A file the loader thread read for a Play command, or why it could not."""

    play_id: int
    clip: Clip | None
    error: str


@dataclass(frozen=True, slots=True)
class _Pending:
    request_id: int
    stream: Stream
    loop: bool


class Playbacks:
    """Every playback of the engine: loading, pacing, replacing, stopping.

    A stream plays one thing at a time; a new Play or PlayTone replaces the old one, which
    ends with ``completed=False``. Play's reply waits for the file: the loader thread reads
    it and posts a :class:`Loaded` through *post*, which the engine hands to :meth:`loaded`.
    """

    def __init__(
        self,
        *,
        post: Callable[[object], None],
        reply: Callable[[int, CommandError | None], None],
        emit: Callable[[Event], None],
        send: Callable[[Stream, bytes, float], None],
    ) -> None:
        self._post = post
        self._reply = reply
        self._emit = emit
        self._send = send
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mediaplane-loader")
        self._cache = ClipCache()
        """Touched by the loader thread only."""
        self._tones: dict[Tone, tuple[Clip, bool]] = {}
        self._active: dict[int, Playback] = {}
        self._pending: dict[int, _Pending] = {}

    def __len__(self) -> int:
        return len(self._active) + len(self._pending)

    def play(self, cmd: Play, stream: Stream) -> None:
        """Start loading; the reply is sent when :meth:`loaded` gets the result."""
        self._check_id(cmd.play_id)
        self._pending[cmd.play_id] = _Pending(cmd.request_id, stream, cmd.loop)
        play_id = cmd.play_id

        def done(future: Future[Clip]) -> None:
            try:
                self._post(Loaded(play_id, future.result(), ""))
            except Exception as exc:
                # Whatever a decoder raises on a bad file, it is the file's fault: say so.
                self._post(Loaded(play_id, None, _describe(exc)))

        self._loader.submit(self._cache.get, cmd.path).add_done_callback(done)

    def loaded(self, result: Loaded, t0: float) -> None:
        pending = self._pending.pop(result.play_id, None)
        if pending is None:
            return
        if result.clip is None:
            self._reply(pending.request_id, CommandError(ErrorCode.FILE, result.error))
            return
        self._start(pending.stream, result.play_id, result.clip, pending.loop, t0)
        self._reply(pending.request_id, None)

    def play_tone(self, cmd: PlayTone, stream: Stream, t0: float) -> None:
        self._check_id(cmd.play_id)
        tone = self._tones.get(cmd.tone)
        if tone is None:
            tone = self._tones[cmd.tone] = tone_clip(cmd.tone)
        clip, loop = tone
        self._start(stream, cmd.play_id, clip, loop, t0)

    def stop(self, play_id: int) -> None:
        if play_id in self._pending:
            self._cancel(play_id)
        elif play_id in self._active:
            self._end(self._active[play_id], completed=False)
        else:
            raise CommandError(ErrorCode.UNKNOWN_PLAYBACK, f"no playback {play_id}")

    def advance(self, now: float) -> None:
        """One tick: every playback sends what came due."""
        for playback in list(self._active.values()):
            stream = playback.stream
            for _ in range(playback.due(now, stream.spp / SAMPLE_RATE)):
                if playback.finished:
                    break
                self._send(stream, playback.next_frame(stream.codec, stream.spp), now)
            if playback.finished:
                self._end(playback, completed=True)

    def stream_gone(self, stream: Stream) -> None:
        for play_id, pending in list(self._pending.items()):
            if pending.stream is stream:
                self._cancel(play_id)
        if stream.player is not None:
            self._end(stream.player, completed=False)

    def close(self) -> None:
        self._loader.shutdown(wait=True, cancel_futures=True)

    def _check_id(self, play_id: int) -> None:
        if play_id in self._active or play_id in self._pending:
            raise CommandError(ErrorCode.DUPLICATE_ID, f"playback {play_id} exists")

    def _start(self, stream: Stream, play_id: int, clip: Clip, loop: bool, t0: float) -> None:
        for other_id, other in list(self._pending.items()):
            if other.stream is stream:
                self._cancel(other_id)
        if stream.player is not None:
            self._end(stream.player, completed=False)
        playback = Playback(play_id=play_id, stream=stream, clip=clip, loop=loop, t0=t0)
        stream.player = playback
        self._active[play_id] = playback

    def _cancel(self, play_id: int) -> None:
        """A playback stopped before its file was loaded: it played, for nothing."""
        pending = self._pending.pop(play_id)
        self._reply(pending.request_id, None)
        self._emit(
            PlaybackFinished(play_id=play_id, stream_id=pending.stream.stream_id, completed=False)
        )

    def _end(self, playback: Playback, *, completed: bool) -> None:
        del self._active[playback.play_id]
        if playback.stream.player is playback:
            playback.stream.player = None
        self._emit(
            PlaybackFinished(
                play_id=playback.play_id, stream_id=playback.stream.stream_id, completed=completed
            )
        )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOENT:
        return f"no such file: {exc.filename}"
    return f"cannot read sound file: {exc}"
