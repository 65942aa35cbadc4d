"""The API on real calls through the switch (SIPp phones): ``status`` during a call,
``originate`` to a registered phone, and a recorded call found by ``check``, fetched as wav
and mp3, and listed by ``get_log_cdr``."""

from __future__ import annotations

import datetime
import io
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
import soundfile

from media.mp3 import mp3_info
from tests.api.conftest import Api
from tests.harness.sipp import SippBackground, SippUAS, register_contact, run_sipp, scenario
from tests.harness.tools import RunDir, free_port, require_tool, sipp_media_port

pytestmark = pytest.mark.peer

STATUS_FIELDS = [
    "Event", "Privilege", "Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum",
    "CallerIDName", "ConnectedLineNum", "ConnectedLineName", "Language", "AccountCode",
    "Context", "Exten", "Priority", "Uniqueid", "Linkedid", "Type", "DNID",
    "EffectiveConnectedLineNum", "EffectiveConnectedLineName", "TimeToHangup", "BridgeID",
    "Application", "Data", "Nativeformats", "Readformat", "Readtrans", "Writeformat",
    "Writetrans", "Callgroup", "Pickupgroup", "Seconds",
]
CDR_COLUMNS = [
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "userfield", "uniqueid", "linkedid", "peeraccount", "sequence", "source", "destination",
    "direction", "group_uuid",
]
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
UNIQUEID = re.compile(r"\d+\.\d+")


@pytest.fixture(autouse=True)
def _sipp_installed() -> None:
    require_tool("sipp")


def register(api: Api, run_dir: RunDir, user: str) -> int:
    port = free_port("both")
    registered = register_contact(api.switch.sip_address, user=user, password=f"pass{user}",
                                  local_port=port, workdir=run_dir(f"register-{user}"))
    assert registered.ok, registered.describe()
    return port


def caller(api: Api, run_dir: RunDir, number: str, *, hold_ms: int = 4000,
           name: str = "b2bua_uac_pcap") -> SippBackground:
    variables = {"caller": "101"}
    if name == "b2bua_uac_pcap":
        variables["hold_ms"] = str(hold_ms)
    return SippBackground(
        scenario(name), target=api.switch.sip_address, local_port=free_port("both"),
        service=number, auth_user="101", auth_pass="pass101", variables=variables,
        extra=["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"], timeout_s=30,
        workdir=run_dir(f"caller-{number}"),
    ).start()


def wait_for(check: Callable[[], Any], what: str, timeout_s: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"no {what} within {timeout_s} s")


def status_rows(api: Api, **params: str) -> list[dict[str, str]]:
    answer = api.keyed("/api/index/status", **params)
    assert answer.status == 200
    body = answer.json()
    assert isinstance(body, dict) and list(body) == ["data"]
    rows: list[dict[str, str]] = body["data"]
    return rows


def test_status_shows_both_legs_of_a_call_as_status_events(api: Api, run_dir: RunDir) -> None:
    port = register(api, run_dir, "102")
    with SippUAS(local_port=port, media_port=sipp_media_port(), workdir=run_dir("uas")) as uas:
        call = caller(api, run_dir, "102", hold_ms=5000)

        def both_up() -> list[dict[str, str]] | None:
            rows = status_rows(api, actionid="crm-7")
            return rows if len(rows) == 2 and all(r["ChannelState"] == "6" for r in rows) \
                else None

        rows = wait_for(both_up, "two channels up")
        inbound = next(r for r in rows if r["Channel"].startswith("PJSIP/101-"))
        outbound = next(r for r in rows if r["Channel"].startswith("PJSIP/102-"))
        for row in (inbound, outbound):
            assert list(row)[: len(STATUS_FIELDS)] == STATUS_FIELDS
            assert list(row)[-1] == "ActionID" and row["ActionID"] == "crm-7"
            assert all(isinstance(value, str) for value in row.values())
            assert (row["Event"], row["Privilege"], row["ChannelStateDesc"], row["Type"]) == (
                "Status", "Call", "Up", "PJSIP")
            assert UNIQUEID.fullmatch(row["Uniqueid"])
            assert row["Linkedid"] == inbound["Uniqueid"]
            assert row["Readformat"] in ("alaw", "ulaw")
            assert row["Nativeformats"] == f"({row['Readformat']})"
        assert re.fullmatch(r"PJSIP/101-[0-9a-f]{8}", inbound["Channel"])
        assert (inbound["CallerIDNum"], inbound["Context"], inbound["Exten"]) == (
            "101", "internal", "102")
        assert (inbound["Application"], inbound["Data"]) == ("Dial", "PJSIP/102,30")
        assert inbound["CRM_ID"] == "42", "the channel's variables are in its object"
        assert (outbound["Application"], outbound["Data"]) == ("AppDial", "(Outgoing Line)")

        every = status_rows(api)
        for name, field in (("calleridnum", "CallerIDNum"), ("exten", "Exten"),
                            ("context", "Context"), ("connectedlinenum", "ConnectedLineNum")):
            for value in {row[field] for row in every}:
                expected = [row["Channel"] for row in every if row[field] == value]
                got = [row["Channel"] for row in status_rows(api, **{name: value})]
                assert got == expected, (name, value)
            assert status_rows(api, **{name: "no-such-value"}) == []
        both = status_rows(api, exten="102", calleridnum="101")
        assert [row["Channel"] for row in both] == [
            row["Channel"] for row in every
            if row["Exten"] == "102" and row["CallerIDNum"] == "101"]
        assert call.wait(20).ok
        assert uas.wait(10).ok
    assert wait_for(lambda: status_rows(api) == [], "the channels gone")


