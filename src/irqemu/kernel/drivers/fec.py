"""The i.MX FEC Ethernet driver (drivers/net/ethernet/freescale/fec_main.c, 4.6), modelled.

Receive path only, queue 0, the enhanced (32-byte ``bufdesc_ex``) descriptors i.MX6
uses:

- :func:`fec_probe`: ``netif_napi_add(fec_enet_rx_napi, NAPI_POLL_WEIGHT)`` and
  ``request_irq(irq, fec_enet_interrupt, 0, "2188000.ethernet", ndev)``.
- :func:`fec_enet_open`: the rings in guest RAM at a fixed DMA region (RX: EMPTY
  with ``cbd_esc = BD_ENET_RX_INT``, the last with WRAP; TX: empty, WRAP on the
  last), ``fec_restart`` through ChipIO (ECR reset, station address, EIR cleared,
  ERDSR/ETDSR/EMRBR, RCR, TCR, ECR = ETHEREN | EN1588 | SPEED | DBSWP, RDAR,
  EIMR = FEC_DEFAULT_IMASK), ``napi_enable``; the link is taken as up (phylib's
  adjust_link ran: 1000/Full).
- :func:`fec_enet_interrupt`: read EIR and write it back (write 1 to clear),
  collect RXF/TXF into ``work_rx``/``work_tx``; with work and link: IRQ_HANDLED
  and, if ``napi_schedule_prep``: EIMR = FEC_NAPI_IMASK and ``__napi_schedule``.
  MII -> IRQ_HANDLED. Otherwise IRQ_NONE.
- :func:`fec_enet_rx_napi`: ``pkts = fec_enet_rx(budget)``; ``fec_enet_tx``; if
  pkts < budget: ``napi_complete`` and EIMR = FEC_DEFAULT_IMASK.
- :func:`fec_enet_rx_queue`: while the current descriptor is not EMPTY and fewer
  than ``budget`` frames: ack RXF in EIR, check the error bits (LAST must be set),
  length - 4 (FCS), ``napi_gro_receive``, then give the descriptor back (stats
  bits cleared, EMPTY set, WRAP kept, ``cbd_esc = BD_ENET_RX_INT``, prot/bdu 0),
  advance, write RDAR.

Descriptors and buffers are read and written through a :class:`MemIO` (on the
board: :class:`irqemu.kernel.platform.MachineMemIO`, which charges each access and
lets the FEC's uDMA catch up before a descriptor is read); registers through
:class:`~irqemu.kernel.context.ChipIO`. Per-frame CPU work the model does not
perform (DMA sync, skb allocation and copybreak copy, eth_type_trans) is charged
as :data:`RX_FRAME_CYCLES`.

Not modelled: RX queues 1 and 2, TX (``fec_enet_tx`` only reaps nothing), PTP
timestamps, RACC.SHIFT16, checksum offload, VLAN, multi-buffer frames (frames
are at most EMRBR = 1520 bytes: one descriptor each).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from irqemu.hw.imx_fec import (
    BD_BUFADDR,
    BD_DATLEN_SC,
    BD_ENET_BDU,
    BD_ENET_RX_CL,
    BD_ENET_RX_CR,
    BD_ENET_RX_EMPTY,
    BD_ENET_RX_INT,
    BD_ENET_RX_LAST,
    BD_ENET_RX_LG,
    BD_ENET_RX_NO,
    BD_ENET_RX_OV,
    BD_ENET_RX_SH,
    BD_ENET_RX_STATS,
    BD_ENET_RX_WRAP,
    BD_ENET_TX_INT,
    BD_ENET_TX_WRAP,
    BD_ESC_PROT_BDU,
    BD_OFF_BUFADDR,
    BD_OFF_ESC,
    BD_OFF_SC,
    BD_SC,
    BUFDESC_EX_SIZE,
    ECR_DBSWP,
    ECR_EN1588,
    ECR_ETHEREN,
    ECR_RESET,
    ECR_SPEED,
    FEC_ADDR_HIGH,
    FEC_ADDR_LOW,
    FEC_DEFAULT_IMASK,
    FEC_DEFAULT_IMASK_4_6,
    FEC_ECNTRL,
    FEC_ENET_MII,
    FEC_ENET_RXF,
    FEC_ENET_RXF_0,
    FEC_ENET_RXF_1,
    FEC_ENET_RXF_2,
    FEC_ENET_TXF_0,
    FEC_ENET_TXF_1,
    FEC_ENET_TXF_2,
    FEC_IEVENT,
    FEC_IMASK,
    FEC_NAPI_IMASK,
    FEC_R_BUFF_SIZE_0,
    FEC_R_CNTRL,
    FEC_R_DES_ACTIVE_0,
    FEC_R_DES_START_0,
    FEC_X_CNTRL,
    FEC_X_DES_START_0,
    PAUR_TYPE,
    RCR_FCE,
    RCR_MAX_FL_SHIFT,
    RCR_MII_MODE,
    RCR_RGMII,
    TCR_FDEN,
    BufDesc,
)
from irqemu.kernel.context import ChipIO, kfunc
from irqemu.kernel.costs import estimate, kernel_cost_table, linux_basis
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE
from irqemu.kernel.napi import (
    NAPI_POLL_WEIGHT,
    NapiStruct,
    napi_complete,
    napi_enable,
    napi_gro_receive,
    napi_schedule_core,
    napi_schedule_prep,
    netif_napi_add,
)

if TYPE_CHECKING:
    from irqemu.kernel import Kernel

try:  # the RX ring on a typed native view (the Python loop is the reference)
    from irqemu._core.fecring import DescRing
except ImportError:  # pragma: no cover - a tree without built extensions
    DescRing = None

#: fec_enet_rx_queue's descriptor loop: "native" (``_core.fecring``, on the board's
#: RAM) or "reference" (the MemIO accesses in Python)
RX_PATH = "native"

ENET_BASE = 0x02188000
FEC_IRQ_NAME = "2188000.ethernet"
RX_RING_SIZE = 512  #: FEC_ENET_RX_PAGES (256) * FEC_ENET_RX_FRPPG (2)
TX_RING_SIZE = 512
FEC_ENET_RX_FRSIZE = 2048
PKT_MAXBLR_SIZE = 1520  #: EMRBR
PKT_MAXBUF_SIZE = 1522  #: RCR.MAX_FL
ETH_FCS_LEN = 4

#: the fixed DMA region in guest RAM (the imx6q board's DDR, 128 MiB in, far from
#: kernel.elf's image and stacks): RX ring, TX ring, RX buffers
DMA_BASE = 0x18000000


def _fm(fn: str) -> str:
    return linux_basis(f"drivers/net/ethernet/freescale/fec_main.c {fn}()")


#: name -> KernelCost, merged into ``kernel.costs`` by :func:`fec_probe`
FEC_COSTS = kernel_cost_table("FEC_COSTS", {
    "fec_enet_interrupt": estimate(40, "collect events, link test (excluding the MMIO)",
                                   _fm("fec_enet_interrupt")),
    "fec_enet_rx_napi": estimate(25, "netdev_priv, the fec_enet_rx and fec_enet_tx "
                                 "calls, the budget test and napi_complete call (the "
                                 "IMASK write charged as MMIO), ~25 instructions",
                                 _fm("fec_enet_rx_napi")),
    "fec_enet_rx_queue": estimate(40, "per call: queue lookup, ring pointers",
                                  _fm("fec_enet_rx_queue")),
    "fec_enet_tx": estimate(60, "per call: the dirty_tx walk finding nothing to reap",
                            _fm("fec_enet_tx(), fec_enet_tx_queue")),
})

#: work the model charges per frame without doing it step by step
#: ("<function>/<unit>"; charged where the function runs, not merged into kernel.costs)
FEC_WORK_COSTS = kernel_cost_table("FEC_WORK_COSTS", {
    "fec_enet_rx_queue/frame": estimate(
        700, "per received frame, what fec_enet_rx_queue does that the model does not "
        "step through: dma_sync_single_for_cpu of the buffer (cache line invalidates), "
        "fec_enet_copybreak (netdev_alloc_skb + a 60-byte memcpy for small frames), "
        "skb_put, eth_type_trans, the error/stat bookkeeping (~700 instructions)",
        _fm("fec_enet_rx_queue")),
})
RX_FRAME_CYCLES = FEC_WORK_COSTS["fec_enet_rx_queue/frame"].cycles


class MemIO(Protocol):
    """Model code's access to guest memory (``KernelPlatform.mem`` on the board)."""

    def read(self, cpu: int, addr: int, size: int) -> bytes: ...

    def write(self, cpu: int, addr: int, data: bytes) -> None: ...


