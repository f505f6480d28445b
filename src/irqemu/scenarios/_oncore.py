"""The modelled kernel on an emulated board, its scheduler on the cores.

What the softirq and NAPI scenarios run on by default: ``kernel.elf`` on the
``imx6q`` board (``arch="arm"``) or the ``pc`` (``arch="x86"``) and a
:class:`~irqemu.kernel.Kernel` whose scheduler runs on the cores
(:class:`~irqemu.kernel.platform.CoreRunner`), so every hard IRQ is an exception
a core takes at its real mask bits, and every kthread (irq threads, ksoftirqd,
ktimersoftd) and every task a scenario spawns is a register context on a core,
preempted between slices of its work.

At ``kernel_start`` on CPU0, on the i.MX6Q: the GIC (gic_of_init), the tick from
each CPU's Cortex-A9 private timer at HZ (:mod:`irqemu.kernel.drivers.arm_twd`:
PPI 29, PERIPHCLK = CPU clock / 2), optionally the FEC (fec_probe,
fec_enet_open: GIC SPI 118); on the pc: the local APIC and IO-APIC
(x86_apic_init) and the tick from each CPU's LAPIC timer (setup_APIC_timer,
periodic at HZ on LOCAL_TIMER_VECTOR). Then the secondaries (the SRC on the
i.MX6Q, INIT/SIPI on the pc) when more than one CPU is online, each bringing up
its interrupt controller interface and its own tick. ``cpus=1`` is a kernel
booted with ``maxcpus=1``: the other CPUs stay in reset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from irqemu.boards import build_board
from irqemu.boards.imx6q import PTIMER_BASE
from irqemu.bundled import bundled_firmware
from irqemu.devices.lapic import APIC_BUS_HZ
from irqemu.kernel import Kernel
from irqemu.kernel.drivers.arm_arch_timer import (
    ARCH_TIMER_VIRT_PPI,
    ArchTimer,
    arch_timer_register,
)
from irqemu.kernel.drivers.arm_twd import TWD_PPI, Twd, twd_local_timer_register
from irqemu.kernel.drivers.fec import FecEnetPrivate, fec_enet_open, fec_probe
from irqemu.kernel.drivers.irq_apic import APIC_DIVISOR, X86Apic, x86_apic_init
from irqemu.kernel.drivers.irq_gic import GicChipData, gic_of_init
from irqemu.kernel.genirq.types import IRQ_TYPE_LEVEL_HIGH
from irqemu.kernel.hrtimer import ClockEventDevice, Hrtimers, hrtimer_interrupt
from irqemu.kernel.napi import napi_layer
from irqemu.kernel.platform import CoreRunner, KernelPlatform, MachineCpuOps, scheduler_platform
from irqemu.kernel.sched import Sched
from irqemu.kernel.softirq import Softirq
from irqemu.kernel.timer import Timers, tick_handle_periodic
from irqemu.machine.machine import Machine, RunResult
from irqemu.scenarios.base import Observe, observe_or_none

FEC_SPI = 118  #: i.MX6Q ENET: SPI 118 = GIC ID 150, "2188000.ethernet"
#: --arch -> (board, firmware directory, what the text calls it)
BOARDS = {"arm": ("imx6q", "armv7", "an emulated i.MX6Q"),
          "x86": ("pc", "x86_64", "an emulated PC"),
          "arm64": ("virt-a53", "aarch64", "an emulated virt board's Cortex-A53")}
#: virt-a53's GICv2 (QEMU virt's memory map) and its device-tree node
VIRT_GICD, VIRT_GICC, VIRT_GIC_NODE = 0x08000000, 0x08010000, "/intc@8000000"


@dataclass
class OnCore:
    """A booted board: the machine, the kernel, what runs it, what was probed."""

    machine: Machine
    kernel: Kernel
    platform: KernelPlatform
    runner: CoreRunner
    timers: Timers
    engine: str
    cpus: int
    arch: str = "arm"
    twd: Twd | None = None
    arch_timer: ArchTimer | None = None  #: virt-a53's clock events (arm64)
    apic: X86Apic | None = None
    gic: GicChipData | None = None
    fep: FecEnetPrivate | None = None
    hrtimers: Hrtimers | None = None  #: high resolution mode (boot(highres=True))
    fec_irq: int = 0
    result: RunResult | None = None
    started: list[int] = field(default_factory=list)  #: CPUs that reached the kernel

    @property
    def board(self) -> str:
        return BOARDS[self.arch][0]

    @property
    def fec(self) -> Any:
        """The FEC device model (the board's "fec")."""
        return self.machine.devices["fec"]

    @property
    def cpu_hz(self) -> int:
        return int(self.machine.cpus[0].clock.hz)

    def run(self, until_ps: int) -> RunResult:
        """Run the machine to ``until_ps`` of simulated time."""
        self.result = self.machine.run(max_time_ps=until_ps)
        if not self.started:
            raise RuntimeError(f"kernel.elf never reached kernel_start on {self.board} "
                               f"({self.result.stop_reason}: {self.result.message})")
        return self.result

    def hard_irqs_per_cpu(self) -> list[int]:
        """IRQ exceptions (x86: maskable interrupts, INTR) each core took."""
        r = self.result
        return [] if r is None else [i.get("IRQ", 0) + i.get("INTR", 0) for i in r.interrupts]

    def hard_irqs(self) -> int:
        return sum(self.hard_irqs_per_cpu())

    def facts(self) -> dict[str, Any]:
        """What the cores did: the ``cores`` entry of a scenario's ``--json``."""
        r = self.result
        return {
            "board": self.board, "engine": self.engine, "cpus_online": len(self.started),
            "hard_irqs": self.hard_irqs(), "context_switches": self.runner.switches,
            "hard_irqs_per_cpu": self.hard_irqs_per_cpu(),
            "ticks": self.ticks(),
            "current_checks": dict(self.platform.current_checks),
            "sim_time_ps": 0 if r is None else r.sim_time_ps,
        }

    def ticks(self) -> list[int]:
        """Tick interrupts each CPU took (the twd's or the LAPIC timer's)."""
        if self.twd is not None:
            return list(self.twd.ticks)
        if self.arch_timer is not None:
            return list(self.arch_timer.ticks)
        if self.apic is not None:
            return list(self.apic.lapic_timer_periodic_ticks)
        return []

    def describe(self) -> str:
        """One line for a scenario's text: where it ran and what the cores did."""
        f = self.facts()
        return (f"On the cores: kernel.elf on {BOARDS[self.arch][2]} ({f['cpus_online']} of "
                f"{self.machine.num_cpus} CPUs online, {self.cpu_hz / 1e6:.0f} MHz, "
                f"{self.engine} engine): {f['hard_irqs']} hard IRQs taken, "
                f"{f['context_switches']} context switches.")


def boot(flavour: str, *, version: str = "4.6", engine: str = "native", cpus: int = 1,
         arch: str = "arm", fec: bool = False, softirq: Softirq | None = None,
         observe: Observe | None = None, label: str = "",
         on_start: Callable[[OnCore], None] | None = None, highres: bool = False,
         on_cpu_up: Callable[[OnCore, int], None] | None = None) -> OnCore:
    """Build the board and the kernel; the kernel starts when the machine runs.

    ``on_start(oncore)`` runs at ``kernel_start`` on CPU0 after the GIC, the tick
    and the FEC are up and before the secondaries start (request IRQs, spawn
    tasks, arm timers there). ``highres``: high resolution mode
    (:mod:`irqemu.kernel.hrtimer`): each CPU's twd or LAPIC timer one-shot, the
    tick an hrtimer; off, the tick is periodic and hrtimers expire at it.
    ``on_cpu_up(oncore, cpu)`` runs on each CPU once its tick is up (CPU0 after
    ``on_start``)."""
    board, firmware, _where = BOARDS[arch]
    if fec and arch != "arm":
        raise ValueError("the FEC is the i.MX6Q's Ethernet controller")
    m = build_board(board, engine=engine)
    if not 1 <= cpus <= m.num_cpus:
        raise ValueError(f"{board} has {m.num_cpus} CPUs, not {cpus}")
    m.load_elf(str(bundled_firmware(firmware, "kernel.elf")))
    runner = CoreRunner()
    if arch == "arm64" and not highres:
        raise ValueError("virt-a53 boots in high resolution mode only (its generic "
                         "timer is modelled as a one-shot clock event device)")
    k = Kernel(flavour, cpus, version=version, arch="x86" if arch == "x86" else "arm",
               ops=MachineCpuOps(m),
               sched=Sched(backend=runner), softirq=softirq)
    observe_or_none(observe, k, label)
    timers = Timers(k)
    if fec:
        napi_layer(k)
    hrt = Hrtimers(k, timers) if highres else None
    oc: OnCore

    def tick(cpu: int) -> None:
        if hrt is not None:
            hrtimer_interrupt(hrt, cpu)
        else:
            tick_handle_periodic(timers, cpu)

    def local_timer_up(cpu: int) -> None:
        """This CPU's clock event: periodic at HZ, or one-shot under the tick hrtimer."""
        if oc.apic is not None:
            apic = oc.apic
            if hrt is None:
                apic.setup_APIC_timer(tick)
                return
            apic.setup_APIC_timer_oneshot(tick)
            dev = ClockEventDevice("lapic", apic.lapic_timer_frequency // APIC_DIVISOR,
                                   apic.lapic_next_event)
        elif oc.arch_timer is not None:
            assert hrt is not None
            at = oc.arch_timer
            at.arch_timer_starting_cpu()
            dev = ClockEventDevice("arch_sys_timer", at.rate_hz, at.set_next_event)
        else:
            assert oc.twd is not None
            twd = oc.twd
            if hrt is None:
                twd.twd_timer_setup()
                return
            twd.twd_timer_setup_oneshot()
            dev = ClockEventDevice("local_timer", twd.rate_hz, twd.twd_set_next_event)
        hrt.tick_setup_sched_timer(cpu, dev)

    def start(plat: KernelPlatform) -> None:
        if arch == "x86":
            oc.apic = x86_apic_init(k, plat.io, lapic_timer_frequency=APIC_BUS_HZ)
        elif arch == "arm64":
            from irqemu.boards.virt_a53 import TIMER_DEVICE

            gic = oc.gic = gic_of_init(k, plat.io, VIRT_GICD, VIRT_GICC,
                                       init_all_cpus=False, fwnode=VIRT_GIC_NODE)
            gic.gic_cpu_init()
            oc.arch_timer = arch_timer_register(
                k, m.devices[TIMER_DEVICE],
                gic.map_ppi(ARCH_TIMER_VIRT_PPI, IRQ_TYPE_LEVEL_HIGH), tick)
        else:
            gic = oc.gic = gic_of_init(k, plat.io, init_all_cpus=False)
            gic.gic_cpu_init()
            rate = oc.cpu_hz // 2  # PERIPHCLK
            oc.twd = twd_local_timer_register(k, plat.io, gic.map_ppi(TWD_PPI), PTIMER_BASE,
                                              rate, tick)
        local_timer_up(0)
        oc.started.append(0)
        if fec:
            oc.fec_irq = gic.map_spi(FEC_SPI, IRQ_TYPE_LEVEL_HIGH)
            oc.fep = fec_probe(k, plat.io, plat.mem, oc.fec_irq)
            fec_enet_open(oc.fep)
        if on_start is not None:
            on_start(oc)
        if on_cpu_up is not None:
            on_cpu_up(oc, 0)
        if cpus > 1:
            plat.boot_secondaries()

    def secondary(plat: KernelPlatform, cpu: int) -> None:
        if oc.apic is not None:
            oc.apic.starting_cpu()
        else:
            assert oc.gic is not None
            oc.gic.starting_cpu()
        local_timer_up(cpu)
        oc.started.append(cpu)
        if on_cpu_up is not None:
            on_cpu_up(oc, cpu)

    plat = scheduler_platform(m, k, on_start=start, on_secondary=secondary)
    oc = OnCore(m, k, plat, runner, timers, engine, cpus, arch, hrtimers=hrt)
    return oc


__all__ = ["BOARDS", "FEC_SPI", "OnCore", "boot"]
