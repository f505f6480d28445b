"""The virt PL011 as QEMU leaves it for a bare ELF: reset values, and it transmits."""

from __future__ import annotations

from devfakes import FakeMachine

from irqemu.devices.pl011 import PL011

UARTDR, UARTFR, UARTCR = 0x000, 0x018, 0x030


def test_pl011_prints_in_the_state_qemu_virt_leaves() -> None:
    out: list[int] = []
    u = PL011(FakeMachine(), on_tx=out.append)
    assert u.mmio_read(0, UARTCR, 4) == 0x0300  # TXE | RXE, UARTEN clear
    assert u.mmio_read(0, UARTFR, 4) & 0x80  # TXFE: ready
    u.mmio_write(0, UARTDR, 4, ord("k"))
    assert out == [ord("k")] and not u.irq.level  # UARTIMSC 0: no interrupt
