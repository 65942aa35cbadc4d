"""The PBX loop: priorities, the special extensions, digits, timeouts and ``h``."""

from __future__ import annotations

import asyncio
import logging

import pytest

from dialplan_engine.channel_api import (
    ApplicationError,
    DialResult,
    DialStatus,
    Indication,
)
from dialplan_engine.parser import parse_extensions_conf
from tests.dialplan.fake_channel import Switch


async def test_priorities_run_in_order_then_the_channel_is_hung_up() -> None:
    switch = Switch.from_conf("[in]\nexten => s,1,Set(A=1)\n same => n,Set(B=${A}2)\n")
    channel = await switch.call("in")
    assert channel.variable_log == [("A", "1"), ("B", "12")]
    assert channel.calls == [("hangup", None)]
    assert switch.executed() == ["s@in:1 Set", "s@in:2 Set"]


async def test_an_empty_extension_starts_at_s() -> None:
    switch = Switch.from_conf("[in]\nexten => s,1,Set(WHERE=${EXTEN})\n")
    channel = await switch.call("in", "")
    assert channel.var("WHERE") == "s"


async def test_application_names_ignore_letter_case() -> None:
    switch = Switch.from_conf("[in]\nexten => s,1,NOOP(x)\n same => n,set(A=1)\n")
    channel = await switch.call("in")
    assert channel.var("A") == "1"


async def test_an_unknown_application_hangs_up_and_runs_h(caplog: pytest.LogCaptureFixture) -> None:
    switch = Switch.from_conf(
        "[in]\nexten => s,1,Frobnicate(1)\n same => n,Set(AFTER=1)\nexten => h,1,Set(H=1)\n"
    )
    channel = await switch.call("in")
    assert channel.var("AFTER") is None
    assert channel.var("H") == "1"
    assert "No application 'Frobnicate' for extension (in, s, 1)" in caplog.text


async def test_an_application_error_hangs_up_and_runs_h() -> None:
    switch = Switch.from_conf(
        "[in]\nexten => s,1,Dial(PJSIP/102)\n same => n,Set(AFTER=1)\nexten => h,1,Set(H=1)\n"
    )
    channel = switch.channel()
    channel.dial_results.append(ApplicationError("no such endpoint"))
    await switch.call("in", channel=channel)
    assert channel.var("AFTER") is None
    assert channel.var("H") == "1"


async def test_a_fault_in_an_application_is_logged_hangs_up_and_runs_h(
    caplog: pytest.LogCaptureFixture,
) -> None:
    switch = Switch.from_conf(
        "[in]\nexten => s,1,Dial(PJSIP/102)\n same => n,Set(AFTER=1)\nexten => h,1,Set(H=1)\n"
    )
    channel = switch.channel()
    channel.dial_results.append(RuntimeError("bug in the switch"))
    await switch.call("in", channel=channel)
    assert (channel.var("AFTER"), channel.var("H")) == (None, "1")
    assert channel.methods() == ["dial", "hangup"]
    assert "Dialplan failed on PJSIP/101-00000001 at s@in:1" in caplog.text


async def test_each_priority_logs_one_debug_line_like_asterisk(
    caplog: pytest.LogCaptureFixture,
) -> None:
    switch = Switch.from_conf("[in]\nexten => 100,1,Answer()\n same => n,NoOp(${EXTEN} is here)\n")
    with caplog.at_level(logging.DEBUG, logger="dialplan_engine.interpreter"):
        await switch.call("in", "100")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Executing")]
    assert lines == [
        'Executing [100@in:1] Answer("PJSIP/101-00000001", "")',
        'Executing [100@in:2] NoOp("PJSIP/101-00000001", "100 is here")',
    ]


async def test_arguments_without_a_reference_are_passed_as_written() -> None:
    switch = Switch.from_conf("[in]\nexten => s,1,NoOp($ \\x $(a) {b})\n same => n,NoOp($[1+1])\n")
    await switch.call("in")
    assert [step.appdata for step in switch.steps] == ["$ \\x $(a) {b}", "2"]


