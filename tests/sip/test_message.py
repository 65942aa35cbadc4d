"""Requests, responses, the parser and the response builders (RFC 3261 §7, §8.2.6)."""

from __future__ import annotations

import pytest

from sip.errors import MessageTooLarge, ParseError, VersionNotSupported
from sip.headers import CSeq, Headers, Via
from sip.message import (
    REASON_PHRASES,
    Limits,
    Method,
    Request,
    Response,
    make_error_response,
    make_response,
    parse_message,
)
from sip.uri import AbsoluteUri, NameAddr, SipUri

SDP = (
    b"v=0\r\n"
    b"o=alice 2890844526 2890844526 IN IP4 192.0.2.101\r\n"
    b"s=-\r\n"
    b"c=IN IP4 192.0.2.101\r\n"
    b"t=0 0\r\n"
    b"m=audio 49172 RTP/AVP 0\r\n"
    b"a=rtpmap:0 PCMU/8000\r\n"
)

GOLDEN_INVITE = (
    b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    b"Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9;rport\r\n"
    b"Max-Forwards: 70\r\n"
    b'From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n'
    b"To: <sip:bob@biloxi.example.com>\r\n"
    b"Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    b"CSeq: 1 INVITE\r\n"
    b"Contact: <sip:alice@192.0.2.101:5060>\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-Length: 136\r\n"
    b"\r\n" + SDP
)

GOLDEN_OK = (
    b"SIP/2.0 200 OK\r\n"
    b"Via: SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9;rport=5060;received=192.0.2.101\r\n"
    b'From: "Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n'
    b"To: <sip:bob@biloxi.example.com>;tag=8321234356\r\n"
    b"Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    b"CSeq: 1 INVITE\r\n"
    b"Contact: <sip:bob@192.0.2.4>\r\n"
    b"Content-Length: 0\r\n"
    b"\r\n"
)


def build(
    *,
    method: str = "OPTIONS",
    uri: str = "sip:bob@example.com",
    headers: list[tuple[str, str]] | None = None,
    drop: tuple[str, ...] = (),
    extra: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    content_length: str | None = None,
) -> bytes:
    """Raw request bytes with sane defaults; ``drop`` removes default headers."""
    pairs = headers or [
        ("Via", "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest1"),
        ("Max-Forwards", "70"),
        ("From", "<sip:alice@example.com>;tag=a1"),
        ("To", "<sip:bob@example.com>"),
        ("Call-ID", "test-call-1@192.0.2.1"),
        ("CSeq", f"1 {method}"),
    ]
    pairs = [pair for pair in pairs if pair[0] not in drop] + (extra or [])
    lines = [f"{method} {uri} SIP/2.0"] + [f"{name}: {value}" for name, value in pairs]
    if content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# -- golden bytes and round trips ------------------------------------------------------


def test_golden_invite_parses_into_the_expected_fields() -> None:
    request = parse_message(GOLDEN_INVITE)
    assert isinstance(request, Request)
    assert request.method == Method.INVITE
    assert request.uri == SipUri(scheme="sip", user="bob", host="biloxi.example.com")
    assert request.call_id == "3848276298220188511@atlanta.example.com"
    assert request.cseq == CSeq(1, "INVITE")
    assert request.top_via == Via(
        transport="UDP",
        host="192.0.2.101",
        port=5060,
        params=(("branch", "z9hG4bK74bf9"), ("rport", None)),
    )
    assert request.from_.display_name == "Alice"
    assert request.from_.tag == "9fxced76sl"
    assert request.to.tag is None
    assert [str(c.uri) for c in request.contacts] == ["sip:alice@192.0.2.101:5060"]
    assert request.max_forwards == 70
    assert request.content_type == "application/sdp"
    assert request.content_length == len(SDP) == 136
    assert request.body == SDP


