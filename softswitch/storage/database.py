"""Opening the database: the async engine, SQLite's settings, and migration to the head.

SQLite (the embedded default) gets WAL, so the CLI can read while the switch writes; a busy
timeout, so two writers wait for each other instead of failing; and transactions that we
begin ourselves, because the sqlite3 module otherwise commits schema changes implicitly and
starts every write transaction in a mode that fails rather than waits when another process
holds the write lock. PostgreSQL is used as it comes.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from softswitch.storage import migrate
from softswitch.storage.repository import StorageError, Store

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "softswitch_write"
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class Database:
    """The open database; :attr:`store` holds every query the switch makes."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._write_engine = engine.execution_options(**{_WRITE_OPTION: True})
        self.store = Store(engine, self._write_engine)

    @classmethod
    async def open(cls, url: str) -> Database:
        """Connect to *url*, creating an SQLite file's folder, and migrate it to the head."""
        parsed = _async_url(url)
        shown = parsed.render_as_string(hide_password=True)
        if parsed.get_backend_name() == "sqlite":
            try:
                _make_sqlite_folder(parsed)
            except OSError as exc:
                raise StorageError(f"cannot open database {shown}: {exc}") from exc
        engine = create_async_engine(parsed)
        if parsed.get_backend_name() == "sqlite":
            _configure_sqlite(engine)
        database = cls(engine)
        try:
            async with database._write_engine.begin() as conn:
                await conn.run_sync(_migrate)
        except BaseException as exc:
            await engine.dispose()
            if isinstance(exc, SQLAlchemyError):
                raise StorageError(f"cannot open database {shown}: {exc}") from exc
            raise
        return database

    async def close(self) -> None:
        await self._engine.dispose()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _async_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StorageError(f"bad database URL {url!r}: {exc}") from None
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise StorageError(f"unsupported database {backend!r}: use sqlite or postgresql")
    if "+" not in parsed.drivername:
        # A bare ``sqlite://`` or ``postgresql://`` means the backend's default driver,
        # which is a blocking one; the async engine needs the async driver.
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    return parsed


def _make_sqlite_folder(url: URL) -> None:
    name = url.database
    if name and name != ":memory:" and not name.startswith("file:"):
        Path(name).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to the "begin" hook below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the write lock up front, so it waits (busy_timeout) for another
        # writer instead of failing when it later upgrades from a read lock. Readers run
        # each statement on its own (every read is one statement), sparing a round trip.
        if conn.get_execution_options().get(_WRITE_OPTION, False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _migrate(connection: Connection) -> None:
    ran = migrate.upgrade_if_needed(connection)
    if ran is not None:
        log.info("database schema migrated from %s to %s", ran[0] or "empty", ran[1])
