"""ELF loading: segments into guest memory, symbols kept for traces and errors.

Firmware files are read by a small reader of their own (headers, program
headers, section headers, ``.symtab``) that accepts only what it fully
understands: little-endian ARM, AArch64 and x86-64 executables whose tables
lie inside the file and whose sections are of plain kinds. Anything else is
read by pyelftools, so odd and broken files get exactly pyelftools' reading
and its errors. pyelftools is slow to import (tens of milliseconds, most of a
bare boot's start-up), which is why the common case does without it; the
two readers give identical images (tests/cli/test_elf_reader.py checks them
against each other on every firmware and on mutated files).
"""

from __future__ import annotations

import bisect
import os
import struct
from collections.abc import Iterable

from irqemu.errors import ElfLoadError

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from pathlib import Path  # not imported at run time: a boot's start-up does without
    from typing import Any, BinaryIO

    from elftools.elf.elffile import ELFFile

MACHINE_NAMES = {"EM_ARM": "ARM", "EM_AARCH64": "AArch64", "EM_X86_64": "x86-64",
                 "EM_386": "i386", "EM_RISCV": "RISC-V"}


class Segment:
    """One PT_LOAD segment: loaded at ``address`` (p_paddr), zero-filled to ``memsz``.

    Segment and ElfImage are written out as @dataclass would make them (init, repr,
    eq): making a dataclass costs about a millisecond, a noticeable part of a boot's
    start-up (tests/cli/test_startup.py checks they behave as the dataclasses would)."""

    __match_args__ = ("address", "data", "memsz", "vaddr")

    def __init__(self, address: int, data: bytes, memsz: int, vaddr: int | None = None
                 ) -> None:
        self.address = address
        self.data = data
        self.memsz = memsz
        self.vaddr = vaddr

    def __repr__(self) -> str:
        return (f"{type(self).__qualname__}(address={self.address!r}, data={self.data!r}, "
                f"memsz={self.memsz!r}, vaddr={self.vaddr!r})")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Segment)
        return ((self.address, self.data, self.memsz, self.vaddr)
                == (other.address, other.data, other.memsz, other.vaddr))

    __hash__ = None  # type: ignore[assignment]


class ElfImage:
    """What a firmware file brings: where to start, what to load, its symbol names."""

    __match_args__ = ("path", "machine", "entry", "segments", "symbols", "_addrs", "_names")

    def __init__(self, path: str, machine: str, entry: int, segments: list[Segment],
                 symbols: dict[str, int] | None = None, _addrs: list[int] | None = None,
                 _names: list[str] | None = None) -> None:
        self.path = path
        self.machine = machine
        self.entry = entry
        self.segments = segments
        self.symbols: dict[str, int] = {} if symbols is None else symbols
        self._addrs: list[int] = [] if _addrs is None else _addrs
        self._names: list[str] = [] if _names is None else _names
        self.__post_init__()

    def __post_init__(self) -> None:
        pairs = sorted((a, n) for n, a in self.symbols.items())
        self._addrs = [a for a, _ in pairs]
        self._names = [n for _, n in pairs]

    def __repr__(self) -> str:
        return (f"{type(self).__qualname__}(path={self.path!r}, machine={self.machine!r}, "
                f"entry={self.entry!r}, segments={self.segments!r}, "
                f"symbols={self.symbols!r})")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, ElfImage)
        return ((self.path, self.machine, self.entry, self.segments, self.symbols,
                 self._addrs, self._names)
                == (other.path, other.machine, other.entry, other.segments, other.symbols,
                    other._addrs, other._names))

    __hash__ = None  # type: ignore[assignment]

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


