"""82574L (e1000e): ICR read-to-clear, IMS/IMC, auto-mask, ITR spacing, RX timers, ring DMA."""

from __future__ import annotations

from fakemem import RamMachine
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.devices.e1000e import E1000e
from irqemu.hw import e1000e as E
from irqemu.hw.pci import PCI_MSI_FLAGS_ENABLE

RAM = 0x10000000
RING = RAM
BUFS = RAM + 0x10000
MAC = bytes.fromhex("001b210a0b0c")
PS_PER_NS = 1000


def frame(seq: int, size: int = 64, dst: bytes = MAC) -> bytes:
    body = dst + b"\x02\x00\x00\x00\x00\x09\x88\xb5" + seq.to_bytes(4, "big")
    return body + bytes(i & 0xFF for i in range(size - 4 - len(body)))


class Setup:
    """What e1000_configure_rx / e1000_alloc_rx_buffers do, reduced: ``n`` descriptors,
    the first ``give`` given to the hardware (RDT), MSI on (messages logged) or INTx."""

    def __init__(self, n: int = 8, give: int | None = None, *, itr: int = 0, rdtr: int = 0,
                 radv: int = 0, msi: bool = True, extended: bool = True) -> None:
        self.m = RamMachine(RAM, 1 << 20)
        self.msis: list[tuple[int, int, int]] = []
        self.nic = E1000e(self.m, 0xFEBC0000, msi_sink=lambda a, d: self.msis.append(
            (self.m.time, a, d)))
        self.lines: list[tuple[int, bool]] = []
        self.nic.irq.connect(lambda level: self.lines.append((self.m.time, level)))
        self.n = n
        if msi:
            cfg = self.nic.config
            cfg.mmio_write(0, 0xD4, 4, 0xFEE00000)
            cfg.mmio_write(0, 0xDC, 4, 0x41)
            cfg.mmio_write(0, 0xD0, 4, cfg.mmio_read(0, 0xD0, 4) | PCI_MSI_FLAGS_ENABLE << 16)
        for i in range(n):
            self.m.mem_write(RING + 16 * i, E.RX_DESC_READ.pack(BUFS + 2048 * i, 0))
        w = self.w
        w(E.E1000_RAL0, int.from_bytes(MAC[:4], "little"))
        w(E.E1000_RAH0, int.from_bytes(MAC[4:], "little") | E.E1000_RAH_AV)
        w(E.E1000_RFCTL, E.E1000_RFCTL_EXTEN if extended else 0)
        w(E.E1000_RDTR, rdtr)
        w(E.E1000_RADV, radv)
        w(E.E1000_ITR, itr)
        w(E.E1000_IAM, 0xFFFFFFFF)
        w(E.E1000_CTRL_EXT, E.E1000_CTRL_EXT_IAME)
        w(E.E1000_RDBAL, RING)
        w(E.E1000_RDLEN, 16 * n)
        w(E.E1000_RDH, 0)
        w(E.E1000_RDT, n - 1 if give is None else give)
        w(E.E1000_RCTL, E.E1000_RCTL_EN | E.E1000_RCTL_BAM | E.E1000_RCTL_SECRC)

    def refill(self, i: int) -> None:
        """e1000_alloc_rx_buffers for descriptor ``i``: its buffer address again."""
        self.m.mem_write(RING + 16 * i, E.RX_DESC_READ.pack(BUFS + 2048 * i, 0))

    def w(self, reg: int, value: int) -> None:
        self.nic.mmio_write(0, reg, 4, value)

    def r(self, reg: int) -> int:
        return int(self.nic.mmio_read(0, reg, 4))

    def at(self, ps: int) -> None:
        self.m.advance(ps)
        self.m.time = ps

    def wb(self, i: int) -> tuple[int, int, int, int, int]:
        return E.RX_DESC_WB.unpack(self.m.mem_read(RING + 16 * i, 16))


def test_frame_written_back_extended() -> None:
    s = Setup()
    assert s.nic.receive(frame(7))
    _mrq, _rss, staterr, length, _vlan = s.wb(0)
    assert staterr & (E.E1000_RXD_STAT_DD | E.E1000_RXD_STAT_EOP) == 3
    assert length == 60  # SECRC: the CRC stripped
    assert s.m.mem_read(BUFS, 60) == frame(7)
    assert s.r(E.E1000_RDH) == 1
    assert s.r(E.E1000_GPRC) == 1 and s.r(E.E1000_GPRC) == 0  # clear on read


