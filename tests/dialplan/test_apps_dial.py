"""Dial: destinations, timeouts, options, the variables it leaves and where the call goes."""

from __future__ import annotations

import pytest

from dialplan_engine.apps.dial import parse_targets
from dialplan_engine.channel_api import (
    ChannelHungUp,
    DialOptions,
    DialResult,
    DialStatus,
    DialTarget,
)
from tests.dialplan.fake_channel import FakeChannel, Switch

_AFTER = " same => n,Set(AFTER=${DIALSTATUS})\nexten => h,1,Set(H=${DIALSTATUS})\n"


async def _dial(args: str, *results: DialResult | BaseException) -> FakeChannel:
    switch = Switch.from_conf(f"[c]\nexten => s,1,Dial({args})\n{_AFTER}")
    channel = switch.channel()
    channel.dial_results.extend(results)
    return await switch.call("c", channel=channel)


def test_targets_parse_sip_as_pjsip_and_skip_malformed_entries(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert parse_targets("PJSIP/101&SIP/8123@trunk & sip/102&&nothing&Local/100@ctx") == [
        DialTarget(technology="PJSIP", resource="101"),
        DialTarget(technology="PJSIP", resource="8123@trunk"),
        DialTarget(technology="PJSIP", resource="102"),
        DialTarget(technology="Local", resource="100@ctx"),
    ]
    assert "not 'nothing'" in caplog.text


async def test_all_destinations_ring_at_once_with_the_timeout() -> None:
    channel = await _dial("PJSIP/101&PJSIP/102,20.5")
    assert channel.dials[0].targets == (
        DialTarget(technology="PJSIP", resource="101"),
        DialTarget(technology="PJSIP", resource="102"),
    )
    assert channel.dials[0].timeout_s == 20.5
    assert channel.dials[0].options == DialOptions()


@pytest.mark.parametrize(
    ("written", "answer", "progress"),
    [
        ("", None, None),
        ("30^5", 30.0, 5.0),
        ("^5", None, 5.0),
        ("abc", None, None),
        ("0", None, None),
    ],
)
async def test_timeout_with_a_progress_part(
    written: str, answer: float | None, progress: float | None
) -> None:
    channel = await _dial(f"PJSIP/101,{written}")
    assert channel.dials[0].timeout_s == answer
    assert channel.dials[0].options.progress_timeout_s == progress


async def test_handled_options() -> None:
    channel = await _dial("PJSIP/101,30,tTrm(jazz)gL(60000:10000)S(90)")
    assert channel.dials[0].options == DialOptions(
        ringback=True,
        music_on_hold="jazz",
        continue_on_callee_hangup=True,
        callee_transfer=True,
        caller_transfer=True,
        call_limit_ms=60000,
    )


async def test_music_on_hold_without_a_class_and_s_alone() -> None:
    channel = await _dial("PJSIP/101,30,mS(2.5)")
    assert channel.dials[0].options.music_on_hold == "default"
    assert channel.dials[0].options.call_limit_ms == 2500


async def test_other_known_options_are_accepted_without_effect(
    caplog: pytest.LogCaptureFixture,
) -> None:
    channel = await _dial(
        "PJSIP/101,30,A(hello)D(123)b(pre^s^1)B(x)ohHkKwWxXCceidF(a^b^1)Q(NONE)zRU(sub)"
    )
    assert channel.dials[0].options == DialOptions()
    assert "Unrecognized" not in caplog.text


async def test_an_unclosed_option_argument_is_invalidargs() -> None:
    channel = await _dial("PJSIP/101,30,m(jazz")
    assert channel.dials == []
    assert channel.var("AFTER") is None
    assert channel.var("H") == "INVALIDARGS"


async def test_every_dial_variable_is_cleared_first() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(DIALSTATUS=OLD)\n same => n,Set(RINGTIME=9)\n"
        " same => n,Dial(PJSIP/101)\n"
    )
    channel = await switch.call("c")
    cleared = channel.variable_log[2:13]
    assert [value for _, value in cleared] == [""] * 11
    assert {name for name, _ in cleared} >= {"DIALSTATUS", "RINGTIME", "ANSWEREDTIME_MS"}
    assert channel.var("RINGTIME") == ""
    assert channel.var("DIALSTATUS") == "NOANSWER"


@pytest.mark.parametrize(
    "status", [DialStatus.NOANSWER, DialStatus.BUSY, DialStatus.CONGESTION, DialStatus.CHANUNAVAIL]
)
async def test_unanswered_continues_with_dialstatus(status: DialStatus) -> None:
    channel = await _dial("PJSIP/101,20", DialResult(status=status, ring_time_ms=1500))
    assert channel.var("AFTER") == status.value
    assert channel.var("RINGTIME") == "1"
    assert channel.var("RINGTIME_MS") == "1500"
    # Edge case 16: the dialed/answered times stay empty without a bridged call.
    assert channel.var("DIALEDTIME") == ""
    assert channel.var("ANSWEREDTIME") == ""


async def test_answered_sets_the_peer_and_times_then_hangs_up() -> None:
    result = DialResult(
        status=DialStatus.ANSWER,
        peer_name="PJSIP/102-00000002",
        peer_number="102",
        ring_time_ms=2300,
        progress_time_ms=800,
        dialed_time_s=47,
        answered_time_s=40,
    )
    channel = await _dial("PJSIP/101&PJSIP/102,20", result)
    assert channel.var("AFTER") is None
    assert channel.var("H") == "ANSWER"
    expected = {
        "DIALEDPEERNAME": "PJSIP/102-00000002",
        "DIALEDPEERNUMBER": "102",
        "RINGTIME": "2",
        "RINGTIME_MS": "2300",
        "PROGRESSTIME": "0",
        "PROGRESSTIME_MS": "800",
        "DIALEDTIME": "47",
        "DIALEDTIME_MS": "47000",
        "ANSWEREDTIME": "40",
        "ANSWEREDTIME_MS": "40000",
    }
    assert {name: channel.var(name) for name in expected} == expected


async def test_g_continues_when_the_callee_hung_up() -> None:
    answered = DialResult(status=DialStatus.ANSWER, callee_hung_up=True)
    channel = await _dial("PJSIP/101,20,g", answered)
    assert channel.var("AFTER") == "ANSWER"


async def test_g_does_not_continue_when_the_caller_ended_the_call() -> None:
    channel = await _dial("PJSIP/101,20,g", DialResult(status=DialStatus.ANSWER))
    assert channel.var("AFTER") is None
    assert channel.var("H") == "ANSWER"


@pytest.mark.parametrize(
    "outcome", [DialResult(status=DialStatus.CANCEL), ChannelHungUp("caller left")]
)
async def test_caller_hanging_up_while_ringing_is_cancel_and_runs_h(
    outcome: DialResult | BaseException,
) -> None:
    channel = await _dial("PJSIP/101,20", outcome)
    assert channel.var("AFTER") is None
    assert channel.var("H") == "CANCEL"


async def test_an_empty_dial_group_is_chanunavail_and_continues() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Dial(${DIALGROUP(nobody)},60,tT)\n" + _AFTER)
    channel = await switch.call("c")
    assert channel.dials == []
    assert channel.var("AFTER") == "CHANUNAVAIL"


async def test_dial_without_arguments_fails() -> None:
    channel = await _dial("")
    assert channel.dials == []
    assert channel.var("AFTER") is None
