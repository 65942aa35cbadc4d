"""Reads and writes of PJSIP objects and the dialplan: records in, records out, one short
transaction per call.

Statements are SQLAlchemy Core on the model tables, selecting only the columns the records
know, so rows written by other tools (with columns of their own) read fine. A row that holds a
bad value in an optional column is read with that option's default and logged; a row missing
a required value is skipped and logged. Database failures surface as :class:`StorageError`.

The lookups every request makes (endpoint, auth, AOR, identify and auth-username matches,
contacts, the dialplan version) go through :attr:`Store.cache`: a write through this store
is seen by the next read, another program's within the cache's time to live.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Delete,
    Insert,
    Row,
    Select,
    String,
    Table,
    TextClause,
    UpdateBase,
    bindparam,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dialplan_engine.model import RealtimeRow
from softswitch.storage import models
from softswitch.storage.cache import ALL_TABLES, ReadCache
from softswitch.storage.cdrs import CdrTable
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
    ApiAccessGroupRecord,
    ApiAccessRecord,
    ApiUserRecord,
    AstDbDelete,
    AstDbDeleteTree,
    AstDbPut,
    AstDbWrite,
    AuthRecord,
    CdrRecord,
    ContactRecord,
    DomainAliasRecord,
    EndpointRecord,
    IdentifyRecord,
    ImportSummary,
    ManagerUserRecord,
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
EXTENSIONS = _table(models.RealtimeExtension)
STATIC = _table(models.StaticExtension)
ASTDB = _table(models.AstDb)
DIALPLAN_CHANGES = _table(models.DialplanChanges)
MANAGER_USERS = _table(models.ManagerUser)
API_USERS = _table(models.ApiUser)
API_GROUPS = _table(models.ApiAccessGroup)
API_ACCESS = _table(models.ApiAccess)

_WRITTEN = "softswitch_tables_written"
"""Key in a connection's ``info``: the tables its current transaction has written."""
_DIALPLAN_VERSION_TTL_S = 0.1
"""How stale the dialplan may be after another program's edit: a check per call would cost
one query per call, one per 100 ms costs nothing at any call rate."""
_GLOBALS_CATEGORY = "globals"
_EXTENSIONS_FILE = "extensions.conf"
_ROW_KEY = ("context", "exten", "priority")
_EXTENSION_SELECT = select(
    EXTENSIONS.c.id,
    EXTENSIONS.c.context,
    EXTENSIONS.c.exten,
    EXTENSIONS.c.priority,
    EXTENSIONS.c.app,
    EXTENSIONS.c.appdata,
).order_by(EXTENSIONS.c.id)
# Asterisk reads static realtime in this order; a name given twice takes its last value.
_GLOBALS_SELECT = (
    select(STATIC.c.var_name, STATIC.c.var_val)
    .where((STATIC.c.category == _GLOBALS_CATEGORY) & (func.coalesce(STATIC.c.commented, 0) == 0))
    .order_by(
        func.coalesce(STATIC.c.cat_metric, 0).desc(),
        func.coalesce(STATIC.c.var_metric, 0),
        STATIC.c.id,
    )
)
_VERSION_SELECT = select(DIALPLAN_CHANGES.c.serial).where(DIALPLAN_CHANGES.c.id == 1)


def _text_limits(table: Table) -> tuple[tuple[str, int], ...]:
    limits = []
    for column in table.c:
        if isinstance(column.type, String) and column.type.length:
            limits.append((column.name, column.type.length))
    return tuple(limits)


