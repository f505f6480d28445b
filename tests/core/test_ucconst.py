"""irqemu._core.ucconst (generated from the wheel's headers) against the unicorn package,
and UcError: ours on the native handle, the package's caught by ``except UcError``."""

from __future__ import annotations

import importlib

import pytest
import unicorn

from irqemu._core import ucconst
from irqemu._core.ucerror import UcError, load_unicorn

PAIRS = [("irqemu._core.ucconst", "unicorn.unicorn_const"),
         ("irqemu._core.ucconst.arm", "unicorn.arm_const"),
         ("irqemu._core.ucconst.arm64", "unicorn.arm64_const"),
         ("irqemu._core.ucconst.x86", "unicorn.x86_const")]


def _consts(module: str) -> dict[str, int]:
    mod = importlib.import_module(module)
    return {k: v for k, v in vars(mod).items() if k.startswith("UC_") and isinstance(v, int)}


@pytest.mark.parametrize(("ours", "theirs"), PAIRS)
def test_same_names_and_values_as_the_unicorn_package(ours: str, theirs: str) -> None:
    mine, pkg = _consts(ours), _consts(theirs)
    assert len(mine) > 100
    assert mine == pkg


def test_the_package_error_is_caught_as_ours() -> None:
    load_unicorn()
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
    with pytest.raises(UcError) as info:
        uc.mem_read(0x1000, 4)
    assert info.value.errno == ucconst.UC_ERR_READ_UNMAPPED
    assert "UC_ERR_READ_UNMAPPED" in str(info.value)


def test_our_error_says_what_libunicorn_says() -> None:
    err = UcError(ucconst.UC_ERR_WRITE_UNMAPPED)
    assert err.errno == ucconst.UC_ERR_WRITE_UNMAPPED
    assert str(err) == str(unicorn.UcError(unicorn.UC_ERR_WRITE_UNMAPPED))