def test_legacy_descriptor_and_crc() -> None:
    s = Setup(extended=False)
    s.w(E.E1000_RCTL, E.E1000_RCTL_EN | E.E1000_RCTL_BAM)
    s.nic.receive(frame(1))
    buf, length, _csum, status, errors, _sp = E.RX_DESC_LEGACY.unpack(
        s.m.mem_read(RING, 16))
    assert (buf, length, status, errors) == (BUFS, 64, 3, 0)


def test_icr_read_to_clear_and_auto_mask() -> None:
    s = Setup()
    s.w(E.E1000_IMS, E.IMS_ENABLE_MASK)
    s.nic.receive(frame(0))
    icr = s.r(E.E1000_ICR)
    assert icr & E.E1000_ICR_RXT0 and icr & E.E1000_ICR_INT_ASSERTED
    assert s.r(E.E1000_ICR) == 0  # read-to-clear
    assert s.r(E.E1000_IMS) == 0  # IAME: the read with INT_ASSERTED applied IAM to IMS
    s.nic.receive(frame(1))
    assert len(s.msis) == 1  # masked: no second message
    s.w(E.E1000_IMS, E.E1000_IMS_RXT0)
    assert len(s.msis) == 2  # unmasking a pending cause signals


def test_no_auto_mask_without_iame_or_assert() -> None:
    s = Setup()
    s.w(E.E1000_CTRL_EXT, 0)
    s.w(E.E1000_IMS, E.E1000_IMS_RXT0)
    s.nic.receive(frame(0))
    s.r(E.E1000_ICR)
    assert s.r(E.E1000_IMS) == E.E1000_IMS_RXT0
    s2 = Setup()
    s2.w(E.E1000_ICS, E.E1000_ICR_LSC)  # masked: never asserted
    assert s2.r(E.E1000_ICR) == E.E1000_ICR_LSC
    assert s2.r(E.E1000_IMS) == 0 and not s2.msis


def test_ims_imc_and_intx_level() -> None:
    s = Setup(msi=False)
    s.w(E.E1000_ICS, E.E1000_ICR_LSC)
    assert not s.nic.irq.level
    s.w(E.E1000_IMS, E.E1000_IMS_LSC | E.E1000_IMS_RXT0)
    assert s.r(E.E1000_IMS) == E.E1000_IMS_LSC | E.E1000_IMS_RXT0
    assert s.nic.irq.level
    s.w(E.E1000_IMC, E.E1000_IMS_LSC)
    assert s.r(E.E1000_IMS) == E.E1000_IMS_RXT0 and not s.nic.irq.level
    s.w(E.E1000_IMS, E.E1000_IMS_LSC)
    assert s.nic.irq.level
    s.w(E.E1000_ICR, E.E1000_ICR_LSC)  # write 1 to clear
    assert not s.nic.irq.level and s.r(E.E1000_ICR) == 0


def test_ring_full_drops_and_raises_rxo() -> None:
    s = Setup(n=8, give=3)
    s.w(E.E1000_IMS, E.E1000_ICR_RXO)
    assert [s.nic.receive(frame(i)) for i in range(5)] == [True] * 3 + [False] * 2
    assert s.r(E.E1000_MPC) == 2
    assert s.r(E.E1000_ICR) & E.E1000_ICR_RXO
    assert s.nic.rx_drop_reasons["no_descriptor"] == 2


def test_ring_wraps_at_rdlen() -> None:
    s = Setup(n=8)
    for i in range(7):
        s.nic.receive(frame(i))
    assert s.r(E.E1000_RDH) == 7
    for i in range(5):
        s.refill(i)
    s.w(E.E1000_RDT, 5)  # descriptors 7, 0..4 back to the hardware
    for i in range(7, 13):
        assert s.nic.receive(frame(i))
    assert s.r(E.E1000_RDH) == 5
    assert s.m.mem_read(BUFS + 2048 * 0, 60) == frame(8)  # 7 went to descriptor 7, 8 to 0


@settings(max_examples=60, deadline=None)
@given(n=st.sampled_from([8, 16, 32]), rdt_moves=st.lists(st.integers(0, 40), max_size=12),
       frames=st.lists(st.integers(0, 12), max_size=12))
