"""``softswitch api-user``: keys of the Evolvex API made, listed, switched off and on, removed."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from softswitch import cli
from softswitch.config import load_config
from softswitch.storage import Database

SOFTSWITCH = Path(sys.executable).parent / "softswitch"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "softswitch.toml"
    path.write_text('[sip]\nudp = "127.0.0.1:5060"\n[paths]\ndata = "data"\n')
    return path


def run_here(capsys: pytest.CaptureFixture[str], config_file: Path,
             *args: str) -> tuple[int, str, str]:
    code = cli.main(["--config", str(config_file), *args])
    out, err = capsys.readouterr()
    return code, out, err


def stored(config_file: Path, name: str) -> tuple[bool, str, list[str]] | None:
    """(enabled, description, contexts) of user *name* as the database holds it."""

    async def read() -> tuple[bool, str, list[str]] | None:
        database = await Database.open(load_config(str(config_file)).database.url)
        try:
            user = await database.store.get_api_user(name)
            if user is None:
                return None
            access = await database.store.list_api_access(user.group_uuid)
            assert all(entry.group_uuid == user.group_uuid for entry in access)
            return user.enabled, user.description, [entry.name for entry in access]
        finally:
            await database.close()

    return asyncio.run(read())


def test_add_prints_only_the_key_for_scripts(config_file: Path) -> None:
    done = subprocess.run(
        [str(SOFTSWITCH), "--config", str(config_file), "api-user", "add", "crm",
         "--context", "incoming", "--context", "outgoing", "--description", "CRM"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    key = done.stdout.strip()
    assert done.stdout == key + "\n"
    assert str(uuid.UUID(key)) == key
    assert stored(config_file, "crm") == (True, "CRM", ["incoming", "outgoing"])


def test_list_disable_enable_remove(capsys: pytest.CaptureFixture[str],
                                    config_file: Path) -> None:
    code, key, _ = run_here(capsys, config_file, "api-user", "add", "crm", "--context",
                            "incoming")
    assert code == 0
    run_here(capsys, config_file, "api-user", "add", "helpdesk", "--context", "support",
             "--context", "support")
    code, out, _ = run_here(capsys, config_file, "api-user", "list")
    lines = out.splitlines()
    assert code == 0
    assert re.split(r"\s{2,}", lines[0].rstrip()) == ["Name", "Enabled", "Key", "Contexts",
                                             "Description"]
    assert re.split(r"\s{2,}", lines[2].rstrip()) == ["crm", "yes", key.strip(), "incoming", "-"]
    assert re.split(r"\s{2,}", lines[3].rstrip())[:4:3] == ["helpdesk", "support"]
    assert lines[-1] == "2 API users"

    assert run_here(capsys, config_file, "api-user", "disable", "crm")[:2] == (
        0, "API user crm disabled\n")
    assert stored(config_file, "crm") == (False, "", ["incoming"])
    assert run_here(capsys, config_file, "api-user", "enable", "crm")[:2] == (
        0, "API user crm enabled\n")
    assert stored(config_file, "crm") == (True, "", ["incoming"])

    assert run_here(capsys, config_file, "api-user", "remove", "crm")[:2] == (
        0, "API user crm removed\n")
    assert stored(config_file, "crm") is None
    assert stored(config_file, "helpdesk") == (True, "", ["support"])


def test_errors_say_what_and_exit_non_zero(capsys: pytest.CaptureFixture[str],
                                          config_file: Path) -> None:
    run_here(capsys, config_file, "api-user", "add", "crm", "--context", "incoming")
    assert run_here(capsys, config_file, "api-user", "add", "crm", "--context", "x") == (
        1, "", "softswitch: API user 'crm' already exists\n")
    for action in ("disable", "enable", "remove"):
        assert run_here(capsys, config_file, "api-user", action, "nobody") == (
            1, "", "softswitch: no API user 'nobody'\n")
    assert run_here(capsys, config_file, "api-user", "add", "bad", "--context", "a b") == (
        2, "", "softswitch: not a context name: 'a b'\n")
    assert stored(config_file, "bad") is None
    with pytest.raises(SystemExit) as exited:
        cli.main(["--config", str(config_file), "api-user", "add", "nocontext"])
    assert exited.value.code == 2
    assert "--context" in capsys.readouterr().err


def test_an_empty_list(capsys: pytest.CaptureFixture[str], config_file: Path) -> None:
    code, out, _ = run_here(capsys, config_file, "api-user", "list")
    assert (code, out.splitlines()[-1]) == (0, "0 API users")
