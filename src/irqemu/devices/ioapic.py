"""Intel 82093AA-style I/O APIC at 0xFEC00000: 24 pins, redirection table, remote IRR.

Register layout from the 82093AA datasheet (IOREGSEL at 0x00, IOWIN at 0x10;
indirect registers IOAPICID 0x00, IOAPICVER 0x01, IOAPICARB 0x02,
IOREDTBL[0..23] at 0x10 + 2n (low) / 0x11 + 2n (high)) plus the EOI register at
0x40 of version 0x20 IOAPICs; behaviour as QEMU's hw/intc/ioapic.c: an edge
on a masked pin is lost; a level pin is delivered while it is asserted, not
masked and its remote IRR is clear, and delivery sets remote IRR until the
LAPIC's EOI broadcast (or an EOI register write) for its vector clears it.

Pins are electrical levels: an entry's polarity bit (13, 1 = active low)
decides what "asserted" is. ISA devices such as the 16550 are active high.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from irqemu.devices.base import Device, MachineContext
from irqemu.devices.regmap import Reg, RegisterFile
from irqemu.hw.apic import (
    IO_APIC_DEFAULT_PHYS_BASE,
    IO_APIC_REDIR_DEST_LOGICAL,
    IO_APIC_REDIR_DEST_SHIFT,
    IO_APIC_REDIR_LEVEL_TRIGGER,
    IO_APIC_REDIR_MASKED,
    IO_APIC_REDIR_POLARITY_LOW,
    IO_APIC_REDIR_REMOTE_IRR,
    IO_APIC_REDIR_SEND_PENDING,
    IO_APIC_REDIR_VECTOR_MASK,
    IOAPIC_EOI,
    IOAPIC_REDTBL,
    IOAPICARB,
    IOAPICID,
    IOAPICVER,
    IOREGSEL,
    IOWIN,
)

IOAPIC_BASE = IO_APIC_DEFAULT_PHYS_BASE
NUM_PINS = 24
VERSION = 0x20 | ((NUM_PINS - 1) << 16)

RTE_VECTOR = IO_APIC_REDIR_VECTOR_MASK
RTE_DELIVERY_STATUS = IO_APIC_REDIR_SEND_PENDING
RTE_POLARITY_LOW = IO_APIC_REDIR_POLARITY_LOW
RTE_REMOTE_IRR = IO_APIC_REDIR_REMOTE_IRR
RTE_LEVEL = IO_APIC_REDIR_LEVEL_TRIGGER
RTE_MASKED = IO_APIC_REDIR_MASKED
RTE_READ_ONLY = RTE_DELIVERY_STATUS | RTE_REMOTE_IRR
RTE_WRITABLE = 0xFF000000_0001AFFF  #: vector, mode, dest mode, polarity, trigger, mask, dest


class IOAPIC(Device):
    """The I/O APIC: ``input(pin)`` gives the sink a device's ``IrqLine`` connects to."""

    SIZE = 0x1000
    REGS = (
        Reg(IOREGSEL, "IOREGSEL", reserved=0xFFFFFF00,
            doc="index of the indirect register IOWIN reaches"),
        Reg(IOWIN, "IOWIN"),
        Reg(IOAPIC_EOI, "EOI", access="w", reserved=0xFFFFFF00,
            doc="vector: clears remote IRR of matching entries"),
    )
    #: the indirect registers, at (index * 4) in their own register file
    INDIRECT = (
        Reg(IOAPICID * 4, "IOAPICID", reserved=~0x0F000000 & 0xFFFFFFFF, doc="ID in bits 27:24"),
        Reg(IOAPICVER * 4, "IOAPICVER", reset=VERSION, access="r"),
        Reg(IOAPICARB * 4, "IOAPICARB", access="r"),
        Reg(IOAPIC_REDTBL * 4, "IOREDTBL", count=2 * NUM_PINS,
            doc="entry n: low 0x10+2n, high 0x11+2n"),
    )

    def __init__(self, machine: MachineContext, base: int, name: str, apic_bus: Any,
                 *, pin_names: dict[int, str] | None = None) -> None:
        super().__init__(machine, base, name)
        self.bus = apic_bus
        self.indirect = RegisterFile(self, self.INDIRECT, strict=False)
        self.redir = [RTE_MASKED] * NUM_PINS
        self.pins = [False] * NUM_PINS
        self.pin_names = dict(pin_names or {})
        self.delivered = [0] * NUM_PINS

    def reset(self) -> None:
        super().reset()
        self.indirect.reset()
        self.redir = [RTE_MASKED] * NUM_PINS

    def input(self, pin: int) -> Callable[[bool], None]:
        if not 0 <= pin < NUM_PINS:
            raise ValueError(f"IOAPIC has pins 0-{NUM_PINS - 1}, not {pin}")
        return lambda level: self.set_pin(pin, level)

    # -- pins ----------------------------------------------------------------
    def asserted(self, pin: int) -> bool:
        return self.pins[pin] != bool(self.redir[pin] & RTE_POLARITY_LOW)

    def set_pin(self, pin: int, level: bool) -> None:
        was = self.asserted(pin)
        self.pins[pin] = bool(level)
        now = self.asserted(pin)
        entry = self.redir[pin]
        if entry & RTE_LEVEL:
            self._service(pin)
        elif now and not was and not entry & RTE_MASKED:
            self._send(pin)

    def _service(self, pin: int) -> None:
        """Level-triggered pin: deliver if asserted, unmasked and remote IRR clear."""
        entry = self.redir[pin]
        if (entry & RTE_LEVEL and self.asserted(pin) and not entry & RTE_MASKED
                and not entry & RTE_REMOTE_IRR):
            self.redir[pin] |= RTE_REMOTE_IRR
            self._send(pin)

    def _send(self, pin: int) -> None:
        e = self.redir[pin]
        self.delivered[pin] += 1
        label = self.pin_names.get(pin, "")
        source = f"ioapic pin {pin}" + (f" ({label})" if label else "")
        self.bus.deliver(e >> IO_APIC_REDIR_DEST_SHIFT, bool(e & IO_APIC_REDIR_DEST_LOGICAL),
                         (e >> 8) & 7, e & RTE_VECTOR,
                         level=bool(e & RTE_LEVEL), source=source)

    def eoi(self, vector: int) -> None:
        """EOI for ``vector`` (LAPIC broadcast or the EOI register): clear remote IRR."""
        for pin, e in enumerate(self.redir):
            if e & RTE_LEVEL and e & RTE_REMOTE_IRR and e & RTE_VECTOR == vector:
                self.redir[pin] &= ~RTE_REMOTE_IRR
                self._service(pin)

    # -- direct registers ----------------------------------------------------
    def read_IOWIN(self, cpu: int, index: int) -> int:
        return self.indirect.read(cpu, self.regs.values["IOREGSEL"][0] * 4, 4)

    def write_IOWIN(self, cpu: int, index: int, value: int) -> None:
        self.indirect.write(cpu, self.regs.values["IOREGSEL"][0] * 4, 4, value)

    def write_EOI(self, cpu: int, index: int, value: int) -> None:
        self.eoi(value)

    # -- indirect registers --------------------------------------------------
    def read_IOAPICARB(self, cpu: int, index: int) -> int:
        return self.indirect.values["IOAPICID"][0]

    def read_IOREDTBL(self, cpu: int, index: int) -> int:
        return (self.redir[index // 2] >> (32 * (index & 1))) & 0xFFFFFFFF

    def write_IOREDTBL(self, cpu: int, index: int, value: int) -> None:
        pin, half = index // 2, index & 1
        old = self.redir[pin]
        shift = 32 * half
        new = (old & ~(0xFFFFFFFF << shift)) | (value << shift)
        new = (new & RTE_WRITABLE) | (old & RTE_READ_ONLY)
        if not new & RTE_LEVEL:
            new &= ~RTE_REMOTE_IRR
        self.redir[pin] = new
        self._service(pin)  # unmasking an asserted level pin delivers it
