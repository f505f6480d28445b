# cython: language_level=3
"""The x86 local APICs (xAPIC at 0xFEE00000), native: ``irqemu.devices.lapic`` in C.

The same model as ``LocalAPICs``/``LocalAPIC`` (the executable reference; read it
and Intel SDM vol. 3A chapter 11 for the rules): one APIC per CPU behind one
window banked by the accessing CPU, TPR/PPR/APR, IRR/ISR/TMR as 256-bit sets, EOI
(the highest ISR vector; a level-triggered one is broadcast to the IO-APICs), SVR,
ESR, the ICR and its delivery modes, the LVT entries and the timer (one-shot and
periodic from simulated time; TSC-deadline idle, as the reference). A timer expiry
is a native event, so the engine raises the timer interrupt at a block boundary
without Python. The cold paths stay Python calls: NMI, INIT and SIPI go to the
arch and the machine, a level-triggered EOI to the IO-APICs, and a vector's first
source name into ``names``.

Accesses decode as the reference's ``RegisterFile``: registers are 16 bytes apart
and only the first 4 bytes of a slot decode; a narrow access takes the register's
low bytes, a narrow write merges with the register's stored cell; an undecoded
slot reads 0 and ignores writes, a read-only register ignores writes and a
write-only one reads 0.
"""

cimport cython
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t

from irqemu._core.fabric cimport Fabric, NativeDevice, FABRIC_MAX_CPUS

import irqemu.hw.apic as _hw

cdef extern from *:
    int clz64 "__builtin_clzll" (unsigned long long x) nogil

cdef extern from *:
    """
    typedef __int128 irq_s128;
    """
    ctypedef long long irq_s128

# -- the register table as data: the reference's REGS at guest offsets ---------------
#: (offset, name, reset, access, bits a write takes, count), in the reference's order
#: (a test compares this with ``irqemu.devices.lapic.LocalAPIC.REGS``)
LAPIC_REGS = (
    (_hw.APIC_ID, "ID", 0, "rw", 0xFF000000, 1),
    (_hw.APIC_LVR, "VERSION", 0x00060014, "r", 0xFFFFFFFF, 1),
    (_hw.APIC_TASKPRI, "TPR", 0, "rw", 0xFF, 1),
    (_hw.APIC_ARBPRI, "APR", 0, "r", 0xFFFFFFFF, 1),
    (_hw.APIC_PROCPRI, "PPR", 0, "r", 0xFFFFFFFF, 1),
    (_hw.APIC_EOI, "EOI", 0, "w", 0xFFFFFFFF, 1),
    (_hw.APIC_RRR, "RRD", 0, "r", 0xFFFFFFFF, 1),
    (_hw.APIC_LDR, "LDR", 0, "rw", 0xFF000000, 1),
    (_hw.APIC_DFR, "DFR", 0xFFFFFFFF, "rw", 0xF0000000, 1),
    (_hw.APIC_SPIV, "SVR", 0xFF, "rw", 0x13FF, 1),
    (_hw.APIC_ISR, "ISR", 0, "r", 0xFFFFFFFF, 8),
    (_hw.APIC_TMR, "TMR", 0, "r", 0xFFFFFFFF, 8),
    (_hw.APIC_IRR, "IRR", 0, "r", 0xFFFFFFFF, 8),
    (_hw.APIC_ESR, "ESR", 0, "rw", 0xFFFFFFFF, 1),
    (_hw.APIC_LVTCMCI, "LVT_CMCI", _hw.APIC_LVT_MASKED, "rw", 0x107FF, 1),
    (_hw.APIC_ICR, "ICR_LO", 0, "rw", 0xFFFFFFFF, 1),
    (_hw.APIC_ICR2, "ICR_HI", 0, "rw", 0xFF000000, 1),
    (_hw.APIC_LVTT, "LVT_TIMER", _hw.APIC_LVT_MASKED, "rw", 0x700FF, 1),
    (_hw.APIC_LVTTHMR, "LVT_THERMAL", _hw.APIC_LVT_MASKED, "rw", 0x107FF, 1),
    (_hw.APIC_LVTPC, "LVT_PMC", _hw.APIC_LVT_MASKED, "rw", 0x107FF, 1),
    (_hw.APIC_LVT0, "LVT_LINT0", _hw.APIC_LVT_MASKED, "rw", 0x1A7FF, 1),
    (_hw.APIC_LVT1, "LVT_LINT1", _hw.APIC_LVT_MASKED, "rw", 0x1A7FF, 1),
    (_hw.APIC_LVTERR, "LVT_ERROR", _hw.APIC_LVT_MASKED, "rw", 0x100FF, 1),
    (_hw.APIC_TMICT, "TIMER_ICR", 0, "rw", 0xFFFFFFFF, 1),
    (_hw.APIC_TMCCT, "TIMER_CCR", 0, "r", 0xFFFFFFFF, 1),
    (_hw.APIC_TDCR, "TIMER_DCR", 0, "rw", 0xB, 1),
)
#: the map as ``NativeDevice.register_map`` gives it: (offset, name, width, count); a
#: bank's registers are 16 bytes apart, not ``width``
LAPIC_MAP = tuple((r[0], r[1], 4, r[5]) for r in LAPIC_REGS)
_KIND = {r[1]: k for k, r in enumerate(LAPIC_REGS)}
if len(LAPIC_REGS) != LAPIC_NKINDS:
    raise ImportError("irqemu._core.lapic: LAPIC_NKINDS is not the table's length")

