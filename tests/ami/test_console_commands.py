"""The console's dialplan, manager and database commands against stand-in switch parts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

import pytest

from dialplan_engine.model import Dialplan, RealtimeRow
from http_api.ami.actions import ACTIONS
from softswitch.console import ConsoleError, execute
from softswitch.dialplan_store import PersistentAstDb
from softswitch.storage import Database

if TYPE_CHECKING:
    from softswitch.app import Switch

PING_HELP = """\
[Syntax]
Action: Ping
[ActionID:] <value>

[Synopsis]
Keepalive command.

[Description]
Answers Ping: Pong and the server's clock as seconds since the epoch.

[Arguments]
ActionID
    ActionID for this transaction. Will be returned.

[See Also]
Not available

[Privilege]
<none>

[List Responses]
None

[Final Response]
None

"""

ROWS = [
    RealtimeRow(id=1, context="internal", exten="_1XX", priority=1, app="Dial",
                appdata="PJSIP/${EXTEN},30"),
    RealtimeRow(id=2, context="internal", exten="200/101", priority=1, app="Busy", appdata=""),
    RealtimeRow(id=3, context="internal", exten="200/101", priority=2, app="Hangup",
                appdata=""),
    RealtimeRow(id=4, context="from-trunk", exten="s", priority=1, app="Dial",
                appdata="PJSIP/101"),
]


class _Dialplan:
    def __init__(self, astdb: PersistentAstDb | None = None) -> None:
        self.astdb = astdb

    async def current(self) -> Dialplan:
        return Dialplan.from_rows(ROWS)


def _switch(**parts: object) -> Switch:
    return cast("Switch", SimpleNamespace(**parts))


@pytest.fixture
async def db_switch(tmp_path: Path) -> AsyncIterator[Switch]:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'softswitch.db'}")
    astdb = await PersistentAstDb.load(database.store)
    try:
        yield _switch(store=database.store, dialplan=_Dialplan(astdb))
    finally:
        await astdb.close()
        await database.close()


async def test_manager_show_command_ping() -> None:
    assert await execute(_switch(), "manager show command ping") == PING_HELP


async def test_manager_show_command_lists_required_arguments_without_brackets() -> None:
    text = await execute(_switch(), "manager show command DBGet Reload")
    assert text.count("[Syntax]\n") == 2
    assert "Action: DBGet\n[ActionID:] <value>\nFamily: <value>\nKey: <value>\n\n" in text
    assert "Action: Reload\n[ActionID:] <value>\n[Module:] <value>\n\n" in text
    assert "[Privilege]\nsystem,reporting,all\n" in text


async def test_manager_show_command_unknown_action() -> None:
    with pytest.raises(ConsoleError, match="No such manager command: Frob"):
        await execute(_switch(), "manager show command Ping Frob")
    with pytest.raises(ConsoleError, match=r"^Usage: manager show command <actionname>"):
        await execute(_switch(), "manager show command")


async def test_manager_show_commands_table() -> None:
    lines = (await execute(_switch(), "manager show commands")).splitlines()
    width = max(len(action.name) for action in ACTIONS)
    assert lines[0] == "  " + "Action".ljust(width) + "  Synopsis"
    assert lines[1] == "  " + "------".ljust(width) + "  --------"
    names = [line.split()[0] for line in lines[2:]]
    assert names == sorted((action.name for action in ACTIONS), key=str.lower)
    assert "  " + "Ping".ljust(width) + "  Keepalive command." in lines


async def test_dialplan_show_all_and_one_context() -> None:
    switch = _switch(dialplan=_Dialplan())
    # Asterisk's "  %-17s %-45s [%s]" columns; literal extensions before patterns.
    assert await execute(switch, "dialplan show") == (
        "[ Context 'internal' created by 'pbx_config' ]\n"
        "  '200' (CID match '101') => 1. Busy()                                     [pbx_config]\n"
        "                    2. Hangup()                                   [pbx_config]\n"
        "  '_1XX' =>         1. Dial(PJSIP/${EXTEN},30)                    [pbx_config]\n"
        "\n"
        "[ Context 'from-trunk' created by 'pbx_config' ]\n"
        "  's' =>            1. Dial(PJSIP/101)                            [pbx_config]\n"
        "\n"
        "-= 3 extensions (4 priorities) in 2 contexts. =-\n"
    )
    assert (await execute(switch, "dialplan show from-trunk")).endswith(
        "-= 1 extension (1 priority) in 1 context. =-\n")
    assert "'_1XX'" in await execute(switch, "dialplan show 150@internal")


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("dialplan show nowhere", "There is no existence of 'nowhere' context"),
        ("dialplan show 999@internal", "There is no existence of 999@internal extension"),
        ("dialplan show 999@", "There is no existence of '999' extension"),
    ],
)
async def test_dialplan_show_missing(line: str, error: str) -> None:
    with pytest.raises(ConsoleError) as refused:
        await execute(_switch(dialplan=_Dialplan()), line)
    assert str(refused.value) == error


async def test_database_commands(db_switch: Switch) -> None:
    assert await execute(db_switch, 'database put cfg greeting "good morning"') == (
        "Updated database successfully\n")
    await execute(db_switch, "database put cfg sub/a 1")
    await execute(db_switch, "database put cfgx b 2")
    assert await execute(db_switch, "database get cfg greeting") == "Value: good morning\n"
    assert await execute(db_switch, "database get cfg nothing") == (
        "Database entry not found.\n")
    assert await execute(db_switch, "database show cfg") == (
        f"{'/cfg/greeting':<50}: good morning\n{'/cfg/sub/a':<50}: 1\n2 results found.\n")
    assert (await execute(db_switch, "database show")).endswith("3 results found.\n")
    assert await execute(db_switch, "database show cfg sub") == (
        f"{'/cfg/sub/a':<50}: 1\n1 result found.\n")
    assert await execute(db_switch, "database del cfg greeting") == "Database entry removed.\n"
    assert await execute(db_switch, "database del cfg greeting") == (
        "Database entry does not exist.\n")
    assert await execute(db_switch, "database deltree cfgx") == "1 database entry removed.\n"
    assert await execute(db_switch, "database deltree cfgx") == (
        "Database entries do not exist.\n")
    # What the commands wrote reaches the table, not only the memory.
    await db_switch.dialplan.astdb.flush()
    assert await db_switch.store.astdb_list() == [("cfg", "sub/a", "1")]


async def test_argument_counts_and_quotes() -> None:
    with pytest.raises(ConsoleError, match=r"^Usage: database put <family> <key> <value>$"):
        await execute(_switch(), "database put cfg key")
    with pytest.raises(ConsoleError, match=r"^Usage: dialplan show"):
        await execute(_switch(), "dialplan show a b")
    with pytest.raises(ConsoleError, match=r"^Cannot read the command"):
        await execute(_switch(), 'database put cfg key "open')
