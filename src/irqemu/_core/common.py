"""What both engines share: why a run stopped, and the block-cost callback's contract.

The native engine (``engine.pyx``) and the pure-Python reference engine
(``reference.py``) implement the same ``Core`` interface with the same stop
semantics; these numbers are the vocabulary between them and the machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import IntEnum

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, Protocol
else:
    Protocol = object  # the interfaces are mypy's: at run time, plain classes


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
    #: inside the engines only, never returned: the deadline falls inside the block
    #: about to run, which then runs only up to the instruction it falls on
    SPLIT = 9


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


class Core(Protocol):
    """One emulated CPU as both engines implement it (``engine.Core``, ``reference.Core``)."""

    uc: Any  #: the ``unicorn.Uc`` the engine drives
    cpu_index: int
    cycles: int
    deadline: int
    #: instructions one ``run`` may execute before returning DEADLINE (0: unbounded)
    insn_budget: int
    pending: int  #: bit i set: interrupt input i is asserted
    #: where a deadline inside a block stops it (``InsnSplitter``); None: after the block
    splitter: Any
    mmio_cost: int

    @property
    def instructions(self) -> int: ...
    @property
    def intno(self) -> int: ...
    @property
    def fault_access(self) -> int: ...
    @property
    def fault_addr(self) -> int: ...
    @property
    def last_error(self) -> int: ...
    @property
    def error_text(self) -> str: ...
    @property
    def cached_blocks(self) -> int: ...

    def run(self, deadline: int) -> int:
        """Execute until ``cycles >= deadline`` or something else stops the core."""
        ...

    def take_error(self) -> BaseException | None:
        """Return and clear the exception a hook raised during ``run``."""
        ...

    def fail(self, exc: BaseException) -> None:
        """Stop the core because a Python hook raised ``exc`` (``run`` returns ERROR)."""
        ...

    def request_stop(self) -> None: ...
    def add_stop_point(self, address: int) -> None: ...
    def deliverable(self) -> bool: ...
    def flush_costs(self) -> None: ...
    def map_mmio(self, base: int, size: int, handler: MmioHandler, offset: int = 0) -> None: ...
    def set_inline_hostcall(self, address: int, handler: Callable[[int], None]) -> None: ...
    def trap_sysregs(self, encodings: Iterable[tuple[int, int, int, int, int]],
                     handler: Callable[[int, int, tuple[int, int, int, int, int], int], bool],
                     ) -> None: ...
    def reg_read(self, reg: int) -> int: ...
    def reg_write(self, reg: int, value: int) -> None: ...
    def cp_read(self, cp: int, crn: int, crm: int, opc1: int, opc2: int,
                sec: int = 1) -> int: ...
    def cp_write(self, cp: int, crn: int, crm: int, opc1: int, opc2: int, value: int,
                 sec: int = 1) -> None: ...
    def sys_read(self, op0: int, op1: int, crn: int, crm: int, op2: int) -> int: ...
    def sys_write(self, op0: int, op1: int, crn: int, crm: int, op2: int,
                  value: int) -> None: ...


class FabricCore(Core, Protocol):
    """The native engine's Core with the native fabric attached (``Machine`` with
    ``fabric="native"``): its rounds, native events and interrupt entry run in C."""

    idle_cycles: int

    @property
    def round_target(self) -> int: ...

    def run_fabric(self, target: int, quantum_ps: int, max_time_ps: int, max_busy: int) -> int:
        """Run as the only runnable core until the machine must act (a StopReason)."""
        ...

    def map_native(self, base: int, size: int, device: Any) -> None:
        """Route guest accesses to [base, base+size) to a native device, in C."""
        ...

    def collect_taken(self) -> tuple[list[tuple[int, int]], dict[int, int]]:
        """Interrupts taken in C per input (in first-taken order) and inputs raised in C."""
        ...

    def attach_apic(self, apic: Any) -> None:
        """x86: the native local APICs whose INTA gives an INTR taken in C its vector."""
        ...
