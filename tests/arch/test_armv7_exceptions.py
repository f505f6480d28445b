"""ARMv7-A exception entry against the Architecture Reference Manual's rules.

Each case enters an exception with ``take_exception`` on a real Unicorn core,
checks the entry state (B1.8: mode, SPSR, LR offset, I/A/F, T from SCTLR.TE,
vector base from SCTLR.V or VBAR, banked SP/LR), then lets the guest's own
architectural return instruction run and checks the interrupted state is
restored exactly.
"""

from __future__ import annotations

import struct

import pytest
import unicorn
from hypothesis import given, settings
from hypothesis import strategies as st
from unicorn import arm_const as A

from irqemu._core import reference_core_class
from irqemu.arch import armv7
from irqemu.arch.armv7 import (
    CPSR_A,
    CPSR_F,
    CPSR_I,
    CPSR_T,
    MODE_ABT,
    MODE_FIQ,
    MODE_IRQ,
    MODE_SVC,
    MODE_SYS,
    MODE_UND,
    MODE_USR,
    Exc,
)

CODE = 0x10000
VBAR = 0x20000
HIGH = 0xFFFF0000

# The architectural return for each kind (ARM encodings).
RETURNS = {
    Exc.UNDEF: 0xE1B0F00E,  # movs pc, lr
    Exc.SVC: 0xE1B0F00E,  # movs pc, lr
    Exc.PREFETCH_ABORT: 0xE25EF004,  # subs pc, lr, #4
    Exc.DATA_ABORT: 0xE25EF008,  # subs pc, lr, #8
    Exc.IRQ: 0xE25EF004,  # subs pc, lr, #4
    Exc.FIQ: 0xE25EF004,  # subs pc, lr, #4
}


class _Coster:
    def block_info(self, address: int, size: int) -> tuple[int, int]:
        return 1, 1


def make_core(high_vectors: bool = False, te: bool = False):
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A9)
    uc.ctl_exits_enabled(True)
    uc.ctl_set_exits([])
    for base in (CODE, VBAR, HIGH):
        uc.mem_map(base, 0x1000)
    core = reference_core_class()(uc, 0, _Coster(), pc_reg=A.UC_ARM_REG_PC,
                                  mask_reg=A.UC_ARM_REG_CPSR, mask_shifts=[7, 6],
                                  host_range=(0xFFFE0000, 0xFFFE1000))
    armv7.ARMv7().reset(core, CODE)
    core.cp_write(*armv7.CP_VBAR, VBAR)
    sctlr = core.cp_read(*armv7.CP_SCTLR)
    sctlr = (sctlr | armv7.SCTLR_V) if high_vectors else (sctlr & ~armv7.SCTLR_V)
    sctlr = (sctlr | armv7.SCTLR_TE) if te else (sctlr & ~armv7.SCTLR_TE)
    core.cp_write(*armv7.CP_SCTLR, sctlr)
    return core


MODES = [MODE_USR, MODE_SVC, MODE_SYS, MODE_IRQ, MODE_FIQ, MODE_ABT, MODE_UND]
TARGET = {Exc.UNDEF: MODE_UND, Exc.SVC: MODE_SVC, Exc.PREFETCH_ABORT: MODE_ABT,
          Exc.DATA_ABORT: MODE_ABT, Exc.IRQ: MODE_IRQ, Exc.FIQ: MODE_FIQ}
OFFSET = {Exc.UNDEF: 0x04, Exc.SVC: 0x08, Exc.PREFETCH_ABORT: 0x0C, Exc.DATA_ABORT: 0x10,
          Exc.IRQ: 0x18, Exc.FIQ: 0x1C}


@settings(max_examples=60, deadline=None)
@given(
    exc=st.sampled_from(list(RETURNS)),
    mode=st.sampled_from(MODES),
    flags=st.integers(0, 0xF).map(lambda f: f << 28),
    masks=st.integers(0, 7).map(lambda m: m << 6),
    thumb=st.booleans(),
    high=st.booleans(),
)
def test_entry_state_and_architectural_return(exc: Exc, mode: int, flags: int, masks: int,
                                              thumb: bool, high: bool) -> None:
    core = make_core(high_vectors=high)
    old_cpsr = flags | masks | mode | (CPSR_T if thumb else 0)
    core.reg_write(A.UC_ARM_REG_CPSR, old_cpsr)
    banked_before = armv7.banked(core, TARGET[exc])
    interrupted_sp = core.reg_read(A.UC_ARM_REG_SP)
    pc = CODE + 0x100
    vector = armv7.take_exception(core, exc, pc)

    # -- entry state (ARM ARM B1.8.3-B1.8.6, B1.9) -----------------------------
    new = core.reg_read(A.UC_ARM_REG_CPSR)
    base = HIGH if high else VBAR
    assert vector == base + OFFSET[exc]
    assert core.reg_read(A.UC_ARM_REG_PC) == vector
    assert new & 0x1F == TARGET[exc]
    assert new & CPSR_I
    assert bool(new & CPSR_A) == (exc in (Exc.PREFETCH_ABORT, Exc.DATA_ABORT, Exc.IRQ,
                                          Exc.FIQ) or bool(old_cpsr & CPSR_A))
    assert bool(new & CPSR_F) == (exc is Exc.FIQ or bool(old_cpsr & CPSR_F))
    assert not new & CPSR_T  # SCTLR.TE = 0
    assert new & 0xF0000000 == flags  # condition flags untouched
    assert core.reg_read(A.UC_ARM_REG_SPSR) == old_cpsr
    lr_off = {Exc.UNDEF: 2 if thumb else 4, Exc.SVC: 0, Exc.PREFETCH_ABORT: 4,
              Exc.DATA_ABORT: 8, Exc.IRQ: 4, Exc.FIQ: 4}[exc]
    assert core.reg_read(A.UC_ARM_REG_LR) == pc + lr_off
    assert core.reg_read(A.UC_ARM_REG_SP) == banked_before["sp"]

    # -- the guest's return restores the interrupted state -------------------
    if exc is Exc.UNDEF and thumb:
        return  # Thumb UNDEF returns with movs pc, lr to pc+2: covered by exceptions.elf
    core.uc.mem_write(vector, struct.pack("<I", RETURNS[exc]))
    core.uc.mem_write(vector + 4, struct.pack("<I", 0xEAFFFFFE))
    core.run(1)  # one block: the return; then the deadline stops it at the next block
    # movs pc, lr from UNDEF resumes after the undefined instruction; the rest
    # resume at the preferred return address.
    resume = pc + 4 if exc is Exc.UNDEF else pc
    assert core.reg_read(A.UC_ARM_REG_CPSR) == old_cpsr
    assert core.reg_read(A.UC_ARM_REG_PC) == resume
    if mode not in (TARGET[exc],) and not (mode in (MODE_USR, MODE_SYS)
                                           and TARGET[exc] in (MODE_USR, MODE_SYS)):
        assert core.reg_read(A.UC_ARM_REG_SP) == interrupted_sp


