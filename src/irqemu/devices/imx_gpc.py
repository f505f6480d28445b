"""i.MX6 General Power Controller (GPC) at 0x020DC000: interrupt wake-up masks.

Register layout and reset values from the i.MX6DQ reference manual (chapter
GPC, "GPC Memory Map"); the register usage follows Linux's
arch/arm/mach-imx/gpc.c (4.6), which :mod:`irqemu.kernel.drivers.irq_imx_gpc`
models: GPC_IMR1..4 (1 = masked) gate GPC lines 0..127 = GIC SPIs 0..127
(GIC IDs 32..159). QEMU has no i.MX6 GPC model to cross-check against.

How it sits in the machine: on the SoC every shared interrupt wire goes both
to the GIC and to the GPC (the GPC figure in the talk). ``gpc.route(line,
spi)`` rewires a device's :class:`IrqLine` through the GPC to the GIC: the
GPC records the level (GPC_ISRn) and forwards it unchanged, so in RUN mode
nothing changes. The IMRs matter when the core sleeps in a low-power mode
(CCM_CLPCR.LPM = WAIT or STOP, see :mod:`irqemu.devices.imx_ccm`): the ARM
core's clock is then gated and only a GPC wake-up request, raised by an
asserted interrupt whose IMR bit is clear, restarts it. :meth:`ImxGPC.wakes`
is that rule, installed with :func:`install_wake_filter`; when an unmasked
line rises while the GIC output is already high (another, masked interrupt
made it so), :meth:`_request_wakeup` re-presents the asserted output to the
machine so the rule is asked again.

Power gating (the PU = GPU/VPU domain and the ARM core domain) is register
storage: GPC_CNTR's PU power-up/down requests complete at once and set
``pu_powered``; PGC_CPU_CTRL.PCR is kept for firmware to read back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from irqemu.devices.base import CPU_FIQ, CPU_IRQ, Device, IrqLine, MachineContext
from irqemu.devices.regmap import Reg
from irqemu.hw.imx_gpc import (
    CNTR_GPU_VPU_PDN_REQ,
    CNTR_GPU_VPU_PUP_REQ,
    GPC_BASE,
    GPC_CNTR,
    GPC_IMR1,
    GPC_ISR1,
    GPC_MAX_IRQS,
    GPC_PGR,
    IMR_NUM,
    PGC_CPU_CTRL,
    PGC_CPU_PDNSCR,
    PGC_CPU_PUPSCR,
    PGC_CPU_SR,
    PGC_GPU_CTRL,
    PGC_GPU_PDNSCR,
    PGC_GPU_PUPSCR,
    PGC_GPU_SR,
)

NUM_LINES = GPC_MAX_IRQS
LPM_RUN, LPM_WAIT, LPM_STOP = 0, 1, 2


class ImxGPC(Device):
    """GPC_CNTR/PGR, IMR1-4 (rw), ISR1-4 (r: asserted lines), PGC GPU (PU) and CPU blocks.

    ``gic`` is the parent controller (a :class:`~irqemu.devices.gic.GICv2`):
    lines routed through the GPC are forwarded to ``gic.input(spi + 32)``.
    ``lpm`` reports the CCM low-power mode (0 RUN, 1 WAIT, 2 STOP); without
    it the GPC assumes RUN and never blocks a wake-up.
    """

    SIZE = 0x4000
    REGS = (
        Reg(GPC_CNTR, "GPC_CNTR", reset=0x00100000,
            doc="GPU_VPU_PDN_REQ bit0, GPU_VPU_PUP_REQ bit1 (self-clearing), DVFS0CR 16, "
                "GPCIRQM 21"),
        Reg(GPC_PGR, "GPC_PGR", doc="DRCIC 30:29"),
        Reg(GPC_IMR1, "GPC_IMR", count=IMR_NUM, doc="IMR1..4: 1 masks GPC line n (SPI n) for "
                                                   "wake-up"),
        Reg(GPC_ISR1, "GPC_ISR", access="r", count=IMR_NUM, doc="ISR1..4: lines asserted now"),
        Reg(PGC_GPU_CTRL, "PGC_GPU_CTRL", doc="PCR bit0: power down the PU domain on request"),
        Reg(PGC_GPU_PUPSCR, "PGC_GPU_PUPSCR", reset=0x00000F01, doc="SW 5:0, SW2ISO 13:8"),
        Reg(PGC_GPU_PDNSCR, "PGC_GPU_PDNSCR", reset=0x00000101, doc="ISO 5:0, ISO2SW 13:8"),
        Reg(PGC_GPU_SR, "PGC_GPU_SR", w1c=1, reserved=0xFFFFFFFE,
            doc="PSR bit0: the domain was powered down (w1c)"),
        Reg(PGC_CPU_CTRL, "PGC_CPU_CTRL", doc="PCR bit0: power down the ARM core in STOP"),
        Reg(PGC_CPU_PUPSCR, "PGC_CPU_PUPSCR", reset=0x00000F01),
        Reg(PGC_CPU_PDNSCR, "PGC_CPU_PDNSCR", reset=0x00000101),
        Reg(PGC_CPU_SR, "PGC_CPU_SR"),
    )

    def __init__(self, machine: MachineContext, base: int = GPC_BASE, name: str = "gpc", *,
                 gic: Any = None, lpm: Callable[[], int] | None = None) -> None:
        super().__init__(machine, base, name)
        self.gic = gic
        self.lpm = lpm
        self.levels = 0  #: bit n: GPC line n (SPI n) asserted
        self.pu_powered = True
        self.wakeups = 0  #: wake-up requests that ended a low-power wait
        self.blocked = 0  #: interrupts that asserted a sleeping core's input but were masked
        self._v = self.regs.values

    # -- wiring -------------------------------------------------------------------
    def input(self, spi: int) -> Callable[[bool], None]:
        """A sink for a device line on GPC line ``spi``; forwards to GIC ID spi + 32."""
        if not 0 <= spi < NUM_LINES:
            raise ValueError(f"{self.name}: no GPC line {spi} (0..{NUM_LINES - 1})")
        if self.gic is None:
            raise ValueError(f"{self.name}: no parent GIC to forward line {spi} to")
        parent = self.gic.input(spi + 32)
        bit = 1 << spi

        def sink(level: bool) -> None:
            self.levels = self.levels | bit if level else self.levels & ~bit
            parent(level)
            if level and not self.masked(spi):
                self._request_wakeup()

        return sink

    def route(self, line: IrqLine, spi: int) -> None:
        """Rewire ``line`` (already connected to the GIC or not) through the GPC."""
        line.connect(self.input(spi))

    # -- state --------------------------------------------------------------------
    def imr(self, n: int) -> int:
        return self._v["GPC_IMR"][n]

    def masked(self, spi: int) -> bool:
        return bool(self.imr(spi // 32) >> (spi % 32) & 1)

    def unmasked_pending(self) -> int:
        """Asserted lines whose IMR bit is clear: the GPC's wake-up request."""
        imr = sum(self.imr(i) << (32 * i) for i in range(IMR_NUM))
        return self.levels & ~imr

    def low_power(self) -> bool:
        return self.lpm is not None and self.lpm() in (LPM_WAIT, LPM_STOP)

    def wakes(self, slot: Any, line: int) -> bool:
        """The wake filter: may input ``line`` end ``slot``'s WFI now?

        In RUN mode (WFI only gates the core clock, "WAIT_CLOCKED") the GIC wakes
        the core as usual. In WAIT/STOP only a GPC-unmasked asserted SPI does;
        PPIs, SGIs and GPC-masked SPIs leave the core asleep.
        """
        if line not in (CPU_IRQ, CPU_FIQ) or not self.low_power():
            return True
        if self.unmasked_pending():
            return True
        self.blocked += 1
        return False

    def _request_wakeup(self) -> None:
        """An unmasked line is asserted: ask the machine again about every core
        whose GIC output is already high (the rule may now say yes)."""
        if self.gic is None or not self.low_power():
            return
        self.wakeups += 1
        for cpu in range(self.gic.num_cpus):
            irq, fiq = self.gic.outputs(cpu)
            for line, level in ((CPU_IRQ, irq), (CPU_FIQ, fiq)):
                if level:
                    self.machine.set_cpu_input(cpu, line, True)

    # -- registers ----------------------------------------------------------------
    def read_GPC_ISR(self, cpu: int, index: int) -> int:
        return (self.levels >> (32 * index)) & 0xFFFFFFFF

    def write_GPC_IMR(self, cpu: int, index: int, value: int) -> None:
        self._v["GPC_IMR"][index] = value
        if self.unmasked_pending():
            self._request_wakeup()

    def write_GPC_CNTR(self, cpu: int, index: int, value: int) -> None:
        if value & CNTR_GPU_VPU_PDN_REQ and self._v["PGC_GPU_CTRL"][0] & 1:
            self.pu_powered = False
            self._v["PGC_GPU_SR"][0] |= 1
        if value & CNTR_GPU_VPU_PUP_REQ:
            self.pu_powered = True
        # the requests complete at once: they read back as 0
        self._v["GPC_CNTR"][0] = value & ~(CNTR_GPU_VPU_PDN_REQ | CNTR_GPU_VPU_PUP_REQ)

    def reset(self) -> None:
        super().reset()
        self.pu_powered = True


def install_wake_filter(machine: Any, fn: Callable[[Any, int], bool]) -> None:
    """Make ``fn(slot, line)`` a further condition for ending a core's WFI
    (``machine.wake_filter``, consulted after the architecture's own rule)."""
    machine.wake_filter = fn
