from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from softswitch.storage import ContactRecord, Database, Store, contact_id


def _contact(aor: str, uri: str, expires: int, **extra: object) -> ContactRecord:
    return ContactRecord(
        id=contact_id(aor, uri),
        aor=aor,
        uri=uri,
        expiration_time=expires,
        **extra,  # type: ignore[arg-type]
    )


FULL = _contact(
    "101",
    "sip:101@192.0.2.10:5060;ob",
    1_900_000_000,
    endpoint="101",
    user_agent="Zoiper rv2.10",
    reg_server="node-a",
    via_addr="192.168.1.20",
    via_port=5060,
    call_id="abc@192.168.1.20",
    cseq=7,
    path="<sip:edge.example;lr>",
    contact_header='<sip:101@192.0.2.10:5060;ob>;expires=3600;+sip.instance="<urn:uuid:1>"',
    instance_id="<urn:uuid:1>",
    reg_id="1",
    source_transport="udp",
    source_host="192.0.2.10",
    source_port=40312,
    qualify_frequency=60,
    qualify_timeout=3.0,
    prune_on_boot=False,
    status="Reachable",
    rtt_ms=12.5,
)


async def test_save_and_list(store: Store) -> None:
    other = _contact("101", "sip:101@192.0.2.11", 1_900_000_100)
    await store.save_contact(FULL)
    await store.save_contact(other)
    await store.save_contact(_contact("102", "sip:102@192.0.2.12", 1_900_000_000))
    assert await store.list_contacts("101") == sorted([FULL, other], key=lambda c: c.id)
    assert await store.list_contacts("103") == []
    assert len(await store.list_all_contacts()) == 3


async def test_save_is_an_upsert_by_id(store: Store) -> None:
    await store.save_contact(FULL)
    refreshed = dataclasses.replace(FULL, expiration_time=1_900_003_600, cseq=8, status="Unknown")
    await store.save_contact(refreshed)
    assert await store.list_contacts("101") == [refreshed]


async def test_delete_contacts(store: Store) -> None:
    contacts = [_contact("101", f"sip:101@192.0.2.{n}", 1_900_000_000) for n in range(5)]
    for contact in contacts:
        await store.save_contact(contact)
    removed = await store.delete_contacts(c.id for c in contacts[:3])
    assert removed == 3
    assert await store.list_contacts("101") == sorted(contacts[3:], key=lambda c: c.id)
    assert await store.delete_contacts([]) == 0
    assert await store.delete_contacts(["nope"]) == 0


async def test_delete_more_contacts_than_one_statement_takes(
    database: Database, store: Store
) -> None:
    ids = [f"bulk;@{n}" for n in range(1200)]
    async with database._engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO ps_contacts (id, aor, uri, expiration_time)"
                " VALUES (:id, 'b', 'sip:x', 1)"
            ),
            [{"id": contact_id} for contact_id in ids],
        )
    assert await store.delete_contacts(ids) == 1200


async def test_delete_expired_contacts(store: Store) -> None:
    await store.save_contact(_contact("101", "sip:old@192.0.2.1", 1000))
    await store.save_contact(_contact("101", "sip:edge@192.0.2.1", 2000))
    await store.save_contact(_contact("101", "sip:new@192.0.2.1", 2001))
    assert await store.delete_expired_contacts(2000.5) == 2
    assert [c.uri for c in await store.list_contacts("101")] == ["sip:new@192.0.2.1"]
    assert await store.delete_expired_contacts(2000.5) == 0


async def test_prune_on_boot_only_this_nodes_flagged_contacts(
    database: Database, store: Store
) -> None:
    await store.save_contact(_contact("a", "sip:1@x", 2**40, reg_server="me", prune_on_boot=True))
    await store.save_contact(_contact("a", "sip:2@x", 2**40, reg_server="me", prune_on_boot=False))
    await store.save_contact(
        _contact("a", "sip:3@x", 2**40, reg_server="other", prune_on_boot=True)
    )
    async with database._engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO ps_contacts (id, aor, uri, expiration_time, reg_server, prune_on_boot)"
                " VALUES ('a;@4', 'a', 'sip:4@x', 99999999999, 'me', 'TRUE')"
            )
        )
    assert await store.prune_contacts_on_boot("me") == 2
    assert sorted(c.uri for c in await store.list_contacts("a")) == ["sip:2@x", "sip:3@x"]


async def test_update_contact_status(store: Store) -> None:
    await store.save_contact(FULL)
    assert await store.update_contact_status(FULL.id, "Unreachable", None) is True
    (contact,) = await store.list_contacts("101")
    assert (contact.status, contact.rtt_ms) == ("Unreachable", None)
    assert await store.update_contact_status(FULL.id, "Reachable", 3.25) is True
    (contact,) = await store.list_contacts("101")
    assert (contact.status, contact.rtt_ms) == ("Reachable", 3.25)
    assert await store.update_contact_status("gone", "Reachable", 1.0) is False
    with pytest.raises(ValueError, match="contact status must be one of"):
        await store.update_contact_status(FULL.id, "Up", 1.0)
