#!/usr/bin/env python3
"""Timer interrupts taken and handled by guest code per host second, and where the time goes.

The guest is ``firmware/armv7/irq_bench.elf`` on the imx6q board: the
Cortex-A9 private timer fires every 2000 CPU cycles (modelled), the guest's
IRQ handler reads GICC_IAR, clears the timer's event flag, counts and writes
GICC_EOIR (three MMIO accesses per interrupt), and stops the timer after
``irq_target`` interrupts (patched into the ELF's .data before the run).
Between interrupts main either spins in an ALU loop (``busy``: interrupts
arrive while code runs) or sleeps in ``wfi`` (``wfi``: the machine skips idle
time and wakes the core).

Three ways to run it, in one process:

- ``native`` fabric: the native engine with the native interrupt fabric (the
  GIC, the private timer and the event queue in C; ``Core.run_fabric`` fires
  the timer, takes the IRQ and sleeps in WFI without returning to Python);
- ``python`` fabric: the native engine with the Python device models and the
  machine's Python round loop (the path before the native fabric);
- ``reference``: the pure-Python engine and models (small counts);

and a baseline, **raw Unicorn** with no hooks running the firmware's main loop
(``irq_bench_loop``) with no interrupt at all: its guest instructions per host
second, and so the host time the same number of guest instructions take
uninterrupted, the most any fabric could reach on this host in busy mode.

For each way and mode the script makes

  1. a clean run: interrupts per host second (a host figure), and how many
     times per interrupt control came back to the machine's Python loop;
  2. for the Python paths, a timed run with light manual timers around
     ``Core.run``, ``Window.mmio_read/mmio_write`` (MMIO into the Python device
     models), ``Machine._fire_due`` (events) and ``Machine._take_interrupt``
     (exception entry), giving host microseconds per interrupt for each;
  3. with ``--profile``, a cProfile of the native-fabric busy run.

Simulated figures (guest instructions and modelled cycles per interrupt) are
deterministic.

The x86 case (``--no-x86`` skips it): ``firmware/x86_64/masking.elf`` on the
pc board, patched to keep IF set (``masked_iters`` 0) and to run its LAPIC
timer periodic every 500 APIC-bus ticks (2000 modelled cycles at 4 GHz) until
``irq_target`` interrupts; the handler writes the LAPIC EOI (one MMIO access;
the vector comes from the INTA cycle). The native fabric (native LAPICs, x86
INTR entry in C) against the Python fabric, and raw Unicorn running the same
loop's ``dec/jnz`` uninterrupted.

    python benchmarks/irq_rate.py [--quick] [--json] [--write-md] [--profile] [--no-x86]

Targets (issue 11): >= 500,000 irq per host second busy, >= 250,000 in wfi.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

import unicorn
from benchcommon import host_info, report  # noqa: E402
from unicorn import arm_const as A

from irqemu.boards import build_board
from irqemu.machine.bus import Window
from irqemu.machine.elf import read_elf
from irqemu.machine.machine import Machine

REPO = Path(__file__).resolve().parents[1]
ELF = REPO / "firmware/armv7/irq_bench.elf"
X86_ELF = REPO / "firmware/x86_64/masking.elf"
X86_TIMER_LOAD = 500  #: APIC-bus ticks (1 GHz, divide by 1) between timer interrupts
X86_OPEN_ITERS = 50  #: dec/jnz iterations per window of masking.elf's main loop
X86_DEC_JNZ = bytes.fromhex("ffc975fc")  #: 1: decl %ecx; jnz 1b
BENCHMARKS_MD = REPO / "BENCHMARKS.md"
SECTION = "irq_rate"
TARGET_BUSY, TARGET_WFI = 500_000, 250_000
#: (engine, fabric) of each way to run the same firmware
WAYS = {"native": ("native", "native"), "python": ("native", "python"),
        "reference": ("reference", "python")}
PERIOD_CYCLES = 2000  #: private timer LOAD 999 at PERIPHCLK = CPU clock / 2

BUCKETS = ("engine", "mmio", "events", "exception_entry", "rest")  # of the Python paths
BUCKET_LABELS = {
    "engine": "engine run (`Core.run` less MMIO)",
    "mmio": "MMIO into device models",
    "events": "event queue + device event callbacks (`_fire_due`)",
    "exception_entry": "exception entry (`_take_interrupt` / `take_exception`)",
    "rest": "machine run loop, the rest",
}


# -- timers ------------------------------------------------------------------------
class Timers:
    def __init__(self) -> None:
        self.t = dict.fromkeys(("run", "mmio", "events", "exception_entry"), 0.0)
        self.n = dict.fromkeys(self.t, 0)


def _timed_core_class(base: type, timers: Timers) -> type:
    pc = time.perf_counter
    t, n = timers.t, timers.n

    class TimedCore(base):  # type: ignore[misc, valid-type]
        def run(self, deadline):
            t0 = pc()
            r = base.run(self, deadline)
            t["run"] += pc() - t0
            n["run"] += 1
            return r

    return TimedCore


@contextlib.contextmanager
def instrumented(engine: str, timers: Timers):
    """Cores of machines built inside are timed subclasses; MMIO is timed inside."""
    pc = time.perf_counter
    t, n = timers.t, timers.n
    base = Machine._core_class(engine)
    timed = _timed_core_class(base, timers)
    orig_core_class = Machine.__dict__["_core_class"]
    orig_read, orig_write = Window.mmio_read, Window.mmio_write

    def mmio_read(self, cpu, offset, size):
        t0 = pc()
        try:
            return orig_read(self, cpu, offset, size)
        finally:
            t["mmio"] += pc() - t0
            n["mmio"] += 1

    def mmio_write(self, cpu, offset, size, value):
        t0 = pc()
        try:
            return orig_write(self, cpu, offset, size, value)
        finally:
            t["mmio"] += pc() - t0
            n["mmio"] += 1

    Machine._core_class = staticmethod(lambda _engine: timed)
    Window.mmio_read, Window.mmio_write = mmio_read, mmio_write
    try:
        yield
    finally:
        Machine._core_class = orig_core_class
        Window.mmio_read, Window.mmio_write = orig_read, orig_write


def _time_machine_methods(m: Machine, timers: Timers) -> None:
    pc = time.perf_counter
    t, n = timers.t, timers.n
    fire, take = m._fire_due, m._take_interrupt

    def fire_due():
        t0 = pc()
        fire()
        t["events"] += pc() - t0
        n["events"] += 1

    def take_interrupt(slot):
        t0 = pc()
        take(slot)
        t["exception_entry"] += pc() - t0
        n["exception_entry"] += 1

    m._fire_due = fire_due  # type: ignore[method-assign]
    m._take_interrupt = take_interrupt  # type: ignore[method-assign]


# -- one run -----------------------------------------------------------------------
def boot(way: str, target: int, wfi: bool, cpus: int = 4) -> Machine:
    engine, fabric = WAYS[way]
    m = build_board("imx6q", engine=engine, fabric=fabric, num_cpus=cpus)
    image = m.load_elf(str(ELF))
    m.mem_write(image.symbols["irq_target"], target.to_bytes(4, "little"))
    m.mem_write(image.symbols["irq_wfi"], int(wfi).to_bytes(4, "little"))
    return m


def check(m: Machine, result, target: int) -> None:
    want = f"irq_bench: {target} timer interrupts, unexpected 0\n"
    got = m.console.decode(errors="replace")
    if result.stop_reason != "exit" or result.exit_code != 0 or not got.endswith(want):
        raise RuntimeError(f"irq_bench did not finish as expected: {result.stop_reason} "
                           f"{result.exit_code} {got[-120:]!r}")
    if result.interrupts[0].get("IRQ") != target:
        raise RuntimeError(f"took {result.interrupts[0]} interrupts, expected {target} IRQs")


def _count_returns(m: Machine) -> list[int]:
    """Count the machine's Python steps of core 0: ``Core.run`` and ``run_fabric`` calls."""
    calls = [0]
    core_run = m._run_bounded
    fabric_run = m._run_fabric

    def run_bounded(*a):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return core_run(*a)

    def run_fabric(*a):  # type: ignore[no-untyped-def]
        calls[0] += 1
        return fabric_run(*a)

    m._run_bounded = run_bounded  # type: ignore[method-assign]
    m._run_fabric = run_fabric  # type: ignore[method-assign]
    return calls


