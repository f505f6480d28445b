"""i.MX6 ENET (the "FEC" of Linux's fec_main.c): MAC with DMA buffer-descriptor rings.

Register offsets, event bits and descriptor layout follow Linux's
drivers/net/ethernet/freescale/fec.h (non-ColdFire branch) and fec_main.c;
reset values, register masks and the enhanced-descriptor fields were checked
against QEMU's hw/net/imx_fec.c and include/hw/net/imx_fec.h (read for the
facts; this is an independent model). Behaviour:

* RX: ``receive(frame)`` is a frame arriving from the wire (without its FCS,
  which the MAC computes and appends). With ECR.ETHEREN and RDAR set, the
  frame plus FCS (plus two leading pad bytes when RACC.SHIFT16 is set) is
  DMA'd into the buffers of the EMPTY descriptors at the current ring
  position (several when longer than EMRBR), each descriptor's EMPTY is
  cleared (WRAP and the software-owned RO bits kept), the last one gets LAST
  and ``cbd_datlen`` = frame length including FCS (fec_enet_rx_queue
  subtracts 4), RXF is raised (RXB for non-last buffers) and the ring
  advances, back to ERDSR after a WRAP descriptor. Then the next descriptor
  is fetched: if it is not EMPTY, RDAR is cleared, as the uDMA does. A frame
  that finds RDAR clear or too few EMPTY descriptors is dropped whole,
  counted in ``rx_dropped`` and in the IEEE_R_MACERR MIB counter (receive
  FIFO overflow), and clears RDAR; the driver's next RDAR write restarts
  reception. ``drops(frame)`` says whether a frame arriving now would only be
  counted so, and ``drop(frame, n)`` counts n of them at once (the traffic
  generator's runs: a line-rate storm overflows the ring most of the time).
* Enhanced (32-byte ``struct bufdesc_ex``) descriptors when ECR.EN1588 is set,
  as Linux sets it on i.MX6; legacy 8-byte ``struct bufdesc`` otherwise. In
  enhanced mode the per-descriptor interrupt enable is honoured, as the
  reference manual and QEMU do: RXF/RXB only when ``cbd_esc`` has
  BD_ENET_RX_INT, TXF/TXB only with BD_ENET_TX_INT (Linux always sets both).
  The MAC writes BDU (bit 31 of ``cbd_bdu``) into the last descriptor of a frame.
* TX: a TDAR write walks the ring from the current TX descriptor; each READY
  frame (descriptors up to LAST) is read at the time it starts on the wire
  and completes (READY cleared, TXB/TXF raised, appended to ``tx_frames``)
  after ``wire_time_ps`` at the MAC speed set by ECR.SPEED / RCR.RMII_10T,
  frames back to back. TDAR clears when no READY descriptor is left.
  TCR.GTS stops transmission after the current frame and raises GRA.
* Interrupts: ``irq`` (GIC ID 150, "int0") is high while EIR & EIMR != 0;
  ``irq_1588`` (GIC ID 151) while EIR & EIMR has TS_AVAIL or TS_TIMER.
* MDIO: an MMFR write starts a management frame that completes 64 MDC cycles
  later (MDC = ipg / ((MSCR.MII_SPEED + 1) * 2); MII_SPEED 0 is MDC off: no
  completion), raising EIR.MII; a clause-22 read returns the register of the
  modelled PHY at ``phy_addr`` (link up at ``link_bps``), 0xFFFF elsewhere.
* Address filter: station address (PALR/PAUR), broadcast unless RCR.BC_REJ,
  individual/group hash (IAUR/IALR, GAUR/GALR, Linux's ether_crc_le top 6
  bits) or RCR.PROM; frames that miss are discarded (``rx_drop_reasons``).

Not modelled: the RX/TX FIFOs (a frame is DMA'd instantly when its last bit
arrives, so nothing is buffered while the ring is full), loopback, pause
frames, checksum offload and VLAN stripping (only the VLAN flag is set), the
1588 timer (registers are storage), interrupt coalescing, queues 1 and 2,
and erratum ERR004512's throughput limit.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

from irqemu.devices.base import Device, IrqLine, MachineContext
from irqemu.devices.regmap import Reg
from irqemu.hw.imx_fec import (
    ATCR_EN,
    BD_ENET_BDU,
    BD_ENET_RX_BC,
    BD_ENET_RX_CL,
    BD_ENET_RX_EMPTY,
    BD_ENET_RX_INT,
    BD_ENET_RX_INTR,
    BD_ENET_RX_LAST,
    BD_ENET_RX_LG,
    BD_ENET_RX_MC,
    BD_ENET_RX_MISS,
    BD_ENET_RX_RO1,
    BD_ENET_RX_VLAN,
    BD_ENET_RX_WRAP,
    BD_ENET_TX_INT,
    BD_ENET_TX_LAST,
    BD_ENET_TX_READY,
    BD_ENET_TX_TS,
    BD_EX_RECORD,
    BD_OFF_SC,
    BD_RECORD,
    BD_SC,
    BUFDESC_EX_SIZE,
    BUFDESC_SIZE,
    DSR_RESERVED,
    ECR_EN1588,
    ECR_ETHEREN,
    ECR_RESET,
    ECR_RESET_VALUE,
    ECR_SPEED,
    ECR_WRITABLE,
    EIR_1588,
    EMRBR_WRITABLE,
    FEC_ADDR_HIGH,
    FEC_ADDR_LOW,
    FEC_ATIME,
    FEC_ATIME_CORR,
    FEC_ATIME_CTRL,
    FEC_ATIME_EVT_OFFSET,
    FEC_ATIME_EVT_PERIOD,
    FEC_ATIME_INC,
    FEC_ECNTRL,
    FEC_ENET_GRA,
    FEC_ENET_MII,
    FEC_ENET_RXB,
    FEC_ENET_RXF_0,
    FEC_ENET_TXB,
    FEC_ENET_TXF_0,
    FEC_FTRL,
    FEC_GRP_HASH_TABLE_HIGH,
    FEC_GRP_HASH_TABLE_LOW,
    FEC_HASH_TABLE_HIGH,
    FEC_HASH_TABLE_LOW,
    FEC_IEVENT,
    FEC_IMASK,
    FEC_MIB_CTRLSTAT,
    FEC_MII_DATA,
    FEC_MII_SPEED,
    FEC_OPD,
    FEC_R_BOUND,
    FEC_R_BUFF_SIZE_0,
    FEC_R_CNTRL,
    FEC_R_DES_ACTIVE_0,
    FEC_R_DES_START_0,
    FEC_R_FIFO_RAEM,
    FEC_R_FIFO_RAFL,
    FEC_R_FIFO_RSEM,
    FEC_R_FIFO_RSFL,
    FEC_R_FSTART,
    FEC_RACC,
    FEC_TACC,
    FEC_TCCR0,
    FEC_TCSR0,
    FEC_TGSR,
    FEC_TS_TIMESTAMP,
    FEC_X_CNTRL,
    FEC_X_DES_ACTIVE_0,
    FEC_X_DES_START_0,
    FEC_X_FIFO_TAEM,
    FEC_X_FIFO_TAFL,
    FEC_X_FIFO_TSEM,
    FEC_X_IPG,
    FEC_X_WMRK,
    FTRL_WRITABLE,
    MIBC_CLEAR,
    MIBC_DIS,
    MIBC_IDLE,
    MMFR_OP_READ,
    MMFR_OP_WRITE,
    MMFR_ST_C22,
    MSCR_WRITABLE,
    OPD_OPCODE,
    PAUR_TYPE,
    RACC_SHIFT16,
    RACC_WRITABLE,
    RCR_BC_REJ,
    RCR_CRCFWD,
    RCR_PROM,
    RCR_RMII_10T,
    RCR_WRITABLE,
    RDAR_ACTIVE,
    TCR_GTS,
    TCR_WRITABLE,
    TFWR_WRITABLE,
    TGSR_TF,
    BufDesc,
    ring_next,
)
from irqemu.sim.events import Event

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

    from irqemu._core.fecring import DescRing

#: the receive path for frames that fit one buffer: "native" (``_core.fecring``, where
#: the machine hands out a RAM view and its engine is not the reference) or "reference"
RX_PATH = "native"

PS_PER_S = 10**12
ACTIVE = RDAR_ACTIVE  #: RDAR.RDAR / TDAR.TDAR

ETH_FCS_LEN = 4
WIRE_OVERHEAD = 20  #: preamble + SFD (8) and inter-frame gap (12) bytes
ETH_ZLEN = 60  #: shortest frame without FCS; the MAC pads (TX_PAD / TC)
BROADCAST = b"\xff" * 6
_FCS = struct.Struct("<I")


def _desc_ring_class() -> type[DescRing] | None:
    """The uDMA's one-buffer receive on a typed ring in C (the Python path is the
    reference), imported at the first frame (its load is a noticeable part of a boot's
    start-up, and most boots receive none); None without built extensions."""
    try:
        from irqemu._core.fecring import DescRing
    except ImportError:  # pragma: no cover - a tree without built extensions
        return None
    return DescRing


def wire_time_ps(frame_len: int, bps: int) -> int:
    """Picoseconds a frame of ``frame_len`` bytes (with FCS) occupies the wire.

    (frame_len + 20 bytes of preamble, SFD and inter-frame gap) * 8 / bps,
    rounded up: 64 bytes take 672,000 ps at 1 Gbit/s, 6,720,000 at 100 Mbit/s.
    """
    bits = (frame_len + WIRE_OVERHEAD) * 8
    return -(-bits * PS_PER_S // bps)


def ether_crc_le(data: bytes) -> int:
    """Linux's ether_crc_le (crc32_le seeded with ~0, not inverted)."""
    return (zlib.crc32(data) ^ 0xFFFFFFFF) & 0xFFFFFFFF


