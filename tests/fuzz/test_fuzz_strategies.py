"""irqemu.fuzz.strategies: valid, sorted arrival schedules that shrink to simple ones."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from irqemu.fuzz.strategies import (
    Arrival,
    arrival_schedules,
    describe_schedule,
    schedule_from_json,
    schedule_to_json,
)

LINES = [68, 69, 87]
CPUS = [0, 1, 2, 3]
FAST = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


@FAST
@given(arrival_schedules(LINES, CPUS, max_events=6, start=100, horizon=5000,
                         payloads=st.integers(1, 255)))
def test_schedules_are_valid_and_sorted(schedule: list[Arrival]) -> None:
    assert len(schedule) <= 6
    assert [a.time for a in schedule] == sorted(a.time for a in schedule)
    for a in schedule:
        assert isinstance(a, Arrival) and isinstance(a, tuple)
        assert 100 <= a.time < 5000
        assert a.line in LINES and a.cpu in CPUS and 1 <= a.payload <= 255
    assert schedule_from_json(schedule_to_json(schedule)) == schedule


@FAST
@given(arrival_schedules(["eth0"], min_events=2, max_events=3, horizon=10))
def test_min_events_and_default_payload(schedule: list[Arrival]) -> None:
    assert 2 <= len(schedule) <= 3
    assert all(a.payload == 1 and a.cpu == 0 and a.line == "eth0" for a in schedule)


def test_shrinks_to_fewer_earlier_simpler_events() -> None:
    strat = arrival_schedules(LINES, CPUS, max_events=5, start=10, horizon=10_000,
                              payloads=st.integers(1, 255))
    got = find(strat, lambda s: any(a.time >= 500 for a in s), settings=FAST)
    assert got == [Arrival(500, 68, 0, 1)]
    two = find(strat, lambda s: len(s) >= 2, settings=FAST)
    assert two == [Arrival(10, 68, 0, 1), Arrival(10, 68, 0, 1)]


@pytest.mark.parametrize("kw, msg", [
    ({"lines": [], "horizon": 10}, "at least one line"),
    ({"lines": [1], "cpus": [], "horizon": 10}, "at least one CPU"),
    ({"lines": [1], "horizon": 5, "start": 5}, "horizon"),
    ({"lines": [1], "horizon": 10, "min_events": 3, "max_events": 2}, "min_events"),
])
def test_bad_arguments(kw: dict[str, object], msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        arrival_schedules(**kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("data, msg", [
    ({"a": 1}, "must be a list"),
    ([[1, 2, 3]], "entry 0 is not"),
    ([[-1, 68, 0, 1]], "time must be"),
    ([[1, 68, "x", 1]], "cpu must be"),
])
def test_bad_json_schedules(data: object, msg: str) -> None:
    with pytest.raises(ValueError, match=msg):
        schedule_from_json(data)


def test_describe() -> None:
    text = describe_schedule([Arrival(2625, 68, 0, 1)])
    assert "cycle 2,625" in text and "line 68" in text
    assert "no interrupts" in describe_schedule([])