@runtime_checkable
class DmaMemIO(MemIO, Protocol):
    """A :class:`MemIO` that bus masters write behind the running core's back (the
    board's ``MachineMemIO``): ``catch_up()`` lets them write what is due by now."""

    def catch_up(self) -> None: ...


@dataclass
class FecStats:
    """``ndev->stats`` (the receive half) and the model's own counters."""

    rx_packets: int = 0
    rx_bytes: int = 0
    rx_errors: int = 0
    rx_length_errors: int = 0
    rx_crc_errors: int = 0
    rx_frame_errors: int = 0
    rx_fifo_errors: int = 0
    #: fec_enet_interrupt calls, and how they returned / what they did
    interrupts: int = 0
    irq_none: int = 0
    napi_scheduled: int = 0
    #: fec_enet_rx_napi calls, completions (unmasks); frames per poll as a histogram
    #: (frames -> polls) and the most recent polls in order, both bounded however long
    #: a run goes
    polls: int = 0
    completes: int = 0
    poll_work: Counter[int] = field(default_factory=Counter)
    recent_poll_work: deque[int] = field(default_factory=lambda: deque(maxlen=64))


@dataclass(eq=False)
class FecEnetPrivate:
    """``struct fec_enet_private`` (netdev_priv of the ``eth0`` net_device)."""

    kernel: Kernel
    io: ChipIO
    mem: MemIO
    hwp: int = ENET_BASE
    irq: int = 0
    name: str = "eth0"
    mac: bytes = b"\x00\x04\x9f\x01\x02\x03"
    dma_base: int = DMA_BASE
    rx_ring_size: int = RX_RING_SIZE
    tx_ring_size: int = TX_RING_SIZE
    link: bool = False
    work_rx: int = 0
    work_tx: int = 0
    cur_rx: int = 0  #: index of the next RX descriptor to look at
    napi: NapiStruct | None = None
    opened: bool = False
    stats: FecStats = field(default_factory=FecStats)
    #: True: read/write the whole frame buffer (slower host-side, same charges)
    copy_frames: bool = True
    #: ``mem.catch_up`` if ``mem`` is a :class:`DmaMemIO`, else None (a plain memory)
    catch_up: Callable[[], None] | None = field(init=False, repr=False)
    #: the native view of the RX ring (``_core.fecring``), made at the first poll when
    #: ``mem`` is the board's MachineMemIO and the RAM view covers the ring; False: the
    #: Python loop (the reference; ``RX_PATH``)
    rx_ring_view: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.catch_up = self.mem.catch_up if isinstance(self.mem, DmaMemIO) else None

    @property
    def rx_bd_base(self) -> int:
        return self.dma_base

    @property
    def tx_bd_base(self) -> int:
        return self.dma_base + self.rx_ring_size * BUFDESC_EX_SIZE

    @property
    def rx_buf_base(self) -> int:
        return (self.tx_bd_base + self.tx_ring_size * BUFDESC_EX_SIZE + 0xFFFF) & ~0xFFFF

    def rx_buf(self, index: int) -> int:
        return self.rx_buf_base + index * FEC_ENET_RX_FRSIZE

    def default_imask(self) -> int:
        return FEC_DEFAULT_IMASK if self.kernel.config.v6 else FEC_DEFAULT_IMASK_4_6

    def readl(self, off: int) -> int:
        return self.io.read32(self.kernel.ops.smp_processor_id(), self.hwp + off)

    def writel(self, value: int, off: int) -> None:
        self.io.write32(self.kernel.ops.smp_processor_id(), self.hwp + off, value)


