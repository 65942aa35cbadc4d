"""Stopping the switch with calls up: both phones get a BYE, and a phone that no longer
answers does not hold the stop for Timer F."""

from __future__ import annotations

import re
import time

import pytest

from tests.harness.sipp import SippBackground, SippUAS, register_contact, scenario
from tests.harness.switch import SwitchProcess
from tests.harness.tools import RunDir, free_port, require_tool, sipp_media_port

pytestmark = pytest.mark.peer


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


def _bridged_call(switch: SwitchProcess, run_dir: RunDir) -> tuple[SippUAS, SippBackground]:
    port = free_port("both")
    registered = register_contact(switch.sip_address, user="102", password="pass102",
                                  local_port=port, workdir=run_dir("register"))
    assert registered.ok, registered.describe()
    callee = SippUAS(local_port=port, media_port=sipp_media_port(), workdir=run_dir("uas"))
    caller = SippBackground(
        scenario("b2bua_uac_wait_bye"), target=switch.sip_address,
        local_port=free_port("both"), service="102", auth_user="101", auth_pass="pass101",
        variables={"caller": "101"},
        extra=["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"], timeout_s=30,
        workdir=run_dir("uac"),
    )
    callee.start()
    caller.start()
    switch.wait_for_log(r"PJSIP/101-[0-9a-f]{8} \(<101>\) calls 102")
    deadline = time.monotonic() + 10
    while len(re.findall(r"\bUp\b", switch.cli("cli", "-x", "core show channels").stdout)) < 2:
        if time.monotonic() >= deadline:
            pytest.fail("the call never came up")
        time.sleep(0.2)
    return callee, caller


def test_stopping_hangs_up_live_calls_with_bye(switch: SwitchProcess, run_dir: RunDir) -> None:
    callee, caller = _bridged_call(switch, run_dir)
    try:
        assert switch.stop() == 0
        assert caller.wait(10).ok, "the caller got our BYE"
        assert callee.wait(10).ok, "the callee got our BYE"
    finally:
        caller.stop()
        callee.stop()
    assert "hanging up 2 channel(s)" in switch.log_text()


def test_a_peer_that_is_gone_does_not_hold_the_stop(switch: SwitchProcess,
                                                    run_dir: RunDir) -> None:
    callee, caller = _bridged_call(switch, run_dir)
    callee.stop(grace_s=0)
    caller.stop(grace_s=0)
    # Our BYEs go unanswered: without the shutdown grace the stop would wait for their 32 s
    # Timer F, and the harness fails a switch that does not exit soon after SIGTERM.
    assert switch.stop() == 0
    assert "hanging up 2 channel(s)" in switch.log_text()
