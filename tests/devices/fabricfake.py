"""A FakeMachine whose devices may be native: time and events live in a native Fabric."""

from __future__ import annotations

from devfakes import FakeMachine
from irqemu._core.fabric import Fabric

CPU_HZ = 792_000_000


class FabricMachine(FakeMachine):
    """FakeMachine with ``fabric`` (the native devices' view) sharing its clock and queue.

    ``time`` is the Fabric's machine time, so native and Python devices on this
    machine read the same clock, and ``events`` is the Fabric's native queue,
    which holds both kinds of event in one order.
    """

    def __init__(self, num_cpus: int = 4) -> None:
        self.fabric = Fabric(CPU_HZ, num_cpus, self)
        super().__init__(num_cpus)
        self.events = self.fabric.events  # type: ignore[assignment]

    @property  # type: ignore[override]
    def time(self) -> int:
        return int(self.fabric.now_ps)

    @time.setter
    def time(self, value: int) -> None:
        self.fabric.now_ps = value
