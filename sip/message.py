"""SIP requests and responses: the frozen message values, the parser and the writers.

:func:`parse_message` implements RFC 3261 §7 for one datagram or one framed
stream message. It validates eagerly every header the lower layers depend on
(start line, Via, From, To, Call-ID, CSeq, Contact, Route, Record-Route,
Max-Forwards, Expires, Content-Length), so on a parsed message the typed
properties cannot raise. Those properties read the headers on each access, so
messages stay plain values that are cheap to copy with a change; the parsed
values (immutable) are remembered by header text, so that the validation, the
transaction layer and the transaction user looking at the same header cost one
parse, and a dialog's recurring From, To and Call-ID texts cost one in all.

The parser raises nothing but :class:`~sip.errors.ParseError` subclasses, and
each error keeps the headers read so far so that :func:`make_error_response`
can answer statelessly.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias, TypeVar

from sip.errors import MessageTooLarge, ParseError, VersionNotSupported
from sip.headers import CSeq, Headers, Via
from sip.uri import NameAddr, SipUri, Uri, is_token, parse_uri

__all__ = [
    "REASON_PHRASES",
    "Limits",
    "Message",
    "Method",
    "Request",
    "Response",
    "make_error_response",
    "make_response",
    "parse_message",
    "reason_phrase",
]


class Method(StrEnum):
    """Methods this stack knows; requests keep ``method: str`` so others can get a 405/501."""

    INVITE = "INVITE"
    ACK = "ACK"
    BYE = "BYE"
    CANCEL = "CANCEL"
    REGISTER = "REGISTER"
    OPTIONS = "OPTIONS"
    INFO = "INFO"
    PRACK = "PRACK"
    UPDATE = "UPDATE"
    SUBSCRIBE = "SUBSCRIBE"
    NOTIFY = "NOTIFY"
    REFER = "REFER"
    MESSAGE = "MESSAGE"
    PUBLISH = "PUBLISH"


_KNOWN_METHODS: frozenset[str] = frozenset(Method)

REASON_PHRASES: dict[int, str] = {
    100: "Trying",
    180: "Ringing",
    181: "Call Is Being Forwarded",
    182: "Queued",
    183: "Session Progress",
    199: "Early Dialog Terminated",
    200: "OK",
    202: "Accepted",
    204: "No Notification",
    300: "Multiple Choices",
    301: "Moved Permanently",
    302: "Moved Temporarily",
    305: "Use Proxy",
    380: "Alternative Service",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    407: "Proxy Authentication Required",
    408: "Request Timeout",
    410: "Gone",
    412: "Conditional Request Failed",
    413: "Request Entity Too Large",
    414: "Request-URI Too Long",
    415: "Unsupported Media Type",
    416: "Unsupported URI Scheme",
    417: "Unknown Resource-Priority",
    420: "Bad Extension",
    421: "Extension Required",
    422: "Session Interval Too Small",
    423: "Interval Too Brief",
    428: "Use Identity Header",
    429: "Provide Referrer Identity",
    433: "Anonymity Disallowed",
    436: "Bad Identity-Info",
    437: "Unsupported Certificate",
    438: "Invalid Identity Header",
    439: "First Hop Lacks Outbound Support",
    440: "Max-Breadth Exceeded",
    469: "Bad Info Package",
    470: "Consent Needed",
    480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist",
    482: "Loop Detected",
    483: "Too Many Hops",
    484: "Address Incomplete",
    485: "Ambiguous",
    486: "Busy Here",
    487: "Request Terminated",
    488: "Not Acceptable Here",
    489: "Bad Event",
    491: "Request Pending",
    493: "Undecipherable",
    494: "Security Agreement Required",
    500: "Server Internal Error",
    501: "Not Implemented",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Server Time-out",
    505: "Version Not Supported",
    513: "Message Too Large",
    580: "Precondition Failure",
    600: "Busy Everywhere",
    603: "Decline",
    604: "Does Not Exist Anywhere",
    606: "Not Acceptable",
    607: "Unwanted",
    608: "Rejected",
}

_CLASS_PHRASES = {
    1: "Provisional",
    2: "Success",
    3: "Redirection",
    4: "Client Error",
    5: "Server Error",
    6: "Global Failure",
}

# Headers that may appear once only; a second copy makes the request
# ambiguous (RFC 4475 multi01, mcl01).
_SINGLE_VALUED = (
    "From",
    "To",
    "Call-ID",
    "CSeq",
    "Max-Forwards",
    "Content-Length",
    "Content-Type",
    "Expires",
)
_MANDATORY = ("Via", "From", "To", "Call-ID", "CSeq")
_MAX_FORWARDS_LIMIT = 255
_EXPIRES_LIMIT = 2**32 - 1

_BLANK_LINE_RE = re.compile(rb"\r?\n\r?\n")
_LINE_END_RE = re.compile(rb"\r?\n")
_VERSION_RE = re.compile(r"SIP/[0-9]+\.[0-9]+", re.IGNORECASE)
_STATUS_LINE_RE = re.compile(r"([^ ]+) ([0-9]{3})(?: (.*))?", re.DOTALL)


def reason_phrase(status: int) -> str:
    """The standard phrase for ``status``, or a generic one for its class."""
    return REASON_PHRASES.get(status) or _CLASS_PHRASES.get(status // 100, "Unknown")


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Bounds applied while parsing and framing untrusted input."""

    max_bytes: int = 65535
    """Largest message (or stream header section plus declared body) accepted."""
    max_headers: int = 256
    """Most header fields, counted after unfolding."""
    max_line: int = 8192
    """Longest physical line of the start line or header section, in bytes."""