_EXTENSION_LIMITS = _text_limits(EXTENSIONS)


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class Store:
    """Every query the switch makes, as async methods returning records."""

    def __init__(
        self, engine: AsyncEngine, write_engine: AsyncEngine, cache: ReadCache | None = None
    ) -> None:
        self._engine = engine
        self._write_engine = write_engine
        self._resolver = HostResolver()
        self._cdrs = CdrTable()
        self.cache = cache or ReadCache()
        """What the per-request lookups remember (see :mod:`softswitch.storage.cache`)."""
        # On the engine both engines share, so that every write through it is noticed,
        # whichever method (or test) makes it.
        event.listen(engine.sync_engine, "after_execute", self._note_write)

    def _note_write(self, conn: Connection, statement: object, *_: object) -> None:
        if isinstance(statement, UpdateBase):
            # A write to a join or an alias has no one name: forget everything.
            tables = {getattr(statement.table, "name", ALL_TABLES)}
        elif isinstance(statement, TextClause):
            tables = {ALL_TABLES}
        else:
            return
        # Forgotten now, as a statement outside a transaction is already committed; and
        # again by _writing after the commit, as reads in between still saw the old rows.
        self.cache.invalidate(tables)
        conn.info.setdefault(_WRITTEN, set()).update(tables)

    @contextlib.asynccontextmanager
    async def _reading(self, what: str) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StorageError(f"{what}: {exc}") from exc

    @contextlib.asynccontextmanager
    async def _writing(self, what: str) -> AsyncIterator[AsyncConnection]:
        written: set[str] = set()
        try:
            async with self._write_engine.begin() as conn:
                try:
                    yield conn
                finally:
                    written = conn.info.pop(_WRITTEN, written)
        # sqlite3 refuses integers wider than 64 bits itself, before SQLAlchemy wraps errors.
        except (SQLAlchemyError, OverflowError) as exc:
            raise StorageError(f"{what}: {exc}") from exc
        finally:
            self.cache.invalidate(written)

    async def _cached_get(self, kind: _Kind[R], id: str) -> R | None:
        return await self.cache.fetch(
            (kind.noun, id), (kind.table.name,), lambda: self._get(kind, id)
        )

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
        return await self._cached_get(ENDPOINTS, id)

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
        return await self.cache.fetch(
            ("auth username", username), (AUTHS.table.name, ENDPOINTS.table.name),
            lambda: self._find_endpoint_by_auth_username(username),
        )

    async def _find_endpoint_by_auth_username(self, username: str) -> EndpointRecord | None:
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
        return await self.cache.fetch(
            ("ip", host, port), (IDENTIFIES.table.name, ENDPOINTS.table.name),
            lambda: self._find_endpoint_by_ip(host, port),
        )

    async def _find_endpoint_by_ip(self, host: str, port: int | None) -> EndpointRecord | None:
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
        return await self._cached_get(AUTHS, id)

    async def list_auths(self) -> list[AuthRecord]:
        return await self._list(AUTHS)

    async def put_auth(self, record: AuthRecord) -> None:
        await self._put(AUTHS, record)

    async def delete_auth(self, id: str) -> bool:
        return await self._delete(AUTHS, id)

    async def get_aor(self, id: str) -> AorRecord | None:
        return await self._cached_get(AORS, id)

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

    async def list_contacts(self, aor: str, *, fresh: bool = False) -> list[ContactRecord]:
        """The contacts of *aor* by id; *fresh* skips the cache, for a read-modify-write
        that another node sharing the database may race."""
        if fresh:
            return await self._list_contacts(aor)
        contacts = await self.cache.fetch(
            ("contacts", aor), (CONTACTS.table.name,),
            lambda: self._list_contacts_tuple(aor),
        )
        return list(contacts)

    async def _list_contacts_tuple(self, aor: str) -> tuple[ContactRecord, ...]:
        # Remembered as a tuple: every caller gets its own list to change.
        return tuple(await self._list_contacts(aor))

    async def _list_contacts(self, aor: str) -> list[ContactRecord]:
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

    # Dialplan

    async def list_dialplan_rows(self, context: str | None = None) -> list[RealtimeRow]:
        """Every priority (of one context), in the order the rows were written."""
        statement = _EXTENSION_SELECT
        if context is not None:
            statement = statement.where(EXTENSIONS.c.context == context)
        async with self._reading("reading the dialplan") as conn:
            rows = (await conn.execute(statement)).all()
        return [row for row in map(_realtime_row, rows) if row is not None]

    async def count_dialplan_rows(self) -> int:
        async with self._reading("counting dialplan rows") as conn:
            count = await conn.scalar(select(func.count()).select_from(EXTENSIONS))
        return int(count or 0)

    async def replace_dialplan(
        self,
        rows: Iterable[RealtimeRow],
        *,
        contexts: Iterable[str],
        globals: Iterable[tuple[str, str]] = (),
    ) -> int:
        """Delete every row of *contexts*, insert *rows* and set *globals*, in one transaction.

        A failure part-way leaves the database as it was. Returns how many old rows went.
        """
        values = _row_values(rows)
        names = list(dict.fromkeys(contexts))
        removed = 0
        async with self._writing("replacing the dialplan") as conn:
            for chunk in _chunks(names):
                result = await conn.execute(
                    delete(EXTENSIONS).where(EXTENSIONS.c.context.in_(chunk))
                )
                removed += result.rowcount
            if values:
                await conn.execute(insert(EXTENSIONS), values)
            await _set_globals(conn, globals)
        return removed

    async def merge_dialplan(
        self, rows: Iterable[RealtimeRow], *, globals: Iterable[tuple[str, str]] = ()
    ) -> int:
        """Write *rows* over those with the same (context, exten, priority), and set *globals*.

        One transaction; returns how many existing rows were overwritten.
        """
        values = _row_values(rows)
        wanted = {(v["context"], v["exten"], v["priority"]) for v in values}
        contexts = sorted({str(v["context"]) for v in values})
        overwritten = 0
        async with self._writing("merging into the dialplan") as conn:
            for chunk in _chunks(contexts):
                keys = select(EXTENSIONS.c.context, EXTENSIONS.c.exten, EXTENSIONS.c.priority)
                result = await conn.execute(keys.where(EXTENSIONS.c.context.in_(chunk)))
                overwritten += sum(1 for key in result if tuple(key) in wanted)
            if values:
                await _upsert_many(conn, EXTENSIONS, values, _ROW_KEY)
            await _set_globals(conn, globals)
        return overwritten

    async def delete_dialplan_context(self, context: str) -> int:
        async with self._writing(f"deleting context {context!r}") as conn:
            result = await conn.execute(delete(EXTENSIONS).where(EXTENSIONS.c.context == context))
        return result.rowcount

    async def dialplan_version(self) -> str:
        """A value that changes whenever either dialplan table is written, by anyone.

        Triggers (migration 0002) count the writes in the writer's transaction, so this is a
        one-row read. After a change, read the version before the rows: a write landing in
        between then costs one extra reload, never a stale dialplan.

        Remembered for 100 ms, and forgotten at once when this store writes either table.
        """
        return await self.cache.fetch(
            ("dialplan version",), (EXTENSIONS.name, STATIC.name, DIALPLAN_CHANGES.name),
            self._dialplan_version, ttl_s=_DIALPLAN_VERSION_TTL_S,
        )

    async def _dialplan_version(self) -> str:
        async with self._reading("reading the dialplan version") as conn:
            serial = await conn.scalar(_VERSION_SELECT)
        return str(serial or 0)

    async def list_globals(self) -> list[tuple[str, str]]:
        """The ``[globals]`` of the dialplan, in Asterisk's order; a repeated name's last value."""
        async with self._reading("reading the dialplan globals") as conn:
            rows = (await conn.execute(_GLOBALS_SELECT)).all()
        values: dict[str, str] = {}
        for name, value in rows:
            if name:
                values[str(name)] = "" if value is None else str(value)
        return list(values.items())

    async def set_global(self, name: str, value: str) -> None:
        async with self._writing(f"setting global {name!r}") as conn:
            await _set_globals(conn, [(name, value)])

    async def delete_global(self, name: str) -> bool:
        statement = delete(STATIC).where(
            (STATIC.c.category == _GLOBALS_CATEGORY) & (STATIC.c.var_name == name)
        )
        async with self._writing(f"deleting global {name!r}") as conn:
            result = await conn.execute(statement)
        return bool(result.rowcount)

    # Manager API users

    async def get_manager_user(self, name: str) -> ManagerUserRecord | None:
        statement = select(MANAGER_USERS).where(MANAGER_USERS.c.name == name)
        async with self._reading(f"reading manager user {name!r}") as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else _manager_user(row)

    async def list_manager_users(self) -> list[ManagerUserRecord]:
        statement = select(MANAGER_USERS).order_by(MANAGER_USERS.c.name)
        async with self._reading("listing manager users") as conn:
            rows = (await conn.execute(statement)).all()
        return [_manager_user(row) for row in rows]

    async def replace_manager_users(self, users: Sequence[ManagerUserRecord]) -> None:
        """Make *users* the whole set of logins, as loading a ``manager.conf`` means."""
        rows = [
            {
                "name": user.name,
                "secret": user.secret,
                "read": ",".join(user.read),
                "write": ",".join(user.write),
                "acl": ",".join(f"{action}:{network}" for action, network in user.acl),
            }
            for user in users
        ]
        async with self._writing("replacing the manager users") as conn:
            await conn.execute(delete(MANAGER_USERS))
            if rows:
                await conn.execute(insert(MANAGER_USERS), rows)

    # Evolvex API users and access groups

    async def add_api_user(self, user: ApiUserRecord, group: ApiAccessGroupRecord,
                           access: Sequence[ApiAccessRecord]) -> None:
        """Create *user* with its own access *group* and the group's entries, all or nothing.

        A name or key already in use raises :class:`StorageError`.
        """
        async with self._writing(f"adding API user {user.name!r}") as conn:
            await conn.execute(insert(API_GROUPS).values(
                uuid=group.uuid, name=group.name, description=group.description))
            if access:
                await conn.execute(insert(API_ACCESS), [
                    {"uuid": entry.uuid, "name": entry.name, "description": entry.description,
                     "group_uuid": entry.group_uuid}
                    for entry in access
                ])
            await conn.execute(insert(API_USERS).values(_api_user_row(user)))

    async def get_api_user(self, name: str) -> ApiUserRecord | None:
        return await self._api_user(API_USERS.c.name == name, f"reading API user {name!r}")

    async def get_api_user_by_key(self, api_key: str) -> ApiUserRecord | None:
        return await self._api_user(API_USERS.c.api_key == api_key, "looking up an API key")

    async def _api_user(self, where: ColumnElement[bool], what: str) -> ApiUserRecord | None:
        async with self._reading(what) as conn:
            row = (await conn.execute(select(API_USERS).where(where))).first()
        return None if row is None else _api_user(row)

    async def list_api_users(self) -> list[ApiUserRecord]:
        statement = select(API_USERS).order_by(API_USERS.c.name)
        async with self._reading("listing API users") as conn:
            rows = (await conn.execute(statement)).all()
        return [_api_user(row) for row in rows]

    async def list_api_access(self, group_uuid: str) -> list[ApiAccessRecord]:
        """The contexts of one access group, by name."""
        statement = (select(API_ACCESS).where(API_ACCESS.c.group_uuid == group_uuid)
                     .order_by(API_ACCESS.c.name))
        async with self._reading(f"listing API access of group {group_uuid!r}") as conn:
            rows = (await conn.execute(statement)).all()
        return [_api_access(row) for row in rows]

    async def get_api_access(self, group_uuid: str, context: str) -> ApiAccessRecord | None:
        """The entry letting *group_uuid* use *context*, or None when it may not."""
        statement = select(API_ACCESS).where(
            (API_ACCESS.c.group_uuid == group_uuid) & (API_ACCESS.c.name == context))
        async with self._reading(f"reading API access to {context!r}") as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else _api_access(row)

    async def set_api_user_enabled(self, name: str, enabled: bool) -> bool:
        """Enable or disable a key; False when there is no such user."""
        statement = (update(API_USERS).where(API_USERS.c.name == name)
                     .values(enable="yes" if enabled else "no"))
        async with self._writing(f"{'enabling' if enabled else 'disabling'} API user"
                                 f" {name!r}") as conn:
            result = await conn.execute(statement)
        return bool(result.rowcount)

    async def remove_api_user(self, name: str) -> bool:
        """Delete a user, and its access group once no other user belongs to it."""
        async with self._writing(f"removing API user {name!r}") as conn:
            group = await conn.scalar(
                select(API_USERS.c.group_uuid).where(API_USERS.c.name == name))
            if group is None:
                return False
            await conn.execute(delete(API_USERS).where(API_USERS.c.name == name))
            still_used = await conn.scalar(
                select(func.count()).select_from(API_USERS)
                .where(API_USERS.c.group_uuid == group))
            if not still_used:
                await conn.execute(delete(API_ACCESS).where(API_ACCESS.c.group_uuid == group))
                await conn.execute(delete(API_GROUPS).where(API_GROUPS.c.uuid == group))
        return True

    # Call detail records

    async def insert_cdrs(self, rows: Sequence[CdrRecord]) -> None:
        """Write *rows* into ``cdr`` in one transaction, by column name (see
        :mod:`softswitch.storage.cdrs`): a site's extra columns get CDR variables."""
        if not rows:
            return
        async with self._writing(f"writing {len(rows)} CDR(s)") as conn:
            await self._cdrs.insert(conn, rows)

    async def cdrs_between(
        self, start: datetime.datetime, end: datetime.datetime
    ) -> list[CdrRecord]:
        """The records that started from *start* to *end*, both included, by start then
        sequence; naive times are local, as the table keeps them."""
        async with self._reading("reading CDRs") as conn:
            return await self._cdrs.between(conn, start, end)

    # AstDB

    async def astdb_get(self, family: str, key: str) -> str | None:
        statement = select(ASTDB.c.value).where((ASTDB.c.family == family) & (ASTDB.c.key == key))
        async with self._reading(f"reading astdb {family}/{key}") as conn:
            value = await conn.scalar(statement)
        return None if value is None else str(value)

    async def astdb_put(self, family: str, key: str, value: str) -> None:
        await self.astdb_apply([AstDbPut(family, key, value)])

    async def astdb_delete(self, family: str, key: str) -> bool:
        async with self._writing(f"deleting astdb {family}/{key}") as conn:
            result = await conn.execute(_astdb_delete(AstDbDelete(family, key)))
        return bool(result.rowcount)

    async def astdb_delete_tree(self, family: str, prefix: str = "") -> int:
        """Delete key *prefix* of *family* and the keys below ``prefix/`` (all of the family's
        keys when *prefix* is empty); returns how many."""
        async with self._writing(f"deleting astdb tree {family}/{prefix}") as conn:
            result = await conn.execute(_astdb_delete(AstDbDeleteTree(family, prefix)))
        return result.rowcount

    async def astdb_list(self, family_prefix: str = "") -> list[tuple[str, str, str]]:
        """``(family, key, value)`` of the families starting with *family_prefix*, sorted."""
        statement = select(ASTDB.c.family, ASTDB.c.key, ASTDB.c.value).order_by(
            ASTDB.c.family, ASTDB.c.key
        )
        if family_prefix:
            statement = statement.where(ASTDB.c.family.startswith(family_prefix, autoescape=True))
        async with self._reading("listing astdb") as conn:
            rows = (await conn.execute(statement)).all()
        return [(str(family), str(key), str(value)) for family, key, value in rows]

    async def astdb_apply(self, writes: Sequence[AstDbWrite]) -> None:
        """Apply *writes* in order, in one transaction."""
        async with self._writing(f"writing {len(writes)} astdb change(s)") as conn:
            for write in writes:
                if isinstance(write, AstDbPut):
                    row: dict[str, object] = {
                        "family": write.family,
                        "key": write.key,
                        "value": write.value,
                    }
                    await _upsert_many(conn, ASTDB, [row], ("family", "key"))
                else:
                    await conn.execute(_astdb_delete(write))


