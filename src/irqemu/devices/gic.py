"""ARM Generic Interrupt Controller as built into the Cortex-A9 MPCore (i.MX6Q).

Names follow the GIC Architecture Specification (IHI 0048B); behaviour follows
QEMU's hw/intc/arm_gic.c for the A9 flavour: SGIs and PPIs banked per CPU,
SPIs routed by GICD_ITARGETSRn (1-of-N: one pending/active state shared by the
targets), 5 implemented priority bits, EOImode 0 (EOIR drops priority and
deactivates), security extensions with every access treated as Secure.

State is kept as bit sets (Python ints): bits 0-31 are banked per CPU, bits
32.. are shared. Bit and byte registers (GICD_ISENABLERn, GICD_IPRIORITYRn,
...) are declared one byte wide, so any access width is split into bytes the
way QEMU's gic_dist_writeb does and no read-modify-write of banked state occurs;
``index`` in their handlers is therefore a byte index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from irqemu.devices.base import CPU_FIQ, CPU_IRQ, Device, MachineContext
from irqemu.devices.regmap import Reg
from irqemu.hw.gic import (
    GIC_CTLR_ENABLE_GRP0,
    GIC_CTLR_ENABLE_GRP1,
    GICC_ABPR,
    GICC_BPR,
    GICC_CTLR,
    GICC_CTLR_ACKCTL,
    GICC_CTLR_CBPR,
    GICC_CTLR_FIQEN,
    GICC_EOIR,
    GICC_HPPIR,
    GICC_IAR,
    GICC_IAR_INT_ID_MASK,
    GICC_IIDR,
    GICC_INT_SPURIOUS,
    GICC_INT_SPURIOUS_GRP1,
    GICC_PMR,
    GICC_RPR,
    GICD_CPENDSGIR,
    GICD_CTLR,
    GICD_ICACTIVER,
    GICD_ICENABLER,
    GICD_ICFGR,
    GICD_ICPENDR,
    GICD_IGROUPR,
    GICD_IIDR,
    GICD_IPRIORITYR,
    GICD_ISACTIVER,
    GICD_ISENABLER,
    GICD_ISPENDR,
    GICD_ITARGETSR,
    GICD_PIDR4,
    GICD_SGIR,
    GICD_SPENDSGIR,
    GICD_TYPER,
)

SPURIOUS = GICC_INT_SPURIOUS  #: GICC_IAR: nothing to acknowledge
SPURIOUS_GRP1 = GICC_INT_SPURIOUS_GRP1  #: Secure GICC_IAR with a Group 1 interrupt and AckCtl=0
IDLE_PRIORITY = 0x100  #: running priority when nothing is active (GICC_RPR reads 0xFF)

SGI_BITS = 0xFFFF
#: Cortex-A9 GICD_ICFGR1 (IDs 16-31), read-only: global timer (27), private timer (29)
#: and watchdog (30) are rising-edge; legacy nFIQ (28) and nIRQ (31) are level.
A9_PPI_ICFGR = 0x7DC00000
#: the private interrupts that A9_PPI_ICFGR makes edge-triggered (SGIs always are)
PRIV_EDGE = SGI_BITS | (1 << 27) | (1 << 29) | (1 << 30)

CTLR_EN_GRP0, CTLR_EN_GRP1 = GIC_CTLR_ENABLE_GRP0, GIC_CTLR_ENABLE_GRP1
CTLR_ACKCTL, CTLR_FIQEN, CTLR_CBPR = GICC_CTLR_ACKCTL, GICC_CTLR_FIQEN, GICC_CTLR_CBPR

#: GICv1-style identification (QEMU gic_id_gicv1): PIDR4-7, PIDR0-3, CIDR0-3.
_ID_REGS = (0x04, 0, 0, 0, 0x90, 0xB3, 0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1)

_FIELDS = ("en", "pend", "act", "grp", "level")


def _bits(mask: int) -> list[int]:
    """Indices of the set bits of ``mask``, lowest first."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


