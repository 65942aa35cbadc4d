"""HTTP Digest for /arawman: parsing, the RFC 2617 hash, nonces as sessions (no I/O)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from http_api.ami.http_digest import (
    NONCE_LIFETIME_S,
    Accepted,
    Challenge,
    Credentials,
    DigestAuth,
    digest_response,
    parse_authorization,
)

URI = "/arawman?action=ping"


def test_rfc_2617_example() -> None:
    header = ('Digest username="Mufasa", realm="testrealm@host.com",'
              ' nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth,'
              ' nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1",'
              ' opaque="5ccc069c403ebaf9f0171e9517f40e41"')
    credentials = parse_authorization(header)
    assert credentials == Credentials(
        username="Mufasa", realm="testrealm@host.com",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html",
        response="6629fae49393a05397450978507c4ef1", qop="auth", nc="00000001",
        cnonce="0a4f113b")
    assert digest_response(credentials, method="GET", secret="Circle Of Life") == (
        "6629fae49393a05397450978507c4ef1")


@pytest.mark.parametrize("header", [
    "Basic dXNlcjpwYXNz",
    'Digest username="a", realm="asterisk", nonce="1", uri="/x"',
    'Digest username="a", realm="asterisk", nonce="1", uri="/x", response="f", qop=auth',
    'Digest username="a", realm="asterisk", nonce="1", uri="/x", response="f", qop=auth,'
    ' nc=zz, cnonce="c"',
    'Digest username="a" realm',
    'Digest username="a, realm="asterisk"',
])
def test_unusable_headers(header: str) -> None:
    assert parse_authorization(header) is None


def test_quoted_pairs_and_case() -> None:
    credentials = parse_authorization(
        'digest USERNAME="a\\"b", realm=asterisk, nonce="n", uri="/x", response="R",')
    assert credentials is not None
    assert (credentials.username, credentials.realm, credentials.qop) == ('a"b', "asterisk", None)
    assert credentials.count == 0


class Client:
    """A Digest client that knows its password and counts its requests."""

    def __init__(self, username: str = "admin", secret: str = "s3cret") -> None:
        self.username = username
        self.secret = secret
        self.nc = 0

    def sign(self, nonce: str, *, uri: str = URI, method: str = "GET",
             nc: int | None = None) -> Credentials:
        if nc is None:
            self.nc += 1
            nc = self.nc
        unsigned = Credentials(username=self.username, realm="asterisk", nonce=nonce, uri=uri,
                               response="", qop="auth", nc=f"{nc:08x}", cnonce="c0ffee")
        return replace(unsigned, response=digest_response(unsigned, method=method,
                                                          secret=self.secret))


def _auth(max_nonces: int = 2000) -> DigestAuth:
    numbers = itertools.count(1)
    return DigestAuth(realm="asterisk", max_nonces=max_nonces,
                      new_nonce=lambda: f"{next(numbers):08x}")


def _check(auth: DigestAuth, credentials: Credentials | None, now: float,
           secret: str | None = "s3cret", uri: str = URI) -> Challenge | Accepted:
    return auth.check(credentials, method="GET", uri=uri, secret=secret, now=now)


def test_challenge_header() -> None:
    assert Challenge(nonce="0000abcd").header("asterisk") == (
        'Digest algorithm=MD5, realm="asterisk", nonce="0000abcd", qop="auth",'
        ' opaque="0000abcd"')
    assert Challenge(nonce="1", stale=True).header("r").endswith(', opaque="1", stale=true')


def test_nonce_is_a_session_and_nc_must_grow() -> None:
    auth = _auth()
    client = Client()
    first = _check(auth, None, 0.0)
    assert first == Challenge(nonce="00000001")
    accepted = _check(auth, client.sign(first.nonce), 1.0)
    assert accepted == Accepted(nonce="00000001", username="admin", session_id=None)
    auth.bind(accepted.nonce, "5e55101d")
    again = _check(auth, client.sign(first.nonce), 2.0)
    assert again == Accepted(nonce="00000001", username="admin", session_id="5e55101d")
    replayed = _check(auth, client.sign(first.nonce, nc=2), 3.0)
    assert replayed == Challenge(nonce="00000002", stale=True)
    # The replaced nonce is done for, even with a higher count; the new one keeps the session.
    assert _check(auth, client.sign(first.nonce, nc=9), 4.0) == Challenge(nonce="00000003",
                                                                       stale=True)
    client.nc = 0
    assert _check(auth, client.sign("00000002"), 5.0) == Accepted(
        nonce="00000002", username="admin", session_id="5e55101d")


def test_nonce_goes_stale_after_62_seconds() -> None:
    auth = _auth()
    client = Client()
    nonce = _check(auth, None, 0.0).nonce
    assert isinstance(_check(auth, client.sign(nonce), NONCE_LIFETIME_S), Accepted)
    late = _check(auth, client.sign(nonce), NONCE_LIFETIME_S + 0.5)
    assert late == Challenge(nonce="00000002", stale=True)


def test_wrong_password_unknown_user_and_foreign_nonce() -> None:
    auth = _auth()
    nonce = _check(auth, None, 0.0).nonce
    wrong = _check(auth, Client(secret="guess").sign(nonce), 1.0)
    assert wrong == Challenge(nonce="00000002", failure="wrong response")
    assert _check(auth, Client().sign(nonce), 1.0, secret=None) == Challenge(
        nonce="00000003", failure="no such user")
    # A correct digest over a nonce this server never issued (say, before a restart).
    assert _check(auth, Client().sign("deadbeef"), 2.0) == Challenge(nonce="00000004",
                                                                     stale=True)


def test_uri_realm_and_qop_must_match() -> None:
    auth = _auth()
    nonce = _check(auth, None, 0.0).nonce
    client = Client()
    assert _check(auth, client.sign(nonce, uri="/other"), 1.0) == Challenge(nonce="00000002")
    signed = client.sign(nonce)
    assert _check(auth, replace(signed, realm="elsewhere"), 1.0) == Challenge(nonce="00000003")
    assert _check(auth, replace(signed, qop="auth-int"), 1.0) == Challenge(nonce="00000004")


def test_without_qop_a_nonce_works_once() -> None:
    auth = _auth()
    nonce = _check(auth, None, 0.0).nonce
    unsigned = Credentials(username="admin", realm="asterisk", nonce=nonce, uri=URI, response="")
    signed = replace(unsigned, response=digest_response(unsigned, method="GET", secret="s3cret"))
    assert isinstance(_check(auth, signed, 1.0), Accepted)
    assert _check(auth, signed, 1.0) == Challenge(nonce="00000002", stale=True)


def test_another_users_nonce_is_not_taken_over() -> None:
    auth = _auth()
    nonce = _check(auth, None, 0.0).nonce
    assert isinstance(_check(auth, Client().sign(nonce), 1.0), Accepted)
    other = Client(username="viewer", secret="v")
    assert _check(auth, other.sign(nonce), 1.0, secret="v") == Challenge(nonce="00000002",
                                                                        stale=True)
    assert isinstance(_check(auth, Client().sign(nonce, nc=5), 2.0), Accepted)


def test_nonces_are_bounded() -> None:
    auth = _auth(max_nonces=3)
    for second in range(10):
        _check(auth, None, float(second))
    assert len(auth) == 3
    # Nonces older than two lifetimes are forgotten whatever the count.
    _check(auth, None, 1000.0)
    assert len(auth) == 1
