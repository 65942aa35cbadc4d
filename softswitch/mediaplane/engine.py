"""The media engine: one thread, one ``epoll`` set, one tick for everything.

Every RTP and RTCP socket, the control socket and a wake-up eventfd for the helper threads
sit in one level-triggered epoll set. A readable RTP socket gets ``recvfrom_into`` into a
buffer allocated once: once per round while the loop keeps up, to the end of its queue (a
bounded number) when it fell behind; relaying is a header peek, an in-place header rewrite
(and a 256-entry table translation when the legs use different laws) and a ``sendto`` of the
same buffer. When the process was short of CPU for long, what waited in a socket more than
:data:`MAX_QUEUE_DELAY_S` is shed rather than relayed late (recordings still get it), so
the delay through the switch stays bounded instead of growing with every stall.

Time-driven work runs on one tick every 20 ms, scheduled on absolute deadlines: all
playbacks send what came due, all recordings take a frame from each tap (after a stall, one
for every tick missed), open DTMF digits expire, and every tenth tick RTP timeouts are
checked and RTCP reports sent. Reading files (playback) and writing them (recording) happen
on helper threads that report back through a :class:`Mailbox`, so no file I/O ever runs on
this loop.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
import queue
import select
import socket
import struct
import time
from collections.abc import Callable
from typing import Any, Final

from media.g711 import alaw_to_ulaw, ulaw_to_alaw
from rtp.dtmf import DigitStarted, DtmfEvent, DtmfReceiver
from rtp.packet import RtpPacket, RtpParseError, peek_header, rewrite_header
from rtp.seq import uint16_diff
from softswitch.mediaplane.player import DigitPlayback, Loaded, Playbacks
from softswitch.mediaplane.ports import (
    SCM_TIMESTAMPNS,
    PortPool,
    PortsExhausted,
    address_family,
)
from softswitch.mediaplane.protocol import (
    Allocate,
    Bridge,
    Codec,
    Command,
    CommandError,
    Configure,
    DtmfBegin,
    DtmfEnd,
    EngineStats,
    ErrorCode,
    FrameDecoder,
    Message,
    Payload,
    Play,
    PlayTone,
    ProtocolError,
    Record,
    Release,
    RemoteLearned,
    Reply,
    RtpTimeout,
    SendDtmf,
    Shutdown,
    Stats,
    Status,
    StopPlay,
    StopRecord,
    Unbridge,
    encode,
)
from softswitch.mediaplane.recorder import (
    SAMPLE_RATE,
    TICK_SAMPLES,
    Recordings,
    WriterClosed,
    WriterOpened,
)
from softswitch.mediaplane.streams import (
    MAX_DROPOUT,
    MAX_MISORDER,
    RTCP_INTERVAL_S,
    STATIC_PAYLOAD_TYPES,
    Sockaddr,
    Stream,
)

log = logging.getLogger(__name__)

TICK_S = TICK_SAMPLES / SAMPLE_RATE
"""20 ms: every recording frame and every default packet is one tick long."""
MAX_CATCH_UP = 5
"""Missed ticks run back to back after a stall; beyond this many they are skipped..."""
MAX_RECORDING_CATCH_UP = 250
"""...except by recordings, which catch up on up to this many (5 s); a longer stall than that
is not the machine being busy but the process being stopped."""
HOUSEKEEPING_TICKS = 10
"""RTP timeouts and RTCP are looked at every 200 ms, not every tick."""
DRAIN_AFTER_S = 0.01
"""A round that starts this long after the last one reads each socket to the end: half the
usual 20 ms packet time, so a socket read once a round cannot fall behind its sender."""
DRAIN_LIMIT = 16
"""Datagrams read from one socket per readiness: a flooded socket waits for the next round
rather than holding up every other stream."""
MAX_QUEUE_DELAY_S = 0.5
"""Audio that waited longer than this in our socket is not relayed (it is still recorded): the
far end's jitter buffer would throw it away, and relaying it would keep the delay for good.
ITU-T G.114 gives 400 ms one way as the most a conversation stands; the margin above that
keeps a busy machine's short stalls from costing audio a jitter buffer could still use."""
SHED_REPORT_S = 5.0
"""Shed packets are logged as one line at most this often, not one line each."""
MAX_EVENTS = 256
"""Readiness events taken per round, so the tick is looked at between them; level-triggered
epoll hands the rest over in the next round, oldest first."""
_PACKET_BUFFER = 2048
"""Larger than any G.711 packet on an Ethernet MTU; a longer datagram is truncated and dropped."""
_RTP_HEADER = 12
_CONTROL_CHUNK = 1 << 16
_DRAIN: Final = range(DRAIN_LIMIT)
_TIMESPEC: Final = struct.Struct("@ll")
"""The payload of an ``SCM_TIMESTAMPNS`` message: a ``struct timespec`` of two C longs."""
_STAMP_SPACE: Final = socket.CMSG_SPACE(_TIMESPEC.size)