def test_golden_invite_built_from_values_serialises_to_the_exact_bytes() -> None:
    request = Request(
        method=Method.INVITE,
        uri=SipUri.parse("sip:bob@biloxi.example.com"),
        headers=Headers(
            [
                ("Via", "SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9;rport"),
                ("Max-Forwards", "70"),
                ("f", '"Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl'),
                ("t", "<sip:bob@biloxi.example.com>"),
                ("i", "3848276298220188511@atlanta.example.com"),
                ("CSeq", "1 INVITE"),
                ("m", "<sip:alice@192.0.2.101:5060>"),
                ("c", "application/sdp"),
                ("l", "999"),
            ]
        ),
        body=SDP,
    )
    assert request.to_bytes() == GOLDEN_INVITE


def test_golden_ok_round_trips_byte_for_byte() -> None:
    response = parse_message(GOLDEN_OK)
    assert isinstance(response, Response)
    assert (response.status, response.reason) == (200, "OK")
    assert response.top_via.received == "192.0.2.101"
    assert response.top_via.rport == 5060
    assert response.to.tag == "8321234356"
    assert response.to_bytes() == GOLDEN_OK


def test_reparsing_serialised_output_gives_equal_messages() -> None:
    folded = (
        b"\r\n\r\nREGISTER sips:ss2.biloxi.example.com SIP/2.0\r\n"
        b"v: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashds7\r\n"
        b"Max-Forwards: 70\r\n"
        b"f: Bob <sips:bob@biloxi.example.com>;tag=a73kszlfl\r\n"
        b"t: Bob <sips:bob@biloxi.example.com>\r\n"
        b"i: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n"
        b"CSeq: 1 REGISTER\r\n"
        b"m: <sips:bob@client.biloxi.example.com>;expires=3600,\r\n"
        b"   <sips:bob@[2001:db8::7]:5061>;q=0.5\r\n"
        b"Expires: 7200\r\n"
        b"l: 0\r\n\r\n"
    )
    first = parse_message(folded)
    second = parse_message(first.to_bytes())
    assert second == first
    assert isinstance(second, Request)
    assert second.headers.get("Contact") == (
        "<sips:bob@client.biloxi.example.com>;expires=3600, <sips:bob@[2001:db8::7]:5061>;q=0.5"
    )
    assert [c.uri.host_port for c in second.contacts] == [  # type: ignore[union-attr]
        "client.biloxi.example.com",
        "[2001:db8::7]:5061",
    ]
    assert second.expires == 7200


def test_to_bytes_writes_one_correct_content_length() -> None:
    request = parse_message(
        build(body=b"hello", extra=[("Content-Type", "text/plain")], content_length="5")
    )
    changed = request.replace(body=b"hello, world")
    data = changed.to_bytes()
    assert data.count(b"Content-Length") == 1
    assert b"Content-Length: 12\r\n" in data
    assert parse_message(data).body == b"hello, world"
    bare = Request(method="OPTIONS", uri=SipUri.parse("sip:x"), headers=Headers())
    assert bare.to_bytes() == b"OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n"


def test_non_utf8_header_bytes_survive_a_round_trip() -> None:
    data = build(extra=[("Subject", "x")]).replace(b"Subject: x", b"Subject: caf\xe9 \xff")
    request = parse_message(data)
    assert request.to_bytes() == data.replace(b"\r\n\r\n", b"\r\nContent-Length: 0\r\n\r\n")


# -- lexical rules -----------------------------------------------------------------------


def test_leading_crlfs_and_bare_lf_line_ends_are_tolerated() -> None:
    data = b"\r\n\n\r\n" + build().replace(b"\r\n", b"\n")
    request = parse_message(data)
    assert isinstance(request, Request)
    assert request.call_id == "test-call-1@192.0.2.1"


def test_folded_lines_are_unfolded_to_a_single_space() -> None:
    data = build(extra=[("Subject", "first part")]).replace(
        b"Subject: first part", b"Subject: first\r\n \t part\r\n\tand more"
    )
    assert parse_message(data).headers.get("Subject") == "first part and more"


