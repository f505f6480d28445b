# cython: language_level=3
"""The native interrupt fabric: one event queue for every device, native devices, CPU inputs.

``EventQueue`` is ``irqemu.sim.events.EventQueue`` in C with the same order
(earliest time first, ties in scheduling order), the same lazy cancellation and
the same livelock guard; it holds the Python devices' events (callbacks) and the
native devices' events (a device, a code and the CPU it concerns) in one heap,
so the native engine can fire a due timer event at a block boundary without
Python while a Python device's event still stops the core for the machine.

``Fabric`` is what a native device sees of the machine: simulated time (the
running core's local time, else the machine's), the event queue, and the core
interrupt inputs. An input change for the core the engine is running in its
fast loop is a bit set in C; any other goes to ``Machine.set_cpu_input``.
"""

from cpython.ref cimport PyObject, Py_INCREF, Py_DECREF
from libc.stdint cimport uint64_t
from libc.stdlib cimport malloc, realloc, free

from irqemu.errors import LivelockError

#: events that may fire at one simulated instant before the queue calls it a livelock
MAX_EVENTS_PER_INSTANT = 100_000
cdef uint64_t _MAX_AT_INSTANT = 100_000
cdef uint64_t _NO_INSTANT = 0xFFFFFFFFFFFFFFFF
cdef uint64_t PS_PER_S = 1000000000000ULL

from irqemu._core.wide cimport irq_muldiv, irq_muldiv_up


cdef class Event:
    """A Python callback due at ``when`` (picoseconds). Cancel with ``cancel()``."""

    cdef public uint64_t when
    cdef public uint64_t seq
    cdef public object fn
    cdef public str name
    cdef public bint cancelled

    def __init__(self, uint64_t when, uint64_t seq, fn, str name=""):
        self.when = when
        self.seq = seq
        self.fn = fn
        self.name = name
        self.cancelled = False

    def cancel(self):
        self.cancelled = True

    def __repr__(self):
        return f"Event({self.name!r} at {self.when} ps{', cancelled' if self.cancelled else ''})"


cdef class NativeEvent:
    """A native device's event as the Python run loop sees it when it pops one."""

    cdef public uint64_t when
    cdef public uint64_t seq
    cdef NativeDevice dev
    cdef int code

    @property
    def name(self):
        return f"{self.dev.name}:{self.code}"

    def fn(self):
        self.dev.fire(self.code, self.seq)

    def cancel(self):
        raise TypeError("a native event is cancelled by its device")

    def __repr__(self):
        return f"NativeEvent({self.name!r} at {self.when} ps)"


cdef inline bint _before(NEvent *a, NEvent *b) noexcept:
    return a.when < b.when or (a.when == b.when and a.seq < b.seq)


