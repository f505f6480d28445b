"""arch/arm/mach-imx/src.c and platsmp.c: starting a secondary Cortex-A9 on i.MX6.

imx_set_cpu_jump writes the entry point into SRC_GPR1 + cpu * 8 and
imx_enable_cpu sets SRC_SCR.core<cpu>_enable (bit 22 + cpu - 1); the SRC then
releases the core at that address.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irqemu.hw.imx_src import BP_SRC_SCR_CORE1_ENABLE, SRC_BASE, SRC_GPR1, SRC_SCR
from irqemu.kernel.context import ChipIO

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


def imx_set_cpu_jump(kernel: Kernel, io: ChipIO, cpu: int, jump_addr: int) -> None:
    me = kernel.ops.smp_processor_id()
    io.write32(me, SRC_BASE + SRC_GPR1 + cpu * 8, jump_addr)


def imx_enable_cpu(kernel: Kernel, io: ChipIO, cpu: int, enable: bool) -> None:
    me = kernel.ops.smp_processor_id()
    mask = 1 << (BP_SRC_SCR_CORE1_ENABLE + cpu - 1)
    val = io.read32(me, SRC_BASE + SRC_SCR)
    io.write32(me, SRC_BASE + SRC_SCR, (val | mask) if enable else (val & ~mask))


def imx_boot_secondary(kernel: Kernel, io: ChipIO, cpu: int, entry: int) -> int:
    """platsmp.c imx_boot_secondary: jump address, then enable the core."""
    if not 1 <= cpu < kernel.num_cpus:
        return -22
    imx_set_cpu_jump(kernel, io, cpu, entry)
    imx_enable_cpu(kernel, io, cpu, True)
    return 0
