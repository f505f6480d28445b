"""Register maps as data: a device lists its registers, then says how they behave.

Modelled on QEMU's register API (``RegisterAccessInfo``: ro, w1c, rsvd) and
Renode's register fields: each ``Reg`` names an offset, a width, a reset
value, an access mode, the bits that take writes (``wmask``), the
write-1-to-clear bits (``w1c``), the reserved bits (``reserved``) and, for
banks such as GICD_ISENABLERn, a count. A ``RegisterFile`` turns that table
into a lookup and dispatches an access to ``read_<NAME>(cpu, index)`` or
``write_<NAME>(cpu, index, value)`` on the device when the device defines
them; plain storage otherwise. Accesses wider than a register span
consecutive registers (a word write to four byte-wide GICD_IPRIORITYR
entries); narrower ones take the bytes they cover.

A write to a register without a writer is stored as ``store(old, value)``:
bits in ``wmask`` take the written value, other bits keep theirs (read-only
bits), a 1 written to a ``w1c`` bit clears it, ``reserved`` bits stay zero.
A writer receives the written value already masked to the bits that take
writes (``wmask | w1c``, less ``reserved``) and owns the storage; it may call
``RegisterFile.store`` to apply the same rules. A reader's result has its
reserved bits cleared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from irqemu.errors import BusError

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any


class Reg:
    """One register (or a bank of ``count`` registers ``width`` bytes apart), immutable.

    Written out as ``@dataclass(frozen=True)`` would make it, the derived masks being
    ``field(init=False, repr=False, compare=False)``: the dataclasses module (inspect,
    ast, dis) is a noticeable part of a boot's start-up."""

    __match_args__ = ("offset", "name", "reset", "access", "width", "count", "doc", "wmask",
                      "w1c", "reserved")
    offset: int
    name: str
    reset: int = 0
    access: str = "rw"  #: "r" (writes ignored), "w" (reads as zero), "rw"
    width: int = 4
    count: int = 1
    doc: str = ""
    #: bits that take a written value (None: all); the others keep their value
    wmask: int | None = None
    #: write-1-to-clear bits (status flags): a 1 clears, a 0 leaves the bit alone
    w1c: int = 0
    #: reserved bits: read as zero, writes ignored
    reserved: int = 0
    #: derived: all bits; bits a read returns; w1c bits; bits taking the written
    #: value; bits of a written value a writer sees (``writable | clearable``)
    mask: int
    readable: int
    clearable: int
    writable: int
    accepted: int

    def __init__(self, offset: int, name: str, reset: int = 0, access: str = "rw",
                 width: int = 4, count: int = 1, doc: str = "", wmask: int | None = None,
                 w1c: int = 0, reserved: int = 0) -> None:
        # the fields, then the derived masks, straight into the instance dict (in the
        # dataclass's order): a boot builds a few hundred of these
        self.__dict__.update(offset=offset, name=name, reset=reset, access=access, width=width,
                             count=count, doc=doc, wmask=wmask, w1c=w1c, reserved=reserved)
        self._derive()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in Reg.__match_args__)

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in Reg.__match_args__)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Reg)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __setattr__(self, name: str, value: Any) -> None:
        if type(self) is Reg or name in Reg.__match_args__:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if type(self) is Reg or name in Reg.__match_args__:
            from dataclasses import FrozenInstanceError

            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super().__delattr__(name)

    def _derive(self) -> None:
        if self.access not in ("r", "w", "rw"):
            raise ValueError(f"{self.name}: access must be r, w or rw")
        if self.width not in (1, 2, 4, 8):
            raise ValueError(f"{self.name}: width must be 1, 2, 4 or 8")
        if self.reset & self.reserved:
            raise ValueError(f"{self.name}: reset value sets reserved bits")
        full = (1 << (8 * self.width)) - 1
        wmask = full if self.wmask is None else self.wmask
        # derived masks, computed once (the record is frozen)
        clearable = self.w1c & ~self.reserved & full
        writable = wmask & ~self.w1c & ~self.reserved & full
        self.__dict__.update(mask=full, readable=full & ~self.reserved, clearable=clearable,
                             writable=writable, accepted=writable | clearable)

    def store(self, old: int, value: int) -> int:
        """The register's value after ``value`` is written over ``old``."""
        take = self.writable
        return ((old & ~take) | (value & take)) & ~(value & self.clearable) & self.readable


#: a register's exact-width access resolved: (method, index, width, value mask)
FastRead = tuple[Callable[[int, int], int], int, int, int]
FastWrite = tuple[Callable[[int, int, int], None], int, int, int]


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
        # Exact-width accesses, pre-resolved: offset -> (method, index, width, value
        # mask); the method is the device's reader/writer or plain storage. The
        # common MMIO case.
        self._fast_read: dict[int, FastRead] = {}
        self._fast_write: dict[int, FastWrite] = {}
        for off, (reg, i) in self._at.items():
            rd, wr = self._readers[reg.name], self._writers[reg.name]
            if rd is not None and reg.access != "w":
                self._fast_read[off] = (rd, i, reg.width, reg.readable)
            if wr is not None and reg.access != "r":
                self._fast_write[off] = (wr, i, reg.width, reg.accepted)
            elif reg.access != "r":
                self._fast_write[off] = (self._storer(reg), i, reg.width, reg.mask)
        self._by_name = {reg.name: reg for reg in self.regs}

    def reset(self) -> None:
        for reg in self.regs:
            self.values[reg.name] = [reg.reset] * reg.count

    def fast_entries(self) -> tuple[dict[int, FastRead], dict[int, FastWrite]]:
        """The exact-width accesses :meth:`read` and :meth:`write` resolve at once: offset
        -> (method, index, width, mask); a read is ``method(cpu, index) & mask``, a write
        ``method(cpu, index, value & mask)``, for an access of ``width`` bytes. A bus
        holding a device whose accesses are exactly its register file's may make them
        itself (one Python call fewer per access)."""
        return self._fast_read, self._fast_write

    def _storer(self, reg: Reg) -> Callable[[int, int, int], None]:
        """Plain storage of ``reg`` by its rules, shaped like a writer."""
        values, name, store = self.values, reg.name, reg.store
        if reg.writable == reg.mask:  # no field rules: the (width-masked) value as is

            def write_plain(cpu: int, index: int, value: int) -> None:
                values[name][index] = value

            return write_plain

        def write(cpu: int, index: int, value: int) -> None:
            cells = values[name]
            cells[index] = store(cells[index], value)

        return write

    def store(self, name: str, index: int, value: int) -> None:
        """Store a written ``value`` by the register's rules (for writers that store)."""
        cells = self.values[name]
        cells[index] = self._by_name[name].store(cells[index], value)

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
            return reader(cpu, index) & reg.readable
        return self.values[reg.name][index]

    def _write_reg(self, cpu: int, reg: Reg, index: int, value: int) -> None:
        if reg.access == "r":
            return
        writer = self._writers[reg.name]
        if writer is not None:
            writer(cpu, index, value & reg.accepted)
        else:
            cells = self.values[reg.name]
            cells[index] = reg.store(cells[index], value)

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
