"""Transaction state machines driven with a scripted clock: no sleeping, exact instants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sip.address import Address, TransportKind
from sip.message import Request, Response, make_response, parse_message
from sip.transaction import (
    AckReceived,
    CancelReceived,
    Event,
    RequestReceived,
    ResponseReceived,
    State,
    StrayResponse,
    TimerConfig,
    TransactionError,
    TransactionLayer,
    TransactionTerminated,
    TransactionTimedOut,
)

UDP_PEER = Address(transport=TransportKind.UDP, host="192.0.2.10", port=5060)
TCP_PEER = Address(transport=TransportKind.TCP, host="192.0.2.10", port=5060, flow=1)


def request(
    method: str,
    *,
    branch: str = "z9hG4bKabc",
    cseq: int = 1,
    to_tag: str = "",
    cseq_method: str | None = None,
    via_host: str = "192.0.2.10",
) -> Request:
    to = "<sip:bob@example.com>" + (f";tag={to_tag}" if to_tag else "")
    raw = (
        f"{method} sip:bob@example.com SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {via_host}:5060;branch={branch}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:alice@example.com>;tag=ft1\r\n"
        f"To: {to}\r\n"
        "Call-ID: call-1@example.com\r\n"
        f"CSeq: {cseq} {cseq_method or method}\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    message = parse_message(raw)
    assert isinstance(message, Request)
    return message


def response_to(req: Request, status: int, to_tag: str = "tt1") -> Response:
    return make_response(req, status, to_tag=to_tag if status > 100 else None)


def drain(layer: TransactionLayer) -> list[Event]:
    events = []
    while (event := layer.next_event()) is not None:
        events.append(event)
    return events


def run_until(layer: TransactionLayer, end: float) -> list[tuple[float, int]]:
    """Fire every timer up to *end*; return (instant, datagrams sent) for each firing."""
    fired = []
    while (deadline := layer.get_timer()) is not None and deadline <= end:
        layer.handle_timer(deadline)
        fired.append((deadline, len(layer.datagrams_to_send())))
    return fired


# -- client non-INVITE ------------------------------------------------------------------------


def test_non_invite_client_retransmits_with_timer_e_until_timer_f() -> None:
    layer = TransactionLayer(TimerConfig())
    key = layer.send_request(request("REGISTER"), UDP_PEER, 0.0)
    assert len(layer.datagrams_to_send()) == 1
    fired = run_until(layer, 40.0)
    resends = [t for t, n in fired if n]
    assert resends == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5]
    events = drain(layer)
    assert events == [TransactionTimedOut(key=key), TransactionTerminated(key=key)]
    assert len(layer) == 0 and layer.get_timer() is None


def test_non_invite_client_provisional_moves_retransmits_to_t2() -> None:
    layer = TransactionLayer(TimerConfig())
    req = request("OPTIONS")
    key = layer.send_request(req, UDP_PEER, 0.0)
    layer.datagrams_to_send()
    layer.receive(response_to(req, 100), UDP_PEER, 0.2)
    assert layer.state(key) is State.PROCEEDING
    fired = [t for t, n in run_until(layer, 9.0) if n]
    assert fired == [0.5, 4.5, 8.5]


def test_non_invite_client_final_then_timer_k() -> None:
    layer = TransactionLayer(TimerConfig())
    req = request("REGISTER")
    key = layer.send_request(req, UDP_PEER, 0.0)
    ok = response_to(req, 200)
    layer.receive(ok, UDP_PEER, 1.0)
    assert layer.state(key) is State.COMPLETED
    events = drain(layer)
    assert [type(e) for e in events] == [ResponseReceived]
    layer.receive(ok, UDP_PEER, 2.0)  # a retransmitted 200 is absorbed
    assert drain(layer) == []
    run_until(layer, 5.9)
    assert layer.state(key) is State.COMPLETED
    run_until(layer, 6.0)
    assert layer.state(key) is None
    assert drain(layer) == [TransactionTerminated(key=key)]


def test_reliable_transport_never_retransmits_and_ends_at_once() -> None:
    layer = TransactionLayer(TimerConfig())
    req = request("REGISTER")
    key = layer.send_request(req, TCP_PEER, 0.0)
    layer.datagrams_to_send()
    assert layer.get_timer() == 32.0  # only Timer F
    layer.receive(response_to(req, 200), TCP_PEER, 0.1)
    assert layer.state(key) is None
    assert layer.get_timer() is None


# -- client INVITE ----------------------------------------------------------------------------


def test_invite_client_timer_a_doubles_until_timer_b() -> None:
    layer = TransactionLayer(TimerConfig())
    key = layer.send_request(request("INVITE"), UDP_PEER, 0.0)
    layer.datagrams_to_send()
    resends = [t for t, n in run_until(layer, 40.0) if n]
    assert resends == [0.5, 1.5, 3.5, 7.5, 15.5, 31.5]
    assert drain(layer) == [TransactionTimedOut(key=key), TransactionTerminated(key=key)]


def test_invite_client_failure_sends_ack_on_the_same_branch_and_absorbs_repeats() -> None:
    layer = TransactionLayer(TimerConfig())
    invite = request("INVITE", branch="z9hG4bKinv1")
    key = layer.send_request(invite, UDP_PEER, 0.0)
    layer.datagrams_to_send()
    layer.receive(response_to(invite, 180), UDP_PEER, 0.1)
    assert run_until(layer, 5.0) == []  # Timer A stopped by the provisional
    busy = response_to(invite, 486)
    layer.receive(busy, UDP_PEER, 6.0)
    sent = layer.datagrams_to_send()
    assert len(sent) == 1
    ack = parse_message(sent[0].data)
    assert isinstance(ack, Request) and ack.method == "ACK"
    assert ack.top_via.branch == "z9hG4bKinv1"
    assert ack.cseq.seq == invite.cseq.seq and ack.cseq.method == "ACK"
    assert ack.to.tag == "tt1"
    assert str(ack.uri) == str(invite.uri)
    layer.receive(busy, UDP_PEER, 7.0)
    assert len(layer.datagrams_to_send()) == 1  # the ACK again
    events = drain(layer)
    assert [type(e) for e in events] == [ResponseReceived, ResponseReceived]
    run_until(layer, 6.0 + 32.0)
    assert layer.state(key) is None


def test_invite_client_accepted_passes_every_2xx_then_timer_m() -> None:
    layer = TransactionLayer(TimerConfig())
    invite = request("INVITE")
    key = layer.send_request(invite, UDP_PEER, 0.0)
    ok = response_to(invite, 200)
    layer.receive(ok, UDP_PEER, 1.0)
    assert layer.state(key) is State.ACCEPTED
    layer.receive(ok, UDP_PEER, 1.5)
    events = drain(layer)
    assert [type(e) for e in events] == [ResponseReceived, ResponseReceived]
    run_until(layer, 33.0)
    assert layer.state(key) is None


def test_response_without_transaction_is_stray() -> None:
    layer = TransactionLayer(TimerConfig())
    layer.receive(response_to(request("INVITE"), 200), UDP_PEER, 0.0)
    assert [type(e) for e in drain(layer)] == [StrayResponse]


# -- server non-INVITE ------------------------------------------------------------------------


def test_non_invite_server_absorbs_and_replays() -> None:
    layer = TransactionLayer(TimerConfig())
    req = request("REGISTER")
    layer.receive(req, UDP_PEER, 0.0)
    (event,) = drain(layer)
    assert isinstance(event, RequestReceived)
    layer.receive(req, UDP_PEER, 0.4)  # retransmission before we answered: silence
    assert layer.datagrams_to_send() == [] and drain(layer) == []
    layer.send_response(event.key, response_to(req, 200), 0.5)
    first = layer.datagrams_to_send()
    layer.receive(req, UDP_PEER, 1.0)
    again = layer.datagrams_to_send()
    assert [o.data for o in again] == [o.data for o in first]
    with pytest.raises(TransactionError):
        layer.send_response(event.key, response_to(req, 200), 1.1)
    run_until(layer, 0.5 + 32.0)
    assert layer.state(event.key) is None


# -- server INVITE ----------------------------------------------------------------------------


def test_invite_server_failure_timer_g_until_ack_then_timer_i() -> None:
    layer = TransactionLayer(TimerConfig())
    invite = request("INVITE")
    layer.receive(invite, UDP_PEER, 0.0)
    (event,) = drain(layer)
    assert isinstance(event, RequestReceived)
    layer.send_response(event.key, response_to(invite, 180), 0.0)
    layer.datagrams_to_send()
    layer.receive(invite, UDP_PEER, 0.2)
    assert len(layer.datagrams_to_send()) == 1  # the 180 replayed
    layer.send_response(event.key, response_to(invite, 486), 1.0)
    layer.datagrams_to_send()
    resends = [t for t, n in run_until(layer, 4.6) if n]
    assert resends == [1.5, 2.5, 4.5]
    ack = request("ACK", to_tag="tt1")
    layer.receive(ack, UDP_PEER, 5.0)
    assert layer.state(event.key) is State.CONFIRMED
    assert drain(layer) == []  # the hop-by-hop ACK is not the TU's business
    assert [t for t, n in run_until(layer, 9.9) if n] == []
    run_until(layer, 10.0)
    assert layer.state(event.key) is None


def test_invite_server_failure_without_ack_times_out_with_timer_h() -> None:
    layer = TransactionLayer(TimerConfig())
    invite = request("INVITE")
    layer.receive(invite, UDP_PEER, 0.0)
    (event,) = drain(layer)
    layer.send_response(event.key, response_to(invite, 404), 0.0)
    run_until(layer, 32.0)
    assert drain(layer) == [
        TransactionTimedOut(key=event.key),
        TransactionTerminated(key=event.key),
    ]


def test_invite_server_2xx_is_retransmitted_until_the_ack() -> None:
    layer = TransactionLayer(TimerConfig())
    invite = request("INVITE")
    layer.receive(invite, UDP_PEER, 0.0)
    (event,) = drain(layer)
    layer.send_response(event.key, response_to(invite, 200), 0.0)
    layer.datagrams_to_send()
    resends = [t for t, n in run_until(layer, 3.6) if n]
    assert resends == [0.5, 1.5, 3.5]
    ack = request("ACK", branch="z9hG4bKnewbranch", to_tag="tt1")
    layer.receive(ack, UDP_PEER, 4.0)
    events = drain(layer)
    assert events == [AckReceived(request=ack, source=UDP_PEER, invite=event.key)]
    assert [t for t, n in run_until(layer, 31.0) if n] == []
    layer.receive(invite, UDP_PEER, 10.0)  # a late INVITE copy is absorbed in Accepted
    assert layer.datagrams_to_send() == []
    run_until(layer, 32.0)
    assert drain(layer) == [TransactionTerminated(key=event.key)]


def test_invite_server_2xx_without_ack_reports_timeout() -> None:
    layer = TransactionLayer(TimerConfig())
    invite = request("INVITE")
    layer.receive(invite, UDP_PEER, 0.0)
    (event,) = drain(layer)
    layer.send_response(event.key, response_to(invite, 200), 0.0)
    run_until(layer, 32.0)
    events = drain(layer)
    assert TransactionTimedOut(key=event.key) in events


def test_cancel_finds_the_invite_it_cancels() -> None:
    layer = TransactionLayer(TimerConfig())
    invite = request("INVITE", branch="z9hG4bKc1")
    layer.receive(invite, UDP_PEER, 0.0)
    (event,) = drain(layer)
    cancel = request("CANCEL", branch="z9hG4bKc1")
    layer.receive(cancel, UDP_PEER, 1.0)
    (cancel_event,) = drain(layer)
    assert isinstance(cancel_event, CancelReceived)
    assert cancel_event.invite == event.key
    unknown = request("CANCEL", branch="z9hG4bKother")
    layer.receive(unknown, UDP_PEER, 1.0)
    (orphan,) = drain(layer)
    assert isinstance(orphan, CancelReceived) and orphan.invite is None


def test_ack_for_unknown_2xx_still_reaches_the_dialog_layer() -> None:
    layer = TransactionLayer(TimerConfig())
    ack = request("ACK", to_tag="x")
    layer.receive(ack, UDP_PEER, 0.0)
    assert drain(layer) == [AckReceived(request=ack, source=UDP_PEER, invite=None)]


def test_timers_are_configuration() -> None:
    layer = TransactionLayer(TimerConfig(t1=0.1, t2=0.4, t4=1.0))
    key = layer.send_request(request("OPTIONS"), UDP_PEER, 0.0)
    resends = [t for t, n in run_until(layer, 10.0) if n]
    assert resends[:4] == pytest.approx([0.1, 0.3, 0.7, 1.1])
    assert layer.state(key) is None
    assert max(resends) < 6.4


# -- every input in every state ---------------------------------------------------------------

_STATUSES = st.sampled_from([100, 180, 183, 200, 202, 302, 404, 486, 500, 603])


@settings(max_examples=150, deadline=None)
@given(
    method=st.sampled_from(["INVITE", "REGISTER"]),
    role=st.sampled_from(["client", "server"]),
    reliable=st.booleans(),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["status", "retrans", "ack", "timer", "error"]),
            _STATUSES,
            st.floats(min_value=0, max_value=10),
        ),
        max_size=12,
    ),
)
def test_any_sequence_of_inputs_ends_in_termination(
    method: str, role: str, reliable: bool, steps: list[tuple[str, int, float]]
) -> None:
    layer = TransactionLayer(TimerConfig())
    peer = TCP_PEER if reliable else UDP_PEER
    req = request(method)
    if role == "client":
        key = layer.send_request(req, peer, 0.0)
    else:
        layer.receive(req, peer, 0.0)
        first = drain(layer)[0]
        assert isinstance(first, RequestReceived)
        key = first.key
    now = 0.0
    for kind, status, dt in steps:
        now += dt
        run_until(layer, now)
        if kind == "status" and role == "client":
            layer.receive(response_to(req, status), peer, now)
        elif kind == "status":
            try:
                layer.send_response(key, response_to(req, status), now)
            except TransactionError:
                assert layer.state(key) in (None, State.COMPLETED, State.CONFIRMED, State.ACCEPTED)
        elif kind == "retrans":
            layer.receive(req, peer, now)
        elif kind == "ack":
            layer.receive(request("ACK", to_tag="tt1"), peer, now)
        elif kind == "error":
            layer.transport_error(key, now)
        drain(layer)
        layer.datagrams_to_send()
    if role == "server" and layer.state(key) in (State.TRYING, State.PROCEEDING):
        layer.send_response(key, response_to(req, 500), now)
    run_until(layer, now + 100.0)
    drain(layer)
    assert layer.state(key) is None
    assert layer.get_timer() is None


def test_abandoned_client_transaction_stops_retransmitting() -> None:
    layer = TransactionLayer(TimerConfig())
    key = layer.send_request(request("OPTIONS"), UDP_PEER, 0.0)
    layer.datagrams_to_send()
    run_until(layer, 1.0)
    layer.abandon(key)
    assert layer.state(key) is None
    assert run_until(layer, 40.0) == []
    assert TransactionTimedOut(key=key) not in drain(layer)
