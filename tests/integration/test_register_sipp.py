"""REGISTER against the running switch, driven by SIPp over UDP and TCP.

SIPp's own verdict (exit code 0, every ``check_it`` regexp matched) proves the wire exchange;
the CLI (``endpoint show``, ``cli -x "pjsip show contacts"``) proves what the switch stored.
"""

from __future__ import annotations

import re
import time

import pytest

from tests.harness.sipp import (
    SippUAS,
    Transport,
    header_values,
    register_and_hold,
    register_contact,
    run_sipp,
    scenario,
)
from tests.harness.switch import SwitchProcess
from tests.harness.tools import RunDir, free_port, require_tool, sipp_media_port

pytestmark = pytest.mark.peer

TRANSPORTS: list[Transport] = ["u1", "t1"]

@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


def contact_re(user: str, port: int) -> re.Pattern[str]:
    """Our contact URI in CLI output; the look-ahead stops port 5060 matching 50601."""
    return re.compile(rf"sip:{re.escape(user)}@127\.0\.0\.1:{port}(?![0-9])")


def show(switch: SwitchProcess, endpoint: str) -> str:
    return switch.cli("endpoint", "show", endpoint).stdout


def wait_for_contact(switch: SwitchProcess, user: str, port: int, *, timeout_s: float) -> str:
    """``endpoint show`` output once it lists our contact (or the last output at the deadline)."""
    deadline = time.monotonic() + timeout_s
    while True:
        shown = show(switch, user)
        if contact_re(user, port).search(shown) or time.monotonic() >= deadline:
            return shown
        time.sleep(0.2)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_register_refresh_unregister_flow(
    switch: SwitchProcess, transport: Transport, run_dir: RunDir
) -> None:
    port = free_port("both")
    result = run_sipp(
        scenario("register_auth"),
        target=switch.sip_address,
        local_port=port,
        transport=transport,
        service="101",
        auth_user="101",
        auth_pass="pass101",
        workdir=run_dir("register_auth"),
    )
    assert result.ok, result.describe()
    assert "register: 200 with our binding" in result.logs, result.describe()
    assert "unregister" in result.logs, result.describe()
    # One call, counted as a success by SIPp itself.
    assert (result.stats.successful, result.stats.failed) == (1, 0), result.describe()
    assert not contact_re("101", port).search(show(switch, "101"))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_registered_contact_is_stored_and_removed(
    switch: SwitchProcess, transport: Transport, run_dir: RunDir
) -> None:
    port = free_port("both")
    # SIPp stays connected meanwhile: over TCP the binding may live only as long as the flow.
    holder = register_and_hold(
        switch.sip_address,
        user="102",
        password="pass102",
        local_port=port,
        hold_ms=8000,
        transport=transport,
        workdir=run_dir("register"),
    )
    try:
        shown = wait_for_contact(switch, "102", port, timeout_s=6)
    finally:
        registered = holder.wait(timeout_s=15)
    assert registered.ok, registered.describe()
    assert contact_re("102", port).search(shown), shown

    removed = run_sipp(
        scenario("unregister"),
        target=switch.sip_address,
        local_port=port,
        transport=transport,
        service="102",
        auth_user="102",
        auth_pass="pass102",
        workdir=run_dir("unregister"),
    )
    assert removed.ok, removed.describe()
    shown = show(switch, "102")
    assert not contact_re("102", port).search(shown), shown


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_wrong_password_is_challenged_again(
    switch: SwitchProcess, transport: Transport, run_dir: RunDir
) -> None:
    port = free_port("both")
    result = run_sipp(
        scenario("register_wrong_password"),
        target=switch.sip_address,
        local_port=port,
        transport=transport,
        service="103",
        auth_user="103",
        auth_pass="not-pass103",
        workdir=run_dir("wrong_password"),
    )
    assert result.ok, result.describe()
    assert " 200 OK" not in result.messages, result.describe()
    assert not contact_re("103", port).search(show(switch, "103"))