def test_header_names_are_case_insensitive_and_compact() -> None:
    data = (
        b"OPTIONS sip:bob@example.com SIP/2.0\r\n"
        b"v: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
        b"f: <sip:a@example.com>;tag=1\r\n"
        b"T: <sip:b@example.com>\r\n"
        b"I: c1\r\n"
        b"cseq: 2 OPTIONS\r\n"
        b"MAX-FORWARDS: 5\r\n"
        b"x-custom-header: kept\r\n"
        b"L: 0\r\n\r\n"
    )
    request = parse_message(data)
    assert isinstance(request, Request)
    assert [name for name, _ in request.headers] == [
        "Via",
        "From",
        "To",
        "Call-ID",
        "CSeq",
        "Max-Forwards",
        "X-Custom-Header",
        "Content-Length",
    ]
    assert request.max_forwards == 5
    assert request.headers.get("X-CUSTOM-HEADER") == "kept"


def test_unknown_method_is_representable() -> None:
    request = parse_message(build(method="FOO-BAR"))
    assert isinstance(request, Request)
    assert request.method == "FOO-BAR"
    assert request.method not in set(Method)


def test_non_sip_request_uri_parses_as_absolute_uri() -> None:
    request = parse_message(build(uri="tel:+15551234567"))
    assert isinstance(request, Request)
    assert request.uri == AbsoluteUri(scheme="tel", text="+15551234567")


def test_response_reason_may_be_empty_or_missing() -> None:
    base = GOLDEN_OK.replace(b"SIP/2.0 200 OK", b"SIP/2.0 180 ")
    assert parse_message(base).reason == ""  # type: ignore[union-attr]
    no_space = GOLDEN_OK.replace(b"SIP/2.0 200 OK", b"SIP/2.0 180")
    assert parse_message(no_space).reason == ""  # type: ignore[union-attr]


# -- start-line errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    "start_line",
    [
        b"INVITE  sip:bob@example.com SIP/2.0",
        b"INVITE sip:bob@example.com  SIP/2.0",
        b"INVITE sip:bob@example.com SIP/2.0 ",
        b"INVITE sip:bob@example.com; lr SIP/2.0",
        b"INVITE sip:bob@example.com",
        b"INV@TE sip:bob@example.com SIP/2.0",
        b"INVITE sip:bob@example.com HTTP/1.1",
        b"INVITE sip:bob@example.com SIP/2",
        b" INVITE sip:bob@example.com SIP/2.0",
        b"INVITE\tsip:bob@example.com SIP/2.0",
    ],
)
def test_bad_request_lines(start_line: bytes) -> None:
    data = build(method="INVITE").replace(b"INVITE sip:bob@example.com SIP/2.0", start_line, 1)
    with pytest.raises(ParseError) as caught:
        parse_message(data)
    assert str(caught.value) == "bad request line"
    assert type(caught.value) is ParseError


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("<sip:bob@example.com>", "bad Request-URI: bad URI scheme"),
        ("sip:bob@example.com?Subject=hi", "bad Request-URI: headers are not allowed"),
        ('sip:bob@exa"mple.com', "bad Request-URI: bad URI character"),
        ("sip:", "bad Request-URI: bad URI character"),
    ],
)
def test_bad_request_uris(uri: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(build(uri=uri))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "status_line",
    [
        b"SIP/2.0 4294967301 big",
        b"SIP/2.0 099 Too Small",
        b"SIP/2.0 700 Too Big",
        b"SIP/2.0 20 OK",
        b"SIP/2.0 2000 OK",
        b"SIP/2.0  200 OK",
        b"SIP/2.0 abc OK",
        b"SIP/2.x 200 OK",
        b"SIP/2.0",
    ],
)
def test_bad_status_lines(status_line: bytes) -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(GOLDEN_OK.replace(b"SIP/2.0 200 OK", status_line, 1))
    assert str(caught.value) == "bad status line"


@pytest.mark.parametrize("version", [b"SIP/3.0", b"SIP/1.0", b"SIP/7.0", b"SIP/2.1"])
def test_other_versions_raise_version_not_supported(version: bytes) -> None:
    with pytest.raises(VersionNotSupported) as caught:
        parse_message(build().replace(b"SIP/2.0\r\n", version + b"\r\n", 1))
    assert str(caught.value) == "unsupported SIP version"
    assert caught.value.status_code == 505
    with pytest.raises(VersionNotSupported):
        parse_message(GOLDEN_OK.replace(b"SIP/2.0 200", version + b" 200", 1))


