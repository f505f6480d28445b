#!/usr/bin/env python3
"""Soak runs: resident memory stays flat over long runs (issue 10's bar).

Two workloads, each in this process with a sampler thread reading VmRSS from
/proc/self/status once a host second (a host measurement only; nothing of it
reaches the guest or the model):

  irq   ``firmware/armv7/irq_bench.elf`` on imx6q, the guest handling N timer
        interrupts (default 10^7) with main in ``wfi``;
  napi  ``irqemu scenario napi-storm --kernel rt`` for D simulated milliseconds
        (default 10,000) at 10^6 frames per second.

For each it reports RSS after the first tenth of the run, at the end, and the
growth per host hour over the last nine tenths (start-up allocation excluded).

    python benchmarks/soak.py [irq|napi|all] [--irqs N] [--duration-ms D] [--write-md]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from pathlib import Path

from benchcommon import host_info, write_md

from irqemu.boards import build_board

REPO = Path(__file__).resolve().parents[1]
ELF = REPO / "firmware/armv7/irq_bench.elf"


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def sampled(work: Callable[[], object]) -> dict[str, float]:
    """Run ``work`` while sampling RSS every host second; summarise the samples."""
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sampler() -> None:
        t0 = time.perf_counter()
        while not done.is_set():
            samples.append((time.perf_counter() - t0, rss_kib()))
            done.wait(1.0)

    th = threading.Thread(target=sampler, daemon=True)
    t0 = time.perf_counter()
    th.start()
    work()
    done.set()
    th.join()
    seconds = time.perf_counter() - t0
    samples.append((seconds, rss_kib()))
    tenth = next(s for s in samples if s[0] >= seconds / 10)
    end = samples[-1]
    hours = max(end[0] - tenth[0], 1e-9) / 3600
    return {"host_s": round(seconds, 1), "rss_tenth_mib": round(tenth[1] / 1024, 1),
            "rss_end_mib": round(end[1] / 1024, 1), "rss_peak_mib": round(max(
                s[1] for s in samples) / 1024, 1),
            "growth_mib_per_host_hour": round((end[1] - tenth[1]) / 1024 / hours, 1)}


def irq_soak(irqs: int) -> dict[str, float]:
    m = build_board("imx6q")
    image = m.load_elf(str(ELF))
    m.mem_write(image.symbols["irq_target"], irqs.to_bytes(4, "little"))
    m.mem_write(image.symbols["irq_wfi"], (1).to_bytes(4, "little"))
    out: dict[str, object] = {}

    def work() -> None:
        out["result"] = m.run()

    stats = sampled(work)
    taken = int(m.cpus[0].interrupts.get("IRQ", 0))
    stats["interrupts"] = taken
    return stats


def napi_soak(duration_ms: float) -> dict[str, float]:
    from irqemu.scenarios import napi_storm

    return sampled(lambda: napi_storm.run("rt", rate=1_000_000, duration_ms=duration_ms))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", nargs="?", choices=("irq", "napi", "all"), default="all")
    p.add_argument("--irqs", type=int, default=10_000_000)
    p.add_argument("--duration-ms", type=float, default=10_000.0)
    p.add_argument("--write-md", action="store_true")
    args = p.parse_args()
    rows = []
    if args.what in ("irq", "all"):
        s = irq_soak(args.irqs)
        rows.append((f"irq_bench, {s.pop('interrupts'):,} timer interrupts (wfi)", s))
        print(rows[-1])
    if args.what in ("napi", "all"):
        s = napi_soak(args.duration_ms)
        rows.append((f"napi-storm rt, {args.duration_ms:g} simulated ms at 1e6 frames/s", s))
        print(rows[-1])
    head = ("| workload | host s | RSS after 1/10 (MiB) | RSS at end (MiB) | peak (MiB) | "
            "growth (MiB per host hour) |\n|---|---:|---:|---:|---:|---:|")
    lines = [f"| {name} | {s['host_s']} | {s['rss_tenth_mib']} | {s['rss_end_mib']} | "
             f"{s['rss_peak_mib']} | {s['growth_mib_per_host_hour']} |" for name, s in rows]
    h = host_info()
    body = ("## Soak (`benchmarks/soak.py`)\n\nResident memory over long runs (host "
            f"measurement; {h['cpu']}, {h['cores']} cores, load {h['load_average']}).\n\n"
            + head + "\n" + "\n".join(lines))
    print(body)
    if args.write_md:
        write_md("soak", body)


if __name__ == "__main__":
    main()
