# cython: language_level=3
"""A libunicorn handle driven through the C API, without the unicorn Python package.

Importing that package costs more host time than QEMU's whole boot of a small
ELF (BENCHMARKS.md, start-up). The native engine only needs a handle: ``Uc``
opens one with ``uc_open`` and offers the slice of the package's ``Uc`` methods
irqemu calls on the native engine's cores (memory, registers, code/block/interrupt
hooks with Python callbacks, ``uc_ctl_*``, contexts), with the same names and
arguments. Failures raise irqemu's ``UcError`` with uc_strerror's text.
"""

from cpython.ref cimport PyObject
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset

from irqemu._core.uc cimport (uc_engine, uc_hook, uc_err, UC_ERR_OK, UC_HOOK_CODE,
                              UC_HOOK_BLOCK, UC_HOOK_INTR, uc_hook_add, uc_hook_del,
                              uc_reg_read, uc_reg_write, uc_mem_read, uc_mem_write,
                              uc_emu_start, uc_emu_stop, uc_strerror)

from irqemu._core.ucerror import UcError

cdef extern from "unicorn/unicorn.h" nogil:
    ctypedef struct uc_context:
        pass
    uc_err uc_open(int arch, int mode, uc_engine **uc)
    uc_err uc_close(uc_engine *uc)
    uc_err uc_mem_map(uc_engine *uc, uint64_t address, size_t size, uint32_t perms)
    uc_err uc_mem_map_ptr(uc_engine *uc, uint64_t address, size_t size, uint32_t perms,
                          void *ptr)
    uc_err uc_mem_unmap(uc_engine *uc, uint64_t address, size_t size)
    uc_err uc_mem_protect(uc_engine *uc, uint64_t address, size_t size, uint32_t perms)
    uc_err uc_context_alloc(uc_engine *uc, uc_context **context)
    uc_err uc_context_save(uc_engine *uc, uc_context *context)
    uc_err uc_context_restore(uc_engine *uc, uc_context *context)
    uc_err uc_context_free(uc_context *context)
    size_t uc_context_size(uc_engine *uc)
    # the uc_ctl_* helpers are macros over the variadic uc_ctl: typed here so that
    # each argument reaches va_arg with the type libunicorn reads
    uc_err uc_ctl_set_cpu_model(uc_engine *uc, int model)
    uc_err uc_ctl_set_tcg_buffer_size(uc_engine *uc, uint32_t size)
    uc_err uc_ctl_exits_enable(uc_engine *uc)
    uc_err uc_ctl_exits_disable(uc_engine *uc)
    uc_err uc_ctl_set_exits(uc_engine *uc, uint64_t *exits, size_t count)
    uc_err uc_ctl_remove_cache(uc_engine *uc, uint64_t address, uint64_t end)
    uc_err uc_ctl_flush_tb(uc_engine *uc)

DEF REG_WORDS = 8  # 64-bit words: the widest register a plain read may fill (512 bits)


def strerror(int code):
    """libunicorn's message for a ``uc_err`` code."""
    return uc_strerror(code).decode("ascii", "replace")


cdef inline int _check(uc_err err) except -1:
    if err != UC_ERR_OK:
        raise UcError(err, uc_strerror(err).decode("ascii", "replace"))
    return 0


cdef class Handle:
    """The raw ``uc_engine *`` as an integer in ``value`` (the package's ``_uch`` shape,
    which the native engine's ``Core`` reads)."""


cdef class Context:
    """A saved CPU context (``uc_context_alloc``/``uc_context_save``), freed with it."""

    cdef uc_context *ctx
    cdef readonly size_t size

    def __dealloc__(self):
        if self.ctx != NULL:
            uc_context_free(self.ctx)
            self.ctx = NULL


cdef class _Hook:
    """A Python hook: its owner (borrowed: a hook only fires while the handle lives),
    the callback and its user data."""

    cdef PyObject *owner
    cdef object callback
    cdef object data
    cdef uc_hook hh


cdef void _code_cb(uc_engine *h, uint64_t address, uint32_t size, void *user) noexcept with gil:
    cdef _Hook hook = <_Hook>user
    try:
        hook.callback(<object>hook.owner, address, size, hook.data)
    except BaseException as exc:
        (<Uc>hook.owner)._hook_failed(exc)


cdef void _intr_cb(uc_engine *h, uint32_t intno, void *user) noexcept with gil:
    cdef _Hook hook = <_Hook>user
    try:
        hook.callback(<object>hook.owner, intno, hook.data)
    except BaseException as exc:
        (<Uc>hook.owner)._hook_failed(exc)


