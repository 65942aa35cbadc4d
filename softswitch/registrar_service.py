"""REGISTER handling: identify the endpoint, authenticate, bind contacts, persist them.

The binding rules live in :mod:`sip.registrar`; this module joins them to the database and
serialises REGISTERs per AOR so that two phones racing for the last slot cannot both win.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
import weakref
from collections.abc import Callable

from sip.address import Address
from sip.message import Request
from sip.registrar import (
    AorPolicy,
    Binding,
    RegisterRequestView,
    apply_register,
    contact_header_values,
)
from sip.stack import ServerTransaction
from sip.uri import SipUri
from softswitch.authenticator import Authenticator
from softswitch.events import ContactChanged, EventBus
from softswitch.identify import EndpointIdentifier
from softswitch.storage.records import AorRecord, ContactRecord, contact_id
from softswitch.storage.repository import Store

log = logging.getLogger(__name__)


def aor_policy(aor: AorRecord) -> AorPolicy:
    return AorPolicy(
        max_contacts=aor.max_contacts,
        remove_existing=aor.remove_existing,
        default_expiration=aor.default_expiration,
        minimum_expiration=aor.minimum_expiration,
        maximum_expiration=aor.maximum_expiration,
    )


def binding_of(contact: ContactRecord) -> Binding:
    return Binding(
        uri=contact.uri,
        contact=contact.contact_header or f"<{contact.uri}>",
        expires_at=float(contact.expiration_time),
        call_id=contact.call_id or "",
        cseq=contact.cseq,
        instance=contact.instance_id,
        reg_id=contact.reg_id,
        user_agent=contact.user_agent,
        path=tuple(contact.path.split(",")) if contact.path else (),
    )


class RegistrarService:
    def __init__(
        self,
        *,
        store: Store,
        identifier: EndpointIdentifier,
        authenticator: Authenticator,
        events: EventBus,
        node_name: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._identifier = identifier
        self._auth = authenticator
        self._events = events
        self._node = node_name
        self._clock = clock
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    async def handle(self, tx: ServerTransaction) -> None:
        request = tx.request
        endpoint = await self._identifier.identify(request, tx.source)
        auth = await self._store.get_auth(endpoint.auth) if endpoint and endpoint.auth else None
        if endpoint is None or endpoint.auth:
            verdict = self._auth.verify(request, tx.source, endpoint, auth)
            if not verdict.ok or endpoint is None:
                tx.reply(401, headers=verdict.challenge)
                return
        aor_name = _aor_name(request)
        if aor_name is None or aor_name not in endpoint.aors:
            tx.log.warning("REGISTER from %s: AOR %r is not one of endpoint %s's",
                           tx.source.without_flow(), aor_name, endpoint.id)
            tx.reply(404)
            return
        aor = await self._store.get_aor(aor_name)
        if aor is None:
            tx.reply(404)
            return
        lock = self._locks.get(aor.id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[aor.id] = lock
        async with lock:
            await self._bind(tx, request, endpoint.id, aor)

    async def _bind(
        self, tx: ServerTransaction, request: Request, endpoint_id: str, aor: AorRecord
    ) -> None:
        view = RegisterRequestView.from_request(request)
        now = self._clock()
        # Fresh: bindings are counted against max_contacts, and another node sharing the
        # database may have just changed them.
        existing = await self._store.list_contacts(aor.id, fresh=True)
        by_uri = {c.uri: c for c in existing}
        decision = apply_register(view, aor_policy(aor), [binding_of(c) for c in existing],
                                  now=now)
        removed = [by_uri[b.uri].id for b in decision.removed if b.uri in by_uri]
        if removed:
            # Expired bindings are reported even when the request is refused: drop them.
            await self._store.delete_contacts(removed)
        if decision.status != 200:
            extra: list[tuple[str, str]] = []
            if decision.min_expires is not None:
                extra.append(("Min-Expires", str(decision.min_expires)))
            tx.log.info("REGISTER %s refused: %d %s", aor.id, decision.status, decision.reason)
            tx.reply(decision.status, decision.reason, headers=extra)
            return
        for binding in (*decision.added, *decision.updated):
            previous = by_uri.get(binding.uri)
            await self._store.save_contact(
                self._record(binding, aor=aor, endpoint_id=endpoint_id, source=tx.source,
                             request=request, previous=previous)
            )
        headers = [("Contact", value) for value in contact_header_values(decision.current,
                                                                          now=now)]
        granted = _granted_expiry(view, decision.current, now)
        if granted is not None:
            headers.append(("Expires", str(granted)))
        headers.append(("Date", email.utils.formatdate(now, usegmt=True)))
        tx.reply(200, headers=headers)
        for binding in decision.added:
            self._events.publish(ContactChanged(aor=aor.id, endpoint=endpoint_id,
                                                uri=binding.uri, status="Created"))
        for binding in decision.removed:
            self._events.publish(ContactChanged(aor=aor.id, endpoint=endpoint_id,
                                                uri=binding.uri, status="Removed"))
        tx.log.info(
            "REGISTER %s from %s: %d binding(s), +%d ~%d -%d",
            aor.id, tx.source.without_flow(), len(decision.current), len(decision.added),
            len(decision.updated), len(decision.removed),
        )

    def _record(
        self,
        binding: Binding,
        *,
        aor: AorRecord,
        endpoint_id: str,
        source: Address,
        request: Request,
        previous: ContactRecord | None,
    ) -> ContactRecord:
        """The row for *binding*; a refresh keeps what qualify learnt about the contact."""
        via = request.top_via
        return ContactRecord(
            id=contact_id(aor.id, binding.uri),
            aor=aor.id,
            uri=binding.uri,
            contact_header=binding.contact,
            instance_id=binding.instance,
            reg_id=binding.reg_id,
            expiration_time=int(binding.expires_at),
            endpoint=endpoint_id,
            user_agent=binding.user_agent,
            reg_server=self._node,
            via_addr=via.host,
            via_port=via.port or 5060,
            call_id=binding.call_id,
            cseq=binding.cseq,
            path=",".join(binding.path) or None,
            source_transport=source.transport.value.lower(),
            source_host=source.host,
            source_port=source.port,
            qualify_frequency=aor.qualify_frequency,
            qualify_timeout=aor.qualify_timeout,
            qualify_2xx_only=aor.qualify_2xx_only,
            authenticate_qualify=aor.authenticate_qualify,
            prune_on_boot=False,
            status=previous.status if previous is not None else "Unknown",
            rtt_ms=previous.rtt_ms if previous is not None else None,
        )


def _granted_expiry(
    view: RegisterRequestView, current: tuple[Binding, ...], now: float
) -> int | None:
    """The expiry granted to the request's first contact (0 once removed), as Asterisk's
    ``Expires`` header; None for a query without contacts."""
    if view.star:
        return 0
    if not view.contacts:
        return None
    first = view.contacts[0].uri
    for binding in current:
        if binding.uri == first:
            return max(1, round(binding.expires_at - now))
    return 0


def _aor_name(request: Request) -> str | None:
    uri = request.to.uri
    if isinstance(uri, SipUri):
        return uri.user
    return None
