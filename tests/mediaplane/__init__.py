"""Shared by the media-plane tests: fake phones on loopback and a started media plane.

A :class:`Phone` is a plain UDP socket that sends RTP paced by absolute deadlines and keeps
every packet it receives with its arrival time. Everything waits with a bound on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from media.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from rtp.packet import RtpPacket, is_rtcp
from softswitch.mediaplane.client import MediaPlane
from softswitch.mediaplane.protocol import Codec, Event

HOST = "127.0.0.1"
Samples = npt.NDArray[np.int16]


def port_range(pairs: int = 10) -> tuple[int, int]:
    """A random even-aligned range, so parallel or back-to-back tests rarely share ports."""
    base = random.randrange(20000, 60000 - 2 * pairs, 2)
    return base, base + 2 * pairs - 1


@dataclass
class Started:
    plane: MediaPlane
    events: list[Event]
    port_min: int
    port_max: int

    async def wait_event(self, match: Callable[[Event], bool], within_s: float = 3.0) -> Event:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            for event in self.events:
                if match(event):
                    return event
            await asyncio.sleep(0.01)
        raise AssertionError(f"no matching event within {within_s} s; got {self.events}")


@asynccontextmanager
async def media_plane(*, pairs: int = 10, in_process: bool = False) -> AsyncIterator[Started]:
    port_min, port_max = port_range(pairs)
    plane = await MediaPlane.start(
        port_min=port_min, port_max=port_max, log_level="WARNING", in_process=in_process
    )
    events: list[Event] = []
    plane.subscribe(events.append)
    try:
        yield Started(plane, events, port_min, port_max)
    finally:
        await plane.close()


def encode(samples: Samples, codec: Codec) -> bytes:
    return ulaw_encode(samples) if codec == "PCMU" else alaw_encode(samples)


def decode(payload: bytes, codec: Codec) -> Samples:
    return ulaw_decode(payload) if codec == "PCMU" else alaw_decode(payload)


class Phone:
    """A UDP socket on loopback playing an RTP endpoint."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.setblocking(False)
        self.received: list[tuple[float, RtpPacket]] = []
        self.sources: set[tuple[str, int]] = set()
        self.ssrc = random.getrandbits(32)
        self.seq = random.getrandbits(16)
        self.ts = random.getrandbits(32)
        self._task: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()

    @property
    def port(self) -> int:
        port: int = self.sock.getsockname()[1]
        return port

    async def __aenter__(self) -> Phone:
        self._task = asyncio.get_running_loop().create_task(self._receive())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
        self.sock.close()

    async def _receive(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            data, addr = await loop.sock_recvfrom(self.sock, 2048)
            if is_rtcp(data):
                # Another phone's RTCP: the engine sends it to the port above the RTP port.
                continue
            self.sources.add(addr)
            self.received.append((time.monotonic(), RtpPacket.parse(data)))
            self._arrived.set()

    def send(self, port: int, packet: RtpPacket) -> None:
        self.sock.sendto(packet.to_bytes(), (HOST, port))

    def packet(
        self, pt: int, payload: bytes, *, marker: bool = False, step: int = 160
    ) -> RtpPacket:
        """The next packet of this phone's stream."""
        packet = RtpPacket(
            payload_type=pt,
            sequence=self.seq,
            timestamp=self.ts,
            ssrc=self.ssrc,
            payload=payload,
            marker=marker,
        )
        self.seq = (self.seq + 1) & 0xFFFF
        self.ts = (self.ts + step) & 0xFFFFFFFF
        return packet

    async def stream(self, port: int, packets: Iterable[RtpPacket], interval: float = 0.02) -> None:
        """Send *packets* at ``t0 + n * interval``."""
        t0 = time.monotonic()
        for n, packet in enumerate(packets):
            delay = t0 + n * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self.send(port, packet)

    async def talk(
        self, port: int, samples: Samples, *, codec: Codec, pt: int, interval: float = 0.02
    ) -> None:
        """Send *samples* as 20 ms packets."""
        frames = [samples[i : i + 160] for i in range(0, len(samples) - 159, 160)]
        packets = [self.packet(pt, encode(f, codec), marker=i == 0) for i, f in enumerate(frames)]
        await self.stream(port, packets, interval)

    async def wait_packets(self, count: int, within_s: float = 3.0) -> list[RtpPacket]:
        """Every packet so far, once there are *count* or *within_s* passed."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within_s):
                while len(self.received) < count:
                    self._arrived.clear()
                    await self._arrived.wait()
        return [packet for _, packet in self.received]

    async def quiet(self, period: float = 0.1, within_s: float = 3.0) -> list[RtpPacket]:
        """Wait until nothing arrived for *period*; every packet so far."""
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            last = self.received[-1][0] if self.received else 0.0
            if time.monotonic() - last >= period:
                break
            await asyncio.sleep(0.01)
        return [packet for _, packet in self.received]


async def wire(
    started: Started, a: Phone, b: Phone, *, codec_a: Codec = "PCMU", codec_b: Codec = "PCMU"
) -> tuple[int, int]:
    """Streams 1 (to phone *a*) and 2 (to *b*), configured and bridged as bridge 1."""
    plane = started.plane
    port_a = await plane.allocate(1, HOST)
    port_b = await plane.allocate(2, HOST)
    await plane.configure(
        1,
        remote_host=HOST,
        remote_port=a.port,
        codec=codec_a,
        payload_type=0 if codec_a == "PCMU" else 8,
        dtmf_payload_type=101,
    )
    await plane.configure(
        2,
        remote_host=HOST,
        remote_port=b.port,
        codec=codec_b,
        payload_type=0 if codec_b == "PCMU" else 8,
        dtmf_payload_type=96,
    )
    await plane.bridge(1, (1, 2))
    return port_a, port_b
