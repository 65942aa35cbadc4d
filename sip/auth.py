"""HTTP Digest authentication for SIP (RFC 2617, RFC 7616, SIP use per RFC 8760), both sides.

The server side (:class:`DigestServer`) issues challenges and checks ``Authorization`` values
without storing anything per challenge: a nonce carries its issue time and a random part, signed
with an HMAC of a shared secret, so every node holding the secret can verify it. The only state
is a bounded map of the highest ``nc`` seen per nonce, which stops replays.

The client side (:func:`choose_challenge`, :func:`build_authorization`) answers the challenges
of trunks and registrars we register with.

Exceptions::

    ValueError
     └── DigestParseError   a Digest header value that cannot be parsed or is incomplete

``verify`` never raises on peer input: it reports :attr:`AuthStatus.MALFORMED` instead.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import re
import secrets
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from sip.errors import ParseError
from sip.uri import SipUri, Uri, parse_uri

__all__ = [
    "AuthOutcome",
    "AuthStatus",
    "Credential",
    "DigestAlgorithm",
    "DigestChallenge",
    "DigestCredentials",
    "DigestParseError",
    "DigestServer",
    "build_authorization",
    "choose_challenge",
    "parse_algorithm",
    "parse_digest_params",
]


class DigestParseError(ValueError):
    """A Digest header value that cannot be parsed, or lacks a required parameter."""


class DigestAlgorithm(Enum):
    """The hash functions SIP digest may use (RFC 8760 §2)."""

    MD5 = "MD5"
    SHA256 = "SHA-256"
    SHA512_256 = "SHA-512-256"

    def hash(self, data: str) -> str:
        """Lower-case hex digest of ``data`` encoded as UTF-8."""
        return hashlib.new(_HASHLIB_NAMES[self], _utf8(data)).hexdigest()

    @property
    def hex_length(self) -> int:
        """Length of this algorithm's hex digest, to validate stored hashes."""
        return 32 if self is DigestAlgorithm.MD5 else 64

    @classmethod
    def parse(cls, name: str) -> DigestAlgorithm:
        """The algorithm called ``name`` (case-insensitive); ``-sess`` names are rejected.

        Use :func:`parse_algorithm` where a ``-sess`` variant is acceptable.
        """
        member = _BY_NAME.get(name.lower())
        if member is None:
            raise ValueError(f"unsupported digest algorithm {name!r}")
        return member


_HASHLIB_NAMES = {
    DigestAlgorithm.MD5: "md5",
    DigestAlgorithm.SHA256: "sha256",
    DigestAlgorithm.SHA512_256: "sha512_256",
}
_BY_NAME = {alg.value.lower(): alg for alg in DigestAlgorithm}
# Clients pick the first challenge they support, so the order we send is the preference.
_STRENGTH = {DigestAlgorithm.MD5: 0, DigestAlgorithm.SHA256: 1, DigestAlgorithm.SHA512_256: 2}


def parse_algorithm(name: str) -> tuple[DigestAlgorithm, bool]:
    """Split an ``algorithm`` token into the hash and whether it is a ``-sess`` variant."""
    if name.lower().endswith("-sess"):
        return DigestAlgorithm.parse(name[: -len("-sess")]), True
    return DigestAlgorithm.parse(name), False


