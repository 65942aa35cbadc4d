"""Qualify: OPTIONS sent to registered contacts to learn whether they are reachable.

Any response counts as reachable (unless the AOR says ``qualify_2xx_only``); no response
within ``qualify_timeout`` marks the contact Unreachable. Changes are published as
``ContactChanged`` events (AMI ContactStatus) and stored on the contact row.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from typing import Any

from sip.address import Address, TransportKind
from sip.builders import build_request, new_call_id
from sip.errors import SipError
from sip.message import Request
from sip.stack import SipStack, new_tag
from sip.transport import TransportUnavailable
from sip.uri import NameAddr, SipUri
from softswitch.events import ContactChanged, EventBus, PeerStatusChanged
from softswitch.storage.records import ContactRecord
from softswitch.storage.repository import Store

log = logging.getLogger(__name__)

SCAN_INTERVAL_S = 1.0


def contact_destination(contact: ContactRecord) -> Address | None:
    """Where requests for *contact* go: the flow its REGISTER came from (NAT-safe)."""
    if contact.source_host and contact.source_port:
        kind = TransportKind.from_token(contact.source_transport or "udp")
        return Address(transport=kind, host=contact.source_host, port=contact.source_port)
    try:
        uri = SipUri.parse(contact.uri)
    except SipError:
        return None
    kind = TransportKind.from_token(uri.transport or "udp")
    return Address(transport=kind, host=uri.host, port=uri.port or 5060)


class QualifyService:
    def __init__(self, *, stack: SipStack, store: Store, events: EventBus,
                 user_agent: str) -> None:
        self._stack = stack
        self._store = store
        self._events = events
        self._user_agent = user_agent
        self._next_due: dict[str, float] = {}
        self._inflight: dict[str, asyncio.Task[str]] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def close(self) -> None:
        tasks: list[asyncio.Task[Any]] = [*self._inflight.values()]
        if self._task is not None:
            tasks.append(self._task)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await self._scan(time.monotonic())
            await asyncio.sleep(SCAN_INTERVAL_S)

    async def _scan(self, now: float) -> None:
        contacts = await self._store.list_all_contacts()
        live = set()
        for contact in contacts:
            live.add(contact.id)
            if not contact.qualify_frequency or contact.id in self._inflight:
                continue
            due = self._next_due.get(contact.id)
            if due is None:
                # First sight: qualify now, so a fresh registration shows its state quickly.
                due = now
            if due <= now:
                self._next_due[contact.id] = now + contact.qualify_frequency
                task = asyncio.ensure_future(self.qualify(contact))
                self._inflight[contact.id] = task
                task.add_done_callback(functools.partial(self._finished, contact.id))
        for gone in set(self._next_due) - live:
            del self._next_due[gone]

    def _finished(self, contact_id: str, _task: asyncio.Task[str]) -> None:
        self._inflight.pop(contact_id, None)

    async def qualify(self, contact: ContactRecord) -> str:
        """Send one OPTIONS to *contact*; store and publish its status; return it."""
        destination = contact_destination(contact)
        status, rtt_ms = "Unreachable", None
        if destination is not None:
            started = time.monotonic()
            try:
                response = await asyncio.wait_for(
                    self._stack.send_request(self._options_for(contact, destination),
                                             destination),
                    timeout=contact.qualify_timeout or 3.0,
                )
            except (TimeoutError, SipError, TransportUnavailable):
                pass
            else:
                rtt_ms = (time.monotonic() - started) * 1000
                status = "Reachable"
                if contact.qualify_2xx_only and not 200 <= response.status < 300:
                    status = "Unreachable"
        if status != contact.status:
            log.info("contact %s of %s is now %s", contact.uri, contact.aor, status)
            self._events.publish(ContactChanged(aor=contact.aor, endpoint=contact.endpoint,
                                                uri=contact.uri, status=status, rtt_ms=rtt_ms))
            if contact.endpoint:
                self._events.publish(PeerStatusChanged(endpoint=contact.endpoint, status=status,
                                                       address=contact.uri))
        await self._store.update_contact_status(contact.id, status, rtt_ms)
        return status

    def _options_for(self, contact: ContactRecord, destination: Address) -> Request:
        target = SipUri.parse(contact.uri)
        host, _ = self._stack.local_endpoint(destination.transport, destination.host)
        return build_request(
            "OPTIONS",
            target,
            via=self._stack.via_value(destination.transport, towards=destination.host),
            from_=NameAddr(uri=SipUri(scheme="sip", user="softswitch", host=host),
                           params=(("tag", new_tag()),)),
            to=NameAddr(uri=target),
            call_id=new_call_id(host),
            cseq=1,
            user_agent=self._user_agent,
            headers=[("Accept", "application/sdp")],
        )
