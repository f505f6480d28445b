"""The native local APICs (irqemu._core.lapic) against the Python reference (irqemu.devices.lapic).

Both are built alike, each on its own fake machine with a native Fabric (one clock,
one event queue) and a Python IO-APIC, and driven with the same random register
accesses (any offset and width, biased towards the registers that interact), timer
programming, time steps, IO-APIC pin changes, bus messages and acknowledges. After
every step the reads, the interrupt-line changes (time, CPU, line, level, in order),
the events fired, the NMIs, INIT/SIPI calls, ``ack_counts``, ``names`` and every
APIC's whole state must be identical. Every LAPIC test of test_x86_devices.py runs
against the native model too.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
import test_x86_devices as ref_tests
from fabricfake import FabricMachine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from irqemu._core.fabric import Fabric
from irqemu._core.lapic import LAPIC_MAP, LAPIC_REGS
from irqemu._core.lapic import LocalAPICs as NativeLocalAPICs

from irqemu.devices.ioapic import IOAPIC
from irqemu.devices.lapic import LocalAPIC, LocalAPICs

NS = 1000
#: the register slots most steps use (offsets in the window)
HOT = [0x20, 0x80, 0xB0, 0xB0, 0xD0, 0xE0, 0xF0, 0x280, 0x300, 0x310, 0x320, 0x340, 0x370,
       0x380, 0x390, 0x3E0, 0xA0, 0x90, 0x100, 0x170, 0x200, 0x210, 0x230, 0x1B0]


class ApicMachine(FabricMachine):
    """A FabricMachine with what the APIC bus asks of a PC: CPUs that INIT holds and
    SIPI releases (and their log), and an arch that records NMIs."""

    def __init__(self, num_cpus: int) -> None:
        super().__init__(num_cpus)
        self.cpus = [type("Slot", (), {"state": "held" if c else "running"})()
                     for c in range(num_cpus)]
        self.nmis: list[tuple[int, int]] = []

    def hold_cpu(self, cpu: int) -> None:
        super().hold_cpu(cpu)
        self.cpus[cpu].state = "held"

    def release_cpu(self, cpu: int, entry_address: int) -> None:
        super().release_cpu(cpu, entry_address)
        self.cpus[cpu].state = "running"

    def raise_nmi(self, machine: Any, cpu: int) -> None:  # the arch's
        assert machine is self
        self.nmis.append((self.time, cpu))


def state_of(apic: Any) -> dict[str, Any]:
    """A reference LocalAPIC's whole state, as the native ``_state`` gives it."""
    return {"regs": {r.name: apic.regs.values[r.name][0] for r in LocalAPIC.REGS},
            "irr": apic.irr, "isr": apic.isr, "tmr": apic.tmr,
            "esr_pending": apic.esr_pending, "intr": apic._intr,
            "t_start": apic.t_start, "t_fired": apic.t_fired,
            "timer_armed": apic.t_event is not None}


