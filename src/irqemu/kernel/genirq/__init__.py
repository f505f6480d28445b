"""The modelled generic IRQ layer (kernel/irq/ of Linux 4.6, [6.x] differences noted).

One module per concept, as in kernel/irq: ``irqdesc`` (irq_desc, irq_data,
state bits), ``chip`` (irq_chip, flow handlers), ``handle`` (running actions),
``manage`` (request/free/enable/disable, irq threads), ``resend``,
``spurious``, ``irqdomain``, ``proc`` (/proc/interrupts).
"""

from irqemu.kernel.genirq.chip import (
    IrqChip,
    chained_irq_enter,
    chained_irq_exit,
    handle_edge_irq,
    handle_fasteoi_irq,
    handle_level_irq,
    handle_percpu_devid_irq,
    handle_percpu_irq,
    handle_simple_irq,
)
from irqemu.kernel.genirq.handle import IRQ_HANDLED, IRQ_NONE, IRQ_WAKE_THREAD
from irqemu.kernel.genirq.irqdesc import IrqData, IrqDesc
from irqemu.kernel.genirq.irqdomain import IrqDomain, IrqDomainOps, IrqFwspec
from irqemu.kernel.genirq.manage import (
    IRQF_NO_THREAD,
    IRQF_ONESHOT,
    IRQF_PERCPU,
    IRQF_SHARED,
    IRQF_TIMER,
    IrqAction,
)

__all__ = [
    "IRQF_NO_THREAD", "IRQF_ONESHOT", "IRQF_PERCPU", "IRQF_SHARED", "IRQF_TIMER",
    "IRQ_HANDLED", "IRQ_NONE", "IRQ_WAKE_THREAD", "IrqAction", "IrqChip", "IrqData",
    "IrqDesc", "IrqDomain", "IrqDomainOps", "IrqFwspec", "chained_irq_enter",
    "chained_irq_exit", "handle_edge_irq", "handle_fasteoi_irq", "handle_level_irq",
    "handle_percpu_devid_irq", "handle_percpu_irq", "handle_simple_irq",
]
