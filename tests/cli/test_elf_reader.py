"""`irqemu boot`'s ELF reader: the fast reader and pyelftools give the same image, or
the same one-line error, for every committed firmware and for files mutated where
ELF structure lives (headers, program and section headers, the symbol table)."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest
from helpers import FIRMWARE
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.errors import ElfLoadError
from irqemu.machine.elf import ElfImage, _FastElf, read_elf

SEEDS = sorted(FIRMWARE.glob("*/*.elf"))
SEED_BYTES = [p.read_bytes() for p in SEEDS]


def outcome(path: Path, reader: str) -> ElfImage | str:
    try:
        return read_elf(path, reader=reader)
    except ElfLoadError as exc:
        return f"error: {exc}"


def regions(data: bytes) -> list[tuple[int, int]]:
    """(start, length) of the ELF header, program headers, section headers and each
    section's first bytes: where a mutation changes how the file reads."""
    if len(data) < 64 or data[4] not in (1, 2):
        return [(0, len(data))]
    if data[4] == 1:
        _, _, _, _, phoff, shoff, _, _, phes, phnum, shes, shnum, _ = struct.unpack_from(
            "<HHIIIIIHHHHHH", data, 16)
    else:
        _, _, _, _, phoff, shoff, _, _, phes, phnum, shes, shnum, _ = struct.unpack_from(
            "<HHIQQQIHHHHHH", data, 16)
    out = [(0, 64), (phoff, phes * phnum), (shoff, shes * shnum)]
    fmt = "<IIIIIIIIII" if data[4] == 1 else "<IIQQQQIIQQ"
    for i in range(shnum):
        if shoff + i * shes + struct.calcsize(fmt) <= len(data):
            sh = struct.unpack_from(fmt, data, shoff + i * shes)
            out.append((sh[4], min(sh[5], 256)))
    return [(a, n) for a, n in out if n > 0 and a < len(data)]


def mutate(rng: random.Random | None, draw: st.DrawFn | None, data: bytes) -> bytes:
    """Overwrite or cut bytes, mostly inside the structural regions (``rng`` or a
    hypothesis ``draw`` picks)."""
    def pick(lo: int, hi: int) -> int:
        return rng.randint(lo, hi) if rng is not None else draw(st.integers(lo, hi))  # type: ignore[misc]

    buf = bytearray(data)
    for _ in range(pick(1, 4)):
        regs = regions(bytes(buf)) or [(0, len(buf))]
        start, length = regs[pick(0, len(regs) - 1)]
        i = min(start + pick(0, max(0, length - 1)), len(buf) - 1)
        op = pick(0, 9)
        if op <= 5:
            buf[i] = pick(0, 255)
        elif op <= 7:
            value = (0, 1, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, len(buf), pick(0, 0xFFFF))
            buf[i:i + 4] = struct.pack("<I", value[pick(0, len(value) - 1)] & 0xFFFFFFFF)
        elif op == 8:
            del buf[i:]
        else:
            buf[i:i] = bytes(pick(1, 8))
        if not buf:
            break
    return bytes(buf)


@pytest.mark.parametrize("path", SEEDS, ids=[f"{p.parent.name}/{p.name}" for p in SEEDS])
def test_committed_firmware_reads_the_same_and_fast(path: Path) -> None:
    assert _FastElf.parse(path.read_bytes()) is not None, "the fast reader declined it"
    assert read_elf(path) == read_elf(path, reader="pyelftools")


def test_seeded_mutations_agree_and_the_fast_reader_takes_most(tmp_path: Path) -> None:
    """2,000 mutated files: identical outcomes; and the comparison is not vacuous: the fast
    reader itself reads a good share of them (valid or rejected by irqemu's own checks)."""
    rng = random.Random(11)
    fast = 0
    path = tmp_path / "m.elf"
    for n in range(2000):
        data = mutate(rng, None, SEED_BYTES[n % len(SEED_BYTES)])
        path.write_bytes(data)
        want = outcome(path, "pyelftools")
        assert outcome(path, "auto") == want, (n, data[:64].hex())
        fast += _FastElf.parse(data) is not None
    assert fast > 500


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    return mutate(None, draw, draw(st.sampled_from(SEED_BYTES)))


@settings(max_examples=300, deadline=None)
@given(data=mutated())
def test_mutated_files_read_the_same(tmp_path_factory: pytest.TempPathFactory,
                                     data: bytes) -> None:
    path = tmp_path_factory.mktemp("elf") / "m.elf"
    path.write_bytes(data)
    assert outcome(path, "auto") == outcome(path, "pyelftools")


def test_boot_reads_without_importing_pyelftools() -> None:
    """A bare boot of committed firmware never imports elftools (its import is most of
    the ELF reader's cost); a file the fast reader declines still reads."""
    import subprocess
    import sys

    code = ("import sys; from irqemu.cli import main; "
            f"rc = main(['boot', {str(SEEDS[0])!r}, '--json']); "
            "sys.stderr.write(str(any(m.startswith('elftools') for m in sys.modules)))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert p.stderr.strip().endswith("False"), p.stderr


def _with_odd_function(src: Path, dst: Path) -> tuple[str, int]:
    """A copy of ``src`` whose first STT_FUNC symbol's value has bit 0 set: (name, value)."""
    from elftools.elf.elffile import ELFFile

    data = bytearray(src.read_bytes())
    with src.open("rb") as fh:
        elf = ELFFile(fh)
        symtab = elf.get_section_by_name(".symtab")
        entsize, base = symtab["sh_entsize"], symtab["sh_offset"]
        for i, sym in enumerate(symtab.iter_symbols()):
            if sym["st_info"]["type"] == "STT_FUNC" and sym.name and not sym["st_value"] & 1:
                value_at = base + i * entsize + (4 if elf.elfclass == 32 else 8)
                fmt = "<I" if elf.elfclass == 32 else "<Q"
                value = sym["st_value"] | 1
                struct.pack_into(fmt, data, value_at, value)
                dst.write_bytes(bytes(data))
                return sym.name, value
    raise AssertionError(f"{src}: no even STT_FUNC symbol")


@pytest.mark.parametrize("arch,thumb", [("armv7", True), ("aarch64", False), ("x86_64", False)])
def test_bit0_of_a_function_symbol_is_the_thumb_bit_only_on_arm(tmp_path: Path, arch: str,
                                                                thumb: bool) -> None:
    """ELF for the Arm Architecture: bit 0 of an STT_FUNC value selects Thumb; on AArch64
    and x86-64 it is part of the address (an odd x86 function is legal)."""
    src = FIRMWARE / arch / "kernel.elf"
    name, value = _with_odd_function(src, tmp_path / "odd.elf")
    for reader in ("auto", "pyelftools"):
        got = read_elf(tmp_path / "odd.elf", reader=reader).symbols[name]
        assert got == (value & ~1 if thumb else value), reader
