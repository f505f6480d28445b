"""A device whose only job is to raise an interrupt: for scenarios and fuzzing.

Real drivers read an interrupt-status register, act, and acknowledge by
writing it back; this model has exactly that: ``INT_STATUS`` (bits set by
``fire``), ``INT_ACK`` (write 1 to clear) and ``INT_ENABLE``. Its line is
level, high while ``INT_STATUS & INT_ENABLE`` is non-zero. A schedule of
firing times (simulated picoseconds) can be given up front.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from irqemu.devices.base import Device, IrqLine, MachineContext
from irqemu.devices.regmap import Reg


class IrqSource(Device):
    """INT_STATUS +0x00 (r), INT_ACK +0x04 (w1c), INT_ENABLE +0x08, FIRED +0x0C (r)."""

    SIZE = 0x1000
    REGS = (
        Reg(0x00, "INT_STATUS", access="r"),
        Reg(0x04, "INT_ACK", access="w"),
        Reg(0x08, "INT_ENABLE", reset=1),
        Reg(0x0C, "FIRED", access="r", doc="events raised so far"),
    )

    def __init__(self, machine: MachineContext, base: int, name: str) -> None:
        super().__init__(machine, base, name)
        self.irq = IrqLine(f"{name}.irq")
        self.status = 0
        self.fired = 0

    def fire(self, bits: int = 1) -> None:
        """The device has something to report: latch ``bits`` into INT_STATUS."""
        self.status |= bits
        self.fired += 1
        self._update()

    def fire_at(self, times_ps: Iterable[int], bits: int = 1) -> None:
        """:meth:`fire` at each simulated time in ``times_ps`` (picoseconds)."""
        def fire() -> None:
            self.fire(bits)

        for t in times_ps:
            self.machine.schedule(t, fire, f"{self.name}.fire")

    def _update(self) -> None:
        self.irq.set(bool(self.status & self.regs.values["INT_ENABLE"][0]))

    def read_INT_STATUS(self, cpu: int, index: int) -> int:
        return self.status

    def write_INT_ACK(self, cpu: int, index: int, value: int) -> None:
        self.status &= ~value
        self._update()

    def write_INT_ENABLE(self, cpu: int, index: int, value: int) -> None:
        self.regs.values["INT_ENABLE"][index] = value
        self._update()

    def read_FIRED(self, cpu: int, index: int) -> int:
        return self.fired & 0xFFFFFFFF


class WiredOr:
    """Several devices' lines on one controller input: a shared level line.

    ``dev.irq.connect(wired.sink())`` for each device; ``wired.out`` drives the
    controller (``wired.out.connect(gic.input(id))``).
    """

    def __init__(self, name: str) -> None:
        self.out = IrqLine(name)
        self._levels: list[bool] = []

    def sink(self) -> Callable[[bool], None]:
        """A new input of the OR gate, for one device line."""
        key = len(self._levels)
        self._levels.append(False)

        def drive(level: bool) -> None:
            self._levels[key] = level
            self.out.set(any(self._levels))

        return drive
