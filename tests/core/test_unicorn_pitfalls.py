"""Regression tests for the Unicorn behaviours the engine depends on.

Each test pins one fact from Unicorn 2.1.4 that the engine's design relies
on (see docs in irqemu._core.engine); if a Unicorn upgrade changes it, the
test names what broke.
"""

from __future__ import annotations

import struct

import pytest
from unicorn import (
    UC_ARCH_ARM,
    UC_HOOK_BLOCK,
    UC_HOOK_INTR,
    UC_MODE_ARM,
    Uc,
    UcError,
)
from unicorn import arm_const as A

BASE = 0x1000


def arm(*words: int) -> bytes:
    return b"".join(struct.pack("<I", w) for w in words)


def make(code: bytes) -> Uc:
    uc = Uc(UC_ARCH_ARM, UC_MODE_ARM)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A9)
    uc.mem_map(BASE, 0x1000)
    uc.mem_write(BASE, code)
    uc.ctl_exits_enabled(True)
    uc.ctl_set_exits([])
    return uc


def test_stop_in_block_hook_happens_before_the_block_runs() -> None:
    # mov r0,#1; b +0 | add r0,#1; b +0 | add r0,#1; b .
    uc = make(arm(0xE3A00001, 0xEA000000, 0xE1A00000, 0xE2800001, 0xEA000000,
                  0xE1A00000, 0xE2800001, 0xEAFFFFFE))
    seen = []

    def hook(uc: Uc, addr: int, size: int, _: object) -> None:
        seen.append(addr)
        if addr == BASE + 0xC:
            uc.emu_stop()

    uc.hook_add(UC_HOOK_BLOCK, hook)
    uc.emu_start(BASE, 0)
    assert uc.reg_read(A.UC_ARM_REG_R0) == 1, "the stopped block must not have executed"
    assert uc.reg_read(A.UC_ARM_REG_PC) == BASE + 0xC


def test_wfi_returns_from_emu_start_after_the_wfi() -> None:
    uc = make(arm(0xE3A00001, 0xE320F003, 0xE3A00002, 0xEAFFFFFE))
    uc.hook_add(UC_HOOK_BLOCK, lambda *a: None)
    uc.emu_start(BASE, 0)
    assert uc.reg_read(A.UC_ARM_REG_PC) == BASE + 8
    assert uc.reg_read(A.UC_ARM_REG_R0) == 1


@pytest.mark.parametrize("word,intno,pc_off", [
    (0xEF000042, 2, 8),   # svc: EXCP_SWI, PC already past the svc
    (0xE1200070, 7, 4),   # bkpt: EXCP_BKPT, PC at the bkpt
])
def test_intr_hook_numbers_and_pc(word: int, intno: int, pc_off: int) -> None:
    uc = make(arm(0xE3A00001, word, 0xE3A00002, 0xEAFFFFFE))
    got = []

    def hook(uc: Uc, n: int, _: object) -> None:
        got.append((n, uc.reg_read(A.UC_ARM_REG_PC)))
        uc.emu_stop()

    uc.hook_add(UC_HOOK_INTR, hook)
    uc.emu_start(BASE, 0)
    assert got == [(intno, BASE + pc_off)]


def test_undefined_instruction_is_an_error_not_an_intr() -> None:
    uc = make(arm(0xE3A00001, 0xE7F000F0, 0xEAFFFFFE))
    uc.hook_add(UC_HOOK_INTR, lambda *a: pytest.fail("no intr expected"))
    with pytest.raises(UcError):
        uc.emu_start(BASE, 0)
    assert uc.reg_read(A.UC_ARM_REG_PC) == BASE + 4


def test_cpsr_mode_write_switches_fiq_bank() -> None:
    uc = make(arm(0xEAFFFFFE))
    uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D3)
    uc.reg_write(A.UC_ARM_REG_R8, 0x1111)
    uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D1)  # FIQ mode
    uc.reg_write(A.UC_ARM_REG_R8, 0x2222)
    uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D3)
    assert uc.reg_read(A.UC_ARM_REG_R8) == 0x1111
    uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D1)
    assert uc.reg_read(A.UC_ARM_REG_R8) == 0x2222


def test_sp_is_banked_write_mode_first() -> None:
    # Unicorn #1984: writing SP then CPSR leaves the new mode's SP.
    uc = make(arm(0xEAFFFFFE))
    uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D3)
    uc.reg_write(A.UC_ARM_REG_SP, 0x5000)
    uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D2)
    uc.reg_write(A.UC_ARM_REG_SP, 0x6000)
    uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D3)
    assert uc.reg_read(A.UC_ARM_REG_SP) == 0x5000


def test_cortex_a9_boots_non_secure_and_scr_write_makes_it_secure() -> None:
    # cpsie a; mrs r0, cpsr; mrc p15,0,r1,c1,c1,0 (SCR)
    code = arm(0xF1080100, 0xE10F0000, 0xEE111F11, 0xEAFFFFFE)
    uc = make(code)
    uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D3)
    with pytest.raises(UcError):  # SCR is UNDEFINED from Non-secure PL1
        uc.emu_start(BASE, 0)
    assert uc.reg_read(A.UC_ARM_REG_R0) & 0x100, "Non-secure: cpsie a cannot clear CPSR.A"
    uc = make(code)
    uc.cpr_write(15, 0, 1, 1, 0, 1, False, 0)  # SCR = 0: Secure
    uc.reg_write(A.UC_ARM_REG_CPSR, 0x1D3)
    uc.emu_start(BASE, 0, count=3)
    assert uc.reg_read(A.UC_ARM_REG_R0) & 0x1FF == 0xD3
    assert uc.reg_read(A.UC_ARM_REG_R1) == 0


def test_no_alignment_faults_for_plain_loads() -> None:
    # Unicorn 2.1.4 (QEMU 5.0) ignores SCTLR.A for LDR; QEMU >= 6 faults. irqemu
    # therefore cannot model alignment Data Aborts; this pins the limitation.
    # mrc sctlr; orr #2; mcr sctlr; isb; mov r1,#0x1001; ldr r2,[r1]
    uc = make(arm(0xEE110F10, 0xE3800002, 0xEE010F10, 0xF57FF06F, 0xE3A01A01,
                  0xE2811001, 0xE5912000, 0xEAFFFFFE))
    uc.emu_start(BASE, 0, count=7)
    assert uc.reg_read(A.UC_ARM_REG_PC) == BASE + 28
