"""Intel 82574L (e1000e) registers, bits and descriptors, shared by the device and its driver.

Names and values as Linux 4.6's drivers/net/ethernet/intel/e1000e/regs.h
(``E1000_*`` register offsets), defines.h (bit names) and hw.h (descriptor
layouts) name them, checked against the Intel 82574 GbE Controller Family
datasheet (rev. 3.x, chapter 10, "Device Registers") and QEMU's
hw/net/e1000_regs.h. Only what the model uses is here.
"""

from __future__ import annotations

import struct

# -- regs.h: register offsets (BAR0, memory space) ---------------------------------
E1000_CTRL = 0x00000  #: device control
E1000_STATUS = 0x00008  #: device status (read-only)
E1000_CTRL_EXT = 0x00018  #: extended device control
E1000_ICR = 0x000C0  #: interrupt cause read (read-to-clear)
E1000_ITR = 0x000C4  #: interrupt throttling rate
E1000_ICS = 0x000C8  #: interrupt cause set (write-only)
E1000_IMS = 0x000D0  #: interrupt mask set / read
E1000_IMC = 0x000D8  #: interrupt mask clear (write-only)
E1000_IAM = 0x000E0  #: interrupt acknowledge auto-mask
E1000_RCTL = 0x00100  #: receive control
E1000_TCTL = 0x00400  #: transmit control
E1000_RDBAL = 0x02800  #: E1000_RDBAL(0): RX descriptor base low
E1000_RDBAH = 0x02804  #: RX descriptor base high
E1000_RDLEN = 0x02808  #: RX descriptor ring length in bytes
E1000_RDH = 0x02810  #: RX descriptor head (the hardware's next descriptor)
E1000_RDT = 0x02818  #: RX descriptor tail (the first the hardware may not use)
E1000_RDTR = 0x02820  #: RX delay timer (packet timer), 1.024 us units
E1000_RXDCTL = 0x02828  #: RX descriptor control
E1000_RADV = 0x0282C  #: RX interrupt absolute delay timer, 1.024 us units
E1000_TDBAL = 0x03800
E1000_TDBAH = 0x03804
E1000_TDLEN = 0x03808
E1000_TDH = 0x03810
E1000_TDT = 0x03818
E1000_TIDV = 0x03820  #: TX interrupt delay value
E1000_TADV = 0x0382C  #: TX interrupt absolute delay value
E1000_MPC = 0x04010  #: missed packets count (no descriptor), clear on read
E1000_GPRC = 0x04074  #: good packets received count, clear on read
E1000_GORCL = 0x04088  #: good octets received count low, clear on read
E1000_TPR = 0x040D0  #: total packets received, clear on read
E1000_RXCSUM = 0x05000  #: RX checksum control
E1000_RFCTL = 0x05008  #: receive filter control
E1000_MTA = 0x05200  #: multicast table array (128 entries)
E1000_RAL0 = 0x05400  #: receive address low (entry 0)
E1000_RAH0 = 0x05404  #: receive address high (entry 0)

# -- defines.h: CTRL, STATUS, CTRL_EXT -------------------------------------------------
E1000_CTRL_FD = 0x00000001
E1000_CTRL_SLU = 0x00000040  #: set link up
E1000_CTRL_SPD_1000 = 0x00000200
E1000_CTRL_RST = 0x04000000  #: global reset (self-clearing)
E1000_STATUS_FD = 0x00000001
E1000_STATUS_LU = 0x00000002
E1000_STATUS_SPEED_1000 = 0x00000080
E1000_CTRL_EXT_DRV_LOAD = 0x10000000
E1000_CTRL_EXT_IAME = 0x08000000  #: interrupt acknowledge auto-mask enable

# -- defines.h: interrupt causes (ICR, ICS, IMS, IMC share the bit layout) -------------
E1000_ICR_TXDW = 0x00000001  #: transmit descriptor written back
E1000_ICR_LSC = 0x00000004  #: link status change
E1000_ICR_RXSEQ = 0x00000008  #: RX sequence error
E1000_ICR_RXDMT0 = 0x00000010  #: RX descriptor minimum threshold reached
E1000_ICR_RXO = 0x00000040  #: receiver overrun (no descriptor)
E1000_ICR_RXT0 = 0x00000080  #: RX timer interrupt (a frame was written back)
E1000_ICR_INT_ASSERTED = 0x80000000  #: the device has signalled an interrupt
E1000_IMS_TXDW = E1000_ICR_TXDW
E1000_IMS_LSC = E1000_ICR_LSC
E1000_IMS_RXSEQ = E1000_ICR_RXSEQ
E1000_IMS_RXDMT0 = E1000_ICR_RXDMT0
E1000_IMS_RXT0 = E1000_ICR_RXT0
#: e1000.h IMS_ENABLE_MASK: what e1000_irq_enable unmasks (MSI / legacy)
IMS_ENABLE_MASK = E1000_IMS_RXT0 | E1000_IMS_TXDW | E1000_IMS_RXDMT0 | E1000_IMS_RXSEQ \
    | E1000_IMS_LSC
