"""Qualify: the switch sends OPTIONS to registered contacts and tracks whether they answer.

A SIPp "phone" registers its contact from port P, then a SIPp UAS on P answers the OPTIONS.
``cli -x "pjsip show contacts"``, ``endpoint show`` and ``pjsip qualify`` must show what the
OPTIONS found: any answer means Reachable (unless ``qualify_2xx_only``), silence for
``qualify_timeout`` means Unreachable.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

import pytest

from tests.harness.sipp import SippBackground, SippUAS, register_contact, scenario
from tests.harness.switch import SwitchFactory, SwitchProcess, phone_block
from tests.harness.tools import RunDir, free_port, require_tool

pytestmark = pytest.mark.peer

QUALIFY_FREQUENCY_S = 1
QUALIFY_TIMEOUT_S = 1.0
UNREACHABLE_WITHIN_S = QUALIFY_TIMEOUT_S + QUALIFY_FREQUENCY_S + 2


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


def _qualified_endpoint(user: str, *, two_xx_only: bool = False) -> str:
    return phone_block(
        user,
        f"pass{user}",
        max_contacts=1,
        aor_options=(
            f"qualify_frequency={QUALIFY_FREQUENCY_S}\n"
            f"qualify_timeout={QUALIFY_TIMEOUT_S:g}\n"
            f"qualify_2xx_only={'yes' if two_xx_only else 'no'}"
        ),
    )


def qualify_conf() -> str:
    """101 is qualified every second; 102 too, but only a 2xx counts for it."""
    return "\n".join([_qualified_endpoint("101"), _qualified_endpoint("102", two_xx_only=True)])


@pytest.fixture
def switch(switch_factory: SwitchFactory) -> SwitchProcess:
    return switch_factory(pjsip_conf=qualify_conf())


def contact_row(switch: SwitchProcess, user: str, port: int) -> str:
    """Our contact's line of ``pjsip show contacts`` ("" while it is not listed)."""
    pattern = re.compile(rf"^{user}/sip:{user}@127\.0\.0\.1:{port}(?![0-9])")
    shown = switch.cli("cli", "-x", "pjsip show contacts").stdout
    return next((line for line in shown.splitlines() if pattern.match(line)), "")


def wait_for_status(switch: SwitchProcess, user: str, port: int, status: str, *,
                    timeout_s: float) -> str:
    """Our contact's row once it shows *status* (or the last row at the deadline)."""
    deadline = time.monotonic() + timeout_s
    while True:
        row = contact_row(switch, user, port)
        if status in row.split() or time.monotonic() >= deadline:
            return row
        time.sleep(0.2)


def rtt_ms(row: str) -> float:
    """The RTT column: the third of Contact, Status, RTT(ms), Expires, User-Agent."""
    return float(row.split()[2])


def register(switch: SwitchProcess, user: str, port: int, run_dir: RunDir) -> None:
    registered = register_contact(switch.sip_address, user=user, password=f"pass{user}",
                                  local_port=port, workdir=run_dir(f"register-{user}"))
    assert registered.ok, registered.describe()


def phone(port: int, name: str, run_dir: RunDir) -> SippUAS:
    """A SIPp UAS on the registered port answering OPTIONS until it is stopped."""
    return SippUAS(local_port=port, scenario_path=scenario(name), calls=1000, rtp_echo=False,
                   timeout_s=60, workdir=run_dir(name))


def test_answering_phone_is_reachable_and_silent_one_unreachable(
    switch: SwitchProcess, run_dir: RunDir
) -> None:
    port = free_port("both")
    register(switch, "101", port, run_dir)
    with phone(port, "qualify_answer", run_dir) as uas:
        row = wait_for_status(switch, "101", port, "Reachable", timeout_s=5)
        assert "Reachable" in row.split(), row
        assert 0 < rtt_ms(row) < 1000, row
        shown = switch.cli("endpoint", "show", "101").stdout
        assert re.search(rf"127\.0\.0\.1:{port}\S*\s+Reachable", shown), shown
        qualified = switch.cli("cli", "-x", "pjsip qualify 101").stdout
        assert re.search(rf"sip:101@127\.0\.0\.1:{port}\S*: Reachable$", qualified,
                         re.MULTILINE), qualified
    since = switch.log_offset()
    answered = uas.stop()
    # Answering at one a second for several seconds, and never a broken exchange.
    assert answered.stats.successful >= 2, answered.describe()
    assert answered.stats.failed == 0, answered.describe()

    stopped_at = datetime.now()
    # The switch's own log stamps the change, so the CLI's start-up time is not counted.
    line = switch.wait_for_log(r"of 101 is now Unreachable", since=since,
                               timeout_s=UNREACHABLE_WITHIN_S + 5)
    changed_at = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
    assert (changed_at - stopped_at).total_seconds() <= UNREACHABLE_WITHIN_S, line
    row = contact_row(switch, "101", port)
    assert "Unreachable" in row.split(), row
    assert row.split()[2] == "nan", row
    qualified = switch.cli("cli", "-x", "pjsip qualify 101").stdout
    assert re.search(rf"sip:101@127\.0\.0\.1:{port}\S*: Unreachable$", qualified,
                     re.MULTILINE), qualified
    assert "Traceback" not in switch.log_text()


def test_any_response_counts_as_reachable(switch: SwitchProcess, run_dir: RunDir) -> None:
    port = free_port("both")
    register(switch, "101", port, run_dir)
    with phone(port, "qualify_not_allowed", run_dir) as uas:
        row = wait_for_status(switch, "101", port, "Reachable", timeout_s=5)
        assert "Reachable" in row.split(), row
        # Several more rounds of 405 must not flip it.
        time.sleep(QUALIFY_FREQUENCY_S * 3)
        row = contact_row(switch, "101", port)
        assert "Reachable" in row.split(), row
    refused = uas.stop()
    assert refused.stats.successful >= 3, refused.describe()
    assert refused.stats.failed == 0, refused.describe()


def test_qualify_2xx_only_treats_a_405_as_unreachable(
    switch: SwitchProcess, run_dir: RunDir
) -> None:
    port = free_port("both")
    register(switch, "102", port, run_dir)
    with phone(port, "qualify_not_allowed", run_dir) as uas:
        # The first rounds may find the port still closed; wait for rounds SIPp answered.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and "answered with 405" not in _logs(uas):
            time.sleep(0.2)
        time.sleep(QUALIFY_FREQUENCY_S * 2)
        row = contact_row(switch, "102", port)
        qualified = switch.cli("cli", "-x", "pjsip qualify 102").stdout
    refused = uas.stop()
    assert "answered with 405" in refused.logs, refused.describe()
    assert "Unreachable" in row.split(), row
    assert re.search(r": Unreachable$", qualified, re.MULTILINE), qualified


def test_qualify_command_without_contacts_says_so(switch: SwitchProcess) -> None:
    shown = switch.cli("cli", "-x", "pjsip qualify 101").stdout
    assert "has no contacts" in shown, shown


def _logs(uas: SippBackground) -> str:
    path = uas.workdir / "actions.log"
    return path.read_text(errors="replace") if path.exists() else ""
