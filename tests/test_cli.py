from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from softswitch import __version__, cli
from softswitch.config import Config, load_config
from softswitch.storage import ContactRecord, Database, contact_id

SOFTSWITCH = Path(sys.executable).parent / "softswitch"
DEMO = Path(__file__).resolve().parent.parent / "conf" / "pjsip.conf"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "softswitch.toml"
    path.write_text('[sip]\nudp = "127.0.0.1:5060"\n[paths]\ndata = "data"\n')
    return path


def run(config_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SOFTSWITCH), "--config", str(config_file), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run_here(
    capsys: pytest.CaptureFixture[str], config_file: Path, *args: str
) -> tuple[int, str, str]:
    """The same command in this process: quicker, for the cases beyond the main flows."""
    code = cli.main(["--config", str(config_file), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_version() -> None:
    done = subprocess.run(
        [str(SOFTSWITCH), "--version"], capture_output=True, text=True, check=True
    )
    assert (done.returncode, done.stdout.strip()) == (0, f"softswitch {__version__}")


def test_endpoint_add_list_show_remove(config_file: Path) -> None:
    added = run(
        config_file,
        "endpoint", "add", "201", "--password", "s3cret", "--context", "office",
        "--allow", "alaw,ulaw", "--max-contacts", "3", "--callerid", '"Ann" <201>',
    )  # fmt: skip
    assert (added.returncode, added.stderr) == (0, "")
    assert added.stdout == "endpoint 201 added (auth 201, aor 201)\n"

    listed = run(config_file, "endpoint", "list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["Endpoint", "Context", "AORs", "Auth", "Contacts"]
    assert lines[2].split() == ["201", "office", "201", "201", "0"]
    assert lines[-1] == "1 endpoint"

    shown = run(config_file, "endpoint", "show", "201")
    assert shown.returncode == 0
    text = shown.stdout
    assert "Endpoint: 201" in text
    assert "  context              : office" in text
    assert "  allow                : alaw,ulaw" in text
    assert "  disallow             : all" in text
    assert '  callerid             : "Ann" <201>' in text
    assert "  rtp_symmetric        : yes" in text
    assert "Auth: 201" in text
    assert "  password                 : ********" in text
    assert "s3cret" not in text
    assert "AOR: 201" in text
    assert "  max_contacts         : 3" in text
    assert "    (none)" in text

    removed = run(config_file, "endpoint", "remove", "201")
    assert (removed.returncode, removed.stdout) == (0, "endpoint 201 removed\n")


def test_missing_and_existing_endpoints_exit_1(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_here(capsys, config_file, "endpoint", "show", "201") == (
        1,
        "",
        "softswitch: no endpoint '201'\n",
    )
    assert run_here(capsys, config_file, "endpoint", "remove", "201")[0] == 1
    assert run_here(capsys, config_file, "endpoint", "add", "201", "--password", "x")[0] == 0
    assert run_here(capsys, config_file, "endpoint", "add", "201", "--password", "y") == (
        1,
        "",
        "softswitch: endpoint '201' already exists\n",
    )
    assert run_here(capsys, config_file, "endpoint", "remove", "201")[0] == 0
    assert run_here(capsys, config_file, "endpoint", "show", "201")[0] == 1


def test_show_and_list_count_live_contacts(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_here(capsys, config_file, "endpoint", "add", "101", "--password", "pw")[0] == 0
    now = int(time.time())

    async def register() -> None:
        async with await Database.open(load_config(config_file).database.url) as db:
            for uri, expires in (("sip:101@192.0.2.5:5062", now + 300), ("sip:old@x", now - 5)):
                await db.store.save_contact(
                    ContactRecord(
                        id=contact_id("101", uri),
                        aor="101",
                        uri=uri,
                        expiration_time=expires,
                        user_agent="Zoiper",
                        source_transport="udp",
                        source_host="192.0.2.5",
                        source_port=5062,
                        status="Reachable",
                        rtt_ms=12.25,
                    )
                )

    asyncio.run(register())
    _, listed, _ = run_here(capsys, config_file, "endpoint", "list")
    assert listed.splitlines()[2].split() == ["101", "internal", "101", "101", "1"]
    _, shown, _ = run_here(capsys, config_file, "endpoint", "show", "101")
    line = next(line for line in shown.splitlines() if "sip:101@192.0.2.5:5062" in line)
    assert re.search(r"expires in (29\d|300) s", line)
    assert "agent Zoiper  from udp:192.0.2.5:5062  Reachable (12.2 ms)" in line


def test_config_load_demo(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loaded = run(config_file, "config", "load", str(DEMO))
    assert (loaded.returncode, loaded.stderr) == (0, "")
    assert loaded.stdout == (
        "pjsip.conf: 6 endpoints, 5 auths, 6 aors, 1 identify, 2 transports imported\n"
    )
    listed = run(config_file, "endpoint", "list").stdout.splitlines()
    assert [line.split()[0] for line in listed[2:-1]] == [
        "101", "102", "103", "104", "105", "trunk-demo",
    ]  # fmt: skip
    _, reloaded, _ = run_here(capsys, config_file, "config", "load", str(DEMO))
    assert reloaded.endswith("imported (20 replaced)\n")


def test_config_load_reports_warnings_and_detects_by_content(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trunks = tmp_path / "trunks.conf"
    trunks.write_text("[t]\ntype = endpoint\nice_support = yes\n")
    assert run_here(capsys, config_file, "config", "load", str(trunks)) == (
        0,
        "trunks.conf: 1 endpoint imported\n"
        f"warning: {trunks}:3: unknown option 'ice_support' for endpoint 't'\n",
        "",
    )


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("manager.conf", "[admin]\nread = all\n", "manager user admin has no secret"),
        ("manager.conf", "[admin]\nsecret = x\nread = bogus\n", "manager.conf:3: read: unknown"),
        ("notes.conf", "[a]\nb = c\n", "cannot tell what kind of configuration this is"),
        ("pjsip.conf", "[a]\ntype = endpoint\nrtp_symmetric = maybe\n", "pjsip.conf:3: endpoint"),
        ("pjsip.conf", "[a\n", "pjsip.conf:1: missing ']'"),
    ],
)
def test_config_load_errors(
    config_file: Path, capsys: pytest.CaptureFixture[str], name: str, text: str, message: str
) -> None:
    path = config_file.parent / name
    path.write_text(text)
    code, out, err = run_here(capsys, config_file, "config", "load", str(path))
    assert (code, out) == (2, "")
    assert err.startswith("softswitch: ")
    assert message in err


def test_config_load_of_a_missing_file(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_here(capsys, config_file, "config", "load", str(tmp_path / "pjsip.conf"))
    assert code == 2
    assert "pjsip.conf: cannot read: No such file or directory" in err


def test_bad_config_exits_2_with_the_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[sip]\nudp = "0.0.0.0:5060"\nrelm = "x"\n')
    failed = run(bad, "endpoint", "list")
    assert (failed.returncode, failed.stdout) == (2, "")
    assert failed.stderr == "softswitch: sip.relm: unknown key\n"


def test_usage_errors_exit_2(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in ((), ("endpoint", "add", "101"), ("endpoint", "frobnicate")):
        with pytest.raises(SystemExit) as caught:
            cli.main(["--config", str(config_file), *args])
        assert caught.value.code == 2
    code, _, err = run_here(
        capsys, config_file, "endpoint", "add", "101", "--password", "x", "--max-contacts", "-1"
    )
    assert code == 2
    assert "max_contacts: must not be negative" in err


def test_serve_and_cli_hand_over_to_their_modules(
    config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, object]] = []

    def run_server(config: Config) -> int:
        calls.append(("serve", config.source))
        return 0

    def run_remote(config: Config, command: str) -> int:
        calls.append(("cli", command))
        return 3

    app = types.ModuleType("softswitch.app")
    app.run_server = run_server  # type: ignore[attr-defined]
    client = types.ModuleType("softswitch.console_client")
    client.run_remote = run_remote  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "softswitch.app", app)
    monkeypatch.setitem(sys.modules, "softswitch.console_client", client)
    assert cli.main(["--config", str(config_file), "serve"]) == 0
    assert cli.main(["--config", str(config_file), "cli", "-x", "pjsip show contacts"]) == 3
    assert calls == [("serve", config_file.resolve()), ("cli", "pjsip show contacts")]
