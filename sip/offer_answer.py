"""RFC 3264 offer/answer for a B2BUA that anchors media, without I/O.

Every leg of a call terminates on the switch's own RTP ports, so each leg is negotiated on
its own: one audio stream, one codec (the media layer transcodes between legs) and, when the
peer offers it, RFC 4733 telephone-event. What the functions here decide:

* :func:`build_offer` writes our offer (INVITE, re-INVITE, or the 200 of a late-offer call).
* :func:`build_answer` answers a peer's offer: the same m-lines in the same order, the first
  usable audio stream accepted with one codec, every other stream refused with port 0, and
  ``488`` when no audio stream can be used.
* :func:`parse_answer` checks a peer's answer against the offer we sent.
* :class:`SessionState` keeps our ``o=`` line per leg so that the version rises by one on every
  changed SDP and stays put when the same SDP is sent again (RFC 3264 §8).

Hold arrives three ways (sip-interop §10): ``a=sendonly``, ``a=inactive``, or the RFC 2543
``c=0.0.0.0``. All three read as hold; the zero address is not hold on an ICE stream, where
trickle ICE uses it as a placeholder until candidates arrive (RFC 8840 §4.1.1).

Exceptions::

    SipError (sip.errors)
     └── OfferAnswerError   488  an answer that does not fit the offer we sent
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sip.errors import SipError
from sip.sdp import (
    Attribute,
    Connection,
    Direction,
    MediaDescription,
    Origin,
    RtpMap,
    SessionDescription,
)

__all__ = [
    "CODECS",
    "G722",
    "G729",
    "GSM",
    "OPUS",
    "PCMA",
    "PCMU",
    "TELEPHONE_EVENT",
    "AnswerResult",
    "Codec",
    "NegotiatedAudio",
    "OfferAnswerError",
    "SessionState",
    "apply_allow_disallow",
    "build_answer",
    "build_offer",
    "codec_from_asterisk_name",
    "find_codec",
    "is_hold",
    "parse_answer",
]

logger = logging.getLogger(__name__)


class OfferAnswerError(SipError):
    """The peer's SDP cannot be used with ours; the call gets ``488 Not Acceptable Here``."""

    status_code = 488

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# -- codecs -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Codec:
    """An audio format as SDP names it.

    ``clock_rate`` is the RTP clock written in ``a=rtpmap``; ``sample_rate`` is what the audio
    is sampled at. They differ only for G.722 (8000 vs 16000, RFC 3551 §4.5.2), a historical
    error every implementation keeps, so RTP timestamps advance 160 per 20 ms there too.
    """

    name: str
    clock_rate: int
    sample_rate: int
    channels: int = 1
    payload_type: int | None = None
    """The RFC 3551 static payload type; None for a codec that needs a dynamic one."""
    fmtp: str | None = None
    """The ``a=fmtp`` parameters we send for it (what we are able to receive)."""
    asterisk_name: str | None = None
    """The name used in Asterisk ``allow=``/``disallow=``."""

    def matches(self, rtpmap: RtpMap) -> bool:
        return (
            rtpmap.encoding.lower() == self.name.lower()
            and rtpmap.clock_rate == self.clock_rate
            and rtpmap.channels == self.channels
        )

    def rtpmap(self, payload_type: int) -> RtpMap:
        return RtpMap(
            payload_type=payload_type,
            encoding=self.name,
            clock_rate=self.clock_rate,
            channels=self.channels,
        )


PCMU = Codec(name="PCMU", clock_rate=8000, sample_rate=8000, payload_type=0, asterisk_name="ulaw")
PCMA = Codec(name="PCMA", clock_rate=8000, sample_rate=8000, payload_type=8, asterisk_name="alaw")
G722 = Codec(name="G722", clock_rate=8000, sample_rate=16000, payload_type=9, asterisk_name="g722")
# RFC 7587 §7: always "opus/48000/2" whatever the channel count actually sent.
OPUS = Codec(name="opus", clock_rate=48000, sample_rate=48000, channels=2, asterisk_name="opus")
# Annex B (VAD/CNG) is on unless refused, and the media layer does not generate it.
G729 = Codec(
    name="G729",
    clock_rate=8000,
    sample_rate=8000,
    payload_type=18,
    fmtp="annexb=no",
    asterisk_name="g729",
)
GSM = Codec(name="GSM", clock_rate=8000, sample_rate=8000, payload_type=3, asterisk_name="gsm")
TELEPHONE_EVENT = Codec(name="telephone-event", clock_rate=8000, sample_rate=8000, fmtp="0-16")

