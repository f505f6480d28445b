"""The ARM GICv2 irqchip driver (drivers/irqchip/irq-gic.c, irq-gic-common.c, 4.6).

The driver reads and writes the distributor and CPU interface through an
injected :class:`~irqemu.kernel.context.ChipIO` on behalf of the CPU the model
runs on. i.MX6 boots Linux in Secure SVC without HYP, so EOImode stays 0
(``supports_deactivate`` false): GICC_EOIR both drops priority and
deactivates, and the chip is named "GIC-0".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from irqemu.hw.gic import (
    GIC_CPU_CTRL,
    GIC_CPU_DEACTIVATE,
    GIC_CPU_EOI,
    GIC_CPU_INTACK,
    GIC_CPU_PRIMASK,
    GIC_DIST_CONFIG,
    GIC_DIST_CTR,
    GIC_DIST_CTRL,
    GIC_DIST_ENABLE_CLEAR,
    GIC_DIST_ENABLE_SET,
    GIC_DIST_PRI,
    GIC_DIST_SOFTINT,
    GIC_DIST_TARGET,
    GICC_DIS_BYPASS_MASK,
    GICC_ENABLE,
    GICC_IAR_INT_ID_MASK,
    GICC_INT_PRI_THRESHOLD,
    GICD_DISABLE,
    GICD_ENABLE,
    GICD_INT_ACTLOW_LVLTRIG,
    GICD_INT_DEF_PRI_X4,
    GICD_INT_EN_CLR_PPI,
    GICD_INT_EN_CLR_X32,
    GICD_INT_EN_SET_SGI,
    NR_GIC_CPU_IF,
)
from irqemu.kernel.context import ChipIO, frame_run, kfunc
from irqemu.kernel.genirq.chip import handle_fasteoi_irq, handle_percpu_devid_irq
from irqemu.kernel.genirq.irqdesc import irq_set_percpu_devid
from irqemu.kernel.genirq.irqdomain import (
    irq_create_fwspec_mapping,
    irq_domain_add_hierarchy,
    irq_domain_set_info,
)
from irqemu.kernel.genirq.types import (
    IRQ_NOAUTOEN,
    IRQ_NOPROBE,
    IRQ_SET_MASK_OK_DONE,
    IRQ_TYPE_EDGE_BOTH,
    IRQ_TYPE_EDGE_RISING,
    IRQ_TYPE_LEVEL_HIGH,
    IRQ_TYPE_LEVEL_MASK,
    IRQ_TYPE_SENSE_MASK,
    IRQCHIP_MASK_ON_SUSPEND,
    IRQCHIP_SET_TYPE_MASKED,
    IRQCHIP_SKIP_SET_WAKE,
    IrqChip,
    IrqData,
    IrqDomain,
    IrqDomainOps,
    IrqFwspec,
)
from irqemu.kernel.smp import RootIrqChip

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


#: the model frame gic_handle_irq_fast stands for
_GIC_HANDLE_IRQ: tuple[str, ...] = ("gic_handle_irq",)


class GicChipData(RootIrqChip):
    """struct gic_chip_data: bases, the chip, the domain, the CPU map."""

    def __init__(self, kernel: Kernel, io: ChipIO, dist_base: int, cpu_base: int,
                 gic_nr: int = 0) -> None:
        self.kernel = kernel
        self.io = io
        self.dist_base = dist_base
        self.cpu_base = cpu_base
        self.gic_nr = gic_nr
        self.gic_irqs = 0
        self.cpu_map = [0xFF] * NR_GIC_CPU_IF  # gic_cpu_map: all ones until probed
        self.supports_deactivate = False  # no HYP on i.MX6: EOImode 0
        self.chip = IrqChip(
            f"GIC-{gic_nr}",
            irq_mask=self.gic_mask_irq,
            irq_unmask=self.gic_unmask_irq,
            irq_eoi=self.gic_eoi_irq,
            irq_set_type=self.gic_set_type,
            irq_set_affinity=self.gic_set_affinity,
            flags=IRQCHIP_SET_TYPE_MASKED | IRQCHIP_SKIP_SET_WAKE | IRQCHIP_MASK_ON_SUSPEND,
        )
        self.domain: IrqDomain | None = None
        #: GICC_IAR and GICC_EOIR as one-call accessors (the ChipIO's ``register32``: the
        #: same charge and access as read32/write32), for the per-interrupt accesses;
        #: None: read32/write32
        register32 = getattr(io, "register32", None)
        self._iar: Any = None if register32 is None else register32(cpu_base + GIC_CPU_INTACK)
        self._eoir: Any = None if register32 is None else register32(cpu_base + GIC_CPU_EOI)

    # -- register access ---------------------------------------------------------------
    def _cpu(self) -> int:
        return self.kernel.ops.smp_processor_id()

    def dist_read(self, off: int) -> int:
        return self.io.read32(self._cpu(), self.dist_base + off)

    def dist_write(self, off: int, value: int) -> None:
        self.io.write32(self._cpu(), self.dist_base + off, value & 0xFFFFFFFF)

    def cpu_read(self, off: int) -> int:
        return self.io.read32(self._cpu(), self.cpu_base + off)

    def cpu_write(self, off: int, value: int) -> None:
        self.io.write32(self._cpu(), self.cpu_base + off, value & 0xFFFFFFFF)

    # -- irq_chip callbacks ----------------------------------------------------------------
    def gic_poke_irq(self, d: IrqData, offset: int) -> None:
        mask = 1 << (d.hwirq % 32)
        self.dist_write(offset + (d.hwirq // 32) * 4, mask)

    def gic_mask_irq(self, d: IrqData) -> None:
        self.gic_poke_irq(d, GIC_DIST_ENABLE_CLEAR)

    def gic_unmask_irq(self, d: IrqData) -> None:
        self.gic_poke_irq(d, GIC_DIST_ENABLE_SET)

    def gic_eoi_irq(self, d: IrqData) -> None:
        eoir = self._eoir
        if eoir is not None:
            eoir.write(self.kernel.ops.smp_processor_id(), d.hwirq)
            return
        self.io.write32(self.kernel.ops.smp_processor_id(), self.cpu_base + GIC_CPU_EOI,
                        d.hwirq)

    def gic_set_type(self, d: IrqData, type_: int) -> int:
        gicirq = d.hwirq
        if gicirq < 16:
            return -22
        if gicirq >= 32 and type_ not in (IRQ_TYPE_LEVEL_HIGH, IRQ_TYPE_EDGE_RISING):
            return -22
        return self.gic_configure_irq(gicirq, type_)

    def gic_configure_irq(self, irq: int, type_: int) -> int:
        """irq-gic-common.c: ICFGR bit 2*(irq%16)+1 set = edge."""
        confmask = 0x2 << ((irq % 16) * 2)
        confoff = (irq // 16) * 4
        val = oldval = self.dist_read(GIC_DIST_CONFIG + confoff)
        if type_ & IRQ_TYPE_LEVEL_MASK:
            val &= ~confmask
        elif type_ & IRQ_TYPE_EDGE_BOTH:
            val |= confmask
        if val == oldval:
            return 0
        self.dist_write(GIC_DIST_CONFIG + confoff, val)
        return 0

    def gic_set_affinity(self, d: IrqData, mask_val: frozenset[int], force: bool) -> int:
        """One CPU: cpumask_any_and(mask, online) (the first)."""
        online = set(range(self.kernel.num_cpus))
        cands = sorted(mask_val if force else set(mask_val) & online)
        if not cands:
            return -22
        cpu = cands[0]
        if cpu >= NR_GIC_CPU_IF or cpu >= self.kernel.num_cpus:
            return -22
        off = GIC_DIST_TARGET + (d.hwirq & ~3)
        shift = (d.hwirq % 4) * 8
        val = self.dist_read(off) & ~(0xFF << shift)
        self.dist_write(off, val | (self.cpu_map[cpu] << shift))
        return IRQ_SET_MASK_OK_DONE

    # -- the root handler ----------------------------------------------------------------
    @kfunc("gic_handle_irq")
    def gic_handle_irq(self) -> None:
        """Loop on GICC_IAR: 16..1019 -> handle_domain_irq; < 16 -> EOI then
        handle_IPI; spurious (1020..1023) -> stop. The CPU (and so its interface's
        IAR) is fixed for the whole loop, as gic_data_cpu_base() is read once.
        The devices ran on during each handler: a ChipIO with ``catch_up`` (the
        machine's) fires what is due by this CPU's time before the next IAR read, so
        an SPI that became pending meanwhile is taken in the same exception."""
        k = self.kernel
        cpu = k.ops.smp_processor_id()
        read32 = self.io.read32
        catch_up = getattr(self.io, "catch_up", None)
        iar = self.cpu_base + GIC_CPU_INTACK
        while True:
            if k.probes or not k.hardirq_fast:
                k.fentry(...)
            else:
                k.ops.charge(k.hardirq_costs.gic_handle_irq)  # fentry: nothing to probe
            irqstat = read32(cpu, iar)
            irqnr = irqstat & GICC_IAR_INT_ID_MASK
            if 15 < irqnr < 1020:
                if self.supports_deactivate:
                    self.cpu_write(GIC_CPU_EOI, irqstat)
                if k.probes or not k.hardirq_fast:
                    k.handle_domain_irq(self.domain, irqnr)
                else:
                    k.handle_domain_irq_fast(self.domain, irqnr)
            elif irqnr < 16:
                self.gic_handle_sgi(irqstat, irqnr)
            else:
                break
            if catch_up is not None:
                catch_up()

    def gic_handle_sgi(self, irqstat: int, irqnr: int) -> None:
        """An SGI from the IAR loop: EOI it (and deactivate, in EOImode 1) before
        handle_IPI, as gic_handle_irq does for irqnr < 16."""
        self.cpu_write(GIC_CPU_EOI, irqstat)
        if self.supports_deactivate:
            self.cpu_write(GIC_CPU_DEACTIVATE, irqstat)
        self.kernel.handle_IPI(irqnr)

    @frame_run
    def gic_handle_irq_fast(self, cpu: int) -> None:
        """:meth:`gic_handle_irq` on CPU ``cpu`` with no probe attached (the kernel's
        hard-IRQ fast path): each fentry is a charge of its resolved cost, and an
        interrupt goes to ``handle_domain_irq_fast`` with the CPU. A probe attached
        meanwhile (by a handler) sees the next IAR loop from the reference function."""
        frames = _GIC_HANDLE_IRQ
        k = self.kernel
        charge = k.ops.charge
        read32 = self.io.read32
        iar_reg = self._iar
        catch_up = getattr(self.io, "catch_up", None)
        iar = self.cpu_base + GIC_CPU_INTACK
        domain = self.domain
        handle = k.handle_domain_irq_fast
        while True:
            if k.probes or not k.hardirq_fast:
                frames = ()  # noqa: F841 (the reference function is gic_handle_irq's frame)
                self.gic_handle_irq()
                return
            charge(k.hardirq_costs.gic_handle_irq)  # fentry: nothing to probe
            irqstat = read32(cpu, iar) if iar_reg is None else iar_reg.read(cpu)
            irqnr = irqstat & GICC_IAR_INT_ID_MASK
            if 15 < irqnr < 1020:
                if self.supports_deactivate:
                    self.cpu_write(GIC_CPU_EOI, irqstat)
                handle(domain, irqnr, cpu)
            elif irqnr < 16:
                self.gic_handle_sgi(irqstat, irqnr)
            else:
                break
            if catch_up is not None:
                catch_up()

    def raise_softirq(self, mask: frozenset[int], irq: int) -> None:
        """gic_raise_softirq: SGIR = (target CPU bits << 16) | ipi."""
        m = 0
        for cpu in sorted(mask):
            m |= self.cpu_map[cpu]
        self.dist_write(GIC_DIST_SOFTINT, (m << 16) | irq)

    # -- init --------------------------------------------------------------------------------
    def gic_get_cpumask(self) -> int:
        mask = 0
        for i in range(0, 32, 4):
            mask = self.dist_read(GIC_DIST_TARGET + i)
            mask |= mask >> 16
            mask |= mask >> 8
            if mask:
                break
        return mask & 0xFF

    def gic_dist_init(self) -> None:
        self.dist_write(GIC_DIST_CTRL, GICD_DISABLE)
        cpumask = self.gic_get_cpumask()
        cpumask |= cpumask << 8
        cpumask |= cpumask << 16
        for i in range(32, self.gic_irqs, 4):
            self.dist_write(GIC_DIST_TARGET + i, cpumask)
        # gic_dist_config
        for i in range(32, self.gic_irqs, 16):
            self.dist_write(GIC_DIST_CONFIG + i // 4, GICD_INT_ACTLOW_LVLTRIG)
        for i in range(32, self.gic_irqs, 4):
            self.dist_write(GIC_DIST_PRI + i, GICD_INT_DEF_PRI_X4)
        for i in range(32, self.gic_irqs, 32):
            self.dist_write(GIC_DIST_ENABLE_CLEAR + i // 8, GICD_INT_EN_CLR_X32)
        self.dist_write(GIC_DIST_CTRL, GICD_ENABLE)

    def gic_cpu_init(self) -> None:
        """Run on each CPU as it comes up (gic_starting_cpu for secondaries)."""
        cpu = self._cpu()
        cpu_mask = self.gic_get_cpumask()
        self.cpu_map[cpu] = cpu_mask
        for i in range(NR_GIC_CPU_IF):
            if i != cpu:
                self.cpu_map[i] &= ~cpu_mask
        # gic_cpu_config
        self.dist_write(GIC_DIST_ENABLE_CLEAR, GICD_INT_EN_CLR_PPI)
        self.dist_write(GIC_DIST_ENABLE_SET, GICD_INT_EN_SET_SGI)
        for i in range(0, 32, 4):
            self.dist_write(GIC_DIST_PRI + i, GICD_INT_DEF_PRI_X4)
        self.cpu_write(GIC_CPU_PRIMASK, GICC_INT_PRI_THRESHOLD)
        # gic_cpu_if_up
        bypass = self.cpu_read(GIC_CPU_CTRL) & GICC_DIS_BYPASS_MASK
        self.cpu_write(GIC_CPU_CTRL, bypass | GICC_ENABLE)

    def starting_cpu(self) -> None:
        """gic_starting_cpu: this CPU's interface comes up."""
        self.gic_cpu_init()

    # -- domain ops ---------------------------------------------------------------------------
    def translate(self, domain: IrqDomain, fwspec: IrqFwspec) -> tuple[int, int, int]:
        p = fwspec.param
        if len(p) < 3:
            return 0, 0, -22
        hwirq = p[1] + 16
        if not p[0]:
            hwirq += 16
        return hwirq, p[2] & IRQ_TYPE_SENSE_MASK, 0

    def alloc(self, domain: IrqDomain, virq: int, nr: int, fwspec: IrqFwspec) -> int:
        hwirq, _type, ret = self.translate(domain, fwspec)
        if ret:
            return ret
        for i in range(nr):
            self.gic_irq_domain_map(domain, virq + i, hwirq + i)
        return 0

    def gic_irq_domain_map(self, domain: IrqDomain, irq: int, hw: int) -> int:
        k = self.kernel
        desc = k.irq_descs[irq]
        if hw < 32:
            irq_set_percpu_devid(desc)
            irq_domain_set_info(domain, irq, hw, self.chip, self, handle_percpu_devid_irq)
            desc.status_use_accessors |= IRQ_NOAUTOEN
        else:
            irq_domain_set_info(domain, irq, hw, self.chip, self, handle_fasteoi_irq)
            desc.status_use_accessors &= ~IRQ_NOPROBE  # irq_set_probe
        return 0

    # -- conveniences ---------------------------------------------------------------------------
    def map_spi(self, spi: int, type_: int = IRQ_TYPE_LEVEL_HIGH) -> int:
        """Map device-tree SPI ``spi`` (GIC ID spi+32): the virq (like of_irq_get)."""
        assert self.domain is not None
        return irq_create_fwspec_mapping(self.domain, IrqFwspec("gic", (0, spi, type_)))

    def map_ppi(self, ppi: int, type_: int = IRQ_TYPE_EDGE_RISING) -> int:
        assert self.domain is not None
        return irq_create_fwspec_mapping(self.domain, IrqFwspec("gic", (1, ppi, type_)))


def gic_of_init(kernel: Kernel, io: ChipIO, dist_base: int = 0x00A01000,
                cpu_base: int = 0x00A00100, *, init_all_cpus: bool = True,
                fwnode: str = "/interrupt-controller@00a01000") -> GicChipData:
    """__gic_init_bases for the primary GIC: read GICD_TYPER, init the distributor
    and (by default) every CPU interface, create the domain, set_handle_irq."""
    gic = GicChipData(kernel, io, dist_base, cpu_base)
    with kernel.on_cpu(0):
        gic_irqs = (gic.dist_read(GIC_DIST_CTR) & 0x1F)
        gic_irqs = (gic_irqs + 1) * 32
        gic.gic_irqs = min(gic_irqs, 1020)
        ops = IrqDomainOps(translate=gic.translate, alloc=gic.alloc)
        gic.domain = irq_domain_add_hierarchy(kernel, None, "GIC", gic.gic_irqs, ops,
                                              host_data=gic, fwnode=fwnode)
        kernel.set_handle_irq(gic.gic_handle_irq, fast=gic.gic_handle_irq_fast)
        kernel.irqchip = gic
        gic.gic_dist_init()
    if init_all_cpus:
        for cpu in range(kernel.num_cpus):
            with kernel.on_cpu(cpu):
                gic.gic_cpu_init()
    return gic

