"""Which format a ``-kernel`` file is, from its first bytes."""

from __future__ import annotations

from irqemu.loader.image import is_arm64_image
from irqemu.loader.zimage import is_zimage

ELF_MAGIC = b"\x7fELF"


def detect(data: bytes) -> str:
    """``elf``, ``arm64-image``, ``zimage`` or ``flat`` (anything else: a raw binary)."""
    if data[:4] == ELF_MAGIC:
        return "elf"
    if is_arm64_image(data):
        return "arm64-image"
    if is_zimage(data):
        return "zimage"
    return "flat"
