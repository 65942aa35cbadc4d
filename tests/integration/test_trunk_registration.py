"""Outbound registration to a trunk: the switch is the UAC, a SIPp UAS plays the provider.

The registrar scenarios check the wire exchange themselves (``check_it`` regexps, digest
verification, Call-ID and CSeq comparisons); ``cli -x "pjsip show registrations"`` shows what
the switch believes. Timer F is shortened with ``[sip] t1_ms`` where a test waits for it.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from datetime import datetime

import pytest

from tests.harness.sipp import SippBackground, SippResult, Transport, header_values, scenario
from tests.harness.switch import SwitchFactory, SwitchProcess, standard_pjsip_conf
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
    transport: Transport = "u1",
) -> str:
    """The standard endpoints plus one registration to ``127.0.0.1:registrar_port``."""
    # ";" starts a comment in Asterisk's config syntax; a backslash makes it literal.
    params = r"\;transport=tcp" if transport == "t1" else ""
    return standard_pjsip_conf() + f"""
[{REGISTRATION}-auth]
type=auth
auth_type=userpass
username={TRUNK_USER}
password={TRUNK_PASSWORD}

[{REGISTRATION}]
type=registration
server_uri=sip:127.0.0.1:{registrar_port}{params}
client_uri=sip:{TRUNK_USER}@127.0.0.1:{registrar_port}
contact_user=inbound
outbound_auth={REGISTRATION}-auth
expiration={expiration}
retry_interval={retry_interval}
max_retries={max_retries}
auth_rejection_permanent={"yes" if auth_rejection_permanent else "no"}
"""


def registrar(name: str, port: int, run_dir: RunDir, *, timeout_s: float,
              variables: dict[str, str] | None = None,
              transport: Transport = "u1") -> SippBackground:
    """A SIPp registrar (UAS) on *port*, started before the switch so no REGISTER is lost."""
    uas = SippBackground(
        scenario(name),
        local_port=port,
        transport=transport,
        calls=1,
        variables=variables,
        timeout_s=timeout_s,
        workdir=run_dir(name),
    ).start()
    if not uas.running:
        # A scenario SIPp refuses to load ends the run at once; say so rather than time out.
        pytest.fail(f"sipp did not start\n{uas.stop().describe()}")
    return uas


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
    for stamp in _STAMP.finditer(result.messages):
        head, _, rest = result.messages[stamp.end() :].lstrip("\r\n").partition("\n")
        if " message received " in head and rest.lstrip("\r\n").startswith("REGISTER "):
            times.append(datetime.fromisoformat(stamp.group(1)))
    return times


def wait_for_sipp_log(uas: SippBackground, text: str, *, timeout_s: float) -> bool:
    """Whether a ``<log>`` line containing *text* appeared while SIPp still runs."""
    path = uas.workdir / "actions.log"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("transport", ["u1", "t1"])
def test_registers_with_digest_and_unregisters_on_shutdown(
    switch_factory: SwitchFactory, run_dir: RunDir, transport: Transport
) -> None:
    """UDP, and TCP named by ``;transport=tcp`` in server_uri (so the digest uri has a param)."""
    port = free_port("both")
    uas = registrar("trunk_registrar_digest", port, run_dir, timeout_s=40, transport=transport,
                    variables={"user": TRUNK_USER, "password": TRUNK_PASSWORD})
    try:
        switch = switch_factory(pjsip_conf=trunk_conf(port, transport=transport))
        row = wait_for_state(switch, "Registered", timeout_s=10)
        assert "Registered" in row.split(), row
        assert f"sip:127.0.0.1:{port}" in row, row
        assert row.split()[-1] == "60", row
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


def test_refreshes_before_the_granted_expiry_on_the_same_call_id(
    switch_factory: SwitchFactory, run_dir: RunDir
) -> None:
    """Asked for 30 s, granted 10 s: the refresh must come inside those 10 s.

    The switch refreshes 5 s before the lapse or at 90 % of the grant, whichever is sooner,
    so a 10 s grant is refreshed after about 5 s.
    """
    port = free_port("both")
    uas = registrar("trunk_registrar_refresh", port, run_dir, timeout_s=40)
    try:
        switch = switch_factory(pjsip_conf=trunk_conf(port, expiration=30))
        row = wait_for_state(switch, "Registered", timeout_s=10)
        assert "Registered" in row.split(), row
        assert row.split()[-1] == "10", row
        refreshed = wait_for_sipp_log(uas, "refreshed: ", timeout_s=15)
        assert "Registered" in registration_row(switch).split()
        switch.stop()
    finally:
        result = uas.wait(timeout_s=10)
    assert refreshed, result.describe()
    assert result.ok, result.describe()
    arrivals = register_times(result)
    assert len(arrivals) == 3, result.describe()
    gap = (arrivals[1] - arrivals[0]).total_seconds()
    assert 4.0 <= gap <= 9.5, f"refresh {gap:.2f} s after the first REGISTER"
    sent = registers(result)
    assert len({header_values(m, "Call-ID")[0] for m in sent}) == 1, sent
    assert header_values(sent[1], "Expires") == ["30"], sent[1]


def test_forbidden_is_rejected_and_not_retried_when_permanent(
    switch_factory: SwitchFactory, run_dir: RunDir
) -> None:
    port = free_port("both")
    uas = registrar("trunk_registrar_forbidden", port, run_dir, timeout_s=20)
    try:
        conf = trunk_conf(port, retry_interval=2, auth_rejection_permanent=True)
        switch = switch_factory(pjsip_conf=conf)
        row = wait_for_state(switch, "Rejected", timeout_s=10)
        assert "Rejected" in row.split(), row
    finally:
        # The scenario itself waits retry_interval + 2 s for a REGISTER that must not come.
        result = uas.wait(timeout_s=15)
    assert result.ok, result.describe()
    assert "no REGISTER after the 403" in result.logs, result.describe()
    assert len(registers(result)) == 1, result.describe()
    assert "Rejected" in registration_row(switch).split()
    assert "rejected permanently" in switch.log_text()


def test_forbidden_is_retried_when_not_permanent(
    switch_factory: SwitchFactory, run_dir: RunDir
) -> None:
    port = free_port("both")
    uas = registrar("trunk_registrar_forbidden_retry", port, run_dir, timeout_s=20)
    try:
        conf = trunk_conf(port, retry_interval=2, auth_rejection_permanent=False)
        switch = switch_factory(pjsip_conf=conf)
        row = wait_for_state(switch, "Rejected", timeout_s=10)
        assert "Rejected" in row.split(), row
    finally:
        result = uas.wait(timeout_s=15)
    assert result.ok, result.describe()
    arrivals = register_times(result)
    assert len(arrivals) == 2, result.describe()
    gap = (arrivals[1] - arrivals[0]).total_seconds()
    assert 1.5 <= gap <= 4.0, f"retry {gap:.2f} s after the 403 (retry_interval=2)"
    assert "Rejected" in registration_row(switch).split()


class SilentRegistrar:
    """A UDP socket on the registrar's port that never answers and notes each REGISTER's
    Via branch, so a test sees every transmission of every attempt."""

    def __init__(self, port: int) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", port))
        self._socket.settimeout(0.1)
        self.branches: list[str] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stopped.is_set():
            try:
                data = self._socket.recv(65535)
            except TimeoutError:
                continue
            found = re.search(rb"^Via:[^\r\n]*;branch=([^;\s]+)", data, re.M | re.I)
            if data.startswith(b"REGISTER ") and found:
                self.branches.append(found.group(1).decode())

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(2)
        self._socket.close()


def test_silent_registrar_fails_after_timer_f_and_gives_up(
    switch_factory: SwitchFactory,
) -> None:
    """Nothing answers: with T1 = 50 ms Timer F (64*T1) ends each attempt after 3.2 s, while
    Timer E resends the REGISTER after 50, 100, 200, 400, 800 and 1600 ms."""
    port = free_port("both")
    silent = SilentRegistrar(port)
    try:
        switch = switch_factory(pjsip_conf=trunk_conf(port, retry_interval=1, max_retries=1),
                                overrides={"sip": {"t1_ms": 50}})
        row = wait_for_state(switch, "Failed", timeout_s=8)
        assert "Failed" in row.split(), row
        assert "Failed no final response" in switch.log_text()
        # Two attempts (the first and one retry), 1 s apart.
        switch.wait_for_log(r"registration provider gave up after 2 attempts", timeout_s=10)
        assert "Failed" in registration_row(switch).split()
    finally:
        silent.close()
    # Counted once the listener has read everything: the last resend precedes Timer F by
    # 50 ms, and on a busy machine the listener may still be reading it as the state shows.
    assert silent.branches, "no REGISTER reached the silent registrar"
    first_attempt = silent.branches.count(silent.branches[0])
    # Failed only once Timer F ended the first attempt: sent at 0 and resent on Timer E at
    # 50, 150, 350, 750 and 1550 ms (T2 = 4 s caps none of those intervals). The resend due
    # at 3150 ms races Timer F at 3200 ms: each interval starts when the last resend went
    # out, so on a busy machine the lateness adds up and Timer F may come first.
    assert first_attempt >= 6, silent.branches
    assert len(set(silent.branches)) == 2, silent.branches


def test_registers_once_a_silent_registrar_comes_up(
    switch_factory: SwitchFactory, run_dir: RunDir
) -> None:
    """A Failed registration keeps retrying; the first answer after that registers it."""
    port = free_port("both")
    switch = switch_factory(pjsip_conf=trunk_conf(port, retry_interval=1),
                            overrides={"sip": {"t1_ms": 50}})
    row = wait_for_state(switch, "Failed", timeout_s=8)
    assert "Failed" in row.split(), row
    uas = registrar("trunk_registrar_digest", port, run_dir, timeout_s=30,
                    variables={"user": TRUNK_USER, "password": TRUNK_PASSWORD})
    try:
        # At most one more Timer F plus retry_interval before an attempt reaches SIPp.
        row = wait_for_state(switch, "Registered", timeout_s=8)
        assert "Registered" in row.split(), row
        switch.stop()
    finally:
        result = uas.wait(timeout_s=10)
    assert result.ok, result.describe()


def test_interval_too_brief_is_retried_with_min_expires(
    switch_factory: SwitchFactory, run_dir: RunDir
) -> None:
    port = free_port("both")
    uas = registrar("trunk_registrar_interval_too_brief", port, run_dir, timeout_s=30)
    try:
        switch = switch_factory(pjsip_conf=trunk_conf(port, expiration=120))
        row = wait_for_state(switch, "Registered", timeout_s=10)
        assert "Registered" in row.split(), row
        assert row.split()[-1] == "300", row
        switch.stop()
    finally:
        result = uas.wait(timeout_s=10)
    assert result.ok, result.describe()
    assert "registered with Min-Expires: " in result.logs, result.describe()


def test_refused_credentials_are_not_sent_again(
    switch_factory: SwitchFactory, run_dir: RunDir
) -> None:
    """A second 401 after our answer (not ``stale``) means a wrong password: stop there."""
    port = free_port("both")
    uas = registrar("trunk_registrar_wrong_password", port, run_dir, timeout_s=20)
    try:
        conf = trunk_conf(port, retry_interval=2, auth_rejection_permanent=True)
        switch = switch_factory(pjsip_conf=conf)
        row = wait_for_state(switch, "Rejected", timeout_s=10)
        assert "Rejected" in row.split(), row
    finally:
        result = uas.wait(timeout_s=15)
    assert result.ok, result.describe()
    assert "no REGISTER after the credentials were refused" in result.logs, result.describe()
    assert len(registers(result)) == 2, result.describe()
    assert "Rejected" in registration_row(switch).split()
