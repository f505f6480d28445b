"""The tracer prints irq_handler_exit as ftrace does: ``ret ? "handled" : "unhandled"``
(include/trace/events/irq.h), so a primary handler's IRQ_WAKE_THREAD is "handled"."""

from __future__ import annotations

import pytest
from kfakes import RecChip, handler, hardirq, make_kernel, new_line

from irqemu.kernel.genirq.chip import handle_fasteoi_irq
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE, IRQ_WAKE_THREAD, IRQF_ONESHOT
from irqemu.trace.tracepoints import Tracer


@pytest.mark.parametrize(("ret", "shown"), [(IRQ_HANDLED, "handled"), (IRQ_NONE, "unhandled"),
                                            (IRQ_WAKE_THREAD, "handled")])
def test_irq_handler_exit_ret(ret: int, shown: str) -> None:
    k = make_kernel()
    irq = new_line(k, RecChip(), handle_fasteoi_irq)
    k.request_threaded_irq(irq, handler(ret), handler(IRQ_HANDLED, name="t"), IRQF_ONESHOT,
                           "dev", None)
    with Tracer(k, ("irq_handler_exit",)) as tr:
        hardirq(k, irq)
    (ev,) = tr.buffer
    assert ev.fields["ret"] == ret
    assert ev.format().endswith(f"irq_handler_exit: irq={irq} ret={shown}")
