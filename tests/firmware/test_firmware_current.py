"""The committed firmware ELF files are what their sources build to, per architecture."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import FIRMWARE, need_tool

#: the compiler each architecture's Makefile needs (Debian package in .ci/run)
TOOLCHAINS = {"armv7": "arm-none-eabi-gcc", "aarch64": "aarch64-linux-gnu-gcc",
              "x86_64": "x86_64-linux-gnu-as"}
ARCHES = sorted(p.parent.name for p in FIRMWARE.glob("*/Makefile"))


def test_every_firmware_arch_has_a_known_toolchain() -> None:
    assert ARCHES and set(ARCHES) <= set(TOOLCHAINS)


@pytest.mark.parametrize("arch", ARCHES)
def test_committed_elfs_are_current(arch: str, tmp_path: Path) -> None:
    need_tool(TOOLCHAINS[arch], f"rebuilds firmware/{arch}")
    need_tool("make", "runs the firmware Makefile")
    work = tmp_path / arch
    shutil.copytree(FIRMWARE / arch, work, ignore=shutil.ignore_patterns("*.elf", "*.o"))
    subprocess.run(["make", "-s", "-C", str(work)], check=True, capture_output=True)
    committed = sorted(p.name for p in (FIRMWARE / arch).glob("*.elf"))
    built = sorted(p.name for p in work.glob("*.elf"))
    assert built == committed
    for name in committed:
        assert (work / name).read_bytes() == (FIRMWARE / arch / name).read_bytes(), \
            f"firmware/{arch}/{name} is stale: run make -C firmware and commit it"
