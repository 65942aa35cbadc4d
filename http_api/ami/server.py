"""The Manager API's TCP listener: a banner, then one :class:`Session` per connection.

Limits: connections at once, unauthenticated connections at once (Asterisk's ``authlimit``),
time to log in (``authtimeout``), and output a client leaves unread before it is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from http_api.ami.actions import by_name
from http_api.ami.events import to_ami
from http_api.ami.protocol import BANNER, AmiParser, AmiProtocolError, Response
from http_api.ami.session import Session
from http_api.ami.throttle import LoginThrottle, ThrottleConfig
from softswitch import events as bus

if TYPE_CHECKING:
    from softswitch.app import Switch

log = logging.getLogger(__name__)

_READ_SIZE = 65536


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerLimits:
    max_connections: int = 1000
    max_unauthenticated: int = 50
    auth_timeout_s: float = 30.0
    max_unread_output: int = 4 * 1024 * 1024
    """Bytes queued for a client that does not read; beyond this it is disconnected."""


class AmiServer:
    def __init__(self, switch: Switch, *, limits: ServerLimits | None = None,
                 throttle: ThrottleConfig | None = None) -> None:
        self._switch = switch
        self._limits = limits or ServerLimits()
        self._throttle = LoginThrottle(throttle)
        self._actions = by_name()
        self._sessions: set[Session] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._booted = False

    async def start(self, host: str, port: int) -> None:
        self._server = await asyncio.start_server(self._connection, host, port)
        self._unsubscribe = self._switch.events.subscribe(self._on_event)
        log.info("manager listening on %s:%d", host, self.port)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the manager is not listening")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            await self._server.wait_closed()

    def _on_event(self, event: bus.Event) -> None:
        if isinstance(event, bus.FullyBooted):
            self._booted = True
        if not self._sessions:
            # Every call step is an event: formatting them for nobody costs calls per second.
            return
        ami = to_ami(event)
        if ami is not None:
            for session in list(self._sessions):
                session.deliver(ami)

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        peer = writer.get_extra_info("peername")
        host = str(peer[0]) if peer else ""
        try:
            if len(self._tasks) > self._limits.max_connections or (
                self._unauthenticated() >= self._limits.max_unauthenticated
            ):
                log.warning("manager connection from %s refused: too many connections", host)
                return
            await self._serve(reader, writer, host)
        except (ConnectionError, TimeoutError) as exc:
            log.info("manager connection from %s ended: %s", host, exc or type(exc).__name__)
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _unauthenticated(self) -> int:
        return sum(1 for session in self._sessions if not session.authenticated)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     host: str) -> None:
        def write(data: bytes) -> None:
            if writer.transport.get_write_buffer_size() > self._limits.max_unread_output:
                log.warning("manager client %s does not read its events: disconnecting", host)
                writer.transport.abort()
                return
            writer.write(data)

        session = Session(switch=self._switch, actions=self._actions, peer_host=host,
                          throttle=self._throttle, booted=lambda: self._booted, write=write)
        parser = AmiParser()
        writer.write(BANNER)
        self._sessions.add(session)
        try:
            while True:
                timeout = None if session.authenticated else self._limits.auth_timeout_s
                async with asyncio.timeout(timeout):
                    data = await reader.read(_READ_SIZE)
                if not data:
                    return
                try:
                    messages = parser.feed(data)
                except AmiProtocolError as exc:
                    log.warning("manager client %s sent a bad message: %s", host, exc)
                    write(Response.error(str(exc)).encode(None))
                    await writer.drain()
                    return
                for message in messages:
                    reply, close = await session.process(message)
                    write(reply)
                    await writer.drain()
                    if close:
                        return
        finally:
            self._sessions.discard(session)
