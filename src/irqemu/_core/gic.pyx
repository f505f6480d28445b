# cython: language_level=3
"""The GICv2 distributor and CPU interfaces, native: ``irqemu.devices.gic.GICv2`` in C.

The same model as the Python one (the executable reference; read it for the
architecture): SGIs and PPIs banked per CPU, SPIs routed 1-of-N by
GICD_ITARGETSR, groups, priorities with PMR, BPR/ABPR and the running priority,
SGI sources, IAR/EOIR/HPPIR, the A9 and virt flavours. Its state is C arrays:
32-ID bitmaps (word 0 banked per CPU, words 1.. shared), a byte per priority
and target, a 256-bit active-priority set per CPU. The engine reaches the
registers through ``NativeDevice.read``/``write`` with no Python per access;
outputs go to ``Fabric.set_cpu_input`` only when a line's level changes, CPU by
CPU in ascending order, IRQ before FIQ, exactly as the reference's ``_update``.

Register accesses of any width split into the registers they cover as
``RegisterFile`` does: bit and byte registers one byte at a time (each byte a
write of its own, with its own output update), word registers once, a narrow
write to a word register merged with its stored value (always the reset value
0: every writable GIC register has a writer that keeps its own state),
undecoded bytes reading zero and ignoring writes, read-only registers ignoring
writes and write-only ones reading zero.
"""

cimport cython
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free
from libc.string cimport memset

from irqemu._core.fabric cimport Fabric, IrqSink, NativeDevice, FABRIC_MAX_CPUS

import irqemu.hw.gic as _hw
from irqemu._core.fabric import Fabric as _Fabric

cdef extern from *:
    int ctz32 "__builtin_ctz" (unsigned int x) nogil
    int ctz64 "__builtin_ctzll" (unsigned long long x) nogil

# -- register offsets (irqemu.hw.gic; checked against it at import) ---------------
cdef enum:
    GICD_CTLR = 0x000
    GICD_TYPER = 0x004
    GICD_IIDR = 0x008
    GICD_IGROUPR = 0x080
    GICD_ISENABLER = 0x100
    GICD_ICENABLER = 0x180
    GICD_ISPENDR = 0x200
    GICD_ICPENDR = 0x280
    GICD_ISACTIVER = 0x300
    GICD_ICACTIVER = 0x380
    GICD_IPRIORITYR = 0x400
    GICD_ITARGETSR = 0x800
    GICD_ICFGR = 0xC00
    GICD_SGIR = 0xF00
    GICD_CPENDSGIR = 0xF10
    GICD_SPENDSGIR = 0xF20
    GICD_PIDR4 = 0xFD0
    GICC_CTLR = 0x00
    GICC_PMR = 0x04
    GICC_BPR = 0x08
    GICC_IAR = 0x0C
    GICC_EOIR = 0x10
    GICC_RPR = 0x14
    GICC_HPPIR = 0x18
    GICC_ABPR = 0x1C
    GICC_IIDR = 0xFC
    GICC_IAR_INT_ID_MASK = 0x3FF
    GICC_INT_SPURIOUS = 1023
    GICC_INT_SPURIOUS_GRP1 = 1022
    GIC_CTLR_ENABLE_GRP0 = 1
    GIC_CTLR_ENABLE_GRP1 = 2
    GICC_CTLR_ACKCTL = 4
    GICC_CTLR_FIQEN = 8
    GICC_CTLR_CBPR = 16

_HW_NAMES = {
    "GICD_CTLR": GICD_CTLR, "GICD_TYPER": GICD_TYPER, "GICD_IIDR": GICD_IIDR,
    "GICD_IGROUPR": GICD_IGROUPR, "GICD_ISENABLER": GICD_ISENABLER,
    "GICD_ICENABLER": GICD_ICENABLER, "GICD_ISPENDR": GICD_ISPENDR,
    "GICD_ICPENDR": GICD_ICPENDR, "GICD_ISACTIVER": GICD_ISACTIVER,
    "GICD_ICACTIVER": GICD_ICACTIVER, "GICD_IPRIORITYR": GICD_IPRIORITYR,
    "GICD_ITARGETSR": GICD_ITARGETSR, "GICD_ICFGR": GICD_ICFGR, "GICD_SGIR": GICD_SGIR,
    "GICD_CPENDSGIR": GICD_CPENDSGIR, "GICD_SPENDSGIR": GICD_SPENDSGIR,
    "GICD_PIDR4": GICD_PIDR4, "GICC_CTLR": GICC_CTLR, "GICC_PMR": GICC_PMR,
    "GICC_BPR": GICC_BPR, "GICC_IAR": GICC_IAR, "GICC_EOIR": GICC_EOIR, "GICC_RPR": GICC_RPR,
    "GICC_HPPIR": GICC_HPPIR, "GICC_ABPR": GICC_ABPR, "GICC_IIDR": GICC_IIDR,
    "GICC_IAR_INT_ID_MASK": GICC_IAR_INT_ID_MASK, "GICC_INT_SPURIOUS": GICC_INT_SPURIOUS,
    "GICC_INT_SPURIOUS_GRP1": GICC_INT_SPURIOUS_GRP1,
    "GIC_CTLR_ENABLE_GRP0": GIC_CTLR_ENABLE_GRP0, "GIC_CTLR_ENABLE_GRP1": GIC_CTLR_ENABLE_GRP1,
    "GICC_CTLR_ACKCTL": GICC_CTLR_ACKCTL, "GICC_CTLR_FIQEN": GICC_CTLR_FIQEN,
    "GICC_CTLR_CBPR": GICC_CTLR_CBPR,
}
for _n, _v in _HW_NAMES.items():
    if getattr(_hw, _n) != _v:
        raise ImportError(f"irqemu._core.gic: {_n} is {getattr(_hw, _n):#x} in irqemu.hw.gic")
# the decoder below relies on the bit-register banks being 128 bytes apart from GICD_IGROUPR
if [getattr(_hw, n) for n in ("GICD_IGROUPR", "GICD_ISENABLER", "GICD_ICENABLER",
                              "GICD_ISPENDR", "GICD_ICPENDR", "GICD_ISACTIVER",
                              "GICD_ICACTIVER", "GICD_IPRIORITYR")] != list(range(0x80, 0x480, 0x80)):
    raise ImportError("irqemu._core.gic: the GICD bit-register banks moved")

