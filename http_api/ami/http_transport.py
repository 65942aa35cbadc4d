"""The Manager API over HTTP, on the switch's HTTP listener.

``/rawman``, ``/mxml`` and ``/manager`` keep a cookie session (``mansession_id``): log in
with ``?action=Login&username=..&secret=..`` and send the cookie back. ``/arawman``,
``/amxml`` and ``/amanager`` authenticate every request with HTTP Digest instead. All six
also answer under ``/asterisk/``. GET and HEAD take the parameters from the query string,
POST from a form body; they become the headers of one AMI message, run by the same
:class:`~http_api.ami.session.Session` and actions as on TCP, with the HTTP client's address
for address rules and login throttling. The reply is 200 whatever the ``Response`` says,
except 401/403 from Digest, 501 for other methods and 503 when the session table is full.
Events wait in each session's queue until ``WaitEvent`` fetches them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING

from aiohttp import hdrs, web

from http_api.ami.actions import by_name
from http_api.ami.events import to_ami
from http_api.ami.formats import Format, render
from http_api.ami.http_digest import Challenge, DigestAuth, parse_authorization
from http_api.ami.http_sessions import HttpLimits, HttpSession, HttpSessions, Kind, TooManySessions
from http_api.ami.protocol import Limits, Message, Response
from http_api.ami.session import Session
from http_api.ami.throttle import LoginThrottle, ThrottleConfig
from softswitch import events as bus
from softswitch.manager_conf import acl_allows
from softswitch.storage.records import ManagerUserRecord

if TYPE_CHECKING:
    from softswitch.app import Switch

log = logging.getLogger(__name__)

REALM = "asterisk"
PREFIXES = ("", "/asterisk")
SWEEP_INTERVAL_S = 1.0

_METHODS = frozenset({hdrs.METH_GET, hdrs.METH_HEAD, hdrs.METH_POST})
_COOKIE = "mansession_id"
_SESSION_ID = re.compile(r"[0-9a-f]{8}")
_MAX_PARAMETERS = Limits().max_lines
"""As many parameters as a TCP message may have lines."""

Params = Sequence[tuple[str, str]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpManager:
    """The HTTP sessions and their routes; one per HTTP application."""

    def __init__(self, switch: Switch, *, limits: HttpLimits | None = None,
                 throttle: ThrottleConfig | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._switch = switch
        self._limits = limits or HttpLimits()
        self._sessions = HttpSessions(self._limits)
        self._digest = DigestAuth(realm=REALM)
        self._throttle = LoginThrottle(throttle)
        self._actions = by_name()
        self._clock = clock
        self._booted = False
        self._full = False

    def routes(self) -> list[web.RouteDef]:
        routes = []
        for fmt in Format:
            for prefix in PREFIXES:
                routes.append(web.route("*", f"{prefix}/{fmt.value}", self._cookie_route(fmt)))
                routes.append(web.route("*", f"{prefix}/a{fmt.value}", self._digest_route(fmt)))
        return routes

    async def lifecycle(self, _app: web.Application) -> AsyncIterator[None]:
        """``cleanup_ctx``: follow the switch's events and sweep idle sessions while serving."""
        unsubscribe = self._switch.events.subscribe(self._on_event)
        sweeper = asyncio.create_task(self._sweep())
        try:
            yield
        finally:
            unsubscribe()
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper

    async def shutdown(self, _app: web.Application) -> None:
        """``on_shutdown``: pending WaitEvents answer now, so stopping does not wait for them."""
        for entry in self._sessions:
            entry.session.queue.release()

    def _on_event(self, event: bus.Event) -> None:
        if isinstance(event, bus.FullyBooted):
            self._booted = True
        if not self._sessions:
            # Every call step is an event: formatting them for nobody costs calls per second.
            return
        ami = to_ami(event)
        if ami is not None:
            for entry in self._sessions:
                entry.session.deliver(ami)

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_S)
            for entry in self._sessions.sweep(self._clock()):
                log.debug("manager HTTP session %s from %s expired", entry.ident, entry.host)

    def _new_session(self, host: str) -> Session:
        limits = self._limits
        return Session(switch=self._switch, actions=self._actions, peer_host=host,
                       throttle=self._throttle, booted=lambda: self._booted, write=None,
                       max_wait_s=limits.http_timeout_s - limits.wait_margin_s,
                       queue_limit=limits.max_queued_events)

    def _open(self, kind: Kind, host: str) -> HttpSession:
        try:
            entry = self._sessions.open(kind=kind, host=host, now=self._clock(),
                                        make=lambda: self._new_session(host))
        except TooManySessions:
            if not self._full:
                log.warning("manager HTTP sessions: all %d in use, refusing new ones",
                            self._limits.max_sessions)
            self._full = True
            raise
        self._full = False
        return entry

    # -- cookie sessions -----------------------------------------------------------------

    def _cookie_route(self, fmt: Format) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._cookie_request(request, fmt)
        return handle

    async def _cookie_request(self, request: web.Request, fmt: Format) -> web.StreamResponse:
        if request.method not in _METHODS:
            return _not_implemented()
        params = await _parameters(request)
        host = request.remote or ""
        ident = _cookie_id(request)
        entry = None
        if ident is not None:
            entry = self._sessions.find(ident, kind=Kind.COOKIE, host=host, now=self._clock())
        if entry is None:
            try:
                entry = self._open(Kind.COOKIE, host)
            except TooManySessions as exc:
                return _reply(fmt, _error(str(exc), params), params,
                              status=HTTPStatus.SERVICE_UNAVAILABLE)
        response = _reply(fmt, await self._run(entry, params), params)
        response.headers[hdrs.SET_COOKIE] = (f'{_COOKIE}="{entry.ident}"; Version=1; '
                                             f"Max-Age={int(self._limits.http_timeout_s)}")
        response.headers[hdrs.PRAGMA] = "SuppressEvents"
        return response

    # -- Digest --------------------------------------------------------------------------

    def _digest_route(self, fmt: Format) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._digest_request(request, fmt)
        return handle

    async def _digest_request(self, request: web.Request, fmt: Format) -> web.StreamResponse:
        if request.method not in _METHODS:
            return _not_implemented()
        params = await _parameters(request)
        host = request.remote or ""
        header = request.headers.get(hdrs.AUTHORIZATION)
        credentials = parse_authorization(header) if header else None
        user = None
        if credentials is not None:
            user = await self._switch.store.get_manager_user(credentials.username)
        verdict = self._digest.check(credentials, method=request.method, uri=request.raw_path,
                                     secret=user.secret if user else None, now=self._clock())
        if isinstance(verdict, Challenge):
            if verdict.failure is not None and credentials is not None:
                delay = self._throttle.failed(host)
                log.warning("manager digest login %r from %s failed: %s; answering in %.1f s",
                            credentials.username, host, verdict.failure, delay)
                await asyncio.sleep(delay)
            return web.Response(status=HTTPStatus.UNAUTHORIZED, text="Unauthorized",
                                headers={hdrs.WWW_AUTHENTICATE: verdict.header(REALM)})
        assert user is not None, "only a known user's secret can be accepted"
        if not acl_allows(user.acl, host):
            log.warning("manager digest login %r from %s failed: address not permitted",
                        user.name, host)
            return web.Response(status=HTTPStatus.FORBIDDEN, text="Permission denied")
        entry = None
        if verdict.session_id is not None:
            entry = self._sessions.find(verdict.session_id, kind=Kind.DIGEST, host=host,
                                        now=self._clock())
        if entry is None:
            try:
                entry = self._open_digest(user, host, verdict.nonce)
            except TooManySessions as exc:
                return _reply(fmt, _error(str(exc), params), params,
                              status=HTTPStatus.SERVICE_UNAVAILABLE)
        return _reply(fmt, await self._run(entry, params), params)

    def _open_digest(self, user: ManagerUserRecord, host: str, nonce: str) -> HttpSession:
        entry = self._open(Kind.DIGEST, host)
        entry.session.log_in(user, None)
        self._digest.bind(nonce, entry.ident)
        return entry

    # -- both ----------------------------------------------------------------------------

    async def _run(self, entry: HttpSession, params: Params) -> bytes:
        """The AMI bytes answering *params* in *entry*'s session; Logoff ends the session."""
        problem = _problem(params)
        if problem is not None:
            return _error(problem, params)
        message = Message(tuple(params))
        entry.busy += 1
        try:
            data, close = await entry.session.process(message)
        finally:
            entry.busy -= 1
            # A long WaitEvent is not idle time.
            entry.last_used = self._clock()
        if close:
            self._sessions.close(entry.ident)
        return data


