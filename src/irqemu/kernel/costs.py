"""Modelled cycle costs of kernel-model functions.

The model charges these to the core it runs on (``CpuOps.charge``), in core
cycles, on entry to the named function. They cover the function's own work,
not the MMIO accesses it makes (the ChipIO implementation charges those) nor
the handlers it calls. No published per-function cycle counts exist for these
paths on Cortex-A9, so every entry is an estimate: it says how it was derived
(roughly one cycle per instruction of the function in the 4.6 ARM build on an
in-order A9 with warm caches, plus the atomics and barriers it contains) and its
basis names the public sources that rests on (:data:`BASIS`). Entries follow the
cost models' citation rule (``irqemu.timing.costmodel.citation``; docs/timing.md).
A cost model may replace the table (``Kernel(costs=...)``). Modules with functions of
their own keep their tables beside them, registered in :data:`KERNEL_COST_TABLES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple


class KernelCost(NamedTuple):
    """One kernel function's modelled cycles and their citation (as a cost-model entry:
    ``source`` is the published source, or, when ``estimated``, how it was derived)."""

    cycles: int
    source: str
    estimated: bool = True
    basis: str = ""


#: what every kernel estimate rests on: the function's source and ARM build, and the
#: published cycle timings of the Cortex-A9 (one data-processing instruction a cycle)
BASIS = ("Linux v4.6 source of the function (kernel.org, tag v4.6) and its ARM "
         "(multi_v7_defconfig) build's instruction count; ARM Cortex-A9 TRM r4p1 "
         "(ARM DDI 0388I) Appendix B, data-processing instructions (1 cycle each)")
#: ... and, for functions taking a spinlock or doing atomics, the exclusive pair's cost
LOCK_BASIS = (BASIS + "; an LDREX/STREX loop of 7-10 cycles from Cortex-R4 TRM (ARM DDI "
              "0363E) ch. 14 and ARM1176JZF-S TRM (ARM DDI 0301H) ch. 16 result latencies")


#: how the other tables' estimates are priced: the published timings of the core the
#: instruction count is charged on (one simple instruction a cycle), and the atomics'
A9_TIMING = ("priced at one a cycle: ARM Cortex-A9 TRM r4p1 (ARM DDI 0388I) Appendix B, "
             "data-processing instructions (1 cycle each)")
A9_LOCK_TIMING = (A9_TIMING + "; an LDREX/STREX loop of 7-10 cycles from Cortex-R4 TRM "
                  "(ARM DDI 0363E) ch. 14 and ARM1176JZF-S TRM (ARM DDI 0301H) ch. 16")
A53_TIMING = ("priced at one a cycle: ARM Cortex-A53 TRM (ARM DDI 0500) section 1.1 "
              "'About the Cortex-A53 processor' (in-order pipeline); Arm publishes no "
              "instruction timings for it")
SKYLAKE_TIMING = ("priced at about one a cycle (branchy kernel code, a fresh buffer's "
                  "cache misses) rather than the 0.25 reciprocal throughput of simple "
                  "integer instructions in Agner Fog, 'Instruction tables', Intel Skylake "
                  "section")


def linux_basis(where: str, timing: str = A9_TIMING) -> str:
    """The basis of an estimate counted from ``where`` ("<file> <function>()") in Linux
    v4.6 and priced with ``timing``."""
    return f"Linux v4.6 {where} (kernel.org, tag v4.6), its instruction count; {timing}"


def estimate(cycles: int, how: str, basis: str = BASIS) -> KernelCost:
    """An estimated entry: ``how`` it was derived, the public ``basis`` it rests on."""
    return KernelCost(cycles, how, True, basis)


_est = estimate

#: every table of kernel cost entries by name: COST_TABLE and those the modules defining
#: one register (:func:`kernel_cost_table`); tests/timing/test_citations.py checks each
#: entry against the citation rule and that no module defines a table outside it
KERNEL_COST_TABLES: dict[str, dict[str, KernelCost]] = {}


def kernel_cost_table(name: str, table: dict[str, KernelCost]) -> dict[str, KernelCost]:
    """Register ``table`` (name -> KernelCost) as ``name`` and return it."""
    KERNEL_COST_TABLES[name] = table
    return table


def kernel_estimates_note() -> str:
    """One line for output whose figures rest on the modelled kernel's cost entries: how many
    of the entries registered so far (the tables the run's modules define) are estimates."""
    entries = [c for table in KERNEL_COST_TABLES.values() for c in table.values()]
    est = sum(1 for c in entries if c.estimated)
    return (f"Modelled kernel cycles rest on {len(entries)} cost entries in "
            f"{len(KERNEL_COST_TABLES)} tables, {est} of them estimates (Linux 4.6 instruction "
            "counts priced with published core timings; docs/timing.md).")


#: name -> KernelCost
COST_TABLE: dict[str, KernelCost] = {
    # kernel/softirq.c
    "irq_enter": _est(40, "rcu_irq_enter + preempt_count_add, ~40 instructions"),
    "irq_exit": _est(50, "preempt_count_sub, pending check, tick_irq_exit, rcu_irq_exit"),
    "__raise_softirq_irqoff": _est(8, "or into the per-CPU pending word (+ trace hook)"),
    "raise_softirq_irqoff": _est(12, "the above + in_interrupt() test"),
    "raise_softirq": _est(16, "irqsave wrapper (mrs/cpsid/msr)"),
    "__raise_softirq_irqoff_ksoft": _est(14, "4.6-rt: pending word + daemon mask + wakeup"),
    "wakeup_softirqd": _est(10, "state test; try_to_wake_up is charged separately"),
    "invoke_softirq": _est(6, "about 6 instructions of its 4.6 ARM build, one a cycle"),
    "__do_softirq": _est(80, "bh count, pending snapshot, irq on/off, restart checks, "
                         "rcu_bh_qs; per vector: kstat, trace hooks, indirect call"),
    "do_current_softirqs": _est(60, "4.6-rt: per vector local_lock (rt_mutex fast path "
                                "~2 ldrex/strex) + irq on/off", LOCK_BASIS),
    "local_bh_disable": _est(6, "preempt_count add (4.6-rt: nestcnt++, migrate_disable)"),
    "__local_bh_enable_ip": _est(12, "preempt_count sub, pending test, preempt check"),
    "__local_bh_enable": _est(14, "4.6-rt: irq off, nestcnt test, migrate_enable"),
    "run_ksoftirqd": _est(30, "smpboot loop + cond_resched_rcu_qs"),
    "run_timersd": _est(30, "about 30 instructions of its 4.6 ARM build, one a cycle"),
    "__tasklet_schedule": _est(20, "irqsave, list append, raise", LOCK_BASIS),
    "__tasklet_hi_schedule": _est(20, "about 20 instructions of its 4.6 ARM build, one a cycle"),
    "tasklet_action": _est(25, "detach list; per tasklet trylock/test_and_clear_bit", LOCK_BASIS),
    "tasklet_hi_action": _est(25, "about 25 instructions of its 4.6 ARM build, one a cycle"),
    # kernel/time
    "tick_handle_periodic": _est(400, "tick_periodic: do_timer, update_process_times, "
                                  "account, rcu check, profile (~400 insns)"),
    "run_timer_softirq": _est(60, "base lock, cascade check", LOCK_BASIS),
    "call_timer_fn": _est(20, "about 20 instructions of its 4.6 ARM build, one a cycle"),
    "run_hrtimer_softirq": _est(40, "about 40 instructions of its 4.6 ARM build, one a cycle"),
    # kernel/sched
    "try_to_wake_up": _est(150, "pi_lock, select_task_rq, enqueue, check_preempt "
                            "(~150 insns on A9)", LOCK_BASIS),
    "__schedule": _est(1500, "pick_next_task + context_switch (no mm switch for kthreads);"
                         " about 2 us at 792 MHz, the order lmbench's lat_ctx reports",
                         BASIS + "; McVoy and Staelin, 'lmbench: Portable Tools for "
                         "Performance Analysis', USENIX 1996, section 'Context switching'"),
    # kernel/irq/irqdesc.c, irqdomain.c
    "__handle_domain_irq": _est(30, "set_irq_regs, lookup call, bounds check"),
    "irq_find_mapping": _est(15, "linear revmap array load"),
    "generic_handle_irq": _est(12, "radix-tree desc lookup + indirect call"),
    "handle_bad_irq": _est(40, "about 40 instructions of its 4.6 ARM build, one a cycle"),
    # kernel/irq/chip.c
    "handle_level_irq": _est(45, "raw_spin_lock (ldrex/strex 7-10c) + istate tests", LOCK_BASIS),
    "handle_fasteoi_irq": _est(45, "raw_spin_lock (ldrex/strex 7-10c) + istate tests", LOCK_BASIS),
    "handle_edge_irq": _est(50, "raw_spin_lock + istate tests + loop", LOCK_BASIS),
    "handle_simple_irq": _est(35, "about 35 instructions of its 4.6 ARM build, one a cycle"),
    "handle_percpu_irq": _est(20, "no lock"),
    "handle_percpu_devid_irq": _est(25, "no lock, per-CPU dev_id"),
    "mask_irq": _est(6, "indirect call"),
    "unmask_irq": _est(6, "indirect call"),
    "mask_ack_irq": _est(8, "indirect calls"),
    "irq_enable": _est(10, "about 10 instructions of its 4.6 ARM build, one a cycle"),
    "irq_disable": _est(10, "about 10 instructions of its 4.6 ARM build, one a cycle"),
    "chained_irq_enter": _est(6, "about 6 instructions of its 4.6 ARM build, one a cycle"),
    "chained_irq_exit": _est(6, "about 6 instructions of its 4.6 ARM build, one a cycle"),
    # kernel/irq/handle.c
    "handle_irq_event": _est(30, "spin unlock/lock pair + INPROGRESS bit ops", LOCK_BASIS),
    "handle_irq_event_percpu": _est(25, "per action: trace hooks, irqs_disabled check"),
    "__irq_wake_thread": _est(60, "test_and_set_bit + atomic_inc + try_to_wake_up entry",
                              LOCK_BASIS),
    "note_interrupt": _est(20, "counters, jiffies compare"),
    "__report_bad_irq": _est(2000, "printk + dump_stack"),
    # kernel/irq/manage.c
    "irq_thread": _est(80, "wait loop, affinity check"),
    "irq_thread_fn": _est(15, "about 15 instructions of its 4.6 ARM build, one a cycle"),
    "irq_forced_thread_fn": _est(25, "local_bh_disable/enable around the handler"),
    "irq_finalize_oneshot": _est(40, "chip_bus_lock + raw_spin_lock_irq", LOCK_BASIS),
    "irq_default_primary_handler": _est(4, "return IRQ_WAKE_THREAD"),
    "disable_irq_nosync": _est(40, "about 40 instructions of its 4.6 ARM build, one a cycle"),
    "enable_irq": _est(45, "about 45 instructions of its 4.6 ARM build, one a cycle"),
    "synchronize_irq": _est(30, "about 30 instructions of its 4.6 ARM build, one a cycle"),
    # kernel/irq/resend.c
    "check_irq_resend": _est(15, "about 15 instructions of its 4.6 ARM build, one a cycle"),
    # drivers/irqchip/irq-gic.c, arch/arm/kernel/smp.c
    "gic_handle_irq": _est(20, "loop overhead, excluding the GICC_IAR/EOIR MMIO"),
    "handle_IPI": _est(25, "about 25 instructions of its 4.6 ARM build, one a cycle"),
}
kernel_cost_table("COST_TABLE", COST_TABLE)


def default_costs() -> dict[str, int]:
    return {name: c.cycles for name, c in COST_TABLE.items()}


class CostTable(dict[str, int]):
    """A kernel's cost table (name -> cycles): a dict that calls ``on_change`` after
    each change, so what is resolved from it once (the hard-IRQ fast path's costs)
    stays what the table says. Drivers add their entries with ``setdefault``."""

    __slots__ = ("on_change",)

    def __init__(self, table: dict[str, int], on_change: Callable[[], None]) -> None:
        super().__init__(table)
        self.on_change = on_change

    def __setitem__(self, name: str, cycles: int) -> None:
        super().__setitem__(name, cycles)
        self.on_change()

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        self.on_change()

    def setdefault(self, name: str, cycles: int) -> int:  # type: ignore[override]
        had = name in self
        value = super().setdefault(name, cycles)
        if not had:
            self.on_change()
        return value

    def update(self, *args: Any, **kw: int) -> None:  # type: ignore[override]
        super().update(*args, **kw)
        self.on_change()

    def pop(self, name: str, *default: int) -> int:  # type: ignore[override]
        value = super().pop(name, *default)
        self.on_change()
        return value

    def popitem(self) -> tuple[str, int]:
        item = super().popitem()
        self.on_change()
        return item

    def clear(self) -> None:
        super().clear()
        self.on_change()

    def __ior__(self, other: Any) -> CostTable:  # type: ignore[override,misc]
        self.update(other)
        return self
