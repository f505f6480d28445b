"""The MMIO bus: page-aligned windows dispatching to the devices inside them.

Unicorn maps MMIO by whole pages, while SoC devices sit at sub-page offsets
(the Cortex-A9 GIC CPU interface at 0x00A00100 shares a page with the SCU and
timers). A ``Window`` covers a page-aligned range and forwards each access to
the device whose range holds it; addresses no device decodes behave like
QEMU's unimplemented-device: reads return 0, writes are ignored, and both
are logged once per address.
"""

from __future__ import annotations

import bisect

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any


class Window:
    """A page-aligned MMIO range and the devices mapped in it.

    Written out as ``@dataclass`` would make it (init, repr, eq): the dataclasses
    module (inspect, ast, dis) is a noticeable part of a boot's start-up."""

    __match_args__ = ("base", "size", "name", "_starts", "_devs", "unimplemented", "_hits")
    __hash__ = None  # type: ignore[assignment]  # mutable and compared by value

    def __init__(self, base: int, size: int, name: str, _starts: list[int] | None = None,
                 _devs: list[tuple[int, int, Any]] | None = None,
                 unimplemented: dict[int, int] | None = None,
                 _hits: dict[int, tuple[int, Any] | None] | None = None) -> None:
        self.base = base
        self.size = size
        self.name = name
        self._starts: list[int] = [] if _starts is None else _starts
        self._devs: list[tuple[int, int, Any]] = [] if _devs is None else _devs
        self.unimplemented: dict[int, int] = {} if unimplemented is None else unimplemented
        self._hits: dict[int, tuple[int, Any] | None] = {} if _hits is None else _hits
        #: window offset -> (method, index, width, mask) of the registers of devices whose
        #: accesses are exactly their register file's (``mmio_fast_entries``), made here
        #: (as ``RegisterFile.read``/``write`` would) without calling the device's
        self._fast_read: dict[int, tuple[Any, int, int, int]] = {}
        self._fast_write: dict[int, tuple[Any, int, int, int]] = {}

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f) for f in self.__match_args__)

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__match_args__)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Window)
        return self._fields() == other._fields()

    def add(self, base: int, size: int, device: Any) -> None:
        if base < self.base or base + size > self.base + self.size:
            raise ValueError(f"{device!r} at {base:#x} is outside window {self.name}")
        i = bisect.bisect_left(self._starts, base)
        if i < len(self._devs) and self._devs[i][0] < base + size:
            raise ValueError(f"{device!r} overlaps {self._devs[i][2]!r}")
        if i > 0 and self._devs[i - 1][0] + self._devs[i - 1][1] > base:
            raise ValueError(f"{device!r} overlaps {self._devs[i - 1][2]!r}")
        self._starts.insert(i, base)
        self._devs.insert(i, (base, size, device))
        self._hits.clear()
        fast = getattr(device, "mmio_fast_entries", None)
        if fast is not None:
            reads, writes = fast()
            at = base - self.base
            self._fast_read.update((at + off, e) for off, e in reads.items() if off < size)
            self._fast_write.update((at + off, e) for off, e in writes.items() if off < size)

    def find(self, addr: int) -> tuple[int, Any] | None:
        """``(base, device)`` of the device decoding ``addr``, or None (cached)."""
        try:
            return self._hits[addr]
        except KeyError:
            hit = self._hits[addr] = self._search(addr)
            return hit

    def _search(self, addr: int) -> tuple[int, Any] | None:
        i = bisect.bisect_right(self._starts, addr) - 1
        if i >= 0:
            base, size, dev = self._devs[i]
            if addr < base + size:
                return base, dev
        return None

    def mmio_read(self, cpu: int, offset: int, size: int) -> int:
        fast = self._fast_read.get(offset)
        if fast is not None and fast[2] == size:
            return fast[0](cpu, fast[1]) & fast[3]  # type: ignore[no-any-return]
        addr = self.base + offset
        hit = self._hits.get(addr) or self.find(addr)
        if hit is None:
            self.unimplemented[addr] = self.unimplemented.get(addr, 0) + 1
            return 0
        return int(hit[1].mmio_read(cpu, addr - hit[0], size))

    def mmio_write(self, cpu: int, offset: int, size: int, value: int) -> None:
        fast = self._fast_write.get(offset)
        if fast is not None and fast[2] == size:
            fast[0](cpu, fast[1], value & fast[3])
            return
        addr = self.base + offset
        hit = self._hits.get(addr) or self.find(addr)
        if hit is None:
            self.unimplemented[addr] = self.unimplemented.get(addr, 0) + 1
            return
        hit[1].mmio_write(cpu, addr - hit[0], size, value)

    def devices(self) -> list[tuple[int, int, Any]]:
        return list(self._devs)