# -- probe / open ----------------------------------------------------------------------
def fec_probe(kernel: Kernel, io: ChipIO, mem: MemIO, irq: int, *, hwp: int = ENET_BASE,
              dma_base: int = DMA_BASE, rx_ring_size: int = RX_RING_SIZE,
              name: str = FEC_IRQ_NAME) -> FecEnetPrivate:
    """fec_probe: private data, NAPI instance, the interrupt line (devm_request_irq)."""
    if not 2 <= rx_ring_size <= 4096:
        raise ValueError(f"RX ring of {rx_ring_size} descriptors: 2..4096")
    for n, c in FEC_COSTS.items():
        kernel.costs.setdefault(n, c.cycles)
    fep = FecEnetPrivate(kernel, io, mem, hwp=hwp, irq=irq, dma_base=dma_base,
                         rx_ring_size=rx_ring_size)
    fep.napi = netif_napi_add(kernel, fep, fec_enet_rx_napi, NAPI_POLL_WEIGHT, fep.name)
    ret = kernel.request_irq(irq, fec_enet_interrupt, 0, name, fep)
    if ret:
        raise RuntimeError(f"fec_probe: request_irq({irq}) failed: {ret}")
    return fep


def fec_enet_alloc_buffers(fep: FecEnetPrivate) -> None:
    """fec_enet_alloc_rxq_buffers / _txq_bufs, and fec_enet_bd_init."""
    cpu = fep.kernel.ops.smp_processor_id()
    res0 = bytes(BUFDESC_EX_SIZE - len(BufDesc().pack()))  # the whole descriptor, zeroed
    for i in range(fep.rx_ring_size):
        sc = BD_ENET_RX_EMPTY | (BD_ENET_RX_WRAP if i == fep.rx_ring_size - 1 else 0)
        bd = BufDesc(sc=sc, bufaddr=fep.rx_buf(i), esc=BD_ENET_RX_INT)
        fep.mem.write(cpu, fep.rx_bd_base + i * BUFDESC_EX_SIZE, bd.pack() + res0)
    for i in range(fep.tx_ring_size):
        sc = BD_ENET_TX_WRAP if i == fep.tx_ring_size - 1 else 0
        bd = BufDesc(sc=sc, esc=BD_ENET_TX_INT)
        fep.mem.write(cpu, fep.tx_bd_base + i * BUFDESC_EX_SIZE, bd.pack() + res0)
    fep.cur_rx = 0


