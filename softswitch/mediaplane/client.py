"""The asyncio side of the media plane: start the engine, send it commands, hear its events.

:meth:`MediaPlane.start` spawns ``python -m softswitch.mediaplane`` connected by a socketpair
(or, for tests, runs the same engine loop on a thread). Each method sends one command and
awaits its reply; events go to every subscriber. If the engine dies, every pending and later
call raises :class:`MediaPlaneError` and subscribers get :class:`MediaPlaneDied`.

Exceptions::

    Exception
     └── MediaPlaneError        the media plane is gone or did not answer in time
          └── CommandFailed     the engine refused a command; ``code`` says why
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
import sys
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

from softswitch.mediaplane.engine import MediaEngine
from softswitch.mediaplane.protocol import (
    Allocate,
    Bridge,
    Codec,
    Command,
    Configure,
    Direction,
    EngineStats,
    ErrorCode,
    Event,
    FrameDecoder,
    MediaPlaneDied,
    Payload,
    Play,
    PlayTone,
    ProtocolError,
    Record,
    Release,
    Reply,
    SendDtmf,
    Shutdown,
    Stats,
    Status,
    StopPlay,
    StopRecord,
    StreamStats,
    Tone,
    Unbridge,
    encode,
)

log = logging.getLogger(__name__)

EventCallback = Callable[[Event], None]
_T = TypeVar("_T")
_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_WRITE_BACKLOG = 1 << 16
"""Bytes queued to the engine beyond which a caller waits for the socket to drain."""


class MediaPlaneError(Exception):
    """The media plane is unavailable: its process died, or a reply did not come in time."""


class CommandFailed(MediaPlaneError):
    """The engine refused a command."""

    def __init__(self, code: ErrorCode | None, message: str) -> None:
        super().__init__(message)
        self.code = code


class MediaPlane:
    """A running media engine. Create with :meth:`start`; end with :meth:`close`."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        process: asyncio.subprocess.Process | None,
        thread: threading.Thread | None,
        request_timeout: float,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._process = process
        self._thread = thread
        self.request_timeout = request_timeout
        self._request_ids = itertools.count(1)
        self._outgoing: list[bytes] = []
        self._pending: dict[int, asyncio.Future[Reply]] = {}
        self._subscribers: list[EventCallback] = []
        self._dead: str | None = None
        self._closing = False
        self._on_close: list[Callable[[], None]] = []
        self._reader_task = asyncio.get_running_loop().create_task(self._read_loop())

    @classmethod
    async def start(
        cls,
        *,
        port_min: int,
        port_max: int,
        log_level: str = "INFO",
        in_process: bool = False,
        request_timeout: float = 5.0,
    ) -> MediaPlane:
        """Start an engine for RTP ports ``port_min``..``port_max``; returns once it answers."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        process: asyncio.subprocess.Process | None = None
        thread: threading.Thread | None = None
        try:
            if in_process:
                engine = MediaEngine(theirs, port_min=port_min, port_max=port_max)
                thread = threading.Thread(
                    target=_run_in_thread, args=(engine, theirs), name="mediaplane", daemon=True
                )
                thread.start()
            else:
                process = await _spawn(theirs, port_min, port_max, log_level)
                theirs.close()
            reader, writer = await asyncio.open_unix_connection(sock=ours)
        except BaseException:
            ours.close()
            theirs.close()
            raise
        plane = cls(reader, writer, process=process, thread=thread, request_timeout=request_timeout)
        try:
            await plane.status()
        except BaseException:
            await plane.close()
            raise
        return plane

    # --- events -------------------------------------------------------------------------------

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call *callback* with every event; the returned function unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    async def events(self) -> AsyncIterator[Event]:
        """Every event from now on; ends after :class:`MediaPlaneDied` or when closed."""
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        unsubscribe = self.subscribe(queue.put_nowait)

        def closed() -> None:
            queue.put_nowait(None)

        self._on_close.append(closed)
        try:
            while (event := await queue.get()) is not None:
                yield event
                if isinstance(event, MediaPlaneDied):
                    return
        finally:
            unsubscribe()
            self._on_close.remove(closed)

    @property
    def alive(self) -> bool:
        return self._dead is None

    # --- commands -----------------------------------------------------------------------------

    async def allocate(self, stream_id: int, local_host: str) -> int:
        """Bind a stream on *local_host*; returns its (even) RTP port."""
        payload = await self._call(
            lambda rid: Allocate(request_id=rid, stream_id=stream_id, local_host=local_host)
        )
        return _expect(payload, int)

    async def configure(
        self,
        stream_id: int,
        *,
        remote_host: str | None,
        remote_port: int | None,
        codec: Codec,
        payload_type: int,
        dtmf_payload_type: int | None = None,
        ptime_ms: int = 20,
        symmetric: bool = True,
        direction: Direction = "sendrecv",
        rtp_timeout_s: float | None = None,
    ) -> None:
        await self._call(
            lambda rid: Configure(
                request_id=rid,
                stream_id=stream_id,
                remote_host=remote_host,
                remote_port=remote_port,
                codec=codec,
                payload_type=payload_type,
                dtmf_payload_type=dtmf_payload_type,
                ptime_ms=ptime_ms,
                symmetric=symmetric,
                direction=direction,
                rtp_timeout_s=rtp_timeout_s,
            )
        )

    async def bridge(self, bridge_id: int, stream_ids: tuple[int, int]) -> None:
        await self._call(
            lambda rid: Bridge(request_id=rid, bridge_id=bridge_id, stream_ids=stream_ids)
        )

    async def unbridge(self, bridge_id: int) -> None:
        await self._call(lambda rid: Unbridge(request_id=rid, bridge_id=bridge_id))

    async def play(self, stream_id: int, play_id: int, path: str, *, loop: bool = False) -> None:
        """Returns once the file is loaded and playing; a bad file raises :class:`CommandFailed`."""
        await self._call(
            lambda rid: Play(
                request_id=rid, stream_id=stream_id, play_id=play_id, path=path, loop=loop
            )
        )

    async def play_tone(self, stream_id: int, play_id: int, tone: Tone) -> None:
        await self._call(
            lambda rid: PlayTone(request_id=rid, stream_id=stream_id, play_id=play_id, tone=tone)
        )

    async def stop_play(self, play_id: int) -> None:
        await self._call(lambda rid: StopPlay(request_id=rid, play_id=play_id))

    async def record(
        self,
        record_id: int,
        *,
        stream_id: int | None = None,
        bridge_id: int | None = None,
        path_mixed: str | None = None,
        path_rx: str | None = None,
        path_tx: str | None = None,
        path_stereo: str | None = None,
        stop_on_dtmf: str = "",
        max_duration_s: float | None = None,
        silence_s: float | None = None,
    ) -> None:
        """Returns once the files are open; an unwritable path raises :class:`CommandFailed`."""
        await self._call(
            lambda rid: Record(
                request_id=rid,
                record_id=record_id,
                stream_id=stream_id,
                bridge_id=bridge_id,
                path_mixed=path_mixed,
                path_rx=path_rx,
                path_tx=path_tx,
                path_stereo=path_stereo,
                stop_on_dtmf=stop_on_dtmf,
                max_duration_s=max_duration_s,
                silence_s=silence_s,
            )
        )

    async def stop_record(self, record_id: int) -> None:
        await self._call(lambda rid: StopRecord(request_id=rid, record_id=record_id))

    async def send_dtmf(
        self, stream_id: int, digits: str, *, duration_ms: int = 100, gap_ms: int = 50
    ) -> None:
        """Returns once every digit has been sent as RFC 4733 events."""
        sending_s = len(digits) * (duration_ms + gap_ms + 60) / 1000
        await self._call(
            lambda rid: SendDtmf(
                request_id=rid,
                stream_id=stream_id,
                digits=digits,
                duration_ms=duration_ms,
                gap_ms=gap_ms,
            ),
            wait_s=self.request_timeout + sending_s,
        )

    async def release(self, stream_id: int) -> StreamStats:
        """Free the stream's ports (and its bridge); returns its final counters."""
        payload = await self._call(lambda rid: Release(request_id=rid, stream_id=stream_id))
        return _expect(payload, StreamStats)

    async def stats(self, stream_id: int) -> StreamStats:
        payload = await self._call(lambda rid: Stats(request_id=rid, stream_id=stream_id))
        return _expect(payload, StreamStats)

    async def status(self) -> EngineStats:
        payload = await self._call(lambda rid: Status(request_id=rid))
        return _expect(payload, EngineStats)

    async def close(self, grace_s: float = 10.0) -> int | None:
        """Shut the engine down (recordings are finished first); the process's exit code."""
        if self._closing:
            return self._returncode()
        self._closing = True
        if self._dead is None:
            try:
                await self._call(lambda rid: Shutdown(request_id=rid), wait_s=grace_s)
            except MediaPlaneError as exc:
                log.warning("media plane did not shut down cleanly: %s", exc)
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()
        await self._wait_gone(grace_s)
        self._reader_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader_task
        self._mark_dead("closed", announce=False)
        for notify in list(self._on_close):
            notify()
        return self._returncode()

    # --- plumbing -----------------------------------------------------------------------------

    async def _call(self, make: Callable[[int], Command], wait_s: float | None = None) -> Payload:
        if self._dead is not None:
            raise MediaPlaneError(f"media plane unavailable: {self._dead}")
        request_id = next(self._request_ids)
        command = make(request_id)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply] = loop.create_future()
        self._pending[request_id] = future
        limit = wait_s or self.request_timeout
        timer = loop.call_later(limit, _expire, future)
        try:
            self._send(encode(command))
            if self._writer.transport.get_write_buffer_size() > _WRITE_BACKLOG:
                await self._writer.drain()
            reply = await future
        except TimeoutError:
            raise MediaPlaneError(
                f"no reply to {type(command).__name__} within {limit} s"
            ) from None
        except (ConnectionError, OSError) as exc:
            raise MediaPlaneError(f"media plane unavailable: {exc}") from exc
        finally:
            timer.cancel()
            self._pending.pop(request_id, None)
        if not reply.ok:
            raise CommandFailed(reply.code, f"{type(command).__name__}: {reply.error}")
        return reply.payload

    def _send(self, frame: bytes) -> None:
        """Queue *frame*; what the calls queue in one turn of the loop goes in one write."""
        self._outgoing.append(frame)
        if len(self._outgoing) == 1:
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        frames, self._outgoing = self._outgoing, []
        if self._dead is None and not self._writer.is_closing():
            self._writer.write(b"".join(frames))

    async def _read_loop(self) -> None:
        decoder = FrameDecoder()
        reason = "the media process closed its control socket"
        try:
            while data := await self._reader.read(1 << 16):
                for message in decoder.feed(data):
                    if isinstance(message, Reply):
                        future = self._pending.get(message.request_id)
                        if future is not None and not future.done():
                            future.set_result(message)
                    elif isinstance(message, Event):
                        self._publish(message)
        except ProtocolError as exc:
            reason = f"bad frame from the media process: {exc}"
        except (ConnectionError, OSError) as exc:
            reason = f"control socket failed: {exc}"
        if not self._closing:
            returncode = await self._returncode_soon()
            self._mark_dead(f"{reason} (exit code {returncode})", announce=True, code=returncode)

    def _publish(self, event: Event) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("media event subscriber failed on %s", type(event).__name__)

    def _mark_dead(self, reason: str, *, announce: bool, code: int | None = None) -> None:
        if self._dead is not None:
            return
        self._dead = reason
        if announce:
            log.error("media plane died: %s", reason)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(MediaPlaneError(f"media plane died: {reason}"))
        if announce:
            self._publish(MediaPlaneDied(returncode=code))

    async def _returncode_soon(self) -> int | None:
        if self._process is None:
            return None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._process.wait(), 1.0)
        return self._process.returncode

    def _returncode(self) -> int | None:
        return None if self._process is None else self._process.returncode

    async def _wait_gone(self, grace_s: float) -> None:
        if self._process is not None:
            try:
                await asyncio.wait_for(self._process.wait(), grace_s)
            except TimeoutError:
                log.error("media process %d did not exit; killing it", self._process.pid)
                with contextlib.suppress(ProcessLookupError):
                    self._process.kill()
                await self._process.wait()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, grace_s)


async def _spawn(
    control: socket.socket, port_min: int, port_max: int, log_level: str
) -> asyncio.subprocess.Process:
    env = dict(os.environ)
    # The child must import this very tree even when it is not installed.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
    )
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "softswitch.mediaplane",
        "--control",
        str(control.fileno()),
        "--port-min",
        str(port_min),
        "--port-max",
        str(port_max),
        "--log-level",
        log_level,
        stdin=asyncio.subprocess.DEVNULL,
        pass_fds=(control.fileno(),),
        env=env,
    )


def _run_in_thread(engine: MediaEngine, control: socket.socket) -> None:
    try:
        engine.run()
    except Exception:
        log.exception("media engine thread crashed")
    finally:
        control.close()


def _expire(future: asyncio.Future[Reply]) -> None:
    if not future.done():
        future.set_exception(TimeoutError())


def _expect(payload: Payload, kind: type[_T]) -> _T:
    if not isinstance(payload, kind):
        raise MediaPlaneError(f"expected a {kind.__name__} reply, got {type(payload).__name__}")
    return payload
