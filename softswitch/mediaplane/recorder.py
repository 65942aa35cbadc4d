"""Recording: taps on a stream's two directions, per-tick capture, and the file writer thread.

A :class:`Tap` sits on one direction of a stream (what it receives, what it sends): a jitter
buffer that undoes reordering and turns losses into silence. Every tick the engine takes
exactly one tick of audio out of each tap, which keeps both directions aligned to the wall
clock whatever either peer does. A :class:`Recording` collects those tick frames, still
G.711 octets, into one-second chunks and hands them to the :class:`RecordingWriter` thread,
which decodes, mixes and writes them: nothing on the packet loop touches a file, and the loop
pays for no per-tick decoding (one numpy call per second instead of fifty).
:class:`Recordings` is the engine's bookkeeping from Record command to RecordingFinished event.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import soundfile  # type: ignore[import-untyped]

from media.g711 import alaw_decode, alaw_to_ulaw, ulaw_decode, ulaw_to_alaw
from media.goertzel import is_silence
from rtp.jitter import JitterBuffer
from softswitch.mediaplane.protocol import (
    Codec,
    CommandError,
    ErrorCode,
    Event,
    Record,
    RecordingFinished,
    RecordingPaths,
    RecordingReason,
)

if TYPE_CHECKING:
    from softswitch.mediaplane.streams import Stream

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

Frame = bytes | None
"""One tick of G.711 octets in a tap's law; ``None`` for a tick in which nothing was heard."""

_IDLE_OCTET: Final[dict[Codec, int]] = {"PCMU": 0xFF, "PCMA": 0xD5}
"""The octet nearest a zero sample in each law (A-law has none: 0xD5 is +8)."""
_TRANSLATE: Final[dict[tuple[Codec, Codec], bytes]] = {
    ("PCMU", "PCMA"): ulaw_to_alaw(bytes(range(256))),
    ("PCMA", "PCMU"): alaw_to_ulaw(bytes(range(256))),
}


class Tap:
    """One direction of a stream, reordered by a jitter buffer and re-cut into tick frames.

    Packets of any ptime go in, in either law; :meth:`pull` returns one tick (160 octets in
    the tap's law, fixed when it was made), asking the buffer for as many packets as that
    takes and keeping the remainder for the next tick. A packet the buffer has nothing for
    is silence of one packet's length; a tick that is nothing but is ``None``.
    """

    __slots__ = ("_idle", "_jitter", "_pending", "_pending_idle", "_spp", "law")

    def __init__(self, *, codec: Codec, samples_per_packet: int) -> None:
        self.law: Codec = codec
        self._spp = samples_per_packet
        self._idle = bytes((_IDLE_OCTET[codec],)) * samples_per_packet
        self._jitter = JitterBuffer(
            frame_samples=samples_per_packet,
            ptime=samples_per_packet / SAMPLE_RATE,
            max_packets=max(3, round(_MAX_BUFFERED_S * SAMPLE_RATE / samples_per_packet)),
        )
        self._pending = b""
        self._pending_idle = False
        """Whether what is pending is all silence a missing packet left."""

    def push(
        self, *, seq: int, timestamp: int, ssrc: int, payload: bytes, codec: Codec, now: float
    ) -> None:
        if codec != self.law:
            payload = payload.translate(_TRANSLATE[codec, self.law])
        self._jitter.put(seq=seq, timestamp=timestamp, payload=payload, arrival=now, ssrc=ssrc)

    def pull(self, now: float) -> Frame:
        pending = self._pending
        if not pending:
            payload = self._jitter.get(now)
            if payload is None:
                pending = self._idle
                self._pending_idle = True
            elif len(payload) == TICK_SAMPLES:
                # 20 ms packets, the common case: the packet is the frame.
                return payload
            else:
                pending = payload
                self._pending_idle = False
        while len(pending) < TICK_SAMPLES:
            payload = self._jitter.get(now)
            if payload is None:
                pending += self._idle
            else:
                pending += payload
                self._pending_idle = False
        self._pending = pending[TICK_SAMPLES:]
        return None if self._pending_idle else pending[:TICK_SAMPLES]


_SILENT_TICK: Final[dict[Codec, bytes]] = {
    law: bytes((octet,)) * TICK_SAMPLES for law, octet in _IDLE_OCTET.items()
}


