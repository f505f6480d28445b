"""i.MX6 Clock Controller Module (CCM) at 0x020C4000: just what low-power modes need.

CCM_CLPCR (0x054) bits 1:0, LPM, choose what the next WFI does: 00 RUN (the
core clock is gated but the platform runs; any GIC interrupt ends the wait),
01 WAIT (the ARM clock stops; only a GPC wake-up request restarts it), 10
STOP (as WAIT, plus PLLs off; the ARM domain may power down). Linux sets it in
imx6_set_lpm() (arch/arm/mach-imx/pm-imx6.c) before cpu_do_idle/suspend.

Every other CCM register is read-as-reset storage so Linux-like code can poke
clock gates and dividers. Offsets and reset values from the i.MX6DQ reference
manual (CCM memory map), as QEMU's hw/misc/imx6_ccm.c resets them. The analog
block (CCM_ANALOG at 0x020C8000) is not modelled.
"""

from __future__ import annotations

from irqemu.devices.base import Device, MachineContext
from irqemu.devices.regmap import Reg

CCM_BASE = 0x020C4000
CLPCR_LPM_MASK = 0x3
LPM_NAMES = {0: "RUN", 1: "WAIT", 2: "STOP", 3: "reserved"}


class ImxCCM(Device):
    """The CCM register block; ``lpm()`` is CLPCR.LPM, ``lpm_changes`` its history."""

    SIZE = 0x4000
    REGS = (
        Reg(0x00, "CCM_CCR", reset=0x040116FF),
        Reg(0x04, "CCM_CCDR"),
        Reg(0x08, "CCM_CSR", reset=0x00000010, access="r"),
        Reg(0x0C, "CCM_CCSR", reset=0x00000100),
        Reg(0x10, "CCM_CACRR"),
        Reg(0x14, "CCM_CBCDR", reset=0x00018D40),
        Reg(0x18, "CCM_CBCMR", reset=0x00022324),
        Reg(0x1C, "CCM_CSCMR1", reset=0x00F00000),
        Reg(0x20, "CCM_CSCMR2", reset=0x02B92F06),
        Reg(0x24, "CCM_CSCDR1", reset=0x00490B00),
        Reg(0x28, "CCM_CS1CDR", reset=0x0EC102C1),
        Reg(0x2C, "CCM_CS2CDR", reset=0x000736C1),
        Reg(0x30, "CCM_CDCDR", reset=0x33F71F92),
        Reg(0x34, "CCM_CHSCCDR", reset=0x0002A150),
        Reg(0x38, "CCM_CSCDR2", reset=0x0002A150),
        Reg(0x3C, "CCM_CSCDR3", reset=0x00014841),
        Reg(0x48, "CCM_CDHIPR", access="r", doc="handshake busy bits: never busy here"),
        Reg(0x50, "CCM_CTOR"),
        Reg(0x54, "CCM_CLPCR", reset=0x00000079, doc="LPM 1:0 = 00 RUN, 01 WAIT, 10 STOP"),
        Reg(0x58, "CCM_CISR", w1c=0xFFFFFFFF, doc="interrupt status, write 1 to clear"),
        Reg(0x5C, "CCM_CIMR", reset=0xFFFFFFFF),
        Reg(0x60, "CCM_CCOSR", reset=0x000A0001),
        Reg(0x64, "CCM_CGPR", reset=0x0000FE62),
        Reg(0x68, "CCM_CCGR", reset=0xFFFFFFFF, count=7, doc="CCGR0..6 clock gates"),
        Reg(0x88, "CCM_CMEOR", reset=0xFFFFFFFF),
    )

    def __init__(self, machine: MachineContext, base: int = CCM_BASE, name: str = "ccm") -> None:
        super().__init__(machine, base, name)
        #: (simulated ps, new LPM) for every write that changed CLPCR.LPM
        self.lpm_changes: list[tuple[int, int]] = []

    def lpm(self) -> int:
        return self.regs.values["CCM_CLPCR"][0] & CLPCR_LPM_MASK

    def write_CCM_CLPCR(self, cpu: int, index: int, value: int) -> None:
        old = self.lpm()
        self.regs.values["CCM_CLPCR"][0] = value
        if self.lpm() != old:
            self.lpm_changes.append((self.machine.now(cpu), self.lpm()))
