"""MachineChipIO.register32 (a native device's register as one C call) against the
ChipIO's own read32/write32: the same values, the same device state, the same charge
to the running core, whatever the sequence of accesses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.boards import build_board
from irqemu.kernel.platform import MachineChipIO, MachineCpuOps

GICC = 0x00A00100  #: imx6q's GIC CPU interface
PTIMER = 0x00A00600  #: the A9 private timer
#: (address, writable): GICC_CTLR, PMR, BPR, IAR, EOIR, HPPIR; the timer's load, control, ISR
REGS = ((GICC + 0x00, True), (GICC + 0x04, True), (GICC + 0x08, True), (GICC + 0x0C, False),
        (GICC + 0x10, True), (GICC + 0x18, False), (PTIMER + 0x00, True),
        (PTIMER + 0x08, True), (PTIMER + 0x0C, True))


def _board() -> tuple[object, MachineChipIO]:
    m = build_board("imx6q", engine="native")
    m._running = m.cpus[1]  # as inside core 1's run: accesses charge core 1
    io = MachineChipIO(m)
    io.pinned = m.cpus[1]
    gic = m.irq_controller
    gic.set_irq(29, True, 1)  # something to acknowledge: the private timer's PPI
    return m, io


def test_register32_is_native_only_on_a_native_device() -> None:
    m, io = _board()
    assert io.register32(GICC + 0x0C) is not None
    assert io.register32(PTIMER + 0x0C) is not None
    ref = build_board("imx6q", engine="native", fabric="python")
    assert MachineChipIO(ref).register32(GICC + 0x0C) is None


@settings(max_examples=30, deadline=None, derandomize=True)
@given(ops=st.lists(st.tuples(st.integers(0, len(REGS) - 1), st.booleans(),
                              st.integers(0, 0xFFFFFFFF), st.integers(0, 3)),
                    min_size=1, max_size=30))
def test_register32_is_read32_and_write32(ops: list[tuple[int, bool, int, int]]) -> None:
    (ma, a), (mb, b) = _board(), _board()
    regs = {addr: b.register32(addr) for addr, _w in REGS}
    for i, write, value, cpu in ops:
        addr, writable = REGS[i]
        if write and writable:
            a.write32(cpu, addr, value)
            regs[addr].write(cpu, value)
        else:
            assert a.read32(cpu, addr) == regs[addr].read(cpu)
        assert [s.core.cycles for s in ma.cpus] == [s.core.cycles for s in mb.cpus]
    assert mb.cpus[1].core.cycles == len(ops) * b.mmio_cost > 0  # each access, charged once
    for cpu in range(4):
        assert a.read32(cpu, GICC + 0x18) == b.read32(cpu, GICC + 0x18)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(steps=st.lists(st.tuples(st.sampled_from([None, 0, 1, 2, 3]), st.integers(0, 10**6)),
                      min_size=1, max_size=20))
def test_native_charge_and_cpu_are_machine_cpu_ops(steps: list[tuple[int | None, int]]) -> None:
    """MachineCpuOps on the native engine charges and names the CPU in C
    (``_core.modelio.RunningCore``): the same as its Python methods, with the core
    running (and pinned, as in a host call) or between runs."""
    (ma, _a), (mb, _b) = _board(), _board()
    native, ref = MachineCpuOps(ma), MachineCpuOps(mb)
    assert native.charge is not MachineCpuOps.charge.__get__(native)  # the C one is in use
    for cpu, cycles in steps:
        for m, ops in ((ma, native), (mb, ref)):
            m._running = None if cpu is None else m.cpus[cpu]
            ops.pinned = m._running
        native.charge(cycles)
        MachineCpuOps.charge(ref, cycles)
        assert native.smp_processor_id() == MachineCpuOps.smp_processor_id(ref)
        assert [s.core.cycles for s in ma.cpus] == [s.core.cycles for s in mb.cpus]
