"""i.MX6 ENET (FEC): registers, descriptor rings in guest RAM, DMA, events, MDIO, TX timing."""

from __future__ import annotations

import struct
import zlib

from fakemem import RamMachine
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.devices.imx_fec import BMSR_LSTATUS, ImxFEC, ether_crc_le, wire_time_ps
from irqemu.hw import imx_fec as F

EIR, EIMR, RDAR, TDAR, ECR = 0x004, 0x008, 0x010, 0x014, 0x024
MMFR, MSCR, MIBC = 0x040, 0x044, 0x064
RCR, TCR, PALR, PAUR, OPD, GAUR, GALR = 0x084, 0x0C4, 0x0E4, 0x0E8, 0x0EC, 0x120, 0x124
ERDSR, ETDSR, EMRBR, FTRL, RACC = 0x180, 0x184, 0x188, 0x1B0, 0x1C4
RAM = 0x10000000
RX_RING, TX_RING = RAM, RAM + 0x4000
RX_BUFS, TX_BUFS = RAM + 0x10000, RAM + 0x80000
MAC = bytes.fromhex("001f7b000001")
CRC32_RESIDUE = 0x2144DF1C  #: crc32 over a frame plus its FCS


def frame(seq: int, size: int = 64, dst: bytes = MAC) -> bytes:
    """A frame of ``size`` bytes with FCS (so size - 4 here) carrying ``seq``."""
    body = dst + b"\x02\x00\x00\x00\x00\x09" + b"\x88\xb5" + struct.pack(">I", seq)
    return body + bytes(i & 0xFF for i in range(size - 4 - len(body)))


class Driver:
    """What fec_main.c does to the rings (fec_enet_bd_init, fec_enet_rx_queue, submit)."""

    def __init__(self, m: RamMachine, fec: ImxFEC, rx_n: int = 8, tx_n: int = 8,
                 enhanced: bool = True, gbit: bool = True) -> None:
        self.m, self.fec, self.rx_n, self.tx_n = m, fec, rx_n, tx_n
        self.dsize = 32 if enhanced else 8
        self.rx_cur = 0
        self.tx_cur = 0
        self.received: list[bytes] = []
        w = self.w
        w(ECR, 1)  # reset
        w(PALR, int.from_bytes(MAC[:4], "big"))
        w(PAUR, int.from_bytes(MAC[4:], "big") << 16)
        w(RCR, (1522 << 16) | 0x04)
        w(EMRBR, 2048)
        w(ERDSR, RX_RING)
        w(ETDSR, TX_RING)
        for i in range(rx_n):
            self.rx_return(i)
        for i in range(tx_n):
            self.wdesc(TX_RING, i, tx_n, 0, 0, TX_BUFS + i * 2048, 0)
        w(MIBC, 0)
        w(ECR, (F.ECR_EN1588 if enhanced else 0) | (F.ECR_SPEED if gbit else 0) | F.ECR_ETHEREN)
        w(EIMR, F.FEC_DEFAULT_IMASK)
        w(RDAR, 0)

    def w(self, off: int, value: int) -> None:
        self.fec.mmio_write(0, off, 4, value)

    def r(self, off: int) -> int:
        return self.fec.mmio_read(0, off, 4)

    def daddr(self, ring: int, i: int) -> int:
        return ring + i * self.dsize

    def wdesc(self, ring: int, i: int, n: int, datlen: int, sc: int, buf: int, esc: int) -> None:
        sc |= F.BD_ENET_RX_WRAP if i == n - 1 else 0
        raw = struct.pack("<HHI", datlen, sc, buf)
        if self.dsize == 32:
            raw += struct.pack("<IIII", esc, 0, 0, 0) + bytes(8)
        self.m.mem_write(self.daddr(ring, i), raw)

    def rdesc(self, ring: int, i: int) -> tuple[int, int, int, int, int, int, int]:
        raw = self.m.mem_read(self.daddr(ring, i), 32)
        return struct.unpack("<HHIIIII", raw[:24])

    def rx_return(self, i: int) -> None:
        self.wdesc(RX_RING, i, self.rx_n, 0, F.BD_ENET_RX_EMPTY, RX_BUFS + i * 2048,
                   F.BD_ENET_RX_INT)

    def napi_poll(self, budget: int = 64, write_rdar: bool = True) -> int:
        """fec_enet_rx_queue: consume non-EMPTY descriptors, return them, write RDAR."""
        done = 0
        while done < budget:
            datlen, sc, buf, *_ = self.rdesc(RX_RING, self.rx_cur)
            if sc & F.BD_ENET_RX_EMPTY:
                break
            self.w(EIR, F.FEC_ENET_RXF)
            assert sc & F.BD_ENET_RX_LAST
            self.received.append(self.m.mem_read(buf, datlen - 4))
            self.rx_return(self.rx_cur)
            self.rx_cur = (self.rx_cur + 1) % self.rx_n
            if write_rdar:
                self.w(RDAR, 0)
            done += 1
        return done

    def xmit(self, data: bytes) -> None:
        i = self.tx_cur
        buf = TX_BUFS + i * 2048
        self.m.mem_write(buf, data)
        sc = F.BD_ENET_TX_READY | F.BD_ENET_TX_INTR | F.BD_ENET_TX_LAST | F.BD_ENET_TX_TC
        self.wdesc(TX_RING, i, self.tx_n, len(data), sc, buf, F.BD_ENET_TX_INT)
        self.tx_cur = (i + 1) % self.tx_n
        self.w(TDAR, 0)