async def test_the_dialplan_source_is_asked_again_for_every_call() -> None:
    switch = Switch.from_conf("[in]\nexten => s,1,Set(V=old)\n")
    first = await switch.call("in")
    switch.dialplan = parse_extensions_conf("[in]\nexten => s,1,Set(V=new)\n")
    second = await switch.call("in")
    assert (first.var("V"), second.var("V")) == ("old", "new")


async def test_globals_are_applied_when_the_dialplan_brings_new_ones() -> None:
    conf = "[globals]\nG=1\n[in]\nexten => s,1,Set(SEEN=${G})\n same => n,Set(GLOBAL(G)=2)\n"
    switch = Switch.from_conf(conf)
    first = await switch.call("in")
    # Same [globals]: the value set at run time stays, as in Asterisk between reloads.
    second = await switch.call("in")
    switch.dialplan = parse_extensions_conf(conf.replace("G=1", "G=3"))
    third = await switch.call("in")
    assert [c.var("SEEN") for c in (first, second, third)] == ["1", "2", "3"]
    assert switch.globals == {"G": "2"}


async def test_variables_given_to_run_are_set_first_with_their_inheritance() -> None:
    switch = Switch.from_conf("[in]\nexten => s,1,Dial(PJSIP/102)\n")
    channel = await switch.call("in", variables={"__ORIGIN": "api", "PLAIN": "x"})
    assert channel.variable_log[:2] == [("__ORIGIN", "api"), ("PLAIN", "x")]
    assert channel.dials[0].options.inherit == {"__ORIGIN": "api"}


async def test_builtins_come_from_the_channel_and_the_location() -> None:
    switch = Switch.from_conf(
        "[in]\nexten => 100,1,Set(R=${EXTEN}|${CONTEXT}|${PRIORITY}|${CHANNEL}|${UNIQUEID}"
        "|${LINKEDID}|${SIPDOMAIN}|${HANGUPCAUSE})\n"
        " same => n,Set(LINKEDID=mine)\n same => n,Set(L=${LINKEDID})\n"
    )
    channel = switch.channel(uniqueid="1.5", linkedid="1.2", sip_domain="office")
    await switch.call("in", "100", channel=channel)
    assert channel.var("R") == "100|in|1|PJSIP/101-00000001|1.5|1.2|office|0"
    assert channel.var("L") == "mine"


async def test_a_dialplan_loop_lets_other_calls_run() -> None:
    switch = Switch.from_conf("[in]\nexten => s,1,Goto(1)\n")
    task = asyncio.create_task(switch.call("in"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(switch.steps) > 5
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# -- edge cases 1-3: n, same and labels ------------------------------------------------------


async def test_n_after_another_extension_leaves_that_extension_without_priority_1() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => 1,1,NoOp\nexten => 2,n,Set(RAN=1)\nexten => i,1,Set(BAD=${INVALID_EXTEN})\n"
    )
    channel = await switch.call("c", "2")
    assert channel.var("RAN") is None
    assert channel.var("BAD") == "2"


async def test_same_keeps_the_caller_id_qualifier() -> None:
    conf = (
        "[c]\nexten => 100/555,1,Set(WHO=vip)\n same => n,Set(ALSO=yes)\n"
        "exten => 100,1,Set(WHO=anyone)\n"
    )
    switch = Switch.from_conf(conf)
    vip = await switch.call("c", "100", channel=switch.channel(caller_number="555"))
    other = await switch.call("c", "100", channel=switch.channel(caller_number="101"))
    assert (vip.var("WHO"), vip.var("ALSO")) == ("vip", "yes")
    assert (other.var("WHO"), other.var("ALSO")) == ("anyone", None)


async def test_goto_by_label_exten_label_context_label_and_relative() -> None:
    switch = Switch.from_conf(
        "[c]\n"
        "exten => s,1,Goto(jump)\n"
        " same => n,Set(SKIPPED=1)\n"
        " same => n(jump),Goto(200,start)\n"
        "exten => 200,1,Set(SKIPPED=2)\n"
        " same => n(start),Goto(other,300,go)\n"
        "[other]\n"
        "exten => 300,1,Set(SKIPPED=3)\n"
        " same => n(go),Goto(+2)\n"
        " same => n,Set(SKIPPED=4)\n"
        " same => n,Set(DONE=${CONTEXT},${EXTEN},${PRIORITY})\n"
    )
    channel = await switch.call("c")
    assert channel.var("SKIPPED") is None
    assert channel.var("DONE") == "other,300,4"
    assert switch.executed() == [
        "s@c:1 Goto",
        "s@c:3 Goto",
        "200@c:2 Goto",
        "300@other:2 Goto",
        "300@other:4 Set",
    ]


async def test_an_unknown_label_hangs_up_without_visiting_i() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Goto(nowhere)\n same => n,Set(AFTER=1)\n"
        "exten => i,1,Set(I=1)\nexten => h,1,Set(H=1)\n"
    )
    channel = await switch.call("c")
    assert (channel.var("AFTER"), channel.var("I"), channel.var("H")) == (None, None, "1")


