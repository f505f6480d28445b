"""PREEMPT_RT (4.6-rt) softirqs: raised-in-context rule, do_current_softirqs in forced
irq threads, ksoftirqd only for delegated bits, ktimersoftd for TIMER/HRTIMER."""

from __future__ import annotations

from kfakes import bh_kernel, hardirq_do, line, record

from irqemu.kernel.context import SCHED_FIFO
from irqemu.kernel.genirq.types import IRQ_HANDLED
from irqemu.kernel.softirq import (
    HRTIMER_SOFTIRQ,
    NET_RX_SOFTIRQ,
    RCU_SOFTIRQ,
    TIMER_SOFTIRQ,
    kernel_softirq,
)


def test_rt_threads_exist_with_their_policies():
    k = bh_kernel("rt", num_cpus=2)
    s = kernel_softirq(k)
    assert [t.comm for t in s.ksoftirqd] == ["ksoftirqd/0", "ksoftirqd/1"]
    kt = s.ktimersoftd[1]
    assert kt is not None and kt.comm == "ktimersoftd/1"
    assert kt.policy == SCHED_FIFO and kt.rt_priority == 1
    assert s.ksoftirqd[0].policy == 0
    assert kernel_softirq(bh_kernel("rt", ktimersoftd=False)).ktimersoftd == [None]
    assert kernel_softirq(bh_kernel("mainline")).ktimersoftd == [None]


def test_softirq_raised_in_forced_thread_runs_in_that_thread():
    k = bh_kernel("rt")
    s = kernel_softirq(k)
    log = record(k)
    stacks: list[list[str]] = []
    k.register_kprobe("do_current_softirqs", lambda kk, n, *a: stacks.append(kk.stack()))
    irq = line(k)

    def handler(i, d):
        s.raise_softirq_irqoff_nowake(NET_RX_SOFTIRQ)  # __napi_schedule
        return IRQ_HANDLED

    k.request_irq(irq, handler, 0, "eth", None)
    hardirq_do(k, lambda: k.generic_handle_irq(irq))
    assert log == [] and s.ksoftirqd[0].state == "S"
    (thread,) = k.irq_threads()
    k.sched.run_task(thread)  # type: ignore[attr-defined]
    assert log == [("softirq_entry", NET_RX_SOFTIRQ, "irq/16-eth")]
    assert stacks[0][:4] == ["do_current_softirqs", "__local_bh_enable",
                             "irq_forced_thread_fn", "irq_thread"]
    assert thread.softirq_nestcnt == 0 and thread.softirqs_raised == 0
    # the bit was also marked for ksoftirqd; ksoftirqd finds it done
    assert s.ksoftirqd[0].softirqs_raised == 1 << NET_RX_SOFTIRQ
    assert s.pending_mask[0] == 0


def test_raised_in_hardirq_goes_to_the_daemons():
    k = bh_kernel("rt")
    s = kernel_softirq(k)
    log = record(k)

    def body():
        for nr in (RCU_SOFTIRQ, TIMER_SOFTIRQ, HRTIMER_SOFTIRQ, NET_RX_SOFTIRQ):
            s.raise_softirq_irqoff(nr)

    hardirq_do(k, body)
    kt = s.ktimersoftd[0]
    assert kt is not None
    assert log == []  # irq_exit never runs softirqs on RT
    assert s.ksoftirqd[0].state == "R" and kt.state == "R"
    assert kt.softirqs_raised == (1 << TIMER_SOFTIRQ) | (1 << HRTIMER_SOFTIRQ)
    k.sched.run_pending()  # ktimersoftd (FIFO 1) first
    assert log == [("softirq_entry", TIMER_SOFTIRQ, "ktimersoftd/0"),
                   ("softirq_entry", HRTIMER_SOFTIRQ, "ktimersoftd/0"),
                   ("softirq_entry", NET_RX_SOFTIRQ, "ksoftirqd/0"),
                   ("softirq_entry", RCU_SOFTIRQ, "ksoftirqd/0")]


def test_without_ktimersoftd_timers_run_in_ksoftirqd():
    k = bh_kernel("rt", ktimersoftd=False)
    s = kernel_softirq(k)
    log = record(k)
    hardirq_do(k, lambda: s.raise_softirq_irqoff(TIMER_SOFTIRQ))
    k.sched.run_pending()
    assert log == [("softirq_entry", TIMER_SOFTIRQ, "ksoftirqd/0")]


def test_ksoft_hands_leftovers_to_ksoftirqd():
    k = bh_kernel("rt")
    s = kernel_softirq(k)
    log = record(k)
    k.local_bh_disable()
    s.raise_softirq_irqoff_ksoft(NET_RX_SOFTIRQ)
    assert k.current[0].softirqs_raised == 0  # not the current task's
    k.local_bh_enable()
    assert log == [] and s.ksoftirqd[0].state == "R"
    k.sched.run_pending()
    assert log == [("softirq_entry", NET_RX_SOFTIRQ, "ksoftirqd/0")]


def test_raise_outside_bh_section_wakes_daemon_not_current():
    k = bh_kernel("rt")
    s = kernel_softirq(k)
    s.raise_softirq(NET_RX_SOFTIRQ)
    assert k.current[0].softirqs_raised == 0 and s.ksoftirqd[0].state == "R"


def test_nested_bh_sections_run_at_outermost_enable():
    k = bh_kernel("rt")
    s = kernel_softirq(k)
    log = record(k)
    k.local_bh_disable()
    k.local_bh_disable()
    s.raise_softirq_irqoff_nowake(NET_RX_SOFTIRQ)
    k.local_bh_enable()
    assert log == []
    k.local_bh_enable()
    assert [v for _, v, _ in log] == [NET_RX_SOFTIRQ]


def test_6x_rt_local_bh_enable_runs_all_pending():
    k = bh_kernel("rt", version="6.x")
    s = kernel_softirq(k)
    log = record(k)
    s.pending_mask[0] |= 1 << RCU_SOFTIRQ  # pending from elsewhere
    k.local_bh_disable()
    assert k.in_interrupt()  # softirq_disable_cnt counts on 6.x RT
    s.raise_softirq_irqoff(NET_RX_SOFTIRQ)
    k.local_bh_enable()
    assert [v for _, v, _ in log] == [NET_RX_SOFTIRQ, RCU_SOFTIRQ]
    assert kernel_softirq(k).ktimersoftd[0].comm == "ktimers/0"  # type: ignore[union-attr]
