"""The modelled Linux kernel, laid out as Linux lays it out.

:mod:`~irqemu.kernel.core` holds the :class:`Kernel` state; genirq/ is
kernel/irq/, softirq/tasklet/timer/napi/sched are their kernel/ and net/core
files, drivers/ the irqchip and network drivers, and
:mod:`~irqemu.kernel.context` the protocols the world implements.
"""

from irqemu.kernel.config import KernelConfig, make
from irqemu.kernel.context import (
    ChipIO,
    CpuOps,
    DeferredRunner,
    DeviceChipIO,
    Scheduler,
    StandaloneCpuOps,
    Task,
)
from irqemu.kernel.core import Kernel

__all__ = [
    "ChipIO", "CpuOps", "DeferredRunner", "DeviceChipIO", "Kernel",
    "KernelConfig", "Scheduler", "StandaloneCpuOps", "Task", "make",
]
