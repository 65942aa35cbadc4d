from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sqlalchemy as sa

from softswitch.storage import (
    AorRecord,
    AuthRecord,
    ContactRecord,
    Database,
    DomainAliasRecord,
    EndpointRecord,
    IdentifyRecord,
    RegistrationRecord,
    StorageError,
    Store,
    TransportRecord,
    contact_id,
)

FULL_ENDPOINT = EndpointRecord(
    id="101",
    transport="transport-udp",
    aors=("101", "101-desk"),
    auth="101",
    outbound_auth="out",
    context="internal",
    disallow=("all",),
    allow=("ulaw", "alaw", "g722"),
    dtmf_mode="info",
    direct_media=False,
    rtp_symmetric=True,
    rewrite_contact=True,
    rtp_timeout=30,
    callerid='"Reception" <101>',
    callerid_privacy="prohib",
    from_user="reception",
    from_domain="pbx.example",
    identify_by=("username", "auth_username"),
    send_pai=True,
    send_rpid=True,
    trust_id_inbound=True,
    rel_100="no",
    timers="forced",
    media_encryption="sdes",
    mailboxes="101@default",
    language="ru",
    accountcode="acct",
    moh_suggest="jazz",
    call_group="1,3-4",
    device_state_busy_at=2,
    set_var=("CDR(route)=27", "GREETING=a,b"),
    deny=("0.0.0.0/0.0.0.0",),
    permit=("10.0.0.0/8", "192.168.0.0/16"),
    tenantid="acme",
    sip_domain="acme.example",
)

SAMPLES: list[tuple[str, Any, Any, dict[str, Any]]] = [
    ("endpoint", FULL_ENDPOINT, EndpointRecord(id="102"), {"allow": (), "context": "other"}),
    (
        "auth",
        AuthRecord(
            id="101",
            username="101",
            password="secret",
            realm="pbx",
            supported_algorithms_uas=("SHA-256", "MD5"),
        ),
        AuthRecord(id="md5", auth_type="md5", md5_cred="0" * 32),
        {"password": None, "realm": None},
    ),
    (
        "aor",
        AorRecord(
            id="101",
            contacts=("sip:101@192.0.2.1", "sip:101@192.0.2.2:5070"),
            max_contacts=2,
            remove_existing=True,
            qualify_frequency=60,
            qualify_timeout=1.5,
        ),
        AorRecord(id="102"),
        {"contacts": (), "qualify_timeout": 0.5},
    ),
    (
        "identify",
        IdentifyRecord(id="trunk", endpoint="trunk", match=("192.0.2.0/24",)),
        None,
        {"match": ("192.0.2.7", "sip.example"), "match_header": "X-Trunk: a"},
    ),
    (
        "registration",
        RegistrationRecord(
            id="reg",
            server_uri="sip:sip.example",
            client_uri="sip:me@sip.example",
            contact_user="in",
            outbound_auth="out",
            line=True,
            endpoint="trunk",
        ),
        None,
        {"line": False, "max_retries": 0},
    ),
    (
        "transport",
        TransportRecord(id="t", protocol="tcp", local_net=("10.0.0.0/8",)),
        None,
        {"protocol": "udp", "external_signaling_port": 5070},
    ),
    (
        "domain_alias",
        DomainAliasRecord(id="alias.example", domain="pbx.example"),
        None,
        {"domain": "other.example"},
    ),
]


def _methods(store: Store, kind: str) -> tuple[Callable[..., Awaitable[Any]], ...]:
    plural = {"identify": "identifies", "domain_alias": "domain_aliases"}.get(kind, kind + "s")
    return (
        getattr(store, f"get_{kind}"),
        getattr(store, f"list_{plural}"),
        getattr(store, f"put_{kind}"),
        getattr(store, f"delete_{kind}"),
    )


@pytest.mark.parametrize(
    ("kind", "first", "second", "change"), SAMPLES, ids=[s[0] for s in SAMPLES]
)
async def test_crud_round_trip(
    store: Store, kind: str, first: Any, second: Any, change: dict[str, Any]
) -> None:
    get, list_, put, delete = _methods(store, kind)
    assert await get(first.id) is None
    await put(first)
    assert await get(first.id) == first
    if second is not None:
        await put(second)
        assert await list_() == sorted([first, second], key=lambda r: r.id)
    changed = dataclasses.replace(first, **change)
    assert changed != first
    await put(changed)
    assert await get(first.id) == changed
    assert await delete(first.id) is True
    assert await delete(first.id) is False
    assert await get(first.id) is None


