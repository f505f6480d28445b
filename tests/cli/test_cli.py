"""The command line: output shapes, and one clear line for every kind of bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from elfgen import arm_elf, elf_file
from helpers import firmware


def irqemu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "irqemu", *args], capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


def one_error_line(p: subprocess.CompletedProcess[str]) -> str:
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("irqemu: ")
    return lines[0]


def test_boot_json_has_the_documented_keys() -> None:
    p = irqemu("boot", str(firmware("armv7", "timer.elf")), "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    for key in ("uart", "cycles", "instructions", "irqs", "sim_time_ps", "stop_reason", "host"):
        assert key in r
    assert isinstance(r["uart"], str) and isinstance(r["cycles"], list)
    assert r["irqs"]["29"] == [10, 0, 0, 0]
    assert set(r["host"]) == {"seconds", "mips"}


def test_boot_text_summary() -> None:
    p = irqemu("boot", str(firmware("armv7", "timer.elf")))
    assert p.returncode == 0
    assert "tick 10" in p.stdout and "simulated time" in p.stdout and "MIPS" in p.stdout


def test_demo_runs_and_explains() -> None:
    p = irqemu("demo")
    assert p.returncode == 0, p.stderr
    assert "tick 10" in p.stdout and "What you just saw" in p.stdout


def test_missing_file() -> None:
    assert "no such file" in one_error_line(irqemu("boot", "/nonexistent.elf"))


def test_not_an_elf(tmp_path: Path) -> None:
    f = tmp_path / "x.elf"
    f.write_text("hello")
    assert "not an ELF" in one_error_line(irqemu("boot", str(f)))


def test_elf_for_another_architecture(tmp_path: Path) -> None:
    f = elf_file(tmp_path / "x86.elf", bits=64, machine=62, segments=[(0x100000, b"\x90", 1)])
    line = one_error_line(irqemu("boot", str(f), "--board", "imx6q"))
    assert "x86-64" in line and "ARM" in line
    riscv = arm_elf(tmp_path / "riscv.elf", [0x00000013], machine=243)
    assert "no board for EM_RISCV" in one_error_line(irqemu("boot", str(riscv)))


def test_fetch_from_unmapped_memory(tmp_path: Path) -> None:
    # mov r0, #0x40000000 ; bx r0   (nothing is mapped at 0x40000000 in 256 MiB of DDR)
    f = arm_elf(tmp_path / "jump.elf", [0xE3A00101, 0xE12FFF10])
    line = one_error_line(irqemu("boot", str(f)))
    assert "instruction fetch from unmapped address 0x40000000" in line
    assert "core 0" in line and "PC 0x40000000" in line


def test_data_read_from_unmapped_memory_names_the_instruction(tmp_path: Path) -> None:
    # mov r1, #0x40000000 ; ldr r0, [r1]
    f = arm_elf(tmp_path / "load.elf", [0xE3A01101, 0xE5910000])
    line = one_error_line(irqemu("boot", str(f)))
    assert "read from unmapped address 0x40000000" in line
    assert "PC 0x10000004" in line and "ldr r0, [r1]" in line


def test_undefined_instruction_without_handler(tmp_path: Path) -> None:
    f = arm_elf(tmp_path / "udf.elf", [0xE3A00001, 0xE7F000F0])
    line = one_error_line(irqemu("boot", str(f)))
    assert "undefined instruction with no handler" in line
    assert "core 0, PC 0x10000004" in line and "udf" in line


def test_runaway_guest_hits_max_cycles(tmp_path: Path) -> None:
    f = arm_elf(tmp_path / "loop.elf", [0xEAFFFFFE])  # b .
    p = irqemu("boot", str(f), "--max-cycles", "100000")
    line = one_error_line(p)
    assert "--max-cycles 100000" in line and "core 0" in line and "b #0x10000000" in line


def test_bad_option_value() -> None:
    p = irqemu("boot", str(firmware("armv7", "timer.elf")), "--max-cycles", "-5")
    line = one_error_line(p)
    assert "--max-cycles: -5 is out of range: must be from 1 to" in line


@pytest.mark.parametrize("argv", [["--help"], ["boot", "--help"]])
def test_help(argv: list[str]) -> None:
    p = irqemu(*argv)
    assert p.returncode == 0 and "usage:" in p.stdout
