"""x86-64 (long mode): RFLAGS.IF masking, IDT interrupt delivery, NMI blocking, RDTSC.

Unicorn performs no interrupt delivery of its own: external interrupts and
NMIs are entered here, and the synchronous exceptions Unicorn reports through
``UC_HOOK_INTR`` (its number is the vector: 0 #DE, 3 #BP, 13 #GP, ``int n``
gives n) are delivered here too, exactly as the Intel SDM vol. 3A section 6.14
("Exception and interrupt handling in 64-bit mode") describes: the 16-byte
gate is read from the guest's IDT (IDTR base/limit), it must be present and a
64-bit interrupt (type 0xE) or trap (0xF) gate; the stack is the current one
(CPL 0), TSS.RSP0 (from CPL 3) or TSS.ISTn (gate IST != 0), aligned down to 16
bytes; SS, RSP, RFLAGS, CS, RIP (and an error code for vectors that have one)
are pushed as 8-byte slots; TF, NT and RF are cleared, IF too for an
interrupt gate; CS:RIP come from the gate. The guest's own ``iretq`` returns.

State at reset (what "the loader" leaves, as a multiboot2 loader that enters
long mode would): 64-bit mode at ``entry``; a flat GDT at ``LOADER_GDT``
(null, 64-bit code 0x08, data 0x10) loaded in GDTR with CS=0x08 and the data
segments 0x10; IDTR limit 0 (no IDT: the firmware installs its own, and its
own GDT); RFLAGS = 0x2 (IF clear); RSP = 0 (the firmware sets its stack).
Paging is what Unicorn's UC_MODE_64 provides: CR0.PG clear and linear =
physical addresses, although the core executes 64-bit code.
``reset_protected32`` is the multiboot v1 entry instead: 32-bit protected mode,
paging off. Capstone decodes as 64-bit code throughout, so the cost class of
the few 32-bit instructions before the guest enters long mode may differ (the
0x40-0x4F INC/DEC forms read as REX prefixes).

Interrupt inputs: 0 = INTR (masked by RFLAGS.IF, bit 9; ``take_interrupt``
runs the LAPIC's interrupt acknowledge to get the vector), 2 = NMI (never
masked; vector 2; further NMIs are held until the next ``iretq``: see
``_arm_nmi_return``). Input 1 is unused.

Unicorn facts this module relies on (tests/arch/test_x86_arch.py exercises them):
``hlt`` ends ``uc_emu_start`` cleanly with RIP after the ``hlt`` (the engine
reads that as WFI); RDTSC/RDTSCP can be hooked with UC_HOOK_INSN in the C
library although the Python binding refuses them (hooked through ctypes
here); after an exception reported through UC_HOOK_INTR Unicorn keeps
QEMU's ``old_exception``, so a second contributory exception would be
reported as #DF: ``_clear_old_exception`` resets it.

MSRs: ``MODELLED_MSRS`` lists every MSR RDMSR/WRMSR reach (``UNICORN_MSRS``
as Unicorn keeps them, IA32_TSC and IA32_APIC_BASE read-only); any other is
#GP(0), which Unicorn alone would answer with 0 or ignore (``_msr_access``).
A branch to a non-canonical address is #GP(0) too (``handle_fetch_fault``).
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import unicorn
from unicorn import x86_const as X

from irqemu._core.common import UNMASKABLE
from irqemu.arch.base import Arch
from irqemu.arch.disasm import capstone_module
from irqemu.errors import GuestError

RFLAGS_TF, RFLAGS_IF, RFLAGS_NT, RFLAGS_RF = 1 << 8, 1 << 9, 1 << 14, 1 << 16
RFLAGS_RESERVED = 1 << 1  #: bit 1 always reads as 1

GATE_INTERRUPT, GATE_TRAP = 0xE, 0xF
VEC_DE, VEC_NMI, VEC_BP, VEC_UD, VEC_DF, VEC_GP, VEC_PF = 0, 2, 3, 6, 8, 13, 14
#: vectors whose exceptions push an error code (SDM vol. 3A table 6-1)
ERROR_CODE_VECTORS = frozenset({8, 10, 11, 12, 13, 14, 17, 21, 29, 30})
CONTRIBUTORY = frozenset({0, 10, 11, 12, 13})
VECTOR_NAMES = {
    0: "#DE", 1: "#DB", 2: "NMI", 3: "#BP", 4: "#OF", 5: "#BR", 6: "#UD", 7: "#NM",
    8: "#DF", 10: "#TS", 11: "#NP", 12: "#SS", 13: "#GP", 14: "#PF", 16: "#MF",
    17: "#AC", 18: "#MC", 19: "#XM", 20: "#VE", 21: "#CP",
}

INPUT_INTR, INPUT_NMI = 0, 2
LOADER_GDT = 0x800  #: where reset puts the loader's flat GDT (conventional memory)
CODE64_SEL, DATA_SEL = 0x08, 0x10
LOADER_GDT_ENTRIES = (
    0,
    0x00AF9A000000FFFF,  # 64-bit code: P, DPL 0, L=1, G
    0x00CF92000000FFFF,  # data: P, DPL 0, writable, 4 GiB
)
#: multiboot entry (``reset_protected32``): null, 32-bit code 0x08, data 0x10, as QEMU's
#: pc-bios/optionrom/multiboot.S leaves them
CODE32_SEL = 0x08
PROTECTED32_GDT_ENTRIES = (
    0,
    0x00CF9A000000FFFF,  # 32-bit code: P, DPL 0, D=1, G, 4 GiB
    0x00CF92000000FFFF,  # data: P, DPL 0, writable, 4 GiB
)
CR0_PE, CR0_ET, CR0_PG = 1 << 0, 1 << 4, 1 << 31
MSR_IA32_EFER = 0xC0000080
MSR_TSC_AUX = 0xC0000103
MSR_IA32_TSC, MSR_IA32_APIC_BASE = 0x10, 0x1B
APIC_BASE_DEFAULT = 0xFEE00000  #: SDM vol. 3A 11.4.1: the local APIC's power-up base
APIC_BASE_BSP, APIC_BASE_ENABLE = 1 << 8, 1 << 11
#: the MSRs whose state Unicorn keeps, read and written by RDMSR/WRMSR as they are
#: (a write-then-read round trip returns the value, tests/arch/test_guest_faults.py)
UNICORN_MSRS = {
    0x174: "IA32_SYSENTER_CS", 0x175: "IA32_SYSENTER_ESP", 0x176: "IA32_SYSENTER_EIP",
    0x277: "IA32_PAT", 0xC0000080: "IA32_EFER", 0xC0000081: "IA32_STAR",
    0xC0000082: "IA32_LSTAR", 0xC0000083: "IA32_CSTAR", 0xC0000084: "IA32_FMASK",
    0xC0000100: "IA32_FS_BASE", 0xC0000101: "IA32_GS_BASE",
    0xC0000102: "IA32_KERNEL_GS_BASE", MSR_TSC_AUX: "IA32_TSC_AUX",
}
#: the MSRs irqemu answers itself, read-only: the TSC as RDTSC gives it, and the APIC
#: base (the power-up value; relocating or disabling the local APIC is not modelled)
READ_ONLY_MSRS = {MSR_IA32_TSC: "IA32_TSC", MSR_IA32_APIC_BASE: "IA32_APIC_BASE"}
#: every MSR modelled; RDMSR or WRMSR of any other raises #GP(0) (SDM vol. 2B: "If the
#: value in ECX specifies a reserved or unimplemented MSR address")
MODELLED_MSRS = {**UNICORN_MSRS, **READ_ONLY_MSRS}
CANONICAL_LOW, CANONICAL_HIGH = 1 << 47, (1 << 64) - (1 << 47)
HLT, STI, JMP_SELF = 0xF4, 0xFB, b"\xeb\xfe"


class X86Error(Exception):
    """Delivery found no usable IDT gate (the machine turns it into a GuestError)."""


def _guest_error(msg: str) -> Exception:
    return GuestError(msg)


@dataclass
class Gate:
    """One 64-bit IDT gate descriptor (SDM vol. 3A figure 6-8)."""

    offset: int
    selector: int
    ist: int
    type: int
    dpl: int
    present: bool

    @classmethod
    def decode(cls, raw: bytes) -> Gate:
        lo, sel, ist, attr, mid, hi, _ = struct.unpack("<HHBBHII", raw)
        return cls(lo | (mid << 16) | (hi << 32), sel, ist & 7, attr & 0xF, (attr >> 5) & 3,
                   bool(attr & 0x80))

    @staticmethod
    def encode(offset: int, selector: int = CODE64_SEL, type: int = GATE_INTERRUPT,
               ist: int = 0, dpl: int = 0, present: bool = True) -> bytes:
        attr = (0x80 if present else 0) | (dpl << 5) | type
        return struct.pack("<HHBBHII", offset & 0xFFFF, selector, ist, attr,
                           (offset >> 16) & 0xFFFF, offset >> 32, 0)


def read_gate(uc: Any, vector: int) -> Gate:
    """The IDT gate for ``vector``; X86Error when the IDT does not reach it or it is unusable."""
    _, base, limit, _ = uc.reg_read(X.UC_X86_REG_IDTR)
    if vector * 16 + 15 > limit:
        raise X86Error(f"vector {vector} is beyond the IDT (IDTR base {base:#x}, "
                       f"limit {limit:#x})")
    try:
        gate = Gate.decode(bytes(uc.mem_read(base + vector * 16, 16)))
    except unicorn.UcError:
        raise X86Error(f"IDT at {base:#x} is not in memory (vector {vector})") from None
    if not gate.present:
        raise X86Error(f"IDT gate for vector {vector} is not present")
    if gate.type not in (GATE_INTERRUPT, GATE_TRAP):
        raise X86Error(f"IDT entry for vector {vector} is not a 64-bit interrupt or trap "
                       f"gate (type {gate.type:#x})")
    return gate


def deliver(uc: Any, vector: int, return_rip: int | None = None,
            error_code: int | None = None) -> int:
    """Enter ``vector`` through the guest's IDT (SDM 6.14); returns the handler address.

    ``return_rip`` is the RIP pushed (default: the current RIP); ``error_code``
    is pushed after it when given.
    """
    gate = read_gate(uc, vector)
    rip = uc.reg_read(X.UC_X86_REG_RIP) if return_rip is None else return_rip
    rflags = uc.reg_read(X.UC_X86_REG_RFLAGS)
    cs = uc.reg_read(X.UC_X86_REG_CS)
    ss = uc.reg_read(X.UC_X86_REG_SS)
    rsp = uc.reg_read(X.UC_X86_REG_RSP)
    cpl = cs & 3
    new_ss = ss
    new_rsp = rsp
    if gate.ist or cpl != 0:
        _, tss, _, _ = uc.reg_read(X.UC_X86_REG_TR)
        slot = 0x24 + 8 * (gate.ist - 1) if gate.ist else 0x04  # ISTn or RSP0 (figure 7-11)
        new_rsp = struct.unpack("<Q", bytes(uc.mem_read(tss + slot, 8)))[0]
        if cpl != 0:
            new_ss = 0  # a null selector with RPL = new CPL (0)
    new_rsp &= ~0xF
    frame = [ss, rsp, rflags, cs, rip] + ([] if error_code is None else [error_code])
    new_rsp -= 8 * len(frame)
    uc.mem_write(new_rsp, struct.pack(f"<{len(frame)}Q", *reversed(frame)))
    cleared = RFLAGS_TF | RFLAGS_NT | RFLAGS_RF
    if gate.type == GATE_INTERRUPT:
        cleared |= RFLAGS_IF
    if new_ss != ss:
        uc.reg_write(X.UC_X86_REG_SS, new_ss)
    if gate.selector != cs:
        uc.reg_write(X.UC_X86_REG_CS, gate.selector)
    uc.reg_write(X.UC_X86_REG_RSP, new_rsp)
    uc.reg_write(X.UC_X86_REG_RFLAGS, rflags & ~cleared)
    uc.reg_write(X.UC_X86_REG_RIP, gate.offset)
    return gate.offset


# -- Unicorn's old_exception ---------------------------------------------------
_OLD_EXC_OFFSET: int | None = None
_OLD_EXC_PROBED = False


def _old_exception_offset() -> int | None:
    """Where QEMU's ``env->old_exception`` sits in a saved Unicorn context.

    Found once by experiment on a scratch core: the only int that reads -1
    when clean, 0 after a #DE, 8 after a following #GP (which Unicorn then
    reports as #DF).
    """
    global _OLD_EXC_OFFSET, _OLD_EXC_PROBED
    if _OLD_EXC_PROBED:
        return _OLD_EXC_OFFSET
    _OLD_EXC_PROBED = True
    uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
    uc.mem_map(0, 0x4000)
    uc.mem_write(LOADER_GDT, b"".join(struct.pack("<Q", d) for d in LOADER_GDT_ENTRIES))
    uc.reg_write(X.UC_X86_REG_GDTR, (0, LOADER_GDT, 8 * len(LOADER_GDT_ENTRIES) - 1, 0))
    uc.reg_write(X.UC_X86_REG_CS, CODE64_SEL)
    uc.reg_write(X.UC_X86_REG_SS, DATA_SEL)
    uc.hook_add(unicorn.UC_HOOK_INTR, lambda u, n, d: u.emu_stop())
    # 0x1000: xor ecx, ecx; div ecx      0x2000: mov ax, 0x33; mov ds, ax (#GP)
    uc.mem_write(0x1000, bytes.fromhex("31c9f7f1"))
    uc.mem_write(0x2000, bytes.fromhex("66b83300" "8ed8"))

    def snap() -> list[int]:
        ctx = uc.context_save()
        raw = ctypes.string_at(ctypes.cast(ctx.context, ctypes.c_void_p).value or 0, ctx.size)
        return [int.from_bytes(raw[i:i + 4], "little", signed=True)
                for i in range(0, len(raw) - 3, 4)]

    try:
        clean = snap()
        uc.emu_start(0x1000, 0x1004)
        after_de = snap()
        uc.emu_start(0x2000, 0x2006)
        after_df = snap()
    except unicorn.UcError:
        return None
    found = [i * 4 for i in range(len(clean))
             if clean[i] == -1 and after_de[i] == 0 and after_df[i] == VEC_DF]
    if len(found) == 1:
        _OLD_EXC_OFFSET = found[0]
    return _OLD_EXC_OFFSET


def _clear_old_exception(uc: Any) -> None:
    """Forget the exception Unicorn reported (as QEMU's do_interrupt would)."""
    off = _old_exception_offset()
    if off is None:
        return
    ctx = uc.context_save()
    ptr = ctypes.cast(ctx.context, ctypes.c_void_p).value or 0
    ctypes.memmove(ptr + off, (-1).to_bytes(4, "little", signed=True), 4)
    uc.context_restore(ctx)


# -- per-CPU state -------------------------------------------------------------
@dataclass
class CpuState:
    """What the architecture remembers per core: NMI blocking and the hooks it installed."""

    nmi_blocked: bool = False
    nmi_latched: bool = False
    nmi_return: tuple[int, int] | None = None  #: (RIP, RSP) the NMI's iretq returns to
    nmi_hook: int | None = None
    refs: list[Any] = field(default_factory=list)  #: ctypes callbacks kept alive
    machine: Any = None
    slot: Any = None
    msr_sites: set[int] = field(default_factory=set)  #: RDMSR/WRMSR with a code hook
    stop_sites: set[int] = field(default_factory=set)  #: stop points after OUT


def _insn_hook(uc: Any, insn: int, fn: Any) -> Any:
    """Add a UC_HOOK_INSN the Python binding refuses (RDTSC/RDTSCP); ``fn(uc) -> 1``.

    libunicorn 2.1 accepts these instruction ids; the callback has the CPUID
    hook's signature (return non-zero: skip the instruction's own emulation).
    """
    from unicorn.unicorn_py3.arch.intel import HOOK_INSN_CPUID_CFUNC
    from unicorn.unicorn_py3.unicorn import uccallback

    cb = uccallback(uc, HOOK_INSN_CPUID_CFUNC)(lambda u, key: fn(u))
    uc._Uc__do_hook_add(unicorn.UC_HOOK_INSN, cb, 1, 0, ctypes.c_int(insn))
    return cb


class X86_64(Arch):
    """The architecture description the machine uses for x86-64 cores."""

    name = "x86_64"
    elf_machine = "EM_X86_64"
    uc_arch = unicorn.UC_ARCH_X86
    uc_mode = unicorn.UC_MODE_64
    pc_reg = X.UC_X86_REG_RIP
    sp_reg = X.UC_X86_REG_RSP
    mask_reg = X.UC_X86_REG_RFLAGS
    #: input 0 (INTR) is masked by RFLAGS.IF *clear* (``mask_invert``); 2 = NMI, unmaskable
    mask_shifts = [9, UNMASKABLE, UNMASKABLE]
    mask_invert = RFLAGS_IF
    #: the IDT gives each interrupt its vector; kernel.elf's common_interrupt passes it in RDI
    vectored_interrupts = True
    #: the GS base: the CPU's per-CPU area (kernel.elf's current_task), not the task's
    percpu_regs = (X.UC_X86_REG_GS_BASE,)
    thumb_reg = -1
    thumb_shift = -1
    hostcall_fill = JMP_SELF
    return_insn = b"\xc3"  #: ret
    word_bytes = 8
    cpu_models = {
        "skylake": X.UC_CPU_X86_SKYLAKE_CLIENT,
        "haswell": X.UC_CPU_X86_HASWELL,
        "icelake": X.UC_CPU_X86_ICELAKE_CLIENT,
        "epyc-rome": X.UC_CPU_X86_EPYC_ROME,
        "qemu64": X.UC_CPU_X86_QEMU64,
    }

    def __init__(self) -> None:
        capstone = capstone_module()
        self._cs = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
        self._cs.detail = True
        self.cpus: dict[int, CpuState] = {}

    def state(self, cpu: int) -> CpuState:
        st = self.cpus.get(cpu)
        if st is None:
            st = self.cpus[cpu] = CpuState()
        return st

    # -- reset -------------------------------------------------------------
    def reset(self, core: Any, entry: int) -> None:
        """Long mode at ``entry`` with the loader's flat GDT; IF clear, no IDT (module doc)."""
        uc = core.uc
        uc.mem_write(LOADER_GDT, b"".join(struct.pack("<Q", d) for d in LOADER_GDT_ENTRIES))
        uc.reg_write(X.UC_X86_REG_GDTR, (0, LOADER_GDT, 8 * len(LOADER_GDT_ENTRIES) - 1, 0))
        uc.reg_write(X.UC_X86_REG_IDTR, (0, 0, 0, 0))
        uc.reg_write(X.UC_X86_REG_CS, CODE64_SEL)
        for reg in (X.UC_X86_REG_SS, X.UC_X86_REG_DS, X.UC_X86_REG_ES):
            uc.reg_write(reg, DATA_SEL)
        uc.reg_write(X.UC_X86_REG_RFLAGS, RFLAGS_RESERVED)
        uc.reg_write(X.UC_X86_REG_RSP, 0)
        uc.reg_write(X.UC_X86_REG_RIP, entry)
        st = self.state(core.cpu_index)
        self._disarm_nmi_return(core, st)
        st.nmi_blocked = st.nmi_latched = False

    def reset_protected32(self, core: Any, entry: int, eax: int, ebx: int) -> None:
        """32-bit protected mode at ``entry``, paging off, flat CS 0x08 / data 0x10 (the
        GDT of QEMU's multiboot option ROM), EAX/EBX as given: the multiboot v1 entry state.

        Unicorn's UC_MODE_64 core starts with EFER.LMA set and CR0.PG clear; the
        CR0.PG 1 -> 0 transition clears LMA (SDM vol. 3A 9.8.5.4), then EFER.LME is
        cleared and the 32-bit CS descriptor loaded: legacy protected mode, which the
        guest may leave for long mode itself.
        """
        self.reset(core, entry)
        uc = core.uc
        uc.mem_write(LOADER_GDT, b"".join(struct.pack("<Q", d) for d in PROTECTED32_GDT_ENTRIES))
        uc.reg_write(X.UC_X86_REG_GDTR, (0, LOADER_GDT, 8 * len(PROTECTED32_GDT_ENTRIES) - 1, 0))
        uc.reg_write(X.UC_X86_REG_CR0, CR0_PE | CR0_ET | CR0_PG)
        uc.reg_write(X.UC_X86_REG_CR0, CR0_PE | CR0_ET)
        uc.reg_write(X.UC_X86_REG_MSR, (MSR_IA32_EFER, 0))
        uc.reg_write(X.UC_X86_REG_CS, CODE32_SEL)
        for reg in (X.UC_X86_REG_SS, X.UC_X86_REG_DS, X.UC_X86_REG_ES, X.UC_X86_REG_FS,
                    X.UC_X86_REG_GS):
            uc.reg_write(reg, DATA_SEL)
        uc.reg_write(X.UC_X86_REG_RAX, eax & 0xFFFFFFFF)
        uc.reg_write(X.UC_X86_REG_RBX, ebx & 0xFFFFFFFF)
        uc.reg_write(X.UC_X86_REG_RIP, entry)

    def disassembler(self, core: Any) -> Any:
        return self._cs

    def classify(self, insn: Any) -> str:
        return classify(insn)

    # -- per-core hooks ----------------------------------------------------
    def attach(self, machine: Any, slot: Any) -> None:
        """Port I/O (IN/OUT) to ``machine.io_ports``, RDTSC/RDTSCP from simulated time."""
        uc = slot.core.uc
        st = self.state(slot.index)
        st.machine, st.slot = machine, slot
        fail = slot.core.fail

        def port_in(u: Any, port: int, size: int, _ud: Any) -> int:
            try:
                slot.core.cycles += machine.cost_model.event("port_io")
                bus = machine.io_ports
                return int(bus.read(slot.index, port, size)) if bus else (1 << 8 * size) - 1
            except BaseException as exc:  # noqa: BLE001 - reported by the engine
                fail(exc)
                return 0

        def port_out(u: Any, port: int, size: int, value: int, _ud: Any) -> None:
            try:
                slot.core.cycles += machine.cost_model.event("port_io")
                bus = machine.io_ports
                if bus:
                    bus.write(slot.index, port, size, value)
            except BaseException as exc:  # noqa: BLE001
                fail(exc)

        def rdtsc(u: Any, aux: bool) -> int:
            try:
                tsc = self.tsc(machine, slot)
                u.reg_write(X.UC_X86_REG_RAX, tsc & 0xFFFFFFFF)
                u.reg_write(X.UC_X86_REG_RDX, (tsc >> 32) & 0xFFFFFFFF)
                if aux:
                    u.reg_write(X.UC_X86_REG_RCX, u.msr_read(MSR_TSC_AUX) & 0xFFFFFFFF)
            except BaseException as exc:  # noqa: BLE001
                fail(exc)
            return 1

        uc.hook_add(unicorn.UC_HOOK_INSN, port_in, None, 1, 0, X.UC_X86_INS_IN)
        uc.hook_add(unicorn.UC_HOOK_INSN, port_out, None, 1, 0, X.UC_X86_INS_OUT)
        st.refs.append(_insn_hook(uc, X.UC_X86_INS_RDTSC, lambda u: rdtsc(u, False)))
        st.refs.append(_insn_hook(uc, X.UC_X86_INS_RDTSCP, lambda u: rdtsc(u, True)))

    # -- instructions with a per-site hook ----------------------------------
    special_mnemonics = frozenset({"rdmsr", "wrmsr", "out", "outsb", "outsw", "outsd"})

    def interrupt_shadow(self, insn: Any) -> int:
        """STI and MOV SS inhibit interrupts until the next instruction completes (SDM
        6.8.3): an instruction-precise stop never falls right after either."""
        if insn.mnemonic == "sti":
            return 1
        return 1 if insn.mnemonic == "mov" and insn.op_str.startswith("ss,") else 0

    def special_instruction(self, core: Any, insn: Any) -> None:
        """Called once per instruction when its block is first costed.

        After ``out`` (the debug-exit port ends the run) a stop point: the exit takes
        effect at the next instruction, not at the end of the block. RDMSR/WRMSR get a
        code hook (Unicorn cannot hook them by instruction): ``_msr_access``. The
        block is then retranslated with the hooks (the engine stops before running
        it when a stop is requested here).
        """
        m = insn.mnemonic.split()[-1]
        st = self.cpus.get(getattr(core, "cpu_index", -1))
        if st is None or st.machine is None:  # a core this arch was not attached to
            return
        if m in ("rdmsr", "wrmsr"):
            if insn.address in st.msr_sites:
                return
            st.msr_sites.add(insn.address)
            write, length = m == "wrmsr", insn.size

            def at_msr(uc: Any, address: int, size: int, _ud: Any) -> None:
                try:
                    self._msr_access(st.machine, st.slot, write, length)
                except BaseException as exc:  # noqa: BLE001 - reported by the engine
                    st.slot.core.fail(exc)

            core.uc.hook_add(unicorn.UC_HOOK_CODE, at_msr, None, insn.address, insn.address)
            core.uc.ctl_remove_cache(insn.address, insn.address + insn.size)
            core.request_stop()
        elif m.startswith("out"):
            nxt = insn.address + insn.size
            if nxt in st.stop_sites:
                return
            st.stop_sites.add(nxt)
            core.add_stop_point(nxt)
            core.uc.ctl_remove_cache(insn.address, nxt + 1)
            core.request_stop()

    def _msr_access(self, machine: Any, slot: Any, write: bool, length: int) -> None:
        """RDMSR/WRMSR (code hook, RIP at the instruction): a Unicorn-kept MSR runs
        as Unicorn executes it; IA32_TSC and IA32_APIC_BASE reads are answered here;
        any other MSR is #GP(0) (an unmodelled write to a modelled one: a one-line error)."""
        uc = slot.core.uc
        msr = uc.reg_read(X.UC_X86_REG_RCX) & 0xFFFFFFFF
        if msr in UNICORN_MSRS:
            return
        rip = uc.reg_read(X.UC_X86_REG_RIP)
        insn = "wrmsr" if write else "rdmsr"
        if msr in READ_ONLY_MSRS:
            value = (self.tsc(machine, slot) if msr == MSR_IA32_TSC else
                     APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (0 if slot.index else APIC_BASE_BSP))
            if write:
                new = (uc.reg_read(X.UC_X86_REG_RDX) & 0xFFFFFFFF) << 32 | (
                    uc.reg_read(X.UC_X86_REG_RAX) & 0xFFFFFFFF)
                if msr == MSR_IA32_TSC or new != value:
                    raise _guest_error(f"wrmsr {READ_ONLY_MSRS[msr]} ({msr:#x}) = {new:#x}: "
                                       "not modelled (irqemu's MSR is read-only)")
            else:
                uc.reg_write(X.UC_X86_REG_RAX, value & 0xFFFFFFFF)
                uc.reg_write(X.UC_X86_REG_RDX, value >> 32)
            uc.reg_write(X.UC_X86_REG_RIP, rip + length)  # skip it (Unicorn resumes there)
            return
        self._check_nmi_return(machine, slot)
        try:
            deliver(uc, VEC_GP, rip, 0)
        except X86Error as exc:
            raise _guest_error(f"#GP(0) with no handler: {insn} of undefined MSR {msr:#x} "
                               f"({exc})") from None
        slot.core.cycles += machine.cost_model.event("exception_entry")

    def handle_fetch_fault(self, machine: Any, slot: Any, address: int) -> bool:
        """A branch to a non-canonical address: #GP(0), taken at the target as AMD64
        processors report it (Unicorn has completed the branch, so the pushed RIP is
        the non-canonical target; Intel's would be the branch's own address)."""
        if not CANONICAL_LOW <= address < CANONICAL_HIGH:
            return False
        uc = slot.core.uc
        self._check_nmi_return(machine, slot)
        try:
            deliver(uc, VEC_GP, address, 0)
        except X86Error as exc:
            raise _guest_error(f"#GP(0) with no handler: jump to non-canonical address "
                               f"{address:#x} ({exc}) (core {slot.index}, PC {address:#x})"
                               ) from None
        return True

    @staticmethod
    def tsc(machine: Any, slot: Any) -> int:
        """The time-stamp counter: the core's clock in cycles (an invariant TSC at core Hz)."""
        return int(slot.core.cycles)

    # -- interrupts ----------------------------------------------------------
    def interrupt_order(self) -> tuple[int, ...]:
        """NMI before INTR when both are deliverable (SDM table 6-2 priorities)."""
        return (INPUT_NMI, INPUT_INTR)

    def interrupt_name(self, line: int) -> str:
        return {INPUT_INTR: "INTR", INPUT_NMI: "NMI"}.get(line, f"input{line}")

    def native_entry(self) -> tuple[str, tuple[int, ...], int, dict[int, tuple]] | None:
        """INTR through the IDT in C (the engine's x86_64 entry: the vector from the native
        LAPICs' INTA, ``deliver``'s writes); NMI stays the machine's (its blocking). hlt
        ends on NMI, or on any other input with RFLAGS.IF set (``wakes``)."""
        return "x86_64", self.interrupt_order(), 1 << INPUT_NMI, {INPUT_INTR: ()}

    def take_interrupt(self, machine: Any, slot: Any, line: int) -> int:
        """Take NMI (line 2) on vector 2, or INTR (line 0) on the vector the LAPIC acknowledges."""
        core = slot.core
        st = self.state(slot.index)
        self._check_nmi_return(machine, slot)
        rip = core.uc.reg_read(X.UC_X86_REG_RIP)
        rip = self._past_sti_hlt(core.uc, rip)
        try:
            if line == INPUT_NMI:
                machine.set_cpu_input(slot.index, INPUT_NMI, False)
                if st.nmi_blocked:  # raised by someone other than raise_nmi: hold it
                    st.nmi_latched = True
                    return -1
                rsp = core.uc.reg_read(X.UC_X86_REG_RSP)
                deliver(core.uc, VEC_NMI, rip)
                st.nmi_blocked = True
                self._arm_nmi_return(machine, slot, rip, rsp)
                return VEC_NMI
            ctl = machine.irq_controller
            if ctl is None or not hasattr(ctl, "acknowledge"):
                raise _guest_error(f"core {slot.index}: INTR asserted but the board has no "
                                   "LAPIC to acknowledge it")
            vector = int(ctl.acknowledge(slot.index))
            deliver(core.uc, vector, rip)
            return vector
        except X86Error as exc:
            raise _guest_error(f"{self.interrupt_name(line)}: {exc} "
                               f"({machine.describe_pc(slot, rip)})") from None

    def wakes(self, slot: Any, line: int) -> bool:
        """What ends ``hlt``: with IF=0 only NMI (SMI and INIT are not modelled);
        with IF=1 any interrupt."""
        return line == INPUT_NMI or bool(slot.core.reg_read(X.UC_X86_REG_RFLAGS) & RFLAGS_IF)

    def raise_nmi(self, machine: Any, cpu: int) -> None:
        """An NMI arrives at ``cpu``: asserted now, or held while an earlier one is blocked."""
        st = self.state(cpu)
        if st.nmi_blocked:
            st.nmi_latched = True
        else:
            machine.set_cpu_input(cpu, INPUT_NMI, True)

    @staticmethod
    def _past_sti_hlt(uc: Any, rip: int) -> int:
        """``sti; hlt``: the STI shadow covers the HLT, so the interrupt returns after it."""
        try:
            prev, cur = bytes(uc.mem_read(rip - 1, 2))
        except unicorn.UcError:
            return rip
        return rip + 1 if (prev, cur) == (STI, HLT) else rip

    # NMI blocking: after an NMI is delivered, later NMIs wait until the handler's
    # iretq. Unicorn cannot hook iretq, so a bounded block hook watches the
    # interrupted RIP and the unblocking happens when execution resumes there
    # with the interrupted RSP (the NMI's iretq restored both). It fires at run
    # time only in blocks translated after it was added (Unicorn 2.1.4, pinned by
    # a test), so that block is dropped from the translation cache.
    def _arm_nmi_return(self, machine: Any, slot: Any, rip: int, rsp: int) -> None:
        st = self.state(slot.index)
        self._disarm_nmi_return(slot.core, st)
        st.nmi_return = (rip, rsp)

        def on_block(uc: Any, address: int, size: int, _ud: Any) -> None:
            try:
                self._check_nmi_return(machine, slot)
            except BaseException as exc:  # noqa: BLE001
                slot.core.fail(exc)

        uc = slot.core.uc
        st.nmi_hook = uc.hook_add(unicorn.UC_HOOK_BLOCK, on_block, None, rip, rip)
        _native_intr(slot.core, False)  # the return check is Python's: INTR waits for it
        uc.ctl_remove_cache(rip, rip + 1)  # blocks translated earlier would not call it

    def _disarm_nmi_return(self, core: Any, st: CpuState) -> None:
        if st.nmi_hook is not None:
            core.uc.hook_del(st.nmi_hook)
            st.nmi_hook = None
        st.nmi_return = None
        _native_intr(core, True)

    def _check_nmi_return(self, machine: Any, slot: Any) -> None:
        st = self.state(slot.index)
        if not st.nmi_blocked or st.nmi_return is None:
            return
        uc = slot.core.uc
        if (uc.reg_read(X.UC_X86_REG_RIP), uc.reg_read(X.UC_X86_REG_RSP)) != st.nmi_return:
            return
        self._disarm_nmi_return(slot.core, st)
        st.nmi_blocked = False
        if st.nmi_latched:
            st.nmi_latched = False
            machine.set_cpu_input(slot.index, INPUT_NMI, True)

    # -- calls between host and guest -------------------------------------------
    def prepare_call(self, core: Any, address: int, args: list[int], ret: int) -> None:
        """A System V AMD64 call: RDI, RSI, RDX, RCX, R8, R9 = args; ``ret`` pushed as by
        ``call``, leaving RSP 16-byte aligned before the push (ABI 3.2.2)."""
        if len(args) > len(_ARG_REGS):
            raise ValueError("at most six register arguments (System V AMD64)")
        for reg, a in zip(_ARG_REGS, args, strict=False):
            core.reg_write(reg, a & 0xFFFFFFFFFFFFFFFF)
        rsp = (core.reg_read(X.UC_X86_REG_RSP) & ~0xF) - 8
        core.uc.mem_write(rsp, struct.pack("<Q", ret))
        core.reg_write(X.UC_X86_REG_RSP, rsp)
        core.reg_write(X.UC_X86_REG_RIP, address)

    def call_result(self, core: Any) -> int:
        return int(core.reg_read(X.UC_X86_REG_RAX))

    def call_arg(self, core: Any, index: int) -> int:
        """System V AMD64: arguments 0-5 are in RDI, RSI, RDX, RCX, R8, R9."""
        if not 0 <= index < len(_ARG_REGS):
            raise ValueError("only the six register arguments (System V AMD64)")
        return int(core.reg_read(_ARG_REGS[index]))

    def start_task(self, core: Any, stack_top: int, entry: int,
                   args: Sequence[int] = ()) -> None:
        """RSP = ``stack_top`` less the pushed ``entry``, which the host call's ``ret``
        pops; RDI, RSI, ... = ``args``."""
        if len(args) > len(_ARG_REGS):
            raise ValueError("at most six register arguments (System V AMD64)")
        rsp = stack_top - 8
        core.uc.mem_write(rsp, struct.pack("<Q", entry))
        core.reg_write(X.UC_X86_REG_RSP, rsp)
        for reg, a in zip(_ARG_REGS, args, strict=False):
            core.reg_write(reg, a & 0xFFFFFFFFFFFFFFFF)

    def hostcall_return(self, core: Any) -> None:
        """A host call is reached by ``call``: pop the return address (as ``ret``)."""
        rsp = core.reg_read(X.UC_X86_REG_RSP)
        ret = struct.unpack("<Q", bytes(core.uc.mem_read(rsp, 8)))[0]
        core.reg_write(X.UC_X86_REG_RSP, rsp + 8)
        core.reg_write(X.UC_X86_REG_RIP, ret)

    # -- synchronous exceptions ------------------------------------------------
    def handle_exception(self, machine: Any, slot: Any, intno: int) -> None:
        """Deliver the exception Unicorn reported (``intno`` is the vector) through the IDT.

        For faults Unicorn leaves RIP at the faulting instruction, for ``int n``
        and ``int3`` after it: either is the architectural return address.
        Unicorn does not expose the error code; 0 is pushed for vectors that
        have one, except for ``int n`` (software interrupts push none).
        """
        core = slot.core
        uc = core.uc
        rip = uc.reg_read(X.UC_X86_REG_RIP)
        if intno in CONTRIBUTORY or intno in (VEC_PF, VEC_DF):
            _clear_old_exception(uc)
        self._check_nmi_return(machine, slot)
        soft = self._is_int_n(uc, rip, intno)
        err = 0 if intno in ERROR_CODE_VECTORS and not soft else None
        name = VECTOR_NAMES.get(intno, f"vector {intno}")
        if soft:
            name = f"int {intno:#x}"
        try:
            deliver(uc, intno, rip, err)
        except X86Error as exc:
            raise _guest_error(f"{name} with no handler: {exc} "
                               f"({machine.describe_pc(slot, rip)})") from None

    @staticmethod
    def _is_int_n(uc: Any, rip: int, vector: int) -> bool:
        try:
            return bytes(uc.mem_read(rip - 2, 2)) == bytes([0xCD, vector])
        except unicorn.UcError:
            return False

    def handle_undefined(self, machine: Any, slot: Any) -> bool:
        """Deliver #UD (vector 6, RIP at the instruction) if the IDT has a gate for it."""
        uc = slot.core.uc
        try:
            read_gate(uc, VEC_UD)
        except X86Error:
            return False
        self._check_nmi_return(machine, slot)
        deliver(uc, VEC_UD)
        return True


def _native_intr(core: Any, allowed: bool) -> None:
    """Let the native engine take INTR in C (``native_entry``), or not while an NMI's
    return is watched (``_check_nmi_return`` runs before every Python entry)."""
    allow = getattr(core, "allow_native_entry", None)
    if allow is not None:
        allow(INPUT_INTR, allowed)


_ARG_REGS = (X.UC_X86_REG_RDI, X.UC_X86_REG_RSI, X.UC_X86_REG_RDX, X.UC_X86_REG_RCX,
             X.UC_X86_REG_R8, X.UC_X86_REG_R9)

# -- cost classes -----------------------------------------------------------------
_CLASSES: dict[str, str] = {}
for _m in ("jmp", "call", "ret", "retq", "loop", "loope", "loopne", "jrcxz", "jecxz"):
    _CLASSES[_m] = "branch"
for _m in ("mul", "imul"):
    _CLASSES[_m] = "multiply"
for _m in ("div", "idiv"):
    _CLASSES[_m] = "divide"
for _m in ("cli", "sti"):
    _CLASSES[_m] = "mask"
for _m in ("pushf", "pushfq", "pushfd"):
    _CLASSES[_m] = "mask_save"
for _m in ("popf", "popfq", "popfd"):
    _CLASSES[_m] = "mask_restore"
_CLASSES["mfence"] = "barrier"
for _m in ("lfence", "sfence"):
    _CLASSES[_m] = "barrier_light"
for _m in ("int", "int3", "int1", "into", "ud2", "ud0", "ud1", "syscall", "sysenter"):
    _CLASSES[_m] = "exception"
for _m in ("iretq", "iret", "iretd", "sysretq", "sysret", "sysexit"):
    _CLASSES[_m] = "exception_return"
_CLASSES["hlt"] = "hint"
_CLASSES["pause"] = "pause"
for _m in ("cpuid", "rdmsr", "wrmsr", "lidt", "lgdt", "ltr", "invlpg", "wbinvd", "serialize"):
    _CLASSES[_m] = "serialize"
for _m in ("rdtsc", "rdtscp"):
    _CLASSES[_m] = "rdtsc"
for _m in ("in", "out", "insb", "insw", "insd", "outsb", "outsw", "outsd"):
    _CLASSES[_m] = "port_io"
_CLASSES["nop"] = "nop"
_XCHG_LIKE = ("xchg",)
_LOCKABLE = ("cmpxchg", "cmpxchg8b", "cmpxchg16b", "xadd")


def classify(insn: Any) -> str:
    """Cost class of one capstone x86-64 instruction (mnemonic, prefixes and operands)."""
    m = insn.mnemonic
    if m.startswith("lock "):
        return "atomic"
    if m.startswith(("rep ", "repe ", "repne ", "bnd ", "notrack ")):
        m = m.split()[-1]
    cls = _CLASSES.get(m)
    if cls is not None:
        return cls
    if m.startswith("j"):
        return "branch"
    capstone = capstone_module()
    csx86 = capstone.x86
    mem_ops = [op for op in insn.operands if op.type == csx86.X86_OP_MEM]
    if m in _XCHG_LIKE and mem_ops:
        return "atomic"  # xchg with memory is implicitly locked
    if insn.prefix[0] == csx86.X86_PREFIX_LOCK:
        return "atomic"
    if m in _LOCKABLE:
        return "alu"
    if m == "push":
        return "store"
    if m == "pop":
        return "load"
    if m == "lea" or not mem_ops:
        return "alu"
    ops = insn.operands
    if ops and ops[0].type == csx86.X86_OP_MEM and (ops[0].access & capstone.CS_AC_WRITE):
        return "store"
    return "load"
