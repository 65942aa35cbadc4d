"""Outbound registration to trunks (``ps_registrations``): we are the UAC.

Each registration keeps one Call-ID and increments CSeq; a 401/407 is answered once per
challenge (again when the server says ``stale=true``); a 423 raises the asked expiry to the
server's ``Min-Expires``; the binding is refreshed a little before the granted expiry.
Failures retry after ``retry_interval`` up to ``max_retries`` times; a 403, or a challenge to
our credentials, stops retrying when ``auth_rejection_permanent`` is set. On shutdown we
unregister.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from dataclasses import dataclass, field

from sip.address import Address, TransportKind
from sip.auth import DigestChallenge, build_authorization, choose_challenge
from sip.builders import build_request, new_call_id
from sip.errors import SipError
from sip.message import Request, Response
from sip.stack import SipStack, new_tag
from sip.transport import TransportUnavailable
from sip.uri import NameAddr, SipUri
from softswitch.events import EventBus, RegistrationChanged
from softswitch.storage.records import AuthRecord, RegistrationRecord
from softswitch.storage.repository import Store

log = logging.getLogger(__name__)

REFRESH_MARGIN_S = 5.0
"""Re-register this long before the binding lapses (at most at 90 % of the granted time)."""


class RegistrationRefused(SipError):
    """The registrar refused us in a way retrying with the same credentials will not fix."""


class RequestFailed(SipError):
    """The registrar answered with an error that may pass (5xx, 408, ...)."""


class RegistrationState(enum.Enum):
    UNREGISTERED = "Unregistered"
    REGISTERED = "Registered"
    REJECTED = "Rejected"
    FAILED = "Failed"


@dataclass(slots=True)
class _Client:
    record: RegistrationRecord
    auth: AuthRecord | None
    call_id: str
    expiration: int
    """What we ask for: ``expiration``, or more once a 423 told us the registrar's minimum."""
    from_tag: str = field(default_factory=new_tag)
    cseq: int = 0
    state: RegistrationState = RegistrationState.UNREGISTERED
    granted: int = 0
    retries: int = 0
    task: asyncio.Task[None] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RegistrationStatus:
    id: str
    server_uri: str
    client_uri: str
    state: RegistrationState
    expires: int


