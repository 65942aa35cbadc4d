"""Manager actions on storage, the dialplan and the console, against a running switch.

Each test starts the real switch, loads a manager.conf into it and talks TCP: panoramisk (a
client library people use) where its view is enough, raw sockets where the exact shape of
a list response matters. Calls come from SIPp.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from types import TracebackType

import pytest
from panoramisk import Manager  # type: ignore[import-untyped]

from http_api.ami.actions import ACTIONS
from http_api.ami.protocol import AmiParser, Message, serialize
from tests.harness.sipp import (
    SippBackground,
    SippResult,
    register_contact,
    run_sipp,
    scenario,
)
from tests.harness.switch import SwitchFactory, SwitchProcess, standard_pjsip_conf
from tests.harness.tools import RunDir, free_port, require_tool, sipp_media_port

pytestmark = pytest.mark.peer

MANAGER_CONF = """\
[general]
enabled = yes

[admin]
secret = s3cret
deny = 0.0.0.0/0.0.0.0
permit = 127.0.0.1/255.255.255.255
read = all
write = all

[callwatcher]
secret = w
read = call
write = reporting
"""


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


def _with_managers(switch: SwitchProcess) -> SwitchProcess:
    path = switch.workdir / "manager.conf"
    path.write_text(MANAGER_CONF)
    switch.cli("config", "load", str(path))
    return switch


@pytest.fixture
def ami_switch(switch_factory: SwitchFactory) -> SwitchProcess:
    return _with_managers(switch_factory())


class RawAmi:
    """One TCP session, read message by message; requests get numbered ActionIDs."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._parser = AmiParser()
        self._ready: list[Message] = []
        self._next_id = 0

    @classmethod
    async def login(cls, port: int, *, user: str = "admin", secret: str = "s3cret",
                    events: str = "off") -> RawAmi:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        banner = await reader.readline()
        assert banner.startswith(b"Asterisk Call Manager/"), banner
        client = cls(reader, writer)
        (reply,) = await client.request(Action="Login", Username=user, Secret=secret,
                                        Events=events)
        assert reply.get("Message") == "Authentication accepted", reply
        return client

    async def __aenter__(self) -> RawAmi:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        self._writer.close()
        await self._writer.wait_closed()

    def send(self, **headers: str) -> str:
        self._next_id += 1
        action_id = f"t{self._next_id}"
        self._writer.write(serialize((*headers.items(), ("ActionID", action_id))))
        return action_id

    async def next_message(self, timeout_s: float = 15.0) -> Message:
        while not self._ready:
            data = await asyncio.wait_for(self._reader.read(65536), timeout_s)
            assert data, "the switch closed the connection"
            self._ready += self._parser.feed(data)
        return self._ready.pop(0)

    async def until(self, done: Callable[[Message], bool], timeout_s: float = 15.0
                    ) -> list[Message]:
        """Every message up to and including the first that *done* accepts."""
        seen = []
        while True:
            message = await self.next_message(timeout_s)
            seen.append(message)
            if done(message):
                return seen

    async def request(self, **headers: str) -> list[Message]:
        """The answer to one action: the response alone, or with its list up to ``Complete``."""
        action_id = self.send(**headers)
        # ActionID is echoed in each of them; the tests compare what comes besides it.
        return [Message(tuple(pair for pair in m.pairs if pair[0] != "ActionID"))
                for m in await self.until(lambda m: _ends(m, action_id))
                if m.get("ActionID") == action_id]


def _ends(message: Message, action_id: str) -> bool:
    if message.get("ActionID") != action_id:
        return False
    if message.get("Response") is not None:
        return message.get("EventList") != "start"
    return message.get("EventList") == "Complete"


async def _panoramisk(switch: SwitchProcess) -> Manager:
    loop = asyncio.get_running_loop()
    logged_in: asyncio.Future[None] = loop.create_future()

    def settle(_manager: Manager) -> None:
        if not logged_in.done():
            logged_in.set_result(None)

    manager = Manager(loop=loop, host="127.0.0.1", port=switch.ami_port, username="admin",
                      secret="s3cret", ping_delay=60, reconnect_timeout=3600, on_login=settle)
    await manager.connect()
    await asyncio.wait_for(logged_in, 10)
    return manager


