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

from irqemu.boards.fdt_nodes import FDT_VERSION, parse

FDT_MAGIC = 0xD00DFEED  #: Devicetree Specification 5.2
FDT_HEADER_SIZE = 40  #: ten big-endian u32 fields of a version 17 header


def board_dtb(board: str, *, num_cpus: int, memory_mib: int, bootargs: str = "",
              stdout_path: str | None = None, cpu_hz: int | None = None) -> bytes:
    """The flattened device tree of ``board`` with ``num_cpus`` CPUs and ``memory_mib`` of RAM.

    ``stdout_path`` defaults to the board's UART node; ``cpu_hz`` is the cores' clock
    when a cost model other than the board's sets it (imx6q's timers run at half of
    it). ``ValueError`` (one line) for a board without a tree (``pc``) or an unknown one.
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
                         stdout_path=stdout_path, cpu_hz=cpu_hz)
    if board == "pc":
        raise ValueError("board pc has no device tree (x86 boots with multiboot, not a DTB)")
    raise ValueError(f"unknown board {board!r} (device trees: imx6q, virt-a53)")


def check_dtb(data: bytes, what: str = "DTB") -> bytes:
    """``data`` (cut to its totalsize) if it is a well-formed flattened device tree, else
    ``ValueError`` (one line).

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
