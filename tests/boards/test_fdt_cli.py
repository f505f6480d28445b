"""``irqemu boot --dump-dtb FILE`` and ``--dtb FILE``: the tree written, the user's tree
checked and loaded where the firmware finds it, every mistake one line."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from elfgen import elf_file
from helpers import firmware

from irqemu.boards.fdt import board_dtb

EM_AARCH64 = 183
#: at 0x40100000: w2 = the word at RAM base; PSCI SYSTEM_OFF (exit 0) if it is a DTB's
#: magic (read little-endian: 0xedfe0dd0), else spin
PROBE = [0xD2A80001, 0xB9400022, 0x5281BA03, 0x72BDBFC3, 0x6B03005F, 0x54000061,
         0x52800100, 0x72B08000, 0xD4000002, 0x14000000]


def irqemu(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "irqemu", *args], capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


def one_error_line(p: subprocess.CompletedProcess[str]) -> str:
    assert p.returncode != 0 and "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("irqemu: "), p.stderr
    return lines[0]


def test_dump_dtb_writes_the_boards_tree(tmp_path: Path) -> None:
    out = tmp_path / "virt.dtb"
    p = irqemu("boot", str(firmware("aarch64", "exceptions.elf")), "--dump-dtb", str(out))
    assert p.returncode == 0 and p.stdout == "", p.stderr
    # the board's four CPUs, QEMU's default RAM for the machine (virt 128 MiB, sabrelite 1 GiB)
    assert out.read_bytes() == board_dtb("virt-a53", num_cpus=4, memory_mib=128)
    imx = tmp_path / "imx.dtb"
    p = irqemu("boot", "any.elf", "--board", "imx6q", "--dump-dtb", str(imx))
    assert p.returncode == 0, p.stderr
    assert imx.read_bytes() == board_dtb("imx6q", num_cpus=4, memory_mib=1024)
    p = irqemu("boot", "any", "--board", "virt-a53", "--smp", "2", "-m", "512",
               "--append", "console=ttyAMA0 quiet", "--dump-dtb", str(out))
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == board_dtb("virt-a53", num_cpus=2, memory_mib=512,
                                         bootargs="console=ttyAMA0 quiet")


def test_dump_dtb_follows_the_cost_models_clock(tmp_path: Path) -> None:
    model = tmp_path / "fast.toml"
    shipped = Path(__file__).resolve().parents[2] / "src/irqemu/timing/cores/cortex-a9.toml"
    model.write_text(shipped.read_text().replace("hz = 792_000_000", "hz = 1_000_000_000"))
    out = tmp_path / "imx.dtb"
    p = irqemu("boot", "x", "--board", "imx6q", "--cost-model", str(model), "--dump-dtb", str(out))
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == board_dtb("imx6q", num_cpus=4, memory_mib=1024,
                                         cpu_hz=1_000_000_000)
    assert out.read_bytes() != board_dtb("imx6q", num_cpus=4, memory_mib=1024)
    assert "x86_64 cores" in one_error_line(irqemu(
        "boot", "x", "--board", "imx6q", "--cost-model", "skylake", "--dump-dtb", str(out)))


def test_dump_dtb_mistakes_are_one_line(tmp_path: Path) -> None:
    assert "no device tree" in one_error_line(
        irqemu("boot", "x.elf", "--board", "pc", "--dump-dtb", str(tmp_path / "p.dtb")))
    assert "--board" in one_error_line(
        irqemu("boot", str(tmp_path / "missing.elf"), "--dump-dtb", str(tmp_path / "p.dtb")))
    assert "--dump-dtb" in one_error_line(
        irqemu("boot", "x.elf", "--board", "imx6q", "--dump-dtb", str(tmp_path / "no/such.dtb")))


@pytest.mark.parametrize("with_dtb", [True, False])
def test_dtb_is_loaded_at_the_base_of_ram_below_the_elf(tmp_path: Path, with_dtb: bool) -> None:
    code = b"".join(struct.pack("<I", w) for w in PROBE)
    elf = elf_file(tmp_path / "probe.elf", bits=64, machine=EM_AARCH64,
                   segments=[(0x40100000, code, len(code))])
    blob = tmp_path / "user.dtb"
    blob.write_bytes(board_dtb("virt-a53", num_cpus=1, memory_mib=64))
    extra = ["--dtb", str(blob)] if with_dtb else []
    p = irqemu("boot", str(elf), "--json", "--max-time-ms", "0.05", *extra)
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["stop_reason"] == ("exit" if with_dtb else "time-limit")


def test_dtb_mistakes_are_one_line(tmp_path: Path) -> None:
    elf = str(firmware("aarch64", "exceptions.elf"))
    good = board_dtb("virt-a53", num_cpus=1, memory_mib=64)
    cases = {
        "missing": (None, "No such file"),
        "short": (good[:10], "shorter than a device-tree header"),
        "magic": (b"\x7fELF" + good[4:], "bad magic"),
        "cut": (good[:-40], "totalsize"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / f"{name}.dtb"
        if data is not None:
            path.write_bytes(data)
        assert message in one_error_line(irqemu("boot", elf, "--dtb", str(path)))
    ok = tmp_path / "ok.dtb"
    ok.write_bytes(good)
    # exceptions.elf starts at the base of RAM, where QEMU would put the DTB
    assert "base of RAM" in one_error_line(irqemu("boot", elf, "--dtb", str(ok)))