@pytest.fixture
async def admin(ami_switch: SwitchProcess) -> AsyncIterator[Manager]:
    manager = await _panoramisk(ami_switch)
    yield manager
    manager.close()


def _fields(message: Message) -> dict[str, str]:
    return dict(message.pairs)


def _call(switch: SwitchProcess, run_dir: RunDir, callee: str) -> str:
    """Call *callee* from 101 and return the final status the switch answered with."""
    result: SippResult = run_sipp(
        scenario("b2bua_uac_rejected"), target=switch.sip_address,
        local_port=free_port("both"), service=callee, auth_user="101", auth_pass="pass101",
        variables={"caller": "101"}, extra=["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"],
        timeout_s=15, workdir=run_dir(f"uac-{callee}"),
    )
    assert result.ok, result.describe()
    statuses = [m.split(" ", 2)[1] for m in result.received() if m.startswith("SIP/2.0 ")]
    return statuses[-1]


# -- AstDB ------------------------------------------------------------------------------------


async def test_dbput_then_dbget_and_the_other_astdb_actions(ami_switch: SwitchProcess) -> None:
    async with await RawAmi.login(ami_switch.ami_port) as ami:
        (put,) = await ami.request(Action="DBPut", Family="cfg", Key="greeting",
                                   Val="good morning")
        assert put.pairs == (("Response", "Success"),
                             ("Message", "Updated database successfully"))
        answer, item, complete = await ami.request(Action="DBGet", Family="cfg",
                                                   Key="greeting")
        assert answer.pairs == (("Response", "Success"), ("EventList", "start"),
                                ("Message", "Result will follow"))
        assert item.pairs == (("Event", "DBGetResponse"), ("Family", "cfg"),
                              ("Key", "greeting"), ("Val", "good morning"))
        assert complete.pairs == (("Event", "DBGetComplete"), ("EventList", "Complete"),
                                  ("ListItems", "1"))
        (missing,) = await ami.request(Action="DBGet", Family="cfg", Key="nothing")
        assert missing.pairs == (("Response", "Error"), ("Message", "Database entry not found"))
        (no_key,) = await ami.request(Action="DBGet", Family="cfg")
        assert no_key.get("Message") == "No key specified."

        await ami.request(Action="DBPut", Family="cfg", Key="sub/a", Val="1")
        await ami.request(Action="DBPut", Family="cfgx", Key="b", Val="2")
        _, *entries, done = await ami.request(Action="DBGetTree", Family="cfg")
        assert [(m.get("Event"), m.get("Key"), m.get("Val")) for m in entries] == [
            ("DBGetTreeResponse", "/cfg/greeting", "good morning"),
            ("DBGetTreeResponse", "/cfg/sub/a", "1")]
        assert done.get("Event") == "DBGetTreeComplete"
        assert done.get("ListItems") == "2"
        (shown,) = await ami.request(Action="Command", Command="database show cfg sub")
        assert shown.get_all("Output") == [f"{'/cfg/sub/a':<50}: 1", "1 result found."]

        (deleted,) = await ami.request(Action="DBDel", Family="cfg", Key="greeting")
        assert deleted.get("Message") == "Key deleted successfully"
        (again,) = await ami.request(Action="DBDel", Family="cfg", Key="greeting")
        assert again.pairs == (("Response", "Error"),
                               ("Message", "Database entry could not be deleted"))
        (tree,) = await ami.request(Action="DBDelTree", Family="cfgx")
        assert tree.get("Message") == "Key tree deleted successfully"
        (gone,) = await ami.request(Action="DBDelTree", Family="cfgx")
        assert gone.get("Message") == "Database entry not found"

    # Written behind to the database: it outlives the process.
    ami_switch.restart()
    async with await RawAmi.login(ami_switch.ami_port) as ami:
        _, item, _ = await ami.request(Action="DBGet", Family="cfg", Key="sub/a")
        assert item.get("Val") == "1"
        (gone_key,) = await ami.request(Action="DBGet", Family="cfg", Key="greeting")
        assert gone_key.get("Response") == "Error"