# register kinds, in table order
cdef enum:
    K_ID, K_VERSION, K_TPR, K_APR, K_PPR, K_EOI, K_RRD, K_LDR, K_DFR, K_SVR
    K_ISR, K_TMR, K_IRR, K_ESR, K_LVT_CMCI, K_ICR_LO, K_ICR_HI, K_LVT_TIMER
    K_LVT_THERMAL, K_LVT_PMC, K_LVT_LINT0, K_LVT_LINT1, K_LVT_ERROR
    K_TIMER_ICR, K_TIMER_CCR, K_TIMER_DCR

cdef enum:
    ACC_RW = 0
    ACC_R = 1                       # writes ignored
    ACC_W = 2                       # reads as zero
    NO_REG = 0xFF

# bits and fields (irqemu.hw.apic; checked at import)
cdef enum:
    LVT_MASKED = 1 << 16
    LVT_TIMER_SHIFT = 17
    TIMER_ONESHOT = 0
    TIMER_PERIODIC = 1
    TIMER_TSC_DEADLINE = 2
    SVR_ENABLE = 1 << 8
    SVR_SUPPRESS_EOI_BROADCAST = 1 << 12
    ICR_DELIVERY_STATUS = 1 << 12
    ICR_DEST_LOGICAL = 1 << 11
    ICR_LEVEL_ASSERT = 1 << 14
    ICR_TRIGGER_LEVEL = 1 << 15
    ICR_SHORTHAND_SHIFT = 18
    ESR_SEND_ILLEGAL_VECTOR = 0x20
    ESR_RECV_ILLEGAL_VECTOR = 0x40
    DM_FIXED = 0
    DM_LOWEST = 1
    DM_NMI = 4
    DM_INIT = 5
    DM_SIPI = 6
    SH_NONE = 0
    SH_SELF = 1
    SH_ALL = 2
    SH_OTHERS = 3
    CPU_IRQ = 0                     # irqemu.devices.base.CPU_IRQ: the core's INTR input

_HW_VALUES = {
    "APIC_LVT_MASKED": LVT_MASKED, "APIC_LVT_TIMER_SHIFT": LVT_TIMER_SHIFT,
    "APIC_SPIV_APIC_ENABLED": SVR_ENABLE, "APIC_SPIV_DIRECTED_EOI": SVR_SUPPRESS_EOI_BROADCAST,
    "APIC_ICR_BUSY": ICR_DELIVERY_STATUS, "APIC_DEST_LOGICAL": ICR_DEST_LOGICAL,
    "APIC_INT_ASSERT": ICR_LEVEL_ASSERT, "APIC_INT_LEVELTRIG": ICR_TRIGGER_LEVEL,
    "APIC_DEST_SHORTHAND_SHIFT": ICR_SHORTHAND_SHIFT, "APIC_ESR_SENDILL": ESR_SEND_ILLEGAL_VECTOR,
    "APIC_ESR_RECVILL": ESR_RECV_ILLEGAL_VECTOR, "APIC_DELIVERY_MODE_FIXED": DM_FIXED,
    "APIC_DELIVERY_MODE_LOWESTPRIO": DM_LOWEST, "APIC_DELIVERY_MODE_NMI": DM_NMI,
    "APIC_DELIVERY_MODE_INIT": DM_INIT, "APIC_DELIVERY_MODE_STARTUP": DM_SIPI,
}
for _n, _v in _HW_VALUES.items():
    if getattr(_hw, _n) != _v:
        raise ImportError(f"irqemu._core.lapic: {_n} is {getattr(_hw, _n):#x} in irqemu.hw.apic")
if (_hw.APIC_LVT_TIMER_PERIODIC >> LVT_TIMER_SHIFT != TIMER_PERIODIC
        or _hw.APIC_LVT_TIMER_TSCDEADLINE >> LVT_TIMER_SHIFT != TIMER_TSC_DEADLINE):
    raise ImportError("irqemu._core.lapic: the LVTT timer modes moved in irqemu.hw.apic")

# where a vector came from, for ``names`` (built as a string only the first time)
cdef enum:
    SRC_NONE = 0
    SRC_STR = 1                     # a Python string (the IO-APIC's, a model's)
    SRC_TIMER = 2                   # "lapic-timer"
    SRC_ERROR = 3                   # "lapicN error"
    SRC_IPI = 4                     # "ipi from cpuN"

#: the LVT entries a software disable masks (SDM 11.4.7.2), as the reference's LVT_NAMES
cdef int LVT_KINDS[7]

