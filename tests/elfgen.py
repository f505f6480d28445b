"""Build tiny ARM ELF files in tests (for error cases no committed firmware has)."""

from __future__ import annotations

import struct
from pathlib import Path


def arm_elf(path: Path, words: list[int], base: int = 0x10000000, machine: int = 40) -> Path:
    """A 32-bit little-endian ELF with one PT_LOAD of ``words`` at ``base``, entry ``base``."""
    code = b"".join(struct.pack("<I", w) for w in words)
    ehsize, phsize = 52, 32
    off = ehsize + phsize
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    eh = ident + struct.pack("<HHIIIIIHHHHHH", 2, machine, 1, base, ehsize, 0, 0x05000000,
                             ehsize, phsize, 1, 40, 0, 0)
    ph = struct.pack("<IIIIIIII", 1, off, base, base, len(code), len(code), 7, 4)
    path.write_bytes(eh + ph + code)
    return path
