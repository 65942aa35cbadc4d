"""Calls through the B2BUA, SIPp on both ends: UAC → switch → UAS with RTP both ways.

The UAC plays SIPp's bundled PCMA capture (236 packets); the UAS echoes what it gets. The
switch's per-leg media counters (logged when a call ends) prove the audio went through our
ports in both directions, and the media plane's port pool must be whole again afterwards.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.harness.sipp import (
    SippBackground,
    SippResult,
    SippUAS,
    register_contact,
    run_sipp,
    scenario,
)
from tests.harness.switch import SwitchProcess
from tests.harness.tools import RunDir, free_port, require_tool, sipp_media_port

pytestmark = pytest.mark.peer

PCAP_PACKETS = 236
MEDIA_LINE = re.compile(r"(PJSIP/\d+)-[0-9a-f]{8} media: (\d+) packets in, (\d+) out, (\d+) lost")


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


def media_counters(switch: SwitchProcess, since: int) -> dict[str, tuple[int, int]]:
    """``{"PJSIP/101": (in, out), ...}`` from the lines the switch logs as a call ends."""
    switch.wait_for_log(r"PJSIP/102-[0-9a-f]{8} media:", since=since, timeout_s=10)
    counters = {}
    for match in MEDIA_LINE.finditer(switch.log_text(since)):
        counters[match.group(1)] = (int(match.group(2)), int(match.group(3)))
    return counters


def register_callee(switch: SwitchProcess, run_dir: RunDir, user: str = "102") -> int:
    """Register *user* from a fresh port, where the test then starts its SIPp UAS."""
    port = free_port("both")
    registered = register_contact(switch.sip_address, user=user, password=f"pass{user}",
                                  local_port=port, workdir=run_dir("register"))
    assert registered.ok, registered.describe()
    return port


def phone_101(switch: SwitchProcess, callee: str = "102") -> dict[str, Any]:
    """SIPp as phone 101 (digest credentials, its own SIP and media ports) calling *callee*."""
    return {
        "target": switch.sip_address,
        "local_port": free_port("both"),
        "service": callee,
        "auth_user": "101",
        "auth_pass": "pass101",
        "variables": {"caller": "101"},
        "extra": ["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"],
    }


def rejected_call(switch: SwitchProcess, run_dir: RunDir, callee: str) -> SippResult:
    """A call the switch (or the callee) refuses; returns SIPp's result to inspect."""
    result = run_sipp(
        scenario("b2bua_uac_rejected"),
        **phone_101(switch, callee=callee),
        timeout_s=15,
        workdir=run_dir(f"uac-{callee}"),
    )
    assert result.ok, result.describe()
    return result


def final_status(result: SippResult) -> str:
    """The status code of the last response SIPp received."""
    statuses = [m.split(" ", 2)[1] for m in result.received() if m.startswith("SIP/2.0 ")]
    return statuses[-1] if statuses else ""


def ports_all_free(switch: SwitchProcess) -> bool:
    text = switch.cli("cli", "-x", "media show status").stdout
    match = re.search(r"Ports: (\d+) free of (\d+)", text)
    assert match, text
    return match.group(1) == match.group(2)


def forget_contacts(switch: SwitchProcess, endpoint: str) -> None:
    """Unregister every binding of *endpoint* (REGISTER ``Contact: *``, ``Expires: 0``)."""
    result = run_sipp(scenario("unregister_all"), target=switch.sip_address,
                      local_port=free_port("both"), service=endpoint, auth_user=endpoint,
                      auth_pass=f"pass{endpoint}", timeout_s=10)
    assert result.ok, result.describe()


def wait_until(condition: object, timeout_s: float = 5.0) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def call(switch: SwitchProcess, run_dir: RunDir, *, callee: str = "102",
         hold_ms: int = 8000) -> SippResult:
    return run_sipp(
        scenario("b2bua_uac_pcap"),
        target=switch.sip_address,
        local_port=free_port("both"),
        service=callee,
        auth_user="101",
        auth_pass="pass101",
        variables={"caller": "101", "hold_ms": str(hold_ms)},
        extra=["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"],
        timeout_s=hold_ms / 1000 + 15,
        workdir=run_dir("uac"),
    )


