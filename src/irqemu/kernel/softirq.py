"""Softirqs and ksoftirqd (kernel/softirq.c): mainline 4.6, the 4.9-6.4 rule that
defers to a running ksoftirqd, PREEMPT_RT 4.6-rt (per-task softirqs, ktimersoftd)
and [6.x] (RT merged, ktimers).

Mainline (4.6)
  ``__raise_softirq_irqoff`` sets the CPU's pending bit (tracepoint softirq_raise);
  ``raise_softirq_irqoff`` also wakes ksoftirqd when !in_interrupt();
  ``raise_softirq`` is the irqsave wrapper. ``irq_exit``: when the CPU leaves
  interrupt context with bits pending, ``invoke_softirq`` runs ``__do_softirq``
  inline, or with forced irq threading (``threadirqs``) wakes ksoftirqd.
  ``__do_softirq``: ``end = jiffies + msecs_to_jiffies(2)``, max_restart 10;
  take the pending snapshot, clear pending, enable interrupts, run the snapshot's
  vectors lowest first (kstat +1 each, softirq_entry/exit), disable interrupts;
  if bits are pending again and time is left, !need_resched and restarts remain,
  go again, else wake ksoftirqd. ``local_bh_enable`` from the outermost BH-off
  section runs ``do_softirq`` when something is pending. ``ksoftirqd/N``
  (SCHED_OTHER) runs ``__do_softirq`` while bits are pending.

4.9 to 6.4 ("softirq: Let ksoftirqd do its job", reverted in 6.5)
  irq_exit and do_softirq leave pending softirqs to ksoftirqd while it is
  runnable; later kernels exempt HI and TASKLET. Selected by ``version="4.9"``
  or ``"5.10"`` (the kernel config presets are 4.6 and 6.x; this layer adds
  the two as softirq presets).

PREEMPT_RT 4.6-rt
  No softirq count in preempt_count: each task has ``softirq_nestcnt`` and
  ``softirqs_raised``. Raising sets the CPU pending bit; outside hard IRQ in a
  BH-disabled section it also sets ``current->softirqs_raised``; and it always
  marks the bit for the owning daemon (ktimersoftd for TIMER/HRTIMER, ksoftirqd
  for the rest). ``local_bh_enable`` at nestcnt 1 with raised bits runs
  ``do_current_softirqs``: lowest raised bit first, cleared from
  ``softirqs_raised``, run if the CPU's pending bit is still set (clearing it),
  no restart or time limit. irq_exit never runs softirqs: it wakes the daemons
  that have raised bits. ``__raise_softirq_irqoff_ksoft`` hands a bit to the
  daemon and wakes it (net_rx_action's leftovers). ktimersoftd/N is SCHED_FIFO 1.

[6.x]
  PREEMPT_RT: local_bh_enable runs all pending softirqs (``__do_softirq``) when
  preemptible; irq_exit only wakes ksoftirqd (when no task on the CPU has BH
  disabled). With forced irq threading (threadirqs or RT) timer softirqs raised
  in hard IRQ go to ``ktimers/N`` (SCHED_FIFO 1), which runs ``__do_softirq``.

``Softirq`` is the ``Kernel.softirq`` hook: the kernel calls ``irq_exit(cpu)``
after dropping the hardirq count, and ``local_bh_disable(cpu)`` /
``local_bh_enable(cpu)``. Tasklets are :mod:`irqemu.kernel.tasklet`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from irqemu.kernel.context import SCHED_FIFO, SCHED_NORMAL, Task, kfunc
from irqemu.kernel.preempt import (
    HARDIRQ_MASK,
    SOFTIRQ_DISABLE_OFFSET,
    SOFTIRQ_OFFSET,
    in_interrupt_on,
)
from irqemu.kernel.tasklet import (
    TaskletVecs,
    tasklet_action,
    tasklet_hi_action,
)

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

# include/linux/interrupt.h
HI_SOFTIRQ = 0
TIMER_SOFTIRQ = 1
NET_TX_SOFTIRQ = 2
NET_RX_SOFTIRQ = 3
BLOCK_SOFTIRQ = 4
IRQ_POLL_SOFTIRQ = 5
BLOCK_IOPOLL_SOFTIRQ = IRQ_POLL_SOFTIRQ  #: the 4.6 /proc name of vector 5
TASKLET_SOFTIRQ = 6
SCHED_SOFTIRQ = 7
HRTIMER_SOFTIRQ = 8
RCU_SOFTIRQ = 9
NR_SOFTIRQS = 10

#: 4.6-rt: the vectors ktimersoftd owns
TIMER_SOFTIRQS = (1 << TIMER_SOFTIRQ) | (1 << HRTIMER_SOFTIRQ)
#: 4.15+ ksoftirqd_running(): these run inline even while ksoftirqd is runnable
SOFTIRQ_NOW_MASK = (1 << HI_SOFTIRQ) | (1 << TASKLET_SOFTIRQ)

MAX_SOFTIRQ_RESTART = 10
MAX_SOFTIRQ_TIME_MS = 2

NAMES_46 = ("HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "BLOCK_IOPOLL", "TASKLET", "SCHED",
            "HRTIMER", "RCU")
NAMES_6X = ("HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED",
            "HRTIMER", "RCU")



@dataclass(frozen=True)
class SoftirqPreset:
    """The behaviours that differ between the kernel versions the model knows."""

    version: str
    names: tuple[str, ...]
    #: "softirq: Let ksoftirqd do its job" (4.9 .. 6.4)
    defer_to_ksoftirqd: bool = False
    #: ... with HI and TASKLET exempt (later 4.x .. 6.4)
    now_mask_exempt: bool = False
    #: [6.x] RT model (all pending from local_bh_enable, ktimers) instead of 4.6-rt
    v6: bool = False


PRESETS: dict[str, SoftirqPreset] = {
    "4.6": SoftirqPreset("4.6", NAMES_46),
    "4.9": SoftirqPreset("4.9", NAMES_46, defer_to_ksoftirqd=True),
    "5.10": SoftirqPreset("5.10", NAMES_6X, defer_to_ksoftirqd=True, now_mask_exempt=True),
    "6.x": SoftirqPreset("6.x", NAMES_6X, v6=True),
}


def softirq_to_name(version: str = "4.6") -> tuple[str, ...]:
    return PRESETS[version].names


def msecs_to_jiffies(ms: int, hz: int) -> int:
    return (ms * hz + 999) // 1000


def _bits(mask: int) -> Iterator[int]:
    nr = 0
    while mask:
        if mask & 1:
            yield nr
        mask >>= 1
        nr += 1


SoftirqAction = Callable[[], None]


class Softirq:
    """The softirq layer of one :class:`~irqemu.kernel.Kernel` (``kernel.softirq``).

    ``version`` picks a :data:`PRESETS` entry (default: the kernel's version);
    ``ktimersoftd=False`` models RT before "softirq: split timer softirqs out of
    ksoftirqd" (timer softirqs in ksoftirqd, as in 4.4-rt before the split).
    """

    def __init__(self, *, version: str | None = None, ktimersoftd: bool | None = None) -> None:
        self._version = version
        self._want_ktimersoftd = ktimersoftd
        self.kernel: Kernel | None = None
        self.preset = PRESETS["4.6"]
        self.pending_mask: list[int] = []
        self.kstat: list[list[int]] = []
        self.actions: list[SoftirqAction | None] = [None] * NR_SOFTIRQS
        self.action_names: list[str] = [""] * NR_SOFTIRQS
        self.ksoftirqd: list[Task] = []
        self.ktimersoftd: list[Task | None] = []
        #: [6.x] timer bits waiting for ktimers/N (pending_timer_softirq)
        self.pending_timer: list[int] = []
        self.tasklets = TaskletVecs(1)
        #: statistics of the model: where softirq vectors ran (context label -> count)
        self.ran_in: dict[str, int] = {}
        self._at_irq_exit: list[bool] = []

    # -- setup --------------------------------------------------------------------------
    def attach(self, kernel: Kernel) -> None:
        self.kernel = kernel
        cfg = kernel.config
        self.preset = PRESETS[self._version or cfg.version]
        n = kernel.num_cpus
        self.pending_mask = [0] * n
        self.pending_timer = [0] * n
        self._at_irq_exit = [False] * n
        self.kstat = [[0] * NR_SOFTIRQS for _ in range(n)]
        self.tasklets = TaskletVecs(n)
        self.open_softirq(TASKLET_SOFTIRQ, lambda: tasklet_action(kernel), "tasklet_action")
        self.open_softirq(HI_SOFTIRQ, lambda: tasklet_hi_action(kernel), "tasklet_hi_action")
        # spawn_ksoftirqd: smpboot threads, one per CPU, bound to it
        for cpu in range(n):
            t = kernel.kthread_create(self._thread_body(cpu, "ksoftirqd"), f"ksoftirqd/{cpu}",
                                      policy=SCHED_NORMAL, cpus_allowed=frozenset({cpu}))
            t.cpu = cpu
            t.data["should_run"] = self._should_run(cpu, "ksoftirqd")
            t.data["smpboot"] = True
            self.ksoftirqd.append(t)
        self.ktimersoftd = [None] * n
        if self.has_ktimersoftd:
            comm = "ktimers" if self.preset.v6 else "ktimersoftd"
            for cpu in range(n):
                t = kernel.kthread_create(self._thread_body(cpu, "ktimersoftd"), f"{comm}/{cpu}",
                                          policy=SCHED_FIFO, rt_priority=1,
                                          cpus_allowed=frozenset({cpu}))
                t.cpu = cpu
                t.data["should_run"] = self._should_run(cpu, "ktimersoftd")
                t.data["smpboot"] = True
                self.ktimersoftd[cpu] = t

    @property
    def has_ktimersoftd(self) -> bool:
        k = self.kernel
        assert k is not None
        if self._want_ktimersoftd is not None:
            return self._want_ktimersoftd and (k.config.preempt_rt or self.preset.v6
                                               and k.config.force_irqthreads)
        if self.preset.v6:
            return k.config.force_irqthreads
        return k.config.preempt_rt

    @property
    def rt(self) -> bool:
        """The 4.6-rt softirq model (per-task raised bits)."""
        k = self.kernel
        return k is not None and k.config.preempt_rt and not self.preset.v6

    @property
    def rt6(self) -> bool:
        k = self.kernel
        return k is not None and k.config.preempt_rt and self.preset.v6

    @property
    def names(self) -> tuple[str, ...]:
        return self.preset.names

    def open_softirq(self, nr: int, action: SoftirqAction, name: str | None = None) -> None:
        self.actions[nr] = action
        self.action_names[nr] = name or str(getattr(action, "__name__", "?"))

    # -- state queries ------------------------------------------------------------------
    def local_softirq_pending(self, cpu: int | None = None) -> int:
        k = self.kernel
        assert k is not None
        return self.pending_mask[k.ops.smp_processor_id() if cpu is None else cpu]

    def pending(self) -> bool:
        """Anything pending on any CPU (softirq bits or queued tasklets)."""
        return any(self.pending_mask) or any(self.pending_timer) or self.tasklets.pending()

    def _cur(self) -> Task:
        k = self.kernel
        assert k is not None
        return k.current[k.ops.smp_processor_id()]

    def _in_irq(self) -> bool:
        k = self.kernel
        assert k is not None
        return bool(k.preempt_count[k.ops.smp_processor_id()] & HARDIRQ_MASK)

    def _in_interrupt(self) -> bool:
        k = self.kernel
        assert k is not None
        return k.in_interrupt()

    def _need_resched(self, cpu: int) -> bool:
        k = self.kernel
        assert k is not None
        return k.sched.need_resched(cpu)

    def _irq_window(self) -> None:
        """Interrupts are enabled here: let the backend take pending hard IRQs."""
        k = self.kernel
        assert k is not None
        k.sched.irq_window(k.ops.smp_processor_id())

    # -- raising ------------------------------------------------------------------------
    @kfunc("__raise_softirq_irqoff")
    def raise_softirq_irqoff_nowake(self, nr: int) -> None:
        k = self.kernel
        assert k is not None
        k.fentry(..., nr)
        if self.rt:
            self._rt_do_raise(nr)
            if not self._in_irq() and not self._cur().softirq_nestcnt:
                self._wakeup_proper(nr)
            return
        self._or_pending(nr)

    def _or_pending(self, nr: int) -> None:
        k = self.kernel
        assert k is not None
        cpu = k.ops.smp_processor_id()
        if k.probes:
            k.fire("softirq_raise", nr)
        if self.has_ktimersoftd and self.preset.v6 and (1 << nr) & TIMER_SOFTIRQS \
                and self._in_irq():
            # [6.x] raise_ktimers_thread: timer softirqs from hard IRQ go to ktimers
            self.pending_timer[cpu] |= 1 << nr
            return
        self.pending_mask[cpu] |= 1 << nr

    @kfunc()
    def raise_softirq_irqoff(self, nr: int) -> None:
        k = self.kernel
        assert k is not None
        k.fentry(..., nr)
        if self.rt:
            self._rt_do_raise(nr)
            if self._in_irq():
                return  # irq_exit wakes the daemon
            if not self._cur().softirq_nestcnt:
                self._wakeup_proper(nr)
            return
        self._or_pending(nr)
        if self.rt6:
            if not self._in_interrupt() and not self._bh_disabled_on_cpu():
                self.wakeup_softirqd()
            return
        if not self._in_interrupt():
            self.wakeup_softirqd()

    @kfunc(stack=False)
    def raise_softirq(self, nr: int) -> None:
        """local_irq_save; raise_softirq_irqoff; local_irq_restore."""
        k = self.kernel
        assert k is not None
        k.fentry(..., nr)
        was = k.ops.irqs_disabled()
        k.ops.local_irq_disable()
        self.raise_softirq_irqoff(nr)
        if not was:
            k.ops.local_irq_enable()

    @kfunc("__raise_softirq_irqoff_ksoft")
    def raise_softirq_irqoff_ksoft(self, nr: int) -> None:
        """4.6-rt: hand ``nr`` to its daemon and wake it (net_rx_action's leftovers).
        Elsewhere the same as __raise_softirq_irqoff (mainline has no such function)."""
        k = self.kernel
        assert k is not None
        k.fentry(..., nr)
        if not self.rt:
            self.raise_softirq_irqoff_nowake(nr)
            return
        cpu = k.ops.smp_processor_id()
        if k.probes:
            k.fire("softirq_raise", nr)
        self.pending_mask[cpu] |= 1 << nr
        self._daemon_for(cpu, nr).softirqs_raised |= 1 << nr
        self._wakeup_proper(nr)

    def _daemon_for(self, cpu: int, nr: int) -> Task:
        if (1 << nr) & TIMER_SOFTIRQS:
            kt = self.ktimersoftd[cpu]
            if kt is not None:
                return kt
        return self.ksoftirqd[cpu]

    def _rt_do_raise(self, nr: int) -> None:
        """4.6-rt do_raise_softirq_irqoff."""
        k = self.kernel
        assert k is not None
        cpu = k.ops.smp_processor_id()
        mask = 1 << nr
        if k.probes:
            k.fire("softirq_raise", nr)
        self.pending_mask[cpu] |= mask
        cur = k.current[cpu]
        if not self._in_irq() and cur.softirq_nestcnt:
            cur.softirqs_raised |= mask
        self._daemon_for(cpu, nr).softirqs_raised |= mask

    def _wakeup_proper(self, nr: int) -> None:
        if (1 << nr) & TIMER_SOFTIRQS and self.has_ktimersoftd:
            self.wakeup_timer_softirqd()
        else:
            self.wakeup_softirqd()

    @kfunc()
    def wakeup_softirqd(self) -> None:
        k = self.kernel
        assert k is not None
        k.fentry(...)
        tsk = self.ksoftirqd[k.ops.smp_processor_id()]
        if tsk.state != "R":
            k.wake_up_process(tsk)

    def wakeup_timer_softirqd(self) -> None:
        k = self.kernel
        assert k is not None
        tsk = self.ktimersoftd[k.ops.smp_processor_id()]
        if tsk is not None and tsk.state != "R":
            k.wake_up_process(tsk)

    def ksoftirqd_running(self, pending: int) -> bool:
        """4.9-6.4: is this CPU's ksoftirqd runnable (so irq_exit leaves the work to it)?"""
        k = self.kernel
        assert k is not None
        p = self.preset
        if not p.defer_to_ksoftirqd:
            return False
        if p.now_mask_exempt and pending & SOFTIRQ_NOW_MASK:
            return False
        return self.ksoftirqd[k.ops.smp_processor_id()].state == "R"

    # -- running ------------------------------------------------------------------------
    def _handle(self, nr: int, cpu: int) -> None:
        k = self.kernel
        assert k is not None
        self.kstat[cpu][nr] += 1
        if k.probes:
            k.fire("softirq_entry", nr)
        where = "irq_exit" if self._at_irq_exit[cpu] else k.current[cpu].comm
        self.ran_in[where] = self.ran_in.get(where, 0) + 1
        action = self.actions[nr]
        if action is not None:
            action()
        if k.probes:
            k.fire("softirq_exit", nr)

    @kfunc("__do_softirq")
    def do_softirq_core(self) -> None:
        k = self.kernel
        assert k is not None
        k.fentry(...)
        ops = k.ops
        cpu = ops.smp_processor_id()
        end = k.jiffies + msecs_to_jiffies(MAX_SOFTIRQ_TIME_MS, k.config.hz)
        max_restart = MAX_SOFTIRQ_RESTART
        pending = self.pending_mask[cpu]
        k.preempt_count[cpu] += SOFTIRQ_OFFSET  # __local_bh_disable_ip(SOFTIRQ_OFFSET)
        try:
            while True:
                self.pending_mask[cpu] = 0
                ops.local_irq_enable()
                for nr in _bits(pending):
                    self._handle(nr, cpu)
                    self._irq_window()
                ops.local_irq_disable()
                pending = self.pending_mask[cpu]
                if pending:
                    max_restart -= 1
                    if k.jiffies < end and not self._need_resched(cpu) and max_restart:
                        continue
                    self.wakeup_softirqd()
                break
        finally:
            k.preempt_count[cpu] -= SOFTIRQ_OFFSET

    @kfunc()
    def do_current_softirqs(self, preemptible: bool = False) -> None:
        """4.6-rt: run the bits raised in the current task's context, lowest first.

        ``preemptible`` (ksoftirqd): on RT the loop can be preempted anywhere; the
        model lets a woken higher-priority task (ktimersoftd, an irq thread) take
        the CPU at the next vector boundary: the loop stops there with the rest
        still raised, ksoftirqd stays runnable (thread_should_run) and goes on
        with it when it runs again, as the preempted loop would."""
        k = self.kernel
        assert k is not None
        k.fentry(...)
        ops = k.ops
        cpu = ops.smp_processor_id()
        cur = k.current[cpu]
        while cur.softirqs_raised:
            if preemptible and self._need_resched(cpu):
                break
            nr = (cur.softirqs_raised & -cur.softirqs_raised).bit_length() - 1
            mask = 1 << nr
            cur.softirqs_raised &= ~mask
            # lock_softirq(nr): the per-CPU per-vector local lock; a vector runs
            # within one model slice, so the lock is never contended in the model
            ops.local_irq_disable()
            pending = self.pending_mask[cpu]
            if pending & mask:
                self.pending_mask[cpu] = pending & ~mask
                self.do_single_softirq(nr)
            ops.local_irq_enable()
            self._irq_window()
            ops.local_irq_disable()

    def do_single_softirq(self, nr: int) -> None:
        """(static, inlined into do_current_softirqs: no frame of its own)"""
        k = self.kernel
        assert k is not None
        cpu = k.ops.smp_processor_id()
        cur = k.current[cpu]
        cur.data["PF_IN_SOFTIRQ"] = True
        k.ops.local_irq_enable()
        try:
            self._handle(nr, cpu)
        finally:
            k.ops.local_irq_disable()
            cur.data["PF_IN_SOFTIRQ"] = False

    def in_serving_softirq(self) -> bool:
        k = self.kernel
        assert k is not None
        if self.rt:
            return bool(self._cur().data.get("PF_IN_SOFTIRQ"))
        return bool(k.preempt_count[k.ops.smp_processor_id()] & SOFTIRQ_OFFSET)

    @kfunc()
    def do_softirq(self) -> None:
        k = self.kernel
        assert k is not None
        if k.in_interrupt():
            return
        ops = k.ops
        was = ops.irqs_disabled()
        ops.local_irq_disable()
        pending = self.local_softirq_pending()
        if pending and not self.ksoftirqd_running(pending):
            if k.config.arch == "x86":
                do_softirq_own_stack(self)
            else:
                self.do_softirq_core()
        if not was:
            ops.local_irq_enable()

    # -- the Kernel hook ------------------------------------------------------------------
    def irq_exit(self, cpu: int) -> None:
        """After irq_exit dropped HARDIRQ_OFFSET: ``if (!in_interrupt() &&
        local_softirq_pending()) invoke_softirq()``."""
        if not self.pending_mask[cpu] and not self.pending_timer[cpu]:
            return  # nothing to run or wake, whatever the context
        k = self.kernel
        assert k is not None
        if in_interrupt_on(k, cpu):
            return
        if self.preset.v6 and self.pending_timer[cpu] and self.has_ktimersoftd:
            self.wakeup_timer_softirqd()  # [6.x] wake_timersd
        if self.pending_mask[cpu]:
            self.invoke_softirq(cpu)

    @kfunc(stack=False)
    def invoke_softirq(self, cpu: int) -> None:
        """(static inline in softirq.c: no frame of its own on a stack)"""
        k = self.kernel
        assert k is not None
        k.fentry(...)
        if self.rt:
            if self.ksoftirqd[cpu].softirqs_raised:
                self.wakeup_softirqd()
            kt = self.ktimersoftd[cpu]
            if kt is not None and kt.softirqs_raised:
                self.wakeup_timer_softirqd()
            return
        if self.rt6:
            if not self._bh_disabled_on_cpu():
                self.wakeup_softirqd()
            return
        if self.ksoftirqd_running(self.pending_mask[cpu]):
            return
        if not k.config.force_irqthreads:
            self._at_irq_exit[cpu] = True
            try:
                self.do_softirq_core()  # on the irq stack (ARM: do_softirq_own_stack = same)
            finally:
                self._at_irq_exit[cpu] = False
        else:
            self.wakeup_softirqd()

    def _bh_disabled_on_cpu(self) -> bool:
        """[6.x] RT softirq_ctrl.cnt: some task on this CPU has BH disabled."""
        k = self.kernel
        assert k is not None
        cpu = k.ops.smp_processor_id()
        return any(t.softirq_nestcnt and t.cpu == cpu for t in k.tasks.values()) \
            or bool(k.current[cpu].softirq_nestcnt)

    @kfunc()
    def local_bh_disable(self, cpu: int) -> None:
        k = self.kernel
        assert k is not None
        k.fentry(...)
        if k.config.preempt_rt:
            k.current[cpu].softirq_nestcnt += 1  # (migrate_disable at the first level)
            return
        k.preempt_count[cpu] += SOFTIRQ_DISABLE_OFFSET

    def local_bh_enable(self, cpu: int) -> None:
        k = self.kernel
        assert k is not None
        if self.rt:
            self.rt_local_bh_enable(cpu)
        elif self.rt6:
            self._rt6_local_bh_enable(cpu)
        else:
            self.local_bh_enable_ip(cpu)

    @kfunc("__local_bh_enable")
    def rt_local_bh_enable(self, cpu: int) -> None:
        """4.6-rt __local_bh_enable."""
        k = self.kernel
        assert k is not None
        k.fentry(...)
        cur = k.current[cpu]
        if cur.softirq_nestcnt == 0:
            k.warn("WARNING: local_bh_enable with softirq_nestcnt == 0")
            return
        ops = k.ops
        was = ops.irqs_disabled()
        ops.local_irq_disable()
        if cur.softirq_nestcnt == 1 and cur.softirqs_raised:
            self.do_current_softirqs()
        if not was:
            ops.local_irq_enable()
        cur.softirq_nestcnt -= 1

    @kfunc("__local_bh_enable_ip")
    def local_bh_enable_ip(self, cpu: int) -> None:
        k = self.kernel
        assert k is not None
        k.fentry(...)
        if k.ops.irqs_disabled():
            k.warn_once("bh_irqs_off", "WARNING: local_bh_enable with interrupts disabled")
        # preempt_count_sub(cnt - 1): leave the BH-off count, keep preemption off
        k.preempt_count[cpu] -= SOFTIRQ_DISABLE_OFFSET - 1
        try:
            if not k.in_interrupt() and self.pending_mask[cpu]:
                self.do_softirq()
        finally:
            k.preempt_count[cpu] -= 1  # preempt_count_dec; preempt_check_resched

    @kfunc("__local_bh_enable_ip", stack=False)
    def _rt6_local_bh_enable(self, cpu: int) -> None:
        """[6.x] RT __local_bh_enable_ip: at the outermost level run all pending."""
        k = self.kernel
        assert k is not None
        k.fentry(...)
        cur = k.current[cpu]
        if cur.softirq_nestcnt == 1 and self.pending_mask[cpu] and not self._in_irq() \
                and not k.ops.irqs_disabled():
            was = k.ops.irqs_disabled()
            k.ops.local_irq_disable()
            self.do_softirq_core()
            if not was:
                k.ops.local_irq_enable()
        cur.softirq_nestcnt = max(0, cur.softirq_nestcnt - 1)

    # -- ksoftirqd / ktimersoftd ----------------------------------------------------------
    def _should_run(self, cpu: int, which: str) -> Callable[[], bool]:
        def should_run() -> bool:
            t = self.ksoftirqd[cpu] if which == "ksoftirqd" else self.ktimersoftd[cpu]
            assert t is not None
            if self.rt:
                return bool(t.softirqs_raised)
            if which == "ktimersoftd":
                return bool(self.pending_timer[cpu])
            return bool(self.pending_mask[cpu])
        return should_run

    def _thread_body(self, cpu: int, which: str) -> Callable[[], None]:
        def body() -> None:
            smpboot_thread_fn(self, cpu, which)
        return body

    @kfunc()
    def run_ksoftirqd(self, cpu: int) -> None:
        k = self.kernel
        assert k is not None
        k.fentry(..., cpu)
        ops = k.ops
        if self.rt:
            ops.local_irq_disable()
            cur = k.current[cpu]
            cur.softirq_nestcnt += 1
            self.do_current_softirqs(preemptible=True)
            cur.softirq_nestcnt -= 1
            ops.local_irq_enable()
            return
        ops.local_irq_disable()
        if self.pending_mask[cpu]:
            self.do_softirq_core()
        ops.local_irq_enable()

    @kfunc()
    def run_timersd(self, cpu: int) -> None:
        """[6.x] ktimers/N: move the timer bits to pending and run __do_softirq."""
        k = self.kernel
        assert k is not None
        k.fentry(..., cpu)
        ops = k.ops
        ops.local_irq_disable()
        self.pending_mask[cpu] |= self.pending_timer[cpu]
        self.pending_timer[cpu] = 0
        cur = k.current[cpu]
        cur.softirq_nestcnt += 1
        if self.pending_mask[cpu]:
            self.do_softirq_core()
        cur.softirq_nestcnt -= 1
        ops.local_irq_enable()

    # -- tests and model scenarios ---------------------------------------------------------
    def run_pending(self) -> None:
        """Run everything pending on the current CPU now, from task context (tests and
        the settle loops of model scenarios): do_softirq on mainline, the bits taken
        over as ksoftirqd would on RT."""
        k = self.kernel
        assert k is not None
        cpu = k.ops.smp_processor_id()
        if self.pending_timer[cpu]:
            self.pending_mask[cpu] |= self.pending_timer[cpu]
            self.pending_timer[cpu] = 0
        if k.in_interrupt() or not self.pending_mask[cpu]:
            return
        ops = k.ops
        was = ops.irqs_disabled()
        if self.rt:
            cur = k.current[cpu]
            cur.softirq_nestcnt += 1
            cur.softirqs_raised |= self.pending_mask[cpu]
            ops.local_irq_disable()
            self.do_current_softirqs()
            cur.softirq_nestcnt -= 1
        else:
            ops.local_irq_disable()
            self.do_softirq_core()
        if not was:
            ops.local_irq_enable()

    def kstat_softirqs_cpu(self, nr: int, cpu: int) -> int:
        return self.kstat[cpu][nr]


@kfunc()
def do_softirq_own_stack(s: Softirq) -> None:
    """x86: switch to the softirq stack and run __do_softirq (a frame bcc shows)."""
    s.do_softirq_core()


@kfunc()
def smpboot_thread_fn(s: Softirq, cpu: int, which: str) -> None:
    """One pass of the smpboot loop: if thread_should_run, run thread_fn."""
    t = s.ksoftirqd[cpu] if which == "ksoftirqd" else s.ktimersoftd[cpu]
    assert t is not None
    should = t.data["should_run"]
    if not should():
        return
    if which == "ksoftirqd" or s.rt:
        s.run_ksoftirqd(cpu)
    else:
        s.run_timersd(cpu)


def kernel_softirq(kernel: Kernel) -> Softirq:
    """``kernel.softirq`` as a :class:`Softirq` (TypeError if the hook is something else)."""
    s = kernel.softirq
    if not isinstance(s, Softirq):
        raise TypeError("kernel.softirq is not an irqemu.kernel.softirq.Softirq")
    return s


def raise_softirq(kernel: Kernel, nr: int) -> None:
    kernel_softirq(kernel).raise_softirq(nr)


def raise_softirq_irqoff(kernel: Kernel, nr: int) -> None:
    kernel_softirq(kernel).raise_softirq_irqoff(nr)


def __raise_softirq_irqoff(kernel: Kernel, nr: int) -> None:
    kernel_softirq(kernel).raise_softirq_irqoff_nowake(nr)


def __raise_softirq_irqoff_ksoft(kernel: Kernel, nr: int) -> None:
    kernel_softirq(kernel).raise_softirq_irqoff_ksoft(nr)


def open_softirq(kernel: Kernel, nr: int, action: SoftirqAction, name: str | None = None) -> None:
    kernel_softirq(kernel).open_softirq(nr, action, name)

__all__ = [
    "BLOCK_IOPOLL_SOFTIRQ", "BLOCK_SOFTIRQ", "HI_SOFTIRQ", "HRTIMER_SOFTIRQ", "IRQ_POLL_SOFTIRQ",
    "MAX_SOFTIRQ_RESTART", "MAX_SOFTIRQ_TIME_MS", "NET_RX_SOFTIRQ", "NET_TX_SOFTIRQ",
    "NR_SOFTIRQS", "PRESETS", "RCU_SOFTIRQ", "SCHED_SOFTIRQ", "TASKLET_SOFTIRQ", "TIMER_SOFTIRQ",
    "TIMER_SOFTIRQS", "Softirq", "SoftirqPreset", "kernel_softirq", "open_softirq",
    "raise_softirq", "raise_softirq_irqoff", "softirq_to_name",
]
