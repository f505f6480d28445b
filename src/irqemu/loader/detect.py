"""Which format a ``-kernel`` file is, from its first bytes."""

from __future__ import annotations

from irqemu.loader.image import is_arm64_image
from irqemu.loader.multiboot import is_multiboot
from irqemu.loader.zimage import is_zimage

ELF_MAGIC = b"\x7fELF"


def detect(data: bytes) -> str:
    """``multiboot`` (not a 64-bit ELF), ``elf``, ``arm64-image``, ``zimage`` or ``flat``
    (anything else: a raw binary)."""
    if is_multiboot(data):
        return "multiboot"
    if data[:4] == ELF_MAGIC:
        return "elf"
    if is_arm64_image(data):
        return "arm64-image"
    if is_zimage(data):
        return "zimage"
    return "flat"
