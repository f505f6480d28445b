"""What a latency figure rests on: the cost-model entries on its path, each with its
cycles, its citation and whether that citation is an estimate (the entry's ``estimated``
flag).

The IRQ latency path is the core's exception entry, kernel.elf's IRQ stub (its
instructions costed by the core model's classes), the interrupt controller's MMIO and
the modelled kernel's functions down to ``timerlat_irq``; the thread latency path
adds the wakeup, the rest of the hard IRQ (irq_exit, softirqs run there), the
reprogramming of the clock event and the context switch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from irqemu.scenarios._oncore import OnCore

#: the modelled kernel functions on each path, per arch (those the kernel's cost table has)
IRQ_PATH = {
    "arm": ("gic_handle_irq", "__handle_domain_irq", "irq_enter", "irq_find_mapping",
            "generic_handle_irq", "handle_percpu_devid_irq", "twd_handler",
            "hrtimer_interrupt", "__hrtimer_run_queues", "__run_hrtimer"),
    "x86": ("ack_APIC_irq", "smp_apic_timer_interrupt", "irq_enter", "hrtimer_interrupt",
            "__hrtimer_run_queues", "__run_hrtimer"),
}
THREAD_PATH = ("try_to_wake_up", "clockevents_program_event", "irq_exit", "__schedule")
#: each tool's own functions: (its timer callback, its thread's return to the sample)
TOOL_FUNCS = {"timerlat": (("timerlat_irq",), ("timerlat_main",)),
              "cyclictest": (("hrtimer_wakeup",), ("do_nanosleep",))}
CORE_EVENTS = ("exception_entry", "mmio_access")


def _sources() -> dict[str, tuple[str, bool]]:
    """Every kernel cost entry's citation and whether it is an estimate (the records'
    flag), from the registered tables of the modules on these paths."""
    import irqemu.kernel.drivers.arm_arch_timer
    import irqemu.kernel.drivers.arm_twd
    import irqemu.kernel.hrtimer
    import irqemu.latency.costs  # noqa: F401  (each registers its table)
    from irqemu.kernel.costs import KERNEL_COST_TABLES

    return {name: (c.source, c.estimated) for table in KERNEL_COST_TABLES.values()
            for name, c in table.items()}


def _entry(kind: str, name: str, cycles: int, source: str, estimated: bool) -> dict[str, Any]:
    return {"entry": f"{kind} {name}", "cycles": cycles, "source": source,
            "estimate": estimated or not source}


def basis(oc: OnCore, tool: str = "timerlat") -> dict[str, Any]:
    """The ``basis`` entry of ``--json``: core-model events and kernel entries per path."""
    model = oc.machine.cost_model
    k = oc.kernel
    src = _sources()
    core = [_entry(f"{model.core}.events", name, c.cycles, c.source, c.estimated)
            for name, c in sorted(model.events.items()) if name in CORE_EVENTS]
    classes = sorted(model.classes.items())
    est_classes = [n for n, c in classes if c.estimated]

    def kernel_entries(names: tuple[str, ...]) -> list[dict[str, Any]]:
        return [_entry("kernel", n, k.costs[n], *src.get(n, ("", True)))
                for n in names if n in k.costs]

    own_irq, own_thread = TOOL_FUNCS[tool]
    irq = core + kernel_entries(IRQ_PATH[oc.arch] + own_irq)
    thread = kernel_entries(THREAD_PATH + own_thread)
    every = irq + thread
    return {
        "cost_model": model.path or model.core,
        "irq_path": irq,
        "thread_path_adds": thread,
        "instruction_classes": {"count": len(classes), "estimated": est_classes},
        "estimated_entries": sum(1 for e in every if e["estimate"]),
        "entries": len(every),
    }


def describe(b: dict[str, Any], hz: int, *, irq: str = "IRQ latency rests on",
             thread: str = "Thread latency adds") -> list[str]:
    """Lines for the text output: what the figures are and what they rest on."""

    def names(entries: list[dict[str, Any]]) -> str:
        return ", ".join(f"{e['entry'].split(' ', 1)[1]} {e['cycles']}c"
                         f"{' (EST)' if e['estimate'] else ''}" for e in entries)

    cls = b["instruction_classes"]
    return [
        f"Figures are simulated time: modelled cycles of the {b['cost_model']} cost model "
        f"at {hz / 1e6:g} MHz (1 us = {hz // 10**6} cycles), not a measurement of hardware.",
        f"{irq}: {names(b['irq_path'])}; and kernel.elf's IRQ stub, costed "
        f"by {cls['count']} instruction classes ({len(cls['estimated'])} estimated).",
        f"{thread}: {names(b['thread_path_adds'])}.",
        f"{b['estimated_entries']} of these {b['entries']} entries are estimates (derived, "
        "not published): read the figures as the model's, good for comparing kernels and "
        "loads, not as a board's measured latency.",
    ]


__all__ = ["CORE_EVENTS", "IRQ_PATH", "THREAD_PATH", "TOOL_FUNCS", "basis", "describe"]
