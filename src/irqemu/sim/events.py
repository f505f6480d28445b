"""A deterministic event queue: earliest time first, ties in insertion order."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable

from irqemu.errors import LivelockError

__all__ = ["MAX_EVENTS_PER_INSTANT", "Event", "EventQueue", "LivelockError"]

#: events that may fire at one simulated instant before the queue calls it a livelock
#: (a device rescheduling itself at "now" forever would otherwise stop time)
MAX_EVENTS_PER_INSTANT = 100_000


class Event:
    """A callback due at ``when`` (picoseconds). Cancel with ``cancel()``."""

    __slots__ = ("when", "seq", "fn", "name", "cancelled")

    def __init__(self, when: int, seq: int, fn: Callable[[], None], name: str = "") -> None:
        self.when = when
        self.seq = seq
        self.fn = fn
        self.name = name
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __repr__(self) -> str:
        return f"Event({self.name!r} at {self.when} ps{', cancelled' if self.cancelled else ''})"


class EventQueue:
    """Events ordered by (time, sequence number); cancelled ones are skipped lazily.

    The heap holds ``(when, seq, event)`` tuples so ordering is a C-level tuple
    comparison; ``seq`` is unique, so events themselves are never compared.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Event]] = []
        self._seq = itertools.count()
        self.on_schedule: Callable[[int], None] | None = None
        self._instant = -1  #: the time of the last event popped
        self._at_instant = 0  #: how many events have fired at that time in a row

    def schedule(self, when: int, fn: Callable[[], None], name: str = "") -> Event:
        """Run ``fn`` at simulated time ``when``; returns a handle to cancel it."""
        if when < 0:
            raise ValueError(f"event {name!r} scheduled at negative time {when}")
        seq = next(self._seq)
        ev = Event(when, seq, fn, name)
        heapq.heappush(self._heap, (when, seq, ev))
        if self.on_schedule is not None:
            self.on_schedule(when)
        return ev

    def peek_time(self) -> int | None:
        """Time of the earliest live event, or None if there is none."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def pop_due(self, now: int) -> Event | None:
        """Remove and return the earliest live event due at or before ``now``."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        if heap and heap[0][0] <= now:
            ev = heapq.heappop(heap)[2]
            if ev.when != self._instant:
                self._instant, self._at_instant = ev.when, 0
            else:
                self._at_instant += 1
                if self._at_instant >= MAX_EVENTS_PER_INSTANT:
                    raise LivelockError(
                        f"device livelock: {MAX_EVENTS_PER_INSTANT:,} events fired at "
                        f"simulated time {ev.when:,} ps without time advancing "
                        f"(last: {ev.name or 'unnamed event'})")
            return ev
        return None

    def __len__(self) -> int:
        return sum(1 for e in self._heap if not e[2].cancelled)
