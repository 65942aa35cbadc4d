"""The CDR builder on scripted calls: one row per pairing, Asterisk's dispositions and times."""

from __future__ import annotations

import pytest

from softswitch.cdr.builder import CdrBuilder, disposition_for_cause, disposition_for_status
from softswitch.channel import Channel, HangupCause
from softswitch.events import CdrPosted, DialProgressed
from softswitch.storage.records import AmaFlags, CdrRecord, Disposition
from tests.cdr.calls import Script, local


def dial_step(script: Script, caller: Channel, target: str = "PJSIP/102,30") -> None:
    script.step(caller, "Dial", target)


def answered_call(script: Script) -> tuple[Channel, Channel]:
    """101 dials 102 at 0.2 s, 102 answers at 5.6 s, 101 hangs up at 20.4 s."""
    alice = script.at(0).caller()
    dial_step(script.at(0.2), alice)
    bob = script.at(0.3).dial(alice, "102")
    script.send(DialProgressed(caller=alice, callee=bob, status="RINGING"))
    script.at(5.6).answer(bob)
    script.dial_end(alice, bob, "ANSWER")
    script.answer(alice)
    script.at(20.4).hang_up(alice)
    # The h extension runs after the hangup; it does not change lastapp.
    script.at(20.5).step(alice, "NoOp", "cleanup", exten="h")
    script.gone(bob)
    return alice, bob


def only(rows: list[CdrRecord]) -> CdrRecord:
    assert len(rows) == 1, rows
    return rows[0]


def test_answered_call_is_one_row_with_both_channels() -> None:
    script = Script()
    alice, bob = answered_call(script)
    assert script.rows == []
    row = only(script.at(20.6).end(alice))
    assert row == CdrRecord(
        accountcode=None,
        src="101",
        dst="102",
        dcontext="internal",
        clid='"Alice" <101>',
        channel=alice.name,
        dstchannel=bob.name,
        lastapp="Dial",
        lastdata="PJSIP/102,30",
        start=local(0),
        answer=local(5.6),
        end=local(20.4),
        duration=20,
        billsec=14,
        disposition=Disposition.ANSWERED,
        amaflags=AmaFlags.DOCUMENTATION,
        userfield=None,
        uniqueid=alice.uniqueid,
        linkedid=alice.uniqueid,
        peeraccount=None,
        sequence=0,
    )
    assert (row.source, row.destination, row.direction, row.group_uuid) == (None,) * 4


def test_the_callee_hanging_up_first_ends_the_row() -> None:
    script = Script()
    alice = script.at(0).caller()
    dial_step(script, alice)
    bob = script.dial(alice, "102")
    script.at(2).answer(bob)
    script.dial_end(alice, bob, "ANSWER")
    script.answer(alice)
    script.at(12.9).gone(bob)
    script.at(13.5).hang_up(alice)
    row = only(script.end(alice))
    assert (row.end, row.duration, row.billsec) == (local(12.9), 12, 10)


def test_no_answer() -> None:
    script = Script()
    alice = script.at(0).caller()
    dial_step(script.at(0.1), alice)
    bob = script.at(0.1).dial(alice, "102")
    script.at(30.3).dial_end(alice, bob, "NOANSWER")
    script.gone(bob, HangupCause.NORMAL_CLEARING)
    alice.variables["DIALSTATUS"] = "NOANSWER"
    script.step(alice, "Hangup", priority=2)
    row = only(script.gone(alice))
    assert row.disposition is Disposition.NO_ANSWER
    assert (row.answer, row.billsec, row.duration, row.end) == (None, 0, 30, local(30.3))
    assert (row.lastapp, row.lastdata, row.dstchannel) == ("Dial", "PJSIP/102,30", bob.name)


def test_caller_cancelling_while_it_rings_is_no_answer() -> None:
    script = Script()
    alice = script.at(0).caller()
    dial_step(script, alice)
    bob = script.dial(alice, "102")
    script.at(4).hang_up(alice)
    script.dial_end(alice, bob, "CANCEL")
    script.gone(bob)
    row = only(script.end(alice))
    assert (row.disposition, row.duration, row.answer) == (Disposition.NO_ANSWER, 4, None)


def test_a_callee_still_ringing_when_the_caller_ends_is_no_answer() -> None:
    script = Script()
    alice = script.at(0).caller()
    dial_step(script, alice)
    bob = script.dial(alice, "102")
    row = only(script.at(3).gone(alice))
    assert (row.disposition, row.end, row.dstchannel) == (Disposition.NO_ANSWER, local(3),
                                                          bob.name)


def test_busy() -> None:
    script = Script()
    alice = script.at(0).caller()
    dial_step(script, alice)
    bob = script.dial(alice, "102")
    script.at(1.5).dial_end(alice, bob, "BUSY")
    script.gone(bob, HangupCause.USER_BUSY)
    alice.variables["DIALSTATUS"] = "BUSY"
    script.step(alice, "Busy", priority=2)
    row = only(script.at(3).gone(alice, HangupCause.USER_BUSY))
    assert (row.disposition, row.duration, row.billsec) == (Disposition.BUSY, 1, 0)


