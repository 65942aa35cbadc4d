"""URIs and addresses: SIP/SIPS URIs, other absolute URIs, and name-addr values.

RFC 3261 §19.1 (SIP URI), §25.1 (grammar) and §20.10 (the rule that, in the
addr-spec form of From/To/Contact, parameters after the URI belong to the
header). Everything here is immutable and parsing raises only
:class:`~sip.errors.ParseError`.

Escapes (``%41``) are kept as written in every component: unescaping is a
comparison-time concern and doing it here would make serialisation lossy.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeAlias

from sip.errors import ParseError, UnsupportedUriScheme

__all__ = [
    "AbsoluteUri",
    "NameAddr",
    "Parameterized",
    "Params",
    "SipUri",
    "Uri",
    "format_host",
    "is_token",
    "parse_host",
    "parse_name_addr_list",
    "parse_params",
    "parse_uri",
    "read_quoted",
    "split_top_level",
]

Params: TypeAlias = tuple[tuple[str, str | None], ...]

_TOKEN_RE = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+")
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
# Printable ASCII minus the three characters that delimit a URI inside a
# header (DQUOTE, "<", ">"); anything else (space, controls, non-ASCII) means
# the text is not a URI at all.
_URI_TEXT_RE = re.compile(r"[!#-;=?-~]+")
_HOSTNAME_RE = re.compile(r"[A-Za-z0-9\-_.]+")
# gen-value = token / host / quoted-string; host adds ":" "[" "]" for IPv6.
_PARAM_VALUE_RE = re.compile(r"[A-Za-z0-9\-.!%*_+`'~:\[\]]+")
_HOST_PART_RE = re.compile(r"[^:;?]*")
_PORT_PART_RE = re.compile(r":([^;?]*)")
_MAX_PORT = 65535


def is_token(text: str) -> bool:
    """True if ``text`` is a non-empty RFC 3261 ``token``."""
    return _TOKEN_RE.fullmatch(text) is not None


def split_top_level(text: str, separator: str, *, angle_brackets: bool = True) -> list[str]:
    """Split on ``separator`` where it is outside quoted strings (and ``<...>``).

    Pieces are returned unstripped and empty pieces are kept; an unterminated
    quoted string swallows the rest of the text into the last piece.
    """
    if '"' not in text and (not angle_brackets or "<" not in text):
        # Nothing can hide a separator (most values): C speed instead of a loop per char.
        return text.split(separator)
    pieces: list[str] = []
    start = 0
    in_quotes = False
    depth = 0
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if in_quotes:
            if char == "\\":
                index += 1
            elif char == '"':
                in_quotes = False
        elif char == '"':
            in_quotes = True
        elif angle_brackets and char == "<":
            depth += 1
        elif angle_brackets and char == ">" and depth:
            depth -= 1
        elif char == separator and not depth:
            pieces.append(text[start:index])
            start = index + 1
        index += 1
    pieces.append(text[start:])
    return pieces


def read_quoted(text: str, start: int) -> tuple[str, int]:
    """Unescape the quoted string opening at ``text[start]``; return it and the end index."""
    chars: list[str] = []
    index = start + 1
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\":
            if index + 1 >= length:
                break
            chars.append(text[index + 1])
            index += 2
            continue
        if char == '"':
            return "".join(chars), index + 1
        chars.append(char)
        index += 1
    raise ParseError("unterminated quoted string")


def parse_params(pieces: list[str]) -> Params:
    """Parse ``generic-param`` pieces (already split on ";") of a header value.

    Names are lowercased; values keep their spelling, including the quotes
    of a quoted-string value. LWS around "=" is allowed, as in RFC 4475 wsinv.
    """
    params: list[tuple[str, str | None]] = []
    for piece in pieces:
        stripped = piece.strip(" \t")
        if not stripped:
            raise ParseError("empty parameter")
        name, equals, value = stripped.partition("=")
        name = name.rstrip(" \t")
        if not is_token(name):
            raise ParseError("bad parameter name")
        if not equals:
            params.append((name.lower(), None))
            continue
        value = value.lstrip(" \t")
        if value.startswith('"'):
            _, end = read_quoted(value, 0)
            if end != len(value):
                raise ParseError("bad parameter value")
        elif _PARAM_VALUE_RE.fullmatch(value) is None:
            raise ParseError("bad parameter value")
        params.append((name.lower(), value))
    return tuple(params)


def _format_params(params: Params) -> str:
    return "".join(f";{name}" if value is None else f";{name}={value}" for name, value in params)


def _set_param(params: Params, name: str, value: str | None) -> Params:
    key = name.lower()
    if any(existing == key for existing, _ in params):
        return tuple((existing, value if existing == key else old) for existing, old in params)
    return (*params, (key, value))


class Parameterized:
    """Lookup and copy-on-write helpers shared by every value with ``;name=value`` params."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]
    params: Params

    def param(self, name: str) -> str | None:
        """Value of ``name`` (``None`` if absent *or* a flag: see :meth:`has_param`)."""
        key = name.lower()
        for existing, value in self.params:
            if existing == key:
                return value
        return None

    def has_param(self, name: str) -> bool:
        key = name.lower()
        return any(existing == key for existing, _ in self.params)

    def with_param(self, name: str, value: str | None) -> Self:
        """Copy with ``name`` set (replaced in place if present); ``None`` makes a flag."""
        return dataclasses.replace(self, params=_set_param(self.params, name, value))

    def with_params(self, **values: str | None) -> Self:
        params = self.params
        for name, value in values.items():
            params = _set_param(params, name, value)
        return dataclasses.replace(self, params=params)

    def without_params(self, *names: str) -> Self:
        drop = {name.lower() for name in names}
        return dataclasses.replace(
            self, params=tuple(item for item in self.params if item[0] not in drop)
        )


