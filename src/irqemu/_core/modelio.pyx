# cython: language_level=3
"""Model code's register accesses to a native device, one C call each.

``MachineChipIO.read32(cpu, addr)`` charges the MMIO access to the running core and
calls the device's ``mmio_read``: a Python frame, a dict lookup and a Cython call per
access. For the registers a hot model path touches on every interrupt (the GIC's IAR
and EOIR, a timer's status register), :class:`NativeRegister` does the same charge and
the same access in C (issue 11, the modelled hard-IRQ path).
"""

from libc.stdint cimport uint64_t

from irqemu._core.fabric cimport Fabric, NativeDevice


cdef inline int charge_running(Fabric f, uint64_t cycles, what) except -1:
    """Add ``cycles`` to the core the fabric records as running (none between runs);
    ``what`` names the caller in the error for a core without a native cycle count."""
    cdef int running = f.running
    if running >= 0:
        if running >= f.ncpus or f.cycles[running] == NULL:
            raise RuntimeError(f"{what}: core {running} runs without the native fabric's "
                               "cycle count")
        f.cycles[running][0] += cycles
    return 0


cdef class NativeRegister:
    """The 32-bit register at ``offset`` of native ``device``, as model code accesses it
    through ``MachineChipIO``: ``cost`` modelled cycles charged to the core running now
    (none between runs), then the access on behalf of ``cpu``."""

    cdef readonly NativeDevice device
    cdef readonly uint64_t offset
    cdef readonly uint64_t cost
    cdef Fabric fabric

    def __init__(self, NativeDevice device, uint64_t offset, uint64_t cost):
        self.device = device
        self.offset = offset
        self.cost = cost
        self.fabric = device.fabric

    cdef inline int charge(self) except -1:
        return charge_running(self.fabric, self.cost, self)

    def read(self, int cpu):
        """``read32(cpu, base + offset)``."""
        self.charge()
        return self.device.read(cpu, self.offset, 4)

    def write(self, int cpu, uint64_t value):
        """``write32(cpu, base + offset, value)``."""
        self.charge()
        self.device.write(cpu, self.offset, 4, value & 0xFFFFFFFF)

    def __repr__(self):
        return f"<NativeRegister {self.device.name}+{self.offset:#x}>"


cdef class RunningCore:
    """``charge(cycles)``: add modelled cycles to the core running now (none between
    runs), as ``MachineCpuOps.charge`` does, and ``smp_processor_id()``, each in one C
    call (the hard-IRQ path makes several of each per interrupt)."""

    cdef Fabric fabric

    def __init__(self, Fabric fabric):
        self.fabric = fabric

    def charge(self, uint64_t cycles):
        """Charge ``cycles`` to the running core."""
        charge_running(self.fabric, cycles, "charge")

    def smp_processor_id(self):
        """The running core's index (0 between runs), as ``MachineCpuOps.smp_processor_id``."""
        cdef int running = self.fabric.running
        return running if running >= 0 else 0
