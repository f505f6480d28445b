"""Softirq starvation on PREEMPT_RT: a FIFO 50 task against the timer softirq.

A "main event loop" depends on a timer_list timer re-armed every jiffy (HZ=100):
every expiry is one event. From 0.2 s to 2.2 s a runaway SCHED_FIFO 50 task
("rt-load") keeps CPU 0 busy. Four kernels:

1. mainline 4.6: TIMER_SOFTIRQ runs at irq_exit of the tick, on top of the RT
   task: the events keep coming. (RT throttling still activates: it is about
   the RT task, not softirqs.)
2. 4.6-rt without ktimersoftd (RT before "softirq: split timer softirqs out of
   ksoftirqd"): the tick hands TIMER to ksoftirqd (SCHED_OTHER), which the RT
   task starves: the events stop. After 950 ms of RT time in the period,
   "sched: RT throttling activated"; ksoftirqd runs only in the 50 ms left
   to SCHED_OTHER, so the timer runs late, in bursts.
3. 4.6-rt with ktimersoftd/0 at its default SCHED_FIFO 1: still below the
   FIFO 50 load, and an RT task itself, so RT throttling's 50 ms do not help
   it either: the events stop as well. The split is the talk's "(partial)"
   solution.
4. 4.6-rt with ktimersoftd/0 raised above the load (``chrt -f -p 60``): because
   timers have their own thread, their priority can be raised without raising
   the network softirqs in ksoftirqd: the events keep coming, except for the
   50 ms in which RT throttling holds back every RT task, ktimersoftd included.

By default each kernel runs on the emulated i.MX6Q (booted with maxcpus=1): the
tick is CPU 0's private timer interrupt, and rt-load, ksoftirqd/0 and
ktimersoftd/0 are tasks on the core; a timer_list timer wakes rt-load at 0.2 s.
``--model-only`` runs the same kernels on one model CPU instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from irqemu.kernel import Kernel
from irqemu.kernel.context import SCHED_FIFO
from irqemu.kernel.sched import runner_of, spawn, standalone_kernel
from irqemu.kernel.softirq import Softirq, kernel_softirq
from irqemu.kernel.timer import TimerList, Timers
from irqemu.scenarios.base import (
    Observe,
    OptionError,
    Options,
    Scenario,
    mode_line,
    no_engine_with_model_only,
    observe_or_none,
)

MS = 10**9
CASES = ("mainline", "rt-no-ktimersoftd", "rt", "rt-ktimersoftd-fifo60")
#: rt-load's work between two preemption points: 200,000 cycles at the i.MX6Q's
#: 792 MHz (0.25 ms), the same time on every board
RT_LOAD_SLICE, RT_LOAD_HZ = 200_000, 792_000_000


def _case_kernel(case: str) -> tuple[str, Softirq]:
    """The flavour and softirq layer of a case."""
    flavour = "mainline" if case == "mainline" else "rt"
    return flavour, Softirq(ktimersoftd=False if case == "rt-no-ktimersoftd" else None)


def _setup(case: str, k: Kernel, timers: Timers, events: list[int], load_to_ms: int,
           cpu_hz: int = RT_LOAD_HZ) -> Any:
    """ktimersoftd's priority, the event loop's timer and rt-load (not yet woken);
    returns rt-load. Runs on CPU 0."""
    kt = kernel_softirq(k).ktimersoftd[0]
    if case == "rt-ktimersoftd-fifo60" and kt is not None:
        kt.policy, kt.rt_priority = SCHED_FIFO, 60  # chrt -f -p 60 <pid of ktimersoftd/0>

    def event_loop_timer(t: TimerList) -> None:
        events.append(k.ops.now_ps())
        timers.mod_timer(t, k.jiffies + 1)

    with k.on_cpu(0):
        timers.add_timer(1, event_loop_timer, "event_loop")

    work = RT_LOAD_SLICE * cpu_hz // RT_LOAD_HZ

    def rt_load() -> Any:
        while k.ops.now_ps() < load_to_ms * MS:
            yield work

    return spawn(k, "rt-load", rt_load, policy=SCHED_FIFO, rt_priority=50, wake=False)


def _facts(case: str, k: Kernel, events: list[int], load_from_ms: int,
           load_to_ms: int) -> dict[str, Any]:
    s = kernel_softirq(k)
    kt = s.ktimersoftd[0]
    during = [t for t in events if load_from_ms * MS <= t < load_to_ms * MS]
    gaps = [b - a for a, b in zip(events, events[1:], strict=False)]
    hz = k.config.hz
    return {
        "case": case, "events": len(events), "during_load": len(during),
        "expected_during_load": (load_to_ms - load_from_ms) * hz // 1000,
        "longest_gap_ms": max(gaps) / MS if gaps else 0.0,
        "throttled": any("RT throttling activated" in m for m in k.dmesg),
        "dmesg": [m for m in k.dmesg if "throttling" in m],
        "timer_daemon": (kt.comm + f" FIFO {kt.rt_priority}") if kt is not None
        else ("irq_exit" if not k.config.preempt_rt else "ksoftirqd/0"),
        "timer_softirqs": s.kstat[0][1],
    }


def run_case(case: str, *, duration_ms: int = 2500, load_from_ms: int = 200,
             load_to_ms: int = 2200, observe: Observe | None = None) -> dict[str, Any]:
    """One kernel on one model CPU (``--model-only``)."""
    flavour, softirq = _case_kernel(case)
    k = standalone_kernel(flavour, 1, softirq=softirq)
    observe_or_none(observe, k, case)
    r = runner_of(k)
    timers = Timers(k)
    timers.start_tick(r)
    events: list[int] = []
    load = _setup(case, k, timers, events, load_to_ms)

    def start_load() -> None:
        k.wake_up_process(load)

    r.at(load_from_ms * MS, 0, start_load, "start rt-load")
    r.run(duration_ms * MS)
    return _facts(case, k, events, load_from_ms, load_to_ms)


def run_case_on_cores(case: str, *, engine: str = "native", arch: str = "arm",
                      duration_ms: int = 2500,
                      load_from_ms: int = 200, load_to_ms: int = 2200,
                      observe: Observe | None = None) -> dict[str, Any]:
    """One kernel on the emulated i.MX6Q (or, ``arch="x86"``, the pc), booted with
    maxcpus=1: the tick is CPU 0's twd (LAPIC timer) interrupt, rt-load a task on
    the core, woken by a timer_list timer at ``load_from_ms`` (as schedule_timeout's
    process_timeout wakes a sleeper)."""
    from irqemu.scenarios._oncore import OnCore, boot

    flavour, softirq = _case_kernel(case)
    events: list[int] = []

    def start(oc: OnCore) -> None:
        k = oc.kernel
        load = _setup(case, k, oc.timers, events, load_to_ms, oc.cpu_hz)

        def start_load(t: TimerList) -> None:  # process_timeout
            k.wake_up_process(load)

        oc.timers.add_timer(load_from_ms * k.config.hz // 1000, start_load, "process_timeout")

    oc = boot(flavour, engine=engine, cpus=1, arch=arch, softirq=softirq, observe=observe,
              label=case, on_start=start)
    oc.run(duration_ms * MS)
    return {**_facts(case, oc.kernel, events, load_from_ms, load_to_ms),
            "cores": oc.facts()}


def run(*, model_only: bool = False, engine: str = "native", arch: str = "arm",
        duration_ms: int = 2500,
        load_from_ms: int = 200, load_to_ms: int = 2200,
        observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    kw: dict[str, Any] = {"duration_ms": duration_ms, "load_from_ms": load_from_ms,
                          "load_to_ms": load_to_ms, "observe": observe}
    if model_only:
        results = {c: run_case(c, **kw) for c in CASES}
        where = mode_line(True)
    else:
        results = {c: run_case_on_cores(c, engine=engine, arch=arch, **kw) for c in CASES}
        cores = [f["cores"] for f in results.values()]
        board = "an emulated PC" if arch == "x86" else "an emulated i.MX6Q"
        where = (f"On the cores: each kernel booted on {board} with maxcpus=1 "
                 f"({engine} engine): {sum(c['hard_irqs'] for c in cores)} hard IRQs taken, "
                 f"{sum(c['context_switches'] for c in cores)} context switches in all.")
    rows = [f"{'kernel':<24}{'timers run by':<26}{'events in load':>15}{'longest gap':>13}"
            "  throttling"]
    for c, f in results.items():
        rows.append(f"{c:<24}{f['timer_daemon']:<26}"
                    f"{f['during_load']:>7} of {f['expected_during_load']:<5}"
                    f"{f['longest_gap_ms']:>10.0f} ms  {'yes' if f['throttled'] else 'no'}")
    msg = next((f["dmesg"][0] for f in results.values() if f["dmesg"]), "")
    story = (__doc__ or "").split("Four kernels:\n\n", 1)[1].split("\n\nBy default", 1)[0]
    text = "\n".join([
        f"A SCHED_FIFO 50 task keeps CPU 0 busy from {load_from_ms / 1000:g} s to "
        f"{load_to_ms / 1000:g} s; a timer re-armed",
        "every jiffy (HZ=100) drives the 'main event loop'.", where, "",
        *rows, "", f"dmesg: {msg}", "", story.rstrip(),
    ]) + "\n"
    facts: dict[str, Any] = {"mode": "model-only" if model_only else "cores", **results}
    if not model_only:
        facts["cores"] = {n: sum(f["cores"][n] for f in results.values())
                          for n in ("hard_irqs", "context_switches")}
    return text, facts


def check(facts: dict[str, Any]) -> list[str]:
    out = []
    m, pre, rt, hi = (facts[c] for c in CASES)
    if m["during_load"] < 0.9 * m["expected_during_load"]:
        out.append(f"mainline: timers did not keep running ({m['during_load']})")
    if pre["during_load"] > 0.2 * pre["expected_during_load"]:
        out.append(f"rt without ktimersoftd: timers were not starved ({pre['during_load']})")
    if not pre["throttled"]:
        out.append("rt without ktimersoftd: no 'sched: RT throttling activated'")
    if rt["during_load"] > 0.2 * rt["expected_during_load"]:
        out.append("rt: ktimersoftd at FIFO 1 was not starved by the FIFO 50 load")
    if hi["during_load"] < 0.9 * hi["expected_during_load"]:
        out.append(f"rt, ktimersoftd at FIFO 60: timers stopped ({hi['during_load']})")
    return out


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(model_only=opts.model_only, engine=opts.engine, arch=opts.arch,
               observe=observe)


def _validate(opts: Options, given: Mapping[str, Any]) -> None:
    no_engine_with_model_only("softirq-starvation")(opts, given)
    if opts.model_only and opts.arch != "arm":
        raise OptionError(f"scenario softirq-starvation does not take --arch {opts.arch} "
                          "with --model-only: its model CPU is an i.MX6Q's")


SCENARIO = Scenario(
    "softirq-starvation", "a FIFO 50 task starves timer softirqs: four kernels compared",
    _run, check,
    honours={"model_only": None, "engine": None, "arch": None},
    why={"kernel": "it compares four fixed kernels: mainline and 4.6-rt without "
                   "ktimersoftd, with it at FIFO 1 and at FIFO 60",
         "version": "its four kernels are 4.6 presets (ktimersoftd is a 4.x-rt thread)",
         "": "it plays a fixed load: a FIFO 50 task from 0.2 s to 2.2 s of 2.5 s"},
    validate=_validate,
)


def main() -> int:  # pragma: no cover - CLI helper
    text, facts = run()
    print(text, end="")
    problems = check(facts)
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0