def _realtime_row(row: Sequence[Any]) -> RealtimeRow | None:
    id, context, exten, priority, app, appdata = row
    if context is None or exten is None or priority is None or not app:
        log.warning("realtime_extensions row %s skipped: context, exten, priority or app empty", id)
        return None
    try:
        return RealtimeRow(
            id=int(id),
            context=str(context),
            exten=str(exten),
            priority=int(priority),
            app=str(app),
            appdata="" if appdata is None else str(appdata),
        )
    except ValueError as exc:
        log.warning("realtime_extensions row %s skipped: %s", id, exc)
        return None


def _row_values(rows: Iterable[RealtimeRow]) -> list[dict[str, object]]:
    """Column values of *rows*, refused when a key repeats or a text outgrows its column.

    SQLite would store the long text anyway and PostgreSQL refuse it: this says the same
    thing on both, naming the row.
    """
    values: list[dict[str, object]] = []
    seen: set[tuple[str, str, int]] = set()
    for row in rows:
        where = f"priority {row.priority} of {row.exten!r} in context {row.context!r}"
        key = (row.context, row.exten, row.priority)
        if key in seen:
            raise StorageError(f"{where} appears twice in one write")
        seen.add(key)
        value: dict[str, object] = {
            "context": row.context,
            "exten": row.exten,
            "priority": row.priority,
            "app": row.app,
            "appdata": row.appdata,
        }
        for column, limit in _EXTENSION_LIMITS:
            if len(str(value[column])) > limit:
                raise StorageError(f"{where}: {column} longer than {limit} characters")
        values.append(value)
    return values


