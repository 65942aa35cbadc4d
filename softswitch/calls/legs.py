"""The two halves of a B2BUA call: the leg we answer (UAS) and the legs we place (UAC).

Each leg owns its SIP dialog, its channel and one media stream on the media plane. Legs
report what happens to them to a :class:`LegListener` (the call), which decides what the
other side hears; legs never talk to each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from sip.address import Address
from sip.builders import build_cancel, build_request
from sip.dialog import Dialog, DialogError
from sip.errors import SipError
from sip.message import Method, Request, Response
from sip.offer_answer import (
    Codec,
    NegotiatedAudio,
    OfferAnswerError,
    SessionState,
    build_answer,
    build_offer,
    is_hold,
    parse_answer,
)
from sip.sdp import Direction, SdpParseError, SessionDescription, parse_sdp
from sip.stack import RequestTimeout, ServerTransaction, SipStack, call_logger, new_tag
from sip.transport import TransportUnavailable
from sip.uri import NameAddr, SipUri
from softswitch.calls.dialogs import DialogRegistry
from softswitch.channel import (
    Channel,
    ChannelState,
    HangupCause,
    cause_from_sip,
    sip_from_cause,
)
from softswitch.mediaplane.client import MediaPlane, MediaPlaneError
from softswitch.tasks import TaskSet

log = logging.getLogger(__name__)

SDP = ("Content-Type", "application/sdp")

_MEDIA_CODECS: dict[str, Literal["PCMU", "PCMA"]] = {"PCMU": "PCMU", "PCMA": "PCMA"}
"""What the media plane carries, by SDP encoding name."""


class LegListener(Protocol):
    def leg_ringing(self, leg: OutboundLeg) -> None: ...

    def leg_progress(self, leg: OutboundLeg) -> None: ...

    def leg_answered(self, leg: OutboundLeg) -> None: ...

    def leg_failed(self, leg: OutboundLeg, status: int, cause: HangupCause) -> None: ...

    def leg_hung_up(self, leg: InboundLeg | OutboundLeg, cause: HangupCause) -> None: ...

    def leg_hold_changed(self, leg: InboundLeg | OutboundLeg, on_hold: bool) -> None: ...


class CallerLeg(Protocol):
    """The leg a dialplan runs on: a caller we answer (:class:`InboundLeg`), or a channel
    we rang for an Originate that has answered (:class:`OriginatedLeg`)."""

    @property
    def channel(self) -> Channel: ...

    @property
    def stream(self) -> MediaStream: ...

    @property
    def log(self) -> logging.LoggerAdapter[logging.Logger]: ...

    @property
    def listener(self) -> LegListener | None: ...

    @listener.setter
    def listener(self, listener: LegListener | None) -> None: ...

    @property
    def ended(self) -> bool: ...

    @property
    def cancelled(self) -> asyncio.Event:
        """Set when the caller gave up before we answered (a CANCEL)."""
        ...

    def owns(self, leg: object) -> bool:
        """Whether a leg a listener hears from is this one (or the leg it wraps)."""
        ...

    def ring(self) -> None: ...

    def progress(self) -> None: ...

    async def answer(self) -> bool: ...

    def reject(self, status: int, cause: HangupCause) -> None: ...

    async def hang_up(self, cause: HangupCause) -> None: ...

    async def reinvite(self, direction: Direction) -> bool: ...


@dataclass(slots=True, kw_only=True)
class MediaStream:
    """Our end of one leg's RTP: a media-plane stream and the SDP state around it."""

    stream_id: int
    host: str
    port: int
    codecs: tuple[Codec, ...]
    session: SessionState | None = None
    negotiated: NegotiatedAudio | None = None

    async def apply(self, media: MediaPlane, *, symmetric: bool) -> None:
        chosen = self.negotiated
        if chosen is None:
            return
        codec = _MEDIA_CODECS.get(chosen.codec.name)
        if codec is None:
            raise MediaPlaneError(f"the media plane cannot carry {chosen.codec.name}")
        await media.configure(
            self.stream_id,
            remote_host=chosen.remote_address,
            remote_port=chosen.remote_port,
            codec=codec,
            payload_type=chosen.payload_type,
            dtmf_payload_type=chosen.dtmf_payload_type,
            ptime_ms=chosen.ptime or 20,
            symmetric=symmetric,
            direction=chosen.direction_local.value,
        )


