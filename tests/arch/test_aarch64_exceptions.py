"""AArch64 exception entry against the ARM ARM (AArch64.TakeException), and the
Unicorn facts irqemu.arch.aarch64 depends on.

Each case enters an exception with ``take_exception`` on a real Unicorn core,
checks the entry state (vector offset, SPSR_EL1, ELR_EL1, ESR_EL1, PSTATE,
SP selection), then lets the guest's own ``eret`` run and checks PSTATE, PC
and SP are restored exactly (in particular that IL, bit 20, stays clear).
"""

from __future__ import annotations

import struct

import pytest
import unicorn
from hypothesis import given, settings
from hypothesis import strategies as st
from unicorn import arm64_const as A

from irqemu._core import StopReason, native_core_class, reference_core_class
from irqemu.arch import aarch64 as a64
from irqemu.arch.aarch64 import (
    KIND_FIQ,
    KIND_IRQ,
    KIND_SERROR,
    KIND_SYNC,
    PSTATE_DAIF,
    PSTATE_IL,
    AArch64,
)
from irqemu.timing import BlockCoster, load_cost_model

CODE = 0x10000
VBAR = 0x20000
HOST = 0xFFFE0000
ERET = 0xD69F03E0
B_SELF = 0x14000000
NOP = 0xD503201F


def make_core(engine: str = "reference"):
    arch = AArch64()
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM64, unicorn.UC_MODE_ARM)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM64_A53)
    uc.ctl_exits_enabled(True)
    uc.ctl_set_exits([])
    for base in (CODE, VBAR, HOST):
        uc.mem_map(base, 0x1000 if base != VBAR else 0x1000)
    uc.mem_write(HOST, arch.hostcall_fill * 1024)
    cls = native_core_class() if engine == "native" else reference_core_class()
    coster = BlockCoster(load_cost_model("cortex-a53"), arch, None, uc.mem_read)
    core = cls(uc, 0, coster, pc_reg=arch.pc_reg, mask_reg=arch.mask_reg,
               mask_shifts=arch.mask_shifts, host_range=(HOST, HOST + 0x1000))
    coster.regs = core
    arch.reset(core, CODE)
    core.reg_write(A.UC_ARM64_REG_VBAR_EL1, VBAR)
    return core


MODES = [a64.MODE_EL0T, a64.MODE_EL1T, a64.MODE_EL1H]
KINDS = [KIND_SYNC, KIND_IRQ, KIND_FIQ, KIND_SERROR]


