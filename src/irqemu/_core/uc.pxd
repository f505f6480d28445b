# The slice of libunicorn's C API the native engine calls directly.
# Header and library come from the unicorn wheel (see setup.py).

from libc.stdint cimport uint32_t, uint64_t, int64_t

cdef extern from "unicorn/unicorn.h" nogil:
    ctypedef struct uc_engine:
        pass
    ctypedef size_t uc_hook
    ctypedef int uc_err
    ctypedef int uc_mem_type

    int UC_ERR_OK
    int UC_HOOK_INTR
    int UC_HOOK_INSN
    int UC_HOOK_BLOCK
    int UC_HOOK_CODE
    int UC_HOOK_MEM_READ_UNMAPPED
    int UC_HOOK_MEM_WRITE_UNMAPPED
    int UC_HOOK_MEM_FETCH_UNMAPPED
    int UC_HOOK_MEM_FETCH_PROT
    int UC_HOOK_MEM_READ_PROT
    int UC_HOOK_MEM_WRITE_PROT

    uc_err uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until,
                        uint64_t timeout, size_t count)
    uc_err uc_emu_stop(uc_engine *uc)
    uc_err uc_hook_add(uc_engine *uc, uc_hook *hh, int type, void *callback,
                       void *user_data, uint64_t begin, uint64_t end, ...)
    uc_err uc_hook_del(uc_engine *uc, uc_hook hh)
    uc_err uc_reg_read(uc_engine *uc, int regid, void *value)
    uc_err uc_reg_write(uc_engine *uc, int regid, const void *value)
    uc_err uc_mem_read(uc_engine *uc, uint64_t address, void *bytes, uint64_t size)
    uc_err uc_mem_write(uc_engine *uc, uint64_t address, const void *bytes, uint64_t size)
    uc_err uc_mmio_map(uc_engine *uc, uint64_t address, size_t size,
                       void *read_cb, void *user_data_read,
                       void *write_cb, void *user_data_write)
    const char *uc_strerror(uc_err code)
    # macros over uc_ctl: drop translated code in [address, end); set the exit addresses
    uc_err uc_ctl_remove_cache(uc_engine *uc, uint64_t address, uint64_t end)
    uc_err uc_ctl_set_exits(uc_engine *uc, uint64_t *exits, size_t n)

cdef extern from "unicorn/arm.h" nogil:
    ctypedef struct uc_arm_cp_reg:
        uint32_t cp
        uint32_t is64
        uint32_t sec
        uint32_t crn
        uint32_t crm
        uint32_t opc1
        uint32_t opc2
        uint64_t val
    int UC_ARM_REG_CP_REG
    int UC_ARM_REG_CPSR
    int UC_ARM_REG_SPSR
    int UC_ARM_REG_LR
    int UC_ARM_REG_PC

cdef extern from "unicorn/arm64.h" nogil:
    ctypedef struct uc_arm64_cp_reg:
        uint32_t crn
        uint32_t crm
        uint32_t op0
        uint32_t op1
        uint32_t op2
        uint64_t val
    int UC_ARM64_REG_CP_REG
    int UC_ARM64_INS_MRS
    int UC_ARM64_INS_MSR
