"""The e1000e driver (drivers/net/ethernet/intel/e1000e/netdev.c, 4.6) for an 82574L, modelled.

Receive path only, one RX queue, extended RX descriptors (``union
e1000_rx_desc_extended``, RFCTL.EXTEN) with one 2048-byte buffer each, as
e1000_configure_rx sets up a 1500-byte MTU:

- :func:`e1000_probe`: ``netif_napi_add(e1000e_poll, 64)``;
  ``e1000e_set_interrupt_capability``: MSI (``IntMode=1``, ``pci_enable_msi``)
  or legacy INTx; the watchdog and PHY are not modelled (the link is up, 1000/Full).
- :func:`e1000_open`: the ring in guest RAM (``e1000e_setup_rx_resources``),
  ``e1000_configure`` (``e1000_setup_rctl``, ``e1000_configure_rx``: RDTR/RADV,
  ITR from the InterruptThrottleRate default 3 = dynamic conservative, 20,000
  interrupts/s to start, IAME + IAM = ~0, the ring registers, RCTL.EN; then
  ``e1000_alloc_rx_buffers`` for every free descriptor), ``e1000_request_irq``
  (``e1000_intr_msi``, flags 0, or ``e1000_intr``, IRQF_SHARED, both named
  ``eth0``), ``napi_enable``, ``e1000_irq_enable`` (IMS = IMS_ENABLE_MASK).
- :func:`e1000_intr_msi`: read ICR (which auto-masks through IAM);
  ``napi_schedule_prep`` -> zero the ITR byte/packet totals, ``__napi_schedule``;
  IRQ_HANDLED. :func:`e1000_intr` (legacy): IRQ_NONE unless ICR has INT_ASSERTED.
- :func:`e1000e_poll`: ``e1000_clean_tx_irq`` (reaps nothing: no TX),
  ``adapter->clean_rx`` = :func:`e1000_clean_rx_irq`; under the weight:
  ``e1000_set_itr`` (dynamic ITR), ``napi_complete_done``, ``e1000_irq_enable``.
- :func:`e1000_clean_rx_irq`: while ``wb.upper.status_error`` has DD and the
  budget lasts: length (CRC already stripped: RCTL.SECRC), totals,
  :func:`e1000_receive_skb` -> ``napi_gro_receive``; the status cleared; every
  E1000_RX_BUFFER_WRITE (16) descriptors and at the end
  :func:`e1000_alloc_rx_buffers` gives buffers back and writes RDT.

Registers through :class:`~irqemu.kernel.context.ChipIO`; descriptors and
buffers through a :class:`~irqemu.kernel.drivers.fec.MemIO` (on the board the
platform's, whose ``catch_up`` lets the NIC's DMA write what is due before a
descriptor is read). Per-frame CPU work not performed step by step is charged as
:data:`RX_FRAME_CYCLES`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from irqemu.hw.e1000e import (
    E1000_CTRL_EXT,
    E1000_CTRL_EXT_DRV_LOAD,
    E1000_CTRL_EXT_IAME,
    E1000_IAM,
    E1000_ICR,
    E1000_ICR_INT_ASSERTED,
    E1000_IMC,
    E1000_IMS,
    E1000_ITR,
    E1000_RADV,
    E1000_RAH0,
    E1000_RAH_AV,
    E1000_RAL0,
    E1000_RCTL,
    E1000_RCTL_BAM,
    E1000_RCTL_EN,
    E1000_RCTL_RDMTS_HALF,
    E1000_RCTL_SECRC,
    E1000_RCTL_SZ_2048,
    E1000_RDBAH,
    E1000_RDBAL,
    E1000_RDH,
    E1000_RDLEN,
    E1000_RDT,
    E1000_RDTR,
    E1000_RFCTL,
    E1000_RFCTL_EXTEN,
    E1000_RXD_STAT_DD,
    E1000_RXD_STAT_EOP,
    E1000_RXDEXT_ERR_FRAME_ERR_MASK,
    IMS_ENABLE_MASK,
    RX_DESC_READ,
    RX_DESC_SIZE,
    RX_DESC_STATUS_ERROR,
    RX_DESC_WB,
)
from irqemu.kernel.context import ChipIO, kfunc
from irqemu.kernel.costs import SKYLAKE_TIMING, estimate, kernel_cost_table, linux_basis
from irqemu.kernel.drivers.fec import DmaMemIO, MemIO
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE, IRQF_SHARED
from irqemu.kernel.napi import (
    NAPI_POLL_WEIGHT,
    NapiStruct,
    napi_complete_done,
    napi_enable,
    napi_gro_receive,
    napi_schedule_core,
    napi_schedule_prep,
    netif_napi_add,
)

if TYPE_CHECKING:
    from irqemu.kernel import Kernel

E1000_DEFAULT_RXD = 256  #: e1000.h: RX ring size (ethtool -G default)
E1000_RX_BUFFER_WRITE = 16  #: e1000.h: give buffers back this many at a time
RX_BUFFER_LEN = 2048  #: adapter->rx_buffer_len for a 1500-byte MTU
#: param.c / e1000.h: InterruptThrottleRate default 3 (dynamic conservative), start 20000/s
ITR_SETTING_DEFAULT = 3
ITR_START = 20000
#: e1000.h DEFAULT_RDTR / DEFAULT_RADV and, with FLAG2_DMA_BURST (the 82574's e1000_info
#: in the netdev source read for this model), BURST_RDTR / BURST_RADV, which
#: e1000_configure_rx uses when the module options were left at their defaults
DEFAULT_RDTR, DEFAULT_RADV = 0, 8
BURST_RDTR, BURST_RADV = 0x20, 0x20
#: enum latency_range (netdev.c)
LOWEST_LATENCY, LOW_LATENCY, BULK_LATENCY = 0, 1, 2
ETH_FCS_LEN = 4

#: the fixed DMA region in the pc's RAM (128 MiB in, far from kernel.elf): RX ring, buffers
DMA_BASE = 0x08000000


def _nd(fn: str) -> str:
    return linux_basis(f"drivers/net/ethernet/intel/e1000e/netdev.c {fn}() (x86_64 build)",
                       SKYLAKE_TIMING)


#: name -> KernelCost, merged into ``kernel.costs`` by :func:`e1000_probe`
E1000E_COSTS = kernel_cost_table("E1000E_COSTS", {
    "e1000_intr_msi": estimate(40, "LSC / ECC tests, the total_* stores (excluding the "
                               "MMIO)", _nd("e1000_intr_msi")),
    "e1000_intr": estimate(50, "as e1000_intr_msi plus the INT_ASSERTED and DOWN tests",
                           _nd("e1000_intr")),
    "e1000e_poll": estimate(40, "container_of, the tx_cleaned / weight tests",
                            _nd("e1000e_poll")),
    "e1000_clean_tx_irq": estimate(60, "the TDH walk finding nothing to reap",
                                   _nd("e1000_clean_tx_irq")),
    "e1000_clean_rx_irq": estimate(60, "per call: ring pointers, the final desc_unused",
                                   _nd("e1000_clean_rx_irq")),
    "e1000_receive_skb": estimate(80, "eth_type_trans (~30 instructions), the VLAN test",
                                  _nd("e1000_receive_skb")),
    "e1000_alloc_rx_buffers": estimate(40, "per call; per buffer ALLOC_BUFFER_CYCLES",
                                       _nd("e1000_alloc_rx_buffers")),
    "e1000_set_itr": estimate(60, "two e1000_update_itr, the table lookup",
                              _nd("e1000_set_itr")),
    "e1000_irq_enable": estimate(20, "besides the IMS write and e1e_flush's STATUS read",
                                 _nd("e1000_irq_enable")),
})

#: work the model charges per frame or buffer without doing it step by step
#: ("<function>/<unit>"; charged where the function runs, not merged into kernel.costs)
E1000E_WORK_COSTS = kernel_cost_table("E1000E_WORK_COSTS", {
    "e1000_clean_rx_irq/frame": estimate(
        600, "per received frame, what e1000_clean_rx_irq does that the model does not "
        "step through: dma_unmap_single (no IOMMU: nothing), prefetches, napi_alloc_skb "
        "+ the copybreak memcpy of a 60-byte frame (copybreak 256), skb_put, "
        "e1000_rx_checksum, e1000_rx_hash: ~400 instructions at ~1 IPC with the cache "
        "misses of a fresh skb, 600 cycles (150 ns at 4 GHz)", _nd("e1000_clean_rx_irq")),
    "e1000_alloc_rx_buffers/buffer": estimate(
        200, "per buffer e1000_alloc_rx_buffers gives back: netdev_alloc_skb_ip_align, "
        "dma_map_single, the descriptor store (~150 instructions)",
        _nd("e1000_alloc_rx_buffers")),
})
RX_FRAME_CYCLES = E1000E_WORK_COSTS["e1000_clean_rx_irq/frame"].cycles
ALLOC_BUFFER_CYCLES = E1000E_WORK_COSTS["e1000_alloc_rx_buffers/buffer"].cycles


@dataclass
class E1000Stats:
    """``netdev->stats`` (receive half) and the model's own counters."""

    rx_packets: int = 0
    rx_bytes: int = 0
    rx_errors: int = 0
    interrupts: int = 0
    irq_none: int = 0
    napi_scheduled: int = 0
    polls: int = 0
    completes: int = 0
    itr_writes: int = 0
    poll_work: Counter[int] = field(default_factory=Counter)