def _parse_port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 5 or int(text) > _MAX_PORT:
        raise ParseError("bad URI port")
    return int(text)


def parse_host(text: str) -> str:
    """Validate a host (name, IPv4 or bracketed IPv6); IPv6 is returned without brackets."""
    if text.startswith("["):
        if not text.endswith("]"):
            raise ParseError("bad host")
        inner = text[1:-1]
        try:
            ipaddress.IPv6Address(inner)
        except ValueError:
            raise ParseError("bad host") from None
        return inner
    if _HOSTNAME_RE.fullmatch(text) is None:
        raise ParseError("bad host")
    return text


def format_host(host: str, port: int | None) -> str:
    """``host[:port]`` with IPv6 addresses bracketed."""
    shown = f"[{host}]" if ":" in host else host
    return shown if port is None else f"{shown}:{port}"


def _split_scheme(text: str) -> tuple[str, str]:
    scheme, colon, rest = text.partition(":")
    if not colon or _SCHEME_RE.fullmatch(scheme) is None:
        raise ParseError("bad URI scheme")
    if _URI_TEXT_RE.fullmatch(rest) is None:
        raise ParseError("bad URI character")
    return scheme.lower(), rest


def _parse_uri_params(text: str) -> Params:
    params: list[tuple[str, str | None]] = []
    for piece in text.split(";"):
        name, equals, value = piece.partition("=")
        if not name or "@" in piece:
            raise ParseError("bad URI parameter")
        params.append((name.lower(), value if equals else None))
    return tuple(params)


def _parse_uri_headers(text: str) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    for piece in text.split("&"):
        name, _, value = piece.partition("=")
        if not name:
            raise ParseError("bad URI header")
        headers.append((name, value))
    return tuple(headers)


