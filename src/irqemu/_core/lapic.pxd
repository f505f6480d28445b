# The native local APICs' C interface: the state, and the calls the engine's x86
# interrupt entry makes without Python (``peek`` the vector INTR would deliver, ``ack``).

cimport cython
from libc.stdint cimport int64_t, uint8_t, uint32_t, uint64_t

from irqemu._core.fabric cimport Fabric, NativeDevice, FABRIC_MAX_CPUS

cdef enum:
    LAPIC_NKINDS = 26               # registers (banks) in the table, LAPIC_REGS order


cdef struct Apic:
    uint32_t v[LAPIC_NKINDS]        # each register's stored cell (the reference's values[name][0])
    uint64_t irr[4]                 # 256-bit vectors, word w holds vectors 64w..64w+63
    uint64_t isr[4]
    uint64_t tmr[4]
    uint32_t esr_pending
    bint intr                       # the INTR output as last driven
    int64_t t_start                 # time the current count started from the initial count
    uint64_t t_fired                # expiries since t_start
    uint64_t ev_seq                 # the pending expiry's event (0: none)


@cython.final
cdef class LocalAPICs(NativeDevice):
    cdef readonly object board
    cdef readonly object arch
    cdef readonly int num_cpus
    cdef readonly uint64_t bus_hz
    cdef readonly dict names
    cdef readonly list ioapics
    cdef readonly list apics
    cdef Apic a[FABRIC_MAX_CPUS]
    cdef uint64_t named[4]                      # vectors ``names`` has a source for
    cdef uint64_t acks[256][FABRIC_MAX_CPUS]    # acknowledged per vector, per CPU
    cdef uint8_t acked[256]
    cdef uint8_t ack_order[256]                 # vectors in the order of their first acknowledge
    cdef int n_acked

    cdef int peek(self, int cpu) noexcept
    cdef int ack(self, int cpu) except -1
    cdef int ppr(self, int c) noexcept
    cdef int pending_vector(self, int c) noexcept
    cdef int update(self, int c) except -1
    cdef int accept(self, int c, int vector, bint level, int src, int src_cpu,
                    object src_str) except -1
    cdef int error(self, int c, uint32_t bit) except -1
    cdef int reset_apic(self, int c) except -1
    cdef int eoi(self, int c) except -1
    cdef int ipi(self, int c, uint32_t lo, uint32_t hi) except -1
    cdef uint32_t dest_mask(self, uint32_t dest, bint logical) noexcept
    cdef int send_message(self, uint32_t dest, bint logical, int mode, int vector, bint level,
                     int src, int src_cpu, object src_str, uint32_t mask,
                     bint have_mask) except -1
    cdef uint64_t tick_ps(self, int c) except? 0
    cdef int timer_mode(self, int c) noexcept
    cdef int timer_stop(self, int c) noexcept
    cdef int timer_schedule(self, int c) except -1
    cdef uint32_t current_count(self, int c, int64_t now) except? 0xFFFFFFFF
    cdef uint32_t reg_read(self, int c, int cpu, int kind, int index) except? 0xFFFFFFFF
    cdef int reg_write(self, int c, int cpu, int kind, uint32_t value) except -1
    cdef uint64_t bank_read(self, int c, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF
    cdef int bank_write(self, int c, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1
    cdef int check_cpu(self, int cpu) except -1
    cdef int _name(self, int vector, int src, int src_cpu, object src_str) except -1
    cdef int _write_lvt(self, int c, int kind, uint32_t value) noexcept
