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


def elf_file(path: Path, *, bits: int = 32, machine: int = 40, big_endian: bool = False,
             e_type: int = 2, entry: int | None = None,
             segments: list[tuple[int, bytes, int]] | None = None,
             filesz_extra: int = 0) -> Path:
    """A general ELF for bad-input tests: ``segments`` are (address, data, memsz), one
    PT_LOAD each, data laid out after the program headers; ``filesz_extra`` claims that
    many more file bytes for the last segment than the file holds."""
    segs = segments if segments is not None else [(0x10000000, b"\xfe\xff\xff\xea", 4)]
    e = ">" if big_endian else "<"
    if bits == 32:
        ehsize, phsize = 52, 32
    else:
        ehsize, phsize = 64, 56
    off = ehsize + phsize * len(segs)
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 2 if big_endian else 1, 1]) + bytes(9)
    start = segs[0][0] if entry is None else entry
    if bits == 32:
        eh = ident + struct.pack(e + "HHIIIIIHHHHHH", e_type, machine, 1, start, ehsize, 0,
                                 0x05000000, ehsize, phsize, len(segs), 40, 0, 0)
    else:
        eh = ident + struct.pack(e + "HHIQQQIHHHHHH", e_type, machine, 1, start, ehsize, 0, 0,
                                 ehsize, phsize, len(segs), 64, 0, 0)
    phs, body = b"", b""
    for i, (addr, data, memsz) in enumerate(segs):
        filesz = len(data) + (filesz_extra if i == len(segs) - 1 else 0)
        if bits == 32:
            phs += struct.pack(e + "IIIIIIII", 1, off + len(body), addr, addr, filesz, memsz,
                               7, 4)
        else:
            phs += struct.pack(e + "IIQQQQQQ", 1, 7, off + len(body), addr, addr, filesz, memsz,
                               8)
        body += data
    path.write_bytes(eh + phs + body)
    return path
