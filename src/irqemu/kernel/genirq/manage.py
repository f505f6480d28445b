"""Requesting, freeing, enabling and disabling interrupts; irq threads
(kernel/irq/manage.c, 4.6; [6.x] differences noted where modelled).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import SCHED_FIFO, Task, kfunc
from irqemu.kernel.costs import estimate, kernel_cost_table, linux_basis
from irqemu.kernel.genirq.chip import (
    irq_disable,
    irq_enable,
    irq_percpu_disable,
    irq_percpu_enable,
    irq_shutdown,
    irq_startup,
    mask_irq,
    unmask_irq,
    unmask_threaded_irq,
)
from irqemu.kernel.genirq.handle import __irq_wake_thread
from irqemu.kernel.genirq.resend import check_irq_resend
from irqemu.kernel.genirq.types import (
    EBUSY,
    EINVAL,
    ENOSYS,
    IRQ_DISABLE_UNLAZY,
    IRQ_HANDLED,
    IRQ_LEVEL,
    IRQ_NO_BALANCING,
    IRQ_NONE,
    IRQ_NOPROBE,
    IRQ_PER_CPU,
    IRQ_SET_MASK_OK,
    IRQ_SET_MASK_OK_DONE,
    IRQ_SET_MASK_OK_NOCOPY,
    IRQ_TYPE_LEVEL_MASK,
    IRQ_TYPE_NONE,
    IRQ_TYPE_SENSE_MASK,
    IRQ_WAKE_THREAD,
    IRQCHIP_ONESHOT_SAFE,
    IRQCHIP_SET_TYPE_MASKED,
    IRQD_AFFINITY_SET,
    IRQD_IRQ_INPROGRESS,
    IRQD_LEVEL,
    IRQD_NO_BALANCING,
    IRQD_PER_CPU,
    IRQD_TRIGGER_MASK,
    IRQF_COND_SUSPEND,
    IRQF_NO_SUSPEND,
    IRQF_NO_THREAD,
    IRQF_NOBALANCING,
    IRQF_ONESHOT,
    IRQF_PERCPU,
    IRQF_PROBE_SHARED,
    IRQF_SHARED,
    IRQF_TRIGGER_MASK,
    IRQS_AUTODETECT,
    IRQS_ONESHOT,
    IRQS_SPURIOUS_DISABLED,
    IRQS_SUSPENDED,
    IRQS_WAITING,
    IRQTF_AFFINITY,
    IRQTF_FORCED_THREAD,
    IRQTF_RUNTHREAD,
    Handler,
    IrqAction,
    IrqDesc,
    no_irq_chip,
)

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


# -- default handlers -------------------------------------------------------------------


@kfunc()
def irq_default_primary_handler(irq: int, dev_id: Any) -> int:
    """Installed when handler is NULL, and for forced-threaded actions: wakes the thread."""
    return IRQ_WAKE_THREAD


@kfunc()
def irq_nested_primary_handler(irq: int, dev_id: Any) -> int:
    return IRQ_NONE


def _make_secondary_handler(kernel: Kernel) -> Handler:
    def irq_forced_secondary_handler(irq: int, dev_id: Any) -> int:
        kernel.warn(f"Secondary action handler called for irq {irq}")
        return IRQ_NONE

    return irq_forced_secondary_handler


def is_forced_secondary_handler(fn: object) -> bool:
    return getattr(fn, "__name__", "") == "irq_forced_secondary_handler"


# -- trigger type and affinity -------------------------------------------------------------


@kfunc()
def __irq_set_trigger(desc: IrqDesc, flags: int) -> int:
    chip = desc.irq_data.chip
    if chip.irq_set_type is None:
        return 0
    flags &= IRQ_TYPE_SENSE_MASK
    unmask = False
    if chip.flags & IRQCHIP_SET_TYPE_MASKED:
        if not desc.irqd_irq_masked():
            mask_irq(desc)
        if not desc.irqd_irq_disabled():
            unmask = True
    ret = chip.irq_set_type(desc.irq_data, flags)
    d = desc.irq_data
    if ret in (IRQ_SET_MASK_OK, IRQ_SET_MASK_OK_DONE, IRQ_SET_MASK_OK_NOCOPY):
        if ret != IRQ_SET_MASK_OK_NOCOPY:
            d.irqd_clear(IRQD_TRIGGER_MASK)
            d.irqd_set(flags)
        flags = d.irqd_get_trigger_type()
        desc.status_use_accessors = (desc.status_use_accessors & ~IRQ_TYPE_SENSE_MASK) | flags
        d.irqd_clear(IRQD_LEVEL)
        desc.status_use_accessors &= ~IRQ_LEVEL
        if flags & IRQ_TYPE_LEVEL_MASK:
            desc.status_use_accessors |= IRQ_LEVEL
            d.irqd_set(IRQD_LEVEL)
        ret = 0
    else:
        desc.kernel.printk(f"genirq: Setting trigger mode {flags} for irq {desc.irq} failed "
                           f"({getattr(chip.irq_set_type, '__name__', '?')})", level=3)
    if unmask:
        unmask_irq(desc)
    return ret


def irq_set_irq_type(kernel: Kernel, irq: int, type_: int) -> int:
    desc = kernel.irq_descs.get(irq)
    if desc is None:
        return -EINVAL
    return __irq_set_trigger(desc, type_)


def irq_get_trigger_type(kernel: Kernel, irq: int) -> int:
    desc = kernel.irq_descs.get(irq)
    return desc.irq_data.irqd_get_trigger_type() if desc else 0


def irq_set_thread_affinity(desc: IrqDesc) -> None:
    for action in desc.actions:
        if action.thread is not None:
            action.thread_flags |= IRQTF_AFFINITY


def irq_do_set_affinity(desc: IrqDesc, mask: frozenset[int], force: bool) -> int:
    chip = desc.irq_data.chip
    if chip.irq_set_affinity is None:
        return -EINVAL
    ret = chip.irq_set_affinity(desc.irq_data, mask, force)
    if ret in (IRQ_SET_MASK_OK, IRQ_SET_MASK_OK_DONE):
        desc.irq_common_data.affinity = frozenset(mask)
    if ret in (IRQ_SET_MASK_OK, IRQ_SET_MASK_OK_DONE, IRQ_SET_MASK_OK_NOCOPY):
        irq_set_thread_affinity(desc)
        ret = 0
    return ret


def __irq_can_set_affinity(desc: IrqDesc) -> bool:
    return not (desc.irq_data.irqd_has(IRQD_PER_CPU | IRQD_NO_BALANCING)
                or desc.irq_data.chip.irq_set_affinity is None)


def irq_set_affinity(kernel: Kernel, irq: int, mask: set[int] | frozenset[int]) -> int:
    """irq_set_affinity (as /proc/irq/N/smp_affinity writes do)."""
    desc = kernel.irq_descs.get(irq)
    if desc is None or not __irq_can_set_affinity(desc):
        return -EINVAL
    mask = frozenset(mask) & frozenset(range(kernel.num_cpus))
    if not mask:
        return -EINVAL
    ret = irq_do_set_affinity(desc, mask, False)
    desc.irq_data.irqd_set(IRQD_AFFINITY_SET)
    return ret


def setup_affinity(desc: IrqDesc) -> int:
    """At first request: the default affinity (all online CPUs), unless set before."""
    if not __irq_can_set_affinity(desc):
        return 0
    k = desc.kernel
    online = frozenset(range(k.num_cpus))
    mask = online
    aff = desc.irq_common_data.affinity
    if desc.irq_data.irqd_has(IRQD_AFFINITY_SET):
        if aff and aff & online:
            mask = aff & online
        else:
            desc.irq_data.irqd_clear(IRQD_AFFINITY_SET)
    irq_do_set_affinity(desc, mask, False)
    return 0


# -- forced threading and irq threads --------------------------------------------------------


def irq_setup_forced_threading(kernel: Kernel, new: IrqAction) -> int:
    if not kernel.config.force_irqthreads:
        return 0
    if new.flags & (IRQF_NO_THREAD | IRQF_PERCPU | IRQF_ONESHOT):
        return 0
    new.flags |= IRQF_ONESHOT
    if new.handler is not irq_default_primary_handler and new.thread_fn is not None:
        new.secondary = IrqAction(kernel, _make_secondary_handler(kernel), new.dev_id, new.name,
                                  thread_fn=new.thread_fn, irq=new.irq)
    new.thread_flags |= IRQTF_FORCED_THREAD
    new.thread_fn = new.handler
    new.handler = irq_default_primary_handler
    return 0


class IrqThread:
    """The body of an ``irq/N-name`` kthread (manage.c irq_thread)."""

    def __init__(self, kernel: Kernel, desc: IrqDesc, action: IrqAction) -> None:
        self.kernel = kernel
        self.desc = desc
        self.action = action
        forced = kernel.config.force_irqthreads and action.thread_flags & IRQTF_FORCED_THREAD
        self.handler_fn = irq_forced_thread_fn if forced else irq_thread_fn
        self.runs = 0

    def __call__(self) -> None:
        irq_thread(self)


@kfunc()
def irq_thread(t: IrqThread) -> None:
    """One pass of irq_thread's loop: irq_wait_for_interrupt found RUNTHREAD set
    (test_and_clear), check affinity, run the thread function, account, and drop
    threads_active (wake_threads_waitq)."""
    k, desc, action = t.kernel, t.desc, t.action
    k.fentry(..., desc, action)
    if not action.thread_flags & IRQTF_RUNTHREAD:
        return  # a wakeup without work: schedule() again
    action.thread_flags &= ~IRQTF_RUNTHREAD
    if irq_thread_check_affinity(desc, action):
        # set_cpus_allowed_ptr moved current: the loop body continues on the new
        # CPU (the migration stopper's work); the model ends this pass and runs the
        # handler in the next one there, RUNTHREAD still owed
        action.thread_flags |= IRQTF_RUNTHREAD
        return
    t.runs += 1
    action_ret = t.handler_fn(desc, action)
    if action_ret == IRQ_HANDLED:
        desc.threads_handled += 1
    if action_ret == IRQ_WAKE_THREAD:
        irq_wake_secondary(desc, action)
    wake_threads_waitq(desc)


def wake_threads_waitq(desc: IrqDesc) -> None:
    """atomic_dec_and_test(&desc->threads_active): the last one wakes the tasks
    sleeping in synchronize_irq (desc->wait_for_threads)."""
    desc.threads_active -= 1
    assert desc.threads_active >= 0, f"irq {desc.irq}: threads_active underflow"
    if desc.threads_active == 0:
        wake_up(desc.kernel, desc.wait_for_threads)


def wake_up(kernel: Kernel, wq: list[Task]) -> None:
    """wake_up: every task on the wait queue (they re-check their condition)."""
    for task in list(wq):
        kernel.wake_up_process(task)


def irq_wake_secondary(desc: IrqDesc, action: IrqAction) -> None:
    secondary = action.secondary
    if secondary is None:
        desc.kernel.warn_once(f"nosec{desc.irq}", "WARNING: irq_wake_secondary without secondary")
        return
    __irq_wake_thread(desc, secondary)


def irq_thread_check_affinity(desc: IrqDesc, action: IrqAction) -> bool:
    """The irq's affinity changed: set_cpus_allowed_ptr(current, affinity). Returns
    whether that moved the thread off this CPU (the scheduler migrates it at once)."""
    if not action.thread_flags & IRQTF_AFFINITY:
        return False
    action.thread_flags &= ~IRQTF_AFFINITY
    thread = action.thread
    if thread is None:
        return False
    mask = desc.irq_common_data.affinity
    sched = desc.kernel.sched
    setter = getattr(sched, "set_cpus_allowed_ptr", None)
    if setter is None or mask is None:
        thread.cpus_allowed = mask
        return False
    return bool(setter(thread, mask))


@kfunc()
def irq_thread_fn(desc: IrqDesc, action: IrqAction) -> int:
    """Explicit threads and the secondary: thread_fn then finalize_oneshot."""
    k = desc.kernel
    k.fentry(..., desc, action)
    assert action.thread_fn is not None
    ret = int(action.thread_fn(action.irq, action.dev_id))
    action.results.append(ret)
    irq_finalize_oneshot(desc, action)
    return ret


@kfunc()
def irq_forced_thread_fn(desc: IrqDesc, action: IrqAction) -> int:
    """local_bh_disable, thread_fn, irq_finalize_oneshot (the line is unmasked here),
    local_bh_enable (softirqs the handler raised run here, in the irq thread).
    [6.x] on non-RT also disables local interrupts around the handler."""
    k = desc.kernel
    k.fentry(..., desc, action)
    assert action.thread_fn is not None
    k.local_bh_disable()
    irqs_off = k.config.v6 and not k.config.preempt_rt
    if irqs_off:
        k.ops.local_irq_disable()
    ret = int(action.thread_fn(action.irq, action.dev_id))
    action.results.append(ret)
    irq_finalize_oneshot(desc, action)
    if irqs_off:
        k.ops.local_irq_enable()
    k.local_bh_enable()
    return ret


@kfunc()
def irq_finalize_oneshot(desc: IrqDesc, action: IrqAction) -> None:
    k = desc.kernel
    k.fentry(..., desc, action)
    if not desc.istate & IRQS_ONESHOT or is_forced_secondary_handler(action.handler):
        return
    if desc.irq_data.irqd_has(IRQD_IRQ_INPROGRESS):
        # The hard IRQ runs on another CPU: Linux spins (cpu_relax, goto again);
        # the model completes this finalize when handle_irq_event clears INPROGRESS.
        if action not in desc.finalize_waiters:
            desc.finalize_waiters.append(action)
        return
    if action.thread_flags & IRQTF_RUNTHREAD:
        return
    desc.threads_oneshot &= ~action.thread_mask
    if not desc.threads_oneshot and not desc.irqd_irq_disabled() and desc.irqd_irq_masked():
        unmask_threaded_irq(desc)


def setup_irq_thread(kernel: Kernel, new: IrqAction, irq: int, secondary: bool,
                     desc: IrqDesc) -> int:
    if not secondary:
        comm = f"irq/{irq}-{new.name}"
        prio = 50  # MAX_USER_RT_PRIO/2
    else:
        comm = f"irq/{irq}-s-{new.name}"
        prio = kernel.config.secondary_thread_prio
    body = IrqThread(kernel, desc, new)
    t = kernel.kthread_create(body, comm, policy=SCHED_FIFO, rt_priority=prio)
    t.data["irqaction"] = new
    new.thread = t
    new.thread_flags |= IRQTF_AFFINITY
    return 0


# -- request / free ---------------------------------------------------------------------------


@kfunc()
def __setup_irq(kernel: Kernel, irq: int, desc: IrqDesc, new: IrqAction) -> int:
    if desc.irq_data.chip is no_irq_chip:
        return -ENOSYS
    new.irq = irq
    if desc.irq_settings_can_thread():
        irq_setup_forced_threading(kernel, new)
    if new.thread_fn is not None:
        setup_irq_thread(kernel, new, irq, False, desc)
        if new.secondary is not None:
            setup_irq_thread(kernel, new.secondary, irq, True, desc)
    if desc.irq_data.chip.flags & IRQCHIP_ONESHOT_SAFE:
        new.flags &= ~IRQF_ONESHOT

    thread_mask = 0
    shared = False
    old = desc.action
    if old is not None:
        mismatch = (
            not (old.flags & new.flags) & IRQF_SHARED
            or (old.flags ^ new.flags) & IRQF_TRIGGER_MASK
            or (old.flags ^ new.flags) & IRQF_ONESHOT
            or (old.flags & IRQF_PERCPU) != (new.flags & IRQF_PERCPU)
        )
        if mismatch:
            if not new.flags & IRQF_PROBE_SHARED:
                kernel.printk(f"genirq: Flags mismatch irq {irq}. {new.flags:08x} ({new.name}) "
                              f"vs. {old.flags:08x} ({old.name})", level=3)
                if kernel.config.debug_shirq:
                    kernel.dump_stack()
            _drop_threads(kernel, new)
            return -EBUSY
        for a in desc.actions:
            thread_mask |= a.thread_mask
        shared = True

    if new.flags & IRQF_ONESHOT:
        if thread_mask == (1 << kernel.BITS_PER_LONG) - 1:
            _drop_threads(kernel, new)
            return -EBUSY
        ffz = 0
        while thread_mask >> ffz & 1:
            ffz += 1
        new.thread_mask = 1 << ffz
    elif (new.handler is irq_default_primary_handler
          and not desc.irq_data.chip.flags & IRQCHIP_ONESHOT_SAFE):
        kernel.printk("genirq: Threaded irq requested with handler=NULL and !ONESHOT "
                      f"for irq {irq}", level=3)
        _drop_threads(kernel, new)
        return -EINVAL

    if not shared:
        if new.flags & IRQF_TRIGGER_MASK:
            ret = __irq_set_trigger(desc, new.flags & IRQF_TRIGGER_MASK)
            if ret:
                _drop_threads(kernel, new)
                return ret
        desc.istate &= ~(IRQS_AUTODETECT | IRQS_SPURIOUS_DISABLED | IRQS_ONESHOT | IRQS_WAITING)
        desc.irq_data.irqd_clear(IRQD_IRQ_INPROGRESS)
        if new.flags & IRQF_PERCPU:
            desc.irq_data.irqd_set(IRQD_PER_CPU)
            desc.status_use_accessors |= IRQ_PER_CPU
        if new.flags & IRQF_ONESHOT:
            desc.istate |= IRQS_ONESHOT
        if desc.irq_settings_can_autoenable():
            irq_startup(desc, True)
        else:
            desc.depth = 1
        if new.flags & IRQF_NOBALANCING:
            desc.status_use_accessors |= IRQ_NO_BALANCING
            desc.irq_data.irqd_set(IRQD_NO_BALANCING)
        setup_affinity(desc)
    elif new.flags & IRQF_TRIGGER_MASK:
        nmsk = new.flags & IRQF_TRIGGER_MASK
        omsk = desc.status_use_accessors & IRQ_TYPE_SENSE_MASK
        if nmsk != omsk:
            kernel.printk(f"irq {irq} uses trigger mode {omsk}; requested {nmsk}", level=4)

    desc.actions.append(new)
    desc.irq_count = 0
    desc.irqs_unhandled = 0
    if shared and desc.istate & IRQS_SPURIOUS_DISABLED:
        desc.istate &= ~IRQS_SPURIOUS_DISABLED
        __enable_irq(desc)
    return 0


def _drop_threads(kernel: Kernel, new: IrqAction) -> None:
    for a in (new, new.secondary):
        if a is not None and a.thread is not None:
            kernel.kthread_stop(a.thread)
            a.thread = None


@kfunc()
def request_threaded_irq(kernel: Kernel, irq: int, handler: Handler | None,
                         thread_fn: Handler | None, irqflags: int, devname: str,
                         dev_id: Any) -> int:
    """Returns 0 or a negative errno, as Linux does."""
    kernel.fentry(..., irq)
    if ((irqflags & IRQF_SHARED and dev_id is None)
            or (not irqflags & IRQF_SHARED and irqflags & IRQF_COND_SUSPEND)
            or (irqflags & IRQF_NO_SUSPEND and irqflags & IRQF_COND_SUSPEND)):
        return -EINVAL
    desc = kernel.irq_descs.get(irq)
    if desc is None:
        return -EINVAL
    if not desc.irq_settings_can_request() or desc.irq_settings_is_per_cpu_devid():
        if desc.irq_settings_is_per_cpu_devid():
            kernel.warn(f"request_threaded_irq on per-CPU devid irq {irq}")
        return -EINVAL
    if handler is None:
        if thread_fn is None:
            return -EINVAL
        handler = irq_default_primary_handler
    action = IrqAction(kernel, handler, dev_id, devname, flags=irqflags, thread_fn=thread_fn)
    return __setup_irq(kernel, irq, desc, action)


def request_irq(kernel: Kernel, irq: int, handler: Handler | None, flags: int, name: str,
                dev: Any) -> int:
    """Exactly request_threaded_irq(irq, handler, NULL, flags, name, dev)."""
    return request_threaded_irq(kernel, irq, handler, None, flags, name, dev)


def request_percpu_irq(kernel: Kernel, irq: int, handler: Handler, devname: str,
                       percpu_dev_id: list[Any]) -> int:
    desc = kernel.irq_descs.get(irq)
    if (desc is None or not desc.irq_settings_can_request()
            or not desc.irq_settings_is_per_cpu_devid()):
        return -EINVAL
    action = IrqAction(kernel, handler, None, devname, flags=IRQF_PERCPU | IRQF_NO_SUSPEND,
                       percpu_dev_id=list(percpu_dev_id))
    return __setup_irq(kernel, irq, desc, action)


def enable_percpu_irq(kernel: Kernel, irq: int, type_: int = IRQ_TYPE_NONE) -> None:
    desc = kernel.irq_descs.get(irq)
    if desc is None:
        return
    type_ &= IRQ_TYPE_SENSE_MASK
    if type_ != IRQ_TYPE_NONE:
        ret = __irq_set_trigger(desc, type_)
        if ret:
            kernel.warn(f"failed to set type for IRQ{irq}")
            return
    irq_percpu_enable(desc, kernel.ops.smp_processor_id())


def disable_percpu_irq(kernel: Kernel, irq: int) -> None:
    desc = kernel.irq_descs.get(irq)
    if desc is not None:
        irq_percpu_disable(desc, kernel.ops.smp_processor_id())


@kfunc()
def free_irq(kernel: Kernel, irq: int, dev_id: Any) -> str | None:
    """Remove the action with ``dev_id``; the last one shuts the line down. Returns
    the freed action's name (devname, as 4.13+ free_irq returns) or None."""
    desc = kernel.irq_descs.get(irq)
    if desc is None or desc.irq_settings_is_per_cpu_devid():
        return None
    found = [a for a in desc.actions if a.dev_id is dev_id or a.dev_id == dev_id]
    if not found:
        kernel.warn(f"Trying to free already-free IRQ {irq}")
        return None
    action = found[0]
    desc.actions.remove(action)
    if not desc.actions:
        desc.status_use_accessors &= ~IRQ_DISABLE_UNLAZY
        irq_shutdown(desc)
    synchronize_irq(kernel, irq)
    if kernel.config.debug_shirq and action.flags & IRQF_SHARED:
        _debug_shirq_call(kernel, irq, action)
    for a in (action, action.secondary):
        if a is not None and a.thread is not None:
            kernel.kthread_stop(a.thread)
    return action.name


