"""The Manager API sessions of HTTP clients, without I/O: lookup, idle expiry, a cap.

A cookie session is found by its ``mansession_id``, a Digest one by the id its nonce is bound
to; both kinds live in one table so that one cap bounds them together. A session expires
after ``unauthenticated_timeout_s`` idle before login and ``http_timeout_s`` after (Asterisk's
5 s and ``httptimeout``), but never while one of its requests is running. When the table is
full, a new session takes the place of the longest-idle one not logged in (every request
without a cookie opens one, so a flood of them must not lock logged-in users out); only when
every session is logged in or busy is the newcomer refused. A session is tied to
the address that opened it: an 8-hex-digit id presented from elsewhere finds nothing, so a
leaked cookie is no use to another host.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from http_api.ami.session import Session


class Kind(enum.Enum):
    COOKIE = "cookie"
    DIGEST = "digest"


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpLimits:
    http_timeout_s: float = 60.0
    """Idle life of a logged-in session, and the cookie's ``Max-Age`` (``httptimeout``)."""
    unauthenticated_timeout_s: float = 5.0
    max_sessions: int = 1000
    wait_margin_s: float = 10.0
    """A ``WaitEvent`` answers this long before its session would expire."""
    max_queued_events: int = 1000


class TooManySessions(Exception):
    """Every slot is taken by a live session; ``str()`` is the reply text."""


@dataclass(slots=True, eq=False)
class HttpSession:
    ident: str
    kind: Kind
    host: str
    session: Session
    last_used: float
    busy: int = 0
    """Requests of this session being answered now; it does not expire meanwhile."""


def _random_id() -> str:
    return f"{secrets.randbits(32):08x}"


class HttpSessions:
    def __init__(self, limits: HttpLimits, new_id: Callable[[], str] = _random_id) -> None:
        self.limits = limits
        self._new_id = new_id
        self._sessions: dict[str, HttpSession] = {}

    def __len__(self) -> int:
        return len(self._sessions)

    def __iter__(self) -> Iterator[HttpSession]:
        return iter(list(self._sessions.values()))

    def find(self, ident: str, *, kind: Kind, host: str, now: float) -> HttpSession | None:
        """The live session *ident* of *kind* opened from *host*; its idle time restarts."""
        entry = self._sessions.get(ident)
        if entry is None or entry.kind is not kind or entry.host != host:
            return None
        if self._expired(entry, now):
            del self._sessions[ident]
            return None
        entry.last_used = now
        return entry

    def open(self, *, kind: Kind, host: str, now: float,
             make: Callable[[], Session]) -> HttpSession:
        """A new session; when the table is full, expired ones go first, then the longest-idle
        anonymous one."""
        if len(self._sessions) >= self.limits.max_sessions:
            self.sweep(now)
        if len(self._sessions) >= self.limits.max_sessions:
            anonymous = [entry for entry in self._sessions.values()
                         if entry.busy == 0 and not entry.session.authenticated]
            if not anonymous:
                raise TooManySessions("Too many manager sessions, try again later")
            del self._sessions[min(anonymous, key=lambda entry: entry.last_used).ident]
        ident = self._new_id()
        while ident in self._sessions:
            ident = self._new_id()
        entry = HttpSession(ident=ident, kind=kind, host=host, session=make(), last_used=now)
        self._sessions[ident] = entry
        return entry

    def close(self, ident: str) -> None:
        self._sessions.pop(ident, None)

    def sweep(self, now: float) -> list[HttpSession]:
        """Drop and return the sessions idle past their timeout."""
        expired = [entry for entry in self._sessions.values() if self._expired(entry, now)]
        for entry in expired:
            del self._sessions[entry.ident]
        return expired

    def timeout_s(self, entry: HttpSession) -> float:
        limits = self.limits
        return (limits.http_timeout_s if entry.session.authenticated
                else limits.unauthenticated_timeout_s)

    def _expired(self, entry: HttpSession, now: float) -> bool:
        return entry.busy == 0 and now - entry.last_used > self.timeout_s(entry)
