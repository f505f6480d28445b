"""The hard-IRQ fast path: ``__handle_domain_irq`` and what it calls, in one frame.

When no probe is attached to the kernel, :func:`handle_domain_irq_fast` does what
``__handle_domain_irq`` does with the reference functions (irq_enter, the
revmap lookup, generic_handle_irq, the percpu_devid or fasteoi flow handler,
handle_irq_event, handle_irq_event_percpu, run_handler, note_interrupt's common
case, the chip's EOI, irq_exit), in the same order with the same state changes,
charging the same modelled cycles, without a Python call per model function:

- costs are resolved once (:class:`HardirqCosts`, rebuilt when the kernel's cost
  table changes); the fentry charges that follow each other with nothing between
  them that reads the time (an MMIO access, a handler, a printk) are added into
  one charge, so every access sees the cycle count the reference path gives it;
- the local ``frames`` (:func:`~irqemu.kernel.context.frame_run`) names the model
  functions the reference path would have on the stack at each point, so a
  WARN's stack dump or a probe reads the same stack;
- every probe point after a call out of the path (the handlers, a thread wakeup,
  a softirq at irq_exit) checks for probes again and fires them, or calls the
  reference function that fires them: a probe attached meanwhile sees every event.

Anything else (probes attached at entry, a bad or unmapped irq, other flow
handlers, a line that may not run now, a percpu line without an action) is left
to the reference functions, which charge and probe for themselves.
``Kernel.hardirq_fast = False`` turns the path off (the tests compare both).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irqemu.kernel.context import frame_run
from irqemu.kernel.genirq.chip import (
    cond_unmask_eoi_irq,
    handle_fasteoi_irq,
    handle_percpu_devid_irq,
    mask_irq,
)
from irqemu.kernel.genirq.handle import (
    __irq_wake_thread,
    ack_bad_irq,
    warn_enabled_irqs,
    warn_no_thread,
)
from irqemu.kernel.genirq.irqdesc import generic_handle_irq
from irqemu.kernel.genirq.spurious import note_interrupt
from irqemu.kernel.genirq.types import (
    EINVAL,
    IRQ_HANDLED,
    IRQ_IS_POLLED,
    IRQ_WAKE_THREAD,
    IRQD_IRQ_DISABLED,
    IRQD_IRQ_INPROGRESS,
    IRQD_WAKEUP_ARMED,
    IRQS_ONESHOT,
    IRQS_PENDING,
    IRQS_POLL_INPROGRESS,
    IRQS_REPLAY,
    IRQS_WAITING,
    UPCALLS,
    IrqDomain,
)
from irqemu.kernel.preempt import HARDIRQ_OFFSET

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


class HardirqCosts:
    """The cost table's entries for the hard-IRQ path, resolved once (0 if absent)."""

    __slots__ = ("gic_handle_irq", "handle_domain_irq", "irq_enter", "generic_handle_irq",
                 "handle_percpu_devid_irq", "handle_fasteoi_irq", "handle_irq_event",
                 "handle_irq_event_percpu", "note_interrupt", "irq_exit", "entry",
                 "percpu_devid", "fasteoi_flow", "fasteoi_event")

    def __init__(self, table: dict[str, int]) -> None:
        get = table.get
        self.gic_handle_irq = get("gic_handle_irq") or 0
        self.handle_domain_irq = get("__handle_domain_irq") or 0
        self.irq_enter = get("irq_enter") or 0
        self.generic_handle_irq = get("generic_handle_irq") or 0
        self.handle_percpu_devid_irq = get("handle_percpu_devid_irq") or 0
        self.handle_fasteoi_irq = get("handle_fasteoi_irq") or 0
        self.handle_irq_event = get("handle_irq_event") or 0
        self.handle_irq_event_percpu = get("handle_irq_event_percpu") or 0
        self.note_interrupt = get("note_interrupt") or 0
        self.irq_exit = get("irq_exit") or 0
        # the sums the fast path charges at once (fentries with nothing between them)
        self.entry = self.handle_domain_irq + self.irq_enter
        self.percpu_devid = self.entry + self.generic_handle_irq + self.handle_percpu_devid_irq
        self.fasteoi_flow = self.entry + self.generic_handle_irq + self.handle_fasteoi_irq
        self.fasteoi_event = self.handle_irq_event + self.handle_irq_event_percpu


# the model frames the fast path stands for, innermost first
Frames = tuple[str, ...]
_DOMAIN: Frames = ("__handle_domain_irq",)
_EXIT: Frames = ("irq_exit", "__handle_domain_irq")
_PERCPU_DEVID: Frames = ("handle_percpu_devid_irq", "generic_handle_irq", "__handle_domain_irq")
_FASTEOI: Frames = ("handle_fasteoi_irq", "generic_handle_irq", "__handle_domain_irq")
_EVENT: Frames = ("handle_irq_event", *_FASTEOI)
_EVENT_PERCPU: Frames = ("handle_irq_event_percpu", *_EVENT)

#: irq_may_run's state bits (either: it may not run at once) and handle_fasteoi_irq's
#: disabled test
_NOT_NOW = IRQD_IRQ_INPROGRESS | IRQD_WAKEUP_ARMED | IRQD_IRQ_DISABLED


