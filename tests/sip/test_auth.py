from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sip.auth import (
    AuthOutcome,
    AuthStatus,
    Credential,
    DigestAlgorithm,
    DigestChallenge,
    DigestCredentials,
    DigestParseError,
    DigestServer,
    build_authorization,
    choose_challenge,
    parse_algorithm,
    parse_digest_params,
)

REALM = "asterisk"
URI = "sip:asterisk.example.com"
SECRET = b"shared-cluster-secret"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def alice(password: str = "s3cret") -> Credential:
    return Credential(username="alice", realm=REALM, password=password)


def lookup_of(*credentials: Credential) -> Callable[[str, str], Credential | None]:
    table = {(c.username, c.realm): c for c in credentials}
    return lambda username, realm: table.get((username, realm))


def make_server(clock: FakeClock, **kwargs: object) -> DigestServer:
    return DigestServer(secret=SECRET, clock=clock, **kwargs)  # type: ignore[arg-type]


def challenge_for(
    server: DigestServer, alg: DigestAlgorithm = DigestAlgorithm.SHA256
) -> DigestChallenge:
    return DigestChallenge.parse(server.challenge(REALM, algorithms=[alg])[0])


def verify(
    server: DigestServer,
    authorization: str,
    *credentials: Credential,
    method: str = "REGISTER",
    request_uri: str = URI,
) -> AuthOutcome:
    return server.verify(
        method=method,
        request_uri=request_uri,
        authorization=authorization,
        lookup=lookup_of(*(credentials or (alice(),))),
        realm=REALM,
    )


def answer(challenge: DigestChallenge, **kwargs: object) -> str:
    fields: dict[str, object] = {
        "method": "REGISTER",
        "uri": URI,
        "username": "alice",
        "password": "s3cret",
    }
    fields.update(kwargs)
    return build_authorization(challenge, **fields)  # type: ignore[arg-type]


def with_param(authorization: str, key: str, value: str) -> str:
    creds = DigestCredentials.parse(authorization)
    return dataclasses.replace(creds, **{key: value}).to_header()


# --------------------------------------------------------------------------- algorithms


def test_algorithm_hashes() -> None:
    assert DigestAlgorithm.MD5.hash("") == "d41d8cd98f00b204e9800998ecf8427e"
    assert DigestAlgorithm.SHA256.hash("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    # FIPS 180-4 SHA-512/256 example.
    assert DigestAlgorithm.SHA512_256.hash("abc") == (
        "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
    )
    assert [len(alg.hash("x")) for alg in DigestAlgorithm] == [
        alg.hex_length for alg in DigestAlgorithm
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("MD5", DigestAlgorithm.MD5),
        ("md5", DigestAlgorithm.MD5),
        ("sha-256", DigestAlgorithm.SHA256),
        ("SHA-512-256", DigestAlgorithm.SHA512_256),
    ],
)
def test_algorithm_parse(name: str, expected: DigestAlgorithm) -> None:
    assert DigestAlgorithm.parse(name) is expected


@pytest.mark.parametrize("name", ["MD5-sess", "SHA-1", "", "SHA256"])
def test_algorithm_parse_rejects(name: str) -> None:
    with pytest.raises(ValueError, match="unsupported digest algorithm"):
        DigestAlgorithm.parse(name)


def test_parse_algorithm_splits_sess() -> None:
    assert parse_algorithm("MD5-sess") == (DigestAlgorithm.MD5, True)
    assert parse_algorithm("SHA-256-SESS") == (DigestAlgorithm.SHA256, True)
    assert parse_algorithm("SHA-256") == (DigestAlgorithm.SHA256, False)


# --------------------------------------------------------------------------- credentials

MD5_HA1 = DigestAlgorithm.MD5.hash(f"alice:{REALM}:s3cret")
SHA256_HA1 = DigestAlgorithm.SHA256.hash(f"alice:{REALM}:s3cret")
SHA512_HA1 = DigestAlgorithm.SHA512_256.hash(f"alice:{REALM}:s3cret")


def test_credential_from_password() -> None:
    cred = Credential.from_auth_fields("alice", REALM, "s3cret", "", "")
    assert cred.ha1 == {}
    assert cred.ha1_for(DigestAlgorithm.MD5) == MD5_HA1
    assert cred.ha1_for(DigestAlgorithm.SHA256) == SHA256_HA1
    assert cred.algorithms == frozenset(DigestAlgorithm)


def test_credential_from_md5_cred_only() -> None:
    cred = Credential.from_auth_fields("alice", REALM, None, MD5_HA1.upper(), None)
    assert cred.password is None
    assert cred.ha1_for(DigestAlgorithm.MD5) == MD5_HA1
    assert cred.ha1_for(DigestAlgorithm.SHA256) is None
    assert cred.algorithms == {DigestAlgorithm.MD5}


