"""The dialplan and AstDB as the database holds them, for the interpreter and the CLI.

:class:`DialplanSource` gives the calls the dialplan of ``realtime_extensions`` and the globals
of ``static_extensions``, rebuilt only after either table changed. Writes of other tools count
too (the Evolvex manual switches recording modes with a plain SQL ``UPDATE``): triggers bump a
counter in the writer's transaction, and :meth:`DialplanSource.current` compares it as calls
arrive. Measured on SQLite with 2,000 rows: reading the counter costs 0.3 to 0.75 ms, one
aiosqlite round trip; reading all the rows costs about 9 ms and building the dialplan from
them about 16 ms more, so re-reading per call would spend a core's worth of time at a few
dozen calls a second. A ``COUNT``/``SUM(LENGTH)`` checksum costs 1.3 ms and still misses an
edit that keeps the length (``PJSIP/101`` to ``PJSIP/102``). Even the counter, read twice
per call, was a twentieth of a call's cost, so the store reads it at most every 100 ms
(:meth:`~softswitch.storage.repository.Store.dialplan_version`): another program's edit
applies to calls from 100 ms later, an edit through this process's store to the next call.

:class:`PersistentAstDb` serves ``DB()`` and ``DIALGROUP`` from memory, so no dialplan
application waits for the database, and writes each change behind, in order, from one task.

:func:`store_dialplan` writes a parsed ``extensions.conf``, the way ``softswitch dialplan
load`` and the first start (:func:`bootstrap_dialplan`) do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dialplan_engine.model import Dialplan
from dialplan_engine.parser import load_extensions_conf
from softswitch.storage import StorageError, Store
from softswitch.storage.records import AstDbDelete, AstDbDeleteTree, AstDbPut, AstDbWrite

log = logging.getLogger(__name__)

_RETRY_MAX_S = 30.0
_NOT_STORED = "is not kept: realtime_extensions has no place for it"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@dataclass(frozen=True, slots=True, kw_only=True)
class DialplanLoadSummary:
    """What loading an ``extensions.conf`` into the database wrote."""

    contexts: int
    priorities: int
    warnings: tuple[str, ...] = ()
    """The parser's, then what the table could not hold (includes, labels…)."""
    replaced: int = 0
    """Rows that were deleted (a replace) or overwritten (a merge)."""

    def __str__(self) -> str:
        return (
            f"{_plural(self.contexts, 'context', 'contexts')},"
            f" {_plural(self.priorities, 'priority', 'priorities')} loaded"
            f" ({_plural(len(self.warnings), 'warning', 'warnings')})"
        )


def not_stored(dialplan: Dialplan) -> list[str]:
    """A warning for each thing of *dialplan* that its realtime rows lose."""
    warnings = []
    if not dialplan.autofallthrough:
        warnings.append(f"autofallthrough=no {_NOT_STORED}")
    for context in dialplan.contexts.values():
        where = f"context '{context.name}'"
        warnings += [f"{where}: include => {i.context} {_NOT_STORED}" for i in context.includes]
        warnings += [f"{where}: switch => {switch} {_NOT_STORED}" for switch in context.switches]
        warnings += [f"{where}: hint of '{name}' {_NOT_STORED}" for name, _ in context.hints]
        for extension in context.extensions:
            for priority in extension.priorities:
                if priority.label is not None:
                    warnings.append(
                        f"{priority.source}: label '{priority.label}' of extension"
                        f" '{extension.display}' in {where} {_NOT_STORED};"
                        f" use its number ({priority.number})"
                    )
    return warnings


async def store_dialplan(store: Store, dialplan: Dialplan, *, merge: bool) -> DialplanLoadSummary:
    """Write *dialplan*'s rows and globals in one transaction.

    The contexts it defines replace those in the database, or with *merge* its rows are
    written over the rows with the same (context, exten, priority). Either way each of its
    globals is set by name and the others stay: ``static_extensions`` may hold settings that
    exist only there, such as ``MIXMONITOR_COMMAND``.
    """
    rows = dialplan.to_rows()
    if merge:
        replaced = await store.merge_dialplan(rows, globals=dialplan.globals)
    else:
        replaced = await store.replace_dialplan(
            rows, contexts=dialplan.context_names(), globals=dialplan.globals
        )
    return DialplanLoadSummary(
        contexts=len(dialplan.contexts),
        priorities=len(rows),
        warnings=(*dialplan.warnings, *not_stored(dialplan)),
        replaced=replaced,
    )


async def bootstrap_dialplan(store: Store, path: Path) -> str | None:
    """Import *path* when ``realtime_extensions`` is empty; the summary line, or None.

    A missing file is logged and skipped; a file that does not parse raises
    :class:`~dialplan_engine.errors.DialplanSyntaxError` and writes nothing.
    """
    if await store.count_dialplan_rows() > 0:
        return None
    try:
        # Off the event loop: reading and parsing a long file would stall everything else.
        dialplan = await asyncio.to_thread(load_extensions_conf, path)
    except FileNotFoundError:
        log.warning("bootstrap file %s not found; starting with an empty dialplan", path)
        return None
    summary = await store_dialplan(store, dialplan, merge=False)
    for warning in summary.warnings:
        log.warning("%s", warning)
    return f"{path.name}: {summary}"


