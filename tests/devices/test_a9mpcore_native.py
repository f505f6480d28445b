"""The native Cortex-A9 timers against the Python models, access for access."""

from __future__ import annotations

from devfakes import FakeMachine
from fabricfake import FabricMachine
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu._core import mptimer
from irqemu.devices import a9mpcore
from irqemu.errors import LivelockError

HZ = 396_000_000
#: offsets the guest would use (each timer's registers) and some it should not
PT_OFFSETS = [0x00, 0x04, 0x08, 0x0C, 0x20, 0x24, 0x28, 0x2C, 0x30, 0x34]
GT_OFFSETS = [0x00, 0x04, 0x08, 0x0C, 0x10, 0x14, 0x18]

_value = st.one_of(st.integers(0, 0xFFFFFFFF), st.integers(0, 0x20),
                   st.sampled_from([0x1, 0x3, 0x5, 0x7, 0xF, 0x307, 0xFF07, 0xFFFFFFFF]))


def _access(offsets: list[int]) -> st.SearchStrategy[tuple]:
    offset = st.one_of(st.sampled_from(offsets), st.integers(0, 0xFF))
    width = st.sampled_from([4, 4, 4, 1, 2, 8])
    return st.one_of(
        st.tuples(st.just("w"), st.integers(0, 3), offset, width, _value),
        st.tuples(st.just("r"), st.integers(0, 3), offset, width, st.just(0)),
        st.tuples(st.just("t"), st.just(0), st.just(0), st.just(0),
                  st.one_of(st.integers(0, 40_000_000), st.integers(0, 10**13))),
    )


def _run(kind: str, ops: list[tuple], machine: FakeMachine, mod: object) -> list:
    dev = getattr(mod, kind)(machine, hz=HZ)
    seen: list = []
    for cpu, line in enumerate(dev.irqs):
        line.connect(lambda lvl, cpu=cpu: seen.append(("irq", machine.time, cpu, lvl)))
    for op, cpu, off, width, value in ops:
        if op == "w":
            dev.mmio_write(cpu, off, width, value & ((1 << (8 * width)) - 1))
        elif op == "r":
            seen.append(("r", cpu, off, width, dev.mmio_read(cpu, off, width)))
        else:
            try:
                seen.append(("t", machine.advance(machine.time + value)))
            except LivelockError as exc:  # auto-increment 0: both must see the same livelock
                seen.append(("livelock", str(exc).split(" (last")[0]))
                return seen
        seen.append(("n", len(machine.events)))
    return seen


@settings(max_examples=300, deadline=None)
@given(ops=st.lists(_access(PT_OFFSETS), max_size=40))
def test_private_timer_native_equals_python(ops: list[tuple]) -> None:
    assert (_run("A9PrivateTimer", ops, FabricMachine(), mptimer)
            == _run("A9PrivateTimer", ops, FakeMachine(), a9mpcore))


@settings(max_examples=300, deadline=None)
@given(ops=st.lists(_access(GT_OFFSETS), max_size=40))
def test_global_timer_native_equals_python(ops: list[tuple]) -> None:
    assert (_run("A9GlobalTimer", ops, FabricMachine(), mptimer)
            == _run("A9GlobalTimer", ops, FakeMachine(), a9mpcore))