def test_credential_from_password_digest_list() -> None:
    cred = Credential.from_auth_fields(
        "alice", REALM, password_digest=f"SHA-256:{SHA256_HA1}, sha-512-256:{SHA512_HA1}"
    )
    assert cred.ha1 == {DigestAlgorithm.SHA256: SHA256_HA1, DigestAlgorithm.SHA512_256: SHA512_HA1}
    assert cred.ha1_for(DigestAlgorithm.MD5) is None


def test_credential_stored_hash_wins_over_password() -> None:
    other = "0" * 32
    cred = Credential(
        username="alice", realm=REALM, password="s3cret", ha1={DigestAlgorithm.MD5: other}
    )
    assert cred.ha1_for(DigestAlgorithm.MD5) == other
    assert cred.ha1_for(DigestAlgorithm.SHA256) == SHA256_HA1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "neither password nor hash"),
        ({"password": ""}, "neither password nor hash"),
        ({"password_digest": SHA256_HA1}, r"must look like 'SHA-256:<hex>', got '[0-9a-f]+'"),
        ({"password_digest": f"SHA-1:{SHA256_HA1}"}, "unsupported digest algorithm 'SHA-1'"),
        ({"password_digest": "SHA-256:abcd"}, "SHA-256 hash for 'alice' must be 64 hex digits"),
        ({"md5_cred": "z" * 32}, "MD5 hash for 'alice' must be 32 hex digits"),
        ({"md5_cred": MD5_HA1, "password_digest": "MD5:" + "0" * 32}, "conflicting MD5 hashes"),
    ],
)
def test_credential_rejects_bad_fields(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Credential.from_auth_fields("alice", REALM, **fields)


def test_credential_accepts_agreeing_md5_sources() -> None:
    cred = Credential.from_auth_fields(
        "alice", REALM, md5_cred=MD5_HA1, password_digest=f"MD5:{MD5_HA1.upper()}"
    )
    assert cred.ha1_for(DigestAlgorithm.MD5) == MD5_HA1


# --------------------------------------------------------------------------- header syntax


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Digest realm="a", nonce="b"', {"realm": "a", "nonce": "b"}),
        ("digest REALM=a,NONCE=b", {"realm": "a", "nonce": "b"}),
        ('  Digest\trealm = "a b" ,  nonce="" ', {"realm": "a b", "nonce": ""}),
        (r'Digest realm="say \"hi\" \\ there"', {"realm": 'say "hi" \\ there'}),
        ('Digest realm="x,y=z", qop="auth,auth-int"', {"realm": "x,y=z", "qop": "auth,auth-int"}),
        ("Digest ,realm=a,, nonce=b,", {"realm": "a", "nonce": "b"}),
        ("Digest uri=sip:bob@example.com", {"uri": "sip:bob@example.com"}),
        ("Digest", {}),
        ('Digest realm="h\u00e9llo"', {"realm": "h\u00e9llo"}),
    ],
)
def test_parse_digest_params(text: str, expected: dict[str, str]) -> None:
    assert parse_digest_params(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('Basic realm="a"', "not a Digest header"),
        ("", "not a Digest header"),
        ("Digestrealm=a", "not a Digest header"),
        ("Digest,realm=a", "expected whitespace after 'Digest'"),
        ('Digest realm="a', "unterminated quoted string"),
        ('Digest realm="a\\', "unterminated quoted string"),
        ("Digest realm", "expected '=' after 'realm'"),
        ("Digest realm=", "missing value for 'realm'"),
        ("Digest realm=,nonce=b", "missing value for 'realm'"),
        ("Digest =a", "expected a parameter name at offset 7"),
        ("Digest realm=a nonce=b", "expected ',' after 'realm'"),
        ('Digest realm="a"x', "expected ',' after 'realm'"),
        ("Digest realm=a, REALM=b", "duplicate parameter 'realm'"),
    ],
)
def test_parse_digest_params_rejects(text: str, message: str) -> None:
    with pytest.raises(DigestParseError) as info:
        parse_digest_params(text)
    assert str(info.value) == message


@settings(max_examples=500)
@given(st.text())
def test_parse_digest_params_never_raises_anything_else(text: str) -> None:
    for candidate in (text, "Digest " + text):
        with contextlib.suppress(DigestParseError):
            parse_digest_params(candidate)


header_text = st.text(st.characters(blacklist_characters="\r\n\0"))
param_names = st.sampled_from(["realm", "nonce", "opaque", "username", "x-ext"])


