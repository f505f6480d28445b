"""Cost models (every number sourced) and simulated time (exact, ordered)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from irqemu.sim import Clock, EventQueue
from irqemu.timing import CostModelError, load_cost_model
from irqemu.timing.costmodel import builtin_cores


@pytest.mark.parametrize("core", builtin_cores())
def test_every_shipped_cost_has_a_source(core: str) -> None:
    model = load_cost_model(core)
    for table in (model.classes, model.events):
        for name, cost in table.items():
            assert cost.source.strip(), f"{core}: {name} has no source"
    assert model.hz > 0


def test_unsourced_entry_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text('core = "x"\narch = "armv7"\nhz = 1000\nhz_source = "me"\n'
                 "[classes.alu]\ncycles = 1\n")
    with pytest.raises(CostModelError, match="no source"):
        load_cost_model(str(f))


def test_user_cost_model_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text('core = "x"\narch = "armv7"\nhz = 1000\nhz_source = "me"\n'
                 '[classes.alu]\ncycles = 3\nsource = "measured on my board"\n')
    model = load_cost_model(str(f))
    assert model.cycles("alu") == 3 and model.cycles("load") == 3


def test_unknown_core_names_the_shipped_ones() -> None:
    with pytest.raises(CostModelError, match="cortex-a9"):
        load_cost_model("cortex-z99")


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
