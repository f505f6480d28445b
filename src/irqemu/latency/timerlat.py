"""``irqemu timerlat``: rtla timerlat's measurement on the emulated cores.

The timerlat tracer (kernel/trace/trace_osnoise.c, Linux 5.14+) put on the modelled
kernel: on each measured CPU a kthread "timerlat/N", SCHED_FIFO 95 (the tracer's
default), pinned, arms its hrtimer (absolute, pinned, HARD: its callback runs in hard
IRQ context on PREEMPT_RT too) at the next period and sleeps. The clock event device
is one-shot (high resolution mode, :mod:`irqemu.kernel.hrtimer`): the twd on the
i.MX6Q, the LAPIC timer on the pc, programmed for the timer's expiry.

- IRQ latency: from the period's absolute expiry to ``timerlat_irq``, the timer's
  callback, in the hard IRQ (the core's own exception entry, the IRQ stub, the GIC or
  APIC, hrtimer_interrupt); timerlat_irq wakes the thread.
- Thread latency: from the same expiry to the thread running (the IRQ, its exit and
  softirqs there, the switch). Then it arms the next period (skipping any it overran).

The figures are simulated time: the core's cycles at the board's clock, every cycle
from the cost model (:mod:`irqemu.latency.basis` says which entries, and which are
estimates). :func:`run` returns the per-point result dict (what ``--json`` prints);
``irqemu sweep`` calls it per grid point.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import SCHED_FIFO, kfunc
from irqemu.kernel.hrtimer import HRTIMER_NORESTART, Hrtimer, Hrtimers
from irqemu.kernel.sched import SLEEP, spawn
from irqemu.latency.board import boot_loaded
from irqemu.latency.costs import TIMERLAT_COSTS
from irqemu.latency.hist import Latencies
from irqemu.latency.loads import LOADS, START_PS, Load

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel
    from irqemu.scenarios._oncore import OnCore

DEFAULT_TIMERLAT_PRIO = 95  #: trace_osnoise.c: timerlat threads are SCHED_FIFO 95
PS_PER_US = 10**6
KERNELS = ("mainline", "threadirqs", "rt")
ARCHES = {"arm": "imx6q", "x86": "pc"}



@dataclass
class TimerlatCpu:
    """struct timerlat_variables of one CPU, and its samples."""

    cpu: int
    period_ps: int
    irq: Latencies
    thread: Latencies
    timer: Hrtimer | None = None
    task: Any = None
    abs_period: int = 0
    tracing_thread: bool = False
    overruns: int = 0
    #: per period: (its absolute expiry, IRQ latency ps, thread latency ps or None)
    pairs: list[list[int | None]] = field(default_factory=list)


@dataclass
class Timerlat:
    """The tracer on one kernel: its per-CPU variables and when samples count."""

    kernel: Kernel
    hrtimers: Hrtimers
    period_ps: int
    count_from: int
    count_until: int
    prio: int = DEFAULT_TIMERLAT_PRIO
    cpus: dict[int, TimerlatCpu] = field(default_factory=dict)

    def counts(self, when: int) -> bool:
        return self.count_from <= when < self.count_until

    def start_on(self, cpu: int, cpu_hz: int) -> TimerlatCpu:
        """start_kthread on ``cpu``: its variables, timer and thread (woken)."""
        tl = TimerlatCpu(cpu, self.period_ps, Latencies(cpu_hz), Latencies(cpu_hz))
        self.cpus[cpu] = tl
        tl.timer = self.hrtimers.hrtimer_init(lambda t: timerlat_irq(self, tl, t),
                                              "timerlat_irq", cpu)
        tl.task = spawn(self.kernel, f"timerlat/{cpu}", lambda: timerlat_main(self, tl),
                        policy=SCHED_FIFO, rt_priority=self.prio, cpus=frozenset({cpu}))
        return tl


@kfunc()
def timerlat_irq(tr: Timerlat, tl: TimerlatCpu, timer: Hrtimer) -> int:
    """The timer's callback, in the hard IRQ: the IRQ latency sample, wake the thread."""
    k = tr.kernel
    k.fentry(..., tl.cpu)
    now = k.ops.now_ps()
    diff = now - tl.abs_period
    if tr.counts(tl.abs_period):
        tl.irq.add(diff)
        tl.pairs.append([tl.abs_period, diff, None])
    tl.tracing_thread = True
    k.wake_up_process(tl.task)
    return HRTIMER_NORESTART