@given(st.dictionaries(param_names, header_text, min_size=1))
def test_quoted_params_round_trip(params: dict[str, str]) -> None:
    def quote(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    text = "Digest " + ", ".join(f"{key}={quote(value)}" for key, value in params.items())
    assert parse_digest_params(text) == params


def test_challenge_parse_and_render() -> None:
    text = (
        'Digest realm="asterisk", nonce="abc", opaque="xyz", algorithm=SHA-256, '
        'qop="auth, Auth-Int", stale=TRUE'
    )
    challenge = DigestChallenge.parse(text)
    assert challenge == DigestChallenge(
        realm="asterisk",
        nonce="abc",
        opaque="xyz",
        algorithm="SHA-256",
        qop=("auth", "auth-int"),
        stale=True,
    )
    assert challenge.to_header() == (
        'Digest realm="asterisk", nonce="abc", opaque="xyz", algorithm=SHA-256, '
        'qop="auth,auth-int", stale=true'
    )
    assert DigestChallenge.parse(challenge.to_header()) == challenge


def test_challenge_defaults() -> None:
    challenge = DigestChallenge.parse('Digest realm="r", nonce="n", stale=yes')
    assert challenge.algorithm == "MD5"
    assert challenge.qop == ()
    assert challenge.opaque is None
    assert challenge.stale is False
    assert challenge.to_header() == 'Digest realm="r", nonce="n", algorithm=MD5'


def test_challenge_with_unknown_algorithm_still_parses() -> None:
    assert DigestChallenge.parse('Digest realm="r", nonce="n", algorithm=SHA-1').algorithm == (
        "SHA-1"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('Digest nonce="n"', "missing 'realm'"),
        ('Digest realm="r"', "missing 'nonce'"),
        (
            'Digest realm="r", nonce="n", algorithm="MD5 x"',
            "algorithm must be a token, got 'MD5 x'",
        ),
    ],
)
def test_challenge_rejects(text: str, message: str) -> None:
    with pytest.raises(DigestParseError, match=message):
        DigestChallenge.parse(text)


def test_to_header_refuses_line_breaks() -> None:
    challenge = DigestChallenge(realm="evil\r\nVia: x", nonce="n")
    with pytest.raises(ValueError, match="control character"):
        challenge.to_header()


CREDENTIALS_TEXT = (
    'Digest username="alice", realm="asterisk", nonce="n1", uri="sip:asterisk", '
    'response="abc", algorithm=MD5, cnonce="c1", opaque="o1", qop=auth, nc=00000001'
)


def test_credentials_parse_and_render() -> None:
    creds = DigestCredentials.parse(CREDENTIALS_TEXT)
    assert creds == DigestCredentials(
        username="alice",
        realm="asterisk",
        nonce="n1",
        uri="sip:asterisk",
        response="abc",
        algorithm="MD5",
        cnonce="c1",
        opaque="o1",
        qop="auth",
        nc="00000001",
    )
    assert creds.nonce_count == 1
    assert creds.to_header() == CREDENTIALS_TEXT


def test_credentials_accept_quoted_qop_and_missing_algorithm() -> None:
    creds = DigestCredentials.parse(
        'Digest username="a", realm="r", nonce="n", uri="u", response="x", '
        'qop="AUTH", nc="0000000a", cnonce="c"'
    )
    assert creds.qop == "auth"
    assert creds.algorithm == "MD5"
    assert creds.nonce_count == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('Digest realm="r", nonce="n", uri="u", response="x"', "missing 'username'"),
        ('Digest username="a", realm="r", nonce="n", uri="u"', "missing 'response'"),
        (
            'Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth',
            "qop given without cnonce and nc",
        ),
        (
            'Digest username="a", realm="r", nonce="n", uri="u", response="x", nc=0x1',
            "nc must be up to 8 hex digits, got '0x1'",
        ),
        (
            'Digest username="a", realm="r", nonce="n", uri="u", response="x", nc=000000001',
            "nc must be up to 8 hex digits",
        ),
    ],
)
def test_credentials_reject(text: str, message: str) -> None:
    with pytest.raises(DigestParseError, match=message):
        DigestCredentials.parse(text)


@given(
    st.builds(
        DigestCredentials,
        username=header_text,
        realm=header_text,
        nonce=header_text,
        uri=header_text,
        response=header_text,
        algorithm=st.sampled_from(["MD5", "SHA-256", "SHA-512-256-sess"]),
        cnonce=header_text,
        opaque=st.none() | header_text,
        qop=st.just("auth"),
        nc=st.integers(1, 0xFFFFFFFF).map(lambda n: f"{n:08x}"),
    )
)
def test_credentials_round_trip(creds: DigestCredentials) -> None:
    assert DigestCredentials.parse(creds.to_header()) == creds


# --------------------------------------------------------------------------- known answers


def response_of(authorization: str) -> str:
    return DigestCredentials.parse(authorization).response


