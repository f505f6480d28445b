"""``irqemu scenario smi-hwlat --plot``: does every gap hwlat reports match an SMI?
Per sample, the gap the detector saw beside the time the SMIs in it stole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from irqemu.plot.figure import render


def plot_smi_hwlat(facts: dict[str, Any], path: str | Path) -> Path:
    """Bars per sample: the largest gap (inner or outer, us) and the SMI time stolen
    inside it (us), the threshold as a line; ``facts``: smi-hwlat's --json."""
    rows = facts["samples"]
    cyc_per_us = facts["cpu_hz"] // 10**6

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        idx = list(range(1, len(rows) + 1))
        ax.bar([i - 0.2 for i in idx], [max(r["inner_us"], r["outer_us"]) for r in rows],
               width=0.4, label="largest gap hwlat saw (inner or outer)")
        ax.bar([i + 0.2 for i in idx], [r["stolen"] // cyc_per_us for r in rows], width=0.4,
               label="time stolen by the SMIs inside the sample")
        ax.axhline(facts["thresh_us"], color="grey", linestyle="--",
                   label=f"threshold {facts['thresh_us']} us (reported above it)")
        ax.set_xticks(idx, [f"{i}\n{r['start'] / cyc_per_us / 1000:.1f} ms"
                            for i, r in zip(idx, rows, strict=True)])
        ax.set_xlabel("sample (number, start in simulated time)")
        ax.set_ylabel("microseconds of simulated time")
        top = max([facts["thresh_us"], *(max(r["inner_us"], r["outer_us"]) for r in rows)])
        ax.set_ylim(0, top * 1.4)  # room for the legend above the bars
        ax.legend(fontsize="small")

    title = (f"hwlat sees the SMIs that fall inside its samples\n"
             f"pc (one Skylake core at {facts['cpu_hz'] / 1e9:g} GHz), SMIs of "
             f"{facts['smi_us']} us; {facts['smis_in_samples']} of "
             f"{facts['smis_injected']} fell inside a sample")
    return render(path, title, draw)


__all__ = ["plot_smi_hwlat"]