def read_elf(path: str | Path, *, reader: str = "auto") -> ElfImage:
    """Parse ``path``; raise ElfLoadError with a one-line reason if it is not usable.

    ``reader`` is for tests: ``"auto"`` (the fast reader, pyelftools for what it
    declines), ``"pyelftools"`` (pyelftools only)."""
    p = os.fspath(path) or "."  # as pathlib takes "" (the current directory)
    if not os.path.exists(p):
        raise ElfLoadError(f"{path}: no such file")
    if not os.path.isfile(p):
        raise ElfLoadError(f"{path}: not a regular file")
    try:
        with open(p, "rb") as fh:
            return _parse(str(path), fh, os.fstat(fh.fileno()).st_size, reader)
    except PermissionError:
        raise ElfLoadError(f"{path}: permission denied") from None
    except OSError as exc:
        raise ElfLoadError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _parse(path: str, fh: BinaryIO, file_size: int, reader: str = "auto") -> ElfImage:
    if fh.read(4) != b"\x7fELF":
        raise ElfLoadError(f"{path}: not an ELF file (no \\x7fELF magic)")
    fh.seek(0)
    if reader == "auto" and file_size <= FAST_READ_LIMIT:
        data = fh.read()
        fast = _FastElf.parse(data) if len(data) == file_size else None
        if fast is not None:
            return _image(path, fast, file_size, ())
        fh.seek(0)
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    try:
        elf = ELFFile(fh)
    except (ELFError, ValueError, KeyError, OSError, struct.error) as exc:
        raise ElfLoadError(f"{path}: malformed ELF ({exc})") from None
    return _image(path, elf, file_size, (ELFError, ValueError, KeyError, OSError, struct.error))


def _image(path: str, elf: ELFFile | _FastElf, file_size: int,
           malformed: tuple[type[BaseException], ...]) -> ElfImage:
    """Check and read an opened ELF (either reader); ``malformed`` are the reader's
    exceptions that mean a broken file."""
    try:
        machine = elf["e_machine"]
        _check_header(path, elf, machine)
        segments = _load_segments(path, elf, file_size)
        symbols = _symbols(elf)
        entry = elf["e_entry"]
    except ElfLoadError:
        raise
    except malformed as exc:
        raise ElfLoadError(f"{path}: malformed ELF ({exc})") from None
    if not segments:
        raise ElfLoadError(f"{path}: ELF has no loadable segments")
    _check_entry(path, elf, entry)
    return ElfImage(path, machine, entry, segments, symbols)


def _check_header(path: str, elf: ELFFile | _FastElf, machine: str) -> None:
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


def _load_segments(path: str, elf: ELFFile | _FastElf, file_size: int) -> list[Segment]:
    """PT_LOAD segments, each inside the file, p_memsz >= p_filesz, none overlapping."""
    segments: list[Segment] = []
    headers: Iterable[Any] = elf.iter_segments()
    for i, seg in enumerate(headers):
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


def _symbols(elf: ELFFile | _FastElf) -> dict[str, int]:
    if isinstance(elf, _FastElf):
        entries = elf.symbols
    else:
        entries = _pyelftools_symbols(elf)
    # bit 0 of an ARM function symbol is the Thumb bit (ELF for the Arm Architecture,
    # 5.5.3); on AArch64 and x86-64 it is part of the address
    thumb_bit = 1 if elf["e_machine"] == "EM_ARM" else 0
    symbols: dict[str, int] = {}
    for name, kind, undefined, value in entries:
        if (name and kind in ("STT_FUNC", "STT_NOTYPE", "STT_OBJECT")
                and not undefined and not name.startswith("$")):
            symbols.setdefault(name, value & ~thumb_bit if kind == "STT_FUNC" else value)
    return symbols


def _pyelftools_symbols(elf: ELFFile) -> list[tuple[str, Any, bool, int]]:
    """(name, st_info type, undefined, st_value) of each ``.symtab`` entry."""
    from elftools.elf.sections import SymbolTableSection

    symtab = elf.get_section_by_name(".symtab")
    if not isinstance(symtab, SymbolTableSection):
        return []
    return [(sym.name, sym["st_info"]["type"], sym["st_shndx"] == "SHN_UNDEF",
             sym["st_value"]) for sym in symtab.iter_symbols()]


