"""UserEvent on the bus and as AMI, and the names Reload accepts."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from http_api.ami.events import to_ami
from softswitch import events as bus
from softswitch.channel import Channel, ChannelState, Direction
from softswitch.reload import ReloadModule
from tests.ami.conftest import Harness


def test_user_event_from_the_action_has_no_channel_block() -> None:
    event = to_ami(bus.UserEventRaised(name="Deploy", fields=(("Stage", "done"),)))
    assert event is not None
    assert event.encode() == (
        b"Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: Deploy\r\nStage: done\r\n\r\n")


def test_user_event_from_the_dialplan_starts_with_its_channel() -> None:
    channel = Channel(name="PJSIP/101-00000001", uniqueid="1.1", linkedid="1.1",
                      endpoint="101", direction=Direction.INBOUND, context="internal",
                      exten="200", caller_num="101", state=ChannelState.UP)
    event = to_ami(bus.UserEventRaised(name="Queued", fields=(("Queue", "sales"),),
                                       channel=channel))
    assert event is not None
    names = [key for key, _ in event.fields]
    assert names[0] == "Channel"
    assert names[-2:] == ["UserEvent", "Queue"]
    assert dict(event.fields)["CallerIDNum"] == "101"


async def test_user_event_action_publishes_after_its_answer(ami: Harness) -> None:
    await ami.login()
    seen: list[bus.Event] = []
    ami.session.switch.events.subscribe(seen.append)
    (reply,) = await ami.send(Action="UserEvent", ActionID="u1", UserEvent="Deploy",
                              Build="42")
    assert reply.get("Message") == "Event Sent"
    assert seen == []
    await asyncio.sleep(0)
    assert seen == [bus.UserEventRaised(name="Deploy",
                                        fields=(("ActionID", "u1"), ("Build", "42")))]


@pytest.mark.parametrize(
    ("name", "module"),
    [("pbx_config", ReloadModule.DIALPLAN), ("PBX_CONFIG.so", ReloadModule.DIALPLAN),
     ("res_pjsip", ReloadModule.PJSIP),
     ("res_pjsip_outbound_registration.so", ReloadModule.OUTBOUND_REGISTRATION),
     ("chan_sip", None), ("", None)],
)
def test_reload_module_names(name: str, module: ReloadModule | None) -> None:
    assert ReloadModule.named(name) is module


def test_console_and_actions_import_in_either_order() -> None:
    # Each needs the other (Command runs the console, the console lists the actions).
    for first, second in (("softswitch.console", "http_api.ami.actions"),
                          ("http_api.ami.actions.command", "softswitch.console")):
        result = subprocess.run([sys.executable, "-c", f"import {first}, {second}"],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
