"""ARMv7-A: modes, CPSR mask bits, exception entry, banked-register views.

Unicorn performs no exception entry for external interrupts (and none at all
for SVC, undefined instructions and aborts once they are hooked), so entry is
done here exactly as the ARMv7-A Architecture Reference Manual's pseudocode
(B1.9 "Exception descriptions": TakeUndefInstrException, TakeSVCException,
TakePrefetchAbortException, TakeDataAbortException, TakePhysicalIRQException,
TakePhysicalFIQException) describes it for a core without the Virtualization
Extensions, running Secure with SCR.IRQ/FIQ/EA clear, so every exception
goes to its PL1 mode, never Monitor (``reset`` makes Unicorn's core Secure).
The guest's own return (``subs pc, lr, #4``, ``movs pc, lr``, ``rfe``) is
executed by Unicorn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum

from irqemu._core import ucconst
from irqemu._core.ucconst import arm as A
from irqemu._core.ucerror import UcError
from irqemu.arch import disasm
from irqemu.arch.base import Arch
from irqemu.errors import GuestError

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Protocol
else:
    Protocol = object  # the interfaces are mypy's: at run time, plain classes

# -- CPSR (ARM ARM B1.3.3) -------------------------------------------------
CPSR_M = 0x1F
CPSR_T = 1 << 5
CPSR_F = 1 << 6
CPSR_I = 1 << 7
CPSR_A = 1 << 8
CPSR_E = 1 << 9
CPSR_IT_LO = 0x3 << 25  # IT[1:0]
CPSR_IT_HI = 0x3F << 10  # IT[7:2]
CPSR_J = 1 << 24

MODE_USR, MODE_FIQ, MODE_IRQ, MODE_SVC = 0x10, 0x11, 0x12, 0x13
MODE_MON, MODE_ABT, MODE_HYP, MODE_UND, MODE_SYS = 0x16, 0x17, 0x1A, 0x1B, 0x1F
MODE_NAMES = {
    MODE_USR: "usr", MODE_FIQ: "fiq", MODE_IRQ: "irq", MODE_SVC: "svc", MODE_MON: "mon",
    MODE_ABT: "abt", MODE_HYP: "hyp", MODE_UND: "und", MODE_SYS: "sys",
}

# -- SCTLR (B4.1.130) --------------------------------------------------------
SCTLR_A = 1 << 1
SCTLR_V = 1 << 13
SCTLR_EE = 1 << 25
SCTLR_TE = 1 << 30
HIGH_VECTORS = 0xFFFF0000

# Coprocessor encodings (cp, crn, crm, opc1, opc2)
CP_SCTLR = (15, 1, 0, 0, 0)
CP_VBAR = (15, 12, 0, 0, 0)
CP_DFSR = (15, 5, 0, 0, 0)
CP_IFSR = (15, 5, 0, 0, 1)
CP_DFAR = (15, 6, 0, 0, 0)
CP_IFAR = (15, 6, 0, 0, 2)
CP_SCR = (15, 1, 1, 0, 0)

# Unicorn/QEMU exception numbers seen by UC_HOOK_INTR (target/arm/cpu.h)
EXCP_UDEF, EXCP_SWI, EXCP_PREFETCH_ABORT, EXCP_DATA_ABORT = 1, 2, 3, 4
EXCP_IRQ, EXCP_FIQ, EXCP_BKPT = 5, 6, 7

SEMIHOST_SVC_ARM = 0xEF123456  # svc #0x123456
SEMIHOST_SVC_THUMB = 0xDFAB  # svc #0xab
HOSTCALL_INSN = 0xEAFFFFFE  # b .   (what fills the host-call page)
WFI_ARM, WFI_THUMB = 0xE320F003, 0xBF30

# Short-descriptor fault status encodings (B3.13.3)
FSR_ALIGNMENT = 0b00001
FSR_DEBUG = 0b00010
FSR_SYNC_EXTERNAL = 0b01000
FSR_PERMISSION_PAGE = 0b01111  #: short-descriptor DFSR.FS: permission fault, page
DFSR_WNR = 1 << 11  #: the abort was caused by a write


class Regs(Protocol):
    """Register access both engines provide."""

    def reg_read(self, reg: int) -> int: ...
    def reg_write(self, reg: int, value: int) -> None: ...
    def cp_read(self, cp: int, crn: int, crm: int, opc1: int, opc2: int) -> int: ...
    def cp_write(self, cp: int, crn: int, crm: int, opc1: int, opc2: int, value: int) -> None:
        ...


class Kind:
    """One exception kind's entry rules (ARM ARM B1.8.3-B1.8.6); immutable.

    Kind and CpuState are written out as @dataclass would make them (frozen Kind;
    init, repr, eq): making a dataclass costs about a millisecond of a boot's start-up
    (tests/cli/test_startup.py checks they behave as the dataclasses would)."""

    __match_args__ = ("name", "offset", "mode", "lr_arm", "lr_thumb", "set_a", "set_f")
    name: str
    offset: int  #: vector offset
    mode: int  #: target mode
    lr_arm: int  #: LR = preferred return address + this, from ARM state
    lr_thumb: int  #: ... from Thumb state
    set_a: bool  #: CPSR.A set on entry
    set_f: bool  #: CPSR.F set on entry

    def __init__(self, name: str, offset: int, mode: int, lr_arm: int, lr_thumb: int,
                 set_a: bool, set_f: bool) -> None:
        for k, v in zip(Kind.__match_args__, (name, offset, mode, lr_arm, lr_thumb, set_a,
                                              set_f), strict=True):
            object.__setattr__(self, k, v)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, k) for k in Kind.__match_args__)

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={getattr(self, k)!r}" for k in Kind.__match_args__)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Kind)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __setattr__(self, name: str, value: Any) -> None:
        if type(self) is Kind or name in Kind.__match_args__:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if type(self) is Kind or name in Kind.__match_args__:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super().__delattr__(name)


class Exc(Enum):
    """The ARMv7-A exceptions taken to PL1 modes, with their entry rules."""

    RESET = Kind("reset", 0x00, MODE_SVC, 0, 0, True, True)
    UNDEF = Kind("undefined", 0x04, MODE_UND, 4, 2, False, False)
    SVC = Kind("svc", 0x08, MODE_SVC, 0, 0, False, False)
    PREFETCH_ABORT = Kind("prefetch abort", 0x0C, MODE_ABT, 4, 4, True, False)
    DATA_ABORT = Kind("data abort", 0x10, MODE_ABT, 8, 8, True, False)
    IRQ = Kind("irq", 0x18, MODE_IRQ, 4, 4, True, False)
    FIQ = Kind("fiq", 0x1C, MODE_FIQ, 4, 4, True, True)


def vector_base(core: Regs) -> int:
    """ExcVectorBase(): 0xFFFF0000 when SCTLR.V, else VBAR."""
    if core.cp_read(*CP_SCTLR) & SCTLR_V:
        return HIGH_VECTORS
    return core.cp_read(*CP_VBAR) & ~0x1F


def take_exception(core: Regs, exc: Exc, preferred_return: int | None = None) -> int:
    """Enter ``exc`` as the ARM ARM's Take*Exception pseudocode does; returns the vector.

    ``preferred_return`` is the architectural preferred return address (the
    faulting instruction for UNDEF/aborts, the next instruction for SVC, IRQ
    and FIQ); by default the current PC, which is where the engine stopped.
    """
    k = exc.value
    cpsr = core.reg_read(A.UC_ARM_REG_CPSR)
    pc = core.reg_read(A.UC_ARM_REG_PC) if preferred_return is None else preferred_return
    thumb = bool(cpsr & CPSR_T)
    lr = (pc + (k.lr_thumb if thumb else k.lr_arm)) & 0xFFFFFFFF
    sctlr = core.cp_read(*CP_SCTLR)
    new = (cpsr & ~(CPSR_M | CPSR_IT_LO | CPSR_IT_HI | CPSR_J | CPSR_T | CPSR_E)) | k.mode
    new |= CPSR_I
    if k.set_a:
        new |= CPSR_A
    if k.set_f:
        new |= CPSR_F
    if sctlr & SCTLR_TE:
        new |= CPSR_T
    if sctlr & SCTLR_EE:
        new |= CPSR_E
    base = HIGH_VECTORS if sctlr & SCTLR_V else core.cp_read(*CP_VBAR) & ~0x1F
    vector = base + k.offset
    # Mode first, then the new mode's banked registers (Unicorn #1984).
    core.reg_write(A.UC_ARM_REG_CPSR, new)
    core.reg_write(A.UC_ARM_REG_SPSR, cpsr)
    core.reg_write(A.UC_ARM_REG_LR, lr)
    core.reg_write(A.UC_ARM_REG_PC, vector | (1 if sctlr & SCTLR_TE else 0))
    return vector


def irq_masked(core: Regs) -> bool:
    return bool(core.reg_read(A.UC_ARM_REG_CPSR) & CPSR_I)


def fiq_masked(core: Regs) -> bool:
    return bool(core.reg_read(A.UC_ARM_REG_CPSR) & CPSR_F)


_BANK_REGS = {
    "r8": A.UC_ARM_REG_R8, "r9": A.UC_ARM_REG_R9, "r10": A.UC_ARM_REG_R10,
    "r11": A.UC_ARM_REG_R11, "r12": A.UC_ARM_REG_R12, "sp": A.UC_ARM_REG_SP,
    "lr": A.UC_ARM_REG_LR,
}


def banked(core: Regs, mode: int) -> dict[str, int]:
    """R8-R12, SP, LR and (except usr/sys) SPSR as mode ``mode`` sees them.

    Unicorn switches banks when CPSR.M is written, so the view is read by
    switching to ``mode`` and back; nothing else in CPSR changes.
    """
    if mode not in MODE_NAMES:
        raise ValueError(f"not an ARMv7 mode: {mode:#x}")
    cpsr = core.reg_read(A.UC_ARM_REG_CPSR)
    core.reg_write(A.UC_ARM_REG_CPSR, (cpsr & ~CPSR_M) | mode)
    try:
        view = {name: core.reg_read(reg) for name, reg in _BANK_REGS.items()}
        if mode not in (MODE_USR, MODE_SYS):
            view["spsr"] = core.reg_read(A.UC_ARM_REG_SPSR)
    finally:
        core.reg_write(A.UC_ARM_REG_CPSR, cpsr)
    return view


def current_mode(core: Regs) -> int:
    return core.reg_read(A.UC_ARM_REG_CPSR) & CPSR_M


# -- what the engine and machine need ----------------------------------------
class CpuState:
    """What the architecture keeps per core (written out as @dataclass would, see Kind)."""

    __match_args__ = ("mpidr", "arm_enter", "mpidr_sites")

    def __init__(self, mpidr: int,
                 arm_enter: Callable[[int, int, int, int, bool, bool], int] | None = None,
                 mpidr_sites: set[int] | None = None) -> None:
        self.mpidr = mpidr  #: this core's MPIDR (MP format, Aff0 = CPU number)
        #: the engine's IRQ/FIQ entry in C (native ``Core.arm_enter``), or None:
        #: ``take_exception``
        self.arm_enter = arm_enter
        #: MRC MPIDR addresses hooked
        self.mpidr_sites: set[int] = set() if mpidr_sites is None else mpidr_sites

    def __repr__(self) -> str:
        return (f"{type(self).__qualname__}(mpidr={self.mpidr!r}, "
                f"arm_enter={self.arm_enter!r}, mpidr_sites={self.mpidr_sites!r})")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, CpuState)
        return ((self.mpidr, self.arm_enter, self.mpidr_sites)
                == (other.mpidr, other.arm_enter, other.mpidr_sites))

    __hash__ = None  # type: ignore[assignment]


class ARMv7(Arch):
    """The architecture description the machine uses for ARMv7-A cores."""

    name = "armv7"
    elf_machine = "EM_ARM"
    uc_arch = ucconst.UC_ARCH_ARM
    uc_mode = ucconst.UC_MODE_ARM
    pc_reg = A.UC_ARM_REG_PC
    sp_reg = A.UC_ARM_REG_SP
    mask_reg = A.UC_ARM_REG_CPSR
    #: input i (0 = IRQ, 1 = FIQ) is masked by CPSR bit mask_shifts[i]
    mask_shifts = [7, 6]
    thumb_reg = A.UC_ARM_REG_CPSR
    thumb_shift = 5
    hostcall_fill = HOSTCALL_INSN.to_bytes(4, "little")
    return_insn = (0xE12FFF1E).to_bytes(4, "little")  #: bx lr
    word_bytes = 4
    cpu_models = {
        "cortex-a7": A.UC_CPU_ARM_CORTEX_A7,
        "cortex-a8": A.UC_CPU_ARM_CORTEX_A8,
        "cortex-a9": A.UC_CPU_ARM_CORTEX_A9,
        "cortex-a15": A.UC_CPU_ARM_CORTEX_A15,
    }

    def __init__(self) -> None:
        #: per-core state, made by ``attach``
        self.cpus: dict[int, CpuState] = {}
        self._cs_arm = disasm.decoder(disasm.CS_ARCH_ARM, disasm.CS_MODE_ARM, detail=True)
        self._cs_thumb = disasm.decoder(disasm.CS_ARCH_ARM, disasm.CS_MODE_THUMB, detail=True)

    def reset(self, core: Regs, entry: int) -> None:
        """The state QEMU's sabrelite and the i.MX6 boot ROM give firmware: Secure SVC,
        A/I/F masked, MMU off, at ``entry``.

        Unicorn's Cortex-A9 comes up Non-secure (SCR.NS=1), where CPSR.A cannot
        be cleared and SCR is UNDEFINED; clearing SCR makes it Secure.
        """
        core.cp_write(*CP_SCR, 0)
        core.reg_write(A.UC_ARM_REG_CPSR, MODE_SVC | CPSR_A | CPSR_I | CPSR_F)
        core.reg_write(A.UC_ARM_REG_PC, entry)

    def disassembler(self, core: Regs) -> Any:
        thumb = core.reg_read(A.UC_ARM_REG_CPSR) & CPSR_T
        return self._cs_thumb if thumb else self._cs_arm

    def take_interrupt(self, machine: Any, slot: Any, line: int) -> int:
        """Take the physical IRQ (line 0) or FIQ (line 1) at the current PC.

        The native engine does the same entry in C (``Core.arm_enter``); the
        reference engine runs ``take_exception``.
        """
        k = (Exc.FIQ if line == 1 else Exc.IRQ).value
        st = self.cpus.get(slot.index)
        enter = None if st is None else st.arm_enter
        if enter is not None:
            return int(enter(k.mode, k.offset, k.lr_arm, k.lr_thumb, k.set_a, k.set_f))
        return take_exception(slot.core, Exc.FIQ if line == 1 else Exc.IRQ)

    def interrupt_name(self, line: int) -> str:
        return "FIQ" if line == 1 else "IRQ"

    def native_entry(self) -> tuple[str, tuple[int, ...], int, dict[int, tuple]] | None:
        """IRQ and FIQ entry in C (``Core.arm_enter``'s rules), FIQ first; WFI ends on
        any interrupt, masked or not (``wakes``)."""
        entries = {line: (k.mode, k.offset, k.lr_arm, k.lr_thumb, k.set_a, k.set_f)
                   for line, k in ((0, Exc.IRQ.value), (1, Exc.FIQ.value))}
        return "armv7", self.interrupt_order(), 0xF, entries

    def interrupt_order(self) -> tuple[int, ...]:
        """FIQ is taken before IRQ when both are deliverable (higher priority)."""
        return (1, 0)

    def classify(self, insn: Any) -> str:
        """The cost-model class of one capstone instruction."""
        return classify(insn)

    def prepare_call(self, core: Regs, address: int, args: list[int], ret: int) -> None:
        """Set up an AAPCS call: r0-r3 = args, LR = ``ret``, PC = ``address``."""
        if len(args) > 4:
            raise ValueError("at most four register arguments (AAPCS r0-r3)")
        for i, a in enumerate(args):
            core.reg_write(A.UC_ARM_REG_R0 + i, a & 0xFFFFFFFF)
        core.reg_write(A.UC_ARM_REG_LR, ret)
        cpsr = core.reg_read(A.UC_ARM_REG_CPSR)
        core.reg_write(A.UC_ARM_REG_CPSR, (cpsr & ~CPSR_T) | (CPSR_T if address & 1 else 0))
        core.reg_write(A.UC_ARM_REG_PC, address)

    def call_result(self, core: Regs) -> int:
        return core.reg_read(A.UC_ARM_REG_R0)

    def call_arg(self, core: Regs, index: int) -> int:
        """AAPCS: arguments 0-3 are in r0-r3."""
        if not 0 <= index < 4:
            raise ValueError("only the four register arguments (AAPCS r0-r3)")
        return core.reg_read(A.UC_ARM_REG_R0 + index)

    def start_task(self, core: Regs, stack_top: int, entry: int,
                   args: Sequence[int] = ()) -> None:
        """SP = ``stack_top``; the host call returns (``bx lr``) to LR = ``entry``;
        r0-r3 = ``args``."""
        if len(args) > 4:
            raise ValueError("at most four register arguments (AAPCS r0-r3)")
        core.reg_write(A.UC_ARM_REG_SP, stack_top)
        core.reg_write(A.UC_ARM_REG_LR, entry)
        for i, a in enumerate(args):
            core.reg_write(A.UC_ARM_REG_R0 + i, a & 0xFFFFFFFF)

    # -- per-core MPIDR ------------------------------------------------------
    def attach(self, machine: Any, slot: Any) -> None:
        """Give each core its own MPIDR (Unicorn answers CPU 0's on every core) and
        remember how it enters IRQ/FIQ (the native engine's ``arm_enter`` in C)."""
        self.cpus[slot.index] = CpuState(
            mpidr=0x80000000 | slot.index,  # MP format, Aff0 = CPU number
            arm_enter=getattr(slot.core, "arm_enter", None))

    special_mnemonics = frozenset({"mrc"})

    def insn_width(self, cs: Any) -> int:
        return 4 if cs is self._cs_arm else 0

    def interrupt_shadow(self, insn: Any) -> int:
        """Thumb ``IT``: the up to four instructions it makes conditional run as one
        unit here (an interrupt inside an IT block would need ITSTATE saved in SPSR)."""
        m = insn.mnemonic
        return len(m) - 1 if m[:2] == "it" and len(m) <= 5 and set(m[2:]) <= {"t", "e"} else 0

    def special_instruction(self, core: Any, insn: Any) -> None:
        """Called once per instruction when its block is first costed.

        ``mrc p15, 0, Rt, c0, c0, 5`` (MPIDR) gets a post-instruction fix-up:
        a code hook on it arms one on the next instruction, which writes this
        core's MPIDR into Rt. The block is then retranslated with the hooks
        (the engine stops before running it when a stop is requested here).
        """
        if insn.mnemonic.split(".")[0] not in ("mrc",):
            return
        st = self.cpus.get(core.cpu_index)
        if st is None:
            return
        ops = insn.op_str.replace(" ", "").split(",")
        if len(ops) != 6 or ops[0] != "p15" or ops[1] != "#0" or ops[3:] != ["c0", "c0", "#5"]:
            return
        if ops[2] not in _GPR_NAMES or insn.address in st.mpidr_sites:
            return
        st.mpidr_sites.add(insn.address)
        reg = _GPR_NAMES[ops[2]]
        mpidr = st.mpidr
        armed: list[bool] = []

        def at_mrc(uc: Any, address: int, size: int, _ud: Any) -> None:
            armed.append(True)

        def after_mrc(uc: Any, address: int, size: int, _ud: Any) -> None:
            if armed:
                armed.clear()
                uc.reg_write(reg, mpidr)

        nxt = insn.address + insn.size
        core.uc.hook_add(ucconst.UC_HOOK_CODE, at_mrc, None, insn.address, insn.address)
        core.uc.hook_add(ucconst.UC_HOOK_CODE, after_mrc, None, nxt, nxt)
        core.uc.ctl_remove_cache(insn.address, nxt + 4)
        core.request_stop()

    def hostcall_return(self, core: Regs) -> None:
        """A host call returns like ``bx lr``."""
        lr = core.reg_read(A.UC_ARM_REG_LR)
        cpsr = core.reg_read(A.UC_ARM_REG_CPSR)
        core.reg_write(A.UC_ARM_REG_CPSR, (cpsr & ~CPSR_T) | (CPSR_T if lr & 1 else 0))
        core.reg_write(A.UC_ARM_REG_PC, lr)

    # -- synchronous exceptions the engine reports ------------------------
    def handle_exception(self, machine: Any, slot: Any, intno: int) -> None:
        """Enter the exception Unicorn raised (its QEMU EXCP_* number)."""
        core = slot.core
        pc = core.reg_read(A.UC_ARM_REG_PC)
        if intno == EXCP_SWI:
            thumb = bool(core.reg_read(A.UC_ARM_REG_CPSR) & CPSR_T)
            if machine.semihosting and _is_semihosting(core, pc, thumb):
                semihosting_call(machine, slot)
                return
            take_exception(core, Exc.SVC, pc)  # PC is already past the SVC
        elif intno == EXCP_BKPT:
            core.cp_write(*CP_IFSR, FSR_DEBUG)
            take_exception(core, Exc.PREFETCH_ABORT, pc)
        elif intno == EXCP_PREFETCH_ABORT:
            core.cp_write(*CP_IFSR, FSR_SYNC_EXTERNAL)
            core.cp_write(*CP_IFAR, pc)
            take_exception(core, Exc.PREFETCH_ABORT, pc)
        elif intno == EXCP_DATA_ABORT:
            core.cp_write(*CP_DFSR, FSR_ALIGNMENT)
            core.cp_write(*CP_DFAR, self._data_address(core, pc))
            take_exception(core, Exc.DATA_ABORT, pc)
        elif intno == EXCP_UDEF:
            self._undefined_or_fail(machine, slot)
        else:
            raise GuestError(f"CPU exception {intno} not modelled at "
                             f"{machine.describe_pc(slot)}")

    @staticmethod
    def _has_vector(machine: Any, core: Any, exc: Exc) -> bool:
        """Whether the guest's vector table has an entry for ``exc`` to take it to."""
        base = vector_base(core)
        try:
            core.uc.mem_read(base + exc.value.offset, 4)
        except UcError:
            return False
        return not (base == 0 and not machine.has_memory(0, 4))

    def handle_undefined(self, machine: Any, slot: Any) -> bool:
        """Take the Undefined Instruction exception if the guest has vectors to take it to."""
        core = slot.core
        if not self._has_vector(machine, core, Exc.UNDEF):
            return False
        take_exception(core, Exc.UNDEF, core.reg_read(A.UC_ARM_REG_PC))
        return True

    def handle_write_fault(self, machine: Any, slot: Any, address: int) -> bool:
        """A write to the read-only host-call page: a Data Abort (permission fault,
        page; DFSR.WnR; DFAR = the address; LR_abt = the instruction + 8) if the guest
        has vectors to take it to, as for an undefined instruction."""
        core = slot.core
        if not self._has_vector(machine, core, Exc.DATA_ABORT):
            return False
        core.cp_write(*CP_DFSR, FSR_PERMISSION_PAGE | DFSR_WNR)
        core.cp_write(*CP_DFAR, address & 0xFFFFFFFF)
        take_exception(core, Exc.DATA_ABORT, core.reg_read(A.UC_ARM_REG_PC))
        return True

    def _undefined_or_fail(self, machine: Any, slot: Any) -> None:
        if not self.handle_undefined(machine, slot):
            raise GuestError(f"undefined instruction with no handler "
                             f"({machine.describe_pc(slot)})")

    def _data_address(self, core: Any, pc: int) -> int:
        """Best-effort DFAR: the faulting instruction's base register plus offset."""
        try:
            code = bytes(core.uc.mem_read(pc, 4))
            for base_reg, index_reg, disp in (
                    self.disassembler(core).arm_memory_operands(code, pc) or ()):
                base = core.uc.reg_read(_CS_TO_UC.get(base_reg, A.UC_ARM_REG_R0))
                idx = core.uc.reg_read(_CS_TO_UC[index_reg]) if index_reg in _CS_TO_UC else 0
                return int(base + disp + idx) & 0xFFFFFFFF
        except (UcError, StopIteration, KeyError):
            pass
        return 0


def _is_semihosting(core: Any, pc: int, thumb: bool) -> bool:
    """Is the SVC just executed the semihosting trap (``svc 0x123456`` / ``svc 0xab``)?"""
    try:
        if thumb:
            word = int.from_bytes(core.uc.mem_read(pc - 2, 2), "little")
            return word == SEMIHOST_SVC_THUMB
        return int.from_bytes(core.uc.mem_read(pc - 4, 4), "little") == SEMIHOST_SVC_ARM
    except UcError:
        return False


SYS_WRITEC, SYS_WRITE0, SYS_EXIT, SYS_EXIT_EXTENDED = 0x03, 0x04, 0x18, 0x20
ADP_STOPPED_APPLICATION_EXIT = 0x20026


def semihosting_call(machine: Any, slot: Any) -> None:
    """The ARM semihosting calls firmware uses to print and to exit (as QEMU's -semihosting)."""
    core = slot.core
    op = core.reg_read(A.UC_ARM_REG_R0)
    arg = core.reg_read(A.UC_ARM_REG_R1)
    if op == SYS_EXIT:
        code = 0 if arg == ADP_STOPPED_APPLICATION_EXIT else 1
        machine.finish("exit", code)
    elif op == SYS_EXIT_EXTENDED:
        reason = int.from_bytes(machine.mem_read(arg, 4), "little")
        sub = int.from_bytes(machine.mem_read(arg + 4, 4), "little")
        machine.finish("exit", sub if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
    elif op == SYS_WRITEC:
        machine.uart_output(machine.mem_read(arg, 1))
    elif op == SYS_WRITE0:
        machine.uart_output(machine.read_cstring(arg))
    else:
        raise GuestError(f"semihosting call {op:#x} not supported "
                         f"({machine.describe_pc(slot)})")


_GPR_NAMES = {f"r{i}": getattr(A, f"UC_ARM_REG_R{i}") for i in range(13)}
_GPR_NAMES.update({"sb": A.UC_ARM_REG_R9, "sl": A.UC_ARM_REG_R10, "fp": A.UC_ARM_REG_R11,
                   "ip": A.UC_ARM_REG_R12, "lr": A.UC_ARM_REG_LR})

#: capstone's ARM register ids -> Unicorn's
_CS_TO_UC: dict[int, int] = {}
for _i in range(13):
    _CS_TO_UC[disasm.ARM_REG_R0 + _i] = getattr(A, f"UC_ARM_REG_R{_i}")
_CS_TO_UC[disasm.ARM_REG_SP] = A.UC_ARM_REG_SP
_CS_TO_UC[disasm.ARM_REG_LR] = A.UC_ARM_REG_LR
_CS_TO_UC[disasm.ARM_REG_PC] = A.UC_ARM_REG_PC


# Capstone mnemonic -> cost class. Anything unlisted is "alu".
_CLASSES: dict[str, str] = {}
for _m in ("ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrd", "ldrt", "ldrbt", "pop", "vldr"):
    _CLASSES[_m] = "load"
for _m in ("str", "strb", "strh", "strd", "strt", "strbt", "push", "vstr"):
    _CLASSES[_m] = "store"
for _m in ("ldm", "ldmia", "ldmib", "ldmda", "ldmdb", "ldmfd", "ldmfa", "ldmed", "ldmea"):
    _CLASSES[_m] = "load_multiple"
for _m in ("stm", "stmia", "stmib", "stmda", "stmdb", "stmfd", "stmfa", "stmed", "stmea",
           "srsdb", "srsia", "srsda", "srsib"):
    _CLASSES[_m] = "store_multiple"
for _m in ("b", "bl", "bx", "blx", "cbz", "cbnz", "tbb", "tbh", "bxj"):
    _CLASSES[_m] = "branch"
for _m in ("mul", "mla", "mls", "umull", "umlal", "smull", "smlal", "smulbb", "smulbt",
           "smultb", "smultt", "smlabb", "smulwb", "smulwt", "smmul", "smmla"):
    _CLASSES[_m] = "multiply"
for _m in ("sdiv", "udiv"):
    _CLASSES[_m] = "divide"
for _m in ("cpsid", "cpsie", "cps", "mrs", "msr"):
    _CLASSES[_m] = "mask"
for _m in ("ldrex", "ldrexb", "ldrexh", "ldrexd"):
    _CLASSES[_m] = "load_exclusive"
for _m in ("strex", "strexb", "strexh", "strexd", "clrex"):
    _CLASSES[_m] = "store_exclusive"
for _m in ("dmb", "dsb", "isb"):
    _CLASSES[_m] = "barrier"
for _m in ("mcr", "mrc", "mcrr", "mrrc", "cdp"):
    _CLASSES[_m] = "coprocessor"
for _m in ("svc", "swi", "bkpt", "udf", "smc", "hvc"):
    _CLASSES[_m] = "exception"
for _m in ("rfe", "rfeia", "rfeib", "rfeda", "rfedb", "eret"):
    _CLASSES[_m] = "exception_return"
for _m in ("wfi", "wfe", "sev", "yield"):
    _CLASSES[_m] = "hint"
_CLASSES["nop"] = "nop"


def classify(insn: Any) -> str:
    """Cost class of a capstone ARM instruction (mnemonic-based, condition suffix dropped)."""
    m = insn.mnemonic.split(".")[0]
    cls = _CLASSES.get(m)
    if cls is None and len(m) > 2 and m[:-2] in _CLASSES:
        cls = _CLASSES[m[:-2]]  # a condition code suffix (ldrne, bxeq, ...)
    if cls is None:
        cls = "alu"
    # Writes to the PC that restore CPSR from SPSR are exception returns.
    if m in ("subs", "movs") and insn.op_str.startswith("pc,"):
        return "exception_return"
    if cls in ("load_multiple",) and insn.op_str.endswith("^"):
        return "exception_return"
    if cls == "alu" and insn.op_str.startswith("pc,"):
        return "branch"
    return cls
