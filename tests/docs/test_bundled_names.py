"""``irqemu boot fiq.elf``: bundled firmware by name from any directory (issue 14 item 5)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import irqemu
from irqemu.bundled import bundled_names, resolve_firmware
from irqemu.errors import FirmwareNotFoundError

ROOT = Path(__file__).resolve().parents[2]


def boot_in(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``irqemu boot ARGS`` run from ``cwd`` (outside the source tree)."""
    env = dict(os.environ, PYTHONPATH=str(Path(irqemu.__file__).resolve().parents[1]))
    return subprocess.run([sys.executable, "-m", "irqemu", "boot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_every_committed_elf_is_bundled() -> None:
    listed = subprocess.run(["git", "ls-files", ":(glob)firmware/*/*.elf"], cwd=ROOT, text=True,
                            capture_output=True).stdout.split()
    if not listed:
        pytest.skip("not a git checkout")
    assert {p.removeprefix("firmware/") for p in listed} <= set(bundled_names())


@pytest.mark.parametrize("name", ["fiq.elf", "armv7/fiq.elf", "firmware/armv7/fiq.elf"])
def test_a_bundled_name_boots_outside_the_tree(tmp_path: Path, name: str) -> None:
    p = boot_in(tmp_path, name, "--json")
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert Path(r["firmware"]).parts[-2:] == ("armv7", "fiq.elf")
    assert "fiq: done" in r["uart"] and r["board"] == "imx6q"


def test_a_name_shipped_for_several_arches_follows_the_board() -> None:
    assert resolve_firmware("timer.elf").parts[-2:] == ("armv7", "timer.elf")
    assert resolve_firmware("timer.elf", "pc").parts[-2:] == ("x86_64", "timer.elf")
    assert resolve_firmware("timer.elf", "virt-a53").parts[-2:] == ("aarch64", "timer.elf")


def test_a_file_of_that_name_wins(tmp_path: Path) -> None:
    (tmp_path / "fiq.elf").write_text("not firmware")
    p = boot_in(tmp_path, "fiq.elf")
    assert p.returncode == 2 and "not an ELF" in p.stderr


def test_an_unknown_name_is_one_line_with_close_names(tmp_path: Path) -> None:
    p = boot_in(tmp_path, "fiq_watchdg.elf")
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in p.stderr
    assert lines[0].startswith("irqemu: fiq_watchdg.elf: no such file")
    assert "did you mean armv7/fiq_watchdog.elf" in lines[0]


def test_nothing_close_lists_some_bundled_names() -> None:
    with pytest.raises(FirmwareNotFoundError, match=r"are bundled, e\.g\. aarch64/"):
        resolve_firmware("/no/such/zzzzqqq.elf")
