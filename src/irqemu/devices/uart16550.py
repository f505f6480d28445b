"""NS16550A UART (the PC's COM1 at I/O port 0x3F8, ISA IRQ 4).

Register layout from the TI/National PC16550D datasheet: offsets 0-7 with
LCR.DLAB (bit 7) switching offsets 0 and 1 to the divisor latch (DLL/DLM),
which this model keeps at virtual offsets 8 and 9. Transmission is
instantaneous (THRE and TEMT always read 1), so the THR-empty interrupt is
pending again right after each write, as QEMU's hw/char/serial.c without a
backend delay. The interrupt output reaches the IRQ line only while MCR.OUT2
is set, as on PC serial ports (Linux's 8250 driver sets it). Loopback is not
modelled.

Boot state: QEMU's ``serial_reset`` leaves COM1 with LCR = 0, MCR = OUT2, the
divisor at 0x0C (9600 baud) and IER = 0; SeaBIOS's ``detect_serial`` probes
IER (writes 0x02, reads it and IIR back) and writes IER = 0 again, so a program
started after the BIOS finds that state. ``boot_state=True`` (the default) is
it; ``False`` is the datasheet's master reset (MCR = 0: OUT2 off, the PC's
IRQ output gated until the guest sets it). Output never depends on either:
THR writes always go out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from irqemu.devices.base import Device, IrqLine, MachineContext
from irqemu.devices.regmap import Reg

COM1_PORT, COM1_IRQ = 0x3F8, 4

IER_RDI, IER_THRI, IER_RLSI, IER_MSI = 1, 2, 4, 8
IIR_NO_INT, IIR_MSI, IIR_THRI, IIR_RDI, IIR_RLSI = 0x01, 0x00, 0x02, 0x04, 0x06
IIR_FIFO_ENABLED = 0xC0
FCR_ENABLE, FCR_CLEAR_RX = 1, 2
LCR_DLAB = 0x80
MCR_OUT2 = 0x08
LSR_DR, LSR_OE, LSR_THRE, LSR_TEMT = 0x01, 0x02, 0x20, 0x40
MSR_DEFAULT = 0xB0  #: DCD, DSR, CTS asserted (a connected terminal)
RX_FIFO = 16
#: what QEMU's reset and SeaBIOS leave (register -> value; the rest as at master reset)
BOOT_STATE = {"MCR": MCR_OUT2}


class UART16550(Device):
    """COM port: ``on_tx(byte)`` for output, ``receive(data)`` for input, ``irq`` output."""

    SIZE = 8
    REGS = (
        Reg(0, "RBR_THR", width=1, doc="read: receive buffer; write: transmit holding"),
        Reg(1, "IER", width=1, wmask=0x0F),
        Reg(2, "IIR_FCR", width=1, doc="read: interrupt identification; write: FIFO control"),
        Reg(3, "LCR", width=1),
        Reg(4, "MCR", width=1, wmask=0x1F),
        Reg(5, "LSR", width=1, access="r"),
        Reg(6, "MSR", width=1, access="r"),
        Reg(7, "SCR", width=1),
        Reg(8, "DLL", width=1, reset=0x0C, doc="offset 0 while LCR.DLAB (9600 baud)"),
        Reg(9, "DLM", width=1, doc="offset 1 while LCR.DLAB"),
    )

    def __init__(self, machine: MachineContext, base: int = COM1_PORT, name: str = "com1", *,
                 on_tx: Callable[[int], None] | None = None, boot_state: bool = True) -> None:
        super().__init__(machine, base, name)
        self.irq = IrqLine(f"{name}.irq")
        self.on_tx = on_tx
        self.boot_state = boot_state
        self.rx: deque[int] = deque()
        self.thr_pending = False
        self.overrun = False
        self.reset()

    def reset(self) -> None:
        """Master reset, then what the boot chain leaves (``boot_state``)."""
        super().reset()
        if self.boot_state:
            for reg, value in BOOT_STATE.items():
                self.regs.values[reg][0] = value
        self.rx.clear()
        self.thr_pending = self.overrun = False
        self._update()

    def _reg(self, name: str) -> int:
        return self.regs.values[name][0]

    def _offset(self, offset: int) -> int:
        return offset + 8 if offset < 2 and self._reg("LCR") & LCR_DLAB else offset

    def mmio_read(self, cpu: int, offset: int, size: int) -> int:
        return self.regs.read(cpu, self._offset(offset), 1)

    def mmio_write(self, cpu: int, offset: int, size: int, value: int) -> None:
        self.regs.write(cpu, self._offset(offset), 1, value & 0xFF)

    # -- interrupt ---------------------------------------------------------
    def interrupt_id(self) -> int:
        ier = self._reg("IER")
        if ier & IER_RLSI and self.overrun:
            return IIR_RLSI
        if ier & IER_RDI and self.rx:
            return IIR_RDI
        if ier & IER_THRI and self.thr_pending:
            return IIR_THRI
        return IIR_NO_INT

    def _update(self) -> None:
        self.irq.set(self.interrupt_id() != IIR_NO_INT and bool(self._reg("MCR") & MCR_OUT2))

    def receive(self, data: bytes) -> None:
        """Bytes arrive on the serial line (a full FIFO sets the overrun error)."""
        for b in data:
            if len(self.rx) >= RX_FIFO:
                self.overrun = True
            else:
                self.rx.append(b)
        self._update()

    # -- registers -----------------------------------------------------------
    def read_RBR_THR(self, cpu: int, index: int) -> int:
        b = self.rx.popleft() if self.rx else 0
        self._update()
        return b

    def write_RBR_THR(self, cpu: int, index: int, value: int) -> None:
        if self.on_tx is not None:
            self.on_tx(value)
        self.thr_pending = True  # sent at once: THR empty again
        self._update()

    def write_IER(self, cpu: int, index: int, value: int) -> None:
        old = self._reg("IER")
        self.regs.values["IER"][0] = value
        if value & IER_THRI and not old & IER_THRI:
            self.thr_pending = True  # enabling THRI with THR empty interrupts at once
        self._update()

    def read_IIR_FCR(self, cpu: int, index: int) -> int:
        iid = self.interrupt_id()
        if iid == IIR_THRI:
            self.thr_pending = False  # reading IIR clears a THR-empty interrupt
            self._update()
        fifo = IIR_FIFO_ENABLED if self.regs.values["IIR_FCR"][0] & FCR_ENABLE else 0
        return iid | fifo

    def write_IIR_FCR(self, cpu: int, index: int, value: int) -> None:
        self.regs.values["IIR_FCR"][0] = value & 0xC9  # FIFO enable, DMA mode, trigger level
        if value & FCR_CLEAR_RX:
            self.rx.clear()
        self._update()

    def write_MCR(self, cpu: int, index: int, value: int) -> None:
        self.regs.values["MCR"][0] = value
        self._update()

    def read_LSR(self, cpu: int, index: int) -> int:
        lsr = LSR_THRE | LSR_TEMT | (LSR_DR if self.rx else 0) | (LSR_OE if self.overrun else 0)
        self.overrun = False  # reading LSR clears the error bits
        self._update()
        return lsr

    def read_MSR(self, cpu: int, index: int) -> int:
        return MSR_DEFAULT
