"""The ARM generic timer as each CPU's clock event device
(drivers/clocksource/arm_arch_timer.c, 4.6), modelled for high resolution mode.

arm64 Linux uses the virtual timer when it runs at EL1 (``arch_timer_uses_ppi =
VIRT_PPI``): PPI 11 (GIC ID 27), level-sensitive, one per CPU.

- :func:`arch_timer_register`: ``request_percpu_irq(virq, arch_timer_handler_virt,
  "arch_timer", arch_timer_evt)``.
- :meth:`ArchTimer.arch_timer_starting_cpu` on each CPU as it comes up:
  ``enable_percpu_irq`` and the timer stopped (``CNTV_CTL_EL0`` = IMASK).
- :meth:`ArchTimer.set_next_event`: ``set_next_event(ARCH_TIMER_VIRT_ACCESS, evt,
  clk)``: ``CNTV_TVAL_EL0`` = evt, ``CNTV_CTL_EL0`` = ENABLE (IMASK clear).
- :func:`arch_timer_handler_virt`: read ``CNTV_CTL_EL0``; if ISTATUS, set IMASK (the
  level drops) and run ``evt->event_handler`` (hrtimer_interrupt).

The registers are system registers, not MMIO: the model writes them through the
board's generic timer device (``sysreg_read`` / ``sysreg_write``, the same entry the
guest's MRS/MSR reach), and charges the driver's instructions from its cost entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import kfunc
from irqemu.kernel.costs import A53_TIMING, estimate, kernel_cost_table, linux_basis
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

ARCH_TIMER_VIRT_PPI = 11  #: GIC ID 27: the EL1 virtual timer (arch_timer_ppi[VIRT_PPI])
ARCH_TIMER_CTRL_ENABLE = 1 << 0
ARCH_TIMER_CTRL_IT_MASK = 1 << 1
ARCH_TIMER_CTRL_IT_STAT = 1 << 2

#: name -> KernelCost: the driver's own instructions, its MSR/MRS included
ARCH_TIMER_COSTS = kernel_cost_table("ARCH_TIMER_COSTS", {
    "arch_timer_handler_virt": estimate(
        20, "timer_handler(): mrs CNTV_CTL_EL0, the ISTATUS test, msr with IMASK and the "
            "indirect event_handler call, about 15 instructions as for twd_handler",
        linux_basis("drivers/clocksource/arm_arch_timer.c arch_timer_handler_virt(), "
                    "timer_handler()", A53_TIMING)),
    "arch_timer_set_next_event_virt": estimate(
        15, "set_next_event(): mrs CNTV_CTL_EL0, bit ops, msr CNTV_TVAL_EL0, msr "
            "CNTV_CTL_EL0, isb, about 10 instructions",
        linux_basis("drivers/clocksource/arm_arch_timer.c arch_timer_set_next_event_virt(), "
                    "set_next_event()", A53_TIMING)),
})


@dataclass
class ArchTimer:
    """The generic timer's clock event devices of one kernel: the device, its rate,
    the per-CPU interrupt, the event handler."""

    kernel: Kernel
    device: Any  #: the board's generic timer (sysreg_read / sysreg_write)
    rate_hz: int
    irq: int
    event_handler: Callable[[int], None]
    ticks: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ticks = [0] * self.kernel.num_cpus

    def arch_timer_starting_cpu(self) -> None:
        """On the CPU coming up: its PPI enabled, its timer stopped and masked."""
        k = self.kernel
        cpu = k.ops.smp_processor_id()
        self.device.sysreg_write(cpu, "CNTV_CTL_EL0", ARCH_TIMER_CTRL_IT_MASK)
        k.enable_percpu_irq(self.irq)

    def set_next_event(self, cpu: int, evt: int) -> None:
        """Fire ``evt`` counter ticks from now: TVAL, then CTL = ENABLE, unmasked."""
        k = self.kernel
        k.ops.charge(k.costs["arch_timer_set_next_event_virt"])
        ctrl = self.device.sysreg_read(cpu, "CNTV_CTL_EL0")
        ctrl = (ctrl | ARCH_TIMER_CTRL_ENABLE) & ~(ARCH_TIMER_CTRL_IT_MASK
                                                   | ARCH_TIMER_CTRL_IT_STAT)
        self.device.sysreg_write(cpu, "CNTV_TVAL_EL0", evt)
        self.device.sysreg_write(cpu, "CNTV_CTL_EL0", ctrl)


@kfunc()
def arch_timer_handler_virt(irq: int, timer: ArchTimer) -> int:
    """timer_handler(ARCH_TIMER_VIRT_ACCESS): mask a fired timer, run the event."""
    k = timer.kernel
    k.fentry(..., irq)
    cpu = k.ops.smp_processor_id()
    ctrl = timer.device.sysreg_read(cpu, "CNTV_CTL_EL0")
    if not ctrl & ARCH_TIMER_CTRL_IT_STAT:
        return IRQ_NONE
    timer.device.sysreg_write(cpu, "CNTV_CTL_EL0",
                              (ctrl | ARCH_TIMER_CTRL_IT_MASK) & ~ARCH_TIMER_CTRL_IT_STAT)
    timer.ticks[cpu] += 1
    timer.event_handler(cpu)
    return IRQ_HANDLED


def arch_timer_register(kernel: Kernel, device: Any, irq: int,
                        event_handler: Callable[[int], None]) -> ArchTimer:
    """The virtual timer on every CPU: its percpu IRQ requested (``irq``: the virq of
    PPI 11). Each CPU then calls :meth:`ArchTimer.arch_timer_starting_cpu`."""
    for name, c in ARCH_TIMER_COSTS.items():
        kernel.costs.setdefault(name, c.cycles)
    timer = ArchTimer(kernel, device, int(device.hz), irq, event_handler)
    ret = kernel.request_percpu_irq(irq, arch_timer_handler_virt, "arch_timer",
                                    [timer] * kernel.num_cpus)
    if ret:
        raise RuntimeError(f"arch_timer: request_percpu_irq({irq}) returned {ret}")
    return timer


__all__ = ["ARCH_TIMER_COSTS", "ARCH_TIMER_VIRT_PPI", "ArchTimer", "arch_timer_handler_virt",
           "arch_timer_register"]
