"""The i.MX6 General Power Controller as an irqchip (arch/arm/mach-imx/gpc.c, 4.6).

A hierarchy domain of 128 lines stacked on the GIC: GPC line n is GIC SPI n
(GIC ID n+32). mask sets the IMR bit then masks the GIC; unmask clears it then
unmasks the GIC; eoi, set_type, set_affinity and retrigger go to the parent.
set_wake records wake sources; :meth:`GpcChipData.pre_suspend` leaves only
those unmasked, :meth:`GpcChipData.post_resume` restores the IMRs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irqemu.hw.imx_gpc import GPC_IMR1, GPC_MAX_IRQS, IMR_NUM
from irqemu.kernel.context import ChipIO
from irqemu.kernel.genirq.chip import (
    irq_chip_eoi_parent,
    irq_chip_mask_parent,
    irq_chip_retrigger_hierarchy,
    irq_chip_set_affinity_parent,
    irq_chip_set_type_parent,
    irq_chip_unmask_parent,
)
from irqemu.kernel.genirq.irqdomain import (
    irq_create_fwspec_mapping,
    irq_domain_add_hierarchy,
    irq_domain_alloc_irqs_parent,
    irq_domain_set_hwirq_and_chip,
)
from irqemu.kernel.genirq.types import (
    IRQ_TYPE_LEVEL_HIGH,
    IrqChip,
    IrqData,
    IrqDomain,
    IrqDomainOps,
    IrqFwspec,
)

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


class GpcChipData:
    def __init__(self, kernel: Kernel, io: ChipIO, base: int) -> None:
        self.kernel = kernel
        self.io = io
        self.base = base
        self.wake_irqs = [0] * IMR_NUM
        self.saved_imrs = [0] * IMR_NUM
        self.chip = IrqChip(
            "GPC",
            irq_eoi=irq_chip_eoi_parent,
            irq_mask=self.imx_gpc_irq_mask,
            irq_unmask=self.imx_gpc_irq_unmask,
            irq_retrigger=irq_chip_retrigger_hierarchy,
            irq_set_wake=self.imx_gpc_irq_set_wake,
            irq_set_type=irq_chip_set_type_parent,
            irq_set_affinity=irq_chip_set_affinity_parent,
        )
        self.domain: IrqDomain | None = None

    def _rd(self, off: int) -> int:
        return self.io.read32(self.kernel.ops.smp_processor_id(), self.base + off)

    def _wr(self, off: int, value: int) -> None:
        self.io.write32(self.kernel.ops.smp_processor_id(), self.base + off, value & 0xFFFFFFFF)

    def imx_gpc_hwirq_mask(self, hwirq: int) -> None:
        reg = GPC_IMR1 + hwirq // 32 * 4
        self._wr(reg, self._rd(reg) | (1 << hwirq % 32))

    def imx_gpc_hwirq_unmask(self, hwirq: int) -> None:
        reg = GPC_IMR1 + hwirq // 32 * 4
        self._wr(reg, self._rd(reg) & ~(1 << hwirq % 32))

    def imx_gpc_irq_mask(self, d: IrqData) -> None:
        self.imx_gpc_hwirq_mask(d.hwirq)
        irq_chip_mask_parent(d)

    def imx_gpc_irq_unmask(self, d: IrqData) -> None:
        self.imx_gpc_hwirq_unmask(d.hwirq)
        irq_chip_unmask_parent(d)

    def imx_gpc_irq_set_wake(self, d: IrqData, on: int) -> int:
        idx, mask = d.hwirq // 32, 1 << d.hwirq % 32
        self.wake_irqs[idx] = self.wake_irqs[idx] | mask if on else self.wake_irqs[idx] & ~mask
        return 0  # the GIC has no wake-up facility: not forwarded

    def pre_suspend(self) -> None:
        """imx_gpc_pre_suspend: save the IMRs, leave only wake sources unmasked."""
        for i in range(IMR_NUM):
            self.saved_imrs[i] = self._rd(GPC_IMR1 + i * 4)
            self._wr(GPC_IMR1 + i * 4, ~self.wake_irqs[i])

    def post_resume(self) -> None:
        for i in range(IMR_NUM):
            self._wr(GPC_IMR1 + i * 4, self.saved_imrs[i])

    # domain ops
    def translate(self, domain: IrqDomain, fwspec: IrqFwspec) -> tuple[int, int, int]:
        p = fwspec.param
        if len(p) != 3 or p[0] != 0:
            return 0, 0, -22
        return p[1], p[2], 0

    def alloc(self, domain: IrqDomain, virq: int, nr: int, fwspec: IrqFwspec) -> int:
        p = fwspec.param
        if len(p) != 3 or p[0] != 0:
            return -22
        hwirq = p[1]
        if hwirq >= GPC_MAX_IRQS:
            return -22
        for i in range(nr):
            irq_domain_set_hwirq_and_chip(domain, virq + i, hwirq + i, self.chip, None)
        assert domain.parent is not None
        parent_fwspec = IrqFwspec(domain.parent.fwnode, tuple(p))
        return irq_domain_alloc_irqs_parent(domain, virq, nr, parent_fwspec)

    def map_spi(self, spi: int, type_: int = IRQ_TYPE_LEVEL_HIGH) -> int:
        """Map a device whose interrupt-parent is the GPC (DT <0 spi type>)."""
        assert self.domain is not None
        return irq_create_fwspec_mapping(self.domain, IrqFwspec("gpc", (0, spi, type_)))


def imx_gpc_init(kernel: Kernel, io: ChipIO, parent: IrqDomain, base: int = 0x020DC000,
                 fwnode: str = "/soc/aips-bus@02000000/gpc@020dc000") -> GpcChipData:
    gpc = GpcChipData(kernel, io, base)
    ops = IrqDomainOps(translate=gpc.translate, alloc=gpc.alloc)
    gpc.domain = irq_domain_add_hierarchy(kernel, parent, "GPC", GPC_MAX_IRQS, ops,
                                          host_data=gpc, fwnode=fwnode)
    with kernel.on_cpu(0):
        for i in range(IMR_NUM):
            gpc._wr(GPC_IMR1 + i * 4, 0xFFFFFFFF)
    return gpc
