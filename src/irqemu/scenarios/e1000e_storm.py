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
``ret_from_intr`` label of common_interrupt (a system vector's handler, such as
smp_apic_timer_interrupt, returns into its own stub, apic_timer_interrupt), and
the interrupted context follows (4.6's interrupt entry sets up no frame of its
own): the caller chain of the interrupted function, never that function itself
(:mod:`irqemu.scenarios._pc_context`). On this uniprocessor pc that is the boot
CPU's idle loop, ``cpuidle_enter <- call_cpuidle <- cpu_startup_entry <-
rest_init <- start_kernel <- x86_64_start_reservations <- x86_64_start_kernel``
(the talk's CPU 1 shows ``start_secondary`` where CPU 0 shows rest_init and
below), or the busy user task: its ``write()`` to a pipe (``pipe_write <-
__vfs_write <- vfs_write <- sys_write <- entry_SYSCALL_64_fastpath``), its page
fault (``__alloc_pages_nodemask <- ... <- page_fault``), or user mode (the stack
ends at ret_from_intr), as the talk's "any hard IRQ can run before a given
softirq" stacks show.

On the core (the default): the scheduler runs on the pc's core
(:class:`~irqemu.kernel.platform.CoreRunner`): every hard IRQ is taken by the
core (MSI -> LAPIC -> IDT -> kernel.elf's common_interrupt -> the model's
do_IRQ), the irq thread, ksoftirqd (ktimersoftd on RT) and a busy user task
are register contexts on the core, preempted between slices of their work,
the LAPIC timer ticks at HZ, and the guest's per-CPU current_task is checked
against the model's current at every hard IRQ. The busy user task
(:class:`~irqemu.scenarios._pc_context.BusyTask`, SCHED_OTHER) works ~1 ms
bursts of user work, 4 KiB pipe writes and page faults, and nanosleeps
between them (the model's hrtimers expire at the tick, so one burst per tick:
at boot, during the calm phase, and at the 10 ms tick, under load). On mainline
the hard IRQs that land on it run NET_RX at irq_exit on top of it; on RT its
irq thread (SCHED_FIFO 50) preempts it. ``--model-only`` is the shortcut the
scenario had before: the kthreads run in the kernel model's default runner
right after the hard IRQ that woke them, no tick and no busy task; the
82574L's hard IRQs are still taken by the core (it is an emulated device).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from irqemu.kernel import Kernel
from irqemu.kernel.costs import estimate, kernel_cost_table
from irqemu.kernel.drivers.e1000e import E1000Adapter, e1000_open, e1000_probe
from irqemu.kernel.napi import napi_layer, proc_softnet_stat
from irqemu.kernel.platform import CoreRunner
from irqemu.scenarios._pc_context import (
    COMM_LOOPS,
    IDLE_FRAMES,
    KINDS,
    KTHREAD_TAIL,
    NANOSLEEP,
    PAGE_FAULT,
    PIPE_WRITE,
    USER_MODE,
    BusyTask,
    InterruptedEntry,
)
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
from irqemu.scenarios.base import Observe, OptionError, Options, Scenario, observe_or_none
from irqemu.trace.kprobes import Kprobe
from irqemu.trace.stackcount import BCC_NAMES, StackCount

RECEIVE_FN = "e1000_receive_skb"
DEFAULT_RATE = 300_000
DEFAULT_MS = 10.0
#: the driver's access to memory the NIC has just written (name -> KernelCost)
E1000E_STORM_COSTS = kernel_cost_table("E1000E_STORM_COSTS", {
    "e1000_clean_rx_irq/dma_access": estimate(
        240, "one access by the driver to a descriptor or buffer the NIC has just "
        "written: x86 DMA is cache-coherent, the device's write invalidated the line, so "
        "the load misses to DRAM, ~60 ns on a Skylake client part without DDIO at 4 GHz",
        "RAM latency 42 cycles + 51 ns on an i7-6700 at 4 GHz, "
        "https://www.7-cpu.com/cpu/Skylake.html"),
})
X86_DMA_ACCESS_CYCLES = E1000E_STORM_COSTS["e1000_clean_rx_irq/dma_access"].cycles
#: the busy user task: rounds of (user work, a pipe write, a page fault) a burst, about
#: 14,000 cycles each, so ~1 ms at 4 GHz; then a 1 ms nanosleep (to the next tick)
BUSY_ROUNDS = 280
BUSY_SLEEP_PS = 10**9

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