def _debug_shirq_call(kernel: Kernel, irq: int, action: IrqAction) -> None:
    """CONFIG_DEBUG_SHIRQ in __free_irq: a shared handler must cope with an
    interrupt after it is removed, so call it once, interrupts off."""
    ops = kernel.ops
    was = ops.irqs_disabled()
    ops.local_irq_disable()
    try:
        action.handler(irq, action.dev_id)
    finally:
        if not was:
            ops.local_irq_enable()


# -- disable / enable --------------------------------------------------------------------------


def __disable_irq(desc: IrqDesc) -> None:
    if not desc.depth:
        irq_disable(desc)
    desc.depth += 1


@kfunc()
def disable_irq_nosync(kernel: Kernel, irq: int) -> None:
    kernel.fentry(..., irq)
    desc = kernel.irq_descs.get(irq)
    if desc is not None:
        __disable_irq(desc)


def _synchronized(desc: IrqDesc) -> bool:
    return not desc.irqd_irq_inprogress() and desc.threads_active == 0


def _task_must_sleep(kernel: Kernel, what: str) -> None:
    """A plain call cannot sleep inside a model task's pass: say how to call it."""
    sched = kernel.sched
    in_pass = getattr(sched, "in_task_pass", None)
    task = None if in_pass is None else in_pass(kernel.ops.smp_processor_id())
    if task is not None and not kernel.in_atomic():
        raise RuntimeError(f"{what} would sleep in {task.comm}: a model task calls it "
                           f"as `yield from {what.split('(')[0]}_sleep(kernel, irq)`")


