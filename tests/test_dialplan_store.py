from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from dialplan_engine.errors import DialplanSyntaxError
from dialplan_engine.model import Dialplan
from dialplan_engine.parser import parse_extensions_conf
from softswitch.dialplan_store import (
    DialplanLoadSummary,
    DialplanSource,
    PersistentAstDb,
    bootstrap_dialplan,
    not_stored,
    store_dialplan,
)
from softswitch.storage import Database, StorageError, Store
from softswitch.storage.cache import ReadCache
from softswitch.storage.records import AstDbPut, AstDbWrite

DEMO = Path(__file__).resolve().parent.parent / "conf" / "extensions.conf"
MONO = "${UNIQUEID}.wav,,${MIXMONITOR_COMMAND}"
STEREO = (
    "${UNIQUEID}.wav,r(${UNIQUEID}_receive.wav)t(${UNIQUEID}_transmit.wav),${MIXMONITOR_COMMAND}"
)
RECORDED = f"""
[globals]
MIXMONITOR_COMMAND = /var/lib/asterisk/scripts/wavtompeg/script.php --uniqueid="${{UNIQUEID}}"

[internal]
exten => _1XX,1,MixMonitor({MONO})
 same => n,Dial(PJSIP/user-${{EXTEN}}-domain,30)
"""


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "softswitch.db"


@pytest.fixture
async def database(db_file: Path) -> AsyncIterator[Database]:
    db = await Database.open(f"sqlite+aiosqlite:///{db_file}")
    try:
        yield db
    finally:
        await db.close()


@pytest.fixture
def store(database: Database) -> Store:
    return database.store


def _steps(dialplan: Dialplan, context: str, exten: str) -> list[str]:
    extension = dialplan.contexts[context].matching(exten)[0]
    return [f"{p.app}({p.appdata})" for p in extension.priorities]


# DialplanSource


async def test_a_plain_sql_update_applies_to_calls_100_ms_later(
    store: Store, db_file: Path
) -> None:
    now = 0.0
    store.cache = ReadCache(clock=lambda: now)
    await store_dialplan(store, parse_extensions_conf(RECORDED), merge=False)
    source = DialplanSource(store)
    first = await source.current()
    assert _steps(first, "internal", "101")[0] == f"MixMonitor({MONO})"
    assert dict(first.globals)["MIXMONITOR_COMMAND"].endswith('--uniqueid="${UNIQUEID}"')
    assert await source.current() is first

    # The Evolvex manual's switch to multichannel recording, by another program.
    with sqlite3.connect(db_file) as other:
        other.execute(
            "UPDATE realtime_extensions SET appdata = ? WHERE app = 'MixMonitor'", (STEREO,)
        )
        other.execute(
            "UPDATE static_extensions SET var_val = ? WHERE var_name = 'MIXMONITOR_COMMAND'",
            ('/var/lib/asterisk/scripts/wavtostereompeg/script.php --uniqueid="${UNIQUEID}"',),
        )
    other.close()
    # Another program's write is not noticed: the version is read at most every 100 ms.
    assert await source.current() is first
    now += 0.1
    second = await source.current()
    assert second is not first
    assert _steps(second, "internal", "101")[0] == f"MixMonitor({STEREO})"
    assert "wavtostereompeg" in dict(second.globals)["MIXMONITOR_COMMAND"]
    assert source.loaded() is second


async def test_calls_arriving_together_rebuild_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store_dialplan(store, parse_extensions_conf(RECORDED), merge=False)
    reads = 0
    list_rows = store.list_dialplan_rows

    async def counting(context: str | None = None) -> list[object]:
        nonlocal reads
        reads += 1
        return list(await list_rows(context))

    monkeypatch.setattr(store, "list_dialplan_rows", counting)
    source = DialplanSource(store)
    results = await asyncio.gather(*(source.current() for _ in range(5)))
    assert reads == 1
    assert all(result is results[0] for result in results)
    await store.set_global("LANGUAGE", "ru")
    assert ("LANGUAGE", "ru") in (await source.current()).globals
    assert reads == 2


