"""The talk's headline experiment: when does NAPI take over for Ethernet IRQs?

On the emulated i.MX6Q running ``kernel.elf``: the FEC device model at 0x02188000
(GIC SPI 118 = hwirq 150, "2188000.ethernet") receives 64-byte frames from a
deterministic traffic generator at 1 Gbit/s; the modelled fec_main.c driver
(:mod:`irqemu.kernel.drivers.fec`) and NAPI (:mod:`irqemu.kernel.napi`) take them
through the modelled kernel of the chosen flavour.

- :func:`run`: a calm phase (``calm_rate`` frames/s) then the storm (``rate``),
  with kprobes on ``__raise_softirq_irqoff_ksoft`` and ``napi_complete_done`` (hit
  counts per phase: the ksoft hits appear only once the storm starts, and only on
  RT, where net_rx_action hands leftovers to ksoftirqd with it) and a stackcount
  of ``napi_gro_receive`` (FEC's receive function, the talk's e1000_receive_skb).
- :func:`sweep`: one run per offered load, per second of simulated time: offered,
  delivered, dropped, interrupts taken, polls run; the knee is the lowest load at
  which fewer than half as many interrupts as frames are taken (NAPI polling
  carries the load; below it each frame is an interrupt).

All four CPUs are online, each with its twd tick; the FEC's interrupt goes to
CPU0. The hard IRQs are exceptions the cores take; the irq threads and ksoftirqd
are tasks on the cores (:mod:`irqemu.scenarios._oncore`), preempted between
slices of their work. The FEC's DMA keeps filling the ring while model code runs
(the driver lets the machine's due events fire before each descriptor read), so
a busy CPU sees frames arrive.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from irqemu.kernel import Kernel
from irqemu.kernel.drivers.fec import FecEnetPrivate
from irqemu.kernel.napi import napi_layer, proc_softnet_stat
from irqemu.scenarios._rxstorm import (
    COMPLETE,
    KSOFT,
    PS_PER_MS,
    attach_probes,
    bcc_format,
    calm_problems,
    count_origins,
    kprobe_facts,
    kstat,
    play_phases,
)
from irqemu.scenarios._rxstorm import (
    START_PS as START_PS,  # benchmarks/napi_storm.py reads it here
)
from irqemu.scenarios.base import (
    FEC_ONLY,
    Observe,
    OptionError,
    Options,
    Scenario,
    irq_thread_comm,
)
from irqemu.trace.kprobes import Kprobe
from irqemu.trace.stackcount import StackCount

if TYPE_CHECKING:
    from irqemu.scenarios._oncore import OnCore

FEC_SPI = 118
RECEIVE_FN = "napi_gro_receive"
CPUS = 4  #: the i.MX6Q's four Cortex-A9s, all online (the FEC interrupt goes to CPU0)

#: where the talk sees the receive function run without a storm, per flavour
EXPECTED_ORIGIN = {"mainline": "irq_exit", "threadirqs": "irq thread", "rt": "irq thread"}
#: frames that stack must have (the talk's stackcount output)
EXPECTED_FRAMES = {
    "mainline": ["net_rx_action", "__do_softirq", "irq_exit"],
    "threadirqs": ["net_rx_action", "__do_softirq", "do_softirq", "__local_bh_enable_ip",
                   "irq_forced_thread_fn", "irq_thread"],
    "rt": ["net_rx_action", "do_current_softirqs", "__local_bh_enable", "irq_forced_thread_fn",
           "irq_thread"],
    # 6.x PREEMPT_RT: __do_softirq in the irq thread (do_current_softirqs is 4.x-rt's)
    "rt 6.x": ["net_rx_action", "__do_softirq", "irq_forced_thread_fn", "irq_thread"],
}


def _ksoft_exists(flavour: str, version: str) -> bool:
    """__raise_softirq_irqoff_ksoft is 4.x-rt's (net_rx_action's leftovers to ksoftirqd)."""
    return flavour == "rt" and not str(version).startswith("6")


def origin(stack: tuple[str, ...]) -> str:
    """Where a receive ran: from irq_exit, in an irq thread (local_bh_enable), in
    ksoftirqd, or elsewhere."""
    if "run_ksoftirqd" in stack:
        return "ksoftirqd"
    if "irq_forced_thread_fn" in stack:
        return "irq thread"
    if "irq_exit" in stack:
        return "irq_exit"
    return "other"


@dataclass
class _Run:
    kernel: Kernel
    fep: FecEnetPrivate
    fec: Any
    irq: int
    stacks: StackCount
    ksoft: Kprobe
    complete: Kprobe
    gens: list[Any]
    result: Any
    snap: dict[str, int]
    hz: int
    oc: OnCore


def _board_run(flavour: str, phases: list[tuple[float, float]], *, version: str,
               engine: str, frame_size: int, drain_ms: float, seed: int,
               observe: Observe | None = None, label: str = "") -> _Run:
    """Boot kernel.elf on an imx6q (all four CPUs, the scheduler on the cores) with
    the FEC driver; play ``phases`` of (frames per second, milliseconds) back to
    back; snapshot the probes when the last phase starts."""
    from irqemu.scenarios._oncore import boot

    oc = boot(flavour, version=version, engine=engine, cpus=CPUS, fec=True, observe=observe,
              label=label)
    k, m, fec = oc.kernel, oc.machine, oc.fec
    stacks, ksoft, complete = attach_probes(k, RECEIVE_FN)
    snap: dict[str, int] = {}
    gens, t, storm_at = play_phases(m, fec, phases, frame_size=frame_size, seed=seed)

    def take_snapshot() -> None:
        snap.update(ksoft=ksoft.hits, complete=complete.hits, receives=stacks.total(),
                    irqs=kstat(k, oc.fec_irq))

    m.schedule(storm_at, take_snapshot, "storm-start")
    result = oc.run(t + int(drain_ms * PS_PER_MS))
    assert oc.fep is not None
    return _Run(k, oc.fep, fec, oc.fec_irq, stacks, ksoft, complete, gens, result,
                snap, oc.cpu_hz, oc)


def _counts(stacks: StackCount) -> Counter[tuple[str, ...]]:
    return Counter(stacks.counts)


def run(flavour: str = "mainline", *, rate: float = 1_000_000, duration_ms: float = 4.0,
        calm_rate: float = 20_000, calm_ms: float = 2.0, version: str = "4.6",
        engine: str = "native", frame_size: int = 64, seed: int = 0,
        observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """A calm phase, then the storm; the talk's kprobes and stackcount."""
    r = _board_run(flavour, [(calm_rate, calm_ms), (rate, duration_ms)], version=version,
                   engine=engine, frame_size=frame_size, drain_ms=1.0, seed=seed,
                   observe=observe)
    k, fep, fec = r.kernel, r.fep, r.fec
    snap = r.snap
    counts = _counts(r.stacks)
    by_origin = count_origins(counts, origin)
    top = counts.most_common(1)[0][0] if counts else ()
    want = EXPECTED_ORIGIN[flavour]
    usual = next((st for st, _n in counts.most_common() if origin(st) == want), ())
    sd = napi_layer(k).softnet[0]
    thread = irq_thread_comm(k, r.irq)
    facts: dict[str, Any] = {
        "mode": "cores", "flavour": flavour, "version": version, "engine": engine,
        "irq": r.irq, "irq_thread": thread,
        "rate": rate, "duration_ms": duration_ms, "calm_rate": calm_rate, "calm_ms": calm_ms,
        "offered": fec.rx_offered, "delivered": fep.stats.rx_packets,
        "dropped": fec.rx_dropped, "interrupts": kstat(k, r.irq),
        "polls": fep.stats.polls,
        "kprobes": kprobe_facts(snap, r.ksoft, r.complete),
        "calm": {"receives": snap.get("receives", 0), "interrupts": snap.get("irqs", 0)},
        "origins": by_origin, "top_stack": list(top), "usual_stack": list(usual),
        "stacks": [[list(st), n] for st, n in counts.most_common()],
        "cpu_hz": r.hz,
        "time_squeeze": sd.time_squeeze, "softnet_stat": proc_softnet_stat(k),
        "sim_time_ps": r.result.sim_time_ps, "cores": r.oc.facts(),
    }
    text = "\n".join([
        f"Kernel: {k.config.release} ({flavour}) on an emulated i.MX6Q at "
        f"{r.hz / 1e6:.0f} MHz ({engine} engine); "
        f"FEC {fec.name} IRQ {r.irq} \"2188000.ethernet\"",
        r.oc.describe(),
        f"Traffic: {frame_size}-byte frames, {calm_rate:,.0f}/s for {calm_ms} ms, then "
        f"{rate:,.0f}/s for {duration_ms} ms",
        "",
        "$ insmod kp_ksoft.ko; insmod kp_napi_complete.ko   (hits per phase)",
        f"  {KSOFT}: {facts['kprobes'][KSOFT]['calm']} hits calm, "
        f"{facts['kprobes'][KSOFT]['storm']} hits storm"
        + ("" if _ksoft_exists(flavour, version)
           else f"   (no such function in {k.config.release}: never hit)"),
        f"  {COMPLETE}: {facts['kprobes'][COMPLETE]['calm']} hits calm, "
        f"{facts['kprobes'][COMPLETE]['storm']} hits storm",
        "",
        f"$ ./stackcount.py {RECEIVE_FN}",
        bcc_format(RECEIVE_FN, counts, top=3),
        "",
        "Receives by origin: " + ", ".join(f"{o} {n}" for o, n in by_origin.items() if n),
        f"Offered {facts['offered']}, delivered {facts['delivered']}, dropped "
        f"{facts['dropped']}; {facts['interrupts']} interrupts, {facts['polls']} polls.",
        "",
        "$ cat /proc/net/softnet_stat",
        facts["softnet_stat"].rstrip("\n"),
        "",
        explain(flavour, thread or "", k.config.v6),
    ]) + "\n"
    return text, facts


