"""Record: file names, %d numbering, options (4th argument only) and RECORD_STATUS."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialplan_engine.apps.record import split_format
from dialplan_engine.channel_api import (
    ChannelHungUp,
    RecordRequest,
    RecordResult,
    RecordStatus,
)
from tests.dialplan.fake_channel import FakeChannel, Switch

_AFTER = " same => n,Set(AFTER=${RECORD_STATUS})\nexten => h,1,Set(H=${RECORD_STATUS})\n"


async def _record(
    args: str, sounds: Path, *results: RecordResult | BaseException, up: bool = False
) -> FakeChannel:
    switch = Switch.from_conf(f"[c]\nexten => s,1,Record({args})\n{_AFTER}")
    channel = switch.channel(sounds_dir=sounds, up=up)
    channel.record_results.extend(results)
    return await switch.call("c", channel=channel)


def _request(channel: FakeChannel) -> RecordRequest:
    assert len(channel.records) == 1
    return channel.records[0]


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("msg.wav", ("msg", "wav")),
        ("/tmp/a.b/msg.gsm", ("/tmp/a.b/msg", "gsm")),
        ("msg:wav", ("msg", "wav")),
        ("a.b.wav49", ("a.b", "wav49")),
        ("/tmp/a.b/msg", None),
        ("msg", None),
        ("msg.", None),
    ],
)
def test_the_format_is_the_last_extension(name: str, split: tuple[str, str] | None) -> None:
    assert split_format(name) == split


async def test_defaults_answer_beep_hash_and_a_name_under_the_sounds_folder(
    tmp_path: Path,
) -> None:
    channel = await _record("greeting.wav", tmp_path)
    assert channel.methods()[:2] == ["answer", "record"]
    assert _request(channel) == RecordRequest(
        path=tmp_path / "greeting.wav",
        silence_s=None,
        max_duration_s=None,
        terminators="#",
        operator_digit=False,
        beep=True,
        append=False,
        keep_on_hangup=False,
        trim_silence=True,
    )
    assert channel.var("RECORDED_FILE") == "greeting"
    assert channel.var("AFTER") == "DTMF"


async def test_percent_d_takes_the_first_free_number(tmp_path: Path) -> None:
    (tmp_path / "msgs").mkdir()
    (tmp_path / "msgs" / "m-0.wav").write_bytes(b"")
    (tmp_path / "msgs" / "m-1.wav").write_bytes(b"")
    (tmp_path / "msgs" / "m-2.gsm").write_bytes(b"")
    channel = await _record("msgs/m-%d.wav", tmp_path)
    assert _request(channel).path == tmp_path / "msgs" / "m-2.wav"
    assert channel.var("RECORDED_FILE") == "msgs/m-2"


async def test_an_absolute_name_in_a_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir"
    channel = await _record(f"{target}/call-%d.wav,5,60", tmp_path / "unused")
    request = _request(channel)
    assert request.path == target / "call-0.wav"
    assert (request.silence_s, request.max_duration_s) == (5.0, 60.0)
    assert channel.var("RECORDED_FILE") == f"{target}/call-0"


@pytest.mark.parametrize(
    ("options", "changes"),
    [
        ("a", {"append": True}),
        ("k", {"keep_on_hangup": True}),
        ("q", {"beep": False}),
        ("u", {"trim_silence": False}),
        ("t", {"terminators": "*"}),
        ("x", {"terminators": ""}),
        ("y", {"terminators": "0123456789*#ABCD"}),
        ("o", {"operator_digit": True}),
        ("oy", {"operator_digit": True, "terminators": "123456789*#ABCD"}),
    ],
)
async def test_options(options: str, changes: dict[str, object], tmp_path: Path) -> None:
    channel = await _record(f"f.wav,0,0,{options}", tmp_path)
    request = _request(channel)
    defaults = {
        "append": False,
        "keep_on_hangup": False,
        "beep": True,
        "trim_silence": True,
        "terminators": "#",
        "operator_digit": False,
    }
    assert {name: getattr(request, name) for name in defaults} == defaults | changes


async def test_options_in_the_third_position_are_not_options(tmp_path: Path) -> None:
    channel = await _record("f.wav,,k", tmp_path)
    request = _request(channel)
    assert request.keep_on_hangup is False
    assert request.max_duration_s is None


async def test_n_records_without_answering_and_s_skips(tmp_path: Path) -> None:
    noanswer = await _record("f.wav,,,n", tmp_path)
    assert noanswer.methods()[0] == "record"
    skipped = await _record("f.wav,,,s", tmp_path)
    assert skipped.records == []
    assert skipped.var("AFTER") == "SKIP"
    answered = await _record("f.wav,,,s", tmp_path, up=True)
    assert len(answered.records) == 1


@pytest.mark.parametrize("status", ["DTMF", "OPERATOR", "SILENCE", "TIMEOUT"])
async def test_statuses_that_continue(status: str, tmp_path: Path) -> None:
    channel = await _record("f.wav", tmp_path, RecordResult(status=RecordStatus(status)))
    assert channel.var("AFTER") == status


@pytest.mark.parametrize(
    "outcome", [RecordResult(status=RecordStatus.HANGUP), ChannelHungUp("gone")]
)
async def test_hangup_stops_the_dialplan_with_hangup(
    outcome: RecordResult | BaseException, tmp_path: Path
) -> None:
    channel = await _record("f.wav", tmp_path, outcome)
    assert channel.var("AFTER") is None
    assert channel.var("H") == "HANGUP"
    # Deleting the file is the switch's job; it is told not to keep it.
    assert _request(channel).keep_on_hangup is False


async def test_an_error_from_the_switch_stops_the_dialplan(tmp_path: Path) -> None:
    channel = await _record("f.wav", tmp_path, RecordResult(status=RecordStatus.ERROR))
    assert channel.var("AFTER") is None
    assert channel.var("H") == "ERROR"


async def test_a_name_without_format_is_an_error(tmp_path: Path) -> None:
    channel = await _record("nofile", tmp_path)
    assert channel.records == []
    assert channel.var("H") == "ERROR"