# -- bcc's view of the model's stacks --------------------------------------------------
#: model frames a 4.6 x86_64 stack never has: napi_poll is inlined into net_rx_action;
#: the model's x86 entry goes through the kernel's handle_arch_irq (the ARM root-handler
#: hook irq_apic reuses), which x86 Linux does not have (common_interrupt calls do_IRQ)
NOT_IN_X86_STACKS = frozenset({"napi_poll", "handle_arch_irq"})
#: a system vector's C handler -> its entry stub in entry_64.S (apicinterrupt), the
#: return address bcc shows below it as ret_from_intr below do_IRQ
SYSVEC_ENTRIES = {
    "smp_apic_timer_interrupt": "apic_timer_interrupt",
    "smp_reschedule_interrupt": "reschedule_interrupt",
    "smp_call_function_interrupt": "call_function_interrupt",
    "smp_call_function_single_interrupt": "call_function_single_interrupt",
    "smp_irq_work_interrupt": "irq_work_interrupt",
    "smp_spurious_interrupt": "spurious_interrupt",
    "smp_error_interrupt": "error_interrupt",
}


def bcc_x86_stack(stack: tuple[str, ...]) -> tuple[str, ...]:
    """A model stack as bcc's stackcount printed it on 4.6 x86_64 (module docstring):
    the probed function's caller dropped, :data:`NOT_IN_X86_STACKS` left out, bcc's
    symbol for __do_softirq, the entry stub's return address for common_interrupt
    (``ret_from_intr`` below do_IRQ, the system vector's own stub below its handler);
    a kthread's stack ends at ret_from_fork."""
    if "ret_from_fork" in stack:
        stack = stack[: stack.index("ret_from_fork") + 1]
    frames = [stack[0], *stack[2:]] if len(stack) > 1 else list(stack)
    out: list[str] = []
    for f in frames:
        if f in NOT_IN_X86_STACKS:
            continue
        if f == "common_interrupt":
            f = SYSVEC_ENTRIES.get(out[-1], "ret_from_intr") if out else "ret_from_intr"
        out.append(BCC_NAMES.get(f, f))
    return tuple(out)


#: below the entry stub: what a hard IRQ may have interrupted on this pc (innermost
#: first): the idle loop, the busy user task (user mode, write(2), page fault, the
#: return from nanosleep)
CONTEXTS = (IDLE_FRAMES, USER_MODE, PIPE_WRITE, PAGE_FAULT, NANOSLEEP)
BUSY_CONTEXTS = (USER_MODE, PIPE_WRITE, PAGE_FAULT, NANOSLEEP)
#: a kthread's frames below the stub: its loop function (or none: interrupted in it),
#: then kthread <- ret_from_fork
KTHREAD_LOOPS = frozenset(loop for _comm, loop in COMM_LOOPS)
_RECEIVE = ("e1000_receive_skb", "e1000e_poll", "net_rx_action")
_IRQ_THREAD = ("irq_forced_thread_fn", "irq_thread", "kthread", "ret_from_fork")
_KSOFTIRQD = ("run_ksoftirqd", "smpboot_thread_fn", "kthread", "ret_from_fork")
_STUBS = {"do_IRQ": "ret_from_intr", **SYSVEC_ENTRIES}


def interrupted_part(stack: tuple[str, ...]) -> tuple[str, ...] | None:
    """The frames below the entry stub of a bcc stack (what the hard IRQ interrupted),
    or None if the stack has no hard IRQ entry."""
    for i in range(len(stack) - 1):
        if _STUBS.get(stack[i]) == stack[i + 1]:
            return stack[i + 2:]
    return None


def _context_ok(ctx: tuple[str, ...]) -> bool:
    if ctx in CONTEXTS:
        return True
    if ctx[-2:] != KTHREAD_TAIL:
        return False
    return len(ctx) == 2 or (len(ctx) == 3 and ctx[0] in KTHREAD_LOOPS)


