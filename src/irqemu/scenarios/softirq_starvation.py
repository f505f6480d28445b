"""Softirq starvation on PREEMPT_RT, at model level.

A "main event loop" depends on a timer_list timer re-armed every jiffy (HZ=100):
every expiry is one event. From 0.2 s to 1.7 s a runaway SCHED_FIFO 50 task
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
"""

from __future__ import annotations

from typing import Any

from irqemu.kernel.context import SCHED_FIFO
from irqemu.kernel.sched import SimCpuOps, runner_of, spawn, standalone_kernel
from irqemu.kernel.softirq import Softirq, kernel_softirq
from irqemu.kernel.timer import TimerList, Timers
from irqemu.scenarios.base import NO_CORES, Observe, Options, Scenario, observe_or_none

MS = 10**9
CASES = ("mainline", "rt-no-ktimersoftd", "rt", "rt-ktimersoftd-fifo60")


def run_case(case: str, *, duration_ms: int = 2500, load_from_ms: int = 200,
             load_to_ms: int = 2200, observe: Observe | None = None) -> dict[str, Any]:
    flavour = "mainline" if case == "mainline" else "rt"
    kts = False if case == "rt-no-ktimersoftd" else None
    k = standalone_kernel(flavour, 1, softirq=Softirq(ktimersoftd=kts))
    observe_or_none(observe, k, case)
    assert isinstance(k.ops, SimCpuOps)
    r = runner_of(k)
    timers = Timers(k)
    timers.start_tick(r)
    s = kernel_softirq(k)
    kt = s.ktimersoftd[0]
    if case == "rt-ktimersoftd-fifo60" and kt is not None:
        kt.policy, kt.rt_priority = SCHED_FIFO, 60  # chrt -f -p 60 <pid of ktimersoftd/0>
    events: list[int] = []

    def event_loop_timer(t: TimerList) -> None:
        events.append(k.ops.now_ps())
        timers.mod_timer(t, k.jiffies + 1)

    with k.on_cpu(0):
        timers.add_timer(1, event_loop_timer, "event_loop")

    def rt_load() -> Any:
        while k.ops.now_ps() < load_to_ms * MS:
            yield 200_000  # 0.25 ms of work per slice at 792 MHz

    def start_load() -> None:
        spawn(k, "rt-load", rt_load, policy=SCHED_FIFO, rt_priority=50)

    r.at(load_from_ms * MS, 0, start_load, "start rt-load")
    r.run(duration_ms * MS)
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
        else ("irq_exit" if flavour == "mainline" else "ksoftirqd/0"),
        "timer_softirqs": s.kstat[0][1],
    }


def run(**kw: Any) -> tuple[str, dict[str, Any]]:
    results = {c: run_case(c, **kw) for c in CASES}
    rows = [f"{'kernel':<24}{'timers run by':<26}{'events in load':>15}{'longest gap':>13}"
            "  throttling"]
    for c, f in results.items():
        rows.append(f"{c:<24}{f['timer_daemon']:<26}"
                    f"{f['during_load']:>7} of {f['expected_during_load']:<5}"
                    f"{f['longest_gap_ms']:>10.0f} ms  {'yes' if f['throttled'] else 'no'}")
    msg = next((f["dmesg"][0] for f in results.values() if f["dmesg"]), "")
    text = "\n".join([
        "A SCHED_FIFO 50 task keeps CPU 0 busy from 0.2 s to 2.2 s; a timer re-armed",
        "every jiffy (HZ=100) drives the 'main event loop'.", "",
        *rows, "", f"dmesg: {msg}", "", __doc__.split("Four kernels:\n\n", 1)[1].rstrip()
        if __doc__ else "",
    ]) + "\n"
    return text, results


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
    return run(observe=observe)


SCENARIO = Scenario(
    "softirq-starvation", "a FIFO 50 task starves timer softirqs: four kernels compared",
    _run, check,
    honours={"model_only": (True,)},
    why={"kernel": "it compares four fixed kernels: mainline and 4.6-rt without "
                   "ktimersoftd, with it at FIFO 1 and at FIFO 60",
         "version": "its four kernels are 4.6 presets (ktimersoftd is a 4.x-rt thread)",
         "engine": NO_CORES, "arch": "it runs the kernel model of one ARM CPU only",
         "": "it plays a fixed load: a FIFO 50 task from 0.2 s to 2.2 s of 2.5 s"},
)


def main() -> int:  # pragma: no cover - CLI helper
    text, facts = run()
    print(text, end="")
    problems = check(facts)
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0
