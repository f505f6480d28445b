"""Cortex-A9 private timer, global timer and SCU on the fake machine."""

from __future__ import annotations

import pytest
from devfakes import FakeMachine
from fabricfake import FabricMachine
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu._core import mptimer
from irqemu.devices import a9mpcore
from irqemu.devices.a9mpcore import A9SCU

#: (machine class, module) of each implementation: the Python reference and the native one
IMPLS = {"python": (FakeMachine, a9mpcore), "native": (FabricMachine, mptimer)}

HZ = 396_000_000  # PERIPHCLK = 792 MHz core / 2
PS = 10**12
LOAD, COUNTER, CONTROL, ISR = 0x0, 0x4, 0x8, 0xC


def tick_ps(k: int, presc: int = 1, hz: int = HZ) -> int:
    return -(-k * presc * PS // hz)


@pytest.fixture(params=sorted(IMPLS))
def impl(request: pytest.FixtureRequest) -> tuple[FakeMachine, object]:
    """A fresh fake machine and the timer module of one implementation."""
    cls, mod = IMPLS[request.param]
    return cls(), mod


def test_periodic_expiry_times_exact(impl: tuple[FakeMachine, object]) -> None:
    machine, mod = impl
    A9PrivateTimer = mod.A9PrivateTimer  # noqa: N806
    t = A9PrivateTimer(machine, hz=HZ)
    seen: list[int] = []
    t.irqs[1].connect(lambda lvl: seen.append(machine.time) if lvl else None)
    t.mmio_write(1, LOAD, 4, 999)
    t.mmio_write(1, CONTROL, 4, 0x7 | (3 << 8))  # enable, auto-reload, IRQ, prescaler 3 (/4)
    # first expiry after Load ticks, then every Load+1 ticks
    expected = [tick_ps(999 + n * 1000, 4) for n in range(5)]
    ran = machine.advance(expected[-1])
    assert ran == expected
    assert t.mmio_read(1, ISR, 4) == 1
    assert seen == [expected[0]]  # line stays high until the flag is cleared
    t.mmio_write(1, ISR, 4, 1)
    assert not t.irqs[1].level
    machine.advance(expected[-1] + tick_ps(1000, 4))
    assert t.irqs[1].level and len(seen) == 2
    assert not t.irqs[0].level  # banked: CPU0's timer untouched
    assert t.mmio_read(0, CONTROL, 4) == 0


def test_counter_reads_follow_time(impl: tuple[FakeMachine, object]) -> None:
    machine, mod = impl
    A9PrivateTimer = mod.A9PrivateTimer  # noqa: N806
    t = A9PrivateTimer(machine, hz=HZ)
    t.mmio_write(0, LOAD, 4, 100)
    t.mmio_write(0, CONTROL, 4, 0x3)
    machine.time = tick_ps(30)
    assert t.mmio_read(0, COUNTER, 4) == 70
    machine.time = tick_ps(30) - 1
    assert t.mmio_read(0, COUNTER, 4) == 71
    machine.advance(tick_ps(100))
    assert t.mmio_read(0, COUNTER, 4) == 0 and t.mmio_read(0, ISR, 4) == 1
    machine.advance(tick_ps(101))
    assert t.mmio_read(0, COUNTER, 4) == 100  # reloaded one tick after zero
    assert not t.irqs[0].level  # IRQ enable clear


def test_one_shot_stops(impl: tuple[FakeMachine, object]) -> None:
    machine, mod = impl
    A9PrivateTimer = mod.A9PrivateTimer  # noqa: N806
    t = A9PrivateTimer(machine, hz=HZ)
    t.mmio_write(0, LOAD, 4, 10)
    t.mmio_write(0, CONTROL, 4, 0x5)
    assert machine.advance(10**9) == [tick_ps(10)]
    assert t.mmio_read(0, COUNTER, 4) == 0 and t.irqs[0].level


def test_reprogram_cancels_old_event(impl: tuple[FakeMachine, object]) -> None:
    machine, mod = impl
    A9PrivateTimer = mod.A9PrivateTimer  # noqa: N806
    t = A9PrivateTimer(machine, hz=HZ)
    t.mmio_write(0, LOAD, 4, 1000)
    t.mmio_write(0, CONTROL, 4, 0x7)
    machine.time = tick_ps(500)
    t.mmio_write(0, LOAD, 4, 50)  # Load write also sets Counter and restarts
    start = machine.time
    ran = machine.advance(tick_ps(2000))
    assert ran[0] == start + tick_ps(50)
    assert tick_ps(1000) not in ran
    assert len(machine.events) == 1
    t.mmio_write(0, CONTROL, 4, 0)
    assert len(machine.events) == 0
    assert machine.advance(10**9) == []


def test_global_timer_comparator_and_autoinc(impl: tuple[FakeMachine, object]) -> None:
    machine, mod = impl
    A9GlobalTimer = mod.A9GlobalTimer  # noqa: N806
    g = A9GlobalTimer(machine, hz=HZ)
    g.mmio_write(2, 0x10, 4, 500)
    g.mmio_write(2, 0x18, 4, 250)
    g.mmio_write(2, 0x08, 4, 0xF)  # enable, comp, irq, auto-inc
    assert machine.advance(tick_ps(1000)) == [tick_ps(500), tick_ps(750), tick_ps(1000)]
    assert g.irqs[2].level and not g.irqs[0].level
    assert g.mmio_read(0, 0x00, 4) == 1000
    assert g.mmio_read(2, 0x10, 4) == 1250
    g.mmio_write(2, 0x0C, 4, 1)
    assert not g.irqs[2].level


def test_scu_configuration(machine: FakeMachine) -> None:
    assert A9SCU(machine).mmio_read(0, 0x04, 4) == 0xF3


@settings(max_examples=60, deadline=None)
@given(
    load=st.integers(1, 5000),
    presc=st.integers(0, 255),
    hz=st.sampled_from([396_000_000, 33_000_000, 1_000_003]),
    start=st.integers(0, 10**9),
)
@pytest.mark.parametrize("which", sorted(IMPLS))
def test_periodic_expiries_never_drift(which: str, load: int, presc: int, hz: int,
                                       start: int) -> None:
    cls, mod = IMPLS[which]
    m = cls()
    t = mod.A9PrivateTimer(m, hz=hz)
    m.time = start
    t.mmio_write(0, LOAD, 4, load)
    t.mmio_write(0, CONTROL, 4, 0x3 | (presc << 8))
    n = 20
    last = start + tick_ps(load + (n - 1) * (load + 1), presc + 1, hz)
    ran = m.advance(last)
    assert ran == [start + tick_ps(load + i * (load + 1), presc + 1, hz) for i in range(n)]