async def test_goto_an_unknown_extension_goes_to_i() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Goto(999,1)\nexten => i,1,Set(BAD=${INVALID_EXTEN}@${CONTEXT})\n"
    )
    channel = await switch.call("c")
    assert channel.var("BAD") == "999@c"


async def test_goto_an_existing_extension_without_that_priority_ends_the_call() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Goto(100,7)\nexten => 100,1,Set(RAN=1)\nexten => i,1,Set(I=1)\n"
    )
    channel = await switch.call("c")
    assert (channel.var("RAN"), channel.var("I")) == (None, None)
    assert channel.calls == [("hangup", None)]


# -- edge case 7: running out, autofallthrough ------------------------------------------------


@pytest.mark.parametrize(
    ("status", "indication", "cause"),
    [
        (DialStatus.BUSY, Indication.BUSY, 17),
        (DialStatus.CONGESTION, Indication.CONGESTION, 34),
        (DialStatus.CHANUNAVAIL, Indication.CONGESTION, 34),
    ],
)
async def test_running_out_after_a_failed_dial_plays_the_tone_for_10_s(
    status: DialStatus, indication: Indication, cause: int
) -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Dial(PJSIP/102,20)\n")
    channel = switch.channel()
    channel.dial_results.append(DialResult(status=status))
    await switch.call("c", channel=channel)
    assert channel.calls[1:] == [("indicate", indication), ("wait", 10.0), ("hangup", cause)]


async def test_running_out_after_no_answer_hangs_up_at_once() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Dial(PJSIP/102,20)\n")
    channel = await switch.call("c")
    assert channel.methods() == ["dial", "hangup"]


async def test_without_autofallthrough_running_out_waits_for_digits() -> None:
    conf = (
        "[general]\nautofallthrough=no\n"
        "[c]\nexten => s,1,Dial(PJSIP/102,20)\nexten => 5,1,Set(DIALED=5)\n"
        # Without the Hangup, t would run out too and wait again, forever (as in Asterisk).
        "exten => t,1,Set(T=1)\n same => n,Hangup()\n"
    )
    switch = Switch.from_conf(conf)
    timed_out = await switch.call("c")
    assert timed_out.calls[1] == ("wait_for_digit", 10.0)
    assert timed_out.var("T") == "1"
    pressing = switch.channel()
    pressing.digits.extend(["5", None])
    await switch.call("c", channel=pressing)
    assert pressing.var("DIALED") == "5"


# -- edge case 8: invalid extensions -----------------------------------------------------------


async def test_an_unknown_dialed_number_goes_to_i_with_invalid_exten() -> None:
    switch = Switch.from_conf("[c]\nexten => 100,1,NoOp\nexten => i,1,Set(BAD=${INVALID_EXTEN})\n")
    channel = await switch.call("c", "555")
    assert channel.var("BAD") == "555"
    assert switch.executed() == ["i@c:1 Set"]


async def test_without_i_an_invalid_extension_raises_an_exception_at_e() -> None:
    switch = Switch.from_conf("[c]\nexten => 100,1,NoOp\nexten => e,1,NoOp(caught)\n")
    await switch.call("c", "555")
    assert switch.executed() == ["e@c:1 NoOp"]
    exception = switch.states[0].exception
    assert exception is not None
    assert (exception.reason, exception.exten, exception.context) == ("INVALID", "555", "c")


