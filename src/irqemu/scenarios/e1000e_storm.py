"""The talk's x86 networking experiments: an 82574L (e1000e) on the emulated pc under a frame load.

The talk's stack counts were taken on x86_64 with an e1000e NIC, 4.6.2 and
4.6.2-rt5: bcc's ``stackcount.py e1000_receive_skb`` and a kprobe on
``__raise_softirq_irqoff_ksoft``. Here the pc runs ``firmware/x86_64/kernel.elf``
on one Skylake core; the 82574L model (:mod:`irqemu.devices.e1000e`) receives
64-byte frames from the deterministic traffic generator at 1 Gbit/s and
signals MSI to the LAPIC (vector from the x86 allocator, "PCI-MSI ...-edge
eth0"); the modelled e1000e driver (:mod:`irqemu.kernel.drivers.e1000e`) and
NAPI take them through the modelled kernel.

The regime is the driver's defaults, which is what made the talk's shape:
InterruptThrottleRate 3 (ITR: at most ~20,000 interrupts/s), RDTR/RADV 32
us, NAPI weight 64, at a load the core keeps up with (default 300,000
frames/s: about 15 frames per interrupt, so each poll finishes under its
weight, completes and unmasks, and the receive runs where the hard IRQ left
it: irq_exit on mainline, the irq thread on RT; ksoftirqd only gets what
overflows a poll).

Stacks are printed as bcc's stackcount showed them on 4.6 x86_64 (frame-pointer
unwinding from a kprobe at function entry): the probed function, then the
return addresses found through the frame pointers. So (1) the probed
function's own caller never appears (the probe fires before the function pushes
%rbp: the first frame walked is its caller's, whose return address is in the
caller's caller; this is why the talk shows ``e1000_receive_skb`` right above
``e1000e_poll`` although ``e1000_clean_rx_irq`` calls it); (2) ``napi_poll`` is
inlined into ``net_rx_action`` (static, one call site, 4.6); (3) ``__do_softirq``
resolves to ``__softirqentry_text_start``; (4) do_IRQ's return address is the
``ret_from_intr`` label of common_interrupt, and the interrupted context follows
(4.6's interrupt entry sets up no frame of its own): on this uniprocessor pc, the
boot CPU's idle loop, ``cpuidle_enter <- call_cpuidle <- cpu_startup_entry <-
rest_init <- start_kernel <- x86_64_start_reservations <- x86_64_start_kernel``
(the talk's CPU 1 shows ``start_secondary`` where CPU 0 shows rest_init and
below), when kernel.elf's idle loop was what the interrupt interrupted.

Model notes: kernel threads (irq threads, ksoftirqd) run through the kernel
model's default runner right after the hard IRQ that woke them, as in
napi-storm; the x86 kernel.elf runs no tasks on the core yet (issue 12 item 1),
so no hard IRQ can interrupt a busy task: the talk's ``pipe_write`` and page
fault stacks (a hard IRQ interrupting a busy user task) need tasks on the cores
and are not produced here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from irqemu.kernel import Kernel
from irqemu.kernel.context import kfunc
from irqemu.kernel.drivers.e1000e import E1000Adapter, e1000_open, e1000_probe
from irqemu.kernel.napi import napi_layer, proc_softnet_stat
from irqemu.scenarios.base import Observe, OptionError, Options, Scenario, observe_or_none
from irqemu.trace.kprobes import Kprobe
from irqemu.trace.stackcount import BCC_NAMES, StackCount

RECEIVE_FN = "e1000_receive_skb"
KSOFT = "__raise_softirq_irqoff_ksoft"
COMPLETE = "napi_complete_done"
PS_PER_MS = 10**9
START_PS = 200 * 10**6  #: traffic starts 200 us in (the driver is open by then)
DEFAULT_RATE = 300_000
DEFAULT_MS = 10.0
#: EST: one access by the driver to a descriptor or buffer the NIC has just written
#: (x86 DMA is cache-coherent: the device's write invalidated the line, so the load
#: misses to DRAM, ~60 ns on a Skylake client part without DDIO, at 4 GHz)
X86_DMA_ACCESS_CYCLES = 240

ORIGINS = ("irq_exit", "irq thread", "ksoftirqd", "other")
EXPECTED_ORIGIN = {"mainline": "irq_exit", "threadirqs": "irq thread", "rt": "irq thread"}
#: the talk's most frequent stacks, as bcc printed them (4.6.2 / 4.6.2-rt5 / threadirqs);
#: below ``ret_from_intr`` the mainline one continues with the interrupted context (the
#: talk's CPU 1: start_secondary; CPU 0 here: rest_init ...); the talk's gcc split
#: do_softirq into ``do_softirq.part.16``, a symbol the model does not invent
TALK_STACKS = {
    "mainline": ("e1000_receive_skb", "e1000e_poll", "net_rx_action",
                 "__softirqentry_text_start", "irq_exit", "do_IRQ", "ret_from_intr",
                 "cpuidle_enter", "call_cpuidle", "cpu_startup_entry"),
    "threadirqs": ("e1000_receive_skb", "e1000e_poll", "net_rx_action",
                   "__softirqentry_text_start", "do_softirq_own_stack", "do_softirq",
                   "__local_bh_enable_ip", "irq_forced_thread_fn", "irq_thread", "kthread",
                   "ret_from_fork"),
    "rt": ("e1000_receive_skb", "e1000e_poll", "net_rx_action", "do_current_softirqs",
           "__local_bh_enable", "irq_forced_thread_fn", "irq_thread", "kthread",
           "ret_from_fork"),
}
#: how far above the ksoftirqd path the usual path must be (the talk: 874x, 26469x)
MIN_RATIO = 20


# -- the interrupted context (the boot CPU's idle loop) ---------------------------------
@kfunc()
def x86_64_start_kernel(fn: Callable[[], None]) -> None:
    x86_64_start_reservations(fn)


@kfunc()
def x86_64_start_reservations(fn: Callable[[], None]) -> None:
    start_kernel(fn)


@kfunc()
def start_kernel(fn: Callable[[], None]) -> None:
    rest_init(fn)


@kfunc()
def rest_init(fn: Callable[[], None]) -> None:
    cpu_startup_entry(fn)


@kfunc()
def cpu_startup_entry(fn: Callable[[], None]) -> None:
    call_cpuidle(fn)


@kfunc()
def call_cpuidle(fn: Callable[[], None]) -> None:
    cpuidle_enter(fn)


@kfunc()
def cpuidle_enter(fn: Callable[[], None]) -> None:
    fn()  # the interrupted idle function itself: a leaf the unwinder does not show


#: the interrupt frame kernel.elf's common_interrupt leaves below the host call's return
#: address: alignment pad, r11..rdi (9), orig_ax, then RIP
_IRET_RIP = 8 * (1 + 1 + 9 + 1)


def interrupted_idle(machine: Any) -> Callable[[int], bool]:
    """A test of the RIP a hard IRQ interrupted on ``cpu``: in kernel.elf's idle loop?"""
    image = machine.image
    start = image.symbols["idle"]
    end = image.symbols["hc_nop"]  # the idle loop ends main; hc_nop follows it

    def test(cpu: int) -> bool:
        core = machine.cpus[cpu].core
        sp = machine.arch.sp_reg
        rip = int.from_bytes(machine.mem_read(core.reg_read(sp) + _IRET_RIP, 8), "little")
        return start <= rip < end

    return test


