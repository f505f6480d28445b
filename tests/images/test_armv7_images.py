"""A 32-bit ARM zImage-style image on imx6q, booted as QEMU's sabrelite boots one with
-kernel: loaded at RAM base + 0x10000, r0 = 0, r1 = 0xffffffff, r2 = the DTB at
RAM base + min(RAM / 2, 128 MiB). The image prints r0..r2 and /chosen/bootargs; the
lines must equal qemu-system-arm's. QEMU's sabrelite generates no device tree (without
-dtb it passes ATAGs), so QEMU is given the tree irqemu generates for the board."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import FIRMWARE, need_tool

from irqemu.boards.fdt import board_dtb
from irqemu.cli import boot
from irqemu.loader.detect import detect

IMAGE = FIRMWARE / "images" / "armv7" / "image.bin"
ARGS = "console=ttymxc0,115200 earlycon hello=world"


def qemu_lines(kernel: Path, dtb: Path, memory: int, append: str | None) -> list[str]:
    qemu = need_tool("qemu-system-arm", "reference for the image's output")
    cmd = [qemu, "-M", "sabrelite", "-m", str(memory), "-nographic", "-semihosting",
           "-kernel", str(kernel), "-dtb", str(dtb)]
    if append is not None:
        cmd += ["-append", append]
    proc = subprocess.run(cmd, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode().replace("\r", "").splitlines()


def ours(kernel: Path, memory: int, **kw: object) -> dict:
    r = boot(str(kernel), board="imx6q", max_cycles=None, max_time_ms=100.0,
             engine="native", quantum=10_000, echo=False, memory_mib=memory, **kw)
    assert r["stop_reason"] == "exit" and r["exit_code"] == 0
    return r


def board_tree(tmp_path: Path, memory: int, bootargs: str) -> Path:
    """The tree irqemu generates for imx6q, as a file for QEMU's -dtb."""
    out = tmp_path / "imx6q.dtb"
    out.write_bytes(board_dtb("imx6q", num_cpus=4, memory_mib=memory, bootargs=bootargs))
    return out


def test_image_is_a_zimage() -> None:
    assert detect(IMAGE.read_bytes()) == "zimage"


@pytest.mark.parametrize("memory", [1024, 128, 64])
def test_zimage_matches_qemu_sabrelite(tmp_path: Path, memory: int) -> None:
    lines = ours(IMAGE, memory, append=ARGS)["uart"].splitlines()
    assert lines == qemu_lines(IMAGE, board_tree(tmp_path, memory, ""), memory, ARGS)
    dtb = 0x10000000 + min(memory << 19, 128 << 20)
    assert lines == [f"armv7 image: r0=0x00000000 r1=0xffffffff r2={dtb:#010x}",
                     "r2: device tree", f"bootargs: {ARGS}"]


def test_user_dtb_matches_qemu_sabrelite(tmp_path: Path) -> None:
    """--dtb: the user's tree (its own bootargs) goes where the generated one would."""
    tree = board_tree(tmp_path, 1024, "from the user's tree")
    lines = ours(IMAGE, 1024, dtb=tree.read_bytes())["uart"].splitlines()
    assert lines == qemu_lines(IMAGE, tree, 1024, None)
    assert lines[-1] == "bootargs: from the user's tree"


def test_raw_image_matches_qemu_sabrelite(tmp_path: Path) -> None:
    """The same bytes without the zImage magic load raw at the same address."""
    data = bytearray(IMAGE.read_bytes())
    data[0x24:0x28] = b"NONE"
    raw = tmp_path / "raw.bin"
    raw.write_bytes(bytes(data))
    assert detect(bytes(data)) == "flat"
    lines = ours(raw, 256, append=ARGS)["uart"].splitlines()
    assert lines == qemu_lines(raw, board_tree(tmp_path, 256, ""), 256, ARGS)


def test_et_dyn_elf_matches_qemu_sabrelite() -> None:
    """A position-independent ELF (ET_DYN, no relocations left) loads at its program
    headers' addresses, as QEMU loads it; as an ELF it gets no boot registers."""
    qemu = need_tool("qemu-system-arm", "reference for the image's output")
    elf = FIRMWARE / "images" / "armv7" / "image_dyn.elf"
    assert elf.read_bytes()[16] == 3  # e_type ET_DYN
    proc = subprocess.run([qemu, "-M", "sabrelite", "-nographic", "-semihosting", "-kernel",
                           str(elf)], capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    r = boot(str(elf), board="imx6q", max_cycles=None, max_time_ms=100.0, engine="native",
             quantum=10_000, echo=False)
    assert r["stop_reason"] == "exit" and (r["exit_code"] != 0) == (proc.returncode != 0)
    assert r["uart"].splitlines() == proc.stdout.decode().replace("\r", "").splitlines()
    assert r["uart"].splitlines()[-1] == "r2: no device tree"
