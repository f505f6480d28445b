"""The tick, timer_list timers and softirq hrtimers (kernel/time/timer.c, hrtimer.c,
tick-common.c; 4.6 and 4.6-rt), at model level.

- ``jiffies`` is derived from simulated time (``Kernel.jiffies``: now x HZ).
- The periodic tick (``tick_handle_periodic``) is a hard IRQ on every CPU each
  1/HZ, shown in stacks as the twd's PPI (ARM) or the LAPIC timer (x86) reaches
  it (the standalone tick; on the cores it is the real twd/LAPIC interrupt):
  irq_enter, ``update_process_times`` -> ``run_local_timers`` (4.6:
  ``raise_softirq(TIMER_SOFTIRQ)`` every tick; on RT the expired softirq hrtimers
  raise HRTIMER_SOFTIRQ) and ``scheduler_tick``, then irq_exit (where the
  softirqs run or their daemon is woken). The model keeps the tick periodic on
  idle CPUs too (no NO_HZ).
- ``add_timer`` / ``mod_timer`` / ``del_timer``: per-CPU timer lists run by
  ``run_timer_softirq`` (TIMER_SOFTIRQ) once ``jiffies >= expires``.
- ``hrtimer_start``: on mainline the callback runs in the hard IRQ of the tick
  that finds it expired; on RT (timers not marked irqsafe) it runs from
  HRTIMER_SOFTIRQ, i.e. in ktimersoftd.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import kfunc
from irqemu.kernel.softirq import HRTIMER_SOFTIRQ, TIMER_SOFTIRQ, kernel_softirq

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


@dataclass(order=True)
class TimerList:
    """struct timer_list (and, with ``hr=True``, a softirq hrtimer)."""

    expires: int  #: jiffies (timer_list) or picoseconds (hrtimer)
    seq: int
    fn: Callable[[TimerList], None] = field(compare=False)
    name: str = field(compare=False, default="timer")
    cpu: int = field(compare=False, default=0)
    hr: bool = field(compare=False, default=False)
    pending: bool = field(compare=False, default=False)
    #: statistics of the model: (jiffies when it ran, lateness in jiffies)
    fired: list[tuple[int, int]] = field(compare=False, default_factory=list)


class Timers:
    """Per-CPU timer bases and the tick of one kernel (``kernel.timers``)."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        n = kernel.num_cpus
        self.bases: list[list[TimerList]] = [[] for _ in range(n)]
        self.hr_bases: list[list[TimerList]] = [[] for _ in range(n)]
        self._seq = itertools.count()
        self.ticks = [0] * n
        s = kernel_softirq(kernel)
        s.open_softirq(TIMER_SOFTIRQ, lambda: run_timer_softirq(self), "run_timer_softirq")
        s.open_softirq(HRTIMER_SOFTIRQ, lambda: run_hrtimer_softirq(self), "run_hrtimer_softirq")
        kernel.timers = self  # type: ignore[attr-defined]

    # -- timer_list -------------------------------------------------------------------------
    def add_timer(self, expires: int, fn: Callable[[TimerList], None], name: str = "timer",
                  cpu: int | None = None) -> TimerList:
        c = self.kernel.ops.smp_processor_id() if cpu is None else cpu
        t = TimerList(expires, next(self._seq), fn, name, c)
        self._arm(t)
        return t

    def _arm(self, t: TimerList) -> None:
        t.pending = True
        heapq.heappush(self.hr_bases[t.cpu] if t.hr else self.bases[t.cpu], t)

    def mod_timer(self, t: TimerList, expires: int) -> None:
        self.del_timer(t)
        t.expires = expires
        t.seq = next(self._seq)
        self._arm(t)

    def del_timer(self, t: TimerList) -> bool:
        base = self.hr_bases[t.cpu] if t.hr else self.bases[t.cpu]
        if t.pending and t in base:
            base.remove(t)
            heapq.heapify(base)
            t.pending = False
            return True
        return False

    def hrtimer_start(self, at_ps: int, fn: Callable[[TimerList], None], name: str = "hrtimer",
                      cpu: int | None = None) -> TimerList:
        c = self.kernel.ops.smp_processor_id() if cpu is None else cpu
        t = TimerList(at_ps, next(self._seq), fn, name, c, hr=True)
        self._arm(t)
        return t

    # -- the tick ----------------------------------------------------------------------------
    def start_tick(self, runner: Any, cpus: range | list[int] | None = None,
                   offset_ps: int = 0) -> None:
        """Arm the periodic tick on ``cpus`` with a StandaloneRunner."""
        k = self.kernel
        period = 10**12 // k.config.hz
        for cpu in (range(k.num_cpus) if cpus is None else cpus):
            self._arm_tick(runner, cpu, offset_ps + period, period)

    def _arm_tick(self, runner: Any, cpu: int, when: int, period: int) -> None:
        def fire() -> None:
            self.tick_irq(cpu)
            self._arm_tick(runner, cpu, when + period, period)

        runner.at(when, cpu, fire, f"tick/{cpu}")

    def tick_irq(self, cpu: int) -> None:
        """The tick's hard IRQ on ``cpu`` (interrupts masked around it)."""
        k = self.kernel
        with k.on_cpu(cpu):
            ops = k.ops
            was = ops.irqs_disabled()
            ops.local_irq_disable()
            # the root handler (x86: the vector's stub), below it what kernel.irq_entry names
            root = _apic_timer_interrupt if k.config.arch == "x86" else _gic_handle_irq
            k.irq_entry.run(k, cpu, root, self, cpu)
            if not was:
                ops.local_irq_enable()
            if not k.in_interrupt():
                k.sched.hardirq_done(cpu)


