"""New INVITEs: identify and authenticate the caller, build its channel, route, dial.

Routing here is direct: the Request-URI user names the endpoint to ring (what the dialplan
``Dial(PJSIP/${EXTEN})`` does). The dialplan engine replaces this router.
"""

from __future__ import annotations

import itertools
import logging
import time

from sip.address import Address
from sip.errors import ParseError
from sip.message import Request
from sip.offer_answer import Codec, apply_allow_disallow
from sip.sdp import SdpParseError, SessionDescription
from sip.stack import ServerTransaction, SipStack
from sip.uri import NameAddr, SipUri
from softswitch.authenticator import Authenticator
from softswitch.calls.call import Call, DialStatus
from softswitch.calls.dialogs import DialogRegistry
from softswitch.calls.legs import (
    InboundLeg,
    MediaStream,
    OutboundLeg,
    body_sdp,
    release_stream,
)
from softswitch.channel import Channel, ChannelState, Direction, HangupCause, Identifiers
from softswitch.events import DtmfReceived, EventBus
from softswitch.identify import EndpointIdentifier
from softswitch.mediaplane.client import MediaPlane, MediaPlaneError
from softswitch.mediaplane.protocol import DtmfBegin, DtmfEnd, RemoteLearned
from softswitch.mediaplane.protocol import Event as MediaEvent
from softswitch.qualify import contact_destination
from softswitch.storage.records import ContactRecord, EndpointRecord
from softswitch.storage.repository import Store

log = logging.getLogger(__name__)


