"""/proc/interrupts, formatted as kernel/irq/proc.c show_interrupts (4.6) and the
architectures' arch_show_interrupts (arch/arm/kernel/irq.c + smp.c show_ipi_list;
arch/x86/kernel/irq.c), with the [6.x] differences:

- only lines with a non-chained action are shown, and IRQ_HIDDEN lines never;
- the chip name is printed "%8s" (one space fewer), and lines without a domain
  get blank hwirq padding;
- ARM IPIs are ordinary (hidden) descriptors whose counts feed the IPI rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irqemu.kernel.drivers.irq_apic import X86_ARCH_ROWS
from irqemu.kernel.genirq.types import IRQ_HIDDEN, IrqDesc
from irqemu.kernel.smp import ARM_IPI_TYPES

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


def _prec(nr_irqs: int) -> int:
    prec, j = 3, 1000
    while prec < 10 and j <= nr_irqs:
        prec += 1
        j *= 10
    return prec


def _row(kernel: Kernel, irq: int, desc: IrqDesc, prec: int) -> str | None:
    cfg = kernel.config
    cpus = range(kernel.num_cpus)
    any_count = any(desc.kstat_irqs[c] for c in cpus)
    if cfg.v6:
        if desc.settings_has(IRQ_HIDDEN) or not desc.actions or desc.chained:
            return None
    elif (not desc.actions or desc.chained) and not any_count:
        return None
    out = [f"{irq:{prec}d}: "]
    out.extend(f"{desc.kstat_irqs[c]:10d} " for c in cpus)
    chip = desc.irq_data.chip
    fmt8 = "{:>8}" if cfg.v6 else " {:>8}"
    if chip.irq_print_chip is not None:
        out.append(chip.irq_print_chip(desc.irq_data))
    else:
        out.append(fmt8.format(chip.name if chip.name else "-"))
    if desc.irq_data.domain is not None:
        out.append(f" {desc.irq_data.hwirq:{prec}d}")
    elif cfg.v6:
        out.append(" " + " " * prec)
    if cfg.show_level:
        out.append(f" {'Level' if desc.irq_data.irqd_is_level_type() else 'Edge':<8}")
    if desc.name:
        out.append(f"-{desc.name:<8}")
    if desc.actions and not desc.chained:
        out.append("  " + desc.actions[0].name)
        out.extend(", " + a.name for a in desc.actions[1:])
    elif desc.chained:
        out.append("  (null)")  # chained_action has no name
    return "".join(out)


def arch_show_interrupts(kernel: Kernel, prec: int) -> list[str]:
    cpus = range(kernel.num_cpus)
    lines: list[str] = []
    if kernel.config.arch == "arm":
        if kernel.fiq_owner:  # show_fiq_list (CONFIG_FIQ)
            lines.append(f"{'FIQ':>{prec}}:   {kernel.fiq_owner}")
        for i, name in enumerate(ARM_IPI_TYPES):  # show_ipi_list
            row = f"{'IPI':>{prec - 1}}{i}: " + "".join(
                f"{kernel.ipi_counts[c][i]:10d} " for c in cpus)
            lines.append(row + f" {name}")
        lines.append(f"{'Err':>{prec}}: {kernel.irq_err_count:10d}")
    else:
        for sym, name in X86_ARCH_ROWS:
            counts = kernel.arch_stats[sym]
            lines.append(f"{sym:>{prec}}: " + "".join(f"{counts[c]:10d} " for c in cpus)
                         + f"  {name}")
        lines.append(f"{'ERR':>{prec}}: {kernel.irq_err_count:10d}")
        lines.append(f"{'MIS':>{prec}}: {kernel.irq_mis_count:10d}")
    return lines


def show_interrupts(kernel: Kernel) -> str:
    """The whole of /proc/interrupts."""
    prec = _prec(kernel.nr_irqs)
    lines = [" " * (prec + 8) + "".join(f"CPU{c:<8d}" for c in range(kernel.num_cpus))]
    for irq in range(kernel.nr_irqs):
        desc = kernel.irq_descs.get(irq)
        if desc is None:
            continue
        row = _row(kernel, irq, desc, prec)
        if row is not None:
            lines.append(row)
    lines.extend(arch_show_interrupts(kernel, prec))
    return "\n".join(lines) + "\n"
