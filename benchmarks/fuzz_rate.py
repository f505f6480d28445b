#!/usr/bin/env python3
"""Fuzzing: examples per host CPU second of every campaign kind, against plain runs.

One row group per campaign kind (docs/fuzzing.md), each a bundled bug and its fix:

* **uniform** (``fuzz run``): ``lost_update.elf``, two IrqSources, ``--check 'counter ==
  task_done + handled'``; the irqsave variant (``--set variant=1``) against the plain one;
* **masked** (``fuzz run --arrivals masked``): ``fix_early_unmask.elf`` against
  ``bug_early_unmask.elf``, ``--check 'processed == handled'``;
* **interleave** (``fuzz run --interleave search``, quantum 10,000 cycles):
  ``fix_smp_counter.elf`` against ``bug_smp_counter.elf``, ``--exit-code 0``;
* **genirq** (``fuzz genirq``): the bundled drivers ``ring`` (mainline) and ``irqs_off``
  (rt), ``:fixed`` against ``:buggy``.

Per kind: the fixed target's search runs all ``--examples`` examples (the steady rate of
a campaign); the baseline is as many plain runs of the same target in this process (for
``fuzz run`` an empty schedule on a fresh machine with whole rounds, the check read; for
genirq one play of the driver with no arrival), so the ratio says what hypothesis, the
schedules and (masked, interleave) the calibration and finer rounds cost over the runs;
the buggy target's search says how many runs finding and shrinking the bug take.
Times are host CPU seconds (``time.process_time``; wall in brackets): the host is shared.

    python benchmarks/fuzz_rate.py [--quick] [--json] [--write-md] [--examples N] [--seed S]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from benchcommon import host_info, report

from irqemu.bundled import bundled_firmware
from irqemu.fuzz import genirq as gq
from irqemu.fuzz import run as fr
from irqemu.fuzz.genirq_world import Schedule
from irqemu.fuzz.interleave import search_interleaved
from irqemu.fuzz.schedule import parse_irq, parse_source

SRC0, SRC1 = "src0@0x021A0000:68", "src1@0x021A4000:69"
LOST = "counter == task_done + handled"
UNMASK = "processed == handled"


def _fuzz_run(elf: str, sources: tuple[str, ...], *, check: str | None = None,
              exit_code: int | None = None, sets: tuple[tuple[str, int], ...] = (),
              arrivals: str = "uniform") -> Callable[[], fr.Prepared]:
    """A fresh Prepared per call (a search settles ``must_end`` in its target)."""
    def make() -> fr.Prepared:
        srcs = tuple(parse_source(s) for s in sources)
        return fr.prepare(fr.Target(str(bundled_firmware("armv7", elf)),
                                    irqs=tuple(parse_irq(s.name) for s in srcs),
                                    sources=srcs, check=check, exit_code=exit_code,
                                    sets=sets, arrivals=arrivals))
    return make


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


class Kind:
    """One campaign kind: its fixed and buggy targets, its search and its plain run."""

    def __init__(self, name: str, what: str, fixed: Any, buggy: Any, seed: int) -> None:
        self.name, self.what, self.fixed, self.buggy = name, what, fixed, buggy
        self.seed = seed  #: the documented command's (docs/fuzzing.md)

    def search(self, target: Any, examples: int, seed: int) -> Any:
        how = search_interleaved if self.name == "interleave" else fr.search
        return how(target(), examples=examples, seed=seed)

    def plain(self, target: Any, runs: int) -> None:
        p = target()
        for _ in range(runs):
            fr.run_schedule(p, [])

    def minimal(self, r: Any) -> int:
        return len(r.minimal or [])

    def windows(self, r: Any) -> int | None:
        return r.masked if self.name == "masked" else None


class GenirqKind(Kind):
    """``fuzz genirq``: a Campaign per driver; the plain run is one play, no arrival."""

    def search(self, target: Any, examples: int, seed: int) -> Any:
        return gq.search(target, examples=examples, seed=seed)

    def plain(self, target: Any, runs: int) -> None:
        driver, _ = gq.load_driver(target.driver_spec)
        empty = Schedule((0,) * len(driver.lines), ())
        for _ in range(runs):
            gq.play(driver, target, empty)

    def minimal(self, r: Any) -> int:
        return len(r.minimal.arrivals) if r.minimal is not None else 0

    def windows(self, r: Any) -> int | None:
        return None


def kinds() -> list[Kind]:
    ex = "irqemu.fuzz.examples."
    return [
        Kind("uniform", f"`lost_update.elf` `--check '{LOST}'`, `--set variant=1` / `=0`",
             _fuzz_run("lost_update.elf", (SRC0, SRC1), check=LOST, sets=(("variant", 1),)),
             _fuzz_run("lost_update.elf", (SRC0, SRC1), check=LOST, sets=(("variant", 0),)), 1),
        Kind("masked", f"`fix_` / `bug_early_unmask.elf` `--check '{UNMASK}' --arrivals masked`",
             _fuzz_run("fix_early_unmask.elf", (SRC0,), check=UNMASK, arrivals="masked"),
             _fuzz_run("bug_early_unmask.elf", (SRC0,), check=UNMASK, arrivals="masked"), 1),
        Kind("interleave", "`fix_` / `bug_smp_counter.elf` `--exit-code 0 --interleave search`",
             _fuzz_run("fix_smp_counter.elf", (SRC0,), exit_code=0),
             _fuzz_run("bug_smp_counter.elf", (SRC0,), exit_code=0), 1),
        GenirqKind("genirq ring", "`fuzz genirq ring:fixed` / `:buggy` (mainline, 1 CPU)",
                   gq.Campaign(ex + "ring:fixed"), gq.Campaign(ex + "ring:buggy"), 0),
        GenirqKind("genirq irqs_off", "`fuzz genirq irqs_off:fixed` / `:buggy --kernel rt`",
                   gq.Campaign(ex + "irqs_off:fixed", kernel="rt"),
                   gq.Campaign(ex + "irqs_off:buggy", kernel="rt"), 0),
    ]


def measure_kind(k: Kind, examples: int, seed: int | None) -> dict:
    seed = k.seed if seed is None else seed
    k.plain(k.fixed, 1)  # warm: the native modules, the driver's import, first blocks
    passing, pw, pc = _timed(lambda: k.search(k.fixed, examples, seed))
    _, bw, bc = _timed(lambda: k.plain(k.fixed, passing.runs))
    failing, fw, fc = _timed(lambda: k.search(k.buggy, examples, seed))
    return {
        "kind": k.name, "what": k.what, "seed": seed,
        "passing": {"runs": passing.runs, "found": passing.found, "wall_s": pw, "cpu_s": pc,
                    "examples_per_s": passing.runs / pc, "masked_windows": k.windows(passing)},
        "baseline": {"runs": passing.runs, "wall_s": bw, "cpu_s": bc,
                     "runs_per_s": passing.runs / bc},
        "failing": {"runs": failing.runs, "found": failing.found,
                    "minimal_arrivals": k.minimal(failing), "wall_s": fw, "cpu_s": fc,
                    "masked_windows": k.windows(failing)},
        "campaign_over_baseline": pc / bc,
    }


def measure(examples: int, seed: int | None) -> dict:
    return {"examples": examples, "seed": seed,
            "kinds": [measure_kind(k, examples, seed) for k in kinds()]}


def _rows(r: dict) -> list[str]:
    p, b, f = r["passing"], r["baseline"], r["failing"]
    bug = (f"found and shrunk to {f['minimal_arrivals']} arrival(s) in {f['runs']} runs, "
           f"{f['cpu_s']:.2f} CPU s" if f["found"] else f"not found in {f['runs']} runs")
    return [
        f"| **{r['kind']}** | {r['what']}, seed {r['seed']} | | | |",
        f"| | plain runs (baseline) | {b['runs']} | {b['cpu_s']:.2f} ({b['wall_s']:.2f}) | "
        f"{b['runs_per_s']:.1f} runs |",
        f"| | search, fixed target ({r['campaign_over_baseline']:.2f}x the baseline)"
        + (" **found a failure**" if p["found"] else "")
        + ("" if p["masked_windows"] is None else f", {p['masked_windows']} masked windows")
        + f" | {p['runs']} | "
        f"{p['cpu_s']:.2f} ({p['wall_s']:.2f}) | **{p['examples_per_s']:.1f} examples** |",
        f"| | search, buggy target: {bug} | {f['runs']} | {f['cpu_s']:.2f} ({f['wall_s']:.2f}) "
        "| |",
    ]


def table(res: dict) -> str:
    out = [f"Up to {res['examples']} examples per search, each kind with its documented "
           "command's seed (docs/fuzzing.md) unless `--seed`; host CPU seconds "
           "(wall in brackets), all in one process. Baseline: as many plain runs of the fixed "
           "target (an empty schedule, whole rounds; genirq: one play of the driver with no "
           "arrival).", "",
           "| campaign | run | runs | host CPU s (wall) | **per host CPU second** |",
           "|---|---|---:|---:|---:|"]
    for r in res["kinds"]:
        out += _rows(r)
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="10 examples")
    ap.add_argument("--examples", type=int, default=100, help="examples per search (1..10000)")
    ap.add_argument("--seed", type=int, help="every search's seed (0..2**32-1); default: "
                    "each kind's documented one")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--write-md", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()
    if not 1 <= args.examples <= 10_000:
        ap.error(f"--examples {args.examples}: 1..10000")
    if args.seed is not None and not 0 <= args.seed < 2**32:
        ap.error(f"--seed {args.seed}: 0..2**32-1")
    res = measure(10 if args.quick else args.examples, args.seed)
    res["host"] = host_info()
    report(res, table(res), "Fuzzing rate (`benchmarks/fuzz_rate.py`)", "fuzz_rate",
           as_json=args.json, write=args.write_md and not args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
