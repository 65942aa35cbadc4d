"""New INVITEs: identify and authenticate the caller, build its channel, run the dialplan.

The caller's channel enters its endpoint's context at the dialled extension (``s`` when the
Request-URI has no user); ``Dial`` comes back here for the legs it rings.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Mapping, Sequence

from dialplan_engine.apps.dial import parse_targets
from dialplan_engine.channel_api import DialOptions, DialTarget
from dialplan_engine.model import Dialplan
from sip.address import Address
from sip.errors import ParseError
from sip.message import Request
from sip.offer_answer import Codec, apply_allow_disallow
from sip.sdp import SdpParseError, SessionDescription
from sip.stack import ServerTransaction, SipStack
from sip.uri import NameAddr, SipUri
from softswitch.agi import AgiRunner
from softswitch.authenticator import Authenticator
from softswitch.calls.call import Call
from softswitch.calls.control import ChannelControl, DialledLegControl
from softswitch.calls.dialogs import DialogRegistry
from softswitch.calls.legs import (
    CallerLeg,
    InboundLeg,
    LegListener,
    MediaStream,
    OriginatedLeg,
    OutboundLeg,
    body_sdp,
    release_stream,
)
from softswitch.calls.originate import (
    OriginateError,
    OriginateReason,
    OriginateRequest,
    OriginateResult,
)
from softswitch.calls.originator import Originator
from softswitch.channel import Channel, ChannelState, Direction, HangupCause, Identifiers
from softswitch.config import PathsConfig
from softswitch.dialplan_runner import DialplanRunner
from softswitch.events import (
    ChannelCreated,
    ChannelEnded,
    ChannelStateChanged,
    DtmfReceived,
    EventBus,
)
from softswitch.identify import EndpointIdentifier
from softswitch.media_waiters import MediaWaiters
from softswitch.mediaplane.client import MediaPlane, MediaPlaneError
from softswitch.mediaplane.protocol import DtmfBegin, DtmfEnd, RemoteLearned
from softswitch.mediaplane.protocol import Event as MediaEvent
from softswitch.post_recording import PostRecording
from softswitch.qualify import contact_destination
from softswitch.storage.records import ContactRecord, EndpointRecord
from softswitch.storage.repository import Store
from softswitch.switch_channel import SwitchChannel
from softswitch.tasks import TaskSet

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 3.0
"""How long a stopping switch waits for live calls to be hung up (a peer that does not
answer our BYE would otherwise hold the stop for Timer F, 32 s)."""


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
        dialplan: DialplanRunner,
        paths: PathsConfig,
        user_agent: str,
    ) -> None:
        self._stack = stack
        self._store = store
        self._identifier = identifier
        self._auth = authenticator
        self._media = media
        self._dialogs = dialogs
        self._events = events
        self._dialplan = dialplan
        self._paths = paths
        self._user_agent = user_agent
        self.waiters = MediaWaiters()
        self.lingering = TaskSet("lingering legs")
        self.post_recording = PostRecording(paths.recordings)
        self.agi = AgiRunner(paths.agi)
        media.subscribe(self.waiters)
        self.ids = Identifiers()
        self.channels: dict[str, Channel] = {}
        """Every live channel by name, in creation order."""
        self.controls: dict[str, ChannelControl] = {}
        self._no_channels = asyncio.Event()
        self._no_channels.set()
        self.originated = TaskSet("originated calls")
        self.processed_calls = 0
        """Channels created since the start (the Manager's ``CoreProcessedCalls``)."""
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
        if not await self._dialplan.exists(endpoint.context, exten, caller_num or None):
            tx.log.info("call from %s to %s rejected: no such extension in context %s",
                        endpoint.id, exten, endpoint.context)
            tx.reply(404)
            return
        uniqueid = self.ids.uniqueid()
        channel = Channel(
            name=self.ids.channel_name("PJSIP", endpoint.id), uniqueid=uniqueid,
            linkedid=uniqueid, endpoint=endpoint.id, direction=Direction.INBOUND,
            context=endpoint.context, exten=exten, caller_num=caller_num,
            caller_name=caller_name, state=ChannelState.RING,
            accountcode=endpoint.accountcode or "", language=endpoint.language or "en",
            dnid=exten,
        )
        self._open(channel)
        stream = await self._stream(endpoint, tx.source, channel)
        try:
            inbound = InboundLeg(
                tx=tx, stack=self._stack, dialogs=self._dialogs, media=self._media,
                channel=channel, stream=stream, offer=offer,
                symmetric=endpoint.rtp_symmetric,
            )
            failure = await inbound.negotiate()
            if failure is not None:
                inbound.reject(failure, HangupCause.BEARERCAPABILITY_NOTAVAIL)
                return
            switch_channel = self._switch_channel(inbound, endpoint)
            tx.log.info("%s (%s) calls %s in context %s", channel.name, channel.callerid,
                        exten, endpoint.context)
            try:
                await self._dialplan.run(switch_channel, endpoint.context, exten,
                                         variables=_endpoint_variables(endpoint))
            finally:
                if not switch_channel.hung_up:
                    await switch_channel.hangup()
                await switch_channel.close()
        finally:
            await release_stream(self._media, stream, channel, tx.log)
            self._forget(channel, stream.stream_id)

    def _switch_channel(self, leg: CallerLeg, endpoint: EndpointRecord) -> SwitchChannel:
        switch_channel = SwitchChannel(
            service=self, inbound=leg, media=self._media, waiters=self.waiters,
            events=self._events, sounds_dir=self._paths.sounds,
            monitor_dir=self._paths.recordings, sip_domain=endpoint.sip_domain or "",
            post_recording=self.post_recording,
        )
        self._control(leg.channel.name, switch_channel)
        return switch_channel

    async def hang_up_all(self, grace_s: float = SHUTDOWN_GRACE_S) -> None:
        """Hang up every live channel (BYE, or a final response to a ringing caller) and
        give their dialplans up to *grace_s* to finish, ``h`` included: the switch is
        stopping, and phones must not be left in a call with no one there."""
        controls = list(self.controls.values())
        if not controls:
            return
        log.info("hanging up %d channel(s)", len(controls))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_s):
                await asyncio.gather(
                    *(control.request_hangup(HangupCause.NORMAL_CLEARING)
                      for control in controls),
                    return_exceptions=True)
                await self._no_channels.wait()

    def _control(self, name: str, control: ChannelControl) -> None:
        self.controls[name] = control
        self._no_channels.clear()

    def control(self, name: str) -> ChannelControl | None:
        return self.controls.get(name)

    def new_bridge_id(self) -> int:
        return next(self._bridges)

    def _open(self, channel: Channel) -> None:
        self.processed_calls += 1
        self.channels[channel.name] = channel
        channel.on_state = self._state_changed
        self._events.publish(ChannelCreated(channel=channel))

    def _state_changed(self, channel: Channel) -> None:
        self._events.publish(ChannelStateChanged(channel=channel))

    async def _stream(self, endpoint: EndpointRecord, peer: Address,
                      channel: Channel) -> MediaStream:
        stream_id = next(self._streams)
        host, _ = self._stack.local_endpoint(peer.transport, peer.host)
        port = await self._media.allocate(stream_id, host)
        self._by_stream[stream_id] = channel
        return MediaStream(stream_id=stream_id, host=host, port=port,
                           codecs=_codecs(endpoint))

    def _forget(self, channel: Channel, stream_id: int) -> None:
        self._by_stream.pop(stream_id, None)
        self.controls.pop(channel.name, None)
        if not self.controls:
            self._no_channels.set()
        if self.channels.pop(channel.name, None) is not None:
            channel.hang_up(channel.hangup_cause or HangupCause.NORMAL_CLEARING)
            self._events.publish(ChannelEnded(channel=channel))

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

    async def legs_for_targets(
        self, call: Call, caller: Channel, targets: Sequence[DialTarget], options: DialOptions
    ) -> list[OutboundLeg]:
        """One outbound leg per reachable contact of each target; unknown endpoints and
        endpoints with no contact add nothing (Dial then reports CHANUNAVAIL)."""
        legs: list[OutboundLeg] = []
        for target in targets:
            endpoint = await self._store.get_endpoint(target.endpoint)
            if endpoint is None:
                call.log.warning("Dial: no endpoint %r", target.endpoint)
                continue
            for contact in await self._contacts(endpoint):
                leg = await self._leg(call, endpoint, contact, dialed=target,
                                      caller_num=caller.caller_num,
                                      caller_name=caller.caller_name, linkedid=caller.linkedid,
                                      variables=options.inherit)
                if leg is not None:
                    legs.append(leg)
        return legs

    async def originate(self, request: OriginateRequest) -> OriginateResult:
        """Ring ``request.channel``; once it answers, run the dialplan (or the application)
        on it in the background. Returns when it answered or failed."""
        target = await self._originate_target(request)
        priority = await self._originate_priority(request)
        endpoint = await self._store.get_endpoint(target.endpoint)
        if endpoint is None:
            log.info("originate to %s: no such endpoint", request.channel)
            return OriginateResult(reason=OriginateReason.FAILED)
        originator = Originator()
        legs: list[OutboundLeg] = []
        for contact in await self._contacts(endpoint):
            leg = await self._leg(originator, endpoint, contact, dialed=target,
                                  caller_num=request.caller_num,
                                  caller_name=request.caller_name, linkedid=None,
                                  variables=request.variables, context=request.context,
                                  exten=request.exten, accountcode=request.account)
            if leg is not None:
                legs.append(leg)
        if not legs:
            log.info("originate to %s: the endpoint has no reachable contact", request.channel)
            return OriginateResult(reason=OriginateReason.FAILED)
        reason = await originator.ring(legs, request.timeout_s)
        winner = originator.winner
        for leg in legs:
            if leg is not winner:
                await self._release_leg(leg)
        if winner is None:
            return OriginateResult(reason=reason)
        self.originated.spawn(self._run_originated(winner, endpoint, request, priority))
        return OriginateResult(reason=OriginateReason.ANSWERED, channel=winner.channel.name,
                               uniqueid=winner.channel.uniqueid)

    @staticmethod
    async def _originate_target(request: OriginateRequest) -> DialTarget:
        targets = parse_targets(request.channel)
        if len(targets) != 1:
            raise OriginateError(f"Channel must be one Tech/resource, not {request.channel!r}")
        target = targets[0]
        if target.technology != "PJSIP":
            raise OriginateError(f"Unknown channel technology: {target.technology}")
        if not request.application and not request.exten:
            raise OriginateError("Originate needs an Exten or an Application")
        return target

    async def _originate_priority(self, request: OriginateRequest) -> int:
        if request.application:
            return 1
        if isinstance(request.priority, int):
            return request.priority
        text = request.priority.strip() or "1"
        if text.isdigit():
            return int(text)
        dialplan = await self._dialplan.current()
        number = dialplan.find_label(request.context, request.exten, text,
                                     caller_id=request.caller_num or None)
        if number is None:
            raise OriginateError(f"Priority '{text}' not found in "
                                 f"{request.exten}@{request.context}")
        return number

    async def _run_originated(self, leg: OutboundLeg, endpoint: EndpointRecord,
                              request: OriginateRequest, priority: int) -> None:
        caller = OriginatedLeg(leg)
        switch_channel = self._switch_channel(caller, endpoint)
        variables = {**_endpoint_variables(endpoint), **request.variables}
        try:
            if request.application:
                await self._dialplan.run_application(switch_channel, request.application,
                                                     request.data, variables=variables)
            else:
                await self._dialplan.run(switch_channel, request.context, request.exten,
                                         priority, variables=variables)
        finally:
            if not switch_channel.hung_up:
                await switch_channel.hangup()
            await switch_channel.close()
            await self._release_leg(leg)

    async def dialplan_now(self) -> Dialplan:
        return await self._dialplan.current()

    def continue_in_dialplan(self, leg: OutboundLeg, context: str, exten: str) -> None:
        """A dialled leg that was blind-transferred goes on in the dialplan on its own."""
        self.originated.spawn(self._run_transferred(leg, context, exten))

    async def _run_transferred(self, leg: OutboundLeg, context: str, exten: str) -> None:
        endpoint = await self._store.get_endpoint(leg.channel.endpoint)
        if endpoint is None:
            await leg.hang_up(HangupCause.NORMAL_CLEARING)
            await self._release_leg(leg)
            return
        switch_channel = self._switch_channel(OriginatedLeg(leg), endpoint)
        try:
            await self._dialplan.run(switch_channel, context, exten,
                                     variables=dict(leg.channel.variables))
        finally:
            if not switch_channel.hung_up:
                await switch_channel.hangup()
            await switch_channel.close()
            await self._release_leg(leg)

    async def _release_leg(self, leg: OutboundLeg) -> None:
        await release_stream(self._media, leg.stream, leg.channel, leg.log)
        if leg.on_release is not None:
            leg.on_release()
        self.lingering.spawn(leg.wait())

    async def _contacts(self, endpoint: EndpointRecord) -> list[ContactRecord]:
        contacts: list[ContactRecord] = []
        now = time.time()
        for aor_id in endpoint.aors:
            contacts.extend(c for c in await self._store.list_contacts(aor_id)
                            if c.expiration_time > now and c.status != "Unreachable")
            aor = await self._store.get_aor(aor_id)
            if aor is not None:
                contacts.extend(
                    ContactRecord(id=f"{aor_id}@@{uri}", aor=aor_id, uri=uri,
                                  expiration_time=0)
                    for uri in aor.contacts
                )
        return contacts

    async def _leg(self, listener: LegListener, target: EndpointRecord,
                   contact: ContactRecord, *, dialed: DialTarget, caller_num: str,
                   caller_name: str, linkedid: str | None, variables: Mapping[str, str],
                   context: str | None = None, exten: str | None = None,
                   accountcode: str = "") -> OutboundLeg | None:
        """A leg towards one contact; *linkedid* None makes it the first channel of a call
        (an Originate), else it joins the caller's call."""
        destination = contact_destination(contact)
        try:
            uri = SipUri.parse(contact.uri)
        except ParseError:
            return None
        if destination is None:
            return None
        number = dialed.number
        if number is not None:
            # number@trunk: the trunk gets the number in its Request-URI and To.
            uri = SipUri(scheme=uri.scheme, user=number, host=uri.host, port=uri.port,
                         params=uri.params)
        uniqueid = self.ids.uniqueid()
        channel = Channel(
            name=self.ids.channel_name("PJSIP", target.id), uniqueid=uniqueid,
            linkedid=linkedid or uniqueid, endpoint=target.id, direction=Direction.OUTBOUND,
            context=context or target.context, exten=exten or number or target.id,
            caller_num=caller_num, caller_name=caller_name,
            connected_num=number or target.id, variables=dict(variables),
            accountcode=accountcode or target.accountcode or "",
            language=target.language or "en",
        )
        try:
            stream = await self._stream(target, destination, channel)
        except MediaPlaneError as exc:
            log.warning("no media port for %s: %s", target.id, exc)
            return None
        self._open(channel)
        host, _ = self._stack.local_endpoint(destination.transport, destination.host)
        caller_uri = SipUri(scheme="sip", user=caller_num or "anonymous", host=host)
        identity = NameAddr(display_name=caller_name or None, uri=caller_uri)
        leg = OutboundLeg(
            stack=self._stack, dialogs=self._dialogs, media=self._media,
            channel=channel, stream=stream, target=uri, destination=destination,
            caller=identity,
            callee=NameAddr(uri=SipUri(scheme="sip", user=number or target.id, host=uri.host,
                                       port=uri.port)),
            extra_headers=identity_headers(target, identity),
            symmetric=target.rtp_symmetric, listener=listener,
            user_agent=self._user_agent, resource=dialed.resource,
        )
        leg.on_release = lambda: self._forget(channel, stream.stream_id)
        self._control(channel.name, DialledLegControl(leg, self._events))
        return leg


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


def _endpoint_variables(endpoint: EndpointRecord) -> dict[str, str]:
    """The endpoint's ``set_var`` assignments, set on each of its channels."""
    variables = {}
    for assignment in endpoint.set_var:
        name, sep, value = assignment.partition("=")
        if sep and name.strip():
            variables[name.strip()] = value
    return variables
