"""Runnable experiments from the talk.

:class:`ModelBoard` is a model-level stand-in for the i.MX6Q board: the real
GICv2 device model (at the i.MX6Q addresses) and a GPC register block, reached
by the kernel model through :class:`~irqemu.kernel.context.DeviceChipIO`, with
no cores. ``board.fire(cpu)`` takes an IRQ exception on a CPU whose GIC output
is asserted, as the core would at its next block boundary.
"""

from __future__ import annotations

from collections.abc import Callable

from irqemu.devices.gic import GICv2
from irqemu.kernel import Kernel
from irqemu.kernel.config import KernelConfig
from irqemu.kernel.context import DeviceChipIO
from irqemu.kernel.drivers.irq_gic import GicChipData, gic_of_init
from irqemu.kernel.drivers.irq_imx_gpc import GpcChipData, imx_gpc_init
from irqemu.sim.events import Event, EventQueue

GICD_BASE = 0x00A01000
GICC_BASE = 0x00A00100
GPC_BASE = 0x020DC000


class _Context:
    """The MachineContext services the GIC model needs, without cores."""

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


class ModelBoard:
    """Kernel + GICv2 model (+ GPC) at the i.MX6Q addresses, no cores."""

    def __init__(self, config: KernelConfig | str = "mainline", num_cpus: int = 4,
                 *, version: str | None = None, with_gpc: bool = True, **kernel_kw: object):
        self.ctx = _Context(num_cpus)
        self.gic_dev = GICv2(self.ctx, GICD_BASE, "gic", cpu_if_base=GICC_BASE,
                             num_cpus=num_cpus, num_irqs=160)
        self.gpc_dev = GpcRegs()
        windows: dict[int, object] = {GICD_BASE: self.gic_dev.distributor,
                                      GICC_BASE: self.gic_dev.cpu_interface}
        if with_gpc:
            windows[GPC_BASE] = self.gpc_dev
        self.io = DeviceChipIO(windows, {GICD_BASE: 0x1000, GICC_BASE: 0x100})
        self.kernel = Kernel(config, num_cpus, version=version, **kernel_kw)  # type: ignore[arg-type]
        self.gic: GicChipData = gic_of_init(self.kernel, self.io, GICD_BASE, GICC_BASE)
        self.gpc: GpcChipData | None = None
        if with_gpc:
            assert self.gic.domain is not None
            self.gpc = imx_gpc_init(self.kernel, self.io, self.gic.domain, GPC_BASE)

    def set_spi(self, spi: int, level: bool) -> None:
        """Drive the device line of SPI ``spi`` (GIC ID spi+32)."""
        self.gic_dev.set_irq(spi + 32, level)

    def pulse_spi(self, spi: int) -> None:
        self.gic_dev.set_irq(spi + 32, True)
        self.gic_dev.set_irq(spi + 32, False)

    def irq_asserted(self, cpu: int) -> bool:
        return self.ctx.irq_out[cpu][0]

    def fire(self, cpu: int | None = None) -> int:
        """Take the IRQ exception on ``cpu`` (or every CPU whose IRQ output is high,
        lowest first) while its output stays high; return how many were taken."""
        n = 0
        cpus = range(self.kernel.num_cpus) if cpu is None else (cpu,)
        for c in cpus:
            guard = 0
            while self.irq_asserted(c) and guard < 1000:
                self.kernel.irq(c)
                n += 1
                guard += 1
        return n
