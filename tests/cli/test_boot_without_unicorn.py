"""A native boot drives libunicorn through the C API: the ``unicorn`` Python package,
most of a boot's start-up, stays unimported; the reference engine still loads it. The
run is the same either way (tests/machine/test_fabric_equivalence.py: same --json)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from helpers import firmware

SKIPPED = ("unicorn", "importlib.resources", "zipfile")


def _loaded(argv: list[str]) -> tuple[int, list[str], str]:
    """Exit code, which of SKIPPED were imported, and stderr of ``irqemu boot ARGV`` in a
    fresh interpreter."""
    code = ("import sys; from irqemu.cli import main; "
            f"rc = main(['boot', *{argv!r}]); "
            f"print(rc, sorted({{m for m in sys.modules if m.split('.')[0] in {SKIPPED!r} "
            f"or m in {SKIPPED!r}}}), file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL, check=False)
    *err, last = p.stderr.strip().splitlines()
    rc, mods = last.split(" ", 1)
    return int(rc), eval(mods), "\n".join(err)  # noqa: S307 - our own print of a list


@pytest.mark.parametrize("fw", [("armv7", "exceptions.elf"), ("aarch64", "exceptions.elf")])
def test_a_native_boot_imports_neither_unicorn_nor_importlib_resources(
        fw: tuple[str, str]) -> None:
    rc, mods, err = _loaded([str(firmware(*fw))])
    assert (rc, mods) == (0, []), err


def test_the_reference_engine_still_uses_the_unicorn_package() -> None:
    rc, mods, err = _loaded([str(firmware("armv7", "exceptions.elf")), "--engine", "reference"])
    assert rc == 0 and "unicorn" in mods, err
