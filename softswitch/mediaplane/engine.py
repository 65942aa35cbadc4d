"""The media engine: one thread, one ``epoll`` set, one tick for everything.

Every RTP and RTCP socket, the control socket and a wake-up eventfd for the helper threads
sit in one level-triggered epoll set. A readable RTP socket gets one ``recvfrom_into`` into a
buffer allocated once; relaying is a header peek, an in-place header rewrite (and a 256-entry
table translation when the legs use different laws) and a ``sendto`` of the same buffer.
Nothing is allocated per packet beyond what the socket calls return.

Time-driven work runs on one tick every 20 ms, scheduled on absolute deadlines: all
playbacks send what came due, all recordings take a frame from each tap, open DTMF digits
expire, and every tenth tick RTP timeouts are checked and RTCP reports sent. Reading files
(playback) and writing them (recording) happen on helper threads that report back through a
:class:`Mailbox`, so no file I/O ever runs on this loop.

Exceptions::

    Exception
     └── CommandError   a command refused; becomes ``Reply(ok=False, code=..., error=...)``
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import logging
import math
import os
import queue
import select
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

from media.g711 import alaw_to_ulaw, ulaw_to_alaw
from rtp.dtmf import DigitStarted, DtmfReceiver
from rtp.packet import RtpPacket, RtpParseError, peek_header, rewrite_header
from rtp.rtcp import (
    SDES_CNAME,
    ReportBlock,
    RtcpParseError,
    SdesChunk,
    SdesItem,
    SenderReport,
    SourceDescription,
    build_compound,
    ntp_from_unix,
    ntp_middle32,
    parse_compound,
)
from rtp.seq import uint16_add, uint16_diff, uint32_add
from softswitch.mediaplane.player import Clip, ClipCache, Playback, tone_clip
from softswitch.mediaplane.ports import PortPool, PortsExhausted, address_family
from softswitch.mediaplane.protocol import (
    Allocate,
    Bridge,
    Codec,
    Command,
    Configure,
    DtmfBegin,
    DtmfEnd,
    EngineStats,
    ErrorCode,
    Event,
    FrameDecoder,
    Message,
    Payload,
    Play,
    PlaybackFinished,
    PlayTone,
    ProtocolError,
    Record,
    RecordingFinished,
    RecordingReason,
    Release,
    RemoteLearned,
    Reply,
    RtpTimeout,
    Shutdown,
    Stats,
    Status,
    StopPlay,
    StopRecord,
    Tone,
    Unbridge,
    encode,
)
from softswitch.mediaplane.recorder import (
    Recording,
    RecordingWriter,
    Tap,
    WriterClosed,
    WriterOpened,
    WriterResult,
)
from softswitch.mediaplane.streams import (
    MAX_DROPOUT,
    MAX_MISORDER,
    STATIC_PAYLOAD_TYPES,
    Sockaddr,
    Stream,
)

log = logging.getLogger(__name__)

TICK_S = 0.02
MAX_CATCH_UP = 5
"""Missed ticks run back to back after a stall; beyond this many they are skipped."""
HOUSEKEEPING_TICKS = 10
"""RTP timeouts and RTCP are looked at every 200 ms, not every tick."""
RTCP_INTERVAL_S = 5.0
_PACKET_BUFFER = 2048
"""Larger than any G.711 packet on an Ethernet MTU; a longer datagram is truncated and dropped."""
_CONTROL_CHUNK = 1 << 16
_DEFERRED: Final = object()
"""A handler's return value when the reply is sent later (file loaded, recording opened)."""

_TRANSCODE: Final[dict[tuple[Codec, Codec], bytes]] = {
    ("PCMU", "PCMA"): ulaw_to_alaw(bytes(range(256))),
    ("PCMA", "PCMU"): alaw_to_ulaw(bytes(range(256))),
}
"""``bytes.translate`` tables: from one law to the other in a single C loop per packet."""


class CommandError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class _Loaded:
    play_id: int
    clip: Clip | None
    error: str


@dataclass(slots=True)
class _PendingPlay:
    request_id: int
    stream_id: int
    loop: bool


@dataclass(frozen=True, slots=True)
class _Closing:
    recording: Recording
    reason: RecordingReason
    digit: str


class Mailbox:
    """Results from helper threads, and an eventfd in the epoll set that says one arrived."""

    def __init__(self) -> None:
        self.fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()

    def put(self, item: object) -> None:
        """Thread-safe."""
        self._queue.put(item)
        os.eventfd_write(self.fd, 1)

    def drain(self) -> list[object]:
        with contextlib.suppress(BlockingIOError):
            os.eventfd_read(self.fd)
        items: list[object] = []
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                return items

    def close(self) -> None:
        os.close(self.fd)


