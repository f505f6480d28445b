"""Multiboot (v1) images on the pc, loaded and entered as the Multiboot Specification
0.6.96 says and QEMU's hw/i386/multiboot.c does.

The header (magic 0x1BADB002, flags, checksum: the three sum to 0 mod 2^32) is
searched on a 4-byte boundary in the first 8 KiB. With flag 16 (the a.out kludge)
the header's addresses say what to load where; otherwise the file must be a
32-bit x86 ELF, loaded by its PT_LOAD segments at their physical addresses. The
CPU is entered in 32-bit protected mode, paging off, EAX = 0x2BADB002, EBX = the
multiboot information: memory sizes, a memory map, the command line (QEMU's:
the image path, a space, ``--append``) and the boot loader's name, on the page
after the image as QEMU puts it.
"""

# No "from __future__ import annotations" here: NamedTuple would make a ForwardRef of
# each field's annotation text, compiling it, and a process's first compile() builds
# the ast types (~10 M host instructions of a boot's start-up; tests/cli/test_startup.py)

import struct

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, NamedTuple
else:
    from irqemu.namedtuples import NamedTuple  # typing's class syntax without typing

MULTIBOOT_MAGIC = 0x1BADB002
MULTIBOOT_BOOTLOADER_MAGIC = 0x2BADB002  #: EAX at entry
SEARCH_BYTES = 8192
HEADER_ALIGN = 4
MB_PAGE_ALIGN, MB_MEMORY_INFO, MB_AOUT_KLUDGE = 1 << 0, 1 << 1, 1 << 16
#: required-feature bits (0-15) a loader must refuse when it cannot honour them
SUPPORTED_REQUIRED = MB_PAGE_ALIGN | MB_MEMORY_INFO
MBI_MEMORY, MBI_BOOT_DEVICE, MBI_CMDLINE, MBI_MODS = 1 << 0, 1 << 1, 1 << 2, 1 << 3
MBI_MMAP, MBI_LOADER_NAME = 1 << 6, 1 << 9
MBI_SIZE = 88  #: struct multiboot_info up to and including the framebuffer fields
BOOT_DEVICE_NONE = 0xFFFFFFFF
MMAP_AVAILABLE = 1
LOW_MEMORY_END = 0xA0000  #: conventional memory: mem_lower = 640 KiB
HIGH_MEMORY = 0x100000
LOADER_NAME = b"irqemu\0"
PAGE = 0x1000

ELF_MAGIC = b"\x7fELF"
ELFCLASS32, ELFCLASS64, ELFDATA2LSB, EM_386, PT_LOAD = 1, 2, 1, 3, 1


class Header(NamedTuple):
    """A multiboot header found in an image (a NamedTuple: a boot imports no dataclasses)."""

    offset: int  #: in the file
    flags: int
    header_addr: int = 0
    load_addr: int = 0
    load_end_addr: int = 0
    bss_end_addr: int = 0
    entry_addr: int = 0


class Loaded(NamedTuple):
    """What went where: (address, bytes) chunks, the zeroed end, the entry."""

    chunks: tuple[tuple[int, bytes], ...]
    end: int
    entry: int


def find_header(data: bytes) -> int | None:
    """Offset of the multiboot magic in the first 8 KiB (4-byte aligned, the 12-byte
    header inside the file), or None. bytes.find: every boot asks (2.5 M host
    instructions as a Python loop over the 2,048 places)."""
    limit = min(len(data), SEARCH_BYTES) - 12  #: the last offset a header may start at
    if limit < 0:
        return None
    magic = struct.pack("<I", MULTIBOOT_MAGIC)
    off = data.find(magic, 0, limit + 4)
    while off != -1 and off % HEADER_ALIGN:
        off = data.find(magic, off + 1, limit + 4)
    return None if off == -1 else off


def is_multiboot(data: bytes) -> bool:
    """A multiboot header, in anything but a 64-bit ELF (irqemu's own pc firmware, which
    boots as an ELF; QEMU refuses those: "give a 32bit one")."""
    if data[:4] == ELF_MAGIC and data[4:5] == bytes([ELFCLASS64]):
        return False
    return find_header(data) is not None