async def _set_globals(conn: AsyncConnection, pairs: Iterable[tuple[str, str]]) -> None:
    """Give each named global its value: the rows holding it change, or a new row is added."""
    metric: int | None = None
    for name, value in pairs:
        named = (
            (STATIC.c.category == _GLOBALS_CATEGORY)
            & (STATIC.c.var_name == name)
            & (func.coalesce(STATIC.c.commented, 0) == 0)
        )
        result = await conn.execute(update(STATIC).where(named).values(var_val=value))
        if result.rowcount:
            continue
        if metric is None:
            highest = await conn.scalar(
                select(func.max(STATIC.c.var_metric)).where(STATIC.c.category == _GLOBALS_CATEGORY)
            )
            metric = -1 if highest is None else int(highest)
        metric += 1
        await conn.execute(
            insert(STATIC).values(
                cat_metric=0,
                var_metric=metric,
                commented=0,
                filename=_EXTENSIONS_FILE,
                category=_GLOBALS_CATEGORY,
                var_name=name,
                var_val=value,
            )
        )


def _astdb_delete(write: AstDbDelete | AstDbDeleteTree) -> Delete:
    where = ASTDB.c.family == write.family
    if isinstance(write, AstDbDelete):
        where &= ASTDB.c.key == write.key
    elif write.prefix:
        where &= (ASTDB.c.key == write.prefix) | ASTDB.c.key.startswith(
            f"{write.prefix}/", autoescape=True
        )
    return delete(ASTDB).where(where)


