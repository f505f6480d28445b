"""The native fabric's device models a board uses when its machine has the native fabric.

Each is the same model as its Python reference in ``irqemu.devices`` (which the
reference engine and ``fabric="python"`` use), in C (``irqemu._core``); imported
only when asked for, so a Python-fabric machine never loads them.
"""

from __future__ import annotations


def native_gic() -> type:
    """The native GICv2 (``irqemu._core.gic``), both the A9 and the virt flavour."""
    from irqemu._core.gic import GICv2

    return GICv2


def native_a9_timers() -> tuple[type, type]:
    """The native Cortex-A9 private and global timers (``irqemu._core.mptimer``)."""
    from irqemu._core.mptimer import A9GlobalTimer, A9PrivateTimer

    return A9PrivateTimer, A9GlobalTimer


def native_generic_timer() -> type:
    """The native ARM generic timer (``irqemu._core.gentimer``)."""
    from irqemu._core.gentimer import ArmGenericTimer

    return ArmGenericTimer


def native_lapic() -> type:
    """The native local APICs (``irqemu._core.lapic``): the x86 LAPIC window and APIC bus."""
    from irqemu._core.lapic import LocalAPICs

    return LocalAPICs