cdef enum:
    CPU_IRQ = 0                     # irqemu.devices.base.CPU_IRQ / CPU_FIQ
    CPU_FIQ = 1
    IDLE_PRIORITY = 0x100           # running priority with nothing active
    SGI_BITS = 0xFFFF

#: Cortex-A9 GICD_ICFGR1 (IDs 16-31): 27, 29, 30 rising-edge, 28 and 31 level
A9_PPI_ICFGR = 0x7DC00000
_ID_REGS = (0x04, 0, 0, 0, 0x90, 0xB3, 0x1B, 0x00, 0x0D, 0xF0, 0x05, 0xB1)

# register kinds: the distributor's, then the CPU interface's (at their offset / 4)
cdef enum:
    D_CTLR, D_TYPER, D_IIDR
    D_IGROUPR, D_ISENABLER, D_ICENABLER, D_ISPENDR, D_ICPENDR, D_ISACTIVER, D_ICACTIVER
    D_IPRIORITYR, D_ITARGETSR, D_ICFGR, D_SGIR, D_CPENDSGIR, D_SPENDSGIR, D_ID
    C_CTLR, C_PMR, C_BPR, C_IAR, C_EOIR, C_RPR, C_HPPIR, C_ABPR, C_IIDR
    N_KINDS

cdef enum:
    ACC_RW = 0
    ACC_R = 1                       # writes ignored
    ACC_W = 2                       # reads as zero

cdef uint8_t WIDTH[N_KINDS]
cdef uint8_t ACCESS[N_KINDS]
cdef uint32_t ACCEPTED[N_KINDS]     # the bits of a written value the register's writer sees


cdef void _init_tables() noexcept:
    cdef int k
    for k in range(N_KINDS):
        WIDTH[k], ACCESS[k], ACCEPTED[k] = 4, ACC_RW, 0xFFFFFFFF
    for k in range(D_IGROUPR, D_SGIR):
        WIDTH[k], ACCEPTED[k] = 1, 0xFF
    for k in (D_CPENDSGIR, D_SPENDSGIR):
        WIDTH[k], ACCEPTED[k] = 1, 0xFF
    for k in (D_TYPER, D_IIDR, D_ID, C_IAR, C_RPR, C_HPPIR, C_IIDR):
        ACCESS[k] = ACC_R
    for k in (D_SGIR, C_EOIR):
        ACCESS[k] = ACC_W
    ACCEPTED[C_BPR] = ACCEPTED[C_ABPR] = 7


_init_tables()


cdef inline int _dist_decode(uint64_t off, int *index, uint64_t *start) noexcept:
    """The distributor register covering byte ``off``: its kind (or -1), index, start."""
    if off < GICD_IIDR + 4:
        index[0], start[0] = 0, off & ~(<uint64_t>3)
        return D_CTLR + <int>(off >> 2)
    if off < GICD_IGROUPR:
        return -1
    if off < GICD_IPRIORITYR:  # seven banks of 128 bit-register bytes
        index[0], start[0] = <int>((off - GICD_IGROUPR) & 0x7F), off
        return D_IGROUPR + <int>((off - GICD_IGROUPR) >> 7)
    if off < GICD_IPRIORITYR + 1020:
        index[0], start[0] = <int>(off - GICD_IPRIORITYR), off
        return D_IPRIORITYR
    if GICD_ITARGETSR <= off < GICD_ITARGETSR + 1020:
        index[0], start[0] = <int>(off - GICD_ITARGETSR), off
        return D_ITARGETSR
    if GICD_ICFGR <= off < GICD_ICFGR + 256:
        index[0], start[0] = <int>(off - GICD_ICFGR), off
        return D_ICFGR
    if GICD_SGIR <= off < GICD_SGIR + 4:
        index[0], start[0] = 0, GICD_SGIR
        return D_SGIR
    if GICD_CPENDSGIR <= off < GICD_CPENDSGIR + 16:
        index[0], start[0] = <int>(off - GICD_CPENDSGIR), off
        return D_CPENDSGIR
    if GICD_SPENDSGIR <= off < GICD_SPENDSGIR + 16:
        index[0], start[0] = <int>(off - GICD_SPENDSGIR), off
        return D_SPENDSGIR
    if GICD_PIDR4 <= off < GICD_PIDR4 + 48:
        index[0], start[0] = <int>((off - GICD_PIDR4) >> 2), off & ~(<uint64_t>3)
        return D_ID
    return -1


cdef inline int _cpu_decode(uint64_t off, int *index, uint64_t *start) noexcept:
    """The CPU interface register covering byte ``off``: its kind (or -1)."""
    index[0], start[0] = 0, off & ~(<uint64_t>3)
    if off < GICC_ABPR + 4:
        return C_CTLR + <int>(off >> 2)
    if GICC_IIDR <= off < GICC_IIDR + 4:
        return C_IIDR
    return -1


cdef inline uint64_t _bytes_mask(unsigned n) noexcept:
    return 0xFFFFFFFFFFFFFFFF if n >= 8 else ((<uint64_t>1) << (8 * n)) - 1


@cython.final
cdef class GICInput(IrqSink):
    """One PPI of one CPU, or one SPI, as a sink: a Python IrqLine calls ``sink(level)``,
    a native line ``drive(level)`` in C."""

    cdef int drive(self, bint level) except -1:
        return self.gic.drive(self.irq, level, self.cpu)

    def __call__(self, bint level):
        self.gic.drive(self.irq, level, self.cpu)

    def __repr__(self):
        who = f"cpu{self.cpu} " if self.irq < 32 else ""
        return f"<GICInput {self.gic.name} {who}irq {self.irq}>"