def explain(flavour: str, thread: str = "irq/N-2188000.", v6: bool = False) -> str:
    """What the run shows; ``thread``: the FEC's irq thread (threadirqs and rt)."""
    common = ("fec_enet_interrupt masks RXF (EIMR = FEC_NAPI_IMASK) and schedules NAPI; "
              "fec_enet_rx_napi unmasks only when a poll used less than its weight of 64. "
              "While frames keep coming the interrupt stays masked and NET_RX is raised "
              "again and again: polling has taken over.")
    if flavour == "mainline":
        how = ("Mainline: NET_RX runs at irq_exit (__do_softirq); after 10 restarts or a "
               "jiffy of work __do_softirq wakes ksoftirqd, which takes over in a storm.")
    elif flavour == "threadirqs":
        how = (f"threadirqs: the handler runs in {thread}; NET_RX runs when that "
               "thread re-enables BHs (irq_forced_thread_fn -> __local_bh_enable_ip -> "
               "do_softirq); after 10 restarts ksoftirqd takes over.")
    elif v6:
        how = (f"RT (6.x): the handler runs in {thread}; NET_RX runs in that thread "
               "with BH disabled (irq_forced_thread_fn -> __do_softirq); leftovers go to "
               "ksoftirqd. 4.6-rt's do_current_softirqs and __raise_softirq_irqoff_ksoft "
               "are gone.")
    else:
        how = (f"RT: the handler runs in {thread}; NET_RX is that thread's own "
               "softirq (__local_bh_enable -> do_current_softirqs). Leftover work is "
               "handed to ksoftirqd with __raise_softirq_irqoff_ksoft: its hits appear "
               "only once the storm starts.")
    return common + "\n" + how


