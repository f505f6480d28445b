"""firmware/examples: the minimal firmware of docs/firmware.md builds with nothing but the
cross toolchain and boots on each board (issue 14 item 4); QEMU prints the same lines."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import need_tool

import irqemu

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "firmware" / "examples"
GUIDE = ROOT / "docs" / "firmware.md"

#: arch -> (board, the toolchain program its Makefile needs, the timer's interrupt line)
BOARDS = {"armv7": ("imx6q", "arm-none-eabi-gcc", 29),
          "aarch64": ("virt-a53", "aarch64-linux-gnu-gcc", 27),
          "x86_64": ("pc", "as", 32)}
#: QEMU's command line for the same ELF (the pc's ELF64 is not a multiboot image QEMU loads)
QEMU = {"armv7": ["qemu-system-arm", "-M", "sabrelite"],
        "aarch64": ["qemu-system-aarch64", "-M", "virt", "-cpu", "cortex-a53"]}


def expected(arch: str, board: str) -> list[str]:
    return [f"hello from irqemu ({arch}, {board})", "tick 1", "tick 2", "tick 3",
            "done: 3 timer interrupts"]


def build(arch: str, tmp_path: Path) -> Path:
    """Build the example in a copy of its directory, as a user would: ``make``."""
    need_tool(BOARDS[arch][1], f"builds firmware/examples/{arch}")
    need_tool("make", "runs the example's Makefile")
    work = tmp_path / arch
    shutil.copytree(EXAMPLES / arch, work, ignore=shutil.ignore_patterns("*.elf", "*.o"))
    subprocess.run(["make", "-s", "-C", str(work)], check=True, capture_output=True)
    return work / "hello_timer.elf"


def test_every_board_has_an_example() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == sorted(BOARDS)
    for arch in BOARDS:
        assert {"Makefile", "link.ld", "hello_timer.S"} <= {p.name for p in
                                                            (EXAMPLES / arch).iterdir()}


@pytest.mark.parametrize("engine", ["native", "reference"])
@pytest.mark.parametrize("arch", sorted(BOARDS))
def test_example_builds_and_boots(arch: str, engine: str, tmp_path: Path) -> None:
    elf = build(arch, tmp_path)
    board, _, line = BOARDS[arch]
    m, r = irqemu.boot(elf, engine=engine)  # the board comes from the ELF's machine type
    assert m.arch.name == arch and (r.stop_reason, r.exit_code) == ("exit", 0), r
    assert m.console.decode().splitlines() == expected(arch, board)
    assert m.interrupt_counts() == {line: [3, 0, 0, 0]}
    assert 30 <= r.sim_time_ps / 10**9 < 31  # three 10 ms ticks, then the exit


@pytest.mark.parametrize("arch", sorted(QEMU))
def test_example_prints_the_same_on_qemu(arch: str, tmp_path: Path) -> None:
    qemu = need_tool(QEMU[arch][0], "the reference for the example's output")
    elf = build(arch, tmp_path)
    proc = subprocess.run([qemu, *QEMU[arch][1:], "-nographic", "-semihosting", "-kernel",
                           str(elf)], capture_output=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode().replace("\r", "").splitlines()
    assert lines == expected(arch, BOARDS[arch][0])


@pytest.mark.parametrize("arch", sorted(BOARDS))
def test_the_guide_gives_each_link_address(arch: str) -> None:
    link = (EXAMPLES / arch / "link.ld").read_text()
    address = re.search(r"\. = (0x[0-9a-f]+);", link)
    assert address is not None
    text = GUIDE.read_text()
    assert f"firmware/examples/{arch}" in text
    assert re.search(rf"`{BOARDS[arch][0]}`[^\n]*`{address.group(1)}`", text), \
        f"docs/firmware.md's board table does not give {arch}'s link address"
