"""Instruction-set architectures: mask bits, exception entry and return, banked views.

Every architecture module provides one class satisfying ``Arch``; the machine
uses nothing else of it.
"""

from __future__ import annotations

from typing import Any, Protocol


class Arch(Protocol):
    """What the machine needs from an architecture description."""

    name: str  #: "armv7", "aarch64", "x86_64"
    elf_machine: str  #: pyelftools e_machine name, e.g. "EM_ARM"
    uc_arch: int
    uc_mode: int
    pc_reg: int
    sp_reg: int
    mask_reg: int  #: Unicorn register holding the core's mask bits (-1: none)
    mask_shifts: list[int]  #: input i is masked by bit mask_shifts[i] (255: never)
    thumb_reg: int  #: AArch32 only (resume at PC|1 in Thumb state); else -1
    thumb_shift: int
    hostcall_fill: bytes  #: a branch-to-self filling the host-call page
    return_insn: bytes  #: the plain return (bx lr, ret) an inline host-call slot holds
    cpu_models: dict[str, int]  #: name -> Unicorn CPU model

    def reset(self, core: Any, entry: int) -> None:
        """Put ``core`` in the state firmware starts in, at ``entry``."""

    def disassembler(self, core: Any) -> Any:
        """A capstone instance for the core's current instruction set."""

    def classify(self, insn: Any) -> str:
        """The cost-model class of one capstone instruction."""

    def take_interrupt(self, machine: Any, slot: Any, line: int) -> int:
        """Enter the exception for asserted, unmasked input ``line``; returns the vector,
        or -1 when the arch holds the input back (x86: an NMI while NMIs are blocked)."""

    def interrupt_order(self) -> tuple[int, ...]:
        """Inputs in the order they are taken when several are deliverable."""

    def interrupt_name(self, line: int) -> str: ...

    def hostcall_return(self, core: Any) -> None:
        """Return from a host call as the architecture's call instruction expects."""

    def handle_exception(self, machine: Any, slot: Any, intno: int) -> None:
        """Enter the synchronous exception Unicorn raised (UC_HOOK_INTR number)."""

    def handle_undefined(self, machine: Any, slot: Any) -> bool:
        """Take an undefined-instruction exception if the guest can; False if not."""

    def prepare_call(self, core: Any, address: int, args: list[int], ret: int) -> None:
        """Set up a call of the guest function at ``address`` returning to ``ret``."""

    def call_result(self, core: Any) -> int:
        """The return value of a finished guest call."""

    # optional: mask_invert (bits of mask_reg that mask when clear: x86 RFLAGS.IF);
    # wakes(slot, line) -> bool (which inputs end a WFI/hlt; default: any);
    # attach(machine, slot) installs per-core hooks (MRS/MSR traps, port I/O)


def get_arch(name: str) -> Any:
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
