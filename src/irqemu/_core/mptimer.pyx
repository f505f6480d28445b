# cython: language_level=3
"""Cortex-A9 MPCore private timers and global timer, native.

The same models as ``irqemu.devices.a9mpcore`` (the executable reference), in C:
a timer counts from simulated time and PERIPHCLK ``hz``; only the next expiry
is an event, a native one the engine can fire at a block boundary. Tick k
after an epoch happens at ``epoch + ceil(k * scale * 10**12 / hz)``, in 128-bit
arithmetic so long runs neither drift nor overflow. Register accesses of any
width split into the registers they cover, exactly as ``RegisterFile`` does
(see ``_split_read``/``_split_write``); a register without behaviour is plain
storage, and a narrow write to one with behaviour merges with its reset value,
as the reference does.
"""

from libc.stdint cimport uint64_t, uint32_t

from irqemu._core.fabric cimport Fabric, IrqSink, NativeDevice, FABRIC_MAX_CPUS
from irqemu._core.wide cimport irq_tick_ps, irq_ticks

cdef uint64_t PS_PER_S = 1000000000000ULL
cdef uint64_t U64 = 0xFFFFFFFFFFFFFFFFULL

DEF PT_ENABLE = 1
DEF PT_AUTO_RELOAD = 2
DEF PT_IRQ_ENABLE = 4
DEF GT_ENABLE = 1
DEF GT_COMP_ENABLE = 2
DEF GT_IRQ_ENABLE = 4
DEF GT_AUTO_INC = 8
DEF NREG = 10


cdef inline uint64_t _prescale(uint64_t control) noexcept:
    return ((control >> 8) & 0xFF) + 1


cdef class NativeIrqLine:
    """One interrupt wire from a native device, as ``irqemu.devices.base.IrqLine``.

    ``connect(sink)`` takes a controller input (a callable); the device drives it
    only on a change of level.
    """

    def __init__(self, str name, sink=None):
        self.name = name
        self.level = False
        self._sink = sink

    def connect(self, sink):
        self._sink = sink
        self._csink = sink if isinstance(sink, IrqSink) else None
        if self.level:
            sink(True)

    cdef int drive(self, bint level) except -1:
        if level != self.level:
            self.level = level
            if self._csink is not None:
                self._csink.drive(level)
            elif self._sink is not None:
                self._sink(level)
        return 0

    def set(self, level):
        self.drive(bool(level))

    def pulse(self):
        self.drive(True)
        self.drive(False)


# -- register tables as data ---------------------------------------------------
#: the private timer's registers (Cortex-A9 MPCore TRM 4.2): offset, name, access
#: ("rw", "r", "w"), the bits a write takes, 1 if the device acts on it (else storage)
PTIMER_REGS = (
    (0x00, "PTIMER_LOAD", "rw", 0xFFFFFFFF, 1),
    (0x04, "PTIMER_COUNTER", "rw", 0xFFFFFFFF, 1),
    (0x08, "PTIMER_CONTROL", "rw", 0xFF07, 1),  # Enable 0, Auto-reload 1, IRQ Enable 2, Prescaler
    (0x0C, "PTIMER_ISR", "rw", 0xFFFFFFFF, 1),  # event flag, write 1 to clear
    (0x20, "WDT_LOAD", "rw", 0xFFFFFFFF, 0),
    (0x24, "WDT_COUNTER", "rw", 0xFFFFFFFF, 0),
    (0x28, "WDT_CONTROL", "rw", 0xFFFFFFFF, 0),
    (0x2C, "WDT_ISR", "rw", 0xFFFFFFFF, 0),
    (0x30, "WDT_RESET_STATUS", "rw", 0xFFFFFFFF, 0),
    (0x34, "WDT_DISABLE", "w", 0xFFFFFFFF, 0),
)
#: the global timer's registers (Cortex-A9 MPCore TRM 4.3)
GTIMER_REGS = tuple((off, name, "rw", 0xFFFFFFFF, 1) for off, name in (
    (0x00, "GTIMER_COUNTER_LO"), (0x04, "GTIMER_COUNTER_HI"), (0x08, "GTIMER_CONTROL"),
    (0x0C, "GTIMER_ISR"), (0x10, "GTIMER_COMPARATOR_LO"), (0x14, "GTIMER_COMPARATOR_HI"),
    (0x18, "GTIMER_AUTO_INCREMENT")))
