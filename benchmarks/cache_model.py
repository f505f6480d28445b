#!/usr/bin/env python3
"""Host cost of the memory hierarchy model (``--cache-model``): the same guest work with
the model off and on, in one process.

Two workloads, each run with the model off and on in interleaved rounds (best host
time of the repeats kept; the first repeat also translates and costs the blocks):

  loop       ``firmware/armv7/bench_loop.elf``'s ``bench_loop`` (14 instructions per
             iteration in one block: 2 loads, 3 stores) on the native engine of an
             imx6q ``Machine``, ``core.run`` to the host-call page: every load and store
             goes through the model's C memory hook, every block through its fetch hook
  atomics    ``bench atomics``' contended run on 4 armv7 cores (ldrex/strex
             ``atomic_add``, rounds of 1..100 cycles from seed 1): many short blocks,
             a line bouncing between the L1Ds

The ratio off/on is what matters (host figures vary run to run); the modelled
figures (penalty cycles, transfers) are deterministic and printed beside them.

    python benchmarks/cache_model.py [--quick] [--json] [--write-md]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from benchcommon import host_info, report, write_md  # noqa: E402
from unicorn import arm_const as A

from irqemu._core import StopReason
from irqemu.bench.atomics import contended
from irqemu.boards import build_board
from irqemu.machine.cachemodel import CacheModelOption, attach_cache
from irqemu.timing.hierarchy import load_hierarchy

REPO = Path(__file__).resolve().parents[1]
ELF = REPO / "firmware/armv7/bench_loop.elf"
SECTION = "cache_model"
STOP_ADDR = 0xFFFE0010  #: where bench_loop returns to (the imx6q host-call page)


def loop_machine(cache: bool):
    m = build_board("imx6q", engine="native")
    if cache:
        attach_cache(m, load_hierarchy("cortex-a9"))
    image = m.load_elf(str(ELF))
    m.cpus[0].core.insn_budget = 0  # one run for the whole loop
    return m, image


def run_loop(m, image, iters: int) -> tuple[float, int, int]:
    """Host seconds, guest instructions and modelled cycles of one ``bench_loop`` run."""
    core = m.cpus[0].core
    sym = image.symbols
    m.arch.reset(core, sym["bench_loop"])
    core.reg_write(A.UC_ARM_REG_SP, sym["__stack_svc_top"])
    core.reg_write(A.UC_ARM_REG_R0, iters)
    core.reg_write(A.UC_ARM_REG_R1, sym["bench_buf"])
    core.reg_write(A.UC_ARM_REG_LR, STOP_ADDR)
    n0, c0 = core.instructions, core.cycles
    t0 = time.perf_counter()
    reason = core.run(core.cycles + (1 << 60))
    dt = time.perf_counter() - t0
    if reason != StopReason.HOSTCALL:
        raise RuntimeError(f"bench_loop stopped with {StopReason(reason).name}")
    return dt, core.instructions - n0, core.cycles - c0


def measure_loop(iters: int, repeats: int) -> dict:
    machines = {"off": loop_machine(False), "on": loop_machine(True)}
    best = {k: float("inf") for k in machines}
    figures: dict[str, tuple[int, int]] = {}
    cold: dict[str, int] = {}
    for _ in range(repeats):
        for k, (m, image) in machines.items():
            dt, insns, cycles = run_loop(m, image, iters)
            best[k] = min(best[k], dt)
            figures[k] = (insns, cycles)
            cold.setdefault(k, cycles)
    if figures["off"][0] != figures["on"][0]:
        raise RuntimeError("the model changed the instructions bench_loop ran")
    m_on = machines["on"][0]
    stats = m_on.cache.stats()[0]
    return {"workload": "loop", "instructions": figures["on"][0],
            "host_s_off": best["off"], "host_s_on": best["on"],
            "mips_off": figures["off"][0] / best["off"] / 1e6,
            "mips_on": figures["on"][0] / best["on"] / 1e6,
            "ratio": best["on"] / best["off"],
            "cycles_off": figures["off"][1], "cycles_on": figures["on"][1],
            "cold_cycles_off": cold["off"], "cold_cycles_on": cold["on"],
            "accesses": (stats["reads"] + stats["writes"] + stats["fetches"]) // repeats,
            "penalty_cycles": stats["penalty_cycles"]}


def measure_atomics(iters: int, repeats: int) -> dict:
    best = {"off": float("inf"), "on": float("inf")}
    rows: dict[str, dict] = {}
    for _ in range(repeats):
        for k in ("off", "on"):
            t0 = time.perf_counter()
            if k == "on":
                with CacheModelOption():
                    out = contended("armv7", 4, iters)
            else:
                out = contended("armv7", 4, iters)
            best[k] = min(best[k], time.perf_counter() - t0)
            rows[k] = next(r for r in out if r["symbol"] == "atomic_add_ldrex")
    return {"workload": "atomics", "host_s_off": best["off"], "host_s_on": best["on"],
            "ratio": best["on"] / best["off"],
            "cycles_per_op_off": rows["off"]["cycles_per_op"],
            "cycles_per_op_on": rows["on"]["cycles_per_op"],
            "transfers": rows["on"]["cache_transfers"],
            "penalty_cycles": rows["on"]["cache_penalty_cycles"]}


INTRO = ("Off by default. `--cache-model [CORE|FILE]` charges, per access and in C, each "
         "CPU's L1I/L1D and TLBs, the L2 (and Skylake's L3), DRAM and line transfers "
         "between the L1Ds (`timing/hierarchy/<core>.toml`, every figure cited or marked "
         "an estimate; docs/cache.md), each cache level replacing as its file says (the "
         "armv7 rows: the Cortex-A9's random L1s, the PL310's round-robin). Figures are "
         "identical on both engines; without the "
         "option every figure in this file is unchanged. Host cost, same process, model "
         "off and on:")


def table(res: dict) -> str:
    loop, at = res["loop"], res["atomics"]
    return "\n".join([
        "| workload | host s, model off | host s, model on | on / off | modelled figures |",
        "|---|---:|---:|---:|---|",
        f"| `bench_loop` x {res['loop_iters']:,} (armv7, native engine; "
        f"{loop['accesses']:,} accesses) | {loop['host_s_off']:.4f} | {loop['host_s_on']:.4f} "
        f"| {loop['ratio']:.2f} | {loop['mips_off']:.1f} -> {loop['mips_on']:.1f} guest MIPS; "
        f"cold run {loop['cold_cycles_off']:,} -> {loop['cold_cycles_on']:,} cycles "
        f"({loop['penalty_cycles']:,} of misses, all in it), warm runs "
        f"{loop['cycles_off']:,} -> {loop['cycles_on']:,} |",
        f"| `bench atomics` contended, 4 armv7 cores x {res['atomics_iters']:,} "
        f"(all 5 variants) | {at['host_s_off']:.3f} | {at['host_s_on']:.3f} | "
        f"{at['ratio']:.2f} | ldrex/strex atomic_add: {at['cycles_per_op_off']:.2f} -> "
        f"{at['cycles_per_op_on']:.2f} cycles/op, {at['transfers']:,} line transfers, "
        f"{at['penalty_cycles']:,} miss cycles |",
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--write-md", action="store_true")
    args = ap.parse_args()
    loop_iters, at_iters, repeats = (20_000, 100, 2) if args.quick else (500_000, 1000, 3)
    res = {"loop_iters": loop_iters, "atomics_iters": at_iters, "repeats": repeats,
           "loop": measure_loop(loop_iters, repeats),
           "atomics": measure_atomics(at_iters, repeats), "host": host_info()}
    text = table(res) + (
        f"\n\nBest of {repeats} interleaved repeats. The model's C hooks make Unicorn "
        "take its slow path for every load and store and call the model per access "
        "and per block; no Python runs per access. Off, no hook is installed.")
    report(res, text, "", SECTION, as_json=args.json, write=False)
    if args.write_md:  # this section only (BENCHMARKS.md's "Memory hierarchy model")
        h = res["host"]
        write_md(SECTION, f"## Memory hierarchy model (`--cache-model`, "
                 f"`benchmarks/cache_model.py`)\n\n{INTRO}\n\n{text}\n\nHost: "
                 f"{h['cpu']}, {h['cores']} cores, Python {h['python']}, unicorn "
                 f"{h['unicorn']}; load average {h['load_average']}.")


if __name__ == "__main__":
    main()
