"""Recording: taps on a stream's two directions, per-tick capture, and the file writer thread.

A :class:`Tap` sits on one direction of a stream (what it receives, what it sends): a jitter
buffer that undoes reordering and turns losses into silence. Every tick the engine takes
exactly one tick of samples out of each tap, which keeps both directions aligned to the wall
clock whatever either peer does. A :class:`Recording` collects those tick frames into
one-second chunks and hands them to the :class:`RecordingWriter` thread, which mixes and
writes them: nothing on the packet loop touches a file.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import soundfile  # type: ignore[import-untyped]

from media.g711 import alaw_decode, ulaw_decode
from media.goertzel import is_silence
from rtp.jitter import JitterBuffer
from softswitch.mediaplane.protocol import Codec, Record, RecordingPaths, RecordingReason

log = logging.getLogger(__name__)

Samples = npt.NDArray[np.int16]
SAMPLE_RATE = 8000
TICK_SAMPLES = 160
CHUNK_TICKS = 50
"""Ticks per chunk handed to the writer: one second, 16 KB per mono file."""

SILENCE_DBOV = -42.0
"""Level below which a tick counts as silence: about Asterisk's default threshold of 256."""
_MAX_BUFFERED_S = 0.5
"""A tap holds at most this much audio; a peer whose clock runs fast loses the excess."""
_EMPTY: Samples = np.zeros(0, dtype=np.int16)


class Tap:
    """One direction of a stream, reordered by a jitter buffer and re-cut into tick frames.

    Packets of any ptime go in; :meth:`pull` always returns one tick (160 samples), asking
    the buffer for as many packets as that takes and keeping the remainder for the next
    tick. A packet the buffer has nothing for becomes silence of one packet's length.
    """

    __slots__ = ("_codec", "_jitter", "_pending", "_spp")

    def __init__(self, *, codec: Codec, samples_per_packet: int) -> None:
        self._codec: Codec = codec
        self._spp = samples_per_packet
        self._jitter = JitterBuffer(
            frame_samples=samples_per_packet,
            ptime=samples_per_packet / SAMPLE_RATE,
            max_packets=max(3, round(_MAX_BUFFERED_S * SAMPLE_RATE / samples_per_packet)),
        )
        self._pending: Samples = _EMPTY

    def push(
        self, *, seq: int, timestamp: int, ssrc: int, payload: bytes, codec: Codec, now: float
    ) -> None:
        self._codec = codec
        self._jitter.put(seq=seq, timestamp=timestamp, payload=payload, arrival=now, ssrc=ssrc)

    def pull(self, now: float) -> Samples:
        pending = self._pending
        while len(pending) < TICK_SAMPLES:
            payload = self._jitter.get(now)
            if payload is None:
                frame = np.zeros(self._spp, dtype=np.int16)
            elif self._codec == "PCMU":
                frame = ulaw_decode(payload)
            else:
                frame = alaw_decode(payload)
            pending = frame if not len(pending) else np.concatenate((pending, frame))
        self._pending = pending[TICK_SAMPLES:]
        return pending[:TICK_SAMPLES]


@dataclass(frozen=True, slots=True)
class _Open:
    record_id: int
    paths: RecordingPaths


@dataclass(frozen=True, slots=True)
class _Write:
    record_id: int
    rx: Samples
    tx: Samples


@dataclass(frozen=True, slots=True)
class _Close:
    record_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class WriterOpened:
    """The files of a recording are open (``error`` empty) or could not be (the message)."""

    record_id: int
    error: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WriterClosed:
    """Every file of the recording is complete on disk; ``error`` if a write failed."""

    record_id: int
    error: str


WriterResult = WriterOpened | WriterClosed
_Op = _Open | _Write | _Close | None


