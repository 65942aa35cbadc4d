"""The API's parts without a switch: upload conversion, names, CDR bounds, recording look-up,
Status objects."""

from __future__ import annotations

import datetime
import io
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile

from http_api.evolvex.cdr import parse_bound
from http_api.evolvex.errors import ApiError
from http_api.evolvex.params import check_uniqueid
from http_api.evolvex.recordings import AudioFormat, Recordings
from http_api.evolvex.status import status_object
from http_api.evolvex.uploads import sound_name
from media.mp3 import write_mp3
from media.resample import to_8k_mono
from media.sound_import import NotAudioError, converted_blocks, import_sound
from softswitch.channel import Channel, ChannelState, Direction


@pytest.mark.parametrize(("rate", "channels"), [
    (44100, 2), (48000, 1), (22050, 3), (11025, 1), (16000, 2), (8000, 2), (4000, 1),
])
def test_block_conversion_equals_converting_the_whole_file(rate: int, channels: int) -> None:
    rng = np.random.default_rng(rate + channels)
    frames = rng.uniform(-0.9, 0.9, size=(int(rate * 23.3) + 7, channels))
    buffer = io.BytesIO()
    soundfile.write(buffer, frames, rate, format="WAV", subtype="FLOAT")
    buffer.seek(0)
    with soundfile.SoundFile(buffer) as sound:
        blocks = list(converted_blocks(sound))
    assert len(blocks) > 2
    buffer.seek(0)
    whole = to_8k_mono(soundfile.read(buffer, dtype="float64", always_2d=True)[0], rate,
                       channels)
    assert np.array_equal(np.concatenate(blocks), whole)


def test_import_makes_an_8k_16_bit_mono_wav(tmp_path: Path) -> None:
    t = np.arange(44100 * 3) / 44100
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    src = tmp_path / "in.wav"
    soundfile.write(src, np.stack([tone, tone], axis=1), 44100, subtype="PCM_24")
    info = import_sound(src, tmp_path / "out.wav")
    out = soundfile.info(tmp_path / "out.wav")
    assert (out.samplerate, out.channels, out.subtype, out.format) == (8000, 1, "PCM_16", "WAV")
    assert out.frames == 24000
    assert (info.source_rate, info.source_channels, info.source_format) == (44100, 2, "WAV")
    assert info.duration_s == 3.0
    samples = soundfile.read(tmp_path / "out.wav", dtype="int16")[0]
    # The tone survives: its level is kept, and 440 Hz is where the energy is.
    assert 0.45 < np.abs(samples[4000:20000]).max() / 32768 < 0.55
    spectrum = np.abs(np.fft.rfft(samples[:8000]))
    assert abs(int(np.argmax(spectrum)) - 440) <= 1


def test_import_reads_mp3(tmp_path: Path) -> None:
    t = np.arange(16000 * 2) / 16000
    tone = (0.4 * 32767 * np.sin(2 * np.pi * 1000 * t)).astype(np.int16)
    write_mp3(tmp_path / "in.mp3", [tone], rate=16000, channels=1)
    info = import_sound(tmp_path / "in.mp3", tmp_path / "out.wav")
    assert info.source_format == "MP3"
    assert 1.9 < info.duration_s < 2.2
    assert soundfile.info(tmp_path / "out.wav").samplerate == 8000


@pytest.mark.parametrize("content", [b"", b"hello, not audio\n" * 100, b"RIFF\x00\x00WAVEjunk"])
def test_non_audio_is_refused_and_nothing_written(tmp_path: Path, content: bytes) -> None:
    src = tmp_path / "x.wav"
    src.write_bytes(content)
    with pytest.raises(NotAudioError):
        import_sound(src, tmp_path / "x-out.wav")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.wav"]


