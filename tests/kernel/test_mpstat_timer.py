"""TIMER_SOFTIRQ runs once per tick (4.6 raises it every tick) on mainline and RT,
even while ksoftirqd has NET_RX work without end: on 4.6-rt ktimersoftd (FIFO 1)
takes the CPU from ksoftirqd (SCHED_OTHER) at its next vector boundary."""

from __future__ import annotations

import pytest

from irqemu.kernel.sched import standalone_kernel
from irqemu.kernel.softirq import NET_RX_SOFTIRQ, TIMER_SOFTIRQ, kernel_softirq
from irqemu.kernel.timer import Timers
from irqemu.trace.proc import Mpstat

MS = 10**9


def _busy_net_rx(flavour: str, run_ms: int) -> tuple[list[int], Mpstat]:
    k = standalone_kernel(flavour)
    s = kernel_softirq(k)
    runner = k.sched.backend  # type: ignore[attr-defined]
    timers = Timers(k)
    timers.start_tick(runner)

    def net_rx_action() -> None:  # leftovers until 250 ms: 300 us of work, hand it on
        k.ops.charge(k.ops.hz * 300 // 10**6)  # type: ignore[attr-defined]
        if k.ops.now_ps() < 250 * MS:
            s.raise_softirq_irqoff_ksoft(NET_RX_SOFTIRQ)

    s.open_softirq(NET_RX_SOFTIRQ, net_rx_action, "net_rx_action")
    mp = Mpstat(k)

    def kick() -> None:
        with k.on_cpu(0):
            k.ops.local_irq_disable()
            s.raise_softirq_irqoff_ksoft(NET_RX_SOFTIRQ)
            k.ops.local_irq_enable()

    runner.at(1 * MS, 0, kick, "net_rx")
    runner.run(run_ms * MS)
    return [s.kstat[0][TIMER_SOFTIRQ], s.kstat[0][NET_RX_SOFTIRQ]], mp


@pytest.mark.parametrize("flavour", ["mainline", "rt"])
def test_timer_softirq_runs_every_tick_under_a_busy_ksoftirqd(flavour: str) -> None:
    (timer, net_rx), mp = _busy_net_rx(flavour, 300)
    assert net_rx > 500  # ksoftirqd had NET_RX work the whole time
    assert timer == 29  # the ticks at 10, 20, ... 290 ms
    rate = mp.as_json()["cpus"][0]["per_s"]["TIMER"]
    assert rate == pytest.approx(96.67, abs=0.2) and mp.notes() == []  # 29 over ~300 ms


def test_mpstat_notes_a_kernel_without_tick_and_a_short_interval() -> None:
    k = standalone_kernel("mainline")
    assert "no periodic tick" in Mpstat(k).notes()[0]
    Timers(k)
    mp = Mpstat(k)
    assert "shorter than one tick" in mp.notes()[0]
    assert "(irqemu: the interval" in mp.report()