def _hash_bit(addr: bytes) -> int:
    return (ether_crc_le(addr) >> 26) & 0x3F  # fec_enet_set_multicast_list: top 6 bits


# -- MIB counters (fec.h offsets) -------------------------------------------------
MIB_COUNTERS = (
    (0x200, "RMON_T_DROP"), (0x204, "RMON_T_PACKETS"), (0x208, "RMON_T_BC_PKT"),
    (0x20C, "RMON_T_MC_PKT"), (0x210, "RMON_T_CRC_ALIGN"), (0x214, "RMON_T_UNDERSIZE"),
    (0x218, "RMON_T_OVERSIZE"), (0x21C, "RMON_T_FRAG"), (0x220, "RMON_T_JAB"),
    (0x224, "RMON_T_COL"), (0x228, "RMON_T_P64"), (0x22C, "RMON_T_P65TO127"),
    (0x230, "RMON_T_P128TO255"), (0x234, "RMON_T_P256TO511"), (0x238, "RMON_T_P512TO1023"),
    (0x23C, "RMON_T_P1024TO2047"), (0x240, "RMON_T_P_GTE2048"), (0x244, "RMON_T_OCTETS"),
    (0x248, "IEEE_T_DROP"), (0x24C, "IEEE_T_FRAME_OK"), (0x250, "IEEE_T_1COL"),
    (0x254, "IEEE_T_MCOL"), (0x258, "IEEE_T_DEF"), (0x25C, "IEEE_T_LCOL"),
    (0x260, "IEEE_T_EXCOL"), (0x264, "IEEE_T_MACERR"), (0x268, "IEEE_T_CSERR"),
    (0x26C, "IEEE_T_SQE"), (0x270, "IEEE_T_FDXFC"), (0x274, "IEEE_T_OCTETS_OK"),
    (0x284, "RMON_R_PACKETS"), (0x288, "RMON_R_BC_PKT"), (0x28C, "RMON_R_MC_PKT"),
    (0x290, "RMON_R_CRC_ALIGN"), (0x294, "RMON_R_UNDERSIZE"), (0x298, "RMON_R_OVERSIZE"),
    (0x29C, "RMON_R_FRAG"), (0x2A0, "RMON_R_JAB"), (0x2A4, "RMON_R_RESVD_O"),
    (0x2A8, "RMON_R_P64"), (0x2AC, "RMON_R_P65TO127"), (0x2B0, "RMON_R_P128TO255"),
    (0x2B4, "RMON_R_P256TO511"), (0x2B8, "RMON_R_P512TO1023"),
    (0x2BC, "RMON_R_P1024TO2047"), (0x2C0, "RMON_R_P_GTE2048"), (0x2C4, "RMON_R_OCTETS"),
    (0x2C8, "IEEE_R_DROP"), (0x2CC, "IEEE_R_FRAME_OK"), (0x2D0, "IEEE_R_CRC"),
    (0x2D4, "IEEE_R_ALIGN"), (0x2D8, "IEEE_R_MACERR"), (0x2DC, "IEEE_R_FDXFC"),
    (0x2E0, "IEEE_R_OCTETS_OK"),
)  # fmt: skip
_SIZE_BUCKETS = ((64, "P64"), (127, "P65TO127"), (255, "P128TO255"), (511, "P256TO511"),
                 (1023, "P512TO1023"), (2047, "P1024TO2047"))

