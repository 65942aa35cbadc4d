"""A running switch with Evolvex API keys, and a plain HTTP client for it.

``api`` is the switch of the standard test phones (101..105) with the dialplan below, a key
``crm`` that may use the contexts ``incoming`` and ``internal``, and a disabled key ``old``.
Requests go through :mod:`urllib` (a client that knows nothing of aiohttp); ``curl`` is used
where a test needs a real third-party client.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest

from tests.harness.switch import SwitchFactory, SwitchProcess

DIALPLAN = """\
[internal]
exten => _1XX,1,Set(CRM_ID=42)
 same => n,Dial(PJSIP/${EXTEN},30)
exten => 300,1,Answer()
 same => n,Playback(api-greeting)
 same => n,AGI(record_args.sh,${PLAYBACKSTATUS})
 same => n,Hangup()
exten => 301,1,MixMonitor(${UNIQUEID}.wav,,${MIXMONITOR_COMMAND})
 same => n,Dial(PJSIP/102,30)

[incoming]
exten => 200,1,AGI(record_args.sh,${CALLERID(num)},${file},${idcall})
 same => n,Answer()
 same => n,Wait(1)
 same => n,Hangup()

[globals]
MIXMONITOR_COMMAND=/var/lib/asterisk/scripts/wavtompeg/script.php --uniqueid="${UNIQUEID}"
"""

AGI_SCRIPT = """#!/bin/sh
# Reads the AGI environment block, then appends its arguments, one per line, to a file.
while read -r line && [ -n "$line" ]; do :; done
printf '%s\\n' "$@" >> "$(dirname "$0")/agi-args.txt"
"""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> object:
        assert self.headers.get_content_type() == "application/json", self.headers
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class Api:
    switch: SwitchProcess
    key: str
    """Of ``crm``: contexts ``incoming`` and ``internal``."""
    disabled_key: str
    """Of ``old``, disabled."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.switch.http_port}"

    @property
    def recordings(self) -> Path:
        return self.switch.data_dir / "recordings"

    @property
    def sounds(self) -> Path:
        return self.switch.data_dir / "sounds"

    def url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        return f"{self.base}{path}{query}"

    def get(self, path: str, params: Mapping[str, str] | None = None, *,
            headers: Mapping[str, str] | None = None) -> Answer:
        return self.request(urllib.request.Request(self.url(path, params),
                                                   headers=dict(headers or {})))

    def post_form(self, path: str, fields: Mapping[str, str],
                  params: Mapping[str, str] | None = None) -> Answer:
        body = urllib.parse.urlencode(fields).encode()
        return self.request(urllib.request.Request(
            self.url(path, params), data=body, method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"}))

    def keyed(self, path: str, **params: str) -> Answer:
        """GET *path* with the ``crm`` key and *params*."""
        return self.get(path, {"api_key": self.key, **params})

    @staticmethod
    def request(request: urllib.request.Request) -> Answer:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, error.headers, error.read())

    def agi_args(self, count: int, timeout_s: float = 10.0) -> list[str]:
        """The first *count* lines the dialplan's ``AGI(record_args.sh,…)`` wrote."""
        path = self.switch.data_dir / "agi-bin" / "agi-args.txt"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            lines = path.read_text().split("\n")[:-1] if path.exists() else []
            if len(lines) >= count:
                return lines
            time.sleep(0.1)
        pytest.fail(f"the dialplan's AGI wrote fewer than {count} lines: {path}")


def add_key(switch: SwitchProcess, name: str, *contexts: str) -> str:
    args = [arg for context in contexts for arg in ("--context", context)]
    return switch.cli("api-user", "add", name, *args).stdout.strip()


@pytest.fixture
def api(switch_factory: SwitchFactory) -> Api:
    switch = switch_factory(extensions_conf=DIALPLAN)
    folder = switch.data_dir / "agi-bin"
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "record_args.sh"
    script.write_text(AGI_SCRIPT)
    script.chmod(0o755)
    key = add_key(switch, "crm", "incoming", "internal")
    disabled = add_key(switch, "old", "incoming")
    switch.cli("api-user", "disable", "old")
    return Api(switch=switch, key=key, disabled_key=disabled)