CODECS: tuple[Codec, ...] = (PCMU, PCMA, G722, OPUS, G729, GSM, TELEPHONE_EVENT)
"""Every format this switch can name in SDP; the audio ones in ``allow=all`` order."""

_AUDIO_CODECS = tuple(c for c in CODECS if c.asterisk_name is not None)
_BY_ASTERISK_NAME = {c.asterisk_name: c for c in _AUDIO_CODECS}
# Formats that travel next to the audio codec rather than being one.
_COMPANIONS = frozenset({"telephone-event", "cn"})


def codec_from_asterisk_name(name: str) -> Codec | None:
    """The codec Asterisk calls ``name`` (``ulaw``, ``alaw``, ``g722``...), any case."""
    return _BY_ASTERISK_NAME.get(name.strip().lower())


def find_codec(rtpmap: RtpMap) -> Codec | None:
    """The known codec an rtpmap (or static payload type) stands for."""
    return next((c for c in CODECS if c.matches(rtpmap)), None)


def apply_allow_disallow(disallow: Sequence[str], allow: Sequence[str]) -> tuple[Codec, ...]:
    """An endpoint's codecs, in preference order, from its ``disallow=`` and ``allow=``.

    Asterisk semantics: the list starts empty, ``disallow`` entries apply first (as in the
    realtime ``ps_endpoints`` columns), then ``allow`` in order; ``all`` means every audio
    codec, ``!name`` inverts an entry, each entry may hold a comma list, and a codec allowed
    twice keeps its first place. A ``:framing`` suffix is dropped because ptime is negotiated
    per call. Names this switch has no codec for are skipped with a warning, as Asterisk
    does, so an imported ``allow=h264`` does not stop the endpoint from loading.
    """
    chosen: list[Codec] = []
    for entries, allowing in ((disallow, False), (allow, True)):
        for name, adding in _allow_entries(entries, allowing):
            if name == "all":
                codecs: tuple[Codec, ...] = _AUDIO_CODECS
            else:
                codec = codec_from_asterisk_name(name)
                if codec is None:
                    logger.warning("ignoring unknown codec %r", name)
                    continue
                codecs = (codec,)
            for codec in codecs:
                if adding and codec not in chosen:
                    chosen.append(codec)
                elif not adding and codec in chosen:
                    chosen.remove(codec)
    return tuple(chosen)


def _allow_entries(entries: Sequence[str], allowing: bool) -> Iterator[tuple[str, bool]]:
    for entry in entries:
        for piece in entry.split(","):
            name = piece.partition(":")[0].strip().lower()
            adding = allowing
            if name.startswith("!"):
                name, adding = name[1:].strip(), not allowing
            if name:
                yield name, adding


# -- our o= line --------------------------------------------------------------------------

_SESSION_ID_BITS = 32  # leaves the 63-bit limit of RFC 3264 §5 out of reach of +1s


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionState:
    """Our side of one leg's SDP session: the ``o=`` identity and the last SDP we sent.

    ``session_version`` is the version of ``last`` (or the one the first SDP will carry).
    """

    session_id: int
    session_version: int
    username: str = "-"
    last: SessionDescription | None = None

    @classmethod
    def new(cls, *, session_id: int | None = None) -> SessionState:
        """A fresh session; the version starts equal to the id, as NTP-stamped SDP does."""
        ident = secrets.randbits(_SESSION_ID_BITS) if session_id is None else session_id
        return cls(session_id=ident, session_version=ident)

    def stamp(self, draft: SessionDescription) -> tuple[SessionDescription, SessionState]:
        """Give ``draft`` our ``o=`` identity and the right version; return the new state.

        The version goes up by one only when something other than the version differs
        from the last SDP sent; an identical SDP comes back as the same object.
        """
        origin = dataclasses.replace(
            draft.origin,
            username=self.username,
            session_id=self.session_id,
            session_version=self.session_version,
        )
        candidate = dataclasses.replace(draft, origin=origin)
        if self.last is None:
            return candidate, dataclasses.replace(self, last=candidate)
        if candidate == self.last:
            return self.last, self
        version = self.session_version + 1
        sdp = dataclasses.replace(
            candidate, origin=dataclasses.replace(origin, session_version=version)
        )
        return sdp, dataclasses.replace(self, session_version=version, last=sdp)


