"""Instruction-set architectures: mask bits, exception entry and return, banked views.

Every architecture module provides one subclass of :class:`Arch`; the machine
and the kernel platform use nothing else of it.
"""

from __future__ import annotations

from irqemu.arch.base import Arch

__all__ = ["Arch", "get_arch"]


def get_arch(name: str) -> Arch:
    """The architecture description for ``name`` ("armv7", "aarch64", "x86_64")."""
    if name == "armv7":
        from irqemu.arch.armv7 import ARMv7

        return ARMv7()
    if name == "aarch64":
        from irqemu.arch.aarch64 import AArch64

        return AArch64()
    if name == "x86_64":
        from irqemu.arch.x86_64 import X86_64

        return X86_64()
    raise ValueError(f"unknown architecture {name!r} (known: armv7, aarch64, x86_64)")
