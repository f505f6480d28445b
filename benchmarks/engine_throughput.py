#!/usr/bin/env python3
"""Guest MIPS of the same ARM loop: raw Unicorn vs the native engine vs the reference engine.

The guest loops come from ``firmware/armv7/bench_loop.elf``: ``bench_loop``,
14 instructions per iteration in one translation block (2 loads, 3 stores, 7
ALU, subs, bne; 14*N + 6 in all), and ``bench_short``, 12 per iteration in
three 4-instruction blocks (12*N + 6), where per-block costs weigh more.
Each loop runs three ways, in one process:

  raw        ``unicorn.Uc`` with no hooks, ``emu_start(bench_loop, until=LR)``
  native     the Cython ``Core`` of an imx6q ``Machine`` (block hook, cycle
             accounting, interrupt/host-call/deadline checks, capstone costing
             on first sight of a block), ``core.run(huge deadline)``; the loop's
             ``bx lr`` lands in the host-call page, which stops it
  reference  the same through the pure-Python ``Core``

Each is repeated in interleaved rounds and the best (minimum) host time kept; the first repeat also
translates and costs the blocks. Instructions are the guest's own: the known
loop count for raw, the engine's ``instructions`` counter for the engines
(checked against the known count). Ratios are what matter; MIPS are "host"
figures of this machine.

    python benchmarks/engine_throughput.py [--quick] [--json] [--write-md]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import unicorn
from benchcommon import host_info, report  # noqa: E402
from unicorn import arm_const as A

from irqemu._core import StopReason
from irqemu.boards import build_board
from irqemu.machine.elf import read_elf

REPO = Path(__file__).resolve().parents[1]
FIRMWARE = REPO / "firmware/armv7"
ELF = FIRMWARE / "bench_loop.elf"
BENCHMARKS_MD = REPO / "BENCHMARKS.md"
SECTION = "engine_throughput"

#: loop name -> (symbol, instructions per iteration, blocks per iteration, description)
LOOPS = {
    "long": ("bench_loop", 14, 1, "14 insns/iteration in 1 block (2 ldr, 3 str, 7 alu, subs, bne)"),
    "short": ("bench_short", 12, 3, "12 insns/iteration in 3 blocks of 4 (1 ldr, 3 str, "
              "4 alu, subs, 3 branches)"),
}
EDGE_INSNS = 6  #: push, mov, mov before; mov, pop, bx lr after
STOP_ADDR = 0xFFFE0010  #: where bench_loop returns to (the imx6q host-call page)
CPSR_SVC_MASKED = 0x1D3

TARGET_NATIVE_VS_RAW = 0.75
TARGET_NATIVE_VS_REF = 10.0


def guest_insns(loop: str, iters: int) -> int:
    return LOOPS[loop][1] * iters + EDGE_INSNS


# -- (a) raw Unicorn -------------------------------------------------------------
def raw_uc(image):
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
    uc.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A9)
    uc.mem_map(0x10000000, 2 << 20)
    uc.mem_map(STOP_ADDR & ~0xFFF, 0x1000)
    uc.mem_write(STOP_ADDR & ~0xFFF, b"\xfe\xff\xff\xea" * 0x400)  # b .
    for seg in image.segments:
        uc.mem_write(seg.address, seg.data + bytes(seg.memsz - len(seg.data)))
    return uc


def run_raw(uc, image, loop: str, iters: int) -> tuple[float, int]:
    sym = image.symbols
    uc.reg_write(A.UC_ARM_REG_CPSR, CPSR_SVC_MASKED)
    uc.reg_write(A.UC_ARM_REG_SP, sym["__stack_svc_top"])
    uc.reg_write(A.UC_ARM_REG_R0, iters)
    uc.reg_write(A.UC_ARM_REG_R1, sym["bench_buf"])
    uc.reg_write(A.UC_ARM_REG_LR, STOP_ADDR)
    t0 = time.perf_counter()
    uc.emu_start(sym[LOOPS[loop][0]], STOP_ADDR)
    dt = time.perf_counter() - t0
    pc = uc.reg_read(A.UC_ARM_REG_PC)
    if pc != STOP_ADDR:
        raise RuntimeError(f"raw Unicorn stopped at {pc:#x}, not {STOP_ADDR:#x}")
    return dt, guest_insns(loop, iters)


# -- (b)/(c) the engines through an imx6q Machine --------------------------------
def engine_machine(engine: str):
    m = build_board("imx6q", engine=engine, num_cpus=1)
    image = m.load_elf(str(ELF))
    return m, image


def run_engine(m, image, loop: str, iters: int) -> tuple[float, int]:
    core = m.cpus[0].core
    sym = image.symbols
    m.arch.reset(core, sym[LOOPS[loop][0]])
    core.reg_write(A.UC_ARM_REG_SP, sym["__stack_svc_top"])
    core.reg_write(A.UC_ARM_REG_R0, iters)
    core.reg_write(A.UC_ARM_REG_R1, sym["bench_buf"])
    core.reg_write(A.UC_ARM_REG_LR, STOP_ADDR)
    n0 = core.instructions
    t0 = time.perf_counter()
    reason = core.run(core.cycles + (1 << 60))
    dt = time.perf_counter() - t0
    if reason != StopReason.HOSTCALL or core.reg_read(A.UC_ARM_REG_PC) != STOP_ADDR:
        raise RuntimeError(f"{m.engine} engine stopped with {StopReason(reason).name} at "
                           f"{core.reg_read(A.UC_ARM_REG_PC):#x}")
    n = core.instructions - n0
    if n != guest_insns(loop, iters):
        raise RuntimeError(f"{m.engine} engine counted {n} instructions, "
                           f"expected {guest_insns(loop, iters)}")
    return dt, n


def measure_loop(loop: str, iters_fast: int, iters_ref: int, repeats: int) -> dict:
    image = read_elf(ELF)
    uc = raw_uc(image)
    m_nat, img_nat = engine_machine("native")
    m_ref, img_ref = engine_machine("reference")
    runs = {
        "raw": (iters_fast, lambda: run_raw(uc, image, loop, iters_fast)),
        "native": (iters_fast, lambda: run_engine(m_nat, img_nat, loop, iters_fast)),
        "reference": (iters_ref, lambda: run_engine(m_ref, img_ref, loop, iters_ref)),
    }
    # Interleaved rounds, so that a slow spell of the host hits every engine alike.
    times: dict[str, list[float]] = {k: [] for k in runs}
    counts: dict[str, int] = {}
    for _ in range(repeats):
        for key, (_, fn) in runs.items():
            t, counts[key] = fn()
            times[key].append(t)
    rows = {key: {"iterations": it, "instructions": counts[key], "host_seconds": min(times[key]),
                  "all_host_seconds": times[key]}
            for key, (it, _) in runs.items()}
    for r in rows.values():
        r["host_mips"] = r["instructions"] / r["host_seconds"] / 1e6
    b_a = rows["native"]["host_mips"] / rows["raw"]["host_mips"]
    b_c = rows["native"]["host_mips"] / rows["reference"]["host_mips"]
    blocks = LOOPS[loop][2]
    return {
        "guest": LOOPS[loop][3],
        "rows": rows,
        "native_vs_raw": b_a,
        "native_vs_reference": b_c,
        "met": {"native_vs_raw": b_a >= TARGET_NATIVE_VS_RAW,
                "native_vs_reference": b_c >= TARGET_NATIVE_VS_REF},
        # host ns per guest block: what the engine adds on top of raw Unicorn
        "native_extra_ns_per_block": 1e9 * (rows["native"]["host_seconds"]
                                            - rows["raw"]["host_seconds"])
        / (iters_fast * blocks),
        "reference_ns_per_block": 1e9 * rows["reference"]["host_seconds"] / (iters_ref * blocks),
        # simulated, deterministic
        "modelled_cycles_per_iteration": _cycles_per_iter(m_nat, img_nat, loop),
    }


def measure(loops: list[str], iters_fast: int, iters_ref: int, repeats: int) -> dict:
    return {
        "repeats": repeats,
        "targets": {"native_vs_raw": TARGET_NATIVE_VS_RAW,
                    "native_vs_reference": TARGET_NATIVE_VS_REF},
        "loops": {loop: measure_loop(loop, iters_fast, iters_ref, repeats) for loop in loops},
    }


def _cycles_per_iter(m, image, loop: str) -> float:
    """Modelled cycles of one iteration (deterministic): difference of two runs."""
    core = m.cpus[0].core
    c0 = core.cycles
    run_engine(m, image, loop, 10)
    c1 = core.cycles
    run_engine(m, image, loop, 20)
    c2 = core.cycles
    return ((c2 - c1) - (c1 - c0)) / 10


# -- output ------------------------------------------------------------------------
def table(res: dict) -> str:
    labels = {"raw": "(a) raw Unicorn, no hooks", "native": "(b) native engine (Core)",
              "reference": "(c) reference engine (Python)"}
    tg = res["targets"]
    lines = [f"Best of {res['repeats']} runs each; MIPS are host figures, ratios are "
             "measured in one process."]
    for loop, r in res["loops"].items():
        nat = r["rows"]["native"]["host_mips"]
        lines += [
            "",
            f"**{loop}** loop (`{LOOPS[loop][0]}`): {r['guest']}",
            "",
            "| engine | iterations | guest instructions | host seconds | host MIPS "
            "| native / this |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for key, row in r["rows"].items():
            lines.append(f"| {labels[key]} | {row['iterations']:,} | {row['instructions']:,} | "
                         f"{row['host_seconds']:.3f} | {row['host_mips']:.1f} | "
                         f"{nat / row['host_mips']:.2f} |")
        lines += [
            "",
            f"- b/a (native / raw Unicorn) = **{r['native_vs_raw']:.2f}** "
            f"(target >= {tg['native_vs_raw']}: "
            f"{'met' if r['met']['native_vs_raw'] else 'NOT met'})",
            f"- b/c (native / reference) = **{r['native_vs_reference']:.1f}** "
            f"(target >= {tg['native_vs_reference']:.0f}: "
            f"{'met' if r['met']['native_vs_reference'] else 'NOT met'})",
            f"- host ns per guest block: native adds {r['native_extra_ns_per_block']:.1f} "
            f"over raw; the reference spends {r['reference_ns_per_block']:.0f}",
            f"- simulated (deterministic): {r['modelled_cycles_per_iteration']:.0f} modelled "
            "cycles per iteration (cortex-a9 cost model)",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (exercises the code path)")
    ap.add_argument("--iterations", type=int, help="loop iterations for raw and native")
    ap.add_argument("--ref-iterations", type=int, help="loop iterations for the reference")
    ap.add_argument("--repeats", type=int, help="runs per engine (best kept)")
    ap.add_argument("--loop", choices=sorted(LOOPS), action="append",
                    help="guest loop(s) to run (default: all)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--write-md", action="store_true",
                    help=f"update this benchmark's section of {BENCHMARKS_MD.name}")
    args = ap.parse_args(argv)
    iters = args.iterations or (20_000 if args.quick else 3_000_000)
    ref_iters = args.ref_iterations or (2_000 if args.quick else 100_000)
    repeats = args.repeats or (2 if args.quick else 5)
    res = measure(args.loop or list(LOOPS), iters, ref_iters, repeats)
    res["quick"] = args.quick
    res["host"] = host_info()
    report(res, table(res), "Engine throughput (`benchmarks/engine_throughput.py`)", SECTION,
           as_json=args.json, write=args.write_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
