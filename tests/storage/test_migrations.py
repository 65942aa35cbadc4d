from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from softswitch.storage import Database, EndpointRecord, contact_id, migrate
from softswitch.storage.fields import record_specs
from softswitch.storage.models import Base
from softswitch.storage.repository import (
    AORS,
    AUTHS,
    CONTACTS,
    DOMAIN_ALIASES,
    ENDPOINTS,
    IDENTIFIES,
    REGISTRATIONS,
    TRANSPORTS,
)

PJSIP_TABLES = {
    "ps_endpoints",
    "ps_auths",
    "ps_aors",
    "ps_contacts",
    "ps_endpoint_id_ips",
    "ps_registrations",
    "ps_transports",
    "ps_domain_aliases",
    "ps_globals",
}


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "db" / "softswitch.db"


@pytest.fixture
def sync_engine(db_file: Path) -> Iterator[sa.Engine]:
    db_file.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(f"sqlite:///{db_file}")
    try:
        yield engine
    finally:
        engine.dispose()


def _url(db_file: Path) -> str:
    return f"sqlite+aiosqlite:///{db_file}"


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


async def test_open_creates_the_folder_and_migrates_to_head(
    db_file: Path, sync_engine: sa.Engine
) -> None:
    async with await Database.open(_url(db_file)):
        pass
    assert _tables(sync_engine) >= PJSIP_TABLES
    with sync_engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD == migrate.script_head() == "0005"
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


async def test_open_twice_is_idempotent(db_file: Path) -> None:
    async with await Database.open(_url(db_file)) as db:
        await db.store.put_endpoint(EndpointRecord(id="101", context="internal"))
    async with await Database.open(_url(db_file)) as db:
        assert await db.store.get_endpoint("101") == EndpointRecord(id="101", context="internal")


async def test_database_at_base_upgrades_in_place(db_file: Path, sync_engine: sa.Engine) -> None:
    with sync_engine.begin() as conn:
        migrate.upgrade(conn, "base")
        conn.exec_driver_sql("CREATE TABLE site_notes (id INTEGER PRIMARY KEY, note TEXT)")
        conn.exec_driver_sql("INSERT INTO site_notes (note) VALUES ('keep me')")
    assert not PJSIP_TABLES & _tables(sync_engine)
    async with await Database.open(_url(db_file)) as db:
        assert await db.store.count_endpoints() == 0
    assert _tables(sync_engine) >= PJSIP_TABLES
    with sync_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT note FROM site_notes").scalar() == "keep me"
        assert migrate.current_revision(conn) == migrate.HEAD


async def test_an_asterisk_realtime_database_is_adopted(
    db_file: Path, sync_engine: sa.Engine
) -> None:
    contact_uri = "sip:101@192.0.2.10:5060"
    asterisk_contact = contact_id("101", contact_uri)
    with sync_engine.begin() as conn:
        # Asterisk's own Alembic history and a subset of its column layout, with a column we
        # do not know about.
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('4e2493ef32e6')")
        conn.exec_driver_sql(
            "CREATE TABLE ps_endpoints (id VARCHAR(40) NOT NULL UNIQUE, transport VARCHAR(40),"
            " aors VARCHAR(200), auth VARCHAR(40), context VARCHAR(40), disallow VARCHAR(200),"
            ' allow VARCHAR(200), direct_media VARCHAR(3), "100rel" VARCHAR(20),'
            " ice_support VARCHAR(3))"
        )
        conn.exec_driver_sql(
            "INSERT INTO ps_endpoints (id, aors, auth, context, allow, ice_support)"
            " VALUES ('101', '101', '101', 'from-internal', 'ulaw,alaw', 'yes')"
        )
        conn.exec_driver_sql(
            "CREATE TABLE ps_contacts (id VARCHAR(255) NOT NULL UNIQUE, uri VARCHAR(511),"
            " expiration_time BIGINT, user_agent VARCHAR(255), reg_server VARCHAR(255),"
            " endpoint VARCHAR(255), prune_on_boot VARCHAR(3))"
        )
        conn.exec_driver_sql(
            "INSERT INTO ps_contacts (id, uri, expiration_time, endpoint)"
            f" VALUES ('{asterisk_contact}', '{contact_uri}', 1900000000, '101')"
        )
    async with await Database.open(_url(db_file)) as db:
        endpoint = await db.store.get_endpoint("101")
        assert endpoint is not None
        assert (endpoint.context, endpoint.allow, endpoint.sip_domain) == (
            "from-internal",
            ("ulaw", "alaw"),
            None,
        )
        (contact,) = await db.store.list_contacts("101")
        assert (contact.id, contact.uri, contact.endpoint) == (asterisk_contact, contact_uri, "101")
        await db.store.put_endpoint(EndpointRecord(id="101", sip_domain="pbx.example"))
    with sync_engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == (
            "4e2493ef32e6"
        )
        assert conn.exec_driver_sql("SELECT ice_support FROM ps_endpoints").scalar() == "yes"
        assert migrate.current_revision(conn) == migrate.HEAD


def test_downgrade_to_base_and_back(sync_engine: sa.Engine) -> None:
    with sync_engine.begin() as conn:
        migrate.upgrade(conn)
        migrate.downgrade(conn, "base")
    assert not PJSIP_TABLES & _tables(sync_engine)
    with sync_engine.begin() as conn:
        assert migrate.current_revision(conn) is None
        migrate.upgrade(conn)
    assert _tables(sync_engine) >= PJSIP_TABLES


def test_migrations_build_exactly_the_models(sync_engine: sa.Engine) -> None:
    with sync_engine.begin() as conn:
        migrate.upgrade(conn)
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "version_table": migrate.VERSION_TABLE}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_model_columns_are_the_record_options() -> None:
    for kind in (ENDPOINTS, AUTHS, AORS, CONTACTS, IDENTIFIES, REGISTRATIONS, TRANSPORTS):
        options = {spec.option for spec in record_specs(kind.record)}
        assert set(kind.table.c.keys()) == options, kind.table.name
    assert set(DOMAIN_ALIASES.table.c.keys()) == {"id", "domain"}


def test_postgresql_ddl_renders() -> None:
    sql = migrate.migration_sql("postgresql")
    assert "CREATE TABLE ps_endpoints" in sql
    assert '"100rel" VARCHAR(20)' in sql
    assert "expiration_time BIGINT" in sql
    assert "CREATE INDEX ix_ps_contacts_aor ON ps_contacts (aor)" in sql
    assert "CREATE TABLE softswitch_schema_version" in sql