def test_unknown_user_is_challenged_like_a_known_one(
    switch: SwitchProcess, run_dir: RunDir
) -> None:
    """No user enumeration: user 999 gets a 401 and its credentials a 401 again, never 200/404."""
    result = run_sipp(
        scenario("register_wrong_password"),
        target=switch.sip_address,
        local_port=free_port("both"),
        service="999",
        auth_user="999",
        auth_pass="whatever",
        workdir=run_dir("unknown_user"),
    )
    assert result.ok, result.describe()


def test_contact_survives_restart(switch: SwitchProcess, run_dir: RunDir) -> None:
    port = free_port("both")
    registered = register_contact(
        switch.sip_address,
        user="104",
        password="pass104",
        local_port=port,
        expires=3600,
        workdir=run_dir("register"),
    )
    assert registered.ok, registered.describe()
    assert contact_re("104", port).search(show(switch, "104"))

    switch.restart()

    shown = show(switch, "104")
    assert contact_re("104", port).search(shown), shown
    contacts = switch.cli("cli", "-x", "pjsip show contacts").stdout
    assert contact_re("104", port).search(contacts), contacts


def test_max_contacts_removes_the_oldest(switch: SwitchProcess, run_dir: RunDir) -> None:
    """``max_contacts=2, remove_existing=yes``: a third phone replaces the oldest binding.

    Asterisk drops the binding closest to expiry. Registering with growing expiries makes the
    oldest binding also the soonest to expire, so the expected survivor set does not hinge
    on a tie between bindings registered within the same second.
    """
    ports = [free_port("both") for _ in range(3)]
    results = [
        register_contact(
            switch.sip_address,
            user="105",
            password="pass105",
            local_port=port,
            expires=expires,
            workdir=run_dir(f"register-{index}"),
        )
        for index, (port, expires) in enumerate(zip(ports, (600, 1200, 3600), strict=True))
    ]
    for result in results:
        assert result.ok, result.describe()
    # The third 200 lists the bindings left: exactly two, the newest two.
    final = [m for m in results[-1].received() if m.startswith("SIP/2.0 200")][-1]
    listed = header_values(final, "Contact")
    assert len(listed) == 2, final
    in_answer = [port for port in ports if any(contact_re("105", port).search(c) for c in listed)]
    assert in_answer == ports[1:], final

    shown = show(switch, "105")
    present = [port for port in ports if contact_re("105", port).search(shown)]
    assert present == ports[1:], shown


def test_sipp_uas_binds_the_port_its_contact_registered_from(
    switch: SwitchProcess, run_dir: RunDir
) -> None:
    """Harness check for the call tests: register a port, then a UAS takes it over."""
    port = free_port("both")
    registered = register_contact(
        switch.sip_address,
        user="101",
        password="pass101",
        local_port=port,
        workdir=run_dir("register"),
    )
    assert registered.ok, registered.describe()
    with SippUAS(local_port=port, media_port=sipp_media_port(), workdir=run_dir("uas")) as uas:
        assert uas.running
    shown = show(switch, "101")
    assert contact_re("101", port).search(shown), shown


def test_harness_sipp_uac_calls_sipp_uas_directly(run_dir: RunDir) -> None:
    """The call scenarios work between two SIPp peers without the switch (harness self-check)."""
    uas_port = free_port("both")
    uas = SippUAS(
        local_port=uas_port,
        media_port=sipp_media_port(),
        timeout_s=20,
        workdir=run_dir("uas"),
    ).start()
    try:
        caller = run_sipp(
            scenario("uac_call"),
            target=f"127.0.0.1:{uas_port}",
            local_port=free_port("both"),
            service="102",
            variables={"caller": "101", "hold_ms": "500"},
            extra=["-mp", str(sipp_media_port())],
            workdir=run_dir("uac"),
        )
    finally:
        answered = uas.wait(timeout_s=10)
    assert caller.ok, caller.describe()
    assert answered.ok, answered.describe()
    assert answered.stats.successful == 1, answered.describe()
