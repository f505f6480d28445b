"""irqemu timerlat on the cores: the invariants of its samples, determinism, the
high resolution clock event it rests on, and RT's thread latency under the storm."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from irqemu.latency import timerlat as tl
from irqemu.latency.timerlat import Timerlat


@cache
def measured(kernel: str, load: str, arch: str = "arm", cpus: int = 2, ms: float = 4.0,
             rate: float | None = None, engine: str = "native") -> tuple[Timerlat, Any, Any]:
    return tl.measure(kernel, load=load, arch=arch, rate=rate, period_us=1000,
                      duration_ms=ms, cpus=cpus, engine=engine, version="4.6",
                      prio=tl.DEFAULT_TIMERLAT_PRIO, seed=0)


CASES = [("mainline", "idle", "arm"), ("rt", "hog", "arm"), ("threadirqs", "mask", "arm"),
         ("mainline", "storm", "arm"), ("rt", "idle", "x86"), ("mainline", "smi", "x86")]


@pytest.mark.parametrize(("kernel", "load", "arch"), CASES)
def test_every_sample_positive_and_thread_after_irq(kernel: str, load: str, arch: str) -> None:
    """Each period's IRQ latency is > 0 and its thread latency is at least that."""
    tr, oc, _ld = measured(kernel, load, arch)
    assert sorted(tr.cpus) == [0, 1]
    for cpu, t in tr.cpus.items():
        assert t.irq.count >= 3, (cpu, t.irq.count)
        assert t.thread.count >= t.irq.count - 1  # the last wakeup may fall after the end
        for when, irq, thread in t.pairs:
            assert irq is not None and irq > 0, (cpu, when)
            if thread is not None:
                assert thread >= irq, (cpu, when, irq, thread)
        # the timer itself never ran before its expiry
        assert t.timer is not None
        assert all(late >= 0 for _at, late in t.timer.fired)
    assert oc.hrtimers is not None


def test_clock_event_is_one_shot_at_the_period() -> None:
    """High resolution mode: one device program per expiry, not a periodic tick; the
    timer fires once a period (the tick at HZ=100 is an hrtimer too, 10 ms away)."""
    tr, oc, _ld = measured("mainline", "idle")
    h = oc.hrtimers
    assert h.devices[0] is not None and h.devices[0].name == "local_timer"
    for t in tr.cpus.values():
        assert t.timer is not None
        assert len(t.timer.fired) >= 4
        gaps = {b - a for (a, _), (b, _) in zip(t.timer.fired, t.timer.fired[1:],
                                                 strict=False)}
        # expiries are a period apart; when each callback ran differs by its latency
        assert all(abs(g - 10**9) < 10**7 for g in gaps), gaps
    assert h.interrupts[0] >= 4


def test_same_run_twice_is_identical() -> None:
    a = tl.run("rt", load="mask", duration_ms=3, cpus=1)
    b = tl.run("rt", load="mask", duration_ms=3, cpus=1)
    assert a == b


def test_both_engines_identical() -> None:
    a = tl.run("mainline", load="idle", duration_ms=2, cpus=1, engine="native")
    b = tl.run("mainline", load="idle", duration_ms=2, cpus=1, engine="reference")
    a.pop("engine"), b.pop("engine")
    a["cores"].pop("engine"), b["cores"].pop("engine")
    assert a == b


def test_json_facts_are_consistent() -> None:
    r = tl.run("threadirqs", load="hog", duration_ms=3, cpus=2, bucket_ns=250, entries=64)
    assert r["cpu_hz"] == 792_000_000 and r["board"] == "imx6q"
    for cpu in ("0", "1"):
        for kind in ("irq", "thread"):
            f = r["cpus"][cpu][kind]
            assert f["count"] == sum(n for _ns, n in f["hist"]) + f["hist_over"]
            assert 0 < f["min_ns"] <= f["avg_ns"] <= f["max_ns"]
            # cycles and ns are the same figure at the board's clock
            assert f["max_cycles"] == f["max_ns"] * 792 // 1000 or \
                abs(f["max_cycles"] - f["max_ns"] * 0.792) < 1
            assert all(ns % 250 == 0 for ns, _n in f["hist"])
    basis = r["basis"]
    assert basis["entries"] == len(basis["irq_path"]) + len(basis["thread_path_adds"])
    names = [e["entry"] for e in basis["irq_path"]]
    assert "cortex-a9.events exception_entry" in names and "kernel timerlat_irq" in names
    assert basis["estimated_entries"] == sum(
        e["estimate"] for e in basis["irq_path"] + basis["thread_path_adds"])


