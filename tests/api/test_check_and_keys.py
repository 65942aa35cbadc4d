"""``check`` field by field, and the key rules on every call: missing or unknown → 401,
disabled → 403, both JSON; other errors JSON too, under both mounts."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request

import pytest

from tests.api.conftest import Api
from tests.harness.tools import require_tool

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MOUNTS = ("/api/index", "/pbx/api/index")
CALLS = ("check", "get_file_mp3", "get_file_wav", "status", "originate", "uploads",
         "get_log_cdr")


def test_check_answers_the_seeds_shape(api: Api) -> None:
    (api.recordings / "1730267955.2409.wav").write_bytes(b"RIFF")
    answer = api.keyed("/api/index/check", context="incoming", uniqueid="1730267955.2409")
    assert answer.status == 200
    body = answer.json()
    assert isinstance(body, dict) and list(body) == ["data"]
    data = body["data"]
    assert list(data) == ["api_user", "access", "file"]
    user, access = data["api_user"], data["access"]
    assert list(user) == ["uuid", "name", "description", "enable", "api_key", "group_uuid"]
    assert UUID.fullmatch(user["uuid"]) and UUID.fullmatch(user["group_uuid"])
    assert (user["name"], user["description"], user["enable"], user["api_key"]) == (
        "crm", "", "yes", api.key)
    assert list(access) == ["uuid", "name", "description", "group_uuid"]
    assert UUID.fullmatch(access["uuid"])
    assert (access["name"], access["description"], access["group_uuid"]) == (
        "incoming", "", user["group_uuid"])
    assert data["file"] is True


def test_check_without_access_or_recording(api: Api) -> None:
    for params in ({"context": "outgoing", "uniqueid": "1.2"}, {}):
        data = api.keyed("/pbx/api/index/check", **params).json()
        assert isinstance(data, dict)
        assert data["data"]["access"] is None
        assert data["data"]["file"] is False
    (api.recordings / "7.8.mp3").write_bytes(b"ID3")
    assert api.keyed("/api/index/check", uniqueid="7.8").json() == {"data": {
        "api_user": api.keyed("/api/index/check").json()["data"]["api_user"],
        "access": None, "file": True}}


def test_check_by_post_form_and_by_curl(api: Api) -> None:
    posted = api.post_form("/api/index/check", {"api_key": api.key, "context": "internal"})
    assert posted.status == 200
    assert posted.json()["data"]["access"]["name"] == "internal"
    curl = require_tool("curl")
    done = subprocess.run(
        [curl, "-sS", "-w", "\n%{http_code} %{content_type}", "-G",
         f"{api.base}/pbx/api/index/check", "--data-urlencode", f"api_key={api.key}",
         "--data-urlencode", "context=incoming"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    body, status = done.stdout.rsplit("\n", 1)
    assert status == "200 application/json; charset=utf-8"
    assert json.loads(body)["data"]["access"]["name"] == "incoming"


@pytest.mark.parametrize("mount", MOUNTS)
def test_every_call_wants_a_valid_enabled_key(api: Api, mount: str) -> None:
    for call in CALLS:
        path = f"{mount}/{call}"
        for params, status, error in (
            ({}, 401, "api_key is required"),
            ({"api_key": ""}, 401, "api_key is required"),
            ({"api_key": "00000000-0000-0000-0000-000000000000"}, 401, "invalid api_key"),
            ({"api_key": "x" * 5000}, 401, "invalid api_key"),
            ({"api_key": api.disabled_key}, 403, "api_key is disabled"),
        ):
            if call == "uploads":
                answer = api.request(_multipart_request(api.url(path, params)))
            else:
                answer = api.get(path, params)
            assert (answer.status, answer.json()) == (status, {"error": error}), (call, params)


def _multipart_request(url: str) -> urllib.request.Request:
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n"
            f"--{boundary}--\r\n").encode()
    return urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})


def test_a_key_disabled_then_enabled_again(api: Api) -> None:
    api.switch.cli("api-user", "disable", "crm")
    assert api.keyed("/api/index/status").status == 403
    api.switch.cli("api-user", "enable", "crm")
    assert api.keyed("/api/index/status").status == 200
    api.switch.cli("api-user", "remove", "crm")
    assert api.keyed("/api/index/status").json() == {"error": "invalid api_key"}


def test_other_errors_are_json_too(api: Api) -> None:
    missing = api.keyed("/api/index/no_such_call")
    assert (missing.status, missing.json()) == (404, {"error": "Not Found"})
    wrong_method = api.post_form("/api/index/get_file_wav", {"api_key": api.key})
    assert (wrong_method.status, wrong_method.json()) == (405, {"error": "Method Not Allowed"})
    assert wrong_method.headers["Allow"] in ("GET,HEAD", "HEAD,GET")
    get_upload = api.keyed("/api/index/uploads")
    assert (get_upload.status, get_upload.json()) == (405, {"error": "Method Not Allowed"})
    bad = api.keyed("/api/index/originate", channel="PJSIP/101")
    assert (bad.status, bad.json()) == (400, {"error": "context is required"})
