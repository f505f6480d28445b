"""What runs beside the latency tools: ``--load idle|storm|mask|smi|hog``.

- ``idle``: nothing; the CPUs sleep in WFI/HLT between periods.
- ``storm``: received frames at ``rate`` per second, from 200 us on: the FEC on the
  i.MX6Q (SPI 118 to CPU0) or the 82574L (e1000e, MSI to CPU0) on the pc; NAPI and
  the driver as the napi-storm and e1000e-storm scenarios run them.
- ``mask``: a SCHED_OTHER kthread "irqoff/N" per measured CPU that keeps interrupts
  masked for ``MASK_US`` every ``MASK_EVERY_US`` (a spin_lock_irqsave section), woken
  by its own hrtimer between sections.
- ``smi``: an SMI of ``SMI_US`` every ``SMI_EVERY_US`` on each measured CPU
  (:class:`~irqemu.devices.smi.SmiSource`: the core's clock jumps, it runs nothing). On
  the i.MX6Q it stands for time taken by secure firmware. An SMI that hits a core
  halted in WFI/HLT steals nothing in that model, so only SMIs landing while the CPU
  runs show.
- ``hog``: a SCHED_FIFO 50 kthread "hog/N" per measured CPU, always runnable, below
  the measurement thread's priority; its work is slices of ``HOG_SLICE_CYCLES``, and a
  slice is not interruptible in the model (a host call), so an interrupt arriving in
  one waits for its end.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import SCHED_FIFO, SCHED_NORMAL
from irqemu.kernel.hrtimer import HRTIMER_NORESTART, Hrtimer
from irqemu.kernel.sched import SLEEP, spawn

if TYPE_CHECKING:
    from irqemu.scenarios._oncore import OnCore

LOADS = ("idle", "storm", "mask", "smi", "hog")
PS_PER_US = 10**6
START_PS = 200 * PS_PER_US  #: when the storm starts and the samples begin to count
MASK_US, MASK_EVERY_US = 50, 730
SMI_US, SMI_EVERY_US = 50, 1_700
HOG_PRIO = 50
HOG_SLICE_CYCLES = 500
DEFAULT_RATE = {"arm": 1_000_000, "x86": 300_000}  #: frames/s (napi-storm, e1000e-storm)


@dataclass
class Load:
    """A load set up on a booted board: its name, what it did, and its settings."""

    name: str
    rate: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)
    tasks: list[Any] = field(default_factory=list)
    smis: list[Any] = field(default_factory=list)
    gens: list[Any] = field(default_factory=list)

    def describe(self, arch: str) -> str:
        """One line saying what ran beside the tool."""
        if self.name == "storm":
            nic = "FEC (SPI 118, CPU0)" if arch == "arm" else "e1000e (MSI, CPU0)"
            return f"load: storm, {self.rate:,.0f} frames/s of 64 bytes into the {nic}"
        if self.name == "mask":
            return (f"load: mask, interrupts masked {MASK_US} us every {MASK_EVERY_US} us "
                    "on each measured CPU (irqoff/N, SCHED_OTHER)")
        if self.name == "smi":
            return (f"load: smi, {SMI_US} us SMIs every {SMI_EVERY_US} us on each measured "
                    "CPU (a halted core loses nothing to one)")
        if self.name == "hog":
            return (f"load: hog, SCHED_FIFO {HOG_PRIO} busy loop on each measured CPU "
                    f"(slices of {HOG_SLICE_CYCLES} cycles)")
        return "load: idle"

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, **self.facts}
        if self.name == "storm":
            out["rate"] = self.rate
            out["frames_offered"] = sum(int(g.offered) for g in self.gens)
        if self.name == "smi":
            out["smis"] = sum(len(s.records) for s in self.smis)
            out["smis_stealing"] = sum(1 for s in self.smis for r in s.records
                                       if r.stolen_cycles)
        return out


def start_storm(oc: OnCore, load: Load, end_ps: int, seed: int) -> None:
    """Frames at ``load.rate`` from START_PS to ``end_ps`` into the board's NIC."""
    from irqemu.scenarios._rxstorm import play_phases

    dev = oc.fec if oc.arch == "arm" else oc.machine.devices["e1000e"]
    ms = (end_ps - START_PS) / 10**9
    load.gens, _t, _at = play_phases(oc.machine, dev, [(load.rate, ms)], frame_size=64,
                                     seed=seed)