cdef class Uc:
    """One libunicorn instance, opened with ``uc_open(arch, mode)`` and closed with it.

    ``defer_setup`` makes a fresh handle dormant: its set-up calls (memory maps, the
    ``ctl_*`` calls, a Core's own hooks and MMIO maps) are queued, not sent, and any
    other use (registers, memory, running, hooks, contexts, the raw handle) first
    replays the queue in order. A core held in reset then never pays for Unicorn's
    machine initialisation (the Cortex-A9's CP15 tables) unless it is used; libunicorn
    sees the same calls in the same order either way. A queued call's error is raised
    when the queue is replayed.
    """

    def __cinit__(self, int arch, int mode):
        self.h = NULL
        self._hooks = {}
        self._hook_exception = None
        self.dormant = False
        self._fresh = True
        self._deferred = None
        _check(uc_open(arch, mode, &self.h))
        self.arch = arch
        self.mode = mode
        self._handle = Handle()
        self._handle.value = <size_t>self.h

    def __dealloc__(self):
        if self.h != NULL:
            uc_close(self.h)
            self.h = NULL

    def defer_setup(self):
        """Queue set-up calls from now until the handle is first used (see the class)."""
        if not self._fresh:
            raise RuntimeError("defer_setup: this Unicorn handle has already been used")
        self.dormant = True
        self._deferred = []

    cdef int wake(self) except -1:
        """Send the queued set-up calls to libunicorn, in order; the handle is live after."""
        cdef list ops = self._deferred
        self._deferred = None
        self.dormant = False
        self._fresh = False
        for fn, args in ops:
            fn(*args)
        return 0

    cdef bint _queued(self, object fn, tuple args) except -1:
        """A set-up call: queue ``fn(*args)`` and say so while dormant; else it goes to
        libunicorn now (and the handle is no longer fresh)."""
        if self.dormant:
            self._deferred.append((fn, args))
            return True
        self._fresh = False
        return False

    cdef int _use(self) except -1:
        """Before a call that is not set-up: wake a dormant handle."""
        self._fresh = False
        if self.dormant:
            self.wake()
        return 0

    @property
    def _uch(self):
        # whoever takes the raw handle may call libunicorn on it: the handle goes live
        self._use()
        return self._handle

    cdef _hook_failed(self, exc):
        """A Python hook raised: keep the first exception and stop (``emu_start`` raises it)."""
        if self._hook_exception is None:
            self._hook_exception = exc
        uc_emu_stop(self.h)

    # -- memory ------------------------------------------------------------------
    def mem_map(self, uint64_t address, size_t size, uint32_t perms=7):
        if self._queued(self.mem_map, (address, size, perms)):
            return
        _check(uc_mem_map(self.h, address, size, perms))

    def mem_map_ptr(self, uint64_t address, size_t size, uint32_t perms, size_t ptr):
        if self._queued(self.mem_map_ptr, (address, size, perms, ptr)):
            return
        _check(uc_mem_map_ptr(self.h, address, size, perms, <void *>ptr))

    def mem_unmap(self, uint64_t address, size_t size):
        if self._queued(self.mem_unmap, (address, size)):
            return
        _check(uc_mem_unmap(self.h, address, size))

    def mem_protect(self, uint64_t address, size_t size, uint32_t perms=7):
        if self._queued(self.mem_protect, (address, size, perms)):
            return
        _check(uc_mem_protect(self.h, address, size, perms))

    def mem_read(self, uint64_t address, size_t size):
        self._use()
        out = bytearray(size)
        cdef unsigned char[::1] view = out
        if size:
            _check(uc_mem_read(self.h, address, &view[0], size))
        return out

    def mem_write(self, uint64_t address, const unsigned char[::1] data):
        self._use()
        if data.shape[0]:
            _check(uc_mem_write(self.h, address, &data[0], data.shape[0]))

    # -- registers ---------------------------------------------------------------
    def reg_read(self, int reg):
        """A register as an unsigned integer of its width (up to 512 bits: vector
        registers too; the package's tuple-valued x86 registers are not offered)."""
        cdef uint64_t buf[REG_WORDS]
        cdef int i
        self._use()
        memset(buf, 0, sizeof(buf))
        _check(uc_reg_read(self.h, reg, buf))
        for i in range(1, REG_WORDS):
            if buf[i]:
                return int.from_bytes((<char *>buf)[:sizeof(buf)], "little")
        return buf[0]

    def reg_write(self, int reg, value):
        cdef uint64_t buf[REG_WORDS]
        self._use()
        memset(buf, 0, sizeof(buf))
        if 0 <= value < (1 << 64):
            buf[0] = value
        else:
            data = (value & ((1 << (64 * REG_WORDS)) - 1)).to_bytes(sizeof(buf), "little")
            memcpy(buf, <const char *>data, sizeof(buf))
        _check(uc_reg_write(self.h, reg, buf))

    # -- running -----------------------------------------------------------------
    def emu_start(self, uint64_t begin, uint64_t until, uint64_t timeout=0, size_t count=0):
        self._use()
        self._hook_exception = None
        err = uc_emu_start(self.h, begin, until, timeout, count)
        if self._hook_exception is not None:
            exc, self._hook_exception = self._hook_exception, None
            raise exc
        _check(err)

    def emu_stop(self):
        self._use()
        _check(uc_emu_stop(self.h))

    # -- hooks -------------------------------------------------------------------
    def hook_add(self, int htype, callback, user_data=None, uint64_t begin=1,
                 uint64_t end=0):
        """A code or block hook (``callback(uc, address, size, user_data)``) or an
        interrupt hook (``callback(uc, intno, user_data)``); returns its handle."""
        cdef _Hook hook = _Hook()
        cdef void *cb
        if htype == UC_HOOK_CODE or htype == UC_HOOK_BLOCK:
            cb = <void *>_code_cb
        elif htype == UC_HOOK_INTR:
            cb = <void *>_intr_cb
        else:
            raise ValueError(f"irqemu's native Unicorn handle takes code, block and "
                             f"interrupt hooks, not hook type {htype:#x}")
        self._use()  # its handle is libunicorn's: no queueing
        hook.owner = <PyObject *>self
        hook.callback = callback
        hook.data = user_data
        _check(uc_hook_add(self.h, &hook.hh, htype, cb, <void *>hook, begin, end))
        self._hooks[hook.hh] = hook
        return hook.hh

    def hook_del(self, uc_hook hh):
        self._use()
        _check(uc_hook_del(self.h, hh))
        self._hooks.pop(hh, None)

    # -- contexts ----------------------------------------------------------------
    def context_save(self):
        cdef Context ctx = Context()
        self._use()
        _check(uc_context_alloc(self.h, &ctx.ctx))
        ctx.size = uc_context_size(self.h)
        _check(uc_context_save(self.h, ctx.ctx))
        return ctx

    def context_update(self, Context ctx not None):
        self._use()
        _check(uc_context_save(self.h, ctx.ctx))

    def context_restore(self, Context ctx not None):
        self._use()
        _check(uc_context_restore(self.h, ctx.ctx))

    # -- uc_ctl ------------------------------------------------------------------
    def ctl_set_cpu_model(self, int model):
        if self._queued(self.ctl_set_cpu_model, (model,)):
            return
        _check(uc_ctl_set_cpu_model(self.h, model))

    def ctl_set_tcg_buffer_size(self, uint32_t size):
        if self._queued(self.ctl_set_tcg_buffer_size, (size,)):
            return
        _check(uc_ctl_set_tcg_buffer_size(self.h, size))

    def ctl_exits_enabled(self, bint enable):
        if self._queued(self.ctl_exits_enabled, (enable,)):
            return
        _check(uc_ctl_exits_enable(self.h) if enable else uc_ctl_exits_disable(self.h))

    def ctl_set_exits(self, exits):
        cdef list values = list(exits)
        cdef size_t n = len(values)
        cdef uint64_t *buf
        if self._queued(self.ctl_set_exits, (values,)):
            return
        buf = <uint64_t *>malloc((n or 1) * sizeof(uint64_t))
        if buf == NULL:
            raise MemoryError()
        try:
            for i in range(n):
                buf[i] = values[i]
            _check(uc_ctl_set_exits(self.h, buf, n))
        finally:
            free(buf)

    def ctl_remove_cache(self, uint64_t lbound, uint64_t ubound):
        if self._queued(self.ctl_remove_cache, (lbound, ubound)):
            return
        _check(uc_ctl_remove_cache(self.h, lbound, ubound))

    def ctl_flush_tb(self):
        if self._queued(self.ctl_flush_tb, ()):
            return
        _check(uc_ctl_flush_tb(self.h))
