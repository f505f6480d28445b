"""ARM PrimeCell UART (PL011), as on QEMU's virt machine at 0x09000000 (SPI 1).

Register offsets, reset values and IDs from the PL011 TRM (ARM DDI 0183);
behaviour follows QEMU's hw/char/pl011.c: a byte written to UARTDR goes out
at once (UARTCR enables are not checked, as in QEMU), the transmit FIFO is
never full (UARTFR.TXFE set, BUSY clear), writing UARTDR raises the TX
interrupt, and the output is ``UARTRIS & UARTIMSC``. Received bytes
(``receive``) queue in a 16-entry FIFO and raise RXIS.

Boot state: QEMU's ``virt`` starts a bare ELF (``-kernel``) with no firmware
before it, so the PL011 is as its reset leaves it: UARTCR = 0x0300 (TXE, RXE;
UARTEN clear), the baud rate and line control unset; QEMU transmits anyway,
and so does this model, so code that never programs the UART prints on both.
That reset state is the boot state here; there is nothing more to set.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from irqemu.devices.base import Device, IrqLine, MachineContext
from irqemu.devices.regmap import Reg

FR_RXFE, FR_TXFF, FR_RXFF, FR_TXFE, FR_BUSY = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 3
INT_RX, INT_TX, INT_RT = 1 << 4, 1 << 5, 1 << 6
RX_FIFO = 16
#: UARTPeriphID0-3, UARTPCellID0-3 (PL011 TRM 3.3.14-3.3.15; QEMU pl011_id_arm)
_IDS = (0x11, 0x10, 0x14, 0x00, 0x0D, 0xF0, 0x05, 0xB1)


class PL011(Device):
    """PL011 UART. ``on_tx(byte)`` per transmitted byte; ``irq`` is the interrupt line."""

    SIZE = 0x1000
    REGS = (
        Reg(0x000, "UARTDR"),
        Reg(0x004, "UARTRSR"),
        Reg(0x018, "UARTFR", access="r"),
        Reg(0x020, "UARTILPR"),
        Reg(0x024, "UARTIBRD"),
        Reg(0x028, "UARTFBRD"),
        Reg(0x02C, "UARTLCR_H"),
        Reg(0x030, "UARTCR", reset=0x0300),
        Reg(0x034, "UARTIFLS", reset=0x12),
        Reg(0x038, "UARTIMSC", wmask=0x7FF),
        Reg(0x03C, "UARTRIS", access="r"),
        Reg(0x040, "UARTMIS", access="r"),
        Reg(0x044, "UARTICR", access="w"),
        Reg(0x048, "UARTDMACR"),
        Reg(0xFE0, "UARTID", access="r", count=8, doc="PeriphID0-3, PCellID0-3"),
    )

    def __init__(self, machine: MachineContext, base: int = 0x09000000, name: str = "pl011",
                 *, on_tx: Callable[[int], None] | None = None) -> None:
        super().__init__(machine, base, name)
        self.on_tx = on_tx
        self.output = bytearray()
        self.irq = IrqLine(name)
        self.rx: deque[int] = deque()
        self.ris = 0

    def reset(self) -> None:
        super().reset()
        self.rx.clear()
        self.ris = 0
        self._update()

    def _update(self) -> None:
        self.irq.set(bool(self.ris & self.regs.values["UARTIMSC"][0]))

    def receive(self, data: bytes) -> int:
        """Queue received bytes (up to the FIFO depth); returns how many were taken."""
        taken = 0
        for b in data:
            if len(self.rx) >= RX_FIFO:
                break
            self.rx.append(b)
            taken += 1
        if taken:
            self.ris |= INT_RX
            self._update()
        return taken

    def read_UARTDR(self, cpu: int, index: int) -> int:
        if not self.rx:
            return 0
        b = self.rx.popleft()
        if not self.rx:
            self.ris &= ~INT_RX
            self._update()
        return b

    def write_UARTDR(self, cpu: int, index: int, value: int) -> None:
        b = value & 0xFF
        self.output.append(b)
        if self.on_tx is not None:
            self.on_tx(b)
        self.ris |= INT_TX
        self._update()

    def read_UARTFR(self, cpu: int, index: int) -> int:
        fr = FR_TXFE
        if not self.rx:
            fr |= FR_RXFE
        elif len(self.rx) >= RX_FIFO:
            fr |= FR_RXFF
        return fr

    def write_UARTIMSC(self, cpu: int, index: int, value: int) -> None:
        self.regs.values["UARTIMSC"][0] = value
        self._update()

    def read_UARTRIS(self, cpu: int, index: int) -> int:
        return self.ris

    def read_UARTMIS(self, cpu: int, index: int) -> int:
        return self.ris & self.regs.values["UARTIMSC"][0]

    def write_UARTICR(self, cpu: int, index: int, value: int) -> None:
        self.ris &= ~value
        self._update()

    def read_UARTID(self, cpu: int, index: int) -> int:
        return _IDS[index]
