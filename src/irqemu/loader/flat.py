"""Raw (flat) binaries: the file's bytes at one address, entered at that address.
QEMU's default for a non-ELF, non-Image file: RAM base + 0x80000 on AArch64
(KERNEL64_LOAD_ADDR), RAM base + 0x10000 on 32-bit ARM (KERNEL_LOAD_ADDR)."""

from __future__ import annotations

from irqemu.loader.image import LEGACY_TEXT_OFFSET
from irqemu.loader.zimage import ARM_KERNEL_LOAD_OFFSET


def default_load_address(arch: str, ram_base: int) -> int:
    """Where QEMU's -kernel puts a raw image for cores of ``arch``."""
    if arch == "aarch64":
        return ram_base + LEGACY_TEXT_OFFSET
    if arch == "armv7":
        return ram_base + ARM_KERNEL_LOAD_OFFSET
    raise ValueError(f"raw images are loaded only on ARM boards (this board's cores are {arch})")
