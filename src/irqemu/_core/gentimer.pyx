# cython: language_level=3
"""The ARM generic timer (ARMv8-A ARM ARM chapter D11), native.

The same model as ``irqemu.devices.arm_generic_timer`` (its executable
reference), in C: per-CPU physical and virtual timers against a system counter
derived from simulated time only (``count = now_ps * hz // 10**12``, CNTVOFF 0).
The guest reaches it through system registers; the engine answers MRS/MSR of
them in C (``Core.map_native_sysregs``) with ``sys_read``/``sys_write``, and an
expiry is a native event the engine fires at a block boundary.
"""

from libc.stdint cimport uint64_t

from irqemu._core.fabric cimport Fabric, NativeDevice, FABRIC_MAX_CPUS
from irqemu._core.mptimer cimport NativeIrqLine
from irqemu._core.wide cimport irq_muldiv, irq_muldiv_up_sat

cdef uint64_t PS_PER_S = 1000000000000ULL
DEF CTL_ENABLE = 1
DEF CTL_IMASK = 2
DEF CTL_ISTATUS = 4

#: the system registers, in code order (codes are what ``sys_read``/``sys_write`` take)
SYSREGS = ("CNTFRQ_EL0", "CNTPCT_EL0", "CNTVCT_EL0", "CNTP_TVAL_EL0", "CNTP_CTL_EL0",
           "CNTP_CVAL_EL0", "CNTV_TVAL_EL0", "CNTV_CTL_EL0", "CNTV_CVAL_EL0")
_CODE = {name: i for i, name in enumerate(SYSREGS)}
DEF R_FRQ = 0
DEF R_PCT = 1
DEF R_VCT = 2


