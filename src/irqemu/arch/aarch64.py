"""AArch64 (ARMv8-A) at EL1 with EL0 for user code: PSTATE, DAIF masking, exception entry.

Unicorn performs no exception entry for external interrupts and none for the
synchronous exceptions once they are hooked, so entry is done here as the
ARM ARM's AArch64.TakeException pseudocode (D1.10, "Exception entry") describes
it for exceptions taken to EL1 from EL0 or EL1:

- the vector is VBAR_EL1 + one of 16 offsets: 0x000 current EL with SP_EL0,
  0x200 current EL with SP_ELx, 0x400 lower EL using AArch64, 0x600 lower EL
  using AArch32; plus 0x000 synchronous, 0x080 IRQ, 0x100 FIQ, 0x180 SError;
- SPSR_EL1 <- PSTATE, ELR_EL1 <- the preferred return address, ESR_EL1 <- the
  syndrome (synchronous exceptions only);
- PSTATE: EL = 1, SPSel = 1 (SP_EL1), D/A/I/F all set, IL and SS cleared,
  NZCV unchanged.

The guest returns with its own ``eret``, executed by Unicorn.

Unicorn facts this module depends on (pinned by tests/arch/test_aarch64_exceptions.py):

- Unicorn's Cortex-A53 implements EL2 and EL3 and starts at Secure EL1 with
  SCR_EL3 = 0. With SCR_EL3.RW = 0, QEMU's ``arm_el_is_aa64(env, 1)`` says EL1
  is AArch32, so *every* ``eret`` to AArch64 EL1 is an illegal exception return:
  PSTATE.IL (bit 20) is set and EL/SP are kept. ``reset`` therefore makes EL1
  Non-secure AArch64 (SCR_EL3 = NS | RW, HCR_EL2.RW = 1), the state QEMU's
  ``virt`` machine (no EL2/EL3) gives firmware; after that ``eret`` is clean.
- DAIF has no register constant; ``UC_ARM64_REG_PSTATE`` reads PSTATE with
  D, A, I, F at bits 9, 8, 7, 6 (the SPSR layout), so the engine's mask check
  uses that register with shifts 7 (IRQ) and 6 (FIQ).
- A ``UC_ARM64_REG_PSTATE`` write does not rebuild QEMU's cached hflags, so
  after an entry from EL0 the handler was translated as EL0 code and its
  ``mrs x, elr_el1`` was UNDEFINED. A ``UC_ARM64_REG_CP_REG`` write calls
  ``arm_rebuild_hflags``: entry writes PSTATE first and SPSR_EL1 last.
- The current SP lives in Unicorn's ``SP`` register; ``SP_EL0``/``SP_EL1`` are
  the banked copies, which only ``eret`` and exception entry synchronise. Entry
  here saves the interrupted SP into its bank and loads SP_EL1 itself.
- UC_HOOK_INTR numbers (QEMU EXCP_*): ``svc`` 2 with the PC past it, ``brk`` 7
  at it, ``udf``/unallocated encodings 1 at it, ``hlt`` (the semihosting trap)
  and ``hvc`` also 1 at the instruction (no EL2 enabled), ``smc`` 13 past it.
- UC_HOOK_INSN with UC_ARM64_INS_MRS / UC_ARM64_INS_MSR fires for the generic
  timer registers, MPIDR_EL1 and ``mrs/msr daif`` (not for ``msr daifset``);
  the callback gets the Unicorn id of Xt and the op0/op1/CRn/CRm/op2
  encoding, and returning 1 skips the instruction.
"""

from __future__ import annotations

from collections.abc import Sequence

from irqemu._core import ucconst
from irqemu._core.ucconst import arm64 as A
from irqemu._core.ucerror import UcError
from irqemu.arch import disasm
from irqemu.arch.base import Arch
from irqemu.errors import GuestError

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

