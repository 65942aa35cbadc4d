"""``uploads``: an audio file sent by curl becomes a prompt Playback plays in a real call;
non-audio is 415, an oversized body 413 as early as can be, and nothing is left on disk."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from media.mp3 import write_mp3
from tests.api.conftest import Api
from tests.harness.sipp import run_sipp, scenario
from tests.harness.tools import free_port, require_tool, sipp_media_port

MIB = 1024 * 1024


def curl_upload(api: Api, path: Path, *, field: str = "file", query_key: bool = True,
                extra: tuple[str, ...] = ()) -> tuple[int, dict[str, object], str]:
    """POST *path* as multipart field *field* with curl: (status, JSON body, curl's -w)."""
    params = {"api_key": api.key} if query_key else {}
    done = subprocess.run(
        [require_tool("curl"), "-sS", "-F", f"{field}=@{path}", *extra,
         "-w", "\n%{http_code} %{size_upload} %{time_total}",
         api.url("/pbx/api/index/uploads", params)],
        capture_output=True, text=True, timeout=60, check=True,
    )
    body, stats = done.stdout.rsplit("\n", 1)
    status, *rest = stats.split()
    return int(status), json.loads(body), " ".join(rest)


def sounds(api: Api) -> list[str]:
    return sorted(p.name for p in api.sounds.iterdir()) if api.sounds.exists() else []


def upload_temporaries() -> list[str]:
    return [name for name in os.listdir(tempfile.gettempdir())
            if name.startswith("evolvex-upload-")]


@pytest.fixture
def nothing_left(api: Api) -> Iterator[None]:
    """The test must leave the sounds folder and the temporary folder as it found them."""
    before_sounds, before_tmp = sounds(api), set(upload_temporaries())
    yield
    assert sounds(api) == before_sounds
    assert set(upload_temporaries()) <= before_tmp


def test_a_wav_of_any_shape_becomes_an_8k_mono_prompt(api: Api, tmp_path: Path) -> None:
    t = np.arange(48000 * 2) / 48000
    tone = 0.5 * np.sin(2 * np.pi * 700 * t)
    src = tmp_path / "Welcome Menu.wav"
    soundfile.write(src, np.stack([tone, tone], axis=1), 48000, subtype="PCM_24")
    status, body, _ = curl_upload(api, src)
    assert (status, body) == (200, {"data": {"name": "Welcome_Menu",
                                             "filename": "Welcome_Menu.wav", "duration": 2.0}})
    info = soundfile.info(api.sounds / "Welcome_Menu.wav")
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (8000, 1, "PCM_16",
                                                                            16000)
    assert not upload_temporaries()


def test_an_mp3_and_a_key_sent_as_a_form_field(api: Api, tmp_path: Path) -> None:
    t = np.arange(22050) / 22050
    write_mp3(tmp_path / "hold.mp3", [(8000 * np.sin(2 * np.pi * 500 * t)).astype(np.int16)],
              rate=22050, channels=1)
    status, _, _ = curl_upload(api, tmp_path / "hold.mp3", query_key=False,
                               extra=("-F", f"api_key={api.key}"))
    assert status == 401, "a key after the file is too late: the file came first"
    # As PHP's curl sends an array of fields: the key first, then the file.
    done = subprocess.run(
        [require_tool("curl"), "-sS", "-F", f"api_key={api.key}",
         "-F", f"file=@{tmp_path / 'hold.mp3'}", api.url("/api/index/uploads")],
        capture_output=True, text=True, timeout=60, check=True,
    )
    data = json.loads(done.stdout)["data"]
    assert data["name"] == "hold" and 0.9 < data["duration"] < 1.2
    assert soundfile.info(api.sounds / "hold.wav").samplerate == 8000


def test_the_upload_plays_in_a_real_call(api: Api, tmp_path: Path) -> None:
    require_tool("sipp")

    def call() -> None:
        result = run_sipp(
            scenario("b2bua_uac_wait_bye"), target=api.switch.sip_address,
            local_port=free_port("both"), service="300", auth_user="101",
            auth_pass="pass101", variables={"caller": "101"},
            extra=["-mp", str(sipp_media_port()), "-mi", "127.0.0.1"], timeout_s=20,
            workdir=tmp_path / f"sipp-{time.monotonic_ns()}",
        )
        assert result.ok, result.describe()

    call()
    assert api.agi_args(1) == ["FAILED"], "no prompt yet: Playback must not find one"
    src = tmp_path / "api-greeting.wav"
    soundfile.write(src, 0.3 * np.sin(2 * np.pi * 440 * np.arange(16000 * 1.5) / 16000),
                    16000, subtype="PCM_16")
    status, body, _ = curl_upload(api, src)
    assert (status, body) == (200, {"data": {"name": "api-greeting",
                                             "filename": "api-greeting.wav", "duration": 1.5}})
    since = api.switch.log_offset()
    call()
    assert api.agi_args(2) == ["FAILED", "SUCCESS"]
    # The prompt really went out: 1.5 s at 50 packets a second to the caller.
    line = api.switch.wait_for_log(r"PJSIP/101-[0-9a-f]{8} media: \d+ packets in, \d+ out",
                                   since=since)
    counted = re.search(r"packets in, (\d+) out", line)
    assert counted is not None and int(counted.group(1)) >= 70, line


@pytest.mark.usefixtures("nothing_left")
@pytest.mark.parametrize(("name", "content"), [
    ("notes.txt", b"this is not audio\n" * 50),
    ("fake.wav", b"RIFF\x24\x00\x00\x00WAVEfmt garbage" * 10),
    ("random.mp3", bytes(np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8))),
    ("empty.wav", b""),
])
def test_non_audio_is_refused_with_415(api: Api, tmp_path: Path, name: str,
                                       content: bytes) -> None:
    (tmp_path / name).write_bytes(content)
    status, body, _ = curl_upload(api, tmp_path / name)
    assert status == 415
    assert list(body) == ["error"] and isinstance(body["error"], str)


