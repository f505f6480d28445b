"""i.MX6 ENET ("FEC"): register offsets, register bits, interrupt events and the
buffer descriptor, as Linux's drivers/net/ethernet/freescale/fec.h (non-ColdFire
branch) and the i.MX6DQ reference manual (chapter 23, ENET) name them.

Register offsets carry fec.h's names (FEC_IEVENT is the manual's ENET_EIR,
FEC_IMASK its ENET_EIMR, ...); bit names follow the manual (``ECR_ETHEREN``).
:class:`BufDesc` is ``struct bufdesc_ex``, the enhanced 32-byte descriptor
(``struct bufdesc`` is its first 8 bytes).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

# -- register offsets (fec.h, non-ColdFire; manual name in the comment) -------------
FEC_IEVENT = 0x004  #: ENET_EIR, interrupt events (write 1 to clear)
FEC_IMASK = 0x008  #: ENET_EIMR
FEC_R_DES_ACTIVE_0 = 0x010  #: ENET_RDAR
FEC_X_DES_ACTIVE_0 = 0x014  #: ENET_TDAR
FEC_ECNTRL = 0x024  #: ENET_ECR
FEC_MII_DATA = 0x040  #: ENET_MMFR
FEC_MII_SPEED = 0x044  #: ENET_MSCR
FEC_MIB_CTRLSTAT = 0x064  #: ENET_MIBC
FEC_R_CNTRL = 0x084  #: ENET_RCR
FEC_X_CNTRL = 0x0C4  #: ENET_TCR
FEC_ADDR_LOW = 0x0E4  #: ENET_PALR
FEC_ADDR_HIGH = 0x0E8  #: ENET_PAUR
FEC_OPD = 0x0EC  #: ENET_OPD
FEC_HASH_TABLE_HIGH = 0x118  #: ENET_IAUR
FEC_HASH_TABLE_LOW = 0x11C  #: ENET_IALR
FEC_GRP_HASH_TABLE_HIGH = 0x120  #: ENET_GAUR
FEC_GRP_HASH_TABLE_LOW = 0x124  #: ENET_GALR
FEC_X_WMRK = 0x144  #: ENET_TFWR
FEC_R_BOUND = 0x14C  #: FRBR (FEC only)
FEC_R_FSTART = 0x150  #: FRSR (FEC only)
FEC_R_DES_START_0 = 0x180  #: ENET_ERDSR
FEC_X_DES_START_0 = 0x184  #: ENET_ETDSR
FEC_R_BUFF_SIZE_0 = 0x188  #: ENET_EMRBR
FEC_R_FIFO_RSFL = 0x190  #: ENET_RSFL
FEC_R_FIFO_RSEM = 0x194  #: ENET_RSEM
FEC_R_FIFO_RAEM = 0x198  #: ENET_RAEM
FEC_R_FIFO_RAFL = 0x19C  #: ENET_RAFL
FEC_X_FIFO_TSEM = 0x1A0  #: ENET_TSEM (fec.h: FEC_TX_FIFO_TSEM isn't named; manual)
FEC_X_FIFO_TAEM = 0x1A4  #: ENET_TAEM
FEC_X_FIFO_TAFL = 0x1A8  #: ENET_TAFL
FEC_X_IPG = 0x1AC  #: ENET_TIPG
FEC_FTRL = 0x1B0  #: ENET_FTRL
FEC_TACC = 0x1C0  #: ENET_TACC
FEC_RACC = 0x1C4  #: ENET_RACC
FEC_ATIME_CTRL = 0x400  #: ENET_ATCR
FEC_ATIME = 0x404  #: ENET_ATVR
FEC_ATIME_EVT_OFFSET = 0x408  #: ENET_ATOFF
FEC_ATIME_EVT_PERIOD = 0x40C  #: ENET_ATPER
FEC_ATIME_CORR = 0x410  #: ENET_ATCOR
FEC_ATIME_INC = 0x414  #: ENET_ATINC
FEC_TS_TIMESTAMP = 0x418  #: ENET_ATSTMP
FEC_TGSR = 0x604  #: ENET_TGSR, timer global status (write 1 to clear)
FEC_TCSR0 = 0x608  #: ENET_TCSRn at 0x608 + 8n
FEC_TCCR0 = 0x60C  #: ENET_TCCRn at 0x60C + 8n

# -- interrupt events: EIR / EIMR bits (fec.h) ---------------------------------------
FEC_ENET_HBERR = 0x80000000
FEC_ENET_BABR = 0x40000000
FEC_ENET_BABT = 0x20000000
FEC_ENET_GRA = 0x10000000
FEC_ENET_TXF_0 = 0x08000000
FEC_ENET_TXB = 0x04000000
FEC_ENET_RXF_0 = 0x02000000
FEC_ENET_RXB = 0x01000000
FEC_ENET_MII = 0x00800000
FEC_ENET_EBERR = 0x00400000
FEC_ENET_WAKEUP = 0x00020000
FEC_ENET_TS_AVAIL = 0x00010000
FEC_ENET_TS_TIMER = 0x00008000
FEC_ENET_RXF_1, FEC_ENET_RXF_2 = 0x00000002, 0x00000020
FEC_ENET_TXF_1, FEC_ENET_TXF_2 = 0x00000008, 0x00000080
FEC_ENET_TXF = FEC_ENET_TXF_0 | FEC_ENET_TXF_1 | FEC_ENET_TXF_2
FEC_ENET_RXF = FEC_ENET_RXF_0 | FEC_ENET_RXF_1 | FEC_ENET_RXF_2
#: Linux 4.6 (fec.h then): TXF | RXF | MII | TS_TIMER; later kernels: TXF | RXF.
FEC_DEFAULT_IMASK_4_6 = FEC_ENET_TXF | FEC_ENET_RXF | FEC_ENET_MII | FEC_ENET_TS_TIMER
FEC_DEFAULT_IMASK = FEC_ENET_TXF | FEC_ENET_RXF
FEC_NAPI_IMASK = FEC_ENET_MII | FEC_ENET_TS_TIMER
EIR_1588 = FEC_ENET_TS_AVAIL | FEC_ENET_TS_TIMER  #: the events on the "pps" line

# -- control register bits (reference manual) ---------------------------------------
RDAR_ACTIVE = 1 << 24  #: RDAR.RDAR / TDAR.TDAR: descriptors active
TDAR_ACTIVE = RDAR_ACTIVE
ECR_RESET, ECR_ETHEREN, ECR_MAGICEN, ECR_SLEEP = 1 << 0, 1 << 1, 1 << 2, 1 << 3
ECR_EN1588, ECR_SPEED, ECR_DBSWP = 1 << 4, 1 << 5, 1 << 8
ECR_RESET_VALUE = 0xF0000000  #: bits 31:28 read as 1
ECR_WRITABLE = 0x0FFF
RCR_LOOP, RCR_DRT, RCR_MII_MODE, RCR_PROM = 1 << 0, 1 << 1, 1 << 2, 1 << 3
RCR_BC_REJ, RCR_FCE, RCR_RGMII, RCR_RMII_10T = 1 << 4, 1 << 5, 1 << 6, 1 << 9
RCR_CRCFWD = 1 << 14
RCR_MAX_FL_SHIFT = 16
RCR_WRITABLE = 0x7FFFF37F  #: GRS (31) is read-only; 7, 10 and 11 reserved
TCR_GTS, TCR_FDEN = 1 << 0, 1 << 2
TCR_WRITABLE = 0x3FF
RACC_SHIFT16 = 1 << 7
RACC_WRITABLE = 0xC7  #: PADREM 0, IPDIS 1, PRODIS 2, LINEDIS 6, SHIFT16 7
MSCR_MII_SPEED_SHIFT, MSCR_DIS_PRE = 1, 1 << 7
MSCR_WRITABLE = 0x7FE  #: MII_SPEED 6:1, DIS_PRE 7, HOLDTIME 10:8
MIBC_DIS, MIBC_IDLE, MIBC_CLEAR = 1 << 31, 1 << 30, 1 << 29
MMFR_ST_C22 = 1 << 30
MMFR_OP_READ = 2 << 28
MMFR_OP_WRITE = 1 << 28
PAUR_TYPE = 0x8808  #: PAUR 15:0, read-only
OPD_OPCODE = 0x00010000  #: OPD 31:16, read-only
TFWR_WRITABLE = 0x13F  #: TFWR 5:0, STRFWD 8
EMRBR_WRITABLE = 0x3FF0  #: R_BUF_SIZE 13:4
FTRL_WRITABLE = 0x3FFF
DSR_RESERVED = 0x7  #: ERDSR/ETDSR 2:0: the rings are 64-bit aligned
TGSR_TF = 0xF  #: TGSR TF3..TF0, write 1 to clear
ATCR_EN = 1 << 0

# -- buffer descriptors (fec.h) ----------------------------------------------------
BD_ENET_RX_EMPTY = 0x8000
BD_ENET_RX_RO1 = 0x4000  #: software-owned (ENET reference manual)
BD_ENET_RX_WRAP = 0x2000
BD_ENET_RX_INTR = 0x1000  #: RO2, software-owned
BD_ENET_RX_LAST = 0x0800
BD_ENET_RX_FIRST = 0x0400
BD_ENET_RX_MISS = 0x0100
BD_ENET_RX_BC = 0x0080  #: broadcast (reference manual; QEMU ENET_BD_BC)
BD_ENET_RX_MC = 0x0040  #: multicast, not broadcast
BD_ENET_RX_LG = 0x0020
BD_ENET_RX_NO = 0x0010
BD_ENET_RX_SH = 0x0008
BD_ENET_RX_CR = 0x0004
BD_ENET_RX_OV = 0x0002
BD_ENET_RX_CL = 0x0001  #: TR (truncated) on the ENET
BD_ENET_RX_STATS = 0x013F
BD_ENET_RX_INT = 0x00800000  #: cbd_esc: generate RXB/RXF for this descriptor
BD_ENET_RX_VLAN = 0x00000004  #: cbd_esc: frame has a VLAN tag

BD_ENET_TX_READY = 0x8000
BD_ENET_TX_PAD = 0x4000
BD_ENET_TX_WRAP = 0x2000
BD_ENET_TX_INTR = 0x1000
BD_ENET_TX_LAST = 0x0800
BD_ENET_TX_TC = 0x0400
BD_ENET_TX_STATS = 0x0FFF
BD_ENET_TX_INT = 0x40000000  #: cbd_esc: generate TXB/TXF for this descriptor
BD_ENET_TX_TS = 0x20000000
BD_ENET_BDU = 0x80000000  #: cbd_bdu: last buffer descriptor update done

BUFDESC_SIZE = 8  #: struct bufdesc {u16 cbd_datlen; u16 cbd_sc; u32 cbd_bufaddr}
BUFDESC_EX_SIZE = 32  #: + u32 cbd_esc, cbd_prot, cbd_bdu, ts; u16 res0[4]

#: struct bufdesc_ex fields in order: (name, offsetof, struct format); res0[4]
#: (bytes 24-31) is reserved and not part of the record
BD_FIELDS = (
    ("datlen", 0, "H"), ("sc", 2, "H"), ("bufaddr", 4, "I"), ("esc", 8, "I"),
    ("prot", 12, "I"), ("bdu", 16, "I"), ("ts", 20, "I"),
)  # fmt: skip
_FIELD_INDEX = {name: i for i, (name, _off, _fmt) in enumerate(BD_FIELDS)}
_SPANS: dict[tuple[str, str], tuple[int, struct.Struct, tuple[str, ...]]] = {}

#: typed records of the descriptor's fields, for code that moves them without a
#: :class:`BufDesc` (a frame's DMA, the driver's per-frame loads and stores): each is
#: the run of fields it names, at the offset ``BD_OFF_<first field>``
BD_EX_RECORD = struct.Struct("<HHIIIII")  #: datlen .. ts (struct bufdesc_ex, less res0)
BD_RECORD = struct.Struct("<HHI")  #: datlen, sc, bufaddr (struct bufdesc)
BD_DATLEN_SC = struct.Struct("<HH")  #: cbd_datlen, cbd_sc (one load in fec_enet_rx_queue)
BD_SC = struct.Struct("<H")  #: cbd_sc
BD_BUFADDR = struct.Struct("<I")  #: cbd_bufaddr
BD_ESC_PROT_BDU = struct.Struct("<III")  #: cbd_esc, cbd_prot, cbd_bdu
BD_OFF_SC, BD_OFF_BUFADDR, BD_OFF_ESC = 2, 4, 8


def _span(first: str, last: str) -> tuple[int, struct.Struct, tuple[str, ...]]:
    """(offset, packer, field names) of the fields ``first`` .. ``last``, contiguous."""
    hit = _SPANS.get((first, last))
    if hit is None:
        fields = BD_FIELDS[_FIELD_INDEX[first] : _FIELD_INDEX[last] + 1]
        if not fields:
            raise ValueError(f"bufdesc_ex: {first} comes after {last}")
        fmt = "<" + "".join(f for _n, _o, f in fields)
        hit = _SPANS[(first, last)] = (fields[0][1], struct.Struct(fmt),
                                       tuple(n for n, _o, _f in fields))
    return hit


class BufDesc:
    """One buffer descriptor (``struct bufdesc_ex``; the legacy ``struct bufdesc`` is
    ``datlen``, ``sc`` and ``bufaddr``), as the MAC's uDMA and the driver see it.

    Memory is reached through callables: ``read(addr, size) -> bytes`` and
    ``write(addr, data)``, so the device (bus-master DMA) and the driver model
    (charged CPU loads and stores) both use it. A whole-record access is one
    memory access; ``load``/``store`` move a run of fields in one access, as the
    driver's separate field loads and stores do.

    Written out as ``@dataclass(slots=True)`` would make it (init, repr, eq): the
    dataclasses module (inspect, ast, dis) is a noticeable part of a boot's start-up.
    """

    __slots__ = ("datlen", "sc", "bufaddr", "esc", "prot", "bdu", "ts")
    __match_args__ = ("datlen", "sc", "bufaddr", "esc", "prot", "bdu", "ts")
    __hash__ = None  # type: ignore[assignment]  # mutable and compared by value

    def __init__(self, datlen: int = 0, sc: int = 0, bufaddr: int = 0, esc: int = 0,
                 prot: int = 0, bdu: int = 0, ts: int = 0) -> None:
        self.datlen = datlen  #: cbd_datlen
        self.sc = sc  #: cbd_sc: control and status (BD_ENET_RX_* / BD_ENET_TX_*)
        self.bufaddr = bufaddr  #: cbd_bufaddr
        self.esc = esc  #: cbd_esc: enhanced status and control
        self.prot = prot  #: cbd_prot
        self.bdu = bdu  #: cbd_bdu (BD_ENET_BDU)
        self.ts = ts  #: ts: the 1588 timestamp

    def _fields(self) -> tuple[int, ...]:
        return (self.datlen, self.sc, self.bufaddr, self.esc, self.prot, self.bdu, self.ts)

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.__slots__)
        return f"{type(self).__qualname__}({inner})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, BufDesc)
        return self._fields() == other._fields()

    @classmethod
    def read(cls, read: Callable[[int, int], bytes], addr: int, enhanced: bool = True) -> BufDesc:
        """The descriptor at ``addr`` (enhanced: 32 bytes; legacy: 8), in one access."""
        if enhanced:
            return cls(*BD_EX_RECORD.unpack(read(addr, BD_EX_RECORD.size)))
        return cls(*BD_RECORD.unpack(read(addr, BD_RECORD.size)))

    def write(self, write: Callable[[int, bytes], None], addr: int, enhanced: bool = True) -> None:
        """Write every field at ``addr`` in one access (res0 is left alone)."""
        write(addr, self.pack(enhanced))

    def pack(self, enhanced: bool = True) -> bytes:
        """The fields as bytes: 24 (enhanced, up to ``ts``) or 8 (legacy)."""
        if enhanced:
            return BD_EX_RECORD.pack(self.datlen, self.sc, self.bufaddr, self.esc, self.prot,
                                     self.bdu, self.ts)
        return BD_RECORD.pack(self.datlen, self.sc, self.bufaddr)

    def load(self, read: Callable[[int, int], bytes], addr: int, first: str,
             last: str | None = None) -> BufDesc:
        """Read fields ``first`` .. ``last`` (default: just ``first``) in one access."""
        off, packer, names = _span(first, last or first)
        for name, value in zip(names, packer.unpack(read(addr + off, packer.size)), strict=True):
            setattr(self, name, value)
        return self

    def store(self, write: Callable[[int, bytes], None], addr: int, first: str,
              last: str | None = None) -> None:
        """Write fields ``first`` .. ``last`` (default: just ``first``) in one access."""
        off, packer, names = _span(first, last or first)
        write(addr + off, packer.pack(*(getattr(self, n) for n in names)))


def ring_next(addr: int, sc: int, ring_start: int, size: int) -> int:
    """The descriptor after the one at ``addr``: back to ``ring_start`` after WRAP
    (BD_ENET_RX_WRAP and BD_ENET_TX_WRAP are the same bit)."""
    return ring_start if sc & BD_ENET_RX_WRAP else addr + size
