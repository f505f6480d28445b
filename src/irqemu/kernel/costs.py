"""Modelled cycle costs of kernel-model functions.

The model charges these to the core it runs on (``CpuOps.charge``), in core
cycles, on entry to the named function. They cover the function's own work,
not the MMIO accesses it makes (the ChipIO implementation charges those) nor
the handlers it calls. No published per-function cycle counts exist for these
paths on Cortex-A9; every figure is an estimate (EST), derived from the
instruction counts of the 4.6 ARM build (roughly one cycle per instruction on
an in-order A9 with warm caches, plus the atomics and barriers each function
contains, priced with TIMING.md's "ldrex/strex loop about 7-10c (EST)").
A cost model may replace the table (``Kernel(costs=...)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: name -> (cycles, source)
COST_TABLE: dict[str, tuple[int, str]] = {
    # kernel/softirq.c
    "irq_enter": (40, "EST: rcu_irq_enter + preempt_count_add, ~40 instructions"),
    "irq_exit": (50, "EST: preempt_count_sub, pending check, tick_irq_exit, rcu_irq_exit"),
    "__raise_softirq_irqoff": (8, "EST: or into the per-CPU pending word (+ trace hook)"),
    "raise_softirq_irqoff": (12, "EST: the above + in_interrupt() test"),
    "raise_softirq": (16, "EST: irqsave wrapper (mrs/cpsid/msr)"),
    "__raise_softirq_irqoff_ksoft": (14, "EST: 4.6-rt: pending word + daemon mask + wakeup"),
    "wakeup_softirqd": (10, "EST: state test; try_to_wake_up is charged separately"),
    "invoke_softirq": (6, "EST"),
    "__do_softirq": (80, "EST: bh count, pending snapshot, irq on/off, restart checks, "
                         "rcu_bh_qs; per vector: kstat, trace hooks, indirect call"),
    "do_current_softirqs": (60, "EST: 4.6-rt: per vector local_lock (rt_mutex fast path "
                                "~2 ldrex/strex) + irq on/off"),
    "local_bh_disable": (6, "EST: preempt_count add (4.6-rt: nestcnt++, migrate_disable)"),
    "__local_bh_enable_ip": (12, "EST: preempt_count sub, pending test, preempt check"),
    "__local_bh_enable": (14, "EST: 4.6-rt: irq off, nestcnt test, migrate_enable"),
    "run_ksoftirqd": (30, "EST: smpboot loop + cond_resched_rcu_qs"),
    "run_timersd": (30, "EST"),
    "__tasklet_schedule": (20, "EST: irqsave, list append, raise"),
    "__tasklet_hi_schedule": (20, "EST"),
    "tasklet_action": (25, "EST: detach list; per tasklet trylock/test_and_clear_bit"),
    "tasklet_hi_action": (25, "EST"),
    # kernel/time
    "tick_handle_periodic": (400, "EST: tick_periodic: do_timer, update_process_times, "
                                  "account, rcu check, profile (~400 insns)"),
    "run_timer_softirq": (60, "EST: base lock, cascade check"),
    "call_timer_fn": (20, "EST"),
    "run_hrtimer_softirq": (40, "EST"),
    # kernel/sched
    "try_to_wake_up": (150, "EST: pi_lock, select_task_rq, enqueue, check_preempt "
                            "(~150 insns on A9)"),
    "__schedule": (1500, "EST: pick_next_task + context_switch (no mm switch for kthreads);"
                         " lmbench lat_ctx on Cortex-A9 class cores is a few us"),
    # kernel/irq/irqdesc.c, irqdomain.c
    "__handle_domain_irq": (30, "EST: set_irq_regs, lookup call, bounds check"),
    "irq_find_mapping": (15, "EST: linear revmap array load"),
    "generic_handle_irq": (12, "EST: radix-tree desc lookup + indirect call"),
    "handle_bad_irq": (40, "EST"),
    # kernel/irq/chip.c
    "handle_level_irq": (45, "EST: raw_spin_lock (ldrex/strex 7-10c) + istate tests"),
    "handle_fasteoi_irq": (45, "EST: raw_spin_lock (ldrex/strex 7-10c) + istate tests"),
    "handle_edge_irq": (50, "EST: raw_spin_lock + istate tests + loop"),
    "handle_simple_irq": (35, "EST"),
    "handle_percpu_irq": (20, "EST: no lock"),
    "handle_percpu_devid_irq": (25, "EST: no lock, per-CPU dev_id"),
    "mask_irq": (6, "EST: indirect call"),
    "unmask_irq": (6, "EST: indirect call"),
    "mask_ack_irq": (8, "EST: indirect calls"),
    "irq_enable": (10, "EST"),
    "irq_disable": (10, "EST"),
    "chained_irq_enter": (6, "EST"),
    "chained_irq_exit": (6, "EST"),
    # kernel/irq/handle.c
    "handle_irq_event": (30, "EST: spin unlock/lock pair + INPROGRESS bit ops"),
    "handle_irq_event_percpu": (25, "EST: per action: trace hooks, irqs_disabled check"),
    "__irq_wake_thread": (60, "EST: test_and_set_bit + atomic_inc + try_to_wake_up entry"),
    "note_interrupt": (20, "EST: counters, jiffies compare"),
    "__report_bad_irq": (2000, "EST: printk + dump_stack"),
    # kernel/irq/manage.c
    "irq_thread": (80, "EST: wait loop, affinity check"),
    "irq_thread_fn": (15, "EST"),
    "irq_forced_thread_fn": (25, "EST: local_bh_disable/enable around the handler"),
    "irq_finalize_oneshot": (40, "EST: chip_bus_lock + raw_spin_lock_irq"),
    "irq_default_primary_handler": (4, "EST: return IRQ_WAKE_THREAD"),
    "disable_irq_nosync": (40, "EST"),
    "enable_irq": (45, "EST"),
    "synchronize_irq": (30, "EST"),
    # kernel/irq/resend.c
    "check_irq_resend": (15, "EST"),
    # drivers/irqchip/irq-gic.c, arch/arm/kernel/smp.c
    "gic_handle_irq": (20, "EST: loop overhead, excluding the GICC_IAR/EOIR MMIO"),
    "handle_IPI": (25, "EST"),
}


def default_costs() -> dict[str, int]:
    return {name: c for name, (c, _src) in COST_TABLE.items()}


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
