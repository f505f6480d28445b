"""A fake machine for device unit tests: a controllable clock and an event list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from irqemu.sim.events import Event, EventQueue

#: the GICv2 implementations every GIC test runs against: the Python reference
#: (irqemu.devices.gic) and the native one (irqemu._core.gic)
GIC_IMPLS = ("python", "native")


class FakeMachine:
    """Implements the MachineContext services devices use, deterministically."""

    #: a native Fabric, once ``with_fabric`` attached one (native devices need it)
    fabric: Any

    def __init__(self, num_cpus: int = 4) -> None:
        self.num_cpus = num_cpus
        self.time = 0
        self.events = EventQueue()
        self.inputs: dict[tuple[int, int], bool] = {}
        self.input_log: list[tuple[int, int, int, bool]] = []  # (time, cpu, line, level)
        self.cpu_log: list[tuple[str, int, int]] = []  # ("release"/"hold", cpu, entry)

    def now(self, cpu: int | None = None) -> int:
        return self.time

    def schedule(self, when: int, fn: Callable[[], None], name: str = "") -> Event:
        return self.events.schedule(when, fn, name)

    def set_cpu_input(self, cpu: int, line: int, level: bool) -> None:
        assert self.inputs.get((cpu, line), False) != level, "redundant set_cpu_input"
        self.inputs[(cpu, line)] = level
        self.input_log.append((self.time, cpu, line, level))

    def level(self, cpu: int, line: int) -> bool:
        return self.inputs.get((cpu, line), False)

    def release_cpu(self, cpu: int, entry_address: int) -> None:
        self.cpu_log.append(("release", cpu, entry_address))

    def hold_cpu(self, cpu: int) -> None:
        self.cpu_log.append(("hold", cpu, 0))

    def mem_read(self, address: int, size: int) -> bytes:
        return bytes(size)

    def mem_write(self, address: int, data: bytes) -> None:
        pass

    def advance(self, to: int) -> list[int]:
        """Run every event due up to ``to`` at its own time; return the times run."""
        ran = []
        while True:
            t = self.events.peek_time()
            if t is None or t > to:
                break
            ev = self.events.pop_due(t)
            assert ev is not None
            self.time = max(self.time, ev.when)
            ran.append(ev.when)
            ev.fn()
        self.time = max(self.time, to)
        return ran


def with_fabric(machine: FakeMachine, hz: int = 1_000_000_000) -> FakeMachine:
    """Give ``machine`` a native Fabric as ``machine.fabric`` (if it has none): with no
    engine core attached, the Fabric's CPU inputs reach ``machine.set_cpu_input``."""
    if getattr(machine, "fabric", None) is None:
        from irqemu._core.fabric import Fabric

        machine.fabric = Fabric(hz, machine.num_cpus, machine=machine)
    return machine


def make_gic(impl: str, machine: FakeMachine, *args: Any, **kw: Any) -> Any:
    """A GICv2 on ``machine``: ``impl`` "python" (the reference) or "native"."""
    if impl == "python":
        from irqemu.devices.gic import GICv2

        return GICv2(machine, *args, **kw)
    if impl == "native":
        from irqemu._core.gic import GICv2 as NativeGICv2

        return NativeGICv2(with_fabric(machine), *args, **kw)
    raise ValueError(f"no GICv2 implementation {impl!r}")