def test_originate_waits_for_the_answer_and_passes_callerid_and_variables(
        api: Api, run_dir: RunDir) -> None:
    port = register(api, run_dir, "103")
    with SippUAS(local_port=port, media_port=sipp_media_port(), workdir=run_dir("uas")) as uas:
        answer = api.keyed("/api/index/originate", channel="PJSIP/103", context="incoming",
                           exten="200", priority="1", callerid='"Sergey" <79123456789>',
                           variable="file=123,idcall=456")
        assert answer.status == 200
        data = answer.json()["data"]
        assert list(data) == ["Response", "Message", "Channel", "Context", "Exten", "Reason",
                              "Uniqueid"]
        assert data["Response"] == "Success" and data["Reason"] == "4"
        assert data["Message"] == "Originate successfully queued"
        assert re.fullmatch(r"PJSIP/103-[0-9a-f]{8}", data["Channel"])
        assert (data["Context"], data["Exten"]) == ("incoming", "200")
        assert UNIQUEID.fullmatch(data["Uniqueid"])
        assert api.agi_args(3) == ["79123456789", "123", "456"]
        answered = uas.wait(15)
        assert answered.ok, answered.describe()
    invite = next(m for m in answered.received() if m.startswith("INVITE "))
    assert '"Sergey" <sip:79123456789@' in invite


def test_originate_async_answers_before_the_phone_does(api: Api, run_dir: RunDir) -> None:
    port = register(api, run_dir, "103")
    with SippUAS(local_port=port, scenario_path=scenario("b2bua_uas_answer_later"),
                 media_port=sipp_media_port(), workdir=run_dir("uas")) as uas:
        answer = api.get("/pbx/api/index/originate", {
            "api_key": api.key, "channel": "PJSIP/103", "context": "incoming", "exten": "200",
            "variable": "file=9", "async": "true"})
        # The phone rings a second before answering: the answer came before it did.
        live = api.get("/api/index/status", {"api_key": api.key}).json()["data"]
        assert all(channel["ChannelState"] != "6" for channel in live), live
        assert (answer.status, answer.json()) == (200, {"data": {
            "Response": "Success", "Message": "Originate successfully queued"}})
        assert api.agi_args(3) == ["", "9", ""]
        assert uas.wait(15).ok


def test_originate_refusals(api: Api) -> None:
    def originate(**params: str) -> tuple[int, object]:
        answer = api.keyed("/api/index/originate", **params)
        return answer.status, answer.json()

    base = {"channel": "PJSIP/103", "exten": "200"}
    assert originate(**base, context="outgoing") == (
        403, {"error": "context 'outgoing' is not allowed for this api_key"})
    assert originate(**base) == (400, {"error": "context is required"})
    assert originate(channel="PJSIP/103", context="incoming") == (
        400, {"error": "exten is required"})
    assert originate(channel="nonsense", exten="200", context="incoming") == (
        400, {"error": "channel must be Tech/resource, such as PJSIP/101"})
    status, body = originate(**base, context="incoming", priority="nolabel")
    assert status == 400 and "nolabel" in body["error"]
    status, body = originate(channel="PJSIP/105", context="incoming", exten="200")
    assert status == 200
    assert body["data"]["Response"] == "Error" and body["data"]["Reason"] == "0"