class _Deferred:
    """A handler's return value when the reply is sent later (file loaded, files opened)."""


_DEFERRED: Final = _Deferred()

_TRANSCODE: Final[dict[tuple[Codec, Codec], bytes]] = {
    ("PCMU", "PCMA"): ulaw_to_alaw(bytes(range(256))),
    ("PCMA", "PCMU"): alaw_to_ulaw(bytes(range(256))),
}
"""``bytes.translate`` tables: from one law to the other in a single C loop per packet."""


class Mailbox:
    """Results from helper threads, and an eventfd in the epoll set that says one arrived."""

    def __init__(self) -> None:
        self.fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closed = False

    def put(self, item: object) -> None:
        """Thread-safe; after :meth:`close` the item is dropped (nobody is left to read it)."""
        if self._closed:
            return
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
        self._closed = True
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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._control = control
        control.setblocking(False)
        self._pool = PortPool(port_min, port_max)
        self._clock = clock
        self._epoll = select.epoll()
        self._mailbox = Mailbox()
        self._playbacks = Playbacks(
            post=self._mailbox.put, reply=self._reply, emit=self._send, send=self._send_local
        )
        self._recordings = Recordings(notify=self._mailbox.put, reply=self._reply, emit=self._send)
        self._cname = f"mediaplane@{socket.gethostname()}"
        self._decoder = FrameDecoder()
        self._out = bytearray()
        self._out_registered = False
        self._buf = bytearray(_PACKET_BUFFER)
        self._mv = memoryview(self._buf)
        self._buffers = [self._buf]
        self._send_buf = bytearray(_PACKET_BUFFER)
        self._send_buf[0] = 0x80
        self._send_mv = memoryview(self._send_buf)
        self._epochs = itertools.count()
        self._streams: dict[int, Stream] = {}
        self._rtp_fds: dict[int, Stream] = {}
        self._rtcp_fds: dict[int, Stream] = {}
        self._bridges: dict[int, tuple[Stream, Stream]] = {}
        self._dtmf_open: set[Stream] = set()
        self._dialling: set[Stream] = set()
        self._now = clock()
        self._behind = False
        """Whether the last round (and any wait for the CPU) took long enough for sockets to
        hold more than one datagram each."""
        self._next_tick = self._now + TICK_S
        self._ticks = 0
        self._stopping = False
        self._controller_gone = False
        self._shutdown_request: int | None = None
        self.packets_malformed = 0
        self.packets_unexpected = 0
        self.packets_shed = 0
        self._shed_reported = 0
        self._shed_reported_at = -math.inf
        self.send_errors = 0
        self.ticks_late = 0
        self._handlers: dict[type[Any], Callable[[Any], Payload | _Deferred]] = {
            Allocate: self._allocate,
            Configure: self._configure,
            Bridge: self._bridge,
            Unbridge: self._unbridge,
            Play: self._play,
            PlayTone: self._play_tone,
            StopPlay: self._stop_play,
            Record: self._record,
            StopRecord: self._stop_record,
            SendDtmf: self._send_dtmf,
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
        readable = self._readable
        control_fd = self._control.fileno()
        self._next_tick = clock() + TICK_S
        try:
            while not self._stopping:
                timeout = self._next_tick - clock()
                events = poll(timeout if timeout > 0 else 0, MAX_EVENTS)
                now = clock()
                self._behind = now - self._now > DRAIN_AFTER_S
                self._now = now
                for fd, mask in events:
                    stream = rtp_fds.get(fd)
                    if stream is not None:
                        readable(stream)
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
        behind = int((now - self._next_tick) / TICK_S)
        if behind >= MAX_CATCH_UP:
            self.ticks_late += behind
            log.warning("media loop %d ticks late; skipping them", behind)
            # Recordings still take a frame for every tick, so a file keeps the call's length
            # and both directions stay aligned; their taps fill what did not arrive with silence.
            for _ in range(min(behind, MAX_RECORDING_CATCH_UP)):
                self._recordings.capture(now)
            self._next_tick += behind * TICK_S
            behind = 0
        for _ in range(behind + 1):
            self._tick(now)
            self._next_tick += TICK_S

    def _tick(self, now: float) -> None:
        self._ticks += 1
        self._playbacks.advance(now)
        for stream in list(self._dialling):
            self._dial(stream, now)
        self._recordings.capture(now)
        for stream in list(self._dtmf_open):
            self._expire_dtmf(stream, now)
        if self._ticks % HOUSEKEEPING_TICKS == 0:
            self._housekeeping(now)

    # --- the packet path ---------------------------------------------------------------------

    def _readable(self, s: Stream) -> None:
        """Read from *s*'s RTP socket: one datagram, or all it holds when the loop is behind.

        While rounds come quicker than packets, a socket holds one datagram when epoll says it
        is readable, and looking for a second would cost a failed ``recv`` per packet. After a
        slow round, or when the process waited for the CPU, a socket may hold many: reading it
        to the end (up to :data:`DRAIN_LIMIT`) is what keeps its queue short. A socket last
        seen empty longer than :data:`MAX_QUEUE_DELAY_S` ago may hold audio that waited that
        long for us: that drain asks the kernel when each datagram arrived and sheds the stale
        ones. (The process being preempted in the middle of a quick drain is not noticed: that
        drain relays what it reads, and the next one sheds.)
        """
        behind = self._behind
        # A slow round's start says little about when this socket's turn came.
        t = self._clock() if behind else self._now
        if t - s.rx_empty_at > MAX_QUEUE_DELAY_S:
            self._drain_aged(s, t)
            return
        if not behind:
            try:
                n, addr = s.rtp.recvfrom_into(self._buf)
            except BlockingIOError:
                s.rx_empty_at = t
                return
            except OSError:
                # An ICMP error the kernel queued on the socket.
                return
            self._packet(s, n, addr, False)
            return
        recv = s.rtp.recvfrom_into
        buf = self._buf
        packet = self._packet
        for _ in _DRAIN:
            try:
                n, addr = recv(buf)
            except BlockingIOError:
                s.rx_empty_at = t
                return
            except OSError:
                # An ICMP error the kernel queued on the socket; datagrams may follow it.
                continue
            packet(s, n, addr, False)

    def _drain_aged(self, s: Stream, t: float) -> None:
        """Read *s*'s socket to the end, shedding what arrived over the delay limit ago."""
        # The kernel stamps arrivals with the real-time clock, whatever clock the loop runs on.
        oldest = time.time() - MAX_QUEUE_DELAY_S
        recv = s.rtp.recvmsg_into
        buffers = self._buffers
        for _ in _DRAIN:
            try:
                n, ancillary, _flags, addr = recv(buffers, _STAMP_SPACE)
            except BlockingIOError:
                s.rx_empty_at = t
                return
            except OSError:
                continue
            stale = False
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS:
                    seconds, nanoseconds = _TIMESPEC.unpack_from(data)
                    stale = seconds + nanoseconds * 1e-9 < oldest
            self._packet(s, n, addr, stale)

    def _packet(self, s: Stream, n: int, addr: Sockaddr, stale: bool) -> None:
        """One datagram in ``self._buf[:n]`` from *addr*; a *stale* one is heard, not relayed."""
        buf = self._buf
        head = peek_header(buf)
        if head is None or n < _RTP_HEADER or n == _PACKET_BUFFER:
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
            # Digits are never shed: an end packet that waited still ends its digit.
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
            # A recording keeps what arrived, shed or not; its tap puts it in its place.
            span = _payload_span(buf, n)
            if span is not None:
                s.rx_tap.push(
                    seq=seq,
                    timestamp=ts,
                    ssrc=ssrc,
                    payload=bytes(buf[span[0] : span[1]]),
                    codec=codec,
                    now=now,
                )
        if stale:
            self.packets_shed += 1
            return
        dst = s.peer
        if dst is None or not dst.relaying:
            return
        out_seq, out_ts, forced = dst.forward(s.rx_epoch, seq, ts, now)
        rewrite_header(
            buf, seq=out_seq, ts=out_ts, ssrc=dst.ssrc, pt=dst.pt, marker=forced or marker == 1
        )
        if codec != dst.codec or dst.tx_tap is not None:
            span = _payload_span(buf, n)
            if span is None:
                return
            start, end = span
            if codec != dst.codec:
                buf[start:end] = buf[start:end].translate(_TRANSCODE[codec, dst.codec])
            if dst.tx_tap is not None:
                dst.tx_tap.push(
                    seq=out_seq,
                    timestamp=out_ts,
                    ssrc=dst.ssrc,
                    payload=bytes(buf[start:end]),
                    codec=dst.codec,
                    now=now,
                )
        self._transmit(dst, self._mv[:n], now)

    def _transmit(self, dst: Stream, packet: memoryview, now: float) -> None:
        remote = dst.remote
        if remote is None:
            return
        try:
            dst.rtp.sendto(packet, remote)
        except OSError:
            self.send_errors += 1
            return
        dst.sent_at = now
        dst.packets_sent += 1
        dst.bytes_sent += len(packet)

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
            self._send(RemoteLearned(stream_id=s.stream_id, host=addr[0], port=addr[1]))
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
        self._digit_events(s, s.dtmf.feed(ts, marker == 1, self._mv[span[0] : span[1]], now))
        if s.dtmf.next_deadline() is not None:
            self._dtmf_open.add(s)
        dst = s.peer
        if dst is None or dst.dtmf_pt is None or not dst.relaying:
            return
        out_seq, out_ts, forced = dst.forward(s.rx_epoch, seq, ts, now)
        rewrite_header(
            buf, seq=out_seq, ts=out_ts, ssrc=dst.ssrc, pt=dst.dtmf_pt, marker=forced or marker == 1
        )
        self._transmit(dst, self._mv[:n], now)

    def _digit_events(self, s: Stream, events: list[DtmfEvent]) -> None:
        for event in events:
            if isinstance(event, DigitStarted):
                self._send(DtmfBegin(stream_id=s.stream_id, digit=event.digit))
                self._recordings.digit(s.stream_id, event.digit)
            else:
                self._send(
                    DtmfEnd(stream_id=s.stream_id, digit=event.digit, duration_ms=event.duration_ms)
                )

    def _expire_dtmf(self, s: Stream, now: float) -> None:
        if s.dtmf is not None:
            self._digit_events(s, s.dtmf.expire(now))
        if s.dtmf is None or s.dtmf.next_deadline() is None:
            self._dtmf_open.discard(s)

    def _receive_rtcp(self, s: Stream) -> None:
        try:
            n, addr = s.pair.rtcp.recvfrom_into(self._buf)
        except OSError:
            return
        if not s.on_rtcp(self._mv[:n], addr, self._now):
            self.packets_malformed += 1

    def _send_local(self, s: Stream, payload: bytes, now: float) -> None:
        """Send one packet of our own audio (playback) to *s*."""
        seq, ts, marker = s.next_local(now)
        sent = self._send_own(s, seq=seq, ts=ts, pt=s.pt, marker=marker, payload=payload, now=now)
        if sent and s.tx_tap is not None:
            s.tx_tap.push(
                seq=seq, timestamp=ts, ssrc=s.ssrc, payload=payload, codec=s.codec, now=now
            )

    def _send_own(
        self, s: Stream, *, seq: int, ts: int, pt: int, marker: bool, payload: bytes, now: float
    ) -> bool:
        if not s.sending or s.remote is None:
            return False
        size = 12 + len(payload)
        rewrite_header(self._send_buf, seq=seq, ts=ts, ssrc=s.ssrc, pt=pt, marker=marker)
        self._send_buf[12:size] = payload
        self._transmit(s, self._send_mv[:size], now)
        return True

    def _dial(self, s: Stream, now: float) -> None:
        """One tick of digits going to *s*: an event packet, or a tick of the gap."""
        digits = s.digits
        if digits is None:
            self._dialling.discard(s)
            return
        packet = digits.step()
        if packet is None:
            s.idle_local()
        elif s.dtmf_pt is not None:
            seq, ts, _ = s.next_local(now)
            if packet.marker:
                digits.event_ts = ts
            self._send_own(
                s,
                seq=seq,
                ts=digits.event_ts,
                pt=s.dtmf_pt,
                marker=packet.marker,
                payload=packet.payload,
                now=now,
            )
        if digits.finished:
            s.digits = None
            self._dialling.discard(s)
            self._reply(digits.request_id, None)

    # --- housekeeping ------------------------------------------------------------------------

    def _housekeeping(self, now: float) -> None:
        wallclock = time.time()
        for s in self._streams.values():
            if s.rtp_timeout_s is not None and s.receiving and s.configured:
                self._check_timeout(s, now)
            target = s.rtcp_remote
            if target is not None and s.configured and now - s.rtcp_sent_at >= RTCP_INTERVAL_S:
                try:
                    s.pair.rtcp.sendto(s.rtcp_report(now, wallclock, self._cname), target)
                except OSError:
                    self.send_errors += 1
        shed = self.packets_shed - self._shed_reported
        if shed and now - self._shed_reported_at >= SHED_REPORT_S:
            log.warning(
                "shed %d packets that waited over %d ms for the media loop (short of CPU)",
                shed,
                round(MAX_QUEUE_DELAY_S * 1000),
            )
            self._shed_reported = self.packets_shed
            self._shed_reported_at = now

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
            self._send(RtpTimeout(stream_id=s.stream_id, seconds=round(now - since, 3)))

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
            self._lose_controller()
            return
        try:
            messages = self._decoder.feed(data)
        except ProtocolError as exc:
            log.error("bad frame from controller, closing: %s", exc)
            self._lose_controller()
            return
        for message in messages:
            self._handle(message)

    def _lose_controller(self) -> None:
        self._controller_gone = True
        self._stopping = True
        self._out.clear()
        with contextlib.suppress(OSError, ValueError):
            self._epoll.unregister(self._control.fileno())

    def _handle(self, message: Message) -> None:
        if not isinstance(message, Command):
            log.error("ignoring %s: not a command", type(message).__name__)
            return
        try:
            result = self._handlers[type(message)](message)
        except CommandError as exc:
            self._reply(message.request_id, exc)
            return
        if not isinstance(result, _Deferred):
            self._send(Reply(request_id=message.request_id, ok=True, payload=result))

    def _reply(self, request_id: int, error: CommandError | None) -> None:
        if error is None:
            self._send(Reply(request_id=request_id, ok=True))
        else:
            self._send(Reply(request_id=request_id, ok=False, error=str(error), code=error.code))

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
            self._lose_controller()
            return
        del self._out[:sent]
        want_out = bool(self._out)
        if want_out != self._out_registered:
            mask = select.EPOLLIN | (select.EPOLLOUT if want_out else 0)
            self._epoll.modify(self._control.fileno(), mask)
            self._out_registered = want_out

    def _drain_mailbox(self) -> None:
        for item in self._mailbox.drain():
            if isinstance(item, Loaded):
                self._playbacks.loaded(item, self._next_tick)
            elif isinstance(item, WriterOpened | WriterClosed):
                self._recordings.writer_result(item)

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
        for s in self._bridges.pop(bridge_id):
            s.peer = None
            s.bridge_id = None
        self._recordings.bridge_gone(bridge_id)

    def _idle_stream(self, stream_id: int) -> Stream:
        s = self._stream(stream_id)
        if s.digits is not None:
            raise CommandError(ErrorCode.STREAM_BUSY, f"stream {stream_id} is sending digits")
        return s

    def _play(self, cmd: Play) -> _Deferred:
        self._playbacks.play(cmd, self._idle_stream(cmd.stream_id))
        return _DEFERRED

    def _play_tone(self, cmd: PlayTone) -> Payload:
        # The first packet goes out on the next tick, like every later one.
        self._playbacks.play_tone(cmd, self._idle_stream(cmd.stream_id), self._next_tick)
        return None

    def _send_dtmf(self, cmd: SendDtmf) -> _Deferred:
        s = self._idle_stream(cmd.stream_id)
        if s.dtmf_pt is None:
            raise CommandError(
                ErrorCode.NO_DTMF, f"stream {cmd.stream_id} has no telephone-event payload type"
            )
        if s.player is not None:
            raise CommandError(ErrorCode.STREAM_BUSY, f"stream {cmd.stream_id} is playing")
        s.digits = DigitPlayback(request_id=cmd.request_id, stream=s, cmd=cmd)
        self._dialling.add(s)
        return _DEFERRED

    def _stop_play(self, cmd: StopPlay) -> Payload:
        self._playbacks.stop(cmd.play_id)
        return None

    def _record(self, cmd: Record) -> _Deferred:
        if cmd.bridge_id is not None:
            legs = self._bridges.get(cmd.bridge_id)
            if legs is None:
                raise CommandError(ErrorCode.UNKNOWN_BRIDGE, f"no bridge {cmd.bridge_id}")
            self._recordings.start(cmd, legs[0], frozenset(leg.stream_id for leg in legs))
        else:
            assert cmd.stream_id is not None
            s = self._stream(cmd.stream_id)
            self._recordings.start(cmd, s, frozenset((s.stream_id,)))
        return _DEFERRED

    def _stop_record(self, cmd: StopRecord) -> Payload:
        self._recordings.stop(cmd.record_id)
        return None

    def _release(self, cmd: Release) -> Payload:
        # The final counters come with the reply: asking for them first cost a round trip.
        s = self._stream(cmd.stream_id)
        final = s.stats(self._clock())
        self._release_stream(s)
        return final

    def _release_stream(self, s: Stream) -> None:
        self._playbacks.stream_gone(s)
        if s.digits is not None:
            self._reply(
                s.digits.request_id,
                CommandError(ErrorCode.UNKNOWN_STREAM, "released before the digits were sent"),
            )
            s.digits = None
            self._dialling.discard(s)
        if s.bridge_id is not None:
            self._dissolve(s.bridge_id)
        self._recordings.stream_gone(s)
        # A digit still held when the call ends still ends, for whoever counts them.
        self._expire_dtmf(s, math.inf)
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
            playbacks=len(self._playbacks),
            recordings=len(self._recordings),
            packets_malformed=self.packets_malformed,
            packets_unexpected=self.packets_unexpected,
            send_errors=self.send_errors,
            ticks_late=self.ticks_late,
        )

    def _shutdown(self, cmd: Shutdown) -> _Deferred:
        self._shutdown_request = cmd.request_id
        self._stopping = True
        return _DEFERRED

    # --- the end -----------------------------------------------------------------------------

    def _teardown(self) -> None:
        """Release everything, let the writer finish every file, report, then close."""
        self._now = self._clock()
        for s in list(self._streams.values()):
            self._release_stream(s)
        self._playbacks.close()
        self._recordings.stop_writer()
        self._drain_mailbox()
        if self._shutdown_request is not None:
            self._reply(self._shutdown_request, None)
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
