"""RFC 4475 torture messages (tests/data/torture, mapped in its README.md).

Each file is named ``<rfc-name>.<valid|invalid>.sip`` by what *this parser*
does with it: ``valid`` parses (some are then refused by the transaction user,
with the status the RFC names), ``invalid`` raises ParseError.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sip.errors import ParseError, VersionNotSupported
from sip.headers import CSeq
from sip.message import Method, Request, Response, make_error_response, parse_message
from sip.uri import AbsoluteUri, SipUri

TORTURE = Path(__file__).resolve().parent.parent / "data" / "torture"

# name -> (RFC 4475 section, exact error message, status code, does a response go back?)
INVALID: dict[str, tuple[str, str, int, bool]] = {
    "badinv01": ("3.1.2.1", "bad Via header: empty parameter", 400, False),
    "clerr": ("3.1.2.2", "bad Content-Length", 400, True),
    "ncl": ("3.1.2.3", "bad Content-Length", 400, True),
    "scalar02": ("3.1.2.4", "bad CSeq header: sequence number out of range", 400, True),
    "scalarlg": ("3.1.2.5", "bad CSeq header: sequence number out of range", 400, False),
    "quotbal": ("3.1.2.6", "bad To header: unterminated quoted string", 400, True),
    "ltgtruri": ("3.1.2.7", "bad Request-URI: bad URI scheme", 400, True),
    "lwsruri": ("3.1.2.8", "bad request line", 400, True),
    "lwsstart": ("3.1.2.9", "bad request line", 400, True),
    "trws": ("3.1.2.10", "bad request line", 400, True),
    "escruri": ("3.1.2.11", "bad Request-URI: headers are not allowed", 400, True),
    "regbadct": (
        "3.1.2.13",
        "bad Contact header: URI with headers must be in angle brackets",
        400,
        True,
    ),
    "badaspec": ("3.1.2.14", "bad To header: bad URI scheme", 400, True),
    "baddn": ("3.1.2.15", "bad From header: bad display name", 400, True),
    "badvers": ("3.1.2.16", "unsupported SIP version", 505, True),
    "mismatch01": ("3.1.2.17", "CSeq method does not match request method", 400, True),
    "bigcode": ("3.1.2.19", "bad status line", 400, False),
    "insuf": ("3.3.1", "missing mandatory header: From", 400, True),
    "multi01": ("3.3.8", "duplicate header: From", 400, True),
    "mcl01": ("3.3.9", "duplicate header: Content-Length", 400, True),
}

VALID = {
    "wsinv": "3.1.1.1",
    "intmeth": "3.1.1.2",
    "esc01": "3.1.1.3",
    "escnull": "3.1.1.4",
    "esc02": "3.1.1.5",
    "lwsdisp": "3.1.1.6",
    "longreq": "3.1.1.7",
    "dblreq": "3.1.1.8",
    "semiuri": "3.1.1.9",
    "transports": "3.1.1.10",
    "mpart01": "3.1.1.11",
    "unreason": "3.1.1.12",
    "noreason": "3.1.1.13",
    "baddate": "3.1.2.12",
    "mismatch02": "3.1.2.18",
    "badbranch": "3.2.1",
    "unkscm": "3.3.2",
    "novelsc": "3.3.3",
    "unksm2": "3.3.4",
    "bext01": "3.3.5",
    "invut": "3.3.6",
    "regaut01": "3.3.7",
    "bcast": "3.3.10",
    "zeromf": "3.3.11",
    "cparam01": "3.3.12",
    "cparam02": "3.3.13",
    "regescrt": "3.3.14",
    "sdp01": "3.3.15",
    "inv2543": "3.4.1",
}


def load(name: str) -> bytes:
    matches = list(TORTURE.glob(f"{name}.*.sip"))
    assert len(matches) == 1, matches
    return matches[0].read_bytes()


def request(name: str) -> Request:
    message = parse_message(load(name))
    assert isinstance(message, Request)
    return message


def test_every_data_file_is_classified_and_documented() -> None:
    files = {path.name for path in TORTURE.glob("*.sip")}
    expected = {f"{name}.valid.sip" for name in VALID} | {f"{name}.invalid.sip" for name in INVALID}
    assert files == expected
    readme = (TORTURE / "README.md").read_text()
    for name, section in {**VALID, **{n: s for n, (s, *_) in INVALID.items()}}.items():
        assert re.search(
            rf"^\| `{name}\.(in)?valid\.sip` \| {re.escape(section)} \|", readme, re.M
        ), name


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_messages_raise_the_expected_error(name: str) -> None:
    _, message, status, answered = INVALID[name]
    with pytest.raises(ParseError) as caught:
        parse_message(load(name))
    assert str(caught.value) == message
    assert caught.value.status_code == status
    response = make_error_response(caught.value)
    assert (response is not None) == answered
    if response is not None:
        assert response.status == status
        assert response.vias
        assert response.to_bytes().startswith(f"SIP/2.0 {status} ".encode())


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_messages_parse_and_survive_a_round_trip(name: str) -> None:
    message = parse_message(load(name))
    again = parse_message(message.to_bytes())
    # to_bytes always writes Content-Length, so inv2543 (which has none) gains one.
    assert again.content_length == len(again.body)
    assert again.with_headers(again.headers.without("l")) == message.with_headers(
        message.headers.without("l")
    )
    assert message.vias
    if message.content_length is not None:
        assert len(message.body) == message.content_length


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_messages_also_frame_on_a_stream_when_they_declare_a_length(name: str) -> None:
    data = load(name)
    message = parse_message(data)
    if message.content_length is None:
        with pytest.raises(ParseError, match=r"^missing Content-Length$"):
            parse_message(data, stream=True)
    else:
        assert parse_message(data, stream=True) == message


# -- 3.1.1 valid messages, field by field --------------------------------------------------


def test_wsinv_short_tortuous_invite() -> None:
    msg = request("wsinv")
    assert msg.method == Method.INVITE
    assert msg.uri == SipUri(
        scheme="sip", user="vivekg", host="chair-dnrc.example.com", params=(("unknownparam", None),)
    )
    assert str(msg.to.uri) == "sip:vivekg@chair-dnrc.example.com"
    assert msg.to.tag == "1918181833n"
    assert msg.from_.display_name == 'J Rosenberg \\"'
    assert msg.from_.tag == "98asjd8"
    assert msg.max_forwards == 68
    assert msg.call_id == "wsinv.ndaksdj@192.0.2.1"
    assert msg.cseq == CSeq(9, "INVITE")
    assert [(v.transport, v.host, v.branch) for v in msg.vias] == [
        ("UDP", "192.0.2.2", "390skdjuw"),
        ("TCP", "spindle.example.com", "z9hG4bK9ikj8"),
        ("UDP", "192.168.255.111", "z9hG4bK30239"),
    ]
    assert msg.headers.get("Subject") == ""
    assert msg.headers.get("NewFangledHeader") == "newfangled value continued newfangled value"
    assert msg.headers.get("UnknownHeaderWithUnusualValue") == ";;,,;;,;"
    assert [str(r.uri) for r in msg.routes] == [
        "sip:services.example.com;lr;unknownwith=value;unknown-no-value"
    ]
    (contact,) = msg.contacts
    assert contact.display_name == 'Quoted string ""'
    assert contact.params == (("newparam", "newvalue"), ("secondparam", None), ("q", "0.33"))
    assert msg.content_type == "application/sdp"
    assert len(msg.body) == 150
    assert msg.body.endswith(b"a=rtpmap:31 LPC\r\n")
    assert [name for name, _ in msg.headers][:4] == ["To", "From", "Max-Forwards", "Call-ID"]
    assert len(msg.headers) == 14


def test_intmeth_wide_range_of_valid_characters() -> None:
    msg = request("intmeth")
    method = "!interesting-Method0123456789_*+`.%indeed'~"
    assert msg.method == method
    assert msg.method not in set(Method)
    assert isinstance(msg.uri, SipUri)
    assert msg.uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*"
    assert msg.uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
    assert msg.uri.host == "example.com"
    assert msg.top_via.branch == "z9hG4bK-.!%66*_+`'~"
    assert msg.to.display_name == "BEL:\x07 NUL:\x00 DEL:\x7f"
    assert msg.from_.display_name == "token1~` token2'+_ token3*%!.-"
    assert (
        msg.from_.param("fromParam''~+*_!.-%")
        == '"\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439"'
    )
    assert msg.from_.tag == "_token~1'+`*%!-."
    assert msg.call_id == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"
    assert msg.cseq == CSeq(139122385, method)
    assert msg.max_forwards == 255
    assert msg.headers.get("extensionHeader-!.%*+_`'~") == "\ufeff\u5927\u505c\u96fb"


def test_esc01_escapes_are_kept_not_interpreted() -> None:
    msg = request("esc01")
    assert isinstance(msg.uri, SipUri)
    assert msg.uri.user == "sips%3Auser%40example.com"
    assert msg.uri.host == "example.net"
    assert msg.to.uri == SipUri(scheme="sip", user="%75se%72", host="example.com")
    assert msg.from_.uri == SipUri(scheme="sip", user="I%20have%20spaces", host="example.net")
    assert msg.call_id == "esc01.239409asdfakjkn23onasd0-3234"
    assert msg.content_type == "application/sdp"
    (contact,) = msg.contacts
    assert contact.uri.params == (("%6c%72", None), ("n%61me", "v%61lue%25%34%31"))  # type: ignore[union-attr]


def test_escnull_registers_two_distinct_contacts() -> None:
    msg = request("escnull")
    assert msg.method == Method.REGISTER
    assert msg.to.uri.user == "null-%00-null"  # type: ignore[union-attr]
    assert [c.uri.user for c in msg.contacts] == ["%00", "%00%00"]  # type: ignore[union-attr]
    assert msg.content_length == 0


def test_esc02_percent_is_not_an_escape_outside_uris() -> None:
    msg = request("esc02")
    assert msg.method == "RE%47IST%45R"
    assert msg.method != Method.REGISTER
    assert msg.to.display_name == "%Z%45"
    assert msg.top_via.branch == "z9hG4bK209%fzsnel234"
    assert [str(c.uri) for c in msg.contacts] == [
        "sip:alias1@host1.example.com",
        "sip:alias3@host3.example.com",
    ]
    assert msg.headers.get("C%6Fntact") == "<sip:alias2@host2.example.com>"


def test_lwsdisp_token_display_name_glued_to_angle_bracket() -> None:
    msg = request("lwsdisp")
    assert msg.from_.display_name == "caller"
    assert msg.from_.tag == "323"


def test_longreq_long_values_and_many_vias() -> None:
    msg = request("longreq")
    assert msg.to.display_name == f"I have a user name of {'extreme' * 10} proportion"
    assert isinstance(msg.to.uri, SipUri)
    assert msg.to.uri.port == 6000
    assert msg.to.uri.param("unknownparam1") == f"very{'long' * 20}value"
    assert msg.to.uri.has_param(f"very{'long' * 25}ParameterNameWithNoValue")
    assert msg.from_.tag == "12" + "982" * 50 + "424"
    assert msg.call_id == f"longreq.one{'really' * 20}longcallid"
    vias = msg.vias
    assert len(vias) == 34
    assert [v.host for v in vias[:33]] == [f"sip{n}.example.com" for n in range(33, 0, -1)]
    assert vias[33].received == "192.0.2.5"
    assert vias[33].branch == f"very{'long' * 50}branchvalue"
    assert len(msg.body) == 150


def test_dblreq_ignores_the_second_request_in_the_datagram() -> None:
    msg = request("dblreq")
    assert msg.method == Method.REGISTER
    assert msg.call_id == "dblreq.0ha0isndaksdj99sdfafnl3lk233412"
    assert msg.body == b""
    assert b"INVITE" not in msg.to_bytes()


def test_semiuri_semicolon_in_user_part() -> None:
    msg = request("semiuri")
    assert isinstance(msg.uri, SipUri)
    assert msg.uri.user == "user;par=u%40example.net"
    assert msg.uri.params == ()
    assert msg.headers.get_all("Accept") == [
        "application/sdp",
        "application/pkcs7-mime",
        "multipart/mixed",
        "multipart/signed",
        "message/sip",
        "message/sipfrag",
    ]


def test_transports_every_transport_and_an_unknown_one() -> None:
    msg = request("transports")
    assert [v.transport for v in msg.vias] == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]
    assert msg.call_id == "transports.kijh4akdnaqjkwendsasfdj"


def test_mpart01_binary_multipart_body_is_framed_exactly() -> None:
    msg = request("mpart01")
    assert msg.method == Method.MESSAGE
    assert len(msg.body) == 553
    assert b"\x00" in msg.body
    assert msg.body.startswith(b"--7a9cbec02ceef655\r\n")
    assert msg.body.endswith(b"--7a9cbec02ceef655--\r\n")
    assert msg.top_via.port == 5070
    assert msg.top_via.has_rport
    assert msg.headers.get("y") == msg.headers.get("Identity")
    assert msg.content_type == "multipart/mixed;boundary=7a9cbec02ceef655"


def test_unreason_utf8_reason_phrase() -> None:
    msg = parse_message(load("unreason"))
    assert isinstance(msg, Response)
    assert msg.status == 200
    # "no sto devyanosto devyat' - prostoe": 199 is prime, in Cyrillic UTF-8.
    assert msg.reason == "= 2**3 * 5**2 но сто девяносто девять - простое"
    assert msg.reason.encode().startswith(b"= 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81")
    assert len(msg.body) == 154


def test_noreason_empty_reason_phrase() -> None:
    msg = parse_message(load("noreason"))
    assert isinstance(msg, Response)
    assert (msg.status, msg.reason) == (100, "")
    assert msg.to.tag == "902jndnke3"


# -- accepted by the parser, refused by the transaction user -------------------------------


def test_baddate_non_gmt_date_is_left_to_whoever_reads_it() -> None:
    assert request("baddate").headers.get("Date") == "Fri, 01 Jan 2010 16:00:00 EST"


def test_mismatch02_unknown_method_is_left_for_a_501() -> None:
    msg = request("mismatch02")
    assert msg.method == "NEWMETHOD"
    assert msg.method not in set(Method)
    assert msg.cseq == CSeq(8, "INVITE")


def test_badbranch_empty_transaction_id_after_the_cookie() -> None:
    assert request("badbranch").top_via.branch == "z9hG4bK"


def test_unkscm_unknown_request_uri_scheme_is_left_for_a_416() -> None:
    assert request("unkscm").uri == AbsoluteUri(
        scheme="nobodyknowsthisscheme", text="totallyopaquecontent"
    )


def test_novelsc_atypical_request_uri_scheme_is_left_for_a_416() -> None:
    assert request("novelsc").uri == AbsoluteUri(scheme="soap.beep", text="//192.0.2.103:3002")


def test_unksm2_unknown_schemes_in_address_headers() -> None:
    msg = request("unksm2")
    assert msg.to.uri == AbsoluteUri(scheme="isbn", text="2983792873")
    assert msg.from_.uri == AbsoluteUri(scheme="http", text="//www.example.com")
    assert msg.from_.tag == "3234233"
    assert [c.uri for c in msg.contacts] == [AbsoluteUri(scheme="name", text="John_Smith")]


def test_bext01_unknown_option_tags_are_exposed_for_a_420() -> None:
    msg = request("bext01")
    assert msg.headers.get_all("Require") == ["nothingSupportsThis", "nothingSupportsThisEither"]
    assert msg.headers.get_all("Proxy-Require") == [
        "noProxiesSupportThis",
        "norDoAnyProxiesSupportThis",
    ]


def test_invut_unknown_content_type_is_left_for_a_415() -> None:
    msg = request("invut")
    assert msg.content_type == "application/unknownformat"
    assert msg.body == b'<audio>\r\n <pcmu port="443"/>\r\n</audio>\r\n'


def test_regaut01_unknown_authorization_scheme_is_kept_whole() -> None:
    assert request("regaut01").headers.get_all("Authorization") == [
        "NoOneKnowsThisScheme opaque-data=here"
    ]


def test_bcast_response_with_broadcast_via() -> None:
    msg = parse_message(load("bcast"))
    assert isinstance(msg, Response)
    assert [v.host for v in msg.vias] == ["192.0.2.198", "255.255.255.255"]


def test_zeromf_max_forwards_zero_is_left_for_a_483() -> None:
    assert request("zeromf").max_forwards == 0


def test_cparam01_contact_param_belongs_to_the_header() -> None:
    (contact,) = request("cparam01").contacts
    assert contact.params == (("unknownparam", None),)
    assert contact.uri == SipUri(scheme="sip", user="+19725552222", host="gw1.example.net")


def test_cparam02_contact_param_belongs_to_the_uri() -> None:
    (contact,) = request("cparam02").contacts
    assert contact.params == ()
    assert contact.uri.params == (("unknownparam", None),)  # type: ignore[union-attr]


def test_regescrt_escaped_header_inside_a_bracketed_contact() -> None:
    (contact,) = request("regescrt").contacts
    assert contact.uri.headers == (("Route", "%3Csip:sip.example.com%3E"),)  # type: ignore[union-attr]


def test_sdp01_unacceptable_accept_is_left_for_a_406() -> None:
    assert request("sdp01").headers.get_all("Accept") == ["text/nobodyKnowsThis"]


def test_inv2543_rfc_2543_style_request() -> None:
    msg = request("inv2543")
    assert msg.max_forwards is None
    assert msg.top_via.branch is None
    assert msg.from_.tag is None
    assert msg.content_length is None
    assert msg.body.startswith(b"v=0\r\n")
    assert msg.body.endswith(b"m=audio 49217 RTP/AVP 0\r\n\r\n")
    assert msg.to.param("user") == "phone"
    assert msg.record_routes[0].uri.param("maddr") == "ss1.example.com"  # type: ignore[union-attr]


# -- details of the invalid ones ---------------------------------------------------------


def test_badvers_answer_echoes_the_request_via() -> None:
    with pytest.raises(VersionNotSupported) as caught:
        parse_message(load("badvers"))
    response = make_error_response(caught.value)
    assert response is not None
    assert response.headers.get("Via") == "SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw"
    assert response.to.tag is not None


def test_multi01_answer_uses_the_first_copy_of_each_header() -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(load("multi01"))
    response = make_error_response(caught.value)
    assert response is not None
    assert response.call_id == "multi01.98asdh@192.0.2.1"
    assert response.cseq == CSeq(5, "INVITE")


def test_insuf_answer_echoes_only_what_exists() -> None:
    with pytest.raises(ParseError) as caught:
        parse_message(load("insuf"))
    response = make_error_response(caught.value)
    assert response is not None
    assert [name for name, _ in response.headers] == ["Via", "CSeq"]