def cdr_rows(api: Api, **fields: str) -> list[dict[str, Any]]:
    answer = api.post_form("/api/index/get_log_cdr", {"api_key": api.key, **fields})
    assert answer.status == 200, answer.body
    body = answer.json()
    assert isinstance(body, dict) and list(body) == ["data"]
    rows: list[dict[str, Any]] = body["data"]
    return rows


def test_a_recorded_call_checked_fetched_and_in_the_cdr(api: Api, run_dir: RunDir) -> None:
    port = register(api, run_dir, "102")
    with SippUAS(local_port=port, media_port=sipp_media_port(), workdir=run_dir("uas")) as uas:
        call = caller(api, run_dir, "301", hold_ms=3000)
        assert call.wait(30).ok
        assert uas.wait(10).ok
    mp3 = wait_for(lambda: next(iter(api.recordings.glob("*.mp3")), None), "mp3 recording")
    uniqueid = mp3.stem
    check = api.keyed("/api/index/check", uniqueid=uniqueid).json()
    assert check["data"]["file"] is True

    wav = api.keyed("/api/index/get_file_wav", uniqueid=uniqueid)
    samples, rate = soundfile.read(io.BytesIO(wav.body), dtype="int16")
    assert rate == 8000 and samples.ndim == 1 and 2.5 <= len(samples) / rate <= 6
    fetched = api.keyed("/api/index/get_file_mp3", uniqueid=uniqueid)
    assert fetched.body == mp3.read_bytes()
    info = mp3_info(fetched.body)
    assert info.first.sample_rate == 8000 and 2.5 <= info.duration_s <= 6
    assert soundfile.info(io.BytesIO(fetched.body)).channels == 1

    rows = wait_for(lambda: [r for r in cdr_rows(api) if r["uniqueid"] == uniqueid],
                    "CDR of the recorded call")
    row = rows[0]
    assert list(row) == CDR_COLUMNS
    assert (row["src"], row["dst"], row["dcontext"], row["lastapp"], row["lastdata"]) == (
        "101", "301", "internal", "Dial", "PJSIP/102,30")
    assert re.fullmatch(r"PJSIP/101-[0-9a-f]{8}", row["channel"])
    assert re.fullmatch(r"PJSIP/102-[0-9a-f]{8}", row["dstchannel"])
    assert (row["disposition"], row["amaflags"], row["linkedid"]) == (
        "ANSWERED", "DOCUMENTATION", uniqueid)
    for name in ("start", "answer", "end"):
        assert TIME.fullmatch(row[name]), (name, row[name])
    assert row["start"] <= row["answer"] <= row["end"]
    assert isinstance(row["duration"], int) and isinstance(row["billsec"], int)
    assert row["duration"] >= row["billsec"] >= 2
    assert isinstance(row["sequence"], int)


def test_cdr_of_an_unanswered_call_and_of_periods(api: Api, run_dir: RunDir) -> None:
    result = run_sipp(
        scenario("b2bua_uac_rejected"), target=api.switch.sip_address,
        local_port=free_port("both"), service="105", auth_user="101", auth_pass="pass101",
        variables={"caller": "101"}, timeout_s=20, workdir=run_dir("caller"),
    )
    assert result.ok, result.describe()
    rows = wait_for(lambda: [r for r in cdr_rows(api) if r["dst"] == "105"], "the CDR")
    row = rows[0]
    assert list(row) == CDR_COLUMNS
    assert row["answer"] is None and row["billsec"] == 0
    assert row["disposition"] != "ANSWERED"

    today = datetime.date.today().isoformat()
    assert cdr_rows(api, start=today, end=today) == rows
    by_get = api.keyed("/pbx/api/index/get_log_cdr", start=f"{today} 00:00:00",
                       end=f"{today}T23:59:59")
    assert by_get.json() == {"data": rows}
    assert cdr_rows(api, start="2001-01-01", end="2001-01-02") == []
    for fields, error in (
        ({"start": "yesterday"}, "start must be a date and time such as 2024-10-30 09:59:15"),
        ({"end": "2024-02-30"}, "end must be a date and time such as 2024-10-30 09:59:15"),
        ({"start": today, "end": "2001-01-01"}, "start is after end"),
    ):
        answer = api.post_form("/api/index/get_log_cdr", {"api_key": api.key, **fields})
        assert (answer.status, answer.json()) == (400, {"error": error})