def test_no_dma_beyond_the_ring(n: int, rdt_moves: list[int], frames: list[int]) -> None:
    """Whatever RDT the driver writes, the NIC writes only descriptors [RDH, RDT) inside
    RDLEN and only their buffers (RamMachine asserts on any access outside its RAM)."""
    s = Setup(n=n, give=0)
    guard = RAM + 16 * n
    s.m.mem_write(guard, b"\xa5" * 64)  # right after the ring
    seq = 0
    for move, count in zip(rdt_moves, frames, strict=False):
        s.w(E.E1000_RDT, move % n)
        for _ in range(count):
            head, tail = s.r(E.E1000_RDH), s.r(E.E1000_RDT)
            s.refill(head)
            ok = s.nic.receive(frame(seq))
            assert ok == (head != tail)
            seq += 1
        assert 0 <= s.r(E.E1000_RDH) < n
    assert s.m.mem_read(guard, 64) == b"\xa5" * 64


@settings(max_examples=60, deadline=None)
@given(itr=st.integers(1, 2000), gaps=st.lists(st.integers(0, 200_000), min_size=2, max_size=25))
def test_itr_spaces_interrupts(itr: int, gaps: list[int]) -> None:
    """However causes arrive, two messages are at least ITR x 256 ns apart, and a cause
    left unmasked and pending is signalled when the interval ends."""
    s = Setup(itr=itr, n=64)
    s.w(E.E1000_CTRL_EXT, 0)  # no auto-mask: every cause may signal
    s.w(E.E1000_IMS, E.E1000_IMS_RXT0)
    t = 0
    for gap in gaps:
        t += gap * PS_PER_NS
        s.at(t)
        s.w(E.E1000_ICS, E.E1000_ICR_RXT0)
        s.r(E.E1000_ICR)  # the handler: read (clears), as e1000_intr_msi
    s.w(E.E1000_ICS, E.E1000_ICR_RXT0)
    s.at(t + itr * 256 * PS_PER_NS)
    times = [m[0] for m in s.msis]
    assert all(b - a >= itr * 256 * PS_PER_NS for a, b in zip(times, times[1:], strict=False))
    assert times and times[-1] <= t + itr * 256 * PS_PER_NS
    assert s.nic.pending() == 0 or s.r(E.E1000_ICR)


def test_rdtr_packet_timer_and_radv_absolute_timer() -> None:
    us = 1024 * PS_PER_NS
    s = Setup(rdtr=10, radv=25)
    s.w(E.E1000_IMS, E.E1000_IMS_RXT0)
    for i in range(5):  # a frame every 8 us: the 10 us packet timer keeps restarting
        s.at(i * 8 * us)
        s.nic.receive(frame(i))
    s.at(40 * us)
    assert [t for t, _a, _d in s.msis] == [25 * us]  # the absolute timer fired first
    s2 = Setup(rdtr=10, radv=25)
    s2.w(E.E1000_IMS, E.E1000_IMS_RXT0)
    s2.nic.receive(frame(0))
    s2.at(40 * us)
    assert [t for t, _a, _d in s2.msis] == [10 * us]  # one frame: the packet timer


def test_rdtr_fpd_flushes() -> None:
    s = Setup(rdtr=100)
    s.w(E.E1000_IMS, E.E1000_IMS_RXT0)
    s.nic.receive(frame(0))
    assert not s.msis
    s.w(E.E1000_RDTR, 100 | E.E1000_RDTR_FPD)
    assert len(s.msis) == 1 and s.msis[0][1:] == (0xFEE00000, 0x41)


def test_filter_and_disabled() -> None:
    s = Setup()
    assert not s.nic.receive(frame(0, dst=bytes.fromhex("020000000099")))
    assert s.nic.receive(frame(1, dst=b"\xff" * 6))  # BAM
    s.w(E.E1000_RCTL, 0)
    assert not s.nic.receive(frame(2))
    assert dict(s.nic.rx_drop_reasons) == {"filtered": 1, "disabled": 1}


def test_ctrl_rst_resets() -> None:
    s = Setup()
    s.w(E.E1000_IMS, E.IMS_ENABLE_MASK)
    s.w(E.E1000_CTRL, E.E1000_CTRL_RST)
    assert s.r(E.E1000_IMS) == 0 and s.r(E.E1000_RCTL) == 0 and s.r(E.E1000_RDLEN) == 0
    assert s.r(E.E1000_STATUS) & E.E1000_STATUS_LU
