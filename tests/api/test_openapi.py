"""The OpenAPI document: served, the same operations as the routes, and schemathesis run
against a live switch with a valid key finds no server error."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import soundfile

from http_api.evolvex import MOUNTS, ROUTES
from http_api.evolvex.openapi import document
from media.tones import sine
from tests.api.conftest import Api

ST = Path(sys.executable).parent / "st"
METHODS = ("get", "post", "put", "delete", "patch", "head", "options")


def documented() -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document()["paths"].items()
            for method in item if method in METHODS}


def test_the_document_lists_exactly_the_routes() -> None:
    routes = {(route.method, f"{MOUNTS[0]}{route.path}")
              for table in ROUTES for route in table}
    assert documented() == routes
    assert document()["openapi"].startswith("3.")
    assert [server["url"] for server in document()["servers"]] == ["/", "/pbx"]


def test_the_document_is_served_and_its_paths_answer(api: Api) -> None:
    served = api.get("/api/openapi.json")
    assert served.status == 200
    assert served.json() == document()
    for method, path in sorted(documented()):
        for prefix in ("", "/pbx"):
            answer = api.request(_request(api.base + prefix + path, method))
            assert (answer.status, answer.json()) == (401, {"error": "api_key is required"}), (
                method, prefix + path)


def _request(url: str, method: str) -> urllib.request.Request:
    return urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)


def test_schemathesis_finds_no_server_error(api: Api, tmp_path: Path) -> None:
    # The document's example call has a recording, so the file calls are tried on one too.
    soundfile.write(api.recordings / "1730267955.2409.wav", sine(440, 1.0, 0.3), 8000)
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[auth.openapi.ApiKeyAuth]\napi_key = "{api.key}"\n')
    done = subprocess.run(
        [str(ST), "--config-file", str(config), "run", f"{api.base}/api/openapi.json",
         "--checks", "not_a_server_error", "--phases", "examples,coverage,fuzzing",
         "--max-examples", "25", "--seed", "20241030", "--workers", "1",
         "--generation-database", "none", "--request-timeout", "40", "--no-color"],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", done.stdout)
    assert counts is not None, done.stdout[-3000:]
    assert counts[1] == counts[2] and int(counts[1]) >= 100, counts[0]
    # A handler's failure is logged by the API's error middleware as an ERROR.
    assert "ERROR http_api.evolvex" not in api.switch.log_text()