def test_lowercase_version_is_still_sip_2_0() -> None:
    assert parse_message(build().replace(b"SIP/2.0\r\n", b"sip/2.0\r\n", 1)).method == "OPTIONS"  # type: ignore[union-attr]


# -- header errors ------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["Via", "From", "To", "Call-ID", "CSeq"])
def test_each_missing_mandatory_header_is_named(missing: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(build(drop=(missing,)))
    assert str(caught.value) == f"missing mandatory header: {missing}"
    assert caught.value.status_code == 400


@pytest.mark.parametrize("missing", ["Via", "From", "To", "Call-ID", "CSeq"])
def test_each_missing_mandatory_header_is_named_in_responses(missing: str) -> None:
    lines = [
        line for line in GOLDEN_OK.split(b"\r\n") if not line.startswith(missing.encode() + b":")
    ]
    with pytest.raises(ParseError) as caught:
        parse_message(b"\r\n".join(lines))
    assert str(caught.value) == f"missing mandatory header: {missing}"


def test_max_forwards_is_optional() -> None:
    assert parse_message(build(drop=("Max-Forwards",))).max_forwards is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("Via", "SIP/2.0/UDP 192.0.2.15;;,;,,", "bad Via header: empty parameter"),
        ("Via", "", "missing mandatory header: Via"),
        ("From", '"unterminated <sip:a@b>', "bad From header: unterminated quoted string"),
        ("To", "Watson, Thomas <sip:t@example.org>", "bad To header: bad display name"),
        ("Call-ID", "two words", "bad Call-ID"),
        ("Call-ID", "", "bad Call-ID"),
        ("CSeq", "1", "bad CSeq header: expected a number and a method"),
        ("CSeq", "4294967296 OPTIONS", "bad CSeq header: sequence number out of range"),
        ("CSeq", "1 INVITE", "CSeq method does not match request method"),
        ("Max-Forwards", "256", "bad Max-Forwards"),
        ("Max-Forwards", "ten", "bad Max-Forwards"),
    ],
)
def test_malformed_mandatory_headers(name: str, value: str, message: str) -> None:
    pairs = [
        ("Via", "SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx"),
        ("From", "<sip:a@example.com>;tag=1"),
        ("To", "<sip:b@example.com>"),
        ("Call-ID", "c"),
        ("CSeq", "1 OPTIONS"),
        ("Max-Forwards", "70"),
    ]
    pairs = [(n, value if n == name else v) for n, v in pairs]
    with pytest.raises(ParseError) as caught:
        parse_message(build(headers=pairs))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("Contact", "<sip:a@b>;;"), "bad Contact header: empty parameter"),
        (("Contact", "*, <sip:a@b>"), "bad Contact header: '*' mixed with addresses"),
        (
            ("Contact", "sip:a@b?x=1"),
            "bad Contact header: URI with headers must be in angle brackets",
        ),
        (("Route", "<sip:p1;lr>, garbage<"), "bad Route header: missing '>'"),
        (("Record-Route", "<sip:p1;lr"), "bad Record-Route header: missing '>'"),
        (("Expires", "-1"), "bad Expires"),
        (("Expires", "4294967296"), "bad Expires"),
        (("Expires", "Thu, 01 Dec 1994 16:00:00 GMT"), "bad Expires"),
    ],
)
def test_malformed_structural_headers_are_rejected_eagerly(
    extra: tuple[str, str], message: str
) -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(build(extra=[extra]))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "name",
    ["From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Length", "Content-Type", "Expires"],
)
def test_duplicated_single_valued_headers_are_rejected(name: str) -> None:
    values = {
        "From": "<sip:x@example.com>;tag=2",
        "To": "<sip:y@example.com>",
        "Call-ID": "other",
        "CSeq": "1 OPTIONS",
        "Max-Forwards": "5",
        "Content-Length": "0",
        "Content-Type": "text/plain",
        "Expires": "60",
    }
    extra = [(name, values[name])]
    if name in ("Content-Length", "Content-Type", "Expires"):
        extra.append((name, values[name]))
    with pytest.raises(ParseError) as caught:
        parse_message(build(extra=extra))
    assert str(caught.value) == f"duplicate header: {name}"