class OutboundRegistrations:
    def __init__(self, *, stack: SipStack, store: Store, events: EventBus,
                 user_agent: str) -> None:
        self._stack = stack
        self._store = store
        self._events = events
        self._user_agent = user_agent
        self._clients: dict[str, _Client] = {}

    def status(self) -> list[RegistrationStatus]:
        return [
            RegistrationStatus(id=c.record.id, server_uri=c.record.server_uri,
                               client_uri=c.record.client_uri, state=c.state,
                               expires=c.granted)
            for c in self._clients.values()
        ]

    async def start(self) -> None:
        for record in await self._store.list_registrations():
            auth = (await self._store.get_auth(record.outbound_auth)
                    if record.outbound_auth else None)
            client = _Client(record=record, auth=auth, call_id=new_call_id("softswitch"),
                             expiration=record.expiration)
            self._clients[record.id] = client
            client.task = asyncio.ensure_future(self._run(client))

    async def close(self) -> None:
        for client in self._clients.values():
            if client.task is not None:
                client.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await client.task
        registered = [c for c in self._clients.values()
                      if c.state is RegistrationState.REGISTERED]
        if registered:
            await asyncio.gather(
                *(asyncio.wait_for(self._register(c, expires=0), timeout=2.0)
                  for c in registered),
                return_exceptions=True,
            )

    async def _run(self, client: _Client) -> None:
        record = client.record
        while True:
            try:
                granted = await self._register(client, expires=client.expiration)
            except RegistrationRefused as exc:
                self._set(client, RegistrationState.REJECTED, cause=str(exc))
                if record.auth_rejection_permanent:
                    log.warning("registration %s rejected permanently: %s", record.id, exc)
                    return
            except (SipError, TransportUnavailable, ValueError) as exc:
                self._set(client, RegistrationState.FAILED, cause=str(exc) or type(exc).__name__)
            else:
                client.retries = 0
                self._set(client, RegistrationState.REGISTERED, granted=granted)
                await asyncio.sleep(max(1.0, min(granted * 0.9, granted - REFRESH_MARGIN_S)))
                continue
            client.retries += 1
            if client.retries > record.max_retries:
                log.warning("registration %s gave up after %d attempts", record.id,
                            client.retries)
                return
            await asyncio.sleep(max(1, record.retry_interval))

    def _set(self, client: _Client, state: RegistrationState, *, granted: int = 0,
             cause: str = "") -> None:
        changed = client.state is not state
        client.state, client.granted = state, granted
        if changed:
            log.info("registration %s to %s: %s %s", client.record.id,
                     client.record.server_uri, state.value, cause)
            self._events.publish(RegistrationChanged(
                registration=client.record.id, server_uri=client.record.server_uri,
                status=state.value, cause=cause))

    async def _register(self, client: _Client, *, expires: int) -> int:
        """One REGISTER exchange, answering challenges and a 423; returns the granted expiry."""
        record = client.record
        server = SipUri.parse(record.server_uri)
        kind = TransportKind.from_token(server.transport or "udp")
        destination = Address(transport=kind, host=server.host, port=server.port or 5060)
        authorization: tuple[str, str] | None = None
        # Enough for a challenge, a 423, the challenge of the longer request and a stale nonce.
        for _ in range(5):
            request = self._build(client, server, kind, expires, authorization)
            response = await self._stack.send_request(request, destination)
            if response.status in (401, 407):
                header = "WWW-Authenticate" if response.status == 401 else "Proxy-Authenticate"
                challenge = choose_challenge(response.headers.get_all(header))
                if authorization is not None and not challenge.stale:
                    # Our answer to a live nonce was refused: the credentials are wrong, and
                    # sending them again would only count more failures against the account.
                    raise RegistrationRefused(
                        f"{response.status} {response.reason} (credentials rejected)")
                authorization = self._answer(client, response.status, challenge,
                                             str(request.uri))
                continue
            if response.status == 423 and expires > 0:
                minimum = _min_expires(response)
                if minimum is None or minimum <= expires:
                    raise RequestFailed(f"{response.status} {response.reason}")
                expires = client.expiration = minimum
                # A fresh challenge rather than a replayed nonce count for the new request.
                authorization = None
                continue
            if 200 <= response.status < 300:
                return 0 if expires == 0 else _granted(response, request, expires)
            if response.status in (403, 404):
                raise RegistrationRefused(f"{response.status} {response.reason}")
            raise RequestFailed(f"{response.status} {response.reason}")
        raise RegistrationRefused("too many challenges")

    def _build(self, client: _Client, server: SipUri, kind: TransportKind, expires: int,
               authorization: tuple[str, str] | None) -> Request:
        record = client.record
        aor = NameAddr.parse(record.client_uri)
        contact_uri = self._stack.contact_uri(kind, user=record.contact_user or "s",
                                              towards=server.host)
        client.cseq += 1
        return build_request(
            "REGISTER",
            SipUri(scheme=server.scheme, host=server.host, port=server.port,
                   params=server.params),
            via=self._stack.via_value(kind, towards=server.host),
            from_=aor.with_tag(client.from_tag),
            to=aor,
            call_id=client.call_id,
            cseq=client.cseq,
            contact=NameAddr(uri=contact_uri),
            user_agent=self._user_agent,
            headers=[("Expires", str(expires)), *([authorization] if authorization else [])],
        )

    def _answer(self, client: _Client, status: int, challenge: DigestChallenge,
                uri: str) -> tuple[str, str]:
        """The credentials header for *challenge*; *uri* is the challenged Request-URI, which
        the registrar hashes as sent (``;transport=tcp`` and all)."""
        auth = client.auth
        if auth is None:
            raise RegistrationRefused("challenged, but the registration has no outbound_auth")
        value = build_authorization(
            challenge,
            method="REGISTER",
            uri=uri,
            username=auth.username or auth.id,
            password=auth.password,
            ha1=auth.md5_cred,
        )
        return ("Authorization" if status == 401 else "Proxy-Authorization", value)


def _min_expires(response: Response) -> int | None:
    value = (response.headers.get("Min-Expires") or "").strip()
    return int(value) if value.isdigit() else None


def _granted(response: Response, request: Request, asked: int) -> int:
    """The expiry the registrar gave our own Contact (others may be listed too)."""
    ours = str(request.contacts[0].uri)
    for contact in response.contacts:
        value = contact.param("expires")
        if str(contact.uri) == ours and value and value.isdigit():
            return int(value)
    if response.expires is not None:
        return response.expires
    return asked
