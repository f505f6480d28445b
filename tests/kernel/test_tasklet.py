"""Tasklet state bits: SCHED coalescing, RUN, disable/enable, HI, kill, RT PENDING."""

from __future__ import annotations

from kfakes import bh_kernel, hardirq_do

from irqemu.kernel.softirq import HI_SOFTIRQ, TASKLET_SOFTIRQ, kernel_softirq
from irqemu.kernel.tasklet import (
    TASKLET_STATEF_PENDING,
    TASKLET_STATEF_RUN,
    TASKLET_STATEF_SCHED,
    tasklet_disable,
    tasklet_enable,
    tasklet_hi_schedule,
    tasklet_init,
    tasklet_kill,
    tasklet_schedule,
)


def test_schedule_twice_runs_once_and_run_bit_held_while_running():
    k = bh_kernel()
    seen: list[int] = []
    t = tasklet_init(lambda d: seen.append(t.state), 7, "t")

    def body():
        assert tasklet_schedule(k, t)
        assert not tasklet_schedule(k, t)  # SCHED already set: no-op
        assert t.state == TASKLET_STATEF_SCHED

    hardirq_do(k, body)
    assert seen == [TASKLET_STATEF_RUN]  # SCHED cleared before func, RUN held
    assert t.state == 0 and t.runs == 1
    assert kernel_softirq(k).kstat[0][TASKLET_SOFTIRQ] == 1


def test_disabled_tasklet_rereaises_every_pass_then_runs_after_enable():
    k = bh_kernel()
    s = kernel_softirq(k)
    t = tasklet_init(lambda d: None, 0, "t")
    tasklet_disable(k, t)
    hardirq_do(k, lambda: tasklet_schedule(k, t))
    # re-raised on every pass: 10 passes, then ksoftirqd
    assert s.kstat[0][TASKLET_SOFTIRQ] == 10 and t.runs == 0
    assert t.state == TASKLET_STATEF_SCHED and s.ksoftirqd[0].state == "R"
    tasklet_enable(k, t)
    k.sched.run_pending()
    assert t.runs == 1 and t.state == 0


def test_hi_tasklet_uses_hi_vector():
    k = bh_kernel()
    s = kernel_softirq(k)
    t = tasklet_init(lambda d: None, 0, "hi")
    hardirq_do(k, lambda: tasklet_hi_schedule(k, t))
    assert s.kstat[0][HI_SOFTIRQ] == 1 and s.kstat[0][TASKLET_SOFTIRQ] == 0 and t.runs == 1


def test_rescheduled_from_its_own_func_runs_again_later():
    k = bh_kernel()
    s = kernel_softirq(k)
    n = [0]

    def fn(d):
        n[0] += 1
        if n[0] < 3:
            tasklet_schedule(k, t)

    t = tasklet_init(fn, 0, "self")
    hardirq_do(k, lambda: tasklet_schedule(k, t))
    assert n[0] == 3 and s.kstat[0][TASKLET_SOFTIRQ] == 3


def test_kill_removes_a_queued_tasklet():
    k = bh_kernel()
    t = tasklet_init(lambda d: None, 0, "t")
    k.local_bh_disable()
    tasklet_schedule(k, t)
    tasklet_kill(k, t)
    k.local_bh_enable()
    assert t.runs == 0 and t.state == 0


def test_rt_disabled_tasklet_parks_pending_until_enable():
    k = bh_kernel("rt")
    s = kernel_softirq(k)
    t = tasklet_init(lambda d: None, 0, "t")
    tasklet_disable(k, t)
    tasklet_schedule(k, t)
    k.sched.run_pending()
    assert t.state == TASKLET_STATEF_PENDING and t.runs == 0
    assert s.kstat[0][TASKLET_SOFTIRQ] == 1  # no re-raise storm on RT
    tasklet_enable(k, t)
    k.sched.run_pending()
    assert t.runs == 1 and t.state == 0


def test_per_cpu_lists():
    k = bh_kernel(num_cpus=2)
    s = kernel_softirq(k)
    t = tasklet_init(lambda d: None, 0, "t")
    hardirq_do(k, lambda: tasklet_schedule(k, t), cpu=1)
    assert t.cpus == [1] and s.kstat[1][TASKLET_SOFTIRQ] == 1 and s.kstat[0][TASKLET_SOFTIRQ] == 0
