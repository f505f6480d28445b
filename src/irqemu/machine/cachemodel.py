"""A machine's memory hierarchy model (``--cache-model``): the C model hooked on its cores.

``attach_cache`` builds ``_core.cache.Hierarchy`` for the machine's CPUs, adds its C
hooks to each core's Unicorn handle (data accesses and block fetches in RAM; the
host-call page and MMIO windows are not RAM, MMIO keeps its ``mmio_access`` cost) and
lets each engine add the pending penalty at block boundaries. RAM the board maps later
is hooked as it is added. Both engines hook the same C functions, so their cycles agree.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from irqemu.machine import machine as machine_mod
from irqemu.timing.hierarchy import HierarchySpec, load_hierarchy


class CacheAttachment:
    """The model of one machine and what it hooked."""

    def __init__(self, machine: Any, spec: HierarchySpec) -> None:
        self.spec = spec
        self.model = spec.build(machine.num_cpus)
        self._handles: list[tuple[int, int]] = []
        for slot in machine.cpus:
            uc = slot.core.uc
            self._handles.append((slot.index, _handle(uc)))
            self.model.keep(uc)
            slot.core.attach_cache(self.model)
        for base, size, _buf in machine._ram:
            if base != machine.hostcall_base:
                self.add_ram(base, size)

    def add_ram(self, base: int, size: int) -> None:
        """Hook the RAM at [base, base+size) on every core."""
        for cpu, handle in self._handles:
            self.model.attach(cpu, handle, [(base, base + size)])

    def stats(self) -> list[dict[str, int]]:
        """Each CPU's counters (accesses, misses per level, transfers, penalty cycles)."""
        return [self.spec.stats(self.model, cpu) for cpu in range(self.model.ncpus)]

    def penalty_cycles(self, cpu: int) -> int:
        """The penalty cycles charged to ``cpu`` so far (and pending)."""
        return int(self.model.stats(cpu)["penalty_cycles"])

    def summary(self) -> dict[str, Any]:
        """The ``--json`` shape: the model's file, its estimates and per-CPU counters."""
        return {"model": self.spec.where, "core": self.spec.core,
                "estimated_figures": self.spec.estimated(),
                "cited_figures": len(self.spec.citations) - self.spec.estimated(),
                "cpus": self.stats()}


def _handle(uc: Any) -> int:
    """The ``uc_engine *`` of a core's Unicorn instance, checked to belong to the
    libunicorn the cache module calls (the unicorn package loads its own copy by path)."""
    from irqemu._core import load_native

    hook_add_address = load_native("cache").hook_add_address

    if type(uc).__module__.split(".")[0] == "unicorn":  # the package's Uc (reference engine)
        lib = sys.modules["unicorn.unicorn_py3.unicorn"].uclib
        theirs = ctypes.cast(lib.uc_hook_add, ctypes.c_void_p).value
        if theirs != hook_add_address():
            raise RuntimeError("--cache-model: the unicorn package loaded another "
                               "libunicorn than irqemu's native modules link; the model's "
                               "C hooks cannot be added to its handles")
    return int(uc._uch.value)


def attach_cache(machine: Any, spec: HierarchySpec) -> CacheAttachment:
    """Give ``machine`` the memory hierarchy ``spec`` (``machine.cache``)."""
    if machine.cache is not None:
        raise RuntimeError("the machine already has a cache model")
    machine.cache = CacheAttachment(machine, spec)
    return machine.cache


class CacheModelOption:
    """``--cache-model``: while inside, every machine built gets a memory hierarchy: the
    one named (a shipped core or a TOML path), else the one of its cost model's core."""

    def __init__(self, name_or_path: str | None = None) -> None:
        self._spec = None if name_or_path is None else load_hierarchy(name_or_path)
        #: the attachments made, in the order the machines were built
        self.attached: list[CacheAttachment] = []

    def _attach(self, machine: Any) -> None:
        spec = self._spec or load_hierarchy(machine.cost_model.core)
        self.attached.append(attach_cache(machine, spec))

    def __enter__(self) -> CacheModelOption:
        machine_mod.MACHINE_CREATED.append(self._attach)
        return self

    def __exit__(self, *exc: object) -> None:
        machine_mod.MACHINE_CREATED.remove(self._attach)


def cache_fields(machine: Any, cpus: Any = None) -> dict[str, int]:
    """A result row's cache figures (summed over ``cpus``, default all): none at all when
    the machine has no cache model, so output without ``--cache-model`` is unchanged."""
    if machine.cache is None:
        return {}
    stats = machine.cache.stats()
    chosen = range(len(stats)) if cpus is None else cpus
    return {"cache_transfers": sum(stats[c]["transfers"] for c in chosen),
            "cache_penalty_cycles": sum(stats[c]["penalty_cycles"] for c in chosen)}
