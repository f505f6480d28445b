"""The ``Arch`` base class: everything the machine and the kernel platform use of an ISA.

One instance serves one machine: per-core state (``attach``) is keyed by the
core's index. ``machine`` and ``slot`` arguments are the machine (a higher
layer) and its ``CpuSlot`` (``index``, ``core``, ``state``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from irqemu._core.common import Core
from irqemu.errors import GuestError

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any


class Arch(ABC):
    """What the machine and the kernel platform need from an architecture description."""

    name: str  #: "armv7", "aarch64", "x86_64"
    elf_machine: str  #: pyelftools e_machine name, e.g. "EM_ARM"
    uc_arch: int
    uc_mode: int
    pc_reg: int
    sp_reg: int
    mask_reg: int  #: Unicorn register holding the core's mask bits (-1: none)
    mask_shifts: list[int]  #: input i is masked by bit mask_shifts[i] (255: never)
    #: bits of ``mask_reg`` that mask when *clear* (x86 RFLAGS.IF)
    mask_invert: int = 0
    thumb_reg: int = -1  #: AArch32 only (resume at PC|1 in Thumb state); else -1
    thumb_shift: int = -1
    hostcall_fill: bytes  #: a branch-to-self filling the host-call page
    return_insn: bytes  #: the plain return (bx lr, ret) an inline host-call slot holds
    word_bytes: int  #: a pointer's size
    cpu_models: dict[str, int]  #: name -> Unicorn CPU model
    #: each interrupt enters through its own vector and the kernel's entry stub passes
    #: the vector number as its call's first argument (x86 IDT); False: one IRQ
    #: vector, the handler asks the interrupt controller (ARM GIC's IAR)
    vectored_interrupts: bool = False
    #: registers that belong to the CPU, not to the task running on it (x86: the GS
    #: base of the CPU's per-CPU area): a task's register context moving to another
    #: CPU leaves them as they are (irqemu.kernel.platform.CoreRunner)
    percpu_regs: tuple[int, ...] = ()

    # -- reset and per-core set-up --------------------------------------------------
    @abstractmethod
    def reset(self, core: Core, entry: int) -> None:
        """Put ``core`` in the state firmware starts in, at ``entry``."""

    def attach(self, machine: Any, slot: Any) -> None:
        """Make the per-core state and hooks (MRS/MSR traps, port I/O) for a new core."""
        return None

    # -- costing --------------------------------------------------------------------
    @abstractmethod
    def disassembler(self, core: Core) -> Any:
        """A capstone instance for the core's current instruction set."""

    @abstractmethod
    def classify(self, insn: Any) -> str:
        """The cost-model class of one capstone instruction."""

    #: mnemonics (condition suffix dropped) for which :meth:`special_instruction` is called
    special_mnemonics: frozenset[str] = frozenset()

    def special_instruction(self, core: Core, insn: Any) -> None:
        """Called for each instruction named in :attr:`special_mnemonics` when its block is
        first costed (ARMv7 hooks MPIDR reads there); by default nothing."""
        return None

    def insn_width(self, cs: Any) -> int:
        """Bytes per instruction for this decoder if fixed (ARM state, A64), else 0."""
        return 0

    def interrupt_shadow(self, insn: Any) -> int:
        """How many instructions after ``insn`` (a capstone instruction) no interrupt may
        be taken before: an instruction-precise stop moves past them; by default none."""
        return 0

    def may_split(self, core: Core) -> bool:
        """May a block be stopped inside now? The engines stop it at an exit address,
        which Unicorn runs as a WFI; by default always."""
        return True

    # -- interrupts -----------------------------------------------------------------
    @abstractmethod
    def take_interrupt(self, machine: Any, slot: Any, line: int) -> int:
        """Enter the exception for asserted, unmasked input ``line``; returns the vector,
        or -1 when the arch holds the input back (x86: an NMI while NMIs are blocked)."""

    @abstractmethod
    def interrupt_order(self) -> tuple[int, ...]:
        """Inputs in the order they are taken when several are deliverable."""

    @abstractmethod
    def interrupt_name(self, line: int) -> str:
        """The input's name in per-CPU interrupt counts ("IRQ", "FIQ", "NMI", ...)."""

    def native_entry(self) -> tuple[str, tuple[int, ...], int, dict[int, tuple]] | None:
        """How the native engine may take interrupts in C (``Core.set_native_entry``):
        the entry's ISA, the inputs in the order they are taken, the inputs that always
        end a WFI, and each input's entry parameters; None: the machine takes them."""
        return None

    def wakes(self, slot: Any, line: int) -> bool:
        """Does input ``line`` end the core's wait for interrupt? By default any does."""
        return True

    # -- synchronous exceptions -----------------------------------------------------
    def handle_exception(self, machine: Any, slot: Any, intno: int) -> None:
        """Enter the synchronous exception Unicorn raised (UC_HOOK_INTR number)."""
        raise GuestError(f"unhandled CPU exception {intno} at {machine.describe_pc(slot)}")

    def handle_undefined(self, machine: Any, slot: Any) -> bool:
        """Take an undefined-instruction exception if the guest can; False if not."""
        return False

    def handle_write_fault(self, machine: Any, slot: Any, address: int) -> bool:
        """A guest write to memory it may only read (the host-call page) at ``address``,
        the core stopped at the writing instruction: take the architecture's abort if
        the guest can; False: the machine reports it in one line."""
        return False

    def handle_fetch_fault(self, machine: Any, slot: Any, address: int) -> bool:
        """An instruction fetch from ``address`` found no code (x86: a non-canonical
        address): take the architecture's exception if it has one; False if not."""
        return False

    # -- calls between host and guest -----------------------------------------------
    @abstractmethod
    def hostcall_return(self, core: Core) -> None:
        """Return from a host call as the architecture's call instruction expects."""

    @abstractmethod
    def prepare_call(self, core: Core, address: int, args: list[int], ret: int) -> None:
        """Set up a call of the guest function at ``address`` returning to ``ret``."""

    @abstractmethod
    def call_result(self, core: Core) -> int:
        """The return value of a finished guest call."""

    @abstractmethod
    def call_arg(self, core: Core, index: int) -> int:
        """Argument ``index`` of the call the core is in (a host call's first argument:
        ``call_arg(core, 0)``), from the procedure-call standard's argument registers."""

    @abstractmethod
    def start_task(self, core: Core, stack_top: int, entry: int,
                   args: Sequence[int] = ()) -> None:
        """Make the core's registers a new task context, inside a stopping host call:
        the stack pointer at ``stack_top`` and the host call returning to ``entry``
        with ``args`` in the argument registers."""
