"""The kernel model on the coreless model board (``--model-only``).

:class:`ModelBoard` puts the modelled kernel on
:class:`~irqemu.boards.model.CorelessBoard`: the real GICv2 device model (at
the i.MX6Q addresses) and a GPC register block, reached by the kernel model
through :class:`~irqemu.kernel.context.DeviceChipIO`, with no cores.
``board.fire(cpu)`` takes an IRQ exception on a CPU whose GIC output is
asserted, as the core would at its next block boundary.
"""

from __future__ import annotations

from collections.abc import Callable

from irqemu.boards.model import GICC_BASE, GICD_BASE, GPC_BASE, CorelessBoard
from irqemu.kernel import Kernel
from irqemu.kernel.config import KernelConfig
from irqemu.kernel.context import DeviceChipIO
from irqemu.kernel.drivers.irq_gic import GicChipData, gic_of_init
from irqemu.kernel.drivers.irq_imx_gpc import GpcChipData, imx_gpc_init


class ModelBoard(CorelessBoard):
    """Kernel + GICv2 model (+ GPC) at the i.MX6Q addresses, no cores."""

    def __init__(self, config: KernelConfig | str = "mainline", num_cpus: int = 4,
                 *, version: str | None = None, with_gpc: bool = True,
                 observe: Callable[[Kernel], object] | None = None, **kernel_kw: object):
        """``observe(kernel)`` is called right after the kernel is built, before the
        irqchips are probed (a scenario's :class:`~irqemu.scenarios.base.Observe`)."""
        super().__init__(num_cpus, with_gpc=with_gpc)
        self.io = DeviceChipIO(self.windows, self.sizes)
        self.kernel = Kernel(config, num_cpus, version=version, **kernel_kw)  # type: ignore[arg-type]
        if observe is not None:
            observe(self.kernel)
        self.gic: GicChipData = gic_of_init(self.kernel, self.io, GICD_BASE, GICC_BASE)
        self.gpc: GpcChipData | None = None
        if with_gpc:
            assert self.gic.domain is not None
            self.gpc = imx_gpc_init(self.kernel, self.io, self.gic.domain, GPC_BASE)

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