# -- PSTATE / SPSR (ARM ARM C5.2.18) --------------------------------------
PSTATE_M = 0xF  #: M[3:0]: EL in [3:2], SPSel in [0]
PSTATE_SP = 1 << 0
PSTATE_EL_SHIFT = 2
PSTATE_NRW = 1 << 4  #: 1: AArch32 state
PSTATE_F = 1 << 6
PSTATE_I = 1 << 7
PSTATE_A = 1 << 8
PSTATE_D = 1 << 9
PSTATE_DAIF = PSTATE_D | PSTATE_A | PSTATE_I | PSTATE_F
PSTATE_IL = 1 << 20
PSTATE_SS = 1 << 21
PSTATE_NZCV = 0xF << 28
MODE_EL0T, MODE_EL1T, MODE_EL1H = 0x0, 0x4, 0x5
SCTLR_NTWI = 1 << 16  #: SCTLR_EL1.nTWI: WFI at EL0 is not trapped

# Vector table offsets (D1.10.2)
VEC_CURRENT_SP0, VEC_CURRENT_SPX, VEC_LOWER_A64, VEC_LOWER_A32 = 0x000, 0x200, 0x400, 0x600
KIND_SYNC, KIND_IRQ, KIND_FIQ, KIND_SERROR = 0x000, 0x080, 0x100, 0x180
KIND_NAMES = {KIND_SYNC: "sync", KIND_IRQ: "IRQ", KIND_FIQ: "FIQ", KIND_SERROR: "SError"}

# ESR_ELx exception classes (D17.2.37)
EC_UNKNOWN = 0x00
EC_SVC64 = 0x15
EC_HVC64 = 0x16
EC_SMC64 = 0x17
EC_IABT_SAME = 0x21
EC_PC_ALIGN = 0x22
EC_DABT_SAME = 0x25
EC_SP_ALIGN = 0x26
EC_BRK64 = 0x3C
ESR_IL = 1 << 25
ISS_DABT_WNR = 1 << 6  #: data abort ISS: caused by a write
DFSC_PERMISSION_L3 = 0b001111  #: data abort ISS.DFSC: permission fault, level 3 (a page)

# System-register encodings (op0, op1, CRn, CRm, op2)
SYS_SPSR_EL1 = (3, 0, 4, 0, 0)
SYS_ESR_EL1 = (3, 0, 5, 2, 0)
SYS_FAR_EL1 = (3, 0, 6, 0, 0)
SYS_SCR_EL3 = (3, 6, 1, 1, 0)
SYS_HCR_EL2 = (3, 4, 1, 1, 0)
SYS_MPIDR_EL1 = (3, 0, 0, 0, 5)
SCR_NS, SCR_RW = 1 << 0, 1 << 10
HCR_RW = 1 << 31

#: Generic-timer registers (ARM ARM D11.2 / D17.8): encoding -> name
TIMER_REGS = {
    (3, 3, 14, 0, 0): "CNTFRQ_EL0",
    (3, 3, 14, 0, 1): "CNTPCT_EL0",
    (3, 3, 14, 0, 2): "CNTVCT_EL0",
    (3, 3, 14, 2, 0): "CNTP_TVAL_EL0",
    (3, 3, 14, 2, 1): "CNTP_CTL_EL0",
    (3, 3, 14, 2, 2): "CNTP_CVAL_EL0",
    (3, 3, 14, 3, 0): "CNTV_TVAL_EL0",
    (3, 3, 14, 3, 1): "CNTV_CTL_EL0",
    (3, 3, 14, 3, 2): "CNTV_CVAL_EL0",
}
#: the board device that answers them
TIMER_DEVICE = "generic_timer"

# Unicorn/QEMU exception numbers seen by UC_HOOK_INTR (target/arm/cpu.h)
EXCP_UDEF, EXCP_SWI, EXCP_BKPT, EXCP_SMC = 1, 2, 7, 13

HLT_SEMIHOST = 0xD45E0000  #: hlt #0xf000
HVC_0, SMC_0 = 0xD4000002, 0xD4000003
HOSTCALL_INSN = 0x14000000  #: b .  (what fills the host-call page)
MASK64 = (1 << 64) - 1