def setup(**kw: int | bool) -> tuple[RamMachine, ImxFEC, Driver]:
    m = RamMachine(RAM, 1 << 20)
    fec = ImxFEC(m)
    drv = Driver(m, fec, **kw)  # type: ignore[arg-type]
    return m, fec, drv


# -- registers ------------------------------------------------------------------------
def test_reset_values_and_offsets() -> None:
    fec = ImxFEC(RamMachine())
    r = lambda off: fec.mmio_read(0, off, 4)  # noqa: E731
    assert r(ECR) == 0xF0000000 and r(RCR) == 0x05EE0001 and r(MIBC) == 0xC0000000
    assert r(PAUR) == 0x8808 and r(OPD) == 0x10000 and r(FTRL) == 0x7FF
    assert [r(o) for o in (0x198, 0x19C, 0x1A4, 0x1A8, 0x1AC)] == [4, 4, 4, 8, 0xC]
    assert r(0x40C) == 0x3B9ACA00  # ATPER
    assert r(EIR) == r(EIMR) == r(RDAR) == r(TDAR) == 0
    # The offsets are fec.h's FEC_IEVENT .. FEC_R_BUFF_SIZE_0 and the MIB block.
    names = {reg.name: reg.offset for reg in ImxFEC.REGS}
    assert names["ENET_EIR"] == 0x004 and names["ENET_ERDSR"] == 0x180
    assert names["ENET_EMRBR"] == 0x188 and names["IEEE_R_MACERR"] == 0x2D8
    assert names["RMON_R_PACKETS"] == 0x284 and names["IEEE_R_OCTETS_OK"] == 0x2E0
    assert fec.base == 0x02188000 and fec.SIZE == 0x4000


def test_fec_h_constants() -> None:
    assert F.FEC_DEFAULT_IMASK_4_6 == 0x0A8080AA
    assert F.FEC_NAPI_IMASK == 0x00808000
    assert F.FEC_ENET_RXF_0 == 0x02000000 and F.FEC_ENET_TXF_0 == 0x08000000
    assert F.BD_ENET_RX_EMPTY == 0x8000 and F.BD_ENET_RX_WRAP == 0x2000
    assert F.BD_ENET_RX_LAST == 0x0800 and F.BD_ENET_RX_STATS == 0x013F
    assert F.BD_ENET_RX_INT == 0x00800000 and F.BD_ENET_TX_INT == 0x40000000


