"""The native engine against the reference engine, and the engine's stop rules."""

from __future__ import annotations

import struct

import pytest
import unicorn
from hypothesis import given, settings
from hypothesis import strategies as st
from unicorn import arm_const as A

from irqemu._core import StopReason, native_core_class, reference_core_class
from irqemu.arch.armv7 import ARMv7
from irqemu.timing import BlockCoster, load_cost_model

CODE = 0x10000
HOST = 0xFFFE0000

# A loop with a masked window: cpsid i; 3 x add; cpsie i; add; subs r0,#1; bne; (into host page)
LOOP = [
    0xE3A00C01,  # mov r0, #256
    0xF10C0080,  # cpsid i
    0xE2811001,  # add r1, r1, #1
    0xE2811001,
    0xE2811001,
    0xF1080080,  # cpsie i
    0xE2822001,  # add r2, r2, #1
    0xE2500001,  # subs r0, r0, #1
    0x1AFFFFF7,  # bne (cpsid)
    0xE3A0F4FF,  # mov pc, #0xFF000000 -> ldr below instead
]


def build(engine: str):
    arch = ARMv7()
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A9)
    uc.ctl_exits_enabled(True)
    uc.ctl_set_exits([])
    uc.mem_map(CODE, 0x1000)
    uc.mem_map(HOST, 0x1000)
    uc.mem_write(HOST, arch.hostcall_fill * 1024)
    words = LOOP[:-1] + [0xE59FF000, 0xE1A00000, HOST + 8]  # ldr pc, [pc]; nop; .word
    uc.mem_write(CODE, b"".join(struct.pack("<I", w) for w in words))
    cls = native_core_class() if engine == "native" else reference_core_class()
    coster = BlockCoster(load_cost_model("cortex-a9"), arch, None, uc.mem_read)
    core = cls(uc, 0, coster, pc_reg=A.UC_ARM_REG_PC, mask_reg=A.UC_ARM_REG_CPSR,
               mask_shifts=[7, 6], host_range=(HOST, HOST + 0x1000),
               thumb_reg=A.UC_ARM_REG_CPSR, thumb_shift=5)
    coster.regs = core
    arch.reset(core, CODE)
    core.reg_write(A.UC_ARM_REG_CPSR, 0x13)  # SVC, IRQs open
    return core


def trace(engine: str, steps: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Run with (deadline increment, pending) steps; record every stop."""
    core = build(engine)
    out = []
    for inc, pending in steps:
        core.pending = pending
        reason = core.run(core.cycles + inc)
        pc = core.reg_read(A.UC_ARM_REG_PC)
        out.append((int(reason), core.cycles, core.instructions, pc))
        if reason == StopReason.IRQ:
            core.pending = 0
        if reason == StopReason.HOSTCALL:
            break
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 400), st.sampled_from([0, 0, 0, 1, 2])),
                min_size=1, max_size=30))
def test_native_and_reference_stop_at_the_same_points(steps: list[tuple[int, int]]) -> None:
    assert trace("native", steps) == trace("reference", steps)


def test_deadline_stops_at_the_first_block_boundary_past_it() -> None:
    core = build("native")
    assert core.run(1) == StopReason.DEADLINE
    first = core.cycles
    assert first >= 1
    assert core.run(first) == StopReason.DEADLINE  # already there: stops at once
    assert core.cycles == first


def test_pending_irq_is_not_delivered_inside_the_masked_window() -> None:
    core = build("native")
    core.run(1)  # mov r0 + cpsid block ran: now masked
    stops = []
    core.pending = 1
    for _ in range(50):
        reason = core.run(core.cycles + 10_000)
        cpsr = core.reg_read(A.UC_ARM_REG_CPSR)
        stops.append(reason)
        if reason == StopReason.IRQ:
            assert not cpsr & 0x80, "IRQ reported while CPSR.I is set"
            pc = core.reg_read(A.UC_ARM_REG_PC)
            assert pc == CODE + 0x18, "taken right after cpsie i"
            break
    assert StopReason.IRQ in stops


def test_fiq_input_masked_by_f_only() -> None:
    core = build("native")
    core.reg_write(A.UC_ARM_REG_CPSR, 0x13 | 0x80)  # I set, F clear
    core.pending = 2  # FIQ
    assert core.deliverable()
    core.pending = 1
    assert not core.deliverable()


def test_host_call_page_stops_before_running_it() -> None:
    core = build("native")
    reason = core.run(10**9)
    assert reason == StopReason.HOSTCALL
    assert core.reg_read(A.UC_ARM_REG_PC) == HOST + 8
    assert core.reg_read(A.UC_ARM_REG_R2) == 256


def test_block_costs_are_computed_once() -> None:
    core = build("native")
    core.run(10**9)
    assert core._coster.blocks_costed == core.cached_blocks
    assert core.cached_blocks < 10


@pytest.mark.parametrize("engine", ["native", "reference"])
def test_fail_stops_the_core_with_the_first_error(engine: str) -> None:
    core = build(engine)
    first, second = RuntimeError("first"), RuntimeError("second")

    def hook(uc: object, address: int, size: int, _ud: object) -> None:
        core.fail(first)
        core.fail(second)

    core.uc.hook_add(unicorn.UC_HOOK_CODE, hook, None, CODE + 8, CODE + 8)
    assert core.run(10**9) == StopReason.ERROR
    assert core.take_error() is first
    assert core.take_error() is None