async def test_bad_rows_are_left_out_with_a_warning(
    store: Store, db_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with sqlite3.connect(db_file) as other:
        other.execute(
            "INSERT INTO realtime_extensions (context, exten, priority, app, appdata) VALUES"
            " ('internal', '100', 0, 'NoOp', ''), ('internal', '100', 1, 'Answer', '')"
        )
    other.close()
    with caplog.at_level(logging.WARNING, logger="softswitch.dialplan_store"):
        dialplan = await DialplanSource(store).current()
    assert _steps(dialplan, "internal", "100") == ["Answer()"]
    assert "realtime:1: row ignored" in caplog.text


def test_loaded_before_current_is_an_error(store: Store) -> None:
    with pytest.raises(RuntimeError, match="await current"):
        DialplanSource(store).loaded()


# Loading a file


async def test_replace_and_merge_keep_the_globals_the_file_does_not_name(store: Store) -> None:
    await store.set_global("MIXMONITOR_COMMAND", "stereo")
    await store.set_global("RECORDING", "yes")
    first = parse_extensions_conf(
        "[globals]\nMIXMONITOR_COMMAND = mono\n[a]\nexten => 1,1,NoOp\nexten => 1,2,Hangup\n"
        "[b]\nexten => 2,1,NoOp\n"
    )
    summary = await store_dialplan(store, first, merge=False)
    assert summary == DialplanLoadSummary(contexts=2, priorities=3)
    assert str(summary) == "2 contexts, 3 priorities loaded (0 warnings)"
    assert await store.list_globals() == [("MIXMONITOR_COMMAND", "mono"), ("RECORDING", "yes")]

    second = parse_extensions_conf("[a]\nexten => 1,2,Wait(1)\nexten => 1,3,Hangup\n")
    merged = await store_dialplan(store, second, merge=True)
    assert (merged.replaced, str(merged)) == (1, "1 context, 2 priorities loaded (0 warnings)")
    rows = [(r.context, r.exten, r.priority, r.app) for r in await store.list_dialplan_rows()]
    assert rows == [
        ("a", "1", 1, "NoOp"),
        ("a", "1", 2, "Wait"),
        ("b", "2", 1, "NoOp"),
        ("a", "1", 3, "Hangup"),
    ]
    replaced = await store_dialplan(store, second, merge=False)
    assert replaced.replaced == 3
    assert [(r.context, r.priority) for r in await store.list_dialplan_rows()] == [
        ("b", 1),
        ("a", 2),
        ("a", 3),
    ]


def test_what_the_table_cannot_hold_is_reported() -> None:
    dialplan = parse_extensions_conf(
        "[general]\nautofallthrough = no\n"
        "[internal]\ninclude => other\nswitch => Realtime/internal@extensions\n"
        "exten => 100,hint,PJSIP/100\nexten => 100,1(start),NoOp\n",
        filename="x.conf",
    )
    assert not_stored(dialplan) == [
        "autofallthrough=no is not kept: realtime_extensions has no place for it",
        "context 'internal': include => other is not kept: realtime_extensions has no place for it",
        "context 'internal': switch => Realtime/internal@extensions is not kept:"
        " realtime_extensions has no place for it",
        "context 'internal': hint of '100' is not kept: realtime_extensions has no place for it",
        "x.conf:7: label 'start' of extension '100' in context 'internal' is not kept:"
        " realtime_extensions has no place for it; use its number (1)",
    ]


async def test_bootstrap_imports_into_an_empty_dialplan_only(store: Store, tmp_path: Path) -> None:
    assert await bootstrap_dialplan(store, tmp_path / "missing.conf") is None
    assert await bootstrap_dialplan(store, DEMO) == (
        "extensions.conf: 3 contexts, 16 priorities loaded (0 warnings)"
    )
    dialplan = await DialplanSource(store).current()
    assert dialplan.context_names() == ["internal", "message-office", "from-trunk"]
    assert _steps(dialplan, "internal", "100")[-2] == "Dial(${DIALGROUP(group_100)},60,tT)"
    assert (
        "MIXMONITOR_COMMAND",
        '/var/lib/asterisk/scripts/wavtompeg/script.php --uniqueid="${UNIQUEID}"',
    ) in dialplan.globals
    await store.delete_dialplan_context("message-office")
    assert await bootstrap_dialplan(store, DEMO) is None
    assert "message-office" not in (await DialplanSource(store).current()).contexts


async def test_bootstrap_of_a_broken_file_writes_nothing(store: Store, tmp_path: Path) -> None:
    broken = tmp_path / "extensions.conf"
    broken.write_text("[globals]\nA = 1\n[internal]\nexten => 100\n")
    with pytest.raises(DialplanSyntaxError, match=r"extensions.conf:4: "):
        await bootstrap_dialplan(store, broken)
    assert (await store.list_dialplan_rows(), await store.list_globals()) == ([], [])


# PersistentAstDb


async def test_writes_are_seen_at_once_and_stored_in_order(store: Store) -> None:
    astdb = await PersistentAstDb.load(store)
    astdb.put("dialgroup", "group_100", "PJSIP/101&PJSIP/102")
    astdb.put("cf", "101", "89001234567")
    assert astdb.delete("cf", "101")
    assert not astdb.delete("cf", "101")
    astdb.put("cf", "101", "89007654321")
    for key in ("t", "t/1", "t/1/2", "tt"):
        astdb.put("tree", key, key)
    assert astdb.delete_tree("tree", "t") == 3
    assert astdb.delete_tree("tree", "nothing") == 0
    assert astdb.get("cf", "101") == "89007654321"
    assert astdb.get("tree", "t/1") is None
    await astdb.flush()
    assert await store.astdb_list() == [
        ("cf", "101", "89007654321"),
        ("dialgroup", "group_100", "PJSIP/101&PJSIP/102"),
        ("tree", "tt", "tt"),
    ]
    await astdb.close()
    with pytest.raises(RuntimeError, match="closed"):
        astdb.put("cf", "102", "x")


async def test_values_survive_a_restart(db_file: Path) -> None:
    url = f"sqlite+aiosqlite:///{db_file}"
    async with await Database.open(url) as db:
        astdb = await PersistentAstDb.load(db.store)
        astdb.put("dialgroup", "group_100", "PJSIP/101")
        for n in range(1200):
            astdb.put("counter", "calls", str(n))
        # close() drains the queue: nothing written is lost on a clean stop.
        await astdb.close()
    async with await Database.open(url) as db:
        astdb = await PersistentAstDb.load(db.store)
        assert astdb.get("dialgroup", "group_100") == "PJSIP/101"
        assert astdb.get("counter", "calls") == "1199"
        assert astdb.delete_tree("dialgroup") == 1
        await astdb.close()
        assert await db.store.astdb_list() == [("counter", "calls", "1199")]


async def test_a_name_too_long_is_refused_before_anything_changes(store: Store) -> None:
    astdb = await PersistentAstDb.load(store)
    with pytest.raises(ValueError, match="longer than 255"):
        astdb.put("f", "k" * 300, "v")
    assert astdb.get("f", "k" * 300) is None
    await astdb.close()


class FlakyStore:
    """Fails the first *failures* writes, as a database that is restarting."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.batches: list[list[AstDbWrite]] = []

    async def astdb_apply(self, writes: Sequence[AstDbWrite]) -> None:
        if self.failures:
            self.failures -= 1
            raise StorageError("writing astdb: database is locked")
        self.batches.append(list(writes))


async def test_a_refused_batch_is_retried_and_order_kept(caplog: pytest.LogCaptureFixture) -> None:
    flaky = FlakyStore(failures=2)
    astdb = PersistentAstDb(flaky, retry_delay_s=0.01)  # type: ignore[arg-type]
    astdb.put("f", "a", "1")
    await asyncio.sleep(0)
    astdb.put("f", "a", "2")
    astdb.put("f", "b", "3")
    await astdb.flush()
    assert [write for batch in flaky.batches for write in batch] == [
        AstDbPut("f", "a", "1"),
        AstDbPut("f", "a", "2"),
        AstDbPut("f", "b", "3"),
    ]
    assert caplog.text.count("not written, retrying") == 2
    await astdb.close()


async def test_close_gives_up_on_a_dead_database(caplog: pytest.LogCaptureFixture) -> None:
    astdb = PersistentAstDb(FlakyStore(failures=1000), retry_delay_s=0.01)  # type: ignore[arg-type]
    astdb.put("f", "a", "1")
    astdb.put("f", "b", "2")
    await astdb.close(timeout_s=0.1)
    assert "astdb: 2 change(s) lost" in caplog.text


async def test_flush_reports_a_writer_that_broke() -> None:
    class BrokenStore:
        async def astdb_apply(self, writes: Sequence[AstDbWrite]) -> None:
            raise KeyError("a bug")

    astdb = PersistentAstDb(BrokenStore(), entries=[("f", "a", "0")])  # type: ignore[arg-type]
    assert astdb.get("f", "a") == "0"
    astdb.put("f", "a", "1")
    with pytest.raises(KeyError, match="a bug"):
        await astdb.flush()
    with pytest.raises(KeyError):
        await astdb.close()
