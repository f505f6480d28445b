"""A time limit ends the run at the limit, also while every core sleeps.

With every core in WFI/hlt and the next event beyond ``max_time_ps``, the run
must not jump to that event: the simulated time, the idle cycles and every
figure derived from them (per-second rates) stop at the limit, in the
machine's Python round loop and in the native fabric's C loop alike.
"""

from __future__ import annotations

import pytest
from helpers import firmware
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.boards import build_board

WAYS = (("native", "native"), ("native", "python"), ("reference", "python"))
BOARDS = {"armv7": "imx6q", "aarch64": "virt-a53", "x86_64": "pc"}


def run(arch: str, engine: str, fabric: str, limit_ps: int) -> tuple:
    m = build_board(BOARDS[arch], engine=engine, fabric=fabric)
    m.load_elf(str(firmware(arch, "timer.elf")))
    r = m.run(max_time_ps=limit_ps)
    return (r.stop_reason, r.sim_time_ps, r.cycles, r.idle_cycles, r.instructions,
            bytes(m.console))


@pytest.mark.parametrize("arch", sorted(BOARDS))
def test_a_sleeping_machine_stops_at_the_limit(arch: str) -> None:
    """timer.elf sleeps between ticks a millisecond or more apart: a 3 ms limit falls
    while it sleeps."""
    limit = 3 * 10**9
    outs = {way: run(arch, *way, limit) for way in WAYS}
    first = outs[WAYS[0]]
    assert first[0] == "time-limit"
    assert first[1] == limit
    assert all(o == first for o in outs.values()), outs


@settings(max_examples=8, deadline=None)
@given(limit_us=st.integers(1, 4000))
def test_any_limit_ends_the_run_within_a_block_on_every_fabric(limit_us: int) -> None:
    """A running core ends its translation block past the limit (blocks are the unit of
    interleaving); a sleeping one stops at the limit; never at an event far beyond."""
    limit = limit_us * 10**6
    outs = [run("armv7", *way, limit) for way in WAYS]
    assert outs[0][0] == "time-limit"
    assert limit <= outs[0][1] < limit + 2 * 10**6  # a block is well under 2 us
    assert outs[1] == outs[0] and outs[2] == outs[0]