# -- the frames the tick's interrupt passes through, for stacks (their costs are in
# irq_enter, irq_exit and tick_handle_periodic): ARM 4.6 with the Cortex-A9 twd
# (__irq_svc -> gic_handle_irq -> __handle_domain_irq -> generic_handle_irq ->
# handle_percpu_devid_irq -> twd_handler), x86 with the LAPIC timer
# (apic_timer_interrupt -> smp_apic_timer_interrupt -> local_apic_timer_interrupt)


@kfunc("gic_handle_irq")
def _gic_handle_irq(timers: Timers, cpu: int) -> None:
    _handle_domain_irq(timers, cpu)


@kfunc("__handle_domain_irq")
def _handle_domain_irq(timers: Timers, cpu: int) -> None:
    k = timers.kernel
    k.irq_enter()
    _generic_handle_irq(timers, cpu)
    k.irq_exit()


@kfunc("generic_handle_irq")
def _generic_handle_irq(timers: Timers, cpu: int) -> None:
    _handle_percpu_devid_irq(timers, cpu)


@kfunc("handle_percpu_devid_irq")
def _handle_percpu_devid_irq(timers: Timers, cpu: int) -> None:
    _twd_handler(timers, cpu)


@kfunc("twd_handler")
def _twd_handler(timers: Timers, cpu: int) -> None:
    tick_handle_periodic(timers, cpu)


@kfunc("apic_timer_interrupt")
def _apic_timer_interrupt(timers: Timers, cpu: int) -> None:
    _smp_apic_timer_interrupt(timers, cpu)


@kfunc("smp_apic_timer_interrupt")
def _smp_apic_timer_interrupt(timers: Timers, cpu: int) -> None:
    k = timers.kernel
    k.irq_enter()
    _local_apic_timer_interrupt(timers, cpu)
    k.irq_exit()


@kfunc("local_apic_timer_interrupt")
def _local_apic_timer_interrupt(timers: Timers, cpu: int) -> None:
    tick_handle_periodic(timers, cpu)


@kfunc()
def tick_handle_periodic(timers: Timers, cpu: int) -> None:
    k = timers.kernel
    k.fentry(..., cpu)
    timers.ticks[cpu] += 1
    update_process_times(timers, cpu)


@kfunc()
def update_process_times(timers: Timers, cpu: int) -> None:
    k = timers.kernel
    run_local_timers(timers, cpu)
    k.sched.scheduler_tick(cpu)


@kfunc()
def run_local_timers(timers: Timers, cpu: int) -> None:
    """hrtimer_run_queues; raise_softirq(TIMER_SOFTIRQ) (4.6: every tick)."""
    k = timers.kernel
    s = kernel_softirq(k)
    base = timers.hr_bases[cpu]
    now = k.ops.now_ps()
    if base and base[0].expires <= now:
        if k.config.preempt_rt:
            s.raise_softirq_irqoff(HRTIMER_SOFTIRQ)
        else:
            _expire_hrtimers(timers, cpu)
    s.raise_softirq(TIMER_SOFTIRQ)


def _expire_hrtimers(timers: Timers, cpu: int) -> None:
    k = timers.kernel
    base = timers.hr_bases[cpu]
    now = k.ops.now_ps()
    while base and base[0].expires <= now:
        t = heapq.heappop(base)
        t.pending = False
        t.fired.append((k.jiffies, (now - t.expires) * k.config.hz // 10**12))
        t.fn(t)


@kfunc()
def run_timer_softirq(timers: Timers) -> None:
    """TIMER_SOFTIRQ: run this CPU's timer_list timers whose time has come."""
    k = timers.kernel
    k.fentry(...)
    cpu = k.ops.smp_processor_id()
    base = timers.bases[cpu]
    j = k.jiffies
    while base and base[0].expires <= j:
        t = heapq.heappop(base)
        t.pending = False
        t.fired.append((j, j - t.expires))
        call_timer_fn(k, t)


@kfunc()
def call_timer_fn(k: Kernel, t: TimerList) -> None:
    k.fentry(..., t.name)
    t.fn(t)


@kfunc()
def run_hrtimer_softirq(timers: Timers) -> None:
    k = timers.kernel
    k.fentry(...)
    _expire_hrtimers(timers, k.ops.smp_processor_id())


__all__ = ["TimerList", "Timers", "run_timer_softirq", "tick_handle_periodic"]