def test_register_masks() -> None:
    m, fec, drv = setup()
    assert fec.mac_address == MAC
    drv.w(PAUR, 0x12345678)
    assert drv.r(PAUR) == 0x12348808
    drv.w(OPD, 0xFFFFFFFF)
    assert drv.r(OPD) == 0x1FFFF
    drv.w(ERDSR, RX_RING + 5)
    assert drv.r(ERDSR) == RX_RING
    drv.w(EMRBR, 0xFFFFFFFF)
    assert drv.r(EMRBR) == 0x3FF0


# -- receive --------------------------------------------------------------------------
def test_rx_descriptor_layout_dma_and_fcs() -> None:
    m, fec, drv = setup()
    f = frame(7, 100)
    assert fec.receive(f)
    datlen, sc, buf, esc, prot, bdu, ts = drv.rdesc(RX_RING, 0)
    assert datlen == len(f) + 4  # cbd_datlen counts the FCS: the driver subtracts 4
    assert sc == F.BD_ENET_RX_LAST  # EMPTY cleared, no error bits
    assert buf == RX_BUFS and esc == F.BD_ENET_RX_INT and bdu == F.BD_ENET_BDU
    data = m.mem_read(buf, datlen)
    assert data[:-4] == f
    assert data[-4:] == struct.pack("<I", zlib.crc32(f))
    assert zlib.crc32(data) ^ 0xFFFFFFFF == CRC32_RESIDUE ^ 0xFFFFFFFF
    assert drv.r(EIR) == F.FEC_ENET_RXF_0 and fec.irq.level
    assert (fec.rx_frames, fec.rx_bytes, fec.rx_dropped) == (1, 100, 0)
    assert drv.r(0x284) == 1 and drv.r(0x2CC) == 1 and drv.r(0x2AC) == 1  # P65TO127
    # The next descriptor is untouched and still EMPTY; RDAR stays set.
    assert drv.rdesc(RX_RING, 1)[1] == F.BD_ENET_RX_EMPTY and drv.r(RDAR) == F.RDAR_ACTIVE


def test_rx_wrap_and_order() -> None:
    m, fec, drv = setup(rx_n=4)
    for seq in range(10):
        assert fec.receive(frame(seq))
        assert drv.napi_poll() == 1
    assert [struct.unpack_from(">I", p, 14)[0] for p in drv.received] == list(range(10))
    # The WRAP bit survives the MAC's status write on the last descriptor.
    fec.receive(frame(99))
    fec.receive(frame(100))
    fec.receive(frame(101))
    assert drv.rdesc(RX_RING, 3)[1] == F.BD_ENET_RX_LAST | F.BD_ENET_RX_WRAP
    assert drv.rdesc(RX_RING, 0)[1] == F.BD_ENET_RX_LAST  # frame 100 wrapped to entry 0


def test_ring_full_drops_are_counted_and_clear_rdar() -> None:
    m, fec, drv = setup(rx_n=4)
    results = [fec.receive(frame(s)) for s in range(6)]
    assert results == [True] * 4 + [False] * 2
    assert drv.r(RDAR) == 0  # cleared when the uDMA found no EMPTY descriptor
    assert fec.rx_dropped == 2 and fec.rx_drop_reasons["no_descriptor"] == 2
    assert drv.r(0x2D8) == 2  # IEEE_R_MACERR: receive FIFO overflow
    assert drv.r(0x284) == 6 and drv.r(0x2CC) == 4  # RMON_R_PACKETS vs IEEE_R_FRAME_OK
    # Returning a descriptor and writing RDAR restarts reception at the ring position.
    assert drv.napi_poll(budget=1) == 1
    assert drv.r(RDAR) == F.RDAR_ACTIVE
    assert fec.receive(frame(6))
    assert drv.napi_poll() == 4
    seqs = [struct.unpack_from(">I", p, 14)[0] for p in drv.received]
    assert seqs == [0, 1, 2, 3, 6]


