"""Nonsense ELF files end in one line naming what is wrong, exit 2, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from elfgen import elf_file

from irqemu.cli import main
from irqemu.errors import ElfLoadError
from irqemu.machine import elf
from irqemu.machine.elf import read_elf

B = 0x10000000
LOOP = b"\xfe\xff\xff\xea"  # b .


def run(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str]:
    code = main(["boot", str(path), "--max-cycles", "1000"])
    err = capsys.readouterr().err.strip()
    return code, err


CASES = [
    ("past-eof", dict(filesz_extra=0x100, segments=[(B, LOOP, 0x1000)]),
     "PT_LOAD segment 0 at 0x10000000: p_offset 0x54 + p_filesz 0x104 runs past the end "
     "of the file (0x58 bytes)"),
    ("elf32-aarch64", dict(machine=183),
     "ELFCLASS32 file for AArch64 (EM_AARCH64); AArch64 executables are ELFCLASS64"),
    ("elf64-arm", dict(bits=64, machine=40),
     "ELFCLASS64 file for ARM (EM_ARM); ARM executables are ELFCLASS32"),
    ("elf32-x86_64", dict(machine=62),
     "ELFCLASS32 file for x86-64 (EM_X86_64); x86-64 executables are ELFCLASS64"),
    ("big-endian", dict(big_endian=True),
     "big-endian ELF (ELFDATA2MSB); the emulated cores run little-endian"),
    ("overlap", dict(segments=[(B, LOOP * 4, 16), (B + 8, LOOP, 4)]),
     "PT_LOAD segments overlap: 0x10000000+0x10 and 0x10000008+0x4"),
    ("memsz-lt-filesz", dict(segments=[(B, LOOP * 2, 4)]),
     "PT_LOAD segment 0 at 0x10000000: p_memsz 0x4 is smaller than p_filesz 0x8"),
    ("entry-in-bss", dict(segments=[(B, LOOP, 0x1000)], entry=B + 0x101),
     "entry point 0x10000101 is not inside any loaded segment's file contents"),
    ("relocatable", dict(e_type=1), "ELF type ET_REL is not an executable (ET_EXEC)"),
]


@pytest.mark.parametrize("name,kw,message", CASES, ids=[c[0] for c in CASES])
def test_bad_elf_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    name: str, kw: dict, message: str) -> None:
    path = elf_file(tmp_path / f"{name}.elf", **kw)
    code, err = run(capsys, path)
    assert (code, err) == (2, f"irqemu: {path}: {message}")


def test_a_good_file_from_the_same_builder_runs(tmp_path: Path) -> None:
    """The builder itself makes loadable files: the cases above fail for their flaw only."""
    image = read_elf(elf_file(tmp_path / "ok.elf", segments=[(B, LOOP, 0x1000)]))
    assert image.entry == B and image.segments[0].memsz == 0x1000


def test_odd_arm_entry_in_code_is_a_thumb_entry(tmp_path: Path) -> None:
    image = read_elf(elf_file(tmp_path / "thumb.elf", entry=B + 1))
    assert image.entry == B + 1


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreadable file is a one-line error (as root no file is unreadable, so the
    open itself is made to refuse)."""
    path = elf_file(tmp_path / "secret.elf")

    def refuse(*args: object, **kw: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(elf, "open", refuse, raising=False)  # read_elf's builtin open
    with pytest.raises(ElfLoadError, match=r"secret\.elf: permission denied$"):
        read_elf(path)