# -- the PHY (IEEE 802.3 clause 22 registers) -------------------------------------
MII_BMCR, MII_BMSR, MII_PHYSID1, MII_PHYSID2 = 0, 1, 2, 3
MII_ADVERTISE, MII_LPA, MII_CTRL1000, MII_STAT1000, MII_ESTATUS = 4, 5, 9, 10, 15
BMCR_RESET, BMCR_ANRESTART = 0x8000, 0x0200
BMSR_LSTATUS, BMSR_ANEGCOMPLETE = 0x0004, 0x0020
BMSR_BASE = 0x7909  #: 100/10 full/half, extended status, autoneg capable, extended caps


class MiiPhy:
    """A minimal clause-22 PHY: identifies itself, reports link and autonegotiation.

    PHY ID 0x0022:0x1611 (Micrel KSZ9021, the Sabre Lite's PHY). The link
    partner advertises ``link_bps`` (10M/100M/1G, full duplex), so phylib
    resolves that speed; ``set_link`` takes the link down or up.
    """

    def __init__(self, link_bps: int = 1_000_000_000, link_up: bool = True) -> None:
        if link_bps not in (10_000_000, 100_000_000, 1_000_000_000):
            raise ValueError(f"PHY link speed {link_bps} bit/s: 10M, 100M or 1G only")
        self.link_bps = link_bps
        self.link_up = link_up
        self.regs: dict[int, int] = {}
        self.reset()

    def reset(self) -> None:
        lpa = {10_000_000: 0x4061, 100_000_000: 0x45E1, 1_000_000_000: 0x45E1}[self.link_bps]
        self.regs = {
            MII_BMCR: 0x1140, MII_PHYSID1: 0x0022, MII_PHYSID2: 0x1611,
            MII_ADVERTISE: 0x01E1, MII_LPA: lpa, MII_CTRL1000: 0x0300,
            MII_STAT1000: 0x3C00 if self.link_bps == 1_000_000_000 else 0x3000,
            MII_ESTATUS: 0x3000,
        }  # fmt: skip

    def set_link(self, up: bool) -> None:
        self.link_up = up

    def read(self, reg: int) -> int:
        if reg == MII_BMSR:
            return BMSR_BASE | (BMSR_LSTATUS | BMSR_ANEGCOMPLETE if self.link_up else 0)
        return self.regs.get(reg, 0)

    def write(self, reg: int, value: int) -> None:
        if reg == MII_BMCR and value & BMCR_RESET:
            self.reset()
            return
        if reg in (MII_BMSR, MII_PHYSID1, MII_PHYSID2, MII_LPA, MII_STAT1000, MII_ESTATUS):
            return  # read-only
        self.regs[reg] = value & 0xFFFF & ~(BMCR_ANRESTART if reg == MII_BMCR else 0)


