#!/usr/bin/env python3
"""Fuzzing: examples per host second of an ``irqemu fuzz run`` campaign.

The campaign is the documented one (docs/fuzzing.md): ``firmware/armv7/lost_update.elf``
with its two IrqSources driven by hypothesis and ``--check 'counter == task_done +
handled'``. Two searches, timed in this process:

* **passing**: the irqsave variant (``--set variant=1``), which survives every schedule,
  so the search runs all ``--examples`` examples: the steady rate of a campaign;
* **failing**: the plain variant, found and shrunk (the search stops at the minimal
  schedule): how many runs and how long finding a bug takes.

Baseline, in the same process: the same number of undisturbed runs of the firmware
(``run_schedule`` with an empty schedule: a fresh machine, the sources wired, the check
read), so the ratio says what hypothesis and the schedules cost over the runs themselves.

    python benchmarks/fuzz_rate.py [--quick] [--json] [--write-md] [--examples N] [--seed S]
"""

from __future__ import annotations

import argparse
import time

from benchcommon import host_info, report

from irqemu.bundled import bundled_firmware
from irqemu.fuzz import run as fr
from irqemu.fuzz.schedule import parse_irq, parse_source

SOURCES = ("src0@0x021A0000:68", "src1@0x021A4000:69")
CHECK = "counter == task_done + handled"


def _prepared(variant: int) -> fr.Prepared:
    fw = str(bundled_firmware("armv7", "lost_update.elf"))
    return fr.prepare(fr.Target(fw, irqs=(parse_irq("src0"), parse_irq("src1")),
                                sources=tuple(parse_source(s) for s in SOURCES),
                                check=CHECK, sets=(("variant", variant),)))


def _timed(fn):  # type: ignore[no-untyped-def]
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def measure(examples: int, seed: int) -> dict:
    safe, plain = _prepared(1), _prepared(0)
    fr.run_schedule(safe, [])  # warm: the native modules and the first block costs
    passing, pw, pc = _timed(lambda: fr.search(safe, examples=examples, seed=seed))
    _, bw, bc = _timed(lambda: [fr.run_schedule(safe, []) for _ in range(passing.runs)])
    failing, fw, fc = _timed(lambda: fr.search(plain, examples=examples, seed=seed))
    return {
        "examples": examples, "seed": seed,
        "passing": {"runs": passing.runs, "found": passing.found, "wall_s": pw, "cpu_s": pc,
                    "examples_per_s": passing.runs / pc},
        "baseline": {"runs": passing.runs, "wall_s": bw, "cpu_s": bc,
                     "runs_per_s": passing.runs / bc},
        "failing": {"runs": failing.runs, "found": failing.found,
                    "minimal_arrivals": len(failing.minimal or []), "wall_s": fw, "cpu_s": fc},
        "campaign_over_baseline": (pc / passing.runs) / (bc / passing.runs),
    }


def table(r: dict) -> str:
    p, b, f = r["passing"], r["baseline"], r["failing"]
    return "\n".join([
        "`firmware/armv7/lost_update.elf`, its two IrqSources drawn by hypothesis, "
        f"`--check '{CHECK}'`, seed {r['seed']}, up to {r['examples']} examples; "
        "host CPU seconds (wall in brackets), in one process.", "",
        "| run | runs | host CPU s (wall) | **per host CPU second** | note |",
        "|---|---:|---:|---:|---|",
        f"| undisturbed runs (baseline) | {b['runs']} | {b['cpu_s']:.2f} ({b['wall_s']:.2f}) | "
        f"{b['runs_per_s']:.1f} runs | a fresh machine per run, the check read |",
        f"| passing campaign (irqsave variant) | {p['runs']} | {p['cpu_s']:.2f} "
        f"({p['wall_s']:.2f}) | **{p['examples_per_s']:.1f} examples** | "
        f"{r['campaign_over_baseline']:.2f}x the baseline's time per run |",
        f"| failing campaign (plain variant) | {f['runs']} | {f['cpu_s']:.2f} "
        f"({f['wall_s']:.2f}) | | " + (f"found and shrunk to {f['minimal_arrivals']} arrival(s)"
                                      if f["found"] else "not found in these examples") + " |",
    ])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10 examples")
    ap.add_argument("--examples", type=int, default=100, help="examples per search (1..10000)")
    ap.add_argument("--seed", type=int, default=1, help="the search's seed (0..2**32-1)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--write-md", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()
    if not 1 <= args.examples <= 10_000:
        ap.error(f"--examples {args.examples}: 1..10000")
    if not 0 <= args.seed < 2**32:
        ap.error(f"--seed {args.seed}: 0..2**32-1")
    res = measure(10 if args.quick else args.examples, args.seed)
    res["host"] = host_info()
    report(res, table(res), "Fuzzing rate (`benchmarks/fuzz_rate.py`)", "fuzz_rate",
           as_json=args.json, write=args.write_md and not args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