def test_rfc2617_section_3_5_example() -> None:
    challenge = DigestChallenge(
        realm="testrealm@host.com",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        opaque="5ccc069c403ebaf9f0171e9517f40e41",
        qop=("auth", "auth-int"),
    )
    authorization = build_authorization(
        challenge,
        method="GET",
        uri="/dir/index.html",
        username="Mufasa",
        password="Circle Of Life",
        cnonce="0a4f113b",
    )
    assert response_of(authorization) == "6629fae49393a05397450978507c4ef1"
    creds = DigestCredentials.parse(authorization)
    assert (creds.qop, creds.nc, creds.opaque) == (
        "auth",
        "00000001",
        "5ccc069c403ebaf9f0171e9517f40e41",
    )


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_section_3_9_1_example(algorithm: str, expected: str) -> None:
    challenge = DigestChallenge(
        realm="http-auth@example.org",
        nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
        algorithm=algorithm,
        qop=("auth", "auth-int"),
    )
    authorization = build_authorization(
        challenge,
        method="GET",
        uri="/dir/index.html",
        username="Mufasa",
        password="Circle of Life",
        cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    )
    assert response_of(authorization) == expected


def test_rfc2069_answer_without_qop() -> None:
    challenge = DigestChallenge(
        realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"
    )
    authorization = build_authorization(
        challenge, method="GET", uri="/dir/index.html", username="Mufasa", password="Circle Of Life"
    )
    md5 = DigestAlgorithm.MD5.hash
    ha1 = md5("Mufasa:testrealm@host.com:Circle Of Life")
    ha2 = md5("GET:/dir/index.html")
    creds = DigestCredentials.parse(authorization)
    assert creds.response == md5(f"{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:{ha2}")
    assert (creds.qop, creds.nc, creds.cnonce) == (None, None, None)


def test_sess_variant_hashes_nonce_and_cnonce_into_ha1() -> None:
    challenge = DigestChallenge(realm="r", nonce="n", algorithm="MD5-sess", qop=("auth",))
    authorization = build_authorization(
        challenge, method="INVITE", uri="sip:x", username="u", password="p", cnonce="c", nc=3
    )
    md5 = DigestAlgorithm.MD5.hash
    ha1 = md5(f"{md5('u:r:p')}:n:c")
    expected = md5(f"{ha1}:n:00000003:c:auth:{md5('INVITE:sip:x')}")
    creds = DigestCredentials.parse(authorization)
    assert creds.response == expected
    assert creds.algorithm == "MD5-sess"


# --------------------------------------------------------------------------- client side


def test_build_with_ha1_matches_password() -> None:
    challenge = DigestChallenge(realm=REALM, nonce="n", algorithm="SHA-256", qop=("auth",))
    by_password = answer(challenge, cnonce="c")
    by_ha1 = answer(challenge, cnonce="c", password=None, ha1=SHA256_HA1.upper())
    assert by_password == by_ha1


def test_build_generates_cnonce() -> None:
    challenge = DigestChallenge(realm=REALM, nonce="n", qop=("auth",))
    first = DigestCredentials.parse(answer(challenge))
    second = DigestCredentials.parse(answer(challenge))
    assert first.cnonce and second.cnonce and first.cnonce != second.cnonce


