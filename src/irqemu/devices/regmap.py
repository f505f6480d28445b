"""Register maps as data: a device lists its registers, then says how they behave.

Modelled on QEMU's register API and Renode's peripherals: each ``Reg`` names
an offset, a width, a reset value, an access mode and, for banks such as
GICD_ISENABLERn, a count. A ``RegisterFile`` turns that table into a lookup
and dispatches an access to ``read_<NAME>(cpu, index)`` or
``write_<NAME>(cpu, index, value)`` on the device when the device defines
them; plain storage otherwise. Accesses wider than a register span
consecutive registers (a word write to four byte-wide GICD_IPRIORITYR
entries); narrower ones take the bytes they cover.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from irqemu.errors import BusError


@dataclass(frozen=True)
class Reg:
    """One register (or a bank of ``count`` registers ``width`` bytes apart)."""

    offset: int
    name: str
    reset: int = 0
    access: str = "rw"  #: "r" (writes ignored), "w" (reads as zero), "rw"
    width: int = 4
    count: int = 1
    doc: str = ""

    def __post_init__(self) -> None:
        if self.access not in ("r", "w", "rw"):
            raise ValueError(f"{self.name}: access must be r, w or rw")
        if self.width not in (1, 2, 4, 8):
            raise ValueError(f"{self.name}: width must be 1, 2, 4 or 8")


class RegisterFile:
    """Decodes offsets of one device against its register table."""

    def __init__(self, owner: Any, regs: Sequence[Reg], *, strict: bool = True) -> None:
        self.owner = owner
        self.strict = strict
        self.regs = tuple(regs)
        self._at: dict[int, tuple[Reg, int]] = {}
        self.values: dict[str, list[int]] = {}
        self._readers: dict[str, Callable[[int, int], int] | None] = {}
        self._writers: dict[str, Callable[[int, int, int], None] | None] = {}
        for reg in self.regs:
            for i in range(reg.count):
                off = reg.offset + i * reg.width
                if off in self._at:
                    raise ValueError(f"{reg.name}[{i}] overlaps {self._at[off][0].name}")
                self._at[off] = (reg, i)
            self.values[reg.name] = [reg.reset] * reg.count
            self._readers[reg.name] = getattr(owner, f"read_{reg.name}", None)
            self._writers[reg.name] = getattr(owner, f"write_{reg.name}", None)
        # Exact-width accesses to registers with behaviour methods, pre-resolved:
        # offset -> (method, index, width, value mask). The common MMIO case.
        self._fast_read: dict[int, tuple[Callable[[int, int], int], int, int, int]] = {}
        self._fast_write: dict[int, tuple[Callable[[int, int, int], None], int, int, int]] = {}
        for off, (reg, i) in self._at.items():
            mask = (1 << (8 * reg.width)) - 1
            rd, wr = self._readers[reg.name], self._writers[reg.name]
            if rd is not None and reg.access != "w":
                self._fast_read[off] = (rd, i, reg.width, mask)
            if wr is not None and reg.access != "r":
                self._fast_write[off] = (wr, i, reg.width, mask)

    def reset(self) -> None:
        for reg in self.regs:
            self.values[reg.name] = [reg.reset] * reg.count

    def find(self, offset: int) -> tuple[Reg, int, int] | None:
        """The register covering ``offset``: (reg, index, byte offset inside it)."""
        hit = self._at.get(offset)
        if hit is not None:
            return hit[0], hit[1], 0
        for back in (1, 2, 3, 4, 5, 6, 7):
            hit = self._at.get(offset - back)
            if hit is not None and back < hit[0].width:
                return hit[0], hit[1], back
        return None

    # -- one register ------------------------------------------------------
    def _read_reg(self, cpu: int, reg: Reg, index: int) -> int:
        if reg.access == "w":
            return 0
        reader = self._readers[reg.name]
        if reader is not None:
            return reader(cpu, index) & ((1 << (8 * reg.width)) - 1)
        return self.values[reg.name][index]

    def _write_reg(self, cpu: int, reg: Reg, index: int, value: int) -> None:
        if reg.access == "r":
            return
        value &= (1 << (8 * reg.width)) - 1
        writer = self._writers[reg.name]
        if writer is not None:
            writer(cpu, index, value)
        else:
            self.values[reg.name][index] = value

    # -- bus accesses ------------------------------------------------------
    def read(self, cpu: int, offset: int, size: int) -> int:
        fast = self._fast_read.get(offset)
        if fast is not None and fast[2] == size:
            return fast[0](cpu, fast[1]) & fast[3]
        exact = self._at.get(offset)
        if exact is not None and exact[0].width == size:  # the common, exact-width access
            return self._read_reg(cpu, exact[0], exact[1])
        value = 0
        done = 0
        while done < size:
            hit = self.find(offset + done)
            if hit is None:
                if self.strict:
                    raise BusError(f"read of undecoded offset {offset + done:#x}")
                done += 1
                continue
            reg, index, inner = hit
            take = min(reg.width - inner, size - done)
            word = self._read_reg(cpu, reg, index) >> (8 * inner)
            value |= (word & ((1 << (8 * take)) - 1)) << (8 * done)
            done += take
        return value

    def write(self, cpu: int, offset: int, size: int, value: int) -> None:
        fast = self._fast_write.get(offset)
        if fast is not None and fast[2] == size:
            fast[0](cpu, fast[1], value & fast[3])
            return
        exact = self._at.get(offset)
        if exact is not None and exact[0].width == size:
            self._write_reg(cpu, exact[0], exact[1], value)
            return
        done = 0
        while done < size:
            hit = self.find(offset + done)
            if hit is None:
                if self.strict:
                    raise BusError(f"write to undecoded offset {offset + done:#x}")
                done += 1
                continue
            reg, index, inner = hit
            take = min(reg.width - inner, size - done)
            part = (value >> (8 * done)) & ((1 << (8 * take)) - 1)
            if inner or take < reg.width:
                mask = ((1 << (8 * take)) - 1) << (8 * inner)
                old = self.values[reg.name][index]
                part = (old & ~mask) | (part << (8 * inner))
            self._write_reg(cpu, reg, index, part)
            done += take
