"""Digest authentication of requests from endpoints, backed by ``ps_auths``.

Requests from unknown users are challenged exactly like known ones (and can never succeed),
so user names cannot be probed. Every failure is logged once with the source address.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from sip.address import Address
from sip.auth import AuthStatus, Credential, DigestAlgorithm, DigestServer
from sip.message import Request
from softswitch.storage.records import AuthRecord, EndpointRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    ok: bool
    challenge: tuple[tuple[str, str], ...] = ()
    """``WWW-Authenticate`` headers for the 401 when not ok."""
    username: str | None = None


def load_or_create_secret(path: Path) -> bytes:
    """The nonce-signing key, kept beside the database so every restart accepts old nonces."""
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    data = secrets.token_bytes(32)
    path.write_bytes(data)
    path.chmod(0o600)
    return data


class Authenticator:
    def __init__(self, digest: DigestServer, default_realm: str) -> None:
        self._digest = digest
        self.default_realm = default_realm

    def realm_for(self, auth: AuthRecord | None) -> str:
        return auth.realm if auth is not None and auth.realm else self.default_realm

    def challenge(self, auth: AuthRecord | None, *, stale: bool = False) -> Verdict:
        algorithms = _algorithms(auth)
        values = self._digest.challenge(self.realm_for(auth), stale=stale, algorithms=algorithms)
        return Verdict(ok=False, challenge=tuple(("WWW-Authenticate", v) for v in values))

    def verify(
        self,
        request: Request,
        source: Address,
        endpoint: EndpointRecord | None,
        auth: AuthRecord | None,
    ) -> Verdict:
        """Check the request's Authorization against *auth*; a missing one is challenged."""
        header = request.headers.get("Authorization")
        if header is None:
            return self.challenge(auth)
        realm = self.realm_for(auth)

        def lookup(username: str, realm_: str) -> Credential | None:
            if auth is None or endpoint is None:
                return None
            if username != (auth.username or auth.id) or realm_ != realm:
                return None
            return Credential.from_auth_fields(
                username=username,
                realm=realm,
                password=auth.password,
                md5_cred=auth.md5_cred,
                password_digest=auth.password_digest,
            )

        outcome = self._digest.verify(
            method=request.method,
            request_uri=str(request.uri),
            authorization=header,
            lookup=lookup,
            realm=realm,
            algorithms=_algorithms(auth),
        )
        if outcome.status is AuthStatus.OK:
            return Verdict(ok=True, username=outcome.username)
        if outcome.status is AuthStatus.STALE:
            return self.challenge(auth, stale=True)
        log.warning(
            "authentication failed for %s from %s (%s %s): %s",
            outcome.username or "?",
            source.without_flow(),
            request.method,
            endpoint.id if endpoint else "unknown endpoint",
            outcome.reason,
        )
        return self.challenge(auth)


def _algorithms(auth: AuthRecord | None) -> list[DigestAlgorithm] | None:
    if auth is None or not auth.supported_algorithms_uas:
        return None
    chosen = []
    for name in auth.supported_algorithms_uas:
        try:
            chosen.append(DigestAlgorithm.parse(name))
        except ValueError:
            log.warning("auth %s: unknown digest algorithm %r ignored", auth.id, name)
    return chosen or None
