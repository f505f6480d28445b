# cython: language_level=3
"""The native engine: runs one Unicorn core until something needs the machine.

The hot path is a C block hook. At each translation-block entry it checks, in
order: the host-call page, a deliverable interrupt (only when an input is
asserted, then it reads the core's mask register), a stop request and the
cycle deadline; if none applies it adds the block's cached modelled cost.
Stopping from the block hook happens *before* the block executes (Unicorn
2.1.4; tests/test_unicorn_pitfalls.py pins this), so every stop is at a block
boundary and interrupts are taken exactly where a core would see them.
A block's cost is computed once, by a Python coster (capstone + cost model),
and cached here in an open-addressing table; no Python runs per block once warm.
"""

from cpython.ref cimport PyObject, Py_INCREF, Py_DECREF
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free
from libc.string cimport memset

from irqemu._core.uc cimport *

from unicorn import UcError

# Stop reasons: the values of irqemu._core.common.StopReason.
DEF R_NONE = 0
DEF R_DEADLINE = 1
DEF R_IRQ = 2
DEF R_WFI = 3
DEF R_HOSTCALL = 4
DEF R_FAULT = 5
DEF R_EXCEPTION = 6
DEF R_STOP = 7
DEF R_ERROR = 8
DEF MAX_INPUTS = 4
DEF MAX_SYSTRAPS = 32
DEF HOST_SLOTS = 1024
DEF UNMASKABLE = 255


cdef struct BlockInfo:
    uint64_t addr
    uint32_t size
    uint32_t cost
    uint32_t ninsn
    uint32_t used


cdef struct State:
    uc_engine *uc
    uint64_t cycles
    uint64_t instructions
    uint64_t deadline
    uint64_t insn_budget  # instructions one run may execute (0: no bound)
    uint64_t insn_limit   # this run's bound: instructions at its start + insn_budget
    uint32_t pending
    int mask_reg
    uint64_t mask_invert
    uint32_t mask_shift[MAX_INPUTS]
    uint64_t host_lo
    uint64_t host_hi
    uint8_t inline_slot[HOST_SLOTS]  # 1: call Python from the hook, let the slot's return run
    int reason
    uint32_t intno
    int fault_access
    uint64_t fault_addr
    uint32_t mmio_cost
    int stop_requested
    uint32_t systraps[MAX_SYSTRAPS]
    int nsystraps
    BlockInfo *table
    uint64_t tmask
    uint64_t tused
    PyObject *owner


cdef inline uint64_t _hash(uint64_t a) nogil:
    a ^= a >> 33
    a *= 0xff51afd7ed558ccdULL
    a ^= a >> 33
    return a


cdef BlockInfo *_lookup(State *st, uint64_t addr, uint32_t size) noexcept nogil:
    cdef uint64_t i = _hash(addr) & st.tmask
    cdef BlockInfo *b
    while True:
        b = &st.table[i]
        if not b.used:
            return b
        if b.addr == addr and b.size == size:
            return b
        i = (i + 1) & st.tmask


cdef int _grow(State *st) noexcept nogil:
    cdef uint64_t oldcap = st.tmask + 1
    cdef BlockInfo *old = st.table
    cdef BlockInfo *nb
    cdef uint64_t i
    st.table = <BlockInfo *>calloc(oldcap * 2, sizeof(BlockInfo))
    if st.table == NULL:
        st.table = old
        return -1
    st.tmask = oldcap * 2 - 1
    for i in range(oldcap):
        if old[i].used:
            nb = _lookup(st, old[i].addr, old[i].size)
            nb[0] = old[i]
    free(old)
    return 0


cdef inline int _deliverable(State *st) noexcept nogil:
    cdef uint64_t v = 0
    cdef uint32_t i, sh
    if st.mask_reg >= 0:
        uc_reg_read(st.uc, st.mask_reg, &v)
    v ^= st.mask_invert
    for i in range(MAX_INPUTS):
        if st.pending & (1u << i):
            sh = st.mask_shift[i]
            if sh == UNMASKABLE or not ((v >> sh) & 1):
                return 1
    return 0


