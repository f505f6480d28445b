# The native interrupt line other native devices share (see mptimer.pyx).

from irqemu._core.fabric cimport IrqSink


cdef class NativeIrqLine:
    cdef public str name
    cdef public bint level
    cdef object _sink
    cdef IrqSink _csink     # the sink when it is native: driven without Python
    cdef int drive(self, bint level) except -1