cdef class ArmGenericTimer(NativeDevice):
    """Per-CPU ARM generic timers and their system counter (native).

    ``virt_irqs[n]`` / ``phys_irqs[n]`` are CPU n's virtual / non-secure physical
    timer outputs (level-sensitive PPIs). Timer ``t`` is ``kind * 8 + cpu``
    (kind 0 physical, 1 virtual), also its native event's code.
    """

    cdef readonly uint64_t hz
    cdef readonly int num_cpus
    cdef uint64_t ctl[2 * FABRIC_MAX_CPUS]
    cdef uint64_t cval[2 * FABRIC_MAX_CPUS]
    cdef uint64_t ev_seq[2 * FABRIC_MAX_CPUS]
    cdef list _lines
    cdef readonly list phys_irqs
    cdef readonly list virt_irqs

    def __init__(self, machine, str name="generic_timer", *, uint64_t hz, num_cpus=None):
        fabric = getattr(machine, "fabric", None)
        if not isinstance(fabric, Fabric):
            raise ValueError(f"{name}: the native generic timer needs a machine with a native "
                             "fabric (engine 'native')")
        if hz == 0:
            raise ValueError("counter frequency must be positive")
        NativeDevice.__init__(self, fabric, 0, name)
        self.hz = hz
        self.num_cpus = machine.num_cpus if num_cpus is None else num_cpus
        if not 1 <= self.num_cpus <= FABRIC_MAX_CPUS:
            raise ValueError(f"{name}: 1 to {FABRIC_MAX_CPUS} CPUs")
        self.phys_irqs = [NativeIrqLine(f"{name}.phys.cpu{c}") for c in range(self.num_cpus)]
        self.virt_irqs = [NativeIrqLine(f"{name}.virt.cpu{c}") for c in range(self.num_cpus)]
        self._lines = [None] * (2 * FABRIC_MAX_CPUS)
        for c in range(self.num_cpus):
            self._lines[c] = self.phys_irqs[c]
            self._lines[FABRIC_MAX_CPUS + c] = self.virt_irqs[c]

    @staticmethod
    def codes():
        """``{register name: code}`` for ``Core.map_native_sysregs``."""
        return dict(_CODE)

    # -- the system counter ---------------------------------------------------
    cdef uint64_t _count(self, uint64_t now_ps) noexcept:
        return irq_muldiv(now_ps, self.hz, PS_PER_S)

    def count(self, uint64_t now_ps):
        return self._count(now_ps)

    def time_of(self, uint64_t count):
        """The first picosecond at which the counter reads ``count`` or more."""
        return irq_muldiv_up_sat(count, PS_PER_S, self.hz)

    # -- one timer --------------------------------------------------------------
    cdef bint _istatus(self, int t, uint64_t count) noexcept:
        return (self.ctl[t] & CTL_ENABLE) and count >= self.cval[t]

    cdef int recalc(self, int t, uint64_t now) except -1:
        """Drive the output for time ``now`` and schedule the next expiry if any."""
        cdef uint64_t count = self._count(now)
        cdef bint ist = self._istatus(t, count)
        (<NativeIrqLine>self._lines[t]).drive(ist and not self.ctl[t] & CTL_IMASK)
        self.ev_seq[t] = 0
        if self.ctl[t] & CTL_ENABLE and not ist:
            self.ev_seq[t] = self.fabric.events.schedule_native(
                irq_muldiv_up_sat(self.cval[t], PS_PER_S, self.hz), self, t,
                t % FABRIC_MAX_CPUS)
        return 0

    cdef bint live(self, int code, uint64_t seq) noexcept:
        return self.ev_seq[code] == seq

    cdef int fire(self, int code, uint64_t seq) except -1:
        self.ev_seq[code] = 0
        self.recalc(code, self.fabric.now(-1))
        return 0

    # -- system registers (what MRS/MSR see on CPU ``cpu``) ----------------------
    cdef uint64_t sys_read(self, int cpu, int code) except? 0xFFFFFFFFFFFFFFFF:
        cdef uint64_t count = self._count(self.fabric.now(cpu))
        cdef int t
        if code == R_FRQ:
            return self.hz
        if code == R_PCT or code == R_VCT:
            return count
        t = (FABRIC_MAX_CPUS if code >= 6 else 0) + cpu
        code = (code - 3) % 3   # 0 TVAL, 1 CTL, 2 CVAL
        if code == 1:
            return (self.ctl[t] & (CTL_ENABLE | CTL_IMASK)) | (CTL_ISTATUS if self._istatus(t, count)
                                                              else 0)
        if code == 2:
            return self.cval[t]
        return (self.cval[t] - count) & 0xFFFFFFFF

    cdef int sys_write(self, int cpu, int code, uint64_t value) except -1:
        cdef uint64_t now, tval
        cdef int t
        if code <= R_VCT:
            return 0  # CNTFRQ_EL0 is writable only at the highest EL; counters are RO
        now = self.fabric.now(cpu)
        t = (FABRIC_MAX_CPUS if code >= 6 else 0) + cpu
        code = (code - 3) % 3
        if code == 1:
            self.ctl[t] = value & (CTL_ENABLE | CTL_IMASK)
        elif code == 2:
            self.cval[t] = value
        else:
            tval = value & 0xFFFFFFFF
            if tval & 0x80000000:
                tval |= 0xFFFFFFFF00000000ULL   # SignExtend(TVAL[31:0]), modulo 2**64
            self.cval[t] = self._count(now) + tval
        self.recalc(t, now)
        return 0

    def _check(self, int cpu, str name):
        if not 0 <= cpu < self.num_cpus:
            raise ValueError(f"{self.name}: no CPU {cpu}")
        if name not in _CODE:
            raise ValueError(f"{self.name}: no register {name}")
        return _CODE[name]

    def sysreg_read(self, int cpu, str name):
        return self.sys_read(cpu, self._check(cpu, name))

    def sysreg_write(self, int cpu, str name, uint64_t value):
        self.sys_write(cpu, self._check(cpu, name), value)

    def reset(self):
        cdef int c, t
        for t in [*range(self.num_cpus), *range(FABRIC_MAX_CPUS, FABRIC_MAX_CPUS + self.num_cpus)]:
            self.ctl[t] = self.cval[t] = 0  # every physical timer, then every virtual one
            self.recalc(t, 0)
