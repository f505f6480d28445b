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

#: name -> (cycles, source)
COST_TABLE: dict[str, tuple[int, str]] = {
    # kernel/softirq.c
    "irq_enter": (40, "EST: rcu_irq_enter + preempt_count_add, ~40 instructions"),
    "irq_exit": (50, "EST: preempt_count_sub, pending check, tick_irq_exit, rcu_irq_exit"),
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
