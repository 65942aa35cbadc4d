"""SDP (RFC 8866, which replaced RFC 4566): a frozen model, a tolerant parser and the writer.

The parser accepts what phones and trunks really send: CRLF, LF or CR line ends, blank
lines, surrounding whitespace, lines out of their RFC order, unknown line types and
attributes, a missing ``s=`` or ``t=``. It refuses only what leaves a description without
meaning: no ``v=0`` first, a broken ``o=``, ``c=``, ``b=``, ``t=`` or ``m=`` line, a port out of
range, a payload type that is not a number on an RTP stream. Lines that the grammar does not
place where they stand (an unknown type, a second ``c=`` at one level, ``t=`` inside a media
section) are kept in ``extra_lines`` so nothing a peer wrote is lost.

:meth:`SessionDescription.to_bytes` writes the RFC order with CRLF. Constructors validate
what the writer relies on (no CR/LF/NUL in a value, single words where SDP separates by
spaces, ports in range), so for every description ``d`` that can be built,
``parse_sdp(d.to_bytes()) == d``. Invalid values given to a constructor raise
:class:`ValueError`; the parser raises nothing but :class:`SdpParseError`::

    SipError (sip.errors)
     └── SdpParseError   400  also a ValueError: the body is not a usable description
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from sip.errors import SipError

__all__ = [
    "STATIC_PAYLOAD_TYPES",
    "Attribute",
    "Bandwidth",
    "Connection",
    "Direction",
    "Line",
    "MediaDescription",
    "Origin",
    "RtpMap",
    "SdpParseError",
    "SessionDescription",
    "Timing",
    "parse_sdp",
]


class SdpParseError(SipError, ValueError):
    """An SDP body that cannot be read as a session description."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Direction(StrEnum):
    """The media direction attributes of RFC 8866 §6.7, from the describing side's view."""

    SENDRECV = "sendrecv"
    SENDONLY = "sendonly"
    RECVONLY = "recvonly"
    INACTIVE = "inactive"

    @classmethod
    def from_flags(cls, *, send: bool, receive: bool) -> Direction:
        if send:
            return cls.SENDRECV if receive else cls.SENDONLY
        return cls.RECVONLY if receive else cls.INACTIVE

    @property
    def sends(self) -> bool:
        return self in (Direction.SENDRECV, Direction.SENDONLY)

    @property
    def receives(self) -> bool:
        return self in (Direction.SENDRECV, Direction.RECVONLY)

    def reverse(self) -> Direction:
        """The same stream seen from the other end: sendonly there is recvonly here."""
        return Direction.from_flags(send=self.receives, receive=self.sends)

    def intersect(self, other: Direction) -> Direction:
        """Only what both directions allow."""
        return Direction.from_flags(
            send=self.sends and other.sends, receive=self.receives and other.receives
        )


_DIRECTIONS: dict[str, Direction] = {d.value: d for d in Direction}


# -- value checks shared by the constructors ---------------------------------------------


_UNWRITABLE_RE = re.compile("[\r\n\x00\ud800-\udfff]")


def _check_chars(value: str, what: str) -> None:
    # A CR or LF would let a value start a line of its own when written; NUL is outside
    # the SDP byte-string grammar; a lone surrogate has no UTF-8 form.
    if _UNWRITABLE_RE.search(value):
        raise ValueError(f"{what} contains CR, LF, NUL or a lone surrogate: {value!r}")


def _check_text(value: str, what: str) -> None:
    _check_chars(value, what)
    # The parser trims every line, so edge whitespace could not be read back.
    if value != value.strip():
        raise ValueError(f"{what} has leading or trailing whitespace: {value!r}")


def _check_word(value: str, what: str) -> None:
    if value.split() != [value] or _UNWRITABLE_RE.search(value):
        raise ValueError(f"{what} must be one word without spaces: {value!r}")