@kfunc()
def synchronize_irq(kernel: Kernel, irq: int) -> bool:
    """Wait until the line is not in progress on any CPU and no thread is active.
    True when that holds on return. Called from outside any task (boot, a test)
    the caller's sleep lets the default runner run the threads (Kernel.wait_for);
    a model task sleeps instead, with :func:`synchronize_irq_sleep`."""
    kernel.fentry(..., irq)
    desc = kernel.irq_descs.get(irq)
    if desc is None or _synchronized(desc):
        return True
    _task_must_sleep(kernel, f"synchronize_irq({irq})")
    return kernel.wait_for(lambda: _synchronized(desc), f"synchronize_irq({irq})")


#: the spin synchronize_irq's model charges per round (name -> KernelCost)
MANAGE_COSTS = kernel_cost_table("MANAGE_COSTS", {
    "synchronize_hardirq/cpu_relax": estimate(
        10, "one cpu_relax() round of synchronize_hardirq's spin on IRQD_IRQ_INPROGRESS: "
        "the state load and test, the branch back (~10 instructions)",
        linux_basis("kernel/irq/manage.c synchronize_hardirq() and "
                    "arch/arm/include/asm/processor.h cpu_relax()")),
})
CPU_RELAX_CYCLES = MANAGE_COSTS["synchronize_hardirq/cpu_relax"].cycles


