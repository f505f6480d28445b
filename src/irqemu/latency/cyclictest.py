"""``irqemu cyclictest``: rt-tests' cyclictest (src/cyclictest/cyclictest.c) on the
emulated cores.

Each of ``-t`` threads is a user task, SCHED_FIFO ``-p``, pinned to CPU ``i % cpus``
(cyclictest's -a/-S placement), that sleeps with clock_nanosleep(TIMER_ABSTIME) to its
next wakeup every ``-i`` microseconds, ``-l`` times. The sleep is an hrtimer of the
thread's CPU (hrtimer_wakeup in the hard IRQ: an RT task's sleeper is hard on
PREEMPT_RT too) on the one-shot clock event of high resolution mode. A sample is the
thread's wakeup latency: from the absolute wakeup time to the thread running again
after the syscall returns, as cyclictest's ``calcdiff(now, next)``. Figures are
simulated time (see :mod:`irqemu.latency.basis`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import SCHED_FIFO, kfunc
from irqemu.kernel.hrtimer import HRTIMER_NORESTART, Hrtimer, Hrtimers
from irqemu.kernel.sched import SLEEP, spawn
from irqemu.latency.board import boot_loaded
from irqemu.latency.costs import CYCLICTEST_COSTS
from irqemu.latency.hist import Latencies
from irqemu.latency.loads import START_PS, Load

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel
    from irqemu.scenarios._oncore import OnCore

PS_PER_US = 10**6



@dataclass
class CyclicThread:
    """One measurement thread: its CPU, timer, task and samples."""

    index: int
    cpu: int
    interval_ps: int
    loops: int
    lat: Latencies
    timer: Hrtimer | None = None
    task: Any = None
    next_ps: int = 0
    cycles: int = 0
    overruns: int = 0
    #: the cycle numbers (1-based) of samples past the histogram, as cyclictest lists them
    overflow_cycles: list[int] = field(default_factory=list)


@kfunc()
def hrtimer_wakeup(k: Kernel, th: CyclicThread, _t: Hrtimer) -> int:
    k.fentry(..., th.cpu)
    k.wake_up_process(th.task)
    return HRTIMER_NORESTART


@kfunc()
def do_nanosleep(k: Kernel, th: CyclicThread) -> None:
    """The wakeup's return to the thread (charged), then the sample: now - next."""
    k.fentry(..., th.cpu)
    now = k.ops.now_ps()
    th.lat.add(now - th.next_ps)
    th.cycles += 1
    th.next_ps += th.interval_ps
    while th.next_ps <= now:
        th.next_ps += th.interval_ps
        th.overruns += 1


def _thread_body(k: Kernel, h: Hrtimers, th: CyclicThread) -> Iterator[Any]:
    assert th.timer is not None
    th.next_ps = max(k.ops.now_ps(), START_PS) + th.interval_ps
    while th.cycles < th.loops:
        h.hrtimer_start(th.timer, th.next_ps)
        yield SLEEP
        do_nanosleep(k, th)


def check_options(*, prio: int, interval_us: int, loops: int, threads: int,
                  histogram_us: int | None) -> None:
    if not 1 <= prio <= 99:
        raise ValueError(f"-p {prio}: a SCHED_FIFO priority from 1 to 99")
    if not 50 <= interval_us <= 1_000_000:
        raise ValueError(f"-i {interval_us}: from 50 to 1,000,000 us")
    if not 1 <= loops <= 100_000:
        raise ValueError(f"-l {loops}: from 1 to 100,000 loops")
    if loops * interval_us > 10_000_000:
        raise ValueError(f"-l {loops} x -i {interval_us} us is more than 10 s of simulated "
                         "time")
    if not 1 <= threads <= 4:
        raise ValueError(f"-t {threads}: from 1 to 4 threads (one per CPU of the board)")
    if histogram_us is not None and not 1 <= histogram_us <= 100_000:
        raise ValueError(f"-h {histogram_us}: from 1 to 100,000 us")


def measure(kernel: str = "mainline", *, prio: int = 80, interval_us: int = 1000,
            loops: int = 20, threads: int = 1, load: str = "idle", arch: str = "arm",
            rate: float | None = None, engine: str = "native", version: str = "4.6",
            seed: int = 0) -> tuple[list[CyclicThread], OnCore, Load]:
    """Boot, run ``loops`` wakeups of every thread (plus one interval to drain)."""
    interval = interval_us * PS_PER_US
    end_ps = START_PS + (loops + 2) * interval
    ths: list[CyclicThread] = []
    cpus = min(threads, 4)

    def on_start(oc: OnCore) -> None:
        for name, c in CYCLICTEST_COSTS.items():
            oc.kernel.costs.setdefault(name, c.cycles)

    def on_cpu_up(oc: OnCore, cpu: int) -> None:
        k, h = oc.kernel, oc.hrtimers
        assert h is not None
        for i in range(cpu, threads, cpus):
            th = CyclicThread(i, cpu, interval, loops, Latencies(oc.cpu_hz))
            th.timer = h.hrtimer_init(partial(hrtimer_wakeup, k, th), "hrtimer_wakeup", cpu)
            th.task = spawn(k, "cyclictest", partial(_thread_body, k, h, th),
                            policy=SCHED_FIFO, rt_priority=prio, cpus=frozenset({cpu}),
                            kthread=False)
            ths.append(th)

    oc, ld = boot_loaded(kernel, load=load, arch=arch, rate=rate, cpus=cpus, engine=engine,
                         version=version, seed=seed, end_ps=end_ps, on_start=on_start,
                         on_cpu_up=on_cpu_up)
    oc.run(end_ps)
    return sorted(ths, key=lambda t: t.index), oc, ld