@dataclass(frozen=True, slots=True, kw_only=True)
class SipUri(Parameterized):
    """A ``sip:`` or ``sips:`` URI; ``params`` are the uri-parameters in order."""

    scheme: str
    user: str | None = None
    password: str | None = None
    host: str
    port: int | None = None
    params: Params = ()
    headers: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.scheme not in ("sip", "sips"):
            raise ValueError(f"SipUri scheme must be 'sip' or 'sips', not {self.scheme!r}")
        if not self.host:
            raise ValueError("SipUri needs a host")
        if self.port is not None and not 0 <= self.port <= _MAX_PORT:
            raise ValueError(f"port out of range: {self.port}")

    @classmethod
    def parse(cls, text: str) -> SipUri:
        scheme, rest = _split_scheme(text)
        if scheme not in ("sip", "sips"):
            raise UnsupportedUriScheme(f"unsupported URI scheme: {scheme}")
        user: str | None = None
        password: str | None = None
        # "@" cannot appear unescaped in params or headers, so the first one
        # ends the userinfo even when the user part holds ";" or "?" (intmeth).
        userinfo, at, hostpart = rest.partition("@")
        if at:
            user, colon, secret = userinfo.partition(":")
            if not user:
                raise ParseError("bad URI user")
            password = secret if colon else None
        else:
            hostpart = rest
        if hostpart.startswith("["):
            close = hostpart.find("]")
            if close < 0:
                raise ParseError("bad URI host")
            host_text, tail = hostpart[: close + 1], hostpart[close + 1 :]
        else:
            host_match = _HOST_PART_RE.match(hostpart)
            host_text = host_match.group() if host_match else ""
            tail = hostpart[len(host_text) :]
        try:
            host = parse_host(host_text)
        except ParseError:
            raise ParseError("bad URI host") from None
        port: int | None = None
        if tail.startswith(":"):
            port_match = _PORT_PART_RE.match(tail)
            port_text = port_match.group(1) if port_match else ""
            port = _parse_port(port_text)
            tail = tail[len(port_text) + 1 :]
        params: Params = ()
        if tail.startswith(";"):
            param_text, question, header_text = tail[1:].partition("?")
            params = _parse_uri_params(param_text)
            tail = question + header_text
        headers: tuple[tuple[str, str], ...] = ()
        if tail.startswith("?"):
            headers = _parse_uri_headers(tail[1:])
        elif tail:
            raise ParseError("bad URI host")
        return cls(
            scheme=scheme,
            user=user,
            password=password,
            host=host,
            port=port,
            params=params,
            headers=headers,
        )

    @property
    def transport(self) -> str | None:
        value = self.param("transport")
        return value.lower() if value is not None else None

    @property
    def host_port(self) -> str:
        return format_host(self.host, self.port)

    def __str__(self) -> str:
        parts = [self.scheme, ":"]
        if self.user is not None:
            parts.append(self.user)
            if self.password is not None:
                parts += [":", self.password]
            parts.append("@")
        parts.append(self.host_port)
        parts.append(_format_params(self.params))
        if self.headers:
            parts.append("?" + "&".join(f"{name}={value}" for name, value in self.headers))
        return "".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class AbsoluteUri:
    """Any non-SIP URI (tel:, urn:, http:, unknown schemes), kept opaque."""

    scheme: str
    text: str

    def __post_init__(self) -> None:
        if self.scheme in ("sip", "sips"):
            raise ValueError("use SipUri for sip: and sips: URIs")

    @classmethod
    def parse(cls, text: str) -> AbsoluteUri:
        scheme, rest = _split_scheme(text)
        if scheme in ("sip", "sips"):
            raise ParseError("sip: and sips: URIs are SipUri values")
        return cls(scheme=scheme, text=rest)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.text}"


Uri: TypeAlias = SipUri | AbsoluteUri


def parse_uri(text: str) -> Uri:
    """Parse any URI: ``sip:``/``sips:`` become :class:`SipUri`, others :class:`AbsoluteUri`."""
    scheme, _ = _split_scheme(text)
    if scheme in ("sip", "sips"):
        return SipUri.parse(text)
    return AbsoluteUri.parse(text)