async def test_reporting_user_may_read_but_not_write_astdb(ami_switch: SwitchProcess) -> None:
    async with await RawAmi.login(ami_switch.ami_port, user="callwatcher", secret="w") as ami:
        (denied,) = await ami.request(Action="DBPut", Family="cfg", Key="k", Val="v")
        assert denied.get("Message") == "Permission denied"
        (allowed,) = await ami.request(Action="DBGet", Family="cfg", Key="k")
        assert allowed.get("Message") == "Database entry not found"


# -- PJSIP ------------------------------------------------------------------------------------


async def test_pjsip_listings_show_the_endpoints_and_a_registered_contact(
    ami_switch: SwitchProcess, run_dir: RunDir
) -> None:
    port = free_port("both")
    registered = register_contact(ami_switch.sip_address, user="101", password="pass101",
                                  local_port=port, workdir=run_dir("register"))
    assert registered.ok, registered.describe()
    manager = await _panoramisk(ami_switch)
    try:
        reply = await manager.send_action({"Action": "PJSIPShowEndpoints"})
        head, *items, complete = reply
        assert head.Message == "A listing of Endpoints follows, presented as EndpointList events"
        endpoints = {item.ObjectName: item for item in items}
        assert list(endpoints) == ["101", "102", "103", "104", "105", "trunk"]
        assert {item.Event for item in items} == {"EndpointList"}
        phone = endpoints["101"]
        uri = phone.Contacts.removeprefix("101/").removesuffix(",")
        assert uri.startswith(f"sip:101@127.0.0.1:{port};"), phone.Contacts
        assert phone.DeviceState == "Not in use"
        assert (phone.Aor, phone.Auths, phone.ObjectType) == ("101", "101", "endpoint")
        assert endpoints["102"].Contacts == ""
        assert endpoints["102"].DeviceState == "Unavailable"
        assert complete.Event == "EndpointListComplete"
        assert complete.ListItems == "6"

        detail = await manager.send_action({"Action": "PJSIPShowEndpoint", "Endpoint": "101"})
        kinds = [message.Event for message in detail[1:]]
        assert kinds == ["EndpointDetail", "AuthDetail", "AorDetail", "ContactStatusDetail",
                         "EndpointDetailComplete"]
        endpoint, auth, aor, contact = detail[1:5]
        assert (endpoint.Context, endpoint.Aors, endpoint.DeviceState) == (
            "internal", "101", "Not in use")
        assert auth.Username == "101"
        assert "Password" not in auth
        assert (aor.TotalContacts, aor.ContactsRegistered, aor.EndpointName) == ("1", "1", "101")
        assert uri == contact.URI
        missing = await manager.send_action({"Action": "PJSIPShowEndpoint", "Endpoint": "999"})
        assert missing.Message == "Unable to retrieve endpoint 999"

        contacts = await manager.send_action({"Action": "PJSIPShowContacts"})
        (listed,) = contacts[1:-1]
        assert (listed.Event, listed.Uri, listed.Endpoint) == ("ContactList", uri, "101")
        aors = await manager.send_action({"Action": "PJSIPShowAors"})
        assert [message.ObjectName for message in aors[1:-1]] == [
            "101", "102", "103", "104", "105", "trunk"]
        auths = await manager.send_action({"Action": "PJSIPShowAuths"})
        assert [message.ObjectName for message in auths[1:-1]] == [
            "101", "102", "103", "104", "105"]
        assert not any("Password" in message for message in auths)
        outbound = await manager.send_action({"Action": "PJSIPShowRegistrationsOutbound"})
        (closing,) = outbound[1:]
        assert (closing.ListItems, closing.Registered, closing.NotRegistered) == ("0", "0", "0")
    finally:
        manager.close()

    # SIPp has gone: a qualify finds the contact dead, says so, and the device is offline.
    async with await RawAmi.login(ami_switch.ami_port, events="system") as watcher, \
            await RawAmi.login(ami_switch.ami_port) as ami:
        (qualified,) = await ami.request(Action="PJSIPQualify", Endpoint="101")
        assert qualified.pairs == (("Response", "Success"),
                                   ("Message", "Endpoint found, will qualify"))
        (status,) = [m for m in await watcher.until(lambda m: m.get("Event") == "ContactStatus")
                     if m.get("Event") == "ContactStatus"]
        assert (status.get("ContactStatus"), status.get("AOR")) == ("Unreachable", "101")
        _, *items, _ = await ami.request(Action="PJSIPShowEndpoints")
        assert _fields(items[0])["DeviceState"] == "Unavailable"
        (unknown,) = await ami.request(Action="PJSIPQualify", Endpoint="999")
        assert unknown.get("Message") == "Unable to retrieve endpoint"


