"""The scheduler (kernel/sched/core.c, rt.c, fair.c, reduced), split in two:

- :class:`Sched` decides **what** runs: per-CPU run queues, SCHED_FIFO / SCHED_RR by
  priority, SCHED_OTHER as a fair approximation (vruntime weighted by nice,
  sleeper credit, wakeup and tick preemption), ``wake_up_process``, need_resched,
  context switches (tracepoint sched_switch, a modelled cost, ``current``,
  the per-task preempt_count ARM keeps in thread_info), RT throttling
  (sched_rt_period_us 1,000,000 / sched_rt_runtime_us 950,000, the one-time
  "sched: RT throttling activated", RT_RUNTIME_SHARE in 4.6, lending only
  between online CPUs), and SMP RT balancing as rt.c does it: a woken RT task
  that cannot preempt its CPU's RT task goes to find_lowest_rq's CPU
  (select_task_rq_rt), waiting RT tasks are pushed after a wakeup or a switch
  and pulled by a CPU whose RT priority drops; set_cpus_allowed_ptr migrates.
- a **backend** runs what was decided on a CPU. :class:`StandaloneRunner` (here)
  runs model tasks on model CPUs with per-CPU simulated clocks, for tests and
  model-level scenarios; the lead's core backend runs guest-code tasks with
  Unicorn contexts and model tasks through :meth:`Sched.task_step`.

Model tasks. A task's ``fn`` is one pass of its main loop. A plain function is
one slice. A function that returns a generator runs one slice per ``next()``:
each ``yield`` is a preemption point, where the core is back in guest code
with interrupts enabled, pending hard IRQs are taken and a higher-priority
task may take the CPU. ``yield n`` (an int) charges n modelled cycles of work
for that slice; ``yield SLEEP`` blocks the task until ``wake_up_process``
(the generator resumes after the yield); a task that must wait for something
(synchronize_irq, wait_event) does ``yield from`` the sleeping form of the
call. After a pass ends the task stays
runnable if ``task.data["should_run"]()`` says so (smpboot threads) or it was
woken while running, else it sleeps.

What a backend must do (see :class:`Backend`): call :meth:`Sched.schedule` at
a preemption point when :meth:`Sched.need_resched` is set (after a slice, on
return from the outermost hard IRQ to preemptible context), run the current
task's next slice, report time with :meth:`Sched.account` (the standalone
runner does this itself), call :meth:`Sched.scheduler_tick` every jiffy (the
tick in :mod:`irqemu.kernel.timer` does), and implement ``kick(cpu)`` (a
reschedule IPI to a CPU another CPU woke a task on) and ``irq_window(cpu)``
(model code has interrupts enabled on ``cpu``: take due hard IRQs now).
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from irqemu.kernel.context import (
    PF_KTHREAD,
    SCHED_FIFO,
    SCHED_NORMAL,
    SCHED_RR,
    CpuOps,
    Scheduler,
    StandaloneCpuOps,
    Task,
    kfunc,
    ret_from_fork,
)
from irqemu.kernel.core import Kernel
from irqemu.kernel.softirq import Softirq

#: ``yield SLEEP`` from a model task: set_current_state(TASK_INTERRUPTIBLE); schedule()
SLEEP = "sleep"

NSEC = 1000  #: picoseconds per nanosecond
MSEC = 10**9
USEC = 10**6

#: kernel/sched/core.c sched_prio_to_weight (nice -20 .. 19)
PRIO_TO_WEIGHT = (
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
    9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
    1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
    110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
)
NICE_0_LOAD = 1024
RR_TIMESLICE_PS = 100 * MSEC  #: RR_TIMESLICE = 100 ms


def nice_to_weight(nice: int) -> int:
    return PRIO_TO_WEIGHT[max(-20, min(19, nice)) + 20]


def is_rt(t: Task) -> bool:
    return t.policy in (SCHED_FIFO, SCHED_RR)


class Backend(Protocol):
    """What runs the decisions on a CPU. Subclass it for the defaults (do
    nothing); :class:`~irqemu.kernel.platform.CoreRunner` implements every member."""

    def attach(self, kernel: Kernel, sched: Sched) -> None:
        """``sched`` is attached to ``kernel``."""
        return None

    def kick(self, cpu: int) -> None:
        """``cpu`` has need_resched set by another CPU (smp_send_reschedule)."""
        return None

    def irq_window(self, cpu: int) -> None:
        """Model code on ``cpu`` runs with interrupts enabled: take due hard IRQs."""
        return None

    def irq_return(self, cpu: int) -> None:
        """The outermost hard IRQ on ``cpu`` returned: preempt if need_resched."""
        return None

    def preempt_irq(self, cpu: int) -> None:
        """A hard IRQ returned into preemptible task context inside a slice: switch now
        if the backend can suspend the slice (the default: at the slice's end)."""
        return None


@runtime_checkable
class ClockedCpuOps(CpuOps, Protocol):
    """CpuOps with a clock per CPU (:class:`SimCpuOps`): the scheduler reads any
    CPU's time, not only the current one's."""

    def clock(self, cpu: int) -> int: ...

    def advance_to(self, cpu: int, t_ps: int) -> None: ...


@dataclass
class RunQueue:
    """struct rq, reduced: the RT priority arrays, the CFS set, accounting."""

    cpu: int
    idle: Task
    curr: Task
    rt: dict[int, deque[Task]] = field(default_factory=dict)  #: rt_priority -> FIFO
    cfs: list[Task] = field(default_factory=list)
    need_resched: bool = False
    min_vruntime: int = 0
    nr_switches: int = 0
    #: RT bandwidth (struct rt_rq): time used in this period, own runtime, throttled
    rt_time: int = 0
    rt_runtime: int = 0
    rt_throttled: bool = False
    period_end: int = 0
    throttle_count: int = 0
    slice_start_exec: int = 0  #: curr.sum_exec at its last switch-in (tick preemption)

    def nr_running(self) -> int:
        return sum(len(q) for q in self.rt.values()) + len(self.cfs)

    def rt_queued(self) -> bool:
        return any(self.rt.values())


class Sched(Scheduler):
    """The decision half of the scheduler; implements the kernel's ``Scheduler`` hook.

    ``backend``: a :class:`Backend`; by default a :class:`StandaloneRunner` is made.
    ``switch_cycles``: the modelled cost of a context switch, charged once per switch
    by ``__schedule`` (default: the cost table's ``__schedule``; a value given here
    replaces that entry in the kernel's table). ``rt_runtime_us=-1`` disables throttling.
    ``rt_runtime_share``: RT_RUNTIME_SHARE (default: on for 4.6, off for 6.x).
    """

    def __init__(self, backend: Backend | None = None, *, switch_cycles: int | None = None,
                 rt_period_us: int = 1_000_000, rt_runtime_us: int = 950_000,
                 rt_runtime_share: bool | None = None) -> None:
        self.kernel: Kernel | None = None
        self.backend: Backend = backend if backend is not None else StandaloneRunner()
        self._clock: Callable[[int], int] | None = None  #: the ops' per-CPU clock, if any
        self._switch_cycles = switch_cycles
        self.rt_period_ps = rt_period_us * USEC
        self.rt_runtime_ps = -1 if rt_runtime_us < 0 else rt_runtime_us * USEC
        self._share = rt_runtime_share
        self.rq: list[RunQueue] = []
        self._seq = itertools.count()
        self.switch_log: list[tuple[int, int, str, str]] | None = None  #: (ps, cpu, prev, next)
        self._in_pass: dict[int, Task] = {}  #: cpu -> the model task whose slice runs there

    # -- setup --------------------------------------------------------------------------
    def attach(self, kernel: Kernel) -> None:
        self.kernel = kernel
        if self._switch_cycles is not None:
            kernel.costs["__schedule"] = self._switch_cycles
        if self._share is None:
            self._share = not kernel.config.v6
        self.rq = [RunQueue(c, kernel.idle[c], kernel.idle[c], rt_runtime=self.rt_runtime_ps,
                            period_end=self.rt_period_ps) for c in range(kernel.num_cpus)]
        for t in kernel.idle:
            t.data["preempt_count"] = 0
        ops = kernel.ops
        self._clock = ops.clock if isinstance(ops, ClockedCpuOps) else None
        self.backend.attach(kernel, self)

    @property
    def switch_cycles(self) -> int:
        """What one context switch costs (charged by ``__schedule``'s fentry)."""
        if self._switch_cycles is not None:
            return self._switch_cycles
        k = self.kernel
        return k.costs.get("__schedule", 0) if k is not None else 0

    def _k(self) -> Kernel:
        assert self.kernel is not None
        return self.kernel

    def _now(self, cpu: int) -> int:
        clock = self._clock
        if clock is not None:
            return int(clock(cpu))
        return self._k().ops.now_ps()

    # -- queues -------------------------------------------------------------------------
    def _queued(self, t: Task) -> bool:
        return bool(t.data.get("on_rq"))

    def enqueue(self, rq: RunQueue, t: Task, head: bool = False) -> None:
        if self._queued(t):
            return
        t.data["on_rq"] = True
        t.cpu = rq.cpu
        if is_rt(t):
            q = rq.rt.setdefault(t.rt_priority, deque())
            if head:
                q.appendleft(t)
            else:
                q.append(t)
        else:
            # place_entity with GENTLE_FAIR_SLEEPERS: credit of half a latency period
            v = int(t.data.get("vruntime", 0))
            lat = self.sched_latency_ps()
            t.data["vruntime"] = max(v, rq.min_vruntime - lat // 2)
            t.data["cfs_seq"] = next(self._seq)
            rq.cfs.append(t)

    def dequeue(self, rq: RunQueue, t: Task) -> None:
        if not self._queued(t):
            return
        t.data["on_rq"] = False
        if is_rt(t):
            q = rq.rt.get(t.rt_priority)
            if q is not None and t in q:
                q.remove(t)
        elif t in rq.cfs:
            rq.cfs.remove(t)

    def sched_latency_ps(self) -> int:
        """sysctl_sched_latency 6 ms x (1 + ilog2(ncpus)) (SCHED_TUNABLESCALING_LOG)."""
        n = self._k().num_cpus
        return 6 * MSEC * (1 + max(0, n.bit_length() - 1))

    def min_granularity_ps(self) -> int:
        n = self._k().num_cpus
        return 750 * USEC * (1 + max(0, n.bit_length() - 1))

    def wakeup_granularity_ps(self) -> int:
        n = self._k().num_cpus
        return 1 * MSEC * (1 + max(0, n.bit_length() - 1))

    # -- the root domain and RT priorities (kernel/sched/cpupri.c, rt.c) ---------------------
    def online(self) -> frozenset[int]:
        """rd->span: the CPUs online in the root domain (``Kernel.cpu_online``)."""
        return frozenset(self._k().cpu_online)

    def _allowed(self, t: Task) -> frozenset[int]:
        """tsk_cpus_allowed & the online CPUs."""
        on = self.online()
        return on if t.cpus_allowed is None else t.cpus_allowed & on

    def _nr_cpus_allowed(self, t: Task) -> int:
        return self._k().num_cpus if t.cpus_allowed is None else len(t.cpus_allowed)

    @staticmethod
    def rt_highest(rq: RunQueue) -> int:
        """rq->rt.highest_prio.curr as an rt_priority: the best queued RT task's
        (the running one included), -1 when none (MAX_RT_PRIO: below every RT)."""
        best = -1
        for prio, q in rq.rt.items():
            if q and prio > best:
                best = prio
        return best

    def find_lowest_rq(self, p: Task, this_cpu: int) -> int:
        """find_lowest_rq: cpupri_find's lowest level below ``p`` among its allowed
        CPUs (no RT queued, else the lowest RT); then task_cpu(p) if it is there,
        else this CPU, else the first such CPU. -1: none, or ``p`` is pinned."""
        if self._nr_cpus_allowed(p) == 1:
            return -1
        levels = {c: self.rt_highest(self.rq[c]) for c in self._allowed(p)}
        below = [lvl for lvl in levels.values() if lvl < p.rt_priority]
        if not below:
            return -1
        lowest = min(below)
        mask = sorted(c for c, lvl in levels.items() if lvl == lowest)
        if p.cpu in mask:
            return p.cpu
        if this_cpu in mask:
            return this_cpu
        return mask[0]

    # -- the Scheduler hook -----------------------------------------------------------------
    def select_task_rq(self, t: Task, waking_cpu: int) -> int:
        allowed = t.cpus_allowed
        if allowed is not None and t.cpu not in allowed:
            cpu = min(allowed)
        elif t.data.get("ran_once") or allowed is not None:
            cpu = t.cpu
        else:
            cpu = waking_cpu
        if is_rt(t):
            cpu = self.select_task_rq_rt(t, cpu, waking_cpu)
        return cpu

    def select_task_rq_rt(self, p: Task, cpu: int, this_cpu: int) -> int:
        """select_task_rq_rt (4.6): if task_cpu(p) runs an RT task that ``p`` cannot
        preempt (or one pinned there), wake ``p`` on find_lowest_rq's CPU when ``p``
        would run there at once."""
        curr = self.rq[cpu].curr
        if is_rt(curr) and (self._nr_cpus_allowed(curr) < 2
                            or curr.rt_priority >= p.rt_priority):
            target = self.find_lowest_rq(p, this_cpu)
            if target != -1 and p.rt_priority > self.rt_highest(self.rq[target]):
                return target
        return cpu

    @kfunc("try_to_wake_up")
    def wake_up_process(self, t: Task) -> bool:
        k = self._k()
        k.fentry(..., t)
        if t.state == "X":
            return False
        if t.state == "R":
            # already runnable or running: the running pass re-checks its condition
            t.data["woken"] = True
            return False
        t.state = "R"
        t.data["woken"] = True
        cpu = self.select_task_rq(t, k.ops.smp_processor_id())
        rq = self.rq[cpu]
        self.enqueue(rq, t)
        if k.probes:
            k.fire("sched_wakeup", t, cpu)
        self.check_preempt_curr(rq, t)
        if is_rt(t):
            self.task_woken_rt(rq, t)
        return True

    # -- RT push / pull (kernel/sched/rt.c) ----------------------------------------------------
    def task_woken_rt(self, rq: RunQueue, p: Task) -> None:
        """task_woken_rt: ``p`` woke where it cannot run now (an RT task it does not
        preempt holds the CPU): push it (or another waiting RT task) elsewhere."""
        curr = rq.curr
        if (p is not curr and not rq.need_resched and self._nr_cpus_allowed(p) > 1
                and is_rt(curr) and (self._nr_cpus_allowed(curr) < 2
                                     or curr.rt_priority >= p.rt_priority)):
            self.push_rt_tasks(rq)

    def _pushable(self, rq: RunQueue, dest: int | None = None) -> list[Task]:
        """rq->rt.pushable_tasks, best first: queued RT tasks, not running, allowed
        on more than one CPU (and on ``dest`` if given)."""
        out = []
        for prio in sorted(rq.rt, reverse=True):
            for t in rq.rt[prio]:
                if t is rq.curr or self._nr_cpus_allowed(t) < 2:
                    continue
                if dest is not None and dest not in self._allowed(t):
                    continue
                out.append(t)
        return out

    def _running_elsewhere(self, t: Task, cpu: int) -> bool:
        """task_running on another CPU (it migrated but that CPU has not switched yet)."""
        return any(rq.curr is t for rq in self.rq if rq.cpu != cpu)

    def _move_task(self, src: RunQueue, t: Task, dst: RunQueue) -> None:
        """deactivate_task, set_task_cpu, activate_task, resched_curr(dst)."""
        self.dequeue(src, t)
        self.enqueue(dst, t)
        if self._k().probes:
            self._k().fire("sched_migrate_task", t, src.cpu, dst.cpu)
        self.check_preempt_curr(dst, t)

    def push_rt_task(self, rq: RunQueue) -> bool:
        """push_rt_task: move the best waiting pushable RT task to the lowest CPU
        that would run it at once; if it can preempt this CPU's task, resched here."""
        if self.rq_throttled(rq):
            return False
        pushable = self._pushable(rq)
        if not pushable:
            return False
        nxt = pushable[0]
        curr = rq.curr
        if not is_rt(curr) or nxt.rt_priority > curr.rt_priority:
            self.resched_curr(rq)
            return False
        cpu = self.find_lowest_rq(nxt, rq.cpu)
        if cpu == -1 or cpu == rq.cpu:
            return False
        lowest = self.rq[cpu]
        if self.rt_highest(lowest) >= nxt.rt_priority or self.rq_throttled(lowest):
            return False
        self._move_task(rq, nxt, lowest)
        return True

    def push_rt_tasks(self, rq: RunQueue) -> None:
        while self.push_rt_task(rq):
            pass

    def pull_rt_task(self, this_rq: RunQueue) -> bool:
        """pull_rt_task: this CPU's RT priority dropped; take from other CPUs the
        waiting RT tasks that are better than anything here and that their own CPU
        is not about to run (not better than that CPU's current)."""
        moved = False
        this = this_rq.cpu
        online = self.online()
        for src in self.rq:
            if src is this_rq or src.cpu not in online:
                continue
            cands = self._pushable(src, this)  # pick_highest_pushable_task(src, this)
            if not cands:
                continue
            p = cands[0]
            if p.rt_priority <= self.rt_highest(this_rq):
                continue
            if not is_rt(src.curr) or p.rt_priority > src.curr.rt_priority:
                continue  # it is about to preempt src's current: leave it
            self._move_task(src, p, this_rq)
            moved = True
        return moved

    def rq_throttled(self, rq: RunQueue) -> bool:
        return rq.rt_throttled

    def set_cpus_allowed_ptr(self, t: Task, mask: frozenset[int]) -> bool:
        """set_cpus_allowed_ptr: ``t`` may run on ``mask`` only. A task on a CPU
        outside it moves to cpumask_any_and(cpu_active_mask, mask) now (a running
        one through the migration stopper, so the caller's work continues there).
        Returns whether ``t`` moved."""
        t.cpus_allowed = frozenset(mask)
        on = sorted(mask & self.online())
        if not on or t.cpu in mask:
            return False
        dest = on[0]
        src = self.rq[t.cpu]
        if self._queued(t):
            self._move_task(src, t, self.rq[dest])
            if src.curr is t:
                src.need_resched = True
                t.data["woken"] = True  # its pass goes on at dest: it stays runnable
        else:
            t.cpu = dest
        return True

    def check_preempt_curr(self, rq: RunQueue, p: Task) -> None:
        curr = rq.curr
        if curr is rq.idle:
            self.resched_curr(rq)
            return
        if is_rt(p):
            if rq.rt_throttled:
                return
            if not is_rt(curr) or p.rt_priority > curr.rt_priority:
                self.resched_curr(rq)
            return
        if is_rt(curr):
            return
        # check_preempt_wakeup: vruntime lead beyond the wakeup granularity
        gran = self.wakeup_granularity_ps() * NICE_0_LOAD // nice_to_weight(p.nice)
        if int(curr.data.get("vruntime", 0)) - int(p.data.get("vruntime", 0)) > gran:
            self.resched_curr(rq)

    def resched_curr(self, rq: RunQueue) -> None:
        if rq.need_resched:
            return
        rq.need_resched = True
        k = self._k()
        if rq.cpu != k.ops.smp_processor_id():
            self.backend.kick(rq.cpu)

    def need_resched(self, cpu: int) -> bool:
        return self.rq[cpu].need_resched

    def hardirq_done(self, cpu: int) -> None:
        """The outermost hard IRQ returned; a backend preempts here if need_resched
        (the standalone runner checks at its next step)."""
        self.backend.irq_return(cpu)

    def irq_window(self, cpu: int) -> None:
        self.backend.irq_window(cpu)

    def preempt_irq(self, cpu: int) -> None:
        """A hard IRQ may just have returned into preemptible task context inside a
        slice (preempt_schedule_irq): a backend that can suspend the slice switches
        now; the others switch when the slice ends."""
        self.backend.preempt_irq(cpu)

    # -- picking and switching -------------------------------------------------------------
    def pick_next_task(self, cpu: int) -> Task:
        rq = self.rq[cpu]
        if not rq.rt_throttled:
            for prio in sorted(rq.rt, reverse=True):
                for t in rq.rt[prio]:
                    if not self._running_elsewhere(t, cpu):
                        return t
        cfs = [t for t in rq.cfs if not self._running_elsewhere(t, cpu)]
        if cfs:
            return min(cfs, key=lambda t: (int(t.data.get("vruntime", 0)),
                                           int(t.data.get("cfs_seq", 0))))
        return rq.idle

    @kfunc("__schedule")
    def schedule(self, cpu: int, resume: Task | None = None) -> Task:
        """__schedule on ``cpu``: pick, and if it differs switch (cost, sched_switch,
        ``current``, preempt_count). Returns the task now current. ``resume``: switch
        to that task instead of picking (a backend returning to a preempted task whose
        model frames it holds, when the pick cannot run nested)."""
        k = self._k()
        rq = self.rq[cpu]
        self.update_curr(cpu)
        rq.need_resched = False
        prev = rq.curr
        if is_rt(prev) and self.rt_highest(rq) < prev.rt_priority:
            self.pull_rt_task(rq)  # pick_next_task_rt: need_pull_rt_task (prev left or sleeps)
        nxt = self.pick_next_task(cpu) if resume is None else resume
        if nxt is prev:
            return prev
        k.fentry(...)  # charges the switch: pick_next_task + context_switch
        if k.probes:
            k.fire("sched_switch", prev, nxt)
        if self.switch_log is not None:
            self.switch_log.append((self._now(cpu), cpu, prev.comm, nxt.comm))
        prev.data["preempt_count"] = k.preempt_count[cpu]
        k.preempt_count[cpu] = int(nxt.data.get("preempt_count", 0))
        rq.curr = nxt
        rq.nr_switches += 1
        rq.slice_start_exec = nxt.sum_exec_ps
        nxt.cpu = cpu
        nxt.data["ran_once"] = True
        nxt.data["exec_start"] = self._now(cpu)
        k.current[cpu] = nxt
        if self._pushable(rq):
            self.push_rt_tasks(rq)  # queue_push_tasks: the balance callback after the switch
        return nxt

    def update_curr(self, cpu: int) -> None:
        """Charge the time since the last update to the current task (sum_exec,
        vruntime, the RT bandwidth) and run the RT period bookkeeping."""
        rq = self.rq[cpu]
        now = self._now(cpu)
        self._rt_period(rq, now)
        curr = rq.curr
        start = int(curr.data.get("exec_start", now))
        delta = max(0, now - start)
        curr.data["exec_start"] = now
        if curr is rq.idle or delta == 0:
            return
        curr.sum_exec_ps += delta
        if is_rt(curr):
            self._account_rt(rq, delta)
        else:
            w = nice_to_weight(curr.nice)
            curr.data["vruntime"] = int(curr.data.get("vruntime", 0)) + delta * NICE_0_LOAD // w
            vs = [int(t.data.get("vruntime", 0)) for t in rq.cfs] or [curr.data["vruntime"]]
            rq.min_vruntime = max(rq.min_vruntime, min(vs))

    def account(self, cpu: int, delta_ps: int = 0) -> None:
        """Backends call this after running a slice (the clock already advanced)."""
        self.update_curr(cpu)

    # -- RT bandwidth (kernel/sched/rt.c) ----------------------------------------------------
    def _rt_period(self, rq: RunQueue, now: int) -> None:
        """do_sched_rt_period_timer, applied lazily at period boundaries."""
        if self.rt_runtime_ps < 0:
            return
        while now >= rq.period_end:
            rq.period_end += self.rt_period_ps
            rq.rt_time -= min(rq.rt_time, rq.rt_runtime)
            if rq.rt_throttled and rq.rt_time < rq.rt_runtime:
                rq.rt_throttled = False
                if rq.rt_queued():
                    self.resched_curr(rq)

    def _account_rt(self, rq: RunQueue, delta: int) -> None:
        if self.rt_runtime_ps < 0:
            return
        rq.rt_time += delta
        if rq.rt_throttled:
            return
        if rq.rt_runtime >= self.rt_period_ps:
            return
        if rq.rt_time > rq.rt_runtime and self._share:
            self._balance_runtime(rq)
        if rq.rt_runtime >= self.rt_period_ps:
            return
        if rq.rt_time > rq.rt_runtime:
            rq.rt_throttled = True
            rq.throttle_count += 1
            self._k().printk_once("rt_throttling", "sched: RT throttling activated", level=4)
            self.resched_curr(rq)

    def _balance_runtime(self, rq: RunQueue) -> None:
        """do_balance_runtime: borrow 1/weight of each peer's spare runtime until this
        CPU's runtime reaches the period; peers and weight are the root domain's
        span (online CPUs only: a CPU never brought up lends nothing)."""
        span = self.online()
        weight = len(span)
        for other in self.rq:
            if other is rq or other.cpu not in span or other.rt_runtime <= 0:
                continue
            spare = other.rt_runtime - other.rt_time
            if spare <= 0:
                continue
            diff = spare // weight
            diff = min(diff, self.rt_period_ps - rq.rt_runtime)
            other.rt_runtime -= diff
            rq.rt_runtime += diff
            if rq.rt_runtime >= self.rt_period_ps:
                break

    def next_event_ps(self, cpu: int) -> int | None:
        """When this CPU's run queue changes by itself (the RT period refill)."""
        rq = self.rq[cpu]
        if rq.rt_throttled:
            return rq.period_end
        return None

    # -- the tick ------------------------------------------------------------------------------
    def scheduler_tick(self, cpu: int) -> None:
        """task_tick: SCHED_RR time slices, CFS slice expiry."""
        rq = self.rq[cpu]
        self.update_curr(cpu)
        curr = rq.curr
        if curr is rq.idle:
            return
        if curr.policy == SCHED_RR:
            left = int(curr.data.get("rr_left", RR_TIMESLICE_PS)) - 10**12 // self._k().config.hz
            if left <= 0:
                curr.data["rr_left"] = RR_TIMESLICE_PS
                q = rq.rt.get(curr.rt_priority)
                if q is not None and len(q) > 1 and curr in q:
                    q.remove(curr)
                    q.append(curr)
                    self.resched_curr(rq)
            else:
                curr.data["rr_left"] = left
        elif not is_rt(curr):
            n = max(1, len(rq.cfs))
            ideal = max(self.sched_latency_ps() // n, self.min_granularity_ps())
            if curr.sum_exec_ps - rq.slice_start_exec > ideal and len(rq.cfs) > 1:
                self.resched_curr(rq)
        if rq.rt_throttled and is_rt(curr):
            self.resched_curr(rq)

    # -- running model tasks ------------------------------------------------------------------
    def task_step(self, t: Task) -> str:
        """Run one slice of model task ``t`` as ``current`` on this CPU.

        Returns ``"yield"`` (a preemption point inside a pass), ``"done"`` (the pass
        ended; the task stays runnable or was put to sleep) or ``"sleep"``."""
        k = self._k()
        cpu = k.ops.smp_processor_id()
        gen = t.data.get("gen")
        if gen is None:
            t.data["woken"] = False
            self._in_pass[cpu] = t
            try:
                res = _task_entry(t)
            finally:
                self._in_pass.pop(cpu, None)
            if isinstance(res, Generator):
                t.data["gen"] = res
                gen = res
            else:
                return self._pass_done(cpu, t)
        if t.data.get("slept"):
            t.data["slept"] = False
            t.data["woken"] = False  # the wakeup that ended the sleep is consumed
        self._in_pass[cpu] = t
        try:
            y = _task_resume(t, gen)
        except StopIteration:
            t.data["gen"] = None
            return self._pass_done(cpu, t)
        finally:
            self._in_pass.pop(cpu, None)
        if isinstance(y, int) and y > 0:
            k.ops.charge(y)
        if y == SLEEP:
            if t.data.get("woken"):
                t.data["woken"] = False
                return "yield"
            t.data["slept"] = True
            self._sleep(cpu, t)
            return "sleep"
        return "yield"

    def wait_event(self, wq: list[Task], cond: Callable[[], bool]) -> Generator[Any]:
        """wait_event for a model task (``yield from``): prepare_to_wait on ``wq``,
        re-check, schedule() until ``cond`` holds, finish_wait. Wakers call
        wake_up_process on the tasks in ``wq``."""
        k = self._k()
        task = k.current[k.ops.smp_processor_id()]
        try:
            while True:
                if task not in wq:
                    wq.append(task)
                if cond():
                    return
                yield SLEEP
        finally:
            if task in wq:
                wq.remove(task)

    def in_task_pass(self, cpu: int) -> Task | None:
        """The model task whose slice is running on ``cpu`` (a plain call made there
        cannot sleep: the task must ``yield``), or None."""
        return self._in_pass.get(cpu)

    def _pass_done(self, cpu: int, t: Task) -> str:
        should = t.data.get("should_run")
        again = bool(t.data.get("woken")) or (should is not None and should())
        t.data["woken"] = False
        if t.state == "X":
            self.dequeue(self.rq[cpu], t)
            self.rq[cpu].need_resched = True
            return "done"
        if not again:
            self._sleep(cpu, t)
        return "done"

    def _sleep(self, cpu: int, t: Task) -> None:
        t.state = "S"
        self.dequeue(self.rq[t.cpu], t)
        self.rq[cpu].need_resched = True

    def yield_task(self, cpu: int) -> None:
        """sched_yield / cond_resched at a pass boundary for RT: requeue at tail."""
        rq = self.rq[cpu]
        curr = rq.curr
        if is_rt(curr):
            q = rq.rt.get(curr.rt_priority)
            if q is not None and curr in q and len(q) > 1:
                q.remove(curr)
                q.append(curr)
                rq.need_resched = True

    # -- compatibility with the DeferredRunner interface (tests, genirq wait_for) -------------
    def runnable(self) -> list[Task]:
        out: list[Task] = []
        for rq in self.rq:
            for prio in sorted(rq.rt, reverse=True):
                out.extend(rq.rt[prio])
            out.extend(rq.cfs)
        return out

    def run_pending(self, limit: int = 1_000_000) -> int:
        """Run until no CPU has runnable tasks (and no event is due); returns slices run."""
        b = self.backend
        return b.run_until_idle(limit) if isinstance(b, StandaloneRunner) else 0


def _task_entry(t: Task) -> Any:
    return ret_from_fork(t)


@kfunc("ret_from_fork")
def _task_resume(t: Task, gen: Iterator[Any]) -> Any:
    if t.flags & PF_KTHREAD:
        return _kthread_resume(gen)
    return next(gen)


@kfunc("kthread")
def _kthread_resume(gen: Iterator[Any]) -> Any:
    return next(gen)


# -- standalone: model CPUs with their own simulated clocks ------------------------------------


class SimCpuOps:
    """``CpuOps`` for model CPUs: each has its own clock (charged cycles at ``hz``
    plus idle time), its own IRQ mask; ``on_cpu`` selects the current one."""

    def __init__(self, num_cpus: int = 1, hz: int = 792_000_000) -> None:
        self.num_cpus = num_cpus
        self.hz = hz
        self.cpu = 0
        self.cycles = [0] * num_cpus
        self.idle_ps = [0] * num_cpus
        self.masked = [False] * num_cpus

    def smp_processor_id(self) -> int:
        return self.cpu

    def charge(self, cycles: int) -> None:
        self.cycles[self.cpu] += cycles

    def irqs_disabled(self) -> bool:
        return self.masked[self.cpu]

    def local_irq_disable(self) -> None:
        self.masked[self.cpu] = True

    def local_irq_enable(self) -> None:
        self.masked[self.cpu] = False

    def clock(self, cpu: int) -> int:
        return self.cycles[cpu] * 10**12 // self.hz + self.idle_ps[cpu]

    def now_ps(self) -> int:
        return self.clock(self.cpu)

    def advance_to(self, cpu: int, t_ps: int) -> None:
        now = self.clock(cpu)
        if t_ps > now:
            self.idle_ps[cpu] += t_ps - now

    @contextmanager
    def on_cpu(self, cpu: int) -> Iterator[None]:
        old, self.cpu = self.cpu, cpu
        try:
            yield
        finally:
            self.cpu = old


@dataclass(order=True)
class _Ev:
    when: int
    seq: int
    cpu: int = field(compare=False)
    fn: Callable[[], None] = field(compare=False)
    name: str = field(compare=False, default="")
    cancelled: bool = field(compare=False, default=False)


class StandaloneRunner(Backend):
    """Runs the :class:`Sched` decisions on model CPUs (no cores).

    Events (``at(t, cpu, fn)``) are things that happen at a time on a CPU: a device
    raising its interrupt and the CPU taking it (``fn`` typically ends in
    ``kernel.irq(cpu)`` or ``kernel.handle_arch_irq()``). An event runs when the
    CPU's clock has reached its time and the CPU has interrupts enabled: between
    slices, or at an ``irq_window`` inside model code with interrupts on. After
    an event the runner preempts if need_resched is set; otherwise the current
    task's next slice runs.
    """

    def __init__(self) -> None:
        self.kernel: Kernel | None = None
        self.sched: Sched | None = None
        self._events: list[_Ev] = []
        self._seq = itertools.count()
        self._running = False
        self._in_window = [False]
        self.slices = 0
        self.until_ps = 0
        self._clocked: ClockedCpuOps | None = None  #: the ops, if they have per-CPU clocks

    def attach(self, kernel: Kernel, sched: Sched) -> None:
        self.kernel = kernel
        self.sched = sched
        ops = kernel.ops
        self._clocked = ops if isinstance(ops, ClockedCpuOps) else None
        self._in_window = [False] * kernel.num_cpus

    # -- events --------------------------------------------------------------------------
    def at(self, when_ps: int, cpu: int, fn: Callable[[], None], name: str = "") -> _Ev:
        ev = _Ev(when_ps, next(self._seq), cpu, fn, name)
        heapq.heappush(self._events, ev)
        return ev

    def _next_event(self, cpu: int) -> int | None:
        best = None
        for ev in self._events:
            if ev.cpu == cpu and not ev.cancelled and (best is None or ev.when < best):
                best = ev.when
        return best

    def _pop_due(self, cpu: int, now: int) -> _Ev | None:
        best: _Ev | None = None
        for ev in self._events:
            if ev.cpu == cpu and not ev.cancelled and ev.when <= now and (
                    best is None or (ev.when, ev.seq) < (best.when, best.seq)):
                best = ev
        if best is not None:
            self._events.remove(best)
            heapq.heapify(self._events)
        return best

    def _deliver_due(self, cpu: int) -> int:
        k, ops = self._kops()
        n = 0
        while not ops.irqs_disabled():
            ev = self._pop_due(cpu, self._clock(cpu))
            if ev is None:
                break
            # taken as the core would; the frames below its handler (the vector stub,
            # the idle loop or the interrupted task) are the arch's, named where the
            # handler is reached (Kernel.handle_arch_irq, the tick: kernel.irq_entry)
            ev.fn()
            n += 1
        return n

    # -- the Backend interface -------------------------------------------------------------
    def kick(self, cpu: int) -> None:
        """A wakeup from another CPU: an idle target CPU catches up to the waker's time."""
        k, ops = self._kops()
        me = ops.smp_processor_id()
        clocked = self._clocked
        if clocked is not None and self.sched is not None and \
                self.sched.rq[cpu].curr is self.sched.rq[cpu].idle:
            clocked.advance_to(cpu, self._clock(me))

    def irq_window(self, cpu: int) -> None:
        if self._in_window[cpu]:
            return
        k, ops = self._kops()
        if ops.irqs_disabled():
            return
        self._in_window[cpu] = True
        try:
            self._deliver_due(cpu)
        finally:
            self._in_window[cpu] = False

    # -- running -------------------------------------------------------------------------------
    def _kops(self) -> tuple[Kernel, Any]:
        assert self.kernel is not None
        return self.kernel, self.kernel.ops

    def _clock(self, cpu: int) -> int:
        k, ops = self._kops()
        clocked = self._clocked
        if clocked is not None:
            return int(clocked.clock(cpu))
        with k.on_cpu(cpu):
            return int(ops.now_ps())

    def _advance(self, cpu: int, t: int) -> None:
        k, ops = self._kops()
        clocked = self._clocked
        if clocked is not None:
            clocked.advance_to(cpu, t)
            return
        now = self._clock(cpu)
        if t > now and isinstance(ops, StandaloneCpuOps):
            ops.cycles[cpu] += -(-(t - now) * ops.hz // 10**12)

    def _busy(self, cpu: int) -> bool:
        s = self.sched
        assert s is not None
        rq = s.rq[cpu]
        return rq.curr is not rq.idle or rq.need_resched or \
            s.pick_next_task(cpu) is not rq.idle

    def _next_time(self, cpu: int) -> int | None:
        s = self.sched
        assert s is not None
        if self._busy(cpu):
            return self._clock(cpu)
        cands = [t for t in (self._next_event(cpu), s.next_event_ps(cpu)) if t is not None]
        return max(min(cands), self._clock(cpu)) if cands else None

    def step_cpu(self, cpu: int) -> None:
        """One step on ``cpu``: take due events, reschedule if needed, run one slice."""
        k, ops = self._kops()
        s = self.sched
        assert s is not None
        with k.on_cpu(cpu):
            if not self._busy(cpu):
                t = self._next_time(cpu)
                if t is not None:
                    self._advance(cpu, t)
            self._deliver_due(cpu)
            rq = s.rq[cpu]
            if rq.need_resched or rq.curr is rq.idle or not s._queued(rq.curr):
                s.schedule(cpu)
            curr = rq.curr
            if curr is rq.idle:
                s.update_curr(cpu)
                return
            was = ops.irqs_disabled()
            if was:
                ops.local_irq_enable()
            s.task_step(curr)
            self.slices += 1
            s.update_curr(cpu)
            if k.preempt_count[cpu] and not k.config.preempt_rt:
                k.warn_once(f"pc{curr.comm}", f"BUG: {curr.comm} ended a slice with "
                            f"preempt_count {k.preempt_count[cpu]:#x}")

    def run(self, until_ps: int, max_steps: int = 50_000_000) -> int:
        """Advance every CPU to ``until_ps``; returns the number of steps taken."""
        if self._running:
            return 0
        k, ops = self._kops()
        self._running = True
        self.until_ps = until_ps
        steps = 0
        try:
            while steps < max_steps:
                best: tuple[int, int] | None = None
                for c in range(k.num_cpus):
                    t = self._next_time(c)
                    if t is not None and t < until_ps and (best is None or t < best[0]):
                        best = (t, c)
                if best is None:
                    break
                self.step_cpu(best[1])
                steps += 1
            for c in range(k.num_cpus):
                if self._clock(c) < until_ps:
                    self._advance(c, until_ps)
                    with k.on_cpu(c):
                        self.sched.update_curr(c)  # type: ignore[union-attr]
        finally:
            self._running = False
        return steps

    def run_until_idle(self, limit: int = 1_000_000) -> int:
        """Run while some CPU has a runnable task (events in the future are left)."""
        if self._running:
            return 0
        k, ops = self._kops()
        s = self.sched
        assert s is not None
        self._running = True
        steps = 0
        try:
            while steps < limit:
                busy = [c for c in range(k.num_cpus) if self._busy(c)]
                if not busy:
                    break
                c = min(busy, key=lambda c: (self._clock(c), c))
                self.step_cpu(c)
                steps += 1
        finally:
            self._running = False
        return steps


def standalone_kernel(config: Any = "mainline", num_cpus: int = 1, *, hz: int = 792_000_000,
                      version: str | None = None, softirq: Softirq | None = None,
                      **sched_kw: Any) -> Kernel:
    """A Kernel on model CPUs: :class:`SimCpuOps`, :class:`Sched` and a
    :class:`StandaloneRunner` (``kernel.sched.backend``)."""
    ops = SimCpuOps(num_cpus, hz)
    return Kernel(config, num_cpus, version=version, ops=ops, sched=Sched(**sched_kw),
                  softirq=softirq)


def spawn(kernel: Kernel, comm: str, body: Callable[[], Any], *, policy: int = SCHED_NORMAL,
          rt_priority: int = 0, nice: int = 0, cpus: frozenset[int] | None = None,
          kthread: bool = True, wake: bool = True) -> Task:
    """Create a model task (kthread by default, or a user task) and wake it."""
    if kthread:
        t = kernel.kthread_create(body, comm, policy=policy, rt_priority=rt_priority, nice=nice,
                                  cpus_allowed=cpus)
    else:
        t = kernel._new_task(comm, ppid=1, flags=0, policy=policy, rt_priority=rt_priority,
                             nice=nice, fn=body, cpus_allowed=cpus)
    if cpus:
        t.cpu = min(cpus)
    if wake:
        kernel.wake_up_process(t)
    return t


def runner_of(kernel: Kernel) -> StandaloneRunner:
    s = kernel.sched
    r = s.backend if isinstance(s, Sched) else None
    if not isinstance(r, StandaloneRunner):
        raise TypeError("kernel.sched has no StandaloneRunner backend")
    return r


__all__ = [
    "SLEEP", "Backend", "RunQueue", "Sched", "SimCpuOps", "StandaloneRunner", "is_rt",
    "nice_to_weight", "runner_of", "spawn", "standalone_kernel",
]
