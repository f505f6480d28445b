"""Runnable experiments from the talk, behind one interface (:mod:`irqemu.scenarios.base`).

Each module declares ``SCENARIO``, a :class:`~irqemu.scenarios.base.Scenario`: its
name, a one-line summary, the options it honours and its run. This registry
names them all and imports a module only when its scenario is asked for.
"""

from __future__ import annotations

import importlib

from irqemu.scenarios.base import Scenario

#: every scenario, in the talk's order
NAMES: tuple[str, ...] = ("shared-irq", "ipi", "two-paths", "softirq-current",
                          "softirq-starvation", "tasklet", "napi-storm", "e1000e-storm", "gpc-wake",
                          "fiq-debugger", "nmi", "smi-hwlat")


def get(name: str) -> Scenario:
    """The scenario called ``name`` (a ValueError naming the known ones otherwise)."""
    if name not in NAMES:
        raise ValueError(f"no scenario {name!r} (have: {', '.join(NAMES)})")
    mod = importlib.import_module("irqemu.scenarios." + name.replace("-", "_"))
    scenario: Scenario = mod.SCENARIO
    return scenario


def all_scenarios() -> list[Scenario]:
    """Every scenario, in :data:`NAMES` order."""
    return [get(n) for n in NAMES]


__all__ = ["NAMES", "all_scenarios", "get"]
