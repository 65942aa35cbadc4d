from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from dialplan_engine.model import RealtimeRow
from softswitch.storage import Database, StorageError, Store, migrate
from softswitch.storage.records import AstDbDelete, AstDbDeleteTree, AstDbPut

DIALPLAN_TABLES = {"realtime_extensions", "static_extensions", "astdb"}


def row(context: str, exten: str, priority: int, app: str, appdata: str = "") -> RealtimeRow:
    return RealtimeRow(
        id=0, context=context, exten=exten, priority=priority, app=app, appdata=appdata
    )


def content(rows: list[RealtimeRow]) -> list[tuple[str, str, int, str, str]]:
    return [(r.context, r.exten, r.priority, r.app, r.appdata) for r in rows]


RING_GROUP = [
    *(
        row("internal", "100", n, "Set", f"DIALGROUP(group_100,add)=PJSIP/user-10{n}-domain")
        for n in range(1, 6)
    ),
    row("internal", "100", 6, "Dial", "${DIALGROUP(group_100)},60,tT"),
]
MESSAGE = [
    row("message-office", "s", 1, "Playback", "message-office"),
    row("message-office", "s", 2, "Record", "/tmp/${UNIQUEID}.wav,,300,k"),
    row("message-office", "s", 3, "Hangup"),
]


async def _execute(database: Database, statement: str) -> None:
    """A write from outside the switch, in plain SQL."""
    async with database._engine.begin() as conn:
        await conn.execute(sa.text(statement))


# The migration


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "softswitch.db"


@pytest.fixture
def sync_engine(db_file: Path) -> Iterator[sa.Engine]:
    engine = sa.create_engine(f"sqlite:///{db_file}")
    try:
        yield engine
    finally:
        engine.dispose()


async def test_a_database_at_0001_upgrades_in_place_keeping_its_rows(
    db_file: Path, sync_engine: sa.Engine
) -> None:
    with sync_engine.begin() as conn:
        migrate.upgrade(conn, "0001")
        conn.exec_driver_sql(
            "INSERT INTO ps_contacts (id, aor, uri, expiration_time)"
            " VALUES ('101;@abc', '101', 'sip:101@192.0.2.1', 1900000000)"
        )
    assert not DIALPLAN_TABLES & set(sa.inspect(sync_engine).get_table_names())
    async with await Database.open(f"sqlite+aiosqlite:///{db_file}") as db:
        (contact,) = await db.store.list_contacts("101")
        assert contact.uri == "sip:101@192.0.2.1"
        assert await db.store.list_dialplan_rows() == []
        assert await db.store.dialplan_version() == "0"
    assert set(sa.inspect(sync_engine).get_table_names()) >= DIALPLAN_TABLES
    with sync_engine.begin() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
        migrate.downgrade(conn, "0001")
        assert migrate.current_revision(conn) == "0001"
        assert conn.exec_driver_sql("SELECT uri FROM ps_contacts").scalar() == "sip:101@192.0.2.1"
    assert not DIALPLAN_TABLES & set(sa.inspect(sync_engine).get_table_names())