cdef class EventQueue:
    """Events ordered by (time, sequence number); cancelled ones are skipped lazily."""

    def __cinit__(self):
        self.cap = 64
        self.heap = <NEvent *>malloc(self.cap * sizeof(NEvent))
        if self.heap == NULL:
            raise MemoryError()
        self.n = 0
        self.next_seq = 1
        self.instant = _NO_INSTANT
        self.at_instant = 0

    def __init__(self, Fabric fabric=None):
        self.fabric = fabric
        self.on_schedule = None

    def __dealloc__(self):
        cdef Py_ssize_t i
        if self.heap != NULL:
            for i in range(self.n):
                if self.heap[i].code < 0:
                    Py_DECREF(<object>self.heap[i].obj)
            free(self.heap)
            self.heap = NULL

    cdef int push(self, NEvent ev) except -1:
        cdef Py_ssize_t i, parent
        cdef NEvent *grown
        if self.n == self.cap:
            grown = <NEvent *>realloc(self.heap, 2 * self.cap * sizeof(NEvent))
            if grown == NULL:
                raise MemoryError()
            self.heap, self.cap = grown, 2 * self.cap
        i = self.n
        self.n += 1
        while i > 0:
            parent = (i - 1) >> 1
            if not _before(&ev, &self.heap[parent]):
                break
            self.heap[i] = self.heap[parent]
            i = parent
        self.heap[i] = ev
        return 0

    cdef NEvent pop_top(self) noexcept:
        cdef NEvent top = self.heap[0]
        cdef NEvent last
        cdef Py_ssize_t i = 0, child
        self.n -= 1
        if self.n > 0:
            last = self.heap[self.n]
            while True:
                child = 2 * i + 1
                if child >= self.n:
                    break
                if child + 1 < self.n and _before(&self.heap[child + 1], &self.heap[child]):
                    child += 1
                if not _before(&self.heap[child], &last):
                    break
                self.heap[i] = self.heap[child]
                i = child
            self.heap[i] = last
        return top

    cdef int drop_dead(self) except -1:
        """Pop cancelled events off the top, so heap[0] (if any) is live."""
        cdef NEvent ev
        while self.n:
            ev = self.heap[0]
            if ev.code < 0:
                if not (<Event>ev.obj).cancelled:
                    return 0
                self.pop_top()
                Py_DECREF(<object>ev.obj)
            else:
                if (<NativeDevice>ev.obj).live(ev.code, ev.seq):
                    return 0
                self.pop_top()
        return 0

    cdef int count_instant(self, NEvent *ev) except -1:
        if ev.when != self.instant:
            self.instant, self.at_instant = ev.when, 0
        else:
            self.at_instant += 1
            if self.at_instant >= _MAX_AT_INSTANT:
                if ev.code < 0:
                    name = (<Event>ev.obj).name or "unnamed event"
                else:
                    name = f"{(<NativeDevice>ev.obj).name}:{ev.code}"
                raise LivelockError(
                    f"device livelock: {MAX_EVENTS_PER_INSTANT:,} events fired at "
                    f"simulated time {ev.when:,} ps without time advancing (last: {name})")
        return 0

    cdef uint64_t schedule_native(self, uint64_t when, NativeDevice dev, int code,
                                  int cpu) except 0:
        """Schedule ``dev.fire(code, seq)`` at ``when``; returns the (nonzero) ``seq``."""
        cdef NEvent ev
        ev.when, ev.seq, ev.obj, ev.code, ev.cpu = when, self.next_seq, <PyObject *>dev, code, cpu
        self.next_seq += 1
        self.push(ev)
        # A core running now stops by then (the machine's _on_schedule, in C); between
        # runs, and in run_fabric's own rounds, the loop reads the queue's head anyway.
        if self.fabric is not None and self.fabric.running >= 0:
            self.fabric.lower_deadline(when)
        return ev.seq

    # -- the Python interface of irqemu.sim.events.EventQueue ---------------------
    def schedule(self, when, fn, str name=""):
        """Run ``fn`` at simulated time ``when``; returns a handle to cancel it."""
        if when < 0:
            raise ValueError(f"event {name!r} scheduled at negative time {when}")
        if when > 0xFFFFFFFFFFFFFFFF:
            when = 0xFFFFFFFFFFFFFFFF  # 2**64 ps (213 days) and later: never reached
        cdef Event e = Event(when, self.next_seq, fn, name)
        cdef NEvent ev
        ev.when, ev.seq, ev.obj, ev.code, ev.cpu = e.when, e.seq, <PyObject *>e, -1, -1
        self.next_seq += 1
        self.push(ev)
        Py_INCREF(e)
        if self.on_schedule is not None:
            self.on_schedule(when)
        return e

    def peek_time(self):
        """Time of the earliest live event, or None if there is none."""
        self.drop_dead()
        return self.heap[0].when if self.n else None

    def pop_due(self, uint64_t now):
        """Remove and return the earliest live event due at or before ``now``."""
        cdef NEvent ev
        cdef NativeEvent ne
        self.drop_dead()
        if not self.n or self.heap[0].when > now:
            return None
        ev = self.pop_top()
        if ev.code < 0:
            e = <object>ev.obj
            Py_DECREF(e)  # the heap's reference; ``e`` holds its own
            self.count_instant(&ev)
            return e
        self.count_instant(&ev)
        ne = NativeEvent.__new__(NativeEvent)
        ne.when, ne.seq, ne.dev, ne.code = ev.when, ev.seq, <NativeDevice>ev.obj, ev.code
        return ne

    def __len__(self):
        cdef Py_ssize_t i, live = 0
        for i in range(self.n):
            if self.heap[i].code < 0:
                live += not (<Event>self.heap[i].obj).cancelled
            else:
                live += (<NativeDevice>self.heap[i].obj).live(self.heap[i].code,
                                                               self.heap[i].seq)
        return live


cdef class IrqSink:
    """A native controller input: a native device's line calls ``drive`` in C; a Python
    ``IrqLine`` calls the object, as it calls any sink."""

    cdef int drive(self, bint level) except -1:
        return 0

    def __call__(self, level):
        self.drive(bool(level))


