# cython: language_level=3
"""The native engine: runs one Unicorn core until something needs the machine.

The hot path is a C block hook. At each translation-block entry it checks, in
order: the host-call page, a deliverable interrupt (only when an input is
asserted, then it reads the core's mask register), a stop request and the
cycle deadline; if none applies it adds the block's cached modelled cost.
Stopping from the block hook happens *before* the block executes (Unicorn
2.1.4; tests/test_unicorn_pitfalls.py pins this). When the deadline (the next
event, the end of the slice) falls inside the block about to run, the hook
asks the splitter (``timing.insnsplit``) for the first instruction starting at
or after it, stops, and the block is run again only up to there (an exit
address, the block's translation dropped before and after), so an interrupt
raised then is taken at the instruction its time falls on. That costs host
time only for a block a deadline falls inside.
A block's cost is computed once, by a Python coster (capstone + cost model),
and cached here in an open-addressing table; no Python runs per block once warm.
"""

from cpython.ref cimport PyObject, Py_INCREF, Py_DECREF
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free
from libc.string cimport memset

from irqemu._core.uc cimport *
from irqemu._core.fabric cimport EventQueue, Fabric, NEvent, NativeDevice
from irqemu._core.x86entry cimport ApicEntry, apic_ack_t, apic_peek_t
from irqemu._core.ucengine cimport Uc
from cpython.pycapsule cimport PyCapsule_GetPointer

from irqemu._core.ucerror import UcError

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
DEF R_SPLIT = 9   # inside the engine only: the deadline falls inside the next block
DEF MAX_INPUTS = 4
DEF MAX_SYSTRAPS = 32
DEF HOST_SLOTS = 1024
DEF UNMASKABLE = 255
DEF MAX_NATIVE = 16
DEF MAX_NATIVE_SYS = 16
DEF ENTRY_ARMV7 = 1
DEF ENTRY_AARCH64 = 2
DEF ENTRY_X86_64 = 3
# x86-64 registers the C entry uses (unicorn x86_const)
DEF X86_CS = 11
DEF X86_RIP = 41
DEF X86_RSP = 44
DEF X86_SS = 49
DEF X86_IDTR = 242
DEF X86_RFLAGS = 253
DEF X86_RFLAGS_CLEARED = 0x14100   # TF, NT, RF (arch.x86_64.deliver)
DEF X86_RFLAGS_IF = 0x200
DEF X86_STI = 0xFB
DEF X86_HLT = 0xF4

cdef extern from "unicorn/x86.h" nogil:
    ctypedef struct uc_x86_mmr:
        uint16_t selector
        uint64_t base
        uint32_t limit
        uint32_t flags
# AArch64 registers and system-register encodings the C entry uses (unicorn arm64_const)
DEF A64_SP = 4
DEF A64_PC = 260
DEF A64_PSTATE = 265
DEF A64_ELR_EL1 = 267
DEF A64_SP_EL0 = 270
DEF A64_SP_EL1 = 271
DEF A64_VBAR_EL1 = 287


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
    PyObject *splitter                # stop_address(address, size, budget), or NULL
    uint64_t split_lo                 # the block to split: [split_lo, split_hi)
    uint64_t split_hi
    uint64_t split_exit               # where the split run stops
    int splitting                     # 1 during the split run
    # the fabric's fast path (``run_fabric``): idle time, inputs raised in C, native entry
    uint64_t idle_cycles
    uint64_t asserted_at[MAX_INPUTS]  # simulated ps of each input's last rising edge
    uint32_t c_raised                 # inputs whose rising edge C recorded (for the machine)
    uint64_t taken[MAX_INPUTS]        # interrupts taken in C per input, since last collected
    int take_order[MAX_INPUTS]        # inputs in the order C first took them
    int ntake_order
    uint32_t wake_mask                # inputs that end a WFI
    uint32_t wake_unmasked            # inputs that end a WFI when the INTR mask bit allows
    int norder                        # inputs in the order they are taken when several are
    int order[MAX_INPUTS]
    uint8_t entry_ok[MAX_INPUTS]      # 1: C performs this input's exception entry
    uint32_t entry_mode[MAX_INPUTS]
    uint32_t entry_offset[MAX_INPUTS]
    uint32_t entry_lr_arm[MAX_INPUTS]
    uint32_t entry_lr_thumb[MAX_INPUTS]
    uint8_t entry_set_a[MAX_INPUTS]
    uint8_t entry_set_f[MAX_INPUTS]
    uint32_t entry_cost
    int entry_isa                     # ENTRY_ARMV7, ENTRY_AARCH64 or ENTRY_X86_64
    PyObject *x86_apic                # x86: the LocalAPICs whose INTA gives the vector
    apic_peek_t apic_peek             # x86: its peek and ack (x86entry: no LAPIC cimport)
    apic_ack_t apic_ack
    int nnative_sys                   # system registers a native device answers (AArch64)
    uint32_t native_sys_key[MAX_NATIVE_SYS]
    int native_sys_code[MAX_NATIVE_SYS]
    PyObject *native_sys_dev[MAX_NATIVE_SYS]
    int nnative                      # native devices mapped: their guest address ranges
    uint64_t native_lo[MAX_NATIVE]
    uint64_t native_hi[MAX_NATIVE]
    PyObject *native_dev[MAX_NATIVE]
    uint64_t *cache_pending           # the cache model's penalty for this core, or NULL


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