async def release_stream(
    media: MediaPlane, stream: MediaStream, channel: Channel,
    logger: logging.LoggerAdapter[logging.Logger],
) -> None:
    """Log the stream's packet counters (operators and tests read them) and free its ports."""
    stats = await media.release(stream.stream_id)
    logger.info("%s media: %d packets in, %d out, %d lost", channel.name,
                stats.packets_received, stats.packets_sent, stats.packets_lost)


def body_sdp(message: Request | Response) -> SessionDescription | None:
    if not message.body:
        return None
    content_type = (message.content_type or "").split(";")[0].strip().lower()
    if content_type != "application/sdp":
        return None
    return parse_sdp(message.body)


class InboundLeg:
    """The caller's leg: we are its UAS."""

    def __init__(
        self,
        *,
        tx: ServerTransaction,
        stack: SipStack,
        dialogs: DialogRegistry,
        media: MediaPlane,
        channel: Channel,
        stream: MediaStream,
        offer: SessionDescription | None,
        symmetric: bool,
        listener: LegListener | None = None,
    ) -> None:
        self.tx = tx
        self._stack = stack
        self._dialogs = dialogs
        self._media = media
        self.channel = channel
        self.stream = stream
        self.offer = offer
        self._symmetric = symmetric
        self.listener = listener
        self.log = call_logger(log, tx.request.call_id)
        contact = NameAddr(uri=stack.contact_uri(tx.source.transport, towards=tx.source.host))
        self.dialog = Dialog.as_uas(tx.request, local_tag=tx.to_tag, local_contact=contact,
                                    peer=tx.source)
        self._registered = False
        self._acked = asyncio.Event()
        self._answer_body: bytes | None = None
        self.ended = False

    @property
    def cancelled(self) -> asyncio.Event:
        return self.tx.cancelled

    def owns(self, leg: object) -> bool:
        return leg is self

    def _register(self) -> None:
        if not self._registered:
            self._dialogs.add(self.dialog.id, self)
            self._registered = True

    async def negotiate(self) -> int | None:
        """Answer the caller's offer on our stream; a failure status when impossible."""
        if self.offer is None:
            return None
        result = build_answer(
            self.offer, address=self.stream.host, port=self.stream.port,
            supported=self.stream.codecs, session=self.stream.session,
        )
        if result.sdp is None or result.chosen is None:
            return result.status or 488
        self.stream.session = result.state
        self.stream.negotiated = result.chosen
        self._answer_body = result.sdp.to_bytes()
        self.channel.codec = result.chosen.codec.name
        await self.stream.apply(self._media, symmetric=self._symmetric)
        return None

    def ring(self) -> None:
        if self.channel.state is ChannelState.RING:
            self.channel.set_state(ChannelState.RINGING)
        self._register()
        self.tx.reply(180, headers=[("Contact", str(self.dialog.local_contact))])

    def progress(self) -> None:
        """183 with our answer: the caller hears what we send before the call is answered."""
        self._register()
        self.tx.reply(183, headers=[("Contact", str(self.dialog.local_contact)), SDP],
                      body=self._answer_body or b"")

    async def answer(self) -> bool:
        """200 OK; True once the caller's ACK arrived (the transaction resends the 2xx)."""
        if self.tx.cancelled.is_set() or self.tx.finished:
            # The caller's CANCEL crossed the callee's answer: the caller is owed a 487.
            self.log.info("%s gave up before the answer", self.channel.name)
            if not self.ended:
                self.reject(487, HangupCause.NORMAL_CLEARING)
            return False
        self._register()
        self.dialog.confirm()
        self.channel.answer()
        headers = [("Contact", str(self.dialog.local_contact))]
        if self._answer_body:
            headers.append(SDP)
        self.tx.reply(200, headers=headers, body=self._answer_body or b"")
        try:
            await asyncio.wait_for(self._acked.wait(), timeout=self._stack.config.timers.timeout)
        except TimeoutError:
            self.log.warning("no ACK for our 200 OK: ending the call")
            return False
        return True

    def reject(self, status: int, cause: HangupCause) -> None:
        if not self.tx.finished:
            self.tx.reply(status)
        self.channel.hang_up(cause)
        self.close()

    async def hang_up(self, cause: HangupCause) -> None:
        """End the leg from our side: BYE once answered, else a final error response."""
        if self.ended:
            return
        if self.channel.state is ChannelState.UP:
            self.channel.hang_up(cause)
            self.close()
            _bye_in_background(self._stack, self.dialog, self.log)
        else:
            self.reject(sip_from_cause(cause), cause)

    def close(self) -> None:
        self.ended = True
        self.dialog.terminate()
        self._dialogs.remove(self.dialog.id)

    async def handle_in_dialog(self, tx: ServerTransaction) -> None:
        try:
            self.dialog.receive_request(tx.request)
        except DialogError as exc:
            tx.reply(exc.status_code)
            return
        await _common_in_dialog(self, tx)

    async def reoffer(self, tx: ServerTransaction) -> None:
        """A re-INVITE from the caller: answer on the same stream (hold, new address)."""
        try:
            offer = body_sdp(tx.request)
        except SdpParseError as exc:
            tx.reply(400, str(exc)[:80])
            return
        if offer is None:
            tx.reply(200, headers=[("Contact", str(self.dialog.local_contact)), SDP],
                     body=self._answer_body or b"")
            return
        self.offer = offer
        failure = await self.negotiate()
        if failure is not None:
            tx.reply(failure)
            return
        tx.reply(200, headers=[("Contact", str(self.dialog.local_contact)), SDP],
                 body=self._answer_body or b"")
        if self.listener is not None:
            self.listener.leg_hold_changed(self, is_hold(offer))

    def handle_ack(self, request: Request, source: Address) -> None:
        self._acked.set()

    async def reinvite(self, direction: Direction) -> bool:
        return await reinvite(self._stack, self.dialog, self.stream, self._media,
                              direction=direction, symmetric=self._symmetric, logger=self.log)

    def handle_stray_response(self, response: Response, source: Address) -> None:
        return


