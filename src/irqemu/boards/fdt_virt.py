"""virt-a53's device tree, node for node as QEMU's hw/arm/virt.c builds it for what irqemu wires.

create_fdt (root, /chosen, the 24 MHz apb-pclk), fdt_add_psci_node, fdt_add_cpu_nodes
(with the cpu-map), fdt_add_timer_nodes, fdt_add_gic_node (GICv2) and create_uart,
from the addresses and interrupt IDs in ``irqemu.boards.virt_a53``. QEMU's other
devices (PCIe, virtio-mmio, fw-cfg, RTC, GPIO, flash, PMU) are not modelled and not
described. Differences from QEMU's tree are listed in docs/boards.md.
"""

from __future__ import annotations

from typing import Any

from irqemu.boards import virt_a53 as virt
from irqemu.boards.fdt_nodes import (
    IRQ_TYPE_LEVEL_HIGH,
    PropValue,
    cells,
    chosen,
    gic_ppi,
    gic_spi,
    node,
    serialise,
)

MAX_CPUS = 8  #: GICv2: eight CPU interfaces
GICD_SIZE = GICC_SIZE = 0x1000  #: the frames irqemu maps (GICv2: 4 KiB each, no GICC_DIR page)
UART_SIZE = 0x1000
APB_PCLK_HZ = 24_000_000  #: virt.c create_fdt: the fixed "clk24mhz" of every PrimeCell

#: arm,armv8-timer binding order: secure EL1, non-secure EL1, virtual, hypervisor PPIs
#: (virt.h ARCH_TIMER_S_EL1_IRQ 13, NS_EL1 14, VIRT 11, NS_EL2 10, each + 16)
TIMER_PPIS = (29, virt.IRQ_PTIMER_NS, virt.IRQ_VTIMER, 26)

#: PSCI 0.2 function IDs virt.c names for the psci 0.1 binding (SMC64 where it has one)
PSCI_FN_CPU_SUSPEND, PSCI_FN_CPU_OFF, PSCI_FN_CPU_ON, PSCI_FN_MIGRATE = (
    0xC4000001, 0x84000002, 0xC4000003, 0xC4000005)
PSCI_METHOD = "hvc"  #: the conduit irqemu's PSCI answers for a kernel started at EL1

PHANDLE_APB_PCLK, PHANDLE_GIC = 0x8000, 0x8001  #: QEMU starts its phandles at 0x8000
PHANDLE_CPU0 = 0x8002

UART_PATH = f"/pl011@{virt.UART_BASE:x}"


def reg(*pairs: tuple[int, int]) -> tuple[int, ...]:
    """A reg of (address, size) pairs in the root's 2 + 2 cells."""
    return tuple(c for base, size in pairs for c in cells(base, 2) + cells(size, 2))


def psci_node() -> Any:
    """/psci: PSCI 1.0 compatible (irqemu answers PSCI_VERSION 1.1), conduit hvc."""
    return node("psci", {
        "compatible": ["arm,psci-1.0", "arm,psci-0.2", "arm,psci"],
        "method": PSCI_METHOD,
        "cpu_suspend": PSCI_FN_CPU_SUSPEND, "cpu_off": PSCI_FN_CPU_OFF,
        "cpu_on": PSCI_FN_CPU_ON, "migrate": PSCI_FN_MIGRATE,
    })


def cpus_node(num_cpus: int) -> Any:
    """/cpus: one Cortex-A53 per CPU, MPIDR Aff0 = index, started by PSCI CPU_ON (the
    enable-method only when there are secondaries, as virt.c writes it)."""
    cpu_nodes = [node(f"cpu@{i}", {
        "device_type": "cpu", "compatible": "arm,cortex-a53", "reg": i,
        "enable-method": "psci" if num_cpus > 1 else False, "phandle": PHANDLE_CPU0 + i,
    }) for i in range(num_cpus)]
    cores = [node(f"core{i}", {"cpu": PHANDLE_CPU0 + i}) for i in range(num_cpus)]
    cpu_map = node("cpu-map", children=[node("socket0", children=[
        node("cluster0", children=cores)])])
    return node("cpus", {"#address-cells": 1, "#size-cells": 0}, [cpu_map, *cpu_nodes])


def timer_node(num_cpus: int) -> Any:
    """/timer: the generic timer's four PPIs, level-high on every CPU (GICv2 CPU mask)."""
    specs = [c for ppi in TIMER_PPIS for c in gic_ppi(ppi, num_cpus, IRQ_TYPE_LEVEL_HIGH)]
    return node("timer", {"compatible": ["arm,armv8-timer", "arm,armv7-timer"],
                          "always-on": True, "interrupts": specs})


def gic_node() -> Any:
    """The GICv2 (``arm,cortex-a15-gic`` as virt.c names it): distributor, CPU interface."""
    return node(f"intc@{virt.GICD_BASE:x}", {
        "compatible": "arm,cortex-a15-gic",
        "#interrupt-cells": 3, "interrupt-controller": True,
        "#address-cells": 2, "#size-cells": 2, "ranges": True,
        "reg": reg((virt.GICD_BASE, GICD_SIZE), (virt.GICC_BASE, GICC_SIZE)),
        "phandle": PHANDLE_GIC,
    })


def uart_node() -> Any:
    """The PL011 on SPI 1, clocked (uartclk and apb_pclk) by the 24 MHz apb-pclk."""
    return node(f"pl011@{virt.UART_BASE:x}", {
        "compatible": ["arm,pl011", "arm,primecell"],
        "reg": reg((virt.UART_BASE, UART_SIZE)),
        "interrupts": gic_spi(virt.IRQ_UART),
        "clocks": (PHANDLE_APB_PCLK, PHANDLE_APB_PCLK),
        "clock-names": ["uartclk", "apb_pclk"],
    })


def virt_dtb(*, num_cpus: int, ram_size: int, bootargs: str = "",
             stdout_path: str | None = None) -> bytes:
    """virt-a53's DTB for ``num_cpus`` CPUs and ``ram_size`` bytes of RAM at 0x40000000."""
    if not 1 <= num_cpus <= MAX_CPUS:
        raise ValueError(f"virt-a53 with GICv2 has 1 to {MAX_CPUS} CPUs, not {num_cpus}")
    root: dict[str, PropValue] = {
        "compatible": "linux,dummy-virt", "model": "linux,dummy-virt",
        "#address-cells": 2, "#size-cells": 2, "interrupt-parent": PHANDLE_GIC,
    }
    clock = node("apb-pclk", {"compatible": "fixed-clock", "#clock-cells": 0,
                              "clock-frequency": APB_PCLK_HZ,
                              "clock-output-names": "clk24mhz", "phandle": PHANDLE_APB_PCLK})
    memory = node(f"memory@{virt.RAM_BASE:x}", {"device_type": "memory",
                                                 "reg": reg((virt.RAM_BASE, ram_size))})
    return serialise(root, [
        chosen(bootargs, stdout_path or UART_PATH), clock, psci_node(), memory,
        cpus_node(num_cpus), timer_node(num_cpus), gic_node(), uart_node(),
    ])
