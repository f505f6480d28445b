"""``irqemu sweep --plot``: chosen columns of a sweep's table against one of its
axes, a line per combination of the other axes that vary (mean over seeds)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from irqemu.plot.figure import render

MARKERS = "os^xDv*+"


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or v is None or v == "":
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def plot_table(rows: Sequence[dict[str, Any]], path: str | Path, *, target: str, x: str,
               ys: Sequence[str], groups: Sequence[str], fixed: dict[str, Any],
               ylabel: str, xlabel: str = "") -> Path:
    """``ys`` against ``x`` from ``rows``; a colour per combination of ``groups``
    (the other varied axes but the seed), a marker per y; several rows at one x (seeds)
    are averaged. ``fixed``: the one-value axes, named in the title with the board."""
    series: dict[tuple[Any, ...], dict[Any, dict[str, list[float]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list)))
    for r in rows:
        key = tuple(r.get(g) for g in groups)
        for y in ys:
            v = _number(r.get(y))
            if v is not None:
                series[key][r[x]][y].append(v)

    def draw(fig: Any) -> None:
        ax = fig.add_subplot()
        for ci, (key, by_x) in enumerate(sorted(series.items(), key=lambda kv: str(kv[0]))):
            xs = list(by_x)
            name = ", ".join(f"{g}={v}" for g, v in zip(groups, key, strict=True))
            for mi, y in enumerate(ys):
                pts = [(xv, sum(by_x[xv][y]) / len(by_x[xv][y])) for xv in xs if by_x[xv][y]]
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts],
                            marker=MARKERS[mi % len(MARKERS)], color=f"C{ci % 10}",
                            label=f"{y}" + (f" ({name})" if name else ""))
        ax.set_xlabel(xlabel or x)
        ax.set_ylabel(ylabel)
        ax.legend(fontsize="small")

    boards = sorted({str(r.get("board") or r.get("cores.board") or "") for r in rows} - {""})
    setting = ", ".join([*(f"board {b}" for b in boards),
                         *(f"{k}={v}" for k, v in fixed.items())])
    title = (f"irqemu sweep {target}: {', '.join(ys)} against {x}"
             + (f"\n{setting}" if setting else ""))
    return render(path, title, draw)


__all__ = ["plot_table"]