HTTP_MANAGER = web.AppKey("ami_http_manager", HttpManager)


def setup(app: web.Application, switch: Switch) -> None:
    """Mount the Manager API's HTTP routes on *app* (an ``http_api.server`` surface)."""
    manager = HttpManager(switch)
    app[HTTP_MANAGER] = manager
    app.add_routes(manager.routes())
    app.cleanup_ctx.append(manager.lifecycle)
    app.on_shutdown.append(manager.shutdown)


async def _parameters(request: web.Request) -> list[tuple[str, str]]:
    if request.method == hdrs.METH_POST:
        form = await request.post()
        pairs = [(key, value) for key, value in form.items() if isinstance(value, str)]
    else:
        pairs = list(request.query.items())
    # ``?a=1&`` and similar leave empty names behind: they are no header.
    return [(key.strip(), value) for key, value in pairs if key.strip()]


def _problem(params: Params) -> str | None:
    """Why *params* cannot be one AMI message (the same limits as on TCP), or None."""
    if len(params) > _MAX_PARAMETERS:
        return "Message too long"
    for key, value in params:
        if any(char in text for text in (key, value) for char in "\r\n"):
            # TCP framing cannot carry a line break either; actions never see one.
            return f"Line break in parameter {key[:80]}"
    return None


def _error(text: str, params: Params) -> bytes:
    return Response.error(text).encode(Message(tuple(params)).get("ActionID"))


def _cookie_id(request: web.Request) -> str | None:
    value = request.cookies.get(_COOKIE, "").strip().strip('"').lower()
    return value if _SESSION_ID.fullmatch(value) else None


def _reply(fmt: Format, data: bytes, params: Params,
           status: HTTPStatus = HTTPStatus.OK) -> web.Response:
    charset = None if fmt is Format.RAW else "utf-8"
    return web.Response(body=render(fmt, data, params), status=status,
                        content_type=fmt.content_type, charset=charset,
                        headers={hdrs.CACHE_CONTROL: "no-cache"})


def _not_implemented() -> web.Response:
    return web.Response(status=HTTPStatus.NOT_IMPLEMENTED, text="Not Implemented")
