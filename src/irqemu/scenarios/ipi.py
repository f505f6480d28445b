"""IPIs on the emulated i.MX6Q: the talk's handle_IPI kinds, counted in /proc/interrupts.

kernel.elf boots CPU 0, the model starts CPUs 1-3 through the SRC as
imx_boot_secondary does; each comes up at ``secondary_startup`` and brings
its GIC CPU interface and its twd tick up (scenarios._oncore: the scheduler
on the cores, the tick at HZ on every CPU, as Linux always has it). Then
the last CPU up sends IPIs to the others with smp_cross_call (GICD_SGIR):
each arrives as a real SGI, taken as an IRQ exception on the target, and
gic_handle_irq passes SGIs 0-6 to handle_IPI, which counts them per kind:
the IPI rows of /proc/interrupts.
"""

from __future__ import annotations

from typing import Any

from irqemu.kernel.genirq.proc import show_interrupts
from irqemu.kernel.smp import ARM_IPI_TYPES, NR_IPI
from irqemu.scenarios.base import Observe, Options, Scenario

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


#: simulated time: the IPIs go out as the last CPU comes up (about 1 ms in); the run
#: lasts mpstat's one-second interval, so each CPU's tick shows in its TIMER row
RUN_MS = 1000


def run(flavour: str = "mainline", *, version: str = "4.6", engine: str = "native",
        run_ms: float = RUN_MS,
        observe: Observe | None = None) -> tuple[str, dict[str, Any]]:
    from irqemu.kernel.platform import KernelPlatform
    from irqemu.scenarios._oncore import boot

    sent: list[tuple[int, list[int], int]] = []
    # kernel.elf on all four CPUs with the scheduler on the cores and each CPU's twd tick
    oc = boot(flavour, version=version, engine=engine, cpus=4, observe=observe)
    m, k = oc.machine, oc.kernel
    bring_up = oc.platform.on_secondary

    def secondary(plat: KernelPlatform, cpu: int) -> None:
        if bring_up is not None:
            bring_up(plat, cpu)  # its GIC CPU interface and its tick
        if len(plat.online) == k.num_cpus:  # the last CPU to come up sends them all
            for targets, ipi in PLAN:
                k.smp_cross_call(frozenset(targets), ipi)
                sent.append((cpu, sorted(targets), ipi))

    oc.platform.on_secondary = secondary
    result = oc.run(int(run_ms * 10**9))
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
        # IRQ exceptions each CPU took besides its ticks (the IPIs' SGIs; nothing else
        # interrupts here)
        "other_exceptions": [n - t for n, t in zip(oc.hard_irqs_per_cpu(), oc.ticks(),
                                                   strict=True)],
        "cores": oc.facts(),
    }
    text = "\n".join([
        f"Kernel: {k.config.release} ({flavour}) on an emulated i.MX6Q; CPUs 1-3 started "
        "through the SRC, then IPIs sent with smp_cross_call:",
        *(f"  CPU{s} -> CPUs {t}: IPI{i} ({ARM_IPI_TYPES[i]})" for s, t, i in sent),
        oc.describe(),
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