def sweep(flavour: str = "mainline", rates: list[float] | tuple[float, ...] = (
        20_000, 50_000, 100_000, 200_000, 300_000, 400_000, 500_000, 1_000_000), *,
        duration_ms: float = 5.0, version: str = "4.6", engine: str = "native",
        frame_size: int = 64, seed: int = 0,
        observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """Per offered load: offered, delivered, dropped, interrupts, polls per second."""
    from irqemu.progress import Progress, wanted

    rows = []
    bar = Progress("napi-storm sweep", len(rates), "loads", show=wanted())
    for rate in bar.each(rates):
        r = _board_run(flavour, [(rate, duration_ms)], version=version, engine=engine,
                       frame_size=frame_size, drain_ms=0.5, seed=seed, observe=observe,
                       label=f"{rate:,.0f} frames/s")
        per_s = 1000.0 / duration_ms
        irqs = kstat(r.kernel, r.irq)
        delivered = r.fep.stats.rx_packets
        o = count_origins(_counts(r.stacks), origin)
        rows.append({
            "rate": rate, "offered": r.fec.rx_offered * per_s,
            "delivered": delivered * per_s, "dropped": r.fec.rx_dropped * per_s,
            "interrupts": irqs * per_s, "polls": r.fep.stats.polls * per_s,
            "irqs_per_frame": irqs / delivered if delivered else 0.0,
            "frames_per_poll": delivered / r.fep.stats.polls if r.fep.stats.polls else 0.0,
            "ksoftirqd_share": o["ksoftirqd"] / max(1, sum(o.values())),
            "hard_irqs": r.oc.hard_irqs(), "context_switches": r.oc.runner.switches,
        })
    knee = next((row["rate"] for row in rows if row["delivered"]
                 and row["irqs_per_frame"] < 0.5), None)
    saturation = next((row["rate"] for row in rows if row["dropped"] > 0), None)
    facts: dict[str, Any] = {"mode": "cores", "flavour": flavour, "version": version,
                             "engine": engine, "duration_ms": duration_ms, "rows": rows,
                             "knee": knee, "saturation": saturation,
                             "cores": {n: sum(row[n] for row in rows)
                                       for n in ("hard_irqs", "context_switches")}}
    head = (f"{'offered/s':>10} {'delivered/s':>11} {'dropped/s':>10} {'irqs/s':>9} "
            f"{'polls/s':>9} {'irq/frame':>9} {'frames/poll':>11} {'ksoftirqd':>9}")
    lines = [f"NAPI sweep, {flavour} ({version}), {frame_size}-byte frames, "
             f"{duration_ms} ms per load, per second of simulated time:",
             f"On the cores: kernel.elf on an emulated i.MX6Q ({CPUS} CPUs, {engine} engine),"
             f" one boot per load: {facts['cores']['hard_irqs']} hard IRQs taken, "
             f"{facts['cores']['context_switches']} context switches in all.", head]
    for row in rows:
        lines.append(f"{row['offered']:>10.0f} {row['delivered']:>11.0f} "
                     f"{row['dropped']:>10.0f} {row['interrupts']:>9.0f} "
                     f"{row['polls']:>9.0f} {row['irqs_per_frame']:>9.2f} "
                     f"{row['frames_per_poll']:>11.1f} {row['ksoftirqd_share']:>9.0%}")
    lines.append("")
    lines.append(f"Knee (interrupts give way to polling: < 0.5 interrupts per frame): "
                 f"{'none in this range' if knee is None else f'{knee:,.0f} frames/s'}")
    lines.append(f"Ring overflows (drops) from: "
                 f"{'none in this range' if saturation is None else f'{saturation:,.0f} frames/s'}")
    return "\n".join(lines) + "\n", facts


def check(facts: dict[str, Any]) -> list[str]:
    """What the talk shows; a list of problems (empty when the run reproduces it)."""
    problems: list[str] = []
    if "rows" in facts:
        rows = facts["rows"]
        if rows and rows[0]["delivered"] and rows[0]["irqs_per_frame"] < 0.9:
            problems.append(f"at the lowest load ({rows[0]['rate']:.0f}/s) frames should each "
                            f"take an interrupt, got {rows[0]['irqs_per_frame']:.2f} per frame")
        if facts.get("knee") is None:
            problems.append("no knee: interrupts never gave way to polling in this range")
        return problems
    flavour = facts["flavour"]
    kp = facts["kprobes"]
    if kp[KSOFT]["calm"]:
        problems.append(f"{KSOFT} was hit {kp[KSOFT]['calm']} times before the storm")
    ksoft = _ksoft_exists(flavour, facts["version"])
    if ksoft and not kp[KSOFT]["storm"]:
        problems.append(f"RT: {KSOFT} was never hit during the storm")
    if not ksoft and kp[KSOFT]["storm"]:
        problems.append(f"{flavour}: {KSOFT} does not exist there, but was hit")
    if not kp[COMPLETE]["calm"] or not kp[COMPLETE]["storm"]:
        problems.append(f"{COMPLETE} should be hit in both phases: {kp[COMPLETE]}")
    problems += calm_problems(facts)
    o = facts["origins"]
    want = EXPECTED_ORIGIN[flavour]
    if not o.get(want):
        problems.append(f"{flavour}: no receive ran from {want}")
    usual = facts["usual_stack"]
    need = EXPECTED_FRAMES[flavour if ksoft or flavour != "rt" else "rt 6.x"]
    if not all(f in usual for f in need):
        problems.append(f"{flavour}: the {want} stack {usual} lacks {need}")
    if facts["rate"] >= 1_000_000 and not o.get("ksoftirqd"):
        problems.append(f"{flavour}: ksoftirqd never took over during the storm")
    return problems


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    if opts.sweep:
        return sweep(opts.kernel, duration_ms=opts.duration_ms, version=opts.version,
                     engine=opts.engine, observe=observe)
    return run(opts.kernel, rate=opts.rate, duration_ms=opts.duration_ms,
               version=opts.version, engine=opts.engine, observe=observe)


def _validate(opts: Options, given: Any) -> None:
    if opts.sweep and "rate" in given:
        raise OptionError("scenario napi-storm does not take --rate with --sweep: the sweep "
                          "plays its own rates, 20k to 1M frames/s")


SCENARIO = Scenario(
    "napi-storm", "when NAPI polling takes over from interrupts: a frame storm on the FEC",
    _run, check,
    honours={"kernel": None, "version": None, "engine": None, "arch": ("arm",),
             "rate": None, "duration_ms": None, "sweep": None},
    why={"arch": FEC_ONLY,
         "model_only": "the storm needs the emulated FEC's DMA and cores"},
    validate=_validate,
)


__all__ = ["SCENARIO", "check", "explain", "origin", "run", "sweep"]