_DEFAULT_LIMITS = Limits()

_T = TypeVar("_T")


_PARSED_VALUES = 512
"""Distinct header texts remembered per kind: those of the messages in flight."""


def _parse_call_id(value: str) -> str:
    # split() drops nothing only from a non-empty value without whitespace.
    if value.split() != [value]:
        raise ParseError("bad Call-ID")
    return value


_call_id = functools.lru_cache(maxsize=_PARSED_VALUES)(_parse_call_id)
_cseq = functools.lru_cache(maxsize=_PARSED_VALUES)(CSeq.parse)
_via = functools.lru_cache(maxsize=_PARSED_VALUES)(Via.parse)
_name_addr = functools.lru_cache(maxsize=_PARSED_VALUES)(NameAddr.parse)


def _decoded_uint(headers: Headers, name: str, maximum: int) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 20 or int(value) > maximum:
        raise ParseError(f"bad {name}")
    return int(value)


def _parsed(what: str, parser: Callable[[str], _T], value: str) -> _T:
    try:
        return parser(value)
    except ParseError as exc:
        raise type(exc)(f"bad {what}: {exc}") from exc


def _required(headers: Headers, name: str) -> str:
    value = headers.get(name)
    if value is None:
        raise ParseError(f"missing mandatory header: {name}")
    return value


def _address_list(headers: Headers, name: str) -> list[NameAddr]:
    return [_parsed(f"{name} header", _name_addr, value) for value in headers.get_all(name)]


class _HeaderViews:
    """Typed views over ``headers`` shared by requests and responses."""

    __slots__ = ()
    headers: Headers
    body: bytes

    @property
    def call_id(self) -> str:
        return _call_id(_required(self.headers, "Call-ID"))

    @property
    def cseq(self) -> CSeq:
        return _parsed("CSeq header", _cseq, _required(self.headers, "CSeq"))

    @property
    def vias(self) -> list[Via]:
        return [_parsed("Via header", _via, value) for value in self.headers.get_all("Via")]

    @property
    def top_via(self) -> Via:
        values = self.headers.get_all("Via")
        if not values:
            raise ParseError("missing mandatory header: Via")
        return _parsed("Via header", _via, values[0])

    @property
    def from_(self) -> NameAddr:
        return _parsed("From header", _name_addr, _required(self.headers, "From"))

    @property
    def to(self) -> NameAddr:
        return _parsed("To header", _name_addr, _required(self.headers, "To"))

    @property
    def contacts(self) -> list[NameAddr]:
        """Contact addresses; empty when there is none or when the value is ``*``."""
        values = self.headers.get_all("Contact")
        if "*" in values:
            if len(values) > 1:
                raise ParseError("bad Contact header: '*' mixed with addresses")
            return []
        return [_parsed("Contact header", _name_addr, value) for value in values]

    @property
    def record_routes(self) -> list[NameAddr]:
        return _address_list(self.headers, "Record-Route")

    @property
    def expires(self) -> int | None:
        return _decoded_uint(self.headers, "Expires", _EXPIRES_LIMIT)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def content_length(self) -> int | None:
        """The declared length as written (``to_bytes`` always writes the real one)."""
        return _decoded_uint(self.headers, "Content-Length", 2**63)

    def _serialize(self, start_line: str) -> bytes:
        lines = [start_line]
        length_written = False
        for name, value in self.headers:
            if name != "Content-Length":
                lines.append(f"{name}: {value}")
            elif not length_written:
                lines.append(f"Content-Length: {len(self.body)}")
                length_written = True
        if not length_written:
            lines.append(f"Content-Length: {len(self.body)}")
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("utf-8", "surrogateescape") + self.body


