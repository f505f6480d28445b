"""``irqemu scenario napi-storm --sweep --plot``: when NAPI polling takes over, as
interrupts, polls and drops per second of simulated time against the offered load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from irqemu.plot.figure import render

#: what each series is, from the sweep's rows (all per second of simulated time)
SERIES = (("interrupts", "interrupts/s", "o-"), ("polls", "NAPI polls/s", "s-"),
          ("dropped", "dropped frames/s", "^-"), ("delivered", "delivered frames/s", "x:"))


def plot_napi_sweep(facts: dict[str, Any], path: str | Path) -> Path:
    """Interrupts, polls, drops and deliveries per second against offered frames per
    second, the knee marked; ``facts``: napi-storm --sweep's --json."""
    rows = facts.get("rows")
    if not rows:
        raise ValueError("--plot: the napi-storm run has no sweep rows (give --sweep)")

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        x = [r["offered"] for r in rows]
        for key, label, style in SERIES:
            ax.plot(x, [r[key] for r in rows], style, label=label)
        if facts.get("knee") is not None:
            ax.axvline(facts["knee"], color="grey", linestyle="--",
                       label=f"knee: {facts['knee']:,.0f} frames/s (< 0.5 IRQs per frame)")
        ax.set_xlabel("offered load (64-byte frames per second)")
        ax.set_ylabel("events per second of simulated time")
        ax.ticklabel_format(style="sci", scilimits=(0, 0))
        ax.legend(fontsize="small")

    title = (f"NAPI takes over from interrupts as the offered load grows\n"
             f"i.MX6Q (4x Cortex-A9, FEC), Linux {facts['version']} {facts['flavour']}, "
             f"{facts['duration_ms']:g} ms per load")
    return render(path, title, draw)


__all__ = ["plot_napi_sweep"]
