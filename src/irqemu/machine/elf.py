"""ELF loading: segments into guest memory, symbols kept for traces and errors."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from irqemu.errors import ElfLoadError

MACHINE_NAMES = {"EM_ARM": "ARM", "EM_AARCH64": "AArch64", "EM_X86_64": "x86-64",
                 "EM_386": "i386", "EM_RISCV": "RISC-V"}


@dataclass
class Segment:
    address: int
    data: bytes
    memsz: int


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


def read_elf(path: str | Path) -> ElfImage:
    """Parse ``path``; raise ElfLoadError with a one-line reason if it is not usable."""
    p = Path(path)
    if not p.exists():
        raise ElfLoadError(f"{path}: no such file")
    if not p.is_file():
        raise ElfLoadError(f"{path}: not a regular file")
    with p.open("rb") as fh:
        if fh.read(4) != b"\x7fELF":
            raise ElfLoadError(f"{path}: not an ELF file (no \\x7fELF magic)")
        fh.seek(0)
        try:
            elf = ELFFile(fh)
            machine = elf["e_machine"]
            segments = []
            for seg in elf.iter_segments():
                if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
                    continue
                segments.append(Segment(seg["p_paddr"], seg.data(), seg["p_memsz"]))
            symbols: dict[str, int] = {}
            symtab = elf.get_section_by_name(".symtab")
            if isinstance(symtab, SymbolTableSection):
                for sym in symtab.iter_symbols():
                    if sym.name and sym["st_info"]["type"] in ("STT_FUNC", "STT_NOTYPE",
                                                                "STT_OBJECT"):
                        if sym["st_shndx"] != "SHN_UNDEF" and not sym.name.startswith("$"):
                            symbols.setdefault(sym.name, sym["st_value"] & ~1
                                               if sym["st_info"]["type"] == "STT_FUNC"
                                               else sym["st_value"])
            entry = elf["e_entry"]
        except (ELFError, ValueError, KeyError, OSError) as exc:
            raise ElfLoadError(f"{path}: malformed ELF ({exc})") from None
    if not segments:
        raise ElfLoadError(f"{path}: ELF has no loadable segments")
    return ElfImage(str(path), machine, entry, segments, symbols)