def parse_header(data: bytes, what: str) -> Header:
    """The header, checked: checksum, required flags, the a.out kludge's fields."""
    off = find_header(data)
    if off is None:
        raise ValueError(f"{what}: no multiboot header (magic {MULTIBOOT_MAGIC:#x}) in the "
                         f"first {SEARCH_BYTES} bytes")
    magic, flags, checksum = struct.unpack_from("<3I", data, off)
    if (magic + flags + checksum) & 0xFFFFFFFF:
        raise ValueError(f"{what}: multiboot header at {off:#x}: checksum {checksum:#x} "
                         f"does not make magic + flags + checksum zero")
    unknown = flags & 0xFFFF & ~SUPPORTED_REQUIRED
    if unknown:
        raise ValueError(f"{what}: multiboot header at {off:#x} requires flags {unknown:#x} "
                         "(video mode or unknown), which irqemu does not provide")
    if not flags & MB_AOUT_KLUDGE:
        return Header(off, flags)
    if off + 32 > len(data):
        raise ValueError(f"{what}: multiboot header at {off:#x} sets the a.out kludge "
                         "(flag 16) but the file ends inside its address fields")
    return Header(off, flags, *struct.unpack_from("<5I", data, off + 12))


def load_kludge(data: bytes, h: Header, what: str) -> Loaded:
    """The a.out kludge: file from header_offset - (header_addr - load_addr) goes to
    load_addr, up to load_end_addr (0: the file's end), zeroed up to bss_end_addr."""
    if h.load_addr > h.header_addr:
        raise ValueError(f"{what}: multiboot load_addr {h.load_addr:#x} is above "
                         f"header_addr {h.header_addr:#x}")
    start = h.offset - (h.header_addr - h.load_addr)
    if start < 0:
        raise ValueError(f"{what}: multiboot header_addr - load_addr "
                         f"({h.header_addr - h.load_addr:#x}) reaches before the file")
    size = len(data) - start if h.load_end_addr == 0 else h.load_end_addr - h.load_addr
    if size < 0 or start + size > len(data):
        raise ValueError(f"{what}: multiboot load_end_addr {h.load_end_addr:#x} is outside "
                         f"the file (load_addr {h.load_addr:#x}, {len(data)} bytes)")
    end = h.load_addr + size
    if h.bss_end_addr and h.bss_end_addr < end:
        raise ValueError(f"{what}: multiboot bss_end_addr {h.bss_end_addr:#x} is below "
                         f"the loaded end {end:#x}")
    if not h.load_addr <= h.entry_addr < end:
        raise ValueError(f"{what}: multiboot entry_addr {h.entry_addr:#x} is outside the "
                         f"loaded [{h.load_addr:#x}, {end:#x})")
    bss = max(h.bss_end_addr - end, 0)
    chunk = data[start:start + size] + bytes(bss)
    return Loaded(((h.load_addr, chunk),), end + bss, h.entry_addr)