cdef int _block_miss(State *st, uint64_t address, uint32_t size) noexcept with gil:
    cdef object owner = <object>st.owner
    cdef BlockInfo *b
    try:
        cost, ninsn = owner._coster.block_info(address, size)
        if st.tused * 2 >= st.tmask:
            if _grow(st) != 0:
                raise MemoryError("irqemu: block cost table")
        b = _lookup(st, address, size)
        b.addr = address
        b.size = size
        b.cost = cost
        b.ninsn = ninsn
        b.used = 1
        st.tused += 1
        return 0
    except UcError:
        # The block's code cannot be read: an x86 jump to a non-canonical address,
        # which the translator aliased to low memory. An instruction-fetch fault.
        st.fault_access = 3
        st.fault_addr = address
        st.reason = R_FAULT
        return -2
    except BaseException as exc:
        (<Core>owner)._exc = exc
        return -1


cdef int _inline_call(State *st, uint64_t address) noexcept with gil:
    cdef Core core = <Core>st.owner
    try:
        core._inline(address)
        return 0
    except BaseException as exc:
        if core._exc is None:
            core._exc = exc
        return -1


cdef void _block_hook(uc_engine *uc, uint64_t address, uint32_t size,
                      void *user) noexcept nogil:
    cdef State *st = <State *>user
    cdef BlockInfo *b
    cdef int rc
    if st.host_lo <= address < st.host_hi:
        if st.inline_slot[((address - st.host_lo) >> 2) & (HOST_SLOTS - 1)]:
            # An inline host call: run the model now, from the hook, then let the
            # slot's own return instruction run (no stop, no PC write).
            if _inline_call(st, address) != 0:
                st.reason = R_ERROR
                uc_emu_stop(uc)
            return
        st.reason = R_HOSTCALL
        uc_emu_stop(uc)
        return
    if st.pending and _deliverable(st):
        st.reason = R_IRQ
        uc_emu_stop(uc)
        return
    if st.stop_requested:
        st.stop_requested = 0
        st.reason = R_STOP
        uc_emu_stop(uc)
        return
    if st.cycles >= st.deadline or st.instructions >= st.insn_limit:
        st.reason = R_DEADLINE
        uc_emu_stop(uc)
        return
    b = _lookup(st, address, size)
    if not b.used:
        rc = _block_miss(st, address, size)
        if rc != 0:
            if rc == -1:
                st.reason = R_ERROR
            uc_emu_stop(uc)
            return
        if st.stop_requested:
            # The coster asked to see this block retranslated first (it added an
            # instruction hook inside it): stop before running it, uncharged.
            st.stop_requested = 0
            st.reason = R_STOP
            uc_emu_stop(uc)
            return
        b = _lookup(st, address, size)
    st.cycles += b.cost
    st.instructions += b.ninsn


cdef inline uint32_t _sys_key(const uc_arm64_cp_reg *cp) noexcept nogil:
    return (cp.op0 << 14) | (cp.op1 << 11) | (cp.crn << 7) | (cp.crm << 3) | cp.op2


cdef uint32_t _sys_call(State *st, int is_msr, int reg,
                        const uc_arm64_cp_reg *cp) noexcept with gil:
    cdef Core core = <Core>st.owner
    try:
        return 1 if core._sys_trap(is_msr, reg, (cp.op0, cp.op1, cp.crn, cp.crm, cp.op2),
                                   cp.val) else 0
    except BaseException as exc:
        core._fail(exc)
        return 1


cdef uint32_t _sys_hook(State *st, int is_msr, int reg,
                        const uc_arm64_cp_reg *cp) noexcept nogil:
    cdef uint32_t key = _sys_key(cp)
    cdef int i
    for i in range(st.nsystraps):
        if st.systraps[i] == key:
            return _sys_call(st, is_msr, reg, cp)
    return 0  # not trapped: Unicorn executes the MRS/MSR itself


cdef uint32_t _mrs_hook(uc_engine *uc, int reg, const uc_arm64_cp_reg *cp,
                        void *user) noexcept nogil:
    return _sys_hook(<State *>user, 0, reg, cp)


cdef uint32_t _msr_hook(uc_engine *uc, int reg, const uc_arm64_cp_reg *cp,
                        void *user) noexcept nogil:
    return _sys_hook(<State *>user, 1, reg, cp)