def idle_entry(apic: Any, idle: Callable[[int], bool]) -> None:
    """Make ``apic``'s x86 entry run under the idle loop's frames when the interrupt
    came from the idle loop (what the unwinder finds below ret_from_intr)."""
    entry = apic.handle_arch_irq

    def handle_arch_irq(vector: int) -> None:
        cpu = apic.kernel.ops.smp_processor_id()
        if idle(cpu):
            x86_64_start_kernel(lambda: entry(vector))
        else:
            entry(vector)

    apic.handle_arch_irq = handle_arch_irq


# -- bcc's view of the model's stacks --------------------------------------------------
#: model frames a 4.6 x86_64 stack never has: napi_poll is inlined into net_rx_action;
#: the model's x86 entry goes through the kernel's handle_arch_irq (the ARM root-handler
#: hook irq_apic reuses), which x86 Linux does not have (common_interrupt calls do_IRQ)
NOT_IN_X86_STACKS = frozenset({"napi_poll", "handle_arch_irq"})

def bcc_x86_stack(stack: tuple[str, ...]) -> tuple[str, ...]:
    """A model stack as bcc's stackcount printed it on 4.6 x86_64 (module docstring):
    the probed function's caller dropped, :data:`NOT_IN_X86_STACKS` left out, bcc's symbol for
    __do_softirq, common_interrupt's ret_from_intr; a kthread's stack ends at
    ret_from_fork (the default runner's frames below it are the model's)."""
    if "ret_from_fork" in stack:
        stack = stack[: stack.index("ret_from_fork") + 1]
    out = [stack[0], *stack[2:]] if len(stack) > 1 else list(stack)
    renames = {**BCC_NAMES, "common_interrupt": "ret_from_intr"}
    return tuple(renames.get(f, f) for f in out if f not in NOT_IN_X86_STACKS)


