"""Tasklets (kernel/softirq.c and include/linux/interrupt.h, 4.6).

A tasklet is a ``tasklet_struct`` with two state bits and a disable count:

- ``TASKLET_STATE_SCHED`` (bit 0): queued on some CPU's list; ``tasklet_schedule``
  is a no-op while it is set (so a tasklet runs once however often it is
  scheduled before it runs);
- ``TASKLET_STATE_RUN`` (bit 1): running on some CPU (tasklet_trylock), so the
  same tasklet never runs on two CPUs at once;
- ``count``: ``tasklet_disable`` increments it, ``tasklet_enable`` decrements it;
  a scheduled tasklet with count != 0 does not run.

``tasklet_schedule`` appends to this CPU's ``tasklet_vec`` and raises
TASKLET_SOFTIRQ (``tasklet_hi_schedule``: ``tasklet_hi_vec`` and HI_SOFTIRQ).
``tasklet_action`` detaches the whole list; for each tasklet: if RUN can be
taken and count == 0, clear SCHED (BUG if it was clear) and run it; otherwise
put it back on the list and re-raise the softirq, so a disabled tasklet
re-raises on every pass (mainline). PREEMPT_RT (4.6-rt) instead parks a
disabled tasklet with ``TASKLET_STATE_PENDING`` and ``tasklet_enable``
reschedules it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import kfunc

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

TASKLET_STATE_SCHED = 0
TASKLET_STATE_RUN = 1
TASKLET_STATE_PENDING = 2  #: PREEMPT_RT only
TASKLET_STATEF_SCHED = 1 << TASKLET_STATE_SCHED
TASKLET_STATEF_RUN = 1 << TASKLET_STATE_RUN
TASKLET_STATEF_PENDING = 1 << TASKLET_STATE_PENDING

HI_SOFTIRQ = 0
TASKLET_SOFTIRQ = 6


@dataclass(eq=False)
class TaskletStruct:
    """struct tasklet_struct: ``func(data)``, state bits, disable count."""

    func: Callable[[Any], None]
    data: Any = 0
    name: str = "tasklet"
    state: int = 0
    count: int = 0
    #: statistics of the model: how many times func ran, and on which CPUs
    runs: int = 0
    cpus: list[int] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        return f"<tasklet {self.name} state={self.state:#x} count={self.count}>"


def tasklet_init(func: Callable[[Any], None], data: Any = 0,
                 name: str = "tasklet") -> TaskletStruct:
    """DECLARE_TASKLET / tasklet_init: state 0, count 0."""
    return TaskletStruct(func, data, name)


class TaskletVecs:
    """The per-CPU ``tasklet_vec`` and ``tasklet_hi_vec`` lists."""

    def __init__(self, num_cpus: int) -> None:
        self.vec: list[list[TaskletStruct]] = [[] for _ in range(num_cpus)]
        self.hi_vec: list[list[TaskletStruct]] = [[] for _ in range(num_cpus)]

    def pending(self) -> bool:
        return any(self.vec) or any(self.hi_vec)


def _vecs(kernel: Kernel) -> TaskletVecs:
    return kernel.softirq.tasklets


def tasklet_trylock(t: TaskletStruct) -> bool:
    """!test_and_set_bit(TASKLET_STATE_RUN)."""
    if t.state & TASKLET_STATEF_RUN:
        return False
    t.state |= TASKLET_STATEF_RUN
    return True


def tasklet_unlock(t: TaskletStruct) -> None:
    t.state &= ~TASKLET_STATEF_RUN


def _raise_irqoff(kernel: Kernel, nr: int) -> None:
    kernel.softirq.raise_softirq_irqoff(nr)


def _tasklet_schedule_common(kernel: Kernel, t: TaskletStruct, hi: bool) -> None:
    """local_irq_save; append to this CPU's list tail; raise_softirq_irqoff
    (__tasklet_schedule_common: static, no frame of its own)."""
    ops = kernel.ops
    cpu = ops.smp_processor_id()
    was = ops.irqs_disabled()
    ops.local_irq_disable()
    vecs = _vecs(kernel)
    (vecs.hi_vec if hi else vecs.vec)[cpu].append(t)
    _raise_irqoff(kernel, HI_SOFTIRQ if hi else TASKLET_SOFTIRQ)
    if not was:
        ops.local_irq_enable()


@kfunc()
def __tasklet_schedule(kernel: Kernel, t: TaskletStruct) -> None:
    kernel.fentry(..., t)
    _tasklet_schedule_common(kernel, t, False)


@kfunc()
def __tasklet_hi_schedule(kernel: Kernel, t: TaskletStruct) -> None:
    kernel.fentry(..., t)
    _tasklet_schedule_common(kernel, t, True)


def tasklet_schedule(kernel: Kernel, t: TaskletStruct) -> bool:
    """No-op if SCHED is already set; returns whether it was queued now."""
    if t.state & TASKLET_STATEF_SCHED:
        return False
    t.state |= TASKLET_STATEF_SCHED
    __tasklet_schedule(kernel, t)
    return True


def tasklet_hi_schedule(kernel: Kernel, t: TaskletStruct) -> bool:
    if t.state & TASKLET_STATEF_SCHED:
        return False
    t.state |= TASKLET_STATEF_SCHED
    __tasklet_hi_schedule(kernel, t)
    return True


def tasklet_disable_nosync(t: TaskletStruct) -> None:
    t.count += 1


def tasklet_disable(kernel: Kernel, t: TaskletStruct) -> bool:
    """count++ then tasklet_unlock_wait (wait until not RUN). True if not running."""
    tasklet_disable_nosync(t)
    return kernel.wait_for(lambda: not t.state & TASKLET_STATEF_RUN, f"tasklet_disable({t.name})")


def tasklet_enable(kernel: Kernel, t: TaskletStruct) -> None:
    """count--. On PREEMPT_RT a tasklet parked PENDING while disabled is rescheduled."""
    if t.count == 0:
        kernel.warn(f"tasklet_enable: unbalanced enable of {t.name}")
        return
    t.count -= 1
    if t.count == 0 and kernel.config.preempt_rt and t.state & TASKLET_STATEF_PENDING:
        t.state &= ~TASKLET_STATEF_PENDING
        tasklet_schedule(kernel, t)


def tasklet_kill(kernel: Kernel, t: TaskletStruct) -> None:
    """Wait until the tasklet is neither scheduled nor running, then leave SCHED clear.

    The model cannot sleep: if the tasklet is queued, it is removed from the lists
    (as if it had run to completion and been killed before re-scheduling)."""
    if kernel.in_interrupt():
        kernel.printk("Attempt to kill tasklet from interrupt", level=5)
    vecs = _vecs(kernel)
    for lists in (vecs.vec, vecs.hi_vec):
        for lst in lists:
            while t in lst:
                lst.remove(t)
    kernel.wait_for(lambda: not t.state & TASKLET_STATEF_RUN, f"tasklet_kill({t.name})")
    t.state &= ~(TASKLET_STATEF_SCHED | TASKLET_STATEF_PENDING)


def _tasklet_action_common(kernel: Kernel, hi: bool) -> None:
    ops = kernel.ops
    cpu = ops.smp_processor_id()
    vecs = _vecs(kernel)
    lists = vecs.hi_vec if hi else vecs.vec
    nr = HI_SOFTIRQ if hi else TASKLET_SOFTIRQ
    ops.local_irq_disable()
    lst, lists[cpu] = lists[cpu], []
    ops.local_irq_enable()
    rt = kernel.config.preempt_rt
    for t in lst:
        if tasklet_trylock(t):
            if not t.count:
                if not t.state & TASKLET_STATEF_SCHED:
                    kernel.warn(f"BUG: tasklet {t.name} on the list without SCHED")
                t.state &= ~TASKLET_STATEF_SCHED
                t.runs += 1
                t.cpus.append(cpu)
                t.func(t.data)
                tasklet_unlock(t)
                continue
            tasklet_unlock(t)
            if rt:
                # 4.6-rt __tasklet_action: park it; tasklet_enable reschedules
                t.state = TASKLET_STATEF_PENDING
                continue
        ops.local_irq_disable()
        lists[cpu].append(t)
        kernel.softirq.raise_softirq_irqoff_nowake(nr)
        ops.local_irq_enable()


@kfunc()
def tasklet_action(kernel: Kernel) -> None:
    """TASKLET_SOFTIRQ's action."""
    kernel.fentry(...)
    _tasklet_action_common(kernel, hi=False)


@kfunc()
def tasklet_hi_action(kernel: Kernel) -> None:
    """HI_SOFTIRQ's action."""
    kernel.fentry(...)
    _tasklet_action_common(kernel, hi=True)


__all__ = [
    "TASKLET_STATEF_PENDING", "TASKLET_STATEF_RUN", "TASKLET_STATEF_SCHED", "TaskletStruct",
    "TaskletVecs", "tasklet_action", "tasklet_disable", "tasklet_disable_nosync",
    "tasklet_enable", "tasklet_hi_action", "tasklet_hi_schedule", "tasklet_init",
    "tasklet_kill", "tasklet_schedule", "tasklet_trylock", "tasklet_unlock",
]
