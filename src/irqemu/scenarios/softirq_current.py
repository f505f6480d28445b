"""The talk's kprobe on do_current_softirqs (4.6-rt), at model level.

A kprobe on ``do_current_softirqs`` looks at ``current`` when NET_RX is among
the bits the caller is about to run (``current->softirqs_raised``), prints
"task->comm is %s" (chatty=1) and counts calls from ksoftirqd ("ksoftirq" in
comm) versus from an irq thread ("irq/" in comm), as kp_do_current_softirqs.c
does. The load is the FEC network load of :mod:`two_paths`: light traffic is
handled in the irq thread (its local_bh_enable), a flood's leftovers in
ksoftirqd. The comm of the FEC thread is cut to 15 characters, as on the slide
("irq/43-2188000." there; the model board's irq number here).
"""

from __future__ import annotations

from typing import Any

from irqemu.kernel.softirq import NET_RX_SOFTIRQ
from irqemu.scenarios._netload import attach_fec, build, flood
from irqemu.scenarios.base import NO_CORES, Observe, Options, Scenario
from irqemu.trace.kprobes import Kprobe

MS = 10**9


def run(*, duration_ms: int = 300, rate_pps: int = 600_000, chatty_lines: int = 12,
        version: str = "4.6", observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    board, k, r, timers = build("rt", version=version, observe=observe)
    timers.start_tick(r)
    fec, irq = attach_fec(board, k, r)
    lines: list[str] = []

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

    kp = Kprobe(k, "do_current_softirqs", pre_handler=pre).register()
    third = duration_ms // 3
    flood(r, fec, start_ps=1 * MS, end_ps=third * MS, rate_pps=2_000)
    flood(r, fec, start_ps=third * MS, end_ps=2 * third * MS, rate_pps=rate_pps, burst=8)
    flood(r, fec, start_ps=2 * third * MS, end_ps=duration_ms * MS, rate_pps=2_000)
    r.run(duration_ms * MS)
    kp.unregister()
    facts: dict[str, Any] = {
        "irq": irq,
        "thread_comm": f"irq/{irq}-2188000.ethernet"[:15],
        "ksoftirqd_count": kp.data.get("ksoftirqd_count", 0),
        "local_bh_enable_count": kp.data.get("local_bh_enable_count", 0),
        "hits": kp.hits,
        "comms": sorted({ln.split("task->comm is ")[1] for ln in lines}),
        "received": fec.received, "arrived": fec.arrived,
    }
    text = "\n".join([
        f"Kernel: {k.config.release}; kprobe on do_current_softirqs, NET_RX raised",
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


def check(facts: dict[str, Any]) -> list[str]:
    out = []
    if not facts["ksoftirqd_count"]:
        out.append("do_current_softirqs never ran NET_RX in ksoftirqd")
    if not facts["local_bh_enable_count"]:
        out.append("do_current_softirqs never ran NET_RX in an irq thread")
    if facts["received"] != facts["arrived"]:
        out.append(f"received {facts['received']} of {facts['arrived']}")
    return out


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(version=opts.version, observe=observe)


SCENARIO = Scenario(
    "softirq-current", "a kprobe on do_current_softirqs (RT): which task runs NET_RX",
    _run, check,
    honours={"kernel": ("rt",), "version": None, "model_only": (True,)},
    why={"kernel": "do_current_softirqs and current->softirqs_raised exist only on "
                   "PREEMPT_RT, so it always runs the rt kernel",
         "engine": NO_CORES, "arch": "it runs on the model board (an i.MX6Q GIC) only",
         "": "it plays a fixed load: 2k frames/s with a 600k frames/s flood, over 300 ms"},
    defaults={"kernel": "rt"},
)


def main() -> int:  # pragma: no cover - CLI helper
    text, facts = run()
    print(text, end="")
    problems = check(facts)
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0
