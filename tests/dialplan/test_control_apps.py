"""ExecIf, the While loops, GotoIfTime, RaiseException and EXCEPTION, Verbose, Log, and the
WaitExten tones."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from tests.dialplan.fake_channel import Switch

# -- ExecIf --------------------------------------------------------------------------------


@pytest.mark.parametrize(("condition", "expected"), [("1", "yes"), ("0", "no"), ("", "no")])
async def test_execif_runs_the_chosen_application(condition: str, expected: str) -> None:
    switch = Switch.from_conf(
        f"[c]\nexten => s,1,ExecIf({condition}?Set(R=yes):Set(R=no))\n"
    )
    channel = await switch.call("c")
    assert channel.var("R") == expected


async def test_execif_takes_on_the_outcome_of_the_application() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,ExecIf(1?Goto(menu,s,1))\n same => n,Set(NOT=1)\n"
        "[menu]\nexten => s,1,ExecIf($[1 > 0]?Hangup(17))\n same => n,Set(NOT=2)\n"
    )
    channel = await switch.call("c")
    assert channel.var("NOT") is None
    assert channel.calls == [("hangup", 17)]


async def test_execif_does_not_substitute_again_and_keeps_commas() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,ExecIf(1?Set(A=${V},b):Set(B=1))\n")
    channel = await switch.call("c", variables={"V": "${X}"})
    assert channel.var("A") == "${X},b"


async def test_execif_false_without_a_false_branch_continues() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,ExecIf(0?Hangup())\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.var("AFTER") == "1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("1?Frobnicate(x)", "Could not find application! (Frobnicate)"),
        ("1?:Set(X=1)", "Could not find application! ()"),
        ("1?", "Usage: ExecIf(<expr>?<appiftrue>(<args>)"),
    ],
)
async def test_execif_with_no_usable_application_hangs_up(
    args: str, message: str, caplog: pytest.LogCaptureFixture
) -> None:
    switch = Switch.from_conf(f"[c]\nexten => s,1,ExecIf({args})\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.var("AFTER") is None
    assert message in caplog.text


async def test_execif_still_reads_the_old_comma_syntax(caplog: pytest.LogCaptureFixture) -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,ExecIf(1,Set,A=1)\n same => n,ExecIf(0,Set,B=1)\n"
    )
    channel = await switch.call("c")
    assert (channel.var("A"), channel.var("B")) == ("1", None)
    assert "Deprecated syntax found" in caplog.text


# -- While / EndWhile / ExitWhile / ContinueWhile ---------------------------------------------


async def test_while_loops_until_the_condition_is_false() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(I=0)\n"
        " same => n,While($[${I} < 3])\n"
        " same => n,Set(SEEN=${SEEN}${I})\n"
        " same => n,Set(I=$[${I} + 1])\n"
        " same => n,EndWhile()\n"
        " same => n,Set(AFTER=${I})\n"
    )
    channel = await switch.call("c")
    assert (channel.var("SEEN"), channel.var("AFTER")) == ("012", "3")
    assert switch.states[0].while_loops == []


async def test_a_loop_that_is_false_at_once_skips_to_after_its_endwhile() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,While(0)\n same => n,While(1)\n same => n,Set(NEVER=1)\n"
        " same => n,EndWhile()\n same => n,EndWhile()\n same => n,Set(AFTER=1)\n"
    )
    channel = await switch.call("c")
    # The scan counts the nested While, so it stops at the outer EndWhile.
    assert (channel.var("NEVER"), channel.var("AFTER")) == (None, "1")


async def test_nested_loops() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(I=0)\n"
        " same => n,While($[${I} < 2])\n"
        " same => n,Set(J=0)\n"
        " same => n,While($[${J} < 2])\n"
        " same => n,Set(SEEN=${SEEN}${I}${J},)\n"
        " same => n,Set(J=$[${J} + 1])\n"
        " same => n,EndWhile()\n"
        " same => n,Set(I=$[${I} + 1])\n"
        " same => n,EndWhile()\n"
    )
    channel = await switch.call("c")
    assert channel.var("SEEN") == "00,01,10,11,"


async def test_exitwhile_and_continuewhile() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(I=0)\n"
        " same => n,While(1)\n"
        " same => n,Set(I=$[${I} + 1])\n"
        " same => n,ExecIf($[${I} = 2]?ContinueWhile())\n"
        " same => n,ExecIf($[${I} = 4]?ExitWhile())\n"
        " same => n,Set(SEEN=${SEEN}${I})\n"
        " same => n,EndWhile()\n"
        " same => n,Set(AFTER=${I})\n"
    )
    channel = await switch.call("c")
    assert (channel.var("SEEN"), channel.var("AFTER")) == ("13", "4")
    assert switch.states[0].while_loops == []


async def test_loop_applications_outside_a_loop(caplog: pytest.LogCaptureFixture) -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,EndWhile()\n same => n,ContinueWhile()\n same => n,ExitWhile()\n"
        " same => n,Set(SKIPPED=1)\n same => n,EndWhile()\n same => n,Set(AFTER=1)\n"
        " same => n,ExitWhile()\n same => n,Set(LAST=1)\n"
    )
    channel = await switch.call("c")
    # ExitWhile outside a loop jumps past the next EndWhile, or warns and continues.
    assert (channel.var("SKIPPED"), channel.var("AFTER"), channel.var("LAST")) == (None, "1", "1")
    assert "Couldn't find matching EndWhile? (While at c@s priority 7)" in caplog.text


async def test_a_while_without_endwhile_warns_and_continues(
    caplog: pytest.LogCaptureFixture,
) -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,While()\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.var("AFTER") == "1"
    assert "Couldn't find matching EndWhile?" in caplog.text


async def test_a_loop_left_with_goto_is_restarted_cleanly() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(N=0)\n"
        " same => n(top),Set(N=$[${N} + 1])\n"
        " same => n,While(1)\n"
        " same => n,While(1)\n"
        " same => n,GotoIf($[${N} < 2]?top)\n"
        " same => n,ExitWhile()\n"
        " same => n,EndWhile()\n"
        " same => n,Set(INNER_DONE=${N})\n"
        " same => n,ExitWhile()\n"
        " same => n,EndWhile()\n"
        " same => n,Set(DONE=${N})\n"
    )
    channel = await switch.call("c")
    assert (channel.var("INNER_DONE"), channel.var("DONE")) == ("2", "2")
    assert switch.states[0].while_loops == []


# -- GotoIfTime ------------------------------------------------------------------------------


def _epoch(*moment: int) -> int:
    return int(datetime(*moment, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ((2024, 3, 4, 10, 0), "open"),  # a Monday
        ((2024, 3, 4, 18, 0), "closed"),
        ((2024, 3, 9, 10, 0), "closed"),  # a Saturday
    ],
)
async def test_gotoiftime_checks_testtime(moment: tuple[int, ...], expected: str) -> None:
    switch = Switch.from_conf(
        f"[c]\nexten => s,1,Set(TESTTIME={_epoch(*moment)})\n"
        " same => n,GotoIfTime(9:00-17:00,mon-fri,*,*,UTC?open,1:closed,1)\n"
        "exten => open,1,Set(R=open)\nexten => closed,1,Set(R=closed)\n"
    )
    channel = await switch.call("c")
    assert channel.var("R") == expected


async def test_gotoiftime_without_the_chosen_branch_continues() -> None:
    switch = Switch.from_conf(
        f"[c]\nexten => s,1,Set(TESTTIME={_epoch(2024, 3, 4, 10, 0)})\n"
        " same => n,GotoIfTime(*,sat-sun,*,*,UTC?weekend,1)\n"
        " same => n,GotoIfTime(*,*,*,*?:nowhere,1)\n"
        " same => n,Set(AFTER=1)\n"
    )
    channel = await switch.call("c")
    assert channel.var("AFTER") == "1"


async def test_gotoiftime_with_a_bad_window_takes_the_false_branch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(TESTTIME=soon)\n"
        " same => n,GotoIfTime(25:00-26:00,*,*,*?yes,1:no,1)\n"
        "exten => yes,1,Set(R=yes)\nexten => no,1,Set(R=no)\n"
    )
    channel = await switch.call("c")
    assert channel.var("R") == "no"
    assert "Using current time to evaluate" in caplog.text
    assert "bad time range" in caplog.text


async def test_gotoiftime_uses_the_current_time_by_default() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,GotoIfTime(*,*,*,*?yes,1)\n same => n,Set(R=no)\n"
        "exten => yes,1,Set(R=yes)\n"
    )
    channel = await switch.call("c")
    assert channel.var("R") == "yes"


# -- RaiseException, EXCEPTION() and e --------------------------------------------------------


async def test_raiseexception_goes_to_e_and_exception_reports_it() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => 100,1,NoOp()\n same => n,RaiseException(NO_AGENTS, really)\n"
        " same => n,Set(NOT=1)\n"
        "exten => e,1,Set(R=${EXCEPTION(reason)}|${EXCEPTION(CONTEXT)}|${EXCEPTION(exten)}"
        "|${EXCEPTION(priority)}|${EXCEPTION(nonsense)})\n"
    )
    channel = await switch.call("c", "100")
    assert channel.var("NOT") is None
    assert channel.var("R") == "NO_AGENTS, really|c|100|2|"


async def test_exception_is_empty_before_any_exception() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Set(R=[${EXCEPTION(reason)}])\n")
    channel = await switch.call("c")
    assert channel.var("R") == "[]"


async def test_raiseexception_without_e_goes_to_i_or_hangs_up() -> None:
    conf = "[c]\nexten => s,1,RaiseException(X)\n"
    with_i = await Switch.from_conf(conf + "exten => i,1,Set(I=${INVALID_EXTEN})\n").call("c")
    assert with_i.var("I") == "e"
    bare = await Switch.from_conf(conf).call("c")
    assert bare.calls == [("hangup", None)]


async def test_an_invalid_extension_goes_to_e_with_reason_invalid() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Goto(999,1)\nexten => e,1,Set(R=${EXCEPTION(reason)}"
        ":${EXCEPTION(exten)})\n"
    )
    channel = await switch.call("c")
    assert channel.var("R") == "INVALID:999"


# -- Verbose, Log ------------------------------------------------------------------------------


async def test_verbose_logs_the_message_with_its_level(caplog: pytest.LogCaptureFixture) -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Verbose(hello)\n same => n,Verbose(2,a, b)\n"
        " same => n,Verbose(9,capped)\n same => n,Verbose(x,odd)\n same => n,Verbose()\n"
    )
    with caplog.at_level(logging.INFO, logger="dialplan_engine.apps.verbose"):
        await switch.call("c")
    lines = [r.getMessage() for r in caplog.records if r.name == "dialplan_engine.apps.verbose"]
    assert lines == [
        "[PJSIP/101-00000001] (0) hello",
        "[PJSIP/101-00000001] (2) a, b",
        "[PJSIP/101-00000001] (4) capped",
        "'x' is not a verboser number",
        "[PJSIP/101-00000001] (0) odd",
    ]


async def test_log_writes_at_the_chosen_level(caplog: pytest.LogCaptureFixture) -> None:
    switch = Switch.from_conf(
        "[c]\nexten => 7,1,Log(WARNING,disk, almost full)\n same => n,Log(notice,hi)\n"
        " same => n,Log(debug,detail)\n same => n,Log(LOUD,x)\n same => n,Set(AFTER=1)\n"
    )
    with caplog.at_level(logging.DEBUG, logger="dialplan_engine.apps.log"):
        channel = await switch.call("c", "7")
    records = [(r.levelno, r.getMessage()) for r in caplog.records if r.name.endswith(".log")]
    assert records == [
        (logging.WARNING, "[PJSIP/101-00000001] Ext. 7:1 @ c: disk, almost full"),
        (logging.INFO, "[PJSIP/101-00000001] Ext. 7:2 @ c: hi"),
        (logging.DEBUG, "[PJSIP/101-00000001] Ext. 7:3 @ c: detail"),
        (logging.ERROR, "Unknown log level: 'LOUD'"),
    ]
    assert channel.var("AFTER") == "1"


# -- WaitExten m() and d ------------------------------------------------------------------------


async def test_waitexten_plays_music_on_hold_while_waiting() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,WaitExten(4,m(jazz))\nexten => 5,1,Set(GOT=5)\n"
    )
    channel = switch.channel()
    channel.digits.append("5")
    await switch.call("c", channel=channel)
    assert channel.var("GOT") == "5"
    assert channel.calls[:3] == [
        ("start_music_on_hold", "jazz"),
        ("wait_for_digit", 4.0),
        ("stop_music_on_hold",),
    ]


async def test_waitexten_plays_dial_tone_with_d() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,WaitExten(2,d)\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.var("AFTER") == "1"
    assert channel.calls[:3] == [("start_tone", "dial"), ("wait_for_digit", 2.0), ("stop_tone",)]


async def test_waitexten_music_wins_over_dial_tone_and_needs_a_class(
    caplog: pytest.LogCaptureFixture,
) -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,WaitExten(1,dm(default))\n same => n,WaitExten(1,m)\n"
        " same => n,Set(AFTER=1)\n"
    )
    channel = await switch.call("c")
    assert channel.calls[:4] == [
        ("start_music_on_hold", "default"),
        ("wait_for_digit", 1.0),
        ("stop_music_on_hold",),
        ("wait_for_digit", 1.0),
    ]
    assert "The 'm' option has been specified for WaitExten without a class." in caplog.text


async def test_waitexten_stops_the_music_when_the_caller_hangs_up() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,WaitExten(3,m(jazz))\n")
    channel = switch.channel()
    channel.hang_up_in.add("wait_for_digit")
    await switch.call("c", channel=channel)
    assert channel.methods()[:3] == ["start_music_on_hold", "wait_for_digit", "stop_music_on_hold"]
