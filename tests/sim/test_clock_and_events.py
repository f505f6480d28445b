"""Simulated time: exact clock conversion, events in (time, insertion) order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from irqemu.sim import Clock, EventQueue


@given(st.integers(1, 5_000_000_000), st.integers(0, 10**15))
def test_clock_round_trip(hz: int, ps: int) -> None:
    c = Clock(hz)
    cyc = c.to_cycles(ps)
    assert c.to_ps(cyc) >= ps
    assert cyc == 0 or c.to_ps(cyc - 1) < ps


@given(st.lists(st.integers(0, 50), max_size=40))
def test_events_fire_in_time_then_insertion_order(times: list[int]) -> None:
    q = EventQueue()
    fired: list[tuple[int, int]] = []
    for i, t in enumerate(times):
        q.schedule(t, lambda t=t, i=i: fired.append((t, i)))
    while (ev := q.pop_due(10**9)) is not None:
        ev.fn()
    assert fired == sorted(fired)


def test_cancelled_events_do_not_fire() -> None:
    q = EventQueue()
    hits: list[str] = []
    a = q.schedule(5, lambda: hits.append("a"))
    q.schedule(6, lambda: hits.append("b"))
    a.cancel()
    assert q.peek_time() == 6
    while (ev := q.pop_due(100)) is not None:
        ev.fn()
    assert hits == ["b"]