class Pair:
    """The reference and the native LAPICs, each with an IO-APIC on its own machine."""

    def __init__(self, num_cpus: int, bus_hz: int = 1_000_000_000) -> None:
        self.n = num_cpus
        self.mp, self.mn = ApicMachine(num_cpus), ApicMachine(num_cpus)
        self.py = LocalAPICs(self.mp, self.mp, num_cpus, bus_hz=bus_hz)
        self.nat = NativeLocalAPICs(self.mn, self.mn, num_cpus, bus_hz=bus_hz)
        self.io = []
        for m, bus in ((self.mp, self.py), (self.mn, self.nat)):
            io = IOAPIC(m, 0xFEC00000, "ioapic", bus)
            bus.ioapics.append(io)
            self.io.append(io)
        self.seen = 0

    def both(self, fn: Callable[..., Any]) -> Any:
        """``fn(machine, bus, ioapic)`` on each side: the same result or exception type."""
        out = []
        for m, bus, io in ((self.mp, self.py, self.io[0]), (self.mn, self.nat, self.io[1])):
            try:
                out.append(("ok", fn(m, bus, io)))
            except ZeroDivisionError as e:
                out.append(("raised", type(e).__name__))
        assert out[0] == out[1], out
        return out[0][1]

    def check(self, step: object) -> None:
        lp, ln = self.mp.input_log, self.mn.input_log
        assert lp[self.seen:] == ln[self.seen:], (step, lp[self.seen:], ln[self.seen:])
        self.seen = len(lp)
        assert list(self.py.ack_counts.items()) == list(self.nat.ack_counts.items()), step
        assert list(self.py.names.items()) == list(self.nat.names.items()), step
        assert self.mp.nmis == self.mn.nmis and self.mp.cpu_log == self.mn.cpu_log, step
        assert self.io[0].redir == self.io[1].redir, step
        for c in range(self.n):
            assert state_of(self.py.apics[c]) == self.nat._state(c), (step, c)
        assert self.mp.events.peek_time() == self.mn.events.peek_time(), step

    def apply(self, step: tuple) -> None:
        kind = step[0]
        if kind == "read":
            _, cpu, off, size = step
            self.both(lambda m, b, io: b.mmio_read(cpu, off, size))
        elif kind == "write":
            _, cpu, off, size, value = step
            self.both(lambda m, b, io: b.mmio_write(cpu, off, size, value))
        elif kind == "ack":
            self.both(lambda m, b, io: b.acknowledge(step[1]))
        elif kind == "handle":  # what a handler does: INTA, then its EOI
            _, cpu, eoi = step
            self.both(lambda m, b, io: b.acknowledge(cpu))
            if eoi:
                self.both(lambda m, b, io: b.mmio_write(cpu, 0xB0, 4, 0))
        elif kind == "advance":
            self.both(lambda m, b, io: m.advance(m.time + step[1]))
        elif kind == "accept":
            _, cpu, vector, level, source = step
            self.both(lambda m, b, io: b.apics[cpu].accept(vector, level, source))
        elif kind == "deliver":
            _, dest, logical, mode, vector, level = step
            self.both(lambda m, b, io: b.deliver(dest, logical, mode, vector, level=level,
                                                 source="msi"))
        elif kind == "pin":
            _, pin, level = step
            self.both(lambda m, b, io: io.input(pin)(level))
        elif kind == "rte":
            _, pin, half, value = step
            self.both(lambda m, b, io: (io.mmio_write(0, 0, 4, 0x10 + 2 * pin + half),
                                        io.mmio_write(0, 0x10, 4, value)))
        elif kind == "reset":  # INIT of one APIC, as the bus does it
            self.both(lambda m, b, io: b.apics[step[1]].reset())
        elif kind == "burst":
            _, seed, length = step
            rng = random.Random(seed)
            for _ in range(length):
                self.apply(random_step(rng, self.n))
        self.check(step)

    def dump(self) -> None:
        """Every slot of the window reads the same on every CPU, at every width."""
        for cpu in range(self.n):
            for off in range(0, 0x400, 0x10):
                for size in (1, 2, 4, 8):
                    self.both(lambda m, b, io, c=cpu, o=off, n=size: b.mmio_read(c, o, n))
        assert self.mp.input_log == self.mn.input_log


def lvt_value(rng: random.Random) -> int:
    return (rng.choice([0x20, 0x31, 0x40, 0x7F, 0xEF, 0x05, rng.randrange(256)])
            | rng.choice([0, 0, 0x10000]) | (rng.choice([0, 1, 1, 2, 3]) << 17)
            | rng.choice([0, 0, 0x400, 0x8000, rng.randrange(1 << 32)]))


def icr_value(rng: random.Random) -> int:
    return (rng.choice([0x30, 0x41, 0x08, 0x0F, rng.randrange(256)])
            | rng.choice([0, 0, 0, 1, 2, 4, 5, 6, 7]) << 8 | rng.choice([0, 0x800])
            | rng.choice([0, 0x4000, 0x8000, 0xC000]) | rng.randrange(4) << 18)


def random_step(rng: random.Random, n: int) -> tuple:
    """One step of the seeded walk (the same kinds as ``steps``)."""
    cpu = rng.randrange(n)
    r = rng.random()
    if r < 0.25:
        off = rng.choice(HOT)
        value = {0x320: lvt_value(rng), 0x340: lvt_value(rng), 0x370: lvt_value(rng),
                 0x300: icr_value(rng), 0x310: rng.randrange(n + 1) << 24,
                 0x380: rng.choice([0, 1, 7, 100, 62500, rng.randrange(1 << 32)]),
                 0x3E0: rng.randrange(16), 0xF0: rng.choice([0x1FF, 0xFF, 0x11F0, 0x1120]),
                 0x80: rng.randrange(256)}.get(off, rng.randrange(1 << 32))
        return ("write", cpu, off, rng.choice([4, 4, 4, 1, 2, 8]), value)
    if r < 0.4:
        return ("read", cpu, rng.choice(HOT + [rng.randrange(0x1000)]), rng.choice([4, 1, 2, 8]))
    if r < 0.55:
        return ("handle", cpu, rng.random() < 0.8)
    if r < 0.7:
        return ("advance", rng.choice([1, 999, 16_000 * NS, rng.randrange(10**8)]))
    if r < 0.78:
        return ("accept", cpu, rng.choice([0x30, 0x41, 0x51, 0x62, 0xEF, 9, rng.randrange(256)]),
                rng.random() < 0.3, rng.choice(["", "pmc", "x"]))
    if r < 0.86:
        return ("pin", rng.choice([4, 9, 16]), rng.random() < 0.5)
    if r < 0.92:
        return ("rte", rng.choice([4, 9, 16]), rng.randrange(2),
                rng.choice([0x39 | 0x8000, 0x34, 0x50 | 0xA000, rng.randrange(1 << 32)])
                if rng.random() < 0.7 else rng.randrange(n + 1) << 24)
    if r < 0.97:
        return ("deliver", rng.choice([0, 1, 2, 3, 0xFF, rng.randrange(256)]), rng.random() < 0.3,
                rng.choice([0, 1, 2, 4, 5, 6, 7]), rng.randrange(256), rng.random() < 0.2)
    if r < 0.99:
        return ("ack", cpu)
    return ("reset", cpu)


