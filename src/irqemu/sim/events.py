"""A deterministic event queue: earliest time first, ties in insertion order."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(order=True)
class Event:
    """A callback due at ``when`` (picoseconds). Cancel with ``cancel()``."""

    when: int
    seq: int
    fn: Callable[[], None] = field(compare=False)
    name: str = field(default="", compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class EventQueue:
    """Events ordered by (time, sequence number); cancelled ones are skipped lazily."""

    def __init__(self) -> None:
        self._heap: list[Event] = []
        self._seq = itertools.count()
        self.on_schedule: Callable[[int], None] | None = None

    def schedule(self, when: int, fn: Callable[[], None], name: str = "") -> Event:
        """Run ``fn`` at simulated time ``when``; returns a handle to cancel it."""
        if when < 0:
            raise ValueError(f"event {name!r} scheduled at negative time {when}")
        ev = Event(when, next(self._seq), fn, name)
        heapq.heappush(self._heap, ev)
        if self.on_schedule is not None:
            self.on_schedule(when)
        return ev

    def peek_time(self) -> int | None:
        """Time of the earliest live event, or None if there is none."""
        heap = self._heap
        while heap and heap[0].cancelled:
            heapq.heappop(heap)
        return heap[0].when if heap else None

    def pop_due(self, now: int) -> Event | None:
        """Remove and return the earliest live event due at or before ``now``."""
        heap = self._heap
        while heap and heap[0].cancelled:
            heapq.heappop(heap)
        if heap and heap[0].when <= now:
            return heapq.heappop(heap)
        return None

    def __len__(self) -> int:
        return sum(1 for e in self._heap if not e.cancelled)