def _draft(address: str, media: tuple[MediaDescription, ...]) -> SessionDescription:
    connection = Connection.for_address(address)
    origin = Origin(
        session_id=0, session_version=0, addr_type=connection.addr_type, address=address
    )
    return SessionDescription(origin=origin, connection=connection, media=media)


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class NegotiatedAudio:
    """What the media layer needs for one leg once offer and answer agree."""

    codec: Codec
    payload_type: int
    """The codec's number on this leg (the offerer's, which both directions use)."""
    dtmf_payload_type: int | None
    """The telephone-event number on this leg, or None when RFC 4733 was not agreed."""
    ptime: int
    """The packet time the peer wants to receive, in ms."""
    remote_address: str
    remote_port: int
    remote_rtcp_address: str
    remote_rtcp_port: int
    rtcp_mux: bool
    remote_fmtp: str | None
    """The peer's ``a=fmtp`` for the codec (opus stereo, G.729 annexb...)."""
    direction_remote: Direction
    """The peer's direction as it means it: sendrecv with ``c=0.0.0.0`` reads as sendonly."""
    direction_local: Direction
    """Ours, as our SDP states it: whether we send and whether we expect to receive."""

    @property
    def on_hold(self) -> bool:
        """The peer put the stream on hold (sendonly, inactive or the zero address)."""
        return not self.direction_remote.receives


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerResult:
    """The outcome of :func:`build_answer`.

    ``status`` is 200 when ``sdp`` holds the answer, 488 when the offer cannot be accepted;
    then ``sdp`` and ``chosen`` are None, ``state`` is the session passed in and ``reason``
    says why (for the log and a ``Warning``/``Reason`` header).
    """

    status: int
    sdp: SessionDescription | None
    state: SessionState | None
    chosen: NegotiatedAudio | None
    reason: str | None = None


# -- offers -------------------------------------------------------------------------------

_PROFILE = "RTP/AVP"
_DYNAMIC = range(96, 128)
_PTIME_RANGE = range(10, 121)  # RTP phones and trunks use 10..60; opus allows up to 120
_DEFAULT_PTIME = 20


def build_offer(
    *,
    address: str,
    port: int,
    codecs: Sequence[Codec],
    dtmf_pt: int | None = 101,
    session: SessionState | None,
    direction: Direction = Direction.SENDRECV,
    ptime: int | None = _DEFAULT_PTIME,
    rtcp_mux: bool = False,
) -> tuple[SessionDescription, SessionState]:
    """Our offer of one RTP/AVP audio stream, codecs in preference order.

    Static codecs use their RFC 3551 number; dynamic ones (opus) take the free numbers from
    96 up, skipping ``dtmf_pt``. Pass the leg's previous ``session`` for a re-offer: the id
    stays, the version rises only if the SDP changed. ``session=None`` starts a new one.
    """
    wanted = tuple(dict.fromkeys(codecs))
    if not wanted:
        raise ValueError("an offer needs at least one codec")
    if TELEPHONE_EVENT in wanted:
        raise ValueError("telephone-event is offered through dtmf_pt, not as a codec")
    if dtmf_pt is not None and dtmf_pt not in _DYNAMIC:
        raise ValueError(f"dtmf_pt must be a dynamic payload type (96..127): {dtmf_pt}")
    free = (pt for pt in _DYNAMIC if pt != dtmf_pt)
    formats: list[int] = []
    attributes: list[Attribute] = []
    for codec in wanted:
        payload_type = codec.payload_type
        if payload_type is None:
            payload_type = next(free, None)
            if payload_type is None:
                raise ValueError("more dynamic codecs than dynamic payload types")
        formats.append(payload_type)
        attributes.extend(_format_attributes(codec, payload_type, codec.fmtp))
    if dtmf_pt is not None:
        formats.append(dtmf_pt)
        attributes.extend(_format_attributes(TELEPHONE_EVENT, dtmf_pt, TELEPHONE_EVENT.fmtp))
    attributes.extend(_stream_attributes(ptime=ptime, rtcp_mux=rtcp_mux, direction=direction))
    media = MediaDescription(
        media="audio",
        port=port,
        protocol=_PROFILE,
        formats=tuple(str(pt) for pt in formats),
        attributes=tuple(attributes),
    )
    state = session if session is not None else SessionState.new()
    return state.stamp(_draft(address, (media,)))


