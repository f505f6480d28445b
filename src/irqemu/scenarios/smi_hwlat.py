"""x86 SMIs: time stolen from the OS, found only by a hwlat-style TSC loop.

hwlat.elf is trace_hwlat's sampling loop as firmware: interrupts off, the TSC
read twice per iteration for ``width`` out of every ``window``, the largest
gap inside an iteration ("inner") and between iterations ("outer") reported
when over the threshold. :class:`~irqemu.devices.smi.SmiSource` freezes the
core for ``smi_us`` every ``period_us``: no vector, no handler, no register
changes, only the TSC jumps. The scenario matches the detector's samples with
the SMIs it injected: each SMI that fell inside a sample shows up as a gap of
its length; those that fell while the detector slept go unseen (hwlat sees
only width/window of the time); nothing else produced a gap, and no interrupt
was taken while sampling.
"""

from __future__ import annotations

import re
import struct
from typing import Any

from irqemu.devices.smi import SmiSource
from irqemu.scenarios.base import NO_KERNEL, Observe, Options, Scenario

PS_PER_US = 10**6
SAMPLE_SIZE = 32


def run(*, engine: str = "native", smi_us: int = 50, period_us: int = 1000,
        first_us: int = 250, width_us: int = 500, window_us: int = 1500,
        thresh_us: int = 10, nsamples: int = 6) -> tuple[str, dict[str, Any]]:
    from irqemu.boards import build_board
    from irqemu.bundled import bundled_firmware

    m = build_board("pc", engine=engine, num_cpus=1)
    image = m.load_elf(str(bundled_firmware("x86_64", "hwlat.elf")))
    hz = m.cpus[0].clock.hz
    params = image.symbols["params"]
    m.mem_write(params, struct.pack("<5Q", hz // 1000, width_us, window_us, thresh_us,
                                    nsamples))
    span_us = nsamples * window_us + window_us
    smi = SmiSource(m, duration_ps=smi_us * PS_PER_US, period_ps=period_us * PS_PER_US,
                    start_ps=first_us * PS_PER_US, count=span_us // period_us + 1)
    result = m.run(max_time_ps=(span_us + 5000) * PS_PER_US)
    out = m.console.decode(errors="replace")
    raw = m.mem_read(image.symbols["samples"], nsamples * SAMPLE_SIZE)
    samples = [struct.unpack_from("<4Q", raw, i * SAMPLE_SIZE) for i in range(nsamples)]
    cyc_per_us = hz // 10**6
    thresh = thresh_us * cyc_per_us
    rows = []
    seqnum = 0
    for start, end, inner, outer in samples:
        hits = [r for r in smi.records if not r.halted and start <= r.tsc_before <= end]
        reported = max(inner, outer) > thresh
        seqnum += reported  # trace_hwlat numbers only the samples over threshold
        rows.append({
            "start": start, "end": end, "inner": inner, "outer": outer,
            "inner_us": inner // cyc_per_us, "outer_us": outer // cyc_per_us,
            "smis": len(hits), "stolen": sum(r.stolen_cycles for r in hits),
            "reported": reported, "seqnum": seqnum if reported else None,
        })
    printed = re.findall(r"#(\d+)\s+inner/outer\(us\):\s+(\d+)/(\d+)\s+ts:(\d+)\.(\d{9})", out)
    in_sample = sum(r["smis"] for r in rows)
    facts: dict[str, Any] = {
        "engine": engine,
        "stop_reason": result.stop_reason,
        "exit_code": result.exit_code,
        "uart": out,
        "cpu_hz": hz,
        "smi_us": smi_us,
        "thresh_us": thresh_us,
        "smis_injected": len(smi.records),
        "smis_while_running": sum(not r.halted for r in smi.records),
        "smis_in_samples": in_sample,
        "samples": rows,
        "printed": [(int(a), int(b), int(c)) for a, b, c, _, _ in printed],
        "timer_irqs": int.from_bytes(m.mem_read(image.symbols["timer_irqs"], 4), "little"),
        "interrupts": dict(result.interrupts[0]),
        "stolen_us_total": smi.stolen_cycles // cyc_per_us,
    }
    lines = [
        f"hwlat on an emulated PC (one Skylake core at {hz / 1e9:g} GHz): SMIs of {smi_us} us "
        f"every {period_us} us from {first_us} us; sample width {width_us} us, "
        f"window {window_us} us, threshold {thresh_us} us",
        "",
        "$ console (as /sys/kernel/tracing/trace with the hwlat tracer)",
        out.rstrip("\n"),
        "",
        "Every sample the detector took; trace_hwlat numbers only those over the threshold",
        "(its #seqnum), shown here beside the sample they came from:",
        "sample  trace  start(us)  inner(us) outer(us)  SMIs in it  stolen(us)",
    ]
    for i, r in enumerate(rows):
        seq = "-" if r["seqnum"] is None else f"#{r['seqnum']}"
        lines.append(f"{i + 1:>6} {seq:>6} {r['start'] / cyc_per_us:>10.1f} "
                     f"{r['inner_us']:>10} {r['outer_us']:>9} {r['smis']:>11} "
                     f"{r['stolen'] // cyc_per_us:>11}")
    lines += [
        "",
        f"{facts['smis_injected']} SMIs stole {facts['stolen_us_total']} us; "
        f"{in_sample} fell inside a sample and each shows as a gap of its length, the rest "
        "hit while the detector slept and went unseen. The core executed nothing during "
        "them, took no interrupt and no vector (interrupts were off while sampling); the "
        "only evidence is the TSC jumping between two reads, which is all hwlat can see.",
    ]
    return "\n".join(lines), facts


def check(facts: dict[str, Any]) -> list[str]:
    problems = []
    if facts["stop_reason"] != "exit" or facts["exit_code"] != 0:
        problems.append(f"firmware did not exit cleanly: {facts['stop_reason']} "
                        f"{facts['exit_code']}")
    if facts["smis_in_samples"] < 1:
        problems.append("no SMI fell inside a sample: nothing to detect")
    smi_us = facts["smi_us"]
    for i, r in enumerate(facts["samples"]):
        gap_us = max(r["inner_us"], r["outer_us"])
        if r["smis"]:
            if not r["reported"]:
                problems.append(f"sample {i + 1}: an SMI fell in it but no gap was reported")
            elif not smi_us <= gap_us <= smi_us * r["smis"] + 1:
                problems.append(f"sample {i + 1}: gap {gap_us} us does not match the "
                                f"{smi_us} us SMI")
        elif r["reported"]:
            problems.append(f"sample {i + 1}: a {gap_us} us gap with no SMI to explain it")
    over = [(r["seqnum"], r["inner_us"], r["outer_us"]) for r in facts["samples"]
            if r["reported"]]
    if [tuple(p) for p in facts["printed"]] != over:
        problems.append("printed hwlat lines do not match the samples over threshold")
    if facts["interrupts"].get("NMI"):
        problems.append("an NMI was taken: it could explain a gap")
    return problems


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(engine=opts.engine)


SCENARIO = Scenario(
    "smi-hwlat", "x86 SMIs: time stolen from the OS, found only by a hwlat TSC loop",
    _run, check,
    honours={"engine": None, "arch": ("x86",)},
    why={"arch": "SMIs are an x86 mode", "": NO_KERNEL},
    kernel_model=False,
)