class DialplanSource:
    """The dialplan of the database, rebuilt when its tables have changed."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._dialplan: Dialplan | None = None
        self._version: str | None = None
        self._rebuilding = asyncio.Lock()

    async def current(self) -> Dialplan:
        """The dialplan as the tables hold it (another program's edit: 100 ms ago), read
        again only when they changed."""
        version = await self._store.dialplan_version()
        async with self._rebuilding:
            # Calls that arrived during a rebuild find it done when they get the lock.
            if self._dialplan is None or version != self._version:
                # Read after the version: a write in between costs a second rebuild at the
                # next call instead of leaving this one stale.
                rows = await self._store.list_dialplan_rows()
                globals = await self._store.list_globals()
                self._dialplan = Dialplan.from_rows(rows, globals)
                self._version = version
                for warning in self._dialplan.warnings:
                    log.warning("dialplan: %s", warning)
                log.info(
                    "dialplan loaded from the database: %s, %s",
                    _plural(len(self._dialplan.contexts), "context", "contexts"),
                    _plural(len(rows), "priority", "priorities"),
                )
            return self._dialplan

    def loaded(self) -> Dialplan:
        """The dialplan :meth:`current` last returned, for callers that cannot await.

        The interpreter takes a plain callable: await :meth:`current` as a call arrives,
        then give it this method.
        """
        if self._dialplan is None:
            raise RuntimeError("the dialplan has not been loaded yet: await current() first")
        return self._dialplan


class PersistentAstDb:
    """AstDB in memory, written behind to the ``astdb`` table: the switch's
    :class:`dialplan_engine.scope.AstDb`.

    Reads and writes are synchronous and never wait for the database: a write changes the
    memory at once and joins a queue that one task empties in order, in batches of one
    transaction each. A batch the database refuses is retried (the database may be
    restarting) until :meth:`close`. The memory is loaded once, at :meth:`load`: rows that
    other programs write afterwards are not seen until the next start.
    """

    def __init__(
        self,
        store: Store,
        entries: Iterable[tuple[str, str, str]] = (),
        *,
        batch_size: int = 500,
        retry_delay_s: float = 1.0,
    ) -> None:
        """Start the writer task; call from inside the event loop (see :meth:`load`)."""
        self._store = store
        self._values = {(family, key): value for family, key, value in entries}
        self._batch_size = batch_size
        self._retry_delay_s = retry_delay_s
        self._queue: asyncio.Queue[AstDbWrite] = asyncio.Queue()
        self._unwritten = 0
        self._closed = False
        self._writer = asyncio.create_task(self._write_behind(), name="astdb-writer")

    @classmethod
    async def load(cls, store: Store) -> PersistentAstDb:
        return cls(store, await store.astdb_list())

    def get(self, family: str, key: str) -> str | None:
        return self._values.get((family, key))

    def put(self, family: str, key: str, value: str) -> None:
        """Raises ValueError for a family or key longer than the table holds."""
        self._submit(AstDbPut(family, key, value))
        self._values[(family, key)] = value

    def delete(self, family: str, key: str) -> bool:
        if (family, key) not in self._values:
            return False
        self._submit(AstDbDelete(family, key))
        del self._values[(family, key)]
        return True

    def delete_tree(self, family: str, prefix: str = "") -> int:
        """Delete key *prefix* and the keys below ``prefix/`` (the whole family when *prefix*
        is empty); returns how many there were."""
        below = f"{prefix}/"
        doomed = [
            name
            for name in self._values
            if name[0] == family and (not prefix or name[1] == prefix or name[1].startswith(below))
        ]
        if not doomed:
            return 0
        self._submit(AstDbDeleteTree(family, prefix))
        for name in doomed:
            del self._values[name]
        return len(doomed)

    async def flush(self) -> None:
        """Wait until every write made so far is in the database."""
        done = asyncio.ensure_future(self._queue.join())
        try:
            await asyncio.wait({done, self._writer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            done.cancel()
        if self._writer.done() and not self._writer.cancelled():
            # Short of close, the writer ends only by failing: say why instead of hanging.
            self._writer.result()

    async def close(self, timeout_s: float = 10.0) -> None:
        """Refuse further writes, wait up to *timeout_s* for the queue, stop the writer."""
        self._closed = True
        try:
            await asyncio.wait_for(self.flush(), timeout_s)
        except TimeoutError:
            log.error("astdb: %d change(s) lost: the database did not take them", self._unwritten)
        finally:
            self._writer.cancel()
            await asyncio.wait({self._writer})

    def _submit(self, write: AstDbWrite) -> None:
        if self._closed:
            raise RuntimeError("astdb is closed")
        self._unwritten += 1
        self._queue.put_nowait(write)

    async def _write_behind(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._write(batch)
            self._unwritten -= len(batch)
            for _ in batch:
                self._queue.task_done()

    async def _write(self, batch: list[AstDbWrite]) -> None:
        delay = self._retry_delay_s
        while True:
            try:
                await self._store.astdb_apply(batch)
            except StorageError as exc:
                log.warning(
                    "astdb: %d change(s) not written, retrying in %.1f s: %s",
                    len(batch),
                    delay,
                    exc,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RETRY_MAX_S)
            else:
                return