async def test_without_i_or_e_an_invalid_extension_just_hangs_up() -> None:
    switch = Switch.from_conf("[c]\nexten => 100,1,NoOp\nexten => h,1,Set(H=${EXTEN})\n")
    channel = await switch.call("c", "555")
    assert channel.calls == [("hangup", None)]
    assert channel.var("H") == "h"


# -- edge cases 9 and 10: the h extension ------------------------------------------------------


_H_CONF = (
    "[c]\n"
    "exten => 100,1,Set(NUMBER=${EXTEN})\n"
    " same => n,{app}\n"
    " same => n,Set(AFTER=1)\n"
    "exten => h,1,Set(IN_H=${EXTEN},${NUMBER},${DIALSTATUS})\n"
    " same => n,Playback(bye)\n"
    " same => n,Set(H_DONE=${PLAYBACKSTATUS})\n"
)


def _h_conf(app: str) -> str:
    return _H_CONF.replace("{app}", app)


async def test_h_runs_after_hangup_with_variables_intact() -> None:
    switch = Switch.from_conf(_h_conf("Hangup(USER_BUSY)"))
    channel = await switch.call("c", "100")
    assert channel.var("AFTER") is None
    assert channel.var("IN_H") == "h,100,"
    # Playback in h plays nothing (the channel is gone) and lets h go on, as in Asterisk.
    assert channel.var("H_DONE") == "FAILED"
    assert channel.calls == [("hangup", 17)]
    assert channel.media_after_hangup == []


async def test_h_runs_after_the_caller_hangs_up() -> None:
    switch = Switch.from_conf(_h_conf("Wait(30)"))
    channel = switch.channel()
    channel.hang_up_in.add("wait")
    await switch.call("c", "100", channel=channel)
    assert channel.var("AFTER") is None
    assert channel.var("IN_H") == "h,100,"
    assert channel.methods() == ["wait"]


async def test_h_runs_after_an_answered_dial_without_g() -> None:
    switch = Switch.from_conf(_h_conf("Dial(PJSIP/102,30)"))
    channel = switch.channel()
    channel.dial_results.append(DialResult(status=DialStatus.ANSWER, callee_hung_up=True))
    await switch.call("c", "100", channel=channel)
    assert channel.var("AFTER") is None
    assert channel.var("IN_H") == "h,100,ANSWER"
    assert channel.methods() == ["dial", "hangup"]


async def test_media_applications_in_h_stop_h_without_touching_the_channel() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,NoOp\nexten => h,1,Wait(1)\n same => n,Set(AFTER_WAIT=1)\n"
    )
    channel = await switch.call("c")
    assert channel.var("AFTER_WAIT") is None
    assert channel.media_after_hangup == []
    assert channel.methods() == ["hangup"]


async def test_h_is_found_in_an_included_context() -> None:
    switch = Switch.from_conf(
        "[c]\ninclude => common\nexten => s,1,NoOp\n[common]\nexten => h,1,Set(H=${CONTEXT})\n"
    )
    channel = await switch.call("c")
    assert channel.var("H") == "c"


async def test_h_may_goto_within_itself_and_stops_at_a_hangup() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,NoOp\n"
        "exten => h,1,Goto(end)\n same => n,Set(SKIPPED=1)\n same => n(end),Set(END=1)\n"
        " same => n,Hangup()\n same => n,Set(AFTER_HANGUP=1)\n"
    )
    channel = await switch.call("c")
    assert (channel.var("SKIPPED"), channel.var("END"), channel.var("AFTER_HANGUP")) == (
        None,
        "1",
        None,
    )


async def test_a_catch_all_pattern_also_catches_h() -> None:
    switch = Switch.from_conf("[c]\nexten => _.,1,Set(SEEN=${SEEN}${EXTEN}-)\n")
    channel = await switch.call("c", "5")
    assert channel.var("SEEN") == "5-h-"


# -- digits, response and absolute timeouts ----------------------------------------------------