def enter_mode(core, mode: int, pstate: int, sp0: int, sp1: int) -> None:
    """Put the core in ``mode`` with SP_EL0 = sp0 and SP_EL1 = sp1 as Unicorn banks them."""
    core.reg_write(A.UC_ARM64_REG_PSTATE, pstate | mode)
    core.sys_write(*a64.SYS_SPSR_EL1, 0)  # rebuild hflags for the new EL
    if mode == a64.MODE_EL1H:
        core.reg_write(A.UC_ARM64_REG_SP_EL0, sp0)
        core.reg_write(A.UC_ARM64_REG_SP, sp1)
    else:
        core.reg_write(A.UC_ARM64_REG_SP_EL1, sp1)
        core.reg_write(A.UC_ARM64_REG_SP, sp0)


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    mode=st.sampled_from(MODES),
    flags=st.integers(0, 0xF).map(lambda f: f << 28),
    daif=st.integers(0, 0xF).map(lambda m: m << 6),
    esr=st.integers(0, 0xFFFFFFFF),
)
def test_entry_state_and_eret_restore_pstate_exactly(kind: int, mode: int, flags: int,
                                                    daif: int, esr: int) -> None:
    core = make_core()
    sp0, sp1 = 0x7000, 0x9000
    old = flags | daif | mode
    enter_mode(core, mode, flags | daif, sp0, sp1)
    assert core.reg_read(A.UC_ARM64_REG_PSTATE) == old
    pc = CODE + 0x100
    vector = a64.take_exception(core, kind, pc, esr if kind == KIND_SYNC else None)

    # -- entry state (ARM ARM D1.10, AArch64.TakeException) --------------------
    group = {a64.MODE_EL0T: 0x400, a64.MODE_EL1T: 0x000, a64.MODE_EL1H: 0x200}[mode]
    assert vector == VBAR + group + kind
    assert core.reg_read(A.UC_ARM64_REG_PC) == vector
    new = core.reg_read(A.UC_ARM64_REG_PSTATE)
    assert new == flags | PSTATE_DAIF | a64.MODE_EL1H  # EL1h, DAIF set, NZCV kept, IL/SS 0
    assert core.sys_read(*a64.SYS_SPSR_EL1) == old
    assert core.reg_read(A.UC_ARM64_REG_ELR_EL1) == pc
    if kind == KIND_SYNC:
        assert core.sys_read(*a64.SYS_ESR_EL1) == esr
    assert core.reg_read(A.UC_ARM64_REG_SP) == sp1  # SPSel = 1: SP_EL1

    # -- the guest's eret restores the interrupted state exactly ---------------
    core.uc.mem_write(vector, struct.pack("<I", ERET))
    core.uc.mem_write(pc, struct.pack("<I", B_SELF))
    core.run(core.cycles + 1)  # the eret block, then the deadline stops at `b .`
    after = core.reg_read(A.UC_ARM64_REG_PSTATE)
    assert not after & PSTATE_IL, "illegal exception return (Unicorn SCR_EL3.RW pitfall)"
    assert after == old
    assert core.reg_read(A.UC_ARM64_REG_PC) == pc
    assert core.reg_read(A.UC_ARM64_REG_SP) == (sp1 if mode == a64.MODE_EL1H else sp0)


def test_unicorn_eret_sets_il_without_scr_el3_rw() -> None:
    """The pitfall reset() works around: Unicorn's A53 has EL3 with SCR_EL3.RW = 0."""
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM64, unicorn.UC_MODE_ARM)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM64_A53)
    uc.mem_map(CODE, 0x1000)
    # msr spsr_el1, xzr... use x0 = 0x3c5 (EL1h); msr elr_el1, x1; eret
    uc.reg_write(A.UC_ARM64_REG_X0, 0x3C5)
    uc.reg_write(A.UC_ARM64_REG_X1, CODE + 0x100)
    words = [0xD5184000, 0xD5184021, ERET]  # msr spsr_el1, x0; msr elr_el1, x1; eret
    uc.mem_write(CODE, b"".join(struct.pack("<I", w) for w in words))
    uc.mem_write(CODE + 0x100, struct.pack("<II", NOP, NOP))
    uc.emu_start(CODE, CODE + 0x104)
    assert uc.reg_read(A.UC_ARM64_REG_PSTATE) & PSTATE_IL


def test_entry_from_el0_lets_the_handler_use_el1_registers() -> None:
    """PSTATE writes do not rebuild hflags; the SPSR_EL1 (CP_REG) write after them must."""
    core = make_core()
    enter_mode(core, a64.MODE_EL0T, PSTATE_DAIF, 0x7000, 0x9000)
    vector = a64.take_exception(core, KIND_SYNC, CODE + 0x40, a64.syndrome(a64.EC_SVC64, 1))
    # mrs x2, elr_el1; b .
    core.uc.mem_write(vector, struct.pack("<II", 0xD5384022, B_SELF))
    reason = core.run(core.cycles + 1)
    assert reason == StopReason.DEADLINE
    assert core.reg_read(A.UC_ARM64_REG_X2) == CODE + 0x40


