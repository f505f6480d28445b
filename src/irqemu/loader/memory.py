"""QEMU's default RAM sizes (``-m``) for the machines irqemu's boards model."""

from __future__ import annotations

#: MachineClass.default_ram_size: virt 128 MiB (hw/arm/virt.c), sabrelite 1 GiB
#: (hw/arm/sabrelite.c), pc 128 MiB (hw/i386/pc.c)
QEMU_DEFAULT_MIB = {"virt-a53": 128, "imx6q": 1024, "pc": 128}


def default_memory_mib(board: str) -> int:
    try:
        return QEMU_DEFAULT_MIB[board]
    except KeyError:
        raise ValueError(f"unknown board {board!r}") from None
