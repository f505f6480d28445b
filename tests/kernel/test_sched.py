"""The scheduler: FIFO priorities, CFS approximation, wakeup preemption, switch cost,
``current``, RT throttling, the standalone runner's interrupt windows."""

from __future__ import annotations

from irqemu.kernel.context import SCHED_FIFO, SCHED_RR
from irqemu.kernel.sched import SLEEP, runner_of, spawn, standalone_kernel
from irqemu.kernel.softirq import NET_RX_SOFTIRQ, kernel_softirq

MS = 10**9


def hog(cycles: int = 100_000):
    def body():
        while True:
            yield cycles
    return body


def test_fifo_priority_order_and_current():
    k = standalone_kernel("mainline", 1)
    order: list[str] = []

    def once(name):
        def body():
            order.append(f"{name}:{k.current[0].comm}")
        return body

    with k.on_cpu(0):
        spawn(k, "lo", once("lo"), policy=SCHED_FIFO, rt_priority=10)
        spawn(k, "hi", once("hi"), policy=SCHED_FIFO, rt_priority=60)
        spawn(k, "other", once("other"))
    runner_of(k).run(1 * MS)
    assert order == ["hi:hi", "lo:lo", "other:other"]
    assert k.current[0].comm == "swapper/0"


def test_wakeup_preempts_lower_fifo_at_next_preemption_point():
    k = k_ = standalone_kernel("mainline", 1, switch_cycles=0)
    r = runner_of(k)
    seen: list[tuple[str, int]] = []

    def low():
        for _ in range(50):
            seen.append(("low", k_.ops.now_ps()))
            yield 10_000  # 12.6 us slices at 792 MHz

    def high():
        seen.append(("high", k_.ops.now_ps()))

    with k.on_cpu(0):
        spawn(k, "low", low, policy=SCHED_FIFO, rt_priority=10)
    r.at(100 * 10**6, 0, lambda: spawn(k, "high", high, policy=SCHED_FIFO, rt_priority=20))
    r.run(2 * MS)
    i = seen.index(("high", seen[[n for n, _ in seen].index("high")][1]))
    before = [t for n, t in seen[:i] if n == "low"]
    # high ran right after the low slice in progress at 100 us
    assert before[-1] <= 100 * 10**6 < seen[i][1] <= before[-1] + 16 * 10**6


def test_cfs_shares_by_weight():
    k = standalone_kernel("mainline", 1)
    r = runner_of(k)
    from irqemu.kernel.timer import Timers
    Timers(k).start_tick(r)
    with k.on_cpu(0):
        a = spawn(k, "a", hog())
        b = spawn(k, "b", hog())
        c = spawn(k, "c", hog(), nice=-5)
    r.run(600 * MS)
    assert abs(a.sum_exec_ps - b.sum_exec_ps) < 0.1 * a.sum_exec_ps
    ratio = c.sum_exec_ps / a.sum_exec_ps
    assert 2.0 < ratio < 4.5  # weight 3121 vs 1024


def test_sleep_and_wake_resume_generator():
    k = standalone_kernel("mainline", 1)
    r = runner_of(k)
    steps: list[int] = []

    def body():
        steps.append(1)
        yield SLEEP
        steps.append(2)

    with k.on_cpu(0):
        t = spawn(k, "sleeper", body)
    r.run(1 * MS)
    assert steps == [1] and t.state == "S"
    r.at(2 * MS, 0, lambda: k.wake_up_process(t))
    r.run(3 * MS)
    assert steps == [1, 2]


def test_context_switch_cost_and_tracepoint():
    k = standalone_kernel("mainline", 1, switch_cycles=1000)
    switches: list[tuple[str, str]] = []
    k.register_kprobe("sched_switch", lambda kk, n, p, q: switches.append((p.comm, q.comm)))
    with k.on_cpu(0):
        spawn(k, "t", lambda: None)
    runner_of(k).run(1 * MS)
    assert switches == [("swapper/0", "t"), ("t", "swapper/0")]
    assert k.ops.cycles[0] >= 2000  # type: ignore[attr-defined]


def test_a_context_switch_is_charged_once():
    """__schedule charges the switch cost once per switch (it used to charge the cost
    table's __schedule and then switch_cycles again)."""
    k = standalone_kernel("mainline", 1, switch_cycles=1000)
    in_schedule: list[int] = []
    charge = k.ops.charge

    def spy(cycles: int) -> None:
        if k.stack()[:1] == ["__schedule"]:
            in_schedule.append(cycles)
        charge(cycles)

    k.ops.charge = spy  # type: ignore[method-assign]
    with k.on_cpu(0):
        spawn(k, "t", lambda: None)
    runner_of(k).run(1 * MS)
    assert in_schedule == [1000, 1000]


def test_rt_throttling_activates_once_and_gives_cfs_five_percent():
    k = standalone_kernel("mainline", 1)
    r = runner_of(k)
    with k.on_cpu(0):
        rt = spawn(k, "rt", hog(), policy=SCHED_FIFO, rt_priority=50)
        other = spawn(k, "other", hog())
    r.run(3000 * MS)
    assert k.dmesg.count(next(m for m in k.dmesg if "RT throttling" in m)) == 1
    assert sum("sched: RT throttling activated" in m for m in k.dmesg) == 1
    assert 120 * MS < other.sum_exec_ps < 180 * MS  # ~50 ms per second
    assert rt.sum_exec_ps > 2800 * MS


def test_rt_runtime_share_lets_a_cpu_borrow_on_4_6_but_not_6x():
    for version, throttled in (("4.6", False), ("6.x", True)):
        k = standalone_kernel("mainline", 2, version=version)
        r = runner_of(k)
        with k.on_cpu(0):
            spawn(k, "rt", hog(), policy=SCHED_FIFO, rt_priority=50, cpus=frozenset({0}))
        r.run(2500 * MS)
        assert any("RT throttling" in m for m in k.dmesg) == throttled, version


def test_rr_round_robin_at_same_priority():
    k = standalone_kernel("mainline", 1)
    r = runner_of(k)
    from irqemu.kernel.timer import Timers
    Timers(k).start_tick(r)
    with k.on_cpu(0):
        a = spawn(k, "a", hog(), policy=SCHED_RR, rt_priority=10)
        b = spawn(k, "b", hog(), policy=SCHED_RR, rt_priority=10)
    r.run(500 * MS)
    assert a.sum_exec_ps > 150 * MS and b.sum_exec_ps > 150 * MS


def test_hard_irqs_taken_between_softirq_vectors():
    k = standalone_kernel("mainline", 1)
    r = runner_of(k)
    s = kernel_softirq(k)
    order: list[str] = []

    def slow_rx():
        order.append("rx")
        k.ops.charge(100_000)

    s.open_softirq(NET_RX_SOFTIRQ, slow_rx, "rx")

    def irq_a():
        k.irq_enter()
        order.append("irqA")
        s.raise_softirq_irqoff(NET_RX_SOFTIRQ)
        s.raise_softirq_irqoff(9)  # RCU
        r.at(k.ops.now_ps() + 1000, 0, irq_b)
        k.irq_exit()

    def irq_b():
        k.ops.local_irq_disable()
        k.irq_enter()
        order.append(f"irqB:{k.in_softirq()}")
        k.irq_exit()
        k.ops.local_irq_enable()

    s.open_softirq(9, lambda: order.append("rcu"), "rcu")
    r.at(10**6, 0, lambda: (k.ops.local_irq_disable(), irq_a(), k.ops.local_irq_enable()))
    r.run(MS)
    assert order == ["irqA", "rx", "irqB:True", "rcu"]
