"""The 32-bit ARM zImage header (arch/arm/boot/compressed/head.S): the magic
0x016F2818 at 0x24, then the image's start and end addresses. QEMU loads it, like
any raw 32-bit kernel, at RAM base + 0x10000 (KERNEL_LOAD_ADDR in hw/arm/boot.c)."""

from __future__ import annotations

import struct

ZIMAGE_MAGIC = 0x016F2818
MAGIC_OFFSET = 0x24
ARM_KERNEL_LOAD_OFFSET = 0x10000  #: QEMU's KERNEL_LOAD_ADDR (32-bit ARM)


def is_zimage(data: bytes) -> bool:
    return len(data) >= 0x30 and struct.unpack_from("<I", data, MAGIC_OFFSET)[0] == ZIMAGE_MAGIC


def check_zimage(data: bytes, what: str) -> int:
    """The size the zImage says it is, or ``ValueError`` (one line)."""
    start, end = struct.unpack_from("<2I", data, MAGIC_OFFSET + 4)
    if end <= start:
        raise ValueError(f"{what}: zImage end {end:#x} is not above its start {start:#x}")
    if end - start > len(data):
        raise ValueError(f"{what}: zImage header says {end - start} bytes but the file has "
                         f"{len(data)}")
    return end - start
