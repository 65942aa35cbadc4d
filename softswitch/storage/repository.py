"""Reads and writes of PJSIP objects: records in, records out, one short transaction per call.

Statements are SQLAlchemy Core on the model tables, selecting only the columns the records
know, so rows written by other tools (with columns of their own) read fine. A row that holds a
bad value in an optional column is read with that option's default and logged; a row missing
a required value is skipped and logged. Database failures surface as :class:`StorageError`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Row, Select, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from softswitch.storage import models
from softswitch.storage.fields import record_specs, record_to_row, record_values_from_row
from softswitch.storage.ipmatch import (
    HostResolver,
    IPAddress,
    MatchRule,
    parse_address,
    parse_match,
    specificity,
)
from softswitch.storage.records import (
    CONTACT_STATUSES,
    AorRecord,
    AuthRecord,
    ContactRecord,
    DomainAliasRecord,
    EndpointRecord,
    IdentifyRecord,
    ImportSummary,
    PjsipObjects,
    RegistrationRecord,
    TransportRecord,
)

log = logging.getLogger(__name__)

_TRUE_SPELLINGS = ("1", "on", "true", "yes")
_GLOBAL_ID = "global"
# SQLite allowed only 999 bound parameters per statement before 3.32; stay under that.
_CHUNK = 500


class StorageError(Exception):
    """The database refused or failed an operation; the message says what was attempted."""


class _Record(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=_Record)


class _Kind(Generic[R]):
    """One record type, the table it lives in, and its prepared statements."""

    __slots__ = ("by_id", "everything", "noun", "record", "specs", "table")

    def __init__(self, record: type[R], table: Table, noun: str) -> None:
        self.record = record
        self.table = table
        self.noun = noun
        self.specs = record_specs(record)
        # Built once: composing a 50-column SELECT costs more than running it on SQLite.
        self.everything = self.select().order_by(table.c.id)
        self.by_id = self.select().where(table.c.id == bindparam("id"))

    def select(self) -> Select[Any]:
        return select(*(self.table.c[spec.option] for spec in self.specs))

    def decode(self, row: Row[Any]) -> R | None:
        mapping = row._mapping
        try:
            return self.record(
                **{spec.name: spec.from_column(mapping[spec.option]) for spec in self.specs}
            )
        except ValueError:
            # Rare: some cell is bad. Take the careful path that says which and falls back.
            pass
        try:
            values, problems = record_values_from_row(self.record, mapping)
            record = self.record(**values)
        except ValueError as exc:
            log.warning("%s %r skipped: %s", self.table.name, mapping.get("id"), exc)
            return None
        for problem in problems:
            log.warning("%s %r: %s", self.table.name, record.id, problem)
        return record

    def decode_all(self, rows: Iterable[Row[Any]]) -> list[R]:
        return [record for record in map(self.decode, rows) if record is not None]


def _table(model: type[models.Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


ENDPOINTS = _Kind(EndpointRecord, _table(models.PsEndpoint), "endpoint")
AUTHS = _Kind(AuthRecord, _table(models.PsAuth), "auth")
AORS = _Kind(AorRecord, _table(models.PsAor), "aor")
CONTACTS = _Kind(ContactRecord, _table(models.PsContact), "contact")
IDENTIFIES = _Kind(IdentifyRecord, _table(models.PsEndpointIdIp), "identify")
REGISTRATIONS = _Kind(RegistrationRecord, _table(models.PsRegistration), "registration")
TRANSPORTS = _Kind(TransportRecord, _table(models.PsTransport), "transport")
DOMAIN_ALIASES = _Kind(DomainAliasRecord, _table(models.PsDomainAlias), "domain alias")
GLOBALS = _table(models.PsGlobal)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class Store:
    """Every query the switch makes, as async methods returning records."""

    def __init__(self, engine: AsyncEngine, write_engine: AsyncEngine) -> None:
        self._engine = engine
        self._write_engine = write_engine
        self._resolver = HostResolver()

    @contextlib.asynccontextmanager
    async def _reading(self, what: str) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StorageError(f"{what}: {exc}") from exc

    @contextlib.asynccontextmanager
    async def _writing(self, what: str) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._write_engine.begin() as conn:
                yield conn
        # sqlite3 refuses integers wider than 64 bits itself, before SQLAlchemy wraps errors.
        except (SQLAlchemyError, OverflowError) as exc:
            raise StorageError(f"{what}: {exc}") from exc

    async def _get(self, kind: _Kind[R], id: str) -> R | None:
        async with self._reading(f"reading {kind.noun} {id!r}") as conn:
            result = await conn.execute(kind.by_id, {"id": id})
            row = result.first()
        return None if row is None else kind.decode(row)

    async def _list(self, kind: _Kind[R]) -> list[R]:
        async with self._reading(f"listing {kind.noun}s") as conn:
            result = await conn.execute(kind.everything)
            rows = result.all()
        return kind.decode_all(rows)

    async def _put(self, kind: _Kind[R], record: R) -> None:
        async with self._writing(f"writing {kind.noun} {record.id!r}") as conn:
            await _upsert(conn, kind.table, record_to_row(record))

    async def _delete(self, kind: _Kind[R], id: str) -> bool:
        async with self._writing(f"deleting {kind.noun} {id!r}") as conn:
            result = await conn.execute(delete(kind.table).where(kind.table.c.id == id))
        return bool(result.rowcount)

    # Endpoints

    async def get_endpoint(self, id: str) -> EndpointRecord | None:
        return await self._get(ENDPOINTS, id)

    async def list_endpoints(self) -> list[EndpointRecord]:
        return await self._list(ENDPOINTS)

    async def count_endpoints(self) -> int:
        async with self._reading("counting endpoints") as conn:
            count = await conn.scalar(select(func.count()).select_from(ENDPOINTS.table))
        return int(count or 0)

    async def put_endpoint(self, record: EndpointRecord) -> None:
        await self._put(ENDPOINTS, record)

    async def delete_endpoint(self, id: str) -> bool:
        return await self._delete(ENDPOINTS, id)

    async def remove_endpoint_with_objects(self, id: str) -> bool:
        """Delete an endpoint, the auth and AOR of the same name and that AOR's contacts.

        Nothing is deleted when the endpoint does not exist; returns whether it did.
        """
        async with self._writing(f"removing endpoint {id!r}") as conn:
            result = await conn.execute(delete(ENDPOINTS.table).where(ENDPOINTS.table.c.id == id))
            if not result.rowcount:
                return False
            await conn.execute(delete(AUTHS.table).where(AUTHS.table.c.id == id))
            await conn.execute(delete(AORS.table).where(AORS.table.c.id == id))
            await conn.execute(delete(CONTACTS.table).where(CONTACTS.table.c.aor == id))
        return True

    async def find_endpoint_by_auth_username(self, username: str) -> EndpointRecord | None:
        """The endpoint whose inbound auth has this digest username (or id, lacking one)."""
        auths = AUTHS.table
        endpoints = ENDPOINTS.table
        matching_auths = select(auths.c.id).where(
            (auths.c.username == username) | (auths.c.username.is_(None) & (auths.c.id == username))
        )
        statement = (
            ENDPOINTS.select()
            .where(endpoints.c.auth.in_(matching_auths))
            .order_by(endpoints.c.id)
            .limit(1)
        )
        async with self._reading(f"finding the endpoint of auth user {username!r}") as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else ENDPOINTS.decode(row)

    async def find_endpoint_by_ip(
        self, host: str, port: int | None = None
    ) -> EndpointRecord | None:
        """The endpoint whose identify entries match the source most specifically.

        Endpoints whose ``identify_by`` excludes ``ip`` are passed over, as Asterisk does.
        """
        address = parse_address(host)
        if address is None:
            return None
        identifies = await self.list_identifies()
        ranked: list[tuple[tuple[int, int], int, str]] = []
        for order, identify in enumerate(identifies):
            score = await self._best_score(identify, address, port)
            if score is not None:
                # Most specific first; among equals, the identify that sorts first by id.
                ranked.append((score, -order, identify.endpoint))
        if not ranked:
            return None
        ranked.sort(reverse=True)
        wanted = list(dict.fromkeys(endpoint for _, _, endpoint in ranked))
        endpoints = {record.id: record for record in await self._get_many(ENDPOINTS, wanted)}
        for endpoint_id in wanted:
            endpoint = endpoints.get(endpoint_id)
            if endpoint is not None and "ip" in endpoint.identify_by:
                return endpoint
        return None

    async def _best_score(
        self, identify: IdentifyRecord, address: IPAddress, port: int | None
    ) -> tuple[int, int] | None:
        best: tuple[int, int] | None = None
        for entry in identify.match:
            try:
                rule = parse_match(entry)
            except ValueError as exc:
                log.warning("identify %s: %s ignored", identify.id, exc)
                continue
            score = specificity(rule, address, port, await self._resolved(rule))
            if score is not None and (best is None or score > best):
                best = score
        return best

    async def _resolved(self, rule: MatchRule) -> frozenset[IPAddress]:
        if rule.hostname is None:
            return frozenset()
        return await self._resolver.resolve(rule.hostname)

    async def _get_many(self, kind: _Kind[R], ids: Sequence[str]) -> list[R]:
        rows: list[Row[Any]] = []
        async with self._reading(f"reading {kind.noun}s") as conn:
            for chunk in _chunks(ids):
                result = await conn.execute(kind.select().where(kind.table.c.id.in_(chunk)))
                rows.extend(result.all())
        return kind.decode_all(rows)

    # Auths, AORs, identifies, registrations, transports, domain aliases

    async def get_auth(self, id: str) -> AuthRecord | None:
        return await self._get(AUTHS, id)

    async def list_auths(self) -> list[AuthRecord]:
        return await self._list(AUTHS)

    async def put_auth(self, record: AuthRecord) -> None:
        await self._put(AUTHS, record)

    async def delete_auth(self, id: str) -> bool:
        return await self._delete(AUTHS, id)

    async def get_aor(self, id: str) -> AorRecord | None:
        return await self._get(AORS, id)

    async def list_aors(self) -> list[AorRecord]:
        return await self._list(AORS)

    async def put_aor(self, record: AorRecord) -> None:
        await self._put(AORS, record)

    async def delete_aor(self, id: str) -> bool:
        return await self._delete(AORS, id)

    async def get_identify(self, id: str) -> IdentifyRecord | None:
        return await self._get(IDENTIFIES, id)

    async def list_identifies(self) -> list[IdentifyRecord]:
        return await self._list(IDENTIFIES)

    async def put_identify(self, record: IdentifyRecord) -> None:
        await self._put(IDENTIFIES, record)

    async def delete_identify(self, id: str) -> bool:
        return await self._delete(IDENTIFIES, id)

    async def get_registration(self, id: str) -> RegistrationRecord | None:
        return await self._get(REGISTRATIONS, id)

    async def list_registrations(self) -> list[RegistrationRecord]:
        return await self._list(REGISTRATIONS)

    async def put_registration(self, record: RegistrationRecord) -> None:
        await self._put(REGISTRATIONS, record)

    async def delete_registration(self, id: str) -> bool:
        return await self._delete(REGISTRATIONS, id)

    async def get_transport(self, id: str) -> TransportRecord | None:
        return await self._get(TRANSPORTS, id)

    async def list_transports(self) -> list[TransportRecord]:
        return await self._list(TRANSPORTS)

    async def put_transport(self, record: TransportRecord) -> None:
        await self._put(TRANSPORTS, record)

    async def delete_transport(self, id: str) -> bool:
        return await self._delete(TRANSPORTS, id)

    async def get_domain_alias(self, id: str) -> DomainAliasRecord | None:
        return await self._get(DOMAIN_ALIASES, id)

    async def list_domain_aliases(self) -> list[DomainAliasRecord]:
        return await self._list(DOMAIN_ALIASES)

    async def put_domain_alias(self, record: DomainAliasRecord) -> None:
        await self._put(DOMAIN_ALIASES, record)

    async def delete_domain_alias(self, id: str) -> bool:
        return await self._delete(DOMAIN_ALIASES, id)

    async def get_default_realm(self) -> str | None:
        """``default_realm`` from ``ps_globals``, if an import or an operator set one."""
        async with self._reading("reading ps_globals") as conn:
            realm = await conn.scalar(
                select(GLOBALS.c.default_realm).where(GLOBALS.c.id == _GLOBAL_ID)
            )
        return str(realm) if realm else None

    # Contacts

    async def list_contacts(self, aor: str) -> list[ContactRecord]:
        table = CONTACTS.table
        async with self._reading(f"listing contacts of {aor!r}") as conn:
            result = await conn.execute(
                CONTACTS.select().where(table.c.aor == aor).order_by(table.c.id)
            )
            rows = result.all()
        return CONTACTS.decode_all(rows)

    async def list_all_contacts(self) -> list[ContactRecord]:
        return await self._list(CONTACTS)

    async def save_contact(self, record: ContactRecord) -> None:
        """Insert the contact, or replace the one with the same id."""
        await self._put(CONTACTS, record)

    async def delete_contacts(self, ids: Iterable[str]) -> int:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return 0
        deleted = 0
        async with self._writing("deleting contacts") as conn:
            for chunk in _chunks(wanted):
                result = await conn.execute(
                    delete(CONTACTS.table).where(CONTACTS.table.c.id.in_(chunk))
                )
                deleted += result.rowcount
        return deleted

    async def delete_expired_contacts(self, now: float) -> int:
        """Delete the contacts whose expiration time has come; return how many."""
        table = CONTACTS.table
        async with self._writing("deleting expired contacts") as conn:
            # Whole seconds, as the column holds them (PostgreSQL will not compare a BIGINT
            # parameter with a float).
            result = await conn.execute(delete(table).where(table.c.expiration_time <= int(now)))
        return result.rowcount

    async def prune_contacts_on_boot(self, reg_server: str) -> int:
        """Delete this node's contacts marked ``prune_on_boot``; return how many."""
        table = CONTACTS.table
        statement = delete(table).where(
            (table.c.reg_server == reg_server)
            & func.lower(table.c.prune_on_boot).in_(_TRUE_SPELLINGS)
        )
        async with self._writing("pruning contacts") as conn:
            result = await conn.execute(statement)
        return result.rowcount

    async def update_contact_status(self, id: str, status: str, rtt_ms: float | None) -> bool:
        """Record a qualify outcome; returns False when the contact is gone."""
        if status not in CONTACT_STATUSES:
            raise ValueError(f"contact status must be one of {', '.join(CONTACT_STATUSES)}")
        table = CONTACTS.table
        statement = update(table).where(table.c.id == id).values(status=status, rtt_ms=rtt_ms)
        async with self._writing(f"updating contact {id!r}") as conn:
            result = await conn.execute(statement)
        return bool(result.rowcount)

    # Whole configurations

    async def replace_objects(self, objects: PjsipObjects) -> ImportSummary:
        """Write every object in one transaction, each replacing any row with its id.

        A failure part-way leaves the database exactly as it was.
        """
        batches: list[tuple[_Kind[Any], Sequence[_Record]]] = [
            (ENDPOINTS, objects.endpoints),
            (AUTHS, objects.auths),
            (AORS, objects.aors),
            (IDENTIFIES, objects.identifies),
            (REGISTRATIONS, objects.registrations),
            (TRANSPORTS, objects.transports),
            (DOMAIN_ALIASES, objects.domain_aliases),
        ]
        for kind, records in batches:
            seen: set[str] = set()
            for record in records:
                if record.id in seen:
                    raise StorageError(f"{kind.noun} {record.id!r} appears twice in one import")
                seen.add(record.id)
        replaced = 0
        async with self._writing("importing objects") as conn:
            for kind, records in batches:
                if not records:
                    continue
                ids = [record.id for record in records]
                for chunk in _chunks(ids):
                    result = await conn.execute(
                        delete(kind.table).where(kind.table.c.id.in_(chunk))
                    )
                    replaced += result.rowcount
                await conn.execute(insert(kind.table), [record_to_row(r) for r in records])
            if objects.default_realm is not None:
                await _upsert(
                    conn, GLOBALS, {"id": _GLOBAL_ID, "default_realm": objects.default_realm}
                )
        return ImportSummary(
            endpoints=len(objects.endpoints),
            auths=len(objects.auths),
            aors=len(objects.aors),
            identifies=len(objects.identifies),
            registrations=len(objects.registrations),
            transports=len(objects.transports),
            domain_aliases=len(objects.domain_aliases),
            replaced=replaced,
        )


async def _upsert(conn: AsyncConnection, table: Table, row: dict[str, object]) -> None:
    """Insert *row*, or update the columns it names in the row with the same id.

    Columns it does not name (a site's own) keep their values.
    """
    changes = [key for key in row if key != "id"]
    if conn.dialect.name == "postgresql":
        pg_statement = postgresql.insert(table).values(row)
        await conn.execute(
            pg_statement.on_conflict_do_update(
                index_elements=[table.c.id],
                set_={key: pg_statement.excluded[key] for key in changes},
            )
        )
        return
    lite_statement = sqlite.insert(table).values(row)
    await conn.execute(
        lite_statement.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={key: lite_statement.excluded[key] for key in changes},
        )
    )