def origin(stack: tuple[str, ...]) -> str:
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
    adapter: E1000Adapter
    nic: Any
    stacks: StackCount
    ksoft: Kprobe
    complete: Kprobe
    result: Any
    snap: dict[str, int]
    hz: int


def _board_run(flavour: str, phases: list[tuple[float, float]], *, version: str,
               engine: str, frame_size: int, drain_ms: float, seed: int, msi: bool = True,
               observe: Observe | None = None, label: str = "") -> _Run:
    """Boot kernel.elf on a one-CPU pc with the e1000e driver; play ``phases`` of
    (frames per second, milliseconds) back to back; snapshot the probes when the
    last phase starts."""
    from irqemu.boards import build_board
    from irqemu.bundled import bundled_firmware
    from irqemu.devices.e1000e import PC_BAR0, PC_CONFIG, PC_DEVFN, PC_INTX_PIN
    from irqemu.devices.traffic import ConstantRate, TrafficGenerator
    from irqemu.hw.e1000e import PCI_MSI_CAP
    from irqemu.kernel.drivers.irq_apic import x86_apic_init
    from irqemu.kernel.drivers.pci_msi import pci_enable_msi
    from irqemu.kernel.genirq.types import IRQ_TYPE_LEVEL_HIGH
    from irqemu.kernel.platform import KernelPlatform, MachineCpuOps

    m = build_board("pc", engine=engine, num_cpus=1)
    m.load_elf(str(bundled_firmware("x86_64", "kernel.elf")))
    k = Kernel(flavour, m.num_cpus, version=version, arch="x86", ops=MachineCpuOps(m))
    observe_or_none(observe, k, label)
    nic = m.devices["e1000e"]
    state: dict[str, Any] = {}

    def start(plat: KernelPlatform) -> None:
        apic = x86_apic_init(k, plat.io)
        idle_entry(apic, interrupted_idle(m))
        plat.mem.access_cycles = X86_DMA_ACCESS_CYCLES
        if msi:
            adapter = e1000_probe(k, plat.io, plat.mem, PC_BAR0, enable_msi=lambda: pci_enable_msi(
                k, apic, plat.io, PC_CONFIG, PC_DEVFN, PCI_MSI_CAP))
        else:
            adapter = e1000_probe(k, plat.io, plat.mem, PC_BAR0, enable_msi=None,
                                  legacy_irq=apic.map_pin(PC_INTX_PIN, IRQ_TYPE_LEVEL_HIGH))
        ret = e1000_open(adapter)
        if ret:
            raise RuntimeError(f"e1000_open: request_irq({adapter.irq}) failed: {ret}")
        state["adapter"] = adapter

    KernelPlatform(m, k, on_start=start)
    napi_layer(k)
    stacks = StackCount(k, RECEIVE_FN).attach()
    ksoft = Kprobe(k, KSOFT).register()
    complete = Kprobe(k, COMPLETE).register()
    t = START_PS
    for i, (rate, ms) in enumerate(phases):
        end = t + int(ms * PS_PER_MS)
        if rate > 0:
            TrafficGenerator(m, nic, ConstantRate(int(rate)), frame_size=frame_size,
                             start_ps=t, stop_ps=end, seed=seed + i, name=f"traffic{i}").start()
        t = end
    storm_at = START_PS + int(sum(ms for _r, ms in phases[:-1]) * PS_PER_MS)
    snap: dict[str, int] = {}

    def take_snapshot() -> None:
        a = state.get("adapter")
        snap.update(ksoft=ksoft.hits, complete=complete.hits, receives=stacks.total(),
                    irqs=_kstat(k, a.irq) if a is not None else 0)

    m.schedule(storm_at, take_snapshot, "storm-start")
    result = m.run(max_time_ps=t + int(drain_ms * PS_PER_MS))
    if "adapter" not in state:
        raise RuntimeError("kernel.elf never reached kernel_start: the e1000e was not probed")
    return _Run(k, state["adapter"], nic, stacks, ksoft, complete, result, snap,
                int(m.cpus[0].clock.hz))


def _kstat(k: Kernel, irq: int) -> int:
    desc = k.irq_descs.get(irq)
    return sum(desc.kstat_irqs) if desc is not None else 0