class GICv2:
    """The distributor and CPU interfaces, their state, and the IRQ/FIQ outputs."""

    def __init__(
        self,
        machine: MachineContext,
        base: int = 0x00A01000,
        name: str = "gic",
        *,
        cpu_if_base: int = 0x00A00100,
        num_cpus: int | None = None,
        num_irqs: int = 160,
        security_extensions: bool = True,
        priority_bits: int = 5,
        gicd_iidr: int = 0x0102043B,
        gicc_iidr: int = 0x3901243B,
        ppi_icfgr: int = A9_PPI_ICFGR,
        groups: bool | None = None,
        id_regs: tuple[int, ...] = _ID_REGS,
    ) -> None:
        if num_irqs % 32 or not 32 <= num_irqs <= 992:
            raise ValueError("num_irqs must be a multiple of 32 in 32..992")
        self.machine = machine
        self.name = name
        self.num_cpus = machine.num_cpus if num_cpus is None else num_cpus
        self.num_irqs = num_irqs
        self.security = security_extensions
        #: interrupt groups (IGROUPR, GICC_CTLR group bits): a GICv2 always has them;
        #: a GICv1 only with the Security Extensions (QEMU's gic_has_groups)
        self.groups = security_extensions if groups is None else groups
        #: GICD_ICFGR1, read-only on this implementation: which PPIs are edge-triggered
        #: (Cortex-A9: 27, 29, 30 edge; QEMU's virt GICv2: all level, 0)
        self.ppi_icfgr = ppi_icfgr
        self.priv_edge = SGI_BITS | sum(1 << (16 + i) for i in range(16)
                                        if ppi_icfgr >> (2 * i + 1) & 1)
        self._priv_level = ~self.priv_edge & 0xFFFFFFFF
        self.id_regs = id_regs
        self.prio_mask = (0xFF << (8 - priority_bits)) & 0xFF
        self._prio_shift = 8 - priority_bits
        #: smallest GICC_BPR value: group priority = all implemented bits
        self.min_bpr = max(7 - priority_bits, 0)  # BPR is a 3-bit field: 0 with 8 bits
        self.gicd_iidr = gicd_iidr
        self.gicc_iidr = gicc_iidr
        self._valid = (1 << self.num_irqs) - 1
        self._all_cpus = (1 << self.num_cpus) - 1
        self.ack_counts: dict[int, list[int]] = {}
        self.spurious_count = [0] * self.num_cpus
        self._out = [[False, False] for _ in range(self.num_cpus)]
        #: per CPU, the (id, priority) of its best candidate at the last _update
        self._best_of: list[tuple[int, int]] = [(SPURIOUS, IDLE_PRIORITY)] * self.num_cpus
        self.distributor = GICDistributor(machine, base, f"{name}.dist", self)
        self.cpu_interface = GICCPUInterface(machine, cpu_if_base, f"{name}.cpu", self)
        self.reset()

    @property
    def regions(self) -> tuple[Device, Device]:
        """Both MMIO regions, for a board to map at their bases."""
        return (self.distributor, self.cpu_interface)

    def reset(self) -> None:
        n = self.num_cpus
        self._priv = {f: [0] * n for f in _FIELDS}
        self._spi = dict.fromkeys(_FIELDS, 0)
        self._priv["en"] = [SGI_BITS] * n  # A9: SGIs are always enabled (RAO/WI)
        self._edge_spi = 0
        self._prio_priv = [[0] * 32 for _ in range(n)]
        self._prio_spi = [0] * self.num_irqs
        self._targets = [0] * self.num_irqs
        self._tmask = [0] * n  # per CPU: SPIs whose GICD_ITARGETSR names it
        self._sgi_src = [[0] * 16 for _ in range(n)]
        self.dctlr = 0
        self.cctlr = [0] * n
        self.pmr = [0] * n
        self.bpr = [self.min_bpr] * n
        self.abpr = [self.min_bpr + 1] * n
        self._apr = [0] * n  # active group-priority levels, bit = priority >> shift
        for dev in (self.distributor, self.cpu_interface):
            dev.regs.reset()
        self._update()

    # -- inputs --------------------------------------------------------------
    def input(self, irq_id: int, cpu: int | None = None) -> Callable[[bool], None]:
        """A sink for an IrqLine driving PPI ``irq_id`` of ``cpu`` or SPI ``irq_id``."""
        self._check_input(irq_id, cpu)
        drive = self._drive

        def sink(level: bool) -> None:
            drive(irq_id, level, cpu)

        return sink

    def _check_input(self, irq_id: int, cpu: int | None) -> None:
        if not 16 <= irq_id < self.num_irqs:
            raise ValueError(f"{self.name}: no input for interrupt {irq_id}")
        if irq_id < 32 and (cpu is None or not 0 <= cpu < self.num_cpus):
            raise ValueError(f"{self.name}: PPI {irq_id} needs a cpu")

    def set_irq(self, irq_id: int, level: bool, cpu: int | None = None) -> None:
        """Drive an interrupt input: edge-triggered ones latch pending on a rising edge."""
        self._check_input(irq_id, cpu)
        self._drive(irq_id, level, cpu)

    def _drive(self, irq_id: int, level: bool, cpu: int | None) -> None:
        """``set_irq`` after its argument checks (``input`` checked them once)."""
        bit = 1 << irq_id
        if irq_id < 32:
            assert cpu is not None
            levels = self._priv["level"]
            old = levels[cpu] & bit
            if bool(old) == bool(level):
                return
            levels[cpu] ^= bit
            if self.priv_edge & bit:
                if not level:
                    return  # a falling edge changes nothing an edge-triggered input shows
                self._priv["pend"][cpu] |= bit
            self._update(1 << cpu)
        else:
            old = self._spi["level"] & bit
            if bool(old) == bool(level):
                return
            self._spi["level"] ^= bit
            if self._edge_spi & bit:
                if not level:
                    return
                self._spi["pend"] |= bit
            self._update(self._targets[irq_id])

    # -- bit-set helpers -----------------------------------------------------
    def _view(self, field: str, cpu: int) -> int:
        return self._priv[field][cpu] | self._spi[field]

    def _set_bits(self, field: str, cpu: int, first: int, mask: int, on: bool) -> None:
        """Set or clear ``mask`` (bits relative to ID ``first``) in banked/shared state."""
        bits = (mask << first) & self._valid
        if first < 32:
            arr = self._priv[field]
            arr[cpu] = arr[cpu] | bits if on else arr[cpu] & ~bits
        else:
            self._spi[field] = self._spi[field] | bits if on else self._spi[field] & ~bits

    def _byte(self, field: str, cpu: int, first: int) -> int:
        return (self._view(field, cpu) >> first) & 0xFF

    def _edge(self) -> int:
        return self.priv_edge | self._edge_spi

    def _pending(self, cpu: int) -> int:
        """Pending for ``cpu``: latched pending, plus asserted level-sensitive inputs."""
        lvl = self._priv_level
        priv = self._priv["pend"][cpu] | (self._priv["level"][cpu] & lvl)
        spi = self._spi["pend"] | (self._spi["level"] & ~self._edge_spi)
        return priv | (spi & self._tmask[cpu])

    def _pending_any(self, cpu: int) -> int:
        """GICD_ISPENDR view: SPIs pending regardless of their targets."""
        spi = self._spi["pend"] | (self._spi["level"] & ~self._edge_spi)
        return (self._pending(cpu) & 0xFFFFFFFF) | (spi & ~0xFFFFFFFF)

    def priority(self, irq_id: int, cpu: int) -> int:
        return self._prio_priv[cpu][irq_id] if irq_id < 32 else self._prio_spi[irq_id]

    def group(self, irq_id: int, cpu: int) -> int:
        return (self._view("grp", cpu) >> irq_id) & 1

    def _group_prio(self, irq_id: int, cpu: int) -> int:
        """Group priority: the priority bits above the applicable binary point."""
        if self.groups and self.group(irq_id, cpu) and not self.cctlr[cpu] & CTLR_CBPR:
            bpr = self.abpr[cpu] - 1
        else:
            bpr = self.bpr[cpu]
        return self.priority(irq_id, cpu) & ((0xFF << (bpr + 1)) & 0xFF)

    def running_priority(self, cpu: int) -> int:
        apr = self._apr[cpu]
        return ((apr & -apr).bit_length() - 1) << self._prio_shift if apr else IDLE_PRIORITY

    # -- prioritisation --------------------------------------------------------
    def _candidates(self, cpu: int) -> int:
        """Enabled, pending, inactive interrupts whose group both ends forward to ``cpu``.

        Written out flat (it runs several times per interrupt): the same as
        ``_view("en") & _pending() & ~_view("act") & forwarded groups``.
        """
        en = self.dctlr & self.cctlr[cpu]
        if not en & (CTLR_EN_GRP0 | CTLR_EN_GRP1):
            return 0
        p, s = self._priv, self._spi
        grp = p["grp"][cpu] | s["grp"]
        fwd = (~grp if en & CTLR_EN_GRP0 else 0) | (grp if en & CTLR_EN_GRP1 else 0)
        pend = (p["pend"][cpu] | (p["level"][cpu] & self._priv_level)
                | ((s["pend"] | (s["level"] & ~self._edge_spi)) & self._tmask[cpu]))
        act = p["act"][cpu] | s["act"]
        return (p["en"][cpu] | s["en"]) & pend & ~act & fwd & self._valid

    def _best(self, cpu: int) -> tuple[int, int]:
        """(id, priority) of the highest-priority candidate (lowest ID on ties)."""
        cand = self._candidates(cpu)
        if not cand:
            return SPURIOUS, IDLE_PRIORITY
        if not cand & (cand - 1):  # the common case: exactly one candidate
            irq = cand.bit_length() - 1
            return irq, self.priority(irq, cpu)
        best, best_prio = SPURIOUS, IDLE_PRIORITY
        for irq in _bits(cand):
            p = self.priority(irq, cpu)
            if p < best_prio:
                best, best_prio = irq, p
        return best, best_prio

    def highest_pending(self, cpu: int) -> int | None:
        """The interrupt GICC_IAR would consider for ``cpu`` before PMR/preemption checks."""
        irq, _ = self._best(cpu)
        return None if irq == SPURIOUS else irq

    def _signal(self, cpu: int) -> tuple[bool, bool]:
        """(IRQ, FIQ) levels for ``cpu`` as the spec's signalling rules give them."""
        irq, prio = self._best_of[cpu] = self._best(cpu)
        if irq == SPURIOUS or prio >= self.pmr[cpu] or prio >= self.running_priority(cpu):
            return False, False
        fiq = not self.group(irq, cpu) and bool(self.cctlr[cpu] & CTLR_FIQEN)
        return not fiq, fiq

    def _update(self, cpus: int | None = None) -> None:
        """Recompute the outputs of ``cpus`` (a CPU bit mask; all by default) and
        drive only the lines that change.

        Callers pass the CPUs a change can affect: a PPI's own CPU, an SPI's
        targets, the CPU interface that was accessed. A CPU left out keeps its
        outputs, which is exact because its inputs to ``_signal`` did not change.
        """
        if cpus is None:
            which: Iterable[int] = range(self.num_cpus)
        elif cpus & (cpus - 1) == 0:  # one CPU, the common case: no bit loop
            which = (cpus.bit_length() - 1,) if cpus & self._all_cpus else ()
        else:
            which = _bits(cpus & self._all_cpus)
        for cpu in which:
            levels = self._signal(cpu)
            out = self._out[cpu]
            for line, level in ((CPU_IRQ, levels[0]), (CPU_FIQ, levels[1])):
                if out[line] != level:
                    out[line] = level
                    self.machine.set_cpu_input(cpu, line, level)

    def outputs(self, cpu: int) -> tuple[bool, bool]:
        """The (IRQ, FIQ) levels last driven to ``cpu``."""
        return self._out[cpu][CPU_IRQ], self._out[cpu][CPU_FIQ]

    # -- CPU interface operations ------------------------------------------------
    def _visible_pending(self, cpu: int) -> tuple[int, int]:
        """(id or 1022/1023, priority) as GICC_IAR/HPPIR see it (PMR applied).

        Uses the best candidate ``_update`` last computed for this CPU: every state
        change is followed by an ``_update`` of the CPUs it can affect.
        """
        irq, prio = self._best_of[cpu]
        if irq == SPURIOUS or prio >= self.pmr[cpu]:
            return SPURIOUS, prio
        if self.groups and self.group(irq, cpu) and not self.cctlr[cpu] & CTLR_ACKCTL:
            return SPURIOUS_GRP1, prio
        return irq, prio

    def acknowledge(self, cpu: int) -> int:
        """GICC_IAR read: activate the highest-priority pending interrupt."""
        irq, prio = self._visible_pending(cpu)
        if irq < SPURIOUS_GRP1 and prio >= self.running_priority(cpu):
            irq = SPURIOUS
        if irq >= SPURIOUS_GRP1:
            self.spurious_count[cpu] += 1
            return irq
        self._apr[cpu] |= 1 << (self._group_prio(irq, cpu) >> self._prio_shift)
        self._set_bits("act", cpu, irq, 1, True)
        ret = irq
        if irq < 16:
            srcs = self._sgi_src[cpu]
            src = (srcs[irq] & -srcs[irq]).bit_length() - 1
            srcs[irq] &= srcs[irq] - 1
            if not srcs[irq]:
                self._set_bits("pend", cpu, irq, 1, False)
            ret |= (src & 7) << 10
        else:
            self._set_bits("pend", cpu, irq, 1, False)
        self.ack_counts.setdefault(irq, [0] * self.num_cpus)[cpu] += 1
        # An SPI is active for all its targets at once (1-of-N): they all see it.
        self._update(1 << cpu if irq < 32 else (1 << cpu) | self._targets[irq])
        return ret

    def end_of_interrupt(self, cpu: int, value: int) -> None:
        """GICC_EOIR write (EOImode 0): drop the running priority and deactivate."""
        irq = value & GICC_IAR_INT_ID_MASK
        if irq >= self.num_irqs or not self._apr[cpu]:
            return
        self._apr[cpu] &= self._apr[cpu] - 1
        self._set_bits("act", cpu, irq, 1, False)
        self._update(1 << cpu if irq < 32 else (1 << cpu) | self._targets[irq])

    def highest_pending_id(self, cpu: int) -> int:
        """GICC_HPPIR read: like GICC_IAR without side effects."""
        irq, _ = self._visible_pending(cpu)
        if irq < 16:
            srcs = self._sgi_src[cpu][irq]
            irq |= (((srcs & -srcs).bit_length() - 1) & 7) << 10
        return irq

    def send_sgi(self, cpu: int, value: int) -> None:
        """GICD_SGIR write from ``cpu``: filter 0 = target list, 1 = others, 2 = self."""
        sgi, tlist, filt = value & 0xF, (value >> 16) & 0xFF, (value >> 24) & 3
        nsatt = (value >> 15) & 1
        targets = (tlist, self._all_cpus & ~(1 << cpu), 1 << cpu, 0)[filt] & self._all_cpus
        for t in _bits(targets):
            if self.security and self.group(sgi, t) != nsatt:
                continue  # NSATT selects which group's SGIs a Secure write may set
            self._sgi_src[t][sgi] |= 1 << cpu
            self._priv["pend"][t] |= 1 << sgi
        self._update(targets)

    def set_targets(self, irq: int, value: int) -> None:
        self._targets[irq] = value & self._all_cpus
        for c in range(self.num_cpus):
            if value >> c & 1:
                self._tmask[c] |= 1 << irq
            else:
                self._tmask[c] &= ~(1 << irq)