def decode_frames(law: Codec, frames: Sequence[Frame]) -> Samples:
    """Tick frames to samples in one decode; a tick nothing was heard in is exact zeros."""
    silent = _SILENT_TICK[law]
    codes = b"".join(silent if frame is None else frame for frame in frames)
    samples = alaw_decode(codes) if law == "PCMA" else ulaw_decode(codes)
    for tick, frame in enumerate(frames):
        if frame is None:
            samples[tick * TICK_SAMPLES : (tick + 1) * TICK_SAMPLES] = 0
    return samples


@dataclass(frozen=True, slots=True)
class _Open:
    record_id: int
    paths: RecordingPaths


@dataclass(frozen=True, slots=True)
class _Write:
    record_id: int
    law: Codec
    rx: list[Frame]
    tx: list[Frame]


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

    def write(self, record_id: int, law: Codec, rx: list[Frame], tx: list[Frame]) -> None:
        """Queue a chunk of tick frames; the lists are the writer's from now on."""
        self._queue.put(_Write(record_id, law, rx, tx))

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
        rx = decode_frames(op.law, op.rx)
        tx = decode_frames(op.law, op.tx)
        try:
            for kind, sound in files:
                sound.write(_render(kind, rx, tx))
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


def _ticks(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * SAMPLE_RATE / TICK_SAMPLES)


class Recording:
    """One Record command being captured: tick frames in, chunks out, stop conditions."""

    __slots__ = (
        "_law",
        "_max_ticks",
        "_rx",
        "_silence_ticks",
        "_silent",
        "_tx",
        "_writer",
        "cmd",
        "dtmf_streams",
        "stream",
        "ticks",
    )

    def __init__(
        self,
        cmd: Record,
        *,
        stream: Stream,
        law: Codec,
        dtmf_streams: frozenset[int],
        writer: RecordingWriter,
    ) -> None:
        self.cmd = cmd
        self.stream = stream
        """The stream whose taps feed this recording (a bridge's first stream)."""
        self.dtmf_streams = dtmf_streams
        self.ticks = 0
        self._law: Codec = law
        """The law of the taps' frames."""
        self._writer = writer
        self._max_ticks = _ticks(cmd.max_duration_s)
        self._silence_ticks = _ticks(cmd.silence_s)
        self._silent = 0
        self._rx: list[Frame] = []
        self._tx: list[Frame] = []
        writer.open(cmd.record_id, cmd.paths)

    @property
    def duration_s(self) -> float:
        return self.ticks * TICK_SAMPLES / SAMPLE_RATE

    def add(self, rx: Frame, tx: Frame) -> RecordingReason | None:
        """Take one tick of both directions; the reason to stop, if one was reached."""
        self._rx.append(rx)
        self._tx.append(tx)
        self.ticks += 1
        if len(self._rx) == CHUNK_TICKS:
            self._flush()
        if self._silence_ticks is not None:
            if rx is None or is_silence(decode_frames(self._law, (rx,)), SILENCE_DBOV):
                self._silent += 1
                if self._silent >= self._silence_ticks:
                    return "silence"
            else:
                self._silent = 0
        if self._max_ticks is not None and self.ticks >= self._max_ticks:
            return "maxduration"
        return None

    def close(self) -> None:
        """Hand the last chunk to the writer and have it close the files."""
        self._flush()
        self._writer.close(self.cmd.record_id)

    def _flush(self) -> None:
        if self._rx:
            self._writer.write(self.cmd.record_id, self._law, self._rx, self._tx)
            self._rx = []
            self._tx = []


@dataclass(frozen=True, slots=True)
class _Closing:
    recording: Recording
    reason: RecordingReason
    digit: str


