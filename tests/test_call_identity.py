"""Caller identity across the B2BUA: forced callerid, trusted PAI/RPID, From; and what we
assert towards endpoints that want P-Asserted-Identity or Remote-Party-ID."""

from __future__ import annotations

from sip.message import Request, parse_message
from sip.uri import NameAddr, SipUri
from softswitch.calls.service import caller_identity, identity_headers
from softswitch.storage.records import EndpointRecord


def invite(extra: str = "") -> Request:
    raw = (
        "INVITE sip:102@pbx SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.5;branch=z9hG4bKid\r\n"
        'From: "Front Desk" <sip:101@pbx>;tag=a\r\n'
        "To: <sip:102@pbx>\r\nCall-ID: id-1\r\nCSeq: 1 INVITE\r\n"
        f"{extra}Content-Length: 0\r\n\r\n"
    ).encode()
    message = parse_message(raw)
    assert isinstance(message, Request)
    return message


def test_from_header_is_the_default_identity() -> None:
    assert caller_identity(invite(), EndpointRecord(id="101")) == ("101", "Front Desk")


def test_forced_callerid_wins() -> None:
    endpoint = EndpointRecord(id="101", callerid='"Sales" <7000>')
    assert caller_identity(invite(), endpoint) == ("7000", "Sales")
    assert caller_identity(invite(), EndpointRecord(id="101", callerid="7001")) == ("7001", "")


def test_asserted_identity_only_from_trusted_endpoints() -> None:
    pai = 'P-Asserted-Identity: "Boss" <sip:79123456789@trunk>\r\n'
    assert caller_identity(invite(pai), EndpointRecord(id="trunk")) == ("101", "Front Desk")
    trusted = EndpointRecord(id="trunk", trust_id_inbound=True)
    assert caller_identity(invite(pai), trusted) == ("79123456789", "Boss")
    rpid = "Remote-Party-ID: <sip:555@trunk>;party=calling;privacy=off\r\n"
    assert caller_identity(invite(rpid), trusted) == ("555", "")


def test_identity_headers_follow_the_target_endpoint() -> None:
    caller = NameAddr(display_name="Alice", uri=SipUri(scheme="sip", user="101", host="pbx"))
    assert identity_headers(EndpointRecord(id="102"), caller) == ()
    assert identity_headers(EndpointRecord(id="t", send_pai=True), caller) == (
        ("P-Asserted-Identity", '"Alice" <sip:101@pbx>'),
    )
    (rpid,) = identity_headers(EndpointRecord(id="t", send_rpid=True), caller)
    assert rpid == ("Remote-Party-ID",
                    '"Alice" <sip:101@pbx>;party=calling;privacy=off;screen=no')
