"""ELF loading: segments into guest memory, symbols kept for traces and errors."""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from irqemu.errors import ElfLoadError

MACHINE_NAMES = {"EM_ARM": "ARM", "EM_AARCH64": "AArch64", "EM_X86_64": "x86-64",
                 "EM_386": "i386", "EM_RISCV": "RISC-V"}


@dataclass
class Segment:
    """One PT_LOAD segment: loaded at ``address`` (p_paddr), zero-filled to ``memsz``."""

    address: int
    data: bytes
    memsz: int
    vaddr: int | None = None


@dataclass
class ElfImage:
    """What a firmware file brings: where to start, what to load, its symbol names."""

    path: str
    machine: str
    entry: int
    segments: list[Segment]
    symbols: dict[str, int] = field(default_factory=dict)
    _addrs: list[int] = field(default_factory=list, repr=False)
    _names: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        pairs = sorted((a, n) for n, a in self.symbols.items())
        self._addrs = [a for a, _ in pairs]
        self._names = [n for _, n in pairs]

    def symbolize(self, address: int) -> str:
        """``name+0xoff`` for the nearest symbol at or below ``address`` ("" if none)."""
        i = bisect.bisect_right(self._addrs, address) - 1
        if i < 0:
            return ""
        off = address - self._addrs[i]
        if off > 0x10000:
            return ""
        return self._names[i] + (f"+{off:#x}" if off else "")


#: the ELF class each supported machine's executables use
_CLASS_FOR_MACHINE = {"EM_ARM": 32, "EM_AARCH64": 64, "EM_X86_64": 64}


def read_elf(path: str | Path) -> ElfImage:
    """Parse ``path``; raise ElfLoadError with a one-line reason if it is not usable."""
    p = Path(path)
    if not p.exists():
        raise ElfLoadError(f"{path}: no such file")
    if not p.is_file():
        raise ElfLoadError(f"{path}: not a regular file")
    try:
        with p.open("rb") as fh:
            return _parse(str(path), fh, p.stat().st_size)
    except PermissionError:
        raise ElfLoadError(f"{path}: permission denied") from None
    except OSError as exc:
        raise ElfLoadError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _parse(path: str, fh: BinaryIO, file_size: int) -> ElfImage:
    if fh.read(4) != b"\x7fELF":
        raise ElfLoadError(f"{path}: not an ELF file (no \\x7fELF magic)")
    fh.seek(0)
    try:
        elf = ELFFile(fh)
        machine = elf["e_machine"]
        _check_header(path, elf, machine)
        segments = _load_segments(path, elf, file_size)
        symbols = _symbols(elf)
        entry = elf["e_entry"]
    except ElfLoadError:
        raise
    except (ELFError, ValueError, KeyError, OSError, struct.error) as exc:
        raise ElfLoadError(f"{path}: malformed ELF ({exc})") from None
    if not segments:
        raise ElfLoadError(f"{path}: ELF has no loadable segments")
    _check_entry(path, elf, entry)
    return ElfImage(path, machine, entry, segments, symbols)


def _check_header(path: str, elf: ELFFile, machine: str) -> None:
    """Little-endian executables whose class matches their machine, nothing else."""
    if elf.little_endian is False:
        raise ElfLoadError(f"{path}: big-endian ELF (ELFDATA2MSB); the emulated cores "
                           "run little-endian")
    kind = elf["e_type"]
    if kind not in ("ET_EXEC", "ET_DYN"):
        raise ElfLoadError(f"{path}: ELF type {kind} is not an executable (ET_EXEC)")
    want = _CLASS_FOR_MACHINE.get(machine)
    if want is not None and elf.elfclass != want:
        name = MACHINE_NAMES.get(machine, machine)
        raise ElfLoadError(f"{path}: ELFCLASS{elf.elfclass} file for {name} ({machine}); "
                           f"{name} executables are ELFCLASS{want}")


def _load_segments(path: str, elf: ELFFile, file_size: int) -> list[Segment]:
    """PT_LOAD segments, each inside the file, p_memsz >= p_filesz, none overlapping."""
    segments: list[Segment] = []
    for i, seg in enumerate(elf.iter_segments()):
        if seg["p_type"] != "PT_LOAD":
            continue
        off, filesz, memsz = seg["p_offset"], seg["p_filesz"], seg["p_memsz"]
        where = f"PT_LOAD segment {i} at {seg['p_paddr']:#x}"
        if memsz < filesz:
            raise ElfLoadError(f"{path}: {where}: p_memsz {memsz:#x} is smaller than "
                               f"p_filesz {filesz:#x}")
        if off + filesz > file_size:
            raise ElfLoadError(f"{path}: {where}: p_offset {off:#x} + p_filesz {filesz:#x} "
                               f"runs past the end of the file ({file_size:#x} bytes)")
        if memsz == 0:
            continue
        segments.append(Segment(seg["p_paddr"], seg.data(), memsz, seg["p_vaddr"]))
    ordered = sorted(segments, key=lambda s: s.address)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.address < a.address + a.memsz:
            raise ElfLoadError(f"{path}: PT_LOAD segments overlap: {a.address:#x}"
                               f"+{a.memsz:#x} and {b.address:#x}+{b.memsz:#x}")
    return segments


def _symbols(elf: ELFFile) -> dict[str, int]:
    symbols: dict[str, int] = {}
    symtab = elf.get_section_by_name(".symtab")
    if isinstance(symtab, SymbolTableSection):
        for sym in symtab.iter_symbols():
            kind = sym["st_info"]["type"]
            if (sym.name and kind in ("STT_FUNC", "STT_NOTYPE", "STT_OBJECT")
                    and sym["st_shndx"] != "SHN_UNDEF" and not sym.name.startswith("$")):
                symbols.setdefault(sym.name, sym["st_value"] & ~1 if kind == "STT_FUNC"
                                   else sym["st_value"])
    return symbols


def _check_entry(path: str, elf: ELFFile, entry: int) -> None:
    """The entry point must be in bytes the file loads (bit 0 is ARM's Thumb bit)."""
    pc = entry & ~1 if elf["e_machine"] == "EM_ARM" else entry
    for seg in elf.iter_segments():
        if seg["p_type"] != "PT_LOAD" or not seg["p_filesz"]:
            continue
        for base in {seg["p_vaddr"], seg["p_paddr"]}:
            if base <= pc < base + seg["p_filesz"]:
                return
    raise ElfLoadError(f"{path}: entry point {entry:#x} is not inside any loaded segment's "
                       "file contents")