class RecordingWriter:
    """A thread that owns every open recording file.

    Operations are queued in order, so a recording's open, chunks and close arrive in the
    order the engine issued them; *notify* is called on the writer thread with each result.
    """

    def __init__(self, notify: Callable[[WriterResult], None]) -> None:
        self._notify = notify
        self._queue: queue.SimpleQueue[_Op] = queue.SimpleQueue()
        self._files: dict[int, list[tuple[int, soundfile.SoundFile]]] = {}
        self._errors: dict[int, str] = {}
        self._thread = threading.Thread(target=self._run, name="mediaplane-writer", daemon=True)
        self._thread.start()

    def open(self, record_id: int, paths: RecordingPaths) -> None:
        self._queue.put(_Open(record_id, paths))

    def write(self, record_id: int, rx: Samples, tx: Samples) -> None:
        """Queue a chunk; the arrays are the writer's from now on."""
        self._queue.put(_Write(record_id, rx, tx))

    def close(self, record_id: int) -> None:
        self._queue.put(_Close(record_id))

    def stop(self, timeout: float = 10.0) -> None:
        """Finish every queued operation, then end the thread."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while (op := self._queue.get()) is not None:
            if isinstance(op, _Open):
                self._open(op)
            elif isinstance(op, _Write):
                self._write(op)
            else:
                self._close(op.record_id)

    def _open(self, op: _Open) -> None:
        opened: list[tuple[int, soundfile.SoundFile]] = []
        try:
            for kind, path in enumerate(op.paths):
                if path is not None:
                    channels = 2 if kind == _STEREO else 1
                    sound = soundfile.SoundFile(
                        path,
                        "w",
                        samplerate=SAMPLE_RATE,
                        channels=channels,
                        format="WAV",
                        subtype="PCM_16",
                    )
                    opened.append((kind, sound))
        except (OSError, RuntimeError, soundfile.LibsndfileError) as exc:
            for _, sound in opened:
                sound.close()
            self._notify(WriterOpened(record_id=op.record_id, error=str(exc)))
            return
        self._files[op.record_id] = opened
        self._notify(WriterOpened(record_id=op.record_id, error=""))

    def _write(self, op: _Write) -> None:
        files = self._files.get(op.record_id)
        if not files:
            return
        try:
            for kind, sound in files:
                sound.write(_render(kind, op.rx, op.tx))
        except (OSError, RuntimeError, soundfile.LibsndfileError) as exc:
            log.error("recording %d: write failed: %s", op.record_id, exc)
            self._errors[op.record_id] = str(exc)
            self._close_files(op.record_id)

    def _close(self, record_id: int) -> None:
        if record_id in self._files:
            self._close_files(record_id)
        self._notify(WriterClosed(record_id=record_id, error=self._errors.pop(record_id, "")))

    def _close_files(self, record_id: int) -> None:
        for _, sound in self._files.pop(record_id, []):
            try:
                sound.close()
            except (OSError, RuntimeError, soundfile.LibsndfileError) as exc:
                self._errors.setdefault(record_id, str(exc))


_MIXED, _RX, _TX, _STEREO = range(4)
"""Indexes of :attr:`Record.paths`."""


def _render(kind: int, rx: Samples, tx: Samples) -> Samples:
    if kind == _RX:
        return rx
    if kind == _TX:
        return tx
    if kind == _STEREO:
        return np.column_stack((rx, tx))
    mixed: Samples = np.clip(rx.astype(np.int32) + tx, -32768, 32767).astype(np.int16)
    return mixed


class Recording:
    """One Record command being captured: tick frames in, chunks out, stop conditions."""

    __slots__ = (
        "_fill",
        "_max_ticks",
        "_rx",
        "_silence_ticks",
        "_silent",
        "_tx",
        "_writer",
        "bridge_id",
        "cmd",
        "dtmf_streams",
        "opened",
        "record_id",
        "request_id",
        "stream_id",
        "ticks",
    )

    def __init__(
        self,
        cmd: Record,
        *,
        stream_id: int,
        dtmf_streams: frozenset[int],
        writer: RecordingWriter,
        tick_s: float,
    ) -> None:
        self.cmd = cmd
        self.record_id = cmd.record_id
        self.request_id = cmd.request_id
        self.stream_id = stream_id
        """The stream whose taps feed this recording (a bridge's first stream)."""
        self.bridge_id = cmd.bridge_id
        self.dtmf_streams = dtmf_streams
        self.opened = False
        """The writer reported the files open; until then the command has no reply."""
        self.ticks = 0
        self._writer = writer
        self._max_ticks = None if cmd.max_duration_s is None else round(cmd.max_duration_s / tick_s)
        self._silence_ticks = None if cmd.silence_s is None else round(cmd.silence_s / tick_s)
        self._silent = 0
        self._fill = 0
        self._rx, self._tx = self._chunk()
        writer.open(cmd.record_id, cmd.paths)

    @property
    def duration_s(self) -> float:
        return self.ticks * TICK_SAMPLES / SAMPLE_RATE

    def add(self, rx: Samples, tx: Samples) -> RecordingReason | None:
        """Take one tick of both directions; the reason to stop, if one was reached."""
        start = self._fill
        self._rx[start : start + TICK_SAMPLES] = rx
        self._tx[start : start + TICK_SAMPLES] = tx
        self._fill = start + TICK_SAMPLES
        self.ticks += 1
        if self._fill == len(self._rx):
            self.flush()
        if self._silence_ticks is not None:
            if is_silence(rx, SILENCE_DBOV):
                self._silent += 1
                if self._silent >= self._silence_ticks:
                    return "silence"
            else:
                self._silent = 0
        if self._max_ticks is not None and self.ticks >= self._max_ticks:
            return "maxduration"
        return None

    def flush(self) -> None:
        """Hand what was captured since the last chunk to the writer."""
        if self._fill:
            self._writer.write(self.record_id, self._rx[: self._fill], self._tx[: self._fill])
            self._rx, self._tx = self._chunk()
            self._fill = 0

    def close(self) -> None:
        self.flush()
        self._writer.close(self.record_id)

    @staticmethod
    def _chunk() -> tuple[Samples, Samples]:
        size = CHUNK_TICKS * TICK_SAMPLES
        return np.empty(size, dtype=np.int16), np.empty(size, dtype=np.int16)
