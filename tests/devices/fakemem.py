"""A FakeMachine with real RAM, for devices that DMA (the FEC's descriptor rings)."""

from __future__ import annotations

from devfakes import FakeMachine


class RamMachine(FakeMachine):
    """FakeMachine whose mem_read/mem_write hit ``size`` bytes of RAM at ``base``."""

    def __init__(self, base: int = 0x10000000, size: int = 1 << 20, num_cpus: int = 4) -> None:
        super().__init__(num_cpus)
        self.ram_base = base
        self.ram = bytearray(size)

    def _off(self, address: int, size: int) -> int:
        off = address - self.ram_base
        if off < 0 or off + size > len(self.ram):
            raise AssertionError(f"DMA outside RAM: {size} bytes at {address:#x}")
        return off

    def mem_read(self, address: int, size: int) -> bytes:
        off = self._off(address, size)
        return bytes(self.ram[off : off + size])

    def mem_write(self, address: int, data: bytes) -> None:
        off = self._off(address, len(data))
        self.ram[off : off + len(data)] = data
