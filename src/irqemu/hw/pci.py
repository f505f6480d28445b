"""PCI configuration space and the x86 MSI message, as Linux's uapi/linux/pci_regs.h and
asm/msidef.h name them (PCI Local Bus 3.0 section 6.8.1; Intel SDM vol. 3A 10.11)."""

from __future__ import annotations

PCI_CAP_ID_MSI = 0x05
PCI_MSI_FLAGS_ENABLE = 0x0001  #: in the message control word (capability + 2)
PCI_MSI_FLAGS_64BIT = 0x0080
PCI_MSI_ADDRESS_LO = 4
PCI_MSI_ADDRESS_HI = 8
PCI_MSI_DATA_64 = 12  #: the data word of a 64-bit capability
#: PCI Express ECAM: a function's 4 KiB at base + (bus << 20 | devfn << 12)
ECAM_DEVFN_SHIFT = 12

# -- the x86 MSI message (Intel SDM vol. 3A 10.11.1, Linux asm/msidef.h) ------------------
MSI_ADDR_BASE_LO = 0xFEE00000
MSI_ADDR_DEST_ID_SHIFT = 12
MSI_ADDR_DEST_MODE_LOGICAL = 0x4
MSI_DATA_VECTOR_MASK = 0xFF
MSI_DATA_DELIVERY_MODE_SHIFT = 8
MSI_DATA_TRIGGER_LEVEL = 0x8000


def msi_message(vector: int, dest_apic_id: int) -> tuple[int, int]:
    """(address, data) of a fixed, edge, physical-destination MSI: what Linux's
    irq_msi_compose_msg writes for a physflat APIC."""
    return MSI_ADDR_BASE_LO | (dest_apic_id & 0xFF) << MSI_ADDR_DEST_ID_SHIFT, vector & 0xFF
