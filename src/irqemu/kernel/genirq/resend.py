"""Replaying interrupts that arrived while a line was disabled (kernel/irq/resend.c, 4.6).

Level lines never replay (the hardware re-asserts them). Edge lines with
IRQS_PENDING get IRQS_REPLAY and are retriggered by the chip if it can; the
GIC cannot, so with CONFIG_HARDIRQS_SW_RESEND (ARM) the irq goes into
``irqs_resend`` and a tasklet (TASKLET_SOFTIRQ) calls its flow handler with
interrupts off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irqemu.kernel.context import kfunc
from irqemu.kernel.genirq.types import IRQ_NESTED_THREAD, IRQS_PENDING, IRQS_REPLAY, IrqDesc
from irqemu.kernel.tasklet import TaskletStruct, tasklet_init, tasklet_schedule

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


@kfunc()
def resend_irqs(kernel: Kernel) -> None:
    """The resend tasklet: run each queued irq's flow handler, lowest irq first."""
    ops = kernel.ops
    while kernel.irqs_resend:
        irq = min(kernel.irqs_resend)
        kernel.irqs_resend.discard(irq)
        desc = kernel.irq_descs.get(irq)
        if desc is None:
            continue
        was = ops.irqs_disabled()
        ops.local_irq_disable()
        desc.handle_irq(desc)
        if not was:
            ops.local_irq_enable()


@kfunc()
def check_irq_resend(desc: IrqDesc) -> None:
    k = desc.kernel
    k.fentry(..., desc)
    if desc.irq_settings_is_level():
        desc.istate &= ~IRQS_PENDING
        return
    if desc.istate & IRQS_REPLAY:
        return
    if not desc.istate & IRQS_PENDING:
        return
    desc.istate &= ~IRQS_PENDING
    desc.istate |= IRQS_REPLAY
    chip = desc.irq_data.chip
    if chip.irq_retrigger is not None and chip.irq_retrigger(desc.irq_data):
        return
    if not k.config.hardirqs_sw_resend:
        return
    irq = desc.irq
    if desc.settings_has(IRQ_NESTED_THREAD):
        if not desc.parent_irq:
            return
        irq = desc.parent_irq
    k.irqs_resend.add(irq)
    tasklet_schedule(k, resend_tasklet(k))


def resend_tasklet(kernel: Kernel) -> TaskletStruct:
    """DECLARE_TASKLET(resend_tasklet, resend_irqs, 0): one per kernel, made at first use."""
    t = kernel.resend_tasklet
    if t is None:
        t = kernel.resend_tasklet = tasklet_init(lambda _data: resend_irqs(kernel), 0,
                                                 "resend_tasklet")
    return t