#: the register maps as data, ``(offset, name, width, count)``, as the reference declares
#: them (bit and byte registers one byte wide; tests compare them with its REGS)
GICD_MAP = (
    (GICD_CTLR, "GICD_CTLR", 4, 1), (GICD_TYPER, "GICD_TYPER", 4, 1),
    (GICD_IIDR, "GICD_IIDR", 4, 1), (GICD_IGROUPR, "GICD_IGROUPRn", 1, 128),
    (GICD_ISENABLER, "GICD_ISENABLERn", 1, 128), (GICD_ICENABLER, "GICD_ICENABLERn", 1, 128),
    (GICD_ISPENDR, "GICD_ISPENDRn", 1, 128), (GICD_ICPENDR, "GICD_ICPENDRn", 1, 128),
    (GICD_ISACTIVER, "GICD_ISACTIVERn", 1, 128), (GICD_ICACTIVER, "GICD_ICACTIVERn", 1, 128),
    (GICD_IPRIORITYR, "GICD_IPRIORITYRn", 1, 1020), (GICD_ITARGETSR, "GICD_ITARGETSRn", 1, 1020),
    (GICD_ICFGR, "GICD_ICFGRn", 1, 256), (GICD_SGIR, "GICD_SGIR", 4, 1),
    (GICD_CPENDSGIR, "GICD_CPENDSGIRn", 1, 16), (GICD_SPENDSGIR, "GICD_SPENDSGIRn", 1, 16),
    (GICD_PIDR4, "GICD_IDn", 4, 12),
)
GICC_MAP = (
    (GICC_CTLR, "GICC_CTLR", 4, 1), (GICC_PMR, "GICC_PMR", 4, 1), (GICC_BPR, "GICC_BPR", 4, 1),
    (GICC_IAR, "GICC_IAR", 4, 1), (GICC_EOIR, "GICC_EOIR", 4, 1), (GICC_RPR, "GICC_RPR", 4, 1),
    (GICC_HPPIR, "GICC_HPPIR", 4, 1), (GICC_ABPR, "GICC_ABPR", 4, 1),
    (GICC_IIDR, "GICC_IIDR", 4, 1),
)


