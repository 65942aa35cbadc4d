"""Blind transfer with Dial options ``T`` (the caller may transfer) and ``t`` (the callee may):
``#`` and a number, sent as RFC 4733 events by a SIPp phone in the middle of the call."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.harness.dtmf_pcap import write_dtmf_pcap
from tests.harness.sipp import SippBackground, SippUAS, register_contact, scenario
from tests.harness.switch import SwitchFactory, SwitchProcess
from tests.harness.tools import RunDir, free_port, require_tool, sipp_media_port

pytestmark = pytest.mark.peer

DIALPLAN = """\
[internal]
exten => 700,1,Set(TRANSFERRED=yes)
 same => n,Answer()
 same => n,Wait(4)
 same => n,Hangup()
exten => _1XX,1,Dial(PJSIP/${EXTEN},30,{options})
"""


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


def _with_digits(name: str, pcap: Path, folder: Path) -> Path:
    """A copy of scenario *name* that plays *pcap*."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.xml"
    path.write_text(scenario(name).read_text().replace("DIGITS_PCAP", str(pcap)))
    return path


def _register(switch: SwitchProcess, run_dir: RunDir) -> int:
    port = free_port("both")
    registered = register_contact(switch.sip_address, user="102", password="pass102",
                                  local_port=port, workdir=run_dir("register"))
    assert registered.ok, registered.describe()
    return port


def _caller(switch: SwitchProcess, run_dir: RunDir, scenario_path: Path) -> SippBackground:
    return SippBackground(
        scenario_path, target=switch.sip_address, local_port=free_port("both"),
        service="102", auth_user="101", auth_pass="pass101", variables={"caller": "101"},
        extra=["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"], timeout_s=30,
        workdir=run_dir("uac"),
    )


def _channels(switch: SwitchProcess) -> str:
    return switch.cli("cli", "-x", "core show channels").stdout


def _wait_for(check: object, timeout_s: float = 10.0) -> bool:
    assert callable(check)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return bool(check())


def test_caller_transfers_the_callee_with_hash_and_a_number(
        switch_factory: SwitchFactory, run_dir: RunDir, tmp_path: Path) -> None:
    switch = switch_factory(extensions_conf=DIALPLAN.replace("{options}", "T"))
    pcap = write_dtmf_pcap(tmp_path / "transfer.pcap", "#700")
    uas_port = _register(switch, run_dir)
    with SippUAS(local_port=uas_port, media_port=sipp_media_port(),
                 workdir=run_dir("uas")) as callee:
        with _caller(switch, run_dir, _with_digits("b2bua_uac_dtmf_digits_wait_bye", pcap,
                                                   tmp_path / "scenarios")) as caller:
            assert caller.wait(15).ok, "the caller is hung up once it transferred"
        switch.wait_for_log(r"PJSIP/101-[0-9a-f]{8} transfers the call to 700@internal",
                            timeout_s=15)
        # The callee now runs extension 700 on its own: Set, Answer, Wait, Hangup.
        assert _wait_for(lambda: re.search(r"PJSIP/102-[0-9a-f]{8}\s+internal@700:3\s+Up\s+Wait",
                                           _channels(switch)))
        assert "PJSIP/101-" not in _channels(switch)
        ended = callee.wait(15)
        assert ended.ok, ended.describe()
    assert _wait_for(lambda: "0 active channels" in _channels(switch))
    assert "Traceback" not in switch.log_text()


def test_callee_transfers_the_caller_with_hash_and_a_number(
        switch_factory: SwitchFactory, run_dir: RunDir, tmp_path: Path) -> None:
    switch = switch_factory(extensions_conf=DIALPLAN.replace("{options}", "t"))
    pcap = write_dtmf_pcap(tmp_path / "transfer.pcap", "#700")
    uas_port = _register(switch, run_dir)
    digits = _with_digits("b2bua_uas_dtmf_digits", pcap, tmp_path / "scenarios")
    with SippUAS(local_port=uas_port, media_port=sipp_media_port(), workdir=run_dir("uas"),
                 scenario_path=digits) as callee, \
            _caller(switch, run_dir, scenario("b2bua_uac_wait_bye")) as caller:
            assert callee.wait(15).ok, "the callee is hung up once it transferred"
            switch.wait_for_log(r"PJSIP/102-[0-9a-f]{8} transfers the call to 700@internal",
                                timeout_s=15)
            assert _wait_for(lambda: re.search(
                r"PJSIP/101-[0-9a-f]{8}\s+internal@700:3\s+Up\s+Wait", _channels(switch)))
            ended = caller.wait(15)
            assert ended.ok, ended.describe()
    assert _wait_for(lambda: "0 active channels" in _channels(switch))


def test_a_transfer_is_ignored_without_the_option_and_for_an_unknown_number(
        switch_factory: SwitchFactory, run_dir: RunDir, tmp_path: Path) -> None:
    switch = switch_factory(extensions_conf=DIALPLAN.replace("{options}", "T"))
    pcap = write_dtmf_pcap(tmp_path / "transfer.pcap", "#9")
    uas_port = _register(switch, run_dir)
    digits = _with_digits("b2bua_uac_dtmf_digits_wait_bye", pcap, tmp_path / "scenarios")
    with SippUAS(local_port=uas_port, media_port=sipp_media_port(),
                 workdir=run_dir("uas")) as callee, _caller(switch, run_dir, digits) as caller:
            switch.wait_for_log(r"dialled '9' to transfer to: no such extension in internal",
                                timeout_s=15)
            # Still talking: both legs up until we end the call from the console.
            assert len(re.findall(r"\bUp\b", _channels(switch))) == 2
            out = switch.cli("cli", "-x", "channel request hangup all").stdout
            assert out.count("Requested Hangup on channel") == 2, out
            assert caller.wait(15).ok
            assert callee.wait(15).ok
