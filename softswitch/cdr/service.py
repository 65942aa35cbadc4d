"""The switch's CDR engine: the builder listening on the bus, the writer behind it."""

from __future__ import annotations

import time
from collections.abc import Callable

from softswitch.cdr.builder import CdrBuilder
from softswitch.cdr.writer import CdrStore, CdrWriter
from softswitch.events import Event, EventBus


class CdrService:
    """Records every call from the bus's channel events; :meth:`close` flushes them all.

    Created inside the running event loop. Close it after the calls have ended and before
    the database closes: calls still open then are recorded as ending at that moment.
    """

    def __init__(
        self,
        *,
        events: EventBus,
        store: CdrStore,
        clock: Callable[[], float] = time.time,
        batch_size: int = 200,
        gather_s: float = 0.25,
        retry_delay_s: float = 1.0,
    ) -> None:
        self._clock = clock
        self._builder = CdrBuilder()
        self._writer = CdrWriter(store=store, events=events, batch_size=batch_size,
                                 gather_s=gather_s, retry_delay_s=retry_delay_s)
        self._unsubscribe = events.subscribe(self._on_event)

    def _on_event(self, event: Event) -> None:
        rows = self._builder.handle(event, self._clock())
        if rows:
            self._writer.submit(rows)

    async def close(self) -> None:
        self._unsubscribe()
        self._writer.submit(self._builder.close(self._clock()))
        await self._writer.close()