cdef uint8_t KIND_AT[256]           # slot (offset >> 4) -> register kind, or NO_REG
cdef uint8_t INDEX_AT[256]          # slot -> index in its bank
cdef uint32_t RESET[LAPIC_NKINDS]
cdef uint8_t ACCESS[LAPIC_NKINDS]
cdef uint32_t WRITABLE[LAPIC_NKINDS]
cdef uint8_t COUNT[LAPIC_NKINDS]
cdef uint8_t READER[LAPIC_NKINDS]   # 1: the value comes from state (read_<NAME>)
cdef uint8_t WRITER[LAPIC_NKINDS]   # 1: a write acts (write_<NAME>); 0: plain storage


cdef int _init_tables() except -1:
    cdef int k, i
    for i in range(256):
        KIND_AT[i], INDEX_AT[i] = NO_REG, 0
    for k, (offset, _name, reset, access, writable, count) in enumerate(LAPIC_REGS):
        RESET[k], WRITABLE[k], COUNT[k] = reset, writable, count
        ACCESS[k] = {"rw": ACC_RW, "r": ACC_R, "w": ACC_W}[access]
        for i in range(count):
            KIND_AT[(offset >> 4) + i], INDEX_AT[(offset >> 4) + i] = k, i
        READER[k] = WRITER[k] = 0
    for k in (K_APR, K_PPR, K_ISR, K_TMR, K_IRR, K_TIMER_CCR):
        READER[k] = 1
    for k in (K_TPR, K_EOI, K_SVR, K_ESR, K_ICR_LO, K_LVT_TIMER, K_TIMER_ICR, K_TIMER_DCR):
        WRITER[k] = 1
    for k, kind in enumerate((K_LVT_CMCI, K_LVT_TIMER, K_LVT_THERMAL, K_LVT_PMC, K_LVT_LINT0,
                              K_LVT_LINT1, K_LVT_ERROR)):
        LVT_KINDS[k] = kind
        WRITER[kind] = 1
    return 0


_init_tables()

cdef uint64_t PS_PER_S = 1000000000000ULL
cdef uint64_t U64_MAX = 0xFFFFFFFFFFFFFFFFULL


# -- 256-bit vector sets ------------------------------------------------------------
cdef inline int _highest(uint64_t *bits) noexcept:
    """The highest vector set, or -1 (the reference's ``_highest``)."""
    cdef int w
    for w in range(3, -1, -1):
        if bits[w]:
            return 64 * w + 63 - clz64(bits[w])
    return -1


cdef inline void _set(uint64_t *bits, int v) noexcept:
    bits[v >> 6] |= (<uint64_t>1) << (v & 63)


cdef inline void _clear(uint64_t *bits, int v) noexcept:
    bits[v >> 6] &= ~((<uint64_t>1) << (v & 63))


cdef inline bint _test(uint64_t *bits, int v) noexcept:
    return (bits[v >> 6] >> (v & 63)) & 1


cdef inline int64_t _floordiv(int64_t a, int64_t b) noexcept:
    """Python's ``a // b`` (b > 0)."""
    cdef int64_t q = a // b
    if (a % b != 0) and (a < 0):
        q -= 1
    return q


cdef int _check_vector(int vector) except -1:
    """A vector from Python: 0-255 (the C sets hold 256; the reference's ints would
    take any, but every source masks it with 0xFF)."""
    if not 0 <= vector <= 255:
        raise ValueError(f"lapic: vector {vector} is not 0-255")
    return 0


cdef object _set_int(uint64_t *bits, object value):
    """Store a Python int's 256 low bits."""
    cdef int w
    for w in range(4):
        bits[w] = (value >> (64 * w)) & 0xFFFFFFFFFFFFFFFF
    return None


cdef object _get_int(uint64_t *bits):
    cdef object out = 0
    cdef int w
    for w in range(4):
        out |= (<object>bits[w]) << (64 * w)
    return out