cdef int _split_call(State *st, uint64_t address, uint32_t size) noexcept with gil:
    """Ask the splitter where the deadline stops the block at ``address``: 1 split
    (``split_*`` set), 0 the block runs whole, -1 the splitter raised."""
    cdef uint64_t stop
    try:
        stop = (<object>st.splitter).stop_address(address, size, st.deadline - st.cycles)
    except BaseException as exc:
        if (<Core>st.owner)._exc is None:
            (<Core>st.owner)._exc = exc
        return -1
    if stop == 0:
        return 0
    st.split_lo = address
    st.split_hi = address + size
    st.split_exit = stop
    return 1


cdef int _inline_call(State *st, uint64_t address) noexcept with gil:
    cdef Core core = <Core>st.owner
    try:
        core._inline(address)
        return 0
    except BaseException as exc:
        if core._exc is None:
            core._exc = exc
        return -1


cdef inline void _charge_cache(State *st) noexcept nogil:
    """Add the cache model's pending penalty (accesses since the last block boundary)."""
    st.cycles += st.cache_pending[0]
    st.cache_pending[0] = 0


cdef void _block_hook(uc_engine *uc, uint64_t address, uint32_t size,
                      void *user) noexcept nogil:
    cdef State *st = <State *>user
    cdef BlockInfo *b
    cdef int rc
    if st.cache_pending != NULL:
        _charge_cache(st)
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
    if st.cycles + b.cost > st.deadline and b.ninsn > 1 and st.splitter != NULL \
            and not st.splitting:
        rc = _split_call(st, address, size)
        if rc != 0:
            st.reason = R_SPLIT if rc == 1 else R_ERROR
            uc_emu_stop(uc)
            return
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


cdef uint32_t _sys_native(State *st, int i, int is_msr, int reg,
                          const uc_arm64_cp_reg *cp) noexcept with gil:
    """A system register a native device answers (the generic timer): MRS reads it
    into Xt, MSR writes it; the instruction is then skipped."""
    cdef Core core = <Core>st.owner
    cdef uint64_t v
    cdef NativeDevice dev = <NativeDevice>st.native_sys_dev[i]
    try:
        if is_msr:
            dev.sys_write(core.cpu_index, st.native_sys_code[i], cp.val)
        else:
            v = dev.sys_read(core.cpu_index, st.native_sys_code[i])
            uc_reg_write(st.uc, reg, &v)
        return 1
    except BaseException as exc:
        core._fail(exc)
        return 1


cdef uint32_t _sys_hook(State *st, int is_msr, int reg,
                        const uc_arm64_cp_reg *cp) noexcept nogil:
    cdef uint32_t key = _sys_key(cp)
    cdef int i
    for i in range(st.nnative_sys):
        if st.native_sys_key[i] == key:
            return _sys_native(st, i, is_msr, reg, cp)
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


cdef inline int _native_at(State *st, uint64_t addr) noexcept nogil:
    """Index of the native device decoding ``addr`` (a guest address), or -1."""
    cdef int i
    for i in range(st.nnative):
        if st.native_lo[i] <= addr < st.native_hi[i]:
            return i
    return -1


cdef uint64_t _mmio_read(uc_engine *uc, uint64_t offset, unsigned size,
                         void *user) noexcept with gil:
    cdef tuple rec = <tuple>user
    cdef Core core = <Core>rec[0]
    cdef State *st = &core._st
    cdef uint64_t addr = <uint64_t>rec[3] + offset
    cdef int i = _native_at(st, addr)
    st.cycles += st.mmio_cost
    try:
        if i >= 0:
            return (<NativeDevice>st.native_dev[i]).read(core.cpu_index, addr - st.native_lo[i],
                                                         size)
        return <uint64_t>rec[1].mmio_read(core.cpu_index, rec[2] + offset, size)
    except BaseException as exc:
        core._fail(exc)
        return 0


cdef void _mmio_write(uc_engine *uc, uint64_t offset, unsigned size, uint64_t value,
                      void *user) noexcept with gil:
    cdef tuple rec = <tuple>user
    cdef Core core = <Core>rec[0]
    cdef State *st = &core._st
    cdef uint64_t addr = <uint64_t>rec[3] + offset
    cdef int i = _native_at(st, addr)
    st.cycles += st.mmio_cost
    try:
        if i >= 0:
            (<NativeDevice>st.native_dev[i]).write(core.cpu_index, addr - st.native_lo[i],
                                                   size, value)
        else:
            rec[1].mmio_write(core.cpu_index, rec[2] + offset, size, value)
    except BaseException as exc:
        core._fail(exc)


