"""The native ARM generic timer against the Python model, register access for access."""

from __future__ import annotations

from devfakes import FakeMachine
from fabricfake import FabricMachine
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu._core import gentimer
from irqemu.devices import arm_generic_timer

HZ = arm_generic_timer.QEMU_CNTFRQ
NAMES = list(gentimer.SYSREGS)
_value = st.one_of(st.integers(0, 2**64 - 1), st.integers(0, 5000), st.sampled_from(
    [0, 1, 2, 3, 0xFFFFFFFF, 0x80000000, 2**64 - 1]))
_op = st.one_of(
    st.tuples(st.just("w"), st.integers(0, 3), st.sampled_from(NAMES), _value),
    st.tuples(st.just("r"), st.integers(0, 3), st.sampled_from(NAMES), st.just(0)),
    st.tuples(st.just("t"), st.just(0), st.just(""),
              st.one_of(st.integers(0, 10**8), st.integers(0, 10**14))),
)


def _run(ops: list[tuple], machine: FakeMachine, cls: type) -> list:
    timer = cls(machine, "generic_timer", hz=HZ, num_cpus=4)
    seen: list = []
    for kind, lines in (("phys", timer.phys_irqs), ("virt", timer.virt_irqs)):
        for cpu, line in enumerate(lines):
            line.connect(lambda lvl, k=kind, c=cpu: seen.append(("irq", machine.time, k, c, lvl)))
    for op, cpu, name, value in ops:
        if op == "w":
            timer.sysreg_write(cpu, name, value)
        elif op == "r":
            seen.append(("r", cpu, name, timer.sysreg_read(cpu, name)))
        else:
            seen.append(("t", machine.advance(machine.time + value)))
        seen.append(("n", len(machine.events)))
    return seen


@settings(max_examples=300, deadline=None)
@given(ops=st.lists(_op, max_size=40))
def test_generic_timer_native_equals_python(ops: list[tuple]) -> None:
    assert (_run(ops, FabricMachine(), gentimer.ArmGenericTimer)
            == _run(ops, FakeMachine(), arm_generic_timer.ArmGenericTimer))


def test_reset_schedules_in_the_same_order() -> None:
    py, nat = FakeMachine(), FabricMachine()
    a = arm_generic_timer.ArmGenericTimer(py, hz=HZ, num_cpus=2)
    b = gentimer.ArmGenericTimer(nat, hz=HZ, num_cpus=2)
    for t in (a, b):
        for cpu in range(2):
            t.sysreg_write(cpu, "CNTV_CTL_EL0", 1)
            t.sysreg_write(cpu, "CNTP_CTL_EL0", 1)
            t.sysreg_write(cpu, "CNTV_CVAL_EL0", 100)
            t.sysreg_write(cpu, "CNTP_CVAL_EL0", 100)
        t.reset()
    assert len(py.events) == len(nat.events) == 0
