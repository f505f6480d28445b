"""imx6q's device tree: Linux's imx6q-sabrelite.dts and its .dtsi files, for what is modelled.

Nodes keep Linux's names, paths and compatibles (``/soc/bus@2000000/spba-bus@2000000/
serial@2020000`` for UART1, the FEC under AIPS2, the GIC as ``intc``), so drivers
and aliases find them where they look on a real board. What irqemu does not model
is not described: the GPC (the SoC devices' interrupt parent is the GIC itself),
the CCM (each clock the devices use is a fixed clock at the rate the board runs
it), the L2 cache, pinmux and regulators. Differences are listed in docs/boards.md.
"""

from __future__ import annotations

from typing import Any

from irqemu.boards import imx6q
from irqemu.boards.fdt_nodes import (
    IRQ_TYPE_EDGE_RISING,
    PropValue,
    chosen,
    gic_ppi,
    gic_spi,
    node,
    serialise,
)
from irqemu.timing import load_cost_model

MAX_CPUS = 4  #: the Cortex-A9 MPCore of an i.MX6Q
OSC_HZ = 24_000_000  #: imx6qdl.dtsi ``osc``
UART_SERIAL_HZ = 80_000_000  #: UART_CLK_ROOT from pll3_80m (i.MX6DQ RM, clock tree)

#: sizes as imx6qdl.dtsi and the A9 bindings give them; each lies inside what the board maps
SCU_SIZE, GTIMER_SIZE, TWD_SIZE = 0x100, 0x20, 0x20
GICD_SIZE, GICC_SIZE = 0x1000, 0x100
IP_SIZE = 0x4000  #: one AIPS peripheral slot (UART, GPT, SRC, FEC)
SPBA_SIZE = 0x40000

PHANDLE_INTC, PHANDLE_OSC, PHANDLE_IPG, PHANDLE_UART_SERIAL, PHANDLE_PERIPHCLK = range(1, 6)

SOC = "/soc"
AIPS1 = f"{SOC}/bus@{imx6q.AIPS1_BASE:x}"
AIPS2 = f"{SOC}/bus@{imx6q.AIPS2_BASE:x}"
SPBA = f"{AIPS1}/spba-bus@{imx6q.AIPS1_BASE:x}"
UART1_PATH = f"{SPBA}/serial@{imx6q.UART1_BASE:x}"
FEC_PATH = f"{AIPS2}/ethernet@{imx6q.ENET_BASE:x}"


def periphclk_hz(cpu_hz: int | None) -> int:
    """PERIPHCLK, the A9 timers' clock: half the cores' clock (by default the
    cortex-a9 cost model's, as the board runs it)."""
    return (cpu_hz or load_cost_model("cortex-a9").hz) // 2


def clocks_node(cpu_hz: int | None) -> Any:
    """/clocks: the 24 MHz oscillator, and fixed stand-ins for the CCM outputs used."""
    def fixed(name: str, hz: int, phandle: int) -> Any:
        return node(name, {"compatible": "fixed-clock", "#clock-cells": 0,
                           "clock-frequency": hz, "phandle": phandle})
    return node("clocks", children=[
        fixed("osc", OSC_HZ, PHANDLE_OSC), fixed("ipg", imx6q.IPG_HZ, PHANDLE_IPG),
        fixed("uart-serial", UART_SERIAL_HZ, PHANDLE_UART_SERIAL),
        fixed("periphclk", periphclk_hz(cpu_hz), PHANDLE_PERIPHCLK)])


def cpus_node(num_cpus: int) -> Any:
    """/cpus: Cortex-A9s with MPIDR Aff0 = index; no enable-method (imx6q.dtsi has none:
    the secondaries are released through the SRC by the machine's smp_ops)."""
    return node("cpus", {"#address-cells": 1, "#size-cells": 0}, [
        node(f"cpu@{i}", {"compatible": "arm,cortex-a9", "device_type": "cpu", "reg": i})
        for i in range(num_cpus)])


def mpcore_nodes(num_cpus: int) -> list[Any]:
    """The A9 MPCore private peripherals: SCU, global timer, private timer (twd), GIC."""
    def ppi(irq_id: int) -> tuple[int, int, int]:
        return gic_ppi(irq_id, num_cpus, IRQ_TYPE_EDGE_RISING)
    return [
        node(f"scu@{imx6q.SCU_BASE:x}", {"compatible": "arm,cortex-a9-scu",
                                         "reg": (imx6q.SCU_BASE, SCU_SIZE)}),
        node(f"timer@{imx6q.GTIMER_BASE:x}", {
            "compatible": "arm,cortex-a9-global-timer", "reg": (imx6q.GTIMER_BASE, GTIMER_SIZE),
            "interrupts": ppi(imx6q.IRQ_GTIMER), "interrupt-parent": PHANDLE_INTC,
            "clocks": PHANDLE_PERIPHCLK}),
        node(f"timer@{imx6q.PTIMER_BASE:x}", {
            "compatible": "arm,cortex-a9-twd-timer", "reg": (imx6q.PTIMER_BASE, TWD_SIZE),
            "interrupts": ppi(imx6q.IRQ_PTIMER), "interrupt-parent": PHANDLE_INTC,
            "clocks": PHANDLE_PERIPHCLK}),
        node(f"interrupt-controller@{imx6q.GICD_BASE:x}", {
            "compatible": "arm,cortex-a9-gic", "#interrupt-cells": 3, "#address-cells": 0,
            "interrupt-controller": True,
            "reg": (imx6q.GICD_BASE, GICD_SIZE, imx6q.GICC_BASE, GICC_SIZE),
            "interrupt-parent": PHANDLE_INTC, "phandle": PHANDLE_INTC}),
    ]