def test_thumb_entry_when_sctlr_te_set() -> None:
    core = make_core(te=True)
    core.reg_write(A.UC_ARM_REG_CPSR, MODE_SVC | CPSR_I | CPSR_F)
    vector = armv7.take_exception(core, Exc.IRQ, CODE + 0x40)
    assert core.reg_read(A.UC_ARM_REG_CPSR) & CPSR_T
    assert core.reg_read(A.UC_ARM_REG_PC) == vector


def test_fiq_banks_r8_to_r12_and_other_modes_share_them() -> None:
    core = make_core()
    core.reg_write(A.UC_ARM_REG_CPSR, MODE_SVC | 0x1C0)
    for i, reg in enumerate((A.UC_ARM_REG_R8, A.UC_ARM_REG_R9, A.UC_ARM_REG_R10,
                             A.UC_ARM_REG_R11, A.UC_ARM_REG_R12)):
        core.reg_write(reg, 0x100 + i)
    core.reg_write(A.UC_ARM_REG_CPSR, MODE_FIQ | 0x1C0)
    core.reg_write(A.UC_ARM_REG_R8, 0xF8)
    core.reg_write(A.UC_ARM_REG_SP, 0xF5)
    core.reg_write(A.UC_ARM_REG_CPSR, MODE_SVC | 0x1C0)
    fiq = armv7.banked(core, MODE_FIQ)
    irq = armv7.banked(core, MODE_IRQ)
    assert fiq["r8"] == 0xF8 and fiq["sp"] == 0xF5
    assert irq["r8"] == 0x100 and irq["r12"] == 0x104  # shared with SVC
    assert core.reg_read(A.UC_ARM_REG_R8) == 0x100  # the view changed nothing
    assert core.reg_read(A.UC_ARM_REG_CPSR) & 0x1F == MODE_SVC
    assert "spsr" not in armv7.banked(core, MODE_USR)
    with pytest.raises(ValueError):
        armv7.banked(core, 0x05)


def test_mask_queries_follow_cpsr() -> None:
    core = make_core()
    core.reg_write(A.UC_ARM_REG_CPSR, MODE_SVC | CPSR_I)
    assert armv7.irq_masked(core) and not armv7.fiq_masked(core)
    core.reg_write(A.UC_ARM_REG_CPSR, MODE_SVC | CPSR_F)
    assert armv7.fiq_masked(core) and not armv7.irq_masked(core)


def make_native_core(high_vectors: bool, te: bool):
    from irqemu._core import native_core_class

    ref = make_core(high_vectors, te)
    core = native_core_class()(ref.uc, 0, _Coster(), pc_reg=A.UC_ARM_REG_PC,
                               mask_reg=A.UC_ARM_REG_CPSR, mask_shifts=[7, 6],
                               host_range=(0xFFFE0000, 0xFFFE1000))
    return core


@settings(max_examples=60, deadline=None)
@given(
    exc=st.sampled_from([Exc.IRQ, Exc.FIQ]),
    mode=st.sampled_from(MODES),
    bits=st.integers(0, 0xFFFFFFFF),
    thumb=st.booleans(),
    high=st.booleans(),
    te=st.booleans(),
)
def test_native_c_entry_equals_the_python_rules(exc: Exc, mode: int, bits: int, thumb: bool,
                                                high: bool, te: bool) -> None:
    # CPSR: random flags, GE, IT, E, masks; a real mode; T as drawn; J clear.
    cpsr = (bits & 0xF80FFDC0 & ~0x01000000) | mode | (CPSR_T if thumb else 0)
    states = []
    for native in (False, True):
        core = make_native_core(high, te) if native else make_core(high, te)
        core.reg_write(A.UC_ARM_REG_CPSR, cpsr)
        core.reg_write(A.UC_ARM_REG_PC, CODE + 0x80)
        if native:
            k = exc.value
            vector = core.arm_enter(k.mode, k.offset, k.lr_arm, k.lr_thumb, k.set_a, k.set_f)
        else:
            vector = armv7.take_exception(core, exc)
        states.append((vector, core.reg_read(A.UC_ARM_REG_CPSR), core.reg_read(A.UC_ARM_REG_SPSR),
                       core.reg_read(A.UC_ARM_REG_LR), core.reg_read(A.UC_ARM_REG_PC),
                       core.reg_read(A.UC_ARM_REG_SP)))
    assert states[0] == states[1]