@frame_run
def handle_domain_irq_fast(kernel: Kernel, domain: IrqDomain | None, hwirq: int,
                           cpu: int = -1) -> int:
    """``__handle_domain_irq(domain, hwirq)`` with no probe attached (see the module);
    ``cpu``: smp_processor_id(), when the caller has it."""
    frames = _DOMAIN
    c = kernel.hardirq_costs
    ops = kernel.ops
    charge = ops.charge
    if cpu < 0:
        cpu = ops.smp_processor_id()
    # irq_enter (its fentry's charge is added to the next one)
    kernel.preempt_count[cpu] += HARDIRQ_OFFSET
    kernel.hardirq_nesting[cpu] += 1
    # irq_find_mapping
    irq = 0
    if domain is not None and 0 <= hwirq < domain.revmap_size:
        irq = domain.linear_revmap[hwirq]
    ret = 0
    desc = kernel.irq_descs.get(irq) if irq and irq < kernel.nr_irqs else None
    flow = desc.handle_irq if desc is not None else None
    if desc is not None and flow is handle_percpu_devid_irq and desc.actions:
        charge(c.percpu_devid)
        frames = _PERCPU_DEVID
        desc.kstat_irqs[cpu] += 1  # kstat_incr_irqs_this_cpu
        data = desc.irq_data
        chip = data.chip
        if chip.irq_ack is not None:
            chip.irq_ack(data)
        action = desc.actions[0]
        dev_id = action.percpu_dev_id[cpu] if action.percpu_dev_id is not None else None
        # run_handler
        irq = data.irq
        if kernel.probes:
            kernel.fire("irq_handler_entry", irq, action)
        res = int(action.handler(irq, dev_id))
        if kernel.probes:
            kernel.fire("irq_handler_exit", irq, action, res)
        if not ops.irqs_disabled():
            warn_enabled_irqs(kernel, irq, action)
        if chip.irq_eoi is not None:
            chip.irq_eoi(data)
    elif desc is not None and flow is handle_fasteoi_irq and desc.actions \
            and not desc.irq_common_data.state_use_accessors & _NOT_NOW \
            and desc.irq_data.chip.irq_eoi is not None:
        # (neither INPROGRESS nor WAKEUP_ARMED: irq_may_run is true without a call)
        charge_event = c.fasteoi_event
        charge_flow = c.fasteoi_flow
        frames = _FASTEOI
        data = desc.irq_data
        chip = data.chip
        desc.istate &= ~(IRQS_REPLAY | IRQS_WAITING)
        desc.kstat_irqs[cpu] += 1
        if desc.istate & IRQS_ONESHOT:
            charge(charge_flow)
            mask_irq(desc)
            charge(charge_event)
        else:
            charge(charge_flow + charge_event)
        # handle_irq_event
        desc.istate &= ~IRQS_PENDING
        common = desc.irq_common_data
        common.state_use_accessors |= IRQD_IRQ_INPROGRESS
        # handle_irq_event_percpu
        frames = _EVENT_PERCPU
        retval = 0
        irq = data.irq
        for action in list(desc.actions):
            if kernel.probes:
                kernel.fire("irq_handler_entry", irq, action)
            res = int(action.handler(irq, action.dev_id))
            if kernel.probes:
                kernel.fire("irq_handler_exit", irq, action, res)
            if not ops.irqs_disabled():
                warn_enabled_irqs(kernel, irq, action)
            if res == IRQ_WAKE_THREAD:
                if action.thread_fn is None:
                    warn_no_thread(irq, action)
                else:
                    __irq_wake_thread(desc, action)
            retval |= res
        if not kernel.config.noirqdebug:
            if retval == IRQ_HANDLED and not kernel.probes and desc.irq_count < 99999 \
                    and not desc.istate & IRQS_POLL_INPROGRESS \
                    and not desc.status_use_accessors & IRQ_IS_POLLED:
                charge(c.note_interrupt)  # note_interrupt: handled, nothing to judge
                desc.irq_count += 1
            else:
                note_interrupt(desc, retval)
        frames = _EVENT
        common.state_use_accessors &= ~IRQD_IRQ_INPROGRESS
        if desc.finalize_waiters:
            waiters, desc.finalize_waiters = desc.finalize_waiters, []
            for action in waiters:
                UPCALLS.irq_finalize_oneshot(desc, action)
        frames = _FASTEOI
        if desc.istate & IRQS_ONESHOT:
            cond_unmask_eoi_irq(desc, chip)
        else:
            chip.irq_eoi(data)  # type: ignore[misc]
    elif not irq or irq >= kernel.nr_irqs:
        charge(c.entry)
        ack_bad_irq(kernel, irq)
        ret = -EINVAL
    else:  # the reference generic_handle_irq (and flow handler) charge for themselves
        charge(c.entry)
        generic_handle_irq(kernel, irq)
    # irq_exit
    frames = _DOMAIN
    if kernel.probes:
        kernel.irq_exit()
        return ret
    frames = _EXIT  # noqa: F841 (read by model_stack, through the frame's locals)
    charge(c.irq_exit)
    kernel.preempt_count[cpu] -= HARDIRQ_OFFSET
    kernel.hardirq_nesting[cpu] -= 1
    softirq = kernel.softirq
    if softirq.pending_mask[cpu] or softirq.pending_timer[cpu]:  # its own first test
        softirq.irq_exit(cpu)
    return ret


__all__ = ["HardirqCosts", "handle_domain_irq_fast"]