_MENU = (
    "[menu]\n"
    "exten => s,1,Set(TIMEOUT(digit)=2)\n"
    " same => n,Set(TIMEOUT(response)=7)\n"
    " same => n,WaitExten()\n"
    "exten => 1,1,Set(CHOSE=1)\n"
    "exten => 12,1,Set(CHOSE=12)\n"
    "exten => 3,1,Set(CHOSE=3)\n"
    "exten => i,1,Set(CHOSE=invalid:${INVALID_EXTEN})\n"
    "exten => t,1,Set(CHOSE=timeout)\n"
)


async def test_digits_are_collected_while_a_longer_extension_could_match() -> None:
    switch = Switch.from_conf(_MENU)
    channel = switch.channel()
    channel.digits.extend(["1", "2"])
    await switch.call("menu", channel=channel)
    assert channel.var("CHOSE") == "12"
    assert [c for c in channel.calls if c[0] == "wait_for_digit"] == [
        ("wait_for_digit", 7.0),
        ("wait_for_digit", 2.0),
    ]


async def test_digit_collection_ends_at_the_digit_timeout() -> None:
    switch = Switch.from_conf(_MENU)
    channel = switch.channel()
    channel.digits.extend(["1", None])
    await switch.call("menu", channel=channel)
    assert channel.var("CHOSE") == "1"


async def test_an_unambiguous_digit_needs_no_digit_timeout() -> None:
    switch = Switch.from_conf(_MENU)
    channel = switch.channel()
    channel.digits.append("3")
    await switch.call("menu", channel=channel)
    assert channel.var("CHOSE") == "3"
    assert [c for c in channel.calls if c[0] == "wait_for_digit"] == [("wait_for_digit", 7.0)]


async def test_collected_digits_that_are_no_extension_go_to_i() -> None:
    switch = Switch.from_conf(_MENU)
    channel = switch.channel()
    channel.digits.append("9")
    await switch.call("menu", channel=channel)
    assert channel.var("CHOSE") == "invalid:9"


async def test_no_digit_goes_to_t() -> None:
    switch = Switch.from_conf(_MENU)
    channel = await switch.call("menu")
    assert channel.var("CHOSE") == "timeout"


async def test_no_digit_without_t_goes_to_e_then_hangs_up() -> None:
    menu = "[m]\nexten => s,1,WaitExten(3)\n"
    with_e = Switch.from_conf(menu + "exten => e,1,Set(E=1)\n")
    channel = await with_e.call("m")
    assert channel.var("E") == "1"
    exception = with_e.states[0].exception
    assert exception is not None
    assert exception.reason == "RESPONSETIMEOUT"
    bare = Switch.from_conf(menu)
    channel = await bare.call("m")
    assert channel.methods() == ["wait_for_digit", "hangup"]


async def test_the_absolute_timeout_goes_to_capital_t() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(TIMEOUT(absolute)=5)\n same => n,Wait(10)\n"
        " same => n,Set(AFTER=1)\nexten => T,1,Set(T=${EXTEN})\n same => n,Wait(10)\n"
        " same => n,Set(T_DONE=1)\n"
    )
    channel = await switch.call("c")
    assert channel.var("AFTER") is None
    # T itself is not cut short: the timeout was cleared on the way there.
    assert (channel.var("T"), channel.var("T_DONE")) == ("T", "1")


async def test_the_absolute_timeout_interrupts_a_waiting_application() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(TIMEOUT(absolute)=0.05)\n same => n,Wait(3600)\n"
        "exten => T,1,Set(T=1)\n"
    )
    channel = switch.channel()
    channel.block_in_wait = True
    await asyncio.wait_for(switch.call("c", channel=channel), timeout=5)
    assert channel.var("T") == "1"


async def test_the_absolute_timeout_without_t_goes_to_e_or_hangs_up() -> None:
    conf = "[c]\nexten => s,1,Set(TIMEOUT(absolute)=5)\n same => n,Wait(10)\n same => n,Set(A=1)\n"
    with_e = Switch.from_conf(conf + "exten => e,1,Set(E=1)\n")
    channel = await with_e.call("c")
    assert (channel.var("A"), channel.var("E")) == (None, "1")
    exception = with_e.states[0].exception
    assert exception is not None
    assert exception.reason == "ABSOLUTETIMEOUT"
    bare = await Switch.from_conf(conf).call("c")
    assert bare.var("A") is None
    assert bare.methods() == ["wait", "hangup"]