cdef uint64_t _arm_enter(uc_engine *uc, uint32_t mode, uint32_t offset, uint32_t lr_arm,
                         uint32_t lr_thumb, bint set_a, bint set_f) noexcept:
    """ARMv7 IRQ/FIQ entry (B1.8.3 of the ARMv7-AR manual): LR, SPSR, CPSR, vector."""
    cdef uint64_t cpsr = 0, pc = 0, lr, new, vector, sctlr
    cdef uc_arm_cp_reg r
    uc_reg_read(uc, UC_ARM_REG_CPSR, &cpsr)
    uc_reg_read(uc, UC_ARM_REG_PC, &pc)
    memset(&r, 0, sizeof(r))
    r.cp, r.crn, r.sec = 15, 1, 1
    uc_reg_read(uc, UC_ARM_REG_CP_REG, &r)
    sctlr = r.val
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
        uc_reg_read(uc, UC_ARM_REG_CP_REG, &r)
        vector = (r.val & ~(<uint64_t>0x1F)) + offset
    uc_reg_write(uc, UC_ARM_REG_CPSR, &new)
    uc_reg_write(uc, UC_ARM_REG_SPSR, &cpsr)
    uc_reg_write(uc, UC_ARM_REG_LR, &lr)
    pc = vector | (1 if sctlr & (1u << 30) else 0)
    uc_reg_write(uc, UC_ARM_REG_PC, &pc)
    return vector


cdef uint64_t _a64_enter(uc_engine *uc, uint32_t kind) noexcept:
    """AArch64 IRQ/FIQ taken to EL1 (AArch64.TakeException, as ``arch.aarch64.take_exception``
    with the current PC as the preferred return): same register writes, same order."""
    cdef uint64_t old = 0, vbar = 0, sp = 0, new_sp = 0, pc = 0, new, vector, off
    cdef uc_arm64_cp_reg r
    uc_reg_read(uc, A64_PSTATE, &old)
    uc_reg_read(uc, A64_VBAR_EL1, &vbar)
    uc_reg_read(uc, A64_PC, &pc)
    if old & 0x10:                       # PSTATE.nRW: from AArch32
        off = 0x600
    elif (old >> 2) & 3 == 0:            # from EL0
        off = 0x400
    else:
        off = 0x200 if old & 1 else 0x000
    vector = (vbar & ~(<uint64_t>0x7FF)) + off + kind
    uc_reg_read(uc, A64_SP, &sp)
    if (old >> 2) & 3 == 0 or not old & 1:
        uc_reg_write(uc, A64_SP_EL0, &sp)
        uc_reg_read(uc, A64_SP_EL1, &new_sp)
    else:
        uc_reg_write(uc, A64_SP_EL1, &sp)
        new_sp = sp
    new = (old & (<uint64_t>0xF << 28)) | 0x3C0 | 0x5    # NZCV, DAIF, EL1h
    uc_reg_write(uc, A64_PSTATE, &new)
    uc_reg_write(uc, A64_SP, &new_sp)
    uc_reg_write(uc, A64_ELR_EL1, &pc)
    memset(&r, 0, sizeof(r))
    r.op0, r.op1, r.crn, r.crm, r.op2, r.val = 3, 0, 4, 0, 0, old   # SPSR_EL1, last
    uc_reg_write(uc, UC_ARM64_REG_CP_REG, &r)
    uc_reg_write(uc, A64_PC, &vector)
    return vector


cdef inline uint64_t _x86_reg(uc_engine *uc, int reg) noexcept:
    cdef uint64_t v = 0
    uc_reg_read(uc, reg, &v)
    return v


cdef int _x86_enter(State *st, int cpu) noexcept:
    """x86-64 INTR through the guest's IDT in C, as ``arch.x86_64.take_interrupt`` and
    ``deliver`` do it (SDM 6.14): the vector of the LAPIC's INTA, the gate, the frame
    pushed on the current stack (CPL 0, IST 0), RFLAGS, CS, RIP; the same memory and
    register writes. 1: taken; -1: the machine's Python entry must take it (no LAPIC
    attached, a gate that is unusable or needs a stack switch, a frame that cannot be
    written, NMI blocking armed), decided before the INTA so that nothing happened."""
    cdef uc_x86_mmr idtr
    cdef uint8_t gate[16]
    cdef uint8_t prev[2]
    cdef uint64_t frame[5]
    cdef uint64_t rip, rflags, cs, ss, rsp, new_rsp, offset, selector
    cdef int vector, gtype
    cdef uc_engine *uc = st.uc
    if st.x86_apic == NULL:
        return -1
    rip = _x86_reg(uc, X86_RIP)
    if uc_mem_read(uc, rip - 1, prev, 2) == UC_ERR_OK and prev[0] == X86_STI and prev[1] == X86_HLT:
        rip += 1  # the STI shadow covers the HLT: the interrupt returns after it
    vector = st.apic_peek(st.x86_apic, cpu)
    memset(&idtr, 0, sizeof(idtr))
    uc_reg_read(uc, X86_IDTR, &idtr)
    if <uint64_t>vector * 16 + 15 > idtr.limit:
        return -1
    if uc_mem_read(uc, idtr.base + <uint64_t>vector * 16, gate, 16) != UC_ERR_OK:
        return -1
    gtype = gate[5] & 0xF
    if not gate[5] & 0x80 or (gtype != 0xE and gtype != 0xF) or gate[4] & 7:
        return -1
    cs = _x86_reg(uc, X86_CS)
    if cs & 3:
        return -1
    offset = (<uint64_t>gate[0] | <uint64_t>gate[1] << 8 | <uint64_t>gate[6] << 16
              | <uint64_t>gate[7] << 24 | <uint64_t>gate[8] << 32 | <uint64_t>gate[9] << 40
              | <uint64_t>gate[10] << 48 | <uint64_t>gate[11] << 56)
    selector = <uint64_t>gate[2] | <uint64_t>gate[3] << 8
    rflags = _x86_reg(uc, X86_RFLAGS)
    ss = _x86_reg(uc, X86_SS)
    rsp = _x86_reg(uc, X86_RSP)
    new_rsp = (rsp & ~(<uint64_t>0xF)) - 40
    frame[0], frame[1], frame[2], frame[3], frame[4] = rip, cs, rflags, rsp, ss
    if uc_mem_write(uc, new_rsp, frame, 40) != UC_ERR_OK:
        return -1
    try:
        st.apic_ack(st.x86_apic, cpu)
    except BaseException as exc:
        (<Core>st.owner)._fail(exc)
        return -1
    rflags &= ~(<uint64_t>(X86_RFLAGS_CLEARED | (X86_RFLAGS_IF if gtype == 0xE else 0)))
    if selector != cs:
        uc_reg_write(uc, X86_CS, &selector)
    uc_reg_write(uc, X86_RSP, &new_rsp)
    uc_reg_write(uc, X86_RFLAGS, &rflags)
    uc_reg_write(uc, X86_RIP, &offset)
    return 1


