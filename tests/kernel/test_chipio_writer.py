"""MachineChipIO.writer32: a register's handler resolved once does what write32 does.

fec_enet_rx_queue's native loop writes IEVENT and RDAR through the resolved
handler (charging the MMIO cost itself); here the same random writes go through
write32 on one board and through writer32 on another, and the FEC's registers,
its interrupt lines and the core's cycles must agree after each.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.boards import build_board
from irqemu.hw.imx_fec import (
    BD_ENET_RX_EMPTY,
    FEC_ECNTRL,
    FEC_IEVENT,
    FEC_IMASK,
    FEC_R_DES_ACTIVE_0,
    FEC_R_DES_START_0,
)
from irqemu.kernel.drivers.fec import DMA_BASE, ENET_BASE
from irqemu.kernel.platform import MachineChipIO
from irqemu.machine.machine import Machine

REGS = (FEC_IEVENT, FEC_IMASK, FEC_R_DES_ACTIVE_0, FEC_ECNTRL)


_BOARDS: list[tuple[Machine, MachineChipIO]] = []


def _board(i: int, sc: int) -> tuple[Machine, MachineChipIO]:
    """Board ``i`` (made once), its FEC reset, its RX ring at DMA_BASE with a first
    descriptor whose cbd_sc is ``sc``."""
    while len(_BOARDS) <= i:
        m = build_board("imx6q")
        io = MachineChipIO(m)
        io.pinned = m.cpus[0]  # as inside a host call: each access charges core 0
        _BOARDS.append((m, io))
    m, io = _BOARDS[i]
    m.mmio_write(0, ENET_BASE + FEC_ECNTRL, 4, 1)  # ECR.RESET
    m.mmio_write(0, ENET_BASE + FEC_R_DES_START_0, 4, DMA_BASE)
    m.mem_write(DMA_BASE + 2, sc.to_bytes(2, "little"))
    m.cpus[0].core.cycles = 0
    return m, io


def _state(m: Machine) -> tuple[object, ...]:
    fec, _off = m.device_at(ENET_BASE)
    regs = tuple(m.mmio_read(0, ENET_BASE + off, 4) for off in REGS)
    return regs, fec.irq.level, fec.irq_1588.level, m.cpus[0].core.cycles  # type: ignore


def test_writer32_resolves_the_fec_registers() -> None:
    _m, io = _board(0, 0)
    for off in (FEC_IEVENT, FEC_R_DES_ACTIVE_0):
        hit = io.writer32(ENET_BASE + off)
        assert hit is not None and callable(hit[0])


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.sampled_from([0, BD_ENET_RX_EMPTY]),
       st.lists(st.tuples(st.sampled_from(REGS), st.integers(0, 0xFFFFFFFF)), max_size=12))
def test_writer32_writes_as_write32(sc: int, writes: list[tuple[int, int]]) -> None:
    a, io_a = _board(0, sc)
    b, io_b = _board(1, sc)
    assert _state(a) == _state(b)
    for off, value in writes:
        io_a.write32(0, ENET_BASE + off, value)
        hit = io_b.writer32(ENET_BASE + off)
        if hit is None:
            io_b.write32(0, ENET_BASE + off, value)
        else:
            fn, index, mask = hit
            b.cpus[0].core.cycles += io_b.mmio_cost
            fn(0, index, value & mask)
        assert _state(a) == _state(b)
