"""The registry and the small applications: Answer, Hangup, NoOp, Set, MSet, GotoIf, Wait,
Busy, Congestion, Ringing, Progress, AGI, StopMixMonitor."""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil

import pytest

import dialplan_engine.apps
from dialplan_engine.apps import APPLICATIONS, find_application
from dialplan_engine.channel_api import Indication
from tests.dialplan.fake_channel import Switch


def test_every_application_module_is_registered_once() -> None:
    modules = {
        f"dialplan_engine.apps.{info.name}"
        for info in pkgutil.iter_modules(dialplan_engine.apps.__path__)
        if not info.name.startswith("_")
    }
    assert all(importlib.import_module(name) in APPLICATIONS for name in modules)
    assert len(APPLICATIONS) == len(modules)
    names = [app.NAME.lower() for app in APPLICATIONS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("app", APPLICATIONS, ids=lambda app: app.NAME)
def test_every_application_documents_itself(app: object) -> None:
    doc = inspect.getdoc(app) or ""
    positions = [doc.find(f"\n{section}:\n") for section in ("Synopsis", "Syntax", "Description")]
    assert all(p > 0 for p in positions) and positions == sorted(positions), doc


def test_applications_are_found_in_any_letter_case() -> None:
    assert find_application("PLAYBACK") is importlib.import_module("dialplan_engine.apps.playback")
    assert find_application("gotoif") is find_application("GotoIf")
    assert find_application("Frobnicate") is None


async def test_answer_answers_once() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Answer()\n same => n,Answer(500)\n")
    channel = await switch.call("c")
    assert channel.methods() == ["answer", "hangup"]


@pytest.mark.parametrize(
    ("args", "cause"),
    [("", None), ("17", 17), ("USER_BUSY", 17), ("user_busy", 17), ("nonsense", None), ("0", None)],
)
async def test_hangup_takes_a_cause_name_or_number(args: str, cause: int | None) -> None:
    switch = Switch.from_conf(f"[c]\nexten => s,1,Hangup({args})\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.calls == [("hangup", cause)]
    assert channel.var("AFTER") is None


async def test_noop_substitutes_its_arguments_and_does_nothing() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,NoOp(${SET(X=1)})\n")
    channel = await switch.call("c")
    assert channel.var("X") == "1"
    assert channel.calls == [("hangup", None)]


async def test_set_splits_at_the_first_equals_and_keeps_commas_and_quotes() -> None:
    switch = Switch.from_conf('[c]\nexten => s,1,Set(A=x=1,"two",three)\n')
    channel = await switch.call("c")
    assert channel.var("A") == 'x=1,"two",three'


async def test_set_writes_functions_and_marks_inheritance() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,Set(CALLERID(name)=Reception)\n"
        " same => n,Set(_ONE=1)\n same => n,Set(__ALL=2)\n same => n,Set(EMPTY=)\n"
        " same => n,Set(R=${ONE}${ALL}[${EMPTY}]${CALLERID(name)})\n"
        " same => n,Dial(PJSIP/102)\n"
    )
    channel = await switch.call("c")
    assert channel.caller_name == "Reception"
    assert channel.var("R") == "12[]Reception"
    assert channel.dials[0].options.inherit == {"ONE": "1", "__ALL": "2"}
    assert ("_ONE", "1") in channel.variable_log


async def test_set_without_equals_warns_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Set(NOTHING)\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.var("AFTER") == "1"
    assert "Set requires an '='" in caplog.text


async def test_mset_sets_several_and_strips_quotes() -> None:
    switch = Switch.from_conf('[c]\nexten => s,1,MSet(A=1,B="two, three",_C=x,junk)\n')
    channel = await switch.call("c")
    assert (channel.var("A"), channel.var("B"), channel.var("C")) == ("1", "two, three", "x")
    assert ("_C", "x") in channel.variable_log


@pytest.mark.parametrize(
    ("condition", "branch"),
    [
        ("", "no"),
        ("0", "no"),
        ("00", "no"),
        (" 0", "no"),
        ("abc", "yes"),
        ("-1", "yes"),
        ('""', "yes"),
        ("$[1 = 1]", "yes"),
    ],
)
async def test_gotoif_truth(condition: str, branch: str) -> None:
    switch = Switch.from_conf(
        f"[c]\nexten => s,1,GotoIf({condition}?yes,1:no,1)\n"
        "exten => yes,1,Set(WENT=yes)\nexten => no,1,Set(WENT=no)\n"
    )
    channel = await switch.call("c")
    assert channel.var("WENT") == branch


async def test_gotoif_without_the_chosen_branch_continues() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,GotoIf(0?yes,1)\n same => n,GotoIf(1?:no,1)\n same => n,Set(ON=1)\n"
        "exten => yes,1,Set(WENT=yes)\nexten => no,1,Set(WENT=no)\n"
    )
    channel = await switch.call("c")
    assert (channel.var("ON"), channel.var("WENT")) == ("1", None)


