"""The read cache: alone with a scripted clock, then in front of a real database."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import sqlalchemy as sa

from softswitch.storage import (
    AorRecord,
    AuthRecord,
    ContactRecord,
    Database,
    EndpointRecord,
    IdentifyRecord,
    PjsipObjects,
    Store,
    contact_id,
)
from softswitch.storage.cache import ALL_TABLES, ReadCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Loader:
    """A load that counts its calls and returns the next value it was given."""

    def __init__(self, *values: object) -> None:
        self.values = list(values)
        self.calls = 0
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> object:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        return self.values.pop(0)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> ReadCache:
    return ReadCache(ttl_s=1.0, clock=clock)


# -- the cache alone -------------------------------------------------------------------------


async def test_a_value_is_remembered_for_its_time_to_live(cache: ReadCache, clock: Clock) -> None:
    load = Loader("first", "second")
    assert await cache.fetch("k", ("t",), load) == "first"
    clock.now += 0.999
    assert await cache.fetch("k", ("t",), load) == "first"
    clock.now += 0.001
    assert await cache.fetch("k", ("t",), load) == "second"
    assert load.calls == 2


async def test_a_reader_may_ask_for_a_shorter_life(cache: ReadCache, clock: Clock) -> None:
    load = Loader(1, 2)
    assert await cache.fetch("k", ("t",), load, ttl_s=0.1) == 1
    clock.now += 0.1
    assert await cache.fetch("k", ("t",), load, ttl_s=0.1) == 2


async def test_nothing_found_is_remembered_too(cache: ReadCache) -> None:
    load = Loader(None, "late")
    assert await cache.fetch("k", ("t",), load) is None
    assert await cache.fetch("k", ("t",), load) is None
    assert load.calls == 1


async def test_a_write_forgets_the_values_read_from_its_table_only(cache: ReadCache) -> None:
    endpoint = Loader("e1", "e2")
    joined = Loader("j1", "j2")
    aor = Loader("a1", "a2")
    await cache.fetch("endpoint", ("endpoints",), endpoint)
    await cache.fetch("joined", ("identifies", "endpoints"), joined)
    await cache.fetch("aor", ("aors",), aor)
    cache.invalidate(["endpoints"])
    assert await cache.fetch("endpoint", ("endpoints",), endpoint) == "e2"
    assert await cache.fetch("joined", ("identifies", "endpoints"), joined) == "j2"
    assert await cache.fetch("aor", ("aors",), aor) == "a1"


async def test_an_unknown_write_forgets_everything(cache: ReadCache) -> None:
    load = Loader("old", "new")
    await cache.fetch("k", ("t",), load)
    cache.invalidate([ALL_TABLES])
    assert len(cache) == 0
    assert await cache.fetch("k", ("t",), load) == "new"


async def test_a_read_overtaken_by_a_write_is_not_remembered(cache: ReadCache) -> None:
    load = Loader("before the write", "after the write")
    load.gate = asyncio.Event()
    reading = asyncio.ensure_future(cache.fetch("k", ("t",), load))
    await asyncio.sleep(0)
    cache.invalidate(["t"])
    load.gate.set()
    # Its own caller gets what it read; nobody after it does.
    assert await reading == "before the write"
    assert await cache.fetch("k", ("t",), load) == "after the write"


async def test_readers_arriving_during_a_read_share_it(cache: ReadCache) -> None:
    load = Loader("shared")
    load.gate = asyncio.Event()
    readers = [asyncio.ensure_future(cache.fetch("k", ("t",), load)) for _ in range(5)]
    await asyncio.sleep(0)
    load.gate.set()
    assert await asyncio.gather(*readers) == ["shared"] * 5
    assert load.calls == 1


async def test_a_reader_arriving_after_a_write_does_not_share_an_older_read(
    cache: ReadCache,
) -> None:
    load = Loader("old", "new")
    load.gate = asyncio.Event()
    early = asyncio.ensure_future(cache.fetch("k", ("t",), load))
    await asyncio.sleep(0)
    cache.invalidate(["t"])
    late = asyncio.ensure_future(cache.fetch("k", ("t",), load))
    await asyncio.sleep(0)
    load.gate.set()
    assert (await early, await late) == ("old", "new")
    assert await cache.fetch("k", ("t",), load) == "new"


async def test_a_waiter_reads_for_itself_when_the_reader_it_waited_for_is_cancelled(
    cache: ReadCache,
) -> None:
    load = Loader("never delivered", "read again")
    load.gate = asyncio.Event()
    first = asyncio.ensure_future(cache.fetch("k", ("t",), load))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(cache.fetch("k", ("t",), load))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    load.values.pop(0)
    load.gate.set()
    assert await second == "read again"
    assert first.cancelled()


async def test_a_cancelled_waiter_leaves_the_read_to_the_others(cache: ReadCache) -> None:
    load = Loader("value")
    load.gate = asyncio.Event()
    reader = asyncio.ensure_future(cache.fetch("k", ("t",), load))
    await asyncio.sleep(0)
    waiter = asyncio.ensure_future(cache.fetch("k", ("t",), load))
    await asyncio.sleep(0)
    waiter.cancel()
    load.gate.set()
    assert await reader == "value"
    with pytest.raises(asyncio.CancelledError):
        await waiter


async def test_a_failed_read_fails_its_waiters_and_is_not_remembered(cache: ReadCache) -> None:
    attempts = 0
    gate = asyncio.Event()

    async def failing() -> str:
        nonlocal attempts
        attempts += 1
        await gate.wait()
        raise RuntimeError("database gone")

    readers = [asyncio.ensure_future(cache.fetch("k", ("t",), failing)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    outcomes = await asyncio.gather(*readers, return_exceptions=True)
    assert [str(outcome) for outcome in outcomes] == ["database gone"] * 3
    assert attempts == 1
    with pytest.raises(RuntimeError):
        await cache.fetch("k", ("t",), failing)
    assert attempts == 2


async def test_the_number_of_entries_is_bounded(clock: Clock) -> None:
    cache = ReadCache(max_entries=8, clock=clock)
    for n in range(100):
        await cache.fetch(("user", n), ("t",), Loader(n))
    assert len(cache) <= 8
    # The newest stay.
    assert await cache.fetch(("user", 99), ("t",), Loader("reloaded")) == 99


# -- in front of the database ----------------------------------------------------------------


@pytest.fixture
def cached_store(store: Store, clock: Clock) -> Store:
    store.cache = ReadCache(clock=clock)
    return store


@pytest.fixture
async def other_program(sqlite_url: str) -> AsyncIterator[Store]:
    """A second store on the same file: what the ``softswitch`` command in another process is."""
    db = await Database.open(sqlite_url)
    try:
        yield db.store
    finally:
        await db.close()


@pytest.fixture
async def sqlite_store(sqlite_database: Database, clock: Clock) -> Store:
    sqlite_database.store.cache = ReadCache(clock=clock)
    return sqlite_database.store


class Queries:
    """Counts the statements a database runs, to tell a cache hit from a read."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        sa.event.listen(database._engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_: object) -> None:
        self.count += 1