def linux_x86_stack(stack: tuple[str, ...]) -> bool:
    """Could 4.6(-rt) x86_64 with frame pointers have shown this e1000_receive_skb stack
    to bcc? The receive path, then __do_softirq at irq_exit (below do_IRQ or a system
    vector's handler, above an interrupted context this pc has), in ksoftirqd or from
    a forced irq thread's local_bh_enable; or RT's do_current_softirqs from the irq
    thread or ksoftirqd."""
    if stack[:3] != _RECEIVE:
        return False
    rest = stack[3:]
    if rest[:1] == ("__softirqentry_text_start",):
        rest = rest[1:]
        if rest[:1] == ("irq_exit",) and len(rest) >= 3 and _STUBS.get(rest[1]) == rest[2]:
            return _context_ok(rest[3:])
        return rest in (_KSOFTIRQD, ("do_softirq_own_stack", "do_softirq",
                                     "__local_bh_enable_ip", *_IRQ_THREAD))
    if rest[:1] == ("do_current_softirqs",):
        return rest[1:] in (("__local_bh_enable", *_IRQ_THREAD), _KSOFTIRQD)
    return False


#: the frame that says where a receive ran, and what the talk calls that path
ORIGIN_FRAMES = {"irq_exit": "irq_exit", "irq_forced_thread_fn": "irq thread",
                 "run_ksoftirqd": "ksoftirqd"}


def origin(stack: tuple[str, ...]) -> str:
    """Where the receive ran: the innermost of irq_exit, the irq thread, ksoftirqd."""
    for f in stack:
        o = ORIGIN_FRAMES.get(f)
        if o is not None:
            return o
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
    entry: InterruptedEntry
    runner: CoreRunner | None = None
    platform: Any = None
    apic: Any = None
    busy: BusyTask | None = None


def _board_run(flavour: str, phases: list[tuple[float, float]], *, version: str,
               engine: str, frame_size: int, drain_ms: float, seed: int, msi: bool = True,
               on_cores: bool = True, busy_rounds: int = BUSY_ROUNDS,
               observe: Observe | None = None, label: str = "") -> _Run:
    """Boot kernel.elf on a one-CPU pc with the e1000e driver; play ``phases`` of
    (frames per second, milliseconds) back to back; snapshot the probes when the
    last phase starts. ``on_cores``: the scheduler on the core (CoreRunner: the
    kthreads and the busy user task, ``busy_rounds`` rounds a burst, 0: none, are
    tasks there; the LAPIC timer ticks at HZ); else the kernel model's default
    runner runs the kthreads right after the hard IRQ that woke them, no tick."""
    from irqemu.boards import build_board
    from irqemu.bundled import bundled_firmware
    from irqemu.devices.e1000e import PC_BAR0, PC_CONFIG, PC_DEVFN, PC_INTX_PIN
    from irqemu.devices.lapic import APIC_BUS_HZ
    from irqemu.hw.e1000e import PCI_MSI_CAP
    from irqemu.kernel.drivers.irq_apic import x86_apic_init
    from irqemu.kernel.drivers.pci_msi import pci_enable_msi
    from irqemu.kernel.genirq.types import IRQ_TYPE_LEVEL_HIGH
    from irqemu.kernel.platform import KernelPlatform, MachineCpuOps, scheduler_platform
    from irqemu.kernel.sched import Sched
    from irqemu.kernel.timer import Timers, tick_handle_periodic

    m = build_board("pc", engine=engine, num_cpus=1)
    m.load_elf(str(bundled_firmware("x86_64", "kernel.elf")))
    runner = CoreRunner() if on_cores else None
    k = Kernel(flavour, m.num_cpus, version=version, arch="x86", ops=MachineCpuOps(m),
               sched=Sched(backend=runner) if runner is not None else None)
    observe_or_none(observe, k, label)
    timers = Timers(k) if on_cores else None
    nic = m.devices["e1000e"]
    state: dict[str, Any] = {}

    def tick(cpu: int) -> None:
        assert timers is not None
        tick_handle_periodic(timers, cpu)

    def start(plat: KernelPlatform) -> None:
        if on_cores:
            apic = x86_apic_init(k, plat.io, lapic_timer_frequency=APIC_BUS_HZ)
            apic.setup_APIC_timer(tick)
        else:
            apic = x86_apic_init(k, plat.io)
        state["apic"] = apic
        plat.mem.access_cycles = X86_DMA_ACCESS_CYCLES
        if msi:
            adapter = e1000_probe(k, plat.io, plat.mem, PC_BAR0, enable_msi=lambda: pci_enable_msi(
                k, apic, plat.io, PC_CONFIG, PC_DEVFN, PCI_MSI_CAP))
        else:
            adapter = e1000_probe(k, plat.io, plat.mem, PC_BAR0, enable_msi=None,
                                  legacy_irq=apic.map_pin(PC_INTX_PIN, IRQ_TYPE_LEVEL_HIGH))
        state["entry"] = InterruptedEntry(m, apic, adapter.irq)
        ret = e1000_open(adapter)
        if ret:
            raise RuntimeError(f"e1000_open: request_irq({adapter.irq}) failed: {ret}")
        state["adapter"] = adapter
        if on_cores and busy_rounds:
            assert timers is not None
            state["busy"] = BusyTask(k, timers, busy_rounds, BUSY_SLEEP_PS, seed=seed)
            state["busy"].start()

    if runner is not None:
        plat = scheduler_platform(m, k, on_start=start)
    else:
        plat = KernelPlatform(m, k, on_start=start)
    napi_layer(k)
    stacks, ksoft, complete = attach_probes(k, RECEIVE_FN)
    _gens, t, storm_at = play_phases(m, nic, phases, frame_size=frame_size, seed=seed)
    snap: dict[str, int] = {}

    def take_snapshot() -> None:
        a = state.get("adapter")
        snap.update(ksoft=ksoft.hits, complete=complete.hits, receives=stacks.total(),
                    irqs=kstat(k, a.irq) if a is not None else 0)

    m.schedule(storm_at, take_snapshot, "storm-start")
    result = m.run(max_time_ps=t + int(drain_ms * PS_PER_MS))
    if "adapter" not in state:
        raise RuntimeError("kernel.elf never reached kernel_start: the e1000e was not probed "
                           f"({result.stop_reason}: {result.message})")
    return _Run(k, state["adapter"], nic, stacks, ksoft, complete, result, snap,
                int(m.cpus[0].clock.hz), state["entry"], runner, plat, state["apic"],
                state.get("busy"))


