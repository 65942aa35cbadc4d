"""Writing finished CDRs off the call path: a queue that one task drains in batches.

The bus hands rows over synchronously (:meth:`CdrWriter.submit` never waits); the task
waits :attr:`CdrWriter.gather_s` after a row arrives so that the calls ending meanwhile
share its transaction, takes whatever has queued up, up to :attr:`CdrWriter.batch_size`
rows, writes them with one insert, then publishes one :class:`~softswitch.events.CdrPosted`
per row (the Manager API's ``Cdr`` event), after the write so that a client reacting to
the event finds the row. A failed insert is logged and tried once more after
:attr:`CdrWriter.retry_delay_s`; if that fails too the rows are logged as lost and the
writer goes on. :meth:`CdrWriter.close`
writes everything queued before it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from typing import Protocol

from softswitch.events import CdrPosted, EventBus
from softswitch.storage.records import CdrRecord

log = logging.getLogger(__name__)


class CdrStore(Protocol):
    async def insert_cdrs(self, rows: Sequence[CdrRecord]) -> None: ...


class CdrWriter:
    """Must be created inside the running event loop, which runs its task."""

    def __init__(
        self,
        *,
        store: CdrStore,
        events: EventBus,
        batch_size: int = 200,
        gather_s: float = 0.25,
        retry_delay_s: float = 1.0,
    ) -> None:
        self._store = store
        self._events = events
        self.batch_size = batch_size
        self.gather_s = gather_s
        self.retry_delay_s = retry_delay_s
        self._closing = asyncio.Event()
        self._queue: asyncio.Queue[CdrRecord | None] = asyncio.Queue()
        """Rows to write; None asks the task to stop once everything before it is written."""
        self._closed = False
        self._task = asyncio.get_running_loop().create_task(self._drain(), name="cdr-writer")

    def submit(self, rows: Iterable[CdrRecord]) -> None:
        if self._closed:
            lost = [row.uniqueid for row in rows]
            if lost:
                log.error("CDR writer closed: %d CDR(s) of %s not written", len(lost), lost)
            return
        for row in rows:
            self._queue.put_nowait(row)

    async def close(self) -> None:
        """Write every row submitted so far, then stop."""
        if not self._closed:
            self._closed = True
            self._closing.set()
            self._queue.put_nowait(None)
        await self._task

    async def _drain(self) -> None:
        while True:
            batch: list[CdrRecord] = []
            row = await self._queue.get()
            if row is not None and self._queue.qsize() < self.batch_size - 1:
                # A transaction per call costs set-ups per second; closing cuts the wait.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), self.gather_s)
            while row is not None:
                batch.append(row)
                if len(batch) >= self.batch_size or self._queue.empty():
                    break
                row = self._queue.get_nowait()
            if batch:
                await self._write(batch)
            if row is None:
                return

    async def _write(self, batch: list[CdrRecord]) -> None:
        try:
            await self._store.insert_cdrs(batch)
        # Whatever went wrong with one batch, the writer must stay up for the next ones.
        except Exception as exc:
            log.warning("writing %d CDR(s) failed, retrying in %.1f s: %s",
                        len(batch), self.retry_delay_s, exc)
            await asyncio.sleep(self.retry_delay_s)
            try:
                await self._store.insert_cdrs(batch)
            except Exception:
                log.exception("%d CDR(s) lost: %s", len(batch),
                              ", ".join(f"{row.uniqueid}#{row.sequence}" for row in batch))
        for row in batch:
            self._events.publish(CdrPosted(row=row.columns()))