def bcc_counts(stacks: StackCount) -> Counter[tuple[str, ...]]:
    out: Counter[tuple[str, ...]] = Counter()
    for stack, n in stacks.counts.items():
        out[bcc_x86_stack(stack)] += n
    return out


def _origins(counts: Counter[tuple[str, ...]]) -> dict[str, int]:
    out = dict.fromkeys(ORIGINS, 0)
    for stack, n in counts.items():
        out[origin(stack)] += n
    return out


def _format(counts: Counter[tuple[str, ...]], top: int = 3) -> str:
    """bcc stackcount's layout: stacks by ascending count."""
    lines = [f'Tracing 1 functions for "{RECEIVE_FN}"... Hit Ctrl-C to end.', "^C"]
    for stack, n in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))[-top:]:
        lines.extend(f"  {f}" for f in stack)
        lines += [f"    {n}", ""]
    lines.append("Detaching...")
    return "\n".join(lines)


def run(flavour: str = "mainline", *, rate: float = DEFAULT_RATE,
        duration_ms: float = DEFAULT_MS, calm_rate: float = 20_000, calm_ms: float = 2.0,
        version: str = "4.6", engine: str = "native", frame_size: int = 64, seed: int = 0,
        observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """A calm phase, then the load; the talk's kprobes and stackcount."""
    r = _board_run(flavour, [(calm_rate, calm_ms), (rate, duration_ms)], version=version,
                   engine=engine, frame_size=frame_size, drain_ms=1.0, seed=seed,
                   observe=observe)
    k, a, nic, snap = r.kernel, r.adapter, r.nic, r.snap
    counts = bcc_counts(r.stacks)
    by_origin = _origins(counts)
    want = EXPECTED_ORIGIN[flavour]
    usual = next((st for st, _n in counts.most_common() if origin(st) == want), ())
    ksoftirqd = sum(n for st, n in counts.items() if origin(st) == "ksoftirqd")
    desc = k.irq_descs[a.irq]
    chip = desc.irq_data.chip.name if desc.irq_data.chip is not None else "-"
    irq_name = f"{chip} {desc.irq_data.hwirq}-{desc.name or ''} eth0"
    facts: dict[str, Any] = {
        "flavour": flavour, "version": version, "engine": engine, "arch": "x86",
        "irq": a.irq, "irq_chip": irq_name, "rate": rate, "duration_ms": duration_ms,
        "calm_rate": calm_rate, "calm_ms": calm_ms,
        "offered": nic.rx_offered, "delivered": a.stats.rx_packets, "dropped": nic.rx_dropped,
        "interrupts": _kstat(k, a.irq), "signals": nic.signals, "throttled": nic.throttled,
        "polls": a.stats.polls, "itr": a.itr, "itr_writes": a.stats.itr_writes,
        "poll_work_max": max(a.stats.poll_work, default=0),
        "kprobes": {
            KSOFT: {"calm": snap.get("ksoft", 0), "storm": r.ksoft.hits - snap.get("ksoft", 0)},
            COMPLETE: {"calm": snap.get("complete", 0),
                       "storm": r.complete.hits - snap.get("complete", 0)},
        },
        "calm": {"receives": snap.get("receives", 0), "interrupts": snap.get("irqs", 0)},
        "origins": by_origin, "usual_stack": list(usual),
        "usual_count": counts.get(usual, 0), "ksoftirqd_count": ksoftirqd,
        "stacks": [[list(st), n] for st, n in counts.most_common()],
        "cpu_hz": r.hz, "softnet_stat": proc_softnet_stat(k),
        "sim_time_ps": r.result.sim_time_ps,
        "core_interrupts": r.result.interrupts[0],
    }
    kp = facts["kprobes"]
    text = "\n".join([
        f"Kernel: {k.config.release} ({flavour}) on an emulated pc, 1 Skylake core at "
        f"{r.hz / 1e9:.1f} GHz ({engine} engine); 82574L eth0: IRQ {a.irq} {irq_name}",
        f"Traffic: {frame_size}-byte frames, {calm_rate:,.0f}/s for {calm_ms} ms, then "
        f"{rate:,.0f}/s for {duration_ms} ms; ITR now {a.itr:,} interrupts/s",
        "",
        "$ insmod kp_ksoft.ko; insmod kp_napi_complete.ko   (hits per phase)",
        f"  {KSOFT}: {kp[KSOFT]['calm']} hits calm, {kp[KSOFT]['storm']} hits load"
        + ("" if k.config.preempt_rt else "   (no such function on mainline: never hit)"),
        f"  {COMPLETE}: {kp[COMPLETE]['calm']} hits calm, {kp[COMPLETE]['storm']} hits load",
        "",
        f"$ ./stackcount.py {RECEIVE_FN}",
        _format(counts),
        "",
        "Receives by origin: " + ", ".join(f"{o} {n}" for o, n in by_origin.items() if n),
        f"Offered {facts['offered']}, delivered {facts['delivered']}, dropped "
        f"{facts['dropped']}; {facts['interrupts']} interrupts ({nic.throttled} held back "
        f"by ITR), {facts['polls']} polls.",
        "",
        "$ cat /proc/net/softnet_stat",
        facts["softnet_stat"].rstrip("\n"),
        "",
        explain(flavour, a.irq),
    ]) + "\n"
    return text, facts


def explain(flavour: str, irq: int) -> str:
    common = ("e1000_intr_msi's ICR read masks the interrupt (IAM); e1000e_poll unmasks it "
              "(e1000_irq_enable) when a poll used less than its weight of 64. ITR keeps "
              "interrupts at least 1/20,000 s apart, so at this load each poll finds about "
              "rate/20,000 frames, completes, and the next interrupt starts the next one.")
    if flavour == "mainline":
        how = ("Mainline: NET_RX runs at irq_exit (__do_softirq, bcc's "
               "__softirqentry_text_start) on the idle CPU; ksoftirqd only gets NET_RX "
               "after 10 restarts or 2 ms of softirq work.")
    elif flavour == "threadirqs":
        how = (f"threadirqs: e1000_intr_msi runs in irq/{irq}-eth0; NET_RX runs when that "
               "thread re-enables BHs (__local_bh_enable_ip -> do_softirq).")
    else:
        how = (f"RT: e1000_intr_msi runs in irq/{irq}-eth0; NET_RX is that thread's own "
               "softirq (__local_bh_enable -> do_current_softirqs); ksoftirqd gets only "
               "what net_rx_action leaves (__raise_softirq_irqoff_ksoft).")
    return common + "\n" + how


def check(facts: dict[str, Any]) -> list[str]:
    """The talk's shape; a list of problems (empty when the run reproduces it)."""
    problems: list[str] = []
    flavour = facts["flavour"]
    usual, n = tuple(facts["usual_stack"]), facts["usual_count"]
    talk = TALK_STACKS[flavour]
    if usual[: len(talk)] != talk:
        problems.append(f"{flavour}: the usual receive stack {list(usual)} is not the talk's "
                        f"{list(talk)}")
    ks = facts["ksoftirqd_count"]
    if n < MIN_RATIO * max(ks, 1):
        problems.append(f"{flavour}: the usual path ({n}) is not far above the ksoftirqd "
                        f"path ({ks}); the talk has it hundreds of times above")
    kp = facts["kprobes"]
    if flavour != "rt" and (kp[KSOFT]["calm"] or kp[KSOFT]["storm"]):
        problems.append(f"{flavour}: {KSOFT} does not exist there, but was hit")
    if not kp[COMPLETE]["storm"]:
        problems.append(f"{COMPLETE} was never hit under load: polling never completed")
    calm = facts["calm"]
    if calm["receives"] and calm["interrupts"] < 0.9 * calm["receives"]:
        problems.append(f"calm phase: {calm['interrupts']} interrupts for {calm['receives']} "
                        "frames (expected one per frame)")
    return problems


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(opts.kernel, rate=opts.rate, duration_ms=opts.duration_ms,
               version=opts.version, engine=opts.engine, observe=observe)


def _validate(opts: Options, given: Any) -> None:
    if opts.kernel == "threadirqs" and opts.version != "4.6":
        raise OptionError("scenario e1000e-storm: --kernel threadirqs is the talk's 4.6.2 "
                          "'threadirqs' run; use --version 4.6")


SCENARIO = Scenario(
    "e1000e-storm", "the talk's x86 stackcount of e1000_receive_skb: an 82574L under load",
    _run, check,
    honours={"kernel": None, "version": None, "engine": None, "arch": ("x86",),
             "rate": None, "duration_ms": None},
    why={"arch": "the talk's e1000e experiments ran on x86_64 (the ARM one is napi-storm)",
         "model_only": "the load needs the emulated 82574L's DMA and the core",
         "sweep": "the rate sweep is napi-storm's"},
    defaults={"arch": "x86", "rate": float(DEFAULT_RATE), "duration_ms": DEFAULT_MS},
    validate=_validate,
)


__all__ = ["SCENARIO", "TALK_STACKS", "bcc_x86_stack", "check", "explain", "origin", "run"]
