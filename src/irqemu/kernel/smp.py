"""ARM inter-processor interrupts (arch/arm/kernel/smp.c, 4.6): the IPI kinds,
handle_IPI, and smp_cross_call through the root irqchip."""

from __future__ import annotations

from typing import TYPE_CHECKING

from irqemu.kernel.context import kfunc

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

#: arch/arm/kernel/smp.c ipi_types (4.6), indexed by IPI number
ARM_IPI_TYPES = (
    "CPU wakeup interrupts",
    "Timer broadcast interrupts",
    "Rescheduling interrupts",
    "Function call interrupts",
    "CPU stop interrupts",
    "IRQ work interrupts",
    "completion interrupts",
)
IPI_WAKEUP, IPI_TIMER, IPI_RESCHEDULE, IPI_CALL_FUNC, IPI_CPU_STOP, IPI_IRQ_WORK, \
    IPI_COMPLETION = range(7)
NR_IPI = 7


class RootIrqChip:
    """What the kernel asks of the root irqchip driver (``Kernel.irqchip``) beyond the
    handler it installs with set_handle_irq.

    ``raise_softirq`` is arch/arm's ``__smp_cross_call`` (gic_raise_softirq,
    registered by set_smp_cross_call; on x86 the APIC's send_IPI_mask): send IPI
    ``ipinr`` to the CPUs in ``targets``. A chip that cannot send IPIs keeps this
    default, which refuses.
    """

    def raise_softirq(self, targets: frozenset[int], ipinr: int) -> None:
        raise RuntimeError("smp_cross_call: the irqchip cannot send IPIs")

    def starting_cpu(self) -> None:
        """The calling CPU is coming up (the irqchip's CPUHP_AP_IRQ_*_STARTING
        callback, gic_starting_cpu): bring up its interface. Default: nothing."""


@kfunc()
def handle_IPI(kernel: Kernel, ipinr: int) -> None:
    """Count the kind, run its hook; all but RESCHEDULE (and WAKEUP, which does
    nothing) inside irq_enter/irq_exit."""
    kernel.fentry(..., ipinr)
    cpu = kernel.ops.smp_processor_id()
    if 0 <= ipinr < NR_IPI:
        kernel.ipi_counts[cpu][ipinr] += 1
        if kernel.probes:
            kernel.fire("ipi_entry", ARM_IPI_TYPES[ipinr])
    else:
        kernel.printk(f"CPU{cpu}: Unknown IPI message {ipinr:#x}", level=2)
        return
    hook = kernel.ipi_handlers.get(ipinr)
    if ipinr in (IPI_WAKEUP, IPI_RESCHEDULE):
        if hook is not None:
            hook(cpu)
    else:
        kernel.irq_enter()
        if hook is not None:
            hook(cpu)
        kernel.irq_exit()
    if kernel.probes:
        kernel.fire("ipi_exit", ARM_IPI_TYPES[ipinr])


def smp_cross_call(kernel: Kernel, targets: set[int] | frozenset[int], ipinr: int) -> None:
    """Send IPI ``ipinr`` to ``targets`` through the root irqchip (GIC: SGIR)."""
    chip = kernel.irqchip
    if not isinstance(chip, RootIrqChip):
        raise RuntimeError("smp_cross_call: the irqchip cannot send IPIs")
    chip.raise_softirq(frozenset(targets), ipinr)