def timerlat_main(tr: Timerlat, tl: TimerlatCpu) -> Iterator[Any]:
    """The thread: arm the first period, then per wakeup the thread sample and the
    next period (wait_next_period)."""
    k = tr.kernel
    assert tl.timer is not None
    tl.abs_period = k.ops.now_ps()
    _wait_next_period(tr, tl)
    while True:
        yield SLEEP
        if not tl.tracing_thread:
            continue  # a wakeup that was not the timer's
        _thread_sample(tr, tl)
        _wait_next_period(tr, tl)


@kfunc("timerlat_main")
def _thread_sample(tr: Timerlat, tl: TimerlatCpu) -> None:
    k = tr.kernel
    k.fentry(..., tl.cpu)
    now = k.ops.now_ps()
    tl.tracing_thread = False
    if tr.counts(tl.abs_period):
        diff = now - tl.abs_period
        tl.thread.add(diff)
        if tl.pairs and tl.pairs[-1][0] == tl.abs_period:
            tl.pairs[-1][2] = diff


def _wait_next_period(tr: Timerlat, tl: TimerlatCpu) -> None:
    """wait_next_period: the next absolute period, past now; arm the timer there."""
    now = tr.kernel.ops.now_ps()
    nxt = tl.abs_period + tl.period_ps
    while nxt <= now:
        nxt += tl.period_ps
        tl.overruns += 1
    tl.abs_period = nxt
    assert tl.timer is not None
    tr.hrtimers.hrtimer_start(tl.timer, nxt)


def check_options(*, kernel: str, load: str, arch: str, period_us: int, duration_ms: float,
                  cpus: int | None, rate: float | None) -> None:
    """Every option range-checked: a ValueError naming the option."""
    if kernel not in KERNELS:
        raise ValueError(f"--kernel {kernel!r}: one of {', '.join(KERNELS)}")
    if load not in LOADS:
        raise ValueError(f"--load {load!r}: one of {', '.join(LOADS)}")
    if arch not in ARCHES:
        raise ValueError(f"--arch {arch!r}: one of {', '.join(ARCHES)}")
    if not 50 <= period_us <= 1_000_000:
        raise ValueError(f"--period {period_us}: between 50 and 1,000,000 us")
    if not 0 < duration_ms <= 10_000:
        raise ValueError(f"--duration {duration_ms:g}: more than 0 and at most 10,000 ms")
    if duration_ms * 1000 < period_us:
        raise ValueError(f"--duration {duration_ms:g} ms is shorter than one period "
                         f"({period_us} us)")
    if cpus is not None and not 1 <= cpus <= 4:
        raise ValueError(f"--cpus {cpus}: between 1 and 4 (the board's CPUs)")
    if rate is not None:
        if load != "storm":
            raise ValueError(f"--rate applies to --load storm, not --load {load}")
        if not 0 < rate <= 2_000_000:
            raise ValueError(f"--rate {rate:g}: more than 0 and at most 2,000,000 frames/s")


def run(kernel: str = "mainline", *, load: str = "idle", arch: str = "arm",
        rate: float | None = None, period_us: int = 1000, duration_ms: float = 20.0,
        cpus: int | None = None, engine: str = "native", version: str = "4.6",
        prio: int = DEFAULT_TIMERLAT_PRIO, bucket_ns: int = 1000, entries: int = 256,
        seed: int = 0) -> dict[str, Any]:
    """One timerlat run, as a dict (``--json``): per-CPU IRQ and thread latency
    (count, min/avg/max in ns and modelled cycles, histogram of ``bucket_ns``
    buckets), the load, the clock, the cost-model entries the figures rest on.
    Deterministic: the same arguments give the same dict (engine aside)."""
    check_options(kernel=kernel, load=load, arch=arch, period_us=period_us,
                  duration_ms=duration_ms, cpus=cpus, rate=rate)
    tr, oc, ld = measure(kernel, load=load, arch=arch, rate=rate, period_us=period_us,
                         duration_ms=duration_ms, cpus=cpus, engine=engine,
                         version=version, prio=prio, seed=seed)
    return result(tr, oc, ld, kernel=kernel, version=version, arch=arch, period_us=period_us,
                  duration_ms=duration_ms, bucket_ns=bucket_ns, entries=entries, seed=seed)


