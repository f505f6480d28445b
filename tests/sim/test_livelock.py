"""Forward progress: a device that never lets time advance is reported, not hung on."""

from __future__ import annotations

from pathlib import Path

import pytest
from elfgen import arm_elf

from irqemu.cli import main
from irqemu.sim.events import MAX_EVENTS_PER_INSTANT, EventQueue, LivelockError

# The Cortex-A9 global timer with auto-increment 0 and the comparator at 0:
# every compare event reschedules the next one at the same instant.
#   ldr r0, =0x00A00200 ; mvn r1, #0 ; str r1, [r0] ; str r1, [r0, #4] ; mov r1, #0
#   str r1, [r0, #0x10] ; str r1, [r0, #0x14] ; str r1, [r0, #0x18] ; mov r1, #0xF
#   str r1, [r0, #8] ; b .
GLOBAL_TIMER_LIVELOCK = [0xE59F0024, 0xE3E01000, 0xE5801000, 0xE5801004, 0xE3A01000,
                         0xE5801010, 0xE5801014, 0xE5801018, 0xE3A0100F, 0xE5801008,
                         0xEAFFFFFE, 0x00A00200]


def test_a_self_rescheduling_event_is_a_livelock() -> None:
    q = EventQueue()
    fired = [0]

    def again() -> None:
        fired[0] += 1
        q.schedule(7, again, "again")

    q.schedule(7, again, "again")
    with pytest.raises(LivelockError, match=r"100,000 events fired at simulated time 7 ps"):
        while (ev := q.pop_due(10)) is not None:
            ev.fn()
    assert fired[0] == MAX_EVENTS_PER_INSTANT


def test_many_events_at_distinct_instants_are_fine() -> None:
    q = EventQueue()
    for t in range(2 * MAX_EVENTS_PER_INSTANT // 1000):
        for _ in range(1000):
            q.schedule(t, lambda: None)
    n = 0
    while q.pop_due(10**9) is not None:
        n += 1
    assert n == 2 * MAX_EVENTS_PER_INSTANT


def test_global_timer_livelock_ends_in_one_line(tmp_path: Path, engine: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    f = arm_elf(tmp_path / "gt.elf", GLOBAL_TIMER_LIVELOCK)
    code = main(["boot", str(f), "--max-cycles", "100000", "--engine", engine])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3 and len(err) == 1
    assert err[0].startswith("irqemu: device livelock: 100,000 events fired at simulated time")
