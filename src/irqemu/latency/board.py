"""The board a latency tool runs on: kernel.elf booted in high resolution mode
(:mod:`irqemu.kernel.hrtimer`) on the i.MX6Q or the pc, with a load beside it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from irqemu.latency.loads import (
    DEFAULT_RATE,
    START_PS,
    Load,
    probe_e1000e,
    spawn_on_cpu,
    start_smis,
    start_storm,
)

if TYPE_CHECKING:
    from irqemu.scenarios._oncore import OnCore


def boot_loaded(kernel: str, *, load: str, arch: str, rate: float | None, cpus: int,
                engine: str, version: str, seed: int, end_ps: int,
                on_start: Callable[[OnCore], None],
                on_cpu_up: Callable[[OnCore, int], None]) -> tuple[OnCore, Load]:
    """Boot ``cpus`` CPUs with ``load`` (storm frames, SMIs and per-CPU tasks until
    ``end_ps``); ``on_start`` runs at kernel_start, ``on_cpu_up`` on each CPU as it comes
    up (the tool's threads), before the load's own task there. Not yet run."""
    from irqemu.kernel.napi import napi_layer
    from irqemu.scenarios._oncore import boot

    storm = load == "storm"
    ld = Load(load, rate=(rate if rate is not None else DEFAULT_RATE[arch]) if storm else 0.0)
    state: dict[str, Any] = {}

    def start(oc: OnCore) -> None:
        on_start(oc)
        if storm and arch == "x86":
            state["adapter"] = probe_e1000e(oc)

    def cpu_up(oc: OnCore, cpu: int) -> None:
        on_cpu_up(oc, cpu)
        spawn_on_cpu(oc, ld, cpu)

    oc = boot(kernel, version=version, engine=engine, cpus=cpus, arch=arch,
              fec=storm and arch == "arm", highres=True, on_start=start, on_cpu_up=cpu_up)
    if storm:
        # a hard IRQ nests between the packets of a NAPI poll (Linux polls with
        # interrupts on), not only between polls
        napi_layer(oc.kernel).irq_window_per_packet = True
        start_storm(oc, ld, end_ps, seed)
    if load == "smi":
        start_smis(oc, ld, list(range(cpus)), end_ps)
    return oc, ld


__all__ = ["START_PS", "boot_loaded"]