def test_rdar_write_with_full_ring_stays_clear() -> None:
    m, fec, drv = setup(rx_n=2)
    fec.receive(frame(0))
    fec.receive(frame(1))
    drv.w(RDAR, 0)
    assert drv.r(RDAR) == 0
    assert not fec.receive(frame(2))


def test_eir_w1c_and_irq_level_is_eir_and_eimr() -> None:
    m, fec, drv = setup()
    drv.w(EIMR, 0)
    fec.receive(frame(0))
    assert drv.r(EIR) == F.FEC_ENET_RXF_0 and not fec.irq.level
    drv.w(EIMR, F.FEC_ENET_TXF)
    assert not fec.irq.level
    drv.w(EIMR, F.FEC_DEFAULT_IMASK)
    assert fec.irq.level and not fec.irq_1588.level
    drv.w(EIR, F.FEC_ENET_TXF)  # clearing other bits changes nothing
    assert drv.r(EIR) == F.FEC_ENET_RXF_0 and fec.irq.level
    drv.w(EIR, 0xFFFFFFFF)
    assert drv.r(EIR) == 0 and not fec.irq.level


def test_enhanced_descriptor_without_int_bit_raises_no_rxf() -> None:
    m, fec, drv = setup()
    drv.wdesc(RX_RING, 0, drv.rx_n, 0, F.BD_ENET_RX_EMPTY, RX_BUFS, 0)
    assert fec.receive(frame(0))
    assert drv.r(EIR) == 0 and not fec.irq.level
    assert drv.rdesc(RX_RING, 0)[3] == 0


def test_legacy_8_byte_descriptors() -> None:
    m, fec, drv = setup(enhanced=False)
    for s in range(3):
        fec.receive(frame(s))
    for i in range(3):
        datlen, sc, buf = struct.unpack("<HHI", m.mem_read(RX_RING + 8 * i, 8))
        assert (datlen, sc, buf) == (64, F.BD_ENET_RX_LAST, RX_BUFS + i * 2048)
    assert drv.r(EIR) == F.FEC_ENET_RXF_0


def test_shift16_multibuffer_truncation_and_flags() -> None:
    m, fec, drv = setup()
    drv.w(RACC, F.RACC_SHIFT16)
    f = frame(1, 64)
    fec.receive(f)
    datlen, sc, buf, *_ = drv.rdesc(RX_RING, 0)
    assert datlen == 64 + 2 and m.mem_read(buf, 8) == b"\0\0" + f[:6]
    drv.w(RACC, 0)
    # A frame longer than EMRBR spans descriptors: RXB for the first, RXF for the last.
    drv.w(EMRBR, 256)
    drv.w(EIR, 0xFFFFFFFF)
    long = frame(2, 600)
    fec.receive(long)
    d1, d2, d3 = drv.rdesc(RX_RING, 1), drv.rdesc(RX_RING, 2), drv.rdesc(RX_RING, 3)
    assert (d1[0], d1[1], d2[0], d2[1]) == (256, 0, 256, 0)
    assert (d3[0], d3[1]) == (600, F.BD_ENET_RX_LAST)
    got = m.mem_read(d1[2], 256) + m.mem_read(d2[2], 256) + m.mem_read(d3[2], 88)
    assert got[:-4] == long
    assert drv.r(EIR) == F.FEC_ENET_RXF_0 | F.FEC_ENET_RXB
    # Longer than RCR.MAX_FL: LG; broadcast: BC.
    drv.w(EMRBR, 2048)
    drv.w(RCR, (100 << 16) | 0x04)
    fec.receive(frame(3, 200, dst=b"\xff" * 6))
    assert drv.rdesc(RX_RING, 4)[1] == F.BD_ENET_RX_LAST | F.BD_ENET_RX_LG | F.BD_ENET_RX_BC


