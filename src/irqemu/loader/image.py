"""The arm64 ``Image`` header (Linux Documentation/arch/arm64/booting.rst).

64 bytes: code0/code1, ``text_offset`` (u64 at 8), ``image_size`` (u64 at 16),
``flags`` (u64 at 24), the magic "ARM\\x64" at 0x38. QEMU's load_aarch64_image
loads it at RAM base + text_offset (a text_offset below its 4 KiB boot stub
moves up by 2 MiB; image_size 0, a pre-3.17 kernel: 0x80000).
"""

# No "from __future__ import annotations" here: NamedTuple would make a ForwardRef of
# each field's annotation text, compiling it, and a process's first compile() builds
# the ast types (~10 M host instructions of a boot's start-up; tests/cli/test_startup.py)

import struct

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import NamedTuple
else:
    from irqemu.namedtuples import NamedTuple  # typing's class syntax without typing

ARM64_MAGIC = b"ARM\x64"
MAGIC_OFFSET = 0x38
HEADER_SIZE = 64
LEGACY_TEXT_OFFSET = 0x80000  #: QEMU's KERNEL64_LOAD_ADDR, for image_size 0
BOOTLOADER_MAX = 0x1000  #: QEMU keeps its boot stub at the RAM base's first 4 KiB
FLAG_BE = 1  #: flags bit 0: kernel endianness (1: big-endian)


class Arm64Image(NamedTuple):
    """A parsed header: where it loads, and how much RAM it claims from there."""
    text_offset: int
    image_size: int
    flags: int


def is_arm64_image(data: bytes) -> bool:
    return len(data) >= HEADER_SIZE and data[MAGIC_OFFSET:MAGIC_OFFSET + 4] == ARM64_MAGIC


def parse_arm64_image(data: bytes, what: str) -> Arm64Image:
    """The header of an Image, or ``ValueError`` (one line naming ``what``)."""
    if not is_arm64_image(data):
        raise ValueError(f"{what}: not an arm64 Image (no \"ARM\\x64\" magic at 0x38)")
    text_offset, image_size, flags = struct.unpack_from("<3Q", data, 8)
    if flags & FLAG_BE:
        raise ValueError(f"{what}: big-endian arm64 Image (flags {flags:#x}); the cores "
                         "here run little-endian")
    if image_size == 0:
        return Arm64Image(LEGACY_TEXT_OFFSET, len(data), flags)
    if text_offset % 8:
        raise ValueError(f"{what}: text_offset {text_offset:#x} is not 8-byte aligned")
    if text_offset < BOOTLOADER_MAX:
        text_offset += 2 << 20
    return Arm64Image(text_offset, max(image_size, len(data)), flags)


def image_load_address(ram_base: int, image: Arm64Image) -> int:
    return ram_base + image.text_offset
