"""Modelled latency against published measurements (issue 17 item 3).

For each row of :data:`irqemu.latency.published.PUBLISHED`, run its setup on the
emulated cores (a cyclictest with the options parsed from the published command line,
or the bare-metal IRQ entry of ``bench masking``'s firmware), with the loops scaled
down (:func:`scaled_loops`) so a run takes seconds, and return modelled next to
published: min, avg, max in the published unit, the ratio of the averages, whether the
modelled average lies within 25% of the published one (given the published
resolution), and the tail (max / avg) on both sides. :func:`markdown` is the table
BENCHMARKS.md carries; :func:`check_file` says whether a file's copy is current.
"""

from __future__ import annotations

from typing import Any

from irqemu.latency.published import PUBLISHED, Published, reproduction

#: cap on a reproduction's wakeups, and on its simulated time (us): CI stays fast
MAX_LOOPS = 2000
MAX_SIM_US = 3_000_000
#: the cap under a load, whose tasks cost host time every slice (hog: 500 cycles)
MAX_LOOPS_LOADED = 100
#: samples of the bare-metal IRQ-entry run (irq_cold.elf holds at most 4,096)
IRQ_ENTRY_INTERRUPTS = 2000
IRQ_COLD_ELF = "irq_cold.elf"
IRQ_COLD_MAX_CYCLES_PER_SAMPLE = 200_000
IRQ_COLD_BOOT_CYCLES = 20_000_000  #: _start clears the 2 MiB buffer
#: timer periods of an irq-latency run (timerlat on every CPU of the board)
IRQ_LATENCY_PERIODS = 1000
#: the boards the latency tools run on
REPRODUCIBLE_ARCHES = ("arm", "x86", "arm64")
TOLERANCE = 0.25
BEGIN, END = "<!-- validation:begin -->", "<!-- validation:end -->"
ARCH_OF = {"arm": "armv7", "x86": "x86_64"}


