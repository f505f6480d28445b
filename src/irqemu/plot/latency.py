"""``irqemu timerlat|cyclictest --plot``: latency histograms, per CPU for one run or
per kernel for several (the same tool on mainline, threadirqs and rt).

The input is the tools' ``--json`` dict: timerlat's ``cpus`` (``irq`` and ``thread``,
each with ``hist``: [first ns of the bucket, count] for the non-empty buckets of
``bucket_ns``), cyclictest's ``threads`` (the same per thread, 1 us buckets). Counts
are drawn on a log scale: the tail is the question.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from irqemu.plot.figure import render

BOARD_NAMES = {"imx6q": "i.MX6Q (Cortex-A9)", "pc": "pc (Skylake)"}


def _series(facts: dict[str, Any], kind: str) -> list[tuple[str, dict[str, Any]]]:
    """(label, latency facts) per CPU (timerlat: ``kind`` irq or thread) or thread."""
    if facts["tool"] == "timerlat":
        return [(f"CPU {c}", v[kind]) for c, v in sorted(facts["cpus"].items(),
                                                           key=lambda kv: int(kv[0]))]
    return [(f"thread {t['index']} (CPU {t['cpu']})", t) for t in facts["threads"]]


def _merged(series: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Every CPU's histogram added up, with the overall max."""
    counts: Counter[int] = Counter()
    for _label, lat in series:
        for first, n in lat["hist"]:
            counts[first] += n
    maxes = [lat["max_ns"] for _l, lat in series if lat["max_ns"] is not None]
    return {"hist": sorted(counts.items()), "max_ns": max(maxes) if maxes else None,
            "hist_over": sum(lat["hist_over"] for _l, lat in series)}


def _bucket_ns(facts: dict[str, Any]) -> int:
    return int(facts.get("bucket_ns", 1000))


def _step(ax: Any, lat: dict[str, Any], bucket_ns: int, label: str) -> None:
    if not lat["hist"]:
        return
    first = {b: n for b, n in lat["hist"]}
    lo, hi = min(first), max(first)
    xs = list(range(lo, hi + bucket_ns, bucket_ns))
    ys = [first.get(b, 0) for b in xs]
    over = f", {lat['hist_over']} past the last bucket" if lat["hist_over"] else ""
    peak = "" if lat["max_ns"] is None else f" (max {lat['max_ns'] / 1000:g} us{over})"
    ax.stairs(ys, [x / 1000 for x in xs] + [(xs[-1] + bucket_ns) / 1000],
              label=label + peak, baseline=0.5)


def _label(facts: dict[str, Any], runs: Sequence[dict[str, Any]]) -> str:
    """A run among several: its kernel, and its load where the loads differ."""
    loads = {_load(r) for r in runs}
    return _kernel(facts) + (f", {_load(facts)}" if len(loads) > 1 else "")


def _panel(ax: Any, runs: Sequence[dict[str, Any]], kind: str, what: str) -> None:
    for facts in runs:
        series = _series(facts, kind)
        if len(runs) == 1:
            for label, lat in series:
                _step(ax, lat, _bucket_ns(facts), label)
        else:
            _step(ax, _merged(series), _bucket_ns(facts), _label(facts, runs))
    ax.set_yscale("log")
    ax.set_xlabel(f"{what} (us of simulated time, modelled cycles at the board's clock)")
    ax.set_ylabel("samples per bucket")
    ax.legend(fontsize="small")


def _kernel(facts: dict[str, Any]) -> str:
    return f"Linux {facts['version']} {facts['kernel']}"


def _load(facts: dict[str, Any]) -> str:
    load = facts.get("load") or {}
    name = load.get("name", "idle")
    if name == "storm" and load.get("rate"):
        return f"load storm at {load['rate']:,.0f} frames/s"
    return f"load {name}"


def plot_latency(runs: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Histograms of one or more runs of one tool on one board: timerlat's IRQ and
    thread latency (two panels), cyclictest's wakeup latency (one); a line per CPU
    (thread) for one run, per kernel (all CPUs added) for several."""
    if not runs:
        raise ValueError("--plot: no latency run to plot")
    tool = runs[0]["tool"]
    if any(r["tool"] != tool for r in runs):
        raise ValueError("--plot: timerlat and cyclictest runs cannot share a figure")
    board = BOARD_NAMES.get(runs[0]["board"], runs[0]["board"])
    kernels = ", ".join(dict.fromkeys(_kernel(r) for r in runs))
    loads = ", ".join(dict.fromkeys(_load(r) for r in runs))

    def draw(fig: Any) -> None:
        if tool == "timerlat":
            irq_ax, thread_ax = fig.subplots(2, 1)
            _panel(irq_ax, runs, "irq", "IRQ latency: timer expiry to its handler")
            _panel(thread_ax, runs, "thread", "thread latency: timer expiry to the thread")
        else:
            _panel(fig.add_subplot(), runs, "", "wakeup latency: timer expiry to the thread")

    size = (8.0, 7.5) if tool == "timerlat" else (8.0, 5.0)
    title = f"{tool}: latency histogram, {board}\n{kernels}; {loads}"
    return render(path, title, draw, size)


__all__ = ["plot_latency"]