def fec_restart(fep: FecEnetPrivate) -> None:
    """fec_restart (i.MX6, RGMII, 1000/Full): reset, program, enable, activate RX."""
    fep.writel(ECR_RESET, FEC_ECNTRL)
    mac = fep.mac
    fep.writel(int.from_bytes(mac[0:4], "big"), FEC_ADDR_LOW)
    fep.writel(int.from_bytes(mac[4:6], "big") << 16 | PAUR_TYPE, FEC_ADDR_HIGH)
    fep.writel(0xFFFFFFFF, FEC_IEVENT)
    fep.writel(fep.rx_bd_base, FEC_R_DES_START_0)
    fep.writel(fep.tx_bd_base, FEC_X_DES_START_0)
    fep.writel(PKT_MAXBLR_SIZE, FEC_R_BUFF_SIZE_0)
    fep.writel(TCR_FDEN, FEC_X_CNTRL)
    fep.writel(PKT_MAXBUF_SIZE << RCR_MAX_FL_SHIFT | RCR_MII_MODE | RCR_RGMII | RCR_FCE,
               FEC_R_CNTRL)
    fep.writel(ECR_ETHEREN | ECR_EN1588 | ECR_SPEED | ECR_DBSWP, FEC_ECNTRL)
    fep.writel(0, FEC_R_DES_ACTIVE_0)  # fec_enet_active_rxring
    fep.writel(fep.default_imask() if fep.link else FEC_ENET_MII, FEC_IMASK)


@kfunc(stack=False)
def fec_enet_open(fep: FecEnetPrivate) -> None:
    """fec_enet_open: buffers, (phy connect: link up), fec_restart, napi_enable."""
    fep.kernel.fentry(..., fep)
    fec_enet_alloc_buffers(fep)
    fep.link = True  # phylib's fec_enet_adjust_link: link up, 1000/Full
    fec_restart(fep)
    assert fep.napi is not None
    napi_enable(fep.kernel, fep.napi)
    fep.opened = True


# -- interrupt --------------------------------------------------------------------------
def fec_enet_collect_events(fep: FecEnetPrivate, int_events: int) -> bool:
    """(static) RXF_0 -> work_rx bit 2 (queue 0), RXF_1 -> bit 0, RXF_2 -> bit 1; TXF alike."""
    if not int_events:
        return False
    if int_events & FEC_ENET_RXF_0:
        fep.work_rx |= 1 << 2
    if int_events & FEC_ENET_RXF_1:
        fep.work_rx |= 1 << 0
    if int_events & FEC_ENET_RXF_2:
        fep.work_rx |= 1 << 1
    if int_events & FEC_ENET_TXF_0:
        fep.work_tx |= 1 << 2
    if int_events & FEC_ENET_TXF_1:
        fep.work_tx |= 1 << 0
    if int_events & FEC_ENET_TXF_2:
        fep.work_tx |= 1 << 1
    return True


