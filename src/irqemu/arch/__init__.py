"""Instruction-set architectures: mask bits, exception entry and return, banked views."""

from __future__ import annotations

from typing import Any


def get_arch(name: str) -> Any:
    """The architecture description for ``name`` ("armv7", "aarch64", "x86_64")."""
    if name == "armv7":
        from irqemu.arch.armv7 import ARMv7

        return ARMv7()
    raise ValueError(f"unknown architecture {name!r} (known: armv7)")
