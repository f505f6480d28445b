"""Hypothesis properties: each raise runs once per coalescing window; no softirq runs
with BH disabled; a higher FIFO task is delayed by a lower one only by the
non-preemptible slice in progress."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kfakes import bh_kernel, hardirq_do

from irqemu.kernel.context import SCHED_FIFO
from irqemu.kernel.preempt import SOFTIRQ_MASK, SOFTIRQ_OFFSET
from irqemu.kernel.sched import runner_of, spawn, standalone_kernel
from irqemu.kernel.softirq import (
    HI_SOFTIRQ,
    NR_SOFTIRQS,
    TASKLET_SOFTIRQ,
    TIMER_SOFTIRQS,
    kernel_softirq,
)

OPS = st.lists(st.tuples(st.sampled_from(["hardirq", "task", "bh", "bh_nested", "run"]),
                         st.lists(st.integers(0, NR_SOFTIRQS - 1), min_size=1, max_size=4)),
               min_size=1, max_size=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flavour=st.sampled_from(["mainline", "threadirqs", "rt"]), ops=OPS,
       version=st.sampled_from(["4.6", "4.9", "6.x"]))
def test_each_raise_runs_once_per_window_and_never_with_bh_disabled(flavour, ops, version):
    if flavour == "rt" and version == "4.9":
        version = "4.6"
    k = bh_kernel(flavour, version=version)
    s = kernel_softirq(k)
    raised = [False] * NR_SOFTIRQS
    raised_th = [False] * NR_SOFTIRQS
    problems: list[str] = []

    def make(nr: int) -> Any:
        def action() -> None:
            in_ktimers = k.current[0].comm.startswith("ktimers")
            if not (raised[nr] or in_ktimers and raised_th[nr]):
                problems.append(f"vec {nr} ran without a raise")
            raised[nr] = False
            if in_ktimers:  # run_timersd merged the timer word into pending
                raised_th[nr] = False
            cur = k.current[0]
            if s.rt:
                if cur.softirq_nestcnt != 1:
                    problems.append(f"vec {nr} ran at nestcnt {cur.softirq_nestcnt}")
            elif (k.preempt_count[0] & SOFTIRQ_MASK) != SOFTIRQ_OFFSET:
                problems.append(f"vec {nr} ran with preempt_count {k.preempt_count[0]:#x}")
        return action

    for nr in range(NR_SOFTIRQS):
        if nr not in (HI_SOFTIRQ, TASKLET_SOFTIRQ):
            s.open_softirq(nr, make(nr), f"v{nr}")

    def raise_all(nrs: list[int]) -> None:
        for nr in nrs:
            if nr in (HI_SOFTIRQ, TASKLET_SOFTIRQ):
                continue
            if s.preset.v6 and s.has_ktimersoftd and k.in_irq() and (1 << nr) & TIMER_SOFTIRQS:
                raised_th[nr] = True  # [6.x] a separate window: pending_timer_softirq
            else:
                raised[nr] = True
            s.raise_softirq(nr)

    for kind, nrs in ops:
        if kind == "hardirq":
            hardirq_do(k, lambda nrs=nrs: raise_all(nrs))
        elif kind == "task":
            raise_all(nrs)
        elif kind in ("bh", "bh_nested"):
            k.local_bh_disable()
            if kind == "bh_nested":
                k.local_bh_disable()
            raise_all(nrs)
            if kind == "bh_nested":
                k.local_bh_enable()
            k.local_bh_enable()
        else:
            k.sched.run_pending()
    for _ in range(50):
        if not k.sched.runnable():  # type: ignore[attr-defined]
            break
        k.sched.run_pending()
    assert problems == []
    assert not any(raised) and not any(raised_th), (raised, raised_th)  # every raise ran
    assert s.pending_mask[0] == 0


TASKS = st.lists(st.tuples(st.integers(1, 99),          # rt priority
                           st.integers(0, 2000),        # wake time (us)
                           st.integers(1, 40),          # slices
                           st.integers(1_000, 50_000)),  # cycles per slice
                 min_size=2, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tasks=TASKS)
def test_higher_fifo_only_waits_for_the_slice_in_progress(tasks):
    k = standalone_kernel("mainline", 1, switch_cycles=500, rt_runtime_us=-1)
    r = runner_of(k)
    slices: list[tuple[int, int, int]] = []  # (start, end, prio)
    woken: dict[int, int] = {}
    first_run: dict[int, int] = {}

    def body(i: int, prio: int, n: int, cyc: int) -> Any:
        def gen() -> Any:
            for _ in range(n):
                first_run.setdefault(i, k.ops.now_ps())
                t0 = k.ops.now_ps()
                k.ops.charge(cyc)
                slices.append((t0, k.ops.now_ps(), prio))
                yield 0
        return gen

    for i, (prio, wake_us, n, cyc) in enumerate(tasks):
        def wake(i=i, prio=prio, n=n, cyc=cyc) -> None:
            woken[i] = k.ops.now_ps()
            spawn(k, f"t{i}", body(i, prio, n, cyc), policy=SCHED_FIFO, rt_priority=prio)
        r.at(wake_us * 10**6, 0, wake)
    r.run(10**12)
    max_slice = max(c for *_, c in tasks) * 10**12 // 792_000_000 + 1
    top = max(q for q, *_ in tasks)
    for i, (prio, *_rest) in enumerate(tasks):
        w, f = woken[i], first_run[i]
        for s0, _s1, p in slices:
            if p < prio and w < s0 < f:
                raise AssertionError(f"prio {p} slice started at {s0} while {prio} waited "
                                     f"since {w} (ran at {f})")
        if prio == top and [q for q, *_ in tasks].count(top) == 1:
            assert f - w <= max_slice + 10**7  # one slice + switch and event overheads