def _payload_span(buf: bytearray, n: int) -> tuple[int, int] | None:
    """Where the payload of the packet in ``buf[:n]`` starts and ends."""
    if buf[0] == 0x80:
        # No CSRCs, extension or padding: what every G.711 phone sends.
        return 12, n
    try:
        packet = RtpPacket.parse(memoryview(buf)[:n])
    except RtpParseError:
        return None
    end = n - packet.padding
    return end - len(packet.payload), end


class MediaEngine:
    """Serves one controller over *control* until told to stop or the controller goes away."""

    def __init__(
        self,
        control: socket.socket,
        *,
        port_min: int,
        port_max: int,
        tick_s: float = TICK_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._control = control
        control.setblocking(False)
        self._pool = PortPool(port_min, port_max)
        self._tick_s = tick_s
        self._clock = clock
        self._epoll = select.epoll()
        self._mailbox = Mailbox()
        self._writer = RecordingWriter(self._mailbox.put)
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mediaplane-loader")
        self._cache = ClipCache()
        self._tones: dict[Tone, tuple[Clip, bool]] = {}
        self._cname = f"mediaplane@{socket.gethostname()}"
        self._decoder = FrameDecoder()
        self._out = bytearray()
        self._out_registered = False
        self._buf = bytearray(_PACKET_BUFFER)
        self._mv = memoryview(self._buf)
        self._send_buf = bytearray(_PACKET_BUFFER)
        self._send_buf[0] = 0x80
        self._send_mv = memoryview(self._send_buf)
        self._epochs = itertools.count()
        self._streams: dict[int, Stream] = {}
        self._rtp_fds: dict[int, Stream] = {}
        self._rtcp_fds: dict[int, Stream] = {}
        self._bridges: dict[int, tuple[Stream, Stream]] = {}
        self._playbacks: dict[int, Playback] = {}
        self._pending_plays: dict[int, _PendingPlay] = {}
        self._recordings: dict[int, Recording] = {}
        self._closing: dict[int, _Closing] = {}
        self._discarded: set[int] = set()
        self._recorded: set[Stream] = set()
        self._dtmf_open: set[Stream] = set()
        self._now = clock()
        self._next_tick = self._now
        self._ticks = 0
        self._stopping = False
        self._controller_gone = False
        self._shutdown_request: int | None = None
        self.packets_malformed = 0
        self.packets_unexpected = 0
        self.send_errors = 0
        self.ticks_late = 0
        self._handlers: dict[type[Any], Callable[[Any], Payload | object]] = {
            Allocate: self._allocate,
            Configure: self._configure,
            Bridge: self._bridge,
            Unbridge: self._unbridge,
            Play: self._play,
            PlayTone: self._play_tone,
            StopPlay: self._stop_play,
            Record: self._record,
            StopRecord: self._stop_record,
            Release: self._release,
            Stats: self._stats,
            Status: self._status,
            Shutdown: self._shutdown,
        }
        self._epoll.register(control.fileno(), select.EPOLLIN)
        self._epoll.register(self._mailbox.fd, select.EPOLLIN)

    def stop(self) -> None:
        """Ask the loop to wind down at its next wake-up (signal handlers may call this)."""
        self._stopping = True

    # --- the loop ----------------------------------------------------------------------------

    def run(self) -> None:
        clock = self._clock
        poll = self._epoll.poll
        rtp_fds = self._rtp_fds
        receive = self._receive
        control_fd = self._control.fileno()
        self._next_tick = clock() + self._tick_s
        try:
            while not self._stopping:
                timeout = self._next_tick - clock()
                events = poll(timeout if timeout > 0 else 0)
                self._now = now = clock()
                for fd, mask in events:
                    stream = rtp_fds.get(fd)
                    if stream is not None:
                        receive(stream)
                    elif fd == control_fd:
                        self._control_ready(mask)
                    elif fd == self._mailbox.fd:
                        self._drain_mailbox()
                    else:
                        rtcp = self._rtcp_fds.get(fd)
                        if rtcp is not None:
                            self._receive_rtcp(rtcp)
                if now >= self._next_tick:
                    self._run_ticks(now)
                if self._out:
                    self._flush_control()
        finally:
            self._teardown()

    def _run_ticks(self, now: float) -> None:
        behind = int((now - self._next_tick) / self._tick_s)
        if behind >= MAX_CATCH_UP:
            self.ticks_late += behind
            log.warning("media loop %d ticks late; skipping them", behind)
            self._next_tick = now
            behind = 0
        for _ in range(behind + 1):
            self._tick(now)
            self._next_tick += self._tick_s

    def _tick(self, now: float) -> None:
        self._ticks += 1
        for playback in list(self._playbacks.values()):
            self._advance_playback(playback, now)
        for stream in list(self._recorded):
            self._capture(stream, now)
        for stream in list(self._dtmf_open):
            self._expire_dtmf(stream, now)
        if self._ticks % HOUSEKEEPING_TICKS == 0:
            self._housekeeping(now)

    # --- the packet path ---------------------------------------------------------------------

    def _receive(self, s: Stream) -> None:
        buf = self._buf
        try:
            n, addr = s.rtp.recvfrom_into(buf)
        except OSError:
            # Spurious wake-up, or an ICMP error the kernel queued on the socket.
            return
        mv = self._mv[:n]
        head = peek_header(mv)
        if head is None or n == _PACKET_BUFFER:
            self.packets_malformed += 1
            return
        if addr != s.rx_from and not self._accept_source(s, addr):
            self.packets_unexpected += 1
            return
        pt, marker, seq, ts, ssrc = head
        now = self._now
        s.packets_received += 1
        s.bytes_received += n
        s.last_rx = now
        if ssrc != s.rx_ssrc:
            s.restart_rx(ssrc, seq, next(self._epochs))
        else:
            gap = uint16_diff(seq, s.rx_max_seq)
            if gap > 0:
                if gap < MAX_DROPOUT:
                    s.rx_ext_max += gap
                    s.rx_max_seq = seq
                else:
                    s.restart_rx(ssrc, seq, next(self._epochs))
            elif gap < -MAX_MISORDER:
                s.restart_rx(ssrc, seq, next(self._epochs))
        s.rx_count += 1
        if not s.receiving:
            return
        if pt == s.pt:
            codec = s.codec
        elif pt == s.dtmf_pt:
            self._receive_dtmf(s, n, marker=marker, seq=seq, ts=ts, now=now)
            return
        else:
            static = STATIC_PAYLOAD_TYPES.get(pt)
            if static is None:
                # Comfort noise and anything not negotiated: nothing here can use it.
                self.packets_unexpected += 1
                return
            codec = static
        if s.rx_tap is not None:
            span = _payload_span(buf, n)
            if span is not None:
                payload = bytes(buf[span[0] : span[1]])
                s.rx_tap.push(
                    seq=seq, timestamp=ts, ssrc=ssrc, payload=payload, codec=codec, now=now
                )
        dst = s.peer
        if dst is None or dst.player is not None or not dst.sending or dst.remote is None:
            return
        if dst.fwd_epoch != s.rx_epoch:
            dst.rebase(s.rx_epoch, seq, ts, now)
        out_seq = uint16_add(seq, dst.seq_off)
        out_ts = uint32_add(ts, dst.ts_off)
        if dst.marker_next:
            dst.marker_next = False
            marker = 1
        if uint16_diff(out_seq, dst.seq) > 0:
            dst.seq = out_seq
            dst.ts = out_ts
        rewrite_header(buf, seq=out_seq, ts=out_ts, ssrc=dst.ssrc, pt=dst.pt, marker=marker == 1)
        if codec != dst.codec:
            span = _payload_span(buf, n)
            if span is None:
                return
            start, end = span
            buf[start:end] = buf[start:end].translate(_TRANSCODE[codec, dst.codec])
        if dst.tx_tap is not None:
            span = _payload_span(buf, n)
            if span is not None:
                dst.tx_tap.push(
                    seq=out_seq,
                    timestamp=out_ts,
                    ssrc=dst.ssrc,
                    payload=bytes(buf[span[0] : span[1]]),
                    codec=dst.codec,
                    now=now,
                )
        try:
            dst.rtp.sendto(mv, dst.remote)
        except OSError:
            self.send_errors += 1
            return
        dst.sent_at = now
        dst.packets_sent += 1
        dst.bytes_sent += n

    def _accept_source(self, s: Stream, addr: Sockaddr) -> bool:
        """A packet from somewhere other than the latched source: take it, latch, or drop."""
        if not s.configured:
            return False
        if not s.symmetric:
            return True
        if s.rx_from is not None:
            return False
        s.rx_from = addr
        if s.latch(addr):
            log.info("stream %d: RTP from %s:%d, not the SDP address", s.stream_id, *addr[:2])
            self._emit(RemoteLearned(stream_id=s.stream_id, host=addr[0], port=addr[1]))
        return True

    def _receive_dtmf(
        self, s: Stream, n: int, *, marker: int, seq: int, ts: int, now: float
    ) -> None:
        buf = self._buf
        span = _payload_span(buf, n)
        if span is None:
            self.packets_malformed += 1
            return
        if s.dtmf is None:
            s.dtmf = DtmfReceiver()
        for event in s.dtmf.feed(ts, marker == 1, self._mv[span[0] : span[1]], now):
            if isinstance(event, DigitStarted):
                self._digit_began(s, event.digit)
            else:
                self._emit(
                    DtmfEnd(stream_id=s.stream_id, digit=event.digit, duration_ms=event.duration_ms)
                )
        if s.dtmf.next_deadline() is not None:
            self._dtmf_open.add(s)
        dst = s.peer
        if (
            dst is None
            or dst.dtmf_pt is None
            or dst.player is not None
            or not dst.sending
            or dst.remote is None
        ):
            return
        if dst.fwd_epoch != s.rx_epoch:
            dst.rebase(s.rx_epoch, seq, ts, now)
        out_seq = uint16_add(seq, dst.seq_off)
        out_ts = uint32_add(ts, dst.ts_off)
        if dst.marker_next:
            dst.marker_next = False
            marker = 1
        if uint16_diff(out_seq, dst.seq) > 0:
            dst.seq = out_seq
            dst.ts = out_ts
        rewrite_header(
            buf, seq=out_seq, ts=out_ts, ssrc=dst.ssrc, pt=dst.dtmf_pt, marker=marker == 1
        )
        try:
            dst.rtp.sendto(self._mv[:n], dst.remote)
        except OSError:
            self.send_errors += 1
            return
        dst.sent_at = now
        dst.packets_sent += 1
        dst.bytes_sent += n

    def _digit_began(self, s: Stream, digit: str) -> None:
        self._emit(DtmfBegin(stream_id=s.stream_id, digit=digit))
        for recording in list(self._recordings.values()):
            if s.stream_id in recording.dtmf_streams and digit in recording.cmd.stop_on_dtmf:
                self._finish_recording(recording, "dtmf", digit)

    def _expire_dtmf(self, s: Stream, now: float) -> None:
        receiver = s.dtmf
        if receiver is None or receiver.next_deadline() is None:
            self._dtmf_open.discard(s)
            return
        for event in receiver.expire(now):
            if not isinstance(event, DigitStarted):
                self._emit(
                    DtmfEnd(stream_id=s.stream_id, digit=event.digit, duration_ms=event.duration_ms)
                )
        if receiver.next_deadline() is None:
            self._dtmf_open.discard(s)

    def _receive_rtcp(self, s: Stream) -> None:
        try:
            n = s.pair.rtcp.recv_into(self._buf)
        except OSError:
            return
        s.rtcp_received += 1
        try:
            packets = parse_compound(self._mv[:n])
        except RtcpParseError:
            self.packets_malformed += 1
            return
        for packet in packets:
            if isinstance(packet, SenderReport) and packet.ssrc == s.rx_ssrc:
                s.last_sr = (ntp_middle32(packet.ntp_timestamp), self._now)

    def _send_local(self, s: Stream, payload: bytes, now: float) -> None:
        """Send one packet of our own audio (playback) to *s*."""
        seq, ts, marker = s.next_local(now)
        if not s.sending or s.remote is None:
            return
        size = 12 + len(payload)
        buf = self._send_buf
        rewrite_header(buf, seq=seq, ts=ts, ssrc=s.ssrc, pt=s.pt, marker=marker)
        buf[12:size] = payload
        try:
            s.rtp.sendto(self._send_mv[:size], s.remote)
        except OSError:
            self.send_errors += 1
            return
        s.sent_at = now
        s.packets_sent += 1
        s.bytes_sent += size
        if s.tx_tap is not None:
            s.tx_tap.push(
                seq=seq, timestamp=ts, ssrc=s.ssrc, payload=payload, codec=s.codec, now=now
            )

    # --- tick work ---------------------------------------------------------------------------

    def _advance_playback(self, playback: Playback, now: float) -> None:
        s = self._streams[playback.stream_id]
        ptime_s = s.spp / 8000
        for _ in range(playback.due(now, ptime_s)):
            if playback.finished:
                break
            self._send_local(s, playback.next_frame(s.codec, s.spp), now)
        if playback.finished:
            self._end_playback(playback, completed=True)

    def _end_playback(self, playback: Playback, *, completed: bool) -> None:
        del self._playbacks[playback.play_id]
        s = self._streams.get(playback.stream_id)
        if s is not None and s.player is playback:
            s.player = None
        self._emit(
            PlaybackFinished(
                play_id=playback.play_id, stream_id=playback.stream_id, completed=completed
            )
        )

    def _capture(self, s: Stream, now: float) -> None:
        if s.rx_tap is None or s.tx_tap is None:
            return
        rx = s.rx_tap.pull(now)
        tx = s.tx_tap.pull(now)
        for recording in list(s.recordings):
            reason = recording.add(rx, tx)
            if reason is not None:
                self._finish_recording(recording, reason)

    def _housekeeping(self, now: float) -> None:
        for s in self._streams.values():
            if s.rtp_timeout_s is not None and s.receiving and s.configured:
                self._check_timeout(s, now)
            if s.remote is not None and now - s.rtcp_sent_at >= RTCP_INTERVAL_S:
                self._send_rtcp(s, now)

    def _check_timeout(self, s: Stream, now: float) -> None:
        assert s.rtp_timeout_s is not None
        if s.timed_out:
            if s.last_rx is not None and s.last_rx > s.timeout_since:
                s.timed_out = False
            return
        since = s.timeout_since if s.last_rx is None else max(s.last_rx, s.timeout_since)
        if now - since >= s.rtp_timeout_s:
            s.timed_out = True
            s.timeout_since = now
            self._emit(RtpTimeout(stream_id=s.stream_id, seconds=round(now - since, 3)))

    def _send_rtcp(self, s: Stream, now: float) -> None:
        remote = s.remote
        assert remote is not None
        s.rtcp_sent_at = now
        reports: tuple[ReportBlock, ...] = ()
        if s.rx_ssrc >= 0:
            expected = s.rx_ext_max - s.rx_base + 1
            interval_expected = expected - s.rtcp_expected_prior
            interval_lost = interval_expected - (s.rx_count - s.rtcp_received_prior)
            s.rtcp_expected_prior = expected
            s.rtcp_received_prior = s.rx_count
            fraction = 0
            if interval_expected > 0 and interval_lost > 0:
                fraction = min(255, (interval_lost << 8) // interval_expected)
            lsr, dlsr = 0, 0
            if s.last_sr is not None:
                lsr = s.last_sr[0]
                dlsr = min(0xFFFFFFFF, int((now - s.last_sr[1]) * 65536))
            reports = (
                ReportBlock(
                    ssrc=s.rx_ssrc,
                    fraction_lost=fraction,
                    cumulative_lost=min(0x7FFFFF, s.lost),
                    highest_sequence=s.rx_ext_max & 0xFFFFFFFF,
                    lsr=lsr,
                    dlsr=dlsr,
                ),
            )
        elapsed = 0 if s.sent_at is None else round((now - s.sent_at) * 8000)
        report = SenderReport(
            ssrc=s.ssrc,
            ntp_timestamp=ntp_from_unix(time.time()),
            rtp_timestamp=uint32_add(s.ts, elapsed),
            packet_count=s.packets_sent & 0xFFFFFFFF,
            octet_count=(s.bytes_sent - 12 * s.packets_sent) & 0xFFFFFFFF,
            reports=reports,
        )
        cname = SourceDescription(
            chunks=(SdesChunk(ssrc=s.ssrc, items=(SdesItem(kind=SDES_CNAME, value=self._cname),)),)
        )
        target = (remote[0], remote[1] + 1, *remote[2:])
        try:
            s.pair.rtcp.sendto(build_compound((report, cname)), target)
        except OSError:
            self.send_errors += 1

    # --- control -----------------------------------------------------------------------------

    def _control_ready(self, mask: int) -> None:
        if mask & select.EPOLLOUT:
            self._flush_control()
        if not mask & (select.EPOLLIN | select.EPOLLHUP | select.EPOLLERR):
            return
        try:
            data = self._control.recv(_CONTROL_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            log.error("control socket failed: %s", exc)
            data = b""
        if not data:
            log.info("controller went away; shutting down")
            self._controller_gone = True
            self._stopping = True
            self._epoll.unregister(self._control.fileno())
            return
        try:
            messages = self._decoder.feed(data)
        except ProtocolError as exc:
            log.error("bad frame from controller, closing: %s", exc)
            self._controller_gone = True
            self._stopping = True
            self._epoll.unregister(self._control.fileno())
            return
        for message in messages:
            self._handle(message)

    def _handle(self, message: Message) -> None:
        handler = self._handlers.get(type(message))
        if handler is None:
            log.error("ignoring %s: not a command", type(message).__name__)
            return
        command: Command = message  # type: ignore[assignment]
        try:
            result = handler(command)
        except CommandError as exc:
            self._reply(command.request_id, error=exc)
            return
        if result is not _DEFERRED:
            self._reply(command.request_id, payload=result)  # type: ignore[arg-type]

    def _reply(
        self, request_id: int, *, payload: Payload = None, error: CommandError | None = None
    ) -> None:
        if error is None:
            self._send(Reply(request_id=request_id, ok=True, payload=payload))
        else:
            self._send(Reply(request_id=request_id, ok=False, error=str(error), code=error.code))

    def _emit(self, event: Event) -> None:
        self._send(event)

    def _send(self, message: Message) -> None:
        if not self._controller_gone:
            self._out += encode(message)

    def _flush_control(self) -> None:
        try:
            sent = self._control.send(self._out)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError as exc:
            log.error("control socket failed: %s", exc)
            self._controller_gone = True
            self._stopping = True
            self._out.clear()
            return
        del self._out[:sent]
        want_out = bool(self._out)
        if want_out != self._out_registered:
            mask = select.EPOLLIN | (select.EPOLLOUT if want_out else 0)
            self._epoll.modify(self._control.fileno(), mask)
            self._out_registered = want_out

    def _drain_mailbox(self) -> None:
        for item in self._mailbox.drain():
            if isinstance(item, _Loaded):
                self._loaded(item)
            elif isinstance(item, WriterOpened | WriterClosed):
                self._writer_result(item)

    # --- commands ----------------------------------------------------------------------------

    def _stream(self, stream_id: int) -> Stream:
        s = self._streams.get(stream_id)
        if s is None:
            raise CommandError(ErrorCode.UNKNOWN_STREAM, f"no stream {stream_id}")
        return s

    def _allocate(self, cmd: Allocate) -> Payload:
        if cmd.stream_id in self._streams:
            raise CommandError(ErrorCode.DUPLICATE_ID, f"stream {cmd.stream_id} exists")
        try:
            family = address_family(cmd.local_host)
            pair = self._pool.bind(cmd.local_host)
        except ValueError as exc:
            raise CommandError(ErrorCode.ADDRESS, f"local_host: {exc}") from None
        except PortsExhausted as exc:
            raise CommandError(ErrorCode.PORTS_EXHAUSTED, str(exc)) from None
        except OSError as exc:
            raise CommandError(
                ErrorCode.ADDRESS, f"cannot bind on {cmd.local_host}: {exc.strerror}"
            ) from None
        s = Stream(cmd.stream_id, pair, family)
        self._streams[cmd.stream_id] = s
        self._rtp_fds[pair.rtp.fileno()] = s
        self._rtcp_fds[pair.rtcp.fileno()] = s
        self._epoll.register(pair.rtp.fileno(), select.EPOLLIN)
        self._epoll.register(pair.rtcp.fileno(), select.EPOLLIN)
        return pair.port

    def _configure(self, cmd: Configure) -> Payload:
        s = self._stream(cmd.stream_id)
        try:
            s.configure(cmd, self._now)
        except ValueError as exc:
            raise CommandError(ErrorCode.ADDRESS, f"remote_host: {exc}") from None
        # Latching starts over on every offer/answer: the peer may have moved.
        s.rx_from = None
        return None

    def _bridge(self, cmd: Bridge) -> Payload:
        if cmd.bridge_id in self._bridges:
            raise CommandError(ErrorCode.DUPLICATE_ID, f"bridge {cmd.bridge_id} exists")
        a, b = (self._stream(i) for i in cmd.stream_ids)
        for s in (a, b):
            if s.bridge_id is not None:
                raise CommandError(
                    ErrorCode.STREAM_BUSY, f"stream {s.stream_id} is in bridge {s.bridge_id}"
                )
        a.peer, b.peer = b, a
        a.bridge_id = b.bridge_id = cmd.bridge_id
        self._bridges[cmd.bridge_id] = (a, b)
        return None

    def _unbridge(self, cmd: Unbridge) -> Payload:
        if cmd.bridge_id not in self._bridges:
            raise CommandError(ErrorCode.UNKNOWN_BRIDGE, f"no bridge {cmd.bridge_id}")
        self._dissolve(cmd.bridge_id)
        return None

    def _dissolve(self, bridge_id: int) -> None:
        a, b = self._bridges.pop(bridge_id)
        for s in (a, b):
            s.peer = None
            s.bridge_id = None
        for recording in list(self._recordings.values()):
            if recording.bridge_id == bridge_id:
                self._finish_recording(recording, "hangup")

    def _check_play_id(self, play_id: int) -> None:
        if play_id in self._playbacks or play_id in self._pending_plays:
            raise CommandError(ErrorCode.DUPLICATE_ID, f"playback {play_id} exists")

    def _play(self, cmd: Play) -> object:
        self._stream(cmd.stream_id)
        self._check_play_id(cmd.play_id)
        self._pending_plays[cmd.play_id] = _PendingPlay(cmd.request_id, cmd.stream_id, cmd.loop)
        future = self._loader.submit(self._cache.get, cmd.path)
        play_id = cmd.play_id

        def loaded(done: Future[Clip]) -> None:
            try:
                self._mailbox.put(_Loaded(play_id, done.result(), ""))
            except Exception as exc:
                self._mailbox.put(_Loaded(play_id, None, _describe(exc)))

        future.add_done_callback(loaded)
        return _DEFERRED

    def _loaded(self, result: _Loaded) -> None:
        pending = self._pending_plays.pop(result.play_id, None)
        if pending is None:
            return
        if result.clip is None:
            self._reply(pending.request_id, error=CommandError(ErrorCode.FILE, result.error))
            return
        self._start_playback(pending.stream_id, result.play_id, result.clip, pending.loop)
        self._reply(pending.request_id)

    def _play_tone(self, cmd: PlayTone) -> Payload:
        self._stream(cmd.stream_id)
        self._check_play_id(cmd.play_id)
        tone = self._tones.get(cmd.tone)
        if tone is None:
            tone = self._tones[cmd.tone] = tone_clip(cmd.tone)
        clip, loop = tone
        self._start_playback(cmd.stream_id, cmd.play_id, clip, loop)
        return None

    def _start_playback(self, stream_id: int, play_id: int, clip: Clip, loop: bool) -> None:
        s = self._streams[stream_id]
        if s.player is not None:
            self._end_playback(s.player, completed=False)
        for other_id, other in list(self._pending_plays.items()):
            if other.stream_id == stream_id:
                self._cancel_pending_play(other_id)
        # The first packet goes out on the next tick, and every later one on a tick too.
        playback = Playback(
            play_id=play_id, stream_id=stream_id, clip=clip, loop=loop, t0=self._next_tick
        )
        s.player = playback
        self._playbacks[play_id] = playback

    def _cancel_pending_play(self, play_id: int) -> None:
        pending = self._pending_plays.pop(play_id)
        self._reply(pending.request_id)
        self._emit(PlaybackFinished(play_id=play_id, stream_id=pending.stream_id, completed=False))

    def _stop_play(self, cmd: StopPlay) -> Payload:
        if cmd.play_id in self._pending_plays:
            self._cancel_pending_play(cmd.play_id)
        elif cmd.play_id in self._playbacks:
            self._end_playback(self._playbacks[cmd.play_id], completed=False)
        else:
            raise CommandError(ErrorCode.UNKNOWN_PLAYBACK, f"no playback {cmd.play_id}")
        return None

    def _record(self, cmd: Record) -> object:
        if cmd.record_id in self._recordings or cmd.record_id in self._closing:
            raise CommandError(ErrorCode.DUPLICATE_ID, f"recording {cmd.record_id} exists")
        if cmd.bridge_id is not None:
            legs = self._bridges.get(cmd.bridge_id)
            if legs is None:
                raise CommandError(ErrorCode.UNKNOWN_BRIDGE, f"no bridge {cmd.bridge_id}")
            s = legs[0]
            dtmf_streams = frozenset(leg.stream_id for leg in legs)
        else:
            assert cmd.stream_id is not None
            s = self._stream(cmd.stream_id)
            dtmf_streams = frozenset((s.stream_id,))
        recording = Recording(
            cmd,
            stream_id=s.stream_id,
            dtmf_streams=dtmf_streams,
            writer=self._writer,
            tick_s=self._tick_s,
        )
        if s.rx_tap is None or s.tx_tap is None:
            s.rx_tap = Tap(codec=s.codec, samples_per_packet=s.spp)
            s.tx_tap = Tap(codec=s.codec, samples_per_packet=s.spp)
            self._recorded.add(s)
        s.recordings.append(recording)
        self._recordings[cmd.record_id] = recording
        return _DEFERRED

    def _writer_result(self, result: WriterResult) -> None:
        record_id = result.record_id
        if isinstance(result, WriterOpened):
            recording = self._recordings.get(record_id)
            closing = self._closing.get(record_id)
            request_id = (
                recording.request_id
                if recording is not None
                else closing.recording.request_id
                if closing is not None
                else None
            )
            if request_id is None:
                return
            if not result.error:
                self._reply(request_id)
                return
            self._reply(request_id, error=CommandError(ErrorCode.FILE, result.error))
            if recording is not None:
                self._detach(recording)
                del self._recordings[record_id]
            self._closing.pop(record_id, None)
            self._discarded.add(record_id)
            return
        if record_id in self._discarded:
            self._discarded.discard(record_id)
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

    def _detach(self, recording: Recording) -> None:
        s = self._streams.get(recording.stream_id)
        if s is None or recording not in s.recordings:
            return
        s.recordings.remove(recording)
        if not s.recordings:
            s.rx_tap = s.tx_tap = None
            self._recorded.discard(s)

    def _finish_recording(
        self, recording: Recording, reason: RecordingReason, digit: str = ""
    ) -> None:
        self._detach(recording)
        del self._recordings[recording.record_id]
        recording.close()
        self._closing[recording.record_id] = _Closing(recording, reason, digit)

    def _stop_record(self, cmd: StopRecord) -> Payload:
        recording = self._recordings.get(cmd.record_id)
        if recording is None:
            raise CommandError(ErrorCode.UNKNOWN_RECORDING, f"no recording {cmd.record_id}")
        self._finish_recording(recording, "stopped")
        return None

    def _release(self, cmd: Release) -> Payload:
        self._release_stream(self._stream(cmd.stream_id))
        return None

    def _release_stream(self, s: Stream) -> None:
        for play_id, pending in list(self._pending_plays.items()):
            if pending.stream_id == s.stream_id:
                self._cancel_pending_play(play_id)
        if s.player is not None:
            self._end_playback(s.player, completed=False)
        if s.bridge_id is not None:
            self._dissolve(s.bridge_id)
        for recording in list(s.recordings):
            self._finish_recording(recording, "hangup")
        if s.dtmf is not None:
            self._expire_dtmf(s, math.inf)
        self._dtmf_open.discard(s)
        for sock in (s.pair.rtp, s.pair.rtcp):
            self._epoll.unregister(sock.fileno())
        del self._rtp_fds[s.pair.rtp.fileno()]
        del self._rtcp_fds[s.pair.rtcp.fileno()]
        del self._streams[s.stream_id]
        self._pool.release(s.pair)

    def _stats(self, cmd: Stats) -> Payload:
        return self._stream(cmd.stream_id).stats(self._clock())

    def _status(self, cmd: Status) -> Payload:
        return EngineStats(
            ports_total=self._pool.total,
            ports_free=self._pool.free,
            streams=len(self._streams),
            bridges=len(self._bridges),
            playbacks=len(self._playbacks) + len(self._pending_plays),
            recordings=len(self._recordings) + len(self._closing),
            packets_malformed=self.packets_malformed,
            packets_unexpected=self.packets_unexpected,
            ticks_late=self.ticks_late,
        )

    def _shutdown(self, cmd: Shutdown) -> object:
        self._shutdown_request = cmd.request_id
        self._stopping = True
        return _DEFERRED

    # --- the end -----------------------------------------------------------------------------

    def _teardown(self) -> None:
        """Release everything, let the writer finish every file, report, then close."""
        self._now = self._clock()
        for s in list(self._streams.values()):
            self._release_stream(s)
        self._loader.shutdown(wait=True, cancel_futures=True)
        self._writer.stop()
        self._drain_mailbox()
        if self._shutdown_request is not None:
            self._reply(self._shutdown_request)
        if self._out and not self._controller_gone:
            try:
                self._control.setblocking(True)
                self._control.settimeout(5.0)
                self._control.sendall(self._out)
            except OSError as exc:
                log.warning("could not deliver the last replies: %s", exc)
        self._out.clear()
        self._epoll.close()
        self._mailbox.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOENT:
        return f"no such file: {exc.filename}"
    return f"cannot read sound file: {exc}"
