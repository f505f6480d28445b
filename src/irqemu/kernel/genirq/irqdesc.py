"""Interrupt descriptors: allocation, settings, and handling an irq by number
(kernel/irq/irqdesc.c, kernel/irq/settings.h, 4.6). The types are in
:mod:`irqemu.kernel.genirq.types`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irqemu.kernel.context import kfunc
from irqemu.kernel.genirq.handle import ack_bad_irq, handle_bad_irq
from irqemu.kernel.genirq.types import (
    EEXIST,
    EINVAL,
    IRQ_LEVEL,
    IRQ_NO_BALANCING,
    IRQ_NOAUTOEN,
    IRQ_NOPROBE,
    IRQ_NOTHREAD,
    IRQ_PER_CPU,
    IRQ_PER_CPU_DEVID,
    IRQ_TYPE_SENSE_MASK,
    IRQD_LEVEL,
    IRQD_NO_BALANCING,
    IRQD_PER_CPU,
    IRQD_TRIGGER_MASK,
    IrqDesc,
    IrqDomain,
    irq_find_mapping,
)

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


def irq_to_desc(kernel: Kernel, irq: int) -> IrqDesc | None:
    return kernel.irq_descs.get(irq)


def irq_alloc_descs(kernel: Kernel, irq: int, from_: int, cnt: int) -> int:
    """__irq_alloc_descs: ``irq`` >= 0 asks for exactly that number; else the first
    free run of ``cnt`` at or above ``from_``. Returns the first irq or -EEXIST/-ENOMEM."""
    if irq >= 0:
        if from_ > irq:
            return -22
        from_ = irq
    start = max(from_, 0)
    while any(i in kernel.irq_descs for i in range(start, start + cnt)):
        if irq >= 0:
            return -EEXIST
        start += 1
    for i in range(start, start + cnt):
        kernel.irq_descs[i] = IrqDesc(kernel, i, handle_bad_irq)
    kernel.nr_irqs = max(kernel.nr_irqs, start + cnt)  # irq_expand_nr_irqs
    return start


def irq_alloc_descs_from(kernel: Kernel, from_: int, cnt: int) -> int:
    return irq_alloc_descs(kernel, -1, from_, cnt)


def irq_free_descs(kernel: Kernel, irq: int, cnt: int) -> None:
    for i in range(irq, irq + cnt):
        kernel.irq_descs.pop(i, None)


def kstat_irqs_cpu(desc: IrqDesc, cpu: int) -> int:
    return desc.kstat_irqs[cpu]


def irq_set_status_flags(desc: IrqDesc, set_: int, clr: int = 0) -> None:
    """irq_modify_status (the settings part; IRQD mirrors for PER_CPU/LEVEL)."""
    desc.status_use_accessors = (desc.status_use_accessors & ~clr) | set_
    d = desc.irq_data
    d.irqd_clear(IRQD_PER_CPU | IRQD_NO_BALANCING | IRQD_LEVEL)
    if desc.status_use_accessors & IRQ_PER_CPU:
        d.irqd_set(IRQD_PER_CPU)
    if desc.status_use_accessors & IRQ_NO_BALANCING:
        d.irqd_set(IRQD_NO_BALANCING)
    if desc.status_use_accessors & IRQ_LEVEL:
        d.irqd_set(IRQD_LEVEL)
    trig = desc.status_use_accessors & IRQ_TYPE_SENSE_MASK
    if trig:
        d.common.state_use_accessors = (d.state & ~IRQD_TRIGGER_MASK) | trig


def irq_set_percpu_devid(desc: IrqDesc) -> None:
    """irq_set_percpu_devid: IRQ_NOAUTOEN | IRQ_PER_CPU | IRQ_NOTHREAD | IRQ_NOPROBE
    | IRQ_PER_CPU_DEVID (irq_set_percpu_devid_flags)."""
    irq_set_status_flags(
        desc, IRQ_NOAUTOEN | IRQ_PER_CPU | IRQ_NOTHREAD | IRQ_NOPROBE | IRQ_PER_CPU_DEVID
    )


@kfunc()
def generic_handle_irq(kernel: Kernel, irq: int) -> int:
    """Run ``irq``'s flow handler; -EINVAL if it has no descriptor."""
    kernel.fentry(..., irq)
    desc = kernel.irq_descs.get(irq)
    if desc is None:
        return -EINVAL
    desc.handle_irq(desc)
    return 0


@kfunc()
def __handle_domain_irq(kernel: Kernel, domain: IrqDomain | None, hwirq: int,
                        lookup: bool = True) -> int:
    """irq_enter, irq_find_mapping, generic_handle_irq (or ack_bad_irq), irq_exit."""
    kernel.fentry(..., hwirq)
    kernel.irq_enter()
    irq = irq_find_mapping(domain, hwirq) if lookup else hwirq
    ret = 0
    if not irq or irq >= kernel.nr_irqs:
        ack_bad_irq(kernel, irq)
        ret = -EINVAL
    else:
        generic_handle_irq(kernel, irq)
    kernel.irq_exit()
    return ret


handle_domain_irq = __handle_domain_irq
