"""Flattened device trees: each board's generated tree, and checking a user's own.

``board_dtb`` builds the tree that describes what a board wires (memory, cpus,
the GIC, the timers' PPIs, the UART, PSCI, ``/chosen``), as QEMU's ``virt``
builds one in hw/arm/virt.c and as Linux's imx6q-sabrelite.dts describes an
i.MX6Q, serialised by the ``fdt`` package (version 17, the Devicetree
Specification's format). ``check_dtb`` is what ``--dtb FILE`` passes through.
The pc has no tree: x86 firmware learns its machine from multiboot and ACPI.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any

import fdt

FDT_MAGIC = 0xD00DFEED  #: Devicetree Specification 5.2
FDT_VERSION, FDT_LAST_COMP_VERSION = 17, 16
FDT_HEADER_SIZE = 40  #: ten big-endian u32 fields of a version 17 header

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


def board_dtb(board: str, *, num_cpus: int, memory_mib: int, bootargs: str = "",
              stdout_path: str | None = None) -> bytes:
    """The flattened device tree of ``board`` with ``num_cpus`` CPUs and ``memory_mib`` of RAM.

    ``stdout_path`` defaults to the board's UART node. ``ValueError`` (one line) for a
    board without a tree (``pc``) or an unknown one.
    """
    if memory_mib <= 0:
        raise ValueError(f"memory size must be positive, not {memory_mib} MiB")
    if not all(" " <= c <= "~" for c in bootargs):
        raise ValueError(f"bootargs {bootargs!r}: only printable ASCII goes in a device tree "
                         "string here")
    if board == "virt-a53":
        from irqemu.boards.fdt_virt import virt_dtb

        return virt_dtb(num_cpus=num_cpus, ram_size=memory_mib << 20, bootargs=bootargs,
                        stdout_path=stdout_path)
    if board == "imx6q":
        from irqemu.boards.fdt_imx6q import imx6q_dtb

        return imx6q_dtb(num_cpus=num_cpus, ram_size=memory_mib << 20, bootargs=bootargs,
                         stdout_path=stdout_path)
    if board == "pc":
        raise ValueError("board pc has no device tree (x86 boots with multiboot, not a DTB)")
    raise ValueError(f"unknown board {board!r} (device trees: imx6q, virt-a53)")


def check_dtb(data: bytes, what: str = "DTB") -> bytes:
    """``data`` if it is a flattened device tree a kernel accepts, else ``ValueError`` (one line).

    Checks the header as libfdt's ``fdt_check_header`` does (the magic, a version of
    16 or later whose last compatible version is at most 17, a total size the file
    holds, each block inside it), then parses the structure block.
    """
    if len(data) < FDT_HEADER_SIZE:
        raise ValueError(f"{what}: {len(data)} bytes is shorter than a device-tree header")
    (magic, total, off_struct, off_strings, off_rsv, version, last_comp,
     _boot_cpu, size_strings, size_struct) = struct.unpack_from(">10I", data)
    if magic != FDT_MAGIC:
        raise ValueError(f"{what}: bad magic {magic:#010x} (a DTB starts with {FDT_MAGIC:#x})")
    if version < 16 or last_comp > FDT_VERSION:
        raise ValueError(f"{what}: device-tree version {version} (last compatible "
                         f"{last_comp}) is not supported (16 or 17)")
    if total > len(data) or total < FDT_HEADER_SIZE:
        raise ValueError(f"{what}: header totalsize {total} but the file has {len(data)} bytes")
    for name, off, size in (("structure", off_struct, size_struct),
                            ("strings", off_strings, size_strings), ("reserve map", off_rsv, 16)):
        if off < FDT_HEADER_SIZE or off + size > total:
            raise ValueError(f"{what}: {name} block at {off} (+{size}) is outside its "
                             f"{total} bytes")
    try:
        parse(data[:total])
    except Exception as exc:  # the parser raises bare Exception for a bad token
        detail = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise ValueError(f"{what}: malformed structure block ({detail})") from None
    return data[:total]


def read_dtb(path: str) -> bytes:
    """The checked contents of the DTB file ``path`` (``--dtb FILE``)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ValueError(f"--dtb {path}: {exc.strerror}") from None
    return check_dtb(data, f"--dtb {path}")


def ram_base(board: str) -> int:
    """Where ``board``'s RAM starts: QEMU's ``loader_start`` for a kernel and its DTB."""
    if board == "virt-a53":
        from irqemu.boards.virt_a53 import RAM_BASE

        return RAM_BASE
    if board == "imx6q":
        from irqemu.boards.imx6q import DDR_BASE

        return DDR_BASE
    raise ValueError(f"board {board} takes no device tree")


def elf_dtb_address(board: str, image_low: int, image_high: int, dtb_size: int) -> int:
    """Where QEMU's arm_setup_direct_kernel_boot puts the DTB beside an ELF ``-kernel``.

    At the base of RAM, when the ELF (loaded at [image_low, image_high)) starts above
    it, with the ELF as the limit, or lies wholly below it; else no room (one line).
    """
    base = ram_base(board)
    if image_high <= base:
        return base
    if image_low > base:
        if base + dtb_size > image_low:
            raise ValueError(f"no room for the {dtb_size}-byte DTB at {base:#x} below the "
                             f"ELF at {image_low:#x}")
        return base
    raise ValueError(f"the ELF starts at the base of RAM ({base:#x}), where the DTB goes; "
                     "link it higher to leave room below it")