@pytest.mark.parametrize(
    ("challenge", "kwargs", "message"),
    [
        (DigestChallenge(realm="r", nonce="n", algorithm="SHA-1"), {}, "unsupported digest"),
        (DigestChallenge(realm="r", nonce="n", qop=("auth-int",)), {}, "unsupported qop"),
        (DigestChallenge(realm="r", nonce="n"), {"password": None}, "password or an HA1"),
        (DigestChallenge(realm="r", nonce="n"), {"nc": 0}, "nc must fit"),
        (DigestChallenge(realm="r", nonce="n"), {"nc": 2**32}, "nc must fit"),
    ],
)
def test_build_rejects(challenge: DigestChallenge, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        answer(challenge, **kwargs)


def test_choose_challenge_picks_strongest_supported() -> None:
    values = [
        'Basic realm="x"',
        'Digest realm="r", nonce="1", algorithm=MD5',
        "Digest garbage",
        'Digest realm="r", nonce="2", algorithm=SHA-1',
        'Digest realm="r", nonce="3", algorithm=SHA-256',
        'Digest realm="r", nonce="4", algorithm=sha-256',
    ]
    assert choose_challenge(values).nonce == "3"
    assert choose_challenge(values[:2]).nonce == "1"
    assert choose_challenge(['Digest realm="r", nonce="5", algorithm=MD5-sess']).nonce == "5"


def test_choose_challenge_without_usable_value() -> None:
    with pytest.raises(ValueError, match="no supported Digest challenge"):
        choose_challenge(['Basic realm="x"', 'Digest realm="r", nonce="1", algorithm=SHA-1'])
    with pytest.raises(ValueError, match="no supported Digest challenge"):
        choose_challenge([])


# --------------------------------------------------------------------------- server: challenge


def test_challenge_offers_each_algorithm_strongest_first_with_one_nonce() -> None:
    server = make_server(FakeClock(), algorithms=[DigestAlgorithm.MD5, DigestAlgorithm.SHA256])
    values = server.challenge(REALM)
    challenges = [DigestChallenge.parse(v) for v in values]
    assert [c.algorithm for c in challenges] == ["SHA-256", "MD5"]
    assert len({c.nonce for c in challenges}) == 1
    assert all(c.qop == ("auth",) and c.opaque and c.realm == REALM for c in challenges)
    assert not any(c.stale for c in challenges)
    assert choose_challenge(values).algorithm == "SHA-256"


def test_challenge_stale_and_algorithm_override() -> None:
    server = make_server(FakeClock())
    values = server.challenge(REALM, stale=True, algorithms=[DigestAlgorithm.MD5])
    assert len(values) == 1
    challenge = DigestChallenge.parse(values[0])
    assert challenge.stale
    assert challenge.algorithm == "MD5"
    assert "stale=true" in values[0]


def test_each_challenge_gets_a_fresh_nonce() -> None:
    server = make_server(FakeClock())
    assert challenge_for(server).nonce != challenge_for(server).nonce


def test_server_needs_secret_and_algorithms() -> None:
    with pytest.raises(ValueError, match="secret"):
        DigestServer(secret=b"", clock=FakeClock())
    with pytest.raises(ValueError, match="at least one digest algorithm"):
        DigestServer(secret=SECRET, clock=FakeClock(), algorithms=())
    with pytest.raises(ValueError, match="max_tracked_nonces"):
        DigestServer(secret=SECRET, clock=FakeClock(), max_tracked_nonces=0)


# --------------------------------------------------------------------------- server: verify


@pytest.mark.parametrize("alg", list(DigestAlgorithm))
def test_round_trip_with_qop(alg: DigestAlgorithm) -> None:
    server = make_server(FakeClock(), algorithms=list(DigestAlgorithm))
    outcome = verify(server, answer(challenge_for(server, alg)))
    assert outcome == AuthOutcome(status=AuthStatus.OK, username="alice", reason="ok")


@pytest.mark.parametrize("alg", list(DigestAlgorithm))
def test_round_trip_without_qop(alg: DigestAlgorithm) -> None:
    server = make_server(FakeClock(), algorithms=list(DigestAlgorithm))
    challenge = dataclasses.replace(challenge_for(server, alg), qop=())
    authorization = answer(challenge)
    assert "qop" not in authorization
    assert verify(server, authorization).status is AuthStatus.OK
    # Nothing stops an RFC 2069 replay within the lifetime; that is the price of allowing it.
    assert verify(server, authorization).status is AuthStatus.OK


def test_rfc2069_answer_refused_when_disallowed() -> None:
    server = make_server(FakeClock(), allow_rfc2069=False)
    challenge = dataclasses.replace(challenge_for(server), qop=())
    outcome = verify(server, answer(challenge))
    assert (outcome.status, outcome.reason) == (AuthStatus.FAILED, "answer without qop refused")


@pytest.mark.parametrize("alg", list(DigestAlgorithm))
def test_round_trip_with_prehashed_credential(alg: DigestAlgorithm) -> None:
    ha1 = alg.hash(f"alice:{REALM}:s3cret")
    stored = Credential.from_auth_fields("alice", REALM, password_digest=f"{alg.value}:{ha1}")
    server = make_server(FakeClock(), algorithms=list(DigestAlgorithm))
    assert verify(server, answer(challenge_for(server, alg)), stored).status is AuthStatus.OK


def test_prehashed_client_answer_verifies() -> None:
    server = make_server(FakeClock())
    authorization = answer(challenge_for(server), password=None, ha1=SHA256_HA1)
    assert verify(server, authorization).status is AuthStatus.OK


def test_md5_only_credential_against_sha256_answer() -> None:
    stored = Credential.from_auth_fields("alice", REALM, md5_cred=MD5_HA1)
    server = make_server(FakeClock())
    outcome = verify(server, answer(challenge_for(server, DigestAlgorithm.SHA256)), stored)
    assert (outcome.status, outcome.reason) == (AuthStatus.FAILED, "no SHA-256 hash stored")
    # The caller avoids that by offering only what the credential can answer.
    offered = server.challenge(REALM, algorithms=sorted(stored.algorithms, key=lambda a: a.value))
    assert [DigestChallenge.parse(v).algorithm for v in offered] == ["MD5"]
    authorization = answer(DigestChallenge.parse(offered[0]))
    outcome = server.verify(
        method="REGISTER",
        request_uri=URI,
        authorization=authorization,
        lookup=lookup_of(stored),
        realm=REALM,
        algorithms=[DigestAlgorithm.MD5],
    )
    assert outcome.status is AuthStatus.OK


def test_uppercase_response_accepted() -> None:
    server = make_server(FakeClock())
    authorization = answer(challenge_for(server))
    upper = with_param(authorization, "response", response_of(authorization).upper())
    assert verify(server, upper).status is AuthStatus.OK


def failure(outcome: AuthOutcome) -> tuple[AuthStatus, str]:
    return outcome.status, outcome.reason


def test_wrong_password() -> None:
    server = make_server(FakeClock())
    outcome = verify(server, answer(challenge_for(server), password="guess"))
    assert failure(outcome) == (AuthStatus.FAILED, "wrong response")
    assert outcome.username == "alice"


def test_unknown_user() -> None:
    server = make_server(FakeClock())
    outcome = verify(server, answer(challenge_for(server), username="mallory"))
    assert failure(outcome) == (AuthStatus.FAILED, "unknown user")
    assert outcome.username == "mallory"


def test_unknown_user_costs_the_same_hashing_as_a_wrong_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = make_server(FakeClock())
    calls: list[str] = []
    real_hash = DigestAlgorithm.hash

    def counting_hash(self: DigestAlgorithm, data: str) -> str:
        calls.append(data)
        return real_hash(self, data)

    wrong = answer(challenge_for(server), password="guess")
    unknown = answer(challenge_for(server), username="mallory")
    monkeypatch.setattr(DigestAlgorithm, "hash", counting_hash)
    verify(server, wrong)
    wrong_calls = len(calls)
    calls.clear()
    verify(server, unknown)
    assert len(calls) == wrong_calls == 3


def test_credential_in_another_realm_is_not_used() -> None:
    server = make_server(FakeClock())
    elsewhere = Credential(username="alice", realm="other", password="s3cret")
    outcome = server.verify(
        method="REGISTER",
        request_uri=URI,
        authorization=answer(challenge_for(server)),
        lookup=lambda username, realm: elsewhere,
        realm=REALM,
    )
    assert failure(outcome) == (AuthStatus.FAILED, "credential realm 'other' is not 'asterisk'")


def test_uri_mismatch() -> None:
    server = make_server(FakeClock())
    authorization = answer(challenge_for(server), uri="sip:other.example.com")
    outcome = verify(server, authorization)
    assert outcome.status is AuthStatus.FAILED
    assert outcome.reason.startswith("uri mismatch")


def test_uri_check_can_be_relaxed_as_asterisk_does() -> None:
    server = make_server(FakeClock(), check_uri=False)
    authorization = answer(challenge_for(server), uri="sip:other.example.com")
    assert verify(server, authorization).status is AuthStatus.OK
    wrong = answer(challenge_for(server), uri="sip:other.example.com", password="guess")
    assert verify(server, wrong).status is AuthStatus.FAILED


@pytest.mark.parametrize(
    "client_uri", ["SIP:asterisk.example.com", "sip:Asterisk.Example.COM", URI]
)
def test_uri_equal_after_parsing_is_accepted(client_uri: str) -> None:
    server = make_server(FakeClock())
    authorization = answer(challenge_for(server), uri=client_uri)
    assert verify(server, authorization).status is AuthStatus.OK


@pytest.mark.parametrize(
    ("client_uri", "request_uri"),
    [
        ("sip:asterisk.example.com:5060", URI),
        ("sip:asterisk.example.com;transport=tcp", URI),
        ("sips:asterisk.example.com", URI),
        ("not a uri", "not a uri either"),
        ("tel:+123", "tel:+124"),
    ],
)
def test_uri_different_after_parsing_is_refused(client_uri: str, request_uri: str) -> None:
    server = make_server(FakeClock())
    authorization = answer(challenge_for(server), uri=client_uri)
    outcome = verify(server, authorization, request_uri=request_uri)
    assert outcome.status is AuthStatus.FAILED
    assert outcome.reason.startswith("uri mismatch")


def test_method_is_part_of_the_answer() -> None:
    server = make_server(FakeClock())
    outcome = verify(server, answer(challenge_for(server)), method="INVITE")
    assert failure(outcome) == (AuthStatus.FAILED, "wrong response")


def test_realm_mismatch() -> None:
    server = make_server(FakeClock())
    challenge = dataclasses.replace(challenge_for(server), realm="evil")
    outcome = verify(server, answer(challenge))
    assert failure(outcome) == (AuthStatus.FAILED, "realm mismatch: 'evil'")


def test_nonce_from_another_realm_is_forged() -> None:
    server = make_server(FakeClock())
    foreign = DigestChallenge.parse(server.challenge("other")[0])
    challenge = dataclasses.replace(foreign, realm=REALM)
    assert failure(verify(server, answer(challenge))) == (AuthStatus.FAILED, "forged nonce")


def flip(text: str, index: int) -> str:
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1 :]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda nonce: flip(nonce, 0),
        lambda nonce: flip(nonce, 20),
        lambda nonce: flip(nonce, len(nonce) - 1),
        lambda nonce: nonce + "A",
        lambda nonce: nonce[:-1],
        lambda nonce: nonce[:-4] + "====",
        lambda nonce: nonce[:10] + "!" + nonce[11:],
        lambda nonce: nonce[:10] + "\u00e9" + nonce[11:],
        lambda nonce: "",
        lambda nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
    ],
)
def test_forged_or_garbled_nonce(tamper: Callable[[str], str]) -> None:
    server = make_server(FakeClock())
    genuine = challenge_for(server)
    challenge = dataclasses.replace(genuine, nonce=tamper(genuine.nonce))
    assert failure(verify(server, answer(challenge))) == (AuthStatus.FAILED, "forged nonce")