def test_address_filter() -> None:
    m, fec, drv = setup()
    other = bytes.fromhex("001f7b0000ff")
    assert not fec.receive(frame(0, dst=other))
    assert fec.rx_drop_reasons["filtered"] == 1
    mc = bytes.fromhex("01005e000001")
    assert not fec.receive(frame(1, dst=mc))
    h = (ether_crc_le(mc) >> 26) & 0x3F
    drv.w(GAUR if h >= 32 else GALR, 1 << (h & 31))
    assert fec.receive(frame(2, dst=mc))
    assert drv.rdesc(RX_RING, 0)[1] == F.BD_ENET_RX_LAST | F.BD_ENET_RX_MC
    drv.w(RCR, (1522 << 16) | 0x04 | F.RCR_PROM)
    assert fec.receive(frame(3, dst=other))
    assert drv.rdesc(RX_RING, 1)[1] == F.BD_ENET_RX_LAST | F.BD_ENET_RX_MISS
    assert fec.rx_offered == fec.rx_frames + fec.rx_dropped == 4


def test_disabled_and_reset() -> None:
    m, fec, drv = setup()
    drv.w(ECR, F.ECR_EN1588)  # ETHEREN cleared: RDAR clears, pointers back to the start
    assert drv.r(RDAR) == 0 and not fec.receive(frame(0))
    assert fec.rx_drop_reasons["disabled"] == 1
    drv.w(ECR, F.ECR_EN1588 | F.ECR_ETHEREN)
    drv.w(RDAR, 0)
    assert fec.receive(frame(1)) and drv.rdesc(RX_RING, 0)[1] == F.BD_ENET_RX_LAST
    drv.w(EIMR, 0xFFFFFFFF)
    assert fec.irq.level
    drv.w(ECR, F.ECR_RESET)
    assert drv.r(ECR) == 0xF0000000 and drv.r(EIMR) == 0 and drv.r(EIR) == 0
    assert not fec.irq.level and drv.r(ERDSR) == 0


# -- transmit -------------------------------------------------------------------------
def test_tx_ring_line_rate_completion() -> None:
    m, fec, drv = setup()
    drv.w(EIR, 0xFFFFFFFF)
    m.time = 1_000_000
    drv.xmit(frame(0, 64))  # 60 bytes + FCS: 84 bytes on the wire = 672 ns at 1 Gbit/s
    drv.xmit(frame(1, 1518))
    assert drv.r(TDAR) == F.RDAR_ACTIVE and fec.tx_frames == []
    assert drv.rdesc(TX_RING, 0)[1] & F.BD_ENET_TX_READY
    ran = m.advance(10**9)
    t1 = 1_000_000 + 672_000
    t2 = t1 + wire_time_ps(1518, 10**9)
    assert ran == [t1, t2] and t2 - t1 == 12_304_000
    assert [t for t, _ in fec.tx_frames] == [t1, t2]
    assert [f for _, f in fec.tx_frames] == [frame(0, 64), frame(1, 1518)]
    for i in range(2):
        datlen, sc, buf, esc, prot, bdu, ts = drv.rdesc(TX_RING, i)
        assert not sc & F.BD_ENET_TX_READY and sc & F.BD_ENET_TX_LAST and bdu == F.BD_ENET_BDU
    assert drv.r(EIR) == F.FEC_ENET_TXF_0 | F.FEC_ENET_TXB and fec.irq.level
    assert drv.r(TDAR) == 0 and fec.tx_packets == 2 and fec.tx_bytes == 64 + 1518
    assert drv.r(0x204) == 2 and drv.r(0x228) == 1  # RMON_T_PACKETS, RMON_T_P64


def test_tx_short_frame_padded_and_100mbit() -> None:
    m, fec, drv = setup(gbit=False)
    drv.xmit(b"\xff" * 6 + bytes(36))  # 42 bytes: padded to 60 + FCS
    assert m.advance(10**9) == [wire_time_ps(64, 100_000_000)] == [6_720_000]
    assert drv.r(0x208) == 1  # RMON_T_BC_PKT


