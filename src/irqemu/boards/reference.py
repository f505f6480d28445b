"""The Python reference device models a board picks only when its machine has no
native fabric (the reference engine, ``fabric="python"``).

The counterpart of ``boards.native``: imported when asked for, so a native-fabric
boot never loads a reference model it does not run.
"""

from __future__ import annotations


def reference_gic() -> type:
    """The Python GICv2 (``irqemu.devices.gic``), both the A9 and the virt flavour."""
    from irqemu.devices.gic import GICv2

    return GICv2
