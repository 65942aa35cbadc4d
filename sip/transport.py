"""asyncio transports: they move bytes between sockets and a receiver, nothing more.

UDP is one datagram endpoint. TCP keeps one connection per flow; inbound bytes go through a
:class:`~sip.framing.StreamFramer`, CRLF keep-alive pings are answered with a CRLF pong, and a
connection that stalls half-way through a message (or stays silent too long) is closed.
Requests to a TCP address with no live flow open a new connection.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from sip.address import Address, TransportKind
from sip.errors import ParseError
from sip.framing import KEEPALIVE_PING, StreamFramer
from sip.message import Limits

log = logging.getLogger(__name__)

Receiver = Callable[[bytes, Address], None]
"""Called with each complete message's bytes and where they came from."""


class TransportUnavailable(Exception):
    """No transport can reach the destination (none configured, or connecting failed)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamTimeouts:
    idle: float = 300.0
    """Close a connection that has sent nothing for this long."""
    partial: float = 30.0
    """Close a connection that left a message half-sent for this long."""


class UdpTransport(asyncio.DatagramProtocol):
    kind = TransportKind.UDP

    def __init__(self, receiver: Receiver, limits: Limits) -> None:
        self._receiver = receiver
        self._limits = limits
        self._transport: asyncio.DatagramTransport | None = None
        self.local: tuple[str, int] = ("0.0.0.0", 0)

    @classmethod
    async def listen(
        cls, host: str, port: int, receiver: Receiver, limits: Limits
    ) -> UdpTransport:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_datagram_endpoint(
            lambda: cls(receiver, limits), local_addr=(host, port)
        )
        return protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's UDP transport does not subclass asyncio.DatagramTransport.
        self._transport = cast(asyncio.DatagramTransport, transport)
        sockname = transport.get_extra_info("sockname")
        self.local = (sockname[0], sockname[1])

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        host, port = str(addr[0]), int(addr[1])
        if len(data) > self._limits.max_bytes:
            log.warning("dropped %d-byte datagram from %s:%d: message too large", len(data),
                        host, port)
            return
        self._receiver(data, Address(transport=TransportKind.UDP, host=host, port=port))

    def error_received(self, exc: Exception) -> None:
        # ICMP port-unreachable for a datagram we sent: the transaction's timer handles it.
        log.debug("UDP error: %s", exc)

    def send(self, data: bytes, destination: Address) -> None:
        if self._transport is None or self._transport.is_closing():
            raise TransportUnavailable("UDP transport is closed")
        self._transport.sendto(data, (destination.host, destination.port))

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


class _Connection(asyncio.Protocol):
    def __init__(self, owner: TcpTransport, flow: int, limits: Limits) -> None:
        self._owner = owner
        self.flow = flow
        self._framer = StreamFramer(limits)
        self._transport: asyncio.Transport | None = None
        self.peer: Address | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        peername = transport.get_extra_info("peername")
        self.peer = Address(
            transport=TransportKind.TCP, host=str(peername[0]), port=int(peername[1]),
            flow=self.flow,
        )
        self._owner._register(self)
        self._rearm()

    def data_received(self, data: bytes) -> None:
        assert self.peer is not None
        try:
            frames = self._framer.feed(data)
        except ParseError as exc:
            log.warning("closing TCP connection from %s: %s", self.peer.without_flow(), exc)
            self.close()
            return
        for frame in frames:
            if frame == KEEPALIVE_PING:
                self.write(b"\r\n")
            else:
                self._owner._receiver(frame, self.peer)
        self._rearm()

    def _rearm(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        timeouts = self._owner.timeouts
        delay = timeouts.partial if self._framer.has_partial else timeouts.idle
        self._watchdog = asyncio.get_running_loop().call_later(delay, self._expire)

    def _expire(self) -> None:
        reason = "message left incomplete" if self._framer.has_partial else "idle"
        log.warning("closing TCP connection from %s: %s", self.peer and self.peer.without_flow(),
                    reason)
        self.close()

    def write(self, data: bytes) -> None:
        if self._transport is None or self._transport.is_closing():
            raise TransportUnavailable("TCP connection is closed")
        self._transport.write(data)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._owner._unregister(self)
        if not self.closed.done():
            self.closed.set_result(None)


class TcpTransport:
    kind = TransportKind.TCP

    def __init__(self, receiver: Receiver, limits: Limits, timeouts: StreamTimeouts) -> None:
        self._receiver = receiver
        self._limits = limits
        self.timeouts = timeouts
        self._flows: dict[int, _Connection] = {}
        self._by_peer: dict[tuple[str, int], _Connection] = {}
        self._ids = itertools.count(1)
        self._server: asyncio.Server | None = None
        self.local: tuple[str, int] = ("0.0.0.0", 0)

    @classmethod
    async def listen(
        cls, host: str, port: int, receiver: Receiver, limits: Limits, timeouts: StreamTimeouts
    ) -> TcpTransport:
        self = cls(receiver, limits, timeouts)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._new_connection, host, port,
                                                reuse_address=True)
        sockname = self._server.sockets[0].getsockname()
        self.local = (sockname[0], sockname[1])
        return self

    def _new_connection(self) -> _Connection:
        return _Connection(self, next(self._ids), self._limits)

    def _register(self, conn: _Connection) -> None:
        assert conn.peer is not None
        self._flows[conn.flow] = conn
        self._by_peer[(conn.peer.host, conn.peer.port)] = conn

    def _unregister(self, conn: _Connection) -> None:
        self._flows.pop(conn.flow, None)
        if conn.peer is not None and self._by_peer.get((conn.peer.host, conn.peer.port)) is conn:
            del self._by_peer[(conn.peer.host, conn.peer.port)]

    def has_flow(self, flow: int) -> bool:
        return flow in self._flows

    async def send(self, data: bytes, destination: Address) -> Address:
        """Send on the destination's flow, or on any connection to it, or on a new one.

        Returns the address with the flow actually used.
        """
        conn = self._flows.get(destination.flow) if destination.flow is not None else None
        if conn is None:
            conn = self._by_peer.get((destination.host, destination.port))
        if conn is None:
            loop = asyncio.get_running_loop()
            try:
                _, opened = await asyncio.wait_for(
                    loop.create_connection(
                        self._new_connection, destination.host, destination.port
                    ),
                    timeout=self.timeouts.partial,
                )
            except (OSError, TimeoutError) as exc:
                raise TransportUnavailable(f"cannot connect to {destination}: {exc}") from exc
            conn = opened
        conn.write(data)
        assert conn.peer is not None
        return conn.peer

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self._flows.values()):
            conn.close()
        waits = [conn.closed for conn in self._flows.values()]
        if waits:
            await asyncio.wait(waits, timeout=2)
        if self._server is not None:
            await self._server.wait_closed()
