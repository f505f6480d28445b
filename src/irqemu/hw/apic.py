"""x86 local APIC (xAPIC) and I/O APIC: register offsets and bits.

Local APIC names as Linux's arch/x86/include/asm/apicdef.h gives them (offsets
from the APIC base; Intel SDM vol. 3A table 11-1). Registers are 16 bytes
apart; a bank such as ISR (256 bits) is eight 32-bit registers, instance n at
``APIC_ISR + 0x10 * n``.

I/O APIC names from the 82093AA datasheet (IOREGSEL, IOWIN, IOAPICID, ...) and
Linux's arch/x86/include/asm/io_apic.h (``IO_APIC_REDIR_*``, the redirection
entry bits). IOREGSEL selects an indirect register by index; IOWIN reads or
writes it.
"""

from __future__ import annotations

# -- local APIC (apicdef.h) -----------------------------------------------------------
APIC_DEFAULT_PHYS_BASE = 0xFEE00000

APIC_ID = 0x20  #: APIC ID in bits 31:24
APIC_LVR = 0x30  #: version
APIC_TASKPRI = 0x80  #: TPR
APIC_ARBPRI = 0x90  #: APR
APIC_PROCPRI = 0xA0  #: PPR
APIC_EOI = 0xB0
APIC_EOI_ACK = 0x0  #: the value apic_eoi writes
APIC_RRR = 0xC0  #: remote read
APIC_LDR = 0xD0  #: logical destination, bits 31:24
APIC_DFR = 0xE0  #: destination format, model in bits 31:28
APIC_SPIV = 0xF0  #: spurious-interrupt vector register (SVR)
APIC_ISR = 0x100
APIC_TMR = 0x180
APIC_IRR = 0x200
APIC_ESR = 0x280
APIC_LVTCMCI = 0x2F0
APIC_ICR = 0x300  #: ICR low: writing it sends the IPI
APIC_ICR2 = 0x310  #: ICR high: destination in bits 31:24
APIC_LVTT = 0x320
APIC_LVTTHMR = 0x330
APIC_LVTPC = 0x340
APIC_LVT0 = 0x350
APIC_LVT1 = 0x360
APIC_LVTERR = 0x370
APIC_TMICT = 0x380  #: timer initial count
APIC_TMCCT = 0x390  #: timer current count
APIC_TDCR = 0x3E0  #: timer divide configuration

APIC_SPIV_APIC_ENABLED = 1 << 8
APIC_SPIV_FOCUS_DISABLED = 1 << 9
APIC_SPIV_DIRECTED_EOI = 1 << 12  #: suppress EOI broadcast

APIC_ESR_SENDILL = 0x20
APIC_ESR_RECVILL = 0x40

# ICR low bits
APIC_VECTOR_MASK = 0x000FF
APIC_DEST_PHYSICAL = 0x00000
APIC_DEST_LOGICAL = 0x00800
APIC_ICR_BUSY = 0x01000  #: delivery status
APIC_INT_ASSERT = 0x04000
APIC_INT_LEVELTRIG = 0x08000
APIC_SHORT_MASK = 0xC0000
APIC_DEST_NOSHORT = 0x00000
APIC_DEST_SELF = 0x40000
APIC_DEST_ALLINC = 0x80000
APIC_DEST_ALLBUT = 0xC0000
APIC_DEST_SHORTHAND_SHIFT = 18  #: the shorthand field, bits 19:18

#: delivery modes as field values (apicdef.h enum apic_delivery_modes; STARTUP
#: is apicdef.h's APIC_DM_STARTUP >> 8), bits 10:8 of the ICR, an LVT entry or
#: an IO-APIC redirection entry
APIC_DELIVERY_MODE_FIXED = 0
APIC_DELIVERY_MODE_LOWESTPRIO = 1
APIC_DELIVERY_MODE_SMI = 2
APIC_DELIVERY_MODE_NMI = 4
APIC_DELIVERY_MODE_INIT = 5
APIC_DELIVERY_MODE_STARTUP = 6
APIC_DELIVERY_MODE_EXTINT = 7
#: the same, in place (apicdef.h APIC_DM_*)
APIC_DM_FIXED = APIC_DELIVERY_MODE_FIXED << 8
APIC_DM_LOWEST = APIC_DELIVERY_MODE_LOWESTPRIO << 8
APIC_DM_SMI = APIC_DELIVERY_MODE_SMI << 8
APIC_DM_NMI = APIC_DELIVERY_MODE_NMI << 8
APIC_DM_INIT = APIC_DELIVERY_MODE_INIT << 8
APIC_DM_STARTUP = APIC_DELIVERY_MODE_STARTUP << 8
APIC_DM_EXTINT = APIC_DELIVERY_MODE_EXTINT << 8

# LVT entries
APIC_LVT_MASKED = 1 << 16
APIC_LVT_TIMER_SHIFT = 17  #: timer mode, bits 18:17 of LVTT
APIC_LVT_TIMER_ONESHOT = 0 << APIC_LVT_TIMER_SHIFT
APIC_LVT_TIMER_PERIODIC = 1 << APIC_LVT_TIMER_SHIFT
APIC_LVT_TIMER_TSCDEADLINE = 2 << APIC_LVT_TIMER_SHIFT

# timer divide configuration (TDCR bits 3, 1:0)
APIC_TDR_DIV_1 = 0xB
APIC_TDR_DIV_16 = 0x3

# -- I/O APIC (82093AA datasheet; io_apic.h) ----------------------------------------------
IO_APIC_DEFAULT_PHYS_BASE = 0xFEC00000

# direct registers, offsets from the IO-APIC base
IOREGSEL = 0x00  #: index of the indirect register IOWIN reaches
IOWIN = 0x10
IOAPIC_EOI = 0x40  #: version 0x20 IO-APICs: write a vector to clear its remote IRR

# indirect registers, by IOREGSEL index
IOAPICID = 0x00  #: ID in bits 27:24
IOAPICVER = 0x01
IOAPICARB = 0x02
IOAPIC_REDTBL = 0x10  #: redirection entry n: low word at 0x10 + 2n, high word at 0x11 + 2n

# redirection entry bits (io_apic.h; polarity from the datasheet)
IO_APIC_REDIR_VECTOR_MASK = 0x000FF
IO_APIC_REDIR_DEST_PHYSICAL = 0x00000
IO_APIC_REDIR_DEST_LOGICAL = 0x00800
IO_APIC_REDIR_SEND_PENDING = 1 << 12  #: delivery status (read-only)
IO_APIC_REDIR_POLARITY_LOW = 1 << 13
IO_APIC_REDIR_REMOTE_IRR = 1 << 14  #: read-only
IO_APIC_REDIR_LEVEL_TRIGGER = 1 << 15
IO_APIC_REDIR_MASKED = 1 << 16
IO_APIC_REDIR_DEST_SHIFT = 56  #: destination APIC ID, bits 63:56