@kfunc("synchronize_irq")
def synchronize_irq_sleep(kernel: Kernel, irq: int) -> Generator[Any, None, bool]:
    """synchronize_irq from a model task (``yield from``): spin while a hard IRQ of
    the line runs on another CPU (synchronize_hardirq), then sleep on
    desc->wait_for_threads until threads_active is 0 (woken by the last irq
    thread's wake_threads_waitq), as kernel/irq/manage.c synchronize_irq does."""
    kernel.fentry(..., irq)
    desc = kernel.irq_descs.get(irq)
    if desc is None:
        return True
    while desc.irqd_irq_inprogress():
        yield CPU_RELAX_CYCLES
    wait_event = getattr(kernel.sched, "wait_event", None)
    if wait_event is None:
        raise RuntimeError(f"synchronize_irq({irq}) sleeps: it needs the scheduler "
                           "(irqemu.kernel.sched.Sched), not the default runner")
    yield from wait_event(desc.wait_for_threads, lambda: desc.threads_active == 0)
    return True


@kfunc()
def disable_irq(kernel: Kernel, irq: int) -> bool:
    """disable_irq_nosync + synchronize_irq (may sleep: not from hard-IRQ context)."""
    disable_irq_nosync(kernel, irq)
    return synchronize_irq(kernel, irq)