# Numbers are bounded so that every value a constructor accepts can be parsed back, and so
# that int() never meets a hostile 5,000-digit field (it refuses beyond 4,300 digits).
_ID_DIGITS = 40  # RFC 3264 §5 asks for 64-bit values (20 digits); be lenient, not unbounded
_TIME_DIGITS = 20  # NTP seconds
_BANDWIDTH_DIGITS = 12
_MAX_ID = 10**_ID_DIGITS - 1
_MAX_TIME = 10**_TIME_DIGITS - 1
_MAX_BANDWIDTH = 10**_BANDWIDTH_DIGITS - 1


def _check_range(value: int, low: int, high: int, what: str) -> None:
    if not low <= value <= high:
        raise ValueError(f"{what} must be in {low}..{high}: {value}")


# -- the model ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Origin:
    """The ``o=`` line: who made the description and which revision it is."""

    username: str = "-"
    session_id: int
    session_version: int
    net_type: str = "IN"
    addr_type: str = "IP4"
    address: str

    def __post_init__(self) -> None:
        for value, what in (
            (self.username, "o= username"),
            (self.net_type, "o= network type"),
            (self.addr_type, "o= address type"),
            (self.address, "o= address"),
        ):
            _check_word(value, what)
        _check_range(self.session_id, 0, _MAX_ID, "o= session id")
        _check_range(self.session_version, 0, _MAX_ID, "o= session version")

    def __str__(self) -> str:
        return (
            f"{self.username} {self.session_id} {self.session_version} "
            f"{self.net_type} {self.addr_type} {self.address}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    """A ``c=`` line. ``ttl`` and ``count`` only occur for multicast groups.

    IPv4 writes ``addr/ttl/count``; IPv6 has no TTL and writes ``addr/count``
    (RFC 8866 §5.7), so a lone suffix means a different thing per address type.
    """

    net_type: str = "IN"
    addr_type: str = "IP4"
    address: str
    ttl: int | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        _check_word(self.net_type, "c= network type")
        _check_word(self.addr_type, "c= address type")
        _check_word(self.address, "c= address")
        if "/" in self.address:
            raise ValueError(f"c= address must not contain '/': {self.address!r}")
        if self.ttl is not None:
            if self._is_ip6:
                raise ValueError("c= IP6 addresses have no TTL")
            _check_range(self.ttl, 0, 255, "c= TTL")
        if self.count is not None:
            if self.ttl is None and not self._is_ip6:
                raise ValueError("c= address count needs a TTL before it for IP4")
            _check_range(self.count, 1, 65535, "c= address count")

    @classmethod
    def for_address(cls, address: str) -> Connection:
        """``IN IP4 address``, or ``IN IP6`` when the address is an IPv6 literal."""
        return cls(addr_type="IP6" if ":" in address else "IP4", address=address)

    @property
    def _is_ip6(self) -> bool:
        return self.addr_type.upper() == "IP6"

    def __str__(self) -> str:
        suffix = "".join(f"/{n}" for n in (self.ttl, self.count) if n is not None)
        return f"{self.net_type} {self.addr_type} {self.address}{suffix}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Bandwidth:
    """A ``b=`` line such as ``AS:64`` (kbit/s) or ``TIAS:64000`` (bit/s)."""

    type: str
    value: int

    def __post_init__(self) -> None:
        _check_word(self.type, "b= type")
        if ":" in self.type:
            raise ValueError(f"b= type must not contain ':': {self.type!r}")
        _check_range(self.value, 0, _MAX_BANDWIDTH, "b= value")

    def __str__(self) -> str:
        return f"{self.type}:{self.value}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """A ``t=`` line (NTP seconds, ``0 0`` for an unbounded session) and its ``r=`` lines."""

    start: int = 0
    stop: int = 0
    repeats: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_range(self.start, 0, _MAX_TIME, "t= start")
        _check_range(self.stop, 0, _MAX_TIME, "t= stop")
        for repeat in self.repeats:
            _check_text(repeat, "r= value")


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribute:
    """An ``a=`` line: a property (``value`` None, as ``a=sendonly``) or ``name:value``.

    The name keeps its spelling; lookups compare it case-insensitively.
    """

    name: str
    value: str | None = None

    def __post_init__(self) -> None:
        _check_text(self.name, "attribute name")
        if not self.name or ":" in self.name:
            raise ValueError(f"attribute name must be non-empty without ':': {self.name!r}")
        if self.value is not None:
            _check_chars(self.value, "attribute value")
            # Only the end of a line is trimmed: "a=msid-semantic: WMS" keeps its space.
            if self.value != self.value.rstrip():
                raise ValueError(f"attribute value has trailing whitespace: {self.value!r}")

    def __str__(self) -> str:
        return self.name if self.value is None else f"{self.name}:{self.value}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """A line kept verbatim because the grammar does not give it a place where it stood."""

    type: str
    value: str

    def __post_init__(self) -> None:
        if len(self.type) != 1 or not (self.type.isascii() and self.type.isalpha()):
            raise ValueError(f"SDP line type must be one ASCII letter: {self.type!r}")
        _check_text(self.value, f"{self.type}= value")

    def __str__(self) -> str:
        return f"{self.type}={self.value}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RtpMap:
    """What a payload type number stands for (``a=rtpmap`` or the RFC 3551 static table).

    ``encoding`` keeps the peer's spelling (``PCMU``, ``opus``, ``G729``); compare it
    case-insensitively. G.722 says 8000 here although it samples at 16 kHz (RFC 3551 §4.5.2).
    """

    payload_type: int
    encoding: str
    clock_rate: int
    channels: int = 1

    @classmethod
    def parse(cls, value: str) -> RtpMap | None:
        """Read an ``a=rtpmap`` value; None when it is malformed, so the stream ignores it."""
        match = _RTPMAP_RE.fullmatch(value.strip())
        if match is None:
            return None
        pt_text, encoding, clock_text, channels_text = match.groups()
        payload_type, clock_rate = int(pt_text), int(clock_text)
        channels = int(channels_text) if channels_text else 1
        if payload_type > _MAX_PAYLOAD_TYPE or clock_rate == 0 or channels == 0:
            return None
        return cls(
            payload_type=payload_type, encoding=encoding, clock_rate=clock_rate, channels=channels
        )

    def __str__(self) -> str:
        channels = f"/{self.channels}" if self.channels != 1 else ""
        return f"{self.payload_type} {self.encoding}/{self.clock_rate}{channels}"


_RTPMAP_RE = re.compile(r"([0-9]{1,3})\s+([^/\s]+)/([0-9]{1,9})(?:/([0-9]{1,3}))?")
_MAX_PAYLOAD_TYPE = 127


def _static(payload_type: int, encoding: str, clock_rate: int, channels: int = 1) -> RtpMap:
    return RtpMap(
        payload_type=payload_type, encoding=encoding, clock_rate=clock_rate, channels=channels
    )


# RFC 3551 §6, tables 4 and 5: what a payload type means when no rtpmap names it.
STATIC_PAYLOAD_TYPES: Mapping[int, RtpMap] = MappingProxyType(
    {
        rtpmap.payload_type: rtpmap
        for rtpmap in (
            _static(0, "PCMU", 8000),
            _static(3, "GSM", 8000),
            _static(4, "G723", 8000),
            _static(5, "DVI4", 8000),
            _static(6, "DVI4", 16000),
            _static(7, "LPC", 8000),
            _static(8, "PCMA", 8000),
            _static(9, "G722", 8000),
            _static(10, "L16", 44100, 2),
            _static(11, "L16", 44100),
            _static(12, "QCELP", 8000),
            _static(13, "CN", 8000),
            _static(14, "MPA", 90000),
            _static(15, "G728", 8000),
            _static(16, "DVI4", 11025),
            _static(17, "DVI4", 22050),
            _static(18, "G729", 8000),
            _static(25, "CelB", 90000),
            _static(26, "JPEG", 90000),
            _static(28, "nv", 90000),
            _static(31, "H261", 90000),
            _static(32, "MPV", 90000),
            _static(33, "MP2T", 90000),
            _static(34, "H263", 90000),
        )
    }
)


def _find_attribute(attributes: tuple[Attribute, ...], name: str) -> Attribute | None:
    wanted = name.lower()
    return next((a for a in attributes if a.name.lower() == wanted), None)


def _direction_of(attributes: tuple[Attribute, ...]) -> Direction | None:
    return next(
        (_DIRECTIONS[a.name.lower()] for a in attributes if a.name.lower() in _DIRECTIONS),
        None,
    )


def _is_rtp_profile(protocol: str) -> bool:
    # RTP/AVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF, TCP/RTP/AVP...: formats are payload types.
    return "RTP/" in protocol.upper()


def _check_extra_lines(lines: tuple[Line, ...], fields: frozenset[str], present: str) -> None:
    # A kept line must not be read back as one of the structured fields, or writing and
    # re-parsing would move it: multi-valued types always would be absorbed, single-valued
    # ones only when their field is empty (``present`` lists the filled single fields).
    for line in lines:
        if line.type in fields and line.type not in present:
            raise ValueError(f"{line.type}= belongs in its field, not in extra_lines")


_SESSION_FIELDS = frozenset("vosiuepcbtrzkam")
_MEDIA_FIELDS = frozenset("icbkam")


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaDescription:
    """One ``m=`` section with the lines that follow it."""

    media: str
    port: int
    port_count: int = 1
    protocol: str = "RTP/AVP"
    formats: tuple[str, ...] = ()
    title: str | None = None
    connection: Connection | None = None
    bandwidths: tuple[Bandwidth, ...] = ()
    encryption_key: str | None = None
    attributes: tuple[Attribute, ...] = ()
    extra_lines: tuple[Line, ...] = ()

    def __post_init__(self) -> None:
        _check_word(self.media, "m= media type")
        _check_word(self.protocol, "m= protocol")
        _check_range(self.port, 0, 65535, "m= port")
        _check_range(self.port_count, 1, 65535, "m= port count")
        for fmt in self.formats:
            _check_word(fmt, "m= format")
            if self.is_rtp and _payload_type(fmt) is None:
                raise ValueError(f"m= format of an RTP stream must be 0..127: {fmt!r}")
        for text, what in ((self.title, "i="), (self.encryption_key, "k=")):
            if text is not None:
                _check_text(text, what)
        present = "".join(
            kind
            for kind, value in (
                ("i", self.title),
                ("c", self.connection),
                ("k", self.encryption_key),
            )
            if value is not None
        )
        _check_extra_lines(self.extra_lines, _MEDIA_FIELDS, present)

    @property
    def is_rtp(self) -> bool:
        """True when the formats are RTP payload type numbers."""
        return _is_rtp_profile(self.protocol)

    @property
    def payload_types(self) -> tuple[int, ...]:
        """The formats as numbers, in the offerer's preference order (empty if not RTP)."""
        if not self.is_rtp:
            return ()
        return tuple(int(fmt) for fmt in self.formats)

    def attribute(self, name: str) -> Attribute | None:
        """The first media-level attribute called ``name`` (any case)."""
        return _find_attribute(self.attributes, name)

    def has_attribute(self, name: str) -> bool:
        return self.attribute(name) is not None

    def rtpmaps(self) -> dict[int, RtpMap]:
        """Each listed payload type with its mapping, in ``m=`` order.

        An ``a=rtpmap`` wins over the static table; a listed dynamic type without a
        (well-formed) rtpmap is left out because nothing says what it carries.
        """
        declared: dict[int, RtpMap] = {}
        for attribute in self.attributes:
            if attribute.name.lower() == "rtpmap" and attribute.value is not None:
                rtpmap = RtpMap.parse(attribute.value)
                if rtpmap is not None:
                    declared.setdefault(rtpmap.payload_type, rtpmap)
        result: dict[int, RtpMap] = {}
        for payload_type in self.payload_types:
            rtpmap = declared.get(payload_type, STATIC_PAYLOAD_TYPES.get(payload_type))
            if rtpmap is not None:
                result.setdefault(payload_type, rtpmap)
        return result

    def fmtp(self, payload_type: int) -> str | None:
        """The format parameters of ``a=fmtp:<pt> ...``, or None when there are none."""
        wanted = str(payload_type)
        for attribute in self.attributes:
            if attribute.name.lower() == "fmtp" and attribute.value is not None:
                fields = attribute.value.split(None, 1)
                if fields and fields[0] == wanted:
                    return fields[1] if len(fields) == 2 else ""
        return None

    def direction(self, session: SessionDescription | None = None) -> Direction:
        """The stream's direction: its own attribute, else the session's, else sendrecv."""
        own = _direction_of(self.attributes)
        if own is not None:
            return own
        inherited = _direction_of(session.attributes) if session is not None else None
        return inherited if inherited is not None else Direction.SENDRECV

    @property
    def ptime(self) -> int | None:
        """``a=ptime`` in whole milliseconds (a decimal value is truncated)."""
        return self._milliseconds("ptime")

    @property
    def maxptime(self) -> int | None:
        return self._milliseconds("maxptime")

    def _milliseconds(self, name: str) -> int | None:
        attribute = self.attribute(name)
        if attribute is None or attribute.value is None:
            return None
        match = _PTIME_RE.fullmatch(attribute.value.strip())
        return int(match.group(1)) if match and int(match.group(1)) > 0 else None

    @property
    def rtcp(self) -> tuple[int, str | None] | None:
        """``a=rtcp`` (RFC 3605) as ``(port, address or None)``; None if absent or malformed."""
        attribute = self.attribute("rtcp")
        if attribute is None or attribute.value is None:
            return None
        fields = attribute.value.split()
        port = _port(fields[0]) if fields else None
        if port is None:
            return None
        return port, fields[3] if len(fields) >= 4 else None

    @property
    def rtcp_mux(self) -> bool:
        """``a=rtcp-mux`` (RFC 5761): RTCP shares the RTP port."""
        return self.has_attribute("rtcp-mux")

    def effective_connection(self, session: SessionDescription) -> Connection | None:
        """The media-level ``c=``, else the session-level one."""
        return self.connection if self.connection is not None else session.connection

    def lines(self) -> Iterator[str]:
        """The section's lines in RFC order, without line ends."""
        port = f"{self.port}/{self.port_count}" if self.port_count != 1 else str(self.port)
        yield "m=" + " ".join((self.media, port, self.protocol, *self.formats))
        if self.title is not None:
            yield f"i={self.title}"
        if self.connection is not None:
            yield f"c={self.connection}"
        yield from (f"b={b}" for b in self.bandwidths)
        if self.encryption_key is not None:
            yield f"k={self.encryption_key}"
        yield from (f"a={a}" for a in self.attributes)
        yield from (str(line) for line in self.extra_lines)


_PTIME_RE = re.compile(r"([0-9]{1,6})(?:\.[0-9]*)?")
_UNBOUNDED = (Timing(),)  # "t=0 0", what every SIP peer writes


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionDescription:
    """A whole SDP body."""

    version: int = 0
    origin: Origin
    session_name: str = "-"
    information: str | None = None
    uri: str | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    connection: Connection | None = None
    bandwidths: tuple[Bandwidth, ...] = ()
    timing: tuple[Timing, ...] = _UNBOUNDED
    time_zones: str | None = None
    encryption_key: str | None = None
    attributes: tuple[Attribute, ...] = ()
    media: tuple[MediaDescription, ...] = ()
    extra_lines: tuple[Line, ...] = ()

    def __post_init__(self) -> None:
        if self.version != 0:
            raise ValueError(f"only SDP version 0 exists: {self.version}")
        if not self.timing:
            raise ValueError("a session description needs at least one t= line")
        _check_text(self.session_name, "s=")
        for text, what in (
            (self.information, "i="),
            (self.uri, "u="),
            (self.time_zones, "z="),
            (self.encryption_key, "k="),
        ):
            if text is not None:
                _check_text(text, what)
        for text in (*self.emails, *self.phones):
            _check_text(text, "e=/p=")
        present = "vos" + "".join(
            kind
            for kind, value in (
                ("i", self.information),
                ("u", self.uri),
                ("c", self.connection),
                ("z", self.time_zones),
                ("k", self.encryption_key),
            )
            if value is not None
        )
        _check_extra_lines(self.extra_lines, _SESSION_FIELDS, present)

    def attribute(self, name: str) -> Attribute | None:
        """The first session-level attribute called ``name`` (any case)."""
        return _find_attribute(self.attributes, name)

    def lines(self) -> Iterator[str]:
        """Every line in RFC 8866 §5 order, without line ends."""
        yield f"v={self.version}"
        yield f"o={self.origin}"
        # An empty s= is invalid; a single space is the RFC 3264 §5 placeholder and reads
        # back as the empty name.
        yield f"s={self.session_name or ' '}"
        for kind, text in (("i", self.information), ("u", self.uri)):
            if text is not None:
                yield f"{kind}={text}"
        yield from (f"e={email}" for email in self.emails)
        yield from (f"p={phone}" for phone in self.phones)
        if self.connection is not None:
            yield f"c={self.connection}"
        yield from (f"b={b}" for b in self.bandwidths)
        for timing in self.timing:
            yield f"t={timing.start} {timing.stop}"
            yield from (f"r={repeat}" for repeat in timing.repeats)
        for kind, text in (("z", self.time_zones), ("k", self.encryption_key)):
            if text is not None:
                yield f"{kind}={text}"
        yield from (f"a={a}" for a in self.attributes)
        yield from (str(line) for line in self.extra_lines)
        for media in self.media:
            yield from media.lines()

    def to_bytes(self) -> bytes:
        """The body as UTF-8 with CRLF after every line."""
        return "".join(line + "\r\n" for line in self.lines()).encode()

    def __bytes__(self) -> bytes:
        return self.to_bytes()


# -- the parser ---------------------------------------------------------------------------

_LINE_END_RE = re.compile(r"\r\n|\r|\n")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_ID_RE = re.compile(f"[0-9]{{1,{_ID_DIGITS}}}")
_TIME_RE = re.compile(f"([0-9]{{1,{_TIME_DIGITS}}})\\s+([0-9]{{1,{_TIME_DIGITS}}})")
_BANDWIDTH_RE = re.compile(f"([^:\\s]+):\\s*([0-9]{{1,{_BANDWIDTH_DIGITS}}})")
_PORT_RE = re.compile(r"[0-9]{1,5}")
_PAYLOAD_TYPE_RE = re.compile(r"[0-9]{1,3}")


def _port(text: str) -> int | None:
    if _PORT_RE.fullmatch(text) is None or int(text) > 65535:
        return None
    return int(text)


def _payload_type(text: str) -> int | None:
    if _PAYLOAD_TYPE_RE.fullmatch(text) is None or int(text) > _MAX_PAYLOAD_TYPE:
        return None
    return int(text)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        # Only free text (s=, i=) is ever non-ASCII; a phone writing Latin-1 there should
        # not cost the call, and every byte is valid Latin-1.
        return body.decode("latin-1")


def _parse_origin(value: str) -> Origin:
    fields = value.split()
    if len(fields) != 6:
        raise SdpParseError(f"o= line needs 6 fields: {value!r}")
    username, session_id, session_version, net_type, addr_type, address = fields
    for text, what in ((session_id, "session id"), (session_version, "session version")):
        if _ID_RE.fullmatch(text) is None:
            raise SdpParseError(f"o= {what} is not a number: {text!r}")
    return Origin(
        username=username,
        session_id=int(session_id),
        session_version=int(session_version),
        net_type=net_type,
        addr_type=addr_type,
        address=address,
    )


def _parse_connection(value: str) -> Connection:
    fields = value.split()
    if len(fields) != 3:
        raise SdpParseError(f"c= line needs 3 fields: {value!r}")
    net_type, addr_type, address_text = fields
    address, *suffixes = address_text.split("/")
    numbers: list[int] = []
    for suffix in suffixes:
        number = _port(suffix)  # TTL and count share the 16-bit bound of a port
        if number is None:
            raise SdpParseError(f"c= address has a bad TTL or count: {address_text!r}")
        numbers.append(number)
    is_ip6 = addr_type.upper() == "IP6"
    ttl: int | None = None
    count: int | None = None
    if is_ip6 and len(numbers) == 1:
        count = numbers[0]
    elif not is_ip6 and len(numbers) <= 2:
        ttl = numbers[0] if numbers else None
        count = numbers[1] if len(numbers) == 2 else None
    elif numbers:
        raise SdpParseError(f"c= address has a bad TTL or count: {address_text!r}")
    if not address or (ttl is not None and ttl > 255) or count == 0:
        raise SdpParseError(f"c= address has a bad TTL or count: {address_text!r}")
    return Connection(net_type=net_type, addr_type=addr_type, address=address, ttl=ttl, count=count)


def _parse_bandwidth(value: str) -> Bandwidth:
    match = _BANDWIDTH_RE.fullmatch(value)
    if match is None:
        raise SdpParseError(f"b= line is not <type>:<number>: {value!r}")
    return Bandwidth(type=match.group(1), value=int(match.group(2)))


def _parse_timing(value: str) -> Timing:
    match = _TIME_RE.fullmatch(value)
    if match is None:
        raise SdpParseError(f"t= line needs a start and a stop time: {value!r}")
    return Timing(start=int(match.group(1)), stop=int(match.group(2)))


def _parse_attribute(value: str) -> Attribute:
    name, colon, rest = value.partition(":")
    name = name.strip()
    if not name:
        raise SdpParseError(f"a= line has no attribute name: {value!r}")
    return Attribute(name=name, value=rest if colon else None)


def _parse_media_line(value: str) -> tuple[str, int, int, str, tuple[str, ...]]:
    fields = value.split()
    if len(fields) < 3:
        raise SdpParseError(f"m= line needs a media type, port and protocol: {value!r}")
    media, port_text, protocol, *formats = fields
    port_part, slash, count_part = port_text.partition("/")
    port = _port(port_part)
    if port is None:
        raise SdpParseError(f"m= port is not a number from 0 to 65535: {port_part!r}")
    count = 1
    if slash:
        parsed_count = _port(count_part)
        if parsed_count is None or parsed_count == 0:
            raise SdpParseError(f"m= port count is not a positive number: {count_part!r}")
        count = parsed_count
    if _is_rtp_profile(protocol):
        for fmt in formats:
            if _payload_type(fmt) is None:
                raise SdpParseError(f"m= payload type is not a number from 0 to 127: {fmt!r}")
    return media, port, count, protocol, tuple(formats)


@dataclass(slots=True)
class _MediaBuilder:
    media: str
    port: int
    port_count: int
    protocol: str
    formats: tuple[str, ...]
    title: str | None = None
    connection: Connection | None = None
    encryption_key: str | None = None
    bandwidths: list[Bandwidth] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    extra: list[Line] = field(default_factory=list)

    def add(self, kind: str, value: str) -> None:
        if kind == "a":
            self.attributes.append(_parse_attribute(value))
        elif kind == "b":
            self.bandwidths.append(_parse_bandwidth(value))
        elif kind == "c" and self.connection is None:
            self.connection = _parse_connection(value)
        elif kind == "i" and self.title is None:
            self.title = value
        elif kind == "k" and self.encryption_key is None:
            self.encryption_key = value
        else:
            self.extra.append(Line(type=kind, value=value))

    def build(self) -> MediaDescription:
        return MediaDescription(
            media=self.media,
            port=self.port,
            port_count=self.port_count,
            protocol=self.protocol,
            formats=self.formats,
            title=self.title,
            connection=self.connection,
            bandwidths=tuple(self.bandwidths),
            encryption_key=self.encryption_key,
            attributes=tuple(self.attributes),
            extra_lines=tuple(self.extra),
        )


def _split_lines(text: str) -> list[tuple[str, str]]:
    if "\x00" in text:
        raise SdpParseError("SDP contains a NUL character")
    if _SURROGATE_RE.search(text):
        raise SdpParseError("SDP text contains a lone surrogate")
    lines: list[tuple[str, str]] = []
    for raw in _LINE_END_RE.split(text.removeprefix("\ufeff")):
        line = raw.strip()
        if not line:
            continue
        if len(line) < 2 or line[1] != "=" or not (line[0].isascii() and line[0].isalpha()):
            raise SdpParseError(f"malformed SDP line: {line!r}")
        lines.append((line[0], line[2:].strip()))
    if not lines:
        raise SdpParseError("empty SDP body")
    return lines


def parse_sdp(body: bytes | str) -> SessionDescription:
    """Parse an ``application/sdp`` body; raises only :class:`SdpParseError`."""
    lines = _split_lines(_decode(body) if isinstance(body, bytes) else body)
    kind, value = lines[0]
    if kind != "v":
        raise SdpParseError("SDP does not start with a v= line")
    if value != "0":
        raise SdpParseError(f"unsupported SDP version: {value!r}")

    origin: Origin | None = None
    single: dict[str, str] = {}  # s i u z k: the first of each; repeats go to extra
    connection: Connection | None = None
    emails: list[str] = []
    phones: list[str] = []
    bandwidths: list[Bandwidth] = []
    timings: list[Timing] = []
    attributes: list[Attribute] = []
    extra: list[Line] = []
    media: list[_MediaBuilder] = []

    for kind, value in lines[1:]:
        if kind == "m":
            media.append(_MediaBuilder(*_parse_media_line(value)))
        elif media:
            media[-1].add(kind, value)
        elif kind == "o" and origin is None:
            origin = _parse_origin(value)
        elif kind == "c" and connection is None:
            connection = _parse_connection(value)
        elif kind in "siuzk" and kind not in single:
            single[kind] = value
        elif kind == "e":
            emails.append(value)
        elif kind == "p":
            phones.append(value)
        elif kind == "b":
            bandwidths.append(_parse_bandwidth(value))
        elif kind == "t":
            timings.append(_parse_timing(value))
        elif kind == "r":
            if not timings:
                raise SdpParseError("r= line comes before any t= line")
            last = timings[-1]
            timings[-1] = Timing(start=last.start, stop=last.stop, repeats=(*last.repeats, value))
        elif kind == "a":
            attributes.append(_parse_attribute(value))
        else:
            extra.append(Line(type=kind, value=value))

    if origin is None:
        raise SdpParseError("SDP has no o= line")
    return SessionDescription(
        origin=origin,
        session_name=single.get("s", "-"),
        information=single.get("i"),
        uri=single.get("u"),
        emails=tuple(emails),
        phones=tuple(phones),
        connection=connection,
        bandwidths=tuple(bandwidths),
        timing=tuple(timings) if timings else _UNBOUNDED,
        time_zones=single.get("z"),
        encryption_key=single.get("k"),
        attributes=tuple(attributes),
        media=tuple(b.build() for b in media),
        extra_lines=tuple(extra),
    )