def _sys(core: Any, enc: tuple[int, int, int, int, int]) -> int:
    return int(core.sys_read(*enc))


def _sys_w(core: Any, enc: tuple[int, int, int, int, int], value: int) -> None:
    core.sys_write(*enc, value)


def current_el(pstate: int) -> int:
    return (pstate >> PSTATE_EL_SHIFT) & 3


def vector_offset(pstate: int, kind: int) -> int:
    """Offset in VBAR_EL1's table of exception ``kind`` taken to EL1 from ``pstate``."""
    if pstate & PSTATE_NRW:
        return VEC_LOWER_A32 + kind
    if current_el(pstate) == 0:
        return VEC_LOWER_A64 + kind
    return (VEC_CURRENT_SPX if pstate & PSTATE_SP else VEC_CURRENT_SP0) + kind


def take_exception(core: Any, kind: int, preferred_return: int, esr: int | None = None,
                   far: int | None = None) -> int:
    """Enter ``kind`` (KIND_SYNC/IRQ/FIQ/SERROR) at EL1 as AArch64.TakeException does.

    Returns the vector address. ``esr``/``far`` are written for synchronous
    exceptions that report them.
    """
    old = core.reg_read(A.UC_ARM64_REG_PSTATE)
    vector = (core.reg_read(A.UC_ARM64_REG_VBAR_EL1) & ~0x7FF) + vector_offset(old, kind)
    # Bank the interrupted SP: SP_EL0 when it was in use (EL0 or EL1t), else SP_EL1.
    sp = core.reg_read(A.UC_ARM64_REG_SP)
    if current_el(old) == 0 or not old & PSTATE_SP:
        core.reg_write(A.UC_ARM64_REG_SP_EL0, sp)
        new_sp = core.reg_read(A.UC_ARM64_REG_SP_EL1)
    else:
        core.reg_write(A.UC_ARM64_REG_SP_EL1, sp)
        new_sp = sp
    new = (old & PSTATE_NZCV) | PSTATE_DAIF | MODE_EL1H
    # PSTATE first: a UC_ARM64_REG_PSTATE write does not rebuild QEMU's cached
    # hflags (current EL for translation), a CP_REG write does. SPSR_EL1 written
    # after PSTATE therefore makes code at the vector translate for EL1.
    core.reg_write(A.UC_ARM64_REG_PSTATE, new)
    core.reg_write(A.UC_ARM64_REG_SP, new_sp)
    core.reg_write(A.UC_ARM64_REG_ELR_EL1, preferred_return & MASK64)
    if esr is not None:
        _sys_w(core, SYS_ESR_EL1, esr)
    if far is not None:
        _sys_w(core, SYS_FAR_EL1, far & MASK64)
    _sys_w(core, SYS_SPSR_EL1, old)  # last: rebuilds hflags
    core.reg_write(A.UC_ARM64_REG_PC, vector)
    return vector


def syndrome(ec: int, iss: int = 0) -> int:
    """ESR_EL1 value: EC, IL = 1 (32-bit instruction), ISS."""
    return (ec << 26) | ESR_IL | (iss & 0x1FFFFFF)


def irq_masked(core: Any) -> bool:
    return bool(core.reg_read(A.UC_ARM64_REG_PSTATE) & PSTATE_I)


def fiq_masked(core: Any) -> bool:
    return bool(core.reg_read(A.UC_ARM64_REG_PSTATE) & PSTATE_F)


def _insn_at(core: Any, pc: int) -> int | None:
    try:
        return int.from_bytes(core.uc.mem_read(pc, 4), "little")
    except UcError:
        return None