async def test_a_sites_dialplan_tables_are_adopted(db_file: Path, sync_engine: sa.Engine) -> None:
    with sync_engine.begin() as conn:
        migrate.upgrade(conn, "0001")
        # An old script's table: no unique key, a column of the site's own.
        conn.exec_driver_sql(
            "CREATE TABLE realtime_extensions (id INTEGER PRIMARY KEY, context VARCHAR(20),"
            " exten VARCHAR(20), priority INTEGER, app VARCHAR(20), appdata VARCHAR(128),"
            " comment VARCHAR(80))"
        )
        conn.exec_driver_sql(
            "INSERT INTO realtime_extensions (context, exten, priority, app, appdata, comment)"
            " VALUES ('internal', '110', 1, 'Dial', 'SIP/user-110-office,15,tT', 'Anna'),"
            " ('internal', '110', 2, 'Hangup', NULL, NULL)"
        )
        conn.exec_driver_sql(
            "CREATE TABLE static_extensions (id INTEGER PRIMARY KEY, cat_metric INTEGER,"
            " var_metric INTEGER, commented INTEGER, filename VARCHAR(128),"
            " category VARCHAR(128), var_name VARCHAR(128), var_val VARCHAR(128))"
        )
        conn.exec_driver_sql(
            "INSERT INTO static_extensions VALUES (1, 0, 0, 0, 'extensions.conf', 'globals',"
            " 'MIXMONITOR_COMMAND', '/var/lib/asterisk/scripts/wavtompeg/script.php')"
        )
    async with await Database.open(f"sqlite+aiosqlite:///{db_file}") as db:
        store = db.store
        assert content(await store.list_dialplan_rows()) == [
            ("internal", "110", 1, "Dial", "SIP/user-110-office,15,tT"),
            ("internal", "110", 2, "Hangup", ""),
        ]
        assert await store.list_globals() == [
            ("MIXMONITOR_COMMAND", "/var/lib/asterisk/scripts/wavtompeg/script.php")
        ]
        before = await store.dialplan_version()
        # The unique key the upsert needs was added, and the triggers watch the old table.
        await store.merge_dialplan([row("internal", "110", 2, "Hangup", "16")])
        assert await store.dialplan_version() != before
        assert content(await store.list_dialplan_rows())[1] == (
            "internal",
            "110",
            2,
            "Hangup",
            "16",
        )
    with sync_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT comment FROM realtime_extensions").scalar() == "Anna"


async def test_a_foreign_astdb_table_stops_the_migration(
    db_file: Path, sync_engine: sa.Engine
) -> None:
    with sync_engine.begin() as conn:
        migrate.upgrade(conn, "0001")
        conn.exec_driver_sql("CREATE TABLE astdb (key VARCHAR(256), value VARCHAR(256))")
    with pytest.raises(StorageError, match="astdb"):
        await Database.open(f"sqlite+aiosqlite:///{db_file}")
    with sync_engine.connect() as conn:
        assert migrate.current_revision(conn) == "0001"


def test_postgresql_ddl_has_the_triggers() -> None:
    sql = migrate.migration_sql("postgresql")
    assert "id BIGSERIAL NOT NULL" in sql
    assert "CONSTRAINT realtime_extensions_uq UNIQUE (context, exten, priority)" in sql
    assert "PRIMARY KEY (family, key)" in sql
    assert (
        "CREATE TRIGGER static_extensions_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        " ON static_extensions FOR EACH STATEMENT" in sql
    )


# Rows


async def test_replace_lists_and_deletes_contexts(store: Store) -> None:
    assert await store.replace_dialplan(RING_GROUP + MESSAGE, contexts=["internal"]) == 0
    listed = await store.list_dialplan_rows()
    assert content(listed) == content(RING_GROUP + MESSAGE)
    assert [r.id for r in listed] == sorted({r.id for r in listed})
    assert content(await store.list_dialplan_rows("message-office")) == content(MESSAGE)
    assert await store.count_dialplan_rows() == 9

    smaller = [row("internal", "100", 1, "Dial", "PJSIP/101,20")]
    assert await store.replace_dialplan(smaller, contexts=["internal", "unknown"]) == 6
    assert content(await store.list_dialplan_rows()) == content(MESSAGE + smaller)

    assert await store.delete_dialplan_context("message-office") == 3
    assert await store.delete_dialplan_context("message-office") == 0
    assert content(await store.list_dialplan_rows()) == content(smaller)


async def test_replace_is_atomic(store: Store) -> None:
    await store.replace_dialplan(RING_GROUP + MESSAGE, contexts=["internal", "message-office"])
    before = await store.list_dialplan_rows()
    version = await store.dialplan_version()
    # The second row collides with a row of a context that is not being replaced.
    failing = [row("internal", "100", 1, "NoOp"), row("message-office", "s", 1, "NoOp")]
    with pytest.raises(StorageError, match="replacing the dialplan"):
        await store.replace_dialplan(failing, contexts=["internal"], globals=[("X", "1")])
    assert await store.list_dialplan_rows() == before
    assert await store.list_globals() == []
    assert await store.dialplan_version() == version


