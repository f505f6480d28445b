"""Where a deadline inside a translation block stops it: instruction-precise delivery.

A core's run ends when its modelled cycle count reaches the deadline (the next
event, the end of its slice). When that deadline falls inside the block about to
run, the engine runs the block only up to the first instruction that starts at
or after the deadline, so an interrupt raised then is taken at the instruction
its arrival time falls on, as on a real core, not at the end of the block.
"""

from __future__ import annotations

from bisect import bisect_left

from irqemu.arch.base import Arch
from irqemu.timing.costmodel import CostModel

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

#: blocks whose instruction boundaries are remembered (cleared when full)
SPLIT_CACHE_LIMIT = 1 << 14


class InsnSplitter:
    """The stop address inside a block for a deadline ``budget`` cycles into it.

    Each block is decoded once (capstone, in full, costed as ``BlockCoster`` costs
    it) into the start cycle of each instruction where an interrupt may be taken:
    not right after an instruction whose ``Arch.interrupt_shadow`` covers the next
    ones (x86 STI / MOV SS, a Thumb IT block)."""

    def __init__(self, model: CostModel, arch: Arch, regs: Any, read: Any) -> None:
        self.model = model
        self.arch = arch
        self.regs = regs
        self.read = read
        self._blocks: dict[tuple[int, int, int], tuple[list[int], list[int]]] = {}

    def stop_address(self, address: int, size: int, budget: int) -> int:
        """The first instruction of the block at ``address`` (``size`` bytes) that starts
        ``budget`` or more cycles into it where an interrupt may be taken; 0 if none
        does (the block runs whole)."""
        if not self.arch.may_split(self.regs):
            return 0
        cs = self.arch.disassembler(self.regs)
        key = (id(cs), address, size)
        bounds = self._blocks.get(key)
        if bounds is None:
            bounds = self._learn(cs, address, size)
            if len(self._blocks) >= SPLIT_CACHE_LIMIT:
                self._blocks.clear()
            self._blocks[key] = bounds
        starts, offsets = bounds
        i = bisect_left(starts, budget)
        return address + offsets[i] if i < len(starts) else 0

    def _learn(self, cs: Any, address: int, size: int) -> tuple[list[int], list[int]]:
        """Start cycles and offsets of the block's interruptible boundaries after its
        first instruction (a block is entered at its first; no stop is needed there)."""
        code = bytes(self.read(address, size))
        starts: list[int] = []
        offsets: list[int] = []
        cycles = shadow = 0
        for insn in cs.disasm(code, address):
            if not shadow and insn.address != address:
                starts.append(cycles)
                offsets.append(insn.address - address)
            shadow = max(shadow - 1, self.arch.interrupt_shadow(insn))
            cycles += self.model.cycles(self.arch.classify(insn))
        return starts, offsets
