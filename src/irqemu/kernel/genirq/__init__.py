"""The modelled generic IRQ layer (kernel/irq/ of Linux 4.6, [6.x] differences noted).

One module per file of kernel/irq, plus ``types`` for the headers: ``types``
(irq.h, irqdesc.h, interrupt.h: every record and flag), ``irqdesc``, ``chip``
(flow handlers), ``handle`` (running actions), ``manage`` (request/free,
enable/disable, irq threads), ``resend``, ``spurious``, ``irqdomain``, ``proc``
(/proc/interrupts), and ``fast``: the hard-IRQ fast path (``__handle_domain_irq``
and what it calls, in one frame, when no probe is attached). Import order,
lowest first: types, resend, spurious, handle, chip, manage, irqdesc, fast,
irqdomain, proc; the three calls that go up it are wired here into
:data:`~irqemu.kernel.genirq.types.UPCALLS`.
"""

from irqemu.kernel.genirq.chip import (
    chained_irq_enter,
    chained_irq_exit,
    handle_edge_irq,
    handle_fasteoi_irq,
    handle_level_irq,
    handle_percpu_devid_irq,
    handle_percpu_irq,
    handle_simple_irq,
    irq_disable,
)
from irqemu.kernel.genirq.handle import handle_irq_event_percpu
from irqemu.kernel.genirq.manage import irq_finalize_oneshot
from irqemu.kernel.genirq.types import (
    IRQ_HANDLED,
    IRQ_NONE,
    IRQ_WAKE_THREAD,
    IRQF_NO_THREAD,
    IRQF_ONESHOT,
    IRQF_PERCPU,
    IRQF_SHARED,
    IRQF_TIMER,
    UPCALLS,
    IrqAction,
    IrqChip,
    IrqData,
    IrqDesc,
    IrqDomain,
    IrqDomainOps,
    IrqFwspec,
)

UPCALLS.irq_disable = irq_disable
UPCALLS.handle_irq_event_percpu = handle_irq_event_percpu
UPCALLS.irq_finalize_oneshot = irq_finalize_oneshot

__all__ = [
    "IRQF_NO_THREAD", "IRQF_ONESHOT", "IRQF_PERCPU", "IRQF_SHARED", "IRQF_TIMER",
    "IRQ_HANDLED", "IRQ_NONE", "IRQ_WAKE_THREAD", "IrqAction", "IrqChip", "IrqData",
    "IrqDesc", "IrqDomain", "IrqDomainOps", "IrqFwspec", "chained_irq_enter",
    "chained_irq_exit", "handle_edge_irq", "handle_fasteoi_irq", "handle_level_irq",
    "handle_percpu_devid_irq", "handle_percpu_irq", "handle_simple_irq",
]