class ImxFEC(Device):
    """ENET at 0x02188000 (i.MX6Q: GIC IDs 150 "int0" and 151 "pps", level).

    ``receive(frame)`` delivers a frame from the wire; ``irq`` / ``irq_1588``
    are the interrupt lines; statistics: ``rx_offered``, ``rx_frames``,
    ``rx_bytes`` (with FCS), ``rx_dropped`` (= offered - delivered) with
    ``rx_drop_reasons``, ``tx_frames`` (list of (completion ps, bytes without
    FCS)), ``tx_packets``, ``tx_bytes``; the MIB counters are registers.
    """

    SIZE = 0x4000
    REGS = (
        Reg(FEC_IEVENT, "ENET_EIR", w1c=0xFFFFFFFF, doc="interrupt events (FEC_IEVENT)"),
        Reg(FEC_IMASK, "ENET_EIMR", doc="interrupt mask (FEC_IMASK)"),
        Reg(FEC_R_DES_ACTIVE_0, "ENET_RDAR", doc="RX descriptor active, bit 24"),
        Reg(FEC_X_DES_ACTIVE_0, "ENET_TDAR", doc="TX descriptor active, bit 24"),
        Reg(FEC_ECNTRL, "ENET_ECR", reset=ECR_RESET_VALUE, wmask=ECR_WRITABLE,
            reserved=~(ECR_RESET_VALUE | ECR_WRITABLE) & 0xFFFFFFFF,
            doc="RESET 0, ETHEREN 1, MAGICEN 2, SLEEP 3, EN1588 4, SPEED 5, DBSWP 8"),
        Reg(FEC_MII_DATA, "ENET_MMFR", doc="MII management frame (FEC_MII_DATA)"),
        Reg(FEC_MII_SPEED, "ENET_MSCR", wmask=MSCR_WRITABLE,
            doc="MII_SPEED 6:1, DIS_PRE 7, HOLDTIME 10:8"),
        Reg(FEC_MIB_CTRLSTAT, "ENET_MIBC", reset=MIBC_DIS | MIBC_IDLE,
            wmask=MIBC_DIS | MIBC_CLEAR, doc="MIB_DIS 31, IDLE 30 (read-only), CLEAR 29"),
        Reg(FEC_R_CNTRL, "ENET_RCR", reset=0x05EE0001, wmask=RCR_WRITABLE,
            doc="MAX_FL 29:16 (1518), LOOP at reset; GRS 31 read-only"),
        Reg(FEC_X_CNTRL, "ENET_TCR", wmask=TCR_WRITABLE, doc="GTS 0, FDEN 2, ..."),
        Reg(FEC_ADDR_LOW, "ENET_PALR", doc="station address bytes 0-3"),
        Reg(FEC_ADDR_HIGH, "ENET_PAUR", reset=PAUR_TYPE, wmask=0xFFFF0000,
            doc="bytes 4-5 in 31:16; TYPE 0x8808 (read-only)"),
        Reg(FEC_OPD, "ENET_OPD", reset=OPD_OPCODE, wmask=0xFFFF,
            doc="pause duration 15:0; opcode 1 (read-only)"),
        Reg(FEC_HASH_TABLE_HIGH, "ENET_IAUR"),
        Reg(FEC_HASH_TABLE_LOW, "ENET_IALR"),
        Reg(FEC_GRP_HASH_TABLE_HIGH, "ENET_GAUR"),
        Reg(FEC_GRP_HASH_TABLE_LOW, "ENET_GALR"),
        Reg(FEC_X_WMRK, "ENET_TFWR", wmask=TFWR_WRITABLE, doc="TX FIFO watermark, STRFWD 8"),
        Reg(FEC_R_BOUND, "ENET_FRBR", reset=0x600, access="r", doc="FEC-only FIFO bound"),
        Reg(FEC_R_FSTART, "ENET_FRSR", reset=0x500, doc="FEC-only FIFO start; storage"),
        Reg(FEC_R_DES_START_0, "ENET_ERDSR", reserved=DSR_RESERVED,
            doc="RX ring start, 64-bit aligned (FEC_R_DES_START_0)"),
        Reg(FEC_X_DES_START_0, "ENET_ETDSR", reserved=DSR_RESERVED,
            doc="TX ring start, 64-bit aligned (FEC_X_DES_START_0)"),
        Reg(FEC_R_BUFF_SIZE_0, "ENET_EMRBR", wmask=EMRBR_WRITABLE,
            doc="RX buffer size, bits 13:4 (FEC_R_BUFF_SIZE_0)"),
        Reg(FEC_R_FIFO_RSFL, "ENET_RSFL"),
        Reg(FEC_R_FIFO_RSEM, "ENET_RSEM"),
        Reg(FEC_R_FIFO_RAEM, "ENET_RAEM", reset=4),
        Reg(FEC_R_FIFO_RAFL, "ENET_RAFL", reset=4),
        Reg(FEC_X_FIFO_TSEM, "ENET_TSEM"),
        Reg(FEC_X_FIFO_TAEM, "ENET_TAEM", reset=4),
        Reg(FEC_X_FIFO_TAFL, "ENET_TAFL", reset=8),
        Reg(FEC_X_IPG, "ENET_TIPG", reset=0xC),
        Reg(FEC_FTRL, "ENET_FTRL", reset=0x7FF, wmask=FTRL_WRITABLE,
            doc="frame truncation length"),
        Reg(FEC_TACC, "ENET_TACC"),
        Reg(FEC_RACC, "ENET_RACC", wmask=RACC_WRITABLE,
            doc="PADREM 0, IPDIS 1, PRODIS 2, LINEDIS 6, SHIFT16 7"),
        *(Reg(off, name, doc="MIB counter") for off, name in MIB_COUNTERS),
        Reg(FEC_ATIME_CTRL, "ENET_ATCR"),
        Reg(FEC_ATIME, "ENET_ATVR"),
        Reg(FEC_ATIME_EVT_OFFSET, "ENET_ATOFF"),
        Reg(FEC_ATIME_EVT_PERIOD, "ENET_ATPER", reset=0x3B9ACA00),
        Reg(FEC_ATIME_CORR, "ENET_ATCOR"),
        Reg(FEC_ATIME_INC, "ENET_ATINC"),
        Reg(FEC_TS_TIMESTAMP, "ENET_ATSTMP", access="r"),
        Reg(FEC_TGSR, "ENET_TGSR", w1c=TGSR_TF, wmask=0, reserved=~TGSR_TF & 0xFFFFFFFF,
            doc="timer flags TF3..0, write 1 to clear"),
        *(Reg(FEC_TCSR0 + 8 * n, f"ENET_TCSR{n}") for n in range(4)),
        *(Reg(FEC_TCCR0 + 8 * n, f"ENET_TCCR{n}") for n in range(4)),
    )  # fmt: skip

    def __init__(
        self,
        machine: MachineContext,
        base: int = 0x02188000,
        name: str = "fec",
        *,
        phy_addr: int = 0,
        link_bps: int = 1_000_000_000,
        ipg_hz: int = 66_000_000,
    ) -> None:
        super().__init__(machine, base, name)
        self.irq = IrqLine(f"{name}.irq")
        self.irq_1588 = IrqLine(f"{name}.irq_1588")
        self.phy = MiiPhy(link_bps)
        self.phy_addr = phy_addr
        self.ipg_hz = ipg_hz
        self._v = self.regs.values
        self._rx_ptr = 0
        self._tx_ptr = 0
        self._tx_event: Event | None = None
        self._tx_busy_until = 0
        self._mii_event: Event | None = None
        self._mac = self.mac_address = bytes(6)  #: the station address (see _update_mac)
        # statistics (host-side, never reset by the guest)
        self.rx_offered = 0
        self.rx_frames = 0
        self.rx_bytes = 0
        self.rx_dropped = 0
        self.rx_drop_reasons: dict[str, int] = {"no_descriptor": 0, "disabled": 0, "filtered": 0}
        self.tx_frames: list[tuple[int, bytes]] = []
        self.tx_packets = 0
        self.tx_bytes = 0
        self.on_tx: Callable[[bytes], None] | None = None
        #: the native ring view receive() uses (None: not made yet; False: none here)
        self._ring: Any = None
        if RX_PATH != "native" or getattr(machine, "engine", "") == "reference":
            self._ring = False

    def reg(self, name: str) -> int:
        return self._v[name][0]

    # -- derived state ---------------------------------------------------------
    @property
    def enhanced(self) -> bool:
        """Enhanced 32-byte descriptors (ECR.EN1588), as Linux uses on i.MX6."""
        return bool(self.reg("ENET_ECR") & ECR_EN1588)

    @property
    def desc_size(self) -> int:
        return BUFDESC_EX_SIZE if self.enhanced else BUFDESC_SIZE

    def _update_mac(self) -> None:
        """``mac_address``: the station address in PALR/PAUR, as the RX filter compares
        it (an attribute, not a property: the traffic generator reads it per frame)."""
        self._mac = self.mac_address = struct.pack(">IH", self.reg("ENET_PALR"),
                                                   self.reg("ENET_PAUR") >> 16)

    def mac_bps(self) -> int:
        """The MAC's configured line rate: ECR.SPEED 1 Gbit/s, RCR.RMII_10T 10, else 100."""
        if self.reg("ENET_ECR") & ECR_SPEED:
            return 1_000_000_000
        return 10_000_000 if self.reg("ENET_RCR") & RCR_RMII_10T else 100_000_000

    @property
    def rx_active(self) -> bool:
        return bool(self.reg("ENET_ECR") & ECR_ETHEREN and self.reg("ENET_RDAR"))

    def _update_irq(self) -> None:
        pending = self._v["ENET_EIR"][0] & self._v["ENET_EIMR"][0]
        irq, irq_1588 = self.irq, self.irq_1588
        if (pending != 0) != irq.level:  # (set() ignores an unchanged level too)
            irq.set(pending != 0)
        if bool(pending & EIR_1588) != irq_1588.level:
            irq_1588.set(bool(pending & EIR_1588))

    def _raise(self, bits: int) -> None:
        self._v["ENET_EIR"][0] |= bits
        self._update_irq()

    def _mib(self, name: str, n: int = 1) -> None:
        if not self._v["ENET_MIBC"][0] & (MIBC_DIS | MIBC_CLEAR):
            cell = self._v[name]
            cell[0] = (cell[0] + n) & 0xFFFFFFFF

    def _mib_frame(self, prefix: str, frame_len: int, dst: bytes, count: int = 1) -> None:
        """RMON_{R,T}_*: packets, broadcast/multicast, size bucket, octets (``count``
        frames alike)."""
        v = self._v
        if v["ENET_MIBC"][0] & (MIBC_DIS | MIBC_CLEAR):
            return
        names = [prefix + "PACKETS", prefix + "P_GTE2048"]
        for limit, bucket in _SIZE_BUCKETS:
            if frame_len <= limit:
                names[1] = prefix + bucket
                break
        if dst[0] & 1:
            names.append(prefix + ("BC_PKT" if dst == BROADCAST else "MC_PKT"))
        for name in names:
            cell = v[name]
            cell[0] = (cell[0] + count) & 0xFFFFFFFF
        cell = v[prefix + "OCTETS"]
        cell[0] = (cell[0] + frame_len * count) & 0xFFFFFFFF

    # -- receive ----------------------------------------------------------------------
    def _drop(self, reason: str, count: int = 1) -> None:
        self.rx_dropped += count
        self.rx_drop_reasons[reason] += count

    def _address_match(self, dst: bytes) -> tuple[bool, int]:
        """(accepted, BC/MC/MISS status bits) by the RX address filter."""
        rcr = self.reg("ENET_RCR")
        flags = 0
        if dst == BROADCAST:
            flags = BD_ENET_RX_BC
            ok = not rcr & RCR_BC_REJ
        elif dst[0] & 1:
            flags = BD_ENET_RX_MC
            h = _hash_bit(dst)
            table = self.reg("ENET_GAUR") if h >= 32 else self.reg("ENET_GALR")
            ok = bool(table >> (h & 31) & 1)
        elif dst == self._mac:
            ok = True
        else:
            h = _hash_bit(dst)
            table = self.reg("ENET_IAUR") if h >= 32 else self.reg("ENET_IALR")
            ok = bool(table >> (h & 31) & 1)
        if rcr & RCR_PROM:
            return True, flags | (0 if ok else BD_ENET_RX_MISS)
        return ok, flags

    def _admit(self, frame: bytes, count: int) -> int | None:
        """``count`` arrivals of ``frame``: offered, checked (reception on, address
        filter, a free descriptor: RDAR) and counted in the MIB; the descriptor's
        BC/MC/MISS bits, or None when they were dropped (and counted so)."""
        self.rx_offered += count
        v = self._v
        if not v["ENET_ECR"][0] & ECR_ETHEREN:
            self._drop("disabled", count)
            return None
        dst = bytes(frame[:6])
        if dst == self._mac and not v["ENET_RCR"][0] & RCR_PROM:
            flags = 0  # the common case: addressed to this station
        else:
            ok, flags = self._address_match(dst)
            if not ok:
                self._drop("filtered", count)
                return None
        mib = not v["ENET_MIBC"][0] & (MIBC_DIS | MIBC_CLEAR)  # the MIB counts
        if mib:
            self._mib_frame("RMON_R_", len(frame) + ETH_FCS_LEN, dst, count)
        if not v["ENET_RDAR"][0]:  # the ring is full: most frames of a storm end here
            if mib:
                self._mib("IEEE_R_MACERR", count)
            self.rx_dropped += count  # (_drop, inline: once per run of a storm's drops)
            self.rx_drop_reasons["no_descriptor"] += count
            return None
        return flags

    def _check_rx_ring(self) -> None:
        """The uDMA fetches the current RX descriptor: RDAR clears unless it is EMPTY."""
        ring = self._ring
        sc = ring.sc(self._rx_ptr) if ring else -2
        if sc == -2:  # no native view, or the descriptor is outside it
            sc = BD_SC.unpack(self.machine.mem_read(self._rx_ptr + BD_OFF_SC, BD_SC.size))[0]
        if not sc & BD_ENET_RX_EMPTY:
            self._v["ENET_RDAR"][0] = 0

    def drops(self, frame: bytes) -> bool:
        """Would ``frame`` (or one with its header and length) arriving now only be
        counted: reception off, filtered out, or RDAR clear (no free descriptor)?"""
        v = self._v
        if not v["ENET_ECR"][0] & ECR_ETHEREN or not v["ENET_RDAR"][0]:
            return True
        dst = bytes(frame[:6])
        return not (dst == self._mac or self._address_match(dst)[0])

    def drop(self, frame: bytes, count: int) -> None:
        """``count`` frames like ``frame`` arrive now while :meth:`drops` holds: each
        is counted as :meth:`receive` counts it (a storm's overflow, in one call)."""
        v = self._v
        if (not v["ENET_RDAR"][0] and v["ENET_ECR"][0] & ECR_ETHEREN
                and v["ENET_MIBC"][0] & (MIBC_DIS | MIBC_CLEAR) and frame[:6] == self._mac
                and not v["ENET_RCR"][0] & RCR_PROM):  # _admit's outcome, at once
            self.rx_offered += count
            self.rx_dropped += count
            self.rx_drop_reasons["no_descriptor"] += count
            return
        self._admit(frame, count)

    def receive(self, frame: bytes) -> bool:
        """A frame (without FCS) arrives from the wire now; True if it reached the ring."""
        v = self._v
        if (v["ENET_RDAR"][0] and v["ENET_ECR"][0] & ECR_ETHEREN
                and v["ENET_MIBC"][0] & (MIBC_DIS | MIBC_CLEAR) and frame[:6] == self._mac
                and not v["ENET_RCR"][0] & RCR_PROM):  # _admit's outcome, at once
            self.rx_offered += 1
            flags: int | None = 0
        else:
            flags = self._admit(frame, 1)
            if flags is None:
                return False
        assert flags is not None
        rcr = v["ENET_RCR"][0]
        frame_len = n = len(frame) + ETH_FCS_LEN
        data = bytes(frame)
        if not rcr & RCR_CRCFWD:  # CRCFWD set: the MAC strips the FCS
            data += _FCS.pack(zlib.crc32(frame) & 0xFFFFFFFF)
        else:
            n -= ETH_FCS_LEN
        if v["ENET_RACC"][0] & RACC_SHIFT16:
            data = b"\0\0" + data
            n += 2
        if frame_len > (rcr >> 16) & 0x3FFF:
            flags |= BD_ENET_RX_LG
        ftrl = v["ENET_FTRL"][0] & 0x3FFF
        if n > ftrl:
            data = data[:ftrl]
            n = ftrl
            flags |= BD_ENET_RX_LG | BD_ENET_RX_CL
        if n <= (v["ENET_EMRBR"][0] & 0x3FF0 or 0x3FF0):
            return self._receive_one(frame, data, frame_len, flags)
        mrbr = v["ENET_EMRBR"][0] & 0x3FF0 or 0x3FF0

        # Find enough EMPTY descriptors for the whole frame first: drop it whole otherwise.
        enhanced = self.enhanced
        chunks = [data[i : i + mrbr] for i in range(0, len(data), mrbr)]
        walk = self._walk(self._rx_ptr, self.reg("ENET_ERDSR"), BD_ENET_RX_EMPTY, len(chunks))
        if walk is None:
            self._v["ENET_RDAR"][0] = 0
            self._mib("IEEE_R_MACERR")
            self._drop("no_descriptor")
            return False
        descs, next_ptr = walk

        mem_write = self.machine.mem_write
        events = 0
        last = len(descs) - 1
        keep = BD_ENET_RX_WRAP | BD_ENET_RX_RO1 | BD_ENET_RX_INTR
        vlan = BD_ENET_RX_VLAN if frame[12:14] == b"\x81\x00" else 0
        ts = (self.machine.now() // 1000) & 0xFFFFFFFF if self.reg("ENET_ATCR") & ATCR_EN else 0
        for i, ((daddr, bd), chunk) in enumerate(zip(descs, chunks, strict=True)):
            mem_write(bd.bufaddr, chunk)
            if i == last:
                bd.datlen, bd.sc = len(data), (bd.sc & keep) | BD_ENET_RX_LAST | flags
                bit, bd.bdu, status = FEC_ENET_RXF_0, BD_ENET_BDU, vlan
            else:
                bd.datlen, bd.sc = mrbr, bd.sc & keep
                bit, bd.bdu, status = FEC_ENET_RXB, 0, 0
            if enhanced:
                interrupt = bd.esc & BD_ENET_RX_INT
                bd.esc, bd.prot, bd.ts = interrupt | status, 0, ts
                bd.write(mem_write, daddr)
                if interrupt:
                    events |= bit
            else:
                bd.write(mem_write, daddr, enhanced=False)
                events |= bit
        return self._received(next_ptr, frame_len, events)

    def _received(self, next_ptr: int, frame_len: int, events: int) -> bool:
        """A frame is in the ring: advance, count it, interrupt if its descriptors ask."""
        self._rx_ptr = next_ptr
        self.rx_frames += 1
        self.rx_bytes += frame_len
        v = self._v
        if not v["ENET_MIBC"][0] & (MIBC_DIS | MIBC_CLEAR):
            cell = v["IEEE_R_FRAME_OK"]
            cell[0] = (cell[0] + 1) & 0xFFFFFFFF
            cell = v["IEEE_R_OCTETS_OK"]
            cell[0] = (cell[0] + frame_len) & 0xFFFFFFFF
        self._check_rx_ring()
        if events:
            self._raise(events)
        return True

    def _ring_at(self, addr: int) -> DescRing | None:
        """A native view of the RAM region holding the descriptor at ``addr`` (made once
        per region), or None: no native module, no RAM view, or the reference path."""
        ring = self._ring
        if ring is False:
            return None
        if ring is None or not ring.covers(addr, BUFDESC_EX_SIZE):
            view = getattr(self.machine, "ram_view", None)
            hit = None if view is None else view(addr, BUFDESC_EX_SIZE)
            if hit is None:
                return None
            desc_ring = _desc_ring_class()
            if desc_ring is None:  # pragma: no cover - a tree without built extensions
                self._ring = False
                return None
            ring = self._ring = desc_ring(
                hit[1], hit[0], empty=BD_ENET_RX_EMPTY, wrap=BD_ENET_RX_WRAP,
                last=BD_ENET_RX_LAST, keep=BD_ENET_RX_WRAP | BD_ENET_RX_RO1 | BD_ENET_RX_INTR,
                esc_int=BD_ENET_RX_INT, bdu=BD_ENET_BDU)
        return ring

    def native_run(self, template: bytes, follow_mac: bool) -> Any:
        """A traffic generator's event in one native call (``_core.fecring.RxRun``) for
        frames like ``template`` (without FCS; ``follow_mac``: its destination is
        ``mac_address``), or None on the reference path: the generator then calls
        :meth:`receive`, :meth:`drops` and :meth:`drop`, as RxRun does outside its
        common case."""
        if self._ring is False or _desc_ring_class() is None:
            return None
        from irqemu._core.fecring import RxRun

        return RxRun(self, template, follow_mac, etheren=ECR_ETHEREN, en1588=ECR_EN1588,
                     mib_off=MIBC_DIS | MIBC_CLEAR, prom=RCR_PROM, crcfwd=RCR_CRCFWD,
                     shift16=RACC_SHIFT16, atcr_en=ATCR_EN, rxf=FEC_ENET_RXF_0,
                     eir_1588=EIR_1588, lg=BD_ENET_RX_LG, vlan_bit=BD_ENET_RX_VLAN)

    def _receive_one(self, frame: bytes, data: bytes, frame_len: int, flags: int) -> bool:
        """The rest of :meth:`receive` for a frame that fits one buffer (every frame of
        at most EMRBR bytes): on the native ring view when there is one (one call:
        descriptor, buffer, write-back, the next descriptor's fetch), else
        :meth:`_receive_one_ref`."""
        ring = self._ring
        if ring is False:
            return self._receive_one_ref(frame, data, frame_len, flags)
        v = self._v
        addr = self._rx_ptr
        enhanced = v["ENET_ECR"][0] & ECR_EN1588
        vlan = ts = 0
        if enhanced:
            vlan = BD_ENET_RX_VLAN if frame[12:14] == b"\x81\x00" else 0
            if v["ENET_ATCR"][0] & ATCR_EN:
                ts = (self.machine.now() // 1000) & 0xFFFFFFFF
        r = -2 if ring is None else ring.dma(addr, data, flags, v["ENET_ERDSR"][0], enhanced,
                                             vlan, ts)
        if r == -2:  # outside the view: another region, or not RAM
            ring = self._ring_at(addr)
            if ring is None:
                return self._receive_one_ref(frame, data, frame_len, flags)
            r = ring.dma(addr, data, flags, v["ENET_ERDSR"][0], enhanced, vlan, ts)
            if r == -2:
                return self._receive_one_ref(frame, data, frame_len, flags)
        if r == -1:  # not EMPTY
            v["ENET_RDAR"][0] = 0
            self._mib("IEEE_R_MACERR")
            self._drop("no_descriptor")
            return False
        # _received, with the next descriptor's EMPTY already fetched
        self._rx_ptr = r & 0xFFFFFFFF
        self.rx_frames += 1
        self.rx_bytes += frame_len
        if not v["ENET_MIBC"][0] & (MIBC_DIS | MIBC_CLEAR):
            cell = v["IEEE_R_FRAME_OK"]
            cell[0] = (cell[0] + 1) & 0xFFFFFFFF
            cell = v["IEEE_R_OCTETS_OK"]
            cell[0] = (cell[0] + frame_len) & 0xFFFFFFFF
        if not r >> 33 & 1:
            v["ENET_RDAR"][0] = 0
        if r >> 32 & 1:
            eir = v["ENET_EIR"]
            eir[0] |= FEC_ENET_RXF_0
            pending = eir[0] & v["ENET_EIMR"][0]  # _update_irq, when a line would change
            if (pending != 0) != self.irq.level or (pending & EIR_1588 != 0) != self.irq_1588.level:
                self._update_irq()
        return True

    def _receive_one_ref(self, frame: bytes, data: bytes, frame_len: int, flags: int) -> bool:
        """:meth:`_receive_one` in Python, the reference: one descriptor fetched, the
        buffer and the descriptor written back, each in one access, as typed records."""
        v = self._v
        machine = self.machine
        mem_read, mem_write = machine.mem_read, machine.mem_write
        addr = self._rx_ptr
        enhanced = bool(v["ENET_ECR"][0] & ECR_EN1588)
        if enhanced:
            _dl, sc, bufaddr, esc, _prot, _bdu, _ts = BD_EX_RECORD.unpack(
                mem_read(addr, BD_EX_RECORD.size))
        else:
            _dl, sc, bufaddr = BD_RECORD.unpack(mem_read(addr, BD_RECORD.size))
        if not sc & BD_ENET_RX_EMPTY:
            v["ENET_RDAR"][0] = 0
            self._mib("IEEE_R_MACERR")
            self._drop("no_descriptor")
            return False
        next_ptr = ring_next(addr, sc, v["ENET_ERDSR"][0],
                             BUFDESC_EX_SIZE if enhanced else BUFDESC_SIZE)
        mem_write(bufaddr, data)
        sc = (sc & (BD_ENET_RX_WRAP | BD_ENET_RX_RO1 | BD_ENET_RX_INTR)) | BD_ENET_RX_LAST | flags
        if enhanced:
            vlan = BD_ENET_RX_VLAN if frame[12:14] == b"\x81\x00" else 0
            ts = (machine.now() // 1000) & 0xFFFFFFFF if v["ENET_ATCR"][0] & ATCR_EN else 0
            interrupt = esc & BD_ENET_RX_INT
            mem_write(addr, BD_EX_RECORD.pack(len(data), sc, bufaddr, interrupt | vlan, 0,
                                              BD_ENET_BDU, ts))
            events = FEC_ENET_RXF_0 if interrupt else 0
        else:
            mem_write(addr, BD_RECORD.pack(len(data), sc, bufaddr))
            events = FEC_ENET_RXF_0
        return self._received(next_ptr, frame_len, events)

    # -- the descriptor rings ---------------------------------------------------------
    def _walk(self, addr: int, ring_start: int, owned: int,
              count: int | None) -> tuple[list[tuple[int, BufDesc]], int] | None:
        """The uDMA fetches descriptors from ``addr`` on: ``count`` of them (RX), or
        up to one with LAST (TX; at most 4096). None if one it needs is not
        ``owned`` (EMPTY / READY) by the MAC; else the (address, descriptor) pairs
        and the ring position after them."""
        read, enhanced = self.machine.mem_read, self.enhanced
        size = BUFDESC_EX_SIZE if enhanced else BUFDESC_SIZE
        descs: list[tuple[int, BufDesc]] = []
        for _ in range(4096 if count is None else count):
            bd = BufDesc.read(read, addr, enhanced)
            if not bd.sc & owned:
                return None
            descs.append((addr, bd))
            addr = ring_next(addr, bd.sc, ring_start, size)
            if count is None and bd.sc & BD_ENET_TX_LAST:
                return descs, addr
        return None if count is None else (descs, addr)

    # -- transmit -------------------------------------------------------------------
    def _tx_cancel(self) -> None:
        if self._tx_event is not None:
            self._tx_event.cancel()
            self._tx_event = None

    def _tx_start(self, now: int) -> None:
        """Begin sending the frame at the TX ring position, if one is READY."""
        if not self.reg("ENET_ECR") & ECR_ETHEREN:
            return
        if self.reg("ENET_TCR") & TCR_GTS:
            self._v["ENET_TDAR"][0] = 0
            self._raise(FEC_ENET_GRA)
            return
        walk = self._walk(self._tx_ptr, self.reg("ENET_ETDSR"), BD_ENET_TX_READY, None)
        if walk is None:
            self._v["ENET_TDAR"][0] = 0  # nothing (complete) to send: TDAR clears
            return
        descs, addr = walk
        mem_read = self.machine.mem_read
        frame = b"".join(mem_read(bd.bufaddr, bd.datlen) if bd.datlen else b"" for _a, bd in descs)
        wire_len = max(len(frame), ETH_ZLEN) + ETH_FCS_LEN
        start = max(now, self._tx_busy_until)
        end = start + wire_time_ps(wire_len, self.mac_bps())
        self._tx_busy_until = end

        def complete() -> None:
            self._tx_complete(end, descs, addr, frame, wire_len)

        self._tx_event = self.machine.schedule(end, complete, f"{self.name}.tx")

    def _tx_complete(self, end: int, descs: list[tuple[int, BufDesc]], next_ptr: int,
                     frame: bytes, wire_len: int) -> None:
        self._tx_event = None
        enhanced = self.enhanced
        mem_write = self.machine.mem_write
        events = 0
        last = len(descs) - 1
        ts = (end // 1000) & 0xFFFFFFFF if self.reg("ENET_ATCR") & ATCR_EN else 0
        for i, (daddr, bd) in enumerate(descs):
            bd.sc &= ~BD_ENET_TX_READY
            bd.store(mem_write, daddr, "sc")
            if enhanced:
                bd.bdu = BD_ENET_BDU if i == last else 0
                bd.ts = ts if bd.esc & BD_ENET_TX_TS else 0
                bd.store(mem_write, daddr, "bdu", "ts")
            if not enhanced or bd.esc & BD_ENET_TX_INT:
                events |= FEC_ENET_TXB | (FEC_ENET_TXF_0 if i == last else 0)
        self._tx_ptr = next_ptr
        self.tx_frames.append((end, frame))
        self.tx_packets += 1
        self.tx_bytes += wire_len
        self._mib_frame("RMON_T_", wire_len, frame[:6].ljust(6, b"\0"))
        self._mib("IEEE_T_FRAME_OK")
        self._mib("IEEE_T_OCTETS_OK", wire_len)
        if self.on_tx is not None:
            self.on_tx(frame)
        if events:
            self._raise(events)
        self._tx_start(end)

    # -- MDIO -------------------------------------------------------------------------
    def _mii_done(self) -> None:
        self._mii_event = None
        mmfr = self.reg("ENET_MMFR")
        pa, ra = (mmfr >> 23) & 0x1F, (mmfr >> 18) & 0x1F
        op = mmfr & (3 << 28)
        if mmfr & (3 << 30) == MMFR_ST_C22:
            if op == MMFR_OP_READ:
                data = self.phy.read(ra) if pa == self.phy_addr else 0xFFFF
                self._v["ENET_MMFR"][0] = (mmfr & 0xFFFF0000) | data
            elif op == MMFR_OP_WRITE and pa == self.phy_addr:
                self.phy.write(ra, mmfr & 0xFFFF)
        elif op & (2 << 28):  # clause 45 read: no clause-45 device answers
            self._v["ENET_MMFR"][0] = (mmfr & 0xFFFF0000) | 0xFFFF
        self._raise(FEC_ENET_MII)

    # -- registers: behaviour (masks, read-only and w1c bits are in REGS) --------------
    def write_ENET_EIR(self, cpu: int, index: int, value: int) -> None:
        v = self._v
        eir = v["ENET_EIR"]
        eir[0] &= ~value
        pending = eir[0] & v["ENET_EIMR"][0]  # _update_irq, when a line would change
        if (pending != 0) != self.irq.level or (pending & EIR_1588 != 0) != self.irq_1588.level:
            self._update_irq()

    def write_ENET_EIMR(self, cpu: int, index: int, value: int) -> None:
        self._v["ENET_EIMR"][0] = value
        self._update_irq()

    def write_ENET_RDAR(self, cpu: int, index: int, value: int) -> None:
        v = self._v
        if v["ENET_ECR"][0] & ECR_ETHEREN:
            v["ENET_RDAR"][0] = ACTIVE
            ring = self._ring  # _check_rx_ring, its native view's fetch written out
            sc = ring.sc(self._rx_ptr) if ring else -2
            if sc == -2:
                self._check_rx_ring()
            elif not sc & BD_ENET_RX_EMPTY:
                v["ENET_RDAR"][0] = 0

    def write_ENET_TDAR(self, cpu: int, index: int, value: int) -> None:
        if self.reg("ENET_ECR") & ECR_ETHEREN:
            self._v["ENET_TDAR"][0] = ACTIVE
            if self._tx_event is None:
                self._tx_start(self.machine.now(cpu))

    def write_ENET_ECR(self, cpu: int, index: int, value: int) -> None:
        if value & ECR_RESET:
            self._hw_reset()
            return
        was = self.reg("ENET_ECR")
        self.regs.store("ENET_ECR", 0, value)
        if not value & ECR_ETHEREN:
            self._stop_dma()
        elif not was & ECR_ETHEREN:
            self._rx_ptr, self._tx_ptr = self.reg("ENET_ERDSR"), self.reg("ENET_ETDSR")

    def write_ENET_MMFR(self, cpu: int, index: int, value: int) -> None:
        self._v["ENET_MMFR"][0] = value
        if self._mii_event is not None:
            self._mii_event.cancel()
            self._mii_event = None
        mii_speed = (self.reg("ENET_MSCR") >> 1) & 0x3F
        if mii_speed == 0:
            return  # MDC off: the frame never completes
        bits = 32 if self.reg("ENET_MSCR") & (1 << 7) else 64  # DIS_PRE drops the preamble
        cycles = bits * (mii_speed + 1) * 2
        when = self.machine.now(cpu) + -(-cycles * PS_PER_S // self.ipg_hz)
        self._mii_event = self.machine.schedule(when, self._mii_done, f"{self.name}.mii")

    def write_ENET_MIBC(self, cpu: int, index: int, value: int) -> None:
        self.regs.store("ENET_MIBC", 0, value)
        if value & MIBC_CLEAR:
            for _off, name in MIB_COUNTERS:
                self._v[name][0] = 0

    def write_ENET_TCR(self, cpu: int, index: int, value: int) -> None:
        old = self.reg("ENET_TCR")
        self._v["ENET_TCR"][0] = value
        if value & TCR_GTS and self._tx_event is None:
            self._raise(FEC_ENET_GRA)  # nothing in flight: stopped at once
        elif old & TCR_GTS and not value & TCR_GTS and self.reg("ENET_TDAR"):
            if self._tx_event is None:
                self._tx_start(self.machine.now(cpu))

    def write_ENET_PALR(self, cpu: int, index: int, value: int) -> None:
        self._v["ENET_PALR"][0] = value
        self._update_mac()

    def write_ENET_PAUR(self, cpu: int, index: int, value: int) -> None:
        self.regs.store("ENET_PAUR", 0, value)
        self._update_mac()

    def write_ENET_ERDSR(self, cpu: int, index: int, value: int) -> None:
        self._v["ENET_ERDSR"][0] = self._rx_ptr = value

    def write_ENET_ETDSR(self, cpu: int, index: int, value: int) -> None:
        self._v["ENET_ETDSR"][0] = self._tx_ptr = value

    # -- reset -------------------------------------------------------------------------
    def _stop_dma(self) -> None:
        """ETHEREN cleared: reception stops, the uDMA and its ring pointers reset."""
        self._tx_cancel()
        self._v["ENET_RDAR"][0] = 0
        self._v["ENET_TDAR"][0] = 0
        self._rx_ptr, self._tx_ptr = self.reg("ENET_ERDSR"), self.reg("ENET_ETDSR")

    def _hw_reset(self) -> None:
        """ECR.RESET: every register back to its reset value (the PHY is separate)."""
        self._tx_cancel()
        if self._mii_event is not None:
            self._mii_event.cancel()
            self._mii_event = None
        self.regs.reset()
        self._update_mac()
        self._rx_ptr = self._tx_ptr = 0
        self._tx_busy_until = 0
        self._update_irq()

    def reset(self) -> None:
        self._hw_reset()
        self.phy.reset()