cdef class GICDistributor(NativeDevice):
    """GICD_* registers (4 KiB), state in the GICv2 object."""

    SIZE = 0x1000
    REGISTERS = GICD_MAP

    def __init__(self, GICv2 gic, uint64_t base, str name):
        NativeDevice.__init__(self, gic.fabric, base, name)
        self.gic = gic

    cdef uint64_t read(self, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF:
        return self.gic.dist_read(cpu, offset, size)

    cdef int write(self, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1:
        return self.gic.dist_write(cpu, offset, size, value)

    def reset(self):
        """As ``Device.reset`` of the reference's part: the GIC's state is the GICv2's."""


cdef class GICCPUInterface(NativeDevice):
    """GICC_* registers, banked by the accessing CPU; state in the GICv2 object."""

    SIZE = 0x100
    REGISTERS = GICC_MAP

    def __init__(self, GICv2 gic, uint64_t base, str name):
        NativeDevice.__init__(self, gic.fabric, base, name)
        self.gic = gic

    cdef uint64_t read(self, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF:
        return self.gic.cpu_read(cpu, offset, size)

    cdef int write(self, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1:
        return self.gic.cpu_write(cpu, offset, size, value)

    def reset(self):
        """As ``Device.reset`` of the reference's part: the GIC's state is the GICv2's."""


@cython.final
cdef class GICv2:
    """The distributor and CPU interfaces, their state, and the IRQ/FIQ outputs.

    Same constructor and Python API as ``irqemu.devices.gic.GICv2``; the machine
    must carry its native ``Fabric`` as ``machine.fabric``.
    """

    def __cinit__(self):
        self.acks = NULL

    def __dealloc__(self):
        free(self.acks)
        self.acks = NULL

    def __init__(self, machine, uint64_t base=0x00A01000, str name="gic", *,
                 uint64_t cpu_if_base=0x00A00100, num_cpus=None, int num_irqs=160,
                 bint security_extensions=True, int priority_bits=5,
                 gicd_iidr=0x0102043B, gicc_iidr=0x3901243B, ppi_icfgr=A9_PPI_ICFGR,
                 groups=None, id_regs=_ID_REGS):
        if num_irqs % 32 or not 32 <= num_irqs <= GIC_MAX_IRQS:
            raise ValueError("num_irqs must be a multiple of 32 in 32..992")
        fabric = getattr(machine, "fabric", None)
        if not isinstance(fabric, _Fabric):
            raise ValueError(f"{name}: the native GICv2 needs the machine's native Fabric as "
                             f"machine.fabric (got {type(fabric).__name__}); use "
                             "irqemu.devices.gic.GICv2 on a machine without one")
        ncpus = machine.num_cpus if num_cpus is None else num_cpus
        if not 1 <= ncpus <= FABRIC_MAX_CPUS:
            raise ValueError(f"{name}: the native GICv2 has 1 to {FABRIC_MAX_CPUS} CPUs")
        if not 0 <= priority_bits <= 8:
            raise ValueError(f"{name}: priority_bits must be 0..8")
        self.machine = machine
        self.fabric = fabric
        self.name = name
        self.num_cpus = ncpus
        self.num_irqs = num_irqs
        self.nwords = num_irqs // 32
        self.security = security_extensions
        self.groups = security_extensions if groups is None else bool(groups)
        self.ppi_icfgr = ppi_icfgr
        self.ppi_cfg = ppi_icfgr & 0xFFFFFFFF
        cdef int i
        cdef uint32_t edge = SGI_BITS
        for i in range(16):
            if self.ppi_cfg >> (2 * i + 1) & 1:
                edge |= (<uint32_t>1) << (16 + i)
        self.priv_edge = edge
        self.priv_level = ~edge
        self.id_regs = id_regs
        self.n_idr = min(len(id_regs), GIC_NUM_IDR)
        for i in range(self.n_idr):
            self.idr[i] = id_regs[i] & 0xFFFFFFFF
        self.prio_mask = (0xFF << (8 - priority_bits)) & 0xFF
        self.prio_shift = 8 - priority_bits
        self.min_bpr = max(7 - priority_bits, 0)  # BPR is a 3-bit field: 0 with 8 bits
        self.gicd_iidr = gicd_iidr
        self.gicc_iidr = gicc_iidr
        self.d_iidr = gicd_iidr & 0xFFFFFFFF
        self.c_iidr = gicc_iidr & 0xFFFFFFFF
        self.all_cpus = (1 << ncpus) - 1
        free(self.acks)
        self.acks = <uint64_t *>calloc(num_irqs * ncpus, sizeof(uint64_t))
        if self.acks == NULL:
            raise MemoryError()
        memset(self.acked, 0, sizeof(self.acked))
        self.n_acked = 0
        memset(self.spurious, 0, sizeof(self.spurious))
        memset(self.out, 0, sizeof(self.out))
        for i in range(FABRIC_MAX_CPUS):
            self.best_irq[i], self.best_prio[i] = GICC_INT_SPURIOUS, IDLE_PRIORITY
        self.distributor = GICDistributor(self, base, f"{name}.dist")
        self.cpu_interface = GICCPUInterface(self, cpu_if_base, f"{name}.cpu")
        self.reset()

    @property
    def regions(self):
        """Both MMIO regions, for a board to map at their bases."""
        return (self.distributor, self.cpu_interface)

    def reset(self):
        """Reset state (not the statistics nor the last driven outputs), then update."""
        cdef int c
        memset(self.p_en, 0, sizeof(self.p_en))
        memset(self.p_pend, 0, sizeof(self.p_pend))
        memset(self.p_act, 0, sizeof(self.p_act))
        memset(self.p_grp, 0, sizeof(self.p_grp))
        memset(self.p_lvl, 0, sizeof(self.p_lvl))
        memset(self.s_en, 0, sizeof(self.s_en))
        memset(self.s_pend, 0, sizeof(self.s_pend))
        memset(self.s_act, 0, sizeof(self.s_act))
        memset(self.s_grp, 0, sizeof(self.s_grp))
        memset(self.s_lvl, 0, sizeof(self.s_lvl))
        memset(self.s_edge, 0, sizeof(self.s_edge))
        memset(self.tmask, 0, sizeof(self.tmask))
        memset(self.prio_p, 0, sizeof(self.prio_p))
        memset(self.prio_s, 0, sizeof(self.prio_s))
        memset(self.targets, 0, sizeof(self.targets))
        memset(self.sgi_src, 0, sizeof(self.sgi_src))
        memset(self.apr, 0, sizeof(self.apr))
        self.dctlr = 0
        for c in range(FABRIC_MAX_CPUS):
            self.p_en[c] = SGI_BITS  # SGIs are always enabled (RAO/WI)
            self.c_ctlr[c] = 0
            self.c_pmr[c] = 0
            self.c_bpr[c] = self.min_bpr
            self.c_abpr[c] = self.min_bpr + 1
        self.update(self.all_cpus)

    # -- inputs -----------------------------------------------------------------
    def _check_input(self, int irq_id, cpu):
        if not 16 <= irq_id < self.num_irqs:
            raise ValueError(f"{self.name}: no input for interrupt {irq_id}")
        if irq_id < 32 and (cpu is None or not 0 <= cpu < self.num_cpus):
            raise ValueError(f"{self.name}: PPI {irq_id} needs a cpu")

    def input(self, int irq_id, cpu=None):
        """A sink for an IrqLine driving PPI ``irq_id`` of ``cpu`` or SPI ``irq_id``."""
        self._check_input(irq_id, cpu)
        cdef GICInput sink = GICInput.__new__(GICInput)
        sink.gic, sink.irq, sink.cpu = self, irq_id, (cpu if irq_id < 32 else -1)
        return sink

    def set_irq(self, int irq_id, bint level, cpu=None):
        """Drive an interrupt input: edge-triggered ones latch pending on a rising edge."""
        self._check_input(irq_id, cpu)
        self.drive(irq_id, level, cpu if irq_id < 32 else -1)

    cdef int drive(self, int irq, bint level, int cpu) except -1:
        """An input line's level (checked: 16 <= irq < num_irqs, a valid cpu for a PPI)."""
        cdef uint32_t bit = (<uint32_t>1) << (irq & 31)
        cdef int w
        if irq < 32:
            if (self.p_lvl[cpu] & bit != 0) == level:
                return 0
            self.p_lvl[cpu] ^= bit
            if self.priv_edge & bit:
                if not level:
                    return 0  # a falling edge changes nothing an edge-triggered input shows
                self.p_pend[cpu] |= bit
            return self.update((<uint32_t>1) << cpu)
        w = irq >> 5
        if (self.s_lvl[w] & bit != 0) == level:
            return 0
        self.s_lvl[w] ^= bit
        if self.s_edge[w] & bit:
            if not level:
                return 0
            self.s_pend[w] |= bit
        return self.update(self.targets[irq])

    # -- prioritisation -----------------------------------------------------------
    cdef int best(self, int cpu, int *prio) noexcept:
        """The highest-priority candidate (lowest ID on ties): enabled, pending,
        inactive, its group forwarded by both ends, an SPI targeting ``cpu``."""
        cdef uint32_t en = self.dctlr & self.c_ctlr[cpu]
        cdef uint32_t m0, m1, grp, cand
        cdef int w, irq, p, best_irq = GICC_INT_SPURIOUS, best_prio = IDLE_PRIORITY
        if not en & (GIC_CTLR_ENABLE_GRP0 | GIC_CTLR_ENABLE_GRP1):
            prio[0] = IDLE_PRIORITY
            return GICC_INT_SPURIOUS
        m0 = 0xFFFFFFFF if en & GIC_CTLR_ENABLE_GRP0 else 0
        m1 = 0xFFFFFFFF if en & GIC_CTLR_ENABLE_GRP1 else 0
        grp = self.p_grp[cpu]
        cand = (self.p_en[cpu] & (self.p_pend[cpu] | (self.p_lvl[cpu] & self.priv_level))
                & ~self.p_act[cpu] & ((~grp & m0) | (grp & m1)))
        while cand:
            irq = ctz32(cand)
            cand &= cand - 1
            p = self.prio_p[cpu][irq]
            if p < best_prio:
                best_irq, best_prio = irq, p
        for w in range(1, self.nwords):
            if best_prio == 0:
                break  # nothing beats priority 0 at a lower ID
            grp = self.s_grp[w]
            cand = (self.s_en[w] & (self.s_pend[w] | (self.s_lvl[w] & ~self.s_edge[w]))
                    & self.tmask[cpu][w] & ~self.s_act[w] & ((~grp & m0) | (grp & m1)))
            while cand:
                irq = (w << 5) | ctz32(cand)
                cand &= cand - 1
                p = self.prio_s[irq]
                if p < best_prio:
                    best_irq, best_prio = irq, p
        prio[0] = best_prio
        return best_irq

    cdef int running_prio(self, int cpu) noexcept:
        cdef int k
        for k in range(GIC_APR_WORDS):
            if self.apr[cpu][k]:
                return ((k << 6) | ctz64(self.apr[cpu][k])) << self.prio_shift
        return IDLE_PRIORITY

    cdef int group_of(self, int irq, int cpu) noexcept:
        if irq < 32:
            return self.p_grp[cpu] >> irq & 1
        return self.s_grp[irq >> 5] >> (irq & 31) & 1

    cdef int prio_of(self, int irq, int cpu) noexcept:
        return self.prio_p[cpu][irq] if irq < 32 else self.prio_s[irq]

    cdef int update(self, uint32_t cpus) except -1:
        """Recompute the outputs of ``cpus`` (a mask), lowest CPU first, and drive the
        lines that change, IRQ before FIQ (the reference's ``_update``)."""
        cdef int cpu, irq, prio
        cdef bint irq_level, fiq_level
        cpus &= self.all_cpus
        while cpus:
            cpu = ctz32(cpus)
            cpus &= cpus - 1
            irq = self.best(cpu, &prio)
            self.best_irq[cpu], self.best_prio[cpu] = irq, prio
            if (irq == GICC_INT_SPURIOUS or prio >= <int>self.c_pmr[cpu]
                    or prio >= self.running_prio(cpu)):
                irq_level = fiq_level = False
            else:
                fiq_level = (not self.group_of(irq, cpu)
                             and (self.c_ctlr[cpu] & GICC_CTLR_FIQEN) != 0)
                irq_level = not fiq_level
            if self.out[cpu][CPU_IRQ] != irq_level:
                self.out[cpu][CPU_IRQ] = irq_level
                self.fabric.set_cpu_input(cpu, CPU_IRQ, irq_level)
            if self.out[cpu][CPU_FIQ] != fiq_level:
                self.out[cpu][CPU_FIQ] = fiq_level
                self.fabric.set_cpu_input(cpu, CPU_FIQ, fiq_level)
        return 0

    # -- CPU interface operations ---------------------------------------------------
    cdef int visible(self, int cpu, int *prio) noexcept:
        """GICC_IAR/HPPIR's view of the last update's best candidate: 1023 under the
        PMR, 1022 for a Group 1 one with AckCtl clear."""
        cdef int irq = self.best_irq[cpu]
        prio[0] = self.best_prio[cpu]
        if irq == GICC_INT_SPURIOUS or prio[0] >= <int>self.c_pmr[cpu]:
            return GICC_INT_SPURIOUS
        if (self.groups and self.group_of(irq, cpu)
                and not self.c_ctlr[cpu] & GICC_CTLR_ACKCTL):
            return GICC_INT_SPURIOUS_GRP1
        return irq

    cdef uint32_t ack(self, int cpu) except? 0xFFFFFFFF:
        """GICC_IAR read: activate the highest-priority pending interrupt."""
        cdef int prio, bpr, gprio, src
        cdef int irq = self.visible(cpu, &prio)
        cdef uint32_t ret, bit, s
        if irq < GICC_INT_SPURIOUS_GRP1 and prio >= self.running_prio(cpu):
            irq = GICC_INT_SPURIOUS
        if irq >= GICC_INT_SPURIOUS_GRP1:
            self.spurious[cpu] += 1
            return irq
        if self.groups and self.group_of(irq, cpu) and not self.c_ctlr[cpu] & GICC_CTLR_CBPR:
            bpr = self.c_abpr[cpu] - 1
        else:
            bpr = self.c_bpr[cpu]
        gprio = self.prio_of(irq, cpu) & ((0xFF << (bpr + 1)) & 0xFF)
        gprio >>= self.prio_shift
        self.apr[cpu][gprio >> 6] |= (<uint64_t>1) << (gprio & 63)
        ret = irq
        bit = (<uint32_t>1) << (irq & 31)
        if irq < 32:
            self.p_act[cpu] |= bit
            if irq < 16:
                s = self.sgi_src[cpu][irq]
                src = ctz32(s) if s else -1
                self.sgi_src[cpu][irq] = s & (s - 1)
                if not self.sgi_src[cpu][irq]:
                    self.p_pend[cpu] &= ~bit
                ret |= (src & 7) << 10
            else:
                self.p_pend[cpu] &= ~bit
        else:
            self.s_act[irq >> 5] |= bit
            self.s_pend[irq >> 5] &= ~bit
        if not self.acked[irq]:
            self.acked[irq] = 1
            self.ack_order[self.n_acked] = irq
            self.n_acked += 1
        self.acks[irq * self.num_cpus + cpu] += 1
        # An SPI is active for all its targets at once (1-of-N): they all see it.
        self.update((<uint32_t>1) << cpu if irq < 32
                    else ((<uint32_t>1) << cpu) | self.targets[irq])
        return ret

    cdef int eoi(self, int cpu, uint32_t value) except -1:
        """GICC_EOIR write (EOImode 0): drop the running priority and deactivate."""
        cdef int irq = value & GICC_IAR_INT_ID_MASK
        cdef int k
        cdef uint32_t bit = (<uint32_t>1) << (irq & 31)
        if irq >= self.num_irqs:
            return 0
        for k in range(GIC_APR_WORDS):
            if self.apr[cpu][k]:
                self.apr[cpu][k] &= self.apr[cpu][k] - 1
                break
        else:
            return 0  # nothing active
        if irq < 32:
            self.p_act[cpu] &= ~bit
            return self.update((<uint32_t>1) << cpu)
        self.s_act[irq >> 5] &= ~bit
        return self.update(((<uint32_t>1) << cpu) | self.targets[irq])

    cdef uint32_t hppir(self, int cpu) noexcept:
        """GICC_HPPIR read: like GICC_IAR without side effects."""
        cdef int prio
        cdef int irq = self.visible(cpu, &prio)
        cdef uint32_t s
        if irq < 16:
            s = self.sgi_src[cpu][irq]
            irq |= ((ctz32(s) if s else -1) & 7) << 10
        return irq

    cdef int sgi(self, int cpu, uint32_t value) except -1:
        """GICD_SGIR write from ``cpu``: filter 0 = target list, 1 = others, 2 = self."""
        cdef int sgi = value & 0xF, filt = (value >> 24) & 3, t
        cdef uint32_t nsatt = (value >> 15) & 1, targets, rest
        if filt == 0:
            targets = (value >> 16) & 0xFF
        elif filt == 1:
            targets = self.all_cpus & ~((<uint32_t>1) << cpu)
        elif filt == 2:
            targets = (<uint32_t>1) << cpu
        else:
            targets = 0
        targets &= self.all_cpus
        rest = targets
        while rest:
            t = ctz32(rest)
            rest &= rest - 1
            if self.security and <uint32_t>(self.p_grp[t] >> sgi & 1) != nsatt:
                continue  # NSATT selects which group's SGIs a Secure write may set
            self.sgi_src[t][sgi] |= (<uint32_t>1) << cpu
            self.p_pend[t] |= (<uint32_t>1) << sgi
        return self.update(targets)

    cdef void set_target(self, int irq, uint32_t value) noexcept:
        cdef int c, w = irq >> 5
        cdef uint32_t bit = (<uint32_t>1) << (irq & 31)
        self.targets[irq] = value & self.all_cpus
        if w == 0:
            return  # tmask word 0 is never read: private IDs are banked, not targeted
        for c in range(self.num_cpus):
            if value >> c & 1:
                self.tmask[c][w] |= bit
            else:
                self.tmask[c][w] &= ~bit

    # -- distributor registers ------------------------------------------------------
    cdef uint32_t* field(self, int kind, int cpu, int first, int *shift) noexcept:
        """The word holding the bit-register byte at ID ``first`` (a multiple of 8)."""
        shift[0] = first & 31
        if kind == D_IGROUPR:
            return &self.p_grp[cpu] if first < 32 else &self.s_grp[first >> 5]
        if kind <= D_ICENABLER:
            return &self.p_en[cpu] if first < 32 else &self.s_en[first >> 5]
        if kind <= D_ICPENDR:
            return &self.p_pend[cpu] if first < 32 else &self.s_pend[first >> 5]
        return &self.p_act[cpu] if first < 32 else &self.s_act[first >> 5]

    cdef uint32_t dist_reg_read(self, int kind, int index, int cpu) noexcept:
        """A distributor register (byte ``index`` of a bank) as ``cpu`` reads it."""
        cdef int first, shift
        cdef uint32_t v
        if kind == D_CTLR:
            return self.dctlr
        if kind == D_TYPER:
            v = (self.nwords - 1) | ((self.num_cpus - 1) << 5)
            return v | ((1 << 10) | (0x1F << 11) if self.security else 0)  # SecurityExtn, LSPI
        if kind == D_IIDR:
            return self.d_iidr
        if kind <= D_ICACTIVER:
            first = index * 8
            if first >= self.num_irqs or (kind == D_IGROUPR and not self.groups):
                return 0
            if kind == D_ISPENDR or kind == D_ICPENDR:  # SPIs pending whatever their targets
                shift = first & 31
                if first < 32:
                    v = self.p_pend[cpu] | (self.p_lvl[cpu] & self.priv_level)
                else:
                    v = self.s_pend[first >> 5] | (self.s_lvl[first >> 5] & ~self.s_edge[first >> 5])
                return v >> shift & 0xFF
            return self.field(kind, cpu, first, &shift)[0] >> shift & 0xFF
        if kind == D_IPRIORITYR:
            return self.prio_of(index, cpu) if index < self.num_irqs else 0
        if kind == D_ITARGETSR:
            if index >= self.num_irqs:
                return 0
            return ((<uint32_t>1) << cpu) & 0xFF if index < 32 else self.targets[index]
        if kind == D_ICFGR:
            first = index * 4
            if first >= self.num_irqs:
                return 0
            if first < 16:
                return 0xAA  # SGIs: edge, read-only
            if first < 32:
                return self.ppi_cfg >> (2 * (first - 16)) & 0xFF  # PPIs: fixed
            v = self.s_edge[first >> 5] >> (first & 31)
            return ((v & 1) << 1) | ((v & 2) << 2) | ((v & 4) << 3) | ((v & 8) << 4)
        if kind == D_CPENDSGIR or kind == D_SPENDSGIR:
            return self.sgi_src[cpu][index]
        return 0  # D_SGIR is write-only; D_ID is read by the caller (it may raise)

    cdef int dist_reg_write(self, int kind, int index, int cpu, uint32_t value) except -1:
        """A distributor register write by ``cpu``; each one updates the outputs it can
        change, as the reference's writers do."""
        cdef int first, shift, i
        cdef uint32_t *word
        cdef uint32_t bits
        if kind == D_CTLR:
            self.dctlr = value & (3 if self.groups else 1)
            return self.update(self.all_cpus)
        if kind <= D_ICACTIVER:
            first = index * 8
            if first >= self.num_irqs:
                return 0
            if kind == D_IGROUPR:
                if not self.groups:
                    return 0
                word = self.field(kind, cpu, first, &shift)
                word[0] = (word[0] & ~((<uint32_t>0xFF) << shift)) | (value << shift)
                return self.update(self.all_cpus)
            if first < 16 and kind <= D_ICPENDR:
                value = 0  # SGIs: enables are RAO/WI, pending goes through GICD_SGIR/SPENDSGIR
            word = self.field(kind, cpu, first, &shift)
            bits = value << shift
            if kind == D_ISENABLER or kind == D_ISPENDR or kind == D_ISACTIVER:
                word[0] |= bits
            else:
                word[0] &= ~bits
            return self.update(self.all_cpus)
        if kind == D_IPRIORITYR:
            if index >= self.num_irqs:
                return 0
            value &= self.prio_mask  # unimplemented low bits are RAZ/WI
            if index < 32:
                self.prio_p[cpu][index] = value
            else:
                self.prio_s[index] = value
            return self.update(self.all_cpus)
        if kind == D_ITARGETSR:
            if 32 <= index < self.num_irqs:  # IDs 0-31: read-only
                self.set_target(index, value)
                return self.update(self.all_cpus)
            return 0
        if kind == D_ICFGR:
            first = index * 4
            if first >= self.num_irqs or first < 32:
                return 0
            for i in range(4):
                bits = (<uint32_t>1) << ((first + i) & 31)
                if value >> (2 * i + 1) & 1:
                    self.s_edge[first >> 5] |= bits
                else:
                    self.s_edge[first >> 5] &= ~bits
            return self.update(self.all_cpus)
        if kind == D_SGIR:
            return self.sgi(cpu, value)
        if kind == D_CPENDSGIR or kind == D_SPENDSGIR:
            value &= self.all_cpus
            if kind == D_SPENDSGIR:
                self.sgi_src[cpu][index] |= value
            else:
                self.sgi_src[cpu][index] &= ~value
            if self.sgi_src[cpu][index]:
                self.p_pend[cpu] |= (<uint32_t>1) << index
            else:
                self.p_pend[cpu] &= ~((<uint32_t>1) << index)
            return self.update(self.all_cpus)
        return 0

    cdef int check_cpu(self, int cpu) except -1:
        if <unsigned>cpu >= <unsigned>self.num_cpus:
            raise IndexError(f"{self.name}: access from cpu {cpu}; it has {self.num_cpus} CPUs")
        return 0

    cdef uint64_t dist_read(self, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF:
        cdef uint64_t value = 0, word, start, off
        cdef unsigned done = 0, take, inner
        cdef int kind, index
        self.check_cpu(cpu)
        if size > 8:
            raise ValueError(f"{self.name}: a {size}-byte access")
        while done < size:
            off = offset + done
            kind = _dist_decode(off, &index, &start) if off >= offset else -1
            if kind < 0:
                done += 1  # undecoded: reads as zero
                continue
            inner = <unsigned>(off - start)
            take = min(WIDTH[kind] - inner, size - done)
            if ACCESS[kind] == ACC_W:
                word = 0
            elif kind == D_ID:
                if index >= self.n_idr:
                    raise IndexError(f"{self.name}: no identification register {index}")
                word = self.idr[index]
            else:
                word = self.dist_reg_read(kind, index, cpu)
            value |= ((word >> (8 * inner)) & _bytes_mask(take)) << (8 * done)
            done += take
        return value

    cdef int dist_write(self, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1:
        cdef uint64_t start, off, part
        cdef unsigned done = 0, take, inner
        cdef int kind, index
        self.check_cpu(cpu)
        if size > 8:
            raise ValueError(f"{self.name}: a {size}-byte access")
        while done < size:
            off = offset + done
            kind = _dist_decode(off, &index, &start) if off >= offset else -1
            if kind < 0:
                done += 1  # undecoded: ignored
                continue
            inner = <unsigned>(off - start)
            take = min(WIDTH[kind] - inner, size - done)
            if ACCESS[kind] != ACC_R:
                part = ((value >> (8 * done)) & _bytes_mask(take)) << (8 * inner)
                self.dist_reg_write(kind, index, cpu, <uint32_t>part & ACCEPTED[kind])
            done += take
        return 0

    # -- CPU interface registers ------------------------------------------------------
    cdef uint32_t cpu_reg_read(self, int kind, int cpu) except? 0xFFFFFFFF:
        """A CPU interface register, read on behalf of ``cpu`` (GICC_IAR acknowledges)."""
        cdef int rp
        if kind == C_IAR:
            return self.ack(cpu)
        if kind == C_CTLR:
            return self.c_ctlr[cpu]
        if kind == C_PMR:
            return self.c_pmr[cpu]
        if kind == C_BPR:
            return <uint32_t>self.c_bpr[cpu]
        if kind == C_ABPR:
            return <uint32_t>self.c_abpr[cpu]
        if kind == C_RPR:
            rp = self.running_prio(cpu)
            return 0xFF if rp > 0xFF else rp
        if kind == C_HPPIR:
            return self.hppir(cpu)
        if kind == C_IIDR:
            return self.c_iidr
        return 0  # C_EOIR is write-only

    cdef int cpu_reg_write(self, int kind, int cpu, uint32_t value) except -1:
        """A CPU interface register write (``value`` already masked to what it accepts)."""
        if kind == C_EOIR:
            return self.eoi(cpu, value)
        if kind == C_CTLR:
            self.c_ctlr[cpu] = value & (0x1F if self.groups else 1)
            return self.update((<uint32_t>1) << cpu)
        if kind == C_PMR:
            self.c_pmr[cpu] = value & self.prio_mask
            return self.update((<uint32_t>1) << cpu)
        if kind == C_BPR:
            self.c_bpr[cpu] = max(<int>value, self.min_bpr)
        elif kind == C_ABPR:
            self.c_abpr[cpu] = max(<int>value, self.min_bpr + 1)
        return 0

    cdef uint64_t cpu_read(self, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF:
        cdef uint64_t value = 0, word, start, off
        cdef unsigned done = 0, take, inner
        cdef int kind, index
        self.check_cpu(cpu)
        if size == 4 and offset < GICC_ABPR + 4 and not offset & 3:  # the usual access
            kind = C_CTLR + <int>(offset >> 2)
            return 0 if ACCESS[kind] == ACC_W else self.cpu_reg_read(kind, cpu)
        if size > 8:
            raise ValueError(f"{self.name}: a {size}-byte access")
        while done < size:
            off = offset + done
            kind = _cpu_decode(off, &index, &start) if off >= offset else -1
            if kind < 0:
                done += 1
                continue
            inner = <unsigned>(off - start)
            take = min(4 - inner, size - done)
            word = 0 if ACCESS[kind] == ACC_W else self.cpu_reg_read(kind, cpu)
            value |= ((word >> (8 * inner)) & _bytes_mask(take)) << (8 * done)
            done += take
        return value

    cdef int cpu_write(self, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1:
        cdef uint64_t start, off, part
        cdef unsigned done = 0, take, inner
        cdef int kind, index
        self.check_cpu(cpu)
        if size == 4 and offset < GICC_ABPR + 4 and not offset & 3:  # the usual access
            kind = C_CTLR + <int>(offset >> 2)
            if ACCESS[kind] != ACC_R:
                self.cpu_reg_write(kind, cpu, <uint32_t>value & ACCEPTED[kind])
            return 0
        if size > 8:
            raise ValueError(f"{self.name}: a {size}-byte access")
        while done < size:
            off = offset + done
            kind = _cpu_decode(off, &index, &start) if off >= offset else -1
            if kind < 0:
                done += 1
                continue
            inner = <unsigned>(off - start)
            take = min(4 - inner, size - done)
            if ACCESS[kind] != ACC_R:
                part = ((value >> (8 * done)) & _bytes_mask(take)) << (8 * inner)
                self.cpu_reg_write(kind, cpu, <uint32_t>part & ACCEPTED[kind])
            done += take
        return 0

    # -- the reference's Python API ----------------------------------------------------
    cdef int check_irq(self, int irq) except -1:
        if not 0 <= irq < self.num_irqs:
            raise IndexError(f"{self.name}: no interrupt {irq}")
        return 0

    def priority(self, int irq_id, int cpu):
        self.check_irq(irq_id)
        self.check_cpu(cpu)
        return self.prio_of(irq_id, cpu)

    def group(self, int irq_id, int cpu):
        self.check_irq(irq_id)
        self.check_cpu(cpu)
        return self.group_of(irq_id, cpu)

    def running_priority(self, int cpu):
        self.check_cpu(cpu)
        return self.running_prio(cpu)

    def highest_pending(self, int cpu):
        """The interrupt GICC_IAR would consider for ``cpu`` before PMR/preemption checks."""
        cdef int prio
        self.check_cpu(cpu)
        irq = self.best(cpu, &prio)
        return None if irq == GICC_INT_SPURIOUS else irq

    def outputs(self, int cpu):
        """The (IRQ, FIQ) levels last driven to ``cpu``."""
        self.check_cpu(cpu)
        return bool(self.out[cpu][CPU_IRQ]), bool(self.out[cpu][CPU_FIQ])

    def acknowledge(self, int cpu):
        """GICC_IAR read: activate the highest-priority pending interrupt."""
        self.check_cpu(cpu)
        return self.ack(cpu)

    def end_of_interrupt(self, int cpu, value):
        """GICC_EOIR write (EOImode 0): drop the running priority and deactivate."""
        self.check_cpu(cpu)
        self.eoi(cpu, value & GICC_IAR_INT_ID_MASK)

    def highest_pending_id(self, int cpu):
        """GICC_HPPIR read: like GICC_IAR without side effects."""
        self.check_cpu(cpu)
        return self.hppir(cpu)

    def send_sgi(self, int cpu, value):
        """GICD_SGIR write from ``cpu``."""
        self.check_cpu(cpu)
        self.sgi(cpu, value & 0xFFFFFFFF)

    def set_targets(self, int irq, value):
        """GICD_ITARGETSR of ``irq`` (no output update, as the reference; the target of a
        private ID is kept and, as there, used by nothing)."""
        self.check_irq(irq)
        self.set_target(irq, value & 0xFF)

    @property
    def ack_counts(self):
        """Acknowledges per interrupt ID and CPU, for the IDs ever acknowledged (a copy)."""
        cdef int i, irq, c
        out = {}
        for i in range(self.n_acked):
            irq = self.ack_order[i]
            out[irq] = [self.acks[irq * self.num_cpus + c] for c in range(self.num_cpus)]
        return out

    @property
    def spurious_count(self):
        """GICC_IAR reads that returned 1022 or 1023, per CPU (a copy)."""
        return [self.spurious[c] for c in range(self.num_cpus)]

    # read-only views of the state the reference keeps as attributes (tests and tools)
    @property
    def cctlr(self):
        return tuple(self.c_ctlr[c] for c in range(self.num_cpus))

    @property
    def pmr(self):
        return tuple(self.c_pmr[c] for c in range(self.num_cpus))

    @property
    def bpr(self):
        return tuple(self.c_bpr[c] for c in range(self.num_cpus))

    @property
    def abpr(self):
        return tuple(self.c_abpr[c] for c in range(self.num_cpus))

    cdef object _shared(self, uint32_t *words):
        cdef int w
        v = 0
        for w in range(1, self.nwords):
            v |= int(words[w]) << (32 * w)
        return v

    @property
    def _spi(self):
        """The reference's shared bit sets (IDs 32..), a snapshot."""
        return {"en": self._shared(self.s_en), "pend": self._shared(self.s_pend),
                "act": self._shared(self.s_act), "grp": self._shared(self.s_grp),
                "level": self._shared(self.s_lvl)}

    @property
    def _priv(self):
        """The reference's banked bit sets (IDs 0-31) per CPU, a snapshot."""
        cdef int c
        n = self.num_cpus
        return {"en": [self.p_en[c] for c in range(n)], "pend": [self.p_pend[c] for c in range(n)],
                "act": [self.p_act[c] for c in range(n)], "grp": [self.p_grp[c] for c in range(n)],
                "level": [self.p_lvl[c] for c in range(n)]}

    @property
    def _edge_spi(self):
        return self._shared(self.s_edge)

    @property
    def _targets(self):
        cdef int i
        return [self.targets[i] for i in range(self.num_irqs)]

    @property
    def _best_of(self):
        """Per CPU, the (id, priority) of its best candidate at the last update."""
        cdef int c
        return [(self.best_irq[c], self.best_prio[c]) for c in range(self.num_cpus)]

    def _best(self, int cpu):
        """(id, priority) of ``cpu``'s best candidate now."""
        cdef int prio
        self.check_cpu(cpu)
        irq = self.best(cpu, &prio)
        return irq, prio

    def __repr__(self):
        return (f"<native GICv2 {self.name} @ {self.distributor.base:#x}/"
                f"{self.cpu_interface.base:#x}, {self.num_cpus} CPUs, {self.num_irqs} IDs>")
