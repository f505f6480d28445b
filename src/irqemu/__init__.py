"""irqemu: a cycle-approximate emulator for studying interrupts."""

__version__ = "0.1.0"