@dataclass(frozen=True, slots=True, kw_only=True)
class Request(_HeaderViews):
    """A SIP request; ``method`` stays a string so unknown methods can be answered."""

    method: str
    uri: Uri
    headers: Headers
    body: bytes = b""

    def __post_init__(self) -> None:
        if not is_token(self.method):
            raise ValueError(f"method must be a token: {self.method!r}")

    @property
    def contact_is_star(self) -> bool:
        """True for ``Contact: *`` (REGISTER removing every binding)."""
        return "*" in self.headers.get_all("Contact")

    @property
    def max_forwards(self) -> int | None:
        return _decoded_uint(self.headers, "Max-Forwards", _MAX_FORWARDS_LIMIT)

    @property
    def routes(self) -> list[NameAddr]:
        return _address_list(self.headers, "Route")

    def to_bytes(self) -> bytes:
        return self._serialize(f"{self.method} {self.uri} SIP/2.0")

    def replace(self, **changes: Any) -> Request:
        return dataclasses.replace(self, **changes)

    def with_headers(self, headers: Headers) -> Request:
        return dataclasses.replace(self, headers=headers)


@dataclass(frozen=True, slots=True, kw_only=True)
class Response(_HeaderViews):
    """A SIP response; ``status`` is 100..699 and ``reason`` may be empty."""

    status: int
    reason: str
    headers: Headers
    body: bytes = b""

    def __post_init__(self) -> None:
        if not 100 <= self.status <= 699:
            raise ValueError(f"status code out of range: {self.status}")
        if "\r" in self.reason or "\n" in self.reason:
            raise ValueError("reason phrase cannot contain CR or LF")

    def to_bytes(self) -> bytes:
        return self._serialize(f"SIP/2.0 {self.status} {self.reason}")

    def replace(self, **changes: Any) -> Response:
        return dataclasses.replace(self, **changes)

    def with_headers(self, headers: Headers) -> Response:
        return dataclasses.replace(self, headers=headers)


Message: TypeAlias = Request | Response


