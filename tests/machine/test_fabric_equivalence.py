"""The native fabric (rounds, events and interrupt entry in C) changes nothing observable.

The same firmware runs three ways: the native engine with the native fabric
(``Core.run_fabric`` fires native timer events, takes IRQs and sleeps in WFI
without Python), the native engine with the Python fabric (the machine's round
loop, the Python device models), and the reference engine. Every simulated
figure, the console and the final registers must agree bit for bit, whatever
the quantum and the limits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from helpers import FIRMWARE, firmware
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.boards import build_board
from irqemu.scenarios.nmi import PmcOverflow

#: (engine, fabric) of each way to run
WAYS = (("native", "native"), ("native", "python"), ("reference", "python"))


#: board, firmware directory and register numbers to compare, per architecture
ARCHES = {"armv7": ("imx6q", range(66, 82)),  # UC_ARM_REG_R0..R15
          "aarch64": ("virt-a53", [*range(199, 230), 4, 260, 265]),  # X0..X30, SP, PC, PSTATE
          # RAX RBX RCX RDX RSI RDI RBP RSP R8..R15 RIP RFLAGS CS SS
          "x86_64": ("pc", [35, 37, 38, 40, 43, 39, 36, 44, *range(106, 114), 41, 253, 11, 49])}


def run(elf: str, engine: str, fabric: str, *, quantum: int = 10_000,
        max_time_ps: int | None = None, max_cycles: int | None = None,
        patch: dict[str, int] | None = None, cpus: int = 4,
        arch: str = "armv7", setup: Callable[[Any], None] | None = None) -> dict[str, Any]:
    board, regs = ARCHES[arch]
    m = build_board(board, engine=engine, fabric=fabric, quantum_cycles=quantum,
                    num_cpus=cpus)
    image = m.load_elf(str(firmware(arch, f"{elf}.elf")))
    for sym, value in (patch or {}).items():
        m.mem_write(image.symbols[sym], value.to_bytes(4, "little"))
    if setup is not None:
        setup(m)
    r = m.run(max_time_ps=max_time_ps, max_cycles=max_cycles)
    core = m.cpus[0].core
    return {
        "stop": (r.stop_reason, r.exit_code, r.message), "time": r.sim_time_ps,
        "cycles": r.cycles, "idle": r.idle_cycles, "insns": r.instructions,
        "interrupts": [list(d.items()) for d in r.interrupts],  # order of first take too
        "console": bytes(m.console), "acks": m.interrupt_counts(),
        "regs": [core.reg_read(reg) for reg in regs],
        "asserted": [dict(s.asserted_at) for s in m.cpus],
    }


@pytest.mark.parametrize("elf", ["timer", "exceptions", "fiq", "idle", "masking", "atomics",
                                 "lost_update", "gpc_wake", "fiq_watchdog"])
def test_bundled_firmware_same_three_ways(elf: str) -> None:
    want = run(elf, "native", "python", max_time_ps=30 * 10**9)
    assert run(elf, "native", "native", max_time_ps=30 * 10**9) == want
    assert run(elf, "reference", "python", max_time_ps=30 * 10**9) == want


@pytest.mark.parametrize("elf", [p.stem for p in sorted(FIRMWARE.glob("aarch64/*.elf"))
                                 if p.stem != "kernel"])  # kernel.elf needs the kernel model
def test_aarch64_firmware_same_three_ways(elf: str) -> None:
    """The AArch64 entry and the generic timer's system registers in C change nothing."""
    kw: dict[str, Any] = {"max_time_ps": 50 * 10**9, "arch": "aarch64"}
    want = run(elf, "native", "python", **kw)
    assert run(elf, "native", "native", **kw) == want
    assert run(elf, "reference", "python", **kw) == want


@settings(max_examples=25, deadline=None)
@given(quantum=st.integers(1, 40_000), target=st.integers(1, 60), wfi=st.booleans(),
       limit=st.one_of(st.none(), st.integers(10**6, 3 * 10**8)),
       cycles=st.one_of(st.none(), st.integers(1_000, 400_000)))
def test_irq_bench_same_with_any_quantum_and_limits(quantum: int, target: int, wfi: bool,
                                                    limit: int | None,
                                                    cycles: int | None) -> None:
    """Rounds, limits and WFI sleeps in C end exactly where the machine's loop ends them."""
    kw: dict[str, Any] = {"quantum": quantum, "max_time_ps": limit, "max_cycles": cycles,
                          "patch": {"irq_target": target, "irq_wfi": int(wfi)}}
    want = run("irq_bench", "native", "python", **kw)
    assert run("irq_bench", "native", "native", **kw) == want


