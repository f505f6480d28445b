"""Softirq ordering rules: vector order, restart and time limits, ksoftirqd hand-off,
the 4.9-6.4 defer rule, /proc/softirqs."""

from __future__ import annotations

import pytest
from kfakes import bh_kernel, hardirq_do, record

from irqemu.kernel.softirq import (
    HI_SOFTIRQ,
    NET_RX_SOFTIRQ,
    NET_TX_SOFTIRQ,
    RCU_SOFTIRQ,
    TASKLET_SOFTIRQ,
    TIMER_SOFTIRQ,
    kernel_softirq,
    softirq_to_name,
)
from irqemu.trace.proc import proc_softirqs


def test_vectors_in_linux_order_and_names_per_version():
    assert softirq_to_name("4.6")[5] == "BLOCK_IOPOLL"
    assert softirq_to_name("6.x")[5] == "IRQ_POLL"
    assert softirq_to_name("4.6")[:5] == ("HI", "TIMER", "NET_TX", "NET_RX", "BLOCK")
    assert softirq_to_name("4.6")[6:] == ("TASKLET", "SCHED", "HRTIMER", "RCU")


def test_irq_exit_runs_pending_lowest_vector_first():
    k = bh_kernel()
    s = kernel_softirq(k)
    log = record(k)

    def body():
        for nr in (RCU_SOFTIRQ, NET_RX_SOFTIRQ, HI_SOFTIRQ, TIMER_SOFTIRQ):
            s.raise_softirq_irqoff(nr)
        assert log == []  # nothing runs inside the hard IRQ

    hardirq_do(k, body)
    assert [v for _, v, _ in log] == [HI_SOFTIRQ, TIMER_SOFTIRQ, NET_RX_SOFTIRQ, RCU_SOFTIRQ]
    assert all(c == "swapper/0" for *_, c in log)  # on the interrupted task
    assert s.kstat[0][NET_RX_SOFTIRQ] == 1 and s.pending_mask[0] == 0
    assert s.ksoftirqd[0].state == "S"


def test_restart_limit_ten_passes_then_ksoftirqd():
    k = bh_kernel()
    s = kernel_softirq(k)
    s.open_softirq(NET_RX_SOFTIRQ, lambda: s.raise_softirq_irqoff(NET_RX_SOFTIRQ), "again")
    hardirq_do(k, lambda: s.raise_softirq_irqoff(NET_RX_SOFTIRQ))
    assert s.kstat[0][NET_RX_SOFTIRQ] == 10
    assert s.pending_mask[0] == 1 << NET_RX_SOFTIRQ
    assert s.ksoftirqd[0].state == "R"
    k.sched.run_task(s.ksoftirqd[0])  # type: ignore[attr-defined]
    assert s.kstat[0][NET_RX_SOFTIRQ] == 20  # ksoftirqd's __do_softirq: 10 more


def test_time_limit_stops_after_two_ms_worth_of_jiffies():
    k = bh_kernel()  # HZ=100: msecs_to_jiffies(2) == 1 jiffy
    s = kernel_softirq(k)

    def slow():
        k.ops.charge(6_000_000)  # 6 ms at the standalone 1 GHz
        s.raise_softirq_irqoff(NET_TX_SOFTIRQ)

    s.open_softirq(NET_TX_SOFTIRQ, slow, "slow")
    hardirq_do(k, lambda: s.raise_softirq_irqoff(NET_TX_SOFTIRQ))
    assert 1 <= s.kstat[0][NET_TX_SOFTIRQ] <= 2  # stops once jiffies reaches end
    assert s.ksoftirqd[0].state == "R"


def test_need_resched_stops_restarts():
    k = bh_kernel()
    s = kernel_softirq(k)
    k.sched.need_resched = lambda cpu: True  # type: ignore[attr-defined]
    s.open_softirq(NET_RX_SOFTIRQ, lambda: s.raise_softirq_irqoff(NET_RX_SOFTIRQ), "again")
    hardirq_do(k, lambda: s.raise_softirq_irqoff(NET_RX_SOFTIRQ))
    assert s.kstat[0][NET_RX_SOFTIRQ] == 1 and s.ksoftirqd[0].state == "R"


def test_raise_from_task_context_wakes_ksoftirqd():
    k = bh_kernel()
    s = kernel_softirq(k)
    log = record(k)
    s.raise_softirq(NET_RX_SOFTIRQ)
    assert s.ksoftirqd[0].state == "R" and log == []
    k.sched.run_pending()
    assert log == [("softirq_entry", NET_RX_SOFTIRQ, "ksoftirqd/0")]


def test_local_bh_enable_runs_pending_without_waking_ksoftirqd():
    k = bh_kernel()
    s = kernel_softirq(k)
    log = record(k)
    k.local_bh_disable()
    s.raise_softirq(NET_RX_SOFTIRQ)
    assert s.ksoftirqd[0].state == "S" and log == []  # in_interrupt(): no wakeup
    k.local_bh_enable()
    assert log == [("softirq_entry", NET_RX_SOFTIRQ, "swapper/0")]
    assert k.preempt_count[0] == 0


def test_threadirqs_irq_exit_hands_off_to_ksoftirqd():
    k = bh_kernel("threadirqs")
    s = kernel_softirq(k)
    log = record(k)
    hardirq_do(k, lambda: s.raise_softirq_irqoff(TIMER_SOFTIRQ))
    assert log == [] and s.ksoftirqd[0].state == "R"
    k.sched.run_pending()
    assert log == [("softirq_entry", TIMER_SOFTIRQ, "ksoftirqd/0")]


@pytest.mark.parametrize("version,nr,inline", [
    ("4.6", NET_RX_SOFTIRQ, True),
    ("4.9", NET_RX_SOFTIRQ, False),
    ("4.9", TASKLET_SOFTIRQ, False),
    ("5.10", NET_RX_SOFTIRQ, False),
    ("5.10", TASKLET_SOFTIRQ, True),  # HI and TASKLET exempt
    ("6.x", NET_RX_SOFTIRQ, True),  # reverted in 6.5
])
def test_let_ksoftirqd_do_its_job(version, nr, inline):
    k = bh_kernel(version=version)
    s = kernel_softirq(k)
    s.wakeup_softirqd()  # ksoftirqd runnable
    log = record(k)
    hardirq_do(k, lambda: s.raise_softirq_irqoff(nr))
    assert bool(log) == inline


def test_proc_softirqs_format():
    k = bh_kernel(num_cpus=2)
    s = kernel_softirq(k)
    hardirq_do(k, lambda: s.raise_softirq_irqoff(TIMER_SOFTIRQ), cpu=1)
    text = proc_softirqs(k).splitlines()
    assert text[0] == " " * 20 + "CPU0       CPU1       "
    assert text[2] == "       TIMER:          0          1"
    assert text[6] == "BLOCK_IOPOLL:          0          0"
    assert len(text) == 11
    k6 = bh_kernel(version="6.x")
    assert "    IRQ_POLL:" in proc_softirqs(k6)
