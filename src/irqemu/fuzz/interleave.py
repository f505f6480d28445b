"""Cross-core schedules for ``fuzz run --interleave search``: each run also draws how
finely the cores interleave, and a failure shrinks to the coarsest interleaving that
still fails.

An interleaving is a level on a ladder over ``--quantum`` Q: level 0 is whole rounds
of Q cycles (the machine's default: a core runs Q cycles, then the next one); level
k >= 1 is rounds of 1..Q/4^k cycles drawn from a seed (``Machine.interleave_seed``),
so one core's load and store may be split by another core's whole update, as
parallel cores split them on hardware. Hypothesis draws (arrivals, level, seed);
its shrinker moves the level towards 0; then the arrivals are settled
(:func:`irqemu.fuzz.run.one_minimal`) under the interleaving found and the level is
lowered while the failure survives. The result is a :class:`SearchResult` whose
target records the interleaving, so a saved file replays it bit for bit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from irqemu.fuzz.run import (
    FuzzRunError,
    Prepared,
    SearchResult,
    calibrate,
    one_minimal,
    run_schedule,
)
from irqemu.fuzz.seeded import find_seeded
from irqemu.fuzz.strategies import Arrival, schedule_to_json

MAX_LEVEL = 6  #: Q/4^6: rounds of at most Q/4096 cycles (never below 1)
SEEDS = 1 << 16  #: interleave seeds a run draws from


def round_cycles(quantum: int, level: int) -> int:
    """The longest round at ``level`` of the ladder over ``quantum``."""
    return max(1, quantum >> (2 * level))


def with_interleaving(p: Prepared, quantum: int, level: int, seed: int) -> Prepared:
    """``p`` run with the interleaving (level, seed) over ``quantum`` cycles."""
    t = replace(p.target, quantum_cycles=round_cycles(quantum, level),
                interleave_seed=seed if level else None)
    return replace(p, target=t)


def describe(p: Prepared) -> str:
    """The interleaving a prepared target runs with, in words."""
    t = p.target
    if t.interleave_seed is None:
        return f"whole rounds of {t.quantum_cycles:,} cycles per core"
    return (f"rounds of 1..{t.quantum_cycles:,} cycles per core drawn from interleave "
            f"seed {t.interleave_seed}")


def search_interleaved(p: Prepared, *, examples: int = 100, seed: int = 0,
                       max_events: int = 4, engine: str = "native",
                       progress: Callable[[int, int, int | None], None] | None = None
                       ) -> SearchResult:
    """Draw arrivals and an interleaving per run, shrink a failure to the fewest
    arrivals and the coarsest interleaving; the same seed, the same result."""
    try:
        from hypothesis import HealthCheck, Phase, settings
        from hypothesis import strategies as st
        from hypothesis.errors import NoSuchExample
    except ImportError:
        raise FuzzRunError("irqemu fuzz needs hypothesis (pip install hypothesis)") from None
    from irqemu.fuzz.schedule import strategy

    quantum = p.target.quantum_cycles
    levels = max(lv for lv in range(MAX_LEVEL + 1)
                 if lv == 0 or round_cycles(quantum, lv) < round_cycles(quantum, lv - 1))
    window, base = calibrate(p, engine)  # whole rounds, no interrupt
    if p.target.must_end is None:
        p.target = replace(p.target, must_end=base.stop_reason == "exit")
    if window[1] <= window[0]:
        raise FuzzRunError(f"--window {window[0]}:{window[1]} ns is empty")
    strat = st.tuples(strategy(p.target.irqs, window[0], window[1], max_events),
                      st.integers(0, levels), st.integers(0, SEEDS - 1))
    runs = 0
    best: int | None = None
    seen: dict[str, bool] = {}

    def fails_at(level: int, iseed: int, schedule: list[Arrival]) -> bool:
        nonlocal runs, best
        runs += 1
        key = json.dumps([level, iseed if level else 0, schedule_to_json(schedule)])
        if key not in seen:
            q = with_interleaving(p, quantum, level, iseed)
            seen[key] = not run_schedule(q, schedule, engine=engine).passed
        bad = seen[key]
        if bad and (best is None or len(schedule) < best):
            best = len(schedule)
        if progress is not None:
            progress(runs, examples, best)
        return bad

    def fails(drawn: tuple[list[Arrival], int, int]) -> bool:
        return fails_at(drawn[1], drawn[2], drawn[0])

    config = settings(max_examples=examples, database=None, deadline=None, derandomize=False,
                      phases=(Phase.generate, Phase.shrink),
                      suppress_health_check=list(HealthCheck))
    final = p
    minimal: list[Arrival] | None = None
    if not base.passed:
        minimal = []
    else:
        try:
            schedule, level, iseed = find_seeded(strat, fails, config, seed)
        except NoSuchExample:
            pass
        else:
            minimal = one_minimal(schedule, lambda s: fails_at(level, iseed, s))
            level = next(lv for lv in range(level + 1) if fails_at(lv, iseed, minimal))
            final = with_interleaving(p, quantum, level, iseed)
    outcome = base if not minimal else run_schedule(final, minimal, engine=engine)
    return SearchResult(final, engine, seed, examples, max_events, window, runs + 1,
                        minimal, outcome)


def interleave_json(p: Prepared) -> dict[str, Any]:
    """The interleaving of a result, for --json."""
    return {"quantum_cycles": p.target.quantum_cycles, "seed": p.target.interleave_seed,
            "description": describe(p)}
