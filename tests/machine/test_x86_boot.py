"""Booting firmware/x86_64/timer.elf on the pc board: output, tick count, engines agreeing."""

from __future__ import annotations

import pytest
from helpers import firmware

from irqemu.boards import board_for_elf
from irqemu.cli import boot
from irqemu.machine.elf import read_elf

TIMER_VECTOR = 0x20


def run(engine: str = "native", quantum: int = 10_000) -> dict:
    return boot(str(firmware("x86_64", "timer.elf")), board=None, max_cycles=None,
                max_time_ms=None, engine=engine, quantum=quantum, echo=False)


def comparable(r: dict) -> dict:
    return {k: v for k, v in r.items() if k not in ("host", "engine")}


def test_elf_machine_picks_the_pc_board() -> None:
    assert board_for_elf(read_elf(str(firmware("x86_64", "timer.elf"))).machine) == "pc"


def test_timer_prints_ten_ticks_and_exits_zero(engine: str) -> None:
    r = run(engine)
    assert r["board"] == "pc"
    assert r["stop_reason"] == "exit", r["message"]
    assert r["exit_code"] == 0
    lines = ["irqemu timer test (x86_64)"] + [f"tick {i}" for i in range(1, 11)]
    assert r["uart"] == "\n".join(lines + ["timer: 10 ticks, done"]) + "\n"


def test_exactly_ten_lapic_timer_interrupts_on_cpu0() -> None:
    r = run()
    assert r["irqs"] == {str(TIMER_VECTOR): [10, 0, 0, 0]}
    assert r["irq_names"][str(TIMER_VECTOR)] == "lapic-timer"
    assert r["exceptions"][0] == {"INTR": 10}
    assert r["instructions"][1:] == [0, 0, 0], "APs wait for SIPI"
    assert r["idle_cycles"][0] > r["cycles"][0], "the core should mostly sleep in hlt"
    # 10 periods of 62500 ticks at 1 GHz / 16 = 10 ms, plus boot and output
    assert 10 * 10**9 <= r["sim_time_ps"] < 11 * 10**9


def test_native_and_reference_engines_agree_exactly() -> None:
    assert comparable(run("native")) == comparable(run("reference"))


@pytest.mark.parametrize("quantum", [1, 997, 10_000])
def test_runs_are_bit_identical(quantum: int) -> None:
    assert comparable(run(quantum=quantum)) == comparable(run(quantum=quantum))
