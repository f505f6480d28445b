"""The talk's "two paths by which softirqs run".

The same network load (the i.MX6 FEC at SPI 118 receiving 64-byte frames, NAPI
with budget 300 / weight 64) runs on mainline 4.6, 4.6 with ``threadirqs`` and
4.6-rt; a stackcount on ``napi_gro_receive`` shows where NET_RX ran:

- mainline: ``__do_softirq`` from ``irq_exit`` (case 0, in the interrupted
  context), and from ``run_ksoftirqd`` once the restart/time limits hand the
  rest over (case 1);
- threadirqs: ``__do_softirq`` via ``do_softirq`` from ``__local_bh_enable_ip``
  in ``irq_forced_thread_fn`` (the irq thread), never at irq_exit;
- RT: ``do_current_softirqs`` from ``__local_bh_enable`` in the irq thread, and
  in ksoftirqd for leftovers handed over with ``__raise_softirq_irqoff_ksoft``.

By default it runs on the emulated i.MX6Q (kernel.elf, maxcpus=1): the FEC
device model DMAs the frames into the ring the modelled fec_main.c driver
reads, its interrupt and the tick are exceptions the core takes, and the irq
threads and ksoftirqd are tasks on the core. ``--model-only`` plays the same
load on the model board (a toy FEC, no cores).

``run(flavour)`` returns ``(text, facts)``; ``check(facts)`` lists what did not
happen as described.
"""

from __future__ import annotations

from typing import Any

from irqemu.kernel import Kernel
from irqemu.scenarios._checks import delivery_problems
from irqemu.scenarios._netload import attach_fec, build, flood
from irqemu.scenarios.base import (
    FEC_ONLY,
    Observe,
    Options,
    Scenario,
    mode_line,
    no_engine_with_model_only,
)
from irqemu.trace.proc import proc_softirqs
from irqemu.trace.stackcount import StackCount

MS = 10**9
LIGHT_PPS = 20_000  #: the light phase: every frame handled right after its interrupt
BURST = 8  #: the flood comes in bursts of 8 back-to-back frames


def _paths(sc: StackCount) -> dict[str, int]:
    return {
        "irq_exit": sum(v for s, v in sc.counts.items() if "irq_exit" in s),
        "irq_thread": sum(v for s, v in sc.counts.items() if "irq_thread" in s),
        "ksoftirqd": sum(v for s, v in sc.counts.items() if "run_ksoftirqd" in s),
        "do_current_softirqs": sc.with_frame("do_current_softirqs"),
        "__do_softirq": sc.with_frame("__do_softirq"),
    }


def _text(k: Kernel, flavour: str, where: str, head: str, sc: StackCount, top: int,
          paths: dict[str, int]) -> str:
    return "\n".join([
        f"Kernel: {k.config.release} ({flavour}); {head}", where,
        "",
        "$ ./stackcount.py napi_gro_receive",
        sc.format(top=top).rstrip("\n"),
        "",
        "$ cat /proc/softirqs",
        proc_softirqs(k).rstrip("\n"),
        "",
        explain(flavour, paths, k.config.v6),
    ]) + "\n"


