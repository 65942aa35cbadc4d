from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from softswitch import cli
from softswitch.config import load_config
from softswitch.storage import Database

SOFTSWITCH = Path(sys.executable).parent / "softswitch"
DEMO = Path(__file__).resolve().parent.parent / "conf" / "extensions.conf"
# The rows of the Evolvex manual (sections 1, 2, 3 and 7), as a site's database holds them
# (a backslash at the end of a line here joins it with the next).
SEED = """\
[globals]
MIXMONITOR_COMMAND=/var/lib/asterisk/scripts/wavtompeg/script.php --uniqueid="${UNIQUEID}"

[internal]
exten => 100,1,Set(DIALGROUP(group_100,add)=PJSIP/user-101-domain)
exten => 100,2,Set(DIALGROUP(group_100,add)=PJSIP/user-102-domain)
exten => 100,3,Set(DIALGROUP(group_100,add)=PJSIP/user-103-domain)
exten => 100,4,Set(DIALGROUP(group_100,add)=PJSIP/user-104-domain)
exten => 100,5,Set(DIALGROUP(group_100,add)=PJSIP/user-105-domain)
exten => 100,6,MixMonitor(${UNIQUEID}.wav,r(${UNIQUEID}_receive.wav)\
t(${UNIQUEID}_transmit.wav),${MIXMONITOR_COMMAND})
exten => 100,7,Dial(${DIALGROUP(group_100)},60,tT)
exten => 110,1,NoOp(Incoming call)
exten => 110,2,Dial(SIP/user-110-office,15,tT)
exten => 110,3,Dial(SIP/81234567890@peer-71234567890-office,60)
exten => 110,4,Hangup

[message-office]
exten => s,1,NoOp(Message after the beep)
exten => s,2,Answer
exten => s,3,Playback(message-office)
exten => s,4,Record(/tmp/${UNIQUEID}.wav,,300,k)
exten => s,5,Hangup
exten => h,1,NoOp(Sending the message by e-mail)
exten => h,2,AGI(email/attachment.php,--source="${CALLERID(number)}",--destination="100",\
--emails="mail@example.com",--attachment="/tmp/${UNIQUEID}.wav")
exten => h,3,Hangup
"""
Rows = list[tuple[str, str, int, str, str]]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "softswitch.toml"
    path.write_text('[sip]\nudp = "127.0.0.1:5060"\n[paths]\ndata = "data"\n')
    return path


def run(capsys: pytest.CaptureFixture[str], config_file: Path, *args: str) -> tuple[int, str, str]:
    code = cli.main(["--config", str(config_file), *args])
    out, err = capsys.readouterr()
    return code, out, err


def stored(config_file: Path) -> tuple[Rows, list[tuple[str, str]]]:
    async def read() -> tuple[Rows, list[tuple[str, str]]]:
        async with await Database.open(load_config(config_file).database.url) as db:
            rows = await db.store.list_dialplan_rows()
            return (
                [(r.context, r.exten, r.priority, r.app, r.appdata) for r in rows],
                await db.store.list_globals(),
            )

    return asyncio.run(read())


