"""The committed firmware ELF files are what their sources build to."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from helpers import FIRMWARE, need_tool


def test_committed_armv7_elfs_are_current(tmp_path: Path) -> None:
    need_tool("arm-none-eabi-gcc", "rebuilds firmware/armv7")
    need_tool("make", "runs the firmware Makefile")
    work = tmp_path / "firmware"
    shutil.copytree(FIRMWARE, work, ignore=shutil.ignore_patterns("*.elf", "*.o"))
    subprocess.run(["make", "-s", "-C", str(work)], check=True, capture_output=True)
    committed = sorted(p.name for p in (FIRMWARE / "armv7").glob("*.elf"))
    built = sorted(p.name for p in (work / "armv7").glob("*.elf"))
    assert built == committed
    for name in committed:
        assert (work / "armv7" / name).read_bytes() == (FIRMWARE / "armv7" / name).read_bytes(), \
            f"firmware/armv7/{name} is stale: run make -C firmware and commit it"