@kfunc()
def fec_enet_interrupt(irq: int, fep: FecEnetPrivate) -> int:
    k = fep.kernel
    k.fentry(..., irq)
    fep.stats.interrupts += 1
    ret = IRQ_NONE
    int_events = fep.readl(FEC_IEVENT)
    fep.writel(int_events, FEC_IEVENT)
    fec_enet_collect_events(fep, int_events)
    if (fep.work_tx or fep.work_rx) and fep.link:
        ret = IRQ_HANDLED
        assert fep.napi is not None
        if napi_schedule_prep(k, fep.napi):
            fep.writel(FEC_NAPI_IMASK, FEC_IMASK)  # disable the NAPI interrupts
            fep.stats.napi_scheduled += 1
            napi_schedule_core(k, fep.napi)
    if int_events & FEC_ENET_MII:
        ret = IRQ_HANDLED  # complete(&fep->mdio_done)
    if ret == IRQ_NONE:
        fep.stats.irq_none += 1
    return ret


# -- NAPI poll ----------------------------------------------------------------------------
@kfunc()
def fec_enet_rx_napi(napi: NapiStruct, budget: int) -> int:
    fep: FecEnetPrivate = napi.dev
    k = fep.kernel
    k.fentry(..., budget)
    fep.stats.polls += 1
    pkts = fec_enet_rx(fep, budget)
    fec_enet_tx(fep)
    fep.stats.poll_work[pkts] += 1
    fep.stats.recent_poll_work.append(pkts)
    if pkts < budget:
        napi_complete(k, napi)
        fep.writel(fep.default_imask(), FEC_IMASK)
        fep.stats.completes += 1
    return pkts


def fec_enet_rx(fep: FecEnetPrivate, budget: int) -> int:
    """(static, inlined) for each queue with work_rx set: fec_enet_rx_queue; a queue
    that returned less than what was left has its work_rx bit cleared."""
    pkt_received = 0
    for bit in (0, 1, 2):
        if not fep.work_rx >> bit & 1:
            continue
        queue_id = 0 if bit == 2 else bit + 1  # FEC_ENET_GET_QUQUE
        left = budget - pkt_received
        ret = fec_enet_rx_queue(fep, left, queue_id) if queue_id == 0 else 0
        if ret < left:
            fep.work_rx &= ~(1 << bit)
        pkt_received += ret
    return pkt_received


def _rx_ring_view(fep: FecEnetPrivate) -> Any:
    """A native ring view over the RAM region holding the RX ring and its buffers, or
    False: no native module, ``RX_PATH`` is the reference, ``mem`` is not the board's
    (no RAM view, or its engine is the reference), or the ring lies elsewhere."""
    view = False
    mem = fep.mem
    machine = getattr(mem, "machine", None)
    ram_view = getattr(machine, "ram_view", None)
    if (RX_PATH == "native" and DescRing is not None and ram_view is not None
            and getattr(mem, "access_cycles", None) is not None
            and getattr(machine, "engine", "") != "reference"):
        hit = ram_view(fep.rx_bd_base, fep.rx_ring_size * BUFDESC_EX_SIZE)
        if hit is not None:
            view = DescRing(hit[1], hit[0], empty=BD_ENET_RX_EMPTY, wrap=BD_ENET_RX_WRAP,
                            last=BD_ENET_RX_LAST, keep=0xFFFF, esc_int=BD_ENET_RX_INT,
                            bdu=BD_ENET_BDU)
    fep.rx_ring_view = view
    return view