# -- dialplan ---------------------------------------------------------------------------------


async def test_show_dialplan_lists_priorities_with_filters(ami_switch: SwitchProcess) -> None:
    async with await RawAmi.login(ami_switch.ami_port) as ami:
        head, *items, complete = await ami.request(Action="ShowDialPlan")
        assert head.get("Message") == "DialPlan list will follow"
        assert [_fields(item) for item in items] == [
            {"Event": "ListDialplan", "Context": context, "Extension": "_X.", "Priority": "1",
             "Application": "Dial", "AppData": "PJSIP/${EXTEN},30", "Registrar": "pbx_config"}
            for context in ("internal", "from-trunk")
        ]
        assert [(k, v) for k, v in complete.pairs if k.startswith("List")] == [
            ("ListItems", "2"), ("ListExtensions", "2"), ("ListPriorities", "2"),
            ("ListContexts", "2")]
        _, match, _ = await ami.request(Action="ShowDialPlan", Context="internal",
                                        Extension="123")
        assert (match.get("Context"), match.get("Extension")) == ("internal", "_X.")
        (no_context,) = await ami.request(Action="ShowDialPlan", Context="nowhere")
        assert no_context.get("Message") == "Did not find context nowhere"
        (no_exten,) = await ami.request(Action="ShowDialPlan", Extension="abc")
        assert no_exten.get("Message") == "Did not find extension abc in any context"


async def test_extension_add_and_remove_change_the_next_call(
    ami_switch: SwitchProcess, run_dir: RunDir
) -> None:
    # "nobody" matches nothing in the standard dialplan (only _X.): 404 until it is added.
    assert _call(ami_switch, run_dir, "nobody") == "404"
    async with await RawAmi.login(ami_switch.ami_port) as ami:
        (incomplete,) = await ami.request(Action="DialplanExtensionAdd", Context="internal",
                                          Extension="nobody")
        assert incomplete.get("Message") == (
            "Context, Extension, Priority, and Application must be defined.")
        (bad,) = await ami.request(Action="DialplanExtensionAdd", Context="internal",
                                   Extension="nobody", Priority="first", Application="Busy")
        assert bad.get("Message") == "The priority specified was invalid."
        # The route is chosen by DB(): the Manager's DBPut feeds the dialplan's AstDB.
        (added,) = await ami.request(
            Action="DialplanExtensionAdd", Context="internal", Extension="nobody",
            Priority="1", Application="ExecIf",
            ApplicationData='$["${DB(route/nobody)}" = "busy"]?Busy()')
        assert added.pairs == (("Response", "Success"), ("Message", "Added requested extension"))
        await ami.request(Action="DialplanExtensionAdd", Context="internal", Extension="nobody",
                          Priority="2", Application="Hangup", ApplicationData="21")
        (twice,) = await ami.request(Action="DialplanExtensionAdd", Context="internal",
                                     Extension="nobody", Priority="2", Application="Congestion")
        assert twice.get("Message") == "Failed to add extension."
        (replaced,) = await ami.request(Action="DialplanExtensionAdd", Context="internal",
                                        Extension="nobody", Priority="2",
                                        Application="Congestion", Replace="yes")
        assert replaced.get("Response") == "Success"
        (shown,) = await ami.request(Action="Command", Command="dialplan show nobody@internal")
        name, first = "'nobody' =>", '1. ExecIf($["${DB(route/nobody)}" = "busy"]?Busy())'
        lines = [
            "[ Context 'internal' created by 'pbx_config' ]",
            f"  {name:<17} {first:<45} [pbx_config]",
            f"  {'':<17} {'2. Congestion()':<45} [pbx_config]",
            "",
            "-= 1 extension (2 priorities) in 1 context. =-",
        ]
        # A header value's leading blanks are not part of it (ami.md §1).
        assert shown.get_all("Output") == [line.lstrip() for line in lines]
        await ami.request(Action="DBPut", Family="route", Key="nobody", Val="busy")
    assert _call(ami_switch, run_dir, "nobody") == "486"
    async with await RawAmi.login(ami_switch.ami_port) as ami:
        await ami.request(Action="DBPut", Family="route", Key="nobody", Val="other")
        assert _call(ami_switch, run_dir, "nobody") == "503"
        (one,) = await ami.request(Action="DialplanExtensionRemove", Context="internal",
                                   Extension="nobody", Priority="1")
        assert one.get("Message") == "Removed the specified priority"
        (whole,) = await ami.request(Action="DialplanExtensionRemove", Context="internal",
                                     Extension="nobody")
        assert whole.get("Message") == "Removed the specified extension"
        (none_left,) = await ami.request(Action="DialplanExtensionRemove", Context="internal",
                                         Extension="nobody")
        assert none_left.get("Message") == "Failed to remove requested extension"
    assert _call(ami_switch, run_dir, "nobody") == "404"


