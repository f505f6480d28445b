"""i.MX6 System Reset Controller: releases and holds the secondary cores.

Register layout and reset values follow the i.MX6DQ reference manual and QEMU's
hw/misc/imx6_src.c. As QEMU does, the boot ROM is skipped: setting
SCR.coreN_enable starts core N directly at the address in GPR(2N+1), the slot
Linux's imx_set_cpu_jump() fills (SRC_GPR1 + N*8); GPR(2N+2) holds its argument.
"""

from __future__ import annotations

from irqemu.devices.base import Device, MachineContext
from irqemu.devices.regmap import Reg
from irqemu.hw.imx_src import (
    BP_SRC_SCR_CORE1_ENABLE,
    BP_SRC_SCR_CORE1_RST,
    SCR_SELF_CLEARING,
    SRC_BASE,
    SRC_GPR1,
    SRC_SBMR1,
    SRC_SBMR2,
    SRC_SCR,
    SRC_SIMR,
    SRC_SISR,
    SRC_SRSR,
)

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object  # the interfaces are mypy's: at run time, plain classes


class CpuControl(Protocol):
    """The machine services the SRC needs on top of MachineContext."""

    def release_cpu(self, cpu: int, entry_address: int) -> None: ...

    def hold_cpu(self, cpu: int) -> None: ...


class ImxSRC(Device):
    """SRC at 0x020D8000. ``num_cpus`` limits which core enables are honoured.

    A reset bit (coreN_rst) on an enabled secondary core restarts it at its
    GPR entry; reset bits and the IPU reset bits self-clear. Core 0 resets and
    warm/cold reset requests are recorded in ``resets`` only.
    """

    SIZE = 0x4000
    REGS = (
        Reg(SRC_SCR, "SRC_SCR", reset=0x00000521),
        Reg(SRC_SBMR1, "SRC_SBMR1", access="r"),
        Reg(SRC_SRSR, "SRC_SRSR", reset=0x00000001),
        Reg(SRC_SISR, "SRC_SISR", access="r"),
        Reg(SRC_SIMR, "SRC_SIMR", reset=0x0000001F),
        Reg(SRC_SBMR2, "SRC_SBMR2", access="r"),
        Reg(SRC_GPR1, "SRC_GPRn", count=10, doc="GPR1..GPR10; GPR(2N+1) = core N entry"),
    )

    def __init__(
        self,
        machine: MachineContext,
        base: int = SRC_BASE,
        name: str = "src",
        *,
        num_cpus: int | None = None,
    ) -> None:
        super().__init__(machine, base, name)
        self.num_cpus = machine.num_cpus if num_cpus is None else num_cpus
        self.resets: list[int] = []  # core numbers whose reset bit was written

    def entry(self, cpu: int) -> int:
        """Jump address for core ``cpu``: GPR(2*cpu+1)."""
        return self.regs.values["SRC_GPRn"][2 * cpu]

    def write_SRC_SCR(self, cpu: int, index: int, value: int) -> None:
        ctl: CpuControl = self.machine  # type: ignore[assignment]
        old = self.regs.values["SRC_SCR"][0]
        for core in range(1, min(self.num_cpus, 4)):
            en = 1 << (BP_SRC_SCR_CORE1_ENABLE + core - 1)
            rst = 1 << (BP_SRC_SCR_CORE1_RST + core - 1)
            if (old ^ value) & en:
                if value & en:
                    ctl.release_cpu(core, self.entry(core))
                else:
                    ctl.hold_cpu(core)
            elif value & rst and value & en:
                ctl.release_cpu(core, self.entry(core))
            if value & rst:
                self.resets.append(core)
        if value & (1 << (BP_SRC_SCR_CORE1_RST - 1)):
            self.resets.append(0)
        self.regs.values["SRC_SCR"][0] = value & ~SCR_SELF_CLEARING
