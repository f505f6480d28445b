"""What a sweep can run: every scenario, and the latency tools timerlat and
cyclictest; per target, the options it can sweep (its axes), the check of one point
before anything runs, and the run of one point (its ``--json`` facts).

A target is found by name in the worker too (:func:`get`), so a point travels to a
process or a Dask worker as plain data: the target's name and the point's values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from irqemu.sweep.grid import Axis, GridError

KERNELS = ("mainline", "threadirqs", "rt")
VERSIONS = ("4.6", "6.x")
ENGINES = ("native", "reference")

#: every axis any target has, by flag; a target takes those it lists
AXES: dict[str, Axis] = {a.flag: a for a in (
    Axis("--kernel", "kernel", str, KERNELS, "kernel flavour"),
    Axis("--version", "version", str, VERSIONS, "kernel version preset"),
    Axis("--arch", "arch", str, ("arm", "x86"), "arm (i.MX6Q) or x86 (pc)"),
    Axis("--engine", "engine", str, ENGINES, "native or reference engine"),
    Axis("--load", "load", str, ("idle", "storm", "mask", "smi", "hog"), "latency tools' load"),
    Axis("--rate", "rate", float, (), "offered frames per second"),
    Axis("--duration-ms", "duration_ms", float, (), "scenarios: simulated ms of load"),
    Axis("--duration", "duration_ms", float, (), "timerlat: simulated ms measured"),
    Axis("--period", "period_us", int, (), "timerlat: period in us"),
    Axis("--cpus", "cpus", int, (), "timerlat: CPUs measured"),
    Axis("--priority", "prio", int, (), "cyclictest: SCHED_FIFO priority"),
    Axis("--interval", "interval_us", int, (), "cyclictest: wakeup interval in us"),
    Axis("--loops", "loops", int, (), "cyclictest: wakeups per thread"),
    Axis("--threads", "threads", int, (), "cyclictest: threads"),
    Axis("--seed", "seed", int, (), "latency tools: the traffic generator's seed"),
)}


@dataclass(frozen=True)
class Target:
    """A runnable thing: its axes (flags, in table order), a check of one point (a
    one-line exception when it cannot run) and the run (the ``--json`` facts)."""

    name: str
    axes: tuple[str, ...]
    check: Callable[[dict[str, Any]], None]
    run: Callable[[dict[str, Any]], dict[str, Any]]


# --- scenarios -------------------------------------------------------------------

#: scenario options a sweep can vary (the rest: --model-only, --sweep, are runs of
#: their own kind, not points of a grid)
SCENARIO_AXES = ("--kernel", "--version", "--arch", "--engine", "--rate", "--duration-ms")


def _scenario_target(name: str) -> Target:
    from irqemu.scenarios import get

    sc = get(name)
    axes = tuple(f for f in SCENARIO_AXES if AXES[f].column in sc.honours)

    def check(point: dict[str, Any]) -> None:
        sc.options(point)

    def run(point: dict[str, Any]) -> dict[str, Any]:
        return sc.run(sc.options(point)).json()

    return Target(name, axes, check, run)


# --- latency tools ---------------------------------------------------------------

TIMERLAT_DEFAULTS: dict[str, Any] = {
    "kernel": "mainline", "version": "4.6", "load": "idle", "arch": "arm",
    "engine": "native", "rate": None, "period_us": 1000, "duration_ms": 20.0, "cpus": 4,
    "seed": 0}
CYCLICTEST_DEFAULTS: dict[str, Any] = {
    "kernel": "mainline", "version": "4.6", "load": "idle", "arch": "arm",
    "engine": "native", "rate": None, "prio": 80, "interval_us": 1000, "loops": 20,
    "threads": 1, "seed": 0}


def _timerlat_check(point: dict[str, Any]) -> None:
    from irqemu.latency.timerlat import check_options

    p = {**TIMERLAT_DEFAULTS, **point}
    check_options(kernel=p["kernel"], load=p["load"], arch=p["arch"],
                  period_us=p["period_us"], duration_ms=p["duration_ms"], cpus=p["cpus"],
                  rate=p["rate"])


def _timerlat_run(point: dict[str, Any]) -> dict[str, Any]:
    from irqemu.latency.timerlat import run

    return run(**{**TIMERLAT_DEFAULTS, **point})


def _cyclictest_check(point: dict[str, Any]) -> None:
    from irqemu.latency.cyclictest import check_options

    p = {**CYCLICTEST_DEFAULTS, **point}
    check_options(prio=p["prio"], interval_us=p["interval_us"], loops=p["loops"],
                  threads=p["threads"], histogram_us=None)
    if p["rate"] is not None and p["load"] != "storm":
        raise ValueError(f"--rate applies to --load storm, not --load {p['load']}")


def _cyclictest_run(point: dict[str, Any]) -> dict[str, Any]:
    from irqemu.latency import cyclictest as ct

    p = {**CYCLICTEST_DEFAULTS, **point}
    ths, oc, ld = ct.measure(p["kernel"], prio=p["prio"], interval_us=p["interval_us"],
                             loops=p["loops"], threads=p["threads"], load=p["load"],
                             arch=p["arch"], rate=p["rate"], engine=p["engine"],
                             version=p["version"], seed=p["seed"])
    return ct.result(ths, oc, ld, kernel=p["kernel"], version=p["version"], arch=p["arch"],
                     prio=p["prio"], interval_us=p["interval_us"], loops=p["loops"],
                     histogram_us=None)


TOOLS: dict[str, Target] = {
    "timerlat": Target("timerlat", ("--kernel", "--version", "--load", "--arch", "--engine",
                                    "--rate", "--period", "--duration", "--cpus", "--seed"),
                       _timerlat_check, _timerlat_run),
    "cyclictest": Target("cyclictest", ("--kernel", "--version", "--load", "--arch",
                                        "--engine", "--rate", "--priority", "--interval",
                                        "--loops", "--threads", "--seed"),
                         _cyclictest_check, _cyclictest_run),
}


def names() -> tuple[str, ...]:
    """Every target: the scenarios, then the latency tools."""
    from irqemu.scenarios import NAMES

    return (*NAMES, *TOOLS)


def get(name: str) -> Target:
    """The target called ``name``, or a one-line GridError naming them all."""
    if name in TOOLS:
        return TOOLS[name]
    from irqemu.scenarios import NAMES

    if name in NAMES:
        return _scenario_target(name)
    raise GridError(f"no scenario or latency tool {name!r} (have: {', '.join(names())})")


__all__ = ["AXES", "TOOLS", "Target", "get", "names"]