def test_fabric_takes_interrupts_without_returning_to_python() -> None:
    """The point of the fabric: a periodic timer IRQ costs no return to the machine."""
    m = build_board("imx6q", engine="native")
    image = m.load_elf(str(firmware("armv7", "irq_bench.elf")))
    m.mem_write(image.symbols["irq_target"], (2000).to_bytes(4, "little"))
    r, calls = run_counting_fabric_calls(m)
    assert r.stop_reason == "exit" and r.interrupts[0] == {"IRQ": 2000}
    assert calls < 2000 // 50  # the instruction bound and the UART, not each interrupt


def run_counting_fabric_calls(m: Any) -> tuple[Any, int]:
    """Run ``m``; also how many times the machine called into the C round loop."""
    calls = 0
    run_fabric = m._run_fabric

    def counted(*a: Any) -> int:
        nonlocal calls
        calls += 1
        return run_fabric(*a)

    m._run_fabric = counted
    return m.run(), calls


def test_python_fabric_needs_nothing_native() -> None:
    m = build_board("imx6q", engine="native", fabric="python")
    assert m.fabric is None and type(m.devices["twd"]).__module__ == "irqemu.devices.a9mpcore"
    with pytest.raises(ValueError, match="native fabric needs the native engine"):
        build_board("imx6q", engine="reference", fabric="native")


#: simulated time per x86 firmware (nmi_watchdog spins until its NMIs, which need the PMC)
X86_TIME = {"nmi_watchdog": 10**9}


@pytest.mark.parametrize("elf", [p.stem for p in sorted(FIRMWARE.glob("x86_64/*.elf"))
                                 if p.stem != "kernel"])  # kernel.elf needs the kernel model
def test_x86_firmware_same_three_ways(elf: str) -> None:
    """The native LAPICs and the x86 INTR entry in C change nothing."""
    kw: dict[str, Any] = {"max_time_ps": X86_TIME.get(elf, 30 * 10**9), "arch": "x86_64"}
    want = run(elf, "native", "python", **kw)
    assert run(elf, "native", "native", **kw) == want
    assert run(elf, "reference", "python", **kw) == want


def test_x86_nmis_from_the_pmc_same_three_ways() -> None:
    """NMIs (the machine's entry, their blocking until iretq) between INTRs taken in C."""
    def pmc(m: Any) -> None:
        PmcOverflow(m, period_ps=10**9, count=8)  # as scenarios.nmi runs it

    kw: dict[str, Any] = {"max_time_ps": 50 * 10**9, "arch": "x86_64", "cpus": 1,
                          "setup": pmc}
    want = run("nmi_watchdog", "native", "python", **kw)
    assert want["interrupts"][0] and want["stop"] == ("exit", 0, "")
    assert run("nmi_watchdog", "native", "native", **kw) == want
    assert run("nmi_watchdog", "reference", "python", **kw) == want


@settings(max_examples=15, deadline=None)
@given(quantum=st.integers(1, 40_000), elf=st.sampled_from(["masking", "timer", "hwlat"]),
       limit=st.one_of(st.none(), st.integers(10**6, 3 * 10**8)),
       cycles=st.one_of(st.none(), st.integers(1_000, 400_000)))
def test_x86_same_with_any_quantum_and_limits(quantum: int, elf: str, limit: int | None,
                                              cycles: int | None) -> None:
    kw: dict[str, Any] = {"quantum": quantum, "max_time_ps": limit, "max_cycles": cycles,
                          "arch": "x86_64"}
    want = run(elf, "native", "python", **kw)
    assert run(elf, "native", "native", **kw) == want


def test_x86_fabric_takes_interrupts_without_returning_to_python() -> None:
    """masking.elf's 200 LAPIC-timer INTRs are taken, acknowledged and ended in C."""
    m = build_board("pc", engine="native", num_cpus=1)
    m.load_elf(str(firmware("x86_64", "masking.elf")))
    r, calls = run_counting_fabric_calls(m)
    assert r.stop_reason == "exit" and r.interrupts[0] == {"INTR": 200}
    assert calls < 200 // 20  # the console and the exit, not each interrupt
    assert type(m.irq_controller).__module__ == "irqemu._core.lapic"