def test_a_wav_without_samples_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "empty.wav"
    soundfile.write(src, np.zeros(0, dtype=np.int16), 8000)
    with pytest.raises(NotAudioError, match="no audio"):
        import_sound(src, tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()


@pytest.mark.parametrize(("filename", "name"), [
    ("greeting.wav", "greeting"),
    ("Welcome Menu.mp3", "Welcome_Menu"),
    ("C:\\Prompts\\hold music.WAV", "hold_music"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\boot.ini", "boot"),
    (".hidden.wav", "hidden"),
    (".bashrc", "bashrc"),
    ("a.b.c.wav", "a_b_c"),
    ("приветствие.wav", "приветствие"),
    ("$(rm -rf).wav", "rm_-rf"),
    ("x" * 300 + ".wav", "x" * 64),
])
def test_sound_names_are_safe(filename: str, name: str) -> None:
    assert sound_name(filename) == name


@pytest.mark.parametrize("filename", [None, "", "...", "../", "!!!.mp3", "dir/"])
def test_a_name_with_nothing_left_is_refused(filename: str | None) -> None:
    with pytest.raises(ApiError) as refused:
        sound_name(filename)
    assert refused.value.status == 400


@pytest.mark.parametrize("text", [
    "../../etc/passwd", "1.2/../../x", "1.2\n", "1.2.3", "a.b", "1", ".1", "1.",
    "1.2%00", "/etc/passwd", "\uff11.\uff12", "1" * 21 + ".1",
])
def test_only_uniqueids_pass(text: str) -> None:
    with pytest.raises(ApiError) as refused:
        check_uniqueid(text)
    assert refused.value.status == 400


def test_recordings_stay_in_their_folder(tmp_path: Path) -> None:
    folder = tmp_path / "recordings"
    folder.mkdir()
    (folder / "1.2.wav").write_bytes(b"RIFF")
    (tmp_path / "secret.wav").write_bytes(b"secret")
    os.symlink(tmp_path / "secret.wav", folder / "3.4.wav")
    (folder / "5.6.mp3").mkdir()
    recordings = Recordings(folder)
    assert recordings.find("1.2", AudioFormat.WAV) == (folder / "1.2.wav").resolve()
    assert recordings.find("1.2", AudioFormat.MP3) is None
    assert recordings.find("3.4", AudioFormat.WAV) is None, "a symlink out is not followed"
    assert recordings.find("5.6", AudioFormat.MP3) is None, "a folder is not a recording"
    assert recordings.exists("1.2") and not recordings.exists("9.9")


def test_cdr_bounds() -> None:
    assert parse_bound("2024-10-30 09:59:15", "start", end=False) == datetime.datetime(
        2024, 10, 30, 9, 59, 15)
    assert parse_bound("2024-10-30T09:59", "start", end=False) == datetime.datetime(
        2024, 10, 30, 9, 59)
    assert parse_bound("2024-10-30", "start", end=False) == datetime.datetime(2024, 10, 30)
    assert parse_bound("2024-10-30", "end", end=True) == datetime.datetime(
        2024, 10, 30, 23, 59, 59)
    utc = parse_bound("2024-10-30T12:00:00+00:00", "start", end=False)
    assert utc == datetime.datetime(2024, 10, 30, 12, tzinfo=datetime.UTC).astimezone(
        ).replace(tzinfo=None)
    for bad in ("yesterday", "2024-13-01", "0001-01-01T00:00:00+14:00", ""):
        with pytest.raises(ApiError) as refused:
            parse_bound(bad, "start", end=False)
        assert refused.value.status == 400


def test_status_object_is_the_status_event_then_variables_then_actionid() -> None:
    channel = Channel(
        name="PJSIP/user-00000011", uniqueid="1711279935.61", linkedid="1711279935.60",
        endpoint="user", direction=Direction.OUTBOUND, context="outgoing", exten="153",
        caller_num="110", state=ChannelState.RINGING,
        variables={"DIALSTATUS": "ANSWER", "Channel": "spoof", "ActionID": "spoof"},
    )
    row = status_object(channel, "42", now=0.0)
    keys = list(row)
    assert keys[:3] == ["Event", "Privilege", "Channel"]
    assert keys[-2:] == ["DIALSTATUS", "ActionID"]
    assert (row["Event"], row["Privilege"], row["Channel"], row["ActionID"]) == (
        "Status", "Call", "PJSIP/user-00000011", "42")
    assert (row["ChannelState"], row["ChannelStateDesc"], row["Application"], row["Data"]) == (
        "5", "Ringing", "AppDial", "(Outgoing Line)")
    assert row["Nativeformats"] == "(alaw|ulaw)"
    assert all(isinstance(value, str) for value in row.values())
