"""``get_file_wav`` / ``get_file_mp3``: a recording streamed whole or by range, decoded; an mp3
made on the fly from a lone wav; and no uniqueid that is a path ever reads a file."""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from media.mp3 import mp3_info, wav_to_mp3
from media.tones import sine
from tests.api.conftest import Api
from tests.harness.tools import require_tool

UNIQUEID = "1730267955.2409"


def place_wav(api: Api, uniqueid: str = UNIQUEID, seconds: float = 2.0) -> Path:
    path = api.recordings / f"{uniqueid}.wav"
    soundfile.write(path, sine(440, seconds, 0.3), 8000, subtype="PCM_16")
    return path


def curl(api: Api, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([require_tool("curl"), "-sS", *args], capture_output=True,
                          timeout=30, check=True)


def test_wav_is_streamed_whole_and_decodes(api: Api) -> None:
    path = place_wav(api)
    answer = api.keyed("/api/index/get_file_wav", uniqueid=UNIQUEID)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "audio/wav"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{UNIQUEID}.wav"'
    assert answer.headers["Accept-Ranges"] == "bytes"
    assert answer.body == path.read_bytes()
    samples, rate = soundfile.read(io.BytesIO(answer.body), dtype="int16")
    assert (rate, len(samples)) == (8000, 16000)


def test_curl_fetches_byte_ranges_of_the_wav(api: Api, tmp_path: Path) -> None:
    data = place_wav(api).read_bytes()
    url = api.url("/pbx/api/index/get_file_wav", {"api_key": api.key, "uniqueid": UNIQUEID})
    head = tmp_path / "head.txt"
    first = curl(api, "-D", str(head), "-H", "Range: bytes=0-99", url)
    headers = head.read_text().lower()
    assert headers.startswith("http/1.1 206"), headers
    assert f"content-range: bytes 0-99/{len(data)}" in headers
    assert first.stdout == data[:100]
    rest = curl(api, "-r", "44-", url)
    assert rest.stdout == data[44:]
    # Resuming a download: what curl -C does with a partial file.
    partial = tmp_path / "partial.wav"
    partial.write_bytes(data[:1000])
    curl(api, "-C", "-", "-o", str(partial), url)
    assert partial.read_bytes() == data


def test_an_mp3_is_made_from_a_lone_wav_and_not_kept(api: Api) -> None:
    place_wav(api)
    before = set(os.listdir(tempfile.gettempdir()))
    answer = api.keyed("/api/index/get_file_mp3", uniqueid=UNIQUEID)
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "audio/mpeg"
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{UNIQUEID}.mp3"'
    info = mp3_info(answer.body)
    assert (info.first.sample_rate, info.tag) == (8000, "Info")
    assert abs(info.duration_s - 2.0) < 0.05
    samples, rate = soundfile.read(io.BytesIO(answer.body), dtype="int16")
    assert rate == 8000 and abs(len(samples) / rate - 2.0) < 0.1
    assert sorted(p.name for p in api.recordings.iterdir()) == [f"{UNIQUEID}.wav"]

    def left() -> set[str]:
        return {n for n in set(os.listdir(tempfile.gettempdir())) - before if "evolvex" in n}

    # The switch removes its folder just after the last byte went out.
    deadline = time.monotonic() + 5
    while left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left()


def test_a_stored_mp3_is_served_as_it_is(api: Api, tmp_path: Path) -> None:
    wav = place_wav(api, seconds=1.0)
    mp3 = wav_to_mp3(wav, api.recordings / f"{UNIQUEID}.mp3", bitrate_kbps=16)
    wav.unlink()
    answer = api.keyed("/api/index/get_file_mp3", uniqueid=UNIQUEID)
    assert answer.body == mp3.read_bytes()
    partial = api.get("/api/index/get_file_mp3", {"api_key": api.key, "uniqueid": UNIQUEID},
                      headers={"Range": "bytes=10-19"})
    assert (partial.status, partial.body) == (206, mp3.read_bytes()[10:20])
    gone = api.keyed("/api/index/get_file_wav", uniqueid=UNIQUEID)
    assert (gone.status, gone.json()) == (404, {"error": f"no recording of call {UNIQUEID}"})


def test_missing_and_empty_recordings_are_404_json(api: Api) -> None:
    for call in ("get_file_wav", "get_file_mp3"):
        answer = api.keyed(f"/api/index/{call}", uniqueid="1.1")
        assert (answer.status, answer.json()) == (404, {"error": "no recording of call 1.1"})
    soundfile.write(api.recordings / "2.2.wav", np.zeros(0, dtype=np.int16), 8000)
    empty = api.keyed("/api/index/get_file_mp3", uniqueid="2.2")
    assert (empty.status, empty.json()) == (
        404, {"error": "the recording of call 2.2 has no readable audio"})
    missing = api.keyed("/api/index/get_file_wav")
    assert (missing.status, missing.json()) == (400, {"error": "uniqueid is required"})


TRAVERSALS = (
    "../../../../../../etc/passwd",
    "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%252f..%252f..%252fetc%252fpasswd",
    "....//....//....//etc/passwd",
    "1.2/../../../../../etc/passwd",
    "/etc/passwd",
    "1.2%00",
    "1.2%0a",
    "6.6",
)


@pytest.mark.parametrize("call", ["get_file_wav", "get_file_mp3", "check"])
def test_a_path_in_uniqueid_never_reads_a_file(api: Api, call: str) -> None:
    secret = Path("/etc/passwd").read_bytes()[:32]
    # A link placed in the recordings folder may not lead out of it either.
    (api.recordings / "6.6.wav").symlink_to("/etc/passwd")
    (api.recordings / "6.6.mp3").symlink_to("/etc/passwd")
    for value in TRAVERSALS:
        url = f"{api.base}/api/index/{call}?api_key={api.key}&uniqueid={value}"
        done = curl(api, "--path-as-is", "-w", "\n%{http_code}", url)
        body, status = done.stdout.rsplit(b"\n", 1)
        assert secret not in body, value
        if call == "check":
            assert status in (b"200", b"400"), value
            assert b'"file": true' not in body, value
        else:
            assert status in (b"400", b"404"), value
            assert body.startswith(b'{"error": '), value


def test_a_path_in_the_url_never_reads_a_file(api: Api) -> None:
    secret = Path("/etc/passwd").read_bytes()[:32]
    for path in ("/api/index/../../../../etc/passwd", "/api/index/%2e%2e/%2e%2e/etc/passwd",
                 "/api/index/get_file_wav/../../../etc/passwd"):
        done = curl(api, "--path-as-is", "-w", "\n%{http_code}",
                    f"{api.base}{path}?api_key={api.key}&uniqueid={UNIQUEID}")
        body, status = done.stdout.rsplit(b"\n", 1)
        assert secret not in body and status in (b"400", b"404"), (path, status)