def test_demo_load_show_export_round_trip(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Once through the installed command; the rest in this process.
    loaded = subprocess.run(
        [str(SOFTSWITCH), "--config", str(config_file), "dialplan", "load", str(DEMO)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (loaded.returncode, loaded.stderr) == (0, "")
    assert loaded.stdout == "extensions.conf: 3 contexts, 16 priorities loaded (0 warnings)\n"

    code, shown, _ = run(capsys, config_file, "dialplan", "show")
    assert code == 0
    lines = shown.splitlines()
    assert lines[0] == "[ Context 'internal' created by 'realtime' ]"
    assert lines[1] == (
        "  '100' =>          1. Set(DIALGROUP(group_100,add)=PJSIP/101)    [realtime:1]"
    )
    assert lines[2].startswith(" " * 20 + "2. Set(DIALGROUP(group_100,add)=PJSIP/102)")
    assert any(line.startswith("  '_1XX' =>         1. Dial(PJSIP/${EXTEN},30)") for line in lines)
    assert lines[-1] == "-= 5 extensions (16 priorities) in 3 contexts. =-"

    code, exported, err = run(capsys, config_file, "dialplan", "export")
    assert (code, err) == (0, "")
    assert "exten => 100,6,Dial(${DIALGROUP(group_100)},60,tT)" in exported
    copy = tmp_path / "exported.conf"
    copy.write_text(exported)
    other = tmp_path / "other.toml"
    other.write_text('[sip]\nudp = "127.0.0.1:5060"\n[paths]\ndata = "other"\n')
    assert run(capsys, other, "dialplan", "load", str(copy))[0] == 0
    assert stored(other) == stored(config_file)


def test_the_seed_rows_round_trip(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "evolvex.conf"
    seed.write_text(SEED)
    assert run(capsys, config_file, "dialplan", "load", str(seed)) == (
        0,
        "evolvex.conf: 2 contexts, 19 priorities loaded (0 warnings)\n",
        "",
    )
    rows, globals = stored(config_file)
    assert rows[5] == (
        "internal",
        "100",
        6,
        "MixMonitor",
        "${UNIQUEID}.wav,r(${UNIQUEID}_receive.wav)t(${UNIQUEID}_transmit.wav),"
        "${MIXMONITOR_COMMAND}",
    )
    assert ("internal", "110", 4, "Hangup", "") in rows
    assert globals == [
        (
            "MIXMONITOR_COMMAND",
            '/var/lib/asterisk/scripts/wavtompeg/script.php --uniqueid="${UNIQUEID}"',
        )
    ]
    _, shown, _ = run(capsys, config_file, "dialplan", "show", "message-office")
    assert shown.splitlines()[0] == "[ Context 'message-office' created by 'realtime' ]"
    assert "'h' =>" in shown
    assert shown.splitlines()[-1] == "-= 2 extensions (8 priorities) in 1 context. =-"

    _, exported, _ = run(capsys, config_file, "dialplan", "export")
    again = tmp_path / "again.conf"
    again.write_text(exported)
    # Loading the export over the same rows changes nothing.
    assert run(capsys, config_file, "dialplan", "load", str(again))[0] == 0
    assert stored(config_file) == (rows, globals)


def test_merge_keeps_the_rows_the_file_does_not_name(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, config_file, "dialplan", "load", str(DEMO))[0] == 0
    change = tmp_path / "change.conf"
    change.write_text("[internal]\nexten => _1XX,1,Dial(PJSIP/${EXTEN},20)\n")
    assert run(capsys, config_file, "dialplan", "load", "--merge", str(change)) == (
        0,
        "change.conf: 1 context, 1 priority loaded (0 warnings)\n",
        "",
    )
    internal = [row for row in stored(config_file)[0] if row[0] == "internal"]
    assert len(internal) == 9
    assert ("internal", "_1XX", 1, "Dial", "PJSIP/${EXTEN},20") in internal
    assert run(capsys, config_file, "dialplan", "load", str(change))[0] == 0
    assert [row for row in stored(config_file)[0] if row[0] == "internal"] == [
        ("internal", "_1XX", 1, "Dial", "PJSIP/${EXTEN},20")
    ]


def test_a_syntax_error_changes_nothing(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "extensions.conf"
    broken.write_text("[globals]\nX = 1\n[internal]\nexten => 100,1,NoOp\nexten => 100,n\n")
    database = tmp_path / "data" / "softswitch.db"
    for args in (("dialplan", "load"), ("config", "load"), ("dialplan", "check")):
        code, out, err = run(capsys, config_file, *args, str(broken))
        assert (code, out) == (2, "")
        assert err.startswith(f"softswitch: {broken}:5: ")
    # Not even created: the file is parsed before the database is opened.
    assert not database.exists()

    assert run(capsys, config_file, "dialplan", "load", str(DEMO))[0] == 0
    before = stored(config_file)
    assert run(capsys, config_file, "dialplan", "load", "--merge", str(broken))[0] == 2
    assert stored(config_file) == before


def test_config_load_knows_an_extensions_conf(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, config_file, "config", "load", str(DEMO)) == (
        0,
        "extensions.conf: 3 contexts, 16 priorities loaded (0 warnings)\n",
        "",
    )
    # By its content when the name says nothing.
    office = tmp_path / "office.conf"
    office.write_text("[office]\ninclude => internal\n  exten => 200,1(start),Dial(PJSIP/101,20)\n")
    code, out, _ = run(capsys, config_file, "config", "load", str(office))
    assert code == 0
    assert out.splitlines() == [
        "office.conf: 1 context, 1 priority loaded (2 warnings)",
        "warning: context 'office': include => internal is not kept:"
        " realtime_extensions has no place for it",
        f"warning: {office}:3: label 'start' of extension '200' in context 'office' is not"
        " kept: realtime_extensions has no place for it; use its number (1)",
    ]
    assert ("office", "200", 1, "Dial", "PJSIP/101,20") in stored(config_file)[0]


def test_check_needs_no_database(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, config_file, "dialplan", "check", str(DEMO)) == (
        0,
        "extensions.conf: syntax OK, 3 contexts, 16 priorities (0 warnings)\n",
        "",
    )
    assert not (tmp_path / "data").exists()


def test_show_of_an_unknown_context_and_an_empty_dialplan(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, config_file, "dialplan", "show", "nowhere") == (
        1,
        "",
        "softswitch: no context 'nowhere'\n",
    )
    assert run(capsys, config_file, "dialplan", "show") == (
        0,
        "-= 0 extensions (0 priorities) in 0 contexts. =-\n",
        "",
    )
    assert run(capsys, config_file, "dialplan", "export") == (
        0,
        "[general]\nautofallthrough=yes\n",
        "",
    )


def test_a_missing_file_exits_2(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "extensions.conf"
    code, _, err = run(capsys, config_file, "dialplan", "load", str(missing))
    assert (code, err) == (2, f"softswitch: {missing}: cannot read: No such file or directory\n")