def _check_entry(path: str, elf: ELFFile | _FastElf, entry: int) -> None:
    """The entry point must be in bytes the file loads (bit 0 is ARM's Thumb bit)."""
    pc = entry & ~1 if elf["e_machine"] == "EM_ARM" else entry
    headers: Iterable[Any] = elf.iter_segments()
    for seg in headers:
        if seg["p_type"] != "PT_LOAD" or not seg["p_filesz"]:
            continue
        for base in {seg["p_vaddr"], seg["p_paddr"]}:
            if base <= pc < base + seg["p_filesz"]:
                return
    raise ElfLoadError(f"{path}: entry point {entry:#x} is not inside any loaded segment's "
                       "file contents")


# -- the fast reader -------------------------------------------------------------------
#: files larger than this are left to pyelftools (which reads them piecemeal)
FAST_READ_LIMIT = 64 << 20

_FAST_MACHINES = {40: "EM_ARM", 183: "EM_AARCH64", 62: "EM_X86_64"}
_FAST_TYPES = {2: "ET_EXEC", 3: "ET_DYN"}
#: per ELF class: header, program header, section header, symbol (little-endian)
_LAYOUT = {
    1: (struct.Struct("<HHIIIIIHHHHHH"), struct.Struct("<IIIIIIII"),
        struct.Struct("<IIIIIIIIII"), struct.Struct("<IIIBBH")),
    2: (struct.Struct("<HHIQQQIHHHHHH"), struct.Struct("<IIQQQQQQ"),
        struct.Struct("<IIQQQQIIQQ"), struct.Struct("<IBBHQQ")),
}
_PT_LOAD = 1
#: p_types pyelftools reads more of (PT_DYNAMIC, PT_INTERP, PT_NOTE): left to it
_PT_OTHER_READERS = (2, 3, 4)
_SHT_SYMTAB, _SHT_STRTAB = 2, 3
#: section types pyelftools makes plain objects of (NULL, PROGBITS, SYMTAB, STRTAB,
#: NOTE, NOBITS); .ARM.attributes on ARM only
_PLAIN_SECTIONS = frozenset((0, 1, 2, 3, 7, 8))
_SHT_ARM_ATTRIBUTES = 0x70000003
_SHF_COMPRESSED = 0x800
_PN_XNUM, _SHN_XINDEX = 0xFFFF, 0xFFFF


def _cstring(data: bytes, pos: int) -> str:
    """A NUL-terminated string at ``pos`` of the file, as pyelftools reads names
    ('' where unterminated, bad UTF-8 replaced)."""
    end = data.find(b"\0", pos)
    if end < 0 or end == pos:
        return ""
    return data[pos:end].decode("utf-8", errors="replace")


class _FastSegment:
    """A program header, indexed like pyelftools' segments."""

    __slots__ = ("_fields", "_data")

    def __init__(self, fields: dict[str, Any], data: bytes) -> None:
        self._fields = fields
        self._data = data

    def __getitem__(self, name: str) -> Any:
        return self._fields[name]

    def data(self) -> bytes:
        off, size = self._fields["p_offset"], self._fields["p_filesz"]
        return self._data[off:off + size]