def _format_attributes(codec: Codec, payload_type: int, fmtp: str | None) -> Iterator[Attribute]:
    # rtpmap even for static types: RFC 8866 §6.6 recommends it and some phones want it.
    yield Attribute(name="rtpmap", value=str(codec.rtpmap(payload_type)))
    if fmtp is not None:
        yield Attribute(name="fmtp", value=f"{payload_type} {fmtp}")


def _stream_attributes(
    *, ptime: int | None, rtcp_mux: bool, direction: Direction
) -> Iterator[Attribute]:
    if ptime is not None:
        yield Attribute(name="ptime", value=str(ptime))
    if rtcp_mux:
        yield Attribute(name="rtcp-mux")
    # Explicit even for sendrecv: after a hold, some phones keep the old direction otherwise.
    yield Attribute(name=direction.value)


# -- answers ------------------------------------------------------------------------------

_ZERO_ADDRESSES = frozenset({"0.0.0.0", "::"})


@dataclass(frozen=True, slots=True, kw_only=True)
class _Choice:
    codec: Codec
    payload_type: int
    events: RtpMap | None  # the offerer's telephone-event mapping we keep


def build_answer(
    offer: SessionDescription,
    *,
    address: str,
    port: int,
    supported: Sequence[Codec],
    session: SessionState | None,
    prefer_offerer_order: bool = True,
    hold_answer: bool = True,
    direction: Direction = Direction.SENDRECV,
    dtmf: bool = True,
    rtcp_mux: bool = False,
    ptime: int | None = _DEFAULT_PTIME,
) -> AnswerResult:
    """Answer ``offer`` with our ``address``/``port`` for its first usable audio stream.

    * A stream is usable if it is audio, not refused (port 0), RTP/AVP, has an address and
      shares a codec with ``supported``. The first one gets the codec the offerer listed
      first among ours (``prefer_offerer_order``) or our first among the offered, with the
      offerer's payload number; all other streams are refused keeping type, proto, formats.
    * telephone-event is kept with the offerer's number and fmtp (``0-16`` if it gave none),
      preferring the one whose clock matches the codec's (opus offers both 48000 and 8000).
    * Direction: the reverse of the offerer's (RFC 3264 §6.1), limited by ``direction``.
      A hold offer is answered recvonly, or inactive when ``hold_answer`` is False (we have
      no use for the holder's music).
    * ICE, crypto and other offered attributes are not echoed; ``a=rtcp-mux`` is when both
      the offer and ``rtcp_mux`` ask for it.
    """
    chosen: NegotiatedAudio | None = None
    reason: str | None = None
    answered: list[MediaDescription] = []
    for offered in offer.media:
        accepted: MediaDescription | None = None
        if chosen is None and offered.media.lower() == "audio":
            choice, why = _choose(offered, offer, supported, prefer_offerer_order, dtmf)
            if choice is not None:
                chosen, accepted = _accept(
                    offered,
                    offer,
                    choice,
                    port=port,
                    local=direction,
                    hold_answer=hold_answer,
                    rtcp_mux=rtcp_mux,
                    ptime=ptime,
                )
            elif reason is None:
                reason = why
        answered.append(accepted if accepted is not None else _refused(offered))
    if chosen is None:
        return AnswerResult(
            status=488,
            sdp=None,
            state=session,
            chosen=None,
            reason=reason or "the offer has no audio stream",
        )
    state = session if session is not None else SessionState.new()
    sdp, state = state.stamp(_draft(address, tuple(answered)))
    return AnswerResult(status=200, sdp=sdp, state=state, chosen=chosen)


