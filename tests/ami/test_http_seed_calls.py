"""The Evolvex manual's Manager-over-HTTP requests, sent with curl exactly as written there,
against live calls: Status while SIPp phones talk, an async Originate that makes a baresip
softphone ring and runs the dialplan on it, and the WaitEvent help through Command."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.harness.baresip import BaresipAccount, BaresipAgent
from tests.harness.sipp import SippBackground, SippUAS, register_contact, scenario
from tests.harness.switch import SwitchFactory, SwitchProcess
from tests.harness.tools import RunDir, free_port, require_tool, sipp_media_port

pytestmark = pytest.mark.peer

MANAGER_CONF = """\
[test]
secret = test
read = all
write = all
"""

DIALPLAN = """\
[internal]
exten => _1XX,1,Dial(PJSIP/${EXTEN},30)

[outgoing]
exten => 100,1,Answer()
 same => n,Set(SEEN=${CALLERID(num)})
 same => n,Wait(2)
 same => n,Hangup()
"""


class Curl:
    """curl with one cookie jar: the ``mansession_id`` the switch hands out is sent back."""

    def __init__(self, switch: SwitchProcess, folder: Path) -> None:
        self.binary = require_tool("curl")
        self.base = f"http://127.0.0.1:{switch.http_port}"
        self.jar = folder / "cookies.txt"

    def get(self, path_and_query: str) -> str:
        done = subprocess.run(
            [self.binary, "-sS", "--max-time", "20", "-c", str(self.jar), "-b", str(self.jar),
             self.base + path_and_query],
            capture_output=True, timeout=30, check=True,
        )
        # Bytes, not text mode: the body's CRLFs are part of what is checked.
        return done.stdout.decode()


def _blocks(body: str) -> list[dict[str, str]]:
    blocks = []
    for chunk in body.split("\r\n\r\n"):
        pairs = [line.split(": ", 1) for line in chunk.split("\r\n") if ": " in line]
        if pairs:
            blocks.append(dict(pairs))
    return blocks


@pytest.fixture
def seed_switch(switch_factory: SwitchFactory) -> SwitchProcess:
    switch = switch_factory(extensions_conf=DIALPLAN)
    conf = switch.workdir / "manager.conf"
    conf.write_text(MANAGER_CONF)
    switch.cli("config", "load", str(conf))
    return switch


@pytest.fixture
def curl(seed_switch: SwitchProcess, tmp_path: Path) -> Curl:
    client = Curl(seed_switch, tmp_path)
    body = client.get("/rawman?action=login&username=test&secret=test")
    assert body == "Response: Success\r\nMessage: Authentication accepted\r\n\r\n"
    return client


def test_status_shows_both_channels_of_a_live_call(seed_switch: SwitchProcess, curl: Curl,
                                                    run_dir: RunDir) -> None:
    require_tool("sipp")
    port = free_port("both")
    assert register_contact(seed_switch.sip_address, user="102", password="pass102",
                            local_port=port, workdir=run_dir("register")).ok
    caller = SippBackground(
        scenario("b2bua_uac_wait_bye"), target=seed_switch.sip_address,
        local_port=free_port("both"), service="102", auth_user="101", auth_pass="pass101",
        variables={"caller": "101"}, extra=["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"],
        timeout_s=30, workdir=run_dir("uac"))
    with SippUAS(local_port=port, media_port=sipp_media_port(), workdir=run_dir("uas")) as uas, \
            caller:
        deadline = time.monotonic() + 10
        while True:
            blocks = _blocks(curl.get("/rawman?action=status"))
            statuses = [b for b in blocks if b.get("Event") == "Status"]
            if sum(b["ChannelState"] == "6" for b in statuses) == 2 or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert blocks[0] == {"Response": "Success", "EventList": "start",
                             "Message": "Channel status will follow"}
        assert sorted(b["Channel"].split("-")[0] for b in statuses) == ["PJSIP/101",
                                                                       "PJSIP/102"]
        for status in statuses:
            assert status["Privilege"] == "Call"
            assert (status["ChannelState"], status["ChannelStateDesc"]) == ("6", "Up")
            assert status["Type"] == "PJSIP"
            assert status["Nativeformats"] in ("(alaw)", "(ulaw)")
        assert blocks[-1] == {"Event": "StatusComplete", "EventList": "Complete",
                              "ListItems": "2", "Items": "2"}
        caller_name = next(b["Channel"] for b in statuses if b["Channel"].startswith("PJSIP/101"))
        hung = _blocks(curl.get(f"/asterisk/rawman?action=hangup&channel={caller_name}"))
        assert hung[0]["Message"] == "Channel Hungup"
        assert caller.wait(10).ok
        assert uas.wait(10).ok


def test_async_originate_rings_a_softphone_and_runs_the_dialplan(
        seed_switch: SwitchProcess, curl: Curl, tmp_path: Path) -> None:
    phone = BaresipAgent(tmp_path / "103", account=BaresipAccount(
        user="103", registrar=seed_switch.sip_address, password="pass103"), max_seconds=30)
    with phone:
        assert phone.wait_registration(timeout_s=10)["type"] == "REGISTER_OK"
        body = curl.get("/rawman?action=originate&channel=PJSIP/103&context=outgoing"
                        "&exten=100&priority=1&async=true&callerid=%22Desk%22%20%3C555%3E")
        assert _blocks(body) == [{"Response": "Success",
                                  "Message": "Originate successfully queued"}]
        established = phone.wait_event("CALL_ESTABLISHED", timeout_s=10)
        assert "sip:555@" in str(established), established
        events: list[dict[str, str]] = []
        deadline = time.monotonic() + 10
        while not any(e.get("Event") == "OriginateResponse" for e in events) or not any(
                e.get("Application") == "Wait" for e in events):
            if time.monotonic() >= deadline:
                pytest.fail(f"no OriginateResponse and Wait in {events}")
            events += _blocks(curl.get("/rawman?action=waitevent&timeout=5"))
        response = next(e for e in events if e.get("Event") == "OriginateResponse")
        assert (response["Response"], response["Reason"]) == ("Success", "4")
        steps = [e for e in events if e.get("Event") == "Newexten"]
        assert [(s["Context"], s["Extension"], s["Application"]) for s in steps][:3] == [
            ("outgoing", "100", "Answer"), ("outgoing", "100", "Set"),
            ("outgoing", "100", "Wait")]
        # The dialplan's Hangup() ends the call on the phone.
        phone.wait_event("CALL_CLOSED", timeout_s=10)


def test_command_prints_the_waitevent_help(curl: Curl) -> None:
    body = curl.get("/rawman?action=command&command=manager%20show%20command%20waitevent")
    (block,) = _blocks(body)[:1]
    assert block["Response"] == "Success"
    assert block["Message"] == "Command output follows"
    output = [line.removeprefix("Output: ") for line in body.split("\r\n")
              if line.startswith("Output: ")]
    text = "\n".join(output)
    for heading in ("[Synopsis]", "[Syntax]", "[Arguments]", "[Privilege]"):
        assert heading in text, text
    assert "Action: WaitEvent" in text
    assert "Timeout" in text
