"""Sessions and actions against a stand-in switch: replies as ami.md spells them."""

from __future__ import annotations

import hashlib

import pytest

from http_api.ami.actions import ACTIONS
from http_api.ami.protocol import Event
from softswitch import __version__
from tests.ami.conftest import Harness


async def test_login_then_fully_booted(ami: Harness) -> None:
    reply, booted = await ami.send(Action="Login", ActionID="1", Username="admin",
                                   Secret="s3cret")
    assert reply.pairs == (("Response", "Success"), ("ActionID", "1"),
                           ("Message", "Authentication accepted"))
    assert booted.get("Event") == "FullyBooted"
    assert booted.get("Privilege") == "system,all"
    assert booted.get("Status") == "Fully Booted"
    assert int(booted.get("Uptime") or "") >= 5
    (again,) = await ami.send(Action="login", Username="admin", Secret="s3cret")
    assert again.get("Message") == "Already authenticated"


async def test_no_fully_booted_before_boot(ami: Harness) -> None:
    ami.booted = False
    assert len(await ami.send(Action="Login", Username="admin", Secret="s3cret")) == 1


async def test_login_with_events_off(ami: Harness) -> None:
    replies = await ami.send(Action="Login", Username="admin", Secret="s3cret", Events="off")
    assert len(replies) == 1
    assert ami.session.event_mask == frozenset()


@pytest.mark.parametrize(
    ("user", "secret"),
    [("admin", "wrong"), ("nobody", "x"), ("", ""), ("remote", "r")],
    ids=["wrong secret", "unknown user", "no user", "ACL deny"],
)
async def test_login_failures(ami: Harness, user: str, secret: str) -> None:
    (reply,), close = await ami.send_closing(Action="Login", ActionID="9", Username=user,
                                             Secret=secret)
    assert reply.pairs == (("Response", "Error"), ("ActionID", "9"),
                           ("Message", "Authentication failed"))
    assert close
    assert not ami.session.authenticated


async def test_acl_permits_its_network(ami: Harness) -> None:
    ami.session.peer_host = "10.1.2.3"
    await ami.login("remote", "r")


async def test_md5_challenge_login(ami: Harness) -> None:
    (challenge,) = await ami.send(Action="Challenge", AuthType="md5", ActionID="c")
    assert challenge.get("Response") == "Success"
    assert challenge.get("ActionID") == "c"
    value = challenge.get("Challenge") or ""
    assert value.isdigit()
    key = hashlib.md5((value + "s3cret").encode()).hexdigest()
    (bad,), _ = await ami.send_closing(Action="Login", AuthType="MD5", Username="admin",
                                       Key="0" * 32)
    assert bad.get("Message") == "Authentication failed"
    (good, _booted) = await ami.send(Action="Login", AuthType="MD5", Username="admin", Key=key)
    assert good.get("Message") == "Authentication accepted"


async def test_md5_login_needs_a_challenge(ami: Harness) -> None:
    key = hashlib.md5(b"s3cret").hexdigest()
    (reply,) = await ami.send(Action="Login", AuthType="MD5", Username="admin", Key=key)
    assert reply.get("Message") == "Authentication failed"


async def test_challenge_needs_auth_type(ami: Harness) -> None:
    (reply,) = await ami.send(Action="Challenge")
    assert reply.pairs == (("Response", "Error"), ("Message", "Must specify AuthType"))


@pytest.mark.parametrize("action", ["Ping", "Command", "CoreStatus", "NoSuchThing"])
async def test_actions_before_login_are_denied(ami: Harness, action: str) -> None:
    (reply,) = await ami.send(Action=action, ActionID="x")
    assert reply.pairs == (("Response", "Error"), ("ActionID", "x"),
                           ("Message", "Permission denied"))


async def test_missing_and_unknown_actions(ami: Harness) -> None:
    (missing,) = await ami.send(ActionID="1")
    assert missing.get("Message") == "Missing action in request"
    await ami.login()
    (unknown,) = await ami.send(Action="Frobnicate")
    assert unknown.get("Message") == (
        "Invalid/unknown command: Frobnicate. Use Action: ListCommands to show available"
        " commands."
    )


async def test_ping(ami: Harness) -> None:
    await ami.login()
    (reply,) = await ami.send(action="ping", actionid="7")
    assert [key for key, _ in reply.pairs] == ["Response", "ActionID", "Ping", "Timestamp"]
    assert reply.get("Ping") == "Pong"
    assert float(reply.get("Timestamp") or "") > 1.7e9


