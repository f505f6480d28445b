"""One figure, drawn and saved the same way every time: matplotlib's object API on
the Agg renderer (no pyplot, no global backend), fixed size and fonts, and no
metadata that changes run to run (dates, matplotlib's version string, SVG ids)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from irqemu.plot import plot_format

#: rc settings for every figure: SVG ids from a fixed salt, SVG text kept as text
RC: dict[str, Any] = {
    "svg.hashsalt": "irqemu",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 100,
}
SIZE = (8.0, 5.0)  #: inches; 800 x 500 pixels at 100 dpi


def _metadata(fmt: str, title: str) -> dict[str, Any]:
    if fmt == "svg":
        return {"Title": title, "Creator": "irqemu", "Date": None}
    return {"Title": title, "Software": "irqemu"}


def render(path: str | Path, title: str, draw: Callable[[Any], None],
           size: tuple[float, float] = SIZE) -> Path:
    """Make a figure, let ``draw(fig)`` fill it, title it and save it to ``path``
    (.png or .svg); the path written."""
    import matplotlib
    from matplotlib.figure import Figure

    fmt = plot_format(path)
    rc: Any = RC  # matplotlib types the keys as a Literal of every rc name
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig)
        fig.suptitle(title, fontsize="medium")
        fig.savefig(path, format=fmt, metadata=_metadata(fmt, title))
    return Path(path)


__all__ = ["RC", "SIZE", "render"]
