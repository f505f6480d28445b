"""GIC build options: a GICv2 without Security Extensions (QEMU virt) still has
groups and FIQ; PPI trigger modes and ID registers are per implementation. Every
test runs on the Python reference and the native GICv2 (``impl``)."""

from __future__ import annotations

from typing import Any

import pytest
from devfakes import GIC_IMPLS, FakeMachine, make_gic

from irqemu.devices.base import CPU_FIQ, CPU_IRQ

GICD, GICC = 0, 1


@pytest.fixture(params=GIC_IMPLS)
def impl(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def rd(g: Any, part: int, off: int, cpu: int = 0) -> int:
    dev = g.distributor if part == GICD else g.cpu_interface
    return int(dev.mmio_read(cpu, off, 4))


def wr(g: Any, part: int, off: int, value: int, cpu: int = 0) -> None:
    dev = g.distributor if part == GICD else g.cpu_interface
    dev.mmio_write(cpu, off, 4, value)


def virt(m: FakeMachine, impl: str) -> Any:
    return make_gic(impl, m, num_cpus=1, num_irqs=64, security_extensions=False,
                    priority_bits=8, ppi_icfgr=0, groups=True)


def test_gicv2_without_security_has_groups_and_fiq(machine: FakeMachine, impl: str) -> None:
    g = virt(machine, impl)
    wr(g, GICD, 0x080 + 4, 0xFFFFFFFE)  # IGROUPR1: ID 32 group 0, 33.. group 1
    assert rd(g, GICD, 0x080 + 4) == 0xFFFFFFFE
    assert rd(g, GICD, 0x004) & (1 << 10) == 0  # no SecurityExtn
    wr(g, GICD, 0x000, 3)
    wr(g, GICC, 0x00, 0x0F)  # both groups, AckCtl, FIQEn
    assert rd(g, GICC, 0x00) == 0x0F
    wr(g, GICC, 0x04, 0xF0)
    wr(g, GICD, 0x100 + 4, 1)  # enable ID 32
    wr(g, GICD, 0x800 + 32, 1)  # target CPU0
    g.set_irq(32, True)
    assert machine.level(0, CPU_FIQ) and not machine.level(0, CPU_IRQ)


def test_virt_ppis_are_level_and_a9_timer_ppi_is_edge(machine: FakeMachine, impl: str) -> None:
    assert rd(virt(machine, impl), GICD, 0xC04) == 0
    a9 = make_gic(impl, FakeMachine(num_cpus=1), num_cpus=1)
    assert rd(a9, GICD, 0xC04) == 0x7DC00000
    assert a9.priv_edge >> 29 & 1 and not virt(machine, impl).priv_edge >> 29 & 1


def test_level_ppi_stays_pending_while_high(machine: FakeMachine, impl: str) -> None:
    g = virt(machine, impl)
    wr(g, GICD, 0x000, 3)
    wr(g, GICC, 0x00, 0x07)  # AckCtl: without it a group 1 acknowledge reads 1022
    wr(g, GICC, 0x04, 0xF0)
    wr(g, GICD, 0x080, 0xFFFFFFFF)  # all private IDs group 1 -> IRQ
    wr(g, GICD, 0x100, 1 << 27)
    g.set_irq(27, True, cpu=0)
    assert rd(g, GICC, 0x0C) == 27
    wr(g, GICC, 0x10, 27)
    assert machine.level(0, CPU_IRQ), "a level PPI still high is pending again after EOI"


def test_id_registers_are_a_parameter(machine: FakeMachine, impl: str) -> None:
    ids = (0x04, 0, 0, 0, 0x90, 0xB4, 0x2B, 0, 0x0D, 0xF0, 0x05, 0xB1)
    g = make_gic(impl, machine, num_cpus=1, id_regs=ids)
    assert rd(g, GICD, 0xFE8) == 0x2B  # PIDR2: architecture version 2


def test_virt_binary_points_reset_to_the_architectural_minimum(machine: FakeMachine,
                                                              impl: str) -> None:
    """With 8 priority bits the smallest GICC_BPR is 0 (group priority = bits [7:1]) and
    GICC_ABPR 1, as QEMU's GICv2 resets them; not -1 and 0 (7 - priority bits)."""
    g = virt(machine, impl)
    assert rd(g, GICC, 0x08) == 0 and rd(g, GICC, 0x1C) == 1
    wr(g, GICC, 0x08, 0)
    assert rd(g, GICC, 0x08) == 0
    # priorities 0x80 and 0x81 share a group priority at BPR 0: no preemption between them
    wr(g, GICD, 0x000, 1)
    wr(g, GICC, 0x00, 1)
    wr(g, GICC, 0x04, 0xFF)
    for irq, prio in ((32, 0x81), (33, 0x80)):
        wr(g, GICD, 0x100 + 4, rd(g, GICD, 0x100 + 4) | 1 << (irq - 32))
        g.distributor.mmio_write(0, 0x400 + irq, 1, prio)
        g.distributor.mmio_write(0, 0x800 + irq, 1, 1)
    g.set_irq(32, True)
    assert rd(g, GICC, 0x0C) == 32  # active at priority 0x81, group priority 0x80
    g.set_irq(33, True)
    assert not machine.level(0, CPU_IRQ)  # 0x80 is not higher than the running 0x80
