"""IPIs on the emulated i.MX6Q: the talk's handle_IPI kinds, counted in /proc/interrupts.

kernel.elf boots CPU 0, the model starts CPUs 1-3 through the SRC as
imx_boot_secondary does; each comes up at ``secondary_startup`` and brings
its GIC CPU interface up. Then every CPU sends IPIs to the others with
smp_cross_call (GICD_SGIR): each arrives as a real SGI, taken as an IRQ
exception on the target, and gic_handle_irq passes SGIs 0-6 to handle_IPI,
which counts them per kind: the IPI rows of /proc/interrupts.
"""

from __future__ import annotations

from typing import Any

from irqemu.kernel import Kernel
from irqemu.kernel.genirq.proc import show_interrupts
from irqemu.kernel.smp import ARM_IPI_TYPES, NR_IPI
from irqemu.scenarios.base import Observe, Options, Scenario, observe_or_none

#: (targets, IPI) in the order of the talk's handle_IPI switch
PLAN = [
    ({0, 1, 2}, 0),  # IPI_WAKEUP
    ({0}, 1),  # IPI_TIMER: tick broadcast to the CPU owning the broadcast device
    ({0, 1, 2}, 2),  # IPI_RESCHEDULE
    ({0, 1}, 3),  # IPI_CALL_FUNC
    ({1}, 4),  # IPI_CPU_STOP (counted; the stop itself is not modelled)
    ({2}, 5),  # IPI_IRQ_WORK
    ({0}, 6),  # IPI_COMPLETION
]


def run(flavour: str = "mainline", *, version: str = "4.6",
        engine: str = "native", observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    from irqemu.boards import build_board
    from irqemu.bundled import bundled_firmware
    from irqemu.kernel.drivers.irq_gic import gic_of_init
    from irqemu.kernel.platform import KernelPlatform, MachineCpuOps

    m = build_board("imx6q", engine=engine)
    m.load_elf(str(bundled_firmware("armv7", "kernel.elf")))
    k = Kernel(flavour, m.num_cpus, version=version, ops=MachineCpuOps(m))
    observe_or_none(observe, k)
    sent: list[tuple[int, list[int], int]] = []

    def start(plat: KernelPlatform) -> None:
        gic = gic_of_init(k, plat.io, init_all_cpus=False)
        gic.gic_cpu_init()
        plat.boot_secondaries()

    def secondary(plat: KernelPlatform, cpu: int) -> None:
        assert k.irqchip is not None
        k.irqchip.starting_cpu()
        if len(plat.online) == k.num_cpus:  # the last CPU to come up sends them all
            for targets, ipi in PLAN:
                k.smp_cross_call(frozenset(targets), ipi)
                sent.append((cpu, sorted(targets), ipi))

    KernelPlatform(m, k, on_start=start, on_secondary=secondary)
    result = m.run(max_time_ps=10**10)
    proc = show_interrupts(k)
    expected = [[0] * k.num_cpus for _ in range(NR_IPI)]
    for _src, targets, ipi in sent:
        for t in targets:
            expected[ipi][t] += 1
    facts = {
        "flavour": flavour, "engine": engine, "stop_reason": result.stop_reason,
        "online": sorted(m.cpus[i].index for i in range(m.num_cpus)
                         if m.cpus[i].core.instructions),
        "ipi_counts": [[k.ipi_counts[c][i] for c in range(k.num_cpus)] for i in range(NR_IPI)],
        "expected": expected,
        "exceptions": result.interrupts,
    }
    text = "\n".join([
        f"Kernel: {k.config.release} ({flavour}) on an emulated i.MX6Q; CPUs 1-3 started "
        "through the SRC, then IPIs sent with smp_cross_call:",
        *(f"  CPU{s} -> CPUs {t}: IPI{i} ({ARM_IPI_TYPES[i]})" for s, t, i in sent),
        "",
        "$ cat /proc/interrupts",
        proc.rstrip("\n"),
        "",
        "Each IPI is an SGI written to GICD_SGIR; the target takes it as an ordinary IRQ",
        "exception, gic_handle_irq reads its ID (0-15) from GICC_IAR, writes EOIR first",
        "and calls handle_IPI, which counts it in its row. Several SGIs pending at once",
        "are handled in one exception: gic_handle_irq loops on IAR until it reads 1023.",
    ]) + "\n"
    return text, facts


def check(facts: dict[str, Any]) -> list[str]:
    problems = []
    if facts["ipi_counts"] != facts["expected"]:
        problems.append(f"IPI counts {facts['ipi_counts']} != sent {facts['expected']}")
    if facts["online"] != [0, 1, 2, 3]:
        problems.append(f"CPUs that ran: {facts['online']}")
    return problems


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(opts.kernel, version=opts.version, engine=opts.engine, observe=observe)


SCENARIO = Scenario(
    "ipi", "IPIs between the four CPUs of an emulated i.MX6Q, counted in /proc/interrupts",
    _run, check,
    honours={"kernel": None, "version": None, "engine": None, "arch": ("arm",)},
    why={"arch": "the IPIs here are ARM SGIs through the i.MX6Q's GIC (no x86 variant)",
         "model_only": "the IPIs are real SGIs between emulated cores",
         "": "it sends a fixed set of IPIs once"},
)
