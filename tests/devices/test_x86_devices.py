"""LAPIC, IOAPIC and 16550 models against the Intel SDM / 82093AA / PC16550D rules."""

from __future__ import annotations

from collections.abc import Callable

from irqemu.devices.ioapic import IOAPIC
from irqemu.devices.lapic import LocalAPICs
from irqemu.devices.uart16550 import UART16550
from irqemu.sim.events import Event, EventQueue


class FakeMachine:
    def __init__(self, num_cpus: int = 2) -> None:
        self.num_cpus = num_cpus
        self.time = 0
        self.events = EventQueue()
        self.inputs: dict[tuple[int, int], bool] = {}
        self.cpus = [type("S", (), {"state": "held"})() for _ in range(num_cpus)]
        self.log: list[tuple[str, int, int]] = []

    def now(self, cpu: int | None = None) -> int:
        return self.time

    def schedule(self, when: int, fn: Callable[[], None], name: str = "") -> Event:
        return self.events.schedule(when, fn, name)

    def set_cpu_input(self, cpu: int, line: int, level: bool) -> None:
        self.inputs[(cpu, line)] = level

    def release_cpu(self, cpu: int, entry: int) -> None:
        self.log.append(("sipi", cpu, entry))

    def hold_cpu(self, cpu: int) -> None:
        self.log.append(("init", cpu, 0))

    def advance(self, to: int) -> list[int]:
        ran = []
        while (t := self.events.peek_time()) is not None and t <= to:
            ev = self.events.pop_due(t)
            assert ev is not None
            self.time = ev.when
            ran.append(ev.when)
            ev.fn()
        self.time = to
        return ran


class FakeArch:
    def __init__(self) -> None:
        self.nmis: list[int] = []

    def raise_nmi(self, machine: object, cpu: int) -> None:
        self.nmis.append(cpu)


def setup(num_cpus: int = 2) -> tuple[FakeMachine, LocalAPICs, FakeArch]:
    m = FakeMachine(num_cpus)
    arch = FakeArch()
    bus = LocalAPICs(m, arch, num_cpus)
    for cpu in range(num_cpus):
        bus.mmio_write(cpu, 0xF0, 4, 0x1FF)
    return m, bus, arch


NS = 1000  # ps


def test_periodic_timer_fires_every_period_exactly() -> None:
    m, bus, _ = setup()
    m.time = 123
    bus.mmio_write(0, 0x3E0, 4, 0x3)  # divide by 16
    bus.mmio_write(0, 0x320, 4, (1 << 17) | 0x30)
    bus.mmio_write(0, 0x380, 4, 1000)  # 1000 ticks of 16 ns
    assert m.advance(123 + 3 * 16_000 * NS) == [123 + k * 16_000 * NS for k in (1, 2, 3)]
    assert bus.apics[0].irr == 1 << 0x30
    m.time = 123 + 3 * 16_000 * NS + 16 * 250 * NS
    assert bus.mmio_read(0, 0x390, 4) == 750  # current count from simulated time


def test_one_shot_timer_fires_once_and_count_stops_at_zero() -> None:
    m, bus, _ = setup()
    bus.mmio_write(0, 0x3E0, 4, 0xB)  # divide by 1
    bus.mmio_write(0, 0x320, 4, 0x31)
    bus.mmio_write(0, 0x380, 4, 500)
    assert m.advance(10_000 * NS) == [500 * NS]
    assert bus.mmio_read(0, 0x390, 4) == 0
    assert m.inputs[(0, 0)]


def test_masked_timer_counts_but_does_not_interrupt() -> None:
    m, bus, _ = setup()
    bus.mmio_write(0, 0x320, 4, 0x10030 | (1 << 17))
    bus.mmio_write(0, 0x380, 4, 100)
    m.advance(10_000 * NS)
    assert bus.apics[0].irr == 0