class OutboundLeg:
    """A leg we place towards one contact: we are its UAC."""

    def __init__(
        self,
        *,
        stack: SipStack,
        dialogs: DialogRegistry,
        media: MediaPlane,
        channel: Channel,
        stream: MediaStream,
        target: SipUri,
        destination: Address,
        caller: NameAddr,
        callee: NameAddr,
        extra_headers: tuple[tuple[str, str], ...],
        symmetric: bool,
        listener: LegListener | None,
        user_agent: str,
        resource: str = "",
    ) -> None:
        self._stack = stack
        self._dialogs = dialogs
        self._media = media
        self.channel = channel
        self.stream = stream
        self.target = target
        self.destination = destination
        self._caller = caller.with_tag(new_tag())
        self._callee = callee
        self._extra = extra_headers
        self._symmetric = symmetric
        self.listener = listener
        self._user_agent = user_agent
        self.invite: Request | None = None
        self._offer: SessionDescription | None = None
        self.dialog: Dialog | None = None
        self._provisional = asyncio.Event()
        self._cancel_requested = False
        self.answered = False
        self.ended = False
        self.final_status: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._tasks = TaskSet("outbound leg")
        self.log = call_logger(log, "-")
        self.resource = resource
        """What Dial was given for this leg (``DIALEDPEERNUMBER``)."""
        self._started = 0.0
        self.ring_time_ms: int | None = None
        self.progress_time_ms: int | None = None
        self.on_release: Callable[[], None] | None = None
        """Called once the call has given this leg's media back."""

    def start(self) -> None:
        self._started = time.monotonic()
        self._task = asyncio.ensure_future(self._run())

    async def wait(self) -> None:
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._tasks.wait()

    async def _run(self) -> None:
        kind = self.destination.transport
        host, _ = self._stack.local_endpoint(kind, self.destination.host)
        offer, self.stream.session = build_offer(
            address=self.stream.host, port=self.stream.port, codecs=self.stream.codecs,
            session=self.stream.session,
        )
        self._offer = offer
        contact = NameAddr(uri=self._stack.contact_uri(kind, user="s",
                                                       towards=self.destination.host))
        self.invite = build_request(
            Method.INVITE.value, self.target,
            via=self._stack.via_value(kind, towards=self.destination.host),
            from_=self._caller, to=self._callee,
            call_id=f"{new_tag()}{new_tag()}@{host}", cseq=1,
            contact=contact, user_agent=self._user_agent,
            headers=[*self._extra, ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"), SDP],
            body=offer.to_bytes(),
        )
        self.log = call_logger(log, self.invite.call_id)
        self.channel.set_state(ChannelState.DOWN)
        try:
            response = await self._stack.send_request(
                self.invite, self.destination, on_provisional=self._on_provisional
            )
        except (RequestTimeout, TransportUnavailable) as exc:
            self.log.info("no answer from %s: %s", self.destination, exc)
            self._fail(408, HangupCause.NO_USER_RESPONSE if not self._provisional.is_set()
                       else HangupCause.NO_ANSWER)
            return
        if 200 <= response.status < 300:
            await self._on_success(response, contact)
        else:
            self._fail(response.status, cause_from_sip(response.status))

    def _on_provisional(self, response: Response) -> None:
        if response.status == 100:
            self._provisional.set()
            return
        first = not self._provisional.is_set()
        self._provisional.set()
        if self._cancel_requested:
            if first:
                self._send_cancel()
            return
        elapsed_ms = int((time.monotonic() - self._started) * 1000)
        if response.status in (180, 181, 182):
            if self.ring_time_ms is None:
                self.ring_time_ms = elapsed_ms
            self.channel.set_state(ChannelState.RINGING)
            if self.listener is not None:
                self.listener.leg_ringing(self)
        elif response.status == 183:
            try:
                answer = body_sdp(response)
            except SdpParseError:
                answer = None
            if self.progress_time_ms is None:
                self.progress_time_ms = elapsed_ms
            if (answer is not None and self._early_media(answer)
                    and self.listener is not None):
                self.listener.leg_progress(self)

    def _early_media(self, answer: SessionDescription) -> bool:
        assert self._offer is not None
        try:
            self.stream.negotiated = parse_answer(self._offer, answer)
        except OfferAnswerError as exc:
            self.log.warning("unusable early media SDP: %s", exc)
            return False
        self._tasks.spawn(self.stream.apply(self._media, symmetric=self._symmetric))
        return True

    async def _on_success(self, response: Response, contact: NameAddr) -> None:
        assert self.invite is not None and self._offer is not None
        self.dialog = Dialog.as_uac(self.invite, response, local_contact=contact,
                                    peer=self.destination)
        self._dialogs.add(self.dialog.id, self)
        self._send_ack()
        if self._cancel_requested or self.ended:
            # The 200 crossed our CANCEL: the call is up on their side, so end it properly.
            self.ended = True
            await _send_bye(self._stack, self.dialog, self.log)
            self._dialogs.remove(self.dialog.id)
            return
        try:
            answer = body_sdp(response)
            if answer is not None:
                self.stream.negotiated = parse_answer(self._offer, answer)
        except (SdpParseError, OfferAnswerError) as exc:
            self.log.warning("200 OK with unusable SDP (%s): hanging up", exc)
            self.ended = True
            await _send_bye(self._stack, self.dialog, self.log)
            self._dialogs.remove(self.dialog.id)
            self._fail(488, HangupCause.BEARERCAPABILITY_NOTAVAIL)
            return
        if self.stream.negotiated is not None:
            self.channel.codec = self.stream.negotiated.codec.name
        await self.stream.apply(self._media, symmetric=self._symmetric)
        self.answered = True
        self.final_status = response.status
        self.channel.answer()
        if self.listener is not None:
            self.listener.leg_answered(self)

    def _send_ack(self) -> None:
        assert self.dialog is not None
        ack = self.dialog.create_ack(
            via=self._stack.via_value(self.destination.transport, towards=self.destination.host)
        )
        self._stack.send_stateless(ack, self.dialog.peer)

    def _fail(self, status: int, cause: HangupCause) -> None:
        self.final_status = status
        self.ended = True
        self.channel.hang_up(cause)
        if self.listener is not None:
            self.listener.leg_failed(self, status, cause)

    def _send_cancel(self) -> None:
        assert self.invite is not None
        cancel = build_cancel(self.invite)
        self._tasks.spawn(self._cancel_exchange(cancel))

    async def _cancel_exchange(self, cancel: Request) -> None:
        with contextlib.suppress(SipError, TransportUnavailable):
            await self._stack.send_request(cancel, self.destination)

    def cancel(self) -> None:
        """Stop ringing: CANCEL now if a provisional came, else as soon as one does."""
        if self._cancel_requested or self.answered or self.ended:
            return
        self._cancel_requested = True
        if self._provisional.is_set():
            self._send_cancel()

    async def hang_up(self, cause: HangupCause) -> None:
        if self.ended:
            return
        if self.answered and self.dialog is not None:
            self.ended = True
            self.channel.hang_up(cause)
            self._dialogs.remove(self.dialog.id)
            _bye_in_background(self._stack, self.dialog, self.log)
        else:
            self.cancel()

    def close(self) -> None:
        self.ended = True
        if self.dialog is not None:
            self.dialog.terminate()
            self._dialogs.remove(self.dialog.id)

    async def handle_in_dialog(self, tx: ServerTransaction) -> None:
        if self.dialog is None:
            tx.reply(481)
            return
        try:
            self.dialog.receive_request(tx.request)
        except DialogError as exc:
            tx.reply(exc.status_code)
            return
        await _common_in_dialog(self, tx)

    async def reoffer(self, tx: ServerTransaction) -> None:
        """A re-INVITE from the callee: answer it on our stream for that leg."""
        assert self.dialog is not None
        try:
            offer = body_sdp(tx.request)
        except SdpParseError as exc:
            tx.reply(400, str(exc)[:80])
            return
        if offer is None:
            tx.reply(488)
            return
        result = build_answer(offer, address=self.stream.host, port=self.stream.port,
                              supported=self.stream.codecs, session=self.stream.session)
        if result.sdp is None or result.chosen is None:
            tx.reply(result.status or 488)
            return
        self.stream.session = result.state
        self.stream.negotiated = result.chosen
        await self.stream.apply(self._media, symmetric=self._symmetric)
        tx.reply(200, headers=[("Contact", str(self.dialog.local_contact)), SDP],
                 body=result.sdp.to_bytes())
        if self.listener is not None:
            self.listener.leg_hold_changed(self, is_hold(offer))

    def handle_ack(self, request: Request, source: Address) -> None:
        return

    async def reinvite(self, direction: Direction) -> bool:
        if self.dialog is None or not self.answered:
            return False
        return await reinvite(self._stack, self.dialog, self.stream, self._media,
                              direction=direction, symmetric=self._symmetric, logger=self.log)

    def handle_stray_response(self, response: Response, source: Address) -> None:
        # A retransmitted 2xx: our ACK was lost.
        if self.dialog is not None and 200 <= response.status < 300 and (
            response.cseq.method == Method.INVITE
        ):
            self._send_ack()


async def reinvite(
    stack: SipStack,
    dialog: Dialog,
    stream: MediaStream,
    media: MediaPlane,
    *,
    direction: Direction,
    symmetric: bool,
    logger: logging.LoggerAdapter[logging.Logger],
) -> bool:
    """Re-offer our stream in *direction* (hold: sendonly, resume: sendrecv); True on 2xx."""
    chosen = stream.negotiated
    offer, stream.session = build_offer(
        address=stream.host, port=stream.port,
        codecs=(chosen.codec,) if chosen is not None else stream.codecs,
        dtmf_pt=chosen.dtmf_payload_type if chosen is not None else 101,
        session=stream.session, direction=direction,
    )
    via = stack.via_value(dialog.peer.transport, towards=dialog.peer.host)
    invite = dialog.create_request(Method.INVITE.value, via=via, headers=[SDP],
                                   body=offer.to_bytes())
    try:
        response = await stack.send_request(invite, dialog.peer)
    except (RequestTimeout, TransportUnavailable) as exc:
        logger.info("re-INVITE got no answer: %s", exc)
        return False
    if not 200 <= response.status < 300:
        logger.info("re-INVITE refused: %d %s", response.status, response.reason)
        return False
    dialog.confirm(response)
    stack.send_stateless(dialog.create_ack(via=stack.via_value(
        dialog.peer.transport, towards=dialog.peer.host)), dialog.peer)
    try:
        answer = body_sdp(response)
        if answer is not None:
            stream.negotiated = parse_answer(offer, answer)
    except (SdpParseError, OfferAnswerError) as exc:
        logger.warning("re-INVITE answer unusable: %s", exc)
        return False
    await stream.apply(media, symmetric=symmetric)
    return True


async def _common_in_dialog(leg: InboundLeg | OutboundLeg, tx: ServerTransaction) -> None:
    method = tx.request.method
    if method == Method.BYE:
        tx.reply(200)
        if not leg.ended:
            leg.channel.hang_up(HangupCause.NORMAL_CLEARING)
            leg.close()
            if leg.listener is not None:
                leg.listener.leg_hung_up(leg, HangupCause.NORMAL_CLEARING)
    elif method == Method.INVITE:
        await leg.reoffer(tx)
    elif method in (Method.INFO, Method.UPDATE, Method.NOTIFY, Method.OPTIONS):
        tx.reply(200)
    else:
        tx.reply(405, headers=[("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE")])


def _bye_in_background(stack: SipStack, dialog: Dialog,
                       logger: logging.LoggerAdapter[logging.Logger]) -> None:
    """End the dialog with a BYE whose answer nobody waits for: a peer that never answers
    keeps the transaction for Timer F (32 s), not the channel, its media or the caller."""
    stack.background(_bye_exchange(stack, _bye(stack, dialog), dialog.peer, logger))


async def _send_bye(stack: SipStack, dialog: Dialog, logger: logging.LoggerAdapter[logging.Logger]
                    ) -> None:
    await _bye_exchange(stack, _bye(stack, dialog), dialog.peer, logger)


def _bye(stack: SipStack, dialog: Dialog) -> Request:
    bye = dialog.create_request(
        Method.BYE.value, via=stack.via_value(dialog.peer.transport, towards=dialog.peer.host)
    )
    dialog.terminate()
    return bye


async def _bye_exchange(stack: SipStack, bye: Request, peer: Address,
                        logger: logging.LoggerAdapter[logging.Logger]) -> None:
    try:
        response = await stack.send_request(bye, peer)
    except (RequestTimeout, TransportUnavailable) as exc:
        logger.info("BYE got no answer: %s", exc)
        return
    if response.status >= 300:
        logger.info("BYE answered %d %s", response.status, response.reason)


class OriginatedLeg:
    """An answered :class:`OutboundLeg` as the caller side of a dialplan (Originate).

    It is up already: answering is a no-op, ringing and progress have no one to tell, and
    it can never be cancelled; rejecting it means hanging it up.
    """

    def __init__(self, leg: OutboundLeg) -> None:
        self._leg = leg
        self.channel = leg.channel
        self.stream = leg.stream
        self.log = leg.log
        self._cancelled = asyncio.Event()
        self._hangups = TaskSet("originated leg")

    @property
    def listener(self) -> LegListener | None:
        return self._leg.listener

    @listener.setter
    def listener(self, listener: LegListener | None) -> None:
        self._leg.listener = listener

    @property
    def outbound(self) -> OutboundLeg:
        return self._leg

    @property
    def ended(self) -> bool:
        return self._leg.ended

    @property
    def cancelled(self) -> asyncio.Event:
        return self._cancelled

    def owns(self, leg: object) -> bool:
        return leg is self or leg is self._leg

    def ring(self) -> None:
        pass

    def progress(self) -> None:
        pass

    async def answer(self) -> bool:
        return not self._leg.ended

    def reject(self, status: int, cause: HangupCause) -> None:
        self._hangups.spawn(self._leg.hang_up(cause))

    async def hang_up(self, cause: HangupCause) -> None:
        await self._leg.hang_up(cause)
        await self._hangups.wait()

    async def reinvite(self, direction: Direction) -> bool:
        return await self._leg.reinvite(direction)

