"""PCI MSI on x86 (drivers/pci/msi.c, arch/x86/kernel/apic/msi.c, 4.6), for one function.

``pci_enable_msi``: a Linux irq above the IO-APIC's GSIs (``arch_dynirq_lower_bound``
= gsi_top), in the "PCI-MSI" irq domain with hwirq ``pci_msi_domain_calc_hwirq``
(requester ID << 11 | vector index), a vector from the x86 vector allocator on
CPU 0, the flow ``handle_edge_irq`` named "edge" (so /proc/interrupts shows
``PCI-MSI 16384-edge eth0``), and the message ``irq_msi_compose_msg`` builds
(physflat: fixed, edge, the CPU's APIC ID) written into the function's MSI
capability in configuration space, then the enable bit. The chip acks through
the vector domain (``irq_chip_ack_parent`` -> ``apic_ack_edge``: LAPIC EOI); the
82574's MSI has no per-vector mask bit, so mask/unmask do nothing
(``__pci_msi_desc_mask_irq`` returns early without ``maskbit``).

Configuration space is reached through the board's ECAM window with ChipIO
(``pci_write_config_dword``); the model keeps the domain as a linear one beside
the IO-APIC's rather than the hierarchy under x86_vector_domain, as
:mod:`irqemu.kernel.drivers.irq_apic` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irqemu.hw.pci import (
    PCI_MSI_ADDRESS_HI,
    PCI_MSI_ADDRESS_LO,
    PCI_MSI_DATA_64,
    PCI_MSI_FLAGS_ENABLE,
    msi_message,
)
from irqemu.kernel.context import ChipIO
from irqemu.kernel.drivers.irq_apic import X86Apic
from irqemu.kernel.genirq.chip import handle_edge_irq, irq_set_chip_and_handler_name
from irqemu.kernel.genirq.irqdesc import irq_alloc_descs
from irqemu.kernel.genirq.irqdomain import irq_domain_add_linear, irq_domain_associate
from irqemu.kernel.genirq.types import IrqChip, IrqData, IrqDomain, IrqDomainOps

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel



def _noop(d: IrqData) -> None:
    """mask/unmask of an MSI without a per-vector mask bit."""


def pci_msi_domain(kernel: Kernel, apic: X86Apic) -> IrqDomain:
    """The x86 "PCI-MSI" domain (arch_init_msi_domain), made on first use."""
    for d in kernel.irq_domains:
        if d.name == "PCI-MSI":
            return d
    chip = IrqChip("PCI-MSI", irq_ack=apic.apic_ack_edge, irq_mask=_noop, irq_unmask=_noop)

    def map_(domain: IrqDomain, virq: int, hwirq: int) -> int:
        irq_set_chip_and_handler_name(kernel.irq_descs[virq], chip, handle_edge_irq, "edge")
        kernel.irq_descs[virq].irq_data.chip_data = apic
        return 0

    return irq_domain_add_linear(kernel, "PCI-MSI", 0, IrqDomainOps(map=map_),
                                 host_data=apic, fwnode="PCI-MSI")


def pci_enable_msi(kernel: Kernel, apic: X86Apic, io: ChipIO, config: int, devfn: int,
                   msi_cap: int, *, bus: int = 0) -> int:
    """Enable MSI for the function whose configuration space is at ``config``;
    returns its Linux irq (``pdev->irq`` after pci_enable_msi)."""
    domain = pci_msi_domain(kernel, apic)
    irq = irq_alloc_descs(kernel, -1, apic.nr_pins, 1)
    if irq < 0:
        raise RuntimeError(f"pci_enable_msi: no irq descriptor ({irq})")
    hwirq = (bus << 8 | devfn) << 11  # pci_msi_domain_calc_hwirq, vector index 0
    if irq_domain_associate(domain, irq, hwirq):
        raise RuntimeError("pci_enable_msi: PCI-MSI domain refused the irq")
    vector = apic.assign_irq_vector(irq, 0)
    address, data = msi_message(vector, 0)  # irq_msi_compose_msg, physflat to CPU 0
    cpu = kernel.ops.smp_processor_id()
    io.write32(cpu, config + msi_cap + PCI_MSI_ADDRESS_LO, address & 0xFFFFFFFF)
    io.write32(cpu, config + msi_cap + PCI_MSI_ADDRESS_HI, address >> 32)
    io.write32(cpu, config + msi_cap + PCI_MSI_DATA_64, data)
    ctrl = io.read32(cpu, config + msi_cap)
    io.write32(cpu, config + msi_cap, ctrl | PCI_MSI_FLAGS_ENABLE << 16)  # pci_msi_set_enable
    return irq


__all__ = ["pci_enable_msi", "pci_msi_domain"]