def _contact(aor: str, uri: str) -> ContactRecord:
    return ContactRecord(id=contact_id(aor, uri), aor=aor, uri=uri, expiration_time=2_000_000_000)


async def test_lookups_are_answered_from_memory(database: Database, cached_store: Store) -> None:
    store = cached_store
    await store.put_endpoint(EndpointRecord(id="101", aors=("101",), auth="101"))
    await store.put_auth(AuthRecord(id="101", username="101", password="pw"))
    await store.put_aor(AorRecord(id="101", max_contacts=1))
    await store.put_identify(IdentifyRecord(id="101", endpoint="101", match=("192.0.2.0/24",)))
    lookups: list[Callable[[], Awaitable[object]]] = [
        lambda: store.get_endpoint("101"),
        lambda: store.get_endpoint("nobody"),
        lambda: store.get_auth("101"),
        lambda: store.get_aor("101"),
        lambda: store.list_contacts("101"),
        lambda: store.find_endpoint_by_ip("192.0.2.7", 5060),
        lambda: store.find_endpoint_by_auth_username("101"),
        store.dialplan_version,
    ]
    first = [await lookup() for lookup in lookups]
    queries = Queries(database)
    again = [await lookup() for lookup in lookups]
    assert (queries.count, again) == (0, first)


async def test_writes_through_the_store_are_seen_at_once(cached_store: Store) -> None:
    store = cached_store
    assert await store.get_endpoint("101") is None
    assert await store.find_endpoint_by_ip("192.0.2.7") is None
    await store.put_endpoint(EndpointRecord(id="101", context="office"))
    await store.put_identify(IdentifyRecord(id="101", endpoint="101", match=("192.0.2.7",)))
    endpoint = await store.get_endpoint("101")
    assert endpoint is not None and endpoint.context == "office"
    assert await store.find_endpoint_by_ip("192.0.2.7") == endpoint
    await store.put_endpoint(dataclasses.replace(endpoint, context="home"))
    moved = await store.get_endpoint("101")
    assert moved is not None and moved.context == "home"
    assert await store.remove_endpoint_with_objects("101")
    assert await store.get_endpoint("101") is None
    assert await store.find_endpoint_by_ip("192.0.2.7") is None