def test_nonce_from_another_secret_is_forged_but_same_secret_works_anywhere() -> None:
    clock = FakeClock()
    other_cluster = DigestServer(secret=b"someone-else", clock=clock)
    sibling_node = make_server(clock)
    server = make_server(clock)
    foreign = answer(challenge_for(other_cluster))
    assert failure(verify(server, foreign)) == (AuthStatus.FAILED, "forged nonce")
    assert verify(server, answer(challenge_for(sibling_node))).status is AuthStatus.OK


def test_opaque_mismatch() -> None:
    server = make_server(FakeClock())
    challenge = dataclasses.replace(challenge_for(server), opaque="changed")
    assert failure(verify(server, answer(challenge))) == (AuthStatus.FAILED, "opaque mismatch")


def test_missing_opaque_is_tolerated() -> None:
    server = make_server(FakeClock())
    challenge = dataclasses.replace(challenge_for(server), opaque=None)
    assert verify(server, answer(challenge)).status is AuthStatus.OK


def test_algorithm_not_offered() -> None:
    server = make_server(FakeClock(), algorithms=[DigestAlgorithm.SHA256])
    challenge = dataclasses.replace(challenge_for(server), algorithm="MD5")
    outcome = verify(server, answer(challenge))
    assert failure(outcome) == (AuthStatus.FAILED, "algorithm 'MD5' not offered")