cdef void _stop_point_hook(uc_engine *uc, uint64_t address, uint32_t size,
                           void *user) noexcept nogil:
    # Before an instruction that follows one which may request a stop (an x86
    # port write that ends the run): honour the request here, not at the next block.
    cdef State *st = <State *>user
    if st.stop_requested:
        st.stop_requested = 0
        st.reason = R_STOP
        uc_emu_stop(uc)


cdef void _intr_hook(uc_engine *uc, uint32_t intno, void *user) noexcept nogil:
    cdef State *st = <State *>user
    st.intno = intno
    st.reason = R_EXCEPTION
    uc_emu_stop(uc)


cdef bint _unmapped_hook(uc_engine *uc, int type, uint64_t address, int size,
                         long long value, void *user) noexcept nogil:
    cdef State *st = <State *>user
    if type == 19 or type == 23:     # UC_MEM_READ_UNMAPPED, UC_MEM_READ_PROT
        st.fault_access = 1
    elif type == 20 or type == 22:   # UC_MEM_WRITE_UNMAPPED, UC_MEM_WRITE_PROT
        st.fault_access = 2
    else:
        st.fault_access = 3
    st.fault_addr = address
    return False


cdef uint64_t _mmio_read(uc_engine *uc, uint64_t offset, unsigned size,
                         void *user) noexcept with gil:
    cdef tuple rec = <tuple>user
    cdef Core core = <Core>rec[0]
    core._st.cycles += core._st.mmio_cost
    try:
        return <uint64_t>rec[1].mmio_read(core.cpu_index, rec[2] + offset, size)
    except BaseException as exc:
        core._fail(exc)
        return 0


cdef void _mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                      void *user) noexcept with gil:
    cdef tuple rec = <tuple>user
    cdef Core core = <Core>rec[0]
    core._st.cycles += core._st.mmio_cost
    try:
        rec[1].mmio_write(core.cpu_index, rec[2] + offset, size, value)
    except BaseException as exc:
        core._fail(exc)


