"""The errors every layer raises, on the ground floor so any layer may import them.

Each carries a one-line message meant for the user: what is wrong and where
(core, PC and instruction for a guest fault; file and field for bad input).
The ``irqemu`` command prints that line and exits non-zero, never a traceback.
"""

from __future__ import annotations


class IrqemuError(Exception):
    """Base of every error irqemu reports to its user in one line."""


class GuestError(IrqemuError):
    """The guest did something the machine cannot continue from (one-line message)."""


class BusError(IrqemuError):
    """An access the device does not decode: the machine reports it with the core's PC."""


class ElfLoadError(IrqemuError):
    """The file is missing, not an ELF, or not loadable on this board."""


class CostModelError(IrqemuError, ValueError):
    """A cost model file is missing, malformed or has an unsourced entry."""


class FirmwareNotFoundError(IrqemuError):
    """A firmware ELF that ships with irqemu is missing (a broken install)."""


class LivelockError(GuestError):
    """Events keep firing at one simulated instant: a device that never lets time advance."""