def clean_run(way: str, target: int, wfi: bool, cpus: int = 4, repeat: int = 3) -> dict:
    """Best (least host time) of ``repeat`` identical runs: this host's speed varies."""
    best = None
    for _ in range(repeat):
        m = boot(way, target, wfi, cpus)
        r = m.run()
        check(m, r, target)
        if best is None or r.host_seconds < best.host_seconds:
            best = r
    m = boot(way, target, wfi, cpus)
    calls = _count_returns(m)
    m.run()
    r = best
    return {
        "returns_to_python_per_irq": calls[0] / target,
        "host_seconds": r.host_seconds,
        "irq_per_host_second": target / r.host_seconds,
        "host_us_per_irq": 1e6 * r.host_seconds / target,
        # simulated, deterministic
        "guest_instructions_per_irq": sum(r.instructions) / target,
        "modelled_cycles_per_irq": (r.cycles[0] + r.idle_cycles[0]) / target,
        "busy_cycles_per_irq": r.cycles[0] / target,
    }


def _without_splitter(m: Machine) -> list[int]:
    """Drop every core's splitter (delivery at block boundaries, as before issue 13)."""
    for slot in m.cpus:
        slot.core.splitter = None
    return [0]


def _count_splits(m: Machine) -> list[int]:
    """Count the blocks the engines split (a deadline inside them) in ``[0]``."""
    splits = [0]
    for slot in m.cpus:
        inner = slot.core.splitter.stop_address

        def counted(address, size, budget, inner=inner, splits=splits):  # type: ignore[no-untyped-def]
            stop = inner(address, size, budget)
            splits[0] += bool(stop)
            return stop

        slot.core.splitter.stop_address = counted
    return splits


