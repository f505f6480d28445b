"""note_interrupt: "irq N: nobody cared" after 99,901 unhandled of 100,000."""

from __future__ import annotations

from kfakes import RecChip, desc_of, make_kernel, new_line

from irqemu.kernel.genirq.chip import handle_fasteoi_irq
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE, IRQS_SPURIOUS_DISABLED


def storm(unhandled: int, handled: int, gap_ps: int = 0):
    k = make_kernel()
    rec = RecChip()
    irq = new_line(k, rec, handle_fasteoi_irq)
    results = [IRQ_HANDLED] * handled + [IRQ_NONE] * unhandled
    it = iter(results)

    def h(i, d):
        return next(it)

    k.request_irq(irq, h, 0, "dev", None)
    with k.on_cpu(0):
        k.ops.local_irq_disable()
        for _ in results:
            k.generic_handle_irq(irq)
            if gap_ps:
                k.ops.advance_ps(gap_ps)  # type: ignore[attr-defined]
    return k, irq


def test_99901_unhandled_disables_the_line():
    k, irq = storm(99_901, 99)
    desc = desc_of(k, irq)
    text = [m.split("] ", 1)[1] for m in k.dmesg]
    assert 'irq 16: nobody cared (try booting with the "irqpoll" option)' in text
    i = text.index("handlers:")
    assert text[i + 1].startswith("[<c0a") and text[i + 1].endswith(">] h")
    assert text[-1] == "Disabling IRQ #16"
    assert desc.istate & IRQS_SPURIOUS_DISABLED and desc.depth == 1
    assert desc.irqd_irq_disabled() and desc.irq_count == 0 and desc.irqs_unhandled == 0
    assert k.spurious_poll_armed is not None


def test_99900_unhandled_is_tolerated():
    k, irq = storm(99_900, 100)
    desc = desc_of(k, irq)
    assert not desc.istate & IRQS_SPURIOUS_DISABLED and desc.depth == 0
    assert not any("nobody cared" in m for m in k.dmesg)
    assert desc.irq_count == 0 and desc.irqs_unhandled == 0  # new window


def test_sparse_unhandled_never_accumulates():
    # more than HZ/10 (100 ms at HZ=100) between unhandled ones: irqs_unhandled = 1
    k, irq = storm(100_000, 0, gap_ps=110 * 10**9)
    assert not desc_of(k, irq).istate & IRQS_SPURIOUS_DISABLED


def test_new_action_resets_counters_and_reenables_shared_line():
    from irqemu.kernel.genirq.types import IRQF_SHARED

    k = make_kernel()
    irq = new_line(k, RecChip(), handle_fasteoi_irq)
    k.request_irq(irq, lambda i, d: IRQ_NONE, IRQF_SHARED, "a", 1)
    with k.on_cpu(0):
        k.ops.local_irq_disable()
        for _ in range(100_000):
            k.generic_handle_irq(irq)
    desc = desc_of(k, irq)
    assert desc.istate & IRQS_SPURIOUS_DISABLED
    k.request_irq(irq, lambda i, d: IRQ_HANDLED, IRQF_SHARED, "b", 2)
    assert not desc.istate & IRQS_SPURIOUS_DISABLED and desc.depth == 0


def _spurious_disabled(flags: int, nactions: int = 1):
    """A line in the state note_interrupt leaves after "nobody cared" (the storm itself
    is tested above); its handlers now say IRQ_HANDLED and record their dev_id."""
    from irqemu.kernel.genirq.types import UPCALLS

    k = make_kernel()
    irq = new_line(k, RecChip(), handle_fasteoi_irq)
    calls: list[int] = []

    def h(i, d):
        calls.append(d)
        return IRQ_HANDLED

    for n in range(nactions):
        k.request_irq(irq, h, flags, f"dev{n}", n)
    desc = desc_of(k, irq)
    with k.on_cpu(0):
        desc.istate |= IRQS_SPURIOUS_DISABLED
        desc.depth += 1
        UPCALLS.irq_disable(desc)
    k.spurious_poll_armed = 10
    return k, desc, calls


def test_poll_spurious_irqs_polls_a_shared_line():
    from irqemu.kernel.genirq.spurious import poll_spurious_irqs
    from irqemu.kernel.genirq.types import IRQF_SHARED, IRQS_POLL_INPROGRESS

    k, desc, calls = _spurious_disabled(IRQF_SHARED, nactions=2)
    with k.on_cpu(0):
        poll_spurious_irqs(k)
    assert calls == [0, 1]  # every action of the line, once, in order
    assert not desc.istate & IRQS_POLL_INPROGRESS and not desc.irqd_irq_inprogress()
    assert k.spurious_poll_armed is None


def test_poll_spurious_irqs_skips_non_shared_and_timer_lines():
    # 4.6 try_one_irq: !(action->flags & IRQF_SHARED) || (action->flags & __IRQF_TIMER)
    from irqemu.kernel.genirq.spurious import poll_spurious_irqs, try_one_irq
    from irqemu.kernel.genirq.types import __IRQF_TIMER, IRQF_SHARED

    for flags in (0, IRQF_SHARED | __IRQF_TIMER):
        k, desc, calls = _spurious_disabled(flags)
        with k.on_cpu(0):
            poll_spurious_irqs(k)
            assert not try_one_irq(desc, True)
        assert calls == []


def test_try_one_irq_leaves_a_disabled_line_alone_unless_forced():
    from irqemu.kernel.genirq.spurious import try_one_irq
    from irqemu.kernel.genirq.types import IRQF_SHARED

    k, desc, calls = _spurious_disabled(IRQF_SHARED)
    with k.on_cpu(0):
        assert not try_one_irq(desc, False)
        assert calls == []
        assert try_one_irq(desc, True)
    assert calls == [0]