def start_smis(oc: OnCore, load: Load, cpus: list[int], end_ps: int) -> None:
    from irqemu.devices.smi import SmiSource

    period = SMI_EVERY_US * PS_PER_US
    for i, cpu in enumerate(cpus):
        first = START_PS + i * period // max(1, len(cpus))
        load.smis.append(SmiSource(oc.machine, cpu=cpu, duration_ps=SMI_US * PS_PER_US,
                                   period_ps=period, start_ps=first,
                                   count=max(0, (end_ps - first) // period + 1)))
    load.facts.update(smi_us=SMI_US, every_us=SMI_EVERY_US)


def spawn_on_cpu(oc: OnCore, load: Load, cpu: int) -> None:
    """The per-CPU task of a ``mask`` or ``hog`` load, on ``cpu`` as it comes up."""
    k = oc.kernel
    if load.name == "hog":
        def hog() -> Iterator[Any]:
            while True:
                yield HOG_SLICE_CYCLES

        load.tasks.append(spawn(k, f"hog/{cpu}", hog, policy=SCHED_FIFO, rt_priority=HOG_PRIO,
                                cpus=frozenset({cpu})))
        load.facts.update(prio=HOG_PRIO, slice_cycles=HOG_SLICE_CYCLES)
    elif load.name == "mask":
        load.tasks.append(_irqoff_task(oc, cpu))
        load.facts.update(mask_us=MASK_US, every_us=MASK_EVERY_US)


def _irqoff_task(oc: OnCore, cpu: int) -> Any:
    """irqoff/N: interrupts masked for MASK_US, then asleep until MASK_EVERY_US later."""
    k = oc.kernel
    h = oc.hrtimers
    assert h is not None
    mask_cycles = MASK_US * oc.cpu_hz // 10**6
    state: dict[str, Any] = {}

    def wake(_t: Hrtimer) -> int:
        k.wake_up_process(state["task"])
        return HRTIMER_NORESTART

    timer = h.hrtimer_init(wake, "irqoff", cpu)

    def body() -> Iterator[Any]:
        nxt = max(k.ops.now_ps(), START_PS)
        while True:
            h.hrtimer_start(timer, nxt)
            yield SLEEP
            ops = k.ops
            ops.local_irq_disable()
            ops.charge(mask_cycles)
            ops.local_irq_enable()
            nxt += MASK_EVERY_US * PS_PER_US

    state["task"] = spawn(k, f"irqoff/{cpu}", body, policy=SCHED_NORMAL,
                          cpus=frozenset({cpu}))
    return state["task"]




def probe_e1000e(oc: OnCore) -> Any:
    """The pc's 82574L up with MSI (e1000_probe, e1000_open), as e1000e-storm does it."""
    from irqemu.devices.e1000e import PC_BAR0, PC_CONFIG, PC_DEVFN
    from irqemu.hw.e1000e import PCI_MSI_CAP
    from irqemu.kernel.drivers.e1000e import e1000_open, e1000_probe
    from irqemu.kernel.drivers.pci_msi import pci_enable_msi
    from irqemu.scenarios.e1000e_storm import X86_DMA_ACCESS_CYCLES

    k, plat, apic = oc.kernel, oc.platform, oc.apic
    assert apic is not None
    plat.mem.access_cycles = X86_DMA_ACCESS_CYCLES
    adapter = e1000_probe(k, plat.io, plat.mem, PC_BAR0, enable_msi=lambda: pci_enable_msi(
        k, apic, plat.io, PC_CONFIG, PC_DEVFN, PCI_MSI_CAP))
    ret = e1000_open(adapter)
    if ret:
        raise RuntimeError(f"e1000_open: request_irq({adapter.irq}) failed: {ret}")
    return adapter


__all__ = ["DEFAULT_RATE", "LOADS", "START_PS", "Load", "probe_e1000e", "spawn_on_cpu",
           "start_smis", "start_storm"]
