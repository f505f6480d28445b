"""Spurious-interrupt detection (kernel/irq/spurious.c, 4.6: note_interrupt).

A line that goes unhandled 99,901 or more times in a window of 100,000
interrupts is reported ("irq N: nobody cared") and disabled. irqfixup /
irqpoll (misrouted-irq search) are not modelled; the poll timer is recorded
(``kernel.spurious_poll_armed``) and :func:`poll_spurious_irqs` can be run by
whoever owns timers; as 4.6's ``try_one_irq`` it polls only shared lines that are
not timers (a lone handler that returned IRQ_NONE would only say so again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irqemu.kernel.context import kfunc
from irqemu.kernel.genirq.types import (
    __IRQF_TIMER,
    IRQ_HANDLED,
    IRQ_IS_POLLED,
    IRQ_NESTED_THREAD,
    IRQ_NONE,
    IRQ_PER_CPU,
    IRQ_WAKE_THREAD,
    IRQD_IRQ_INPROGRESS,
    IRQF_SHARED,
    IRQS_PENDING,
    IRQS_POLL_INPROGRESS,
    IRQS_SPURIOUS_DISABLED,
    UPCALLS,
    IrqDesc,
)

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

SPURIOUS_DEFERRED = 0x80000000
POLL_SPURIOUS_IRQ_INTERVAL_MS = 100  #: HZ/10


def bad_action_ret(ret: int) -> bool:
    return ret < 0 or ret > (IRQ_HANDLED | IRQ_WAKE_THREAD)


@kfunc()
def __report_bad_irq(desc: IrqDesc, action_ret: int) -> None:
    k = desc.kernel
    k.fentry(..., desc)
    irq = desc.irq
    if bad_action_ret(action_ret):
        k.printk(f"irq event {irq}: bogus return value {action_ret:x}", level=3)
    else:
        k.printk(f'irq {irq}: nobody cared (try booting with the "irqpoll" option)', level=3)
    k.dump_stack()
    k.printk("handlers:", level=3)
    for action in desc.actions:
        line = f"[<{k.fake_addr(action.handler)}>] {_fname(action.handler)}"
        if action.thread_fn is not None:
            line += f" threaded [<{k.fake_addr(action.thread_fn)}>] {_fname(action.thread_fn)}"
        k.printk(line, level=3)


def _fname(fn: object) -> str:
    return str(getattr(fn, "__name__", fn))


def report_bad_irq(desc: IrqDesc, action_ret: int) -> None:
    k = desc.kernel
    if k.report_bad_irq_count < 100:
        k.report_bad_irq_count += 1
        __report_bad_irq(desc, action_ret)


@kfunc()
def note_interrupt(desc: IrqDesc, action_ret: int) -> None:
    k = desc.kernel
    k.fentry(..., desc, action_ret)
    if desc.istate & IRQS_POLL_INPROGRESS or desc.settings_has(IRQ_IS_POLLED):
        return
    if bad_action_ret(action_ret):
        report_bad_irq(desc, action_ret)
        return
    # A pure IRQ_WAKE_THREAD result is judged one interrupt later.
    if action_ret & IRQ_WAKE_THREAD:
        if action_ret == IRQ_WAKE_THREAD:
            if not desc.threads_handled_last & SPURIOUS_DEFERRED:
                desc.threads_handled_last |= SPURIOUS_DEFERRED
                return
            handled = (desc.threads_handled | SPURIOUS_DEFERRED) & 0xFFFFFFFF
            if handled != desc.threads_handled_last:
                action_ret = IRQ_HANDLED
                desc.threads_handled_last = handled
            else:
                action_ret = IRQ_NONE
        else:
            desc.threads_handled_last &= ~SPURIOUS_DEFERRED
    if action_ret == IRQ_NONE:
        jiffies = k.jiffies
        if jiffies - (desc.last_unhandled + k.config.hz // 10) > 0:  # time_after
            desc.irqs_unhandled = 1
        else:
            desc.irqs_unhandled += 1
        desc.last_unhandled = jiffies
    desc.irq_count += 1
    if desc.irq_count < 100000:
        return
    desc.irq_count = 0
    if desc.irqs_unhandled > 99900:
        __report_bad_irq(desc, action_ret)
        k.printk(f"Disabling IRQ #{desc.irq}", level=0)
        desc.istate |= IRQS_SPURIOUS_DISABLED
        desc.depth += 1
        UPCALLS.irq_disable(desc)
        k.spurious_poll_armed = k.jiffies + k.config.hz * POLL_SPURIOUS_IRQ_INTERVAL_MS // 1000
    desc.irqs_unhandled = 0


def _polled_out(desc: IrqDesc) -> bool:
    """PER_CPU, nested-thread and IRQ_IS_POLLED lines are never polled."""
    return desc.settings_has(IRQ_PER_CPU) or desc.settings_has(IRQ_NESTED_THREAD) \
        or desc.settings_has(IRQ_IS_POLLED)


@kfunc("handle_irq_event")
def _poll_irq_event(desc: IrqDesc) -> int:
    """handle_irq_event as try_one_irq calls it: PENDING cleared, INPROGRESS around
    the actions (handle.c imports this module, so the body is repeated here)."""
    desc.istate &= ~IRQS_PENDING
    desc.irq_data.irqd_set(IRQD_IRQ_INPROGRESS)
    try:
        return UPCALLS.handle_irq_event_percpu(desc)
    finally:
        desc.irq_data.irqd_clear(IRQD_IRQ_INPROGRESS)


@kfunc()
def try_one_irq(desc: IrqDesc, force: bool) -> bool:
    """Run a line's handlers once from the poller: only a line whose first action
    is IRQF_SHARED and not __IRQF_TIMER (all actions agree on IRQF_SHARED), and a
    disabled one only when ``force``; True when some handler said IRQ_HANDLED."""
    k = desc.kernel
    k.fentry(..., desc)
    if _polled_out(desc):
        return False
    if desc.irqd_irq_disabled() and not force:
        return False
    action = desc.action
    if action is None or not action.flags & IRQF_SHARED or action.flags & __IRQF_TIMER:
        return False
    if desc.irqd_irq_inprogress():
        desc.istate |= IRQS_PENDING  # running elsewhere: let that CPU look again
        return False
    handled = False
    desc.istate |= IRQS_POLL_INPROGRESS
    try:
        while True:
            if _poll_irq_event(desc) == IRQ_HANDLED:
                handled = True
            if not desc.istate & IRQS_PENDING or not desc.actions:
                break
    finally:
        desc.istate &= ~IRQS_POLL_INPROGRESS
    return handled


@kfunc()
def poll_spurious_irqs(kernel: Kernel) -> None:
    """The poll timer: try_one_irq(desc, force=true) on every spurious-disabled line
    (irq 0 is skipped, as for_each_irq_desc's caller does), interrupts off around each."""
    for irq in sorted(kernel.irq_descs):
        desc = kernel.irq_descs[irq]
        if not irq or not desc.istate & IRQS_SPURIOUS_DISABLED:
            continue
        ops = kernel.ops
        was = ops.irqs_disabled()
        ops.local_irq_disable()
        try_one_irq(desc, True)
        if not was:
            ops.local_irq_enable()
    kernel.spurious_poll_armed = None
