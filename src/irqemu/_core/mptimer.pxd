# The native interrupt line other native devices share (see mptimer.pyx).

cdef class NativeIrqLine:
    cdef public str name
    cdef public bint level
    cdef object _sink
    cdef int drive(self, bint level) except -1
