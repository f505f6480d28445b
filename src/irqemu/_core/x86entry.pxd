from cpython.ref cimport PyObject

# The local APICs' INTA as the engine's x86 interrupt entry in C calls it, through
# pointers (x86entry.entry gives them), so the engine does not cimport the LAPIC module
# and an ARM boot never loads it.
ctypedef int (*apic_peek_t)(PyObject *apic, int cpu) noexcept
ctypedef int (*apic_ack_t)(PyObject *apic, int cpu) except -1

ctypedef struct ApicEntry:
    apic_peek_t peek
    apic_ack_t ack