def steps(n: int) -> st.SearchStrategy[tuple]:
    cpus = st.integers(0, n - 1)
    offs = st.one_of(st.sampled_from(HOT), st.integers(0, 0x3F).map(lambda s: s * 16),
                     st.integers(0, 0xFFF))
    size = st.sampled_from([4, 4, 4, 1, 2, 8])
    value = st.one_of(st.integers(0, 0xFFFFFFFF), st.integers(0, 0xFF),
                      st.integers(0, (1 << 64) - 1))
    lvt = st.builds(lambda v, m, mode, dm: v | m << 16 | mode << 17 | dm << 8,
                    st.integers(0, 255), st.integers(0, 1), st.integers(0, 3), st.integers(0, 7))
    icr = st.builds(lambda v, dm, lg, a, t, sh: (v | dm << 8 | lg << 11 | a << 14 | t << 15
                                                 | sh << 18),
                    st.integers(0, 255), st.integers(0, 7), st.integers(0, 1), st.integers(0, 1),
                    st.integers(0, 1), st.integers(0, 3))
    timer = st.one_of(
        st.tuples(st.just("write"), cpus, st.just(0x320), st.just(4), lvt),
        st.tuples(st.just("write"), cpus, st.just(0x380), st.just(4),
                  st.one_of(st.integers(0, 2000), st.integers(0, 0xFFFFFFFF))),
        st.tuples(st.just("write"), cpus, st.just(0x3E0), st.just(4), st.integers(0, 15)),
        st.tuples(st.just("read"), cpus, st.just(0x390), size),
        st.tuples(st.just("advance"), st.one_of(st.integers(0, 10**6), st.integers(0, 10**10))),
    )
    config = st.one_of(
        st.tuples(st.just("write"), cpus, st.sampled_from([0x340, 0x350, 0x360, 0x370, 0x2F0]),
                  size, lvt),
        st.tuples(st.just("write"), cpus, st.just(0x300), st.just(4), icr),
        st.tuples(st.just("write"), cpus, st.just(0x310), st.just(4),
                  st.integers(0, 4).map(lambda d: d << 24)),
        st.tuples(st.just("write"), cpus, st.sampled_from([0x80, 0xF0, 0xD0, 0xE0, 0x20]), size,
                  value),
        st.tuples(st.just("write"), cpus, st.just(0xF0), st.just(4),
                  st.sampled_from([0x1FF, 0xFF, 0x11FF, 0x100])),
        st.tuples(st.just("rte"), st.sampled_from([4, 9, 16]), st.integers(0, 1),
                  st.integers(0, 0xFFFFFFFF)),
        st.tuples(st.just("deliver"), st.integers(0, 255), st.booleans(), st.integers(0, 7),
                  st.integers(0, 255), st.booleans()),
    )
    #: vectors and task priorities of the same few classes, so that TPR, the ISR and the
    #: IRR meet at equal and neighbouring classes (PPR, INTR and INTA all turn on them)
    classed = st.sampled_from([0x31, 0x3F, 0x41, 0x45, 0x51, 0x5E, 0x61, 0xEF])
    live = st.one_of(
        st.tuples(st.just("handle"), cpus, st.booleans()),
        st.tuples(st.just("accept"), cpus, st.integers(0, 255), st.booleans(),
                  st.sampled_from(["", "pmc"])),
        st.tuples(st.just("accept"), cpus, classed, st.booleans(), st.just("x")),
        st.tuples(st.just("write"), cpus, st.just(0x80), st.just(4),
                  st.one_of(classed, st.sampled_from([0x00, 0x30, 0x40, 0x55, 0x60]))),
        st.tuples(st.just("read"), cpus, st.sampled_from([0x80, 0x90, 0xA0]), st.just(4)),
        st.tuples(st.just("pin"), st.sampled_from([4, 9, 16]), st.booleans()),
        st.tuples(st.just("read"), cpus, offs, size),
        st.tuples(st.just("write"), cpus, offs, size, value),
        st.tuples(st.just("ack"), cpus),
        st.tuples(st.just("reset"), cpus),
    )
    burst = st.tuples(st.just("burst"), st.integers(0, 2**16), st.integers(1, 300))
    return st.sampled_from([live] * 4 + [timer] * 3 + [config] * 2 + [burst]).flatmap(lambda s: s)


