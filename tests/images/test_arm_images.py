"""ARM kernel images booted as QEMU's -kernel boots them: the arm64 Image (and the
same bytes as a raw binary) prints the same UART lines as qemu-system-aarch64 -M
virt; malformed images and options get one-line errors."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIRMWARE, need_tool

from irqemu.cli import CliError, boot
from irqemu.loader.boot import dtb_address
from irqemu.loader.detect import detect

IMAGE = FIRMWARE / "images" / "arm64" / "Image.bin"
ARGS = "console=ttyAMA0 earlycon hello=world"


def qemu_lines(kernel: Path, smp: int, memory: int | None) -> list[str]:
    qemu = need_tool("qemu-system-aarch64", "reference for the Image's output")
    cmd = [qemu, "-M", "virt,gic-version=2", "-cpu", "cortex-a53", "-smp", str(smp),
           "-kernel", str(kernel), "-append", ARGS, "-nographic"]
    if memory is not None:
        cmd += ["-m", str(memory)]
    proc = subprocess.run(cmd, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr.decode()
    return proc.stdout.decode().replace("\r", "").splitlines()


def ours(kernel: Path, **kw: object) -> dict:
    return boot(str(kernel), board="virt-a53", max_cycles=None, max_time_ms=100.0,
                engine="native", quantum=10_000, echo=False, append=ARGS, **kw)


def as_raw(tmp_path: Path) -> Path:
    """The Image with its magic cleared: QEMU loads it raw at RAM base + 0x80000,
    the same place as the Image's text_offset 0x80000."""
    data = bytearray(IMAGE.read_bytes())
    data[0x38:0x3C] = b"NONE"
    out = tmp_path / "flat.bin"
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize(("smp", "memory"), [(4, None), (2, 256), (1, 1024)])
def test_image_matches_qemu_virt(smp: int, memory: int | None) -> None:
    r = ours(IMAGE, smp=smp, memory_mib=memory)
    assert r["stop_reason"] == "exit" and r["exit_code"] == 0
    lines = r["uart"].splitlines()
    assert lines == qemu_lines(IMAGE, smp, memory)
    assert f"bootargs: {ARGS}" in lines and f"cpus {smp}" in lines


def test_flat_binary_matches_qemu_virt(tmp_path: Path) -> None:
    flat = as_raw(tmp_path)
    assert detect(flat.read_bytes()) == "flat"
    r = ours(flat, smp=3)
    assert r["stop_reason"] == "exit"
    assert r["uart"].splitlines() == qemu_lines(flat, 3, None)


def test_flat_binary_at_load_addr(tmp_path: Path) -> None:
    """--load-addr is honoured: the image (PC-relative code) finds itself there."""
    r = ours(as_raw(tmp_path), smp=1, load_addr=0x40100000)
    assert r["uart"].startswith("image at 0x40100000, dtb at 0x44000000 ")


def test_dtb_place_follows_qemu() -> None:
    assert dtb_address("aarch64", 0x40000000, 128 << 20, 0x40090000, 0x2000) == 0x44000000
    assert dtb_address("aarch64", 0x40000000, 1024 << 20, 0x40090000, 0x2000) == 0x48000000
    assert dtb_address("aarch64", 0x40000000, 128 << 20, 0x45000001, 0x2000) == 0x45200000
    assert dtb_address("armv7", 0x10000000, 1024 << 20, 0x10020000, 0x2000) == 0x18000000


def _patched(tmp_path: Path, offset: int, fmt: str, *values: int) -> Path:
    data = bytearray(IMAGE.read_bytes())
    struct.pack_into(fmt, data, offset, *values)
    out = tmp_path / "bad.bin"
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize(("offset", "fmt", "value", "words"), [
    (24, "<Q", 1, "big-endian"),
    (16, "<Q", 1 << 30, "outside RAM"),
    (8, "<Q", 0x80004, "not 8-byte aligned"),
])
def test_malformed_image_one_line(tmp_path: Path, offset: int, fmt: str, value: int,
                                  words: str) -> None:
    bad = _patched(tmp_path, offset, fmt, value)
    with pytest.raises(CliError) as exc:
        ours(bad, smp=1)
    msg = str(exc.value)
    assert words in msg and str(bad) in msg and "\n" not in msg


def test_raw_needs_a_board_and_elf_refuses_load_addr(tmp_path: Path) -> None:
    with pytest.raises(CliError, match="give --board"):
        boot(str(as_raw(tmp_path)), board=None, max_cycles=None, max_time_ms=1.0,
             engine="native", quantum=10_000, echo=False)
    with pytest.raises(CliError, match="--load-addr"):
        boot(str(FIRMWARE / "images" / "arm64" / "Image.elf"), board="virt-a53",
             max_cycles=None, max_time_ms=1.0, engine="native", quantum=10_000, echo=False,
             load_addr=0x40000000)


def test_image_on_imx6q_refused() -> None:
    with pytest.raises(CliError, match="AArch64 board"):
        boot(str(IMAGE), board="imx6q", max_cycles=None, max_time_ms=1.0,
             engine="native", quantum=10_000, echo=False)


def test_cli_smp_range() -> None:
    proc = subprocess.run([sys.executable, "-m", "irqemu", "boot", str(IMAGE),
                           "--board", "virt-a53", "--smp", "9"], capture_output=True,
                          cwd=FIRMWARE.parent, timeout=60)
    assert proc.returncode != 0
    assert len(proc.stderr.decode().strip().splitlines()) == 1 and b"--smp" in proc.stderr
