"""Shared helpers for the kernel-model tests (tests/kernel):
kernels, recording chips, lines, hard IRQs, and the fentry check."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from irqemu.kernel import Kernel
from irqemu.kernel.context import KFUNC_CODES, KFUNC_NAMES, DeferredRunner, model_stack
from irqemu.kernel.genirq.chip import handle_fasteoi_irq, irq_set_chip_and_handler_name
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
from irqemu.kernel.softirq import Softirq


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


def bh_kernel(flavour: str = "mainline", version: str = "4.6", num_cpus: int = 1,
              autorun: bool = False, **softirq_kw: Any) -> Kernel:
    """A kernel for the bottom-half tests: threads run only when a test says so."""
    return Kernel(flavour, num_cpus, version="6.x" if version == "6.x" else "4.6",
                  sched=DeferredRunner(autorun=autorun),
                  softirq=Softirq(version=version, **softirq_kw))


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
    would (see :func:`hardirq_do`)."""
    hardirq_do(k, lambda: k.generic_handle_irq(irq), cpu)


def hardirq_do(k: Kernel, body: Callable[[], object], cpu: int = 0) -> None:
    """A hard IRQ whose handler is ``body``: interrupts masked, irq_enter, body,
    irq_exit; then the scheduler hook (the default runner runs woken threads)."""
    with k.on_cpu(cpu):
        was = k.ops.irqs_disabled()
        k.ops.local_irq_disable()
        k.irq_enter()
        body()
        k.irq_exit()
        if not was:
            k.ops.local_irq_enable()
        if not k.in_interrupt():
            k.sched.hardirq_done(cpu)


def line(k: Kernel) -> int:
    """A fasteoi line on a chip that does nothing."""
    chip = IrqChip("NOP", irq_mask=lambda d: None, irq_unmask=lambda d: None,
                   irq_eoi=lambda d: None, irq_set_type=lambda d, t: 0,
                   irq_set_affinity=lambda d, m, f: 0)
    irq = irq_alloc_descs_from(k, 16, 1)
    irq_set_chip_and_handler_name(k.irq_descs[irq], chip, handle_fasteoi_irq)
    k.irq_descs[irq].status_use_accessors |= IRQ_TYPE_LEVEL_HIGH
    return irq


def record(k: Kernel) -> list[tuple[str, int, str]]:
    """softirq_entry events as (event, vec, current comm)."""
    log: list[tuple[str, int, str]] = []

    def on(kk: Kernel, name: str, *a: Any) -> None:
        log.append((name, int(a[0]), kk.current[kk.ops.smp_processor_id()].comm))

    k.register_kprobe("softirq_entry", on)
    return log


def desc_of(k: Kernel, irq: int) -> IrqDesc:
    return k.irq_descs[irq]


def handler(ret: int, log: list[str] | None = None, name: str = "h") -> Any:
    def h(irq: int, dev: Any) -> int:
        if log is not None:
            log.append(name)
        return ret

    h.__name__ = name
    return h


# -- the fentry check ------------------------------------------------------------------


@pytest.fixture(autouse=True)
def checked_fentry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every ``Kernel.fentry`` in the kernel tests checks, as it runs, that the name
    it charges and probes under is the one its function is declared with, and, for
    functions shown in stacks, the innermost frame of the model stack."""
    real = Kernel.fentry

    def fentry(self: Kernel, name: Any, *args: Any) -> None:
        code = sys._getframe(1).f_code
        declared = KFUNC_NAMES.get(code)
        if name is ...:  # not bound: the real fentry refuses it
            real(self, name, *args)
            return
        assert declared == name, f"{code.co_qualname}: fentry({name!r}), @kfunc {declared!r}"
        if code in KFUNC_CODES:
            top = model_stack()[0]
            assert top == name, f"{code.co_qualname}: fentry({name!r}), stack top {top!r}"
        real(self, name, *args)

    monkeypatch.setattr(Kernel, "fentry", fentry)
    yield