def measure(kernel: str, *, load: str, arch: str, rate: float | None, period_us: int,
            duration_ms: float, cpus: int | None, engine: str, version: str, prio: int,
            seed: int) -> tuple[Timerlat, OnCore, Load]:
    """Boot the board in high resolution mode with the tracer and the load; run."""
    ncpu = 4 if cpus is None else cpus
    end_ps = START_PS + int(duration_ms * 10**9)
    state: dict[str, Timerlat] = {}

    def on_start(oc: OnCore) -> None:
        h = oc.hrtimers
        assert h is not None
        for name, c in TIMERLAT_COSTS.items():
            oc.kernel.costs.setdefault(name, c.cycles)
        state["tr"] = Timerlat(oc.kernel, h, period_us * PS_PER_US, START_PS, end_ps,
                               prio=prio)

    def on_cpu_up(oc: OnCore, cpu: int) -> None:
        state["tr"].start_on(cpu, oc.cpu_hz)

    oc, ld = boot_loaded(kernel, load=load, arch=arch, rate=rate, cpus=ncpu, engine=engine,
                         version=version, seed=seed, end_ps=end_ps, on_start=on_start,
                         on_cpu_up=on_cpu_up)
    oc.run(end_ps)
    if "tr" not in state:
        raise RuntimeError("kernel.elf never started the tracer")
    return state["tr"], oc, ld


def _preemptions(kernel: Kernel) -> int:
    """How many task slices the core scheduler suspended at a hard IRQ's return."""
    return int(getattr(getattr(kernel.sched, "backend", None), "preemptions", 0))


def result(tr: Timerlat, oc: OnCore, ld: Load, *, kernel: str, version: str, arch: str,
           period_us: int, duration_ms: float, bucket_ns: int, entries: int,
           seed: int) -> dict[str, Any]:
    """The ``--json`` dict of a finished run."""
    from irqemu.latency.basis import basis

    per_cpu: dict[str, Any] = {}
    for cpu, tl in sorted(tr.cpus.items()):
        per_cpu[str(cpu)] = {
            "irq": tl.irq.facts(bucket_ns, entries),
            "thread": tl.thread.facts(bucket_ns, entries),
            "overruns": tl.overruns,
            "timer_fires": len(tl.timer.fired) if tl.timer is not None else 0,
        }
    h = oc.hrtimers
    assert h is not None
    hz = oc.cpu_hz
    return {
        "tool": "timerlat", "kernel": kernel, "version": version, "arch": arch,
        "board": oc.board, "engine": oc.engine, "cpu_hz": hz,
        "period_us": period_us, "duration_ms": duration_ms, "prio": tr.prio, "seed": seed,
        "load": ld.summary(),
        "units": {
            "ns": "simulated nanoseconds: the core's modelled cycles at cpu_hz",
            "cycles": f"modelled cycles of the {oc.board}'s core at {hz / 1e6:g} MHz "
                      f"({hz / 1e9:g} cycles per ns)",
            "window": f"samples of periods expiring from {START_PS // PS_PER_US} us to "
                      f"{tr.count_until // PS_PER_US} us of simulated time",
        },
        "bucket_ns": bucket_ns, "entries": entries,
        "cpus": per_cpu,
        "hrtimer": {"clock_event": [d.name if d else None for d in h.devices],
                    "programs": [d.events if d else 0 for d in h.devices],
                    "interrupts": list(h.interrupts),
                    "early_interrupts": list(h.early)},
        "basis": basis(oc),
        # slices preempt_schedule_irq suspended mid-poll (preemptible NET_RX on RT)
        "preempted_slices": _preemptions(tr.kernel),
        "cores": oc.facts(),
    }


__all__ = ["ARCHES", "DEFAULT_TIMERLAT_PRIO", "KERNELS", "TIMERLAT_COSTS", "Timerlat",
           "TimerlatCpu", "check_options", "measure", "result", "run", "timerlat_irq"]