# -- events, help, reload -------------------------------------------------------------------


async def test_user_event_reaches_other_sessions_that_read_user_events(
    ami_switch: SwitchProcess
) -> None:
    port = ami_switch.ami_port
    async with await RawAmi.login(port, events="user") as listener, \
            await RawAmi.login(port, events="on", user="callwatcher", secret="w") as deaf, \
            await RawAmi.login(port) as sender:
        action_id = sender.send(Action="UserEvent", UserEvent="Deploy", Stage="done",
                                Build="42")
        (reply,) = await sender.until(lambda m: m.get("Response") is not None)
        assert reply.pairs == (("Response", "Success"), ("ActionID", action_id),
                               ("Message", "Event Sent"))
        (event,) = await listener.until(lambda m: m.get("Event") == "UserEvent")
        assert event.pairs == (("Event", "UserEvent"), ("Privilege", "user,all"),
                               ("UserEvent", "Deploy"), ("Stage", "done"), ("Build", "42"),
                               ("ActionID", action_id))
        # callwatcher reads only call events: a Ping is all it gets back.
        deaf.send(Action="Ping")
        (pong,) = await deaf.until(lambda m: m.get("Response") is not None)
        assert pong.get("Ping") == "Pong"


async def test_manager_show_command_and_commands_over_command(admin: Manager) -> None:
    reply = await admin.send_command("manager show command Ping")
    assert reply.Response == "Success"
    assert reply.Output == [
        "[Syntax]", "Action: Ping", "[ActionID:] <value>", "",
        "[Synopsis]", "Keepalive command.", "",
        "[Description]", "Answers Ping: Pong and the server's clock as seconds since the epoch.",
        "",
        "[Arguments]", "ActionID", "    ActionID for this transaction. Will be returned.", "",
        "[See Also]", "Not available", "",
        "[Privilege]", "<none>", "",
        "[List Responses]", "None", "",
        "[Final Response]", "None",
    ]
    wait_help = await admin.send_command("manager show command waitevent")
    assert wait_help.Output[:3] == ["[Syntax]", "Action: WaitEvent", "[ActionID:] <value>"]
    assert "Wait for an event to occur." in wait_help.Output
    table = await admin.send_command("manager show commands")
    names = [line.split()[0] for line in table.Output[2:]]
    assert sorted(names) == sorted(action.name for action in ACTIONS)