def bus(name: str, compatible: list[str], base: int, size: int, children: list[Any]) -> Any:
    """A simple-bus that maps its children one to one (``ranges;``)."""
    return node(f"{name}@{base:x}", {"compatible": compatible, "#address-cells": 1,
                                      "#size-cells": 1, "reg": (base, size), "ranges": True},
                children)


def aips1_node() -> Any:
    """AIPS1: UART1 (in the SPBA), the GPT and the SRC."""
    uart1 = node(f"serial@{imx6q.UART1_BASE:x}", {
        "compatible": ["fsl,imx6q-uart", "fsl,imx21-uart"], "reg": (imx6q.UART1_BASE, IP_SIZE),
        "interrupts": gic_spi(imx6q.IRQ_UART1),
        "clocks": (PHANDLE_IPG, PHANDLE_UART_SERIAL), "clock-names": ["ipg", "per"]})
    spba = bus("spba-bus", ["fsl,spba-bus", "simple-bus"], imx6q.AIPS1_BASE, SPBA_SIZE, [uart1])
    gpt = node(f"timer@{imx6q.GPT_BASE:x}", {
        "compatible": ["fsl,imx6q-gpt", "fsl,imx31-gpt"], "reg": (imx6q.GPT_BASE, IP_SIZE),
        "interrupts": gic_spi(imx6q.IRQ_GPT),
        "clocks": (PHANDLE_IPG, PHANDLE_IPG), "clock-names": ["ipg", "per"]})
    src = node(f"reset-controller@{imx6q.SRC_BASE:x}", {
        "compatible": ["fsl,imx6q-src", "fsl,imx51-src"], "reg": (imx6q.SRC_BASE, IP_SIZE),
        "#reset-cells": 1})
    return bus("bus", ["fsl,aips-bus", "simple-bus"], imx6q.AIPS1_BASE, imx6q.AIPS_SIZE,
               [spba, gpt, src])


def aips2_node() -> Any:
    """AIPS2: the FEC with its two interrupts (int0, pps)."""
    fec = node(f"ethernet@{imx6q.ENET_BASE:x}", {
        "compatible": "fsl,imx6q-fec", "reg": (imx6q.ENET_BASE, IP_SIZE),
        "interrupt-names": ["int0", "pps"],
        "interrupts": gic_spi(imx6q.IRQ_ENET) + gic_spi(imx6q.IRQ_ENET_1588),
        "clocks": (PHANDLE_IPG, PHANDLE_IPG), "clock-names": ["ipg", "ahb"],
        "phy-mode": "rgmii-id"})
    return bus("bus", ["fsl,aips-bus", "simple-bus"], imx6q.AIPS2_BASE, imx6q.AIPS_SIZE, [fec])


def soc_node(num_cpus: int) -> Any:
    """/soc: OCRAM, the MPCore peripherals and the two AIPS buses, interrupts to the GIC."""
    ocram = node(f"sram@{imx6q.OCRAM_BASE:x}", {
        "compatible": "mmio-sram", "reg": (imx6q.OCRAM_BASE, imx6q.OCRAM_SIZE),
        "ranges": (0, imx6q.OCRAM_BASE, imx6q.OCRAM_SIZE),
        "#address-cells": 1, "#size-cells": 1})
    return node("soc", {"#address-cells": 1, "#size-cells": 1, "compatible": "simple-bus",
                        "interrupt-parent": PHANDLE_INTC, "ranges": True},
                [ocram, *mpcore_nodes(num_cpus), aips1_node(), aips2_node()])


def imx6q_dtb(*, num_cpus: int, ram_size: int, bootargs: str = "",
              stdout_path: str | None = None, cpu_hz: int | None = None) -> bytes:
    """imx6q's DTB for ``num_cpus`` CPUs and ``ram_size`` bytes of DDR at 0x10000000."""
    if not 1 <= num_cpus <= MAX_CPUS:
        raise ValueError(f"imx6q has 1 to {MAX_CPUS} CPUs, not {num_cpus}")
    if imx6q.DDR_BASE + ram_size > 1 << 32:
        raise ValueError(f"imx6q's DDR window ends at 4 GiB: {ram_size >> 20} MiB from "
                         f"{imx6q.DDR_BASE:#x} does not fit")
    root: dict[str, PropValue] = {
        "#address-cells": 1, "#size-cells": 1,
        "model": "Freescale i.MX6 Quad SABRE Lite Board",
        "compatible": ["fsl,imx6q-sabrelite", "fsl,imx6q"],
    }
    aliases = node("aliases", {"serial0": UART1_PATH, "ethernet0": FEC_PATH})
    memory = node(f"memory@{imx6q.DDR_BASE:x}", {"device_type": "memory",
                                                  "reg": (imx6q.DDR_BASE, ram_size)})
    return serialise(root, [
        chosen(bootargs, stdout_path or UART1_PATH), aliases, clocks_node(cpu_hz),
        cpus_node(num_cpus), memory, soc_node(num_cpus),
    ])
