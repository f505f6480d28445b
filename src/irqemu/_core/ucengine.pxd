# The native Unicorn handle's C-level shape, for the engine (engine.pyx) to cimport:
# a Core on a dormant handle queues its own set-up calls there and wakes it first.

from irqemu._core.uc cimport uc_engine


cdef class Handle:
    cdef readonly size_t value


cdef class Uc:
    cdef uc_engine *h
    cdef readonly int arch
    cdef readonly int mode
    cdef Handle _handle
    cdef dict _hooks
    cdef public object _hook_exception
    #: 1 while set-up calls are queued (``defer_setup``), not yet sent to libunicorn
    cdef readonly bint dormant
    #: nothing has reached libunicorn since uc_open (``defer_setup`` may still be called)
    cdef bint _fresh
    cdef list _deferred

    cdef int wake(self) except -1
    cdef bint _queued(self, object fn, tuple args) except -1
    cdef int _use(self) except -1
    cdef _hook_failed(self, exc)