async def test_list_commands_lists_exactly_the_registered_actions(
    ami_switch: SwitchProcess
) -> None:
    async with await RawAmi.login(ami_switch.ami_port) as ami:
        (listed,) = await ami.request(Action="ListCommands")
    assert [name for name, _ in listed.pairs[1:]] == [action.name for action in ACTIONS]
    lines = dict(listed.pairs)
    assert lines["DBGet"] == "Get DB Entry. (Priv: system,reporting,all)"
    assert lines["UserEvent"] == "Send an arbitrary event. (Priv: user,all)"
    assert lines["Reload"] == "Send a reload event. (Priv: system,config,all)"


# -- reload -----------------------------------------------------------------------------------

TRUNK_USER = "trunkuser"
TRUNK_PASSWORD = "trunk-secret"


def _with_registration(registrar_port: int) -> str:
    return standard_pjsip_conf() + f"""
[provider-auth]
type=auth
auth_type=userpass
username={TRUNK_USER}
password={TRUNK_PASSWORD}

[provider]
type=registration
server_uri=sip:127.0.0.1:{registrar_port}
client_uri=sip:{TRUNK_USER}@127.0.0.1:{registrar_port}
contact_user=inbound
outbound_auth=provider-auth
expiration=120
"""


async def _registration_status(ami: RawAmi) -> str:
    _, *items, _ = await ami.request(Action="PJSIPShowRegistrationsOutbound")
    (registration,) = [item for item in items
                       if item.get("Event") == "OutboundRegistrationDetail"]
    return registration.get("Status") or ""


async def test_reload_starts_a_registration_added_to_the_database(
    switch_factory: SwitchFactory, run_dir: RunDir
) -> None:
    port = free_port("both")
    registrar = SippBackground(
        scenario("trunk_registrar_digest"), local_port=port, calls=1,
        variables={"user": TRUNK_USER, "password": TRUNK_PASSWORD}, timeout_s=40,
        workdir=run_dir("registrar"),
    ).start()
    try:
        switch = _with_managers(switch_factory())
        conf = switch.workdir / "with-trunk.conf"
        conf.write_text(_with_registration(port))
        switch.cli("config", "load", str(conf))
        async with await RawAmi.login(switch.ami_port) as ami:
            # Stored, but the switch only reads registrations at start and on reload.
            assert await _registration_status(ami) == "Unregistered"
            (before,) = await ami.request(Action="CoreStatus")
            (bogus,) = await ami.request(Action="Reload", Module="chan_sip")
            assert bogus.pairs == (("Response", "Error"), ("Message", "No such module"))
            (dialplan,) = await ami.request(Action="Reload", Module="pbx_config.so")
            assert dialplan.pairs == (("Response", "Success"), ("Message", "Module Reloaded"))
            switch.wait_for_log(r"reload: dialplan: 2 contexts, 2 priorities, 0 warnings$")
            assert await _registration_status(ami) == "Unregistered"
            # CoreReloadTime has a resolution of a second.
            await asyncio.sleep(1.1)
            (everything,) = await ami.request(Action="Reload")
            assert everything.get("Message") == "Module Reloaded"
            switch.wait_for_log(r"reload: dialplan: 2 contexts, 2 priorities, 0 warnings; "
                                r"outbound registrations: 1 registration restarted")
            deadline = time.monotonic() + 10
            while await _registration_status(ami) != "Registered":
                if time.monotonic() >= deadline:
                    pytest.fail(switch.log_text())
                await asyncio.sleep(0.2)
            (after,) = await ami.request(Action="CoreStatus")
            assert after.get("CoreReloadTime") != before.get("CoreReloadTime")
            assert after.get("CoreStartupTime") == before.get("CoreStartupTime")
        # The replacement registrations are the ones stopped (and unregistered) at exit.
        assert switch.stop() == 0
    finally:
        result = registrar.wait(timeout_s=10)
    assert result.ok, result.describe()
    assert "registered: " in result.logs, result.describe()
    assert "unregistered: " in result.logs, result.describe()
