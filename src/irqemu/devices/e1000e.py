"""Intel 82574L Gigabit Ethernet controller (Linux's e1000e), receive side, as a PCI function.

Register layout and bits from :mod:`irqemu.hw.e1000e` (Linux's e1000e regs.h /
defines.h / hw.h, the 82574 datasheet). Behaviour follows the datasheet
(section 7.1 "Receive Functionality", 7.4 "Interrupts", 10.2 "Register
Descriptions") and QEMU's hw/net/e1000e_core.c, read for the facts (this is an
independent model):

* RX ring: RDBAL/RDBAH base, RDLEN bytes (16-byte descriptors), RDH the next
  descriptor the hardware fills, RDT the first it may not: the ring is empty
  for the hardware when RDH == RDT. ``receive(frame)`` is a frame's last bit
  arriving (without FCS; the MAC appends it unless RCTL.SECRC strips it): with
  RCTL.EN, an address-filter hit (RAL0/RAH0 with AV, broadcast with BAM, UPE /
  MPE promiscuous) and a free descriptor, the frame is DMA'd to the buffer the
  descriptor's ``read.buffer_addr`` names and written back in the extended
  format (RFCTL.EXTEN, as Linux sets it: ``wb.upper.status_error = DD | EOP``,
  ``length``) or the legacy one; RDH advances and wraps at RDLEN. Only the
  descriptors in [RDH, RDT) are ever written: nothing beyond RDLEN. A frame
  that finds no descriptor is dropped (MPC counts it) and raises RXO. One
  buffer per frame: frames longer than the RCTL.BSIZE buffer are dropped
  (``rx_drop_reasons["too_long"]``; the driver's 2048-byte buffers hold any
  1522-byte frame).
* Causes: a written-back frame raises RXT0, through the receive timers: RDTR
  = 0 raises it at once; otherwise the packet timer restarts at every frame
  (RDTR x 1.024 us) and the absolute timer starts with the first frame after
  the last interrupt (RADV x 1.024 us), RXT0 when either expires (a write of
  RDTR.FPD fires it now). The free descriptors falling to the RCTL.RDMTS
  fraction of the ring raise RXDMT0. ICS sets causes by hand.
* ICR / IMS / IMC / IAM: ICR reads clear it (the model does not do MSI-X, where
  the 82574 clears only with EIAC); when CTRL_EXT.IAME is set and ICR.
  INT_ASSERTED was set, the read also clears IAM's bits from IMS (auto-mask);
  a write clears the bits written. IMS writes set mask bits, IMC writes clear
  them; IMS reads the mask.
* Interrupt signalling: while ICR & IMS has a cause, the device signals: a
  message (MSI, when the driver enabled the capability in configuration space)
  written to the LAPIC through ``msi_sink(address, data)``, one per
  signalling; else the level INTx line ``irq``, high until ICR & IMS is 0.
  INT_ASSERTED is set when it signals. ITR throttles: after a signalling, no
  other for ITR x 256 ns; a cause that arrives meanwhile is signalled when the
  interval ends, if still unmasked.
* STATUS reads link up, full duplex, 1000 Mb/s (the link partner is always
  there). CTRL.RST resets every register.

Not modelled: transmit (the TX registers are storage; nothing is sent), MSI-X
and IVAR/EITR, packet split and jumbo frames (several buffers per frame),
checksum offload (RXCSUM is storage), VLAN filtering, flow control, the
EEPROM/NVM and MDIC PHY access, the receive FIFO (a frame is DMA'd the
moment its last bit arrives), statistics besides MPC, GPRC, GORCL and TPR.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Callable
from typing import Any

from irqemu.devices.base import Device, IrqLine, MachineContext
from irqemu.devices.regmap import Reg
from irqemu.hw.e1000e import (
    E1000_CTRL,
    E1000_CTRL_EXT,
    E1000_CTRL_EXT_IAME,
    E1000_CTRL_RST,
    E1000_DEV_ID_82574L,
    E1000_GORCL,
    E1000_GPRC,
    E1000_IAM,
    E1000_ICR,
    E1000_ICR_INT_ASSERTED,
    E1000_ICR_RXDMT0,
    E1000_ICR_RXO,
    E1000_ICR_RXT0,
    E1000_ICS,
    E1000_IMC,
    E1000_IMS,
    E1000_ITR,
    E1000_MPC,
    E1000_MTA,
    E1000_RADV,
    E1000_RAH0,
    E1000_RAH_AV,
    E1000_RAL0,
    E1000_RCTL,
    E1000_RCTL_BAM,
    E1000_RCTL_BSEX,
    E1000_RCTL_BSIZE_SHIFT,
    E1000_RCTL_EN,
    E1000_RCTL_MPE,
    E1000_RCTL_RDMTS_SHIFT,
    E1000_RCTL_SECRC,
    E1000_RCTL_UPE,
    E1000_RDBAH,
    E1000_RDBAL,
    E1000_RDH,
    E1000_RDLEN,
    E1000_RDT,
    E1000_RDTR,
    E1000_RDTR_FPD,
    E1000_RFCTL,
    E1000_RFCTL_EXTEN,
    E1000_RXCSUM,
    E1000_RXD_STAT_DD,
    E1000_RXD_STAT_EOP,
    E1000_RXDCTL,
    E1000_STATUS,
    E1000_STATUS_FD,
    E1000_STATUS_LU,
    E1000_STATUS_SPEED_1000,
    E1000_TADV,
    E1000_TCTL,
    E1000_TDBAH,
    E1000_TDBAL,
    E1000_TDH,
    E1000_TDLEN,
    E1000_TDT,
    E1000_TIDV,
    E1000_TPR,
    ICR_CAUSES,
    ITR_UNIT_NS,
    PCI_MSI_CAP,
    PCI_VENDOR_ID_INTEL,
    RX_DELAY_UNIT_NS,
    RX_DESC_LEGACY,
    RX_DESC_READ,
    RX_DESC_SIZE,
    RX_DESC_WB,
)
from irqemu.hw.pci import (
    ECAM_DEVFN_SHIFT,
    MSI_ADDR_DEST_ID_SHIFT,
    MSI_ADDR_DEST_MODE_LOGICAL,
    MSI_DATA_DELIVERY_MODE_SHIFT,
    MSI_DATA_VECTOR_MASK,
    PCI_CAP_ID_MSI,
    PCI_MSI_ADDRESS_HI,
    PCI_MSI_ADDRESS_LO,
    PCI_MSI_DATA_64,
    PCI_MSI_FLAGS_64BIT,
    PCI_MSI_FLAGS_ENABLE,
)
from irqemu.sim.events import Event

PS_PER_NS = 1000
ETH_FCS_LEN = 4
BROADCAST = b"\xff" * 6
#: RCTL.BSIZE (bits 17:16) -> buffer bytes, without and with BSEX (x16)
_BSIZE = (2048, 1024, 512, 256)


class E1000eConfig(Device):
    """The 82574L's PCI configuration space (type 0 header and the MSI capability at
    0xD0), reached through the board's PCI Express ECAM window. BAR0 is fixed by
    the board (the firmware's enumeration is not modelled): writes keep it."""

    SIZE = 0x1000
    REGS = (
        Reg(0x00, "ID", reset=E1000_DEV_ID_82574L << 16 | PCI_VENDOR_ID_INTEL, access="r"),
        Reg(0x04, "COMMAND_STATUS", reset=0x0010_0000, wmask=0x0000_0547,
            doc="command 15:0 (memory, bus master, INTx disable 10); status 31:16, "
                "capability list (bit 20)"),
        Reg(0x08, "CLASS_REVISION", reset=0x0200_0000, access="r", doc="Ethernet controller"),
        Reg(0x10, "BAR0", access="r", doc="memory BAR (set by the board)"),
        Reg(0x34, "CAP_PTR", reset=PCI_MSI_CAP, access="r"),
        Reg(0x3C, "INTERRUPT", reset=0x0100, wmask=0xFF,
            doc="line 7:0 (firmware's note), pin 15:8 = INTA"),
        Reg(PCI_MSI_CAP, "MSI_CTRL", reset=PCI_MSI_FLAGS_64BIT << 16 | PCI_CAP_ID_MSI,
            wmask=PCI_MSI_FLAGS_ENABLE << 16,
            doc="cap ID 7:0, next 15:8 (0: last), message control 31:16 (enable 16)"),
        Reg(PCI_MSI_CAP + PCI_MSI_ADDRESS_LO, "MSI_ADDR_LO", wmask=0xFFFF_FFFC),
        Reg(PCI_MSI_CAP + PCI_MSI_ADDRESS_HI, "MSI_ADDR_HI"),
        Reg(PCI_MSI_CAP + PCI_MSI_DATA_64, "MSI_DATA", wmask=0xFFFF),
    )

    def __init__(self, machine: MachineContext, base: int, name: str, bar0: int) -> None:
        super().__init__(machine, base, name)
        self.regs.values["BAR0"][0] = bar0

    def msi_enabled(self) -> bool:
        return bool(self.regs.values["MSI_CTRL"][0] >> 16 & PCI_MSI_FLAGS_ENABLE)

    def msi_message(self) -> tuple[int, int]:
        v = self.regs.values
        return v["MSI_ADDR_HI"][0] << 32 | v["MSI_ADDR_LO"][0], v["MSI_DATA"][0]


class E1000e(Device):
    """An 82574L at BAR0 ``base``: ``receive(frame)`` from the wire, ``irq`` (INTx)
    or MSI through ``msi_sink``; ``config`` is its PCI configuration space.

    Statistics: ``rx_offered``, ``rx_frames``, ``rx_bytes`` (with FCS),
    ``rx_dropped`` with ``rx_drop_reasons``; ``signals`` (interrupts signalled)
    and ``throttled`` (signallings ITR postponed)."""

    SIZE = 0x20000  #: 128 KiB memory BAR
    REGS = (
        Reg(E1000_CTRL, "CTRL", reset=0x0000_0240, doc="SLU 6, SPD_1000 9, RST 26"),
        Reg(E1000_STATUS, "STATUS", reset=E1000_STATUS_FD | E1000_STATUS_LU
            | E1000_STATUS_SPEED_1000, access="r", doc="link up, full duplex, 1000 Mb/s"),
        Reg(E1000_CTRL_EXT, "CTRL_EXT", doc="IAME 27, DRV_LOAD 28"),
        Reg(E1000_ICR, "ICR", doc="causes; read-to-clear, write 1 to clear"),
        Reg(E1000_ITR, "ITR", wmask=0xFFFF, doc="minimum inter-interrupt interval, 256 ns units"),
        Reg(E1000_ICS, "ICS", access="w", doc="write: set causes"),
        Reg(E1000_IMS, "IMS", doc="write: set mask bits; read: the mask"),
        Reg(E1000_IMC, "IMC", access="w", doc="write: clear mask bits"),
        Reg(E1000_IAM, "IAM", doc="bits an ICR read clears from IMS when CTRL_EXT.IAME"),
        Reg(E1000_RCTL, "RCTL", doc="EN 1, UPE 3, MPE 4, RDMTS 9:8, BAM 15, BSIZE 17:16, "
                                    "BSEX 25, SECRC 26"),
        Reg(E1000_TCTL, "TCTL", reset=0x0004_0108 << 0, doc="transmit control (storage)"),
        Reg(E1000_RDBAL, "RDBAL", wmask=0xFFFF_FFF0, doc="RX ring base, 16-byte aligned"),
        Reg(E1000_RDBAH, "RDBAH"),
        Reg(E1000_RDLEN, "RDLEN", wmask=0x000F_FF80, doc="RX ring bytes, multiple of 128"),
        Reg(E1000_RDH, "RDH", wmask=0xFFFF),
        Reg(E1000_RDT, "RDT", wmask=0xFFFF),
        Reg(E1000_RDTR, "RDTR", wmask=0xFFFF | E1000_RDTR_FPD, doc="packet timer, FPD 31"),
        Reg(E1000_RXDCTL, "RXDCTL", reset=0x0001_0000, doc="storage"),
        Reg(E1000_RADV, "RADV", wmask=0xFFFF, doc="absolute timer, 1.024 us units"),
        Reg(E1000_TDBAL, "TDBAL", wmask=0xFFFF_FFF0),
        Reg(E1000_TDBAH, "TDBAH"),
        Reg(E1000_TDLEN, "TDLEN", wmask=0x000F_FF80),
        Reg(E1000_TDH, "TDH", wmask=0xFFFF),
        Reg(E1000_TDT, "TDT", wmask=0xFFFF),
        Reg(E1000_TIDV, "TIDV", wmask=0xFFFF),
        Reg(E1000_TADV, "TADV", wmask=0xFFFF),
        Reg(E1000_MPC, "MPC", access="r", doc="missed packets; clear on read"),
        Reg(E1000_GPRC, "GPRC", access="r", doc="good packets received; clear on read"),
        Reg(E1000_GORCL, "GORCL", access="r", doc="good octets received (low); clear on read"),
        Reg(E1000_TPR, "TPR", access="r", doc="total packets received; clear on read"),
        Reg(E1000_RXCSUM, "RXCSUM", reset=0x0000_0300, doc="storage"),
        Reg(E1000_RFCTL, "RFCTL", doc="EXTEN 15: extended RX descriptors"),
        Reg(E1000_MTA, "MTA", count=128, doc="multicast table (storage)"),
        Reg(E1000_RAL0, "RAL0", doc="station address bytes 0-3"),
        Reg(E1000_RAH0, "RAH0", wmask=0x8000_FFFF, doc="bytes 4-5 in 15:0, AV 31"),
    )  # fmt: skip

    def __init__(self, machine: MachineContext, base: int, name: str = "e1000e", *,
                 config_base: int = 0,
                 msi_sink: Callable[[int, int], None] | None = None) -> None:
        super().__init__(machine, base, name)
        self._v = self.regs.values
        self.irq = IrqLine(f"{name}.irq")
        self.config = E1000eConfig(machine, config_base, f"{name}.config", base)
        #: where a message-signalled interrupt goes: (address, data) -> None
        self.msi_sink = msi_sink
        self.rx_offered = self.rx_frames = self.rx_bytes = self.rx_dropped = 0
        self.rx_drop_reasons: Counter[str] = Counter()
        self.signals = self.throttled = 0
        self._itr_until = 0  #: no signalling before this time (ps)
        self._itr_event: Event | None = None
        self._rdtr_event: Event | None = None
        self._radv_event: Event | None = None

    # -- what the traffic generator asks ----------------------------------------------
    @property
    def mac_address(self) -> bytes:
        lo, hi = self._v["RAL0"][0], self._v["RAH0"][0]
        return lo.to_bytes(4, "little") + (hi & 0xFFFF).to_bytes(2, "little")

    # -- the receive ring --------------------------------------------------------------
    def ring_size(self) -> int:
        """Descriptors in the ring (RDLEN / 16)."""
        return self._v["RDLEN"][0] // RX_DESC_SIZE

    def ring_base(self) -> int:
        return self._v["RDBAH"][0] << 32 | self._v["RDBAL"][0]

    def free_descriptors(self) -> int:
        """Descriptors the hardware owns: from RDH up to (not including) RDT."""
        n = self.ring_size()
        if not n:
            return 0
        return (self._v["RDT"][0] - self._v["RDH"][0]) % n

    def buffer_size(self) -> int:
        rctl = self._v["RCTL"][0]
        size = _BSIZE[rctl >> E1000_RCTL_BSIZE_SHIFT & 3]
        return size * 16 if rctl & E1000_RCTL_BSEX and size != 2048 else size

    def _accept(self, dst: bytes) -> bool:
        rctl = self._v["RCTL"][0]
        if dst == BROADCAST:
            return bool(rctl & (E1000_RCTL_BAM | E1000_RCTL_MPE))
        if dst[0] & 1:
            return bool(rctl & E1000_RCTL_MPE)
        if self._v["RAH0"][0] & E1000_RAH_AV and dst == self.mac_address:
            return True
        return bool(rctl & E1000_RCTL_UPE)

    def _drop(self, why: str) -> bool:
        self.rx_dropped += 1
        self.rx_drop_reasons[why] += 1
        return False

    def receive(self, frame: bytes) -> bool:
        """A frame (without FCS) arrives now; True if it was written to the ring."""
        self.rx_offered += 1
        v = self._v
        rctl = v["RCTL"][0]
        if not rctl & E1000_RCTL_EN:
            return self._drop("disabled")
        if not self._accept(bytes(frame[:6])):
            return self._drop("filtered")
        v["TPR"][0] += 1
        data = bytes(frame)
        if not rctl & E1000_RCTL_SECRC:
            data += (zlib.crc32(frame) & 0xFFFFFFFF).to_bytes(4, "little")
        if len(data) > self.buffer_size():
            return self._drop("too_long")
        n = self.ring_size()
        head = v["RDH"][0]
        if not n or head >= n or head == v["RDT"][0]:
            v["MPC"][0] += 1
            self._drop("no_descriptor")
            self._set_causes(E1000_ICR_RXO)
            return False
        self._write_back(self.ring_base() + head * RX_DESC_SIZE, data)
        v["RDH"][0] = head + 1 if head + 1 < n else 0
        v["GPRC"][0] += 1
        v["GORCL"][0] = (v["GORCL"][0] + len(frame) + ETH_FCS_LEN) & 0xFFFFFFFF
        self.rx_frames += 1
        self.rx_bytes += len(frame) + ETH_FCS_LEN
        causes = 0
        rdmts = rctl >> E1000_RCTL_RDMTS_SHIFT & 3
        if rdmts < 3 and self.free_descriptors() == n >> (rdmts + 1):
            causes |= E1000_ICR_RXDMT0  # crossing the threshold (1/2, 1/4, 1/8 of the ring)
        if causes:
            self._set_causes(causes)
        self._rx_timers()
        return True

    def _write_back(self, addr: int, data: bytes) -> None:
        """DMA the frame into the descriptor's buffer, then write the descriptor back."""
        mem = self.machine
        buf = RX_DESC_READ.unpack(mem.mem_read(addr, RX_DESC_READ.size))[0]
        mem.mem_write(buf, data)
        status = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP
        if self._v["RFCTL"][0] & E1000_RFCTL_EXTEN:
            mem.mem_write(addr, RX_DESC_WB.pack(0, 0, status, len(data), 0))
        else:
            mem.mem_write(addr, RX_DESC_LEGACY.pack(buf, len(data), 0, status, 0, 0))

    # -- receive timers (RDTR packet timer, RADV absolute timer) -------------------------
    def _rx_timers(self) -> None:
        rdtr = self._v["RDTR"][0] & 0xFFFF
        if not rdtr:
            self._set_causes(E1000_ICR_RXT0)
            return
        now = self.machine.now()
        if self._rdtr_event is not None:
            self._rdtr_event.cancel()
        self._rdtr_event = self.machine.schedule(
            now + rdtr * RX_DELAY_UNIT_NS * PS_PER_NS, self._rx_timer_fired, f"{self.name}.rdtr")
        radv = self._v["RADV"][0] & 0xFFFF
        if radv and self._radv_event is None:
            self._radv_event = self.machine.schedule(
                now + radv * RX_DELAY_UNIT_NS * PS_PER_NS, self._rx_timer_fired,
                f"{self.name}.radv")

    def _stop_rx_timers(self) -> None:
        for ev in (self._rdtr_event, self._radv_event):
            if ev is not None:
                ev.cancel()
        self._rdtr_event = self._radv_event = None

    def _rx_timer_fired(self) -> None:
        """Either timer expired: both stop, RXT0 is raised."""
        self._stop_rx_timers()
        self._set_causes(E1000_ICR_RXT0)

    # -- causes, mask, signalling ---------------------------------------------------------
    def _set_causes(self, causes: int) -> None:
        self._v["ICR"][0] |= causes & ICR_CAUSES
        self._update_irq()

    def pending(self) -> int:
        """Unmasked causes: what the device wants to signal."""
        return self._v["ICR"][0] & self._v["IMS"][0] & ICR_CAUSES

    def _update_irq(self) -> None:
        if not self.pending():
            self.irq.set(False)
            return
        now = self.machine.now()
        if now < self._itr_until:  # ITR: too soon after the last signalling
            if self._itr_event is None:
                self.throttled += 1
                self._itr_event = self.machine.schedule(self._itr_until, self._itr_expired,
                                                        f"{self.name}.itr")
            return
        self._signal(now)

    def _itr_expired(self) -> None:
        self._itr_event = None
        self._update_irq()

    def _signal(self, now: int) -> None:
        self._v["ICR"][0] |= E1000_ICR_INT_ASSERTED
        self._itr_until = now + (self._v["ITR"][0] & 0xFFFF) * ITR_UNIT_NS * PS_PER_NS
        self.signals += 1
        if self.config.msi_enabled():
            self.irq.set(False)
            if self.msi_sink is not None:
                self.msi_sink(*self.config.msi_message())
        else:
            self.irq.set(True)

    def read_ICR(self, cpu: int, index: int) -> int:
        v = self._v
        icr = v["ICR"][0]
        if icr & E1000_ICR_INT_ASSERTED and v["CTRL_EXT"][0] & E1000_CTRL_EXT_IAME:
            v["IMS"][0] &= ~v["IAM"][0]  # auto-mask
        v["ICR"][0] = 0
        self._update_irq()
        return icr

    def write_ICR(self, cpu: int, index: int, value: int) -> None:
        self._v["ICR"][0] &= ~value
        if not self._v["ICR"][0] & ICR_CAUSES:
            self._v["ICR"][0] = 0
        self._update_irq()

    def write_ICS(self, cpu: int, index: int, value: int) -> None:
        self._set_causes(value)

    def write_IMS(self, cpu: int, index: int, value: int) -> None:
        self._v["IMS"][0] |= value & ICR_CAUSES
        self._update_irq()

    def write_IMC(self, cpu: int, index: int, value: int) -> None:
        self._v["IMS"][0] &= ~value
        self._update_irq()

    def write_RDTR(self, cpu: int, index: int, value: int) -> None:
        self._v["RDTR"][0] = value & 0xFFFF
        if value & E1000_RDTR_FPD and (self._rdtr_event or self._radv_event):
            self._rx_timer_fired()  # flush partial descriptor block: fire now

    def write_RCTL(self, cpu: int, index: int, value: int) -> None:
        self._v["RCTL"][0] = value
        if not value & E1000_RCTL_EN:
            self._stop_rx_timers()

    def write_RDT(self, cpu: int, index: int, value: int) -> None:
        self._v["RDT"][0] = value

    # -- statistics: clear on read ----------------------------------------------------------
    def _take(self, name: str) -> int:
        value = self._v[name][0]
        self._v[name][0] = 0
        return value

    def read_MPC(self, cpu: int, index: int) -> int:
        return self._take("MPC")

    def read_GPRC(self, cpu: int, index: int) -> int:
        return self._take("GPRC")

    def read_GORCL(self, cpu: int, index: int) -> int:
        return self._take("GORCL")

    def read_TPR(self, cpu: int, index: int) -> int:
        return self._take("TPR")

    # -- reset -------------------------------------------------------------------------------
    def write_CTRL(self, cpu: int, index: int, value: int) -> None:
        if value & E1000_CTRL_RST:
            self.reset()
            return
        self._v["CTRL"][0] = value

    def reset(self) -> None:
        """CTRL.RST / power-on: every register to its reset value, timers stopped."""
        self._stop_rx_timers()
        if self._itr_event is not None:
            self._itr_event.cancel()
            self._itr_event = None
        self._itr_until = 0
        self.regs.reset()
        self.irq.set(False)


def lapic_msi_sink(lapics: object) -> Callable[[int, int], None]:
    """The write of an MSI message to the LAPIC window (0xFEE00000): the APIC bus
    delivers ``data``'s vector, delivery mode and trigger to the destination the
    address names (SDM vol. 3A 10.11.1, 10.11.2)."""
    deliver = getattr(lapics, "deliver")  # noqa: B009 - LocalAPICs.deliver

    def sink(address: int, data: int) -> None:
        dest = address >> MSI_ADDR_DEST_ID_SHIFT & 0xFF
        logical = bool(address & MSI_ADDR_DEST_MODE_LOGICAL)
        deliver(dest, logical, data >> MSI_DATA_DELIVERY_MODE_SHIFT & 7,
                data & MSI_DATA_VECTOR_MASK, level=False, source="msi")

    return sink


#: where the pc board puts it: QEMU's usual BAR0 for its e1000 on ``pc`` (in the PCI
#: hole below the IO-APIC), its configuration space in a PCI Express ECAM window at
#: 0xB0000000 (QEMU q35's MCFG base) as bus 0, device 2, function 0; INTA on IO-APIC
#: pin 17 (the _PRT's PIRQ routing for slot 2 is not modelled: one fixed pin)
PC_BAR0 = 0xFEBC0000
PC_ECAM_BASE = 0xB0000000
PC_DEVFN = 2 << 3
PC_CONFIG = PC_ECAM_BASE + (PC_DEVFN << ECAM_DEVFN_SHIFT)
PC_INTX_PIN = 17


def attach_pc(machine: Any, lapics: object, ioapic: Any) -> E1000e:
    """Map an 82574L on the pc: BAR0, its configuration space in the ECAM window,
    INTA on the IO-APIC, MSI to the LAPICs."""
    nic = E1000e(machine, PC_BAR0, "e1000e", config_base=PC_CONFIG,
                 msi_sink=lapic_msi_sink(lapics))
    machine.add_window(PC_BAR0, E1000e.SIZE, "pci-bar0-e1000e")
    machine.add_device("e1000e", nic, PC_BAR0, E1000e.SIZE)
    machine.add_window(PC_ECAM_BASE, 0x100000, "pci-ecam-bus0")
    machine.add_device("e1000e.config", nic.config, PC_CONFIG, E1000eConfig.SIZE)
    nic.irq.connect(ioapic.input(PC_INTX_PIN))
    return nic


__all__ = ["PC_BAR0", "PC_CONFIG", "PC_INTX_PIN", "E1000e", "E1000eConfig", "attach_pc",
           "lapic_msi_sink"]