async def test_a_registration_is_seen_by_the_next_call(cached_store: Store) -> None:
    store = cached_store
    assert await store.list_contacts("101") == []
    phone = _contact("101", "sip:101@192.0.2.10:5060")
    await store.save_contact(phone)
    assert await store.list_contacts("101") == [phone]
    assert await store.update_contact_status(phone.id, "Reachable", 12.5)
    (reachable,) = await store.list_contacts("101")
    assert (reachable.status, reachable.rtt_ms) == ("Reachable", 12.5)
    assert await store.delete_contacts([phone.id]) == 1
    assert await store.list_contacts("101") == []


async def test_each_caller_gets_its_own_list(cached_store: Store) -> None:
    await cached_store.save_contact(_contact("101", "sip:101@192.0.2.10"))
    contacts = await cached_store.list_contacts("101")
    contacts.clear()
    assert len(await cached_store.list_contacts("101")) == 1


async def test_a_configuration_load_is_seen_at_once(cached_store: Store) -> None:
    assert await cached_store.get_aor("101") is None
    await cached_store.replace_objects(PjsipObjects(aors=(AorRecord(id="101"),)))
    assert await cached_store.get_aor("101") == AorRecord(id="101")


async def test_sql_run_on_the_store_s_own_engine_is_seen_at_once(
    database: Database, cached_store: Store
) -> None:
    assert await cached_store.get_endpoint("odd") is None
    async with database._engine.begin() as conn:
        await conn.execute(sa.text("INSERT INTO ps_endpoints (id, context) VALUES ('odd', 'x')"))
    found = await cached_store.get_endpoint("odd")
    assert found is not None and found.context == "x"


async def test_another_program_s_writes_are_seen_within_a_second(
    sqlite_store: Store, other_program: Store, clock: Clock
) -> None:
    store = sqlite_store
    assert await store.get_endpoint("101") is None
    assert await store.list_contacts("101") == []
    await other_program.put_endpoint(EndpointRecord(id="101"))
    await other_program.save_contact(_contact("101", "sip:101@192.0.2.10"))
    assert await store.get_endpoint("101") is None
    clock.now += 1.0
    assert await store.get_endpoint("101") == EndpointRecord(id="101")
    assert len(await store.list_contacts("101")) == 1


async def test_a_fresh_read_of_contacts_skips_the_memory(
    sqlite_store: Store, other_program: Store
) -> None:
    assert await sqlite_store.list_contacts("101") == []
    phone = _contact("101", "sip:101@192.0.2.10")
    await other_program.save_contact(phone)
    assert await sqlite_store.list_contacts("101") == []
    assert await sqlite_store.list_contacts("101", fresh=True) == [phone]


async def test_another_program_s_dialplan_edit_is_seen_within_100_ms(
    sqlite_store: Store, other_program: Store, clock: Clock
) -> None:
    before = await sqlite_store.dialplan_version()
    await other_program.set_global("LANGUAGE", "ru")
    assert await sqlite_store.dialplan_version() == before
    clock.now += 0.1
    changed = await sqlite_store.dialplan_version()
    assert changed != before
    # Its own edits: at once.
    await sqlite_store.set_global("LANGUAGE", "en")
    assert await sqlite_store.dialplan_version() != changed


async def test_a_write_rolled_back_leaves_the_old_value(cached_store: Store) -> None:
    await cached_store.put_endpoint(EndpointRecord(id="101", context="office"))
    endpoints = sa.table("ps_endpoints", sa.column("context"))
    with pytest.raises(RuntimeError):
        async with cached_store._writing("an edit that fails half-way") as conn:
            await conn.execute(sa.update(endpoints).values(context="lost"))
            # A call reading meanwhile sees the committed row, not the edit.
            during = await cached_store.get_endpoint("101")
            raise RuntimeError("half-way")
    assert during is not None and during.context == "office"
    after = await cached_store.get_endpoint("101")
    assert after is not None and after.context == "office"
