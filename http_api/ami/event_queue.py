"""Events held for a Manager API session until ``WaitEvent`` collects them.

HTTP sessions have no connection to write events to, so every event they may see waits here;
a TCP session queues only while a ``WaitEvent`` is pending. The queue is bounded: beyond its
limit the oldest event is dropped, so a client that stops polling costs a fixed amount of
memory. Only one ``WaitEvent`` waits at a time: a newer one ends the older.
"""

from __future__ import annotations

import asyncio
from collections import deque

from http_api.ami.protocol import Event


class EventQueue:
    def __init__(self, limit: int = 1000) -> None:
        self._events: deque[Event] = deque()
        self._limit = limit
        self._overflowing = False
        self._waiter: asyncio.Future[bool] | None = None

    def __len__(self) -> int:
        return len(self._events)

    @property
    def waiting(self) -> bool:
        """Whether a ``WaitEvent`` is waiting on this queue now."""
        return self._waiter is not None

    def put(self, event: Event) -> bool:
        """Queue *event*; True when this starts dropping events, so the owner logs it once."""
        first_drop = False
        if len(self._events) >= self._limit:
            self._events.popleft()
            first_drop = not self._overflowing
            self._overflowing = True
        self._events.append(event)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(True)
        return first_drop

    def take(self) -> tuple[Event, ...]:
        """Everything queued, oldest first; the queue is then empty."""
        events = tuple(self._events)
        self._events.clear()
        self._overflowing = False
        return events

    async def wait(self, timeout_s: float | None) -> bool:
        """Wait until an event is queued or *timeout_s* passes (None: no limit).

        False when a newer wait took over before that, which this one must not answer for.
        """
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(False)
        if self._events:
            return True
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiter = waiter
        try:
            async with asyncio.timeout(timeout_s):
                return await waiter
        except TimeoutError:
            return True
        finally:
            if self._waiter is waiter:
                self._waiter = None

    def release(self) -> None:
        """End a pending wait now, as if its time were up (the server is stopping)."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(True)
