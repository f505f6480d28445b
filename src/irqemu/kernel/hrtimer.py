"""High-resolution timers on a one-shot clock event device (kernel/time/hrtimer.c,
tick-sched.c, clockevents.c; 4.6 with CONFIG_HIGH_RES_TIMERS), at model level.

Without it the model's hrtimers expire at the periodic tick (:mod:`irqemu.kernel.timer`:
``Timers.hrtimer_start`` is checked by ``run_local_timers``), which is what a kernel
without high resolution mode does. :class:`Hrtimers` is high resolution mode, opt-in
per boot (``_oncore.boot(highres=True)``), so every scenario booted without it is
unchanged:

- each CPU's clock event device (the twd, the LAPIC timer) is in one-shot mode;
  :func:`hrtimer_interrupt` is its ``event_handler``;
- the tick is itself an hrtimer, ``tick_sched_timer``, at 1/HZ (tick_setup_sched_timer),
  calling ``update_process_times`` as the periodic tick does;
- ``hrtimer_start`` of a timer that becomes the CPU's first reprograms the device
  (``tick_program_event`` -> ``clockevents_program_event`` -> the driver's
  ``set_next_event`` with the delta in device ticks, rounded up, clamped to the
  device's min/max delta); ``hrtimer_interrupt`` runs every expired timer of the CPU,
  then programs the next expiry, looping while that has passed already.

Timers here are hard timers (HRTIMER_MODE_*_HARD: their callback runs in the hard
IRQ on RT too), which is what tick_sched_timer and timerlat's timer are. Softirq
hrtimers started with ``Timers.hrtimer_start`` still expire from the tick.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from irqemu.kernel.context import kfunc
from irqemu.kernel.costs import A9_LOCK_TIMING, A9_TIMING, estimate, kernel_cost_table, linux_basis

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel
    from irqemu.kernel.timer import Timers

HRTIMER_NORESTART = 0
HRTIMER_RESTART = 1
PS_PER_S = 10**12

def _hr(fn: str, lock: bool = False) -> str:
    return linux_basis(f"kernel/time/hrtimer.c {fn}()", A9_LOCK_TIMING if lock else A9_TIMING)


#: name -> KernelCost: hrtimer.c and tick-sched.c's own work (MMIO excluded), counted
#: from the 4.6 ARM build (the x86 kernel charges the same cycles)
HRTIMER_COSTS = kernel_cost_table("HRTIMER_COSTS", {
    "hrtimer_interrupt": estimate(120, "cpu_base lock (ldrex/strex), clock read, "
                                  "expires_next bookkeeping, ~120 instructions",
                                  _hr("hrtimer_interrupt", True)),
    "__hrtimer_run_queues": estimate(40, "per clock base: timerqueue_getnext, softexpires "
                                     "test", _hr("__hrtimer_run_queues")),
    "__run_hrtimer": estimate(50, "__remove_hrtimer, unlock/lock around fn, enqueue on "
                              "RESTART", _hr("__run_hrtimer", True)),
    "tick_sched_timer": estimate(400, "tick_sched_do_timer + tick_sched_handle (as "
                                 "tick_handle_periodic, ~400 insns)",
                                 linux_basis("kernel/time/tick-sched.c tick_sched_timer()")),
    "hrtimer_start_range_ns": estimate(90, "lock_hrtimer_base, remove, enqueue (rbtree "
                                       "insert of a few nodes), ~90 instructions",
                                       _hr("hrtimer_start_range_ns", True)),
    "hrtimer_cancel": estimate(40, "lock, remove", _hr("hrtimer_cancel", True)),
    "clockevents_program_event": estimate(
        30, "delta clamp, ns -> cycles (mult/shift)",
        linux_basis("kernel/time/clockevents.c clockevents_program_event()")),
})


@dataclass(order=True)
class Hrtimer:
    """struct hrtimer: a hard timer of one CPU's clock base (CLOCK_MONOTONIC)."""

    expires: int  #: absolute, picoseconds of simulated time
    seq: int
    function: Callable[[Hrtimer], int] = field(compare=False)
    name: str = field(compare=False, default="hrtimer")
    cpu: int = field(compare=False, default=0)
    queued: bool = field(compare=False, default=False)
    #: the Hrtimers whose clock base holds it (hrtimer->base)
    base: Hrtimers | None = field(compare=False, default=None, repr=False)
    #: (when it ran, how late) for each expiry, picoseconds
    fired: list[tuple[int, int]] = field(compare=False, default_factory=list)

    def forward(self, now: int, interval: int) -> int:
        """hrtimer_forward: push ``expires`` past ``now`` by whole ``interval``s; overruns."""
        if now < self.expires:
            return 0
        n = (now - self.expires) // interval + 1
        self.expires += n * interval
        return n