@dataclass(eq=False)
class E1000Adapter:
    """``struct e1000_adapter`` (netdev_priv of ``eth0``) with its RX ring."""

    kernel: Kernel
    io: ChipIO
    mem: MemIO
    hw_addr: int
    irq: int = 0
    msi: bool = True
    name: str = "eth0"
    mac: bytes = b"\x00\x1b\x21\x0a\x0b\x0c"
    dma_base: int = DMA_BASE
    count: int = E1000_DEFAULT_RXD
    next_to_clean: int = 0
    next_to_use: int = 0
    itr_setting: int = ITR_SETTING_DEFAULT
    itr: int = ITR_START
    rx_itr: int = LOWEST_LATENCY
    tx_itr: int = LOWEST_LATENCY
    total_rx_packets: int = 0
    total_rx_bytes: int = 0
    rx_int_delay: int = DEFAULT_RDTR
    rx_abs_int_delay: int = DEFAULT_RADV
    dma_burst: bool = True  #: FLAG2_DMA_BURST
    napi: NapiStruct | None = None
    stats: E1000Stats = field(default_factory=E1000Stats)
    #: True: read each frame from its buffer (the copybreak copy; same charges either way)
    copy_frames: bool = True
    catch_up: Callable[[], None] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.catch_up = self.mem.catch_up if isinstance(self.mem, DmaMemIO) else None

    @property
    def desc_base(self) -> int:
        return self.dma_base

    def buffer(self, i: int) -> int:
        return self.dma_base + 0x10000 + i * RX_BUFFER_LEN

    def er32(self, reg: int) -> int:
        return self.io.read32(self.kernel.ops.smp_processor_id(), self.hw_addr + reg)

    def ew32(self, reg: int, value: int) -> None:
        self.io.write32(self.kernel.ops.smp_processor_id(), self.hw_addr + reg, value)

    def e1e_flush(self) -> None:
        """A posted-write flush: read STATUS."""
        self.er32(0x8)


