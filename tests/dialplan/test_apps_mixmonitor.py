"""MixMonitor: file names, the r()/t()/D layouts, volumes, the post-command."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialplan_engine.channel_api import MixMonitorRequest
from tests.dialplan.fake_channel import FakeChannel, Switch


async def _monitor(
    args: str, monitor: Path, *, globals_: dict[str, str] | None = None
) -> FakeChannel:
    switch = Switch.from_conf(f"[c]\nexten => s,1,MixMonitor({args})\n same => n,Set(AFTER=1)\n")
    switch.globals.update(globals_ or {})
    channel = switch.channel(monitor_dir=monitor, uniqueid="1700000000.7")
    return await switch.call("c", channel=channel)


def _request(channel: FakeChannel) -> MixMonitorRequest:
    assert len(channel.mixmonitors) == 1
    return channel.mixmonitors[0]


async def test_a_relative_name_goes_under_the_monitor_folder_without_answering(
    tmp_path: Path,
) -> None:
    channel = await _monitor("sub/${UNIQUEID}.wav", tmp_path)
    assert _request(channel) == MixMonitorRequest(path=tmp_path / "sub" / "1700000000.7.wav")
    assert channel.var("MIXMONITOR_FILENAME") == str(tmp_path / "sub" / "1700000000.7.wav")
    assert "answer" not in channel.methods()
    assert channel.var("AFTER") == "1"


@pytest.mark.parametrize(
    ("name", "written"), [("call", "call.raw"), ("call.wav49", "call.WAV"), ("c.gsm", "c.gsm")]
)
async def test_the_extension_is_the_format(name: str, written: str, tmp_path: Path) -> None:
    channel = await _monitor(name, tmp_path)
    assert _request(channel).path == tmp_path / written


async def test_an_absolute_name_stays(tmp_path: Path) -> None:
    channel = await _monitor(f"{tmp_path}/x/a.wav", tmp_path / "unused")
    assert _request(channel).path == tmp_path / "x" / "a.wav"


async def test_receive_and_transmit_files_without_a_main_file(tmp_path: Path) -> None:
    channel = await _monitor(f",r(in.wav)t({tmp_path}/abs/out.wav)", tmp_path / "spool")
    request = _request(channel)
    assert request.path is None
    assert request.receive_path == tmp_path / "spool" / "in.wav"
    assert request.transmit_path == tmp_path / "abs" / "out.wav"
    assert channel.var("MIXMONITOR_FILENAME") is None


async def test_nothing_to_write_fails(tmp_path: Path) -> None:
    channel = await _monitor(",r()", tmp_path)
    assert channel.mixmonitors == []
    assert channel.var("AFTER") is None


async def test_flags_and_volumes(tmp_path: Path) -> None:
    channel = await _monitor("a.raw,abDW(2)V(-1)", tmp_path)
    request = _request(channel)
    assert (request.append, request.bridged_only, request.stereo) == (True, True, True)
    assert (request.volume_heard, request.volume_spoken) == (2, -1)


async def test_an_out_of_range_volume_is_ignored(tmp_path: Path) -> None:
    channel = await _monitor("a.wav,v(9)", tmp_path)
    assert _request(channel).volume_heard == 0


async def test_the_recorder_id_goes_into_the_named_variable(tmp_path: Path) -> None:
    channel = await _monitor("a.wav,i(MM)", tmp_path)
    assert channel.var("MM") == "PJSIP/101-00000001-mixmonitor-1"


async def test_caret_references_in_the_command_are_resolved_at_start(tmp_path: Path) -> None:
    channel = await _monitor(
        "a.wav,,/usr/bin/post.sh ^{MIXMONITOR_FILENAME} ^{UNIQUEID} done, really", tmp_path
    )
    assert _request(channel).post_command == (
        f"/usr/bin/post.sh {tmp_path / 'a.wav'} 1700000000.7 done, really"
    )
