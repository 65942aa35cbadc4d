from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from softswitch.storage import (
    AorRecord,
    AuthRecord,
    Database,
    DomainAliasRecord,
    EndpointRecord,
    IdentifyRecord,
    ImportSummary,
    PjsipObjects,
    RegistrationRecord,
    StorageError,
    Store,
    TransportRecord,
)

BATCH = PjsipObjects(
    endpoints=(EndpointRecord(id="101", aors=("101",), auth="101"), EndpointRecord(id="trunk")),
    auths=(AuthRecord(id="101", username="101", password="pw"),),
    aors=(AorRecord(id="101", max_contacts=1), AorRecord(id="trunk", contacts=("sip:a",))),
    identifies=(IdentifyRecord(id="trunk", endpoint="trunk", match=("192.0.2.1",)),),
    registrations=(RegistrationRecord(id="reg", server_uri="sip:p", client_uri="sip:me@p"),),
    transports=(TransportRecord(id="udp"),),
    domain_aliases=(DomainAliasRecord(id="alias", domain="pbx"),),
    default_realm="pbx.example",
)


async def _snapshot(store: Store) -> tuple[object, ...]:
    return (
        await store.list_endpoints(),
        await store.list_auths(),
        await store.list_aors(),
        await store.list_identifies(),
        await store.list_registrations(),
        await store.list_transports(),
        await store.list_domain_aliases(),
        await store.get_default_realm(),
    )


async def test_replace_objects_writes_everything(store: Store) -> None:
    summary = await store.replace_objects(BATCH)
    assert summary == ImportSummary(
        endpoints=2,
        auths=1,
        aors=2,
        identifies=1,
        registrations=1,
        transports=1,
        domain_aliases=1,
        replaced=0,
    )
    assert await _snapshot(store) == (
        list(BATCH.endpoints),
        list(BATCH.auths),
        list(BATCH.aors),
        list(BATCH.identifies),
        list(BATCH.registrations),
        list(BATCH.transports),
        list(BATCH.domain_aliases),
        "pbx.example",
    )


async def test_replace_objects_replaces_same_ids_and_keeps_others(store: Store) -> None:
    await store.put_endpoint(EndpointRecord(id="101", context="old"))
    await store.put_endpoint(EndpointRecord(id="999", context="untouched"))
    summary = await store.replace_objects(BATCH)
    assert summary.replaced == 1
    assert await store.get_endpoint("101") == BATCH.endpoints[0]
    untouched = await store.get_endpoint("999")
    assert untouched is not None and untouched.context == "untouched"
    again = await store.replace_objects(dataclasses.replace(BATCH, default_realm="other"))
    assert again.replaced == 9
    assert await store.get_default_realm() == "other"


async def test_failure_part_way_leaves_the_database_unchanged(store: Store) -> None:
    await store.replace_objects(BATCH)
    before = await _snapshot(store)
    # Too large for a 64-bit column: only the database notices, after earlier rows of the
    # batch (and deletions of the rows they replace) have been sent.
    poisoned = PjsipObjects(
        endpoints=(EndpointRecord(id="101", context="changed"), EndpointRecord(id="new")),
        auths=(),
        aors=(AorRecord(id="fresh"), AorRecord(id="trunk", max_contacts=2**64)),
        default_realm="changed",
    )
    with pytest.raises(StorageError, match="importing objects"):
        await store.replace_objects(poisoned)
    assert await _snapshot(store) == before


async def test_duplicate_ids_in_one_batch_are_refused(store: Store) -> None:
    doubled = PjsipObjects(auths=(AuthRecord(id="a"), AuthRecord(id="a", password="x")))
    with pytest.raises(StorageError, match="auth 'a' appears twice"):
        await store.replace_objects(doubled)
    assert await store.list_auths() == []


async def test_replace_keeps_a_sites_own_columns_on_put_but_not_on_import(
    sqlite_database: Database,
) -> None:
    database = sqlite_database
    store = database.store
    async with database._engine.begin() as conn:
        await conn.execute(sa.text("ALTER TABLE ps_endpoints ADD COLUMN site_note VARCHAR(40)"))
        await conn.execute(sa.text("INSERT INTO ps_endpoints (id, site_note) VALUES ('101', 'n')"))
    await store.put_endpoint(EndpointRecord(id="101", context="edited"))
    async with database._engine.connect() as conn:
        note = await conn.scalar(sa.text("SELECT site_note FROM ps_endpoints WHERE id = '101'"))
    assert note == "n"
    await store.replace_objects(BATCH)
    async with database._engine.connect() as conn:
        note = await conn.scalar(sa.text("SELECT site_note FROM ps_endpoints WHERE id = '101'"))
    assert note is None


async def test_large_batches_are_chunked(store: Store) -> None:
    endpoints = tuple(EndpointRecord(id=f"{n:04d}") for n in range(1100))
    await store.replace_objects(PjsipObjects(endpoints=endpoints))
    summary = await store.replace_objects(PjsipObjects(endpoints=endpoints))
    assert summary.replaced == 1100
    assert await store.count_endpoints() == 1100
