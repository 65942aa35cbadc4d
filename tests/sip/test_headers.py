"""Header names, the Headers collection, Via and CSeq (RFC 3261 §7.3, §20)."""

from __future__ import annotations

import pytest

from sip.errors import ParseError
from sip.headers import COMPACT_FORMS, CSeq, Headers, Via, canonical_name, split_header_values

# -- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("compact", "full"),
    [
        ("i", "Call-ID"),
        ("m", "Contact"),
        ("f", "From"),
        ("t", "To"),
        ("v", "Via"),
        ("l", "Content-Length"),
        ("c", "Content-Type"),
        ("k", "Supported"),
        ("s", "Subject"),
        ("e", "Content-Encoding"),
        ("o", "Event"),
        ("u", "Allow-Events"),
        ("r", "Refer-To"),
        ("b", "Referred-By"),
        ("x", "Session-Expires"),
        ("a", "Accept-Contact"),
        ("j", "Reject-Contact"),
        ("d", "Request-Disposition"),
        ("y", "Identity"),
        ("n", "Identity-Info"),
    ],
)
def test_compact_forms_expand_in_either_case(compact: str, full: str) -> None:
    assert canonical_name(compact) == full
    assert canonical_name(compact.upper()) == full
    assert COMPACT_FORMS[compact] == full


@pytest.mark.parametrize(
    "name",
    [
        "Call-ID",
        "CSeq",
        "WWW-Authenticate",
        "Proxy-Authenticate",
        "Proxy-Authorization",
        "Authorization",
        "Max-Forwards",
        "Content-Length",
        "Content-Type",
        "Record-Route",
        "User-Agent",
        "Min-Expires",
        "RSeq",
        "RAck",
        "P-Asserted-Identity",
        "Remote-Party-ID",
        "MIME-Version",
        "Min-SE",
        "SIP-ETag",
        "SIP-If-Match",
    ],
)
def test_well_known_names_get_their_registered_spelling(name: str) -> None:
    assert canonical_name(name.lower()) == name
    assert canonical_name(name.upper()) == name
    assert canonical_name(name) == name


def test_unknown_names_are_title_cased_per_dash() -> None:
    assert canonical_name("x-my-HEADER") == "X-My-Header"
    assert canonical_name("NewFangledHeader") == "Newfangledheader"
    assert canonical_name("C%6Fntact") == "C%6fntact"
    assert canonical_name("extensionHeader-!.%*+_`'~") == "Extensionheader-!.%*+_`'~"


# -- split_header_values -------------------------------------------------------------------


def test_split_on_top_level_commas_only() -> None:
    value = '"Bell, Alexander" <sip:a@b;x=1,2>, <sip:c@d> ,sip:e@f;q=0.1'
    assert split_header_values(value) == [
        '"Bell, Alexander" <sip:a@b;x=1,2>',
        "<sip:c@d>",
        "sip:e@f;q=0.1",
    ]


def test_split_drops_empty_elements() -> None:
    assert split_header_values("INVITE, ,ACK,,BYE,") == ["INVITE", "ACK", "BYE"]
    assert split_header_values("   ") == []


def test_split_never_cuts_credentials_or_challenges() -> None:
    challenge = (
        'Digest realm="atlanta.example.com", qop="auth,auth-int", nonce="ea9c8e88", algorithm=MD5'
    )
    assert split_header_values(challenge) == [challenge]
    assert split_header_values("NoOneKnowsThisScheme opaque-data=here, more=1") == [
        "NoOneKnowsThisScheme opaque-data=here, more=1"
    ]


# -- Headers ------------------------------------------------------------------------------


def _sample() -> Headers:
    return Headers(
        [
            ("v", "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2"),
            ("To", "  <sip:bob@b>  "),
            ("VIA", "SIP/2.0/TCP c;branch=z9hG4bK3"),
            ("Supported", "100rel, timer"),
            ("k", "path"),
            ("WWW-Authenticate", 'Digest realm="r", nonce="n"'),
            ("www-authenticate", 'Digest realm="s", nonce="m"'),
        ]
    )


def test_headers_store_canonical_names_and_trimmed_values_in_order() -> None:
    headers = _sample()
    assert [name for name, _ in headers] == [
        "Via",
        "To",
        "Via",
        "Supported",
        "Supported",
        "WWW-Authenticate",
        "WWW-Authenticate",
    ]
    assert headers.get("to") == "<sip:bob@b>"
    assert len(headers) == 7


def test_get_returns_the_first_full_value() -> None:
    headers = _sample()
    assert headers.get("Via") == "SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2"
    assert headers.get("Contact") is None


def test_get_all_splits_list_headers_but_not_challenges() -> None:
    headers = _sample()
    assert headers.get_all("via") == [
        "SIP/2.0/UDP a;branch=z9hG4bK1",
        "SIP/2.0/UDP b;branch=z9hG4bK2",
        "SIP/2.0/TCP c;branch=z9hG4bK3",
    ]
    assert headers.get_all("Supported") == ["100rel", "timer", "path"]
    assert headers.get_all("WWW-Authenticate") == [
        'Digest realm="r", nonce="n"',
        'Digest realm="s", nonce="m"',
    ]
    assert headers.get_all("Route") == []