@dataclass
class ClockEventDevice:
    """struct clock_event_device in one-shot mode: what tick_program_event needs."""

    name: str
    rate_hz: int  #: the counter's clock (device ticks per second)
    #: the driver's set_next_event(cpu, ticks): fire ``ticks`` device ticks from now
    set_next_event: Callable[[int, int], None]
    min_delta_ticks: int = 0xF
    max_delta_ticks: int = 0x7FFFFFFF
    events: int = 0  #: set_next_event calls (programs of the device)


class Hrtimers:
    """High resolution mode of one kernel (``kernel.hrtimers``): per-CPU clock bases."""

    def __init__(self, kernel: Kernel, timers: Timers) -> None:
        self.kernel = kernel
        self.timers = timers
        n = kernel.num_cpus
        self.bases: list[list[Hrtimer]] = [[] for _ in range(n)]
        self.devices: list[ClockEventDevice | None] = [None] * n
        #: per CPU: cpu_base->expires_next, the expiry the device is programmed for
        self.expires_next: list[int | None] = [None] * n
        self.in_hrtirq = [False] * n
        self.tick_timers: list[Hrtimer | None] = [None] * n
        self.interrupts = [0] * n  #: hrtimer_interrupt runs per CPU
        #: per CPU: runs that found no timer expired yet (the interrupt reached the core
        #: before its local time reached the expiry: the machine's cores keep their own
        #: clocks within a round); Linux reprograms then, and so does the model
        self.early = [0] * n
        self._seq = itertools.count()
        for name, c in HRTIMER_COSTS.items():
            kernel.costs.setdefault(name, c.cycles)
        kernel.hrtimers = self  # type: ignore[attr-defined]

    @property
    def tick_period_ps(self) -> int:
        return PS_PER_S // self.kernel.config.hz

    # -- bring-up --------------------------------------------------------------------------
    def tick_setup_sched_timer(self, cpu: int, dev: ClockEventDevice) -> Hrtimer:
        """tick_setup_sched_timer on ``cpu``: its device is one-shot; the tick is an
        hrtimer at the next whole tick period, as the periodic tick would have fired."""
        self.devices[cpu] = dev
        now = self.kernel.ops.now_ps()
        period = self.tick_period_ps
        t = self.hrtimer_init(tick_sched_timer, "tick_sched_timer", cpu)
        self.tick_timers[cpu] = t
        self.hrtimer_start(t, (now // period + 1) * period)
        return t

    def hrtimer_init(self, fn: Callable[[Hrtimer], int], name: str, cpu: int) -> Hrtimer:
        return Hrtimer(0, 0, fn, name, cpu, base=self)

    # -- start / cancel ------------------------------------------------------------------------
    def hrtimer_start(self, t: Hrtimer, expires: int) -> None:
        """hrtimer_start(t, expires, HRTIMER_MODE_ABS_PINNED_HARD) on the timer's CPU."""
        hrtimer_start_range_ns(self, t, expires)

    def hrtimer_cancel(self, t: Hrtimer) -> bool:
        self.kernel.enter("hrtimer_cancel")
        return self._remove(t)

    def _remove(self, t: Hrtimer) -> bool:
        base = self.bases[t.cpu]
        if not t.queued:
            return False
        base.remove(t)
        heapq.heapify(base)
        t.queued = False
        return True

    def _enqueue(self, t: Hrtimer) -> bool:
        """Queue ``t``; True if it became its CPU's first timer."""
        t.seq = next(self._seq)
        t.queued = True
        base = self.bases[t.cpu]
        heapq.heappush(base, t)
        return base[0] is t

    # -- programming the device ------------------------------------------------------------------
    def reprogram(self, cpu: int) -> None:
        """hrtimer_force_reprogram: program the CPU's device for its first timer."""
        base = self.bases[cpu]
        if not base:
            self.expires_next[cpu] = None
            return
        expires = base[0].expires
        self.expires_next[cpu] = expires
        clockevents_program_event(self, cpu, expires)


@kfunc()
def hrtimer_start_range_ns(h: Hrtimers, t: Hrtimer, expires: int) -> None:
    """Queue ``t`` at ``expires``; reprogram its CPU's device if it is now first (and
    the CPU is not inside hrtimer_interrupt, which programs the device at its end)."""
    h.kernel.fentry(..., t.name)
    h._remove(t)
    t.expires = expires
    first = h._enqueue(t)
    cpu = t.cpu
    if first and not h.in_hrtirq[cpu] and h.devices[cpu] is not None:
        nxt = h.expires_next[cpu]
        if nxt is None or expires < nxt:
            h.reprogram(cpu)


@kfunc(stack=False)
def clockevents_program_event(h: Hrtimers, cpu: int, expires: int) -> None:
    """The delta to ``expires`` in device ticks (rounded up, so the device never fires
    early), clamped to [min_delta, max_delta], to the driver's set_next_event."""
    k = h.kernel
    k.fentry(..., cpu)
    dev = h.devices[cpu]
    assert dev is not None
    delta_ps = expires - k.ops.now_ps()
    ticks = -(-max(0, delta_ps) * dev.rate_hz // PS_PER_S)
    ticks = min(max(ticks, dev.min_delta_ticks), dev.max_delta_ticks)
    dev.events += 1
    dev.set_next_event(cpu, ticks)


@kfunc()
def hrtimer_interrupt(h: Hrtimers, cpu: int) -> None:
    """The clock event's handler in high resolution mode: run every expired timer,
    then program the device for the next one (again if that has passed already)."""
    k = h.kernel
    k.fentry(..., cpu)
    h.interrupts[cpu] += 1
    base = h.bases[cpu]
    if not base or base[0].expires > k.ops.now_ps():
        h.early[cpu] += 1
    h.in_hrtirq[cpu] = True
    try:
        for _retry in range(3):
            __hrtimer_run_queues(h, cpu, k.ops.now_ps())
            base = h.bases[cpu]
            if not base or base[0].expires > k.ops.now_ps():
                break
    finally:
        h.in_hrtirq[cpu] = False
    h.reprogram(cpu)


@kfunc("__hrtimer_run_queues")
def __hrtimer_run_queues(h: Hrtimers, cpu: int, now: int) -> None:
    h.kernel.fentry(..., cpu)
    base = h.bases[cpu]
    while base and base[0].expires <= now:
        __run_hrtimer(h, heapq.heappop(base), now)


@kfunc("__run_hrtimer")
def __run_hrtimer(h: Hrtimers, t: Hrtimer, now: int) -> None:
    k = h.kernel
    k.fentry(..., t.name)
    t.queued = False
    t.fired.append((now, now - t.expires))
    if t.function(t) == HRTIMER_RESTART and not t.queued:
        h._enqueue(t)


@kfunc()
def tick_sched_timer(t: Hrtimer) -> int:
    """The tick as an hrtimer: what tick_handle_periodic does, then forward one period."""
    from irqemu.kernel.timer import update_process_times

    h = t.base
    assert h is not None
    k = h.kernel
    k.fentry(..., t.cpu)
    h.timers.ticks[t.cpu] += 1
    update_process_times(h.timers, t.cpu)
    t.forward(k.ops.now_ps(), h.tick_period_ps)
    return HRTIMER_RESTART


__all__ = ["HRTIMER_COSTS", "HRTIMER_NORESTART", "HRTIMER_RESTART", "ClockEventDevice",
           "Hrtimer", "Hrtimers", "hrtimer_interrupt", "tick_sched_timer"]