@pytest.mark.parametrize(
    "line",
    [b"NoColonHere", b"Bad Name: x", b": empty name", b"Na\xffme: x", b"Sub\rject: x"],
)
def test_bad_header_lines(line: bytes) -> None:
    data = build(extra=[("Subject", "x")]).replace(b"Subject: x", line)
    with pytest.raises(ParseError) as caught:
        parse_message(data)
    assert str(caught.value) == "bad header line"


def test_continuation_before_any_header_is_rejected() -> None:
    data = build().replace(b"SIP/2.0\r\n", b"SIP/2.0\r\n continued\r\n", 1)
    with pytest.raises(ParseError, match=r"^bad header line$"):
        parse_message(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty message"),
        (b"\r\n\r\n", "empty message"),
        (b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n", "incomplete header section"),
    ],
)
def test_empty_and_truncated_input(data: bytes, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(data)
    assert str(caught.value) == message


# -- Content-Length and body rules --------------------------------------------------------


def test_datagram_without_content_length_takes_the_rest_as_body() -> None:
    assert parse_message(build(body=b"abc")).body == b"abc"


def test_datagram_with_smaller_content_length_is_truncated() -> None:
    assert parse_message(build(body=b"abcdef", content_length="3")).body == b"abc"


@pytest.mark.parametrize(
    "value", ["7", "abc", "-5", "", "5 5", "1e3", "\u0665", "99999999999999999999999"]
)
def test_bad_content_length_values(value: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(build(body=b"abcdef", content_length=value))
    assert str(caught.value) == "bad Content-Length"


def test_stream_messages_need_content_length() -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(build(), stream=True)
    assert str(caught.value) == "missing Content-Length"
    assert parse_message(build(content_length="0"), stream=True).body == b""


def test_body_bytes_are_kept_verbatim() -> None:
    body = bytes(range(256))
    assert parse_message(build(body=body, content_length="256")).body == body


# -- limits -------------------------------------------------------------------------------


def test_seventy_kilobyte_message_is_too_large_but_keeps_its_headers() -> None:
    data = build(body=b"x" * 70_000, content_length="70000")
    with pytest.raises(MessageTooLarge) as caught:
        parse_message(data)
    assert str(caught.value) == "message too large"
    assert caught.value.status_code == 513
    assert caught.value.headers is not None
    assert caught.value.headers.get("Call-ID") == "test-call-1@192.0.2.1"
    response = make_error_response(caught.value)
    assert response is not None
    assert (response.status, response.reason) == (513, "Message Too Large")


def test_huge_header_section_is_too_large_without_headers() -> None:
    data = build(extra=[("X-Filler", "a" * 70_000)])
    with pytest.raises(MessageTooLarge) as caught:
        parse_message(data, limits=Limits(max_line=100_000))
    assert caught.value.headers is None


def test_too_large_without_blank_line() -> None:
    with pytest.raises(MessageTooLarge):
        parse_message(b"OPTIONS sip:x SIP/2.0\r\nX: " + b"a" * 70_000)


def test_custom_max_bytes() -> None:
    data = build(body=b"x" * 100, content_length="100")
    assert parse_message(data, limits=Limits(max_bytes=len(data))).body == b"x" * 100
    with pytest.raises(MessageTooLarge):
        parse_message(data, limits=Limits(max_bytes=len(data) - 1))


def test_three_hundred_headers_are_too_many() -> None:
    extra = [(f"X-H{n}", str(n)) for n in range(300)]
    with pytest.raises(ParseError) as caught:
        parse_message(build(extra=extra))
    assert str(caught.value) == "too many headers"
    assert type(caught.value) is ParseError


def test_header_count_limit_is_inclusive() -> None:
    extra = [(f"X-H{n}", str(n)) for n in range(250)]
    data = build(extra=extra)
    assert len(parse_message(data).headers) == 256
    with pytest.raises(ParseError, match=r"^too many headers$"):
        parse_message(data, limits=Limits(max_headers=255))


def test_long_line_limit() -> None:
    data = build(extra=[("X-Long", "a" * 9000)])
    with pytest.raises(ParseError) as caught:
        parse_message(data)
    assert str(caught.value) == "header line too long"
    assert parse_message(data, limits=Limits(max_line=10_000)).headers.get("X-Long") == "a" * 9000


def test_start_line_counts_against_line_limit() -> None:
    with pytest.raises(ParseError, match=r"^header line too long$"):
        parse_message(build(uri="sip:" + "u" * 9000 + "@example.com"))


# -- errors carry what was readable ------------------------------------------------------


def test_parse_error_keeps_headers_read_before_a_bad_line() -> None:
    data = build().replace(b"Call-ID:", b"Bad Line\r\nCall-ID:")
    with pytest.raises(ParseError) as caught:
        parse_message(data)
    assert caught.value.request_method == "OPTIONS"
    assert caught.value.headers is not None
    assert [name for name, _ in caught.value.headers] == ["Via", "Max-Forwards", "From", "To"]


def test_parse_error_of_a_response_has_no_request_method() -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(GOLDEN_OK.replace(b"CSeq: 1 INVITE", b"CSeq: x"))
    assert caught.value.request_method is None
    assert make_error_response(caught.value) is None


# -- value objects ------------------------------------------------------------------------


def test_request_and_response_validate_on_construction() -> None:
    with pytest.raises(ValueError):
        Request(method="BAD METHOD", uri=SipUri.parse("sip:x"), headers=Headers())
    with pytest.raises(ValueError):
        Response(status=99, reason="x", headers=Headers())
    with pytest.raises(ValueError):
        Response(status=700, reason="x", headers=Headers())
    with pytest.raises(ValueError):
        Response(status=200, reason="O\r\nK", headers=Headers())


def test_properties_of_constructed_messages_parse_lazily() -> None:
    request = Request(method="OPTIONS", uri=SipUri.parse("sip:x"), headers=Headers([("CSeq", "x")]))
    with pytest.raises(ParseError, match=r"^missing mandatory header: Call-ID$"):
        _ = request.call_id
    with pytest.raises(ParseError, match=r"^bad CSeq header"):
        _ = request.cseq
    with pytest.raises(ParseError, match=r"^missing mandatory header: Via$"):
        _ = request.top_via
    assert request.vias == []
    assert request.contacts == []
    assert request.routes == []
    assert request.max_forwards is None
    assert request.expires is None
    assert request.content_type is None


def test_contact_star() -> None:
    request = parse_message(build(method="REGISTER", extra=[("Contact", "*"), ("Expires", "0")]))
    assert isinstance(request, Request)
    assert request.contact_is_star
    assert request.contacts == []
    assert request.expires == 0
    assert not parse_message(build()).contact_is_star  # type: ignore[union-attr]


def test_routes_and_record_routes_keep_order() -> None:
    request = parse_message(
        build(
            extra=[
                ("Route", "<sip:p1.example.com;lr>, <sip:p2.example.com;lr>"),
                ("Route", "<sip:p3.example.com;lr>"),
                ("Record-Route", "<sip:rr.example.com;lr>"),
            ]
        )
    )
    assert isinstance(request, Request)
    assert [r.uri.host_port for r in request.routes if isinstance(r.uri, SipUri)] == [
        "p1.example.com",
        "p2.example.com",
        "p3.example.com",
    ]
    assert [str(r) for r in request.record_routes] == ["<sip:rr.example.com;lr>"]


def test_replace_and_with_headers_return_new_values() -> None:
    request = parse_message(build())
    assert isinstance(request, Request)
    moved = request.replace(uri=SipUri.parse("sip:carol@example.com"))
    assert str(moved.uri) == "sip:carol@example.com"
    assert str(request.uri) == "sip:bob@example.com"
    trimmed = request.with_headers(request.headers.without("Max-Forwards"))
    assert trimmed.max_forwards is None
    assert request.max_forwards == 70


def test_method_enum_compares_with_strings() -> None:
    assert Method.INVITE == "INVITE"
    assert {m.value for m in Method} >= {
        "INVITE",
        "ACK",
        "BYE",
        "CANCEL",
        "REGISTER",
        "OPTIONS",
        "INFO",
        "PRACK",
        "UPDATE",
        "SUBSCRIBE",
        "NOTIFY",
        "REFER",
        "MESSAGE",
        "PUBLISH",
    }


# -- make_response ------------------------------------------------------------------------


PROXY_VIAS = (
    "SIP/2.0/TCP proxy.example.com;branch=z9hG4bKp1, SIP/2.0/UDP edge.example.com;branch=z9hG4bKe1"
)


def _invite_with_two_vias() -> Request:
    data = GOLDEN_INVITE.replace(
        b"Max-Forwards: 70\r\n",
        b"Via: " + PROXY_VIAS.encode() + b"\r\nMax-Forwards: 70\r\nTimestamp: 54.2 0.1\r\n",
    )
    request = parse_message(data)
    assert isinstance(request, Request)
    return request


def test_make_response_copies_dialog_headers_and_adds_the_to_tag() -> None:
    request = _invite_with_two_vias()
    response = make_response(
        request, 180, to_tag="bob-tag", headers=[("Contact", "<sip:bob@192.0.2.4>")]
    )
    assert response.reason == "Ringing"
    assert list(response.headers) == [
        ("Via", "SIP/2.0/UDP 192.0.2.101:5060;branch=z9hG4bK74bf9;rport"),
        (
            "Via",
            PROXY_VIAS,
        ),
        ("From", '"Alice" <sip:alice@atlanta.example.com>;tag=9fxced76sl'),
        ("To", "<sip:bob@biloxi.example.com>;tag=bob-tag"),
        ("Call-ID", "3848276298220188511@atlanta.example.com"),
        ("CSeq", "1 INVITE"),
        ("Contact", "<sip:bob@192.0.2.4>"),
    ]
    assert [via.host for via in response.vias] == [
        "192.0.2.101",
        "proxy.example.com",
        "edge.example.com",
    ]
    assert response.to.tag == "bob-tag"
    assert response.body == b""


def test_make_response_100_echoes_timestamp_and_never_tags() -> None:
    response = make_response(_invite_with_two_vias(), 100, to_tag="ignored")
    assert response.reason == "Trying"
    assert response.headers.get("Timestamp") == "54.2 0.1"
    assert response.to.tag is None
    assert "Timestamp" not in make_response(_invite_with_two_vias(), 200, to_tag="t").headers


def test_make_response_keeps_an_existing_to_tag() -> None:
    request = parse_message(
        build(
            headers=[
                ("Via", "SIP/2.0/UDP h;branch=z9hG4bK1"),
                ("From", "<sip:a@b>;tag=1"),
                ("To", "<sip:c@d>;tag=existing"),
                ("Call-ID", "c"),
                ("CSeq", "2 BYE"),
            ],
            method="BYE",
        )
    )
    assert isinstance(request, Request)
    assert make_response(request, 200, to_tag="new").to.tag == "existing"


def test_make_response_reason_body_and_serialisation() -> None:
    response = make_response(
        _invite_with_two_vias(),
        488,
        "Not Here",
        to_tag="x",
        body=b"v=0\r\n",
        headers=[("Content-Type", "application/sdp")],
    )
    assert response.reason == "Not Here"
    reparsed = parse_message(response.to_bytes())
    assert isinstance(reparsed, Response)
    assert (reparsed.status, reparsed.reason, reparsed.body) == (488, "Not Here", b"v=0\r\n")
    assert make_response(_invite_with_two_vias(), 299).reason == "Success"
    with pytest.raises(ValueError):
        make_response(_invite_with_two_vias(), 200, to_tag="bad tag")


@pytest.mark.parametrize(
    "status",
    [
        100,
        180,
        181,
        182,
        183,
        200,
        202,
        204,
        300,
        301,
        302,
        305,
        380,
        400,
        401,
        402,
        403,
        404,
        405,
        406,
        407,
        408,
        410,
        413,
        414,
        415,
        416,
        420,
        421,
        422,
        423,
        480,
        481,
        482,
        483,
        484,
        485,
        486,
        487,
        488,
        489,
        491,
        493,
        494,
        500,
        501,
        502,
        503,
        504,
        505,
        513,
        600,
        603,
        604,
        606,
    ],
)
def test_reason_phrase_table_covers_rfc_3261_and_common_extensions(status: int) -> None:
    assert REASON_PHRASES[status]


# -- make_error_response ------------------------------------------------------------------


def test_error_response_echoes_headers_and_adds_a_stable_tag() -> None:
    data = build(method="INVITE", extra=[("Max-Forwards", "70")])
    with pytest.raises(ParseError) as first:
        parse_message(data)
    with pytest.raises(ParseError) as second:
        parse_message(data)
    response = make_error_response(first.value)
    assert response is not None
    assert (response.status, response.reason) == (400, "Bad Request")
    assert response.headers.get("Via") == "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest1"
    assert response.cseq == CSeq(1, "INVITE")
    assert response.call_id == "test-call-1@192.0.2.1"
    assert response.from_.tag == "a1"
    tag = response.to.tag
    assert tag
    again = make_error_response(second.value)
    assert again is not None
    assert again.to_bytes() == response.to_bytes()
    explicit = make_error_response(first.value, to_tag="chosen")
    assert explicit is not None
    assert explicit.to.tag == "chosen"


def test_error_response_to_request_missing_call_id_still_echoes_cseq() -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(build(drop=("Call-ID",)))
    response = make_error_response(caught.value)
    assert response is not None
    assert response.status == 400
    assert response.headers.get("CSeq") == "1 OPTIONS"
    assert "Call-ID" not in response.headers
    assert b"CSeq: 1 OPTIONS\r\n" in response.to_bytes()


def test_error_response_skips_malformed_echo_headers() -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(
            build().replace(b"To: <sip:bob@example.com>", b'To: "open <sip:bob@example.com>')
        )
    response = make_error_response(caught.value)
    assert response is not None
    assert "To" not in response.headers
    assert response.headers.get("From") == "<sip:alice@example.com>;tag=a1"


def test_no_error_response_without_a_routable_via() -> None:
    for data in (
        build(drop=("Via",)),
        build().replace(
            b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKtest1",
            b"Via: SIP/2.0/UDP 192.0.2.15;;,;,,",
        ),
    ):
        with pytest.raises(ParseError) as caught:
            parse_message(data)
        assert make_error_response(caught.value) is None


def test_no_error_response_to_ack() -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(build(method="ACK", drop=("Call-ID",)))
    assert caught.value.request_method == "ACK"
    assert make_error_response(caught.value) is None


def test_error_response_for_errors_raised_after_parsing() -> None:
    request = parse_message(build())
    assert isinstance(request, Request)
    error = ParseError("bad Event header")
    assert make_error_response(error) is None
    response = make_error_response(error, request=request)
    assert response is not None
    assert response.status == 400
    assert response.call_id == request.call_id


def test_version_error_gets_a_505() -> None:
    with pytest.raises(VersionNotSupported) as caught:
        parse_message(build().replace(b"SIP/2.0\r\n", b"SIP/3.0\r\n", 1))
    response = make_error_response(caught.value)
    assert response is not None
    assert (response.status, response.reason) == (505, "Version Not Supported")


def test_name_addr_values_from_messages_are_usable() -> None:
    request = parse_message(GOLDEN_INVITE)
    assert request.from_ == NameAddr(
        display_name="Alice",
        uri=SipUri(scheme="sip", user="alice", host="atlanta.example.com"),
        params=(("tag", "9fxced76sl"),),
    )


def test_bare_cr_in_a_reason_phrase_is_a_bad_status_line() -> None:
    raw = (
        b"SIP/2.0 200 OK\r\x00Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\n"
        b"Call-ID: x\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n\r\n"
    )
    with pytest.raises(ParseError, match=r"^bad status line$"):
        parse_message(raw)