@pytest.mark.usefixtures("nothing_left")
def test_bad_forms_are_400(api: Api, tmp_path: Path) -> None:
    src = tmp_path / "x.wav"
    soundfile.write(src, np.zeros(800, dtype=np.int16), 8000)
    assert curl_upload(api, src, field="attachment")[:2] == (
        400, {"error": "no 'file' field in the form"})
    odd = tmp_path / "!!!.wav"
    odd.write_bytes(src.read_bytes())
    assert curl_upload(api, odd)[:2] == (
        400, {"error": "the file name has no letters or digits to name the sound by"})
    answer = api.post_form("/api/index/uploads", {"file": "x"}, {"api_key": api.key})
    assert (answer.status, answer.json()) == (
        400, {"error": "send the file as the multipart/form-data field 'file'"})


@pytest.mark.usefixtures("nothing_left")
def test_a_gigabyte_is_refused_before_curl_sends_it(api: Api, tmp_path: Path) -> None:
    big = tmp_path / "big.wav"
    with big.open("wb") as handle:
        handle.truncate(1024 * MIB)  # sparse: no gigabyte is written to make it
    status, body, stats = curl_upload(api, big)
    size_upload, time_total = stats.split()
    assert (status, body) == (413, {"error": "the file is larger than 20 MiB"})
    assert int(size_upload) < MIB, "curl sent the body after all"
    assert float(time_total) < 10


async def raw_upload(api: Api, head: bytes, body_limit: int,
                     chunked: bool) -> tuple[bytes, int]:
    """Send *head*, then zeros (chunked or plain) until the switch answers or *body_limit*
    bytes went out; return the answer and how many body bytes were sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", api.switch.http_port)
    writer.write(head)
    answer = asyncio.ensure_future(reader.read(65536))
    block = bytes(256 * 1024)
    framed = f"{len(block):x}\r\n".encode() + block + b"\r\n" if chunked else block
    sent = 0
    try:
        while sent < body_limit and not answer.done():
            writer.write(framed)
            sent += len(block)
            drained = asyncio.ensure_future(writer.drain())
            await asyncio.wait([answer, drained], return_when=asyncio.FIRST_COMPLETED)
            drained.cancel()
        return await asyncio.wait_for(answer, 30), sent
    finally:
        # Stop sending and close, as curl does on an early error answer.
        writer.close()
        await writer.wait_closed()


def _upload_head(api: Api, extra: str) -> bytes:
    return (
        f"POST /api/index/uploads?api_key={api.key} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary=XyZ\r\n{extra}\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"huge.wav\"\r\n"
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()


@pytest.mark.usefixtures("nothing_left")
def test_a_stream_without_length_is_cut_at_the_limit(api: Api) -> None:
    head = _upload_head(api, "Transfer-Encoding: chunked\r\n")
    # The multipart preamble has to go in a chunk of its own.
    preamble = head.split(b"\r\n\r\n", 1)[1]
    head = head[: len(head) - len(preamble)] + f"{len(preamble):x}\r\n".encode() \
        + preamble + b"\r\n"
    answer, sent = asyncio.run(raw_upload(api, head, 200 * MIB, chunked=True))
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert answer.rstrip().endswith(b'{"error": "the file is larger than 20 MiB"}')
    assert 20 * MIB <= sent < 100 * MIB


@pytest.mark.usefixtures("nothing_left")
def test_a_declared_gigabyte_is_refused_before_its_body(api: Api) -> None:
    head = _upload_head(api, f"Content-Length: {1024 * MIB}\r\n")
    answer, sent = asyncio.run(raw_upload(api, head, 0, chunked=False))
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert sent == 0


@pytest.mark.usefixtures("nothing_left")
def test_an_upload_broken_off_leaves_nothing(api: Api) -> None:
    async def send_half() -> None:
        head = _upload_head(api, f"Content-Length: {10 * MIB}\r\n")
        _reader, writer = await asyncio.open_connection("127.0.0.1", api.switch.http_port)
        writer.write(head + bytes(2 * MIB))
        await writer.drain()
        writer.transport.abort()

    since = api.switch.log_offset()
    asyncio.run(send_half())
    api.switch.wait_for_log("POST /api/index/uploads: the client went away", since=since)
    assert "ERROR" not in api.switch.log_text(since)