@kfunc()
def fec_enet_rx_queue(fep: FecEnetPrivate, budget: int, queue_id: int) -> int:
    """Each descriptor is moved as the driver's loads and stores move it, one
    :class:`MemIO` access each (cbd_datlen and cbd_sc together, cbd_bufaddr, the
    frame; cbd_esc..cbd_bdu, then cbd_sc), through the typed records of
    :mod:`irqemu.hw.imx_fec`; on the board, through the native ring view with the
    same charges (:func:`_rx_queue_view`)."""
    k = fep.kernel
    k.fentry(..., budget, queue_id)
    view = fep.rx_ring_view
    if view is None:
        view = _rx_ring_view(fep)
    if view:
        return _rx_queue_view(fep, budget, view)
    ops = k.ops
    cpu = ops.smp_processor_id()
    mem = fep.mem
    read, write = mem.read, mem.write
    catch_up = fep.catch_up
    napi = fep.napi
    assert napi is not None
    st = fep.stats
    pkt_received = 0
    size = fep.rx_ring_size
    write32 = fep.io.write32
    ievent, rdar = fep.hwp + FEC_IEVENT, fep.hwp + FEC_R_DES_ACTIVE_0
    rx_bd_base = fep.rx_bd_base
    given_back = BD_ESC_PROT_BDU.pack(BD_ENET_RX_INT, 0, 0)  # esc, prot, bdu

    while True:
        if catch_up is not None:
            catch_up()  # the uDMA has kept filling the ring while the CPU worked
        bdp = rx_bd_base + fep.cur_rx * BUFDESC_EX_SIZE
        datlen, status = BD_DATLEN_SC.unpack(read(cpu, bdp, BD_DATLEN_SC.size))
        if status & BD_ENET_RX_EMPTY:
            break
        if pkt_received >= budget:
            break
        pkt_received += 1
        write32(cpu, ievent, FEC_ENET_RXF)
        status ^= BD_ENET_RX_LAST  # LAST must be set: the xor clears it
        if status & (BD_ENET_RX_LG | BD_ENET_RX_SH | BD_ENET_RX_CR | BD_ENET_RX_OV
                     | BD_ENET_RX_LAST | BD_ENET_RX_CL):
            _count_rx_error(st, status)
        else:
            st.rx_packets += 1
            st.rx_bytes += datlen
            pkt_len = datlen - ETH_FCS_LEN
            ops.charge(RX_FRAME_CYCLES)
            if fep.copy_frames:
                bufaddr = BD_BUFADDR.unpack(read(cpu, bdp + BD_OFF_BUFADDR, BD_BUFADDR.size))[0]
                skb = read(cpu, bufaddr, pkt_len)
            else:
                skb = b""
            napi_gro_receive(k, napi, skb)
        # rx_processing_done: give the descriptor back to the uDMA
        status &= ~BD_ENET_RX_STATS & 0xFFFF
        status |= BD_ENET_RX_EMPTY
        write(cpu, bdp + BD_OFF_ESC, given_back)
        write(cpu, bdp + BD_OFF_SC, BD_SC.pack(status & 0xFFFF))
        fep.cur_rx = (fep.cur_rx + 1) % size if not status & BD_ENET_RX_WRAP else 0
        write32(cpu, rdar, 0)
    return pkt_received


def _count_rx_error(st: FecStats, status: int) -> None:
    """fec_enet_rx_queue's error accounting of one bad descriptor (LAST already flipped)."""
    st.rx_errors += 1
    if status & BD_ENET_RX_OV:
        st.rx_fifo_errors += 1
    elif status & (BD_ENET_RX_LG | BD_ENET_RX_SH | BD_ENET_RX_LAST):
        st.rx_length_errors += 1
    elif status & BD_ENET_RX_CR:
        st.rx_crc_errors += 1
    elif status & (BD_ENET_RX_NO | BD_ENET_RX_CL):
        st.rx_frame_errors += 1


