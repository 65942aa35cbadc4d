"""HTTP Digest authentication (RFC 2617, MD5, ``qop="auth"``) for ``/arawman``, ``/amxml``
and ``/amanager``, without I/O.

Each nonce the server issues stands for one manager session, as in Asterisk: the first
request that answers it correctly opens the session, later ones must raise ``nc`` each time,
and after 62 s the nonce goes stale. A stale nonce, a replayed or lower ``nc``, or a nonce the
server never issued (a restart) is answered with a fresh nonce and ``stale=true``, so the
client retries with the same password without asking the user; a rotated nonce keeps its
session, so queued events survive. Nonces are 8 hex digits; at most ``max_nonces`` are
remembered, the oldest forgotten first.

The caller looks the user up between :func:`parse_authorization` and :meth:`DigestAuth.check`
(storage is I/O), and applies address rules and throttling to the verdict.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

NONCE_LIFETIME_S = 62.0
"""How long a nonce is good for after it was issued (Asterisk's figure)."""

_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s",]*))\s*(?:,|$)')
_QUOTED_PAIR = re.compile(r"\\(.)")
_HEX = re.compile(r"[0-9A-Fa-f]{1,8}")
_REQUIRED = ("username", "realm", "nonce", "uri", "response")


@dataclass(frozen=True, slots=True, kw_only=True)
class Credentials:
    """The parameters of an ``Authorization: Digest ...`` header."""

    username: str
    realm: str
    nonce: str
    uri: str
    response: str
    qop: str | None = None
    nc: str | None = None
    """The nonce count as sent: the hash covers this text, not its number."""
    cnonce: str | None = None
    algorithm: str | None = None

    @property
    def count(self) -> int:
        """The nonce count; 0 without ``qop``, so such a nonce can be used once only."""
        return int(self.nc, 16) if self.nc is not None else 0


def parse_authorization(header: str) -> Credentials | None:
    """The credentials of a Digest ``Authorization`` value; None if it is not a usable one."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    params: dict[str, str] = {}
    text = rest.strip()
    position = 0
    while position < len(text):
        found = _PARAM.match(text, position)
        if found is None or found.end() == position:
            return None
        quoted, token = found.group(2), found.group(3)
        value = _QUOTED_PAIR.sub(r"\1", quoted) if quoted is not None else token
        params.setdefault(found.group(1).lower(), value)
        position = found.end()
    if any(not params.get(name) for name in _REQUIRED):
        return None
    qop = params.get("qop")
    nc = params.get("nc")
    cnonce = params.get("cnonce")
    if qop is not None and (nc is None or cnonce is None or _HEX.fullmatch(nc) is None):
        return None
    return Credentials(username=params["username"], realm=params["realm"],
                       nonce=params["nonce"], uri=params["uri"], response=params["response"],
                       qop=qop, nc=nc if qop is not None else None,
                       cnonce=cnonce if qop is not None else None,
                       algorithm=params.get("algorithm"))


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def digest_response(credentials: Credentials, *, method: str, secret: str) -> str:
    """The ``response`` a client knowing *secret* sends with *credentials* (lower-case hex)."""
    ha1 = _md5(f"{credentials.username}:{credentials.realm}:{secret}")
    ha2 = _md5(f"{method}:{credentials.uri}")
    if credentials.qop is None:
        return _md5(f"{ha1}:{credentials.nonce}:{ha2}")
    return _md5(f"{ha1}:{credentials.nonce}:{credentials.nc}:{credentials.cnonce}:"
                f"{credentials.qop}:{ha2}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Challenge:
    """Answer 401 with this nonce."""

    nonce: str
    stale: bool = False
    failure: str | None = None
    """Why credentials were refused (``wrong response``, ``no such user``): a guess the caller
    throttles and logs. None for a request that merely needs (fresh) credentials."""

    def header(self, realm: str) -> str:
        """The ``WWW-Authenticate`` value."""
        value = (f'Digest algorithm=MD5, realm="{realm}", nonce="{self.nonce}", qop="auth", '
                 f'opaque="{self.nonce}"')
        return f"{value}, stale=true" if self.stale else value


@dataclass(frozen=True, slots=True, kw_only=True)
class Accepted:
    """The request is authenticated; *session_id* is its nonce's session, None for a new one
    the caller opens and records with :meth:`DigestAuth.bind`."""

    nonce: str
    username: str
    session_id: str | None


@dataclass(slots=True)
class _Nonce:
    issued_at: float
    user: str | None = None
    session_id: str | None = None
    last_count: int = -1
    retired: bool = False
    """Replaced by a newer nonce: it only ever answers ``stale`` now."""


def _random_nonce() -> str:
    return f"{secrets.randbits(32):08x}"


class DigestAuth:
    def __init__(self, *, realm: str, lifetime_s: float = NONCE_LIFETIME_S,
                 max_nonces: int = 2000, new_nonce: Callable[[], str] = _random_nonce) -> None:
        self.realm = realm
        self._lifetime_s = lifetime_s
        self._max_nonces = max_nonces
        self._new_nonce = new_nonce
        self._nonces: dict[str, _Nonce] = {}

    def __len__(self) -> int:
        return len(self._nonces)

    def challenge(self, now: float, failure: str | None = None) -> Challenge:
        return Challenge(nonce=self._issue(now), failure=failure)

    def check(self, credentials: Credentials | None, *, method: str, uri: str,
              secret: str | None, now: float) -> Challenge | Accepted:
        """Judge one request: *uri* is its target as sent, *secret* the named user's (None:
        no such user)."""
        if credentials is None:
            return self.challenge(now)
        if secret is None:
            return self.challenge(now, "no such user")
        if (credentials.realm != self.realm or credentials.uri != uri
                or (credentials.algorithm or "MD5").upper() != "MD5"
                or (credentials.qop is not None and credentials.qop.lower() != "auth")):
            return self.challenge(now)
        expected = digest_response(credentials, method=method, secret=secret)
        if not hmac.compare_digest(expected, credentials.response.lower()):
            return self.challenge(now, "wrong response")
        entry = self._nonces.get(credentials.nonce)
        username = credentials.username
        if entry is not None and entry.user not in (None, username):
            # Another user's session: theirs to keep, this client starts its own.
            return Challenge(nonce=self._issue(now), stale=True)
        if (entry is None or entry.retired or now - entry.issued_at > self._lifetime_s
                or credentials.count <= entry.last_count):
            session_id = None
            if entry is not None:
                entry.retired = True
                session_id = entry.session_id
            return Challenge(nonce=self._issue(now, user=username, session_id=session_id),
                             stale=True)
        entry.user = username
        entry.last_count = credentials.count
        return Accepted(nonce=credentials.nonce, username=username,
                        session_id=entry.session_id)

    def bind(self, nonce: str, session_id: str) -> None:
        """Record that *nonce* now stands for the session *session_id*."""
        entry = self._nonces.get(nonce)
        if entry is not None:
            entry.session_id = session_id

    def _issue(self, now: float, *, user: str | None = None,
               session_id: str | None = None) -> str:
        self._forget(now)
        nonce = self._new_nonce()
        while nonce in self._nonces:
            nonce = self._new_nonce()
        self._nonces[nonce] = _Nonce(issued_at=now, user=user, session_id=session_id)
        return nonce

    def _forget(self, now: float) -> None:
        # Issue order is age order: expired nonces sit at the front. They are kept one more
        # lifetime so that a late request is told "stale" and keeps its session.
        while self._nonces:
            oldest = next(iter(self._nonces))
            if (now - self._nonces[oldest].issued_at <= 2 * self._lifetime_s
                    and len(self._nonces) < self._max_nonces):
                return
            del self._nonces[oldest]
