#!/usr/bin/env python3
"""What ``irqemu record`` costs: the same command timed plain and recorded, in one process.

Runs (best of ``--repeat`` host seconds each, the file written included):
``irqemu scenario napi-storm --kernel rt --duration-ms D`` (the kernel model on the
i.MX6Q cores) and ``irqemu boot firmware/armv7/timer.elf`` (bare metal, every
interrupt in the native fabric's C loop when not recorded), each plain, recorded to
trace.dat, and recorded with ``--no-hardware`` (tracepoints only). The ratio is
recorded / plain. Recording the hardware side adds a Unicorn block hook per core in
Python and takes interrupts through the machine's Python entry, so it costs most where
the plain run never leaves C.

    python benchmarks/record_overhead.py [--quick] [--json] [--write-md]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

from benchcommon import host_info, report  # noqa: E402

from irqemu.bundled import bundled_firmware
from irqemu.cli import main as irqemu


def best(argv: list[str], repeat: int) -> float:
    """Best host seconds of ``repeat`` runs of ``irqemu argv`` (output discarded)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = irqemu(argv)
        times.append(time.perf_counter() - t0)
        if code:
            raise SystemExit(f"irqemu {' '.join(argv)}: exit {code}")
    return min(times)


def measure(duration_ms: float, repeat: int) -> dict:
    fw = str(bundled_firmware("armv7", "timer.elf"))
    cases = {"napi-storm rt": ["scenario", "napi-storm", "--kernel", "rt", "--duration-ms",
                               f"{duration_ms:g}"],
             "boot timer.elf": ["boot", fw]}
    out: dict = {"duration_ms": duration_ms, "repeat": repeat, "cases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        dat = str(Path(tmp) / "t.dat")
        for name, argv in cases.items():
            plain = best(argv, repeat)
            full = best(["record", "-o", dat, *argv], repeat)
            size = Path(dat).stat().st_size
            tp = best(["record", "--no-hardware", "-o", dat, *argv], repeat)
            out["cases"][name] = {"plain_s": plain, "recorded_s": full,
                                  "tracepoints_only_s": tp, "ratio": full / plain,
                                  "ratio_tracepoints_only": tp / plain, "dat_bytes": size}
    return out


def table(r: dict) -> str:
    rows = [f"Best of {r['repeat']} host seconds per command, in one process; napi-storm "
            f"with `--duration-ms {r['duration_ms']:g}`; the trace.dat written is included.",
            "", "| command | plain s | recorded s (ratio) | `--no-hardware` s (ratio) | "
            "trace.dat bytes |", "|---|---:|---:|---:|---:|"]
    for name, c in r["cases"].items():
        rows.append(f"| {name} | {c['plain_s']:.3f} | {c['recorded_s']:.3f} "
                    f"(**{c['ratio']:.2f}x**) | {c['tracepoints_only_s']:.3f} "
                    f"({c['ratio_tracepoints_only']:.2f}x) | {c['dat_bytes']:,} |")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="0.3 ms storm, one run each")
    ap.add_argument("--duration-ms", type=float, default=4.0,
                    help="napi-storm's simulated milliseconds (0.1..100)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per command (1..20)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument("--write-md", action="store_true", help="update BENCHMARKS.md")
    args = ap.parse_args()
    if not 0.1 <= args.duration_ms <= 100:
        ap.error(f"--duration-ms {args.duration_ms}: 0.1..100")
    if not 1 <= args.repeat <= 20:
        ap.error(f"--repeat {args.repeat}: 1..20")
    res = measure(0.3, 1) if args.quick else measure(args.duration_ms, args.repeat)
    res["host"] = host_info()
    report(res, table(res), "Recording overhead (`benchmarks/record_overhead.py`)",
           "record_overhead", as_json=args.json, write=args.write_md and not args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