class _GICPart(Device):
    """A GIC MMIO region that keeps its state in the shared GICv2 object."""

    def __init__(self, machine: MachineContext, base: int, name: str, gic: GICv2) -> None:
        self.gic = gic
        super().__init__(machine, base, name)


class GICDistributor(_GICPart):
    """GICD_* registers (4 KiB at 0x00A01000 on i.MX6Q)."""

    SIZE = 0x1000
    REGS = (
        Reg(GICD_CTLR, "GICD_CTLR", doc="EnableGrp0 bit0, EnableGrp1 bit1"),
        Reg(GICD_TYPER, "GICD_TYPER", access="r"),
        Reg(GICD_IIDR, "GICD_IIDR", access="r"),
        Reg(GICD_IGROUPR, "GICD_IGROUPRn", width=1, count=128),
        Reg(GICD_ISENABLER, "GICD_ISENABLERn", width=1, count=128),
        Reg(GICD_ICENABLER, "GICD_ICENABLERn", width=1, count=128),
        Reg(GICD_ISPENDR, "GICD_ISPENDRn", width=1, count=128),
        Reg(GICD_ICPENDR, "GICD_ICPENDRn", width=1, count=128),
        Reg(GICD_ISACTIVER, "GICD_ISACTIVERn", width=1, count=128),
        Reg(GICD_ICACTIVER, "GICD_ICACTIVERn", width=1, count=128),
        Reg(GICD_IPRIORITYR, "GICD_IPRIORITYRn", width=1, count=1020),
        Reg(GICD_ITARGETSR, "GICD_ITARGETSRn", width=1, count=1020),
        Reg(GICD_ICFGR, "GICD_ICFGRn", width=1, count=256, doc="byte n: IDs 4n..4n+3"),
        Reg(GICD_SGIR, "GICD_SGIR", access="w"),
        Reg(GICD_CPENDSGIR, "GICD_CPENDSGIRn", width=1, count=16, doc="byte n: SGI n sources"),
        Reg(GICD_SPENDSGIR, "GICD_SPENDSGIRn", width=1, count=16),
        Reg(GICD_PIDR4, "GICD_IDn", access="r", count=12, doc="PIDR4-7, PIDR0-3, CIDR0-3"),
    )

    def _first(self, index: int, per_byte: int = 8) -> int | None:
        """First interrupt ID covered by byte ``index``, or None beyond num_irqs."""
        first = index * per_byte
        return first if first < self.gic.num_irqs else None

    def read_GICD_CTLR(self, cpu: int, index: int) -> int:
        return self.gic.dctlr

    def write_GICD_CTLR(self, cpu: int, index: int, value: int) -> None:
        self.gic.dctlr = value & (3 if self.gic.groups else 1)
        self.gic._update()

    def read_GICD_TYPER(self, cpu: int, index: int) -> int:
        g = self.gic
        sec = (1 << 10) | (0x1F << 11) if g.security else 0  # SecurityExtn, LSPI = 31
        return (g.num_irqs // 32 - 1) | ((g.num_cpus - 1) << 5) | sec

    def read_GICD_IIDR(self, cpu: int, index: int) -> int:
        return self.gic.gicd_iidr

    def read_GICD_IDn(self, cpu: int, index: int) -> int:
        return self.gic.id_regs[index]

    # bit registers: one byte = eight interrupts
    def read_GICD_IGROUPRn(self, cpu: int, index: int) -> int:
        first = self._first(index)
        return 0 if first is None or not self.gic.groups else self.gic._byte("grp", cpu, first)

    def write_GICD_IGROUPRn(self, cpu: int, index: int, value: int) -> None:
        first = self._first(index)
        if first is None or not self.gic.groups:
            return
        self.gic._set_bits("grp", cpu, first, 0xFF, False)
        self.gic._set_bits("grp", cpu, first, value, True)
        self.gic._update()

    def _read_bits(self, field: str, cpu: int, index: int) -> int:
        first = self._first(index)
        return 0 if first is None else self.gic._byte(field, cpu, first)

    def _write_bits(self, field: str, cpu: int, index: int, value: int, on: bool) -> None:
        first = self._first(index)
        if first is None:
            return
        if first < 16 and field in ("en", "pend"):
            value = 0  # SGIs: enables are RAO/WI, pending goes through GICD_SGIR/SPENDSGIR
        self.gic._set_bits(field, cpu, first, value, on)
        self.gic._update()

    def read_GICD_ISENABLERn(self, cpu: int, index: int) -> int:
        return self._read_bits("en", cpu, index)

    read_GICD_ICENABLERn = read_GICD_ISENABLERn

    def write_GICD_ISENABLERn(self, cpu: int, index: int, value: int) -> None:
        self._write_bits("en", cpu, index, value, True)

    def write_GICD_ICENABLERn(self, cpu: int, index: int, value: int) -> None:
        self._write_bits("en", cpu, index, value, False)

    def read_GICD_ISPENDRn(self, cpu: int, index: int) -> int:
        first = self._first(index)
        return 0 if first is None else (self.gic._pending_any(cpu) >> first) & 0xFF

    read_GICD_ICPENDRn = read_GICD_ISPENDRn

    def write_GICD_ISPENDRn(self, cpu: int, index: int, value: int) -> None:
        self._write_bits("pend", cpu, index, value, True)

    def write_GICD_ICPENDRn(self, cpu: int, index: int, value: int) -> None:
        self._write_bits("pend", cpu, index, value, False)

    def read_GICD_ISACTIVERn(self, cpu: int, index: int) -> int:
        return self._read_bits("act", cpu, index)

    read_GICD_ICACTIVERn = read_GICD_ISACTIVERn

    def write_GICD_ISACTIVERn(self, cpu: int, index: int, value: int) -> None:
        self._write_bits("act", cpu, index, value, True)

    def write_GICD_ICACTIVERn(self, cpu: int, index: int, value: int) -> None:
        self._write_bits("act", cpu, index, value, False)

    # byte registers: one byte = one interrupt
    def read_GICD_IPRIORITYRn(self, cpu: int, index: int) -> int:
        return self.gic.priority(index, cpu) if index < self.gic.num_irqs else 0

    def write_GICD_IPRIORITYRn(self, cpu: int, index: int, value: int) -> None:
        g = self.gic
        if index >= g.num_irqs:
            return
        value &= g.prio_mask  # unimplemented low bits are RAZ/WI
        if index < 32:
            g._prio_priv[cpu][index] = value
        else:
            g._prio_spi[index] = value
        g._update()

    def read_GICD_ITARGETSRn(self, cpu: int, index: int) -> int:
        if index >= self.gic.num_irqs:
            return 0
        return 1 << cpu if index < 32 else self.gic._targets[index]

    def write_GICD_ITARGETSRn(self, cpu: int, index: int, value: int) -> None:
        if 32 <= index < self.gic.num_irqs:  # IDs 0-31: read-only
            self.gic.set_targets(index, value)
            self.gic._update()

    def read_GICD_ICFGRn(self, cpu: int, index: int) -> int:
        first = self._first(index, 4)
        if first is None:
            return 0
        if first < 16:
            return 0xAA  # SGIs: edge, read-only
        if first < 32:
            return (self.gic.ppi_icfgr >> (2 * (first - 16))) & 0xFF  # PPIs: fixed
        edge = self.gic._edge_spi >> first
        return sum(2 << (2 * i) for i in range(4) if edge >> i & 1)

    def write_GICD_ICFGRn(self, cpu: int, index: int, value: int) -> None:
        first = self._first(index, 4)
        if first is None or first < 32:
            return
        g = self.gic
        for i in range(4):
            bit = 1 << (first + i)
            g._edge_spi = g._edge_spi | bit if value >> (2 * i + 1) & 1 else g._edge_spi & ~bit
        g._update()

    def write_GICD_SGIR(self, cpu: int, index: int, value: int) -> None:
        self.gic.send_sgi(cpu, value)

    def read_GICD_CPENDSGIRn(self, cpu: int, index: int) -> int:
        return self.gic._sgi_src[cpu][index]

    read_GICD_SPENDSGIRn = read_GICD_CPENDSGIRn

    def _sgi_pending(self, cpu: int, index: int, value: int, on: bool) -> None:
        g = self.gic
        srcs = g._sgi_src[cpu]
        value &= g._all_cpus
        srcs[index] = srcs[index] | value if on else srcs[index] & ~value
        g._set_bits("pend", cpu, index, 1, bool(srcs[index]))
        g._update()

    def write_GICD_SPENDSGIRn(self, cpu: int, index: int, value: int) -> None:
        self._sgi_pending(cpu, index, value, True)

    def write_GICD_CPENDSGIRn(self, cpu: int, index: int, value: int) -> None:
        self._sgi_pending(cpu, index, value, False)


class GICCPUInterface(_GICPart):
    """GICC_* registers (256 bytes at 0x00A00100 on i.MX6Q), banked by accessing CPU.

    Word accesses are expected; a narrower write merges with the register's reset value
    (every writable GICC register has behaviour, so nothing stores the last word).
    """

    SIZE = 0x100
    REGS = (
        Reg(GICC_CTLR, "GICC_CTLR", doc="Secure view: EnableGrp0, EnableGrp1, AckCtl, FIQEn, CBPR"),
        Reg(GICC_PMR, "GICC_PMR"),
        Reg(GICC_BPR, "GICC_BPR", wmask=7),
        Reg(GICC_IAR, "GICC_IAR", access="r"),
        Reg(GICC_EOIR, "GICC_EOIR", access="w"),
        Reg(GICC_RPR, "GICC_RPR", access="r"),
        Reg(GICC_HPPIR, "GICC_HPPIR", access="r"),
        Reg(GICC_ABPR, "GICC_ABPR", wmask=7),
        Reg(GICC_IIDR, "GICC_IIDR", access="r"),
    )

    def read_GICC_CTLR(self, cpu: int, index: int) -> int:
        return self.gic.cctlr[cpu]

    def write_GICC_CTLR(self, cpu: int, index: int, value: int) -> None:
        self.gic.cctlr[cpu] = value & (0x1F if self.gic.groups else 1)
        self.gic._update(1 << cpu)

    def read_GICC_PMR(self, cpu: int, index: int) -> int:
        return self.gic.pmr[cpu]

    def write_GICC_PMR(self, cpu: int, index: int, value: int) -> None:
        self.gic.pmr[cpu] = value & self.gic.prio_mask
        self.gic._update(1 << cpu)

    def read_GICC_BPR(self, cpu: int, index: int) -> int:
        return self.gic.bpr[cpu]

    def write_GICC_BPR(self, cpu: int, index: int, value: int) -> None:
        self.gic.bpr[cpu] = max(value, self.gic.min_bpr)

    def read_GICC_ABPR(self, cpu: int, index: int) -> int:
        return self.gic.abpr[cpu]

    def write_GICC_ABPR(self, cpu: int, index: int, value: int) -> None:
        self.gic.abpr[cpu] = max(value, self.gic.min_bpr + 1)

    def read_GICC_IAR(self, cpu: int, index: int) -> int:
        return self.gic.acknowledge(cpu)

    def write_GICC_EOIR(self, cpu: int, index: int, value: int) -> None:
        self.gic.end_of_interrupt(cpu, value)

    def read_GICC_RPR(self, cpu: int, index: int) -> int:
        return min(self.gic.running_priority(cpu), 0xFF)

    def read_GICC_HPPIR(self, cpu: int, index: int) -> int:
        return self.gic.highest_pending_id(cpu)

    def read_GICC_IIDR(self, cpu: int, index: int) -> int:
        return self.gic.gicc_iidr
