"""i.MX UART transmit/receive and SRC core release."""

from __future__ import annotations

from devfakes import FakeMachine

from irqemu.devices.imx_src import ImxSRC
from irqemu.devices.imx_uart import ImxUART

URXD, UTXD, UCR1, UCR2, UCR3, UCR4, UFCR, USR1, USR2 = (
    0x00,
    0x40,
    0x80,
    0x84,
    0x88,
    0x8C,
    0x90,
    0x94,
    0x98,
)
UESC, UBRC, UTS = 0x9C, 0xAC, 0xB4


def test_uart_reset_values(machine: FakeMachine) -> None:
    u = ImxUART(machine, boot_state=False)
    got = [
        u.mmio_read(0, o, 4) for o in (UCR1, UCR2, UCR3, UCR4, UFCR, USR1, USR2, UESC, UBRC, UTS)
    ]
    assert got == [0, 1, 0x700, 0x8000, 0x801, 0x2040, 0x4028, 0x2B, 4, 0x60]


def test_uart_tx_needs_txen(machine: FakeMachine) -> None:
    sent: list[int] = []
    u = ImxUART(machine, on_tx=sent.append, boot_state=False)
    u.mmio_write(0, UTXD, 4, ord("x"))
    assert u.output == b""
    u.mmio_write(0, UCR1, 4, 1)  # UARTEN
    u.mmio_write(0, UCR2, 4, 0x4027)  # SRST off-reset, RXEN, TXEN, WS, IRTS
    for ch in b"hi\n":
        assert u.mmio_read(0, USR1, 4) & (1 << 13)  # TRDY
        u.mmio_write(0, UTXD, 4, ch)
    assert u.output == b"hi\n" and sent == list(b"hi\n")
    assert u.mmio_read(0, USR2, 4) & (1 << 3) and u.mmio_read(0, UTS, 4) & (1 << 6)


def test_uart_rx_and_irq(machine: FakeMachine) -> None:
    u = ImxUART(machine)
    assert not u.irq.level
    u.mmio_write(0, UCR1, 4, 1 | (1 << 9))  # RRDYEN
    assert u.receive(b"ab") == 2
    assert u.irq.level and u.mmio_read(0, USR1, 4) & (1 << 9)
    assert not u.mmio_read(0, UTS, 4) & (1 << 5)
    assert u.mmio_read(0, URXD, 4) == 0x8000 | ord("a")
    assert u.mmio_read(0, URXD, 4) == 0x8000 | ord("b")
    assert not u.irq.level and u.mmio_read(0, UTS, 4) & (1 << 5)
    u.mmio_write(0, UCR1, 4, 1 | (1 << 13))  # TRDYEN: transmitter always ready
    assert u.irq.level


def test_uart_software_reset(machine: FakeMachine) -> None:
    u = ImxUART(machine)
    u.mmio_write(0, UCR3, 4, 0x704)
    u.mmio_write(0, UCR2, 4, 0)
    # the power-on values, not the boot ROM's: UARTEN and TXEN are gone
    assert u.mmio_read(0, UCR3, 4) == 0x700 and u.mmio_read(0, UCR2, 4) == 1
    assert u.mmio_read(0, UCR1, 4) == 0
    u.mmio_write(0, UTXD, 4, ord("x"))
    assert u.output == b""


def test_uart_boot_state_is_what_the_boot_rom_leaves(machine: FakeMachine) -> None:
    # QEMU imx_serial_reset_at_boot: UCR1 = UARTEN, UCR2 = TXEN; the rest as at power-on
    sent: list[int] = []
    u = ImxUART(machine, on_tx=sent.append)
    assert u.mmio_read(0, UCR1, 4) == 1 and u.mmio_read(0, UCR2, 4) == 4
    assert [u.mmio_read(0, o, 4) for o in (UCR3, UCR4, UFCR)] == [0x700, 0x8000, 0x801]
    u.mmio_write(0, UTXD, 4, ord("x"))  # no control register written: it prints
    assert u.output == b"x" and sent == [ord("x")]
    assert not u.irq.level  # no interrupt enabled by the boot state
    u.mmio_write(0, UCR2, 4, 0)
    u.reset()  # a system reset brings the boot state back
    assert u.mmio_read(0, UCR1, 4) == 1 and u.mmio_read(0, UCR2, 4) == 4


def test_src_releases_and_holds_cores(machine: FakeMachine) -> None:
    s = ImxSRC(machine)
    assert s.mmio_read(0, 0x00, 4) == 0x521
    assert s.mmio_read(0, 0x08, 4) == 1 and s.mmio_read(0, 0x18, 4) == 0x1F
    for cpu, entry in ((1, 0x10008000), (2, 0x10008100), (3, 0x10008200)):
        s.mmio_write(0, 0x20 + cpu * 8, 4, entry)  # imx_set_cpu_jump
        s.mmio_write(0, 0x24 + cpu * 8, 4, 0xA0 + cpu)  # argument
    scr = s.mmio_read(0, 0x00, 4)
    s.mmio_write(0, 0x00, 4, scr | (1 << 22) | (1 << 14))  # core1 enable + reset
    assert machine.cpu_log == [("release", 1, 0x10008000)]
    assert s.mmio_read(0, 0x00, 4) == scr | (1 << 22)  # reset bit self-clears
    s.mmio_write(0, 0x00, 4, scr | (7 << 22))
    assert machine.cpu_log[1:] == [("release", 2, 0x10008100), ("release", 3, 0x10008200)]
    s.mmio_write(0, 0x00, 4, scr | (5 << 22))
    assert machine.cpu_log[3:] == [("hold", 2, 0)]


def test_src_respects_num_cpus() -> None:
    m = FakeMachine(num_cpus=2)
    s = ImxSRC(m)
    s.mmio_write(0, 0x00, 4, 0x521 | (7 << 22))
    assert m.cpu_log == [("release", 1, 0)]
