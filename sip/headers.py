"""Header names, the immutable header collection, and the Via and CSeq values.

RFC 3261 §7.3: names are case-insensitive and have compact forms; a header
whose grammar is a comma-separated list may be repeated or comma-joined with
the same meaning. :class:`Headers` keeps the pairs exactly in wire order (a
proxy must not reorder Via or Record-Route) under canonical names, so lookups
never depend on how the peer spelled a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from sip.errors import ParseError
from sip.uri import (
    Parameterized,
    Params,
    format_host,
    is_token,
    parse_host,
    parse_params,
    split_top_level,
)

__all__ = [
    "COMPACT_FORMS",
    "LIST_HEADERS",
    "CSeq",
    "Headers",
    "Via",
    "canonical_name",
    "split_header_values",
]

COMPACT_FORMS: dict[str, str] = {
    "a": "Accept-Contact",
    "b": "Referred-By",
    "c": "Content-Type",
    "d": "Request-Disposition",
    "e": "Content-Encoding",
    "f": "From",
    "i": "Call-ID",
    "j": "Reject-Contact",
    "k": "Supported",
    "l": "Content-Length",
    "m": "Contact",
    "n": "Identity-Info",
    "o": "Event",
    "r": "Refer-To",
    "s": "Subject",
    "t": "To",
    "u": "Allow-Events",
    "v": "Via",
    "x": "Session-Expires",
    "y": "Identity",
}

# Only spellings that Title-Case-With-Dashes would get wrong need listing.
_IRREGULAR_NAMES = (
    "Call-ID",
    "CSeq",
    "WWW-Authenticate",
    "RAck",
    "RSeq",
    "MIME-Version",
    "Min-SE",
    "SIP-ETag",
    "SIP-If-Match",
    "Session-ID",
    "Remote-Party-ID",
    "P-Called-Party-ID",
    "P-Asserted-Service",
    "P-DCS-Trace-Party-ID",
)
_CANONICAL: dict[str, str] = {name.lower(): name for name in _IRREGULAR_NAMES}
_CANONICAL.update(COMPACT_FORMS)

LIST_HEADERS: frozenset[str] = frozenset(
    {
        "Accept",
        "Accept-Contact",
        "Accept-Encoding",
        "Accept-Language",
        "Alert-Info",
        "Allow",
        "Allow-Events",
        "Call-Info",
        "Contact",
        "Content-Encoding",
        "Content-Language",
        "Diversion",
        "Error-Info",
        "History-Info",
        "In-Reply-To",
        "P-Asserted-Identity",
        "P-Associated-URI",
        "P-Preferred-Identity",
        "Path",
        "Proxy-Require",
        "Reason",
        "Record-Route",
        "Reject-Contact",
        "Request-Disposition",
        "Require",
        "Resource-Priority",
        "Route",
        "Security-Client",
        "Security-Server",
        "Security-Verify",
        "Service-Route",
        "Supported",
        "Unsupported",
        "Via",
        "Warning",
    }
)

# "Digest realm=..." / "Bearer token=...": auth-scheme LWS auth-param. Such a
# value is one challenge or credential whose commas separate its parameters.
_CREDENTIALS_RE = re.compile(r"[ \t]*[A-Za-z0-9\-.!%*_+`'~]+[ \t]+[A-Za-z0-9\-.!%*_+`'~]+[ \t]*=")
_VIA_RE = re.compile(
    r"[ \t]*([^ \t/]+)[ \t]*/[ \t]*([^ \t/]+)[ \t]*/[ \t]*([^ \t/;]+)(.*)",
    re.DOTALL,
)
_SENT_BY_RE = re.compile(r"(\[[^\]]*\]|[^ \t:\[\]]+)(?:[ \t]*:[ \t]*([^ \t]*))?")
_VERSION_RE = re.compile(r"[0-9]+\.[0-9]+")
_CSEQ_RE = re.compile(r"[ \t]*([0-9]+)[ \t]+([^ \t]+)[ \t]*")
_MAX_CSEQ = 2**31 - 1


@lru_cache(maxsize=4096)
def canonical_name(name: str) -> str:
    """Canonical spelling of a header name (case-insensitive, compact forms expanded)."""
    lowered = name.lower()
    known = _CANONICAL.get(lowered)
    if known is not None:
        return known
    return "-".join(part[:1].upper() + part[1:] for part in lowered.split("-"))


def split_header_values(value: str) -> list[str]:
    """Split a list-valued header on top-level commas, dropping empty elements.

    Commas inside quoted strings and ``<...>`` do not split. A value shaped
    like an authentication challenge or credentials (``Digest realm="x",
    nonce="y"``) is returned whole: its commas separate auth-params.
    """
    return list(_split_values(value))


@lru_cache(maxsize=512)
def _split_values(value: str) -> tuple[str, ...]:
    # Remembered: every look at a message's Via or Contact splits the same texts again.
    if _CREDENTIALS_RE.match(value):
        stripped = value.strip(" \t")
        return (stripped,) if stripped else ()
    return tuple(
        piece.strip(" \t") for piece in split_top_level(value, ",") if piece.strip(" \t")
    )


def _parse_uint(text: str, maximum: int) -> int | None:
    # isascii() rules out other scripts' digits; the length cap keeps int()
    # clear of CPython's limit on huge digit strings.
    if not text or not (text.isascii() and text.isdigit()) or len(text) > 20:
        return None
    value = int(text)
    return value if value <= maximum else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Via(Parameterized):
    """One Via value: ``SIP/2.0/<transport> <host>[:<port>] *(;param)``."""

    transport: str
    host: str
    port: int | None = None
    params: Params = ()

    def __post_init__(self) -> None:
        if not is_token(self.transport) or self.transport != self.transport.upper():
            raise ValueError(f"Via transport must be an uppercase token: {self.transport!r}")
        if not self.host:
            raise ValueError("Via needs a host")
        if self.port is not None and not 0 <= self.port <= 65535:
            raise ValueError(f"port out of range: {self.port}")

    @classmethod
    def parse(cls, text: str) -> Via:
        match = _VIA_RE.fullmatch(text)
        if match is None:
            raise ParseError("bad sent-protocol")
        protocol, version, transport, rest = match.groups()
        # Any version is accepted here: the start line decides 505, and the
        # Via of such a request must still be readable to answer it.
        if protocol.upper() != "SIP" or _VERSION_RE.fullmatch(version) is None:
            raise ParseError("bad sent-protocol")
        if not is_token(transport) or not rest[:1].isspace():
            raise ParseError("bad sent-protocol")
        pieces = split_top_level(rest, ";", angle_brackets=False)
        sent_by = _SENT_BY_RE.fullmatch(pieces[0].strip(" \t"))
        if sent_by is None:
            raise ParseError("bad sent-by")
        host = parse_host(sent_by.group(1))
        port: int | None = None
        if sent_by.group(2) is not None:
            port = _parse_uint(sent_by.group(2), 65535)
            if port is None:
                raise ParseError("bad sent-by port")
        params = parse_params(pieces[1:])
        via = cls(transport=transport.upper(), host=host, port=port, params=params)
        if via.has_param("rport") and via.param("rport") is not None and via.rport is None:
            raise ParseError("bad rport")
        return via

    @property
    def branch(self) -> str | None:
        return self.param("branch")

    @property
    def received(self) -> str | None:
        return self.param("received")

    @property
    def maddr(self) -> str | None:
        return self.param("maddr")

    @property
    def has_rport(self) -> bool:
        return self.has_param("rport")

    @property
    def rport(self) -> int | None:
        """The port filled in by the server (RFC 3581); ``None`` if absent or a bare flag."""
        value = self.param("rport")
        return None if value is None else _parse_uint(value, 65535)

    @property
    def host_port(self) -> str:
        return format_host(self.host, self.port)

    def __str__(self) -> str:
        params = "".join(
            f";{name}" if value is None else f";{name}={value}" for name, value in self.params
        )
        return f"SIP/2.0/{self.transport} {self.host_port}{params}"


@dataclass(frozen=True, slots=True)
class CSeq:
    """``CSeq: <seq> <method>``; RFC 3261 §8.1.1.5 caps the number below 2**31."""

    seq: int
    method: str

    def __post_init__(self) -> None:
        if not 0 <= self.seq <= _MAX_CSEQ:
            raise ValueError(f"CSeq number out of range: {self.seq}")
        if not is_token(self.method):
            raise ValueError(f"CSeq method must be a token: {self.method!r}")

    @classmethod
    def parse(cls, text: str) -> CSeq:
        match = _CSEQ_RE.fullmatch(text)
        if match is None or not is_token(match.group(2)):
            raise ParseError("expected a number and a method")
        seq = _parse_uint(match.group(1), _MAX_CSEQ)
        if seq is None:
            raise ParseError("sequence number out of range")
        return cls(seq, match.group(2))

    def __str__(self) -> str:
        return f"{self.seq} {self.method}"


def _checked(name: str, value: str) -> tuple[str, str]:
    canonical = canonical_name(name)
    if not is_token(canonical):
        raise ValueError(f"header name must be a token: {name!r}")
    if "\r" in value or "\n" in value:
        raise ValueError(f"header value cannot contain CR or LF: {name}")
    return canonical, value.strip(" \t")


class Headers:
    """Immutable, ordered ``(canonical name, value)`` pairs; every change returns a copy."""

    __slots__ = ("_index", "_pairs")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self._pairs: tuple[tuple[str, str], ...] = tuple(
            _checked(name, value) for name, value in pairs
        )
        self._index: dict[str, tuple[str, ...]] | None = None

    @classmethod
    def from_parser(cls, pairs: Iterable[tuple[str, str]]) -> Headers:
        """Pairs as :func:`sip.message.parse_message` read them: token names, values
        without CR or LF, so only the names' spelling and the values' ends need work."""
        return cls._trusted(tuple((canonical_name(name), value.strip(" \t"))
                                  for name, value in pairs))

    @classmethod
    def _trusted(cls, pairs: tuple[tuple[str, str], ...]) -> Headers:
        # Pairs taken from an existing Headers are already canonical.
        headers = cls.__new__(cls)
        headers._pairs = pairs
        headers._index = None
        return headers

    def _values(self, key: str) -> tuple[str, ...]:
        """The values of canonical name *key* in order, from an index built at the first
        look: the layers of the stack look a received message's headers up dozens of times."""
        index = self._index
        if index is None:
            grouped: dict[str, list[str]] = {}
            for existing, value in self._pairs:
                grouped.setdefault(existing, []).append(value)
            index = self._index = {name: tuple(values) for name, values in grouped.items()}
        return index.get(key, ())

    def get(self, name: str) -> str | None:
        """The first occurrence's full value, or ``None``."""
        values = self._values(canonical_name(name))
        return values[0] if values else None

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name``; comma-joined values of list headers are split."""
        key = canonical_name(name)
        values = self._values(key)
        if key not in LIST_HEADERS:
            return list(values)
        return [item for value in values for item in _split_values(value)]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return bool(self._values(canonical_name(name)))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return self._pairs == other._pairs

    def __hash__(self) -> int:
        return hash(self._pairs)

    def __repr__(self) -> str:
        return f"Headers({list(self._pairs)!r})"

    def with_added(self, name: str, value: str) -> Headers:
        return Headers._trusted((*self._pairs, _checked(name, value)))

    def with_prepended(self, name: str, value: str) -> Headers:
        return Headers._trusted((_checked(name, value), *self._pairs))

    def with_set(self, name: str, value: str) -> Headers:
        """Replace every occurrence by one value at the first one's position (or append)."""
        return self.with_replaced_all(name, [value])

    def without(self, name: str) -> Headers:
        key = canonical_name(name)
        return Headers._trusted(tuple(pair for pair in self._pairs if pair[0] != key))

    def with_replaced_all(self, name: str, values: Iterable[str]) -> Headers:
        """Replace every occurrence by ``values``, placed where the first one was (or appended)."""
        new = tuple(_checked(name, value) for value in values)
        key = canonical_name(name)
        pairs: list[tuple[str, str]] = []
        inserted = False
        for pair in self._pairs:
            if pair[0] != key:
                pairs.append(pair)
            elif not inserted:
                pairs.extend(new)
                inserted = True
        if not inserted:
            pairs.extend(new)
        return Headers._trusted(tuple(pairs))