class CallService:
    def __init__(
        self,
        *,
        stack: SipStack,
        store: Store,
        identifier: EndpointIdentifier,
        authenticator: Authenticator,
        media: MediaPlane,
        dialogs: DialogRegistry,
        events: EventBus,
        user_agent: str,
    ) -> None:
        self._stack = stack
        self._store = store
        self._identifier = identifier
        self._auth = authenticator
        self._media = media
        self._dialogs = dialogs
        self._events = events
        self._user_agent = user_agent
        self.ids = Identifiers()
        self.channels: dict[str, Channel] = {}
        self._by_stream: dict[int, Channel] = {}
        media.subscribe(self._media_event)
        self._streams = itertools.count(1)
        self._bridges = itertools.count(1)

    async def handle_invite(self, tx: ServerTransaction) -> None:
        request = tx.request
        endpoint = await self._identifier.identify(request, tx.source)
        if endpoint is None or endpoint.auth:
            auth = await self._store.get_auth(endpoint.auth) if endpoint and endpoint.auth \
                else None
            verdict = self._auth.verify(request, tx.source, endpoint, auth)
            if not verdict.ok or endpoint is None:
                tx.reply(401, headers=verdict.challenge)
                return
        max_forwards = request.max_forwards
        if max_forwards is not None and max_forwards <= 0:
            tx.reply(483)
            return
        tx.reply(100)
        try:
            offer = body_sdp(request)
        except SdpParseError as exc:
            tx.log.warning("INVITE with bad SDP: %s", exc)
            tx.reply(400, "Bad SDP")
            return
        if offer is None:
            # The offer-in-200 flow needs an answer in the ACK; no phone we serve needs it yet.
            tx.reply(488, "Offer required")
            return
        await self._place_call(tx, endpoint, offer)

    async def _place_call(self, tx: ServerTransaction, endpoint: EndpointRecord,
                          offer: SessionDescription) -> None:
        request = tx.request
        exten = request.uri.user if isinstance(request.uri, SipUri) and request.uri.user else "s"
        caller_num, caller_name = caller_identity(request, endpoint)
        uniqueid = self.ids.uniqueid()
        channel = Channel(
            name=self.ids.channel_name("PJSIP", endpoint.id), uniqueid=uniqueid,
            linkedid=uniqueid, endpoint=endpoint.id, direction=Direction.INBOUND,
            context=endpoint.context, exten=exten, caller_num=caller_num,
            caller_name=caller_name, state=ChannelState.RING,
            accountcode=endpoint.accountcode or "", language=endpoint.language or "en",
        )
        self.channels[channel.name] = channel
        stream = await self._stream(endpoint, tx.source, channel)
        call: Call | None = None
        try:
            inbound = InboundLeg(
                tx=tx, stack=self._stack, dialogs=self._dialogs, media=self._media,
                channel=channel, stream=stream, offer=offer,
                symmetric=endpoint.rtp_symmetric, listener=_Pending(),
            )
            failure = await inbound.negotiate()
            if failure is not None:
                inbound.reject(failure, HangupCause.BEARERCAPABILITY_NOTAVAIL)
                return
            call = Call(inbound=inbound, media=self._media, bridge_id=next(self._bridges))
            inbound.listener = call
            tx.log.info("%s (%s) calls %s", channel.name, channel.callerid, exten)
            target = await self._store.get_endpoint(exten)
            if target is None:
                inbound.reject(404, HangupCause.UNALLOCATED)
                return
            legs = await self._legs(call, channel, target, exten)
            if not legs:
                inbound.reject(480, HangupCause.SUBSCRIBER_ABSENT)
                return
            status = await call.dial(legs, ring_timeout=None)
            if status is DialStatus.ANSWER:
                if await call.connect():
                    await call.wait_for_hangup()
                    await call.hang_up(HangupCause.NORMAL_CLEARING)
            elif status is DialStatus.CANCEL:
                inbound.reject(487, HangupCause.NORMAL_CLEARING)
            else:
                sip_status, cause = _FAILED_DIAL[status]
                inbound.reject(sip_status, cause)
        finally:
            if call is not None:
                await call.release()
            await release_stream(self._media, stream, channel, tx.log)
            for leg in call.outbound if call is not None else ():
                self._forget(leg.channel, leg.stream.stream_id)
            self._forget(channel, stream.stream_id)

    async def _stream(self, endpoint: EndpointRecord, peer: Address,
                      channel: Channel) -> MediaStream:
        stream_id = next(self._streams)
        host, _ = self._stack.local_endpoint(peer.transport, peer.host)
        port = await self._media.allocate(stream_id, host)
        self._by_stream[stream_id] = channel
        return MediaStream(stream_id=stream_id, host=host, port=port,
                           codecs=_codecs(endpoint))

    def _forget(self, channel: Channel, stream_id: int) -> None:
        self.channels.pop(channel.name, None)
        self._by_stream.pop(stream_id, None)

    def _media_event(self, event: MediaEvent) -> None:
        match event:
            case DtmfBegin(stream_id=stream_id, digit=digit):
                channel = self._by_stream.get(stream_id)
                if channel is not None:
                    log.info("%s DTMF begin %s", channel.name, digit)
                    self._events.publish(DtmfReceived(channel=channel.name,
                                                      uniqueid=channel.uniqueid,
                                                      digit=digit, end=False))
            case DtmfEnd(stream_id=stream_id, digit=digit, duration_ms=duration):
                channel = self._by_stream.get(stream_id)
                if channel is not None:
                    log.info("%s DTMF end %s (%d ms)", channel.name, digit, duration)
                    self._events.publish(DtmfReceived(channel=channel.name,
                                                      uniqueid=channel.uniqueid,
                                                      digit=digit, end=True,
                                                      duration_ms=duration))
            case RemoteLearned(stream_id=stream_id, host=host, port=port):
                channel = self._by_stream.get(stream_id)
                if channel is not None:
                    log.info("%s sends RTP from %s:%d: following it (symmetric RTP)",
                             channel.name, host, port)
            case _:
                pass

    async def _legs(self, call: Call, caller: Channel, target: EndpointRecord,
                    exten: str) -> list[OutboundLeg]:
        contacts: list[ContactRecord] = []
        now = time.time()
        for aor_id in target.aors:
            contacts.extend(c for c in await self._store.list_contacts(aor_id)
                            if c.expiration_time > now)
            aor = await self._store.get_aor(aor_id)
            if aor is not None:
                contacts.extend(
                    ContactRecord(id=f"{aor_id}@@{uri}", aor=aor_id, uri=uri,
                                  expiration_time=0)
                    for uri in aor.contacts
                )
        legs = []
        for contact in contacts:
            destination = contact_destination(contact)
            try:
                uri = SipUri.parse(contact.uri)
            except ParseError:
                continue
            if destination is None:
                continue
            uniqueid = self.ids.uniqueid()
            channel = Channel(
                name=self.ids.channel_name("PJSIP", target.id), uniqueid=uniqueid,
                linkedid=caller.linkedid, endpoint=target.id, direction=Direction.OUTBOUND,
                context=target.context, exten=exten, caller_num=caller.caller_num,
                caller_name=caller.caller_name, connected_num=exten,
            )
            try:
                stream = await self._stream(target, destination, channel)
            except MediaPlaneError as exc:
                log.warning("no media port for %s: %s", target.id, exc)
                continue
            self.channels[channel.name] = channel
            host, _ = self._stack.local_endpoint(destination.transport, destination.host)
            caller_uri = SipUri(scheme="sip", user=caller.caller_num or "anonymous", host=host)
            identity = NameAddr(display_name=caller.caller_name or None, uri=caller_uri)
            legs.append(OutboundLeg(
                stack=self._stack, dialogs=self._dialogs, media=self._media,
                channel=channel, stream=stream, target=uri, destination=destination,
                caller=NameAddr(display_name=caller.caller_name or None, uri=caller_uri),
                callee=NameAddr(uri=SipUri(scheme="sip", user=exten, host=uri.host,
                                           port=uri.port)),
                extra_headers=identity_headers(target, identity),
                symmetric=target.rtp_symmetric, listener=call,
                user_agent=self._user_agent,
            ))
        return legs


