"""Running the actions of an interrupt (kernel/irq/handle.c, 4.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import PF_EXITING, kfunc
from irqemu.kernel.genirq.irqdesc import IRQD_IRQ_INPROGRESS, IRQS_PENDING, IrqDesc

if TYPE_CHECKING:
    from irqemu.kernel.genirq.manage import IrqAction

# include/linux/irqreturn.h
IRQ_NONE = 0
IRQ_HANDLED = 1 << 0
IRQ_WAKE_THREAD = 1 << 1

# action->thread_flags bits (kernel/irq/internals.h)
IRQTF_RUNTHREAD = 1 << 0
IRQTF_WARNED = 1 << 1
IRQTF_AFFINITY = 1 << 2
IRQTF_FORCED_THREAD = 1 << 3


def irqreturn_name(ret: int) -> str:
    return {IRQ_NONE: "IRQ_NONE", IRQ_HANDLED: "IRQ_HANDLED",
            IRQ_WAKE_THREAD: "IRQ_WAKE_THREAD"}.get(ret, f"{ret:#x}")


@kfunc()
def __irq_wake_thread(desc: IrqDesc, action: IrqAction) -> None:
    """Skip an exiting thread or one whose RUNTHREAD is already set; else mark the
    oneshot bit, count it active, and wake it."""
    k = desc.kernel
    k.enter("__irq_wake_thread", desc, action)
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
    irq = desc.irq
    if k.probes:
        k.fire("irq_handler_entry", irq, action)
    res = int(action.handler(irq, dev_id))
    if k.probes:
        k.fire("irq_handler_exit", irq, action, res)
    if not k.ops.irqs_disabled():
        k.warn_once(f"enabled:{irq}:{action.name}",
                    f"irq {irq} handler {getattr(action.handler, '__name__', action.handler)}"
                    "+0x0/0x0 enabled interrupts")
        k.ops.local_irq_disable()
    return res


@kfunc()
def handle_irq_event_percpu(desc: IrqDesc) -> int:
    """Every action runs, in registration order, whatever each returns; the ORed
    result goes to note_interrupt."""
    from irqemu.kernel.genirq.spurious import note_interrupt

    k = desc.kernel
    k.enter("handle_irq_event_percpu", desc)
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
    k.enter("handle_irq_event", desc)
    desc.istate &= ~IRQS_PENDING
    desc.irq_data.irqd_set(IRQD_IRQ_INPROGRESS)
    ret = handle_irq_event_percpu(desc)
    desc.irq_data.irqd_clear(IRQD_IRQ_INPROGRESS)
    if desc.finalize_waiters:
        # A thread on another CPU was spinning in irq_finalize_oneshot until
        # INPROGRESS cleared: it completes now.
        from irqemu.kernel.genirq.manage import irq_finalize_oneshot

        waiters, desc.finalize_waiters = desc.finalize_waiters, []
        for action in waiters:
            irq_finalize_oneshot(desc, action)
    return ret