async def _upsert_many(
    conn: AsyncConnection, table: Table, rows: list[dict[str, object]], keys: Sequence[str]
) -> None:
    """Insert *rows*, or update the other columns they name in the rows with the same *keys*."""
    changes = [column for column in rows[0] if column not in keys]
    if conn.dialect.name == "postgresql":
        pg_statement = postgresql.insert(table)
        await conn.execute(
            pg_statement.on_conflict_do_update(
                index_elements=[table.c[key] for key in keys],
                set_={column: pg_statement.excluded[column] for column in changes},
            ),
            rows,
        )
        return
    lite_statement = sqlite.insert(table)
    await conn.execute(
        lite_statement.on_conflict_do_update(
            index_elements=[table.c[key] for key in keys],
            set_={column: lite_statement.excluded[column] for column in changes},
        ),
        rows,
    )


async def _upsert(conn: AsyncConnection, table: Table, row: dict[str, object]) -> None:
    """Insert *row*, or update the columns it names in the row with the same id.

    Columns it does not name (a site's own) keep their values.
    """
    await conn.execute(_upsert_statement(conn.dialect.name, table, tuple(row)), row)


_UPSERTS: dict[tuple[str, str, tuple[str, ...]], Insert] = {}
"""Upserts built once per table and set of columns: each build aliases the table as
``excluded``, some 280 objects in reference cycles, at every registration."""


