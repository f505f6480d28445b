"""Running the actions of an interrupt, and the handler of a line nobody set up
(kernel/irq/handle.c, 4.6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import PF_EXITING, kfunc
from irqemu.kernel.genirq.spurious import note_interrupt
from irqemu.kernel.genirq.types import (
    IRQ_NONE,
    IRQ_WAKE_THREAD,
    IRQD_IRQ_INPROGRESS,
    IRQS_PENDING,
    IRQTF_RUNTHREAD,
    IRQTF_WARNED,
    UPCALLS,
    IrqAction,
    IrqDesc,
    kstat_incr_irqs_this_cpu,
)

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


def ack_bad_irq(kernel: Kernel, irq: int) -> None:
    """arch/arm/include/asm/hw_irq.h: irq_err_count++ and "unexpected IRQ trap"."""
    kernel.irq_err_count += 1
    kernel.printk(f"unexpected IRQ trap at vector {irq:02x}", level=2)


@kfunc()
def handle_bad_irq(desc: IrqDesc) -> None:
    """The flow handler of a descriptor nobody set up: report, count, ack_bad_irq."""
    k = desc.kernel
    k.fentry(..., desc)
    k.printk(desc.describe())
    kstat_incr_irqs_this_cpu(desc)
    ack_bad_irq(k, desc.irq)


@kfunc()
def __irq_wake_thread(desc: IrqDesc, action: IrqAction) -> None:
    """Skip an exiting thread or one whose RUNTHREAD is already set; else mark the
    oneshot bit, count it active, and wake it."""
    k = desc.kernel
    k.fentry(..., desc, action)
    thread = action.thread
    assert thread is not None
    if thread.flags & PF_EXITING:
        return
    if action.thread_flags & IRQTF_RUNTHREAD:
        return
    action.thread_flags |= IRQTF_RUNTHREAD
    desc.threads_oneshot |= action.thread_mask
    desc.threads_active += 1
    k.wake_up_process(thread)


irq_wake_thread = __irq_wake_thread


def warn_no_thread(irq: int, action: IrqAction) -> None:
    if action.thread_flags & IRQTF_WARNED:
        return
    action.thread_flags |= IRQTF_WARNED
    k = action.kernel
    k.printk(f"IRQ {irq} device {action.name} returned IRQ_WAKE_THREAD "
             "but no thread function available.", level=4)


def run_handler(desc: IrqDesc, action: IrqAction, dev_id: Any) -> int:
    """Call one hard-IRQ handler, with the irq_handler_entry/exit probe points and
    the "enabled interrupts" check."""
    k = desc.kernel
    irq = desc.irq_data.irq
    if k.probes:
        k.fire("irq_handler_entry", irq, action)
    res = int(action.handler(irq, dev_id))
    if k.probes:
        k.fire("irq_handler_exit", irq, action, res)
    if not k.ops.irqs_disabled():
        warn_enabled_irqs(k, irq, action)
    return res


def warn_enabled_irqs(k: Kernel, irq: int, action: IrqAction) -> None:
    """A handler returned with interrupts enabled: WARN once, mask them again."""
    k.warn_once(f"enabled:{irq}:{action.name}",
                f"irq {irq} handler {getattr(action.handler, '__name__', action.handler)}"
                "+0x0/0x0 enabled interrupts")
    k.ops.local_irq_disable()


@kfunc()
def handle_irq_event_percpu(desc: IrqDesc) -> int:
    """Every action runs, in registration order, whatever each returns; the ORed
    result goes to note_interrupt."""
    k = desc.kernel
    k.fentry(..., desc)
    retval = IRQ_NONE
    irq = desc.irq
    for action in list(desc.actions):
        res = run_handler(desc, action, action.dev_id)
        if res == IRQ_WAKE_THREAD:
            if action.thread_fn is None:
                warn_no_thread(irq, action)
            else:
                __irq_wake_thread(desc, action)
        retval |= res
    if not k.config.noirqdebug:
        note_interrupt(desc, retval)
    return retval


@kfunc()
def handle_irq_event(desc: IrqDesc) -> int:
    """Clear PENDING, set INPROGRESS, run the actions, clear INPROGRESS."""
    k = desc.kernel
    k.fentry(..., desc)
    desc.istate &= ~IRQS_PENDING
    desc.irq_data.irqd_set(IRQD_IRQ_INPROGRESS)
    ret = handle_irq_event_percpu(desc)
    desc.irq_data.irqd_clear(IRQD_IRQ_INPROGRESS)
    if desc.finalize_waiters:
        # A thread on another CPU was spinning in irq_finalize_oneshot until
        # INPROGRESS cleared: it completes now.
        waiters, desc.finalize_waiters = desc.finalize_waiters, []
        for action in waiters:
            UPCALLS.irq_finalize_oneshot(desc, action)
    return ret