def test_non_list_headers_are_not_split_on_commas() -> None:
    headers = Headers([("Date", "Sat, 15 Oct 2005 04:44:56 GMT"), ("Subject", "a, b")])
    assert headers.get_all("Date") == ["Sat, 15 Oct 2005 04:44:56 GMT"]
    assert headers.get_all("s") == ["a, b"]


def test_contains_is_case_insensitive_and_knows_compact_forms() -> None:
    headers = _sample()
    assert "VIA" in headers
    assert "t" in headers
    assert "Contact" not in headers
    assert 42 not in headers


def test_with_added_and_with_prepended_leave_the_original_untouched() -> None:
    headers = Headers([("To", "<sip:a@b>")])
    added = headers.with_added("m", "<sip:c@d>")
    prepended = added.with_prepended("Via", "SIP/2.0/UDP x")
    assert list(prepended) == [
        ("Via", "SIP/2.0/UDP x"),
        ("To", "<sip:a@b>"),
        ("Contact", "<sip:c@d>"),
    ]
    assert list(headers) == [("To", "<sip:a@b>")]


def test_with_set_replaces_all_occurrences_at_the_first_position() -> None:
    headers = Headers([("X-A", "1"), ("Via", "v1"), ("X-B", "2"), ("Via", "v2")])
    assert list(headers.with_set("via", "only")) == [("X-A", "1"), ("Via", "only"), ("X-B", "2")]
    assert list(headers.with_set("X-C", "3"))[-1] == ("X-C", "3")


def test_with_replaced_all_inserts_every_value_where_the_first_was() -> None:
    headers = Headers([("X-A", "1"), ("Via", "v1"), ("X-B", "2"), ("Via", "v2")])
    replaced = headers.with_replaced_all("Via", ["n1", "n2", "n3"])
    assert list(replaced) == [
        ("X-A", "1"),
        ("Via", "n1"),
        ("Via", "n2"),
        ("Via", "n3"),
        ("X-B", "2"),
    ]
    assert list(headers.with_replaced_all("Via", [])) == [("X-A", "1"), ("X-B", "2")]
    assert list(headers.with_replaced_all("Route", ["<sip:r>"]))[-1] == ("Route", "<sip:r>")


def test_without_removes_every_occurrence() -> None:
    headers = Headers([("Via", "v1"), ("To", "t"), ("v", "v2")])
    assert list(headers.without("VIA")) == [("To", "t")]


def test_equality_and_hash_follow_the_pairs() -> None:
    assert Headers([("i", "x")]) == Headers([("Call-ID", "x ")])
    assert hash(Headers([("i", "x")])) == hash(Headers([("Call-ID", "x")]))
    assert Headers([("X-A", "1"), ("X-B", "2")]) != Headers([("X-B", "2"), ("X-A", "1")])
    assert Headers() != "Headers()"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Bad Name", "x"),
        ("", "x"),
        ("Na:me", "x"),
        ("Subject", "injected\r\nVia: evil"),
        ("Subject", "line\nbreak"),
    ],
)
def test_headers_reject_invalid_names_and_line_breaks(name: str, value: str) -> None:
    with pytest.raises(ValueError):
        Headers([(name, value)])
    with pytest.raises(ValueError):
        Headers().with_added(name, value)


# -- Via ----------------------------------------------------------------------------------


def test_via_with_all_common_params() -> None:
    via = Via.parse(
        "SIP/2.0/udp 192.0.2.1:5060;branch=z9hG4bK776asdhds"
        ";received=198.51.100.7;rport=5061;maddr=239.1.1.1"
    )
    assert via.transport == "UDP"
    assert via.host == "192.0.2.1"
    assert via.port == 5060
    assert via.branch == "z9hG4bK776asdhds"
    assert via.received == "198.51.100.7"
    assert via.has_rport
    assert via.rport == 5061
    assert via.maddr == "239.1.1.1"
    assert str(via) == (
        "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds"
        ";received=198.51.100.7;rport=5061;maddr=239.1.1.1"
    )


def test_via_rport_flag_has_no_value() -> None:
    via = Via.parse("SIP/2.0/TCP client.example.com;branch=z9hG4bK1;rport")
    assert via.has_rport
    assert via.rport is None
    assert via.port is None
    filled = via.with_param("rport", "40000").with_param("received", "203.0.113.9")
    assert filled.rport == 40000
    assert (
        str(filled)
        == "SIP/2.0/TCP client.example.com;branch=z9hG4bK1;rport=40000;received=203.0.113.9"
    )
    assert not Via.parse("SIP/2.0/UDP h").has_rport


