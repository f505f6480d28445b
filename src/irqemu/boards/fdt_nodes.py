"""Device-tree nodes for the boards' trees: properties, nodes, GIC specifiers, the blob.

A thin layer over the ``fdt`` package (its Node and Prop* classes, its serialiser and
parser) that the per-board trees (``fdt_virt``, ``fdt_imx6q``) are written with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import fdt

FDT_VERSION, FDT_LAST_COMP_VERSION = 17, 16

#: include/dt-bindings/interrupt-controller/arm-gic.h: the first cell of a GIC specifier
GIC_SPI, GIC_PPI = 0, 1
#: the third cell's trigger (irq.h IRQ_TYPE_*), and where GICv2 PPIs put their CPU mask
IRQ_TYPE_EDGE_RISING, IRQ_TYPE_LEVEL_HIGH = 1, 4
GIC_FDT_IRQ_PPI_CPU_SHIFT = 8

PropValue = None | bool | int | str | Sequence[int] | Sequence[str]


def gic_spi(irq_id: int, trigger: int = IRQ_TYPE_LEVEL_HIGH) -> tuple[int, int, int]:
    """The 3-cell GIC specifier of interrupt ID ``irq_id`` (an SPI, 32 and up)."""
    if irq_id < 32:
        raise ValueError(f"interrupt {irq_id} is not an SPI")
    return (GIC_SPI, irq_id - 32, trigger)


def gic_ppi(irq_id: int, num_cpus: int, trigger: int) -> tuple[int, int, int]:
    """The 3-cell GICv2 specifier of PPI ``irq_id`` (16..31) on CPUs 0..num_cpus-1."""
    if not 16 <= irq_id < 32:
        raise ValueError(f"interrupt {irq_id} is not a PPI")
    mask = ((1 << num_cpus) - 1) << GIC_FDT_IRQ_PPI_CPU_SHIFT
    return (GIC_PPI, irq_id - 16, mask | trigger)


def cells(value: int, count: int) -> tuple[int, ...]:
    """``value`` as ``count`` big-endian 32-bit cells (#address-cells / #size-cells)."""
    if value >> (32 * count):
        raise ValueError(f"{value:#x} does not fit in {count} cells")
    return tuple((value >> (32 * (count - 1 - i))) & 0xFFFFFFFF for i in range(count))


def prop(name: str, value: PropValue) -> Any:
    """One property: True/None empty, int or ints as cells, str or strs as a string list."""
    if value is None or value is True:
        return fdt.Property(name)
    if isinstance(value, int):
        return fdt.PropWords(name, value)
    if isinstance(value, str):
        return fdt.PropStrings(name, value)
    items = list(value)
    if items and all(isinstance(v, str) for v in items):
        return fdt.PropStrings(name, *items)
    return fdt.PropWords(name, *items)


def node(name: str, props: dict[str, PropValue] | None = None,
         children: Iterable[Any] = ()) -> Any:
    """A node with ``props`` in order, then ``children``."""
    n = fdt.Node(name)
    for key, value in (props or {}).items():
        if value is not False:
            n.append(prop(key, value))
    for child in children:
        n.append(child)
    return n


def serialise(root_props: dict[str, PropValue], children: Iterable[Any],
              boot_cpuid_phys: int = 0) -> bytes:
    """The DTB (version 17, empty memory reservation map) of a root node."""
    tree = fdt.FDT(entries=[])  # not the package's shared default list (see parse)
    for key, value in root_props.items():
        tree.root.append(prop(key, value))
    for child in children:
        tree.root.append(child)
    return bytes(tree.to_dtb(version=FDT_VERSION, last_comp_version=FDT_LAST_COMP_VERSION,
                             boot_cpuid_phys=boot_cpuid_phys))


def chosen(bootargs: str, stdout_path: str) -> Any:
    """``/chosen``: the command line (left out when empty, as QEMU does) and the console."""
    props: dict[str, PropValue] = {}
    if bootargs:
        props["bootargs"] = bootargs
    props["stdout-path"] = stdout_path
    return node("chosen", props)


def parse(data: bytes) -> Any:
    """``fdt.parse_dtb``, without leaking the blob's reserve map into later trees.

    fdt 0.3.3's parser appends reserve-map entries to ``FDT.__init__``'s shared default
    ``entries`` list, so every tree made afterwards would carry them; emptied here."""
    try:
        tree = fdt.parse_dtb(data)
        tree.entries = list(tree.entries)
        return tree
    finally:
        defaults = fdt.FDT.__init__.__defaults__
        if defaults and isinstance(defaults[-1], list):
            defaults[-1].clear()