class _Pending:
    """Listener of an inbound leg before its call exists: nothing can happen yet."""

    def leg_ringing(self, leg: OutboundLeg) -> None: ...

    def leg_progress(self, leg: OutboundLeg) -> None: ...

    def leg_answered(self, leg: OutboundLeg) -> None: ...

    def leg_failed(self, leg: OutboundLeg, status: int, cause: HangupCause) -> None: ...

    def leg_hung_up(self, leg: InboundLeg | OutboundLeg, cause: HangupCause) -> None: ...

    def leg_hold_changed(self, leg: InboundLeg | OutboundLeg, on_hold: bool) -> None: ...


def _codecs(endpoint: EndpointRecord) -> tuple[Codec, ...]:
    allowed = apply_allow_disallow(endpoint.disallow, endpoint.allow or ("ulaw", "alaw"))
    # Only what the media plane can relay, transcode, play and record.
    usable = tuple(c for c in allowed if c.name in ("PCMU", "PCMA"))
    return usable or apply_allow_disallow(("all",), ("ulaw", "alaw"))


def identity_headers(target: EndpointRecord, caller: NameAddr) -> tuple[tuple[str, str], ...]:
    """P-Asserted-Identity (RFC 3325) and/or Remote-Party-ID as the target endpoint asks."""
    headers: list[tuple[str, str]] = []
    if target.send_pai:
        headers.append(("P-Asserted-Identity", str(caller)))
    if target.send_rpid:
        headers.append(("Remote-Party-ID", f"{caller};party=calling;privacy=off;screen=no"))
    return tuple(headers)


def caller_identity(request: Request, endpoint: EndpointRecord) -> tuple[str, str]:
    """Caller id: the endpoint's forced ``callerid`` (``"Name" <number>``) if set; else, from
    an endpoint we trust, its P-Asserted-Identity or Remote-Party-ID; else the From header."""
    if endpoint.callerid:
        name, bracket, number = endpoint.callerid.partition("<")
        if not bracket:
            return endpoint.callerid.strip(), ""
        return number.rstrip("> "), name.strip().strip('"')
    if endpoint.trust_id_inbound:
        for header in ("P-Asserted-Identity", "Remote-Party-ID"):
            value = request.headers.get(header)
            if value is None:
                continue
            try:
                asserted = NameAddr.parse(value.split(",")[0])
            except ParseError:
                continue
            if isinstance(asserted.uri, SipUri) and asserted.uri.user:
                return asserted.uri.user, asserted.display_name or ""
    sender = request.from_
    user = sender.uri.user if isinstance(sender.uri, SipUri) else None
    return user or "", sender.display_name or ""


_FAILED_DIAL: dict[DialStatus, tuple[int, HangupCause]] = {
    DialStatus.BUSY: (486, HangupCause.USER_BUSY),
    DialStatus.NOANSWER: (480, HangupCause.NO_ANSWER),
    DialStatus.CONGESTION: (503, HangupCause.NORMAL_CIRCUIT_CONGESTION),
    DialStatus.CHANUNAVAIL: (480, HangupCause.SUBSCRIBER_ABSENT),
}