def bcc_counts(stacks: StackCount) -> Counter[tuple[str, ...]]:
    out: Counter[tuple[str, ...]] = Counter()
    for stack, n in stacks.counts.items():
        out[bcc_x86_stack(stack)] += n
    return out


def _cores(r: _Run, engine: str) -> dict[str, Any]:
    """What the core did: the ``cores`` entry of ``--json`` (as the other on-core scenarios)."""
    ints = r.result.interrupts
    per_cpu = [i.get("INTR", 0) for i in ints]
    return {
        "board": "pc", "engine": engine, "cpus_online": 1,
        "hard_irqs": sum(per_cpu), "hard_irqs_per_cpu": per_cpu,
        "context_switches": r.runner.switches if r.runner is not None else 0,
        "ticks": list(r.apic.lapic_timer_periodic_ticks),
        "current_checks": dict(r.platform.current_checks),
        "sim_time_ps": r.result.sim_time_ps,
    }


def run(flavour: str = "mainline", *, rate: float = DEFAULT_RATE,
        duration_ms: float = DEFAULT_MS, calm_rate: float = 20_000, calm_ms: float = 2.0,
        version: str = "4.6", engine: str = "native", frame_size: int = 64, seed: int = 0,
        model_only: bool = False, busy_rounds: int = BUSY_ROUNDS,
        observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """A calm phase, then the load; the talk's kprobes and stackcount. On the core by
    default (kthreads and the busy user task are tasks there); ``model_only``: the
    kthreads run in the kernel model's runner, no busy task."""
    r = _board_run(flavour, [(calm_rate, calm_ms), (rate, duration_ms)], version=version,
                   engine=engine, frame_size=frame_size, drain_ms=1.0, seed=seed,
                   on_cores=not model_only, busy_rounds=busy_rounds, observe=observe)
    k, a, nic, snap = r.kernel, r.adapter, r.nic, r.snap
    counts = bcc_counts(r.stacks)
    by_origin = count_origins(counts, origin)
    want = EXPECTED_ORIGIN[flavour]
    usual = next((st for st, _n in counts.most_common() if origin(st) == want), ())
    ksoftirqd = sum(n for st, n in counts.items() if origin(st) == "ksoftirqd")
    desc = k.irq_descs[a.irq]
    chip = desc.irq_data.chip.name if desc.irq_data.chip is not None else "-"
    irq_name = f"{chip} {desc.irq_data.hwirq}-{desc.name or ''} eth0"
    interrupted = {kind: r.entry.irq_counts[kind] for kind in KINDS if r.entry.irq_counts[kind]}
    on_busy = sum(n for st, n in counts.items() if origin(st) == "irq_exit"
                  and interrupted_part(st) in BUSY_CONTEXTS)
    facts: dict[str, Any] = {
        "mode": "model-only" if model_only else "cores",
        "flavour": flavour, "version": version, "engine": engine, "arch": "x86",
        "irq": a.irq, "irq_chip": irq_name, "rate": rate, "duration_ms": duration_ms,
        "calm_rate": calm_rate, "calm_ms": calm_ms,
        "offered": nic.rx_offered, "delivered": a.stats.rx_packets, "dropped": nic.rx_dropped,
        "interrupts": kstat(k, a.irq), "signals": nic.signals, "throttled": nic.throttled,
        "polls": a.stats.polls, "itr": a.itr, "itr_writes": a.stats.itr_writes,
        "poll_work_max": max(a.stats.poll_work, default=0),
        "kprobes": kprobe_facts(snap, r.ksoft, r.complete),
        "calm": {"receives": snap.get("receives", 0), "interrupts": snap.get("irqs", 0)},
        "origins": by_origin, "usual_stack": list(usual),
        "usual_count": counts.get(usual, 0), "ksoftirqd_count": ksoftirqd,
        "receives_on_busy_task": on_busy,
        "stacks": [[list(st), n] for st, n in counts.most_common()],
        "interrupted": interrupted,
        "busy_task": r.busy.facts() if r.busy is not None else None,
        "cpu_hz": r.hz, "softnet_stat": proc_softnet_stat(k),
        "sim_time_ps": r.result.sim_time_ps,
        "core_interrupts": r.result.interrupts[0],
        "cores": _cores(r, engine),
    }
    kp = facts["kprobes"]
    cores = facts["cores"]
    where = (f"On the core: kernel.elf on an emulated PC (1 of 1 CPUs online, {engine} "
             f"engine): {cores['hard_irqs']} hard IRQs taken (MSI -> LAPIC -> IDT -> "
             f"common_interrupt), {cores['context_switches']} context switches; the irq "
             "threads, ksoftirqd and the busy user task are tasks on the core, the LAPIC "
             f"timer ticks at HZ={k.config.hz}.")
    if model_only:
        where = (f"--model-only: the kthreads (irq threads, ksoftirqd) run in the kernel "
                 "model's runner right after the hard IRQ that woke them, not as tasks on "
                 "the core; no busy user task, no tick. The 82574L is an emulated device, so "
                 f"its {cores['hard_irqs']} hard IRQs are still taken by the core.")
    busy = ""
    if r.busy is not None:
        b = facts["busy_task"]
        busy = (f"Busy user task: {b['comm']} (pid {b['pid']}, SCHED_OTHER), {b['bursts']} "
                f"bursts of {b['rounds_per_burst']} rounds (user work, write(2) of 4 KiB to a "
                "pipe, an anonymous page fault), nanosleep between. eth0's hard IRQs "
                "interrupted: " + ", ".join(f"{kd} {n}" for kd, n in interrupted.items())
                + f"; {on_busy} receives ran at irq_exit on top of the busy task.")
    text = "\n".join([
        f"Kernel: {k.config.release} ({flavour}) on an emulated pc, 1 Skylake core at "
        f"{r.hz / 1e9:.1f} GHz ({engine} engine); 82574L eth0: IRQ {a.irq} {irq_name}",
        where,
        f"Traffic: {frame_size}-byte frames, {calm_rate:,.0f}/s for {calm_ms} ms, then "
        f"{rate:,.0f}/s for {duration_ms} ms; ITR now {a.itr:,} interrupts/s",
        *([busy] if busy else []),
        "",
        "$ insmod kp_ksoft.ko; insmod kp_napi_complete.ko   (hits per phase)",
        f"  {KSOFT}: {kp[KSOFT]['calm']} hits calm, {kp[KSOFT]['storm']} hits load"
        + ("" if k.config.preempt_rt else "   (no such function on mainline: never hit)"),
        f"  {COMPLETE}: {kp[COMPLETE]['calm']} hits calm, {kp[COMPLETE]['storm']} hits load",
        "",
        f"$ ./stackcount.py {RECEIVE_FN}",
        bcc_format(RECEIVE_FN, counts),
        "",
        "Receives by origin: " + ", ".join(f"{o} {n}" for o, n in by_origin.items() if n),
        f"Offered {facts['offered']}, delivered {facts['delivered']}, dropped "
        f"{facts['dropped']}; {facts['interrupts']} interrupts ({nic.throttled} held back "
        f"by ITR), {facts['polls']} polls.",
        "",
        "$ cat /proc/net/softnet_stat",
        facts["softnet_stat"].rstrip("\n"),
        "",
        explain(flavour, a.irq, busy=r.busy is not None),
    ]) + "\n"
    return text, facts


def explain(flavour: str, irq: int, *, busy: bool = False) -> str:
    common = ("e1000_intr_msi's ICR read masks the interrupt (IAM); e1000e_poll unmasks it "
              "(e1000_irq_enable) when a poll used less than its weight of 64. ITR keeps "
              "interrupts at least 1/20,000 s apart, so at this load each poll finds about "
              "rate/20,000 frames, completes, and the next interrupt starts the next one.")
    if flavour == "mainline":
        how = ("Mainline: NET_RX runs at irq_exit (__do_softirq, bcc's "
               "__softirqentry_text_start) on top of whatever the interrupt interrupted: "
               "the idle loop mostly"
               + (", the busy task's system call, page fault or user code while it works"
                  if busy else "")
               + "; ksoftirqd only gets NET_RX after 10 restarts, 2 ms of softirq work or "
               "with a reschedule pending.")
    elif flavour == "threadirqs":
        how = (f"threadirqs: e1000_intr_msi runs in irq/{irq}-eth0; NET_RX runs when that "
               "thread re-enables BHs (__local_bh_enable_ip -> do_softirq)"
               + (", preempting the busy task (SCHED_FIFO 50 over SCHED_OTHER)." if busy
                  else "."))
    else:
        how = (f"RT: e1000_intr_msi runs in irq/{irq}-eth0; NET_RX is that thread's own "
               "softirq (__local_bh_enable -> do_current_softirqs)"
               + (", preempting the busy task (SCHED_FIFO 50 over SCHED_OTHER)" if busy
                  else "")
               + "; ksoftirqd gets only what net_rx_action leaves "
               "(__raise_softirq_irqoff_ksoft).")
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
    problems += calm_problems(facts)
    cores = facts["cores"]
    if facts["mode"] == "cores":
        if not cores["hard_irqs"] or not cores["context_switches"]:
            problems.append(f"on the core: {cores['hard_irqs']} hard IRQs, "
                            f"{cores['context_switches']} context switches (both expected)")
        if cores["current_checks"]["disagree"]:
            problems.append(f"the guest's current disagreed with the model's at "
                            f"{cores['current_checks']['disagree']} hard IRQs")
    bad = [st for st, _n in facts["stacks"] if not linux_x86_stack(tuple(st))]
    if bad:
        problems.append(f"{len(bad)} stacks 4.6 x86_64 could not show, e.g. {bad[0]}")
    return problems


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(opts.kernel, rate=opts.rate, duration_ms=opts.duration_ms,
               version=opts.version, engine=opts.engine, model_only=opts.model_only,
               observe=observe)


def _validate(opts: Options, given: Any) -> None:
    if opts.kernel == "threadirqs" and opts.version != "4.6":
        raise OptionError("scenario e1000e-storm: --kernel threadirqs is the talk's 4.6.2 "
                          "'threadirqs' run; use --version 4.6")


SCENARIO = Scenario(
    "e1000e-storm", "the talk's x86 stackcount of e1000_receive_skb: an 82574L under load",
    _run, check,
    honours={"kernel": None, "version": None, "engine": None, "arch": ("x86",),
             "rate": None, "duration_ms": None, "model_only": None},
    why={"arch": "the talk's e1000e experiments ran on x86_64 (the ARM one is napi-storm)",
         "sweep": "the rate sweep is napi-storm's"},
    defaults={"arch": "x86", "rate": float(DEFAULT_RATE), "duration_ms": DEFAULT_MS},
    validate=_validate,
)


__all__ = ["SCENARIO", "TALK_STACKS", "bcc_x86_stack", "check", "explain",
           "linux_x86_stack", "origin", "run"]