@cython.final
cdef class LocalAPICs(NativeDevice):
    """Every CPU's local APIC at one address, the APIC bus and the INTA source (native).

    The interface of the reference ``irqemu.devices.lapic.LocalAPICs``: the window's
    accesses (banked by the accessing CPU), ``acknowledge(cpu)``, ``ack_counts``,
    ``names``, ``ioapics`` (EOI broadcast), ``deliver`` (what the IO-APIC sends),
    ``targets``, ``broadcast_eoi``, and ``apics[n]``, a view of CPU n's APIC with the
    reference ``LocalAPIC``'s attributes and calls.
    """

    SIZE = 0x1000
    REGISTERS = LAPIC_MAP

    def __init__(self, machine, arch, int num_cpus, uint64_t base=_hw.APIC_DEFAULT_PHYS_BASE,
                 *, uint64_t bus_hz=1_000_000_000):
        fabric = getattr(machine, "fabric", None)
        if not isinstance(fabric, Fabric):
            raise ValueError("lapic: the native local APICs need a machine with a native "
                             "fabric (engine 'native')")
        if not 1 <= num_cpus <= FABRIC_MAX_CPUS:
            raise ValueError(f"lapic: 1 to {FABRIC_MAX_CPUS} CPUs")
        if bus_hz == 0:
            raise ValueError("lapic: the APIC bus clock must be positive")
        NativeDevice.__init__(self, fabric, base, "lapic")
        self.board = machine
        self.arch = arch
        self.num_cpus = num_cpus
        self.bus_hz = bus_hz
        self.names = {}
        self.ioapics = []
        self.apics = [LocalAPICView(self, c) for c in range(num_cpus)]
        cdef int c, k
        for c in range(num_cpus):
            for k in range(LAPIC_NKINDS):
                self.a[c].v[k] = RESET[k]
            self.a[c].v[K_ID] = <uint32_t>c << 24

    cdef int check_cpu(self, int cpu) except -1:
        if not 0 <= cpu < self.num_cpus:
            raise IndexError(f"lapic: no CPU {cpu} (the window has {self.num_cpus})")
        return 0

    # -- priorities and the INTR output --------------------------------------------
    cdef int ppr(self, int c) noexcept:
        """Processor priority (SDM 11.8.3.1)."""
        cdef int tpr = self.a[c].v[K_TPR] & 0xFF
        cdef int isrv = _highest(self.a[c].isr)
        if isrv < 0:
            isrv = 0
        return tpr if (tpr >> 4) >= (isrv >> 4) else isrv & 0xF0

    cdef int pending_vector(self, int c) noexcept:
        """The vector INTR would deliver, or -1."""
        cdef int irrv = _highest(self.a[c].irr)
        if irrv < 0 or not self.a[c].v[K_SVR] & SVR_ENABLE:
            return -1
        return irrv if (irrv & 0xF0) > (self.ppr(c) & 0xF0) else -1

    cdef int update(self, int c) except -1:
        cdef bint want = self.pending_vector(c) >= 0
        if want != self.a[c].intr:
            self.a[c].intr = want
            self.fabric.set_cpu_input(c, CPU_IRQ, want)
        return 0

    cdef int _name(self, int vector, int src, int src_cpu, object src_str) except -1:
        """``names.setdefault(vector, source)``, once per vector."""
        if _test(self.named, vector):
            return 0
        _set(self.named, vector)
        if src == SRC_TIMER:
            s = "lapic-timer"
        elif src == SRC_ERROR:
            s = f"lapic{src_cpu} error"
        elif src == SRC_IPI:
            s = f"ipi from cpu{src_cpu}"
        else:
            s = src_str
        self.names.setdefault(vector, s)
        return 0

    cdef int accept(self, int c, int vector, bint level, int src, int src_cpu,
                    object src_str) except -1:
        """A fixed interrupt for CPU ``c`` arrives (IO-APIC, IPI or LVT)."""
        if vector < 16:
            return self.error(c, ESR_RECV_ILLEGAL_VECTOR)
        _set(self.a[c].irr, vector)
        if level:
            _set(self.a[c].tmr, vector)
        else:
            _clear(self.a[c].tmr, vector)
        if src != SRC_NONE and not (src == SRC_STR and not src_str):
            self._name(vector, src, src_cpu, src_str)
        return self.update(c)

    cdef int peek(self, int cpu) noexcept:
        """The vector ``ack`` would return now (the spurious vector if none is deliverable)."""
        cdef int v = self.pending_vector(cpu)
        return v if v >= 0 else self.a[cpu].v[K_SVR] & 0xFF

    cdef int ack(self, int cpu) except -1:
        """INTA of ``cpu``: the highest deliverable IRR vector moves to the ISR (the
        spurious vector if none); counted by vector, per CPU."""
        cdef int v = self.pending_vector(cpu)
        if v < 0:
            v = self.a[cpu].v[K_SVR] & 0xFF
        else:
            _clear(self.a[cpu].irr, v)
            _set(self.a[cpu].isr, v)
            self.update(cpu)
        if not self.acked[v]:
            self.acked[v] = 1
            self.ack_order[self.n_acked] = v
            self.n_acked += 1
        self.acks[v][cpu] += 1
        return v

    cdef int error(self, int c, uint32_t bit) except -1:
        cdef uint32_t lvt = self.a[c].v[K_LVT_ERROR]
        self.a[c].esr_pending |= bit
        if not lvt & LVT_MASKED:
            if (lvt & 0xFF) < 16:
                # an illegal vector in the error entry: recorded, not delivered (SDM 11.5.3)
                self.a[c].esr_pending |= ESR_RECV_ILLEGAL_VECTOR
                return 0
            self.accept(c, lvt & 0xFF, False, SRC_ERROR, c, None)
        return 0

    cdef int reset_apic(self, int c) except -1:
        """Power-on / INIT state (SDM 11.4.7.1); the APIC ID survives INIT."""
        cdef uint32_t apic_id = self.a[c].v[K_ID]
        cdef int k, w
        self.timer_stop(c)
        for k in range(LAPIC_NKINDS):
            self.a[c].v[k] = RESET[k]
        self.a[c].v[K_ID] = apic_id
        for w in range(4):
            self.a[c].irr[w] = self.a[c].isr[w] = self.a[c].tmr[w] = 0
        self.a[c].esr_pending = 0
        return self.update(c)

    cdef int eoi(self, int c) except -1:
        cdef int v = _highest(self.a[c].isr)
        if v < 0:
            return 0
        _clear(self.a[c].isr, v)
        if _test(self.a[c].tmr, v) and not self.a[c].v[K_SVR] & SVR_SUPPRESS_EOI_BROADCAST:
            self.broadcast_eoi(v)
        return self.update(c)

    def broadcast_eoi(self, int vector):
        for io in self.ioapics:
            io.eoi(vector)

    # -- destinations and delivery (SDM 11.6) -----------------------------------------
    cdef uint32_t dest_mask(self, uint32_t dest, bint logical) noexcept:
        """The CPUs a message for ``dest`` reaches, as a bit mask."""
        cdef uint32_t out = 0, ldr
        cdef int c
        for c in range(self.num_cpus):
            if not logical:
                if dest == 0xFF or self.a[c].v[K_ID] >> 24 == dest:
                    out |= 1u << c
                continue
            ldr = self.a[c].v[K_LDR] >> 24
            if dest == 0xFF:
                out |= 1u << c
            elif self.a[c].v[K_DFR] >> 28 == 0xF:  # flat model
                if ldr & dest:
                    out |= 1u << c
            elif dest >> 4 == ldr >> 4 and dest & ldr & 0xF:  # cluster model
                out |= 1u << c
        return out

    cdef int send_message(self, uint32_t dest, bint logical, int mode, int vector, bint level,
                     int src, int src_cpu, object src_str, uint32_t mask,
                     bint have_mask) except -1:
        """An interrupt message on the APIC bus to ``mask`` (or to ``dest``'s CPUs)."""
        cdef int c, best = -1
        cdef uint32_t key, best_key = 0
        if not have_mask:
            mask = self.dest_mask(dest, logical)
        if mode == DM_LOWEST and mask:
            for c in range(self.num_cpus):
                if mask >> c & 1:
                    key = ((self.a[c].v[K_TPR] & 0xFF) << 8) | (self.a[c].v[K_ID] >> 24)
                    if best < 0 or key < best_key:
                        best, best_key = c, key
            mask = 1u << best
        for c in range(self.num_cpus):
            if not mask >> c & 1:
                continue
            if mode == DM_FIXED or mode == DM_LOWEST:
                self.accept(c, vector, level, src, src_cpu, src_str)
            elif mode == DM_NMI:
                self.arch.raise_nmi(self.board, c)
            elif mode == DM_INIT:  # the CPU waits for a SIPI
                self.reset_apic(c)
                self.board.hold_cpu(c)
            elif mode == DM_SIPI:
                if self.board.cpus[c].state == "held":
                    self.board.release_cpu(c, (vector & 0xFF) << 12)
        return 0

    cdef int ipi(self, int c, uint32_t lo, uint32_t hi) except -1:
        """A write to ICR_LO sends an IPI (SDM 11.6.1)."""
        cdef int vector = lo & 0xFF, mode = (lo >> 8) & 7
        cdef int shorthand = (lo >> ICR_SHORTHAND_SHIFT) & 3
        cdef uint32_t all_cpus = (1u << self.num_cpus) - 1, mask = 0
        if mode == DM_INIT and lo & ICR_TRIGGER_LEVEL and not lo & ICR_LEVEL_ASSERT:
            return 0  # INIT level de-assert: only synchronises arbitration IDs
        if (mode == DM_FIXED or mode == DM_LOWEST) and vector < 16:
            return self.error(c, ESR_SEND_ILLEGAL_VECTOR)
        if shorthand == SH_SELF:
            mask = 1u << c
        elif shorthand == SH_ALL:
            mask = all_cpus
        elif shorthand == SH_OTHERS:
            mask = all_cpus & ~(1u << c)
        return self.send_message(hi >> 24, lo & ICR_DEST_LOGICAL, mode, vector, False, SRC_IPI, c,
                            None, mask, shorthand != SH_NONE)

    # -- timer (SDM 11.5.4) --------------------------------------------------------------
    cdef uint64_t tick_ps(self, int c) except? 0:
        cdef uint32_t dcr = self.a[c].v[K_TIMER_DCR]
        cdef uint32_t code = (dcr & 3) | ((dcr >> 1) & 4)
        cdef uint64_t divider = 1 if code == 7 else (<uint64_t>2) << code
        return divider * PS_PER_S // self.bus_hz

    cdef int timer_mode(self, int c) noexcept:
        return (self.a[c].v[K_LVT_TIMER] >> LVT_TIMER_SHIFT) & 3

    cdef int timer_stop(self, int c) noexcept:
        self.a[c].ev_seq = 0  # forgets the pending expiry (the queue drops it)
        return 0

    cdef int timer_schedule(self, int c) except -1:
        """(Re)schedule the next expiry from t_start, t_fired and the current mode."""
        cdef uint32_t initial = self.a[c].v[K_TIMER_ICR]
        cdef int mode = self.timer_mode(c)
        cdef irq_s128 when
        self.timer_stop(c)
        if initial == 0 or mode == TIMER_TSC_DEADLINE:
            return 0
        if mode == TIMER_ONESHOT and self.a[c].t_fired:
            return 0
        when = (<irq_s128>self.a[c].t_start + (<irq_s128>self.a[c].t_fired + 1)
                * (<irq_s128>initial * self.tick_ps(c)))
        if when < 0:
            raise ValueError(f"event 'lapic{c}.timer' scheduled at negative time")
        if when > <irq_s128>U64_MAX:
            when = <irq_s128>U64_MAX  # 2**64 ps and later: never reached
        self.a[c].ev_seq = self.fabric.events.schedule_native(<uint64_t>when, self, c, c)
        return 0

    cdef bint live(self, int code, uint64_t seq) noexcept:
        return self.a[code].ev_seq == seq

    cdef int fire(self, int c, uint64_t seq) except -1:
        cdef uint32_t lvt
        self.a[c].ev_seq = 0
        self.a[c].t_fired += 1
        lvt = self.a[c].v[K_LVT_TIMER]
        if not lvt & LVT_MASKED:
            self.accept(c, lvt & 0xFF, False, SRC_TIMER, c, None)
        return self.timer_schedule(c)

    cdef uint32_t current_count(self, int c, int64_t now) except? 0xFFFFFFFF:
        cdef uint32_t initial = self.a[c].v[K_TIMER_ICR]
        cdef int mode = self.timer_mode(c)
        cdef uint64_t tick
        cdef int64_t ticks, rem
        if initial == 0 or mode == TIMER_TSC_DEADLINE:
            return 0
        tick = self.tick_ps(c)
        if tick == 0:
            raise ZeroDivisionError("lapic: the timer's tick is shorter than a picosecond")
        ticks = _floordiv(now - self.a[c].t_start, <int64_t>tick)
        if mode == TIMER_PERIODIC:
            rem = ticks % <int64_t>initial
            if rem < 0:
                rem += initial
            return <uint32_t>(initial - rem)
        if ticks >= <int64_t>initial:
            return 0
        return <uint32_t>(initial - ticks)

    # -- registers ---------------------------------------------------------------------
    cdef uint32_t reg_read(self, int c, int cpu, int kind, int index) except? 0xFFFFFFFF:
        """One register of CPU ``c``'s APIC, read on behalf of ``cpu``."""
        if ACCESS[kind] == ACC_W:
            return 0
        if not READER[kind]:
            return self.a[c].v[kind] if COUNT[kind] == 1 else RESET[kind]
        if kind == K_PPR or kind == K_APR:
            return self.ppr(c)
        if kind == K_ISR:
            return (self.a[c].isr[index >> 1] >> (32 * (index & 1))) & 0xFFFFFFFF
        if kind == K_TMR:
            return (self.a[c].tmr[index >> 1] >> (32 * (index & 1))) & 0xFFFFFFFF
        if kind == K_IRR:
            return (self.a[c].irr[index >> 1] >> (32 * (index & 1))) & 0xFFFFFFFF
        return self.current_count(c, <int64_t>self.fabric.now(cpu))  # K_TIMER_CCR

    cdef int _write_lvt(self, int c, int kind, uint32_t value) noexcept:
        if not self.a[c].v[K_SVR] & SVR_ENABLE:
            value |= LVT_MASKED
        self.a[c].v[kind] = value
        return 0

    cdef int reg_write(self, int c, int cpu, int kind, uint32_t value) except -1:
        """A write of ``value`` (whole register, before the write rules) to CPU ``c``'s APIC."""
        cdef Apic *a = &self.a[c]
        cdef int old_mode, k
        cdef int64_t now
        cdef uint32_t count
        if ACCESS[kind] == ACC_R:
            return 0
        if not WRITER[kind]:
            a.v[kind] = (a.v[kind] & ~WRITABLE[kind]) | (value & WRITABLE[kind])
            return 0
        value &= WRITABLE[kind]
        if kind == K_TPR:
            a.v[K_TPR] = value
            return self.update(c)
        if kind == K_EOI:
            return self.eoi(c)
        if kind == K_SVR:
            a.v[K_SVR] = value
            if not value & SVR_ENABLE:
                for k in range(7):
                    a.v[LVT_KINDS[k]] |= LVT_MASKED
            return self.update(c)
        if kind == K_ESR:  # a write latches the errors seen since the previous write
            a.v[K_ESR] = a.esr_pending
            a.esr_pending = 0
            return 0
        if kind == K_ICR_LO:
            a.v[K_ICR_LO] = value & 0x000CCFFF & ~(<uint32_t>ICR_DELIVERY_STATUS)
            return self.ipi(c, value, a.v[K_ICR_HI])
        if kind == K_LVT_TIMER:
            old_mode = self.timer_mode(c)
            self._write_lvt(c, kind, value)
            if self.timer_mode(c) != old_mode:
                self.timer_schedule(c)
            return 0
        if kind == K_TIMER_ICR:
            if self.timer_mode(c) == TIMER_TSC_DEADLINE:
                return 0  # ignored in TSC-deadline mode
            a.v[K_TIMER_ICR] = value
            a.t_start = <int64_t>self.fabric.now(cpu)
            a.t_fired = 0
            return self.timer_schedule(c)
        if kind == K_TIMER_DCR:  # a new divider applies from now on; the count is kept
            now = <int64_t>self.fabric.now(cpu)
            count = self.current_count(c, now)
            a.v[K_TIMER_DCR] = value
            if a.v[K_TIMER_ICR] and a.ev_seq:
                a.t_start = now - <int64_t>((a.v[K_TIMER_ICR] - count) * self.tick_ps(c))
                a.t_fired = 0
                self.timer_schedule(c)
            return 0
        return self._write_lvt(c, kind, value)  # the other LVT entries

    cdef uint64_t bank_read(self, int c, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF:
        cdef int kind
        cdef uint64_t value
        if offset & 0xF or offset >= 0x1000:
            return 0
        kind = KIND_AT[offset >> 4]
        if kind == NO_REG:
            return 0
        value = self.reg_read(c, cpu, kind, INDEX_AT[offset >> 4])
        if size < 4:
            value &= ((<uint64_t>1) << (8 * size)) - 1
        return value

    cdef int bank_write(self, int c, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1:
        cdef int kind
        cdef uint64_t mask
        if offset & 0xF or offset >= 0x1000:
            return 0
        kind = KIND_AT[offset >> 4]
        if kind == NO_REG:
            return 0
        value &= 0xFFFFFFFF
        if size < 4:  # merged with the register's stored cell, as RegisterFile does
            mask = ((<uint64_t>1) << (8 * size)) - 1
            value = ((self.a[c].v[kind] if COUNT[kind] == 1 else RESET[kind]) & ~mask) | (value & mask)
        return self.reg_write(c, cpu, kind, <uint32_t>value)

    cdef uint64_t read(self, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF:
        self.check_cpu(cpu)
        return self.bank_read(cpu, cpu, offset, size)

    cdef int write(self, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1:
        self.check_cpu(cpu)
        return self.bank_write(cpu, cpu, offset, size, value)

    # -- the Python interface of the reference LocalAPICs ----------------------------
    def acknowledge(self, int cpu):
        """The INTA cycle of ``cpu``: the vector it takes."""
        self.check_cpu(cpu)
        return self.ack(cpu)

    @property
    def ack_counts(self):
        """vector -> acknowledged interrupts per CPU, vectors in the order first acked."""
        cdef int i, v, c
        out = {}
        for i in range(self.n_acked):
            v = self.ack_order[i]
            out[v] = [self.acks[v][c] for c in range(self.num_cpus)]
        return out

    def targets(self, uint32_t dest, bint logical):
        """The views of the APICs a message for ``dest`` reaches (SDM 11.6.2)."""
        cdef uint32_t mask = self.dest_mask(dest, logical)
        return [self.apics[c] for c in range(self.num_cpus) if mask >> c & 1]

    def deliver(self, uint32_t dest, bint logical, int mode, int vector, bint level=False,
                str source="", targets=None):
        """An interrupt message on the APIC bus (from the IOAPIC or an IPI); ``targets``
        (views) instead of ``dest``'s CPUs when given."""
        cdef uint32_t mask = 0
        _check_vector(vector)
        if targets is not None:
            for view in targets:
                mask |= 1u << <int>view.cpu
        self.send_message(dest, logical, mode, vector, level, SRC_STR, -1, source, mask,
                          targets is not None)

    def send_ipi(self, src, uint32_t lo, uint32_t hi):
        """A write of ``lo`` to ICR_LO of ``src`` (a view) with ICR_HI ``hi``."""
        self.ipi(<int>src.cpu, lo, hi)

    # state access for views and tests
    def _state(self, int c):
        """CPU ``c``'s APIC: every register cell and the model state, for comparisons."""
        cdef Apic *a
        self.check_cpu(c)
        a = &self.a[c]
        return {"regs": {r[1]: (a.v[k] if r[5] == 1 else RESET[k])
                         for k, r in enumerate(LAPIC_REGS)},
                "irr": _get_int(a.irr), "isr": _get_int(a.isr), "tmr": _get_int(a.tmr),
                "esr_pending": a.esr_pending, "intr": bool(a.intr),
                "t_start": a.t_start, "t_fired": a.t_fired, "timer_armed": a.ev_seq != 0}


@cython.final
cdef class LocalAPICView:
    """CPU ``cpu``'s local APIC in the native ``LocalAPICs``, with the attributes and calls
    of the reference ``irqemu.devices.lapic.LocalAPIC`` (state lives in the owner)."""

    cdef readonly LocalAPICs bus
    cdef readonly int cpu
    cdef readonly str name
    cdef readonly object regs

    def __init__(self, LocalAPICs bus, int cpu):
        self.bus = bus
        self.cpu = cpu
        self.name = f"lapic{cpu}"
        self.regs = _RegCells(bus, cpu)

    @property
    def machine(self):
        return self.bus.fabric.machine

    @property
    def bus_hz(self):
        return self.bus.bus_hz

    def reg(self, str name):
        return self.bus.a[self.cpu].v[_KIND[name]]

    property irr:
        def __get__(self):
            return _get_int(self.bus.a[self.cpu].irr)
        def __set__(self, value):
            _set_int(self.bus.a[self.cpu].irr, value)

    property isr:
        def __get__(self):
            return _get_int(self.bus.a[self.cpu].isr)
        def __set__(self, value):
            _set_int(self.bus.a[self.cpu].isr, value)

    property tmr:
        def __get__(self):
            return _get_int(self.bus.a[self.cpu].tmr)
        def __set__(self, value):
            _set_int(self.bus.a[self.cpu].tmr, value)

    @property
    def esr_pending(self):
        return self.bus.a[self.cpu].esr_pending

    @property
    def t_start(self):
        return self.bus.a[self.cpu].t_start

    @property
    def t_fired(self):
        return self.bus.a[self.cpu].t_fired

    @property
    def timer_armed(self):
        """Is an expiry scheduled (the reference's ``t_event is not None``)?"""
        return self.bus.a[self.cpu].ev_seq != 0

    @property
    def enabled(self):
        return bool(self.bus.a[self.cpu].v[K_SVR] & SVR_ENABLE)

    @property
    def apic_id(self):
        return self.bus.a[self.cpu].v[K_ID] >> 24

    def ppr(self):
        return self.bus.ppr(self.cpu)

    def pending_vector(self):
        cdef int v = self.bus.pending_vector(self.cpu)
        return None if v < 0 else v

    def update(self):
        self.bus.update(self.cpu)

    def accept(self, int vector, bint level=False, str source=""):
        """A fixed interrupt for this CPU arrives (from the IOAPIC, an IPI or an LVT)."""
        _check_vector(vector)
        self.bus.accept(self.cpu, vector, level, SRC_STR, -1, source)

    def acknowledge(self):
        """INTA on this APIC alone (not counted in ``ack_counts``, as the reference)."""
        cdef int v = self.bus.pending_vector(self.cpu)
        if v < 0:
            return self.bus.a[self.cpu].v[K_SVR] & 0xFF
        _clear(self.bus.a[self.cpu].irr, v)
        _set(self.bus.a[self.cpu].isr, v)
        self.bus.update(self.cpu)
        return v

    def reset(self):
        self.bus.reset_apic(self.cpu)

    def divider(self):
        cdef uint32_t dcr = self.bus.a[self.cpu].v[K_TIMER_DCR]
        cdef uint32_t code = (dcr & 3) | ((dcr >> 1) & 4)
        return 1 if code == 7 else 2 << code

    def tick_ps(self):
        return self.bus.tick_ps(self.cpu)

    def current_count(self, int64_t now):
        return self.bus.current_count(self.cpu, now)

    def mmio_read(self, int cpu, uint64_t offset, unsigned size):
        return self.bus.bank_read(self.cpu, cpu, offset, min(size, 4))

    def mmio_write(self, int cpu, uint64_t offset, unsigned size, uint64_t value):
        self.bus.bank_write(self.cpu, cpu, offset, min(size, 4), value)

    def __repr__(self):
        return f"<LocalAPICView {self.name} @ {self.bus.base:#x}>"


@cython.final
cdef class _RegCells:
    """``regs.values`` of a view: ``values[name][0]`` reads or sets the register's stored
    cell directly, with no side effect, as the reference's list cells do."""

    cdef LocalAPICs bus
    cdef int cpu

    def __init__(self, LocalAPICs bus, int cpu):
        self.bus = bus
        self.cpu = cpu

    @property
    def values(self):
        return self

    def __getitem__(self, str name):
        return _Cell(self.bus, self.cpu, _KIND[name])


@cython.final
cdef class _Cell:
    cdef LocalAPICs bus
    cdef int cpu
    cdef int kind

    def __init__(self, LocalAPICs bus, int cpu, int kind):
        self.bus, self.cpu, self.kind = bus, cpu, kind

    def __len__(self):
        return COUNT[self.kind]

    def __getitem__(self, int index):
        if not 0 <= index < COUNT[self.kind]:
            raise IndexError("list index out of range")
        return self.bus.a[self.cpu].v[self.kind] if COUNT[self.kind] == 1 else RESET[self.kind]

    def __setitem__(self, int index, uint32_t value):
        if not 0 <= index < COUNT[self.kind] or COUNT[self.kind] != 1:
            raise IndexError("only a single register's cell can be set")
        self.bus.a[self.cpu].v[self.kind] = value
