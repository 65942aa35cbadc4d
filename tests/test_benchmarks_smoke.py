"""The benchmark scripts still run: each one briefly at a tiny load, output line checked.

Nothing here judges speed (a loaded CI box would make that flaky); it catches a script that
no longer starts the switch, drives SIPp, or parses what they leave behind.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.tools import require_tool

pytestmark = pytest.mark.peer

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
NUMBER = r"-?[0-9.]+"


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


def run(script: str, *args: str, timeout_s: float = 100) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        cwd=BENCHMARKS.parent,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def assert_line(result: subprocess.CompletedProcess[str], pattern: str) -> None:
    outputs = f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    # 1 is a run that measured but did not pass its level (a retransmission on a busy box):
    # that is a figure, not a broken script.
    assert result.returncode in (0, 1), outputs
    assert re.search(pattern, result.stdout, re.MULTILINE), outputs


def test_register_rate_prints_its_line() -> None:
    result = run("register_rate.py", "--rate", "5", "--seconds", "2", "--users", "5")
    assert_line(
        result,
        rf"^register: rate=5 attempted=\d+ ok=\d+ failed=\d+ achieved={NUMBER}/s "
        rf"p50={NUMBER}ms p95={NUMBER}ms cpu={NUMBER}% rss={NUMBER}MB$",
    )


def test_calls_cps_prints_its_line() -> None:
    result = run("calls.py", "cps", "--rate", "5", "--seconds", "2", "--hold-ms", "200")
    assert_line(
        result,
        rf"^cps: rate=5 attempted=\d+ ok=\d+ failed=\d+ retrans=\d+ setup_p50={NUMBER}ms "
        rf"setup_p95={NUMBER}ms cpu={NUMBER}% rss={NUMBER}MB$",
    )


def test_calls_media_prints_its_line() -> None:
    # The shortest hold is one play of SIPp's 7 s capture.
    result = run("calls.py", "media", "--calls", "3", "--hold-s", "1", "--ramp-s", "1")
    assert_line(
        result,
        rf"^media: calls=3 ok=\d+ failed=\d+ loss_fwd={NUMBER}% loss_back={NUMBER}% "
        rf"cpu={NUMBER}% rss={NUMBER}MB rss_per_call={NUMBER}MB$",
    )


def test_calls_media_with_switch_counters_prints_its_line() -> None:
    result = run("calls.py", "media", "--calls", "2", "--hold-s", "1", "--ramp-s", "1",
                 "--counters", "switch")
    assert_line(result, r"^media: calls=2 ok=\d+ failed=\d+ ")
    assert "counted_by=switch" in result.stderr


def test_calls_media_recorded_prints_its_line() -> None:
    result = run("calls.py", "media", "--calls", "2", "--hold-s", "1", "--ramp-s", "1",
                 "--record")
    if result.returncode == 2:
        # A switch without a dialplan cannot record, and the script must say so.
        assert "recording benchmark needs the dialplan (MixMonitor)" in result.stderr
        return
    assert_line(result, r"^media: calls=2 ok=\d+ failed=\d+ .* recorded=\d+$")