async def test_a_key_twice_in_one_write_is_refused(store: Store) -> None:
    twice = [row("internal", "100", 1, "NoOp"), row("internal", "100", 1, "Hangup")]
    for write in (
        store.replace_dialplan(twice, contexts=["internal"]),
        store.merge_dialplan(twice),
    ):
        with pytest.raises(StorageError, match="priority 1 of '100' in context 'internal'"):
            await write
    assert await store.list_dialplan_rows() == []


async def test_text_longer_than_its_column_is_refused_on_every_database(store: Store) -> None:
    message = r"priority 1 of '100' in context 'internal': appdata longer than 256 characters"
    with pytest.raises(StorageError, match=message):
        await store.merge_dialplan([row("internal", "100", 1, "NoOp", "x" * 257)])
    await store.merge_dialplan([row("internal", "100", 1, "NoOp", "x" * 256)])
    assert len((await store.list_dialplan_rows())[0].appdata) == 256


async def test_merge_overwrites_by_context_exten_priority(store: Store) -> None:
    await store.replace_dialplan(RING_GROUP, contexts=["internal"])
    ids = {r.priority: r.id for r in await store.list_dialplan_rows()}
    changed = [
        row("internal", "100", 6, "Dial", "${DIALGROUP(group_100)},30,tT"),
        row("internal", "100", 7, "Goto", "message-office,s,1"),
        *MESSAGE,
    ]
    assert await store.merge_dialplan(changed) == 1
    rows = await store.list_dialplan_rows()
    assert content(rows) == content([*RING_GROUP[:5], *changed])
    # An overwritten row keeps its id; rows it did not name are untouched.
    assert {r.priority: r.id for r in rows if r.context == "internal" and r.priority <= 6} == ids
    assert await store.merge_dialplan([]) == 0


