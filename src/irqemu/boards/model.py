"""The coreless model board: the i.MX6Q's GICv2 and GPC register block, no cores.

The kernel model can run on it alone (``--model-only``): the real GICv2 device
model at the i.MX6Q addresses, and the GPC's CNTR and IMR registers as plain
storage (on the i.MX6 they gate wake-up only, which needs cores). The GIC's
CPU-interface outputs are kept per CPU so a caller can take the IRQ exception
itself, as the core would at its next block boundary.
"""

from __future__ import annotations

from collections.abc import Callable

from irqemu.devices.gic import GICv2
from irqemu.sim.events import Event, EventQueue

GICD_BASE = 0x00A01000
GICC_BASE = 0x00A00100
GPC_BASE = 0x020DC000
GICD_SIZE = 0x1000
GICC_SIZE = 0x100


class CorelessContext:
    """The machine services a device model needs (time, events, output lines), no cores."""

    def __init__(self, num_cpus: int) -> None:
        self.num_cpus = num_cpus
        self.time = 0
        self.events = EventQueue()
        self.irq_out = [[False, False] for _ in range(num_cpus)]

    def now(self, cpu: int | None = None) -> int:
        return self.time

    def schedule(self, when: int, fn: Callable[[], None], name: str = "") -> Event:
        return self.events.schedule(when, fn, name)

    def set_cpu_input(self, cpu: int, line: int, level: bool) -> None:
        self.irq_out[cpu][line] = level

    def mem_read(self, address: int, size: int) -> bytes:
        return bytes(size)

    def mem_write(self, address: int, data: bytes) -> None:
        pass


class GpcRegs:
    """GPC_CNTR and GPC_IMR1..4 as plain registers (i.MX6 GPC IMRs gate wake-up only)."""

    SIZE = 0x1000

    def __init__(self) -> None:
        self.regs: dict[int, int] = {}

    def mmio_read(self, cpu: int, offset: int, size: int) -> int:
        return self.regs.get(offset, 0)

    def mmio_write(self, cpu: int, offset: int, size: int, value: int) -> None:
        self.regs[offset] = value

    def imr(self, n: int) -> int:
        return self.regs.get(0x008 + 4 * n, 0)


class CorelessBoard:
    """GICv2 (+ GPC registers) at the i.MX6Q addresses, with no cores."""

    def __init__(self, num_cpus: int = 4, *, with_gpc: bool = True) -> None:
        self.ctx = CorelessContext(num_cpus)
        self.gic_dev = GICv2(self.ctx, GICD_BASE, "gic", cpu_if_base=GICC_BASE,
                             num_cpus=num_cpus, num_irqs=160)
        self.gpc_dev = GpcRegs()
        #: base address -> device, for the kernel model's register accessors
        self.windows: dict[int, object] = {GICD_BASE: self.gic_dev.distributor,
                                           GICC_BASE: self.gic_dev.cpu_interface}
        if with_gpc:
            self.windows[GPC_BASE] = self.gpc_dev
        #: window sizes where they are smaller than a page
        self.sizes: dict[int, int] = {GICD_BASE: GICD_SIZE, GICC_BASE: GICC_SIZE}

    def set_spi(self, spi: int, level: bool) -> None:
        """Drive the device line of SPI ``spi`` (GIC ID spi+32)."""
        self.gic_dev.set_irq(spi + 32, level)

    def pulse_spi(self, spi: int) -> None:
        self.gic_dev.set_irq(spi + 32, True)
        self.gic_dev.set_irq(spi + 32, False)

    def irq_asserted(self, cpu: int) -> bool:
        return self.ctx.irq_out[cpu][0]
