"""A short-lived memory of :class:`~softswitch.storage.repository.Store` reads.

Asterisk's realtime sorcery keeps PJSIP objects in a memory cache for a while instead of
asking the database on every request; this is the same idea, kept correct for this process:

- every entry names the tables its value was read from, and a write to one of them (noted
  by the store as it runs and again once it commits) drops it at once, so a registration or
  an ``endpoint add`` made through this process is seen by the very next read;
- a write by another program (the ``softswitch`` command, plain SQL, another node) is seen
  once the entry has lived its time to live, one second unless the reader asks for less;
- a read that was under way while one of its tables was written keeps its answer to itself,
  as that answer may predate the write;
- readers of a key that is being read already wait for that read instead of starting their
  own: when an entry expires under load, one query refreshes it, not one per waiting call.

Entries are frozen records or tuples of them, which callers share. The number of entries is
bounded, so requests naming random users cannot grow it without end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

ALL_TABLES = "*"
"""Passed to :meth:`ReadCache.invalidate` when what a write touched is not known."""


@dataclass(frozen=True, slots=True)
class _Entry:
    value: Any
    expires: float
    tables: tuple[str, ...]
    token: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _Flight:
    token: tuple[int, ...]
    landed: asyncio.Future[Any]


class ReadCache:
    """Values by key, each remembered with the tables it came from (see the module)."""

    def __init__(
        self,
        *,
        ttl_s: float = 1.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self._max = max_entries
        self._clock = clock
        self._entries: dict[Hashable, _Entry] = {}
        self._flights: dict[Hashable, _Flight] = {}
        self._generations: dict[str, int] = {}
        self._epoch = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def fetch(
        self,
        key: Hashable,
        tables: tuple[str, ...],
        load: Callable[[], Awaitable[T]],
        *,
        ttl_s: float | None = None,
    ) -> T:
        """The remembered value of *key*, else what *load* reads from *tables* (remembered)."""
        entry = self._entries.get(key)
        if entry is not None:
            if entry.expires > self._clock() and entry.token == self._token(entry.tables):
                value: T = entry.value
                return value
            del self._entries[key]
        token = self._token(tables)
        flight = self._flights.get(key)
        # Only a read started since the last write to the tables may answer for this one.
        if flight is not None and flight.token == token:
            try:
                shared: T = await asyncio.shield(flight.landed)
                return shared
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not flight.landed.cancelled() or (task is not None and task.cancelling()):
                    raise
                # The reader we waited for was cancelled, not us: read for ourselves.
        return await self._load(key, tables, token, load, ttl_s)

    async def _load(
        self,
        key: Hashable,
        tables: tuple[str, ...],
        token: tuple[int, ...],
        load: Callable[[], Awaitable[T]],
        ttl_s: float | None,
    ) -> T:
        flight = _Flight(token, asyncio.get_running_loop().create_future())
        self._flights[key] = flight
        try:
            value = await load()
        except Exception as exc:
            flight.landed.set_exception(exc)
            # Raised in each waiter; with none, it is not to be logged as never retrieved.
            flight.landed.exception()
            raise
        except BaseException:
            flight.landed.cancel()
            raise
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
        # A write to one of the tables while *load* waited may have come after what it read.
        if token == self._token(tables):
            lifetime = self.ttl_s if ttl_s is None else ttl_s
            self._remember(key, _Entry(value, self._clock() + lifetime, tables, token))
        flight.landed.set_result(value)
        return value

    def invalidate(self, tables: Iterable[str]) -> None:
        """Forget every value read from any of *tables* (:data:`ALL_TABLES`: from any)."""
        for table in tables:
            if table == ALL_TABLES:
                self.clear()
            else:
                self._generations[table] = self._generations.get(table, 0) + 1

    def clear(self) -> None:
        """Forget everything: what other programs wrote counts from the next read."""
        self._epoch += 1
        self._entries.clear()

    def _token(self, tables: tuple[str, ...]) -> tuple[int, ...]:
        generations = self._generations
        return (self._epoch, *(generations.get(table, 0) for table in tables))

    def _remember(self, key: Hashable, entry: _Entry) -> None:
        entries = self._entries
        if len(entries) >= self._max and key not in entries:
            now = self._clock()
            for stale in [k for k, e in entries.items() if e.expires <= now]:
                del entries[stale]
            if len(entries) >= self._max:
                # Still full of live entries: drop the oldest quarter in one go, so the scan
                # above runs once per max/4 insertions at most.
                for old in list(entries)[: max(1, self._max // 4)]:
                    del entries[old]
        entries[key] = entry