cdef class Core:
    """One emulated CPU: a Unicorn instance plus its cycle and interrupt state.

    ``uc`` is a ``unicorn.Uc``; the engine drives the same handle through
    libunicorn's C API. ``mask_reg`` is the Unicorn register holding the
    core's mask bits and ``mask_shifts[i]`` the bit that masks input ``i``
    (``UNMASKABLE`` for none); bits set in ``mask_invert`` mask when *clear*
    (x86's RFLAGS.IF enables interrupts). ``thumb_shift`` is CPSR.T's bit on AArch32
    (resuming needs PC|1 in Thumb state), else -1.
    """

    cdef State _st
    cdef readonly object uc
    cdef readonly int cpu_index
    cdef public object _coster
    cdef object _exc
    cdef list _mmio_refs
    cdef int _pc_reg
    cdef int _thumb_reg
    cdef int _thumb_shift
    cdef list _hooks
    cdef public int _last_err
    cdef public object _sys_trap
    cdef public object _inline

    def __cinit__(self):
        memset(&self._st, 0, sizeof(State))
        self._st.table = <BlockInfo *>calloc(1024, sizeof(BlockInfo))
        if self._st.table == NULL:
            raise MemoryError()
        self._st.tmask = 1023

    def __init__(self, uc, int cpu_index, coster, *, int pc_reg, int mask_reg,
                 mask_shifts, host_range, int mmio_cost=0, int thumb_reg=-1,
                 int thumb_shift=-1, uint64_t mask_invert=0):
        cdef uc_hook hh
        cdef uc_engine *h = <uc_engine *><size_t>uc._uch.value
        self.uc = uc
        self.cpu_index = cpu_index
        self._coster = coster
        self._exc = None
        self._mmio_refs = []
        self._hooks = []
        self._pc_reg = pc_reg
        self._thumb_reg = thumb_reg
        self._thumb_shift = thumb_shift
        self._st.uc = h
        self._st.owner = <PyObject *>self
        self._st.mask_reg = mask_reg
        self._st.mask_invert = mask_invert
        shifts = list(mask_shifts)
        if len(shifts) > MAX_INPUTS:
            raise ValueError(f"at most {MAX_INPUTS} interrupt inputs")
        for i in range(MAX_INPUTS):
            self._st.mask_shift[i] = shifts[i] if i < len(shifts) else UNMASKABLE
        self._st.host_lo, self._st.host_hi = host_range
        self._st.mmio_cost = mmio_cost
        self._st.deadline = 0
        self._add_hook(UC_HOOK_BLOCK, <void *>_block_hook)
        self._add_hook(UC_HOOK_INTR, <void *>_intr_hook)
        self._add_hook(UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED
                       | UC_HOOK_MEM_FETCH_UNMAPPED | UC_HOOK_MEM_FETCH_PROT
                       | UC_HOOK_MEM_WRITE_PROT,
                       <void *>_unmapped_hook)

    cdef _add_hook(self, int kind, void *cb, uint64_t begin=1, uint64_t end=0):
        cdef uc_hook hh
        cdef uc_err err = uc_hook_add(self._st.uc, &hh, kind, cb, <void *>&self._st,
                                      begin, end)
        if err != UC_ERR_OK:
            raise RuntimeError(f"uc_hook_add: {uc_strerror(err).decode()}")
        self._hooks.append(hh)

    def __dealloc__(self):
        free(self._st.table)
        self._st.table = NULL

    cdef _fail(self, exc):
        if self._exc is None:
            self._exc = exc
        self._st.reason = R_ERROR
        uc_emu_stop(self._st.uc)

    def fail(self, exc):
        """Stop the core because a Python hook outside the engine (an arch's port I/O,
        RDTSC or block hook) raised ``exc``: ``run`` returns ERROR and ``take_error``
        gives the first such exception."""
        self._fail(exc)

    def map_mmio(self, uint64_t base, size_t size, handler, uint64_t offset=0):
        """Route accesses to [base, base+size) to ``handler`` (see MmioHandler)."""
        rec = (self, handler, offset)
        self._mmio_refs.append(rec)
        cdef uc_err err = uc_mmio_map(self._st.uc, base, size, <void *>_mmio_read,
                                      <PyObject *>rec, <void *>_mmio_write, <PyObject *>rec)
        if err != UC_ERR_OK:
            raise RuntimeError(f"uc_mmio_map {base:#x}+{size:#x}: {uc_strerror(err).decode()}")

    def run(self, uint64_t deadline):
        """Execute until ``cycles >= deadline`` or something else stops the core."""
        cdef uint64_t pc = 0, t = 0
        cdef uc_err err
        self._st.deadline = deadline
        if self._st.insn_budget:
            self._st.insn_limit = self._st.instructions + self._st.insn_budget
        else:
            self._st.insn_limit = <uint64_t>0xFFFFFFFFFFFFFFFF
        self._st.reason = R_NONE
        self._st.fault_access = 0
        uc_reg_read(self._st.uc, self._pc_reg, &pc)
        if self._thumb_reg >= 0:
            uc_reg_read(self._st.uc, self._thumb_reg, &t)
            pc |= (t >> self._thumb_shift) & 1
        err = uc_emu_start(self._st.uc, pc, 0, 0, 0)
        self._last_err = err
        if self._exc is not None:
            return R_ERROR
        if self._st.reason == R_NONE:
            if err != UC_ERR_OK:
                self._st.reason = R_FAULT
            else:
                self._st.reason = R_WFI
        return self._st.reason

    def take_error(self):
        """Return and clear the exception a callback raised during ``run``."""
        exc, self._exc = self._exc, None
        return exc

    def set_inline_hostcall(self, uint64_t address, handler):
        """Make the host-call slot at ``address`` inline: ``handler(address)`` runs
        inside the block hook and the slot's return instruction then executes (the
        page must hold a return there). Inline handlers must not run guest code."""
        if not self._st.host_lo <= address < self._st.host_hi:
            raise ValueError(f"{address:#x} is not in the host-call page")
        self._st.inline_slot[((address - self._st.host_lo) >> 2) & (HOST_SLOTS - 1)] = 1
        self._inline = handler

    def request_stop(self):
        """Ask the running core to stop at its next block boundary (or stop point)."""
        self._st.stop_requested = 1

    def add_stop_point(self, uint64_t address):
        """Honour a stop request before the instruction at ``address`` too, not only at
        the next block boundary (after an instruction whose hook may request one). The
        caller drops translated code containing ``address`` so the hook takes effect."""
        self._add_hook(UC_HOOK_CODE, <void *>_stop_point_hook, address, address)

    def reg_read(self, int reg):
        cdef uint64_t v = 0
        uc_reg_read(self._st.uc, reg, &v)
        return v

    def reg_write(self, int reg, uint64_t value):
        uc_reg_write(self._st.uc, reg, &value)

    def trap_sysregs(self, encodings, handler):
        """AArch64: call ``handler(is_msr, xt_reg, (op0, op1, crn, crm, op2), value)``
        for MRS/MSR of the listed system registers only; a true result skips the
        instruction. The filter runs in C, so other MRS/MSR (``daif``) cost nothing.
        """
        cdef uc_hook hh
        cdef uc_err err
        encs = list(encodings)
        if len(encs) + self._st.nsystraps > MAX_SYSTRAPS:
            raise ValueError(f"at most {MAX_SYSTRAPS} trapped system registers")
        first = self._st.nsystraps == 0
        for op0, op1, crn, crm, op2 in encs:
            self._st.systraps[self._st.nsystraps] = ((op0 << 14) | (op1 << 11) | (crn << 7)
                                                     | (crm << 3) | op2)
            self._st.nsystraps += 1
        self._sys_trap = handler
        if first:
            err = uc_hook_add(self._st.uc, &hh, UC_HOOK_INSN, <void *>_mrs_hook,
                              <void *>&self._st, <uint64_t>1, <uint64_t>0, <int>UC_ARM64_INS_MRS)
            if err == UC_ERR_OK:
                self._hooks.append(hh)
                err = uc_hook_add(self._st.uc, &hh, UC_HOOK_INSN, <void *>_msr_hook,
                                  <void *>&self._st, <uint64_t>1, <uint64_t>0,
                                  <int>UC_ARM64_INS_MSR)
            if err != UC_ERR_OK:
                raise RuntimeError(f"uc_hook_add(INSN): {uc_strerror(err).decode()}")
            self._hooks.append(hh)

    def cp_read(self, int cp, int crn, int crm, int opc1, int opc2, int sec=1):
        """Read an AArch32 coprocessor register (MRC view), e.g. SCTLR = (15, 1, 0, 0, 0).

        ``sec`` picks the Secure bank of banked CP15 registers (irqemu runs Secure).
        """
        cdef uc_arm_cp_reg r
        memset(&r, 0, sizeof(r))
        r.cp, r.crn, r.crm, r.opc1, r.opc2, r.sec = cp, crn, crm, opc1, opc2, sec
        uc_reg_read(self._st.uc, UC_ARM_REG_CP_REG, &r)
        return r.val

    def cp_write(self, int cp, int crn, int crm, int opc1, int opc2, uint64_t value,
                 int sec=1):
        cdef uc_arm_cp_reg r
        memset(&r, 0, sizeof(r))
        r.cp, r.crn, r.crm, r.opc1, r.opc2, r.val, r.sec = cp, crn, crm, opc1, opc2, value, sec
        uc_reg_write(self._st.uc, UC_ARM_REG_CP_REG, &r)

    def arm_enter(self, uint32_t mode, uint32_t offset, uint32_t lr_arm, uint32_t lr_thumb,
                  bint set_a, bint set_f):
        """ARMv7 exception entry at the current PC, in C: the fast path of
        ``irqemu.arch.armv7.take_exception`` for IRQ and FIQ (same rules, same
        register writes in the same order; tests require identical state).
        """
        cdef uint64_t cpsr = 0, pc = 0, lr, new, vector
        cdef uc_arm_cp_reg r
        uc_reg_read(self._st.uc, UC_ARM_REG_CPSR, &cpsr)
        uc_reg_read(self._st.uc, UC_ARM_REG_PC, &pc)
        memset(&r, 0, sizeof(r))
        r.cp, r.crn, r.sec = 15, 1, 1
        uc_reg_read(self._st.uc, UC_ARM_REG_CP_REG, &r)
        cdef uint64_t sctlr = r.val
        lr = (pc + (lr_thumb if cpsr & 0x20 else lr_arm)) & 0xFFFFFFFF
        # clear M, T, E, J and IT[7:0]; then mode, I, A/F, T = SCTLR.TE, E = SCTLR.EE
        new = (cpsr & ~(<uint64_t>0x1F | 0x20 | 0x200 | 0x01000000 | 0x06000000 | 0xFC00)) | mode
        new |= 0x80
        if set_a:
            new |= 0x100
        if set_f:
            new |= 0x40
        if sctlr & (1u << 30):
            new |= 0x20
        if sctlr & (1u << 25):
            new |= 0x200
        if sctlr & (1u << 13):
            vector = 0xFFFF0000 + offset
        else:
            memset(&r, 0, sizeof(r))
            r.cp, r.crn, r.sec = 15, 12, 1
            uc_reg_read(self._st.uc, UC_ARM_REG_CP_REG, &r)
            vector = (r.val & ~(<uint64_t>0x1F)) + offset
        uc_reg_write(self._st.uc, UC_ARM_REG_CPSR, &new)
        uc_reg_write(self._st.uc, UC_ARM_REG_SPSR, &cpsr)
        uc_reg_write(self._st.uc, UC_ARM_REG_LR, &lr)
        pc = vector | (1 if sctlr & (1u << 30) else 0)
        uc_reg_write(self._st.uc, UC_ARM_REG_PC, &pc)
        return vector

    def sys_read(self, int op0, int op1, int crn, int crm, int op2):
        """Read an AArch64 system register by encoding (MRS view)."""
        cdef uc_arm64_cp_reg r
        memset(&r, 0, sizeof(r))
        r.op0, r.op1, r.crn, r.crm, r.op2 = op0, op1, crn, crm, op2
        uc_reg_read(self._st.uc, UC_ARM64_REG_CP_REG, &r)
        return r.val

    def sys_write(self, int op0, int op1, int crn, int crm, int op2, uint64_t value):
        cdef uc_arm64_cp_reg r
        memset(&r, 0, sizeof(r))
        r.op0, r.op1, r.crn, r.crm, r.op2, r.val = op0, op1, crn, crm, op2, value
        uc_reg_write(self._st.uc, UC_ARM64_REG_CP_REG, &r)

    def flush_costs(self):
        """Forget every cached block cost (after code changed)."""
        memset(self._st.table, 0, (self._st.tmask + 1) * sizeof(BlockInfo))
        self._st.tused = 0

    @property
    def last_error(self):
        """libunicorn's error code of the last run (0 for none)."""
        return self._last_err

    @property
    def error_text(self):
        return uc_strerror(self._last_err).decode()

    property cycles:
        def __get__(self):
            return self._st.cycles
        def __set__(self, uint64_t v):
            self._st.cycles = v

    property instructions:
        def __get__(self):
            return self._st.instructions

    property deadline:
        def __get__(self):
            return self._st.deadline
        def __set__(self, uint64_t v):
            self._st.deadline = v

    property insn_budget:
        """Instructions one ``run`` may execute before it returns DEADLINE although the
        cycle deadline is not reached (0: unbounded); a zero-cost block still returns."""
        def __get__(self):
            return self._st.insn_budget
        def __set__(self, uint64_t v):
            self._st.insn_budget = v

    property pending:
        """Bit i set: interrupt input i (IRQ=0, FIQ=1, ...) is asserted."""
        def __get__(self):
            return self._st.pending
        def __set__(self, uint32_t v):
            self._st.pending = v

    property intno:
        def __get__(self):
            return self._st.intno

    property fault_access:
        def __get__(self):
            return self._st.fault_access

    property fault_addr:
        def __get__(self):
            return self._st.fault_addr

    property mmio_cost:
        def __get__(self):
            return self._st.mmio_cost
        def __set__(self, uint32_t v):
            self._st.mmio_cost = v

    def deliverable(self):
        """True if an asserted input is not masked by the core's mask bits now."""
        return bool(self._st.pending and _deliverable(&self._st))

    property cached_blocks:
        def __get__(self):
            return self._st.tused