def precise_vs_block(make, checker, target: int, repeat: int = 3) -> dict:  # type: ignore[no-untyped-def]
    """Host cost of instruction-precise delivery: ``make()``'s run as is against the same
    run with every core's splitter dropped (interrupts and slice ends at the next block
    boundary, as before issue 13 item 0); best of ``repeat`` each, alternated, in this
    process. ``checker(m, result)`` raises if a run went wrong."""
    best: dict[bool, tuple] = {}
    for _ in range(repeat):
        for precise in (True, False):
            m = make()
            splits = _count_splits(m) if precise else _without_splitter(m)
            r = m.run()
            checker(m, r)
            if precise not in best or r.host_seconds < best[precise][0].host_seconds:
                best[precise] = (r, splits[0])
    (p, splits), (b, _) = best[True], best[False]
    return {"precise_irq_per_host_second": target / p.host_seconds,
            "block_irq_per_host_second": target / b.host_seconds,
            "precise_over_block_host_time": p.host_seconds / b.host_seconds,
            "split_blocks_per_irq": splits / target,
            "precise_busy_cycles_per_irq": p.cycles[0] / target,
            "block_busy_cycles_per_irq": b.cycles[0] / target}


def timed_run(way: str, target: int, wfi: bool, cpus: int = 4) -> dict:
    timers = Timers()
    with instrumented(WAYS[way][0], timers):
        m = boot(way, target, wfi, cpus)
        _time_machine_methods(m, timers)
        r = m.run()
    check(m, r, target)
    t = timers.t
    us = {
        "engine": t["run"] - t["mmio"],
        "mmio": t["mmio"],
        "events": t["events"],
        "exception_entry": t["exception_entry"],
    }
    us["rest"] = r.host_seconds - t["run"] - t["events"] - t["exception_entry"]
    per = {k: 1e6 * v / target for k, v in us.items()}
    return {
        "host_seconds": r.host_seconds,
        "us_per_irq": per,
        "us_per_irq_total": 1e6 * r.host_seconds / target,
        "calls_per_irq": {
            "core_run": timers.n["run"] / target,
            "mmio_accesses": timers.n["mmio"] / target,
            "fire_due": timers.n["events"] / target,
            "take_interrupt": timers.n["exception_entry"] / target,
        },
    }


#: guest instructions per iteration of irq_bench_loop in busy mode (cmp, beq, add, eor, ldr,
#: cmp, blo); the loop counts its iterations in r8
LOOP_INSNS = 7


