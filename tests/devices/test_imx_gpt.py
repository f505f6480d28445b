"""i.MX GPT: counting from simulated time, compares, restart/free-run, interrupt line."""

from __future__ import annotations

from devfakes import FakeMachine

from irqemu.devices.imx_gpt import ImxGPT

CR, PR, SR, IR, OCR1, OCR2, OCR3, ICR1, CNT = 0x0, 0x4, 0x8, 0xC, 0x10, 0x14, 0x18, 0x1C, 0x24
PS = 10**12
IPG = 66_000_000


def t_of(k: int, hz: int = IPG, div: int = 1) -> int:
    return -(-k * div * PS // hz)


def test_reset_values(machine: FakeMachine) -> None:
    g = ImxGPT(machine)
    assert [g.mmio_read(0, o, 4) for o in (CR, PR, SR, IR, OCR1, OCR2, OCR3, ICR1, CNT)] == [
        0,
        0,
        0,
        0,
        0xFFFFFFFF,
        0xFFFFFFFF,
        0xFFFFFFFF,
        0,
        0,
    ]
    assert not g.irq.level


def test_restart_mode_periodic(machine: FakeMachine) -> None:
    g = ImxGPT(machine)
    g.mmio_write(0, PR, 4, 1)  # divide by 2
    g.mmio_write(0, OCR1, 4, 99)
    g.mmio_write(0, IR, 4, 1)
    g.mmio_write(0, CR, 4, (1 << 6) | 0x3)  # ipg clock, ENMOD, EN, restart mode
    machine.time = t_of(50, div=2)
    assert g.mmio_read(0, CNT, 4) == 50
    assert machine.advance(t_of(99, div=2)) == [t_of(99, div=2)]
    assert g.irq.level and g.mmio_read(0, SR, 4) == 1
    g.mmio_write(0, SR, 4, 1)
    assert not g.irq.level
    machine.advance(t_of(100, div=2))
    assert g.mmio_read(0, CNT, 4) == 0  # wrapped after matching OCR1
    ran = machine.advance(t_of(99 + 100 * 3, div=2))
    assert ran == [t_of(199, div=2)]  # OF1 stays set until cleared: no more events
    g.mmio_write(0, SR, 4, 1)
    assert machine.advance(t_of(99 + 100 * 4, div=2)) == [t_of(99 + 100 * 4, div=2)]


def test_free_run_compare_and_rollover(machine: FakeMachine) -> None:
    g = ImxGPT(machine)
    g.mmio_write(0, CR, 4, (4 << 6) | (1 << 9) | 0x3)  # 32 kHz, free-run
    hz = 32_768
    g.mmio_write(0, OCR2, 4, 1000)
    g.mmio_write(0, IR, 4, 0x2 | 0x20)
    assert machine.advance(t_of(1000, hz)) == [t_of(1000, hz)]
    assert g.mmio_read(0, SR, 4) == 0x2 and g.irq.level
    g.mmio_write(0, SR, 4, 0x3F)
    # OCR1/OCR3 (reset 0xFFFFFFFF) match just before the rollover; OCR2 is 2**32 ticks away
    ran = machine.advance(t_of(2**32 + 999, hz))
    assert ran == [t_of(2**32 - 1, hz), t_of(2**32, hz)]
    assert g.mmio_read(0, SR, 4) == 0x25
    assert g.mmio_read(0, CNT, 4) == 999


def test_restart_ocr1_write_resets_counter(machine: FakeMachine) -> None:
    g = ImxGPT(machine)
    g.mmio_write(0, OCR1, 4, 1000)
    g.mmio_write(0, CR, 4, (1 << 6) | 0x3)
    machine.time = t_of(400)
    assert g.mmio_read(0, CNT, 4) == 400
    g.mmio_write(0, OCR1, 4, 10)
    assert g.mmio_read(0, CNT, 4) == 0
    assert machine.advance(t_of(1000)) == [t_of(400) + t_of(10)]


def test_disable_keeps_count_and_enmod_resets(machine: FakeMachine) -> None:
    g = ImxGPT(machine)
    g.mmio_write(0, CR, 4, (1 << 6) | (1 << 9) | 0x1)  # ENMOD=0
    machine.time = t_of(300)
    g.mmio_write(0, CR, 4, (1 << 6) | (1 << 9))
    machine.time = t_of(5000)
    assert g.mmio_read(0, CNT, 4) == 300
    g.mmio_write(0, CR, 4, (1 << 6) | (1 << 9) | 0x1)
    machine.time += t_of(5)
    assert g.mmio_read(0, CNT, 4) in (304, 305)
    g.mmio_write(0, CR, 4, (1 << 6) | (1 << 9))
    g.mmio_write(0, CR, 4, (1 << 6) | (1 << 9) | 0x3)  # ENMOD=1: starts from 0
    assert g.mmio_read(0, CNT, 4) == 0
    assert len(machine.events) == 1  # the next rollover


def test_osc_div8_like_linux(machine: FakeMachine) -> None:
    g = ImxGPT(machine)
    g.mmio_write(0, PR, 4, 7 << 12)  # 24 MHz / 8 = 3 MHz
    g.mmio_write(0, CR, 4, (5 << 6) | (1 << 10) | (1 << 9) | 0x3)
    machine.time = 10**9  # 1 ms
    assert g.mmio_read(0, CNT, 4) == 3000


def test_software_reset(machine: FakeMachine) -> None:
    g = ImxGPT(machine)
    g.mmio_write(0, IR, 4, 1)
    g.mmio_write(0, OCR1, 4, 5)
    g.mmio_write(0, CR, 4, (1 << 6) | 0x3 | (1 << 15))
    assert g.mmio_read(0, CR, 4) == 0x3
    assert g.mmio_read(0, IR, 4) == 0 and g.mmio_read(0, OCR1, 4) == 0xFFFFFFFF