async def test_gotoif_branches_use_goto_syntax() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,GotoIf(1?other,100,here)\n"
        "[other]\nexten => 100,1,NoOp\n same => n(here),Set(AT=${CONTEXT}/${PRIORITY})\n"
    )
    channel = await switch.call("c")
    assert channel.var("AT") == "other/2"


@pytest.mark.parametrize(("args", "waits"), [("1.5", [1.5]), ("", []), ("0", []), ("x", [])])
async def test_wait(args: str, waits: list[float]) -> None:
    switch = Switch.from_conf(f"[c]\nexten => s,1,Wait({args})\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert [call[1] for call in channel.calls if call[0] == "wait"] == waits
    assert channel.var("AFTER") == "1"


@pytest.mark.parametrize(
    ("app", "indication", "cause"),
    [("Busy", Indication.BUSY, 17), ("Congestion", Indication.CONGESTION, 34)],
)
async def test_busy_and_congestion_indicate_wait_and_hang_up(
    app: str, indication: Indication, cause: int
) -> None:
    switch = Switch.from_conf(
        f"[c]\nexten => s,1,{app}(3)\n same => n,Set(AFTER=1)\nexten => h,1,Set(H=1)\n"
    )
    channel = await switch.call("c")
    assert channel.calls == [("indicate", indication), ("wait", 3.0), ("hangup", cause)]
    assert (channel.var("AFTER"), channel.var("H")) == (None, "1")


async def test_busy_on_an_answered_call_keeps_the_cause_and_waits_for_the_hangup() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Answer()\n same => n,Busy()\n")
    channel = await switch.call("c")
    assert channel.calls[1:] == [("indicate", Indication.BUSY), ("wait", math.inf)]


async def test_ringing_and_progress_indicate_and_continue() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,Ringing()\n same => n,Progress()\n")
    channel = await switch.call("c")
    assert channel.calls == [
        ("indicate", Indication.RINGING),
        ("indicate", Indication.PROGRESS),
        ("hangup", None),
    ]


async def test_agi_splits_its_arguments_and_sets_agistatus() -> None:
    switch = Switch.from_conf(
        '[c]\nexten => s,1,AGI(script.php,--a="x, y",b\\,c)\n same => n,Set(S=${AGISTATUS})\n'
        " same => n,AGI(other.php)\n same => n,Set(AFTER=1)\n"
    )
    channel = switch.channel()
    channel.agi_statuses.extend(["NOTFOUND", "HANGUP"])
    await switch.call("c", channel=channel)
    assert channel.agis == [("script.php", ("--a=x, y", "b,c")), ("other.php", ())]
    assert channel.var("S") == "NOTFOUND"
    # AGISTATUS=HANGUP stops the dialplan.
    assert channel.var("AFTER") is None


async def test_agi_without_a_script_fails() -> None:
    switch = Switch.from_conf("[c]\nexten => s,1,AGI()\n same => n,Set(AFTER=1)\n")
    channel = await switch.call("c")
    assert channel.agis == []
    assert channel.var("AFTER") is None


async def test_stopmixmonitor_stops_the_latest_or_the_named_recorder() -> None:
    switch = Switch.from_conf(
        "[c]\nexten => s,1,MixMonitor(a.wav,i(FIRST))\n same => n,MixMonitor(b.wav)\n"
        " same => n,StopMixMonitor()\n same => n,StopMixMonitor(${FIRST})\n"
        " same => n,StopMixMonitor()\n same => n,Set(AFTER=1)\n"
    )
    channel = await switch.call("c")
    first = channel.var("FIRST")
    assert first is not None
    assert [c for c in channel.calls if c[0] == "stop_mixmonitor"] == [
        ("stop_mixmonitor", None),
        ("stop_mixmonitor", first),
        ("stop_mixmonitor", None),
    ]
    assert channel.var("AFTER") == "1"
