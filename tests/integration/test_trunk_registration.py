"""Outbound registration to a trunk: the switch is the UAC, a SIPp UAS plays the provider.

The registrar scenarios check the wire exchange themselves (``check_it`` regexps, digest
verification, Call-ID and CSeq comparisons); ``cli -x "pjsip show registrations"`` shows what
the switch believes. Timer F is shortened with ``[sip] t1_ms`` where a test waits for it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime

import pytest

from tests.harness.sipp import SippBackground, SippResult, header_values, scenario
from tests.harness.switch import Overrides, SwitchFactory, SwitchProcess, standard_pjsip_conf
from tests.harness.tools import RunDir, free_port, require_tool

pytestmark = pytest.mark.peer

TRUNK_USER = "trunkuser"
TRUNK_PASSWORD = "trunk-secret"
REGISTRATION = "provider"

# SIPp's -trace_msg separator line ends with the wall-clock time of the message.
_STAMP = re.compile(r"^-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)", re.MULTILINE)


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


def trunk_conf(
    registrar_port: int,
    *,
    expiration: int = 120,
    retry_interval: int = 60,
    max_retries: int = 10,
    auth_rejection_permanent: bool = True,
) -> str:
    """The standard endpoints plus one registration to ``127.0.0.1:registrar_port``."""
    return standard_pjsip_conf() + f"""
[{REGISTRATION}-auth]
type=auth
auth_type=userpass
username={TRUNK_USER}
password={TRUNK_PASSWORD}

[{REGISTRATION}]
type=registration
server_uri=sip:127.0.0.1:{registrar_port}
client_uri=sip:{TRUNK_USER}@127.0.0.1:{registrar_port}
contact_user=inbound
outbound_auth={REGISTRATION}-auth
expiration={expiration}
retry_interval={retry_interval}
max_retries={max_retries}
auth_rejection_permanent={"yes" if auth_rejection_permanent else "no"}
"""


def registrar(name: str, port: int, run_dir: RunDir, *, timeout_s: float,
              variables: dict[str, str] | None = None) -> SippBackground:
    """A SIPp registrar (UAS) on *port*, started before the switch so no REGISTER is lost."""
    return SippBackground(
        scenario(name),
        local_port=port,
        calls=1,
        variables=variables,
        timeout_s=timeout_s,
        workdir=run_dir(name),
    ).start()


def registration_row(switch: SwitchProcess) -> str:
    """Our line of ``pjsip show registrations`` (the whole output if it is missing)."""
    shown = switch.cli("cli", "-x", "pjsip show registrations").stdout
    for line in shown.splitlines():
        if line.split()[:1] == [REGISTRATION]:
            return line
    return shown


def wait_for_state(switch: SwitchProcess, state: str, *, timeout_s: float) -> str:
    """The registration's row once it shows *state* (or the last row at the deadline)."""
    deadline = time.monotonic() + timeout_s
    while True:
        row = registration_row(switch)
        if state in row.split() or time.monotonic() >= deadline:
            return row
        time.sleep(0.2)


def registers(result: SippResult) -> list[str]:
    return [m for m in result.received() if m.startswith("REGISTER ")]


def register_times(result: SippResult) -> list[datetime]:
    """When each REGISTER arrived at SIPp, from the stamps of the message trace."""
    times = []
    for block_start in _STAMP.finditer(result.messages):
        rest = result.messages[block_start.end() : block_start.end() + 200]
        if " message received " in rest.split("\n", 1)[0] and "REGISTER " in rest:
            times.append(datetime.fromisoformat(block_start.group(1)))
    return times


def start_switch(switch_factory: SwitchFactory, conf: str,
                 overrides: Overrides | None = None) -> SwitchProcess:
    return switch_factory(pjsip_conf=conf, overrides=overrides)


def test_registers_with_digest_and_unregisters_on_shutdown(
    switch_factory: SwitchFactory, run_dir: RunDir
) -> None:
    port = free_port("both")
    uas = registrar("trunk_registrar_digest", port, run_dir, timeout_s=40,
                    variables={"user": TRUNK_USER, "password": TRUNK_PASSWORD})
    try:
        switch = start_switch(switch_factory, trunk_conf(port))
        row = wait_for_state(switch, "Registered", timeout_s=10)
        assert "Registered" in row.split(), row
        assert f"sip:127.0.0.1:{port}" in row, row
        code = switch.stop()
        assert code == 0, switch.log_text()
    finally:
        result = uas.wait(timeout_s=10)
    assert result.ok, result.describe()
    assert "registered: " in result.logs, result.describe()
    assert "unregistered: " in result.logs, result.describe()

    sent = registers(result)
    assert len(sent) == 4, result.describe()
    call_ids = {header_values(m, "Call-ID")[0] for m in sent}
    assert len(call_ids) == 1, call_ids
    cseqs = [int(header_values(m, "CSeq")[0].split()[0]) for m in sent]
    assert cseqs == sorted(set(cseqs)), cseqs
    assert [header_values(m, "Expires") for m in sent[2:]] == [["0"], ["0"]], sent[2:]
