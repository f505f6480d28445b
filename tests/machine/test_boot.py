"""Booting the committed ARMv7 firmware: results, engines agreeing, determinism."""

from __future__ import annotations

import pytest
from helpers import firmware

from irqemu.cli import boot


def run(name: str, engine: str = "native", **kw: object) -> dict:
    return boot(str(firmware("armv7", name)), board="imx6q", max_cycles=kw.get("max_cycles"),
                max_time_ms=None, engine=engine, quantum=int(kw.get("quantum", 10_000)),
                echo=False)


def comparable(r: dict) -> dict:
    return {k: v for k, v in r.items() if k not in ("host", "engine")}


@pytest.mark.parametrize("name", ["timer.elf", "fiq.elf", "exceptions.elf"])
def test_firmware_checks_pass_and_exit_cleanly(name: str, engine: str) -> None:
    r = run(name, engine)
    assert r["stop_reason"] == "exit", r["message"]
    assert r["exit_code"] == 0, r["uart"]
    assert "FAIL" not in r["uart"] and "MISMATCH" not in r["uart"]


def test_timer_counts_ten_ticks_on_ppi29_of_cpu0() -> None:
    r = run("timer.elf")
    assert r["irqs"]["29"][0] == 10
    assert sum(r["irqs"]["29"][1:]) == 0
    assert r["uart"].count("tick ") == 10
    assert r["idle_cycles"][0] > r["cycles"][0], "the core should mostly sleep in wfi"


def test_fiq_is_taken_as_fiq_not_irq() -> None:
    r = run("fiq.elf")
    assert r["exceptions"][0].get("FIQ", 0) == r["irqs"]["87"][0] > 0


def test_idle_firmware_stops_cleanly() -> None:
    r = run("idle.elf")
    assert r["stop_reason"] == "idle"
    assert r["exit_code"] is None
    assert r["uart"].endswith("entering wfi forever\n")


@pytest.mark.parametrize("name", ["timer.elf", "fiq.elf", "exceptions.elf", "idle.elf"])
def test_native_and_reference_engines_agree_exactly(name: str) -> None:
    assert comparable(run(name, "native")) == comparable(run(name, "reference"))


@pytest.mark.parametrize("quantum", [1, 997, 10_000])
def test_two_runs_are_bit_identical(quantum: int) -> None:
    a = comparable(run("timer.elf", quantum=quantum))
    b = comparable(run("timer.elf", quantum=quantum))
    assert a == b
    assert a["exit_code"] == 0


def test_secondaries_are_held() -> None:
    r = run("timer.elf")
    assert r["instructions"][1:] == [0, 0, 0]
