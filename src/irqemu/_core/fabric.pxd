# The native interrupt fabric's C interface: native devices, the event queue, CPU inputs.
#
# A NativeDevice is a device model with typed state whose register accesses the engine
# makes in C (no Python per access). It drives core interrupt inputs through its
# Fabric, and schedules its timed work as native events in the Fabric's EventQueue,
# which also holds the Python devices' events, in one (time, sequence) order.

from cpython.ref cimport PyObject
from libc.stdint cimport uint64_t

cdef enum:
    FABRIC_MAX_CPUS = 8

# The engine's fast path for one core's inputs: set the pending bit in C.
ctypedef void (*fast_input_fn)(void *ctx, int line, int level, uint64_t now_ps) noexcept


cdef class Fabric


cdef class IrqSink:
    # A controller input that a native device's line drives in C (``sink(level)`` too).
    cdef int drive(self, bint level) except -1


cdef class NativeDevice:
    cdef readonly Fabric fabric
    cdef readonly str name
    cdef readonly uint64_t base
    # A guest (or model) register access on behalf of ``cpu``; ``offset`` from ``base``.
    cdef uint64_t read(self, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF
    cdef int write(self, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1
    # An AArch64 system register this device answers (``code`` is the device's own).
    cdef uint64_t sys_read(self, int cpu, int code) except? 0xFFFFFFFFFFFFFFFF
    cdef int sys_write(self, int cpu, int code, uint64_t value) except -1
    # A native event this device scheduled (``code`` is the device's own) is due now.
    cdef int fire(self, int code, uint64_t seq) except -1
    # Is that event still wanted? (A device cancels by forgetting its sequence number.)
    cdef bint live(self, int code, uint64_t seq) noexcept


cdef struct NEvent:
    uint64_t when
    uint64_t seq
    PyObject *obj      # a Python Event (one reference owned by the heap) or a NativeDevice
    int code           # -1: a Python event; else the device's event code
    int cpu            # a native event: the one CPU whose state it changes


cdef class EventQueue:
    cdef NEvent *heap
    cdef Py_ssize_t n
    cdef Py_ssize_t cap
    cdef uint64_t next_seq
    cdef uint64_t instant
    cdef uint64_t at_instant
    cdef public object on_schedule
    cdef Fabric fabric
    cdef uint64_t schedule_native(self, uint64_t when, NativeDevice dev, int code,
                                  int cpu) except 0
    cdef int push(self, NEvent ev) except -1
    cdef NEvent pop_top(self) noexcept
    cdef int drop_dead(self) except -1
    cdef int count_instant(self, NEvent *ev) except -1


cdef class Fabric:
    cdef public object machine
    cdef readonly EventQueue events
    cdef readonly uint64_t hz
    cdef public uint64_t now_ps
    cdef public int running
    cdef int ncpus
    cdef uint64_t *cycles[FABRIC_MAX_CPUS]      # each core's cycle count (engine State)
    cdef uint64_t *deadlines[FABRIC_MAX_CPUS]   # each core's run deadline (engine State)
    cdef fast_input_fn fast_input
    cdef void *fast_ctx
    cdef int fast_cpu
    cdef int fast_broken
    cdef uint64_t now(self, int cpu) noexcept
    cdef uint64_t to_ps(self, uint64_t cycles) noexcept
    cdef uint64_t to_cycles(self, uint64_t ps) noexcept
    cdef int lower_deadline(self, uint64_t when) except -1
    cdef int set_cpu_input(self, int cpu, int line, bint level) except -1