def test_sess_answer_not_offered() -> None:
    server = make_server(FakeClock())
    challenge = dataclasses.replace(challenge_for(server), algorithm="SHA-256-sess")
    outcome = verify(server, answer(challenge))
    assert failure(outcome) == (AuthStatus.FAILED, "algorithm 'SHA-256-sess' not offered")


def test_auth_int_answer_refused() -> None:
    server = make_server(FakeClock())
    authorization = with_param(answer(challenge_for(server)), "qop", "auth-int")
    assert failure(verify(server, authorization)) == (
        AuthStatus.FAILED,
        "qop 'auth-int' not offered",
    )


def test_malformed_header() -> None:
    server = make_server(FakeClock())
    outcome = verify(server, 'Digest username="alice", realm="asterisk"')
    assert outcome == AuthOutcome(
        status=AuthStatus.MALFORMED, username=None, reason="missing 'nonce'"
    )
    assert verify(server, "Basic YWxpY2U6czNjcmV0").status is AuthStatus.MALFORMED


def test_expired_nonce_with_right_answer_is_stale() -> None:
    clock = FakeClock()
    server = make_server(clock)
    challenge = challenge_for(server)
    clock.now += 31.9
    assert verify(server, answer(challenge, nc=1)).status is AuthStatus.OK
    clock.now += 0.1
    outcome = verify(server, answer(challenge, nc=2))
    assert failure(outcome) == (AuthStatus.STALE, "nonce expired")
    assert outcome.username == "alice"


def test_expired_nonce_with_wrong_answer_fails() -> None:
    clock = FakeClock()
    server = make_server(clock)
    authorization = answer(challenge_for(server), password="guess")
    clock.now += 3600
    assert failure(verify(server, authorization)) == (AuthStatus.FAILED, "wrong response")


def test_custom_lifetime() -> None:
    clock = FakeClock()
    server = make_server(clock, nonce_lifetime=300.0)
    authorization = answer(challenge_for(server))
    clock.now += 299
    assert verify(server, authorization).status is AuthStatus.OK


def test_nonce_count_must_increase() -> None:
    server = make_server(FakeClock())
    challenge = challenge_for(server)
    assert verify(server, answer(challenge, nc=1)).status is AuthStatus.OK
    replay = verify(server, answer(challenge, nc=1))
    assert failure(replay) == (AuthStatus.FAILED, "replayed nonce count 1 (last 1)")
    assert verify(server, answer(challenge, nc=2)).status is AuthStatus.OK
    assert verify(server, answer(challenge, nc=5)).status is AuthStatus.OK
    assert verify(server, answer(challenge, nc=4)).status is AuthStatus.FAILED
    assert verify(server, answer(challenge, nc=6)).status is AuthStatus.OK


