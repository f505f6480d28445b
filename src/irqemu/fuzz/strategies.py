"""Hypothesis strategies for interrupt arrival schedules.

A schedule is a list of :class:`Arrival` -- ``(time, line, cpu, payload)``
named tuples -- sorted by time (then line, cpu, payload). What the fields
mean is up to the harness that plays the schedule:

- ``time``: when the interrupt arrives, as an integer in ``[start, horizon)``
  in the harness's unit. Core cycles of the target CPU let a search hit
  windows a few instructions wide; simulated picoseconds work too.
- ``line``: one of the ``lines`` you pass (GIC IDs, device names, ...).
- ``cpu``: one of the ``cpus`` you pass (the CPU the interrupt targets).
- ``payload``: what the device reports (e.g. the INT_STATUS bits of an
  :class:`~irqemu.devices.irq_source.IrqSource`), drawn from ``payloads``.

Shrinking goes towards fewer events, earlier times (towards ``start``), the
first line and CPU of the lists you pass, and simpler payloads, so a failing
schedule ends up as small as the bug allows. Example, with your own firmware::

    from hypothesis import given, settings
    from irqemu.fuzz.strategies import arrival_schedules

    @settings(max_examples=200, deadline=None, database=None)
    @given(arrival_schedules(lines=[68, 69], cpus=[0], max_events=4, horizon=20_000))
    def test_driver_survives(schedule):
        m = build_my_machine()
        for a in schedule:
            m.schedule(m.cpus[a.cpu].clock.to_ps(a.time), lambda a=a: fire(m, a))
        assert my_invariant(m.run(max_cycles=10**6), m)

``schedule_to_json`` / ``schedule_from_json`` turn a schedule into plain
lists and back, for saving a failing schedule to replay later.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple

from hypothesis import strategies as st


class Arrival(NamedTuple):
    """One interrupt arrival: when, which line, on which CPU, with what payload."""

    time: int
    line: Any
    cpu: int
    payload: Any


def arrival_schedules(
    lines: Sequence[Hashable],
    cpus: Sequence[int] = (0,),
    *,
    max_events: int = 8,
    horizon: int,
    start: int = 0,
    min_events: int = 0,
    payloads: st.SearchStrategy[Any] | None = None,
) -> st.SearchStrategy[list[Arrival]]:
    """Schedules of ``min_events`` to ``max_events`` arrivals with times in
    ``[start, horizon)``, sorted by time.

    ``lines`` and ``cpus`` are the choices for each arrival (shrinking prefers
    the first entries); ``payloads`` draws each arrival's payload (default:
    always 1, i.e. "one event"; ``st.integers(1, 255)`` gives status bits that
    shrink towards 1).
    """
    lines = list(lines)
    cpus = list(cpus)
    if not lines:
        raise ValueError("arrival_schedules needs at least one line")
    if not cpus:
        raise ValueError("arrival_schedules needs at least one CPU")
    if horizon <= start:
        raise ValueError(f"horizon ({horizon}) must be after start ({start})")
    if not 0 <= min_events <= max_events:
        raise ValueError(f"need 0 <= min_events ({min_events}) <= max_events ({max_events})")
    if payloads is None:
        payloads = st.just(1)
    event = st.builds(
        Arrival,
        time=st.integers(start, horizon - 1),
        line=st.sampled_from(lines),
        cpu=st.sampled_from(cpus),
        payload=payloads,
    )
    return st.lists(event, min_size=min_events, max_size=max_events).map(sort_schedule)


DIGIT = 256  #: hypothesis draws integers in [0, 256) uniformly (wider ones cluster near 0)


def uniform_times(start: int, end: int) -> st.SearchStrategy[int]:
    """Integers in ``[start, end)`` drawn uniformly, shrinking towards ``start``.

    ``st.integers(start, end - 1)`` draws most values within a few hundred of
    ``start`` (hypothesis' integer distribution is uniform only near zero), so an
    arrival rarely lands late in a long run. Here the offset is base-256 digits,
    most significant first, each drawn uniformly, scaled onto the span: the same
    digits, the same time; smaller digits, an earlier time.
    """
    if end <= start:
        raise ValueError(f"empty range [{start}, {end})")
    span = end - start
    if span <= DIGIT:
        return st.integers(start, end - 1)
    n = 1
    while DIGIT**n < span:
        n += 1
    top = DIGIT**n

    def scale(digits: tuple[int, ...]) -> int:
        value = 0
        for d in digits:
            value = value * DIGIT + d
        return start + value * span // top

    return st.tuples(*(st.integers(0, DIGIT - 1) for _ in range(n))).map(scale)


def _key(a: Arrival) -> tuple[int, str, int, str]:
    return (a.time, repr(a.line), a.cpu, repr(a.payload))


def sort_schedule(schedule: Sequence[Arrival | Sequence[Any]]) -> list[Arrival]:
    """A schedule as a time-sorted list of :class:`Arrival` (stable for ties)."""
    return sorted((Arrival(*a) for a in schedule), key=_key)


def schedule_to_json(schedule: Sequence[Arrival]) -> list[list[Any]]:
    """``[[time, line, cpu, payload], ...]``: JSON-ready (lines and payloads must be)."""
    return [[a.time, a.line, a.cpu, a.payload] for a in schedule]


def schedule_from_json(data: Any) -> list[Arrival]:
    """The inverse of :func:`schedule_to_json`; ``ValueError`` naming the bad entry."""
    if not isinstance(data, list):
        raise ValueError("schedule must be a list of [time, line, cpu, payload]")
    out = []
    for i, item in enumerate(data):
        if not isinstance(item, list) or len(item) != 4:
            raise ValueError(f"schedule entry {i} is not [time, line, cpu, payload]: {item!r}")
        t, line, cpu, payload = item
        if not isinstance(t, int) or isinstance(t, bool) or t < 0:
            raise ValueError(f"schedule entry {i}: time must be a non-negative integer")
        if not isinstance(cpu, int) or isinstance(cpu, bool) or cpu < 0:
            raise ValueError(f"schedule entry {i}: cpu must be a non-negative integer")
        out.append(Arrival(t, line, cpu, payload))
    return sort_schedule(out)


def describe_schedule(schedule: Sequence[Arrival], unit: str = "cycles") -> str:
    """One line per arrival, for people."""
    if not schedule:
        return "  (no interrupts)"
    return "\n".join(f"  #{i}: {unit[:-1] if unit.endswith('s') else unit} {a.time:,}  "
                     f"line {a.line}  cpu {a.cpu}  payload {a.payload!r}"
                     for i, a in enumerate(schedule))