def run_model(flavour: str = "mainline", *, version: str = "4.6", duration_ms: int = 300,
              rate_pps: int = 600_000, top: int = 3,
              observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """The load on the model board (``--model-only``): a toy FEC, no cores."""
    board, k, r, timers = build(flavour, version=version, observe=observe)
    timers.start_tick(r)
    fec, irq = attach_fec(board, k, r)
    sc = StackCount(k, "napi_gro_receive", bcc_symbols=False).attach()
    # a light phase (every frame handled right after its interrupt), then a flood
    flood(r, fec, start_ps=1 * MS, end_ps=duration_ms // 3 * MS, rate_pps=LIGHT_PPS)
    flood(r, fec, start_ps=duration_ms // 3 * MS, end_ps=duration_ms * 2 // 3 * MS,
          rate_pps=rate_pps, burst=BURST)
    r.run(duration_ms * MS)
    sc.detach()
    paths = _paths(sc)
    facts: dict[str, Any] = {
        "mode": "model-only", "flavour": flavour, "version": version, "irq": irq,
        "arrived": fec.arrived, "received": fec.received, "dropped": 0, "paths": paths,
        "contexts": dict(fec.contexts),
        "stacks": {" <- ".join(s): v for s, v in sc.counts.items()},
    }
    head = (f"{fec.arrived} frames on irq {irq} (2188000.ethernet), {fec.received} "
            "received")
    return _text(k, flavour, mode_line(True), head, sc, top, paths), facts


def run_on_cores(flavour: str = "mainline", *, version: str = "4.6", engine: str = "native",
                 duration_ms: float = 300, rate_pps: int = 600_000, top: int = 3,
                 observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """The load on the emulated i.MX6Q: the FEC model and driver, tasks on the core."""
    from irqemu.devices.traffic import Bursts, ConstantRate, TrafficGenerator
    from irqemu.scenarios._oncore import boot

    oc = boot(flavour, version=version, engine=engine, cpus=1, fec=True, observe=observe)
    k, fec = oc.kernel, oc.fec
    sc = StackCount(k, "napi_gro_receive", bcc_symbols=False).attach()
    third = int(duration_ms * MS) // 3
    TrafficGenerator(oc.machine, fec, ConstantRate(LIGHT_PPS), start_ps=1 * MS,
                     stop_ps=third, seed=0, name="light").start()
    TrafficGenerator(oc.machine, fec, Bursts(BURST, BURST * 10**12 // rate_pps),
                     start_ps=third, stop_ps=2 * third, seed=1, name="flood").start()
    oc.run(int(duration_ms * MS))
    sc.detach()
    assert oc.fep is not None
    paths = _paths(sc)
    facts: dict[str, Any] = {
        "mode": "cores", "flavour": flavour, "version": version, "engine": engine,
        "irq": oc.fec_irq, "arrived": fec.rx_offered, "received": oc.fep.stats.rx_packets,
        "dropped": fec.rx_dropped, "paths": paths,
        "stacks": {" <- ".join(s): v for s, v in sc.counts.items()},
        "cores": oc.facts(),
    }
    head = (f"{fec.rx_offered} frames on irq {oc.fec_irq} (2188000.ethernet), "
            f"{oc.fep.stats.rx_packets} received, {fec.rx_dropped} dropped (RX ring full)")
    return _text(k, flavour, oc.describe(), head, sc, top, paths), facts


def run(flavour: str = "mainline", *, version: str = "4.6", duration_ms: float = 300,
        rate_pps: int = 600_000, top: int = 3, model_only: bool = False,
        engine: str = "native", observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    if model_only:
        return run_model(flavour, version=version, duration_ms=int(duration_ms),
                         rate_pps=rate_pps, top=top, observe=observe)
    return run_on_cores(flavour, version=version, engine=engine, duration_ms=duration_ms,
                        rate_pps=rate_pps, top=top, observe=observe)


def explain(flavour: str, paths: dict[str, int], v6: bool = False) -> str:
    if flavour == "rt" and v6:
        return ("PREEMPT_RT (6.x): softirqs run with BH disabled in the task that raised\n"
                "them: NET_RX raised in the irq thread runs at its local_bh_enable\n"
                "(__do_softirq <- __local_bh_enable_ip <- irq_forced_thread_fn), what is\n"
                "left in ksoftirqd; never at irq_exit. (4.6-rt's do_current_softirqs is gone.)\n"
                f"Frames: {paths['irq_thread']} in the irq thread, {paths['ksoftirqd']} in "
                "ksoftirqd, 0 at irq_exit.")
    if flavour == "mainline":
        return ("Mainline: NET_RX raised by the hard-IRQ handler runs at irq_exit, on the\n"
                "interrupted task's stack (case 0: __do_softirq <- irq_exit); under the flood\n"
                "__do_softirq gives up after 10 passes or 2 ms and wakes ksoftirqd (case 1:\n"
                f"__do_softirq <- run_ksoftirqd). Frames: {paths['irq_exit']} at irq_exit, "
                f"{paths['ksoftirqd']} in ksoftirqd.")
    if flavour == "threadirqs":
        return ("threadirqs: the handler runs in irq/N under irq_forced_thread_fn with BH\n"
                "disabled; NET_RX runs at its local_bh_enable (do_softirq <-\n"
                "__local_bh_enable_ip), not at irq_exit. No do_current_softirqs on mainline.\n"
                f"Frames: {paths['irq_thread']} in the irq thread, {paths['ksoftirqd']} in "
                "ksoftirqd.")
    return ("PREEMPT_RT: the softirq raised in the irq thread is the thread's own\n"
            "(current->softirqs_raised): do_current_softirqs <- __local_bh_enable <-\n"
            "irq_forced_thread_fn. Leftovers go to ksoftirqd with\n"
            "__raise_softirq_irqoff_ksoft: do_current_softirqs <- run_ksoftirqd.\n"
            f"Frames: {paths['irq_thread']} in the irq thread, {paths['ksoftirqd']} in "
            "ksoftirqd, 0 at irq_exit.")


def check(facts: dict[str, Any]) -> list[str]:
    p = facts["paths"]
    out: list[str] = []
    out += delivery_problems(facts)
    fl = facts["flavour"]
    if fl == "mainline":
        if not p["irq_exit"]:
            out.append("mainline: no NET_RX at irq_exit")
        if not p["ksoftirqd"]:
            out.append("mainline: the flood never reached ksoftirqd")
        if p["irq_thread"] or p["do_current_softirqs"]:
            out.append("mainline: NET_RX ran in an irq thread / do_current_softirqs")
    elif fl == "threadirqs":
        if p["irq_exit"] or not p["irq_thread"] or p["do_current_softirqs"]:
            out.append(f"threadirqs: unexpected paths {p}")
    elif str(facts.get("version", "4.6")).startswith("6"):
        if p["irq_exit"] or p["do_current_softirqs"]:
            out.append("rt 6.x: NET_RX ran at irq_exit / in do_current_softirqs")
        if not p["irq_thread"] or not p["ksoftirqd"]:
            out.append(f"rt 6.x: expected both the irq thread and ksoftirqd, got {p}")
    else:
        if p["irq_exit"] or p["__do_softirq"]:
            out.append("rt: __do_softirq / irq_exit path used")
        if not p["irq_thread"] or not p["ksoftirqd"]:
            out.append(f"rt: expected both the irq thread and ksoftirqd, got {p}")
    return out


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(opts.kernel, version=opts.version, model_only=opts.model_only,
               engine=opts.engine, observe=observe)


SCENARIO = Scenario(
    "two-paths", "where NET_RX runs: irq_exit, the irq thread or ksoftirqd (stackcount)",
    _run, check,
    honours={"kernel": None, "version": None, "engine": None, "arch": ("arm",),
             "model_only": None},
    why={"arch": FEC_ONLY,
         "": "it plays a fixed load: 20k frames/s, then a 600k frames/s flood, over 300 ms"},
    validate=no_engine_with_model_only("two-paths"),
)


def main(flavour: str = "mainline") -> int:  # pragma: no cover - CLI helper
    text, facts = run(flavour)
    print(text, end="")
    problems = check(facts)
    for pr in problems:
        print("PROBLEM:", pr)
    return 1 if problems else 0
