# cython: language_level=3
"""The native local APICs' INTA entry points for the engine's x86 interrupt entry in C
(``Core.attach_apic``): the engine reaches ``LocalAPICs.peek``/``ack`` through these
pointers instead of cimporting the LAPIC module, whose load would otherwise be part of
every boot's start-up, ARM ones included."""

from cpython.pycapsule cimport PyCapsule_New
from cpython.ref cimport PyObject

from irqemu._core.lapic cimport LocalAPICs

#: the capsule's name (PyCapsule_GetPointer checks it; the literal in entry())
CAPSULE = b"irqemu._core.x86entry.ApicEntry"


cdef int _peek(PyObject *apic, int cpu) noexcept:
    return (<LocalAPICs>apic).peek(cpu)


cdef int _ack(PyObject *apic, int cpu) except -1:
    return (<LocalAPICs>apic).ack(cpu)


cdef ApicEntry _entry
_entry.peek = _peek
_entry.ack = _ack


def entry(LocalAPICs apic):
    """A capsule of the INTA entry points for ``apic`` (a ``LocalAPICs``; TypeError
    for anything else, as the engine's typed argument was)."""
    return PyCapsule_New(<void *>&_entry, b"irqemu._core.x86entry.ApicEntry", NULL)
