"""preempt_count and the context tests (include/linux/preempt.h, 4.6).

Each CPU's count lives in ``kernel.preempt_count[cpu]``; the helpers take the
kernel and test the current CPU's count, as the macros test current's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

PREEMPT_MASK = 0x000000FF
SOFTIRQ_MASK = 0x0000FF00
HARDIRQ_MASK = 0x000F0000
NMI_MASK = 0x00100000
SOFTIRQ_OFFSET = 0x00000100
SOFTIRQ_DISABLE_OFFSET = 2 * SOFTIRQ_OFFSET
HARDIRQ_OFFSET = 0x00010000
NMI_OFFSET = 0x00100000


def in_irq(kernel: Kernel) -> bool:
    return bool(kernel.preempt_count[kernel.ops.smp_processor_id()] & HARDIRQ_MASK)


def in_interrupt(kernel: Kernel) -> bool:
    return in_interrupt_on(kernel, kernel.ops.smp_processor_id())


def in_interrupt_on(kernel: Kernel, cpu: int) -> bool:
    """in_interrupt() for ``cpu``, the CPU the caller already knows it runs on."""
    pc = kernel.preempt_count[cpu]
    if pc & (HARDIRQ_MASK | SOFTIRQ_MASK | NMI_MASK):
        return True
    # [6.x] PREEMPT_RT: softirq_count() is current->softirq_disable_cnt
    return kernel.config.preempt_rt and kernel.config.v6 and \
        bool(kernel.current[cpu].softirq_nestcnt)


def in_softirq(kernel: Kernel) -> bool:
    return bool(kernel.preempt_count[kernel.ops.smp_processor_id()] & SOFTIRQ_MASK)


def in_atomic(kernel: Kernel) -> bool:
    pc = kernel.preempt_count[kernel.ops.smp_processor_id()]
    return bool(pc) or kernel.ops.irqs_disabled()