#: the cause bits the model implements (others are reserved here: never set)
ICR_CAUSES = E1000_ICR_TXDW | E1000_ICR_LSC | E1000_ICR_RXSEQ | E1000_ICR_RXDMT0 \
    | E1000_ICR_RXO | E1000_ICR_RXT0

# -- defines.h: RCTL, RFCTL, RDTR -------------------------------------------------------
E1000_RCTL_EN = 0x00000002  #: receiver enable
E1000_RCTL_SBP = 0x00000004  #: store bad packets
E1000_RCTL_UPE = 0x00000008  #: unicast promiscuous
E1000_RCTL_MPE = 0x00000010  #: multicast promiscuous
E1000_RCTL_LPE = 0x00000020  #: long packets
E1000_RCTL_RDMTS_HALF = 0x00000000  #: RX descriptor minimum threshold: 1/2 of the ring
E1000_RCTL_RDMTS_SHIFT = 8
E1000_RCTL_BAM = 0x00008000  #: broadcast accept mode
E1000_RCTL_SZ_2048 = 0x00000000  #: buffer size 2048 (BSEX 0, BSIZE 00)
E1000_RCTL_BSIZE_SHIFT = 16
E1000_RCTL_BSEX = 0x02000000
E1000_RCTL_SECRC = 0x04000000  #: strip the Ethernet CRC
E1000_RFCTL_EXTEN = 0x00008000  #: extended status in all RX descriptors
E1000_RDTR_FPD = 0x80000000  #: flush partial descriptor block (write 1: fire now)
E1000_RAH_AV = 0x80000000  #: receive address valid
E1000_TCTL_EN = 0x00000002

# -- hw.h: union e1000_rx_desc_extended (16 bytes) --------------------------------------
#: ``read``: the buffer's DMA address (u64) and a reserved u64
RX_DESC_READ = struct.Struct("<QQ")
#: ``wb``: lower.mrq (u32), lower.hi_dword.rss (u32), upper.status_error (u32),
#: upper.length (u16), upper.vlan (u16)
RX_DESC_WB = struct.Struct("<IIIHH")
#: the legacy ``struct e1000_rx_desc``: buffer_addr (u64), length, csum (u16),
#: status, errors (u8), special (u16)
RX_DESC_LEGACY = struct.Struct("<QHHBBH")
RX_DESC_SIZE = 16
#: offset of ``wb.upper.status_error`` (extended) in a descriptor
RX_DESC_STATUS_ERROR = 8
E1000_RXD_STAT_DD = 0x01  #: descriptor done
E1000_RXD_STAT_EOP = 0x02  #: end of packet
E1000_RXD_STAT_VP = 0x08  #: 802.1Q packet
E1000_RXDEXT_STATERR_CE = 0x01000000
E1000_RXDEXT_STATERR_SE = 0x02000000
E1000_RXDEXT_STATERR_SEQ = 0x04000000
E1000_RXDEXT_STATERR_CXE = 0x10000000
E1000_RXDEXT_STATERR_RXE = 0x80000000
#: defines.h E1000_RXDEXT_ERR_FRAME_ERR_MASK
E1000_RXDEXT_ERR_FRAME_ERR_MASK = E1000_RXDEXT_STATERR_CE | E1000_RXDEXT_STATERR_SE \
    | E1000_RXDEXT_STATERR_SEQ | E1000_RXDEXT_STATERR_CXE | E1000_RXDEXT_STATERR_RXE

#: ITR counts in 256 ns units; RDTR / RADV in 1.024 us units (82574 datasheet 10.2.4.2,
#: 10.2.5.8, 10.2.5.10; QEMU e1000e_core.c E1000_INTR_DELAY_NS_RES)
ITR_UNIT_NS = 256
RX_DELAY_UNIT_NS = 1024

# -- PCI configuration space (82574 datasheet chapter 9) ----------------------------------
PCI_VENDOR_ID_INTEL = 0x8086
E1000_DEV_ID_82574L = 0x10D3
PCI_MSI_CAP = 0xD0  #: the 82574's MSI capability (64-bit address, no per-vector mask)