def test_via_tolerates_lws_around_slashes_semicolons_and_equals() -> None:
    # The unfolded form of RFC 4475 wsinv's Via values.
    via = Via.parse("SIP  /   2.0 /UDP    192.0.2.2;branch=390skdjuw")
    assert (via.transport, via.host, via.branch) == ("UDP", "192.0.2.2", "390skdjuw")
    via = Via.parse("SIP  / 2.0  / TCP     spindle.example.com   ;  branch  =   z9hG4bK9ikj8")
    assert (via.transport, via.host, via.branch) == ("TCP", "spindle.example.com", "z9hG4bK9ikj8")
    via = Via.parse("SIP/2.0/UDP host : 5070 ; rport")
    assert (via.port, via.has_rport) == (5070, True)


def test_via_ipv6_sent_by() -> None:
    via = Via.parse("SIP/2.0/TLS [2001:db8::9:1]:5061;branch=z9hG4bKas3-111")
    assert via.host == "2001:db8::9:1"
    assert via.port == 5061
    assert via.host_port == "[2001:db8::9:1]:5061"
    assert str(via) == "SIP/2.0/TLS [2001:db8::9:1]:5061;branch=z9hG4bKas3-111"
    assert Via.parse("SIP/2.0/UDP h;received=[2001:db8::1]").received == "[2001:db8::1]"


@pytest.mark.parametrize("transport", ["UDP", "TCP", "TLS", "SCTP", "WS", "WSS", "UNKNOWN"])
def test_via_accepts_any_transport_token(transport: str) -> None:
    assert Via.parse(f"SIP/2.0/{transport.lower()} t.example.com").transport == transport


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "bad sent-protocol"),
        ("SIP/2.0/UDP", "bad sent-protocol"),
        ("SIP/2.0/UDP;branch=x", "bad sent-protocol"),
        ("HTTP/1.1/TCP host", "bad sent-protocol"),
        ("SIP/two/UDP host", "bad sent-protocol"),
        ("SIP/2.0/UDP host extra", "bad sent-by"),
        ("SIP/2.0/UDP 192.0.2.15;;", "empty parameter"),
        ("SIP/2.0/UDP host:99999", "bad sent-by port"),
        ("SIP/2.0/UDP host:", "bad sent-by port"),
        ("SIP/2.0/UDP [::zz]", "bad host"),
        ("SIP/2.0/UDP ho$t", "bad host"),
        ("SIP/2.0/UDP host;rport=abc", "bad rport"),
        ("SIP/2.0/UDP host;branch=a b", "bad parameter value"),
    ],
)
def test_malformed_vias_raise_exact_messages(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        Via.parse(text)
    assert str(caught.value) == message


def test_via_other_versions_are_readable_so_a_505_can_be_routed() -> None:
    assert Via.parse("SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw").host == "c.example.com"


def test_via_round_trips() -> None:
    text = "SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds7;rport;alias"
    assert str(Via.parse(text)) == text
    assert Via.parse(str(Via.parse(text))) == Via.parse(text)


def test_via_construction_validates() -> None:
    with pytest.raises(ValueError):
        Via(transport="udp", host="h")
    with pytest.raises(ValueError):
        Via(transport="UDP", host="")
    with pytest.raises(ValueError):
        Via(transport="UDP", host="h", port=-1)


# -- CSeq ---------------------------------------------------------------------------------


def test_cseq_parses_with_leading_zeros_and_lws() -> None:
    assert CSeq.parse("0009 INVITE") == CSeq(9, "INVITE")
    assert CSeq.parse("  4711\tREGISTER ") == CSeq(4711, "REGISTER")
    assert str(CSeq(1, "ACK")) == "1 ACK"


def test_cseq_accepts_the_full_range_and_unknown_methods() -> None:
    assert CSeq.parse("0 OPTIONS").seq == 0
    assert CSeq.parse(f"{2**31 - 1} X-METHOD").seq == 2**31 - 1
    assert CSeq.parse("139122385 !interesting-Method0123456789_*+`.%indeed'~").method == (
        "!interesting-Method0123456789_*+`.%indeed'~"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{2**31} INVITE", "sequence number out of range"),
        ("36893488147419103232 REGISTER", "sequence number out of range"),
        ("9" * 5000 + " INVITE", "sequence number out of range"),
        ("INVITE", "expected a number and a method"),
        ("1", "expected a number and a method"),
        ("-1 INVITE", "expected a number and a method"),
        ("1 INV ITE", "expected a number and a method"),
        ("1 IN\u00e9VITE", "expected a number and a method"),
        ("\u0661 INVITE", "expected a number and a method"),
    ],
)
def test_malformed_cseq_raises_exact_messages(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        CSeq.parse(text)
    assert str(caught.value) == message


def test_cseq_construction_validates() -> None:
    with pytest.raises(ValueError):
        CSeq(2**31, "INVITE")
    with pytest.raises(ValueError):
        CSeq(1, "BAD METHOD")
