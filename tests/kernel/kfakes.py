"""Shared helpers for the kernel-model tests: recording chips, lines, hard IRQs."""

from __future__ import annotations

from typing import Any

from irqemu.kernel import Kernel
from irqemu.kernel.context import DeferredRunner
from irqemu.kernel.genirq.chip import irq_set_chip_and_handler_name
from irqemu.kernel.genirq.irqdesc import irq_alloc_descs_from
from irqemu.kernel.genirq.types import (
    IRQ_LEVEL,
    IRQ_TYPE_EDGE_RISING,
    IRQ_TYPE_LEVEL_HIGH,
    IRQD_LEVEL,
    IrqChip,
    IrqData,
    IrqDesc,
)


class RecChip:
    """An irq_chip whose callbacks record (name, hwirq) and keep a masked flag."""

    def __init__(self, name: str = "REC", *, ack: bool = True, eoi: bool = True,
                 mask_ack: bool = False, disable: bool = False, retrigger: bool = False,
                 flags: int = 0) -> None:
        self.calls: list[str] = []
        self.hw_masked: dict[int, bool] = {}
        self.chip = IrqChip(
            name,
            irq_mask=self._rec("mask", lambda d: self.hw_masked.__setitem__(d.irq, True)),
            irq_unmask=self._rec("unmask", lambda d: self.hw_masked.__setitem__(d.irq, False)),
            irq_ack=self._rec("ack") if ack else None,
            irq_eoi=self._rec("eoi") if eoi else None,
            irq_mask_ack=self._rec("mask_ack", lambda d: self.hw_masked.__setitem__(d.irq, True))
            if mask_ack else None,
            irq_disable=self._rec("disable", lambda d: self.hw_masked.__setitem__(d.irq, True))
            if disable else None,
            irq_retrigger=self._retrigger if retrigger else None,
            irq_set_type=self._set_type,
            irq_set_affinity=self._set_affinity,
            flags=flags,
        )
        self.retriggered: list[int] = []

    def _rec(self, name: str, fn: Any = None) -> Any:
        def cb(d: IrqData) -> None:
            self.calls.append(name)
            if fn is not None:
                fn(d)

        cb.__name__ = name
        return cb

    def _retrigger(self, d: IrqData) -> int:
        self.calls.append("retrigger")
        self.retriggered.append(d.irq)
        return 1

    def _set_type(self, d: IrqData, t: int) -> int:
        self.calls.append(f"set_type:{t}")
        return 0

    def _set_affinity(self, d: IrqData, mask: frozenset[int], force: bool) -> int:
        self.calls.append("set_affinity")
        return 0

    def take(self) -> list[str]:
        out, self.calls = self.calls, []
        return out


def make_kernel(flavour: str = "mainline", version: str = "4.6", num_cpus: int = 2,
                autorun: bool = True, arch: str = "arm") -> Kernel:
    return Kernel(flavour, num_cpus, version=version, arch=arch,
                  sched=DeferredRunner(autorun=autorun))


def new_line(k: Kernel, rec: RecChip, flow: Any, *, level: bool = True,
             flow_name: str | None = None) -> int:
    """A descriptor with ``rec``'s chip and ``flow``; trigger type level or edge."""
    irq = irq_alloc_descs_from(k, 16, 1)
    desc = k.irq_descs[irq]
    irq_set_chip_and_handler_name(desc, rec.chip, flow, flow_name)
    t = IRQ_TYPE_LEVEL_HIGH if level else IRQ_TYPE_EDGE_RISING
    desc.status_use_accessors |= t | (IRQ_LEVEL if level else 0)
    desc.irq_data.common.state_use_accessors |= t | (IRQD_LEVEL if level else 0)
    return irq


def hardirq(k: Kernel, irq: int, cpu: int = 0) -> None:
    """An interrupt on ``cpu`` reaching ``irq``'s flow handler as handle_domain_irq
    would: interrupts masked, irq_enter, generic_handle_irq, irq_exit; then the
    scheduler hook (the default runner runs woken threads)."""
    with k.on_cpu(cpu):
        was = k.ops.irqs_disabled()
        k.ops.local_irq_disable()
        k.irq_enter()
        k.generic_handle_irq(irq)
        k.irq_exit()
        if not was:
            k.ops.local_irq_enable()
        if not k.in_interrupt():
            k.sched.hardirq_done(cpu)


def desc_of(k: Kernel, irq: int) -> IrqDesc:
    return k.irq_descs[irq]


def handler(ret: int, log: list[str] | None = None, name: str = "h") -> Any:
    def h(irq: int, dev: Any) -> int:
        if log is not None:
            log.append(name)
        return ret

    h.__name__ = name
    return h
