"""IRQ domains: hwirq -> virq translation, hierarchies (kernel/irq/irqdomain.c, 4.6).

The types (irq_domain, irq_domain_ops, irq_fwspec) and irq_find_mapping are in
:mod:`irqemu.kernel.genirq.types`. A domain has a linear reverse map
(``linear_revmap[hwirq] = virq``, 0 when unmapped). Hierarchy domains (the
GIC, the GPC stacked on it) allocate a descriptor and give it one irq_data per
level: the top level's chip is what /proc/interrupts shows, ``parent_data``
links to the level below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import kfunc
from irqemu.kernel.genirq.chip import irq_set_handler
from irqemu.kernel.genirq.irqdesc import (
    irq_alloc_descs,
    irq_alloc_descs_from,
    irq_free_descs,
)
from irqemu.kernel.genirq.manage import irq_get_trigger_type, irq_set_irq_type
from irqemu.kernel.genirq.types import (
    IRQ_TYPE_NONE,
    IRQ_TYPE_SENSE_MASK,
    FlowHandler,
    IrqChip,
    IrqCommonData,
    IrqData,
    IrqDesc,
    IrqDomain,
    IrqDomainOps,
    IrqFwspec,
    irq_find_mapping,
    no_irq_chip,
)

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


def irq_domain_add_linear(kernel: Kernel, name: str, size: int, ops: IrqDomainOps,
                          host_data: Any = None, fwnode: str = "") -> IrqDomain:
    d = IrqDomain(kernel, name, size, ops, host_data, fwnode=fwnode)
    kernel.irq_domains.append(d)
    return d


def irq_domain_add_hierarchy(kernel: Kernel, parent: IrqDomain | None, name: str, size: int,
                             ops: IrqDomainOps, host_data: Any = None,
                             fwnode: str = "") -> IrqDomain:
    d = IrqDomain(kernel, name, size, ops, host_data, parent=parent, fwnode=fwnode)
    kernel.irq_domains.append(d)
    return d


def irq_domain_alloc_descs(kernel: Kernel, virq: int, cnt: int, hwirq: int) -> int:
    if virq >= 0:
        return irq_alloc_descs(kernel, virq, virq, cnt)
    hint = hwirq % max(kernel.nr_irqs, 1)
    if hint == 0:
        hint = 1
    virq = irq_alloc_descs_from(kernel, hint, cnt)
    if virq <= 0 and hint > 1:
        virq = irq_alloc_descs_from(kernel, 1, cnt)
    return virq


def irq_domain_associate(domain: IrqDomain, virq: int, hwirq: int) -> int:
    k = domain.kernel
    desc = k.irq_descs[virq]
    desc.irq_data.hwirq = hwirq
    desc.irq_data.domain = domain
    if domain.ops.map is not None:
        ret = domain.ops.map(domain, virq, hwirq)
        if ret:
            desc.irq_data.domain = None
            desc.irq_data.hwirq = 0
            return ret
    if hwirq < domain.revmap_size:
        domain.linear_revmap[hwirq] = virq
    return 0


@kfunc()
def irq_create_mapping(domain: IrqDomain, hwirq: int) -> int:
    """Legacy (non-hierarchy) mapping: virq allocated with the hwirq as hint."""
    virq = irq_find_mapping(domain, hwirq)
    if virq:
        return virq
    virq = irq_domain_alloc_descs(domain.kernel, -1, 1, hwirq)
    if virq <= 0:
        return 0
    if irq_domain_associate(domain, virq, hwirq):
        irq_free_descs(domain.kernel, virq, 1)
        return 0
    return virq


def irq_domain_set_hwirq_and_chip(domain: IrqDomain, virq: int, hwirq: int,
                                  chip: IrqChip | None, chip_data: Any = None) -> int:
    d = irq_domain_get_irq_data(domain, virq)
    if d is None:
        return -2
    d.hwirq = hwirq
    d.chip = chip if chip is not None else no_irq_chip
    d.chip_data = chip_data
    return 0


def irq_domain_set_info(domain: IrqDomain, virq: int, hwirq: int, chip: IrqChip | None,
                        chip_data: Any, handler: FlowHandler, handler_data: Any = None,
                        handler_name: str | None = None) -> None:
    irq_domain_set_hwirq_and_chip(domain, virq, hwirq, chip, chip_data)
    desc = domain.kernel.irq_descs[virq]
    irq_set_handler(desc, handler, handler_name)
    desc.irq_common_data.handler_data = handler_data


def irq_domain_get_irq_data(domain: IrqDomain, virq: int) -> IrqData | None:
    desc = domain.kernel.irq_descs.get(virq)
    d: IrqData | None = desc.irq_data if desc else None
    while d is not None:
        if d.domain is domain:
            return d
        d = d.parent_data
    return None


def _insert_levels(domain: IrqDomain, virq: int) -> None:
    """irq_domain_alloc_irq_data: one irq_data per domain level, top first."""
    desc: IrqDesc = domain.kernel.irq_descs[virq]
    d = desc.irq_data
    d.domain = domain
    parent = domain.parent
    common: IrqCommonData = desc.irq_common_data
    while parent is not None:
        p = IrqData(virq, common, desc)
        p.domain = parent
        d.parent_data = p
        d = p
        parent = parent.parent


def irq_domain_alloc_irqs_parent(domain: IrqDomain, virq: int, nr: int,
                                 fwspec: IrqFwspec) -> int:
    parent = domain.parent
    if parent is None or parent.ops.alloc is None:
        return -38
    return parent.ops.alloc(parent, virq, nr, fwspec)


@kfunc()
def irq_domain_alloc_irqs(domain: IrqDomain, nr: int, fwspec: IrqFwspec) -> int:
    """__irq_domain_alloc_irqs: descriptors from 1 up (hint 0), levels, ops.alloc
    (which recurses into the parent), then the reverse maps."""
    k = domain.kernel
    if domain.ops.alloc is None:
        return -38
    virq = irq_domain_alloc_descs(k, -1, nr, 0)
    if virq < 0:
        return virq
    for i in range(nr):
        _insert_levels(domain, virq + i)
    ret = domain.ops.alloc(domain, virq, nr, fwspec)
    if ret < 0:
        irq_free_descs(k, virq, nr)
        return ret
    for i in range(nr):
        d: IrqData | None = k.irq_descs[virq + i].irq_data
        while d is not None:
            if d.domain is not None and d.hwirq < d.domain.revmap_size:
                d.domain.linear_revmap[d.hwirq] = virq + i
            d = d.parent_data
    return virq


@kfunc()
def irq_create_fwspec_mapping(domain: IrqDomain, fwspec: IrqFwspec) -> int:
    """Translate a specifier, reuse or allocate the mapping, apply its trigger type."""
    k = domain.kernel
    if domain.ops.translate is not None:
        hwirq, type_, ret = domain.ops.translate(domain, fwspec)
        if ret:
            return 0
    else:
        hwirq, type_ = int(fwspec.param[0]), IRQ_TYPE_NONE
    type_ &= IRQ_TYPE_SENSE_MASK
    virq = irq_find_mapping(domain, hwirq)
    if virq:
        if type_ in (IRQ_TYPE_NONE, irq_get_trigger_type(k, virq)):
            return virq
        if irq_get_trigger_type(k, virq) == IRQ_TYPE_NONE:
            irq_set_irq_type(k, virq, type_)
            return virq
        k.printk(f"type mismatch, failed to map hwirq-{hwirq} for {domain.name}!", level=3)
        return 0
    if domain.hierarchy:
        virq = irq_domain_alloc_irqs(domain, 1, fwspec)
        if virq <= 0:
            return 0
    else:
        virq = irq_create_mapping(domain, hwirq)
        if not virq:
            return virq
    if type_ != IRQ_TYPE_NONE and type_ != irq_get_trigger_type(k, virq):
        irq_set_irq_type(k, virq, type_)
    return virq


def irq_domain_mapping(kernel: Kernel) -> str:
    """The debugfs ``irq_domain_mapping`` view (CONFIG_IRQ_DOMAIN_DEBUG, 4.6
    virq_debug_show). Chip-data pointers print as stable fake kernel addresses."""
    lines = [f" {'name':<16}  {'mapped':<6}  {'linear-max':<10}  {'direct-max':<10}  devtree-node"]
    for d in kernel.irq_domains:
        star = "*" if d is kernel.irq_default_domain else " "
        # "mapped" is revmap_size + radix-tree entries; linear domains have none
        lines.append(f"{star}{d.name:<16}  {d.revmap_size:6d}  {d.revmap_size:10d}  "
                     f"{d.revmap_direct_max_irq:10d}  {d.fwnode}")
    ptrw = 2 * kernel.pointer_bytes + 2
    lines.append(f"{'irq':<5}  {'hwirq':<7}  {'chip name':<15}  {'chip data':<{ptrw}}  "
                 f"{'active':>6}  {'type':<14}  domain")
    for i in range(1, kernel.nr_irqs):
        desc = kernel.irq_descs.get(i)
        if desc is None or desc.irq_data.domain is None:
            continue
        idata = desc.irq_data
        dom = idata.domain
        assert dom is not None
        chip = idata.chip
        data = idata.chip_data
        ptr = f"0x{kernel.fake_addr(data)}  " if data is not None else f"  {'(null)':<{ptrw - 2}}  "
        active = "*" if desc.actions else " "
        direct = i == idata.hwirq and i < dom.revmap_direct_max_irq
        kind = "LINEAR" if idata.hwirq < dom.revmap_size else "RADIX"
        lines.append(f"{i:5d}  0x{idata.hwirq:05x}  {chip.name or 'none':<15}  {ptr}"
                     f"   {active}    {kind:>6}{'(DIRECT)' if direct else '':<8}  {dom.name}")
    return "\n".join(lines) + "\n"
