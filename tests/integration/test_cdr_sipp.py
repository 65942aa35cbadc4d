"""CDRs of real calls: SIPp phones through the running switch, rows read from its database.

The dialplan sets ``CDR(userfield)`` and a CDR variable ``route`` before dialling; the test
adds a ``route`` column to the switch's ``cdr`` table before the first call, as a site with
its own reporting columns would, and expects the variable there.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tests.harness.sipp import SippBackground, SippUAS, scenario
from tests.harness.switch import SwitchFactory, SwitchProcess
from tests.harness.tools import RunDir, free_port, require_tool, sipp_media_port
from tests.integration.test_calls_sipp import (
    call,
    cancelled_call,
    final_status,
    forget_contacts,
    register_callee,
    rejected_call,
    wait_until,
)

pytestmark = pytest.mark.peer

DIALPLAN = """\
[internal]
exten => _X.,1,Set(CDR(userfield)=e2e-${EXTEN})
exten => _X.,2,Set(CDR(route)=27)
exten => _X.,3,Dial(PJSIP/${EXTEN},30)
"""
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


@pytest.fixture
def switch(switch_factory: SwitchFactory) -> SwitchProcess:
    started = switch_factory(extensions_conf=DIALPLAN)
    with _connect(started) as conn:
        conn.execute("ALTER TABLE cdr ADD COLUMN route INTEGER")
    return started


def _database(switch: SwitchProcess) -> Path:
    return switch.data_dir / "softswitch.db"


def _connect(switch: SwitchProcess) -> sqlite3.Connection:
    conn = sqlite3.connect(_database(switch), timeout=10)
    conn.row_factory = sqlite3.Row
    return conn


def cdr_rows(switch: SwitchProcess) -> list[dict[str, object]]:
    with _connect(switch) as conn:
        rows = conn.execute('SELECT *, "end" AS end_time FROM cdr ORDER BY sequence').fetchall()
    return [dict(row) for row in rows]


def rows_once_written(switch: SwitchProcess, count: int) -> list[dict[str, object]]:
    """The rows, once there are *count*: the writer runs off the call path, a moment later."""
    assert wait_until(lambda: len(cdr_rows(switch)) >= count, timeout_s=10), cdr_rows(switch)
    rows = cdr_rows(switch)
    assert len(rows) == count, rows
    return rows


def test_answered_call(switch: SwitchProcess, run_dir: RunDir) -> None:
    uas_port = register_callee(switch, run_dir)
    with SippUAS(local_port=uas_port, media_port=sipp_media_port(),
                 workdir=run_dir("uas")) as uas:
        result = call(switch, run_dir, hold_ms=2500)
        assert result.ok, result.describe()
        answered = uas.wait(10)
        assert answered.ok, answered.describe()
    (row,) = rows_once_written(switch, 1)
    assert re.fullmatch(r"PJSIP/101-[0-9a-f]{8}", str(row["channel"])), row
    assert re.fullmatch(r"PJSIP/102-[0-9a-f]{8}", str(row["dstchannel"])), row
    assert (row["src"], row["dst"], row["dcontext"]) == ("101", "102", "internal")
    assert "101" in str(row["clid"])
    assert (row["lastapp"], row["lastdata"]) == ("Dial", "PJSIP/102,30")
    assert (row["disposition"], row["amaflags"]) == ("ANSWERED", "DOCUMENTATION")
    assert (row["userfield"], row["route"]) == ("e2e-102", 27)
    assert row["uniqueid"] == row["linkedid"]
    for column in ("start", "answer", "end_time"):
        assert TIME.match(str(row[column])), row
    assert str(row["start"]) <= str(row["answer"]) <= str(row["end_time"])
    billsec, duration = row["billsec"], row["duration"]
    assert isinstance(billsec, int) and isinstance(duration, int)
    # A 2.5 s call: billed whole seconds, with the ringing (under 3 s) on top for duration.
    assert billsec >= 2, row
    assert duration - billsec in range(4), row
    assert (row["source"], row["destination"], row["direction"], row["group_uuid"]) == (
        None, None, None, None)


def test_busy_and_unanswered_calls(switch: SwitchProcess, run_dir: RunDir) -> None:
    uas_port = register_callee(switch, run_dir)
    with SippUAS(local_port=uas_port, scenario_path=scenario("b2bua_uas_busy"),
                 rtp_echo=False, workdir=run_dir("uas-busy")) as uas:
        assert final_status(rejected_call(switch, run_dir, "102")) == "486"
        busy = uas.wait(10)
        assert busy.ok, busy.describe()
    (busy_row,) = rows_once_written(switch, 1)
    # Else the next call rings the busy UAS's binding too: a row for each of the two.
    forget_contacts(switch, "102")

    cancelled_call(switch, run_dir, "-cancel")
    _busy, unanswered = rows_once_written(switch, 2)

    # Nobody registered as 103: the Dial rings no one.
    assert final_status(rejected_call(switch, run_dir, "103")) == "503"
    *_, unregistered = rows_once_written(switch, 3)

    for row in (busy_row, unanswered):
        assert re.fullmatch(r"PJSIP/102-[0-9a-f]{8}", str(row["dstchannel"])), row
    assert [(r["disposition"], r["billsec"], r["answer"])
            for r in (busy_row, unanswered, unregistered)] == [
        ("BUSY", 0, None), ("NO ANSWER", 0, None), ("FAILED", 0, None)]
    assert (unregistered["dstchannel"], unregistered["dst"], unregistered["lastdata"]) == (
        None, "103", "PJSIP/103,30")
    assert [r["userfield"] for r in (busy_row, unanswered, unregistered)] == [
        "e2e-102", "e2e-102", "e2e-103"]
    sequences = [r["sequence"] for r in (busy_row, unanswered, unregistered)]
    assert sequences == sorted(sequences) and len(set(sequences)) == 3


def test_a_call_up_at_shutdown_is_recorded(switch: SwitchProcess, run_dir: RunDir) -> None:
    uas_port = register_callee(switch, run_dir)
    with SippUAS(local_port=uas_port, media_port=sipp_media_port(), workdir=run_dir("uas")), \
            SippBackground(
                scenario("b2bua_uac_pcap"),
                target=switch.sip_address,
                local_port=free_port("both"),
                service="102",
                auth_user="101",
                auth_pass="pass101",
                variables={"caller": "101", "hold_ms": "30000"},
                extra=["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"],
                timeout_s=40,
                workdir=run_dir("uac"),
            ):
        assert wait_until(lambda: _callee_up(switch), timeout_s=10)
        assert switch.stop() == 0
    (row,) = cdr_rows(switch)
    assert (row["disposition"], row["lastapp"], row["userfield"]) == ("ANSWERED", "Dial",
                                                                      "e2e-102")
    assert re.fullmatch(r"PJSIP/102-[0-9a-f]{8}", str(row["dstchannel"])), row


def _callee_up(switch: SwitchProcess) -> bool:
    listing = switch.cli("cli", "-x", "core show channels").stdout
    return re.search(r"^PJSIP/102-[0-9a-f]{8}\s.*\sUp\s", listing, re.MULTILINE) is not None
