"""Slows down password guessing: each failed login from an address waits longer."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottleConfig:
    first_delay_s: float = 1.0
    """Asterisk's pause before refusing a login; doubled at each further failure."""
    max_delay_s: float = 8.0
    forget_after_s: float = 600.0
    """Failures older than this no longer count."""
    max_tracked: int = 10_000
    """Addresses remembered at once, so a spray of sources cannot grow the table forever."""


class LoginThrottle:
    def __init__(self, config: ThrottleConfig | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config or ThrottleConfig()
        self._clock = clock
        self._failures: dict[str, tuple[int, float]] = {}

    def failed(self, host: str) -> float:
        """Count a failure from *host*; return how long to wait before answering it."""
        now = self._clock()
        count, last = self._failures.pop(host, (0, now))
        if now - last > self._config.forget_after_s:
            count = 0
        count += 1
        if len(self._failures) >= self._config.max_tracked:
            # Insertion order is age order (entries are re-inserted on use): drop the oldest.
            del self._failures[next(iter(self._failures))]
        self._failures[host] = (count, now)
        doublings = min(count - 1, 30)
        return min(self._config.first_delay_s * (1 << doublings), self._config.max_delay_s)

    def succeeded(self, host: str) -> None:
        self._failures.pop(host, None)