class AArch64(Arch):
    """The architecture description the machine uses for AArch64 cores."""

    name = "aarch64"
    elf_machine = "EM_AARCH64"
    uc_arch = ucconst.UC_ARCH_ARM64
    uc_mode = ucconst.UC_MODE_ARM
    pc_reg = A.UC_ARM64_REG_PC
    sp_reg = A.UC_ARM64_REG_SP
    mask_reg = A.UC_ARM64_REG_PSTATE
    #: input i (0 = IRQ, 1 = FIQ) is masked by PSTATE bit mask_shifts[i] (I = 7, F = 6)
    mask_shifts = [7, 6]
    thumb_reg = -1
    thumb_shift = -1
    hostcall_fill = HOSTCALL_INSN.to_bytes(4, "little")
    return_insn = (0xD65F03C0).to_bytes(4, "little")  #: ret
    word_bytes = 8
    #: Unicorn has no Cortex-A55; "cortex-a55" runs on its "max" CPU, the model with
    #: the ARMv8.1 LSE atomics (ID_AA64ISAR0_EL1.Atomic = 2).
    cpu_models = {
        "cortex-a53": A.UC_CPU_ARM64_A53,
        "cortex-a57": A.UC_CPU_ARM64_A57,
        "cortex-a72": A.UC_CPU_ARM64_A72,
        "cortex-a55": A.UC_CPU_ARM64_MAX,
        "max": A.UC_CPU_ARM64_MAX,
    }

    def __init__(self) -> None:
        self._cs = disasm.decoder(disasm.CS_ARCH_ARM64, disasm.CS_MODE_ARM, detail=False)

    def reset(self, core: Any, entry: int) -> None:
        """The state QEMU's ``virt`` gives an ELF kernel: Non-secure EL1h, DAIF masked,
        MMU off, at ``entry``.

        SCR_EL3.RW must be set or Unicorn treats EL1 as AArch32 and every
        ``eret`` is an illegal return (IL set); see the module docstring.
        """
        core.reg_write(A.UC_ARM64_REG_PSTATE, PSTATE_DAIF | MODE_EL1H)
        _sys_w(core, SYS_SCR_EL3, SCR_NS | SCR_RW)
        _sys_w(core, SYS_HCR_EL2, HCR_RW)  # (a CP_REG write: rebuilds hflags)
        core.reg_write(A.UC_ARM64_REG_PC, entry)

    def disassembler(self, core: Any) -> Any:
        return self._cs

    def insn_width(self, cs: Any) -> int:
        return 4

    def may_split(self, core: Any) -> bool:
        """Not at EL0 with SCTLR_EL1.nTWI clear: there the WFI Unicorn runs at an exit
        address traps to EL1 (the block then ends at its next boundary, as before)."""
        if (core.reg_read(A.UC_ARM64_REG_PSTATE) >> 2) & 3:
            return True
        return bool(core.sys_read(3, 0, 1, 0, 0) & SCTLR_NTWI)

    def classify(self, insn: Any) -> str:
        return classify(insn)

    def take_interrupt(self, machine: Any, slot: Any, line: int) -> int:
        """Take the physical IRQ (line 0) or FIQ (line 1) at the current PC."""
        core = slot.core
        kind = KIND_FIQ if line == 1 else KIND_IRQ
        return take_exception(core, kind, core.reg_read(A.UC_ARM64_REG_PC))

    def interrupt_name(self, line: int) -> str:
        return "FIQ" if line == 1 else "IRQ"

    def interrupt_order(self) -> tuple[int, ...]:
        """FIQ before IRQ when both are deliverable (as QEMU's arm_cpu_exec_interrupt)."""
        return (1, 0)

    def native_entry(self) -> tuple[str, tuple[int, ...], int, dict[int, tuple]] | None:
        """IRQ and FIQ entry to EL1 in C (the engine's ``_a64_enter``: ``take_exception``'s rules),
        FIQ first; WFI ends on any interrupt (``wakes``)."""
        return "aarch64", self.interrupt_order(), 0xF, {0: (KIND_IRQ,), 1: (KIND_FIQ,)}

    def prepare_call(self, core: Any, address: int, args: list[int], ret: int) -> None:
        """Set up an AAPCS64 call: X0-X7 = args, X30 = ``ret``, PC = ``address``."""
        if len(args) > 8:
            raise ValueError("at most eight register arguments (AAPCS64 x0-x7)")
        for i, a in enumerate(args):
            core.reg_write(A.UC_ARM64_REG_X0 + i, a & MASK64)
        core.reg_write(A.UC_ARM64_REG_X30, ret)
        core.reg_write(A.UC_ARM64_REG_PC, address)

    def call_result(self, core: Any) -> int:
        return int(core.reg_read(A.UC_ARM64_REG_X0))

    def call_arg(self, core: Any, index: int) -> int:
        """AAPCS64: arguments 0-7 are in X0-X7."""
        if not 0 <= index < 8:
            raise ValueError("only the eight register arguments (AAPCS64 x0-x7)")
        return int(core.reg_read(A.UC_ARM64_REG_X0 + index))

    def start_task(self, core: Any, stack_top: int, entry: int,
                   args: Sequence[int] = ()) -> None:
        """SP = ``stack_top``; the host call returns (``ret``) to X30 = ``entry``;
        X0-X7 = ``args``."""
        if len(args) > 8:
            raise ValueError("at most eight register arguments (AAPCS64 x0-x7)")
        core.reg_write(A.UC_ARM64_REG_SP, stack_top)
        core.reg_write(A.UC_ARM64_REG_X30, entry)
        for i, a in enumerate(args):
            core.reg_write(A.UC_ARM64_REG_X0 + i, a & MASK64)

    def hostcall_return(self, core: Any) -> None:
        """A host call returns like ``ret`` (to X30)."""
        core.reg_write(A.UC_ARM64_REG_PC, core.reg_read(A.UC_ARM64_REG_X30))

    # -- per-core hooks --------------------------------------------------------
    def attach(self, machine: Any, slot: Any) -> None:
        """Trap MRS/MSR of the generic-timer registers and MPIDR_EL1 (answered from
        simulated time and the core's index, never from the host)."""
        core = slot.core

        def trap(is_msr: int, reg: int, enc: tuple[int, int, int, int, int], value: int) -> bool:
            if not is_msr:
                if enc == SYS_MPIDR_EL1:
                    core.reg_write(reg, self.mpidr(slot.index))
                else:
                    core.reg_write(reg, _timer(machine).sysreg_read(slot.index, TIMER_REGS[enc])
                                   & MASK64)
            else:
                _timer(machine).sysreg_write(slot.index, TIMER_REGS[enc], value & MASK64)
            return True

        # MSR to MPIDR_EL1 is not trapped: it is read-only and UNDEFINED to write.
        core.trap_sysregs([*TIMER_REGS, SYS_MPIDR_EL1], trap)

    @staticmethod
    def mpidr(cpu: int) -> int:
        """MPIDR_EL1 as QEMU's virt gives it: bit 31 RES1, Aff0 = CPU index (8 per cluster)."""
        return 0x80000000 | ((cpu // 8) << 8) | (cpu % 8)

    # -- synchronous exceptions the engine reports ------------------------------
    def handle_exception(self, machine: Any, slot: Any, intno: int) -> None:
        """Enter the exception Unicorn raised (its QEMU EXCP_* number)."""
        core = slot.core
        pc = core.reg_read(A.UC_ARM64_REG_PC)
        if intno == EXCP_SWI:  # svc: PC is past it
            word = _insn_at(core, pc - 4) or 0
            take_exception(core, KIND_SYNC, pc, syndrome(EC_SVC64, (word >> 5) & 0xFFFF))
        elif intno == EXCP_BKPT:  # brk: PC at it, the preferred return address
            word = _insn_at(core, pc) or 0
            take_exception(core, KIND_SYNC, pc, syndrome(EC_BRK64, (word >> 5) & 0xFFFF))
        elif intno == EXCP_UDEF:
            insn = _insn_at(core, pc)
            if insn == HLT_SEMIHOST and machine.semihosting:
                core.reg_write(A.UC_ARM64_REG_PC, pc + 4)
                semihosting_call(machine, slot)
            elif insn == HVC_0:
                core.reg_write(A.UC_ARM64_REG_PC, pc + 4)
                psci_call(machine, slot)
            else:
                self._undefined_or_fail(machine, slot)
        elif intno == EXCP_SMC and _insn_at(core, pc - 4) == SMC_0:
            psci_call(machine, slot)
        else:
            raise GuestError(f"CPU exception {intno} not modelled at "
                             f"{machine.describe_pc(slot)}")

    @staticmethod
    def _has_sync_vector(machine: Any, core: Any) -> bool:
        """Whether VBAR_EL1's table has the synchronous entry for the current state."""
        old = core.reg_read(A.UC_ARM64_REG_PSTATE)
        vbar = core.reg_read(A.UC_ARM64_REG_VBAR_EL1) & ~0x7FF
        return bool(machine.has_memory(vbar + vector_offset(old, KIND_SYNC), 4))

    def handle_undefined(self, machine: Any, slot: Any) -> bool:
        """Take an Unknown-reason synchronous exception (EC 0x00) if VBAR_EL1 has a table."""
        core = slot.core
        if not self._has_sync_vector(machine, core):
            return False
        take_exception(core, KIND_SYNC, core.reg_read(A.UC_ARM64_REG_PC), syndrome(EC_UNKNOWN))
        return True

    def handle_write_fault(self, machine: Any, slot: Any, address: int) -> bool:
        """A write to the read-only host-call page: a synchronous Data Abort to EL1
        (EC 0x25, or 0x24 from EL0; ISS WnR, DFSC permission fault level 3, FAR =
        the address, ELR = the instruction) if VBAR_EL1 has a table."""
        core = slot.core
        if not self._has_sync_vector(machine, core):
            return False
        pc = core.reg_read(A.UC_ARM64_REG_PC)
        old = core.reg_read(A.UC_ARM64_REG_PSTATE)
        ec = EC_DABT_SAME if current_el(old) else EC_DABT_SAME - 1  # 0x24: from EL0
        take_exception(core, KIND_SYNC, pc,
                       syndrome(ec, ISS_DABT_WNR | DFSC_PERMISSION_L3), address)
        return True

    def _undefined_or_fail(self, machine: Any, slot: Any) -> None:
        if not self.handle_undefined(machine, slot):
            raise GuestError(f"undefined instruction with no handler "
                             f"({machine.describe_pc(slot)})")


def _timer(machine: Any) -> Any:
    dev = machine.devices.get(TIMER_DEVICE)
    if dev is None:
        raise GuestError("generic-timer register access on a board without a generic timer")
    return dev


# -- semihosting (ARM IHI 0056, "Semihosting for AArch32 and AArch64") ---------
SYS_WRITEC, SYS_WRITE0, SYS_EXIT, SYS_EXIT_EXTENDED = 0x03, 0x04, 0x18, 0x20
ADP_STOPPED_APPLICATION_EXIT = 0x20026


def semihosting_call(machine: Any, slot: Any) -> None:
    """``hlt #0xf000`` with W0 = operation, X1 = parameter (block): as QEMU's -semihosting.

    On AArch64 SYS_EXIT's X1 points to a two-doubleword block [reason, subcode].
    """
    core = slot.core
    op = core.reg_read(A.UC_ARM64_REG_X0) & 0xFFFFFFFF
    arg = core.reg_read(A.UC_ARM64_REG_X1)
    if op in (SYS_EXIT, SYS_EXIT_EXTENDED):
        reason = int.from_bytes(machine.mem_read(arg, 8), "little")
        sub = int.from_bytes(machine.mem_read(arg + 8, 8), "little")
        machine.finish("exit", (sub & 0xFFFFFFFF) if reason == ADP_STOPPED_APPLICATION_EXIT
                       else 1)
    elif op == SYS_WRITEC:
        machine.uart_output(machine.mem_read(arg, 1))
    elif op == SYS_WRITE0:
        machine.uart_output(machine.read_cstring(arg))
    else:
        raise GuestError(f"semihosting call {op:#x} not supported "
                         f"({machine.describe_pc(slot)})")


# -- PSCI (ARM DEN 0022), the subset QEMU's virt answers for hvc/smc #0 ----------
PSCI_VERSION, PSCI_CPU_OFF, PSCI_SYSTEM_OFF = 0x84000000, 0x84000002, 0x84000008
PSCI_CPU_ON_32, PSCI_CPU_ON_64 = 0x84000003, 0xC4000003
PSCI_AFFINITY_INFO_32, PSCI_AFFINITY_INFO_64 = 0x84000004, 0xC4000004
PSCI_SYSTEM_RESET, PSCI_FEATURES = 0x84000009, 0x8400000A
PSCI_SUCCESS, PSCI_NOT_SUPPORTED, PSCI_INVALID_PARAMS, PSCI_ALREADY_ON = 0, -1, -2, -4
PSCI_AFF_ON, PSCI_AFF_OFF = 0, 1  #: AFFINITY_INFO's answers
PSCI_FUNCTIONS = (PSCI_VERSION, PSCI_CPU_OFF, PSCI_SYSTEM_OFF, PSCI_CPU_ON_32, PSCI_CPU_ON_64,
                  PSCI_AFFINITY_INFO_32, PSCI_AFFINITY_INFO_64, PSCI_SYSTEM_RESET, PSCI_FEATURES)


def _psci_cpu(machine: Any, target: int) -> int | None:
    """The CPU index of MPIDR affinity ``target`` (Aff1.Aff0), or None if there is none."""
    cpu = (target & 0xFF) + 8 * ((target >> 8) & 0xFF)
    return None if cpu >= machine.num_cpus or target & ~0xFFFF else cpu


def psci_call(machine: Any, slot: Any) -> None:
    """PSCI 1.1 calls (function id in W0): VERSION, FEATURES, CPU_ON, CPU_OFF,
    AFFINITY_INFO, SYSTEM_OFF and SYSTEM_RESET (both end the run)."""
    core = slot.core
    fn = core.reg_read(A.UC_ARM64_REG_X0) & 0xFFFFFFFF
    ret = PSCI_NOT_SUPPORTED
    if fn == PSCI_VERSION:
        ret = 0x00010001
    elif fn == PSCI_FEATURES:
        asked = core.reg_read(A.UC_ARM64_REG_X1) & 0xFFFFFFFF
        ret = PSCI_SUCCESS if asked in PSCI_FUNCTIONS else PSCI_NOT_SUPPORTED
    elif fn in (PSCI_AFFINITY_INFO_32, PSCI_AFFINITY_INFO_64):
        cpu = _psci_cpu(machine, core.reg_read(A.UC_ARM64_REG_X1))
        if cpu is None or core.reg_read(A.UC_ARM64_REG_X2) != 0:  # level 0 only, as QEMU
            ret = PSCI_INVALID_PARAMS
        else:
            ret = PSCI_AFF_OFF if machine.cpus[cpu].state == "held" else PSCI_AFF_ON
    elif fn == PSCI_SYSTEM_RESET:
        machine.finish("exit", 0, "PSCI SYSTEM_RESET (irqemu ends the run; QEMU would reboot)")
        return
    elif fn in (PSCI_CPU_ON_32, PSCI_CPU_ON_64):
        target = core.reg_read(A.UC_ARM64_REG_X1)
        entry = core.reg_read(A.UC_ARM64_REG_X2)
        context = core.reg_read(A.UC_ARM64_REG_X3)
        cpu = _psci_cpu(machine, target)
        if cpu is None:
            ret = PSCI_INVALID_PARAMS
        elif machine.cpus[cpu].state != "held":
            ret = PSCI_ALREADY_ON
        else:
            machine.release_cpu(cpu, entry)
            machine.cpus[cpu].core.reg_write(A.UC_ARM64_REG_X0, context)
            ret = PSCI_SUCCESS
    elif fn == PSCI_CPU_OFF:
        machine.hold_cpu(slot.index)
        core.request_stop()
        return
    elif fn == PSCI_SYSTEM_OFF:
        machine.finish("exit", 0)
        return
    core.reg_write(A.UC_ARM64_REG_X0, ret & MASK64)


# -- cost classes -------------------------------------------------------------
_CLASSES: dict[str, str] = {}
for _m in ("ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrsw", "ldur", "ldurb", "ldurh",
           "ldursb", "ldursh", "ldursw", "ldp", "ldpsw", "ldnp", "ldar", "ldarb", "ldarh",
           "ldapr", "ldaprb", "ldaprh", "ldtr", "ldtrb", "ldtrh", "ld1", "ld2", "ld3", "ld4",
           "prfm", "prfum"):
    _CLASSES[_m] = "load"
for _m in ("str", "strb", "strh", "stur", "sturb", "sturh", "stp", "stnp", "stlr", "stlrb",
           "stlrh", "sttr", "sttrb", "sttrh", "st1", "st2", "st3", "st4"):
    _CLASSES[_m] = "store"
for _m in ("b", "bl", "br", "blr", "ret", "cbz", "cbnz", "tbz", "tbnz"):
    _CLASSES[_m] = "branch"
for _m in ("mul", "madd", "msub", "mneg", "smull", "umull", "smulh", "umulh", "smaddl",
           "umaddl", "smsubl", "umsubl", "smnegl", "umnegl"):
    _CLASSES[_m] = "multiply"
for _m in ("sdiv", "udiv"):
    _CLASSES[_m] = "divide"
for _m in ("ldxr", "ldxrb", "ldxrh", "ldxp", "ldaxr", "ldaxrb", "ldaxrh", "ldaxp"):
    _CLASSES[_m] = "load_exclusive"
for _m in ("stxr", "stxrb", "stxrh", "stxp", "stlxr", "stlxrb", "stlxrh", "stlxp", "clrex"):
    _CLASSES[_m] = "store_exclusive"
# ARMv8.1 LSE: ld<op>{a}{l}{b,h}, st<op>{l}{b,h}, swp{a}{l}{b,h}, cas{a}{l}{b,h}, casp
_LSE_OPS = ("add", "clr", "eor", "set", "smax", "smin", "umax", "umin")
for _op in _LSE_OPS:
    for _o in ("", "a", "al", "l"):
        for _s in ("", "b", "h"):
            _CLASSES[f"ld{_op}{_o}{_s}"] = "atomic"
            if _o in ("", "l"):
                _CLASSES[f"st{_op}{_o}{_s}"] = "atomic"
for _base in ("swp", "cas"):
    for _o in ("", "a", "al", "l"):
        for _s in ("", "b", "h"):
            _CLASSES[f"{_base}{_o}{_s}"] = "atomic"
for _o in ("", "a", "al", "l"):
    _CLASSES[f"casp{_o}"] = "atomic"
for _m in ("dmb", "dsb", "isb"):
    _CLASSES[_m] = "barrier"
for _m in ("mrs", "msr", "sys", "sysl", "dc", "ic", "at", "tlbi"):
    _CLASSES[_m] = "coprocessor"
for _m in ("svc", "hvc", "smc", "brk", "hlt", "udf"):
    _CLASSES[_m] = "exception"
_CLASSES["eret"] = "exception_return"
for _m in ("wfi", "wfe", "sev", "sevl", "yield"):
    _CLASSES[_m] = "hint"
_CLASSES["nop"] = "nop"


def classify(insn: Any) -> str:
    """Cost class of a capstone AArch64 instruction.

    ``msr daifset/daifclr``, ``msr daif`` and ``mrs daif`` are ``mask``; other
    system-register accesses are ``coprocessor``; ``b.cond`` is a branch.
    """
    m = insn.mnemonic
    if m.startswith("b."):
        return "branch"
    cls = _CLASSES.get(m, "alu")
    if cls == "coprocessor" and m in ("mrs", "msr") and "daif" in insn.op_str:
        return "mask"
    return cls