def raw_unicorn_ips(seconds: float = 0.4, repeat: int = 3) -> float:
    """Guest instructions per host second raw Unicorn (no hooks) runs irq_bench's main loop
    at, never interrupted (best of ``repeat``). Bounded by a host-time timeout, not an
    instruction count: Unicorn's ``count`` adds a check to every instruction."""
    image = read_elf(str(ELF))
    sym = image.symbols
    best = 0.0
    for _ in range(repeat):
        uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
        uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A9)
        uc.mem_map(0x10000000, 2 << 20)
        for seg in image.segments:
            uc.mem_write(seg.address, seg.data + bytes(seg.memsz - len(seg.data)))
        uc.reg_write(A.UC_ARM_REG_R5, sym["ticks"])  # the loop's registers, as main sets them
        uc.reg_write(A.UC_ARM_REG_R7, 0xFFFFFFFF)  # a target never reached
        uc.reg_write(A.UC_ARM_REG_R8, 0)  # the iteration count
        uc.reg_write(A.UC_ARM_REG_R10, 0)  # busy, no wfi
        t0 = time.perf_counter()
        uc.emu_start(sym["irq_bench_loop"], 0, timeout=int(seconds * 1e6))
        dt = time.perf_counter() - t0
        best = max(best, uc.reg_read(A.UC_ARM_REG_R8) * LOOP_INSNS / dt)
    return best


def profile_run(way: str, target: int, wfi: bool, cpus: int = 4,
                top: int = 15) -> list[dict]:
    m = boot(way, target, wfi, cpus)
    prof = cProfile.Profile()
    prof.enable()
    r = m.run()
    prof.disable()
    check(m, r, target)
    st = pstats.Stats(prof, stream=io.StringIO())
    rows = []
    for (file, line, fn), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(file).name}:{line}({fn})" if line else fn
        rows.append({"function": where, "calls_per_irq": nc / target,
                     "tottime_us_per_irq": 1e6 * tt / target,
                     "cumtime_us_per_irq": 1e6 * ct / target})
    rows.sort(key=lambda x: -x["tottime_us_per_irq"])
    return rows[:top]


def measure(targets: dict[str, int], modes: list[str], profile: bool, cpus: int = 4) -> dict:
    out: dict = {"period_cycles": PERIOD_CYCLES, "target_busy": TARGET_BUSY,
                 "target_wfi": TARGET_WFI, "board_cpus": cpus, "runs": {}}
    for way, target in targets.items():
        for mode in modes:
            wfi = mode == "wfi"
            clean_run(way, min(target, 200), wfi, cpus, repeat=1)  # warm imports and caches
            res = {"way": way, "mode": mode, "interrupts": target}
            res.update(clean_run(way, target, wfi, cpus))
            if way != "native":  # the native fabric has no Python per interrupt to time
                res["breakdown"] = timed_run(way, target, wfi, cpus)
            if way != "reference":
                res["insn_precise"] = precise_vs_block(
                    lambda: boot(way, target, wfi, cpus),  # noqa: B023 - called at once
                    lambda m, r: check(m, r, target), target)  # noqa: B023
            out["runs"][f"{way}/{mode}"] = res
    for mode in modes:
        nat = out["runs"].get(f"native/{mode}")
        if nat is None:
            continue
        ips = raw_unicorn_ips(0.1 if nat["interrupts"] < 1000 else 0.4)
        raw = nat["guest_instructions_per_irq"] * nat["interrupts"] / ips
        nat["raw_unicorn_mips"] = ips / 1e6
        nat["raw_unicorn_seconds"] = raw
        nat["raw_unicorn_irq_per_host_second"] = nat["interrupts"] / raw
        nat["native_vs_raw"] = raw / nat["host_seconds"]
        py = out["runs"].get(f"python/{mode}")
        if py is not None:
            nat["native_vs_python_fabric"] = (nat["irq_per_host_second"]
                                              / py["irq_per_host_second"])
        nat["target_met"] = nat["irq_per_host_second"] >= (TARGET_WFI if mode == "wfi"
                                                           else TARGET_BUSY)
    if profile:
        out["profile_native_busy"] = profile_run("native", targets.get("native", 20_000), False,
                                                  cpus)
    return out


# -- x86: the LAPIC timer on the pc board -------------------------------------------
def x86_boot(way: str, target: int, timer_load: int = X86_TIMER_LOAD) -> Machine:
    engine, fabric = WAYS[way]
    m = build_board("pc", engine=engine, fabric=fabric)
    image = m.load_elf(str(X86_ELF))
    for sym, value in (("timer_load", timer_load), ("masked_iters", 0),
                       ("open_iters", X86_OPEN_ITERS), ("irq_target", target)):
        m.mem_write(image.symbols[sym], value.to_bytes(4, "little"))
    return m


def _x86_check(m: Machine, r) -> None:  # type: ignore[no-untyped-def]
    taken = r.interrupts[0].get("INTR", 0)
    if r.stop_reason != "exit" or r.exit_code != 0 or not taken:
        raise RuntimeError(f"masking.elf: {r.stop_reason} {r.exit_code}, {taken} INTRs")