def _find_unquoted(text: str, wanted: str) -> int:
    if '"' not in text:
        return text.find(wanted)
    in_quotes = False
    index = 0
    while index < len(text):
        char = text[index]
        if in_quotes:
            if char == "\\":
                index += 1
            elif char == '"':
                in_quotes = False
        elif char == '"':
            in_quotes = True
        elif char == wanted:
            return index
        index += 1
    if in_quotes:
        raise ParseError("unterminated quoted string")
    return -1


def _is_display_word(word: str) -> bool:
    # Tokens per RFC 3261, plus raw UTF-8 letters: phones send unquoted
    # non-ASCII names often enough that rejecting them would hurt interop.
    return all(not char.isascii() or is_token(char) for char in word)


def _quote(text: str) -> str:
    escaped: list[str] = []
    for char in text:
        if char in '"\\' or ord(char) < 0x20 or char == "\x7f":
            escaped.append("\\" + char)
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


@dataclass(frozen=True, slots=True, kw_only=True)
class NameAddr(Parameterized):
    """A From/To/Contact/Route style value: optional display name, URI, header params."""

    display_name: str | None = None
    uri: Uri
    params: Params = ()

    def __post_init__(self) -> None:
        name = self.display_name
        if name is not None and ("\r" in name or "\n" in name):
            raise ValueError("display name cannot contain CR or LF")

    @classmethod
    def parse(cls, text: str) -> NameAddr:
        text = text.strip(" \t")
        if not text:
            raise ParseError("empty address")
        open_angle = _find_unquoted(text, "<")
        if open_angle < 0:
            return cls._parse_addr_spec(text)
        display_text = text[:open_angle].strip(" \t")
        display: str | None = None
        if display_text.startswith('"'):
            display, end = read_quoted(display_text, 0)
            if display_text[end:].strip(" \t"):
                raise ParseError("bad display name")
        elif display_text:
            if not all(_is_display_word(word) for word in display_text.split()):
                raise ParseError("bad display name")
            display = display_text
        close_angle = text.find(">", open_angle + 1)
        if close_angle < 0:
            raise ParseError("missing '>'")
        uri = parse_uri(text[open_angle + 1 : close_angle])
        tail = text[close_angle + 1 :].strip(" \t")
        params: Params = ()
        if tail:
            if not tail.startswith(";"):
                raise ParseError("bad address parameters")
            params = parse_params(split_top_level(tail[1:], ";", angle_brackets=False))
        return cls(display_name=display, uri=uri, params=params)

    @classmethod
    def _parse_addr_spec(cls, text: str) -> NameAddr:
        if text.startswith('"'):
            raise ParseError("display name without <URI>")
        pieces = split_top_level(text, ";", angle_brackets=False)
        uri_text = pieces[0].strip(" \t")
        # RFC 3261 §20: a URI holding "?" or "," must be in angle brackets,
        # otherwise its headers would be ambiguous (RFC 4475 regbadct).
        if "?" in uri_text or "," in uri_text:
            raise ParseError("URI with headers must be in angle brackets")
        return cls(uri=parse_uri(uri_text), params=parse_params(pieces[1:]))

    @property
    def tag(self) -> str | None:
        return self.param("tag")

    def with_tag(self, tag: str) -> NameAddr:
        return self.with_param("tag", tag)

    def __str__(self) -> str:
        shown = f"<{self.uri}>{_format_params(self.params)}"
        if self.display_name is None:
            return shown
        return f"{_quote(self.display_name)} {shown}"


def parse_name_addr_list(text: str) -> list[NameAddr]:
    """Parse a comma-separated list; commas inside quotes or ``<...>`` do not split."""
    return [NameAddr.parse(piece) for piece in split_top_level(text, ",") if piece.strip(" \t")]