def _choose(
    offered: MediaDescription,
    offer: SessionDescription,
    supported: Sequence[Codec],
    prefer_offerer_order: bool,
    dtmf: bool,
) -> tuple[_Choice | None, str]:
    if offered.port == 0:
        return None, "the offerer disabled its audio stream"
    if offered.protocol.upper() != _PROFILE:
        return None, f"audio profile {offered.protocol} is not supported"
    if offered.effective_connection(offer) is None:
        return None, "the audio stream has no c= address"
    rtpmaps = offered.rtpmaps()
    candidates = [
        (pt, codec)
        for pt, rtpmap in rtpmaps.items()
        if rtpmap.encoding.lower() not in _COMPANIONS
        for codec in supported
        if codec.matches(rtpmap)
    ]
    if not prefer_offerer_order:
        candidates.sort(key=lambda pair: supported.index(pair[1]))  # stable: ties keep order
    if not candidates:
        return None, "no common codec"
    payload_type, codec = candidates[0]
    events = _telephone_event(rtpmaps.values(), codec.clock_rate) if dtmf else None
    return _Choice(codec=codec, payload_type=payload_type, events=events), ""


def _telephone_event(rtpmaps: Iterable[RtpMap], clock_rate: int) -> RtpMap | None:
    # RFC 4733 events count time in the audio codec's clock, so a matching one comes first;
    # 8000 is what every telephony peer understands otherwise.
    by_clock: dict[int, RtpMap] = {}
    for rtpmap in rtpmaps:
        if rtpmap.encoding.lower() == "telephone-event":
            by_clock.setdefault(rtpmap.clock_rate, rtpmap)
    return by_clock.get(clock_rate, by_clock.get(TELEPHONE_EVENT.clock_rate))


def _accept(
    offered: MediaDescription,
    offer: SessionDescription,
    choice: _Choice,
    *,
    port: int,
    local: Direction,
    hold_answer: bool,
    rtcp_mux: bool,
    ptime: int | None,
) -> tuple[NegotiatedAudio, MediaDescription]:
    remote = _remote_direction(offered, offer)
    ours = remote.reverse().intersect(local)
    if not remote.receives and not hold_answer:
        ours = Direction.INACTIVE
    mux = rtcp_mux and offered.rtcp_mux
    formats = [choice.payload_type]
    attributes = list(_format_attributes(choice.codec, choice.payload_type, choice.codec.fmtp))
    dtmf_pt: int | None = None
    if choice.events is not None:
        dtmf_pt = choice.events.payload_type
        formats.append(dtmf_pt)
        events = dataclasses.replace(TELEPHONE_EVENT, clock_rate=choice.events.clock_rate)
        fmtp = offered.fmtp(dtmf_pt) or TELEPHONE_EVENT.fmtp
        attributes.extend(_format_attributes(events, dtmf_pt, fmtp))
    attributes.extend(_stream_attributes(ptime=ptime, rtcp_mux=mux, direction=ours))
    answer = MediaDescription(
        media=offered.media,
        port=port,
        protocol=offered.protocol,
        formats=tuple(str(pt) for pt in formats),
        attributes=tuple(attributes),
    )
    negotiated = _negotiated(
        offered,
        offer,
        codec=choice.codec,
        payload_type=choice.payload_type,
        dtmf_payload_type=dtmf_pt,
        rtcp_mux=mux,
        direction_local=ours,
    )
    return negotiated, answer


def _refused(offered: MediaDescription) -> MediaDescription:
    # RFC 3264 §6: a refused stream keeps its m-line, with port 0; nothing else is needed.
    return MediaDescription(
        media=offered.media, port=0, protocol=offered.protocol, formats=offered.formats
    )


def _remote_direction(media: MediaDescription, sdp: SessionDescription) -> Direction:
    declared = media.direction(sdp)
    connection = media.effective_connection(sdp)
    zero = connection is not None and connection.address in _ZERO_ADDRESSES
    ice = media.has_attribute("ice-ufrag") or sdp.attribute("ice-ufrag") is not None
    if zero and not ice:
        # RFC 2543 hold: "do not send to me", whatever the direction attribute says.
        return Direction.from_flags(send=declared.sends, receive=False)
    return declared