@kfunc("disable_irq")
def disable_irq_sleep(kernel: Kernel, irq: int) -> Generator[Any, None, bool]:
    """disable_irq from a model task (``yield from``): disable_irq_nosync, then
    :func:`synchronize_irq_sleep`."""
    disable_irq_nosync(kernel, irq)
    return (yield from synchronize_irq_sleep(kernel, irq))


def __enable_irq(desc: IrqDesc) -> None:
    k = desc.kernel
    if desc.depth == 0 or (desc.depth == 1 and desc.istate & IRQS_SUSPENDED):
        k.warn(f"Unbalanced enable for IRQ {desc.irq}")
        return
    if desc.depth == 1:
        desc.status_use_accessors |= IRQ_NOPROBE
        irq_enable(desc)
        check_irq_resend(desc)
    desc.depth -= 1


@kfunc()
def enable_irq(kernel: Kernel, irq: int) -> None:
    kernel.fentry(..., irq)
    desc = kernel.irq_descs.get(irq)
    if desc is None:
        return
    __enable_irq(desc)


def irq_set_status_disable_unlazy(kernel: Kernel, irq: int) -> None:
    """irq_set_status_flags(irq, IRQ_DISABLE_UNLAZY)."""
    desc = kernel.irq_descs.get(irq)
    if desc is not None:
        desc.status_use_accessors |= IRQ_DISABLE_UNLAZY


__all__ = [
    "IrqAction", "request_threaded_irq", "request_irq", "free_irq", "disable_irq",
    "disable_irq_nosync", "enable_irq", "synchronize_irq", "irq_set_affinity",
    "request_percpu_irq", "enable_percpu_irq", "disable_percpu_irq", "irq_enable",
    "synchronize_irq_sleep", "disable_irq_sleep",
]
