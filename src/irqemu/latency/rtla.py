"""rtla timerlat's text layouts for a finished run: ``timerlat top``'s summary and
``timerlat hist``'s buckets (tools/tracing/rtla/src/timerlat_top.c, timerlat_hist.c).

The duration field is the simulated time measured ("days hh:mm:ss", as rtla prints
it, so a few simulated milliseconds read 0 00:00:00; the header line says the exact
span). Values are truncated to the unit as rtla divides (ns // 1000 for us).
"""

from __future__ import annotations

from typing import Any

from irqemu.latency.hist import Latencies

NO_VALUE = "        -"


def duration(seconds: float) -> str:
    """rtla's get_duration: ``%3d %02d:%02d:%02d`` (days, hours, minutes, seconds)."""
    s = int(seconds)
    return f"{s // 86400:3d} {s % 86400 // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _stats(lat: Latencies, unit: str) -> dict[str, int] | None:
    return lat.summary(unit)


def top(cpus: dict[int, tuple[Latencies, Latencies]], *, unit: str, sim_s: float) -> str:
    """timerlat top's screen at the end of the run: per-CPU cur/min/avg/max, then ALL."""
    lines = ["                                     Timer Latency".rstrip(),
             f"{duration(sim_s):<6}   |          IRQ Timer Latency ({unit})        |"
             f"         Thread Timer Latency ({unit})",
             "CPU COUNT      |      cur       min       avg       max |"
             "      cur       min       avg       max"]
    every_irq: list[int] = []
    every_thr: list[int] = []
    for cpu, (irq, thr) in sorted(cpus.items()):
        si, st = _stats(irq, unit), _stats(thr, unit)
        if si is None and st is None:
            continue
        row = f"{cpu:3d} #{irq.count:<9d} |"
        row += (f"{si['last']:9d} {si['min']:9d} {si['avg']:9d} {si['max']:9d} |"
                if si else f"{NO_VALUE} {NO_VALUE} {NO_VALUE} {NO_VALUE} |")
        row += (f"{st['last']:9d} {st['min']:9d} {st['avg']:9d} {st['max']:9d}"
                if st else f"{NO_VALUE} {NO_VALUE} {NO_VALUE} {NO_VALUE}")
        lines.append(row)
        every_irq += irq.values(unit)
        every_thr += thr.values(unit)
    if every_irq or every_thr:
        split = "-" * 40
        lines.append(f"{split[:15]}|{split[:40]}|{split[:39]}")
        count, e = len(every_irq), 0
        while count > 999999:
            e += 1
            count //= 10
        row = f"ALL #{count:<6d} e{e} |"
        row += (f"          {min(every_irq):9d} {sum(every_irq) // len(every_irq):9d} "
                f"{max(every_irq):9d} |" if every_irq
                else f"          {NO_VALUE} {NO_VALUE} {NO_VALUE} |")
        row += (f"          {min(every_thr):9d} {sum(every_thr) // len(every_thr):9d} "
                f"{max(every_thr):9d}" if every_thr
                else f"{NO_VALUE} {NO_VALUE} {NO_VALUE} {NO_VALUE}")
        lines.append(row)
    return "\n".join(lines)


def hist(cpus: dict[int, tuple[Latencies, Latencies]], *, unit: str, sim_s: float,
         bucket: int, entries: int, with_zeros: bool = False) -> str:
    """timerlat hist's output: header, one row per non-empty bucket, over, summary."""
    shown = [(c, i, t) for c, (i, t) in sorted(cpus.items()) if i.count or t.count]
    long = "nanoseconds" if unit == "ns" else "microseconds"
    lines = ["# RTLA timerlat histogram", f"# Time unit is {long} ({unit})",
             f"# Duration: {duration(sim_s)}",
             "Index" + "".join(f"   IRQ-{c:03d}   Thr-{c:03d}" for c, _i, _t in shown)]
    tables = [(i.histogram(unit, bucket, entries), t.histogram(unit, bucket, entries))
              for _c, i, t in shown]
    for b in range(entries):
        counts = [n for (ih, _io), (th, _to) in tables for n in (ih[b], th[b])]
        if not any(counts) and not with_zeros:
            continue
        lines.append(f"{b * bucket:<6d}" + "".join(f"{n:9d} " for n in counts))
    lines.append("over: " + "".join(f"{io:9d} {to:9d} " for (_ih, io), (_th, to) in tables))
    lines.append("count:" + "".join(f"{i.count:9d} {t.count:9d} " for _c, i, t in shown))
    for key, label in (("min", "min:  "), ("avg", "avg:  "), ("max", "max:  ")):
        cells = []
        for _c, i, t in shown:
            for lat in (i, t):
                s = lat.summary(unit)
                cells.append(f"{s[key]:9d} " if s else "        - ")
        lines.append(label + "".join(cells))
    return "\n".join(lines)


def header(facts: dict[str, Any]) -> str:
    """The line before the table: where it ran, the load, the span of simulated time."""
    from irqemu.latency.loads import Load

    ld = facts["load"]
    load = Load(ld["name"], rate=float(ld.get("rate", 0.0)))
    ncpu = len(facts["cpus"])
    return (f"# irqemu timerlat: kernel {facts['kernel']} {facts['version']} on the "
            f"emulated {facts['board']} ({ncpu} CPU{'s' if ncpu > 1 else ''} measured, "
            f"{facts['cpu_hz'] / 1e6:g} MHz, {facts['engine']} engine), period "
            f"{facts['period_us']} us, timerlat/N SCHED_FIFO {facts['prio']}; "
            f"{load.describe(facts['arch'])}; {facts['units']['window']}")


__all__ = ["duration", "header", "hist", "top"]