def x86_run(way: str, target: int, repeat: int = 3) -> dict:
    """Best of ``repeat`` runs of masking.elf taking ``target`` (or a few more) INTRs."""
    best = None
    for _ in range(repeat):
        m = x86_boot(way, target)
        r = m.run()
        taken = r.interrupts[0].get("INTR", 0)
        if r.stop_reason != "exit" or r.exit_code != 0 or taken < target:
            raise RuntimeError(f"masking.elf: {r.stop_reason} {r.exit_code}, {taken} INTRs")
        if best is None or r.host_seconds < best[0].host_seconds:
            best = (r, taken)
    m = x86_boot(way, target)
    calls = _count_returns(m)
    m.run()
    r, taken = best  # type: ignore[misc]
    return {"way": way, "interrupts": taken, "host_seconds": r.host_seconds,
            "irq_per_host_second": taken / r.host_seconds,
            "host_us_per_irq": 1e6 * r.host_seconds / taken,
            "returns_to_python_per_irq": calls[0] / taken,
            "guest_instructions_per_irq": r.instructions[0] / taken,
            "busy_cycles_per_irq": r.cycles[0] / taken}


def x86_raw_unicorn_ips(count: int = 20_000_000, repeat: int = 3) -> float:
    """Guest instructions per host second raw Unicorn (no hooks) runs masking.elf's
    ``dec/jnz`` loop at, ``count`` iterations, never interrupted (best of ``repeat``)."""
    from unicorn import x86_const as X

    image = read_elf(str(X86_ELF))
    best = 0.0
    for _ in range(repeat):
        uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
        uc.mem_map(0, 16 << 20)
        for seg in image.segments:
            uc.mem_write(seg.address, seg.data + bytes(seg.memsz - len(seg.data)))
        start = image.symbols["main"]
        code = bytes(uc.mem_read(start, 0x200))
        loop = start + code.index(X86_DEC_JNZ)
        uc.reg_write(X.UC_X86_REG_RCX, count)
        t0 = time.perf_counter()
        uc.emu_start(loop, loop + len(X86_DEC_JNZ))
        dt = time.perf_counter() - t0
        best = max(best, 2 * count / dt)
    return best


def x86_engine_ips(sim_ps: int, repeat: int = 3) -> float:
    """Guest instructions per host second the native engine runs the same main loop at
    with the timer never firing (its own ceiling for this guest; best of ``repeat``)."""
    best = 0.0
    for _ in range(repeat):
        m = x86_boot("native", 1 << 31, timer_load=0xFFFFFFFF)
        r = m.run(max_time_ps=sim_ps)
        best = max(best, r.instructions[0] / r.host_seconds)
    return best


def x86_measure(targets: dict[str, int]) -> dict:
    out: dict = {"timer_load": X86_TIMER_LOAD, "open_iters": X86_OPEN_ITERS, "runs": {}}
    for way, target in targets.items():
        x86_run(way, min(target, 200), repeat=1)  # warm imports and caches
        out["runs"][way] = x86_run(way, target)
    nat = out["runs"].get("native")
    if nat is not None:
        nat["insn_precise"] = precise_vs_block(
            lambda: x86_boot("native", nat["interrupts"]), _x86_check, nat["interrupts"])
        ips = x86_raw_unicorn_ips(2_000_000 if nat["interrupts"] < 1000 else 20_000_000)
        raw = nat["guest_instructions_per_irq"] * nat["interrupts"] / ips
        nat["raw_unicorn_mips"] = ips / 1e6
        nat["raw_unicorn_irq_per_host_second"] = nat["interrupts"] / raw
        nat["native_vs_raw"] = raw / nat["host_seconds"]
        eng = x86_engine_ips(2 * 10**9 if nat["interrupts"] < 1000 else 20 * 10**9)
        nat["engine_no_irq_mips"] = eng / 1e6
        nat["host_us_per_irq_over_loop"] = 1e6 * (
            nat["host_seconds"] - nat["guest_instructions_per_irq"] * nat["interrupts"] / eng
        ) / nat["interrupts"]
        for other in ("python", "reference"):
            if other in out["runs"]:
                nat[f"native_vs_{other}"] = (nat["irq_per_host_second"]
                                             / out["runs"][other]["irq_per_host_second"])
    return out