def _upsert_statement(dialect: str, table: Table, columns: tuple[str, ...]) -> Insert:
    key = (dialect, table.name, columns)
    statement = _UPSERTS.get(key)
    if statement is None:
        base = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
        statement = base.on_conflict_do_update(
            index_elements=[table.c.id],
            set_={column: base.excluded[column] for column in columns if column != "id"},
        )
        _UPSERTS[key] = statement
    return statement


def _manager_user(row: Row[Any]) -> ManagerUserRecord:
    mapping = row._mapping
    acl = []
    for rule in _split_list(mapping["acl"]):
        action, _, network = rule.partition(":")
        acl.append((action, network))
    return ManagerUserRecord(
        name=str(mapping["name"]),
        secret=str(mapping["secret"]),
        read=tuple(_split_list(mapping["read"])),
        write=tuple(_split_list(mapping["write"])),
        acl=tuple(acl),
    )


def _api_user_row(user: ApiUserRecord) -> dict[str, object]:
    return {
        "uuid": user.uuid,
        "name": user.name,
        "description": user.description,
        "enable": "yes" if user.enabled else "no",
        "api_key": user.api_key,
        "group_uuid": user.group_uuid,
    }


def _api_user(row: Row[Any]) -> ApiUserRecord:
    mapping = row._mapping
    return ApiUserRecord(
        uuid=str(mapping["uuid"]),
        name=str(mapping["name"]),
        description=str(mapping["description"] or ""),
        # Any of Asterisk's true spellings, so a row edited by hand reads as meant.
        enabled=str(mapping["enable"] or "").strip().lower() in _TRUE_SPELLINGS,
        api_key=str(mapping["api_key"]),
        group_uuid=str(mapping["group_uuid"]),
    )


def _api_access(row: Row[Any]) -> ApiAccessRecord:
    mapping = row._mapping
    return ApiAccessRecord(
        uuid=str(mapping["uuid"]),
        name=str(mapping["name"]),
        description=str(mapping["description"] or ""),
        group_uuid=str(mapping["group_uuid"]),
    )


def _split_list(value: object) -> list[str]:
    return [part.strip() for part in str(value or "").split(",") if part.strip()]