class Recordings:
    """Every recording of the engine, from its Record command to its RecordingFinished.

    The command's reply waits for the writer to open the files, so a bad path is an error
    reply; capture starts at once regardless, so no audio is lost meanwhile. The event waits
    for the writer to close them, so a file named in it is complete.
    """

    def __init__(
        self,
        *,
        notify: Callable[[WriterResult], None],
        reply: Callable[[int, CommandError | None], None],
        emit: Callable[[Event], None],
    ) -> None:
        self._writer = RecordingWriter(notify)
        self._reply = reply
        self._emit = emit
        self._active: dict[int, Recording] = {}
        self._closing: dict[int, _Closing] = {}
        self._refused: set[int] = set()
        """Recordings whose files did not open: the writer's close for them is not news."""
        self._tapped: set[Stream] = set()

    def __len__(self) -> int:
        return len(self._active) + len(self._closing)

    def start(self, cmd: Record, stream: Stream, dtmf_streams: frozenset[int]) -> None:
        if cmd.record_id in self._active or cmd.record_id in self._closing:
            raise CommandError(ErrorCode.DUPLICATE_ID, f"recording {cmd.record_id} exists")
        if stream.rx_tap is None or stream.tx_tap is None:
            stream.rx_tap = Tap(codec=stream.codec, samples_per_packet=stream.spp)
            stream.tx_tap = Tap(codec=stream.codec, samples_per_packet=stream.spp)
            self._tapped.add(stream)
        recording = Recording(
            cmd,
            stream=stream,
            law=stream.rx_tap.law,
            dtmf_streams=dtmf_streams,
            writer=self._writer,
        )
        stream.recordings.append(recording)
        self._active[cmd.record_id] = recording

    def stop(self, record_id: int) -> None:
        recording = self._active.get(record_id)
        if recording is None:
            raise CommandError(ErrorCode.UNKNOWN_RECORDING, f"no recording {record_id}")
        self._finish(recording, "stopped")

    def capture(self, now: float) -> None:
        """One tick: a frame from each tapped stream's two directions into its recordings."""
        for stream in list(self._tapped):
            if stream.rx_tap is None or stream.tx_tap is None:
                continue
            rx = stream.rx_tap.pull(now)
            tx = stream.tx_tap.pull(now)
            for recording in list(stream.recordings):
                reason = recording.add(rx, tx)
                if reason is not None:
                    self._finish(recording, reason)

    def digit(self, stream_id: int, digit: str) -> None:
        for recording in list(self._active.values()):
            if stream_id in recording.dtmf_streams and digit in recording.cmd.stop_on_dtmf:
                self._finish(recording, "dtmf", digit)

    def bridge_gone(self, bridge_id: int) -> None:
        for recording in list(self._active.values()):
            if recording.cmd.bridge_id == bridge_id:
                self._finish(recording, "hangup")

    def stream_gone(self, stream: Stream) -> None:
        for recording in list(stream.recordings):
            self._finish(recording, "hangup")

    def writer_result(self, result: WriterResult) -> None:
        record_id = result.record_id
        if isinstance(result, WriterOpened):
            self._opened(result)
            return
        if record_id in self._refused:
            self._refused.discard(record_id)
            return
        done = self._closing.pop(record_id, None)
        if done is None:
            return
        cmd = done.recording.cmd
        self._emit(
            RecordingFinished(
                record_id=record_id,
                reason="error" if result.error else done.reason,
                duration_s=done.recording.duration_s,
                path_mixed=cmd.path_mixed,
                path_rx=cmd.path_rx,
                path_tx=cmd.path_tx,
                path_stereo=cmd.path_stereo,
                digit=done.digit,
                error=result.error,
            )
        )

    def stop_writer(self) -> None:
        """Wait for every file to be finished; their results are notified before this returns."""
        self._writer.stop()

    def _opened(self, result: WriterOpened) -> None:
        record_id = result.record_id
        recording = self._active.get(record_id)
        if recording is None:
            closing = self._closing.get(record_id)
            if closing is None:
                return
            recording = closing.recording
        if not result.error:
            self._reply(recording.cmd.request_id, None)
            return
        self._reply(recording.cmd.request_id, CommandError(ErrorCode.FILE, result.error))
        if self._active.pop(record_id, None) is not None:
            self._detach(recording)
            recording.close()
        self._closing.pop(record_id, None)
        self._refused.add(record_id)

    def _finish(self, recording: Recording, reason: RecordingReason, digit: str = "") -> None:
        self._detach(recording)
        del self._active[recording.cmd.record_id]
        recording.close()
        self._closing[recording.cmd.record_id] = _Closing(recording, reason, digit)

    def _detach(self, recording: Recording) -> None:
        stream = recording.stream
        if recording not in stream.recordings:
            return
        stream.recordings.remove(recording)
        if not stream.recordings:
            stream.rx_tap = stream.tx_tap = None
            self._tapped.discard(stream)