def enable_all(pair: Pair) -> None:
    for cpu in range(pair.n):
        pair.apply(("write", cpu, 0xF0, 4, 0x1FF))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 4), enable=st.booleans(), data=st.data())
def test_native_lapic_is_the_reference(n: int, enable: bool, data: st.DataObject) -> None:
    pair = Pair(n)
    if enable:
        enable_all(pair)
    for step in data.draw(st.lists(steps(n), max_size=60)):
        pair.apply(step)
    pair.dump()


@pytest.mark.parametrize("n,seed", [(1, 1), (2, 2), (4, 3), (4, 4)])
def test_seeded_walk(n: int, seed: int) -> None:
    """A long walk: timers and handlers running while everything else changes."""
    pair = Pair(n)
    enable_all(pair)
    rng = random.Random(seed)
    for _ in range(3000):
        pair.apply(random_step(rng, n))
    pair.dump()


@pytest.mark.parametrize("bus_hz", [1_000_000_000, 33_000_000, 7])
def test_timer_modes_and_dividers_at_any_bus_clock(bus_hz: int) -> None:
    pair = Pair(2, bus_hz)
    enable_all(pair)
    for dcr in range(16):
        for mode in (0, 1, 2, 3):
            pair.apply(("write", 0, 0x3E0, 4, dcr))
            pair.apply(("write", 0, 0x320, 4, mode << 17 | 0x40))
            pair.apply(("write", 0, 0x380, 4, 3 + dcr))
            pair.apply(("advance", 5 * 10**9 // bus_hz * 10**3 + 777))
            pair.apply(("read", 0, 0x390, 4))
            pair.apply(("write", 0, 0x3E0, 4, 15 - dcr))
            pair.apply(("handle", 0, True))
            pair.apply(("advance", 10**12 // bus_hz * 50))
    pair.dump()


def test_error_lvt_with_an_illegal_vector_is_recorded_not_delivered() -> None:
    """An illegal vector in the LVT error entry is itself a receive-illegal-vector error:
    both models record it in the ESR and deliver nothing (a guest cannot make the error
    report itself forever)."""
    pair = Pair(1)
    enable_all(pair)
    pair.apply(("write", 0, 0x370, 4, 0x05))  # LVT error, unmasked, vector 5
    pair.apply(("write", 0, 0x300, 4, (1 << 18) | 0x03))  # illegal vector to self
    pair.apply(("write", 0, 0x280, 4, 0))  # ESR write: latch the pending errors
    esr = pair.both(lambda m, b, io: b.mmio_read(0, 0x280, 4))
    assert esr == 0x20 | 0x40, hex(esr)  # Send and Receive Illegal Vector
    assert pair.both(lambda m, b, io: b.mmio_read(0, 0x200, 4)) == 0  # IRR 0-31 empty
    pair.dump()


def test_native_register_map_is_the_reference_declaration() -> None:
    ref = tuple((r.offset << 2, r.name, r.reset, r.access, r.writable, r.count)
                for r in LocalAPIC.REGS)
    assert LAPIC_REGS == ref
    assert LAPIC_MAP == tuple((r[0], r[1], 4, r[5]) for r in ref)


def test_native_lapic_needs_the_native_fabric() -> None:
    with pytest.raises(ValueError, match="native fabric"):
        NativeLocalAPICs(ref_tests.FakeMachine(2), ref_tests.FakeArch(), 2)


# -- every LAPIC test of test_x86_devices.py, on the native model ---------------------
class NativeFakeMachine(ref_tests.FakeMachine):
    """test_x86_devices' FakeMachine with its clock and queue in a native Fabric."""

    def __init__(self, num_cpus: int = 2) -> None:
        self.fabric = Fabric(1_000_000_000, num_cpus, self)
        super().__init__(num_cpus)
        self.events = self.fabric.events  # type: ignore[assignment]

    @property  # type: ignore[override]
    def time(self) -> int:
        return int(self.fabric.now_ps)

    @time.setter
    def time(self, value: int) -> None:
        self.fabric.now_ps = value


LAPIC_TESTS = sorted(name for name in dir(ref_tests)
                     if name.startswith("test_") and "uart" not in name)


@pytest.mark.parametrize("name", LAPIC_TESTS)
def test_reference_lapic_tests_on_the_native_lapic(name: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ref_tests, "FakeMachine", NativeFakeMachine)
    monkeypatch.setattr(ref_tests, "LocalAPICs", NativeLocalAPICs)
    getattr(ref_tests, name)()


def test_every_lapic_test_is_included() -> None:
    assert len(LAPIC_TESTS) >= 12
