"""x86 System Management Interrupts as time stolen from the OS.

An SMI takes the core into System Management Mode: firmware (the BIOS, the
management engine's agent) runs there for microseconds to milliseconds and
RSM returns to the interrupted instruction. The OS sees nothing: no vector,
no IDT entry, no interrupt count, no register changed. The only trace is
that time moved on: the TSC (and every clock) jumped. That is what this
model does, and all it does.

At each scheduled moment :class:`SmiSource` freezes a core for ``duration_ps``
without executing guest code: it adds the stolen cycles to the core's cycle
counter (``slot.core.cycles``, which RDTSC reads and from which the core's
local time derives). The machine's run loop then keeps the core off the CPU
until global simulated time catches up with it, so other cores and devices
run on meanwhile; interrupts that arrive during the SMI are taken after it,
as after RSM. It uses only public Machine attributes (``machine.cpus``,
``machine.schedule``); a Machine hook would be needed only for exactness
below one basic block (the event fires at the first block boundary at or
after its time, as every event does).

An SMI hitting a core halted in ``hlt`` is recorded but steals nothing
visible: after RSM the core halts again (auto-halt restart) and it was idle
anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PS_PER_US = 1_000_000


@dataclass(frozen=True)
class SmiRecord:
    """One SMI: when it hit (simulated ps and the core's TSC) and what it stole."""

    cpu: int
    time_ps: int
    tsc_before: int
    stolen_cycles: int
    halted: bool


class SmiSource:
    """SMIs on ``cpu`` at ``times_ps`` (or every ``period_ps`` from ``start_ps``)."""

    def __init__(self, machine: Any, *, cpu: int = 0, duration_ps: int = 50 * PS_PER_US,
                 period_ps: int | None = None, start_ps: int = 0, count: int = 0,
                 times_ps: Iterable[int] = ()) -> None:
        if duration_ps <= 0:
            raise ValueError("an SMI must last a positive time")
        self.machine = machine
        self.cpu = cpu
        self.duration_ps = duration_ps
        self.records: list[SmiRecord] = []
        times = list(times_ps)
        if period_ps is not None:
            if period_ps <= duration_ps:
                raise ValueError("SMI period must be longer than its duration")
            times += [start_ps + i * period_ps for i in range(count)]
        for t in sorted(times):
            machine.schedule(t, self._fire, f"smi.cpu{cpu}")

    def _fire(self) -> None:
        slot = self.machine.cpus[self.cpu]
        core = slot.core
        halted = slot.state != "running"
        stolen = 0 if halted else slot.clock.to_cycles(self.duration_ps)
        self.records.append(SmiRecord(self.cpu, slot.local_ps(), int(core.cycles), stolen,
                                      halted))
        if stolen:
            core.cycles += stolen  # SMM runs: the TSC counts on, the OS runs nothing

    @property
    def stolen_cycles(self) -> int:
        return sum(r.stolen_cycles for r in self.records)
