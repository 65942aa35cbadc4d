"""The asyncio adapter around :class:`~sip.transaction.TransactionLayer`.

It owns the transports and one loop timer, turns received bytes into messages (answering
unparseable requests with 400 when it can), stamps ``received``/``rport`` on the top Via
(RFC 3581), and offers the transaction user two calls: a handler invoked per new server
transaction, and ``await send_request(...)`` for client transactions.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sip.address import Address, TransportKind
from sip.errors import ParseError, SipError
from sip.message import (
    Limits,
    Method,
    Request,
    Response,
    make_error_response,
    make_response,
    parse_message,
)
from sip.transaction import (
    BRANCH_COOKIE,
    AckReceived,
    CancelReceived,
    Event,
    Outgoing,
    RequestReceived,
    ResponseReceived,
    StrayResponse,
    TimerConfig,
    TransactionKey,
    TransactionLayer,
    TransactionTerminated,
    TransactionTimedOut,
    TransportFailed,
)
from sip.transport import StreamTimeouts, TcpTransport, TransportUnavailable, UdpTransport
from sip.uri import SipUri

log = logging.getLogger(__name__)


class RequestTimeout(SipError):
    """No final response arrived before Timer B/F (the caller treats it as 408)."""

    status_code = 408


class CallLogger(logging.LoggerAdapter[logging.Logger]):
    """Prefixes every line with the Call-ID it concerns."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{self.extra['call_id'] if self.extra else '-'}] {msg}", kwargs


def call_logger(logger: logging.Logger, call_id: str) -> CallLogger:
    return CallLogger(logger, {"call_id": call_id})


@dataclass(frozen=True, slots=True, kw_only=True)
class StackConfig:
    timers: TimerConfig = field(default_factory=TimerConfig)
    limits: Limits = field(default_factory=Limits)
    stream_timeouts: StreamTimeouts = field(default_factory=StreamTimeouts)
    advertised_host: str | None = None
    """Host written into our Via/Contact when the bind address is a wildcard."""
    server_name: str | None = None
    """``Server`` header on our responses."""


def new_branch() -> str:
    return BRANCH_COOKIE + secrets.token_hex(8)


def new_tag() -> str:
    return secrets.token_hex(6)


