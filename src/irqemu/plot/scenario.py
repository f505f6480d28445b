"""Which scenarios draw a figure with ``--plot``, and from which of their runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

#: scenario -> (does it need --sweep, the plot function's module:function)
PLOTS: dict[str, tuple[bool, str]] = {
    "napi-storm": (True, "irqemu.plot.storm:plot_napi_sweep"),
    "smi-hwlat": (False, "irqemu.plot.hwlat:plot_smi_hwlat"),
}


def refusal(name: str, sweep: bool) -> str | None:
    """Why ``scenario NAME --plot`` cannot draw (one line), or None when it can."""
    if name not in PLOTS:
        return (f"--plot: scenario {name} draws no figure (those that do: "
                f"{', '.join(f'{n} --sweep' if s else n for n, (s, _f) in PLOTS.items())})")
    if PLOTS[name][0] and not sweep:
        return f"--plot: scenario {name} plots its load sweep: add --sweep"
    return None


def plotter(name: str) -> Callable[[dict[str, Any], str | Path], Path]:
    """The function drawing scenario ``name``'s facts."""
    import importlib

    mod, func = PLOTS[name][1].split(":")
    fn: Callable[[dict[str, Any], str | Path], Path] = getattr(importlib.import_module(mod),
                                                               func)
    return fn


__all__ = ["PLOTS", "plotter", "refusal"]