async def test_put_replaces_the_row_of_the_same_id(store: Store) -> None:
    await store.put_endpoint(FULL_ENDPOINT)
    plain = EndpointRecord(id="101")
    await store.put_endpoint(plain)
    assert await store.get_endpoint("101") == plain
    assert await store.count_endpoints() == 1


async def test_count_endpoints(store: Store) -> None:
    assert await store.count_endpoints() == 0
    for name in ("a", "b", "c"):
        await store.put_endpoint(EndpointRecord(id=name))
    assert await store.count_endpoints() == 3


async def test_find_endpoint_by_auth_username(store: Store) -> None:
    await store.put_auth(AuthRecord(id="auth-101", username="alice", password="x"))
    await store.put_auth(AuthRecord(id="bob", password="x"))
    await store.put_auth(AuthRecord(id="auth-101-old", username="alice", password="y"))
    await store.put_endpoint(EndpointRecord(id="101", auth="auth-101"))
    await store.put_endpoint(EndpointRecord(id="100", auth="auth-101-old"))
    await store.put_endpoint(EndpointRecord(id="102", auth="bob"))
    found = await store.find_endpoint_by_auth_username("alice")
    assert found is not None and found.id == "100"
    by_id = await store.find_endpoint_by_auth_username("bob")
    assert by_id is not None and by_id.id == "102"
    assert await store.find_endpoint_by_auth_username("auth-101") is None
    assert await store.find_endpoint_by_auth_username("carol") is None


async def test_remove_endpoint_with_objects(store: Store) -> None:
    for name in ("101", "102"):
        await store.put_endpoint(EndpointRecord(id=name, aors=(name,), auth=name))
        await store.put_auth(AuthRecord(id=name, password="x"))
        await store.put_aor(AorRecord(id=name, max_contacts=1))
        uri = f"sip:{name}@192.0.2.1"
        await store.save_contact(
            ContactRecord(id=contact_id(name, uri), aor=name, uri=uri, expiration_time=2**40)
        )
    assert await store.remove_endpoint_with_objects("101") is True
    assert await store.get_endpoint("101") is None
    assert await store.get_auth("101") is None
    assert await store.get_aor("101") is None
    assert await store.list_contacts("101") == []
    assert await store.get_endpoint("102") is not None
    assert len(await store.list_contacts("102")) == 1
    assert await store.remove_endpoint_with_objects("101") is False


async def test_rows_written_by_other_tools_are_tolerated(
    database: Database, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    engine = database._engine
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                'INSERT INTO ps_endpoints (id, context, rtp_symmetric, allow, "100rel")'
                " VALUES ('odd', NULL, 'YES', 'ulaw, alaw,', 'peer_supported'),"
                " ('bad', 'x', 'maybe', NULL, NULL)"
            )
        )
        await conn.execute(sa.text("INSERT INTO ps_contacts (id, aor) VALUES ('broken', 'a')"))
    odd = await store.get_endpoint("odd")
    assert odd is not None
    assert (odd.context, odd.rtp_symmetric, odd.allow, odd.rel_100) == (
        "default",
        True,
        ("ulaw", "alaw"),
        "peer_supported",
    )
    with caplog.at_level(logging.WARNING, logger="softswitch.storage"):
        bad = await store.get_endpoint("bad")
        assert await store.list_contacts("a") == []
    assert bad is not None and bad.rtp_symmetric is False
    assert "ps_endpoints 'bad': column rtp_symmetric" in caplog.text
    assert "ps_contacts 'broken' skipped: column uri: missing" in caplog.text


async def test_default_realm_is_none_until_imported(store: Store) -> None:
    assert await store.get_default_realm() is None


async def test_database_errors_become_storage_errors(sqlite_database: Database) -> None:
    store = sqlite_database.store
    async with sqlite_database._engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE ps_auths"))
    with pytest.raises(StorageError, match="reading auth '101'"):
        await store.get_auth("101")
    with pytest.raises(StorageError, match="writing auth '101'"):
        await store.put_auth(AuthRecord(id="101"))
