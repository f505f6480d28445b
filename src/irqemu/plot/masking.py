"""``irqemu bench masking --plot``: what interrupt latency a masked window adds, per
architecture (assert-to-vector latency against the masked window K, modelled cycles)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from irqemu.plot.figure import render


def _boards(rows: list[dict[str, Any]]) -> str:
    from irqemu.bench.masking import SPECS

    seen: dict[str, str] = {}
    for r in rows:
        spec = SPECS.get(r["arch"])
        seen[r["arch"]] = f"{spec.board if spec else r['arch']} ({r['core']})"
    return ", ".join(seen.values())


def plot_masking(res: dict[str, Any], path: str | Path) -> Path:
    """Latency (min, median, max) against the masked window, one colour per arch,
    with the window plus exception entry as a guide; ``res``: bench masking's --json."""
    rows = res["latency"]
    if not rows:
        raise ValueError("--plot: bench masking measured no latency to plot")
    arches = list(dict.fromkeys(r["arch"] for r in rows))

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        for i, arch in enumerate(arches):
            mine = sorted((r for r in rows if r["arch"] == arch),
                          key=lambda r: r["masked_cycles"])
            k = [r["masked_cycles"] for r in mine]
            colour = f"C{i}"
            ax.fill_between(k, [r["min"] for r in mine], [r["max"] for r in mine],
                            color=colour, alpha=0.15, linewidth=0)
            ax.plot(k, [r["max"] for r in mine], "o-", color=colour,
                    label=f"{arch} ({mine[0]['core']}): max")
            ax.plot(k, [r["median"] for r in mine], "s--", color=colour,
                    label=f"{arch}: median")
            ax.plot(k, [x + mine[0]["entry_cycles"] for x in k], ":", color=colour,
                    label=f"{arch}: K + exception entry")
        ax.set_xlabel("masked window K (modelled cycles)")
        ax.set_ylabel("assert-to-vector latency (modelled cycles)")
        ax.legend(fontsize="small")

    return render(path, "Interrupt latency vs masked window (shaded: min to max)\n"
                  + _boards(rows), draw)


__all__ = ["plot_masking"]
