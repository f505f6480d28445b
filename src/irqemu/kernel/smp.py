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
    raise_ipi = getattr(kernel.irqchip, "raise_softirq", None)
    if raise_ipi is None:
        raise RuntimeError("smp_cross_call: the irqchip cannot send IPIs")
    raise_ipi(frozenset(targets), ipinr)
