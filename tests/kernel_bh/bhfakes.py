"""Helpers for the bottom-half and scheduler tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from irqemu.kernel import Kernel
from irqemu.kernel.context import DeferredRunner
from irqemu.kernel.genirq.chip import handle_fasteoi_irq, irq_set_chip_and_handler_name
from irqemu.kernel.genirq.irqdesc import irq_alloc_descs_from
from irqemu.kernel.genirq.types import IRQ_TYPE_LEVEL_HIGH, IrqChip
from irqemu.kernel.softirq import Softirq


def kernel(flavour: str = "mainline", version: str = "4.6", num_cpus: int = 1,
           autorun: bool = False, **sk: Any) -> Kernel:
    return Kernel(flavour, num_cpus, version="6.x" if version == "6.x" else "4.6",
                  sched=DeferredRunner(autorun=autorun),
                  softirq=Softirq(version=version, **sk))


def hardirq(k: Kernel, body: Callable[[], None], cpu: int = 0) -> None:
    """A hard IRQ whose handler is ``body``: masked, irq_enter, body, irq_exit."""
    with k.on_cpu(cpu):
        was = k.ops.irqs_disabled()
        k.ops.local_irq_disable()
        k.irq_enter()
        body()
        k.irq_exit()
        if not was:
            k.ops.local_irq_enable()
        if not k.in_interrupt():
            k.sched.hardirq_done(cpu)


def line(k: Kernel) -> int:
    """A fasteoi line on a chip that does nothing."""
    chip = IrqChip("NOP", irq_mask=lambda d: None, irq_unmask=lambda d: None,
                   irq_eoi=lambda d: None, irq_set_type=lambda d, t: 0,
                   irq_set_affinity=lambda d, m, f: 0)
    irq = irq_alloc_descs_from(k, 16, 1)
    irq_set_chip_and_handler_name(k.irq_descs[irq], chip, handle_fasteoi_irq)
    k.irq_descs[irq].status_use_accessors |= IRQ_TYPE_LEVEL_HIGH
    return irq


def record(k: Kernel) -> list[tuple[str, int, str]]:
    """softirq_entry events as (event, vec, current comm)."""
    log: list[tuple[str, int, str]] = []

    def on(kk: Kernel, name: str, *a: Any) -> None:
        log.append((name, int(a[0]), kk.current[kk.ops.smp_processor_id()].comm))

    k.register_kprobe("softirq_entry", on)
    return log