def test_call_relays_rtp_both_ways_through_the_switch(switch: SwitchProcess,
                                                      run_dir: RunDir) -> None:
    uas_port = register_callee(switch, run_dir)
    since = switch.log_offset()
    with SippUAS(local_port=uas_port, media_port=sipp_media_port(),
                 workdir=run_dir("uas")) as uas:
        result = call(switch, run_dir)
        assert result.ok, result.describe()
        answered = uas.wait(10)
        assert answered.ok, answered.describe()
    counters = media_counters(switch, since)
    caller_in, caller_out = counters["PJSIP/101"]
    callee_in, callee_out = counters["PJSIP/102"]
    # UAC sent → switch received → switch sent to UAS; UAS echoed → switch → UAC.
    assert caller_in >= PCAP_PACKETS * 0.99, counters
    assert callee_out >= PCAP_PACKETS * 0.99, counters
    assert callee_in >= PCAP_PACKETS * 0.99, counters
    assert caller_out >= PCAP_PACKETS * 0.99, counters
    assert wait_until(lambda: ports_all_free(switch))
    assert "Traceback" not in switch.log_text()


def test_unknown_extension_is_404_and_unreachable_one_is_congestion(
    switch: SwitchProcess, run_dir: RunDir
) -> None:
    # "nobody" matches no extension of the context (the test dialplan has only _X.);
    # 103 matches, but Dial finds no contact: CHANUNAVAIL, and the dialplan falls through
    # with congestion, as Asterisk's autofallthrough does.
    for callee, status in (("nobody", "404"), ("103", "503")):
        result = rejected_call(switch, run_dir, callee)
        assert final_status(result) == status, result.describe()
    assert wait_until(lambda: ports_all_free(switch))


def test_busy_callee_gives_486_to_the_caller(switch: SwitchProcess, run_dir: RunDir) -> None:
    uas_port = register_callee(switch, run_dir)
    with SippUAS(local_port=uas_port, scenario_path=scenario("b2bua_uas_busy"),
                 rtp_echo=False, workdir=run_dir("uas")) as uas:
        result = rejected_call(switch, run_dir, "102")
        assert final_status(result) == "486", result.describe()
        busy = uas.wait(10)
        assert busy.ok, busy.describe()
    assert wait_until(lambda: ports_all_free(switch))


def cancelled_call(switch: SwitchProcess, run_dir: RunDir, label: str = "") -> None:
    """101 calls 102, which rings; 101 gives up with a CANCEL. Both SIPp ends must pass."""
    uas_port = register_callee(switch, run_dir)
    with SippUAS(local_port=uas_port, scenario_path=scenario("b2bua_uas_ring_cancel"),
                 rtp_echo=False, workdir=run_dir(f"uas{label}")) as uas:
        result = run_sipp(
            scenario("b2bua_uac_cancel"),
            **phone_101(switch),
            timeout_s=15,
            workdir=run_dir(f"uac{label}"),
        )
        assert result.ok, result.describe()
        cancelled = uas.wait(10)
        assert cancelled.ok, cancelled.describe()


def test_caller_cancels_while_the_callee_rings(switch: SwitchProcess, run_dir: RunDir) -> None:
    since = switch.log_offset()
    cancelled_call(switch, run_dir)
    assert wait_until(lambda: ports_all_free(switch))
    assert "Traceback" not in switch.log_text(since)


def test_callee_hangs_up_first(switch: SwitchProcess, run_dir: RunDir) -> None:
    uas_port = register_callee(switch, run_dir)
    with SippUAS(local_port=uas_port, scenario_path=scenario("b2bua_uas_bye"),
                 media_port=sipp_media_port(), workdir=run_dir("uas")) as uas:
        result = run_sipp(
            scenario("b2bua_uac_wait_bye"),
            **phone_101(switch),
            timeout_s=15,
            workdir=run_dir("uac"),
        )
        assert result.ok, result.describe()
        hung_up = uas.wait(10)
        assert hung_up.ok, hung_up.describe()
    assert wait_until(lambda: ports_all_free(switch))


def no_channels(switch: SwitchProcess) -> bool:
    return "\n0 active channels\n" in switch.cli("cli", "-x", "core show channels").stdout


def test_a_caller_who_never_answers_our_bye_does_not_hold_the_call(switch: SwitchProcess,
                                                                  run_dir: RunDir) -> None:
    """The callee hangs up and the caller ignores our BYE: the BYE's transaction waits for
    Timer F (32 s) on its own, while the channel and its media end at once."""
    uas_port = register_callee(switch, run_dir)
    with SippUAS(local_port=uas_port, scenario_path=scenario("b2bua_uas_bye"),
                 media_port=sipp_media_port(), workdir=run_dir("uas")) as uas, \
            SippBackground(
                scenario("b2bua_uac_silent_bye"),
                **phone_101(switch),
                timeout_s=20,
                workdir=run_dir("uac"),
            ) as caller:
        hung_up = uas.wait(10)
        assert hung_up.ok, hung_up.describe()
        assert wait_until(lambda: no_channels(switch) and ports_all_free(switch), timeout_s=3)
        # Still silent, its port open: the BYE was neither answered nor refused meanwhile.
        assert caller.running
        ignored = caller.wait(15)
    assert ignored.ok, ignored.describe()
    # Resent on Timer E meanwhile: the transaction lived on without the channel.
    byes = [m for m in ignored.received() if m.startswith("BYE ")]
    assert len(byes) >= 2, ignored.describe()