def test_busy_from_the_hangup_cause_without_a_dial_end() -> None:
    script = Script()
    alice = script.at(0).caller()
    dial_step(script, alice)
    bob = script.dial(alice, "102")
    script.at(1).gone(bob, HangupCause.USER_BUSY)
    row = only(script.at(1.2).gone(alice, HangupCause.USER_BUSY))
    assert (row.disposition, row.end) == (Disposition.BUSY, local(1))


def test_unregistered_target_is_failed_without_a_dstchannel() -> None:
    script = Script()
    alice = script.at(0).caller(exten="103")
    dial_step(script, alice, "PJSIP/103,30")
    alice.variables["DIALSTATUS"] = "CHANUNAVAIL"
    script.at(0.1).step(alice, "Congestion", priority=2)
    row = only(script.at(0.2).gone(alice, HangupCause.SUBSCRIBER_ABSENT))
    assert row.disposition is Disposition.FAILED
    assert (row.dstchannel, row.peeraccount, row.lastapp, row.lastdata, row.dst) == (
        None, None, "Dial", "PJSIP/103,30", "103")
    assert (row.answer, row.billsec) == (None, 0)


def test_a_dial_without_dialstatus_takes_the_hangup_cause() -> None:
    script = Script()
    alice = script.at(0).caller(exten="103")
    dial_step(script, alice, "PJSIP/103")
    row = only(script.at(1).gone(alice, HangupCause.SUBSCRIBER_ABSENT))
    assert row.disposition is Disposition.FAILED


def test_parallel_ring_gives_one_row_per_callee() -> None:
    script = Script()
    alice = script.at(0).caller(exten="600")
    dial_step(script, alice, "PJSIP/102&PJSIP/103,30")
    bob = script.at(0.1).dial(alice, "102")
    carol = script.at(0.1).dial(alice, "103")
    script.at(4.2).answer(carol)
    script.dial_end(alice, carol, "ANSWER")
    script.dial_end(alice, bob, "CANCEL")
    script.gone(bob)
    script.answer(alice)
    script.at(10.7).gone(carol)
    rows = script.at(10.8).gone(alice)
    by_callee = {row.dstchannel: row for row in rows}
    assert set(by_callee) == {bob.name, carol.name}
    to_bob, to_carol = by_callee[bob.name], by_callee[carol.name]
    assert (to_carol.disposition, to_carol.answer, to_carol.end, to_carol.billsec) == (
        Disposition.ANSWERED, local(4.2), local(10.7), 6)
    assert (to_bob.disposition, to_bob.answer, to_bob.end, to_bob.billsec) == (
        Disposition.NO_ANSWER, None, local(4.2), 0)
    assert {row.linkedid for row in rows} == {alice.linkedid}
    assert {row.start for row in rows} == {local(0)}
    assert {(row.lastapp, row.lastdata) for row in rows} == {("Dial", "PJSIP/102&PJSIP/103,30")}
    assert [row.dstchannel for row in sorted(rows, key=lambda r: r.sequence)] == [
        bob.name, carol.name]


def test_answered_without_a_dial_has_no_dstchannel() -> None:
    script = Script()
    alice = script.at(0).caller(exten="*43")
    script.at(0.1).step(alice, "Answer")
    script.answer(alice)
    script.step(alice, "Playback", "demo-echotest", priority=2)
    row = only(script.at(9.9).gone(alice))
    assert (row.disposition, row.dstchannel, row.answer, row.billsec, row.duration) == (
        Disposition.ANSWERED, None, local(0.1), 9, 9)
    assert (row.lastapp, row.lastdata, row.dst) == ("Playback", "demo-echotest", "*43")


def test_unanswered_call_that_never_dialled_is_not_logged() -> None:
    script = Script()
    alice = script.at(0).caller(exten="999")
    script.step(alice, "Playback", "ss-noservice")
    script.step(alice, "Hangup", priority=2)
    assert script.at(2).gone(alice) == []


def test_no_answer_then_voicemail_is_two_rows_as_asterisk_forks() -> None:
    script = Script()
    alice = script.at(0).caller()
    dial_step(script, alice, "PJSIP/102,20")
    bob = script.dial(alice, "102")
    script.at(20).dial_end(alice, bob, "NOANSWER")
    script.gone(bob)
    script.at(20.1).step(alice, "Answer", priority=2)
    script.answer(alice)
    script.step(alice, "Record", "/tmp/vm.wav,3,30", priority=3)
    rows = script.at(35.5).gone(alice)
    assert [(r.disposition, r.dstchannel, r.lastapp) for r in rows] == [
        (Disposition.NO_ANSWER, bob.name, "Dial"),
        (Disposition.ANSWERED, None, "Record"),
    ]
    voicemail = rows[1]
    assert (voicemail.start, voicemail.answer, voicemail.end) == (local(20.1), local(20.1),
                                                                 local(35.5))
    assert rows[0].sequence < rows[1].sequence