def e1000_desc_unused(ring: E1000Adapter) -> int:
    """(static) descriptors software may give back: the ring less the one kept empty."""
    if ring.next_to_clean > ring.next_to_use:
        return ring.next_to_clean - ring.next_to_use - 1
    return ring.count + ring.next_to_clean - ring.next_to_use - 1


# -- probe / open -------------------------------------------------------------------------
def e1000_probe(kernel: Kernel, io: ChipIO, mem: MemIO, hw_addr: int, *,
                enable_msi: Callable[[], int] | None, legacy_irq: int = 0,
                dma_base: int = DMA_BASE, count: int = E1000_DEFAULT_RXD) -> E1000Adapter:
    """e1000_probe: adapter, NAPI instance, interrupt capability (MSI through
    ``enable_msi()`` -> its irq, which is pci_enable_msi; None: legacy ``legacy_irq``)."""
    if not 8 <= count <= 4096 or count % 8:
        raise ValueError(f"RX ring of {count} descriptors: 8..4096, a multiple of 8")
    for n, c in E1000E_COSTS.items():
        kernel.costs.setdefault(n, c.cycles)
    adapter = E1000Adapter(kernel, io, mem, hw_addr, dma_base=dma_base, count=count)
    adapter.napi = netif_napi_add(kernel, adapter, e1000e_poll, NAPI_POLL_WEIGHT, adapter.name)
    if enable_msi is not None:  # e1000e_set_interrupt_capability, E1000E_INT_MODE_MSI
        adapter.irq, adapter.msi = enable_msi(), True
    else:
        adapter.irq, adapter.msi = legacy_irq, False
    return adapter


def e1000_setup_rctl(adapter: E1000Adapter) -> None:
    """e1000_setup_rctl: receiver configuration (enable comes later), extended status."""
    adapter.ew32(E1000_RCTL, E1000_RCTL_BAM | E1000_RCTL_RDMTS_HALF | E1000_RCTL_SZ_2048
                 | E1000_RCTL_SECRC)
    adapter.ew32(E1000_RFCTL, adapter.er32(E1000_RFCTL) | E1000_RFCTL_EXTEN)


