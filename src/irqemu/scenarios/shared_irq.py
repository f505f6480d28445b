"""The talk's shared interrupt line, at model level.

An sdhci-like driver registers ``request_threaded_irq(irq, sdhci_irq,
sdhci_thread_irq, IRQF_SHARED, "mmc0", host)`` and an ehci-like driver
``request_irq(irq, usb_hcd_irq, IRQF_SHARED, "ehci_hcd:usb3", hcd)`` on one
level-triggered line (a GIC SPI with handle_fasteoi_irq, or on ``arch="x86"``
an IO-APIC pin shown as "IO-APIC 16-fasteoi"). Both devices raise their
interrupt a few times; the line is the wired-OR of their status bits. Then
/proc/interrupts and ``ps axl | grep irq`` are printed, with the answer to the
talk's quiz: what does ``ps`` show on a non-RT kernel, and why.

``run(flavour)`` returns ``(text, facts)``; facts are plain data for tests and
the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from irqemu.kernel import Kernel
from irqemu.kernel.context import kfunc
from irqemu.kernel.drivers.irq_apic import DEVICE_STUB
from irqemu.kernel.entry import under
from irqemu.kernel.genirq.chip import handle_fasteoi_irq, irq_set_chip_and_handler_name
from irqemu.kernel.genirq.irqdomain import irq_create_mapping, irq_domain_add_linear
from irqemu.kernel.genirq.proc import show_interrupts
from irqemu.kernel.genirq.types import (
    IRQ_HANDLED,
    IRQ_NONE,
    IRQ_TYPE_LEVEL_HIGH,
    IRQ_WAKE_THREAD,
    IRQF_SHARED,
    IrqChip,
    IrqData,
    IrqDomainOps,
)
from irqemu.kernel.ps import HEADER, ps_axl
from irqemu.scenarios.base import (
    NO_CORES,
    Observe,
    OptionError,
    Options,
    Scenario,
    observe_or_none,
)
from irqemu.scenarios.model_board import ModelBoard

if TYPE_CHECKING:
    from irqemu.scenarios._oncore import OnCore

#: GIC SPI used for the shared line on the model board (i.MX6 uSDHC1 is SPI 22)
SHARED_SPI = 22


class _Device:
    """A device with one interrupt-status bit driving a shared level line."""

    def __init__(self, name: str, line: _Line) -> None:
        self.name = name
        self.line = line
        self.status = False
        self.events = 0
        self.handled_in: list[str] = []

    def raise_irq(self) -> None:
        self.status = True
        self.line.update()

    def ack(self) -> None:
        self.status = False
        self.line.update()


class _Line:
    """Wired-OR of the devices' status bits into the controller input."""

    def __init__(self, drive: Any) -> None:
        self.devices: list[_Device] = []
        self.drive = drive
        self.level = False

    def update(self) -> None:
        level = any(d.status for d in self.devices)
        if level != self.level:
            self.level = level
            self.drive(level)


def _context(k: Kernel) -> str:
    cpu = k.ops.smp_processor_id()
    where = "hardirq" if k.in_irq() else "thread"
    return f"{where}:{k.current[cpu].comm}"


def _x86_ioapic(k: Kernel) -> tuple[Any, list[bool]]:
    """A minimal IO-APIC chip for the x86 variant (no register model behind it)."""
    pending = [False]
    masked = [True]

    def mask(d: IrqData) -> None:
        masked[0] = True

    def unmask(d: IrqData) -> None:
        masked[0] = False

    def eoi(d: IrqData) -> None:
        pass

    def set_type(d: IrqData, t: int) -> int:
        return 0

    chip = IrqChip("IO-APIC", irq_mask=mask, irq_unmask=unmask, irq_eoi=eoi,
                   irq_set_type=set_type)

    def map_(dom: Any, virq: int, hw: int) -> int:
        irq_set_chip_and_handler_name(k.irq_descs[virq], chip, handle_fasteoi_irq, "fasteoi")
        return 0

    dom = irq_domain_add_linear(k, "IO-APIC", 24, IrqDomainOps(map=map_), fwnode="ioapic0")
    return (dom, masked), pending