cdef inline bint _wakes(State *st) noexcept:
    """Does an asserted input end the core's WFI/hlt (``Arch.wakes``)? Those in
    ``wake_mask`` always; those in ``wake_unmasked`` (x86: all but NMI) when the INTR
    mask bit allows interrupts (RFLAGS.IF set)."""
    cdef uint64_t v = 0
    if st.pending & st.wake_mask:
        return True
    if not st.pending & st.wake_unmasked:
        return False
    if st.mask_reg >= 0:
        uc_reg_read(st.uc, st.mask_reg, &v)
    v ^= st.mask_invert
    return not ((v >> st.mask_shift[0]) & 1)


cdef void _fast_input(void *ctx, int line, int level, uint64_t now_ps) noexcept:
    """The fabric's input path for the core in ``run_fabric``: the pending bit, in C."""
    cdef State *st = <State *>ctx
    cdef uint32_t bit = 1u << line
    if level:
        if not st.pending & bit:
            st.asserted_at[line] = now_ps
            st.c_raised |= bit
        st.pending |= bit
    else:
        st.pending &= ~bit


cdef int _take_native(State *st) noexcept:
    """Take the first deliverable input (in the arch's order) in C: 1 taken, 0 none
    deliverable, -1 one is but its entry is the machine's (Python)."""
    cdef uint64_t v = 0
    cdef int k, line
    cdef uint32_t sh
    if st.mask_reg >= 0:
        uc_reg_read(st.uc, st.mask_reg, &v)
    v ^= st.mask_invert
    for k in range(st.norder):
        line = st.order[k]
        if st.pending & (1u << line):
            sh = st.mask_shift[line]
            if sh == UNMASKABLE or not ((v >> sh) & 1):
                if not st.entry_ok[line]:
                    return -1
                if st.entry_isa == ENTRY_X86_64:
                    if _x86_enter(st, (<Core>st.owner).cpu_index) < 0:
                        return -1
                elif st.entry_isa == ENTRY_AARCH64:
                    _a64_enter(st.uc, st.entry_offset[line])
                else:
                    _arm_enter(st.uc, st.entry_mode[line], st.entry_offset[line],
                               st.entry_lr_arm[line], st.entry_lr_thumb[line],
                               st.entry_set_a[line], st.entry_set_f[line])
                st.cycles += st.entry_cost
                if st.taken[line] == 0:
                    st.take_order[st.ntake_order] = line
                    st.ntake_order += 1
                st.taken[line] += 1
                return 1
    return 0


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
    cdef list _native_refs
    cdef uint64_t _round_target
    cdef Fabric _fabric
    cdef object _splitter
    cdef Uc _luc   # the native handle (None: the unicorn package's Uc, always live)

    def __cinit__(self):
        memset(&self._st, 0, sizeof(State))
        self._st.table = <BlockInfo *>calloc(1024, sizeof(BlockInfo))
        if self._st.table == NULL:
            raise MemoryError()
        self._st.tmask = 1023

    def __init__(self, uc, int cpu_index, coster, *, int pc_reg, int mask_reg,
                 mask_shifts, host_range, int mmio_cost=0, int thumb_reg=-1,
                 int thumb_shift=-1, uint64_t mask_invert=0):
        cdef uc_engine *h
        if isinstance(uc, Uc):
            # not through ``_uch``, which wakes a dormant handle: the hooks below queue
            self._luc = <Uc>uc
            h = self._luc.h
        else:
            h = <uc_engine *><size_t>uc._uch.value
        self.uc = uc
        self.cpu_index = cpu_index
        self._coster = coster
        self._exc = None
        self._mmio_refs = []
        self._native_refs = []
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

    cdef int _setup(self, object fn, tuple args) except -1:
        """A set-up call of the Core's own (hooks, MMIO maps): queued while the handle is
        dormant (``ucengine.Uc.defer_setup``), made now otherwise."""
        if self._luc is None or not self._luc._queued(fn, args):
            fn(*args)
        return 0

    cdef inline int _live(self) except -1:
        """Before a call that reaches libunicorn and is not set-up: wake the handle."""
        if self._luc is not None and self._luc.dormant:
            self._luc.wake()
        return 0

    cdef _add_hook(self, int kind, void *cb, uint64_t begin=1, uint64_t end=0):
        self._setup(self._add_hook_now, (kind, <size_t>cb, begin, end))

    def _add_hook_now(self, int kind, size_t cb, uint64_t begin, uint64_t end):
        cdef uc_hook hh
        cdef uc_err err = uc_hook_add(self._st.uc, &hh, kind, <void *>cb, <void *>&self._st,
                                      begin, end)
        if err != UC_ERR_OK:
            raise RuntimeError(f"uc_hook_add: {uc_strerror(err).decode()}")
        self._hooks.append(hh)

    def __dealloc__(self):
        if self._fabric is not None and 0 <= self.cpu_index < self._fabric.ncpus:
            if self._fabric.cycles[self.cpu_index] == &self._st.cycles:
                self._fabric.cycles[self.cpu_index] = NULL
                self._fabric.deadlines[self.cpu_index] = NULL
        free(self._st.table)
        self._st.table = NULL

    cdef _fail(self, exc):
        if self._exc is None:
            self._exc = exc
        self._st.reason = R_ERROR
        self._live()
        uc_emu_stop(self._st.uc)

    def fail(self, exc):
        """Stop the core because a Python hook outside the engine (an arch's port I/O,
        RDTSC or block hook) raised ``exc``: ``run`` returns ERROR and ``take_error``
        gives the first such exception."""
        self._fail(exc)

    def map_mmio(self, uint64_t base, size_t size, handler, uint64_t offset=0):
        """Route accesses to [base, base+size) to ``handler`` (see MmioHandler), or to a
        native device mapped inside the range with ``map_native``."""
        rec = (self, handler, offset, base)
        self._mmio_refs.append(rec)
        self._setup(self._map_mmio_now, (base, size, rec))

    def _map_mmio_now(self, uint64_t base, size_t size, tuple rec):
        cdef uc_err err = uc_mmio_map(self._st.uc, base, size, <void *>_mmio_read,
                                      <PyObject *>rec, <void *>_mmio_write, <PyObject *>rec)
        if err != UC_ERR_OK:
            raise RuntimeError(f"uc_mmio_map {base:#x}+{size:#x}: {uc_strerror(err).decode()}")

    def map_native(self, uint64_t base, uint64_t size, NativeDevice device):
        """Accesses to [base, base+size), inside a range ``map_mmio`` mapped, go to the
        native ``device`` in C (offsets from ``base``), not to the Python handler."""
        if self._st.nnative >= MAX_NATIVE:
            raise ValueError(f"at most {MAX_NATIVE} native devices per core")
        self._native_refs.append(device)
        self._st.native_lo[self._st.nnative] = base
        self._st.native_hi[self._st.nnative] = base + size
        self._st.native_dev[self._st.nnative] = <PyObject *>device
        self._st.nnative += 1

    def map_native_sysregs(self, encodings, NativeDevice device):
        """MRS/MSR of the system registers ``encodings`` (``{(op0, op1, crn, crm, op2):
        code}``, already trapped with ``trap_sysregs``) go to ``device.sys_read/sys_write``
        in C with that code, not to the Python trap handler."""
        for enc, code in encodings.items():
            if self._st.nnative_sys >= MAX_NATIVE_SYS:
                raise ValueError(f"at most {MAX_NATIVE_SYS} native system registers")
            op0, op1, crn, crm, op2 = enc
            self._st.native_sys_key[self._st.nnative_sys] = ((op0 << 14) | (op1 << 11)
                                                             | (crn << 7) | (crm << 3) | op2)
            self._st.native_sys_code[self._st.nnative_sys] = code
            self._st.native_sys_dev[self._st.nnative_sys] = <PyObject *>device
            self._st.nnative_sys += 1
        self._native_refs.append(device)

    def attach_cache(self, hierarchy):
        """Charge the cache model's (``_core.cache.Hierarchy``) pending penalty for this
        core at each block boundary and when a run returns; None detaches."""
        cdef size_t pending = 0 if hierarchy is None else hierarchy.pending_address(self.cpu_index)
        self._native_refs.append(hierarchy)
        self._st.cache_pending = <uint64_t *>pending

    def attach_fabric(self, Fabric fabric):
        """Let native devices see this core's time and lower its deadline."""
        if not 0 <= self.cpu_index < fabric.ncpus:
            raise ValueError(f"core {self.cpu_index} is outside the fabric's CPUs")
        fabric.cycles[self.cpu_index] = &self._st.cycles
        fabric.deadlines[self.cpu_index] = &self._st.deadline
        self._fabric = fabric

    def run(self, uint64_t deadline):
        """Execute until ``cycles >= deadline`` or something else stops the core."""
        self._live()
        if self._st.insn_budget:
            self._st.insn_limit = self._st.instructions + self._st.insn_budget
        else:
            self._st.insn_limit = <uint64_t>0xFFFFFFFFFFFFFFFF
        return self._emu(deadline)

    cdef uc_err _start(self):
        """One ``uc_emu_start`` at the current PC (Thumb state in bit 0)."""
        cdef uint64_t pc = 0, t = 0
        uc_reg_read(self._st.uc, self._pc_reg, &pc)
        if self._thumb_reg >= 0:
            uc_reg_read(self._st.uc, self._thumb_reg, &t)
            pc |= (t >> self._thumb_shift) & 1
        return uc_emu_start(self._st.uc, pc, 0, 0, 0)

    cdef uc_err _run_to_split(self):
        """Run the split block to its stop address: an exit there, the block's cached
        translation dropped before (so the exit is seen) and after (so later runs get
        the whole block again). The truncated block is costed as a block of its own."""
        cdef State *st = &self._st
        cdef uint64_t lo = st.split_lo, hi = st.split_hi, stop = st.split_exit, pc = 0
        cdef uc_err err
        st.reason = R_NONE
        uc_ctl_remove_cache(st.uc, lo, hi)
        uc_ctl_set_exits(st.uc, &stop, 1)
        st.splitting = 1
        err = self._start()
        st.splitting = 0
        uc_ctl_set_exits(st.uc, NULL, 0)
        uc_ctl_remove_cache(st.uc, lo, hi)
        if st.reason == R_NONE and err == UC_ERR_OK:
            uc_reg_read(st.uc, self._pc_reg, &pc)
            if pc == stop:
                # the stop address is a block boundary: a stop requested meanwhile (whose
                # stop point the exit replaced) is honoured here, before the deadline
                st.reason = R_STOP if st.stop_requested else R_DEADLINE
                st.stop_requested = 0
        return err

    cdef int _emu(self, uint64_t deadline):
        """One ``uc_emu_start`` to ``deadline`` (the body of ``run``, without the
        instruction bound's reset); a deadline inside a block stops it there."""
        cdef uc_err err
        self._st.deadline = deadline
        self._st.reason = R_NONE
        self._st.fault_access = 0
        err = self._start()
        if self._st.reason == R_SPLIT:
            err = self._run_to_split()
        if self._st.cache_pending != NULL:
            _charge_cache(&self._st)
        self._last_err = err
        if self._exc is not None:
            return R_ERROR
        if self._st.reason == R_NONE:
            self._st.reason = R_FAULT if err != UC_ERR_OK else R_WFI
        return self._st.reason

    cdef int _fire_due_native(self, Fabric fab, int *asleep) except -1:
        """The machine's ``_fire_due`` for this core's native events: fire every event
        due by the machine's time; 1 if one that is not this core's is due (the
        machine fires it), else 0. A fired event that raises an input wakes the core
        as ``Machine._wake`` does."""
        cdef EventQueue q = fab.events
        cdef NEvent ev
        cdef uint64_t target
        while True:
            q.drop_dead()
            if q.n == 0 or q.heap[0].when > fab.now_ps:
                return 0
            if q.heap[0].code < 0 or q.heap[0].cpu != self.cpu_index:
                return 1
            ev = q.pop_top()
            q.count_instant(&ev)
            fab.running = -1
            try:
                (<NativeDevice>ev.obj).fire(ev.code, ev.seq)
            finally:
                fab.running = self.cpu_index
            if asleep[0] and _wakes(&self._st):
                target = fab.to_cycles(fab.now_ps)
                if target > self._st.cycles:
                    self._st.idle_cycles += target - self._st.cycles
                    self._st.cycles = target
                asleep[0] = 0

    def run_fabric(self, uint64_t target, uint64_t quantum_ps, uint64_t max_time_ps,
                   uint64_t max_busy):
        """Run as the machine's only runnable core, its rounds in C.

        The same steps as ``Machine.run`` / ``_run_core`` for one runnable core, in
        the same order: run to the round's ``target`` (lowered to an earlier event),
        take deliverable interrupts (in C where the arch configured the entry with
        ``set_native_entry``), sleep in WFI, end the round by firing the events due;
        this core's native events fire here, without Python. Returns to the machine
        (a StopReason; ``round_target`` is the round's target then) for anything
        else: a Python device's event or another core's is due, a host call or
        exception, the time or busy-cycle limit (``max_time_ps``/``max_busy``, 2**64-1
        for none), another core becoming runnable (``Fabric.fast_broken``), or the
        run's instruction bound. WFI: the core sleeps and the machine has nothing
        for it to do before the next event it must handle itself.
        """
        cdef Fabric fab = self._fabric
        cdef EventQueue q
        cdef State *st = &self._st
        cdef uint64_t deadline, NONE = 0xFFFFFFFFFFFFFFFF
        cdef int r, asleep = 0
        if fab is None:
            raise RuntimeError("run_fabric needs attach_fabric")
        self._live()
        q = fab.events
        if st.insn_budget:
            st.insn_limit = st.instructions + st.insn_budget
        else:
            st.insn_limit = NONE
        fab.fast_input = _fast_input
        fab.fast_ctx = st
        fab.fast_cpu = self.cpu_index
        fab.fast_broken = 0
        try:
            while True:
                # -- Machine._run_core: the core runs to the round's target
                while True:
                    q.drop_dead()
                    if q.n and q.heap[0].when < target:
                        target = max(q.heap[0].when, fab.now_ps)
                    deadline = fab.to_cycles(target)
                    if max_busy != NONE:
                        if st.cycles - st.idle_cycles >= max_busy:
                            self._round_target = target
                            return R_DEADLINE
                        deadline = min(deadline, max_busy + st.idle_cycles)
                    if st.cycles >= deadline:
                        break
                    if st.pending and _deliverable(st):
                        if _take_native(st) < 0:
                            self._round_target = target
                            return R_IRQ
                    r = self._emu(deadline)
                    if r == R_DEADLINE:
                        if st.cycles < deadline:  # the run's instruction bound
                            self._round_target = target
                            return R_DEADLINE
                        continue
                    if r == R_IRQ:
                        if _take_native(st) < 0:
                            self._round_target = target
                            return R_IRQ
                        continue
                    if r == R_WFI:
                        if _wakes(st):
                            continue
                        asleep = 1
                        break
                    self._round_target = target
                    return r
                # -- Machine.run: the round ends, the events due by its target fire
                q.drop_dead()
                if q.n and q.heap[0].when < target:
                    target = max(q.heap[0].when, fab.now_ps)
                if target > fab.now_ps:
                    fab.now_ps = target
                if self._fire_due_native(fab, &asleep):
                    self._round_target = fab.now_ps
                    return R_WFI if asleep else R_DEADLINE
                # -- Machine.run: the next round, or the jump to the next event
                while True:
                    self._round_target = fab.now_ps
                    if max_time_ps != NONE and fab.now_ps >= max_time_ps:
                        return R_WFI if asleep else R_DEADLINE
                    if fab.fast_broken:
                        return R_WFI if asleep else R_DEADLINE
                    if not asleep:
                        break
                    q.drop_dead()
                    if q.n == 0 or q.heap[0].code < 0 or q.heap[0].cpu != self.cpu_index:
                        return R_WFI
                    if max_time_ps != NONE and q.heap[0].when > max_time_ps:
                        # as Machine.run: nothing before the limit, the run ends there
                        if max_time_ps > fab.now_ps:
                            fab.now_ps = max_time_ps
                        self._round_target = fab.now_ps
                        return R_WFI
                    if q.heap[0].when > fab.now_ps:
                        fab.now_ps = q.heap[0].when
                    if self._fire_due_native(fab, &asleep):
                        self._round_target = fab.now_ps
                        return R_WFI if asleep else R_DEADLINE
                target = fab.now_ps + quantum_ps
                q.drop_dead()
                if q.n and q.heap[0].when < target:
                    target = max(q.heap[0].when, fab.now_ps)
                if max_time_ps != NONE and target > max_time_ps:
                    target = max_time_ps
        finally:
            fab.fast_input = NULL
            fab.fast_ctx = NULL
            fab.fast_cpu = -1

    def set_native_entry(self, str isa, order, wake_mask, entries, uint32_t cost):
        """Let ``run_fabric`` take interrupts in C: ``isa`` is "armv7", "aarch64" or
        "x86_64", ``order`` the inputs in the order the arch takes them, ``wake_mask`` the
        inputs that end a WFI (x86: the others end it when RFLAGS.IF is set), ``entries``
        maps an input to its entry: ARMv7 ``(mode, offset, lr_arm, lr_thumb, set_a,
        set_f)`` (``Core.arm_enter``), AArch64 ``(kind,)`` (the vector offset of IRQ or
        FIQ), x86-64 ``()`` (INTR through the IDT, once ``attach_apic`` named the LAPICs);
        ``cost`` the modelled cycles of an exception entry."""
        if isa not in ("armv7", "aarch64", "x86_64"):
            raise ValueError(f"no native interrupt entry for {isa!r}")
        self._st.entry_isa = {"armv7": ENTRY_ARMV7, "aarch64": ENTRY_AARCH64,
                              "x86_64": ENTRY_X86_64}[isa]
        self._st.wake_unmasked = ((1 << MAX_INPUTS) - 1) & ~wake_mask if isa == "x86_64" else 0
        self._st.norder = 0
        for line in order:
            self._st.order[self._st.norder] = line
            self._st.norder += 1
        self._st.wake_mask = wake_mask
        for line in range(MAX_INPUTS):
            self._st.entry_ok[line] = 0
        for line, params in entries.items():
            if isa == "aarch64":
                mode, offset, lr_arm, lr_thumb, set_a, set_f = 0, params[0], 0, 0, 0, 0
            elif isa == "x86_64":
                mode, offset, lr_arm, lr_thumb, set_a, set_f = 0, 0, 0, 0, 0, 0
            else:
                mode, offset, lr_arm, lr_thumb, set_a, set_f = params
            self._st.entry_ok[line] = 1
            self._st.entry_mode[line] = mode
            self._st.entry_offset[line] = offset
            self._st.entry_lr_arm[line] = lr_arm
            self._st.entry_lr_thumb[line] = lr_thumb
            self._st.entry_set_a[line] = set_a
            self._st.entry_set_f[line] = set_f
        self._st.entry_cost = cost

    def attach_apic(self, apic):
        """x86: the native local APICs whose INTA gives the vector of an INTR taken in C
        (their entry points from x86entry, imported here: an ARM boot loads no LAPIC)."""
        from irqemu._core.x86entry import CAPSULE, entry

        cdef ApicEntry *e = <ApicEntry *>PyCapsule_GetPointer(entry(apic), CAPSULE)
        self._native_refs.append(apic)
        self._st.apic_peek = e.peek
        self._st.apic_ack = e.ack
        self._st.x86_apic = <PyObject *>apic

    def allow_native_entry(self, int line, bint allowed):
        """Let C take input ``line`` (as ``set_native_entry`` set it up), or leave it to
        the machine's Python entry for now (x86: while an NMI's return is watched)."""
        if not 0 <= line < MAX_INPUTS:
            raise ValueError(f"no interrupt input {line}")
        self._st.entry_ok[line] = allowed

    def collect_taken(self):
        """``[(input, count)]`` of interrupts taken in C since the last call, in the
        order first taken; and ``{input: ps}`` of rising edges C recorded."""
        taken = []
        for k in range(self._st.ntake_order):
            line = self._st.take_order[k]
            taken.append((line, self._st.taken[line]))
            self._st.taken[line] = 0
        self._st.ntake_order = 0
        raised = {}
        for line in range(MAX_INPUTS):
            if self._st.c_raised & (1u << line):
                raised[line] = self._st.asserted_at[line]
        self._st.c_raised = 0
        return taken, raised

    property round_target:
        """The round's target (ps) when ``run_fabric`` returned."""
        def __get__(self):
            return self._round_target

    property idle_cycles:
        """Cycles this core slept in WFI inside ``run_fabric`` (the machine's count)."""
        def __get__(self):
            return self._st.idle_cycles
        def __set__(self, uint64_t v):
            self._st.idle_cycles = v

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
        self._live()
        uc_reg_read(self._st.uc, reg, &v)
        return v

    def reg_write(self, int reg, uint64_t value):
        self._live()
        uc_reg_write(self._st.uc, reg, &value)

    def trap_sysregs(self, encodings, handler):
        """AArch64: call ``handler(is_msr, xt_reg, (op0, op1, crn, crm, op2), value)``
        for MRS/MSR of the listed system registers only; a true result skips the
        instruction. The filter runs in C, so other MRS/MSR (``daif``) cost nothing.
        """
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
            self._setup(self._add_sys_hooks_now, ())

    def _add_sys_hooks_now(self):
        """The MRS and MSR instruction hooks ``trap_sysregs`` filters in C."""
        cdef uc_hook hh
        cdef uc_err err = uc_hook_add(self._st.uc, &hh, UC_HOOK_INSN, <void *>_mrs_hook,
                                      <void *>&self._st, <uint64_t>1, <uint64_t>0,
                                      <int>UC_ARM64_INS_MRS)
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
        self._live()
        uc_reg_read(self._st.uc, UC_ARM_REG_CP_REG, &r)
        return r.val

    def cp_write(self, int cp, int crn, int crm, int opc1, int opc2, uint64_t value,
                 int sec=1):
        cdef uc_arm_cp_reg r
        memset(&r, 0, sizeof(r))
        r.cp, r.crn, r.crm, r.opc1, r.opc2, r.val, r.sec = cp, crn, crm, opc1, opc2, value, sec
        self._live()
        uc_reg_write(self._st.uc, UC_ARM_REG_CP_REG, &r)

    def arm_enter(self, uint32_t mode, uint32_t offset, uint32_t lr_arm, uint32_t lr_thumb,
                  bint set_a, bint set_f):
        """ARMv7 exception entry at the current PC, in C: the fast path of
        ``irqemu.arch.armv7.take_exception`` for IRQ and FIQ (same rules, same
        register writes in the same order; tests require identical state).
        """
        self._live()
        return _arm_enter(self._st.uc, mode, offset, lr_arm, lr_thumb, set_a, set_f)

    def sys_read(self, int op0, int op1, int crn, int crm, int op2):
        """Read an AArch64 system register by encoding (MRS view)."""
        cdef uc_arm64_cp_reg r
        memset(&r, 0, sizeof(r))
        r.op0, r.op1, r.crn, r.crm, r.op2 = op0, op1, crn, crm, op2
        self._live()
        uc_reg_read(self._st.uc, UC_ARM64_REG_CP_REG, &r)
        return r.val

    def sys_write(self, int op0, int op1, int crn, int crm, int op2, uint64_t value):
        cdef uc_arm64_cp_reg r
        memset(&r, 0, sizeof(r))
        r.op0, r.op1, r.crn, r.crm, r.op2, r.val = op0, op1, crn, crm, op2, value
        self._live()
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

    property splitter:
        """An ``InsnSplitter`` (its ``stop_address``): a deadline inside a block stops the
        block at the instruction it falls on; None: at the next block boundary."""
        def __get__(self):
            return self._splitter
        def __set__(self, value):
            self._splitter = value
            self._st.splitter = NULL if value is None else <PyObject *>value

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
        if self._st.pending:
            self._live()  # the mask register is read
        return bool(self._st.pending and _deliverable(&self._st))

    property cached_blocks:
        def __get__(self):
            return self._st.tused