def _negotiated(
    media: MediaDescription,
    sdp: SessionDescription,
    *,
    codec: Codec,
    payload_type: int,
    dtmf_payload_type: int | None,
    rtcp_mux: bool,
    direction_local: Direction,
) -> NegotiatedAudio:
    connection = media.effective_connection(sdp)
    if connection is None:
        raise OfferAnswerError("the audio stream has no c= address")
    rtcp_address, rtcp_port = connection.address, media.port + 1
    if rtcp_mux:
        rtcp_port = media.port
    elif media.rtcp is not None:
        rtcp_port, given = media.rtcp
        rtcp_address = given or rtcp_address
    ptime = media.ptime
    return NegotiatedAudio(
        codec=codec,
        payload_type=payload_type,
        dtmf_payload_type=dtmf_payload_type,
        ptime=ptime if ptime is not None and ptime in _PTIME_RANGE else _DEFAULT_PTIME,
        remote_address=connection.address,
        remote_port=media.port,
        remote_rtcp_address=rtcp_address,
        remote_rtcp_port=rtcp_port,
        rtcp_mux=rtcp_mux,
        remote_fmtp=media.fmtp(payload_type),
        direction_remote=_remote_direction(media, sdp),
        direction_local=direction_local,
    )


# -- answers to our offers ----------------------------------------------------------------


def parse_answer(offer_sent: SessionDescription, answer: SessionDescription) -> NegotiatedAudio:
    """Check the peer's ``answer`` to ``offer_sent`` and read the agreed audio from it.

    The answer must have as many m-lines as the offer; on the first accepted audio stream
    the first codec we offered under that number is the one used. Codecs the answer lists
    but we never offered are passed over (some UAs answer with their whole list; refusing
    them would fail calls that can work). A telephone-event number we did not offer is
    ignored rather than fatal: DTMF then falls back to other modes.
    """
    if len(answer.media) != len(offer_sent.media):
        raise OfferAnswerError(
            f"the answer has {len(answer.media)} m-lines but the offer had {len(offer_sent.media)}"
        )
    for index, (ours, theirs) in enumerate(zip(offer_sent.media, answer.media, strict=True)):
        if ours.media.lower() != "audio" or ours.port == 0 or theirs.port == 0:
            continue
        if theirs.media.lower() != "audio":
            raise OfferAnswerError(f"m-line {index + 1} is {theirs.media} in the answer")
        offered = ours.rtpmaps()
        answered = theirs.rtpmaps()
        # A lazy answer may list our dynamic numbers without rtpmaps; ours then say what
        # they are.
        meaning = {pt: answered.get(pt, offered.get(pt)) for pt in theirs.payload_types}
        candidates = [
            pt
            for pt, rtpmap in meaning.items()
            if rtpmap is None or rtpmap.encoding.lower() not in _COMPANIONS
        ]
        if not candidates:
            raise OfferAnswerError("the answer's audio stream has no codec")
        codec_pt = next((pt for pt in candidates if pt in offered), candidates[0])
        codec = find_codec(offered[codec_pt]) if codec_pt in offered else None
        if codec is None:
            raise OfferAnswerError(
                f"the answer chose payload type {codec_pt}, which the offer did not contain"
            )
        if codec_pt in answered and not codec.matches(answered[codec_pt]):
            raise OfferAnswerError(
                f"the answer maps payload type {codec_pt} to {answered[codec_pt].encoding},"
                f" the offer to {codec.name}"
            )
        mux = ours.rtcp_mux and theirs.rtcp_mux
        remote = _remote_direction(theirs, answer)
        return _negotiated(
            theirs,
            answer,
            codec=codec,
            payload_type=codec_pt,
            dtmf_payload_type=_agreed_telephone_event(offered, meaning, codec.clock_rate),
            rtcp_mux=mux,
            direction_local=ours.direction(offer_sent).intersect(remote.reverse()),
        )
    raise OfferAnswerError("the answer accepted no audio stream")


def _agreed_telephone_event(
    offered: dict[int, RtpMap], answered: dict[int, RtpMap | None], clock_rate: int
) -> int | None:
    both = (
        rtpmap
        for pt, rtpmap in answered.items()
        if rtpmap is not None
        and pt in offered
        and offered[pt].encoding.lower() == "telephone-event"
    )
    chosen = _telephone_event(both, clock_rate)
    return chosen.payload_type if chosen is not None else None


def is_hold(sdp: SessionDescription) -> bool:
    """True when the first active audio stream is sendonly, inactive or at ``c=0.0.0.0``."""
    for media in sdp.media:
        if media.media.lower() == "audio" and media.port != 0:
            return not _remote_direction(media, sdp).receives
    return False