def test_storm_thread_latency_rt_below_mainline() -> None:
    """Under the FEC storm, mainline runs NET_RX at irq_exit and in ksoftirqd ahead of
    the woken thread, RT in a FIFO 50 irq thread the FIFO 95 timerlat thread preempts
    at its next poll: RT's worst thread latency on the storm's CPU is the lower one,
    and the other CPUs are untouched by the storm on both."""
    worst = {}
    for kernel in ("mainline", "rt"):
        tr, _oc, _ld = measured(kernel, "storm", cpus=1, ms=12, rate=300_000)
        worst[kernel] = max(tr.cpus[0].thread.samples)
    assert worst["rt"] < worst["mainline"], worst


def test_storm_rt_preempts_the_poll_mainline_and_threadirqs_wait() -> None:
    """At 1,000,000 frames/s a NAPI poll is the longest thing on CPU0. On RT the irq
    thread runs NET_RX preemptible (no softirq count): the woken FIFO 95 thread takes
    the CPU at the timer IRQ's return inside the poll, which resumes afterwards. On
    mainline (irq_exit, ksoftirqd) and threadirqs (the irq thread's local_bh_enable)
    NET_RX holds the softirq count, so the thread waits for the poll in progress: RT's
    worst is a small part of theirs, and only RT suspended slices."""
    worst, preempted = {}, {}
    for kernel in ("mainline", "threadirqs", "rt"):
        tr, _oc, _ld = measured(kernel, "storm", cpus=1, ms=5, rate=1_000_000)
        t = tr.cpus[0]
        assert t.thread.count >= 3
        for when, irq, thread in t.pairs:
            assert irq is not None and (thread is None or thread >= irq), (kernel, when)
        worst[kernel] = max(t.thread.samples)
        preempted[kernel] = tr.kernel.sched.backend.preemptions
    assert worst["rt"] * 4 < worst["mainline"], worst
    assert worst["rt"] * 4 < worst["threadirqs"], worst
    assert preempted["rt"] > 0 and preempted["mainline"] == preempted["threadirqs"] == 0, \
        preempted


def test_storm_rt_preemption_same_on_both_engines() -> None:
    """The nested switch inside a poll gives the same result dict on both engines."""
    a = tl.run("rt", load="storm", rate=1_000_000, duration_ms=3, cpus=1, engine="native")
    b = tl.run("rt", load="storm", rate=1_000_000, duration_ms=3, cpus=1, engine="reference")
    a.pop("engine"), b.pop("engine")
    a["cores"].pop("engine"), b["cores"].pop("engine")
    assert a["preempted_slices"] > 0
    assert a == b


@pytest.mark.parametrize("kw", [dict(kernel="bsd"), dict(load="flood"), dict(period_us=10),
                                dict(duration_ms=0), dict(cpus=5), dict(rate=5.0),
                                dict(load="storm", rate=-1.0), dict(arch="riscv"),
                                dict(duration_ms=0.5, period_us=1000)])
def test_options_range_checked(kw: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        tl.run(**kw)


def test_cyclictest_same_on_both_engines_and_after_its_interval() -> None:
    """cyclictest's run(): every wakeup after its time; both engines give the same dict."""
    from irqemu.latency import cyclictest

    a = cyclictest.run("rt", loops=4, threads=2, load="hog", engine="native")
    b = cyclictest.run("rt", loops=4, threads=2, load="hog", engine="reference")
    assert a.pop("engine") == "native" and b.pop("engine") == "reference"
    assert a == b
    for th in a["threads"]:
        assert th["cycles"] == 4 and th["min_ns"] > 0 and th["cpu"] == th["index"]
    with pytest.raises(ValueError):
        cyclictest.run(prio=0)
