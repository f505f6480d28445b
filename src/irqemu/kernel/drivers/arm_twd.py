"""The Cortex-A9 private timer as the tick (arch/arm/kernel/smp_twd.c, 4.6), modelled.

Every CPU's own "twd" (TWD_TIMER_* at the private timer's base, banked per CPU)
is its periodic clock_event_device:

- :func:`twd_local_timer_register`: ``request_percpu_irq(PPI 13 = GIC ID 29,
  twd_handler, "twd", twd_evt)``, as twd_local_timer_common_register does.
- :meth:`Twd.twd_timer_setup` on each CPU as it comes up (CPU0 at boot, the
  others from secondary_start_kernel): ``enable_percpu_irq`` and
  ``twd_set_periodic``: TWD_TIMER_LOAD = DIV_ROUND_CLOSEST(rate, HZ), CONTROL =
  ENABLE | IT_ENABLE | PERIODIC.
- :func:`twd_handler`: ``twd_timer_ack`` (read INTSTAT, write 1 to clear); if it
  was set, ``evt->event_handler(evt)`` (tick_handle_periodic) and IRQ_HANDLED.

The rate is the timer's clock, PERIPHCLK (CPU clock / 2 on the i.MX6Q); Linux
gets it from the "twd" clock or calibrates it against jiffies (twd_calibrate_rate).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from irqemu.kernel.context import ChipIO, kfunc
from irqemu.kernel.costs import estimate, kernel_cost_table, linux_basis
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

# arch/arm/include/asm/smp_twd.h
TWD_TIMER_LOAD = 0x00
TWD_TIMER_COUNTER = 0x04
TWD_TIMER_CONTROL = 0x08
TWD_TIMER_INTSTAT = 0x0C
TWD_TIMER_CONTROL_ENABLE = 1 << 0
TWD_TIMER_CONTROL_ONESHOT = 0 << 1
TWD_TIMER_CONTROL_PERIODIC = 1 << 1
TWD_TIMER_CONTROL_IT_ENABLE = 1 << 2

TWD_PPI = 13  #: the private timer's PPI (GIC ID 29) on every Cortex-A9 MPCore

#: name -> KernelCost: the handler's own work, not its MMIO
TWD_COSTS = kernel_cost_table("TWD_COSTS", {
    "twd_handler": estimate(20, "twd_timer_ack's test + the indirect event_handler call, "
                            "~20 instructions",
                            linux_basis("arch/arm/kernel/smp_twd.c twd_handler()")),
})


@dataclass
class Twd:
    """The twd clock_event_devices of one kernel: base, rate, the per-CPU handler."""

    kernel: Kernel
    io: ChipIO
    base: int
    rate_hz: int
    irq: int
    #: evt->event_handler of each CPU's clock_event_device (tick_handle_periodic)
    event_handler: Callable[[int], None]
    ticks: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ticks = [0] * self.kernel.num_cpus

    def twd_timer_setup(self) -> None:
        """On the CPU coming up: its PPI enabled, its timer periodic at HZ."""
        k = self.kernel
        cpu = k.ops.smp_processor_id()
        k.enable_percpu_irq(self.irq)
        load = (self.rate_hz + k.config.hz // 2) // k.config.hz  # DIV_ROUND_CLOSEST
        self.io.write32(cpu, self.base + TWD_TIMER_LOAD, load)
        self.io.write32(cpu, self.base + TWD_TIMER_CONTROL, TWD_TIMER_CONTROL_ENABLE
                        | TWD_TIMER_CONTROL_IT_ENABLE | TWD_TIMER_CONTROL_PERIODIC)

    def twd_timer_setup_oneshot(self) -> None:
        """On the CPU coming up, in high resolution mode: its PPI enabled, its timer
        one-shot (twd_set_oneshot: CONTROL = IT_ENABLE | ONESHOT, not yet counting)."""
        k = self.kernel
        cpu = k.ops.smp_processor_id()
        k.enable_percpu_irq(self.irq)
        self.io.write32(cpu, self.base + TWD_TIMER_CONTROL,
                        TWD_TIMER_CONTROL_IT_ENABLE | TWD_TIMER_CONTROL_ONESHOT)

    def twd_set_next_event(self, cpu: int, evt: int) -> None:
        """twd_set_next_event: COUNTER = evt ticks, then CONTROL with ENABLE set."""
        ctrl = self.io.read32(cpu, self.base + TWD_TIMER_CONTROL) | TWD_TIMER_CONTROL_ENABLE
        self.io.write32(cpu, self.base + TWD_TIMER_COUNTER, evt)
        self.io.write32(cpu, self.base + TWD_TIMER_CONTROL, ctrl)

    def twd_timer_ack(self, cpu: int) -> bool:
        if self.io.read32(cpu, self.base + TWD_TIMER_INTSTAT):
            self.io.write32(cpu, self.base + TWD_TIMER_INTSTAT, 1)
            return True
        return False


@kfunc()
def twd_handler(irq: int, twd: Twd) -> int:
    """The twd's percpu IRQ handler: ack the timer, run the tick."""
    k = twd.kernel
    k.fentry(..., irq)
    cpu = k.ops.smp_processor_id()
    if not twd.twd_timer_ack(cpu):
        return IRQ_NONE
    twd.ticks[cpu] += 1
    twd.event_handler(cpu)
    return IRQ_HANDLED


def twd_local_timer_register(kernel: Kernel, io: ChipIO, irq: int, base: int, rate_hz: int,
                             event_handler: Callable[[int], None]) -> Twd:
    """The twd on every CPU: its percpu IRQ requested (``irq``: the virq of PPI 13).
    Each CPU then calls :meth:`Twd.twd_timer_setup` as it comes up."""
    for name, c in TWD_COSTS.items():
        kernel.costs.setdefault(name, c.cycles)
    twd = Twd(kernel, io, base, rate_hz, irq, event_handler)
    ret = kernel.request_percpu_irq(irq, twd_handler, "twd", [twd] * kernel.num_cpus)
    if ret:
        raise RuntimeError(f"twd: request_percpu_irq({irq}) returned {ret}")
    return twd


__all__ = ["TWD_PPI", "Twd", "twd_handler", "twd_local_timer_register"]