class _FastElf:
    """An ELF read without pyelftools: what :func:`_image` asks of a file."""

    little_endian = True

    def __init__(self, elfclass: int, header: dict[str, Any], segments: list[_FastSegment],
                 symbols: list[tuple[str, Any, bool, int]]) -> None:
        self.elfclass = elfclass
        self._header = header
        self._segments = segments
        self.symbols = symbols

    def __getitem__(self, name: str) -> Any:
        return self._header[name]

    def iter_segments(self) -> list[_FastSegment]:
        return self._segments

    @classmethod
    def parse(cls, data: bytes) -> _FastElf | None:
        """The file, or None where pyelftools must read it (anything unusual)."""
        try:
            return cls._parse(data)
        except (struct.error, IndexError, ValueError):
            return None

    @classmethod
    def _parse(cls, data: bytes) -> _FastElf | None:
        n = len(data)
        if n < 16 or data[5] != 1 or data[4] not in _LAYOUT:
            return None
        elfclass = 32 if data[4] == 1 else 64
        ehdr, phdr, shdr, sym = _LAYOUT[data[4]]
        if n < 16 + ehdr.size:
            return None
        (e_type, e_machine, _version, e_entry, e_phoff, e_shoff, _flags, _ehsize,
         e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx) = ehdr.unpack_from(data, 16)
        machine = _FAST_MACHINES.get(e_machine)
        kind = _FAST_TYPES.get(e_type)
        if machine is None or kind is None:
            return None
        header = {"e_machine": machine, "e_type": kind, "e_entry": e_entry}

        # program headers
        if e_phnum >= _PN_XNUM or (e_phnum and e_phentsize != phdr.size):
            return None
        if e_phnum and e_phoff + e_phnum * e_phentsize > n:
            return None
        segments = []
        for i in range(e_phnum):
            f = phdr.unpack_from(data, e_phoff + i * e_phentsize)
            if elfclass == 32:
                p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz = f[:6]
            else:
                p_type, _pf, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz = f[:7]
            if p_type in _PT_OTHER_READERS:
                return None
            segments.append(_FastSegment({
                "p_type": "PT_LOAD" if p_type == _PT_LOAD else p_type,
                "p_offset": p_offset, "p_vaddr": p_vaddr, "p_paddr": p_paddr,
                "p_filesz": p_filesz, "p_memsz": p_memsz}, data))

        # sections: every one is made into an object when pyelftools maps names
        symbols: list[tuple[str, Any, bool, int]] = []
        if e_shoff == 0:
            return cls(elfclass, header, segments, symbols)
        if (e_shnum == 0 or e_shentsize != shdr.size or e_shstrndx == _SHN_XINDEX
                or e_shstrndx >= e_shnum or e_shoff + e_shnum * e_shentsize > n):
            return None
        secs = [shdr.unpack_from(data, e_shoff + i * e_shentsize) for i in range(e_shnum)]
        names_at = secs[e_shstrndx][4]  # sh_offset of the section-name string table
        if names_at >= n:
            return None  # outside the file: pyelftools says how that fails
        by_name: dict[str, int] = {}
        for i, (sh_name, sh_type, sh_flags, _a, sh_offset, sh_size, sh_link, _i, _al,
                sh_entsize) in enumerate(secs):
            if sh_flags & _SHF_COMPRESSED:
                return None
            name = _cstring(data, names_at + sh_name)
            if sh_type == _SHT_ARM_ATTRIBUTES and machine == "EM_ARM":
                if sh_offset >= n or data[sh_offset] != ord("A"):
                    return None
            elif sh_type not in _PLAIN_SECTIONS or (sh_type == 1 and name == ".stab"):
                return None
            if sh_type == _SHT_SYMTAB:
                if (sh_link >= e_shnum or secs[sh_link][1] != _SHT_STRTAB
                        or sh_entsize != sym.size or sh_size % sh_entsize):
                    return None
            by_name[name] = i
        found = by_name.get(".symtab")
        if found is None or secs[found][1] != _SHT_SYMTAB:
            return cls(elfclass, header, segments, symbols)
        sh_offset, sh_size, sh_link = secs[found][4], secs[found][5], secs[found][6]
        strings_at = secs[sh_link][4]
        if sh_offset + sh_size > n or strings_at >= n:
            return None
        for off in range(sh_offset, sh_offset + sh_size, sym.size):
            f = sym.unpack_from(data, off)
            if elfclass == 32:
                st_name, st_value, _size, st_info, _other, st_shndx = f
            else:
                st_name, st_info, _other, st_shndx, st_value, _size = f
            t = st_info & 0xF
            symbols.append((_cstring(data, strings_at + st_name), _STT.get(t, t),
                            st_shndx == 0, st_value))
        return cls(elfclass, header, segments, symbols)


#: the st_info types :func:`_symbols` keeps, by pyelftools' names
_STT = {0: "STT_NOTYPE", 1: "STT_OBJECT", 2: "STT_FUNC"}
