"""The talk's kprobe on do_current_softirqs (4.6-rt).

A kprobe on ``do_current_softirqs`` looks at ``current`` when NET_RX is among
the bits the caller is about to run (``current->softirqs_raised``), prints
"task->comm is %s" (chatty=1) and counts calls from ksoftirqd ("ksoftirq" in
comm) versus from an irq thread ("irq/" in comm), as kp_do_current_softirqs.c
does. The load is the FEC network load of :mod:`two_paths`: light traffic is
handled in the irq thread (its local_bh_enable), a flood's leftovers in
ksoftirqd. The comm of the FEC thread is cut to 15 characters, as on the slide
("irq/43-2188000." there; this kernel's irq number here).

By default it runs on the emulated i.MX6Q (kernel.elf, maxcpus=1, the FEC model
and driver; the irq thread and ksoftirqd are tasks on the core, and the guest's
``current_thread_info()`` is checked against the model's ``current`` at every
hard IRQ). ``--model-only`` plays the load on the model board instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from irqemu.kernel import Kernel
from irqemu.kernel.softirq import NET_RX_SOFTIRQ
from irqemu.scenarios._checks import delivery_problems
from irqemu.scenarios._netload import attach_fec, build, flood
from irqemu.scenarios.base import (
    FEC_ONLY,
    Observe,
    Options,
    Scenario,
    irq_thread_comm,
    mode_line,
    no_engine_with_model_only,
)
from irqemu.trace.kprobes import Kprobe

MS = 10**9
CALM_PPS = 2_000
BURST = 8


def _kprobe(k: Kernel, lines: list[str], chatty_lines: int) -> Kprobe:
    """kp_do_current_softirqs.ko with chatty=1: comm of current when NET_RX is raised."""

    def pre(p: Kprobe, args: tuple[Any, ...]) -> None:
        cpu = k.ops.smp_processor_id()
        task = k.current[cpu]  # current_thread_info()->task
        if not task.softirqs_raised & (1 << NET_RX_SOFTIRQ):
            return
        last = p.data.get("last_comm")
        if len(lines) < chatty_lines and (last != task.comm or len(lines) < 3):
            k.printk(f"task->comm is {task.comm}")
            lines.append(k.dmesg[-1])
            p.data["last_comm"] = task.comm
        if "ksoftirq" in task.comm:
            p.data["ksoftirqd_count"] = p.data.get("ksoftirqd_count", 0) + 1
        if "irq/" in task.comm:
            p.data["local_bh_enable_count"] = p.data.get("local_bh_enable_count", 0) + 1

    return Kprobe(k, "do_current_softirqs", pre_handler=pre).register()


def _thread_comm(k: Kernel, irq: int) -> str:
    """The FEC's irq thread as ps shows it (irq/<irq>-2188000., 15 characters)."""
    return irq_thread_comm(k, irq) or f"irq/{irq}-2188000.ethernet"[:15]


def _report(k: Kernel, kp: Kprobe, lines: list[str], irq: int, where: str,
            received: int, arrived: int, dropped: int) -> tuple[str, dict[str, Any]]:
    facts: dict[str, Any] = {
        "irq": irq, "thread_comm": _thread_comm(k, irq),
        "ksoftirqd_count": kp.data.get("ksoftirqd_count", 0),
        "local_bh_enable_count": kp.data.get("local_bh_enable_count", 0),
        "hits": kp.hits,
        "comms": sorted({ln.split("task->comm is ")[1] for ln in lines}),
        "received": received, "arrived": arrived, "dropped": dropped,
    }
    text = "\n".join([
        f"Kernel: {k.config.release}; kprobe on do_current_softirqs, NET_RX raised",
        where,
        "",
        "# modprobe kp_do_current_softirqs chatty=1",
        *lines,
        "...",
        "# modprobe -r kp_do_current_softirqs",
        *k.dmesg[-2:],
        f"from ksoftirqd: {facts['ksoftirqd_count']}   "
        f"from an irq thread (local_bh_enable): {facts['local_bh_enable_count']}",
        "",
        "On PREEMPT_RT a softirq runs in the context that raised it. The FEC handler\n"
        "runs in its forced irq thread with BH disabled, so NET_RX raised there is the\n"
        "thread's own and runs from its local_bh_enable: current is the irq thread.\n"
        "What net_rx_action cannot finish (budget 300, 2 jiffies) is handed to\n"
        "ksoftirqd with __raise_softirq_irqoff_ksoft: then current is ksoftirqd/N.",
    ]) + "\n"
    return text, facts


def _unload(k: Kernel, kp: Kprobe) -> None:
    kp.unregister()