def test_tx_graceful_stop() -> None:
    m, fec, drv = setup()
    drv.w(EIR, 0xFFFFFFFF)
    drv.xmit(frame(0))
    drv.xmit(frame(1))
    drv.w(TCR, F.TCR_GTS)
    assert not drv.r(EIR) & F.FEC_ENET_GRA  # a frame is in flight
    m.advance(10**9)
    assert len(fec.tx_frames) == 1 and drv.r(EIR) & F.FEC_ENET_GRA
    drv.w(TCR, 0)
    drv.w(TDAR, 0)
    m.advance(2 * 10**9)
    assert len(fec.tx_frames) == 2


# -- MDIO ----------------------------------------------------------------------------
def mdio_read(drv: Driver, m: RamMachine, pa: int, ra: int) -> int:
    drv.w(EIR, F.FEC_ENET_MII)
    drv.w(MMFR, F.MMFR_ST_C22 | F.MMFR_OP_READ | (pa << 23) | (ra << 18) | (2 << 16))
    assert not drv.r(EIR) & F.FEC_ENET_MII
    m.advance(m.time + 10**9)
    assert drv.r(EIR) & F.FEC_ENET_MII
    return drv.r(MMFR) & 0xFFFF


def test_mdio_phy_reads_and_mii_event_timing() -> None:
    m, fec, drv = setup()
    drv.w(MSCR, 13 << 1)  # MDC = 66 MHz / 28 = 2.36 MHz
    start = m.time
    drv.w(MMFR, F.MMFR_ST_C22 | F.MMFR_OP_READ | (2 << 18) | (2 << 16))
    assert m.advance(10**9) == [start + -(-64 * 28 * 10**12 // 66_000_000)]
    assert drv.r(MMFR) & 0xFFFF == 0x0022
    assert mdio_read(drv, m, 0, 3) == 0x1611
    assert mdio_read(drv, m, 0, 1) & BMSR_LSTATUS
    assert mdio_read(drv, m, 5, 1) == 0xFFFF  # no PHY there
    fec.phy.set_link(False)
    assert not mdio_read(drv, m, 0, 1) & BMSR_LSTATUS
    drv.w(MMFR, F.MMFR_ST_C22 | F.MMFR_OP_WRITE | (4 << 18) | (2 << 16) | 0x0061)
    m.advance(m.time + 10**9)
    assert mdio_read(drv, m, 0, 4) == 0x0061


# -- the property ---------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(
    ring=st.integers(1, 8),
    ops=st.lists(st.tuples(st.sampled_from(["frame", "poll", "poll_no_rdar", "rdar"]),
                           st.integers(1, 10), st.integers(0, 10**7)),
                 max_size=60),
)
def test_delivered_plus_dropped_is_offered_and_order_kept(
    ring: int, ops: list[tuple[str, int, int]]
) -> None:
    """Frames at arbitrary gaps; the driver returns descriptors in any amounts, writing
    RDAR after each (as Linux does) or not at all until a later lone RDAR write."""
    m, fec, drv = setup(rx_n=ring)
    seq = 0
    delivered: list[int] = []
    for kind, n, gap in ops:
        if kind == "frame":
            for _ in range(n):
                m.time += 672_000 + gap
                if fec.receive(frame(seq)):
                    delivered.append(seq)
                seq += 1
        elif kind == "rdar":
            drv.w(RDAR, 0)
        else:
            drv.napi_poll(budget=n, write_rdar=kind == "poll")
    drv.napi_poll(budget=10**6)
    got = [struct.unpack_from(">I", p, 14)[0] for p in drv.received]
    assert fec.rx_frames + fec.rx_dropped == fec.rx_offered == seq
    assert got == delivered == sorted(delivered)
    assert len(got) == fec.rx_frames