def test_userfield_amaflags_and_variables_come_from_the_caller_at_its_end() -> None:
    script = Script()
    alice, _bob = answered_call(script)
    alice.cdr_fields.update({"userfield": "campaign-7", "amaflags": "BILLING", "route": "27"})
    # Set by the h extension, after the hangup: still part of the record.
    alice.cdr_fields["Agent"] = "42"
    alice.accountcode = "sales"
    row = only(script.end(alice))
    assert (row.userfield, row.amaflags, row.accountcode) == ("campaign-7", AmaFlags.BILLING,
                                                              "sales")
    assert row.variables == (("route", "27"), ("Agent", "42"))


def test_peeraccount_is_the_callee_account_code() -> None:
    script = Script()
    alice = script.at(0).caller()
    dial_step(script, alice)
    bob = script.dial(alice, "102")
    bob.accountcode = "support"
    row = only(script.at(1).gone(alice))
    assert row.peeraccount == "support"


def test_durations_are_floored_from_exact_times_not_from_the_shown_seconds() -> None:
    script = Script()
    alice = script.at(0.9).caller()
    dial_step(script, alice)
    bob = script.dial(alice, "102")
    script.at(1.1).answer(bob)
    script.dial_end(alice, bob, "ANSWER")
    row = only(script.at(3.0).gone(alice))
    # Shown: start :00, answer :01, end :03; exact: 2.1 s and 1.9 s.
    assert (row.start, row.answer, row.end) == (local(0.9), local(1.1), local(3.0))
    assert (row.duration, row.billsec) == (2, 1)


def test_a_whole_number_of_seconds_is_not_lost_to_float_error() -> None:
    script = Script()
    script.now = 2.1 + 1.96
    alice = script.caller()
    script.step(alice, "Answer")
    script.answer(alice)
    script.now = 16.06
    assert script.now - (2.1 + 1.96) < 12
    row = only(script.gone(alice))
    assert (row.duration, row.billsec) == (12, 12)


def test_sequence_counts_rows_across_calls() -> None:
    script = Script(CdrBuilder(first_sequence=1923))
    for _ in range(3):
        alice, _bob = answered_call(script)
        script.end(alice)
    assert [row.sequence for row in script.rows] == [1923, 1924, 1925]
    assert len({row.uniqueid for row in script.rows}) == 3


def test_callees_and_other_events_give_no_rows() -> None:
    script = Script()
    alice = script.at(0).caller()
    dial_step(script, alice)
    bob = script.dial(alice, "102")
    assert script.gone(bob) == []
    assert script.send(CdrPosted(row={})) == []
    assert len(script.gone(alice)) == 1


def test_close_ends_the_calls_still_open() -> None:
    script = Script()
    alice = script.at(0).caller()
    dial_step(script, alice)
    bob = script.dial(alice, "102")
    script.at(1).answer(bob)
    script.dial_end(alice, bob, "ANSWER")
    rows = script.builder.close(script.at(61.5).now)
    row = only(rows)
    assert (row.disposition, row.end, row.billsec) == (Disposition.ANSWERED, local(61.5), 60)
    assert script.builder.close(script.now) == []


def test_a_channel_first_seen_in_the_dialplan_is_recorded() -> None:
    script = Script()
    alice = script.caller()
    late = Script(CdrBuilder())
    late.at(1).step(alice, "Answer")
    late.answer(alice)
    row = only(late.at(4).gone(alice))
    assert (row.start, row.answer) == (local(0), local(1))


@pytest.mark.parametrize(
    ("status", "disposition"),
    [
        ("ANSWER", Disposition.ANSWERED),
        ("BUSY", Disposition.BUSY),
        ("NOANSWER", Disposition.NO_ANSWER),
        ("CANCEL", Disposition.NO_ANSWER),
        ("CONGESTION", Disposition.FAILED),
        ("CHANUNAVAIL", Disposition.FAILED),
        ("INVALIDARGS", Disposition.FAILED),
    ],
)
def test_disposition_for_status(status: str, disposition: Disposition) -> None:
    assert disposition_for_status(status) is disposition


@pytest.mark.parametrize(
    ("cause", "disposition"),
    [
        (HangupCause.USER_BUSY, Disposition.BUSY),
        (HangupCause.NORMAL_CIRCUIT_CONGESTION, Disposition.FAILED),
        (HangupCause.SWITCH_CONGESTION, Disposition.FAILED),
        (HangupCause.NO_ROUTE_DESTINATION, Disposition.FAILED),
        (HangupCause.SUBSCRIBER_ABSENT, Disposition.FAILED),
        (HangupCause.NOT_DEFINED, Disposition.FAILED),
        (None, Disposition.FAILED),
        (HangupCause.NORMAL_CLEARING, Disposition.NO_ANSWER),
        (HangupCause.NO_ANSWER, Disposition.NO_ANSWER),
        (HangupCause.CALL_REJECTED, Disposition.NO_ANSWER),
    ],
)
def test_disposition_for_cause(cause: HangupCause | None, disposition: Disposition) -> None:
    assert disposition_for_cause(cause) is disposition