def test_hold_and_resume_are_passed_to_the_other_party(switch: SwitchProcess,
                                                       run_dir: RunDir) -> None:
    uas_port = register_callee(switch, run_dir)
    with SippUAS(local_port=uas_port, scenario_path=scenario("b2bua_uas_held"),
                 media_port=sipp_media_port(), workdir=run_dir("uas")) as uas:
        result = run_sipp(
            scenario("b2bua_uac_hold"),
            **phone_101(switch),
            timeout_s=20,
            workdir=run_dir("uac"),
        )
        assert result.ok, result.describe()
        held = uas.wait(10)
        assert held.ok, held.describe()
    assert wait_until(lambda: ports_all_free(switch))


def test_early_media_reaches_the_caller_before_the_answer(switch: SwitchProcess,
                                                          run_dir: RunDir) -> None:
    uas_port = register_callee(switch, run_dir)
    with SippUAS(local_port=uas_port, scenario_path=scenario("b2bua_uas_early"),
                 media_port=sipp_media_port(), workdir=run_dir("uas")) as uas:
        result = call(switch, run_dir, hold_ms=2000)
        assert result.ok, result.describe()
        answered = uas.wait(10)
        assert answered.ok, answered.describe()
    progress = [m for m in result.received() if m.startswith("SIP/2.0 183")]
    assert progress and "m=audio" in progress[0], result.describe()
    # The 183's SDP is ours, not the callee's: media stays anchored on the switch.
    assert f"m=audio {uas_port}" not in progress[0]
    assert wait_until(lambda: ports_all_free(switch))


def test_no_tasks_or_ports_leak_after_calls(switch: SwitchProcess, run_dir: RunDir) -> None:
    def tasks() -> int:
        text = switch.cli("cli", "-x", "core show tasks").stdout
        return int(text.split()[0])

    baseline = tasks()
    for scenario_test in (test_busy_callee_gives_486_to_the_caller,
                          test_caller_cancels_while_the_callee_rings,
                          test_callee_hangs_up_first):
        scenario_test(switch, run_dir)
        # Each SIPp UAS leaves its binding behind; a dead binding would be rung next time.
        forget_contacts(switch, "102")
    assert wait_until(lambda: tasks() <= baseline), (tasks(), baseline)
    assert ports_all_free(switch)


def freed_by_collections(switch: SwitchProcess) -> int:
    report = switch.cli("cli", "-x", "core show garbage").stdout
    found = re.search(r"^Freed by collections since start: (\d+)$", report, re.M)
    assert found, report
    return int(found.group(1))


def test_ended_calls_leave_nothing_for_the_garbage_collector(switch: SwitchProcess,
                                                             run_dir: RunDir) -> None:
    """A call is freed when it ends: left in reference cycles (about 130 objects each),
    calls would pile up in the oldest generation and make each full collection a longer
    pause for every live call."""
    # The first CDR reads the cdr table's columns, once, which leaves its own garbage.
    test_callee_hangs_up_first(switch, run_dir)
    forget_contacts(switch, "102")
    before = freed_by_collections(switch)
    for scenario_test in (test_callee_hangs_up_first, test_caller_cancels_while_the_callee_rings,
                          test_callee_hangs_up_first):
        scenario_test(switch, run_dir)
        forget_contacts(switch, "102")
    # Registrations and the console's own requests are part of the count, calls none.
    assert freed_by_collections(switch) - before < 100


def test_call_from_a_trunk_identified_by_its_address(switch: SwitchProcess,
                                                     run_dir: RunDir) -> None:
    """The standard test trunk is identified by 127.0.0.2 and needs no credentials."""
    uas_port = register_callee(switch, run_dir)
    since = switch.log_offset()
    with SippUAS(local_port=uas_port, media_port=sipp_media_port(),
                 workdir=run_dir("uas")) as uas:
        result = run_sipp(
            scenario("b2bua_uac_trunk"),
            target=switch.sip_address,
            local_port=free_port("both"),
            service="102",
            variables={"caller": "79123456789", "hold_ms": "1000"},
            extra=["-i", "127.0.0.2", "-mp", str(sipp_media_port()), "-mi", "127.0.0.2"],
            timeout_s=20,
            workdir=run_dir("trunk"),
        )
        assert result.ok, result.describe()
        answered = uas.wait(10)
        assert answered.ok, answered.describe()
    log = switch.log_text(since)
    assert re.search(r"PJSIP/trunk-[0-9a-f]{8} \(<79123456789>\) calls 102 in context "
                     r"from-trunk", log), log