def load_elf32(data: bytes, what: str) -> Loaded:
    """A 32-bit x86 ELF's PT_LOAD segments at their physical addresses; the entry
    translated to physical through the segment holding it."""
    if data[:4] != ELF_MAGIC:
        raise ValueError(f"{what}: multiboot header without the a.out kludge (flag 16) "
                         "needs an ELF image")
    if len(data) < 52 or data[4] != ELFCLASS32 or data[5] != ELFDATA2LSB:
        raise ValueError(f"{what}: multiboot ELF must be 32-bit little-endian (ELFCLASS32)")
    machine, = struct.unpack_from("<H", data, 18)
    entry, phoff = struct.unpack_from("<II", data, 24)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    if machine != EM_386:
        raise ValueError(f"{what}: multiboot ELF is for machine {machine}, not EM_386")
    if phoff + phnum * phentsize > len(data) or (phnum and phentsize < 32):
        raise ValueError(f"{what}: ELF program headers at {phoff:#x} run past the file")
    chunks: list[tuple[int, bytes]] = []
    phys_entry = None
    end = 0
    for i in range(phnum):
        p_type, p_off, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from(
            "<6I", data, phoff + i * phentsize)
        if p_type != PT_LOAD or p_memsz == 0:
            continue
        if p_off + p_filesz > len(data) or p_filesz > p_memsz:
            raise ValueError(f"{what}: ELF segment {i} ({p_filesz:#x} bytes at file offset "
                             f"{p_off:#x}) runs past the file or its memsz")
        chunks.append((p_paddr, data[p_off:p_off + p_filesz] + bytes(p_memsz - p_filesz)))
        end = max(end, p_paddr + p_memsz)
        if p_vaddr <= entry < p_vaddr + p_memsz:
            phys_entry = entry - p_vaddr + p_paddr
    if phys_entry is None:
        raise ValueError(f"{what}: ELF entry {entry:#x} is in no loadable segment")
    return Loaded(tuple(chunks), end, phys_entry)


def memory_map(ram_size: int) -> list[tuple[int, int, int]]:
    """(base, length, type) of the RAM irqemu's pc has: conventional and extended memory."""
    regions = [(0, min(ram_size, LOW_MEMORY_END), MMAP_AVAILABLE)]
    if ram_size > HIGH_MEMORY:
        regions.append((HIGH_MEMORY, ram_size - HIGH_MEMORY, MMAP_AVAILABLE))
    return regions


def build_info(base: int, ram_size: int, cmdline: bytes) -> bytes:
    """The multiboot information at ``base``: the struct, then the command line, the
    loader's name and the memory map it points to."""
    cmd_at = base + MBI_SIZE
    name_at = cmd_at + len(cmdline) + 1
    mmap_at = (name_at + len(LOADER_NAME) + 3) & ~3
    mmap = b"".join(struct.pack("<IQQI", 20, b, n, t) for b, n, t in memory_map(ram_size))
    flags = MBI_MEMORY | MBI_BOOT_DEVICE | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME
    mem_lower = min(ram_size, LOW_MEMORY_END) // 1024
    mem_upper = max(ram_size - HIGH_MEMORY, 0) // 1024
    info = bytearray(MBI_SIZE)
    struct.pack_into("<4I", info, 0, flags, mem_lower, mem_upper, BOOT_DEVICE_NONE)
    struct.pack_into("<3I", info, 16, cmd_at, 0, 0)  # cmdline, mods_count, mods_addr
    struct.pack_into("<2I", info, 44, len(mmap), mmap_at)
    struct.pack_into("<I", info, 64, name_at)
    tail = cmdline + b"\0" + LOADER_NAME
    return bytes(info) + tail + bytes(mmap_at - name_at - len(LOADER_NAME)) + mmap


def load_multiboot(machine: "Any", data: bytes, *, ram_size: int, cmdline: str,
                   what: str) -> int:
    """Load the image and its information into RAM and enter CPU 0 as multiboot says;
    returns the information's address (EBX)."""
    h = parse_header(data, what)
    loaded = load_kludge(data, h, what) if h.flags & MB_AOUT_KLUDGE else load_elf32(data, what)
    info_at = (loaded.end + PAGE - 1) // PAGE * PAGE
    info = build_info(info_at, ram_size, cmdline.encode())
    for address, chunk in (*loaded.chunks, (info_at, info)):
        if address + len(chunk) > ram_size:
            raise ValueError(f"{what}: {len(chunk)} bytes at {address:#x} are beyond RAM "
                             f"({ram_size >> 20} MiB; give more --memory)")
    for address, chunk in loaded.chunks:
        machine.mem_write(address, chunk)
    machine.mem_write(info_at, info)
    machine.arch.reset_protected32(machine.cpus[0].core, loaded.entry,
                                   MULTIBOOT_BOOTLOADER_MAGIC, info_at)
    return info_at