@pytest.mark.parametrize("engine", ["native", "reference"])
def test_daif_masks_irq_and_fiq_in_the_engine(engine: str) -> None:
    """mask_reg = PSTATE with I at bit 7 and F at bit 6: the engine's C check sees DAIF."""
    core = make_core(engine)
    core.uc.mem_write(CODE, struct.pack("<II", NOP, B_SELF))
    for daif, pending, deliverable in [(PSTATE_DAIF, 1, False), (0, 1, True),
                                       (a64.PSTATE_I, 1, False), (a64.PSTATE_I, 2, True),
                                       (a64.PSTATE_F, 2, False), (a64.PSTATE_F, 1, True)]:
        core.reg_write(A.UC_ARM64_REG_PSTATE, daif | a64.MODE_EL1H)
        core.pending = pending
        assert core.deliverable() == deliverable
        reason = core.run(core.cycles + 50)
        assert (reason == StopReason.IRQ) == deliverable
        core.pending = 0


def test_msr_daifclr_opens_the_mask_at_the_next_instruction() -> None:
    core = make_core("native")
    # msr daifset, #3; nop; msr daifclr, #2; nop; b .
    words = [0xD50343DF, NOP, 0xD50342FF, NOP, B_SELF]
    core.uc.mem_write(CODE, b"".join(struct.pack("<I", w) for w in words))
    core.reg_write(A.UC_ARM64_REG_PC, CODE)
    core.pending = 1
    assert core.run(core.cycles + 1000) == StopReason.IRQ
    assert core.reg_read(A.UC_ARM64_REG_PC) == CODE + 12  # right after daifclr


def test_classify_cost_classes() -> None:
    import capstone

    cs = capstone.Cs(capstone.CS_ARCH_ARM64, capstone.CS_MODE_ARM)
    arch = AArch64()
    cases = {
        0xD50342FF: "mask",  # msr daifclr, #2
        0xD50342DF: "mask",  # msr daifset, #2
        0xD53B4220: "mask",  # mrs x0, daif
        0xD51B4220: "mask",  # msr daif, x0
        0xC85F7C20: "load_exclusive",  # ldxr x0, [x1]
        0xC85FFC20: "load_exclusive",  # ldaxr x0, [x1]
        0xC8027C20: "store_exclusive",  # stxr w2, x0, [x1]
        0xC802FC20: "store_exclusive",  # stlxr w2, x0, [x1]
        0xF8200020: "atomic",  # ldadd x0, x0, [x1]
        0xC8A07C22: "atomic",  # cas x0, x2, [x1]
        0xF8208020: "atomic",  # swp x0, x0, [x1]
        0xD69F03E0: "exception_return",  # eret
        0xD503207F: "hint",  # wfi
        0xD4000001: "exception",  # svc #0
        0xD5033BBF: "barrier",  # dmb ish
        0x54000040: "branch",  # b.eq
        0xF9400020: "load",  # ldr x0, [x1]
        0xA9BF7BFD: "store",  # stp x29, x30, [sp, #-16]!
        0x8B020020: "alu",  # add x0, x1, x2
        0xD53800A0: "coprocessor",  # mrs x0, mpidr_el1
    }
    for word, cls in cases.items():
        insn = next(cs.disasm(struct.pack("<I", word), 0))
        assert arch.classify(insn) == cls, (hex(word), insn.mnemonic, insn.op_str)


def test_unicorn_intr_numbers() -> None:
    """svc -> 2 past it, brk -> 7 at it, hlt/udf/hvc -> 1 at it, smc -> 13 past it."""
    expect = {0xD4000841: (2, 4), 0xD4200060: (7, 0), 0xD45E0000: (1, 0), 0x00000000: (1, 0),
              0xD4000002: (1, 0), 0xD4000003: (13, 4)}
    for word, (intno, off) in expect.items():
        core = make_core()
        core.uc.mem_write(CODE, struct.pack("<III", NOP, word, B_SELF))
        core.reg_write(A.UC_ARM64_REG_PC, CODE)
        reason = core.run(core.cycles + 100)
        assert reason == StopReason.EXCEPTION, hex(word)
        assert core.intno == intno, hex(word)
        assert core.reg_read(A.UC_ARM64_REG_PC) == CODE + 4 + off, hex(word)