def _utf8(text: str) -> bytes:
    # The message layer decodes with surrogateescape, which this undoes to hash the bytes
    # that were on the wire; any other lone surrogate must still hash, not raise.
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _strongest_first(algorithms: Sequence[DigestAlgorithm]) -> tuple[DigestAlgorithm, ...]:
    if not algorithms:
        raise ValueError("at least one digest algorithm is required")
    return tuple(sorted(dict.fromkeys(algorithms), key=_STRENGTH.__getitem__, reverse=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class Credential:
    """What we know about one user's secret: a password, pre-computed HA1 values, or both."""

    username: str
    realm: str
    """The realm the HA1 values were computed with; it must be the realm we challenge with."""
    password: str | None = None
    ha1: Mapping[DigestAlgorithm, str] = field(default_factory=dict)
    """``H(username:realm:password)`` per algorithm, lower- or upper-case hex."""

    def __post_init__(self) -> None:
        if self.password is None and not self.ha1:
            raise ValueError(f"credential for {self.username!r} has neither password nor hash")
        for alg, value in self.ha1.items():
            if not _is_hex(value, alg.hex_length):
                raise ValueError(
                    f"{alg.value} hash for {self.username!r} must be {alg.hex_length} hex digits"
                )

    @property
    def algorithms(self) -> frozenset[DigestAlgorithm]:
        """Algorithms this credential can answer; challenge with no others."""
        if self.password is not None:
            return frozenset(DigestAlgorithm)
        return frozenset(self.ha1)

    def ha1_for(self, alg: DigestAlgorithm) -> str | None:
        """HA1 for ``alg``, from the stored hash or the password; None if neither allows it."""
        stored = self.ha1.get(alg)
        if stored is not None:
            return stored.lower()
        if self.password is not None:
            return alg.hash(f"{self.username}:{self.realm}:{self.password}")
        return None

    @classmethod
    def from_auth_fields(
        cls,
        username: str,
        realm: str,
        password: str | None = None,
        md5_cred: str | None = None,
        password_digest: str | None = None,
    ) -> Credential:
        """Build from the ``ps_auths`` columns; empty strings count as NULL.

        ``password_digest`` is ``ALG:hex``, or several of those separated by commas.
        """
        ha1: dict[DigestAlgorithm, str] = {}
        if md5_cred:
            ha1[DigestAlgorithm.MD5] = md5_cred.strip()
        for item in (password_digest or "").split(","):
            if not item.strip():
                continue
            alg_name, sep, hex_value = item.strip().partition(":")
            if not sep:
                raise ValueError(
                    f"password_digest for {username!r} must look like 'SHA-256:<hex>', "
                    f"got {item.strip()!r}"
                )
            alg = DigestAlgorithm.parse(alg_name.strip())
            hex_value = hex_value.strip()
            previous = ha1.get(alg)
            if previous is not None and previous.lower() != hex_value.lower():
                raise ValueError(f"conflicting {alg.value} hashes for {username!r}")
            ha1[alg] = hex_value
        return cls(username=username, realm=realm, password=password or None, ha1=ha1)


_HEX_CHARS = frozenset("0123456789abcdefABCDEF")


def _is_hex(value: str, length: int) -> bool:
    return len(value) == length and all(ch in _HEX_CHARS for ch in value)


# --------------------------------------------------------------------------- header syntax

_TCHAR = r"A-Za-z0-9!#$%&'*+.^_`|~-"
_TOKEN_RE = re.compile(rf"[{_TCHAR}]+")
_CONTROL_RE = re.compile(r"[\r\n\0]")
_SCHEME_RE = re.compile(rf"[ \t\r\n]*([{_TCHAR}]*)")
_SEPARATORS_RE = re.compile(r"[ \t\r\n,]*")
# Every part is optional so the regex always matches and the empty groups say exactly what
# is missing; that keeps one pass per parameter and still gives precise error messages.
# Unquoted values are meant to be tokens, but clients put ':' or '/' in them, so a bare
# value runs to the next separator.
_PARAM_RE = re.compile(
    rf"""
    (?P<key>[{_TCHAR}]*) [ \t\r\n]*
    (?P<eq>=?) [ \t\r\n]*
    (?:
        "(?P<quoted>[^"\\]*(?:\\.[^"\\]*)*)(?P<close>"?)
      | (?P<bare>[^ \t\r\n,"]*)
    )
    [ \t\r\n]*
    """,
    re.VERBOSE | re.DOTALL,
)
_QUOTED_PAIR_RE = re.compile(r"\\(.)", re.DOTALL)
_NC_RE = re.compile(r"[0-9a-fA-F]{1,8}")


def parse_digest_params(value: str) -> dict[str, str]:
    """The parameters of a ``Digest k=v, k="v"`` header value, keys lower-cased.

    Quoted values are unescaped; empty list elements (``,,``) are skipped as RFC 7230 allows.
    """
    scheme = _SCHEME_RE.match(value)
    assert scheme is not None  # every part of the pattern is optional
    if scheme[1].lower() != "digest":
        raise DigestParseError("not a Digest header")
    pos = scheme.end()
    if pos < len(value) and value[pos] not in " \t\r\n":
        raise DigestParseError("expected whitespace after 'Digest'")
    params: dict[str, str] = {}
    while True:
        pos = _end(_SEPARATORS_RE, value, pos)
        if pos == len(value):
            return params
        match = _PARAM_RE.match(value, pos)
        assert match is not None  # every part of the pattern is optional
        key = match["key"].lower()
        if not key:
            raise DigestParseError(f"expected a parameter name at offset {pos}")
        if not match["eq"]:
            raise DigestParseError(f"expected '=' after {key!r}")
        quoted = match["quoted"]
        if quoted is not None:
            if not match["close"]:
                raise DigestParseError("unterminated quoted string")
            param_value = _QUOTED_PAIR_RE.sub(r"\1", quoted) if "\\" in quoted else quoted
        else:
            param_value = match["bare"]
            if not param_value:
                raise DigestParseError(f"missing value for {key!r}")
        if key in params:
            raise DigestParseError(f"duplicate parameter {key!r}")
        params[key] = param_value
        pos = match.end()
        if pos < len(value) and value[pos] != ",":
            raise DigestParseError(f"expected ',' after {key!r}")


def _end(pattern: re.Pattern[str], text: str, pos: int) -> int:
    match = pattern.match(text, pos)
    assert match is not None  # only used with patterns that match the empty string
    return match.end()


def _quote(value: str) -> str:
    # A raw line break here would let a peer-supplied realm or nonce inject header lines.
    if _CONTROL_RE.search(value):
        raise ValueError(f"control character in digest parameter {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _require_token(name: str, value: str) -> None:
    if not _TOKEN_RE.fullmatch(value):
        raise DigestParseError(f"{name} must be a token, got {value!r}")


def _required(params: Mapping[str, str], key: str) -> str:
    value = params.get(key)
    if value is None:
        raise DigestParseError(f"missing {key!r}")
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestChallenge:
    """One ``WWW-Authenticate``/``Proxy-Authenticate`` Digest value."""

    realm: str
    nonce: str
    opaque: str | None = None
    algorithm: str = "MD5"
    """Kept as sent, so a challenge for an algorithm we lack still parses and can be skipped."""
    qop: tuple[str, ...] = ()
    """Offered qop values, lower-cased; empty means an RFC 2069 challenge."""
    stale: bool = False

    def __post_init__(self) -> None:
        _require_token("algorithm", self.algorithm)
        for option in self.qop:
            _require_token("qop", option)

    @classmethod
    def parse(cls, header_value: str) -> DigestChallenge:
        params = parse_digest_params(header_value)
        qop = params.get("qop")
        return cls(
            realm=_required(params, "realm"),
            nonce=_required(params, "nonce"),
            opaque=params.get("opaque"),
            algorithm=params.get("algorithm", "MD5"),
            qop=tuple(item.strip().lower() for item in qop.split(",") if item.strip())
            if qop is not None
            else (),
            # RFC 7616 §3.3: anything but "true" means not stale.
            stale=params.get("stale", "").lower() == "true",
        )

    def to_header(self) -> str:
        parts = [f"realm={_quote(self.realm)}", f"nonce={_quote(self.nonce)}"]
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        parts.append(f"algorithm={self.algorithm}")
        if self.qop:
            parts.append(f"qop={_quote(','.join(self.qop))}")
        if self.stale:
            parts.append("stale=true")
        return "Digest " + ", ".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class DigestCredentials:
    """One ``Authorization``/``Proxy-Authorization`` Digest value."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    algorithm: str = "MD5"
    cnonce: str | None = None
    opaque: str | None = None
    qop: str | None = None
    """The single qop chosen, lower-cased; None for an RFC 2069 answer."""
    nc: str | None = None
    """The nonce count exactly as sent (8 hex digits), because it is hashed as text."""

    def __post_init__(self) -> None:
        _require_token("algorithm", self.algorithm)
        if self.qop is not None:
            _require_token("qop", self.qop)
            if self.cnonce is None or self.nc is None:
                raise DigestParseError("qop given without cnonce and nc")
        if self.nc is not None and not _NC_RE.fullmatch(self.nc):
            raise DigestParseError(f"nc must be up to 8 hex digits, got {self.nc!r}")

    @property
    def nonce_count(self) -> int | None:
        return int(self.nc, 16) if self.nc is not None else None

    @classmethod
    def parse(cls, header_value: str) -> DigestCredentials:
        params = parse_digest_params(header_value)
        qop = params.get("qop")
        return cls(
            username=_required(params, "username"),
            realm=_required(params, "realm"),
            nonce=_required(params, "nonce"),
            uri=_required(params, "uri"),
            response=_required(params, "response"),
            algorithm=params.get("algorithm", "MD5"),
            cnonce=params.get("cnonce"),
            opaque=params.get("opaque"),
            qop=qop.lower() if qop is not None else None,
            nc=params.get("nc"),
        )

    def to_header(self) -> str:
        parts = [
            f"username={_quote(self.username)}",
            f"realm={_quote(self.realm)}",
            f"nonce={_quote(self.nonce)}",
            f"uri={_quote(self.uri)}",
            f"response={_quote(self.response)}",
            f"algorithm={self.algorithm}",
        ]
        if self.cnonce is not None:
            parts.append(f"cnonce={_quote(self.cnonce)}")
        if self.opaque is not None:
            parts.append(f"opaque={_quote(self.opaque)}")
        if self.qop is not None:
            parts.append(f"qop={self.qop}")
        if self.nc is not None:
            parts.append(f"nc={self.nc}")
        return "Digest " + ", ".join(parts)


def _response(
    alg: DigestAlgorithm,
    ha1: str,
    *,
    nonce: str,
    method: str,
    uri: str,
    qop: str | None,
    nc: str | None,
    cnonce: str | None,
) -> str:
    ha2 = alg.hash(f"{method}:{uri}")
    if qop is None:
        return alg.hash(f"{ha1}:{nonce}:{ha2}")
    return alg.hash(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


# --------------------------------------------------------------------------- server side


def _normalized_uri(text: str) -> Uri | None:
    try:
        uri = parse_uri(text)
    except (ParseError, ValueError):
        return None
    if isinstance(uri, SipUri):
        return dataclasses.replace(uri, host=uri.host.lower())
    return uri


def _same_uri(given: str, expected: str) -> bool:
    normalized = _normalized_uri(given)
    return normalized is not None and normalized == _normalized_uri(expected)


class AuthStatus(Enum):
    """How :meth:`DigestServer.verify` judged an answer; each maps to one reaction."""

    OK = "ok"
    STALE = "stale"
    """The nonce is genuine but expired and the answer was right: re-challenge with stale=true."""
    FAILED = "failed"
    """Wrong or unacceptable answer: challenge afresh and count a failed attempt."""
    MALFORMED = "malformed"
    """The header did not parse: answer 400 or challenge afresh."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthOutcome:
    """The verdict on one ``Authorization`` value."""

    status: AuthStatus
    username: str | None
    """The username the peer claimed, when the header parsed; not proof of identity."""
    reason: str
    """Why, for the log; never sent to the peer."""


_RANDOM_BYTES = 12
_MAC_BYTES = 16
_TIMESTAMP = struct.Struct(">d")
_NONCE_BODY = _TIMESTAMP.size + _RANDOM_BYTES
# 36 bytes encode to exactly 48 base64 characters with no padding and no spare bits, so
# the text form is canonical: two different strings can never decode to one nonce.
_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{48}")


@dataclass(slots=True)
class _NonceUse:
    issued_at: float
    last_nc: int


class DigestServer:
    """Issues Digest challenges and verifies the answers, with self-validating nonces."""

    def __init__(
        self,
        *,
        secret: bytes,
        clock: Callable[[], float],
        nonce_lifetime: float = 32.0,
        algorithms: Sequence[DigestAlgorithm] = (DigestAlgorithm.SHA256, DigestAlgorithm.MD5),
        allow_rfc2069: bool = True,
        max_tracked_nonces: int = 50_000,
        check_uri: bool = True,
    ) -> None:
        """``clock`` must be wall-clock time shared by every node that holds ``secret``.

        ``allow_rfc2069`` accepts answers without qop, as Asterisk does for old phones; those
        cannot be protected against replay within the nonce lifetime.
        ``max_tracked_nonces`` caps the nonce-count map; see :meth:`verify`.
        ``check_uri=False`` accepts a digest ``uri`` that differs from the Request-URI, as
        Asterisk does: SIPp and some phones hash the URI without its user part. The method
        is still in the hash and the nonce count still stops replays.
        """
        if not secret:
            raise ValueError("the nonce secret must not be empty")
        if max_tracked_nonces < 1:
            raise ValueError("max_tracked_nonces must be positive")
        self._secret = secret
        self._clock = clock
        self._lifetime = nonce_lifetime
        self._algorithms = _strongest_first(algorithms)
        self._allow_rfc2069 = allow_rfc2069
        self._check_uri = check_uri
        self._max_tracked = max_tracked_nonces
        self._uses: dict[str, _NonceUse] = {}
        # Issue time of the newest nonce whose count was evicted to respect the cap.
        self._evicted_up_to = float("-inf")

    @property
    def tracked_nonces(self) -> int:
        """How many nonces currently have a remembered nonce count."""
        return len(self._uses)

    def challenge(
        self,
        realm: str,
        *,
        stale: bool = False,
        algorithms: Sequence[DigestAlgorithm] | None = None,
    ) -> list[str]:
        """``WWW-Authenticate`` values, strongest algorithm first, all with one nonce."""
        nonce = self._mint_nonce(realm)
        opaque = self._opaque_for(nonce)
        chosen = self._algorithms if algorithms is None else _strongest_first(algorithms)
        return [
            DigestChallenge(
                realm=realm,
                nonce=nonce,
                opaque=opaque,
                algorithm=alg.value,
                qop=("auth",),
                stale=stale,
            ).to_header()
            for alg in chosen
        ]

    def verify(
        self,
        *,
        method: str,
        request_uri: str,
        authorization: str,
        lookup: Callable[[str, str], Credential | None],
        realm: str,
        algorithms: Sequence[DigestAlgorithm] | None = None,
    ) -> AuthOutcome:
        """Check one ``Authorization`` value against the request it came with.

        ``lookup(username, realm)`` returns the user's credential or None. ``algorithms``
        must match what :meth:`challenge` was given, if anything.

        The ``uri`` parameter must equal ``request_uri`` as text (clients copy the
        Request-URI verbatim) or once both are parsed, with the host compared
        case-insensitively, for clients that re-serialise it. The hash always uses the
        ``uri`` the client sent.

        Nonce counts are remembered per nonce until it expires, up to ``max_tracked_nonces``
        nonces. When the cap evicts a nonce, any untracked nonce issued no later than it is
        answered STALE, so a client just re-authenticates and a replay never passes.
        """
        try:
            creds = DigestCredentials.parse(authorization)
        except DigestParseError as exc:
            return AuthOutcome(status=AuthStatus.MALFORMED, username=None, reason=str(exc))

        def failed(reason: str) -> AuthOutcome:
            return AuthOutcome(status=AuthStatus.FAILED, username=creds.username, reason=reason)

        if creds.realm != realm:
            return failed(f"realm mismatch: {creds.realm!r}")
        if self._check_uri and creds.uri != request_uri and not _same_uri(
            creds.uri, request_uri
        ):
            return failed(f"uri mismatch: {creds.uri!r} is not {request_uri!r}")
        issued_at = self._nonce_issued_at(creds.nonce, realm)
        if issued_at is None:
            return failed("forged nonce")
        if creds.opaque is not None and not hmac.compare_digest(
            _utf8(creds.opaque), self._opaque_for(creds.nonce).encode("ascii")
        ):
            return failed("opaque mismatch")
        offered = self._algorithms if algorithms is None else _strongest_first(algorithms)
        alg = _BY_NAME.get(creds.algorithm.lower())
        if alg is None or alg not in offered:
            return failed(f"algorithm {creds.algorithm!r} not offered")
        if creds.qop is None:
            if not self._allow_rfc2069:
                return failed("answer without qop refused")
        elif creds.qop != "auth":
            return failed(f"qop {creds.qop!r} not offered")

        credential = lookup(creds.username, realm)
        ha1 = None
        if credential is not None and credential.realm == realm:
            ha1 = credential.ha1_for(alg)
        if ha1 is None:
            # Hash anyway so an unknown user costs the same time as a wrong password.
            ha1 = alg.hash(f"{creds.username}:{realm}:{secrets.token_hex(8)}")
        expected = _response(
            alg,
            ha1,
            nonce=creds.nonce,
            method=method,
            uri=creds.uri,
            qop=creds.qop,
            nc=creds.nc,
            cnonce=creds.cnonce,
        )
        matches = hmac.compare_digest(expected.encode("ascii"), _utf8(creds.response.lower()))
        if credential is None:
            return failed("unknown user")
        if credential.realm != realm:
            return failed(f"credential realm {credential.realm!r} is not {realm!r}")
        if alg not in credential.algorithms:
            return failed(f"no {alg.value} hash stored")
        if not matches:
            return failed("wrong response")

        now = self._clock()
        if now - issued_at >= self._lifetime:
            return AuthOutcome(
                status=AuthStatus.STALE, username=creds.username, reason="nonce expired"
            )
        nc = creds.nonce_count
        if nc is None:
            return AuthOutcome(status=AuthStatus.OK, username=creds.username, reason="ok")
        status, reason = self._record_nonce_count(creds.nonce, issued_at, nc, now)
        return AuthOutcome(status=status, username=creds.username, reason=reason)

    def _record_nonce_count(
        self, nonce: str, issued_at: float, nc: int, now: float
    ) -> tuple[AuthStatus, str]:
        use = self._uses.get(nonce)
        if use is None:
            if issued_at <= self._evicted_up_to:
                return AuthStatus.STALE, "nonce count no longer tracked"
            self._prune(now)
            use = _NonceUse(issued_at=issued_at, last_nc=0)
            self._uses[nonce] = use
        if nc <= use.last_nc:
            return AuthStatus.FAILED, f"replayed nonce count {nc} (last {use.last_nc})"
        use.last_nc = nc
        return AuthStatus.OK, "ok"

    def _prune(self, now: float) -> None:
        # Insertion order is first-use order, which tracks issue order closely, so expired
        # entries gather at the front; the cap bounds whatever is left.
        while self._uses:
            oldest = next(iter(self._uses))
            use = self._uses[oldest]
            if now - use.issued_at >= self._lifetime:
                del self._uses[oldest]
            elif len(self._uses) >= self._max_tracked:
                del self._uses[oldest]
                self._evicted_up_to = max(self._evicted_up_to, use.issued_at)
            else:
                return

    def _mac(self, body: bytes, realm: str) -> bytes:
        # The realm is signed too, so a nonce issued for one realm is useless in another.
        return hmac.new(self._secret, body + _utf8(realm), hashlib.sha256).digest()[:_MAC_BYTES]

    def _mint_nonce(self, realm: str) -> str:
        body = _TIMESTAMP.pack(self._clock()) + secrets.token_bytes(_RANDOM_BYTES)
        return base64.urlsafe_b64encode(body + self._mac(body, realm)).decode("ascii")

    def _nonce_issued_at(self, nonce: str, realm: str) -> float | None:
        if not _NONCE_RE.fullmatch(nonce):
            return None
        raw = base64.urlsafe_b64decode(nonce)
        body, mac = raw[:_NONCE_BODY], raw[_NONCE_BODY:]
        if not hmac.compare_digest(mac, self._mac(body, realm)):
            return None
        issued_at: float = _TIMESTAMP.unpack(body[: _TIMESTAMP.size])[0]
        return issued_at

    def _opaque_for(self, nonce: str) -> str:
        digest = hmac.new(self._secret, b"opaque:" + nonce.encode("ascii"), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:12]).decode("ascii")


# --------------------------------------------------------------------------- client side


def choose_challenge(values: Sequence[str]) -> DigestChallenge:
    """The challenge with the strongest algorithm we support among ``values``.

    Values that are not Digest, do not parse, or name an unknown algorithm are skipped; on a
    tie the first one wins, since servers list their preference first.
    """
    best: DigestChallenge | None = None
    best_strength = -1
    for value in values:
        try:
            challenge = DigestChallenge.parse(value)
            alg, _sess = parse_algorithm(challenge.algorithm)
        except ValueError:
            continue
        if _STRENGTH[alg] > best_strength:
            best, best_strength = challenge, _STRENGTH[alg]
    if best is None:
        raise ValueError("no supported Digest challenge")
    return best


def build_authorization(
    challenge: DigestChallenge,
    *,
    method: str,
    uri: str,
    username: str,
    password: str | None = None,
    ha1: str | None = None,
    nc: int = 1,
    cnonce: str | None = None,
) -> str:
    """The ``Authorization``/``Proxy-Authorization`` value answering ``challenge``.

    Give ``password`` or ``ha1`` (``H(username:realm:password)`` for the challenge's
    algorithm). qop=auth is used when offered; a challenge offering only ``auth-int`` is
    refused, because the answer would need the message body. ``-sess`` algorithms work.
    """
    alg, sess = parse_algorithm(challenge.algorithm)
    if ha1 is None:
        if password is None:
            raise ValueError("a password or an HA1 is required")
        ha1 = alg.hash(f"{username}:{challenge.realm}:{password}")
    if not 1 <= nc <= 0xFFFFFFFF:
        raise ValueError(f"nc must fit in 8 hex digits, got {nc}")
    if challenge.qop and "auth" not in challenge.qop:
        raise ValueError(f"unsupported qop {','.join(challenge.qop)!r}")
    qop = "auth" if challenge.qop else None
    if cnonce is None and (qop is not None or sess):
        cnonce = secrets.token_hex(8)
    if sess:
        ha1 = alg.hash(f"{ha1.lower()}:{challenge.nonce}:{cnonce}")
    nc_text = f"{nc:08x}" if qop is not None else None
    response = _response(
        alg,
        ha1.lower(),
        nonce=challenge.nonce,
        method=method,
        uri=uri,
        qop=qop,
        nc=nc_text,
        cnonce=cnonce,
    )
    return DigestCredentials(
        username=username,
        realm=challenge.realm,
        nonce=challenge.nonce,
        uri=uri,
        response=response,
        algorithm=challenge.algorithm,
        cnonce=cnonce,
        opaque=challenge.opaque,
        qop=qop,
        nc=nc_text,
    ).to_header()