# the x86 entry of the model-only line, as arch/x86/kernel/irq.c has it (the IO-APIC
# pin's vector known): do_IRQ -> irq_64.c handle_irq -> the descriptor's flow handler,
# below common_interrupt's ret_from_intr


@kfunc("do_IRQ")
def _do_IRQ(k: Kernel, desc: Any) -> None:
    k.irq_enter()
    _handle_irq(desc)
    k.irq_exit()


@kfunc("handle_irq")
def _handle_irq(desc: Any) -> None:
    desc.handle_irq(desc)  # generic_handle_irq_desc


def run(flavour: str = "mainline", *, version: str = "4.6", arch: str = "arm",
        events: int = 3, num_cpus: int = 4,
        observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """Wire the shared line, fire interrupts, and report /proc/interrupts and ps."""
    if arch == "arm":
        board = ModelBoard(flavour, num_cpus, version=version, observe=observe)
        k = board.kernel
        irq = board.gic.map_spi(SHARED_SPI, IRQ_TYPE_LEVEL_HIGH)
        line = _Line(lambda level: board.set_spi(SHARED_SPI, level))

        def take_irqs() -> None:
            board.fire()
    else:
        k = Kernel(flavour, num_cpus, version=version, arch="x86")
        observe_or_none(observe, k)
        (dom, masked), _ = _x86_ioapic(k)
        irq = irq_create_mapping(dom, 16)
        state = {"level": False}
        line = _Line(lambda level: state.__setitem__("level", level))

        def take_irqs() -> None:
            guard = 0
            while state["level"] and not masked[0] and guard < 1000:
                guard += 1
                with k.on_cpu(0):
                    k.ops.local_irq_disable()
                    desc = k.irq_descs[irq]
                    under((DEVICE_STUB, *k.irq_entry.frames(k, 0)), _do_IRQ, k, desc)
                    k.ops.local_irq_enable()
                    k.sched.hardirq_done(0)

    mmc = _Device("mmc0", line)
    usb = _Device("ehci_hcd:usb3", line)
    line.devices += [mmc, usb]

    # drivers/mmc/host/sdhci.c: sdhci_irq acks the status and defers card work
    @kfunc()
    def sdhci_irq(irq_: int, host: _Device) -> int:
        k.fentry(..., irq_)
        if not host.status:
            return IRQ_NONE
        host.handled_in.append("sdhci_irq@" + _context(k))
        host.ack()
        return IRQ_WAKE_THREAD

    @kfunc()
    def sdhci_thread_irq(irq_: int, host: _Device) -> int:
        k.fentry(..., irq_)
        host.handled_in.append("sdhci_thread_irq@" + _context(k))
        host.events += 1
        return IRQ_HANDLED

    # drivers/usb/core/hcd.c usb_hcd_irq -> ehci_irq
    @kfunc()
    def usb_hcd_irq(irq_: int, hcd: _Device) -> int:
        k.fentry(..., irq_)
        if not hcd.status:
            return IRQ_NONE
        hcd.handled_in.append("usb_hcd_irq@" + _context(k))
        hcd.ack()
        hcd.events += 1
        return IRQ_HANDLED

    rets = {
        "mmc0": k.request_threaded_irq(irq, sdhci_irq, sdhci_thread_irq, IRQF_SHARED, "mmc0",
                                       mmc),
        "ehci_hcd:usb3": k.request_irq(irq, usb_hcd_irq, IRQF_SHARED, "ehci_hcd:usb3", usb),
    }
    for _ in range(events):
        mmc.raise_irq()
        take_irqs()
        usb.raise_irq()
        take_irqs()
    mmc.raise_irq()
    usb.raise_irq()
    take_irqs()

    proc = show_interrupts(k)
    ps = ps_axl(k, grep="irq/")
    threads = sorted(k.irq_threads(), key=lambda t: t.pid)
    facts: dict[str, Any] = {
        "flavour": flavour,
        "version": version,
        "arch": arch,
        "irq": irq,
        "request_ret": rets,
        "threads": [{"comm": t.comm, "pid": t.pid, "rt_priority": t.rt_priority,
                     "ps_pri": t.prio - 100} for t in threads],
        "proc_row": next((ln for ln in proc.splitlines() if ln.lstrip().startswith(f"{irq}:")),
                         ""),
        "kstat": sum(k.irq_descs[irq].kstat_irqs),
        "events": {"mmc0": mmc.events, "ehci_hcd:usb3": usb.events},
        "handled_in": {"mmc0": mmc.handled_in, "ehci_hcd:usb3": usb.handled_in},
        "line_masked": k.irq_descs[irq].irqd_irq_masked(),
        "dmesg": list(k.dmesg),
    }
    text = "\n".join([
        f"Kernel: {k.config.release} ({flavour}), {arch}, {num_cpus} CPUs",
        "",
        "$ cat /proc/interrupts",
        proc.rstrip("\n"),
        "",
        "$ ps axl | grep irq",
        HEADER,
        *ps.splitlines()[1:],
        "",
        explain(flavour, irq, version),
    ]) + "\n"
    return text, facts


def explain(flavour: str, irq: int, version: str = "4.6") -> str:
    sprio = 50 if version == "6.x" else 49
    forced = (
        f"  irq/{irq}-mmc0 runs sdhci_irq (the old primary handler) under irq_forced_thread_fn;\n"
        f"  irq/{irq}-s-mmc0 is the secondary thread for sdhci_thread_irq, at FIFO {sprio}"
        f" (ps PRI -{sprio + 1});\n"
        f"  irq/{irq}-ehci_hcd:usb3 is cut to 15 characters: \"irq/{irq}-ehci_hcd\"[:15].\n"
        "  The line is IRQF_ONESHOT: masked from the hard IRQ until the threads finish."
    )
    if flavour == "mainline":
        return (
            "Quiz: what does 'ps axl | grep irq' show on a non-RT kernel, and why?\n"
            f"Only irq/{irq}-mmc0. request_threaded_irq() with a thread_fn creates an irq\n"
            "thread on any kernel: sdhci asked for one, so its thread_fn runs in\n"
            f"irq/{irq}-mmc0 at SCHED_FIFO 50 (ps PRI -51) while sdhci_irq runs in hard-IRQ\n"
            "context. ehci used request_irq() = request_threaded_irq(handler, NULL): no\n"
            "thread, its handler runs in hard-IRQ context. Without forced threading\n"
            "(no 'threadirqs', no PREEMPT_RT) nothing else is threaded."
        )
    why = ("the 'threadirqs' boot option" if flavour == "threadirqs"
           else "PREEMPT_RT (forced threading is always on)")
    return (
        f"With {why},\nirq_setup_forced_threading() turns every handler that is not "
        "IRQF_NO_THREAD,\nIRQF_PERCPU or IRQF_ONESHOT into a thread, so ps also shows the "
        "forced threads:\n" + forced
    )


def main(flavour: str = "mainline") -> None:  # pragma: no cover - CLI helper
    text, _ = run(flavour)
    print(text, end="")


# -- the same line on the emulated i.MX6Q -------------------------------------------------
USDHC1_BASE = 0x02190000  #: i.MX6Q uSDHC1 (its own line is SPI 22)
USBOH3_BASE = 0x02184000  #: i.MX6Q USB core block (EHCI registers)


#: the talk's PC: mmc0 and ehci_hcd:usb3 share IO-APIC pin 16 (a PCI INTx line)
PC_SHARED_PIN = 16
PC_MMC_BASE = 0xFEB00000  #: in the PCI MMIO hole below the IO-APIC
PC_USB_BASE = 0xFEB01000
BOARDS_TEXT = {"imx6q": "an emulated i.MX6Q", "pc": "an emulated PC"}


#: simulated time on the board: the device events come in the first milliseconds, the
#: run lasts ten jiffies (HZ=100) so every CPU's tick shows in mpstat's TIMER row
RUN_MS = 1000


def _imx6q_setup(m: Any) -> tuple[int, int, str, Callable[[OnCore], int], Any]:
    """i.MX6Q: the sources at the uSDHC1/USB addresses on GIC SPI 22 (wired-OR)."""

    def line(oc: OnCore) -> int:
        assert oc.gic is not None
        return oc.gic.map_spi(SHARED_SPI, IRQ_TYPE_LEVEL_HIGH)

    sink = m.irq_controller.input(32 + SHARED_SPI)
    return USDHC1_BASE, USBOH3_BASE, f"GIC SPI {SHARED_SPI}", line, sink


def _pc_setup(m: Any) -> tuple[int, int, str, Callable[[OnCore], int], Any]:
    """PC: the sources in the PCI MMIO hole on IO-APIC pin 16, level (fasteoi)."""
    m.add_window(PC_MMC_BASE, 0x2000, "pci-mmio")

    def line(oc: OnCore) -> int:
        # the IrqSource model drives its line active high: a level, active-high entry
        assert oc.apic is not None
        return oc.apic.map_pin(PC_SHARED_PIN, IRQ_TYPE_LEVEL_HIGH)

    sink = m.devices["ioapic"].input(PC_SHARED_PIN)
    return PC_MMC_BASE, PC_USB_BASE, f"IO-APIC pin {PC_SHARED_PIN}", line, sink


#: board -> (kernel arch, setup)
BOARDS = {"imx6q": ("arm", _imx6q_setup), "pc": ("x86", _pc_setup)}


def run_on_board(flavour: str = "mainline", *, version: str = "4.6", engine: str = "native",
                 events: int = 3, period_ms: float = 1.0, run_ms: float = RUN_MS,
                 board: str = "imx6q",
                 observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    """The shared line through the whole path on an emulated board.

    Two interrupt sources (IrqSource devices at the mmc and USB controllers'
    addresses) drive one level line through a wired-OR: GIC SPI 22 on the
    i.MX6Q, the talk's own IO-APIC pin 16 on the pc. The guest runs
    ``kernel.elf`` on all four CPUs with the scheduler on the cores and each
    CPU's tick (scenarios._oncore), so each interrupt is a real exception on
    CPU 0 whose vector stub calls the modelled kernel, where the drivers'
    handlers read and acknowledge their device over MMIO, and the irq threads
    are tasks on the cores.
    """
    from irqemu.devices.irq_source import IrqSource, WiredOr
    from irqemu.scenarios._oncore import boot

    if board not in BOARDS:
        raise ValueError(f"run_on_board: board is one of {', '.join(BOARDS)}, not {board!r}")
    karch, setup = BOARDS[board]
    handled: dict[str, list[str]] = {"mmc0": [], "ehci_hcd:usb3": []}
    counts = {"mmc0": 0, "ehci_hcd:usb3": 0}
    state: dict[str, Any] = {}

    def start(oc: OnCore) -> None:
        k, io = oc.kernel, oc.platform.io
        irq = state["irq"] = map_line(oc)

        def status_ack(base: int) -> int:
            cpu = k.ops.smp_processor_id()
            st = io.read32(cpu, base)
            if st:
                io.write32(cpu, base + 4, st)
            return st

        @kfunc()
        def sdhci_irq(irq_: int, host: Any) -> int:  # drivers/mmc/host/sdhci.c
            k.fentry(..., irq_)
            if not status_ack(mmc_base):
                return IRQ_NONE
            handled["mmc0"].append("sdhci_irq@" + _context(k))
            return IRQ_WAKE_THREAD

        @kfunc()
        def sdhci_thread_irq(irq_: int, host: Any) -> int:
            k.fentry(..., irq_)
            handled["mmc0"].append("sdhci_thread_irq@" + _context(k))
            counts["mmc0"] += 1
            return IRQ_HANDLED

        @kfunc()
        def usb_hcd_irq(irq_: int, hcd: Any) -> int:  # drivers/usb/core/hcd.c
            k.fentry(..., irq_)
            if not status_ack(usb_base):
                return IRQ_NONE
            handled["ehci_hcd:usb3"].append("usb_hcd_irq@" + _context(k))
            counts["ehci_hcd:usb3"] += 1
            return IRQ_HANDLED

        state["ret"] = {
            "mmc0": k.request_threaded_irq(irq, sdhci_irq, sdhci_thread_irq, IRQF_SHARED,
                                           "mmc0", mmc),
            "ehci_hcd:usb3": k.request_irq(irq, usb_hcd_irq, IRQF_SHARED, "ehci_hcd:usb3",
                                           usb),
        }

    oc = boot(flavour, version=version, engine=engine, cpus=4, arch=karch, observe=observe,
              on_start=start)
    m, k = oc.machine, oc.kernel
    mmc_base, usb_base, line_name, map_line, line_sink = setup(m)
    mmc = IrqSource(m, mmc_base, "mmc0")
    usb = IrqSource(m, usb_base, "ehci_hcd:usb3")
    m.add_device("mmc0", mmc, mmc_base, 0x1000)
    m.add_device("ehci", usb, usb_base, 0x1000)
    wired = WiredOr("shared")
    mmc.irq.connect(wired.sink())
    usb.irq.connect(wired.sink())
    wired.out.connect(line_sink)
    step = int(period_ms * 10**9)
    mmc.fire_at([(2 * i + 1) * step for i in range(events)] + [(2 * events + 1) * step])
    usb.fire_at([(2 * i + 2) * step for i in range(events)] + [(2 * events + 1) * step])
    result = oc.run(max((2 * events + 2) * step, int(run_ms * 10**9)))
    irq = state.get("irq", 0)
    proc = show_interrupts(k)
    ps = ps_axl(k, grep="irq/")
    threads = sorted(k.irq_threads(), key=lambda t: t.pid)
    facts: dict[str, Any] = {
        "flavour": flavour, "version": version, "arch": karch, "engine": engine,
        "irq": irq, "request_ret": state.get("ret", {}),
        "threads": [{"comm": t.comm, "pid": t.pid, "rt_priority": t.rt_priority,
                     "ps_pri": t.prio - 100} for t in threads],
        "proc_row": next((ln for ln in proc.splitlines() if ln.lstrip().startswith(f"{irq}:")),
                         ""),
        "kstat": sum(k.irq_descs[irq].kstat_irqs) if irq in k.irq_descs else 0,
        "events": counts, "handled_in": handled,
        "fired": {"mmc0": mmc.fired, "ehci_hcd:usb3": usb.fired},
        "exceptions": result.interrupts[0], "sim_time_ps": result.sim_time_ps,
        "cycles": result.cycles[0], "dmesg": list(k.dmesg),
        "cores": oc.facts(),
    }
    text = "\n".join([
        f"Kernel: {k.config.release} ({flavour}) on {BOARDS_TEXT[board]}, {m.num_cpus} CPUs "
        f"({engine} engine)",
        oc.describe(),
        f"mmc0 and ehci_hcd:usb3 share {line_name}; {mmc.fired} + {usb.fired} device "
        f"interrupts over {result.sim_time_ps / 1e9:.1f} ms of simulated time.",
        "",
        "$ cat /proc/interrupts",
        proc.rstrip("\n"),
        "",
        "$ ps axl | grep irq",
        HEADER,
        *ps.splitlines()[1:],
        "",
        explain(flavour, irq, version),
    ]) + "\n"
    return text, facts


def check(facts: dict[str, Any]) -> list[str]:
    """What must have happened; an empty list when the scenario showed its point."""
    problems = []
    irq = facts["irq"]
    want = [f"irq/{irq}-mmc0"]
    if facts["flavour"] != "mainline":
        want += [f"irq/{irq}-s-mmc0", f"irq/{irq}-ehci_hcd:usb3"[:15]]
    got = sorted(t["comm"] for t in facts["threads"])
    if got != sorted(want):
        problems.append(f"irq threads {got}, expected {sorted(want)}")
    if facts.get("fired") and facts["events"] != facts["fired"]:
        problems.append(f"handled {facts['events']} device events of {facts['fired']}")
    if any(v != 0 for v in facts["request_ret"].values()):
        problems.append(f"request_irq returned {facts['request_ret']}")
    return problems


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    if opts.model_only:
        return run(opts.kernel, version=opts.version, arch=opts.arch, observe=observe)
    return run_on_board(opts.kernel, version=opts.version, engine=opts.engine,
                        board="pc" if opts.arch == "x86" else "imx6q", observe=observe)


def _validate(opts: Options, given: Any) -> None:
    if opts.model_only and "engine" in given:
        raise OptionError(f"scenario shared-irq does not take --engine with --model-only: "
                          f"{NO_CORES}")


SCENARIO = Scenario(
    "shared-irq", "mmc0 and ehci_hcd:usb3 on one level line: /proc/interrupts and ps axl",
    _run, check,
    honours={"kernel": None, "version": None, "arch": None, "engine": None,
             "model_only": None},
    why={"": "it raises a fixed handful of interrupts on the shared line"},
    validate=_validate,
)