@dataclass(slots=True)
class _Progress:
    """What the parser has learnt so far, attached to a ParseError on failure."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    method: str | None = None
    headers: Headers | None = None


def parse_message(
    data: bytes, *, limits: Limits = _DEFAULT_LIMITS, stream: bool = False
) -> Message:
    """Parse one SIP message (RFC 3261 §7, §18.3 framing rules).

    Over a datagram (``stream=False``) a missing Content-Length means "the
    rest of the datagram" and a smaller one truncates the body; over a stream
    Content-Length is mandatory. A Content-Length beyond the data is an error.
    """
    progress = _Progress()
    try:
        return _parse(data, limits, stream, progress)
    except ParseError as exc:
        if exc.headers is None and progress.headers is not None:
            exc.headers = progress.headers
        elif exc.headers is None and progress.pairs:
            exc.headers = Headers(progress.pairs)
        if exc.request_method is None:
            exc.request_method = progress.method
        raise


def _parse(data: bytes, limits: Limits, stream: bool, progress: _Progress) -> Message:
    data = data.lstrip(b"\r\n")
    if not data:
        raise ParseError("empty message")
    blank = _BLANK_LINE_RE.search(data)
    if blank is None:
        if len(data) > limits.max_bytes:
            raise MessageTooLarge("message too large")
        raise ParseError("incomplete header section")
    if blank.start() > limits.max_bytes:
        raise MessageTooLarge("message too large")
    head = data[: blank.start()]
    if len(head) > limits.max_line:
        raw_lines = _LINE_END_RE.split(head)
        if any(len(line) > limits.max_line for line in raw_lines):
            raise ParseError("header line too long")
    # Decoded whole, then split: CR and LF are single bytes that no UTF-8 sequence (nor an
    # escaped bad byte) contains, so the lines are those of a split of the bytes.
    lines = [
        line[:-1] if line.endswith("\r") else line
        for line in head.decode("utf-8", "surrogateescape").split("\n")
    ]
    start = lines[0]
    is_response = start[:4].upper() == "SIP/"
    if not is_response:
        first = start.split(" ", 1)[0]
        progress.method = first if is_token(first) else None
    _read_headers(lines[1:], limits, progress)
    headers = progress.headers = Headers.from_parser(progress.pairs)
    if len(data) > limits.max_bytes:
        raise MessageTooLarge("message too large")

    # Built with the rest of the data as its body, which is the body unless Content-Length
    # says less: copying a message costs as much as building it.
    rest = data[blank.end() :]
    message: Message
    if is_response:
        message = _response_from_start_line(start, headers, rest)
    else:
        message = _request_from_start_line(start, headers, rest)
    _validate(message)

    declared = message.content_length
    if declared is None:
        if stream:
            raise ParseError("missing Content-Length")
    elif declared > len(rest):
        raise ParseError("bad Content-Length")
    elif declared < len(rest):
        message = dataclasses.replace(message, body=rest[:declared])
    return message


def _read_headers(lines: list[str], limits: Limits, progress: _Progress) -> None:
    # Filled in place, so that on failure the headers before a bad line are kept: they may
    # still let the caller answer with a 400.
    pairs = progress.pairs
    for line in lines:
        if "\r" in line:
            raise ParseError("bad header line")
        if line[:1] in (" ", "\t"):
            # RFC 3261 §7.3.1: a folded line continues the previous value and
            # the fold is equivalent to a single space.
            if not pairs:
                raise ParseError("bad header line")
            name, value = pairs[-1]
            continued = line.strip(" \t")
            pairs[-1] = (name, f"{value} {continued}")
            continue
        name, colon, value = line.partition(":")
        name = name.rstrip(" \t")
        if not colon or not is_token(name):
            raise ParseError("bad header line")
        if len(pairs) >= limits.max_headers:
            raise ParseError("too many headers")
        pairs.append((name, value.strip(" \t")))


def _check_version(version: str, error: str) -> None:
    if _VERSION_RE.fullmatch(version) is None:
        raise ParseError(error)
    if version.upper() != "SIP/2.0":
        raise VersionNotSupported("unsupported SIP version")


def _response_from_start_line(start: str, headers: Headers, body: bytes) -> Response:
    match = _STATUS_LINE_RE.fullmatch(start)
    if match is None:
        raise ParseError("bad status line")
    _check_version(match.group(1), "bad status line")
    status = int(match.group(2))
    reason = match.group(3) or ""
    if not 100 <= status <= 699 or "\r" in reason or "\n" in reason:
        raise ParseError("bad status line")
    return Response(status=status, reason=reason, headers=headers, body=body)


def _request_from_start_line(start: str, headers: Headers, body: bytes) -> Request:
    parts = start.split(" ")
    if len(parts) != 3 or not all(parts) or not is_token(parts[0]):
        raise ParseError("bad request line")
    method, uri_text, version = parts
    _check_version(version, "bad request line")
    uri = _parsed("Request-URI", parse_uri, uri_text)
    if isinstance(uri, SipUri) and uri.headers:
        # RFC 3261 §19.1.1: headers are not allowed in a Request-URI (escruri).
        raise ParseError("bad Request-URI: headers are not allowed")
    return Request(method=method, uri=uri, headers=headers, body=body)


def _validate(message: Message) -> None:
    headers = message.headers
    for name in _MANDATORY:
        if not headers.get_all(name):
            raise ParseError(f"missing mandatory header: {name}")
    for name in _SINGLE_VALUED:
        if len(headers.get_all(name)) > 1:
            raise ParseError(f"duplicate header: {name}")
    # Reading each property runs its parser, so a parsed message can never
    # raise from them later.
    _ = (message.vias, message.from_, message.to, message.call_id)
    cseq = message.cseq
    _ = (message.contacts, message.record_routes, message.expires, message.content_length)
    if isinstance(message, Request):
        _ = (message.routes, message.max_forwards)
        # An unknown method is answered 501 by the TU whatever its CSeq says,
        # which RFC 4475 §3.1.2.18 (mismatch02) prefers over a 400.
        if message.method in _KNOWN_METHODS and cseq.method != message.method:
            raise ParseError("CSeq method does not match request method")


def make_response(
    request: Request,
    status: int,
    reason: str | None = None,
    *,
    to_tag: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> Response:
    """Build a response per RFC 3261 §8.2.6: Via, From, To, Call-ID and CSeq copied.

    ``to_tag`` is added to To for statuses above 100 unless To already has a
    tag; 100 Trying also echoes Timestamp (§8.2.6.1). ``headers`` are appended.
    """
    if to_tag is not None and not is_token(to_tag):
        raise ValueError(f"To tag must be a token: {to_tag!r}")
    source = request.headers
    pairs = [("Via", value) for name, value in source if name == "Via"]
    for name in ("From", "To", "Call-ID", "CSeq"):
        value = source.get(name)
        if value is None:
            continue
        if name == "To" and to_tag is not None and status > 100 and request.to.tag is None:
            value = f"{value};tag={to_tag}"
        pairs.append((name, value))
    timestamp = source.get("Timestamp")
    if status == 100 and timestamp is not None:
        pairs.append(("Timestamp", timestamp))
    pairs.extend(headers)
    return Response(
        status=status,
        reason=reason_phrase(status) if reason is None else reason,
        headers=Headers(pairs),
        body=body,
    )


def _stateless_tag(pairs: list[tuple[str, str]]) -> str:
    # Derived from the request so that a retransmission of the same bad
    # request gets a byte-identical answer without keeping state.
    seed = "\x00".join(f"{name}:{value}" for name, value in pairs)
    return hashlib.blake2s(seed.encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()


_ECHOED: dict[str, Callable[[str], object]] = {
    "From": NameAddr.parse,
    "To": NameAddr.parse,
    "Call-ID": _parse_call_id,
    "CSeq": CSeq.parse,
}


def make_error_response(
    error: ParseError, *, request: Request | None = None, to_tag: str | None = None
) -> Response | None:
    """The response a server sends for ``error``, or ``None`` if none can be sent.

    The failing message must have been a request other than ACK (which is
    never answered) and its Via values must parse, since they route the
    answer. From, To, Call-ID and CSeq are echoed when present and well
    formed: RFC 4475 §3.3.1 wants a 400 even for a request that lacks some.
    ``request`` supplies headers and method for an error raised after parsing
    (by a higher layer), whose ``headers`` is unset. Without ``to_tag`` a tag
    is derived from the request, as a stateless server must (RFC 3261
    §8.2.6.2), so retransmissions get the same answer.
    """
    source = error.headers
    method = error.request_method
    if request is not None:
        source = source if source is not None else request.headers
        method = method if method is not None else request.method
    if source is None or method is None or method == Method.ACK:
        return None
    pairs = [("Via", value) for name, value in source if name == "Via"]
    for name, parser in _ECHOED.items():
        value = source.get(name)
        if value is None:
            continue
        try:
            parser(value)
        except ParseError:
            continue
        pairs.append((name, value))
    status = error.status_code
    response = Response(status=status, reason=reason_phrase(status), headers=Headers(pairs))
    try:
        if not response.vias:
            return None
    except ParseError:
        return None
    to_value = response.headers.get("To")
    if to_value is None or response.to.tag is not None:
        return response
    tag = to_tag if to_tag is not None else _stateless_tag(pairs)
    return response.with_headers(response.headers.with_set("To", f"{to_value};tag={tag}"))
