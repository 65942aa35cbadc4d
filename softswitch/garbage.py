"""What the garbage collector finds: a full collection with a count of what it freed.

A call's objects are freed by reference counting the moment it ends; objects that only a
collection of reference cycles can free pile up in the oldest generation and make each
full collection longer (a pause for every call in progress). :func:`collect_report` runs
one full collection, counts the unreachable objects it found by type, then frees them,
and tells how many objects every collection since start-up has had to free: a count that
grows with each call means calls leave cycles behind.
"""

from __future__ import annotations

import collections
import gc
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class GarbageReport:
    unreachable: int
    """Objects found in reference cycles nothing else refers to."""
    by_type: tuple[tuple[str, int], ...]
    """The commonest of them, ``module.Class`` and count, most first."""
    seconds: float
    tracked: tuple[int, int, int]
    """Objects the collector tracks in each generation after the collection."""
    frozen: int
    """Objects kept out of every collection (those start-up left)."""
    freed_since_start: int
    """Objects every collection so far (this one included) found unreachable."""


def collect_report(top: int = 15) -> GarbageReport:
    flags = gc.get_debug()
    started = time.perf_counter()
    gc.set_debug(flags | gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = list(gc.garbage)
        gc.garbage.clear()
    finally:
        gc.set_debug(flags)
    counts = collections.Counter(_type_name(obj) for obj in found)
    unreachable = len(found)
    del found
    # Saved, they were kept alive; now nothing refers to them and this frees them.
    gc.collect()
    seconds = time.perf_counter() - started
    tracked = (len(gc.get_objects(0)), len(gc.get_objects(1)), len(gc.get_objects(2)))
    # The saving pass found them and the freeing pass again: count them once.
    freed = sum(generation["collected"] for generation in gc.get_stats()) - unreachable
    return GarbageReport(unreachable=unreachable, by_type=tuple(counts.most_common(top)),
                         seconds=seconds, tracked=tracked, frozen=gc.get_freeze_count(),
                         freed_since_start=freed)


def _type_name(obj: object) -> str:
    kind = type(obj)
    return f"{kind.__module__}.{kind.__qualname__}"