class ServerTransaction:
    """What the transaction user holds while it answers one request."""

    def __init__(self, stack: SipStack, key: TransactionKey, request: Request,
                 source: Address) -> None:
        self._stack = stack
        self.key = key
        self.request = request
        self.source = source
        self.to_tag = request.to.tag or new_tag()
        self.cancelled = asyncio.Event()
        self.finished = False
        self.log = call_logger(log, request.call_id)

    def respond(self, response: Response) -> None:
        if response.status >= 200:
            self.finished = True
        self._stack._respond(self.key, response)
        if self.finished:
            self._stack._answered(self)

    def reply(
        self,
        status: int,
        reason: str | None = None,
        *,
        headers: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> Response:
        """Build a response to this request (with our To-tag) and send it."""
        extra = list(headers)
        if self._stack.config.server_name:
            extra.append(("Server", self._stack.config.server_name))
        response = make_response(
            self.request, status, reason,
            to_tag=self.to_tag if status > 100 else None,
            headers=extra, body=body,
        )
        self.respond(response)
        return response


RequestHandler = Callable[[ServerTransaction], Awaitable[None]]
AckHandler = Callable[[Request, Address], None]
StrayHandler = Callable[[Response, Address], None]


@dataclass(slots=True)
class _Pending:
    future: asyncio.Future[Response]
    on_provisional: Callable[[Response], None] | None


class SipStack:
    def __init__(self, config: StackConfig, handler: RequestHandler) -> None:
        self.config = config
        self._handler = handler
        self.layer = TransactionLayer(config.timers)
        self._loop = asyncio.get_running_loop()
        self._udp: UdpTransport | None = None
        self._tcp: TcpTransport | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._servers: dict[TransactionKey, ServerTransaction] = {}
        """Server transactions not answered yet."""
        self._answered_invites: dict[TransactionKey, str] = {}
        """INVITEs answered, to their To tag, until their transaction ends: the 200 to a late
        CANCEL needs only that (RFC 3261 §9.2), and at high call rates the handles of the
        transactions lingering for 32 s would be most of what the garbage collector walks."""
        self._clients: dict[TransactionKey, _Pending] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.on_ack: AckHandler | None = None
        self.on_stray_response: StrayHandler | None = None
        self.closing = False

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self, *, udp: tuple[str, int] | None, tcp: tuple[str, int] | None) -> None:
        if udp is not None:
            self._udp = await UdpTransport.listen(udp[0], udp[1], self._on_bytes,
                                                  self.config.limits)
        if tcp is not None:
            self._tcp = await TcpTransport.listen(tcp[0], tcp[1], self._on_bytes,
                                                  self.config.limits,
                                                  self.config.stream_timeouts)

    async def close(self) -> None:
        self.closing = True
        # Client waits first: handlers being cancelled may still wait for their requests.
        for pending in self._clients.values():
            if not pending.future.done():
                pending.future.cancel()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._timer is not None:
            self._timer.cancel()
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            await self._tcp.close()

    def bound(self, kind: TransportKind) -> tuple[str, int]:
        """The address the *kind* transport listens on (possibly a wildcard)."""
        transport = self._udp if kind is TransportKind.UDP else self._tcp
        if transport is None:
            raise TransportUnavailable(f"no {kind.value} transport")
        return transport.local

    def local_endpoint(self, kind: TransportKind, towards: str | None = None) -> tuple[str, int]:
        """The host and port to advertise in Via, Contact and SDP for *kind*.

        On a wildcard bind that is the configured external address, else the address of the
        interface that routes *towards* the peer (so a LAN phone never sees 127.0.0.1).
        """
        transport = self._udp if kind is TransportKind.UDP else self._tcp
        if transport is None:
            raise TransportUnavailable(f"no {kind.value} transport")
        host, port = transport.local
        if host in ("0.0.0.0", "::"):
            host = self.config.advertised_host or _route_source(towards, host)
        return host, port

    @property
    def transports(self) -> tuple[TransportKind, ...]:
        kinds = []
        if self._udp is not None:
            kinds.append(TransportKind.UDP)
        if self._tcp is not None:
            kinds.append(TransportKind.TCP)
        return tuple(kinds)

    def via_value(self, kind: TransportKind, branch: str | None = None, *,
                  towards: str | None = None) -> str:
        host, port = self.local_endpoint(kind, towards)
        host_text = f"[{host}]" if ":" in host else host
        return f"SIP/2.0/{kind.via_token} {host_text}:{port};branch={branch or new_branch()};rport"

    def contact_uri(self, kind: TransportKind, user: str | None = None, *,
                    towards: str | None = None) -> SipUri:
        host, port = self.local_endpoint(kind, towards)
        params: tuple[tuple[str, str | None], ...] = (
            () if kind is TransportKind.UDP else (("transport", kind.value.lower()),)
        )
        return SipUri(scheme="sip", user=user, host=host, port=port, params=params)

    # -- client side ----------------------------------------------------------------------

    async def send_request(
        self,
        request: Request,
        destination: Address,
        *,
        on_provisional: Callable[[Response], None] | None = None,
    ) -> Response:
        """Send *request* in a client transaction and wait for its final response."""
        key = self.layer.send_request(request, destination, self._loop.time())
        future: asyncio.Future[Response] = self._loop.create_future()
        self._clients[key] = _Pending(future=future, on_provisional=on_provisional)
        self._pump()
        try:
            return await future
        except asyncio.CancelledError:
            # The caller gave up (a qualify timeout, a hangup): stop retransmitting.
            self.layer.abandon(key)
            self._pump()
            raise
        finally:
            self._clients.pop(key, None)

    def send_stateless(self, message: Request | Response, destination: Address) -> None:
        self.layer.send_stateless(message, destination)
        self._pump()

    # -- receive path ---------------------------------------------------------------------

    def _on_bytes(self, data: bytes, source: Address) -> None:
        if not data.strip(b"\r\n"):
            return  # a UDP CRLF keep-alive
        try:
            message = parse_message(
                data, limits=self.config.limits, stream=source.transport.reliable
            )
        except ParseError as exc:
            is_response = data.lstrip(b"\r\n").startswith(b"SIP/")
            log.warning("bad SIP message from %s: %s", source.without_flow(), exc)
            answer = None if is_response else make_error_response(exc)
            if answer is not None:
                self.layer.send_stateless(answer, source)
                self._pump()
            return
        if isinstance(message, Request):
            try:
                message = _stamp_via(message, source)
            except ParseError as exc:
                log.warning("bad SIP message from %s: %s", source.without_flow(), exc)
                return
        try:
            self.layer.receive(message, source, self._loop.time())
        except ParseError as exc:
            log.warning("bad SIP message from %s: %s", source.without_flow(), exc)
            answer = (make_error_response(exc, request=message)
                      if isinstance(message, Request) else None)
            if answer is not None:
                self.layer.send_stateless(answer, source)
        self._pump()

    def _respond(self, key: TransactionKey, response: Response) -> None:
        self.layer.send_response(key, response, self._loop.time())
        self._pump()

    def _answered(self, handle: ServerTransaction) -> None:
        # Gone already when its transaction ended at once (a reliable transport).
        if self._servers.pop(handle.key, None) is not None and handle.key.method == Method.INVITE:
            self._answered_invites[handle.key] = handle.to_tag

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        self.layer.handle_timer(self._loop.time())
        self._pump()

    # -- the pump: outgoing bytes, events, the one timer -------------------------------------

    def _pump(self) -> None:
        for out in self.layer.datagrams_to_send():
            self._transmit(out)
        while (event := self.layer.next_event()) is not None:
            self._dispatch(event)
        deadline = self.layer.get_timer()
        if deadline != self._timer_at:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._timer_at = deadline
            if deadline is not None:
                self._timer = self._loop.call_at(deadline, self._on_timer)

    def _transmit(self, out: Outgoing) -> None:
        dest = out.destination
        try:
            if dest.transport is TransportKind.UDP:
                if self._udp is None:
                    raise TransportUnavailable("no UDP transport")
                self._udp.send(out.data, dest)
            elif dest.transport is TransportKind.TCP and self._tcp is not None:
                self._spawn(self._send_stream(self._tcp, out))
            else:
                raise TransportUnavailable(f"no {dest.transport.value} transport")
        except TransportUnavailable as exc:
            log.warning("cannot send to %s: %s", dest, exc)

    async def _send_stream(self, tcp: TcpTransport, out: Outgoing) -> None:
        try:
            await tcp.send(out.data, out.destination)
        except TransportUnavailable as exc:
            log.warning("cannot send to %s: %s", out.destination, exc)
            if out.key is not None:
                self.layer.transport_error(out.key, self._loop.time())
                self._pump()

    def background(self, coro: Awaitable[None]) -> None:
        """Run *coro* (a request nobody waits for, such as a BYE) as one of the stack's own
        tasks: an error is logged, and closing the stack ends it."""
        self._spawn(coro)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("SIP handler failed", exc_info=exc)

    def _dispatch(self, event: Event) -> None:
        match event:
            case RequestReceived(key=key, request=request, source=source):
                handle = ServerTransaction(self, key, request, source)
                self._servers[key] = handle
                if self.closing:
                    handle.reply(503)
                    return
                self._spawn(self._run_handler(handle))
            case CancelReceived(key=key, request=request, source=source, invite=invite):
                target = self._servers.get(invite) if invite is not None else None
                tag = (target.to_tag if target is not None
                       else self._answered_invites.get(invite) if invite is not None else None)
                self.layer.send_response(
                    key,
                    make_response(request, 481 if tag is None else 200, to_tag=tag or new_tag()),
                    self._loop.time(),
                )
                if target is not None and not target.finished:
                    target.cancelled.set()
            case AckReceived(request=request, source=source):
                if self.on_ack is not None:
                    self.on_ack(request, source)
            case ResponseReceived(key=key, response=response):
                pending = self._clients.get(key)
                if pending is None:
                    return
                if response.status < 200:
                    if pending.on_provisional is not None:
                        pending.on_provisional(response)
                elif not pending.future.done():
                    pending.future.set_result(response)
                elif self.on_stray_response is not None:
                    self.on_stray_response(response, event.source)
            case StrayResponse(response=response, source=source):
                if self.on_stray_response is not None:
                    self.on_stray_response(response, source)
            case TransactionTimedOut(key=key):
                pending = self._clients.get(key)
                if pending is not None and not pending.future.done():
                    pending.future.set_exception(RequestTimeout("no final response"))
            case TransportFailed(key=key):
                pending = self._clients.get(key)
                if pending is not None and not pending.future.done():
                    pending.future.set_exception(TransportUnavailable("transport failed"))
            case TransactionTerminated(key=key):
                self._servers.pop(key, None)
                self._answered_invites.pop(key, None)

    async def _run_handler(self, handle: ServerTransaction) -> None:
        try:
            await self._handler(handle)
        except asyncio.CancelledError:
            raise
        except SipError as exc:
            handle.log.warning("%s %s failed: %s", handle.request.method, handle.request.uri, exc)
            if not handle.finished:
                handle.reply(exc.status_code)
        except Exception:
            handle.log.exception("%s handler crashed", handle.request.method)
            if not handle.finished:
                handle.reply(500)


@functools.lru_cache(maxsize=1024)
def _route_source(peer: str | None, wildcard: str) -> str:
    """The local address the kernel would send from towards *peer* (no packet is sent)."""
    if peer is None:
        return "127.0.0.1" if wildcard == "0.0.0.0" else "::1"
    family = socket.AF_INET6 if ":" in peer else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((peer, 9))
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1" if family == socket.AF_INET else "::1"


def _stamp_via(request: Request, source: Address) -> Request:
    """RFC 3581 / §18.2.1: record where the request really came from in its top Via."""
    via = request.top_via
    stamped = via
    if via.host != source.host:
        stamped = stamped.with_param("received", source.host)
    if via.has_rport:
        stamped = stamped.with_param("rport", str(source.port))
    if stamped is via:
        return request
    values = request.headers.get_all("Via")
    values[0] = str(stamped)
    return request.with_headers(request.headers.with_replaced_all("Via", values))

