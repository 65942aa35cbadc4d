"""Relay cost of the media process: N bridged calls of 50 pps each way on loopback.

For every call, phone A sends a G.711 packet every 20 ms to the engine; the engine relays it
to phone B, which echoes it straight back to the engine, which relays it to A. Both phones
live in this process on one epoll loop. The engine's CPU time over the measured window,
read from ``/proc/<pid>/stat``, divided by the packets it relayed, is the number that
decides capacity. Each packet carries its send time in its payload, which the engine relays
untouched, so A also measures the round trip: the median, the 99th percentile and the worst.

    .venv/bin/python benchmarks/relay_microbench.py --calls 100 400 --seconds 5
    .venv/bin/python benchmarks/relay_microbench.py --calls 200 --record    # every call recorded
    .venv/bin/python benchmarks/relay_microbench.py --calls 200 --transcode # PCMU <-> PCMA
    .venv/bin/python benchmarks/relay_microbench.py --calls 200 --stall-s 2 # starve the engine

``--stall-s S`` stops the engine (SIGSTOP) for S seconds in the middle of the window, which is
what a media process starved of CPU looks like from its sockets; the round-trip figures then
show how late the audio queued meanwhile comes out, and the loss how much of it is shed.
With ``--transcode`` the payload changes on the way, so no round trip is measured.

Prints numbers only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import resource
import select
import signal
import socket
import statistics
import struct
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from softswitch.mediaplane.client import MediaPlane

HOST = "127.0.0.1"
PTIME = 0.02
SLOTS = 20
"""Calls are spread over 20 sub-slots of the 20 ms period, as real phones are not in phase."""
_TICKS = os.sysconf("SC_CLK_TCK")
_PACKET_SIZE = 172
"""A 12-byte header and 20 ms of G.711."""
_SENT_AT = struct.Struct("!d")
"""The send time (``time.monotonic``), first in the payload."""


@dataclass
class Result:
    calls: int
    seconds: float
    relayed: int
    sent_by_a: int
    back_at_a: int
    engine_cpu_s: float
    driver_cpu_s: float
    engine_rss_kb: int
    hops: tuple[int, int, int, int, int, int]
    """A sent, engine got from A, engine sent to B, engine got from B, engine sent to A, A got."""
    round_trips: list[float]
    """Seconds from A's send to A's receipt, for every packet back at A in the window."""

    def line(self) -> str:
        pps = self.relayed / self.seconds
        # Echoes of warm-up packets still in flight can land in the window: never below 0.
        loss = max(0.0, 100.0 * (1 - self.back_at_a / self.sent_by_a)) if self.sent_by_a else 0.0
        return (
            f"{self.calls:6d} calls  {pps:8.0f} pkt/s relayed  "
            f"engine {100 * self.engine_cpu_s / self.seconds:5.1f}% CPU  "
            f"{1e6 * self.engine_cpu_s / max(1, self.relayed):5.2f} us/packet  "
            f"round-trip loss {loss:5.2f}%  "
            f"engine RSS {self.engine_rss_kb / 1024:6.1f} MB  "
            f"(driver {100 * self.driver_cpu_s / self.seconds:5.1f}% CPU)"
            + self._delays()
            + ("" if self.back_at_a >= 0.995 * self.sent_by_a else f"\n        hops {self.hops}")
        )

    def _delays(self) -> str:
        if len(self.round_trips) < 2:
            return ""
        ms = sorted(1000 * rtt for rtt in self.round_trips)
        p99 = statistics.quantiles(ms, n=100)[98]
        return (
            f"\n        round trip p50 {statistics.median(ms):.1f} ms  p99 {p99:.1f} ms  "
            f"max {ms[-1]:.1f} ms"
        )


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _udp() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind((HOST, 0))
    sock.setblocking(False)
    return sock


def _drive(
    a_socks: list[socket.socket],
    b_socks: list[socket.socket],
    a_targets: list[tuple[str, int]],
    b_targets: list[tuple[str, int]],
    seconds: float,
    *,
    timed: bool,
) -> tuple[int, int, list[float]]:
    """Send from every A at 50 pps, echo at every B, count (and, if *timed*, time) what
    returns to A."""
    epoll = select.epoll()
    role: dict[int, tuple[bool, int]] = {}
    for i, sock in enumerate(a_socks):
        epoll.register(sock.fileno(), select.EPOLLIN)
        role[sock.fileno()] = (True, i)
    for i, sock in enumerate(b_socks):
        epoll.register(sock.fileno(), select.EPOLLIN)
        role[sock.fileno()] = (False, i)
    header = struct.Struct("!BBHII")
    packets = [bytearray(_PACKET_SIZE) for _ in a_socks]
    for i, packet in enumerate(packets):
        header.pack_into(packet, 0, 0x80, 0, 0, 0, 0x10000 + i)
        packet[12:] = b"\xff" * 160
    seq = 0
    buf = bytearray(2048)
    sent = back = 0
    round_trips: list[float] = []
    sent_at = _SENT_AT.pack_into
    sent_when = _SENT_AT.unpack_from
    groups = [list(range(slot, len(a_socks), SLOTS)) for slot in range(SLOTS)]
    t0 = time.monotonic()
    end = t0 + seconds
    n = 0
    while True:
        deadline = t0 + n * PTIME / SLOTS
        now = time.monotonic()
        if now >= deadline:
            if deadline >= end:
                break
            slot = n % SLOTS
            if slot == 0:
                seq = (seq + 1) & 0xFFFF
            for i in groups[slot]:
                packet = packets[i]
                struct.pack_into("!HI", packet, 2, seq, seq * 160)
                sent_at(packet, 12, time.monotonic())
                a_socks[i].sendto(packet, a_targets[i])
                sent += 1
            n += 1
            continue
        for fd, _ in epoll.poll(deadline - now):
            is_a, i = role[fd]
            try:
                size = (a_socks[i] if is_a else b_socks[i]).recv_into(buf)
            except BlockingIOError:
                continue
            if is_a:
                # The engine's RTCP for one phone can land on another, whose port is next.
                if size != _PACKET_SIZE:
                    continue
                back += 1
                if timed:
                    round_trips.append(time.monotonic() - sent_when(buf, 12)[0])
            else:
                b_socks[i].sendto(memoryview(buf)[:size], b_targets[i])
    # Let the last round trips land.
    settle = time.monotonic() + 0.2
    while (remaining := settle - time.monotonic()) > 0:
        for fd, _ in epoll.poll(remaining):
            is_a, i = role[fd]
            try:
                size = (a_socks[i] if is_a else b_socks[i]).recv_into(buf)
            except BlockingIOError:
                continue
            if is_a:
                # The engine's RTCP for one phone can land on another, whose port is next.
                if size != _PACKET_SIZE:
                    continue
                back += 1
                if timed:
                    round_trips.append(time.monotonic() - sent_when(buf, 12)[0])
            else:
                b_socks[i].sendto(memoryview(buf)[:size], b_targets[i])
    epoll.close()
    return sent, back, round_trips


async def _stall(pid: int, after_s: float, stall_s: float) -> None:
    await asyncio.sleep(after_s)
    os.kill(pid, signal.SIGSTOP)
    try:
        await asyncio.sleep(stall_s)
    finally:
        os.kill(pid, signal.SIGCONT)


async def run(
    calls: int, seconds: float, *, record: bool, transcode: bool, stall_s: float
) -> Result:
    pairs = 2 * calls + 8
    base = 30000
    plane = await MediaPlane.start(port_min=base, port_max=base + 2 * pairs, log_level="WARNING")
    process = plane._process
    assert process is not None
    a_socks = [_udp() for _ in range(calls)]
    b_socks = [_udp() for _ in range(calls)]
    a_targets: list[tuple[str, int]] = []
    b_targets: list[tuple[str, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(calls):
            a_id, b_id = 2 * i, 2 * i + 1
            a_targets.append((HOST, await plane.allocate(a_id, HOST)))
            b_targets.append((HOST, await plane.allocate(b_id, HOST)))
            await plane.configure(
                a_id,
                remote_host=HOST,
                remote_port=a_socks[i].getsockname()[1],
                codec="PCMU",
                payload_type=0,
            )
            await plane.configure(
                b_id,
                remote_host=HOST,
                remote_port=b_socks[i].getsockname()[1],
                codec="PCMA" if transcode else "PCMU",
                payload_type=8 if transcode else 0,
            )
            await plane.bridge(i, (a_id, b_id))
            if record:
                await plane.record(i, bridge_id=i, path_mixed=f"{tmp}/{i}.wav")
        loop = asyncio.get_running_loop()
        # A warm-up second, then the measured window.
        timed = not transcode
        drive = functools.partial(_drive, a_socks, b_socks, a_targets, b_targets)
        await loop.run_in_executor(None, functools.partial(drive, 1.0, timed=False))
        before_stats = [await plane.stats(s) for s in range(2 * calls)]
        engine_before = _cpu_seconds(process.pid)
        driver_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.monotonic()
        stall = (
            asyncio.create_task(_stall(process.pid, (seconds - stall_s) / 2, stall_s))
            if stall_s
            else None
        )
        sent, back, round_trips = await loop.run_in_executor(
            None, functools.partial(drive, seconds, timed=timed)
        )
        if stall is not None:
            await stall
        elapsed = time.monotonic() - started
        engine_cpu = _cpu_seconds(process.pid) - engine_before
        driver_after = resource.getrusage(resource.RUSAGE_SELF)
        after_stats = [await plane.stats(s) for s in range(2 * calls)]
        rss = _rss_kb(process.pid)
        await plane.close()
    for sock in a_socks + b_socks:
        sock.close()
    pairs_of_stats = zip(after_stats, before_stats, strict=True)
    relayed = sum(after.packets_sent - before.packets_sent for after, before in pairs_of_stats)
    driver_cpu = (driver_after.ru_utime + driver_after.ru_stime) - (
        driver_before.ru_utime + driver_before.ru_stime
    )

    def delta(index: int, field: str) -> int:
        return sum(
            getattr(after_stats[s], field) - getattr(before_stats[s], field)
            for s in range(index, 2 * calls, 2)
        )

    hops = (
        sent,
        delta(0, "packets_received"),
        delta(1, "packets_sent"),
        delta(1, "packets_received"),
        delta(0, "packets_sent"),
        back,
    )
    return Result(
        calls, elapsed, relayed, sent, back, engine_cpu, driver_cpu, rss, hops, round_trips
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, nargs="+", default=[50, 200, 400])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--record", action="store_true", help="record every call (mixed wav)")
    parser.add_argument("--transcode", action="store_true", help="PCMU on A, PCMA on B")
    parser.add_argument(
        "--stall-s", type=float, default=0.0, help="stop the engine this long mid-window"
    )
    args = parser.parse_args()
    if not 0 <= args.stall_s < args.seconds:
        parser.error("--stall-s must be shorter than --seconds")
    modes = (
        ("recorded", args.record),
        ("transcoded", args.transcode),
        (f"engine stopped {args.stall_s:g} s", bool(args.stall_s)),
    )
    mode = ", ".join(name for name, on in modes if on)
    print(f"relay microbench ({mode or 'plain relay'}), {args.seconds:.0f} s per run")
    for calls in args.calls:
        result = await run(
            calls,
            args.seconds,
            record=args.record,
            transcode=args.transcode,
            stall_s=args.stall_s,
        )
        print(result.line(), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