def _rx_queue_view(fep: FecEnetPrivate, budget: int, view: Any) -> int:
    """fec_enet_rx_queue's loop on the native ring view: the same descriptor loads and
    stores, each charging the MemIO's ``access_cycles`` to the core the MemIO charges
    (its pinned core, else the machine's current one), in the same order relative to
    every MMIO access, catch-up and packet hand-off as the reference loop."""
    k = fep.kernel
    ops = k.ops
    cpu = ops.smp_processor_id()
    mem = fep.mem
    machine = mem.machine  # type: ignore[attr-defined]
    access = mem.access_cycles  # type: ignore[attr-defined]
    read = mem.read
    catch_up = fep.catch_up
    napi = fep.napi
    assert napi is not None
    st = fep.stats
    pkt_received = 0
    size = fep.rx_ring_size
    write32 = fep.io.write32
    ievent, rdar = fep.hwp + FEC_IEVENT, fep.hwp + FEC_R_DES_ACTIVE_0
    rx_bd_base = fep.rx_bd_base
    copy_frames = fep.copy_frames
    errors = (BD_ENET_RX_LG | BD_ENET_RX_SH | BD_ENET_RX_CR | BD_ENET_RX_OV | BD_ENET_RX_LAST
              | BD_ENET_RX_CL)
    keep = ~BD_ENET_RX_STATS & 0xFFFF
    io = fep.io
    writer32 = getattr(io, "writer32", None)  # MachineChipIO's: IEVENT and RDAR direct
    w_ievent = None if writer32 is None else writer32(ievent)
    w_rdar = None if writer32 is None else writer32(rdar)
    mmio_cost = getattr(io, "mmio_cost", 0)

    while True:
        if catch_up is not None:
            catch_up()  # the uDMA has kept filling the ring while the CPU worked
        bdp = rx_bd_base + fep.cur_rx * BUFDESC_EX_SIZE
        slot = mem.pinned or machine.current_cpu  # type: ignore[attr-defined]
        if slot is not None:
            slot.core.cycles += access
        r = view.take(bdp)
        datlen, status = r >> 16, r & 0xFFFF
        if status & BD_ENET_RX_EMPTY:
            break
        if pkt_received >= budget:
            break
        pkt_received += 1
        if w_ievent is None:
            write32(cpu, ievent, FEC_ENET_RXF)
        else:  # write32, written out: the charge, then the register's handler
            slot = io.pinned or machine.current_cpu  # type: ignore[attr-defined]
            if slot is not None:
                slot.core.cycles += mmio_cost
            w_ievent[0](cpu, w_ievent[1], FEC_ENET_RXF & w_ievent[2])
        status ^= BD_ENET_RX_LAST  # LAST must be set: the xor clears it
        if status & errors:
            _count_rx_error(st, status)
        else:
            st.rx_packets += 1
            st.rx_bytes += datlen
            pkt_len = datlen - ETH_FCS_LEN
            if copy_frames:
                skb = view.frame(bdp, pkt_len)
                if skb is None:  # a buffer outside the view: the MemIO's own accesses
                    ops.charge(RX_FRAME_CYCLES)
                    bufaddr = BD_BUFADDR.unpack(read(cpu, bdp + BD_OFF_BUFADDR,
                                                     BD_BUFADDR.size))[0]
                    skb = read(cpu, bufaddr, pkt_len)
                else:
                    ops.charge(RX_FRAME_CYCLES + 2 * access)
            else:
                ops.charge(RX_FRAME_CYCLES)
                skb = b""
            napi_gro_receive(k, napi, skb)
        # rx_processing_done: give the descriptor back to the uDMA (two stores)
        status = (status & keep) | BD_ENET_RX_EMPTY
        slot = mem.pinned or machine.current_cpu  # type: ignore[attr-defined]
        if slot is not None:
            slot.core.cycles += 2 * access
        view.give_back(bdp, BD_ENET_RX_INT, status)
        fep.cur_rx = (fep.cur_rx + 1) % size if not status & BD_ENET_RX_WRAP else 0
        if w_rdar is None:
            write32(cpu, rdar, 0)
        else:
            slot = io.pinned or machine.current_cpu  # type: ignore[attr-defined]
            if slot is not None:
                slot.core.cycles += mmio_cost
            w_rdar[0](cpu, w_rdar[1], 0)
    return pkt_received


@kfunc()
def fec_enet_tx(fep: FecEnetPrivate) -> None:
    """fec_enet_tx: for each queue with work_tx: reap sent descriptors (none: the
    model's driver does not transmit), clear the bit."""
    fep.kernel.fentry(...)
    fep.work_tx = 0


__all__ = [
    "DMA_BASE", "ENET_BASE", "FEC_COSTS", "FEC_IRQ_NAME", "FecEnetPrivate", "FecStats",
    "MemIO", "RX_FRAME_CYCLES", "RX_RING_SIZE", "fec_enet_interrupt", "fec_enet_open",
    "fec_enet_rx_napi", "fec_enet_rx_queue", "fec_enet_tx", "fec_probe", "fec_restart",
]
