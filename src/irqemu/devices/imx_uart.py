"""i.MX6 UART: instantaneous transmit into a buffer, a small receive queue.

Register offsets and reset values from the i.MX6DQ reference manual (UART
chapter); behaviour follows QEMU's hw/char/imx_serial.c: a byte written to
UTXD goes out only while UCR2.TXEN is set (UCR1.UARTEN is not checked), the
transmitter is always ready (USR1.TRDY, USR2.TXDC/TXFE, UTS.TXEMPTY), and the
interrupt line is the QEMU imx_update() combination of status and enable bits.

Boot state: the i.MX boot ROM (and U-Boot after it) leaves the console UART
enabled, so code it starts can print without touching the control registers.
QEMU models this in ``imx_serial_reset_at_boot``, its reset of every i.MX UART:
UCR1 = UARTEN and UCR2 = TXEN over the power-on values. ``boot_state=True``
(the default) is that state; ``False`` gives the reference manual's power-on
reset (transmitter off: nothing is printed until the guest sets UCR2.TXEN). A
software reset (UCR2.SRST written 0) always goes to the power-on values, as
QEMU's ``imx_serial_reset``: the boot ROM does not run again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from irqemu.devices.base import Device, IrqLine, MachineContext
from irqemu.devices.regmap import FastRead, FastWrite, Reg

URXD_CHARRDY = 1 << 15
UCR1_RRDYEN, UCR1_TXMPTYEN, UCR1_TRDYEN = 1 << 9, 1 << 6, 1 << 13
UCR2_SRST, UCR2_TXEN = 1 << 0, 1 << 2
UCR4_DREN, UCR4_TCEN = 1 << 0, 1 << 3
USR1_RRDY, USR1_TRDY = 1 << 9, 1 << 13
USR1_W1C = 0x9DB0  #: PARITYERR RTSD ESCF FRAMERR AGTIM DTRD AIRINT AWAKE
USR2_RDR, USR2_TXDC, USR2_TXFE = 1 << 0, 1 << 3, 1 << 14
USR2_W1C = 0xBDD6  #: ADET DTRF IDLE ACST RIDELT IRINT WAKE DCDDELT RTSF BRCD ORE
UTS_TXEMPTY, UTS_RXEMPTY, UTS_STATUS = 1 << 6, 1 << 5, 0x78
UCR1_UARTEN = 1 << 0
RX_FIFO = 32
#: what the boot chain leaves (QEMU imx_serial_reset_at_boot): register -> value
BOOT_STATE = {"UCR1": UCR1_UARTEN, "UCR2": UCR2_TXEN}


class ImxUART(Device):
    """UART1 at 0x02020000 (GIC ID 58). ``output`` collects transmitted bytes.

    ``on_tx(byte)`` is called per transmitted byte; ``receive(data)`` queues input
    (up to the 32-entry FIFO) and raises USR1.RRDY / USR2.RDR; ``irq`` is the line.
    """

    SIZE = 0x4000
    REGS = (
        Reg(0x00, "URXD", access="r"),
        Reg(0x40, "UTXD", access="w"),
        Reg(0x80, "UCR1", reset=0x0000),
        Reg(0x84, "UCR2", reset=0x0001),
        Reg(0x88, "UCR3", reset=0x0700),
        Reg(0x8C, "UCR4", reset=0x8000),
        Reg(0x90, "UFCR", reset=0x0801),
        Reg(0x94, "USR1", reset=0x2040),
        Reg(0x98, "USR2", reset=0x4028),
        Reg(0x9C, "UESC", reset=0x002B),
        Reg(0xA0, "UTIM"),
        Reg(0xA4, "UBIR"),
        Reg(0xA8, "UBMR"),
        Reg(0xAC, "UBRC", reset=0x0004),
        Reg(0xB0, "ONEMS"),
        Reg(0xB4, "UTS", reset=0x0060),
        Reg(0xB8, "UMCR"),
    )

    def __init__(
        self,
        machine: MachineContext,
        base: int = 0x02020000,
        name: str = "uart1",
        *,
        on_tx: Callable[[int], None] | None = None,
        boot_state: bool = True,
    ) -> None:
        super().__init__(machine, base, name)
        self.irq = IrqLine(f"{name}.irq")
        self.output = bytearray()
        self.on_tx = on_tx
        self.boot_state = boot_state
        self.rx: deque[int] = deque()
        self._v = self.regs.values
        # the bus calls the register file itself: a console's every character is a USR1
        # read and a UTXD write, and Device's mmio_read/mmio_write only forward to it
        self.mmio_read = self.regs.read  # type: ignore[method-assign]
        self.mmio_write = self.regs.write  # type: ignore[method-assign]
        self.reset()

    def mmio_fast_entries(self) -> tuple[dict[int, FastRead], dict[int, FastWrite]]:
        """Its accesses are exactly its register file's: a bus may resolve them itself
        (``RegisterFile.fast_entries``), so a UTS poll or UTXD write is one call less."""
        return self.regs.fast_entries()

    def reset(self) -> None:
        """System reset: power-on values, then the boot chain's (``boot_state``)."""
        self.soft_reset()
        if self.boot_state:
            for reg, value in BOOT_STATE.items():
                self._v[reg][0] = value
            self._update()

    def soft_reset(self) -> None:
        """Power-on register values (QEMU imx_serial_reset), receive FIFO emptied."""
        super().reset()
        self.rx.clear()
        self._update()

    def _update(self) -> None:
        """Recompute RX status bits and the interrupt line."""
        v = self._v
        if self.rx:
            v["USR1"][0] |= USR1_RRDY
            v["USR2"][0] |= USR2_RDR
        else:
            v["USR1"][0] &= ~USR1_RRDY
            v["USR2"][0] &= ~USR2_RDR
        ucr1, ucr4, usr1, usr2 = v["UCR1"][0], v["UCR4"][0], v["USR1"][0], v["USR2"][0]
        level = (
            (usr1 & ucr1 & (USR1_TRDY | USR1_RRDY))
            or (usr2 & ucr4 & (USR2_TXDC | USR2_RDR))
            or (ucr1 & UCR1_TXMPTYEN and usr2 & USR2_TXFE)
        )
        self.irq.set(bool(level))

    def receive(self, data: bytes) -> int:
        """Queue input bytes; returns how many fit in the receive FIFO."""
        room = max(0, RX_FIFO - len(self.rx))
        self.rx.extend(data[:room])
        self._update()
        return min(room, len(data))

    def read_URXD(self, cpu: int, index: int) -> int:
        if not self.rx:
            return 0
        byte = self.rx.popleft()
        self._update()
        return URXD_CHARRDY | byte

    def write_UTXD(self, cpu: int, index: int, value: int) -> None:
        if not self._v["UCR2"][0] & UCR2_TXEN:
            return  # as QEMU: no transmitter enable, no output
        byte = value & 0xFF
        self.output.append(byte)
        if self.on_tx is not None:
            self.on_tx(byte)
        # no _update(): the transmitter is always ready (TRDY, TXDC, TXFE are forced on
        # read), so a transmitted byte changes no bit the interrupt line depends on

    def _write_ctrl(self, name: str, value: int) -> None:
        self._v[name][0] = value & 0xFFFF
        self._update()

    def write_UCR1(self, cpu: int, index: int, value: int) -> None:
        self._write_ctrl("UCR1", value)

    def write_UCR2(self, cpu: int, index: int, value: int) -> None:
        if not value & UCR2_SRST:  # SRST=0 requests a software reset; it completes at once
            self.soft_reset()
            value |= UCR2_SRST
        self._write_ctrl("UCR2", value)

    def write_UCR3(self, cpu: int, index: int, value: int) -> None:
        self._write_ctrl("UCR3", value)

    def write_UCR4(self, cpu: int, index: int, value: int) -> None:
        self._write_ctrl("UCR4", value)

    def write_USR1(self, cpu: int, index: int, value: int) -> None:
        self._v["USR1"][0] &= ~(value & USR1_W1C)
        self._update()

    def write_USR2(self, cpu: int, index: int, value: int) -> None:
        self._v["USR2"][0] &= ~(value & USR2_W1C)
        self._update()

    def read_UTS(self, cpu: int, index: int) -> int:
        rx = 0 if self.rx else UTS_RXEMPTY
        return (self._v["UTS"][0] & ~UTS_STATUS & ~UTS_RXEMPTY) | UTS_TXEMPTY | rx

    def read_USR2(self, cpu: int, index: int) -> int:
        return self._v["USR2"][0] | USR2_TXDC | USR2_TXFE

    def read_USR1(self, cpu: int, index: int) -> int:
        return self._v["USR1"][0] | USR1_TRDY
