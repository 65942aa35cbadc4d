"""The media engine's own per-packet and per-tick costs, in this process, with no peer to wake.

``relay_microbench.py`` measures the engine as it runs, which on loopback includes waking the
receiving phones and whatever else the machine is doing. This drives the engine's handlers
directly, so the figures move by a few percent from run to run rather than by tens:

- ``relay``: N bridged calls; every round one packet (``--backlog K``: K packets) is queued
  on each caller's socket, then each socket's readiness is handled as the loop would (with
  ``--backlog``, as a loop that fell behind and reads to the end). CPU time of the handling
  ÷ packets relayed, median over the rounds. The ``recvfrom`` and ``sendto`` are included.
- ``capture``: N recorded streams; every tick a packet goes into each direction's tap, then
  a tick frame comes out of both taps into the recording, as the engine's tick does.

    .venv/bin/python benchmarks/engine_paths.py relay --calls 200
    .venv/bin/python benchmarks/engine_paths.py relay --calls 200 --backlog 3
    .venv/bin/python benchmarks/engine_paths.py capture --streams 200

Prints numbers only; nothing is asserted. Uses the engine's private handlers on purpose, and
also drives the engine as it was before it drained sockets (one ``_receive`` per datagram,
taps that decoded every tick), so that one script measures both sides of that change; there,
a backlog of K is K readiness calls, without the K - 1 extra epoll reports the loop paid.
"""

from __future__ import annotations

import argparse
import inspect
import socket
import statistics
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from media.g711 import alaw_encode
from softswitch.mediaplane.engine import MediaEngine
from softswitch.mediaplane.protocol import Allocate, Bridge, Configure, Record
from softswitch.mediaplane.recorder import Recording, Tap

HOST = "127.0.0.1"
PORT_MIN = 61000
"""Above Linux's default ephemeral range (32768-60999), where the phones' sockets land."""
_SEQ_TS_SSRC = struct.Struct("!HII")


def _phone() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.bind((HOST, 0))
    sock.setblocking(False)
    return sock


def relay(calls: int, rounds: int, backlog: int) -> str:
    control, _peer = socket.socketpair()
    engine = MediaEngine(control, port_min=PORT_MIN, port_max=PORT_MIN + 4 * calls + 9)
    callers = [_phone() for _ in range(calls)]
    phones = [_phone() for _ in range(calls)]
    targets = []
    for i in range(calls):
        legs = (2 * i, 2 * i + 1)
        for leg, sock in zip(legs, (callers[i], phones[i]), strict=True):
            port = engine._allocate(Allocate(request_id=0, stream_id=leg, local_host=HOST))
            if leg == legs[0]:
                targets.append((HOST, port))
            engine._configure(
                Configure(
                    request_id=0,
                    stream_id=leg,
                    remote_host=HOST,
                    remote_port=sock.getsockname()[1],
                    codec="PCMA",
                    payload_type=8,
                )
            )
        engine._bridge(Bridge(request_id=0, bridge_id=i, stream_ids=legs))
    streams = [engine._streams[2 * i] for i in range(calls)]
    drains = hasattr(engine, "_readable")
    handle = engine._readable if drains else engine._receive  # type: ignore[attr-defined]
    per_stream = 1 if drains else backlog
    packet = bytearray(172)
    sink = bytearray(2048)
    seq = 0
    costs = []
    for _ in range(rounds):
        for _ in range(backlog):
            seq += 1
            for i, sock in enumerate(callers):
                packet[0:2] = b"\x80\x08"
                _SEQ_TS_SSRC.pack_into(packet, 2, seq & 0xFFFF, seq * 160, 1000 + i)
                sock.sendto(packet, targets[i])
        engine._now = time.monotonic()
        engine._behind = backlog > 1
        started = time.process_time()
        for stream in streams:
            for _ in range(per_stream):
                handle(stream)
        costs.append((time.process_time() - started) / (calls * backlog))
        for sock in phones:
            while True:
                try:
                    sock.recv_into(sink)
                except BlockingIOError:
                    break
    for sock in callers + phones:
        sock.close()
    engine._teardown()
    return (
        f"relay: calls={calls} backlog={backlog} "
        f"median={1e6 * statistics.median(costs):.2f}us/packet best={1e6 * min(costs):.2f}us"
    )


class _NoFiles:
    """A writer that takes chunks and writes nothing: only the engine's side is measured."""

    def open(self, *args: object) -> None:
        pass

    def write(self, *args: object) -> None:
        pass

    def close(self, *args: object) -> None:
        pass


def capture(streams: int, ticks: int) -> str:
    payload = alaw_encode(np.zeros(160, dtype=np.int16))
    law = {"law": "PCMA"} if "law" in inspect.signature(Recording).parameters else {}
    taps = [
        (Tap(codec="PCMA", samples_per_packet=160), Tap(codec="PCMA", samples_per_packet=160))
        for _ in range(streams)
    ]
    recordings = [
        Recording(
            Record(request_id=0, record_id=i, bridge_id=i, path_mixed="unused.wav"),
            stream=None,  # type: ignore[arg-type]
            dtmf_streams=frozenset(),
            writer=_NoFiles(),  # type: ignore[arg-type]
            **law,  # type: ignore[arg-type]
        )
        for i in range(streams)
    ]
    pushed = pulled = 0.0
    now = 0.0
    for tick in range(ticks):
        started = time.process_time()
        for rx, tx in taps:
            rx.push(seq=tick, timestamp=160 * tick, ssrc=1, payload=payload, codec="PCMA", now=now)
            tx.push(seq=tick, timestamp=160 * tick, ssrc=2, payload=payload, codec="PCMA", now=now)
        middle = time.process_time()
        for (rx, tx), recording in zip(taps, recordings, strict=True):
            recording.add(rx.pull(now), tx.pull(now))
        pushed += middle - started
        pulled += time.process_time() - middle
        now += 0.02
    per = 1e6 / (ticks * streams)
    return (
        f"capture: streams={streams} push(2)={pushed * per:.2f}us "
        f"pull(2)+add={pulled * per:.2f}us per stream per tick"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    relay_args = commands.add_parser("relay", help="the packet path, per relayed packet")
    relay_args.add_argument("--calls", type=int, default=200)
    relay_args.add_argument("--rounds", type=int, default=100)
    relay_args.add_argument("--backlog", type=int, default=1, help="packets queued per socket")
    capture_args = commands.add_parser("capture", help="recording taps, per stream and tick")
    capture_args.add_argument("--streams", type=int, default=200)
    capture_args.add_argument("--ticks", type=int, default=500)
    args = parser.parse_args()
    if args.command == "relay":
        print(relay(args.calls, args.rounds, args.backlog))
    else:
        print(capture(args.streams, args.ticks))


if __name__ == "__main__":
    main()