cdef class NativeDevice:
    """Base of the native device models: register accesses and events in C.

    ``REGISTERS`` declares the register map as data, ``(offset, name, width,
    count)`` per register or bank, with the names the reference manual uses.
    """

    REGISTERS = ()

    def __init__(self, Fabric fabric, uint64_t base, str name):
        self.fabric = fabric
        self.base = base
        self.name = name

    cdef uint64_t read(self, int cpu, uint64_t offset, unsigned size) except? 0xFFFFFFFFFFFFFFFF:
        return 0

    cdef int write(self, int cpu, uint64_t offset, unsigned size, uint64_t value) except -1:
        return 0

    cdef uint64_t sys_read(self, int cpu, int code) except? 0xFFFFFFFFFFFFFFFF:
        return 0

    cdef int sys_write(self, int cpu, int code, uint64_t value) except -1:
        return 0

    cdef int fire(self, int code, uint64_t seq) except -1:
        return 0

    cdef bint live(self, int code, uint64_t seq) noexcept:
        return False

    def register_map(self):
        """The declared registers: ``(offset, name, width, count)`` each."""
        return tuple(type(self).REGISTERS)

    # The machine's MmioHandler interface, for model code and the Python bus.
    def mmio_read(self, int cpu, uint64_t offset, unsigned size):
        return self.read(cpu, offset, size)

    def mmio_write(self, int cpu, uint64_t offset, unsigned size, uint64_t value):
        self.write(cpu, offset, size, value)

    @property
    def machine(self):
        return self.fabric.machine

    def __repr__(self):
        return f"<{type(self).__name__} {self.name} @ {self.base:#x}>"


cdef class Fabric:
    """Time, events and CPU inputs for native devices; one per machine."""

    def __init__(self, uint64_t hz, int num_cpus, machine=None):
        if not 1 <= num_cpus <= FABRIC_MAX_CPUS:
            raise ValueError(f"the native fabric supports 1 to {FABRIC_MAX_CPUS} CPUs")
        if hz == 0:
            raise ValueError("clock frequency must be positive")
        self.hz = hz
        self.ncpus = num_cpus
        self.machine = machine
        self.events = EventQueue(self)
        self.now_ps = 0
        self.running = -1
        self.fast_cpu = -1

    @property
    def num_cpus(self):
        return self.ncpus

    cdef uint64_t to_ps(self, uint64_t cycles) noexcept:
        return irq_muldiv(cycles, PS_PER_S, self.hz)

    cdef uint64_t to_cycles(self, uint64_t ps) noexcept:
        return irq_muldiv_up(ps, self.hz, PS_PER_S)

    cdef uint64_t now(self, int cpu) noexcept:
        """Simulated ps: ``cpu``'s local time; with cpu < 0 the running core's, else
        the machine's (as ``Machine.now``)."""
        if 0 <= cpu < self.ncpus and self.cycles[cpu] != NULL:
            return self.to_ps(self.cycles[cpu][0])
        if self.running >= 0 and self.cycles[self.running] != NULL:
            return self.to_ps(self.cycles[self.running][0])
        return self.now_ps

    def another_core_runs(self):
        """A core became runnable: a core running its rounds in C returns to the
        machine at the end of the current round."""
        self.fast_broken = 1

    @staticmethod
    def is_native(device):
        """Is ``device`` a native device (its guest accesses can stay in C)?"""
        return isinstance(device, NativeDevice)

    def now_of(self, int cpu=-1):
        return self.now(cpu)

    cdef int lower_deadline(self, uint64_t when) except -1:
        """An event was scheduled while a core runs: let that core stop by then."""
        cdef uint64_t limit
        if self.running >= 0 and self.deadlines[self.running] != NULL:
            limit = self.to_cycles(when)
            if limit < self.deadlines[self.running][0]:
                self.deadlines[self.running][0] = limit
        return 0

    cdef int set_cpu_input(self, int cpu, int line, bint level) except -1:
        """An interrupt controller drives core ``cpu``'s input ``line``."""
        if cpu == self.fast_cpu and self.fast_input != NULL:
            self.fast_input(self.fast_ctx, line, level, self.now(-1))
            return 0
        self.machine.set_cpu_input(cpu, line, level)  # wakes it (and ends a fast run) if due
        return 0