def test_priority_class_tpr_ppr_and_eoi() -> None:
    m, bus, _ = setup()
    a = bus.apics[0]
    a.accept(0x51)
    a.accept(0x62)
    assert m.inputs[(0, 0)]
    assert bus.acknowledge(0) == 0x62
    assert bus.mmio_read(0, 0xA0, 4) == 0x60  # PPR = ISRV class
    assert not m.inputs[(0, 0)], "0x51's class 5 does not beat PPR 0x60"
    a.accept(0x65)
    assert not m.inputs[(0, 0)], "same class as the one in service"
    a.accept(0x71)
    assert m.inputs[(0, 0)]
    bus.mmio_write(0, 0x80, 4, 0x80)  # TPR 0x80 blocks class 7
    assert not m.inputs[(0, 0)]
    bus.mmio_write(0, 0x80, 4, 0)
    assert bus.acknowledge(0) == 0x71
    bus.mmio_write(0, 0xB0, 4, 0)  # EOI 0x71
    assert bus.mmio_read(0, 0x100 + 0x10 * (0x62 // 32), 4) == 1 << (0x62 % 32)
    bus.mmio_write(0, 0xB0, 4, 0)  # EOI 0x62
    assert bus.acknowledge(0) == 0x65
    assert bus.ack_counts == {0x62: [1, 0], 0x71: [1, 0], 0x65: [1, 0]}


def test_spurious_vector_when_nothing_is_deliverable() -> None:
    m, bus, _ = setup()
    assert bus.acknowledge(0) == 0xFF


def test_lapic_is_banked_per_cpu() -> None:
    m, bus, _ = setup()
    assert bus.mmio_read(0, 0x20, 4) == 0 << 24
    assert bus.mmio_read(1, 0x20, 4) == 1 << 24
    assert bus.mmio_read(1, 0x30, 4) == 0x00060014


def test_ipis_fixed_nmi_init_sipi_and_shorthands() -> None:
    m, bus, arch = setup()
    bus.mmio_write(0, 0x310, 4, 1 << 24)
    bus.mmio_write(0, 0x300, 4, 0x40)  # fixed 0x40 to APIC ID 1
    assert bus.apics[1].irr == 1 << 0x40 and bus.apics[0].irr == 0
    bus.mmio_write(0, 0x300, 4, (3 << 18) | (4 << 8))  # NMI to all others
    assert arch.nmis == [1]
    bus.mmio_write(0, 0x300, 4, (5 << 8) | (1 << 14))  # INIT to APIC 1
    bus.mmio_write(0, 0x300, 4, (6 << 8) | 0x08)  # SIPI vector 8
    assert m.log == [("init", 1, 0), ("sipi", 1, 0x8000)]
    bus.mmio_write(0, 0x300, 4, (1 << 18) | 0x05)  # illegal vector to self
    bus.mmio_write(0, 0x280, 4, 0)
    assert bus.mmio_read(0, 0x280, 4) == 1 << 5


def test_logical_flat_destination() -> None:
    m, bus, _ = setup()
    bus.mmio_write(0, 0xD0, 4, 0x01 << 24)
    bus.mmio_write(1, 0xD0, 4, 0x02 << 24)
    bus.mmio_write(0, 0x310, 4, 0x03 << 24)
    bus.mmio_write(0, 0x300, 4, (1 << 11) | 0x41)
    assert bus.apics[0].irr == bus.apics[1].irr == 1 << 0x41


def ioapic_setup() -> tuple[FakeMachine, LocalAPICs, IOAPIC]:
    m, bus, _ = setup()
    io = IOAPIC(m, 0xFEC00000, "ioapic", bus)
    bus.ioapics.append(io)
    return m, bus, io


def rte(io: IOAPIC, pin: int, low: int, high: int = 0) -> None:
    io.mmio_write(0, 0x00, 4, 0x10 + 2 * pin + 1)
    io.mmio_write(0, 0x10, 4, high)
    io.mmio_write(0, 0x00, 4, 0x10 + 2 * pin)
    io.mmio_write(0, 0x10, 4, low)


def test_ioapic_version_and_reset_masked() -> None:
    _, _, io = ioapic_setup()
    io.mmio_write(0, 0, 4, 1)
    assert io.mmio_read(0, 0x10, 4) == 0x00170020
    io.mmio_write(0, 0, 4, 0x10)
    assert io.mmio_read(0, 0x10, 4) == 0x10000


def test_ioapic_edge_and_masked_edges_are_lost() -> None:
    _, bus, io = ioapic_setup()
    pin = io.input(4)
    pin(True)
    pin(False)
    rte(io, 4, 0x34)  # edge, unmasked, physical dest 0
    assert bus.apics[0].irr == 0, "an edge while masked is lost"
    pin(True)
    assert bus.apics[0].irr == 1 << 0x34
    assert bus.names[0x34] == "ioapic pin 4"


def test_ioapic_level_remote_irr_until_eoi() -> None:
    _, bus, io = ioapic_setup()
    rte(io, 9, 0x39 | (1 << 15), 1 << 24)  # level, to APIC 1
    pin = io.input(9)
    pin(True)
    a = bus.apics[1]
    assert a.irr == 1 << 0x39 and a.tmr == 1 << 0x39
    io.mmio_write(0, 0, 4, 0x10 + 18)
    assert io.mmio_read(0, 0x10, 4) & (1 << 14), "remote IRR set"
    assert bus.acknowledge(1) == 0x39
    bus.mmio_write(1, 0xB0, 4, 0)  # EOI broadcast: line still high -> delivered again
    assert a.irr == 1 << 0x39
    assert bus.acknowledge(1) == 0x39
    pin(False)
    bus.mmio_write(1, 0xB0, 4, 0)
    io.mmio_write(0, 0, 4, 0x10 + 18)
    assert not io.mmio_read(0, 0x10, 4) & (1 << 14)
    assert a.irr == 0


def test_ioapic_active_low_level_and_unmask_delivers() -> None:
    _, bus, io = ioapic_setup()
    rte(io, 16, 0x50 | (1 << 15) | (1 << 13) | (1 << 16))  # level, active low, masked
    io.input(16)(False)  # asserted (active low) but masked
    assert bus.apics[0].irr == 0
    rte(io, 16, 0x50 | (1 << 15) | (1 << 13))
    assert bus.apics[0].irr == 1 << 0x50


def test_uart_output_thre_interrupt_and_dlab() -> None:
    m = FakeMachine()
    out: list[int] = []
    u = UART16550(m, on_tx=out.append, boot_state=False)
    levels: list[bool] = []
    u.irq.connect(levels.append)
    u.mmio_write(0, 3, 1, 0x80)
    u.mmio_write(0, 0, 1, 1)  # DLL
    assert u.mmio_read(0, 0, 1) == 1
    u.mmio_write(0, 3, 1, 0x03)
    assert u.mmio_read(0, 5, 1) & 0x60 == 0x60  # THRE, TEMT
    u.mmio_write(0, 0, 1, ord("A"))
    assert out == [ord("A")]
    u.mmio_write(0, 1, 1, 0x02)  # ETBEI
    assert not u.irq.level, "OUT2 clear: the PC's IRQ output is off"
    u.mmio_write(0, 4, 1, 0x08)
    assert u.irq.level
    assert u.mmio_read(0, 2, 1) == 0x02  # THR empty; reading IIR clears it
    assert not u.irq.level
    u.receive(b"x")
    u.mmio_write(0, 1, 1, 0x01)
    assert u.mmio_read(0, 2, 1) == 0x04 and u.mmio_read(0, 5, 1) & 1
    assert u.mmio_read(0, 0, 1) == ord("x")
    assert u.mmio_read(0, 2, 1) == 0x01


def test_uart_boot_state_is_what_qemu_and_seabios_leave() -> None:
    # QEMU serial_reset: LCR 0, MCR OUT2, divisor 0x0C; SeaBIOS detect_serial leaves IER 0
    m = FakeMachine()
    out: list[int] = []
    u = UART16550(m, on_tx=out.append)
    assert [u.mmio_read(0, o, 1) for o in (1, 2, 3, 4)] == [0, 0x01, 0, 0x08]
    u.mmio_write(0, 3, 1, 0x80)
    assert u.mmio_read(0, 0, 1) == 0x0C and u.mmio_read(0, 1, 1) == 0
    u.mmio_write(0, 3, 1, 0)
    u.mmio_write(0, 0, 1, ord("B"))  # no set-up at all: it goes out
    assert out == [ord("B")]
    u.mmio_write(0, 1, 1, 0x02)  # ETBEI: OUT2 already set, the IRQ reaches the pin
    assert u.irq.level
    cold = UART16550(m, boot_state=False)
    assert cold.mmio_read(0, 4, 1) == 0 and cold.mmio_read(0, 3, 1) == 0
