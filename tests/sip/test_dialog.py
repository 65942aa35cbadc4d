"""Dialog bookkeeping: identifiers, in-dialog requests, route sets, CSeq checks."""

from __future__ import annotations

import pytest

from sip.address import Address, TransportKind
from sip.dialog import Dialog, DialogError, DialogState, StaleCSeq
from sip.message import Request, Response, make_response, parse_message
from sip.uri import NameAddr, SipUri

PEER = Address(transport=TransportKind.UDP, host="192.0.2.7", port=5062)
OUR_CONTACT = NameAddr(uri=SipUri(scheme="sip", host="192.0.2.1", port=5060))


def invite(record_route: str = "") -> Request:
    raw = (
        "INVITE sip:102@192.0.2.1 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bKinv\r\n"
        "Max-Forwards: 70\r\n"
        'From: "Alice" <sip:101@192.0.2.1>;tag=alice1\r\n'
        "To: <sip:102@192.0.2.1>\r\n"
        "Call-ID: dlg-1\r\n"
        "CSeq: 7 INVITE\r\n"
        "Contact: <sip:101@192.0.2.7:5062>\r\n"
        f"{record_route}"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    message = parse_message(raw)
    assert isinstance(message, Request)
    return message


def in_dialog(
    method: str, cseq: int, *, from_tag: str = "alice1", to_tag: str = "us1", contact: str = ""
) -> Request:
    raw = (
        f"{method} sip:102@192.0.2.1 SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bKx" + str(cseq) + "\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:101@192.0.2.1>;tag={from_tag}\r\n"
        f"To: <sip:102@192.0.2.1>;tag={to_tag}\r\n"
        "Call-ID: dlg-1\r\n"
        f"CSeq: {cseq} {method}\r\n{contact}"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    message = parse_message(raw)
    assert isinstance(message, Request)
    return message


def test_uas_dialog_builds_a_bye_towards_the_callers_contact() -> None:
    dialog = Dialog.as_uas(invite(), local_tag="us1", local_contact=OUR_CONTACT, peer=PEER)
    assert dialog.id.call_id == "dlg-1"
    assert (dialog.id.local_tag, dialog.id.remote_tag) == ("us1", "alice1")
    bye = dialog.create_request("BYE", via="SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKb1")
    assert str(bye.uri) == "sip:101@192.0.2.7:5062"
    assert bye.from_.tag == "us1" and bye.to.tag == "alice1"
    assert bye.cseq.seq == 1 and bye.cseq.method == "BYE"
    assert bye.headers.get("Route") is None


def test_in_dialog_requests_are_checked_and_refresh_the_target() -> None:
    dialog = Dialog.as_uas(invite(), local_tag="us1", local_contact=OUR_CONTACT, peer=PEER)
    dialog.receive_request(in_dialog("INVITE", 8, contact="Contact: <sip:101@198.51.100.9>\r\n"))
    assert str(dialog.remote_target) == "sip:101@198.51.100.9"
    with pytest.raises(StaleCSeq):
        dialog.receive_request(in_dialog("BYE", 6))
    with pytest.raises(DialogError):
        dialog.receive_request(in_dialog("BYE", 9, from_tag="someone-else"))
    dialog.receive_request(in_dialog("BYE", 9))
    assert dialog.remote_cseq == 9


def test_uac_dialog_reverses_record_route_and_uses_loose_routing() -> None:
    rr = "Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
    request = invite()
    response: Response = make_response(request, 200, to_tag="bob9").with_headers(
        make_response(request, 200, to_tag="bob9").headers.with_added(
            "Contact", "<sip:102@192.0.2.50:5080>"
        )
    )
    response = response.with_headers(
        response.headers.with_added("Record-Route", rr.split(": ", 1)[1].strip())
    )
    dialog = Dialog.as_uac(request, response, local_contact=OUR_CONTACT, peer=PEER)
    assert dialog.state is DialogState.CONFIRMED
    ack = dialog.create_ack(via="SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa")
    assert ack.cseq.seq == 7 and ack.cseq.method == "ACK"
    assert str(ack.uri) == "sip:102@192.0.2.50:5080"
    assert [str(r.uri) for r in ack.routes] == ["sip:p2.example.com;lr", "sip:p1.example.com;lr"]
    reinvite = dialog.create_request("INVITE", via="SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKr")
    assert reinvite.cseq.seq == 8
    assert reinvite.headers.get("Contact") == str(OUR_CONTACT)
    assert dialog.create_ack(via="SIP/2.0/UDP h;branch=z9hG4bKq").cseq.seq == 8


def test_strict_route_puts_the_proxy_in_the_request_uri() -> None:
    request = invite(record_route="Record-Route: <sip:strict.example.com>\r\n")
    dialog = Dialog.as_uas(request, local_tag="us1", local_contact=OUR_CONTACT, peer=PEER)
    bye = dialog.create_request("BYE", via="SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKs")
    assert str(bye.uri) == "sip:strict.example.com"
    assert [str(r.uri) for r in bye.routes] == ["sip:101@192.0.2.7:5062"]


def test_response_without_to_tag_makes_no_uac_dialog() -> None:
    request = invite()
    with pytest.raises(DialogError):
        Dialog.as_uac(request, make_response(request, 180), local_contact=OUR_CONTACT, peer=PEER)