def e1000e_write_itr(adapter: E1000Adapter, itr: int) -> None:
    """ITR in 256 ns units from interrupts per second."""
    adapter.ew32(E1000_ITR, 1_000_000_000 // (itr * 256) if itr else 0)
    adapter.stats.itr_writes += 1


def e1000_configure_rx(adapter: E1000Adapter) -> None:
    """e1000_configure_rx: delays, ITR, auto-mask, the ring registers, receives on."""
    rctl = adapter.er32(E1000_RCTL)
    if adapter.dma_burst:  # override the delay timers when left at their defaults
        if adapter.rx_int_delay == DEFAULT_RDTR:
            adapter.rx_int_delay = BURST_RDTR
        if adapter.rx_abs_int_delay == DEFAULT_RADV:
            adapter.rx_abs_int_delay = BURST_RADV
    adapter.ew32(E1000_RDTR, adapter.rx_int_delay)
    adapter.ew32(E1000_RADV, adapter.rx_abs_int_delay)
    if adapter.itr_setting and adapter.itr:
        e1000e_write_itr(adapter, adapter.itr)
    ctrl_ext = adapter.er32(E1000_CTRL_EXT) | E1000_CTRL_EXT_IAME  # auto-mask on ICR read
    adapter.ew32(E1000_IAM, 0xFFFFFFFF)
    adapter.ew32(E1000_CTRL_EXT, ctrl_ext)
    adapter.e1e_flush()
    base = adapter.desc_base
    adapter.ew32(E1000_RDBAL, base & 0xFFFFFFFF)
    adapter.ew32(E1000_RDBAH, base >> 32)
    adapter.ew32(E1000_RDLEN, adapter.count * RX_DESC_SIZE)
    adapter.ew32(E1000_RDH, 0)
    adapter.ew32(E1000_RDT, 0)
    adapter.ew32(E1000_RCTL, rctl | E1000_RCTL_EN)


def e1000_configure(adapter: E1000Adapter) -> None:
    """e1000_configure (receive part): station address, rctl, rx, buffers."""
    mac = adapter.mac
    adapter.ew32(E1000_RAL0, int.from_bytes(mac[0:4], "little"))
    adapter.ew32(E1000_RAH0, int.from_bytes(mac[4:6], "little") | E1000_RAH_AV)
    adapter.ew32(E1000_CTRL_EXT, adapter.er32(E1000_CTRL_EXT) | E1000_CTRL_EXT_DRV_LOAD)
    e1000_setup_rctl(adapter)
    e1000_configure_rx(adapter)
    e1000_alloc_rx_buffers(adapter, e1000_desc_unused(adapter))


def e1000_request_irq(adapter: E1000Adapter) -> int:
    k = adapter.kernel
    if adapter.msi:
        return k.request_irq(adapter.irq, e1000_intr_msi, 0, adapter.name, adapter)
    return k.request_irq(adapter.irq, e1000_intr, IRQF_SHARED, adapter.name, adapter)


@kfunc(stack=False)
def e1000_open(adapter: E1000Adapter) -> int:
    """e1000_open: resources, configure, request_irq, napi_enable, irq_enable."""
    k = adapter.kernel
    k.fentry(..., adapter)
    cpu = k.ops.smp_processor_id()
    adapter.mem.write(cpu, adapter.desc_base, bytes(adapter.count * RX_DESC_SIZE))  # zeroed
    adapter.next_to_clean = adapter.next_to_use = 0
    e1000_configure(adapter)
    ret = e1000_request_irq(adapter)
    if ret:
        return ret
    assert adapter.napi is not None
    napi_enable(k, adapter.napi)
    e1000_irq_enable(adapter)
    return 0


# -- interrupt enable / disable --------------------------------------------------------------
@kfunc()
def e1000_irq_enable(adapter: E1000Adapter) -> None:
    adapter.kernel.fentry(...)
    adapter.ew32(E1000_IMS, IMS_ENABLE_MASK)
    adapter.e1e_flush()


@kfunc()
def e1000_irq_disable(adapter: E1000Adapter) -> None:
    """IMC = ~0, flush, synchronize_irq (nothing to wait for in the model)."""
    adapter.kernel.fentry(...)
    adapter.ew32(E1000_IMC, 0xFFFFFFFF)
    adapter.e1e_flush()


# -- the interrupt handlers ------------------------------------------------------------------
def _schedule(adapter: E1000Adapter) -> None:
    napi = adapter.napi
    assert napi is not None
    if napi_schedule_prep(adapter.kernel, napi):
        adapter.total_rx_bytes = adapter.total_rx_packets = 0
        adapter.stats.napi_scheduled += 1
        napi_schedule_core(adapter.kernel, napi)


@kfunc()
def e1000_intr_msi(irq: int, adapter: E1000Adapter) -> int:
    """The MSI handler: the ICR read auto-masks (IAM); schedule NAPI."""
    adapter.kernel.fentry(..., irq)
    adapter.stats.interrupts += 1
    adapter.er32(E1000_ICR)  # LSC (the watchdog) and ECCER are not modelled
    _schedule(adapter)
    return IRQ_HANDLED


@kfunc()
def e1000_intr(irq: int, adapter: E1000Adapter) -> int:
    """The legacy (INTx, shared) handler: not ours unless INT_ASSERTED."""
    adapter.kernel.fentry(..., irq)
    adapter.stats.interrupts += 1
    icr = adapter.er32(E1000_ICR)
    if not icr or not icr & E1000_ICR_INT_ASSERTED:
        adapter.stats.irq_none += 1
        return IRQ_NONE
    _schedule(adapter)
    return IRQ_HANDLED


# -- NAPI ------------------------------------------------------------------------------------
@kfunc()
def e1000e_poll(napi: NapiStruct, weight: int) -> int:
    adapter: E1000Adapter = napi.dev
    k = adapter.kernel
    k.fentry(..., weight)
    adapter.stats.polls += 1
    tx_cleaned = e1000_clean_tx_irq(adapter)
    work_done = e1000_clean_rx_irq(adapter, weight)
    if not tx_cleaned:
        work_done = weight
    adapter.stats.poll_work[work_done] += 1
    if work_done < weight:
        if adapter.itr_setting & 3:
            e1000_set_itr(adapter)
        napi_complete_done(k, napi, work_done)
        adapter.stats.completes += 1
        e1000_irq_enable(adapter)
    return work_done


@kfunc()
def e1000_clean_tx_irq(adapter: E1000Adapter) -> bool:
    """Nothing was sent: nothing to reap; the ring is clean."""
    adapter.kernel.fentry(...)
    return True


#: the unwinder never shows it under a probe on e1000_receive_skb (see the scenario)
@kfunc()
def e1000_clean_rx_irq(adapter: E1000Adapter, work_to_do: int) -> int:
    """Receive every written-back frame up to ``work_to_do``; returns work done."""
    k = adapter.kernel
    k.fentry(..., work_to_do)
    ops = k.ops
    cpu = ops.smp_processor_id()
    read, write = adapter.mem.read, adapter.mem.write
    catch_up = adapter.catch_up
    base = adapter.desc_base
    i = adapter.next_to_clean
    work_done = cleaned_count = 0
    while True:
        if catch_up is not None:
            catch_up()  # the NIC kept writing the ring while the CPU worked
        desc = base + i * RX_DESC_SIZE
        _mrq, _rss, staterr, length, _vlan = RX_DESC_WB.unpack(read(cpu, desc, RX_DESC_WB.size))
        if not staterr & E1000_RXD_STAT_DD or work_done >= work_to_do:
            break
        work_done += 1
        i = i + 1 if i + 1 < adapter.count else 0
        cleaned_count += 1
        if not staterr & E1000_RXD_STAT_EOP or staterr & E1000_RXDEXT_ERR_FRAME_ERR_MASK:
            adapter.stats.rx_errors += 1  # (FLAG2_IS_DISCARDING / a frame error): recycle
        else:
            adapter.total_rx_bytes += length
            adapter.total_rx_packets += 1
            ops.charge(RX_FRAME_CYCLES)
            skb = read(cpu, adapter.buffer((i - 1) % adapter.count), length) \
                if adapter.copy_frames else b""
            e1000_receive_skb(adapter, skb, staterr)
        write(cpu, desc + RX_DESC_STATUS_ERROR, (staterr & ~0xFF).to_bytes(4, "little"))
        if cleaned_count >= E1000_RX_BUFFER_WRITE:
            adapter.next_to_clean = i
            e1000_alloc_rx_buffers(adapter, cleaned_count)
            cleaned_count = 0
    adapter.next_to_clean = i
    cleaned_count = e1000_desc_unused(adapter)
    if cleaned_count:
        e1000_alloc_rx_buffers(adapter, cleaned_count)
    return work_done


@kfunc()
def e1000_receive_skb(adapter: E1000Adapter, skb: bytes, staterr: int) -> None:
    """eth_type_trans, (VLAN tag), napi_gro_receive."""
    k = adapter.kernel
    k.fentry(..., skb)
    adapter.stats.rx_packets += 1
    adapter.stats.rx_bytes += len(skb) + ETH_FCS_LEN
    assert adapter.napi is not None
    napi_gro_receive(k, adapter.napi, skb)


@kfunc()
def e1000_alloc_rx_buffers(adapter: E1000Adapter, cleaned_count: int) -> None:
    """Give ``cleaned_count`` buffers back from next_to_use; the tail moves every
    E1000_RX_BUFFER_WRITE descriptors (``writel(i, rx_ring->tail)``)."""
    k = adapter.kernel
    k.fentry(..., cleaned_count)
    cpu = k.ops.smp_processor_id()
    write = adapter.mem.write
    i = adapter.next_to_use
    for _ in range(cleaned_count):
        k.ops.charge(ALLOC_BUFFER_CYCLES)
        write(cpu, adapter.desc_base + i * RX_DESC_SIZE,
              RX_DESC_READ.pack(adapter.buffer(i), 0))
        if not i & (E1000_RX_BUFFER_WRITE - 1):
            adapter.ew32(E1000_RDT, i)  # wmb(); writel(i, rx_ring->tail)
        i = i + 1 if i + 1 < adapter.count else 0
    adapter.next_to_use = i


# -- dynamic interrupt throttling -------------------------------------------------------------
def e1000_update_itr(itr_setting: int, packets: int, bytes_: int) -> int:
    """(static) the latency class for the next interval from this one's traffic."""
    retval = itr_setting
    if packets == 0:
        return itr_setting
    if itr_setting == LOWEST_LATENCY:
        if bytes_ // packets > 8000:
            retval = BULK_LATENCY
        elif packets < 5 and bytes_ > 512:
            retval = LOW_LATENCY
    elif itr_setting == LOW_LATENCY:
        if bytes_ > 10000:
            if bytes_ // packets > 8000 or packets < 10 or bytes_ // packets > 1200:
                retval = BULK_LATENCY
            elif packets > 35:
                retval = LOWEST_LATENCY
        elif bytes_ // packets > 2000:
            retval = BULK_LATENCY
        elif packets <= 2 and bytes_ < 512:
            retval = LOWEST_LATENCY
    elif itr_setting == BULK_LATENCY:
        if bytes_ > 25000:
            if packets > 35:
                retval = LOW_LATENCY
        elif bytes_ < 6000:
            retval = LOW_LATENCY
    return retval


@kfunc()
def e1000_set_itr(adapter: E1000Adapter) -> None:
    """The next ITR from the RX traffic since the interrupt (TX: none); mode 3
    (conservative) never goes to lowest latency; rising rates step up by a quarter."""
    adapter.kernel.fentry(...)
    adapter.tx_itr = e1000_update_itr(adapter.tx_itr, 0, 0)
    if adapter.itr_setting == 3 and adapter.tx_itr == LOWEST_LATENCY:
        adapter.tx_itr = LOW_LATENCY
    adapter.rx_itr = e1000_update_itr(adapter.rx_itr, adapter.total_rx_packets,
                                      adapter.total_rx_bytes)
    if adapter.itr_setting == 3 and adapter.rx_itr == LOWEST_LATENCY:
        adapter.rx_itr = LOW_LATENCY
    current = max(adapter.rx_itr, adapter.tx_itr)
    new_itr = {LOWEST_LATENCY: 70000, LOW_LATENCY: 20000, BULK_LATENCY: 4000}.get(
        current, adapter.itr)
    if new_itr != adapter.itr:
        if new_itr > adapter.itr:
            new_itr = min(adapter.itr + (new_itr >> 2), new_itr)
        adapter.itr = new_itr
        e1000e_write_itr(adapter, new_itr)


__all__ = [
    "E1000E_COSTS", "E1000Adapter", "E1000Stats", "RX_FRAME_CYCLES",
    "e1000_alloc_rx_buffers", "e1000_clean_rx_irq", "e1000_intr", "e1000_intr_msi",
    "e1000_irq_disable", "e1000_irq_enable", "e1000_open", "e1000_probe",
    "e1000_receive_skb", "e1000_set_itr", "e1000_update_itr", "e1000e_poll",
]