def run_model(*, duration_ms: int = 300, rate_pps: int = 600_000, chatty_lines: int = 12,
              version: str = "4.6",
              observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """The load on the model board (``--model-only``)."""
    board, k, r, timers = build("rt", version=version, observe=observe)
    timers.start_tick(r)
    fec, irq = attach_fec(board, k, r)
    lines: list[str] = []
    kp = _kprobe(k, lines, chatty_lines)
    third = duration_ms // 3
    flood(r, fec, start_ps=1 * MS, end_ps=third * MS, rate_pps=CALM_PPS)
    flood(r, fec, start_ps=third * MS, end_ps=2 * third * MS, rate_pps=rate_pps, burst=BURST)
    flood(r, fec, start_ps=2 * third * MS, end_ps=duration_ms * MS, rate_pps=CALM_PPS)
    r.run(duration_ms * MS)
    _unload(k, kp)
    text, facts = _report(k, kp, lines, irq, mode_line(True), fec.received, fec.arrived, 0)
    return text, {"mode": "model-only", **facts}


def run_on_cores(*, duration_ms: float = 300, rate_pps: int = 600_000,
                 chatty_lines: int = 12, version: str = "4.6", engine: str = "native",
                 observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """The load on the emulated i.MX6Q: the FEC model and driver, tasks on the core."""
    from irqemu.devices.traffic import Bursts, ConstantRate, TrafficGenerator
    from irqemu.scenarios._oncore import boot

    oc = boot("rt", version=version, engine=engine, cpus=1, fec=True, observe=observe)
    k, fec, m = oc.kernel, oc.fec, oc.machine
    lines: list[str] = []
    kp = _kprobe(k, lines, chatty_lines)
    end = int(duration_ms * MS)
    third = end // 3
    gens: list[tuple[Callable[[], Any], int, int]] = [
        (lambda: ConstantRate(CALM_PPS), 1 * MS, third),
        (lambda: Bursts(BURST, BURST * 10**12 // rate_pps), third, 2 * third),
        (lambda: ConstantRate(CALM_PPS), 2 * third, end)]
    for i, (pattern, start, stop) in enumerate(gens):
        TrafficGenerator(m, fec, pattern(), start_ps=start, stop_ps=stop, seed=i,
                         name=f"traffic{i}").start()
    oc.run(end)
    _unload(k, kp)
    assert oc.fep is not None
    text, facts = _report(k, kp, lines, oc.fec_irq, oc.describe(), oc.fep.stats.rx_packets,
                          fec.rx_offered, fec.rx_dropped)
    return text, {"mode": "cores", "engine": engine, **facts, "cores": oc.facts()}


def run(*, duration_ms: float = 300, rate_pps: int = 600_000, chatty_lines: int = 12,
        version: str = "4.6", model_only: bool = False, engine: str = "native",
        observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    if model_only:
        return run_model(duration_ms=int(duration_ms), rate_pps=rate_pps,
                         chatty_lines=chatty_lines, version=version, observe=observe)
    return run_on_cores(duration_ms=duration_ms, rate_pps=rate_pps, chatty_lines=chatty_lines,
                        version=version, engine=engine, observe=observe)


def check(facts: dict[str, Any]) -> list[str]:
    out = []
    if not facts["ksoftirqd_count"]:
        out.append("do_current_softirqs never ran NET_RX in ksoftirqd")
    if not facts["local_bh_enable_count"]:
        out.append("do_current_softirqs never ran NET_RX in an irq thread")
    out += delivery_problems(facts)
    return out


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(version=opts.version, model_only=opts.model_only, engine=opts.engine,
               observe=observe)


SCENARIO = Scenario(
    "softirq-current", "a kprobe on do_current_softirqs (RT): which task runs NET_RX",
    _run, check,
    honours={"kernel": ("rt",), "version": ("4.6",), "engine": None, "arch": ("arm",),
             "model_only": None},
    why={"kernel": "do_current_softirqs and current->softirqs_raised exist only on "
                   "PREEMPT_RT, so it always runs the rt kernel",
         "version": "do_current_softirqs is 4.6-rt's; the RT patch's later softirq rework "
                    "(in 6.x) has no such function",
         "arch": FEC_ONLY,
         "": "it plays a fixed load: 2k frames/s with a 600k frames/s flood, over 300 ms"},
    defaults={"kernel": "rt"},
    validate=no_engine_with_model_only("softirq-current"),
)


def main() -> int:  # pragma: no cover - CLI helper
    text, facts = run()
    print(text, end="")
    problems = check(facts)
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0
