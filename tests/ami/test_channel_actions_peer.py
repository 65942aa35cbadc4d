"""Manager actions and events on real calls: SIPp phones through a running switch, an AMI
client library (panoramisk) logged in over TCP.

Caller 101 is a SIPp UAC that waits for our BYE; 102 is a registered SIPp UAS that answers
and waits for our BYE, so every hang-up below is the switch's doing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from panoramisk import Manager  # type: ignore[import-untyped]

from tests.harness.sipp import SippBackground, SippUAS, register_contact, scenario
from tests.harness.switch import SwitchFactory, SwitchProcess
from tests.harness.tools import RunDir, free_port, require_tool, sipp_media_port

pytestmark = pytest.mark.peer

MANAGER_CONF = """\
[general]
enabled = yes

[admin]
secret = s3cret
read = all
write = all
"""

DIALPLAN = """\
[internal]
exten => 700,1,Set(REDIRECTED=yes)
 same => n,Answer()
 same => n,Wait(30)
exten => _1XX,1,Dial(PJSIP/${EXTEN},30)

[outgoing]
exten => 100,1,Set(ORIGINATED=${CALLERID(num)})
 same => n,Answer()
 same => n,Wait(2)
 same => n,Hangup()
"""


@dataclass
class Recorder:
    """Every event panoramisk hands us, in arrival order."""

    events: list[dict[str, str]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, _manager: Manager, message: Any) -> None:
        self.events.append({key: str(value) for key, value in dict(message).items()})
        self.changed.set()

    def named(self, name: str) -> list[dict[str, str]]:
        return [event for event in self.events if event.get("Event") == name]

    async def wait_for(self, check: Callable[[], bool], timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s):
            while not check():
                self.changed.clear()
                await self.changed.wait()


@dataclass
class Ami:
    manager: Manager
    seen: Recorder

    async def send(self, **headers: str) -> Any:
        return await asyncio.wait_for(self.manager.send_action(dict(headers)), 15)


@pytest.fixture
def ami_switch(switch_factory: SwitchFactory) -> SwitchProcess:
    require_tool("sipp")
    switch = switch_factory(extensions_conf=DIALPLAN)
    path = switch.workdir / "manager.conf"
    path.write_text(MANAGER_CONF)
    switch.cli("config", "load", str(path))
    return switch


@pytest.fixture
async def ami(ami_switch: SwitchProcess) -> AsyncIterator[Ami]:
    loop = asyncio.get_running_loop()
    logged_in: asyncio.Future[bool] = loop.create_future()
    recorder = Recorder()
    manager = Manager(
        loop=loop, host="127.0.0.1", port=ami_switch.ami_port, username="admin",
        secret="s3cret", ping_delay=60, reconnect_timeout=3600,
        on_login=lambda _m: logged_in.done() or logged_in.set_result(True),
    )
    manager.register_event("*", recorder)
    await manager.connect()
    assert await asyncio.wait_for(logged_in, 10)
    yield Ami(manager=manager, seen=recorder)
    manager.close()


def _register_uas(switch: SwitchProcess, run_dir: RunDir, user: str = "102") -> int:
    port = free_port("both")
    registered = register_contact(switch.sip_address, user=user, password=f"pass{user}",
                                  local_port=port, workdir=run_dir("register"))
    assert registered.ok, registered.describe()
    return port


def _caller(switch: SwitchProcess, run_dir: RunDir, callee: str) -> SippBackground:
    return SippBackground(
        scenario("b2bua_uac_wait_bye"), target=switch.sip_address,
        local_port=free_port("both"), service=callee, auth_user="101", auth_pass="pass101",
        variables={"caller": "101"},
        extra=["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"],
        timeout_s=40, workdir=run_dir("uac"),
    )


def _channel(events: list[dict[str, str]], prefix: str) -> str:
    names = [e["Channel"] for e in events if e.get("Channel", "").startswith(prefix)]
    assert names, events
    return names[0]


def _bridged(ami: Ami) -> bool:
    return len(ami.seen.named("BridgeEnter")) >= 2


def _hung_up(ami: Ami, count: int) -> Callable[[], bool]:
    return lambda: len(ami.seen.named("Hangup")) >= count


async def test_status_getvar_setvar_and_hangup_on_a_live_call(
        ami_switch: SwitchProcess, ami: Ami, run_dir: RunDir) -> None:
    uas_port = _register_uas(ami_switch, run_dir)
    with SippUAS(local_port=uas_port, media_port=sipp_media_port(),
                 workdir=run_dir("uas")) as uas, \
                _caller(ami_switch, run_dir, "102") as uac:
        await ami.seen.wait_for(lambda: _bridged(ami))
        status = await ami.send(Action="Status", ActionID="st-1")
        items = [m for m in status if m.get("Event") == "Status"]
        assert sorted(m.Channel.split("-")[0] for m in items) == ["PJSIP/101", "PJSIP/102"]
        caller = next(m for m in items if m.Channel.startswith("PJSIP/101-"))
        callee = next(m for m in items if m.Channel.startswith("PJSIP/102-"))
        assert caller.ChannelState == "6" and caller.ChannelStateDesc == "Up"
        assert caller.Application == "Dial" and caller.Data == "PJSIP/102,30"
        assert callee.Application == "AppDial" and callee.Data == "(Outgoing Line)"
        assert caller.BridgeID and caller.BridgeID == callee.BridgeID
        assert caller.Linkedid == callee.Linkedid == caller.Uniqueid
        assert all(m.ActionID == "st-1" for m in status)
        complete = status[-1]
        assert complete.Event == "StatusComplete" and complete.ListItems == "2"

        reply = await ami.send(Action="Getvar", Channel=caller.Channel,
                               Variable="CALLERID(num)")
        assert (reply.Variable, reply.Value) == ("CALLERID(num)", "101")
        reply = await ami.send(Action="Setvar", Channel=caller.Channel, Variable="TICKET",
                               Value="42")
        assert reply.Message == "Variable Set"
        reply = await ami.send(Action="Getvar", Channel=caller.Channel, Variable="TICKET")
        assert reply.Value == "42"
        shown = await ami.send(Action="Status", Channel=caller.Channel, Variables="TICKET")
        assert [m.Variable for m in shown if m.get("Event") == "Status"] == ["TICKET=42"]
        listed = await ami.send(Action="CoreShowChannels")
        assert len([m for m in listed if m.get("Event") == "CoreShowChannel"]) == 2

        hung = await ami.send(Action="Hangup", Channel="/^PJSIP/101-/")
        assert [m.Channel for m in hung if m.get("Event") == "ChannelHungup"] == [
            caller.Channel]
        await ami.seen.wait_for(_hung_up(ami, 2))
        assert uac.wait(10).ok
        assert uas.wait(10).ok
    _check_call_order(ami.seen.events, caller.Channel, callee.Channel)
    hangups = {e["Channel"]: e for e in ami.seen.named("Hangup")}
    assert hangups[caller.Channel]["Cause"] == "16"
    assert hangups[caller.Channel]["Cause-txt"] == "Normal Clearing"
    assert ami.seen.named("HangupRequest")[0]["Channel"] == caller.Channel


def _check_call_order(events: list[dict[str, str]], caller: str, callee: str) -> None:
    """What clients may rely on: Newchannel first and Hangup last per channel, DialBegin
    before DialEnd, BridgeEnter before BridgeLeave."""
    for name in (caller, callee):
        mine = [e["Event"] for e in events if e.get("Channel") == name]
        assert mine[0] == "Newchannel", mine
        assert mine[-1] == "Hangup", mine
        assert mine.index("BridgeEnter") < mine.index("BridgeLeave"), mine
    order = [e["Event"] for e in events if e.get("DestChannel") == callee]
    assert order.index("DialBegin") < order.index("DialEnd"), order
    dial_end = next(e for e in events if e.get("Event") == "DialEnd")
    assert dial_end["DialStatus"] == "ANSWER"
    assert dial_end["Channel"] == caller
    newexten = [e for e in events if e.get("Event") == "Newexten" and e["Channel"] == caller]
    assert newexten[0]["Application"] == "Dial"
    assert newexten[0]["AppData"] == "PJSIP/102,30"
    assert newexten[0]["Privilege"] == "dialplan,all"


async def test_redirect_moves_the_caller_and_hangs_up_its_callee(
        ami_switch: SwitchProcess, ami: Ami, run_dir: RunDir) -> None:
    uas_port = _register_uas(ami_switch, run_dir)
    with SippUAS(local_port=uas_port, media_port=sipp_media_port(),
                 workdir=run_dir("uas")) as uas, \
                _caller(ami_switch, run_dir, "102") as uac:
        await ami.seen.wait_for(lambda: _bridged(ami))
        caller = _channel(ami.seen.named("Newchannel"), "PJSIP/101-")
        callee = _channel(ami.seen.named("Newchannel"), "PJSIP/102-")
        reply = await ami.send(Action="Redirect", Channel=caller, Context="internal",
                               Exten="700", Priority="1")
        assert reply.Message == "Redirect successful"
        assert uas.wait(10).ok, "the callee gets our BYE"
        await ami.seen.wait_for(lambda: any(
            e.get("Channel") == caller and e.get("Extension") == "700"
            for e in ami.seen.named("Newexten")))
        reply = await ami.send(Action="Getvar", Channel=caller, Variable="REDIRECTED")
        assert reply.Value == "yes"
        assert callee not in [m.Channel for m in await ami.send(Action="Status")
                              if m.get("Event") == "Status"]
        reply = await ami.send(Action="Hangup", Channel=caller)
        assert reply.Message == "Channel Hungup"
        assert uac.wait(10).ok
    missing = await ami.send(Action="Redirect", Channel="PJSIP/999-00000000",
                             Context="internal", Exten="700", Priority="1")
    assert missing.Message == "Channel does not exist: PJSIP/999-00000000"


async def test_originate_rings_a_phone_and_runs_the_dialplan_on_it(
        ami_switch: SwitchProcess, ami: Ami, run_dir: RunDir) -> None:
    uas_port = _register_uas(ami_switch, run_dir)
    with SippUAS(local_port=uas_port, media_port=sipp_media_port(),
                 workdir=run_dir("uas")) as uas:
        reply = await ami.send(Action="Originate", ActionID="orig-1", Channel="PJSIP/102",
                               Context="outgoing", Exten="100", Priority="2",
                               CallerID='"Front desk" <555>', Async="true")
        # panoramisk holds an async Originate open until its OriginateResponse arrives.
        queued, response = reply[0], dict(reply[-1])
        assert queued.Message == "Originate successfully queued"
        assert response["Event"] == "OriginateResponse"
        assert response["Response"] == "Success" and response["Reason"] == "4"
        assert response["ActionID"] == "orig-1"
        assert re.fullmatch(r"PJSIP/102-[0-9a-f]{8}", response["Channel"])
        assert response["CallerIDNum"] == "555"
        await ami.seen.wait_for(_hung_up(ami, 1))
        assert uas.wait(10).ok, "the phone answered and got our BYE when the dialplan ended"
    steps = [(e["Context"], e["Extension"], e["Priority"], e["Application"])
             for e in ami.seen.named("Newexten") if e["Channel"] == response["Channel"]]
    assert steps == [("outgoing", "100", "2", "Answer"), ("outgoing", "100", "3", "Wait"),
                     ("outgoing", "100", "4", "Hangup")]
    invite = next(m for m in uas.wait(0).received() if m.startswith("INVITE "))
    assert '"Front desk" <sip:555@' in invite


async def test_originate_failures_answer_as_asterisk(
        ami_switch: SwitchProcess, ami: Ami) -> None:
    for channel in ("PJSIP/105", "SIP/105"):
        failed = await ami.send(Action="Originate", Channel=channel, Context="outgoing",
                                Exten="100", Priority="1", Timeout="3000")
        assert (failed.Response, failed.Message) == ("Error", "Originate failed"), channel
    reply = await ami.send(Action="Originate", ActionID="x", Channel="PJSIP/105",
                           Context="outgoing", Exten="100", Priority="1", Async="true")
    queued, response = reply[0], dict(reply[-1])
    assert queued.Message == "Originate successfully queued"
    assert response["Event"] == "OriginateResponse"
    assert (response["Response"], response["Reason"], response["Uniqueid"]) == (
        "Failure", "0", "<unknown>")
    assert response["Channel"] == "PJSIP/105"
    for headers, text in [
        ({"Context": "outgoing", "Exten": "100", "Priority": "1"}, "Channel not specified"),
        ({"Channel": "102", "Application": "Wait"}, "Invalid channel"),
        ({"Channel": "PJSIP/102", "Exten": "100"},
         "Originate with 'Exten' requires 'Context' and 'Priority'"),
        ({"Channel": "PJSIP/102", "Context": "outgoing", "Exten": "999", "Priority": "1"},
         "Extension does not exist."),
        ({"Channel": "PJSIP/102", "Application": "Wait", "Timeout": "soon"},
         "Invalid timeout"),
        ({"Channel": "PJSIP/102", "Context": "outgoing", "Exten": "100", "Priority": "talk"},
         "Priority 'talk' not found in 100@outgoing"),
        ({"Channel": "PJSIP/102", "Application": "System", "Data": "rm -rf /"},
         "Application System not found"),
    ]:
        reply = await ami.send(Action="Originate", **headers)
        assert (reply.Response, reply.Message) == ("Error", text), headers
    missing = await ami.send(Action="Hangup", Channel="PJSIP/102-ffffffff")
    assert missing.Message == "No such channel"
    none = await ami.send(Action="Getvar", Channel="PJSIP/102-ffffffff", Variable="X")
    assert none.Message == "No such channel"
