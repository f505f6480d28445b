"""What a device model sees of the machine, and the base class devices share."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from irqemu.devices.regmap import Reg, RegisterFile
from irqemu.sim.events import Event

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import ClassVar, Protocol
else:
    Protocol = object  # the interfaces are mypy's: at run time, plain classes

#: Core interrupt inputs, as a controller drives them.
CPU_IRQ, CPU_FIQ, CPU_NMI, CPU_SERROR = 0, 1, 2, 3


class MachineContext(Protocol):
    """The machine services a device may use: time, events, CPU inputs, memory."""

    num_cpus: int

    def now(self, cpu: int | None = None) -> int:
        """Simulated picoseconds; with ``cpu``, that core's local time (inside its access)."""
        ...

    def schedule(self, when: int, fn: Callable[[], None], name: str = "") -> Event: ...

    def set_cpu_input(self, cpu: int, line: int, level: bool) -> None:
        """Drive core ``cpu``'s interrupt input ``line`` (CPU_IRQ, CPU_FIQ, ...)."""
        ...

    def mem_read(self, address: int, size: int) -> bytes: ...

    def mem_write(self, address: int, data: bytes) -> None: ...


class IrqLine:
    """One interrupt wire from a device to a controller input.

    The device calls ``set``; the controller's ``sink(level)`` sees each change.
    """

    __slots__ = ("name", "level", "_sink")

    def __init__(self, name: str, sink: Callable[[bool], None] | None = None) -> None:
        self.name = name
        self.level = False
        self._sink = sink

    def connect(self, sink: Callable[[bool], None]) -> None:
        self._sink = sink
        if self.level:
            sink(True)

    def set(self, level: bool) -> None:
        level = bool(level)
        if level != self.level:
            self.level = level
            if self._sink is not None:
                self._sink(level)

    def pulse(self) -> None:
        """An edge: assert then deassert (for edge-triggered inputs)."""
        self.set(True)
        self.set(False)


class Device:
    """A memory-mapped peripheral: a register table plus behaviour methods.

    Subclasses set ``REGS`` and ``SIZE`` and define ``read_<NAME>`` /
    ``write_<NAME>`` for registers with side effects.
    """

    REGS: ClassVar[Sequence[Reg]] = ()
    SIZE: ClassVar[int] = 0x1000
    STRICT: ClassVar[bool] = False

    def __init__(self, machine: MachineContext, base: int, name: str) -> None:
        self.machine = machine
        self.base = base
        self.name = name
        self.regs = RegisterFile(self, self.REGS, strict=self.STRICT)

    def reset(self) -> None:
        self.regs.reset()

    def mmio_read(self, cpu: int, offset: int, size: int) -> int:
        return self.regs.read(cpu, offset, size)

    def mmio_write(self, cpu: int, offset: int, size: int, value: int) -> None:
        self.regs.write(cpu, offset, size, value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} @ {self.base:#x}>"