async def test_logoff(ami: Harness) -> None:
    (reply,), close = await ami.send_closing(Action="Logoff")
    assert reply.pairs == (("Response", "Goodbye"), ("Message", "Thanks for all the fish."))
    assert close


async def test_list_commands_for_admin(ami: Harness) -> None:
    await ami.login()
    (reply,) = await ami.send(Action="ListCommands")
    assert reply.pairs[0] == ("Response", "Success")
    lines = dict(reply.pairs[1:])
    assert list(lines) == [action.name for action in ACTIONS]
    assert lines["Ping"] == "Keepalive command. (Priv: <none>)"
    assert lines["Command"] == "Execute Asterisk CLI Command. (Priv: command,all)"
    assert lines["CoreStatus"] == "Show PBX core status variables. (Priv: system,reporting,all)"


async def test_list_commands_only_permitted_ones(ami: Harness) -> None:
    await ami.login("viewer", "v")
    (reply,) = await ami.send(Action="ListCommands")
    names = [key for key, _ in reply.pairs[1:]]
    assert "Command" not in names
    assert {"Ping", "CoreStatus", "CoreSettings"} <= set(names)


async def test_write_class_required(ami: Harness) -> None:
    await ami.login("viewer", "v")
    (reply,) = await ami.send(Action="Command", Command="core show version")
    assert reply.get("Message") == "Permission denied"


async def test_command_output(ami: Harness) -> None:
    await ami.login()
    (reply,) = await ami.send(Action="Command", ActionID="9", Command="core show version")
    assert reply.pairs == (("Response", "Success"), ("ActionID", "9"),
                           ("Message", "Command output follows"),
                           ("Output", f"softswitch {__version__}"))


async def test_command_with_several_lines(ami: Harness) -> None:
    await ami.login()
    (reply,) = await ami.send(Action="Command", Command="core show help")
    assert len(reply.get_all("Output")) > 3


@pytest.mark.parametrize(
    ("command", "status", "message"),
    [
        ("no such thing", "Error", "Command output follows"),
        ("module load chan_sip.so", "Error", "Command blacklisted"),
        ("", "Error", "No command provided"),
    ],
)
async def test_command_errors(ami: Harness, command: str, status: str, message: str) -> None:
    await ami.login()
    (reply,) = await ami.send(Action="Command", Command=command)
    assert (reply.get("Response"), reply.get("Message")) == (status, message)


async def test_events_mask(ami: Harness) -> None:
    await ami.login("viewer", "v")
    (off,) = await ami.send(Action="Events", EventMask="off", ActionID="e")
    assert off.pairs == (("Response", "Success"), ("ActionID", "e"), ("Events", "Off"))
    (on,) = await ami.send(Action="Events", EventMask="system,call")
    assert on.get("Events") == "On"
    # The user reads only call events: system is not granted.
    assert ami.session.event_mask == frozenset({"call"})
    (numeric,) = await ami.send(Action="Events", EventMask="1")
    assert numeric.get("Events") == "Off"
    (bad,) = await ami.send(Action="Events", EventMask="bogus")
    assert bad.get("Message") == "Invalid event mask"


async def test_events_are_filtered_by_mask(ami: Harness) -> None:
    await ami.login()
    dialplan = Event(name="VarSet", classes=("dialplan",))
    ami.session.deliver(dialplan)
    await ami.send(Action="Events", EventMask="call")
    ami.session.deliver(dialplan)
    ami.session.deliver(Event(name="Newchannel", classes=("call",)))
    assert [m.get("Event") for m in ami.events()] == ["VarSet", "Newchannel"]


async def test_no_events_before_login(ami: Harness) -> None:
    ami.session.deliver(Event(name="FullyBooted", classes=("system",)))
    assert ami.written == []


async def test_core_settings_and_status(ami: Harness) -> None:
    await ami.login()
    (settings,) = await ami.send(Action="CoreSettings")
    assert settings.get("AMIversion") == "13.0.0"
    assert settings.get("SystemName") == "test-node"
    assert settings.get("CoreRealTimeEnabled") == "Yes"
    (status,) = await ami.send(Action="CoreStatus")
    assert status.get("CoreCurrentCalls") == "1"
    assert status.get("CoreProcessedCalls") == "3"
    assert len(status.get("CoreStartupDate") or "") == 10
    assert len(status.get("CoreStartupTime") or "") == 8
