"""OPTIONS, the health check phones and trunks send, answered like Asterisk does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness.sipp import Transport, run_sipp, scenario
from tests.harness.switch import SwitchProcess
from tests.harness.tools import free_port, require_tool

pytestmark = pytest.mark.peer


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


@pytest.mark.parametrize("transport", ["u1", "t1"])
def test_options_to_the_server_gets_200_with_allow(
    switch: SwitchProcess, tmp_path: Path, transport: Transport
) -> None:
    result = run_sipp(
        scenario("options_server"),
        target=switch.sip_address,
        local_port=free_port("both"),
        transport=transport,
        workdir=tmp_path / "sipp",
    )
    assert result.ok, result.describe()
    assert "Allow:" in result.logs, result.describe()


def test_options_to_an_unknown_user_gets_404(switch: SwitchProcess, tmp_path: Path) -> None:
    result = run_sipp(
        scenario("options_unknown_user"),
        target=switch.sip_address,
        local_port=free_port("both"),
        service="no-such-extension",
        workdir=tmp_path / "sipp",
    )
    assert result.ok, result.describe()


def test_options_burst_is_answered_in_full(switch: SwitchProcess, tmp_path: Path) -> None:
    """Fifty probes at 50/s, as a busy trunk or a monitoring system sends them."""
    result = run_sipp(
        scenario("options_server"),
        target=switch.sip_address,
        local_port=free_port("both"),
        calls=50,
        rate=50,
        workdir=tmp_path / "sipp",
    )
    assert result.ok, result.describe()
    assert result.stats.successful == 50, result.describe()