def scaled_loops(interval_us: int, published: int | None, loaded: bool = False) -> int:
    """The wakeups a reproduction runs: the published loops, at most MAX_LOOPS (under
    a load MAX_LOOPS_LOADED) and at most MAX_SIM_US of simulated time."""
    cap = min(MAX_LOOPS_LOADED if loaded else MAX_LOOPS, MAX_SIM_US // interval_us)
    return max(1, cap if published is None else min(published, cap))


def _cyclictest(row: Published, engine: str, loops: int | None) -> dict[str, Any]:
    """Run the row's cyclictest on the model: samples in ps of every thread, pooled."""
    from irqemu.latency import cyclictest as ct

    opts = reproduction(row)
    load = row.options.get("load", "idle")
    n = loops if loops is not None else scaled_loops(opts["interval_us"],
                                                     opts["published_loops"], load != "idle")
    ths, oc, _ld = ct.measure(row.kernel, prio=opts["prio"], interval_us=opts["interval_us"],
                              loops=n, threads=opts["threads"], load=load, arch=row.arch,
                              engine=engine)
    ps = [s for th in ths for s in th.lat.samples]
    setup = {"kernel": row.kernel, "board": oc.board, "cpu_hz": oc.cpu_hz,
             "prio": opts["prio"], "interval_us": opts["interval_us"],
             "threads": opts["threads"], "loops": n, "load": load}
    return {"ps": ps, "cpu_hz": oc.cpu_hz, "setup": setup}


def _irq_entry(row: Published, engine: str, loops: int | None) -> dict[str, Any]:
    """Run irq_cold.elf on the i.MX6Q: per sample, random data reads and code calls
    (up to ``max_accesses`` of each), then the private timer fires; the handler's
    first access reads the global timer. Trigger to handler, in core cycles."""
    import struct

    from irqemu.boards import build_board
    from irqemu.bundled import bundled_firmware

    o = row.options
    n = loops if loops is not None else IRQ_ENTRY_INTERRUPTS
    m = build_board("imx6q", engine=engine)
    sym = m.load_elf(str(bundled_firmware(ARCH_OF[row.arch], IRQ_COLD_ELF))).symbols
    for name, value in (("n_samples", n), ("max_accesses", o["max_accesses"]),
                        ("seed", o["seed"])):
        m.mem_write(sym[name], value.to_bytes(4, "little"))
    r = m.run(max_cycles=IRQ_COLD_BOOT_CYCLES + IRQ_COLD_MAX_CYCLES_PER_SAMPLE * n)
    if r.stop_reason != "exit" or r.exit_code != 0:
        raise RuntimeError(f"{IRQ_COLD_ELF} did not finish: {r.stop_reason} {r.message}")
    ticks = struct.unpack(f"<{n}I", m.mem_read(sym["samples"], 4 * n))
    hz = m.cpus[0].clock.hz
    per_tick = 2  # the global timer counts PERIPHCLK, half the core clock
    setup = {"board": "imx6q", "core": m.cost_model.core, "cpu_hz": hz,
             "firmware": f"{ARCH_OF[row.arch]}/{IRQ_COLD_ELF}", "samples": n,
             "max_accesses": o["max_accesses"], "seed": o["seed"]}
    return {"cycles": [t * per_tick for t in ticks], "cpu_hz": hz, "setup": setup}


def _irq_latency(row: Published, engine: str, loops: int | None) -> dict[str, Any]:
    """A Linux IRQ handler's latency from its timer's expiry: timerlat's IRQ latency
    (expiry to timerlat_irq in the hard IRQ) on the row's CPU, in modelled cycles."""
    from irqemu.latency import timerlat as tl

    o = row.options
    n = loops if loops is not None else IRQ_LATENCY_PERIODS
    tr, oc, _ld = tl.measure(row.kernel, load=o["load"], arch=row.arch, rate=None,
                             period_us=o["period_us"], duration_ms=n * o["period_us"] / 1000,
                             cpus=o["cpus"], engine=engine, version="4.6",
                             prio=tl.DEFAULT_TIMERLAT_PRIO, seed=0)
    setup = {"kernel": row.kernel, "board": oc.board, "cpu_hz": oc.cpu_hz,
             "period_us": o["period_us"], "cpu": o["cpu"], "cpus": o["cpus"],
             "load": o["load"], "periods": n}
    return {"cycles": tr.cpus[o["cpu"]].irq.values("cycles"), "cpu_hz": oc.cpu_hz,
            "setup": setup}


def _stats(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "avg": sum(values) / len(values), "max": max(values),
            "first": values[0]}


def _printed_us(ps: list[int]) -> dict[str, int]:
    """As cyclictest prints them: each sample truncated to us, avg = sum // count."""
    us = [p // 10**6 for p in ps]
    return {"min": min(us), "avg": sum(us) // len(us), "max": max(us)}


def _within(modelled: float, published: int, resolution: int) -> bool:
    """Whether ``modelled`` is within TOLERANCE of a published figure printed truncated
    to ``resolution`` (so the true value lay in [published, published + resolution))."""
    return (1 - TOLERANCE) * published <= modelled <= (1 + TOLERANCE) * (published + resolution)


def reproduce(row: Published, engine: str = "native", loops: int | None = None,
              cache: dict[Any, Any] | None = None) -> dict[str, Any]:
    """One row's reproduction: published and modelled side by side (in the published
    unit), the ratio of averages, the ±25% verdict, and the tails (max / avg)."""
    out: dict[str, Any] = {
        "name": row.name, "tool": row.tool, "core": row.core, "board": row.board,
        "kernel": row.kernel, "kernel_version": row.kernel_version, "unit": row.unit,
        "command": row.command, "source": row.source, "engine": engine,
        "published": {"min": row.min, "avg": row.avg, "max": row.max},
        "published_samples": row.samples, "shape": row.shape,
        "unmodelled": list(row.unmodelled),
        "tail": {"published_max_over_avg": round(row.max / row.avg, 2)},
    }
    if row.arch not in REPRODUCIBLE_ARCHES:
        out.update(reproduced=False, modelled=None, modelled_printed=None, setup=None,
                   avg_ratio=None, within_25=None, modelled_samples=0)
        return out
    key = (row.tool, row.arch, row.kernel, row.command if row.tool == "cyclictest" else "",
           tuple(sorted(row.options.items())), row.clock_hz, row.unit, engine, loops)
    if cache is None or key not in cache:
        got = _modelled(row, engine, loops), _with_hierarchy(row, engine, loops)
        if cache is None:
            cache = {}
        cache[key] = got
    (modelled, printed, count, setup, scaled), (with_caches, penalty, kernel) = cache[key]
    out.update(
        reproduced=True, modelled={k: round(v, 3) for k, v in modelled.items()},
        modelled_printed=printed, modelled_samples=count, setup=setup,
        clock_scaled=scaled, avg_ratio=round(modelled["avg"] / row.avg, 3),
        within_25=_within(modelled["avg"], row.avg, 1))
    out["tail"]["modelled_max_over_avg"] = round(modelled["max"] / modelled["avg"], 2)
    out["cache_model"] = {"modelled": {k: round(v, 3) for k, v in with_caches.items()},
                          "penalty_cycles": penalty,
                          "kernel_penalty_cycles": kernel,
                          "avg_ratio": round(with_caches["avg"] / row.avg, 3),
                          "within_25": _within(with_caches["avg"], row.avg, 1)}
    return out


def _with_hierarchy(row: Published, engine: str, loops: int | None
                    ) -> tuple[dict[str, float], int, int]:
    """The same run with ``--cache-model`` (each machine gets its core's memory
    hierarchy, :class:`~irqemu.machine.cachemodel.CacheModelOption`): modelled
    min/avg/max and the first (cold) sample, the miss penalty cycles the hierarchy
    charged on all CPUs, and the part of them the modelled kernel's own functions'
    footprints charged (``kernel.footprint``; 0 on bare metal)."""
    from irqemu.machine.cachemodel import CacheModelOption

    with CacheModelOption() as opt:
        modelled = _modelled(row, engine, loops)[0]
    penalty = sum(int(c["penalty_cycles"]) for a in opt.attached
                  for c in a.summary()["cpus"])
    kernel = sum(sum(fp.penalty) for a in opt.attached
                 for fp in getattr(a, "footprints", ()))
    return modelled, penalty, kernel


def _modelled(row: Published, engine: str, loops: int | None
              ) -> tuple[dict[str, float], dict[str, int] | None, int, dict[str, Any], bool]:
    """Run the row's reproduction: modelled min/avg/max in the published unit, what the
    tool would print, the sample count, the setup, and whether the figures are the
    modelled cycles at the published clock (when the source states one and its unit is
    time, so a core clocked differently from the model compares cycle for cycle)."""
    if row.tool == "cyclictest":
        run = _cyclictest(row, engine, loops)
        ps = run["ps"]
        if row.clock_hz:  # the same cycles at the published clock
            ps = [p * run["cpu_hz"] // row.clock_hz for p in ps]
        return (_stats([p / 10**6 for p in ps]), _printed_us(ps), len(ps), run["setup"],
                row.clock_hz is not None)
    if row.tool == "irq-entry":
        run = _irq_entry(row, engine, loops)
        return (_stats([float(c) for c in run["cycles"]]), None, len(run["cycles"]),
                run["setup"], False)
    if row.tool == "irq-latency":
        run = _irq_latency(row, engine, loops)
        per = {"ns": 10**9, "us": 10**6}[row.unit]
        hz = row.clock_hz or run["cpu_hz"]
        values = [c * per / hz for c in run["cycles"]]
        return _stats(values), None, len(values), run["setup"], row.clock_hz is not None
    raise ValueError(f"{row.name}: tool {row.tool!r} has no reproduction")


def run_all(engine: str = "native", names: list[str] | None = None,
            loops: int | None = None) -> list[dict[str, Any]]:
    """Every row's (or the named rows') reproduction, in PUBLISHED order."""
    rows = [r for r in PUBLISHED if names is None or r.name in names]
    if names is not None:
        unknown = sorted(set(names) - {r.name for r in rows})
        if unknown:
            raise ValueError(f"no published row {unknown[0]!r} (known: "
                             f"{', '.join(r.name for r in PUBLISHED)})")
    cache: dict[Any, Any] = {}  # rows with the same setup (two boards' figures) run once
    return [reproduce(r, engine, loops, cache) for r in rows]


#: how the table names a tool without a command line
TOOL_WORDS = {"irq-entry": "bare metal: IRQ trigger to the ISR",
              "irq-latency": "Linux IRQ handler: timer expiry to the handler"}


def _fig(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.2f}"


def _figs(m: dict[str, float]) -> str:
    return f"{_fig(m['min'])} / {_fig(m['avg'])} / {_fig(m['max'])}"


def _setup(res: dict[str, Any]) -> str:
    s = res["setup"]
    if res["tool"] == "irq-entry":
        return (f"{s['board']} {s['core']}, {s['firmware']}: up to "
                f"{s['max_accesses'] - 1} random data reads and code calls, then the "
                f"private timer; {s['samples']:,} samples")
    clock = " (cycles at the published clock)" if res.get("clock_scaled") else ""
    if res["tool"] == "irq-latency":
        return (f"{s['board']} {s['kernel']}, timerlat IRQ latency of CPU {s['cpu']} of "
                f"{s['cpus']}, {s['period_us']} us period, {s['periods']:,} periods, "
                f"{s['load']}{clock}")
    return (f"{s['board']} {s['kernel']}, -p {s['prio']} -i {s['interval_us']} "
            f"-t {s['threads']} -l {s['loops']:,}, {s['load']}{clock}")


def markdown(results: list[dict[str, Any]]) -> str:
    """The BENCHMARKS.md section (between its markers): one row per published figure."""
    lines = [
        "## Validated against published measurements (`irqemu validate`)",
        "",
        "Modelled (simulated time on the emulated cores, `irqemu validate --markdown`) "
        "next to published figures, with the published setup reproduced from its command "
        "line (`src/irqemu/latency/published.py`); loops scaled down to keep the run short. "
        "Published cyclictest figures are whole microseconds (truncated); \"within 25%\" "
        "allows for that resolution. See `docs/validation.md` for each source, what each "
        "setup has that the model lacks, and why the model misses.",
        "",
        "| row | published on | kernel | command (published) | reproduced as | unit "
        "| published min / avg / max | modelled min / avg / max | modelled / published avg "
        "| within 25% | max / avg published, modelled | with `--cache-model`: min / avg / "
        "max (avg ratio) |",
        "|---|---|---|---|---|---|---|---|---:|---|---|---|",
    ]
    for r in results:
        p, m, t = r["published"], r["modelled"], r["tail"]
        cmd = f"`{r['command']}`" if r["tool"] == "cyclictest" else TOOL_WORDS[r["tool"]]
        low = "-" if p["min"] is None else f"{p['min']:,}"
        pub = f"{low} / {p['avg']:,} / {p['max']:,}"
        if m is None:
            lines.append(
                f"| {r['name']} | {r['core']}, {r['board']} | {r['kernel']} "
                f"{r['kernel_version']} | {cmd} | not reproduced: {r['unmodelled'][0]} "
                f"| {r['unit']} | {pub} | - | - | - "
                f"| {t['published_max_over_avg']:.1f}, - | - |")
            continue
        lines.append(
            f"| {r['name']} | {r['core']}, {r['board']} | {r['kernel']} {r['kernel_version']} "
            f"| {cmd} | {_setup(r)} | {r['unit']} | {pub} "
            f"| {_figs(m)} | {r['avg_ratio']:.2f} | {'yes' if r['within_25'] else 'no'} "
            f"| {t['published_max_over_avg']:.1f}, {t['modelled_max_over_avg']:.2f} "
            f"| {_figs(r['cache_model']['modelled'])} ({r['cache_model']['avg_ratio']:.2f}) |")
    lines.append("")
    lines.append(f"Engine: {results[0]['engine'] if results else 'native'}; the figures are "
                 "deterministic (the same on the reference engine).")
    return "\n".join(lines)


def section(text: str) -> str | None:
    """The generated part of a file: what lies between BEGIN and END, or None."""
    if BEGIN not in text or END not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")


def check_file(path: str, results: list[dict[str, Any]] | None) -> str | None:
    """None when ``path``'s section equals :func:`markdown` of ``results`` (with
    ``results`` None: when it has the section at all); else why not."""
    from pathlib import Path

    p = Path(path)
    if not p.is_file():
        return f"{path}: no such file"
    have = section(p.read_text())
    if have is None:
        return f"{path}: no {BEGIN} ... {END} section"
    if results is not None and have != markdown(results):
        return f"{path}: the validation table is stale (run irqemu validate --markdown)"
    return None


__all__ = ["BEGIN", "END", "TOLERANCE", "check_file", "markdown", "reproduce", "run_all",
           "scaled_loops", "section"]
