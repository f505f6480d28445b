"""What both engines share: why a run stopped, and the block-cost callback's contract.

The native engine (``engine.pyx``) and the pure-Python reference engine
(``reference.py``) implement the same ``Core`` interface with the same stop
semantics; these numbers are the vocabulary between them and the machine.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Protocol


class StopReason(IntEnum):
    """Why ``Core.run`` returned. Values are shared with the Cython engine."""

    NONE = 0
    DEADLINE = 1  #: the core's cycle count reached the deadline (the next event)
    IRQ = 2  #: an asserted interrupt input is not masked by the core's own mask bits
    WFI = 3  #: the guest executed a wait-for-interrupt instruction
    HOSTCALL = 4  #: the guest branched into the host-call page
    FAULT = 5  #: Unicorn reported an error (unmapped access, invalid instruction, ...)
    EXCEPTION = 6  #: the CPU raised a synchronous exception (SVC, BKPT, ...): see ``intno``
    STOP = 7  #: something asked this core to stop (``request_stop``)
    ERROR = 8  #: a Python callback (device model, cost model) raised


#: ``Core.fault_access`` values: what kind of access found no memory.
ACCESS_READ, ACCESS_WRITE, ACCESS_FETCH = 1, 2, 3

#: ``mask_shifts`` entry for an input no mask bit can block (an NMI).
UNMASKABLE = 255


class BlockCoster(Protocol):
    """Computes, once per translation block, its modelled cost."""

    def block_info(self, address: int, size: int) -> tuple[int, int]:
        """Return ``(cycles, instructions)`` for the block at ``address``."""
        ...


class MmioHandler(Protocol):
    """A device region as the engines see it: accesses carry the accessing CPU."""

    def mmio_read(self, cpu: int, offset: int, size: int) -> int: ...

    def mmio_write(self, cpu: int, offset: int, size: int, value: int) -> None: ...