def run(kernel: str = "mainline", *, prio: int = 80, interval_us: int = 1000, loops: int = 20,
        threads: int = 1, histogram_us: int | None = None, load: str = "idle",
        arch: str = "arm", rate: float | None = None, engine: str = "native",
        version: str = "4.6", seed: int = 0) -> dict[str, Any]:
    """One cyclictest run as the dict ``--json`` prints (per thread: CPU, cycles, latency
    in ns and modelled cycles, histogram); options checked as the command checks them."""
    from irqemu.latency.timerlat import check_options as check_common

    check_options(prio=prio, interval_us=interval_us, loops=loops, threads=threads,
                  histogram_us=histogram_us)
    check_common(kernel=kernel, load=load, arch=arch, period_us=interval_us,
                 duration_ms=loops * interval_us / 1000, cpus=threads, rate=rate)
    ths, oc, ld = measure(kernel, prio=prio, interval_us=interval_us, loops=loops,
                          threads=threads, load=load, arch=arch, rate=rate, engine=engine,
                          version=version, seed=seed)
    return result(ths, oc, ld, kernel=kernel, version=version, arch=arch, prio=prio,
                  interval_us=interval_us, loops=loops, histogram_us=histogram_us)


def stat_lines(ths: list[CyclicThread], prio: int, interval_us: int) -> list[str]:
    """cyclictest's print_stat per thread (microseconds)."""
    out = []
    for th in ths:
        s = th.lat.summary("us")
        mn, act, avg, mx = (0, 0, 0, 0) if s is None else (s["min"], s["last"], s["avg"],
                                                            s["max"])
        out.append(f"T:{th.index:2d} ({th.task.pid:5d}) P:{prio:2d} I:{interval_us} "
                   f"C:{th.cycles:7d} Min:{mn:7d} Act:{act:5d} Avg:{avg:5d} Max:{mx:8d}")
    return out


def hist_lines(ths: list[CyclicThread], max_us: int) -> list[str]:
    """cyclictest -h's histogram (1 us buckets below ``max_us``) and its summary."""
    tables = [th.lat.histogram("us", 1, max_us) for th in ths]
    out = ["# Histogram"]
    for b in range(max_us):
        out.append(f"{b:06d} " + "\t".join(f"{counts[b]:06d}" for counts, _o in tables))
    out.append("# Total:" + "".join(f" {sum(c):09d}" for c, _o in tables))
    sums = [th.lat.summary("us") for th in ths]
    for key, label in (("min", "Min"), ("avg", "Avg"), ("max", "Max")):
        out.append(f"# {label} Latencies:" + "".join(
            f" {s[key] if s else 0:05d}" for s in sums))
    out.append("# Histogram Overflows:" + "".join(f" {o:05d}" for _c, o in tables))
    out.append("# Histogram Overflow at cycle number:")
    for th in ths:
        over = [i + 1 for i, v in enumerate(th.lat.values("us")) if v >= max_us]
        out.append(f"# Thread {th.index}:" + "".join(f" {c:05d}" for c in over))
    return out


def result(ths: list[CyclicThread], oc: OnCore, ld: Load, *, kernel: str, version: str,
           arch: str, prio: int, interval_us: int, loops: int,
           histogram_us: int | None) -> dict[str, Any]:
    """The ``--json`` dict: per thread its CPU, cycles and latency facts."""
    from irqemu.latency.basis import basis

    bucket_ns = 1000
    entries = histogram_us or 256
    return {
        "tool": "cyclictest", "kernel": kernel, "version": version, "arch": arch,
        "board": oc.board, "engine": oc.engine, "cpu_hz": oc.cpu_hz, "prio": prio,
        "interval_us": interval_us, "loops": loops, "load": ld.summary(),
        "units": {"ns": "simulated nanoseconds: the core's modelled cycles at cpu_hz",
                  "cycles": f"modelled cycles at {oc.cpu_hz / 1e6:g} MHz"},
        "threads": [{"index": th.index, "cpu": th.cpu, "pid": th.task.pid,
                     "cycles": th.cycles, "overruns": th.overruns,
                     **th.lat.facts(bucket_ns, entries)} for th in ths],
        "basis": basis(oc, "cyclictest"),
    }


__all__ = ["CYCLICTEST_COSTS", "CyclicThread", "check_options", "hist_lines", "measure",
           "result", "run", "stat_lines"]