def test_exact_replay_of_a_whole_header_fails() -> None:
    server = make_server(FakeClock())
    authorization = answer(challenge_for(server))
    assert verify(server, authorization).status is AuthStatus.OK
    assert verify(server, authorization).status is AuthStatus.FAILED


def test_wrong_answers_do_not_advance_the_nonce_count() -> None:
    server = make_server(FakeClock())
    challenge = challenge_for(server)
    assert verify(server, answer(challenge, nc=9, password="guess")).status is AuthStatus.FAILED
    assert verify(server, answer(challenge, nc=1)).status is AuthStatus.OK
    assert server.tracked_nonces == 1


def test_nonce_counts_are_per_nonce() -> None:
    server = make_server(FakeClock())
    assert verify(server, answer(challenge_for(server), nc=1)).status is AuthStatus.OK
    assert verify(server, answer(challenge_for(server), nc=1)).status is AuthStatus.OK


def test_expired_counts_are_pruned() -> None:
    clock = FakeClock()
    server = make_server(clock)
    for _ in range(50):
        assert verify(server, answer(challenge_for(server))).status is AuthStatus.OK
        clock.now += 1.0
    assert server.tracked_nonces <= 33


def test_memory_stays_bounded_under_a_flood_of_nonces() -> None:
    clock = FakeClock()
    server = make_server(clock, algorithms=[DigestAlgorithm.MD5], max_tracked_nonces=500)
    lookup = lookup_of(Credential.from_auth_fields("alice", REALM, md5_cred=MD5_HA1))
    md5 = DigestAlgorithm.MD5.hash
    ha2 = md5(f"REGISTER:{URI}")
    # Answers are formatted by hand: the client code is tested elsewhere, and this keeps
    # 100k rounds fast.
    template = (
        'Digest username="alice", realm="asterisk", nonce="{nonce}", uri="' + URI + '", '
        'response="{response}", qop=auth, nc=00000001, cnonce="c"'
    )
    first = ""
    for index in range(100_000):
        nonce = server.challenge(REALM)[0].split('nonce="', 1)[1].split('"', 1)[0]
        response = md5(f"{MD5_HA1}:{nonce}:00000001:c:auth:{ha2}")
        authorization = template.format(nonce=nonce, response=response)
        first = first or authorization
        outcome = server.verify(
            method="REGISTER",
            request_uri=URI,
            authorization=authorization,
            lookup=lookup,
            realm=REALM,
        )
        assert outcome.status is AuthStatus.OK, (index, outcome)
        assert server.tracked_nonces <= 500
        clock.now += 0.0001
    # The first nonce's count was evicted: replaying it must not pass, only force a re-challenge.
    outcome = server.verify(
        method="REGISTER", request_uri=URI, authorization=first, lookup=lookup, realm=REALM
    )
    assert failure(outcome) == (AuthStatus.STALE, "nonce count no longer tracked")


def test_surrogates_in_answer_do_not_raise() -> None:
    server = make_server(FakeClock())
    authorization = with_param(answer(challenge_for(server)), "response", "\ud800abc")
    assert failure(verify(server, authorization)) == (AuthStatus.FAILED, "wrong response")
    odd_user = with_param(answer(challenge_for(server)), "username", "\udcff")
    assert failure(verify(server, odd_user)) == (AuthStatus.FAILED, "unknown user")


GENUINE_SERVER = make_server(FakeClock())
GENUINE_NONCE = challenge_for(GENUINE_SERVER).nonce

fuzz_values = st.one_of(
    st.text(),
    st.just(GENUINE_NONCE),
    st.just(REALM),
    st.just(URI),
    st.just("auth"),
    st.sampled_from(["MD5", "SHA-256", "SHA-512-256", "md5-sess", "x"]),
    st.integers(0, 2**40).map(lambda n: f"{n:08x}"),
)
fuzz_keys = st.sampled_from(
    ["username", "realm", "nonce", "uri", "response", "algorithm", "cnonce", "opaque", "qop", "nc"]
)


@st.composite
def digest_like(draw: st.DrawFn) -> str:
    params = draw(st.dictionaries(fuzz_keys, fuzz_values))
    quoted = draw(st.booleans())
    parts = []
    for key, value in params.items():
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' if quoted else value
        parts.append(f"{key}={text}")
    return "Digest " + ", ".join(parts)


@settings(max_examples=400)
@given(st.one_of(st.text(), digest_like()))
def test_verify_never_raises(authorization: str) -> None:
    outcome = GENUINE_SERVER.verify(
        method="REGISTER",
        request_uri=URI,
        authorization=authorization,
        lookup=lookup_of(alice()),
        realm=REALM,
    )
    assert outcome.status in {AuthStatus.FAILED, AuthStatus.MALFORMED, AuthStatus.OK}