def x86_table(res: dict) -> str:
    lines = [
        "",
        "### x86: the LAPIC timer on the pc board",
        "",
        f"Guest: `masking.elf` on pc (4 CPUs; CPU0 runs) with IF kept set, the LAPIC timer "
        f"periodic every {res['timer_load']} APIC-bus ticks (2000 modelled cycles); the "
        "handler writes the LAPIC EOI (the vector comes from the INTA cycle). `native`: the "
        "native LAPICs and the x86 INTR entry in C; `python`: the native engine with the "
        "Python LAPIC and the machine's Python entry.",
        "",
        "| fabric | interrupts | host seconds | **irq per host second** | host us / irq "
        "| returns to Python / irq | guest insns / irq | busy cycles / irq |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for way, r in res["runs"].items():
        lines.append(f"| {way} | {r['interrupts']:,} | {r['host_seconds']:.3f} | "
                     f"**{r['irq_per_host_second']:,.0f}** | {r['host_us_per_irq']:.2f} | "
                     f"{r['returns_to_python_per_irq']:.3f} | "
                     f"{r['guest_instructions_per_irq']:.0f} | {r['busy_cycles_per_irq']:.0f} |")
    nat = res["runs"].get("native")
    if nat is not None:
        line = f"\n- x86 native: **{nat['irq_per_host_second']:,.0f}** irq/s"
        for other in ("python", "reference"):
            if f"native_vs_{other}" in nat:
                line += f"; {nat[f'native_vs_{other}']:.1f}x the {other} fabric"
        line += (f"; raw Unicorn runs as many guest instructions of the loop's `dec/jnz` "
                 f"({nat['raw_unicorn_mips']:.0f} MIPS) as "
                 f"{nat['raw_unicorn_irq_per_host_second']:,.0f} interrupts' worth per host "
                 f"second (native = {nat['native_vs_raw']:.2f}x raw); the native engine runs "
                 f"the whole loop (2-instruction blocks) with no interrupt "
                 f"at {nat['engine_no_irq_mips']:.0f} MIPS, so an interrupt costs "
                 f"{nat['host_us_per_irq_over_loop']:.1f} host us over the loop's own time")
        q = nat.get("insn_precise")
        if q is not None:
            line += (f"; instruction-precise delivery takes "
                     f"**{q['precise_over_block_host_time']:.2f}x** the host time of "
                     f"block-boundary delivery ({q['split_blocks_per_irq']:.2f} split blocks "
                     f"per interrupt; {q['precise_irq_per_host_second']:,.0f} against "
                     f"{q['block_irq_per_host_second']:,.0f} irq/s, best of 3 each)")
        lines.append(line)
    return "\n".join(lines)


# -- output ------------------------------------------------------------------------
def table(res: dict) -> str:
    runs = res["runs"]
    lines = [
        f"Guest: `irq_bench.elf` on imx6q ({res['board_cpus']} CPUs; CPU0 runs), private timer "
        f"every {res['period_cycles']} modelled CPU cycles; handler does IAR read, timer ISR "
        "write, EOIR write. `busy`: main spins between interrupts; `wfi`: main sleeps. "
        "`native`: the native fabric; `python`: the native engine with the Python devices "
        "and round loop; `reference`: the pure-Python engine.",
        "",
        "| fabric / mode | interrupts | host seconds | **irq per host second** "
        "| host us / irq | returns to Python / irq | guest insns / irq | busy cycles / irq |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, r in runs.items():
        lines.append(f"| {key} | {r['interrupts']:,} | {r['host_seconds']:.3f} | "
                     f"**{r['irq_per_host_second']:,.0f}** | {r['host_us_per_irq']:.2f} | "
                     f"{r['returns_to_python_per_irq']:.3f} | "
                     f"{r['guest_instructions_per_irq']:.0f} | {r['busy_cycles_per_irq']:.0f} |")
    lines.append("")
    for mode, goal in (("busy", res["target_busy"]), ("wfi", res["target_wfi"])):
        nat = runs.get(f"native/{mode}")
        if nat is None:
            continue
        line = (f"- native/{mode}: **{nat['irq_per_host_second']:,.0f}** irq/s (target >= "
                f"{goal:,}: {'met' if nat['target_met'] else 'NOT met'})")
        if "native_vs_python_fabric" in nat:
            line += f"; {nat['native_vs_python_fabric']:.1f}x the Python fabric"
        line += (f"; raw Unicorn runs the same {nat['guest_instructions_per_irq']:.0f} guest "
                 f"instructions per interrupt, uninterrupted, at "
                 f"{nat['raw_unicorn_irq_per_host_second']:,.0f} per host second "
                 f"(native = {nat['native_vs_raw']:.2f}x raw)")
        lines.append(line)
    precise = {k: r["insn_precise"] for k, r in runs.items() if "insn_precise" in r}
    if precise:
        lines += [
            "",
            "Instruction-precise delivery (an interrupt or slice end due inside a block stops "
            "it at that instruction) against delivery at the next block boundary (the same "
            "run with the engines' splitter dropped), best of 3 each in this process:",
            "",
            "| fabric / mode | precise irq/s | block-boundary irq/s | host time precise / "
            "block | split blocks / irq | busy cycles / irq (precise, block) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for key, q in precise.items():
            lines.append(f"| {key} | {q['precise_irq_per_host_second']:,.0f} | "
                         f"{q['block_irq_per_host_second']:,.0f} | "
                         f"**{q['precise_over_block_host_time']:.2f}x** | "
                         f"{q['split_blocks_per_irq']:.2f} | "
                         f"{q['precise_busy_cycles_per_irq']:.1f}, "
                         f"{q['block_busy_cycles_per_irq']:.1f} |")
    timed = {k: r for k, r in runs.items() if "breakdown" in r}
    if timed:
        lines += [
            "",
            "Where the Python paths spend host microseconds per interrupt (timed run; the "
            "timers add a little):",
            "",
            "| bucket | " + " | ".join(timed) + " |",
            "|---|" + "---:|" * len(timed),
        ]
        for b in BUCKETS:
            lines.append(f"| {BUCKET_LABELS[b]} | "
                         + " | ".join(f"{r['breakdown']['us_per_irq'][b]:.1f}"
                                      for r in timed.values()) + " |")
        lines.append("| **total (timed run)** | "
                     + " | ".join(f"**{r['breakdown']['us_per_irq_total']:.1f}**"
                                  for r in timed.values()) + " |")
    prof = res.get("profile_native_busy")
    if prof:
        lines += [
            "",
            "cProfile of native/busy, top functions by own time (profiler overhead inflates "
            "Python-heavy rows):",
            "",
            "| function | calls / irq | own us / irq | cumulative us / irq |",
            "|---|---:|---:|---:|",
        ]
        for p in prof:
            lines.append(f"| `{p['function']}` | {p['calls_per_irq']:.1f} | "
                         f"{p['tottime_us_per_irq']:.2f} | {p['cumtime_us_per_irq']:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (exercises the code path)")
    ap.add_argument("--interrupts", type=int,
                    help="interrupts for the native fabric (a tenth for the Python fabric)")
    ap.add_argument("--ref-interrupts", type=int, help="interrupts for the reference engine")
    ap.add_argument("--mode", choices=("busy", "wfi"), action="append",
                    help="main loop between interrupts (default: both)")
    ap.add_argument("--cpus", type=int, default=4, help="imx6q CPUs (default 4, as the SoC)")
    ap.add_argument("--no-reference", action="store_true", help="skip the reference engine")
    ap.add_argument("--profile", action="store_true", help="add a cProfile of native/busy")
    ap.add_argument("--no-x86", action="store_true", help="skip the x86 (pc board) case")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--write-md", action="store_true",
                    help=f"update this benchmark's section of {BENCHMARKS_MD.name}")
    args = ap.parse_args(argv)
    n = args.interrupts or (300 if args.quick else 200_000)
    targets = {"native": n, "python": max(100, n // 10)}
    if not args.no_reference:
        targets["reference"] = args.ref_interrupts or (100 if args.quick else 2_000)
    res = measure(targets, args.mode or ["busy", "wfi"], args.profile, args.cpus)
    text = table(res)
    if not args.no_x86:
        x86_targets = {"native": n, "python": max(100, n // 10)}
        if not args.no_reference:
            x86_targets["reference"] = args.ref_interrupts or (100 if args.quick else 2_000)
        res["x86"] = x86_measure(x86_targets)
        text += "\n" + x86_table(res["x86"])
    res["quick"] = args.quick
    res["host"] = host_info()
    report(res, text, "Interrupt rate (`benchmarks/irq_rate.py`)", SECTION, as_json=args.json,
           write=args.write_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