async def test_a_row_other_tools_wrote_badly_is_skipped(
    database: Database, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    await store.replace_dialplan(MESSAGE, contexts=["message-office"])
    await _execute(
        database,
        "INSERT INTO realtime_extensions (context, exten, priority, app)"
        " VALUES ('message-office', 'h', 1, '')",
    )
    assert content(await store.list_dialplan_rows()) == content(MESSAGE)
    assert "app empty" in caplog.text


async def test_every_kind_of_write_changes_the_version(database: Database, store: Store) -> None:
    seen = {await store.dialplan_version()}

    async def changed() -> bool:
        version = await store.dialplan_version()
        fresh = version not in seen
        seen.add(version)
        return fresh

    await store.replace_dialplan(RING_GROUP, contexts=["internal"])
    assert await changed()
    assert not await changed()
    await store.merge_dialplan(MESSAGE)
    assert await changed()
    # The seed's way: the same length, so only a real change detector sees it.
    await _execute(
        database,
        "UPDATE realtime_extensions SET appdata = 'PJSIP/user-109-domain' WHERE id ="
        " (SELECT MIN(id) FROM realtime_extensions)",
    )
    assert await changed()
    await store.set_global("MIXMONITOR_COMMAND", "mono")
    assert await changed()
    await _execute(database, "UPDATE static_extensions SET var_val = 'stereo'")
    assert await changed()
    await store.delete_global("MIXMONITOR_COMMAND")
    assert await changed()
    await store.delete_dialplan_context("internal")
    assert await changed()
    # Someone empties the counter table: the next write brings the counter back.
    await _execute(database, "DELETE FROM softswitch_dialplan_changes")
    assert await store.dialplan_version() == "0"
    await _execute(database, "DELETE FROM realtime_extensions")
    restarted = await store.dialplan_version()
    assert restarted != "0"
    await store.set_global("A", "1")
    assert await store.dialplan_version() != restarted


# Globals


async def test_globals_are_set_by_name_in_asterisks_order(database: Database, store: Store) -> None:
    await _execute(
        database,
        "INSERT INTO static_extensions (cat_metric, var_metric, commented, filename, category,"
        " var_name, var_val) VALUES"
        " (0, 2, 0, 'extensions.conf', 'globals', 'B', 'b1'),"
        " (0, 1, 0, 'extensions.conf', 'globals', 'A', 'a'),"
        " (0, 3, 0, 'extensions.conf', 'globals', 'B', 'b2'),"
        " (0, 4, 1, 'extensions.conf', 'globals', 'C', 'commented out'),"
        " (0, 5, 0, 'extensions.conf', 'internal', 'exten', '100,1,NoOp')",
    )
    assert await store.list_globals() == [("A", "a"), ("B", "b2")]
    await store.set_global("B", "b")
    await store.set_global("C", "c")
    await store.replace_dialplan([], contexts=[], globals=[("D", "d"), ("A", "a2")])
    assert await store.list_globals() == [("A", "a2"), ("B", "b"), ("C", "c"), ("D", "d")]
    assert await store.delete_global("B")
    assert not await store.delete_global("B")
    await store.merge_dialplan([], globals=[("E", '--uniqueid="${UNIQUEID}"')])
    assert await store.list_globals() == [
        ("A", "a2"),
        ("C", "c"),
        ("D", "d"),
        ("E", '--uniqueid="${UNIQUEID}"'),
    ]


# AstDB


async def test_astdb_put_get_delete(store: Store) -> None:
    assert await store.astdb_get("dialgroup", "group_100") is None
    await store.astdb_put("dialgroup", "group_100", "PJSIP/101&PJSIP/102")
    await store.astdb_put("dialgroup", "group_100", "PJSIP/101")
    await store.astdb_put("cf", "101", "89001234567")
    assert await store.astdb_get("dialgroup", "group_100") == "PJSIP/101"
    assert await store.astdb_delete("cf", "101")
    assert not await store.astdb_delete("cf", "101")
    assert await store.astdb_list() == [("dialgroup", "group_100", "PJSIP/101")]


async def test_astdb_trees_and_prefixes_take_names_literally(store: Store) -> None:
    for family, key in (
        ("fam", "a"),
        ("fam", "a/b"),
        ("fam", "a/b/c"),
        ("fam", "ab"),
        ("fam", "a_b"),
        ("fam_x", "a"),
        ("famly", "a"),
        ("other", "a"),
    ):
        await store.astdb_put(family, key, f"{family}:{key}")
    assert [f for f, _, _ in await store.astdb_list("fam_")] == ["fam_x"]
    assert {f for f, _, _ in await store.astdb_list("fam")} == {"fam", "fam_x", "famly"}
    # "a" and what is below "a/", not "ab" nor "a_b".
    assert await store.astdb_delete_tree("fam", "a") == 3
    assert [k for _, k, _ in await store.astdb_list("fam")] == ["a_b", "ab", "a", "a"]
    assert await store.astdb_delete_tree("fam") == 2
    assert [f for f, _, _ in await store.astdb_list()] == ["fam_x", "famly", "other"]


async def test_astdb_apply_keeps_the_order(store: Store) -> None:
    await store.astdb_apply(
        [
            AstDbPut("f", "k", "1"),
            AstDbDelete("f", "k"),
            AstDbPut("f", "k", "2"),
            AstDbPut("f", "t/1", "x"),
            AstDbPut("f", "t/2", "y"),
            AstDbDeleteTree("f", "t"),
            AstDbPut("f", "t/3", "z"),
        ]
    )
    assert await store.astdb_list() == [("f", "k", "2"), ("f", "t/3", "z")]


def test_astdb_names_longer_than_the_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="astdb key longer than 255"):
        AstDbPut("f", "k" * 256, "v")