_ACCESS = {"rw": 0, "r": 1, "w": 2}
#: the maps as ``NativeDevice.register_map`` gives them: (offset, name, width, count)
PTIMER_MAP = tuple((r[0], r[1], 4, 1) for r in PTIMER_REGS)
GTIMER_MAP = tuple((r[0], r[1], 4, 1) for r in GTIMER_REGS)


cdef struct RegDef:
    uint32_t offset
    int access          # 0 rw, 1 read-only, 2 write-only
    uint64_t accepted   # bits of a written value a writer sees (plain: all)
    bint behaviour      # 1: the device's read_reg/write_reg; 0: plain storage


cdef class _A9Regs(NativeDevice):
    """Width splitting and plain storage over a table of word registers."""

    cdef RegDef regs[NREG]
    cdef int nregs
    cdef uint64_t stored[NREG]   # plain registers' values (reset 0)

    cdef int _declare(self, table) except -1:
        """Build the C decode table from a register table (``PTIMER_REGS``...)."""
        cdef RegDef *r
        for offset, _name, access, accepted, behaviour in table:
            r = &self.regs[self.nregs]
            r.offset, r.access = offset, _ACCESS[access]
            r.accepted, r.behaviour = accepted, behaviour
            self.nregs += 1
        return 0

    cdef int _find(self, uint64_t addr) noexcept:
        cdef int i
        for i in range(self.nregs):
            if self.regs[i].offset <= addr < self.regs[i].offset + 4:
                return i
        return -1

    cdef uint64_t read_reg(self, int cpu, int reg) except? 0xFFFFFFFFFFFFFFFF:
        return 0

    cdef int write_reg(self, int cpu, int reg, uint64_t value) except -1:
        return 0

    cdef uint64_t _read1(self, int cpu, int i) except? 0xFFFFFFFFFFFFFFFF:
        if self.regs[i].access == 2:
            return 0
        if self.regs[i].behaviour:
            return self.read_reg(cpu, i) & 0xFFFFFFFF
        return self.stored[i]

    cdef int _write1(self, int cpu, int i, uint64_t value) except -1:
        if self.regs[i].access == 1:
            return 0
        if self.regs[i].behaviour:
            self.write_reg(cpu, i, value & self.regs[i].accepted)
        else:
            self.stored[i] = value & 0xFFFFFFFF
        return 0

    cdef uint64_t read(self, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF:
        cdef uint64_t value = 0, word
        cdef unsigned done = 0, inner, take
        cdef int i
        if size == 4 and not offset & 3:
            i = self._find(offset)
            return 0 if i < 0 else self._read1(cpu, i)
        while done < size:
            i = self._find(offset + done)
            if i < 0:
                done += 1
                continue
            inner = <unsigned>(offset + done - self.regs[i].offset)
            take = min(4 - inner, size - done)
            word = self._read1(cpu, i) >> (8 * inner)
            value |= (word & ((1ULL << (8 * take)) - 1)) << (8 * done)
            done += take
        return value

    cdef int write(self, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1:
        cdef unsigned done = 0, inner, take
        cdef uint64_t part, mask, old
        cdef int i
        if size == 4 and not offset & 3:
            i = self._find(offset)
            if i >= 0:
                self._write1(cpu, i, value & 0xFFFFFFFF)
            return 0
        while done < size:
            i = self._find(offset + done)
            if i < 0:
                done += 1
                continue
            inner = <unsigned>(offset + done - self.regs[i].offset)
            take = min(4 - inner, size - done)
            part = (value >> (8 * done)) & ((1ULL << (8 * take)) - 1)
            if inner or take < 4:
                # as RegisterFile: merge with the stored cell (a register with
                # behaviour keeps its reset value, 0, there)
                mask = ((1ULL << (8 * take)) - 1) << (8 * inner)
                old = 0 if self.regs[i].behaviour else self.stored[i]
                part = (old & ~mask) | (part << (8 * inner))
            self._write1(cpu, i, part)
            done += take
        return 0

    def reset(self):
        cdef int i
        for i in range(NREG):
            self.stored[i] = 0


def _setup(_A9Regs dev, machine, uint64_t base, str name, uint64_t hz, num_cpus, str what):
    """Check a timer's machine, clock and CPU count and attach it to the native fabric;
    returns its CPU count."""
    fabric = getattr(machine, "fabric", None)
    if not isinstance(fabric, Fabric):
        raise ValueError(f"{name}: the native {what} needs a machine with a native fabric "
                         "(engine 'native')")
    NativeDevice.__init__(dev, fabric, base, name)
    if hz == 0:
        raise ValueError(f"{name}: PERIPHCLK must be positive")
    n = machine.num_cpus if num_cpus is None else num_cpus
    if not 1 <= n <= FABRIC_MAX_CPUS:
        raise ValueError(f"{name}: 1 to {FABRIC_MAX_CPUS} CPUs")
    return n


# Private timer registers, in table order
DEF PT_LOAD = 0
DEF PT_COUNTER = 1
DEF PT_CONTROL = 2
DEF PT_ISR = 3


cdef class A9PrivateTimer(_A9Regs):
    """Per-CPU private timers (0x00A00600 on i.MX6Q), banked by the accessing CPU.

    ``irqs[n]`` is CPU n's timer output (PPI 29 on that CPU), level ``event flag &
    IRQ enable``. See ``irqemu.devices.a9mpcore.A9PrivateTimer``.
    """

    SIZE = 0x100
    REGISTERS = PTIMER_MAP
    cdef readonly uint64_t hz
    cdef readonly int num_cpus
    cdef uint64_t load[FABRIC_MAX_CPUS]
    cdef uint64_t count[FABRIC_MAX_CPUS]
    cdef uint64_t control[FABRIC_MAX_CPUS]
    cdef uint64_t status[FABRIC_MAX_CPUS]
    cdef bint running[FABRIC_MAX_CPUS]
    cdef uint64_t epoch[FABRIC_MAX_CPUS]
    cdef uint64_t c0[FABRIC_MAX_CPUS]
    cdef uint64_t expiries[FABRIC_MAX_CPUS]
    cdef uint64_t ev_seq[FABRIC_MAX_CPUS]
    cdef readonly list irqs

    def __init__(self, machine, uint64_t base=0x00A00600, str name="ptimer", *, uint64_t hz,
                 num_cpus=None):
        self.num_cpus = _setup(self, machine, base, name, hz, num_cpus, "private timer")
        self.hz = hz
        self.irqs = [NativeIrqLine(f"{name}.cpu{c}") for c in range(self.num_cpus)]
        self._declare(PTIMER_REGS)

    # -- one CPU's timer ----------------------------------------------------------
    cdef uint64_t counter(self, int c, uint64_t now) noexcept:
        cdef uint64_t k
        if not self.running[c]:
            return self.count[c]
        k = irq_ticks(now - self.epoch[c], self.hz, _prescale(self.control[c]), PS_PER_S)
        if k <= self.c0[c]:
            return self.c0[c] - <uint64_t>k
        if self.control[c] & PT_AUTO_RELOAD and self.load[c]:
            return self.load[c] - (k - self.c0[c] - 1) % (self.load[c] + 1)
        return 0

    cdef int freeze(self, int c, uint64_t now) except -1:
        if self.running[c]:
            self.count[c] = self.counter(c, now)
            self.running[c] = False
        self.ev_seq[c] = 0  # cancels the pending expiry
        return 0

    cdef int start(self, int c, uint64_t now) except -1:
        if not self.control[c] & PT_ENABLE:
            return 0
        if self.count[c] == 0:
            if not (self.control[c] & PT_AUTO_RELOAD and self.load[c]):
                return 0
            self.count[c] = self.load[c]
        self.running[c], self.epoch[c], self.c0[c], self.expiries[c] = True, now, self.count[c], 0
        self._schedule(c)
        return 0

    cdef int _schedule(self, int c) except -1:
        """The next expiry: tick c0 + expiries * (load + 1) after the epoch."""
        cdef uint64_t when = self.epoch[c] + irq_tick_ps(
            self.c0[c], self.expiries[c], self.load[c] + 1, _prescale(self.control[c]),
            PS_PER_S, self.hz)
        self.ev_seq[c] = self.fabric.events.schedule_native(when, self, c, c)
        return 0

    cdef bint live(self, int code, uint64_t seq) noexcept:
        return self.ev_seq[code] == seq

    cdef int fire(self, int c, uint64_t seq) except -1:
        self.ev_seq[c] = 0
        self.status[c] = 1
        if self.control[c] & PT_AUTO_RELOAD and self.load[c]:
            self.expiries[c] += 1
            self._schedule(c)
        else:
            self.running[c], self.count[c] = False, 0
        self.update_irq(c)
        return 0

    cdef int update_irq(self, int c) except -1:
        (<NativeIrqLine>self.irqs[c]).drive(bool(self.status[c] and self.control[c] & PT_IRQ_ENABLE))
        return 0

    # -- registers ------------------------------------------------------------------
    cdef uint64_t read_reg(self, int cpu, int reg) except? 0xFFFFFFFFFFFFFFFF:
        if reg == PT_LOAD:
            return self.load[cpu]
        if reg == PT_COUNTER:
            return self.counter(cpu, self.fabric.now(cpu))
        if reg == PT_CONTROL:
            return self.control[cpu]
        return self.status[cpu]

    cdef int write_reg(self, int cpu, int reg, uint64_t value) except -1:
        cdef uint64_t now
        if reg == PT_ISR:
            self.status[cpu] &= ~value & 1
            self.update_irq(cpu)
            return 0
        now = self.fabric.now(cpu)
        if reg == PT_LOAD:
            self.freeze(cpu, now)
            self.load[cpu] = self.count[cpu] = value
            self.start(cpu, now)
        elif reg == PT_COUNTER:
            self.freeze(cpu, now)
            self.count[cpu] = value
            self.start(cpu, now)
        else:  # PT_CONTROL
            if (self.control[cpu] ^ value) & 0xFF03:  # enable, reload mode or prescaler
                self.freeze(cpu, now)
                self.control[cpu] = value
                self.start(cpu, now)
            else:
                self.control[cpu] = value
            self.update_irq(cpu)
        return 0

    def reset(self):
        cdef int c
        _A9Regs.reset(self)
        for c in range(self.num_cpus):
            self.freeze(c, 0)
            self.load[c] = self.count[c] = self.control[c] = self.status[c] = 0
            self.update_irq(c)


# Global timer registers, in table order
DEF GT_COUNTER_LO = 0
DEF GT_COUNTER_HI = 1
DEF GT_CONTROL = 2
DEF GT_ISR = 3
DEF GT_COMP_LO = 4
DEF GT_COMP_HI = 5
DEF GT_AUTOINC = 6


cdef class A9GlobalTimer(_A9Regs):
    """The 64-bit global timer (0x00A00200 on i.MX6Q), PPI 27 on each CPU.

    Counter, enable and prescaler are shared; comparator, auto-increment, the
    comp/IRQ/auto-increment control bits and the event flag are banked per CPU.
    See ``irqemu.devices.a9mpcore.A9GlobalTimer``.
    """

    SIZE = 0x100
    REGISTERS = GTIMER_MAP
    cdef readonly uint64_t hz
    cdef readonly int num_cpus
    cdef uint64_t shared
    cdef uint64_t count
    cdef uint64_t epoch
    cdef uint64_t banked[FABRIC_MAX_CPUS]
    cdef uint64_t status[FABRIC_MAX_CPUS]
    cdef uint64_t comparator[FABRIC_MAX_CPUS]
    cdef uint64_t autoinc[FABRIC_MAX_CPUS]
    cdef uint64_t ev_seq[FABRIC_MAX_CPUS]
    cdef readonly list irqs

    def __init__(self, machine, uint64_t base=0x00A00200, str name="gtimer", *, uint64_t hz,
                 num_cpus=None):
        self.num_cpus = _setup(self, machine, base, name, hz, num_cpus, "global timer")
        self.hz = hz
        self.irqs = [NativeIrqLine(f"{name}.cpu{c}") for c in range(self.num_cpus)]
        self._declare(GTIMER_REGS)

    cdef uint64_t counter(self, uint64_t now) noexcept:
        if not self.shared & GT_ENABLE:
            return self.count
        return self.count + irq_ticks(now - self.epoch, self.hz, _prescale(self.shared), PS_PER_S)

    cdef int _rebase(self, uint64_t now) except -1:
        self.count, self.epoch = self.counter(now), now
        return 0

    cdef int _reschedule(self, int c, uint64_t now) except -1:
        cdef uint64_t when
        self.ev_seq[c] = 0
        if not (self.shared & GT_ENABLE and self.banked[c] & GT_COMP_ENABLE):
            return 0
        # ticks after the epoch (the reference's Python ints: may be negative)
        if self.comparator[c] >= self.count:
            when = self.epoch + irq_tick_ps(self.comparator[c] - self.count, 0, 0,
                                            _prescale(self.shared), PS_PER_S, self.hz)
        else:
            when = self.epoch
        if when < now:
            when = now
        self.ev_seq[c] = self.fabric.events.schedule_native(when, self, c, c)
        return 0

    cdef bint live(self, int code, uint64_t seq) noexcept:
        return self.ev_seq[code] == seq

    cdef int fire(self, int c, uint64_t seq) except -1:
        self.ev_seq[c] = 0
        self.status[c] = 1
        if self.banked[c] & GT_AUTO_INC:
            self.comparator[c] = self.comparator[c] + self.autoinc[c]
            self._reschedule(c, self.fabric.now(-1))
        self._update_irq(c)
        return 0

    cdef int _update_irq(self, int c) except -1:
        (<NativeIrqLine>self.irqs[c]).drive(bool(self.status[c] and self.banked[c] & GT_IRQ_ENABLE))
        return 0

    cdef int _all(self, uint64_t now) except -1:
        cdef int c
        for c in range(self.num_cpus):
            self._reschedule(c, now)
        return 0

    cdef uint64_t read_reg(self, int cpu, int reg) except? 0xFFFFFFFFFFFFFFFF:
        if reg == GT_COUNTER_LO:
            return self.counter(self.fabric.now(cpu)) & 0xFFFFFFFF
        if reg == GT_COUNTER_HI:
            return self.counter(self.fabric.now(cpu)) >> 32
        if reg == GT_CONTROL:
            return self.shared | self.banked[cpu]
        if reg == GT_ISR:
            return self.status[cpu]
        if reg == GT_COMP_LO:
            return self.comparator[cpu] & 0xFFFFFFFF
        if reg == GT_COMP_HI:
            return self.comparator[cpu] >> 32
        return self.autoinc[cpu]

    cdef int write_reg(self, int cpu, int reg, uint64_t value) except -1:
        cdef uint64_t now
        cdef int shift
        if reg == GT_ISR:
            self.status[cpu] &= ~value & 1
            self._update_irq(cpu)
            return 0
        if reg == GT_AUTOINC:
            self.autoinc[cpu] = value
            return 0
        now = self.fabric.now(cpu)
        if reg == GT_COUNTER_LO or reg == GT_COUNTER_HI:
            shift = 0 if reg == GT_COUNTER_LO else 32
            self._rebase(now)
            self.count = (self.count & ~(<uint64_t>0xFFFFFFFF << shift)) | (value << shift)
            self._all(now)
        elif reg == GT_CONTROL:
            self._rebase(now)
            self.shared = value & 0xFF01
            self.banked[cpu] = value & 0xE
            self._all(now)
            self._update_irq(cpu)
        else:  # comparator
            shift = 0 if reg == GT_COMP_LO else 32
            self._rebase(now)
            self.comparator[cpu] = ((self.comparator[cpu] & ~(<uint64_t>0xFFFFFFFF << shift))
                                    | (value << shift))
            self._reschedule(cpu, now)
        return 0

    def reset(self):
        _A9Regs.reset(self)
