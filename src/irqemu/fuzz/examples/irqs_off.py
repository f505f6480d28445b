"""A driver whose two hard handlers share a statistics counter without a lock, because
"handlers run with interrupts off": true on mainline, not once the handlers are threaded.

- DMA line (level): a plain ``request_irq`` handler that acknowledges the completions
  and adds them to ``stats`` with a read, some work, a write.
- TIMER line (edge): a ``request_irq(..., IRQF_NO_THREAD)`` handler (as a clock event
  is) that acknowledges its tick and adds it to the same ``stats``.

The invariant: ``stats`` is the sum of what each handler counted on its own.

On mainline both handlers run in hard IRQ context with interrupts off: one never
runs inside the other, and nothing is lost. With ``threadirqs`` and on ``rt`` the
DMA handler is force-threaded (irq/N-dma, interrupts on) while the TIMER handler
stays a hard handler: a tick lands between the DMA handler's read and write and its
update is lost. ``fixed`` does the DMA side's update with interrupts off
(``spin_lock_irqsave`` on a raw spinlock; on one CPU, local_irq_save).
"""

from __future__ import annotations

from dataclasses import dataclass

from irqemu.fuzz.genirq_spec import IRQ_HANDLED, IRQ_NONE, IRQF_NO_THREAD, Driver, Line, Request
from irqemu.fuzz.genirq_world import Ctx, Facts

ACCOUNT_CYCLES = 4_000  #: the DMA handler's bookkeeping between its read and write


@dataclass
class Stats:
    stats: int = 0  #: both handlers add to it
    dma: int = 0  #: the DMA handler only
    ticks: int = 0  #: the TIMER handler only


def _account(ctx: Ctx, n: int) -> None:
    s: Stats = ctx.state
    seen = s.stats
    ctx.trace_printk(f"dma: read stats {seen}")
    ctx.work(ACCOUNT_CYCLES)
    ctx.preempt_point()
    s.stats = seen + n
    s.dma += n
    ctx.trace_printk(f"dma: write stats {seen + n}")


def dma_buggy(ctx: Ctx) -> int:
    n = ctx.device_ack()
    if not n:
        return IRQ_NONE
    _account(ctx, n)
    return IRQ_HANDLED


def dma_fixed(ctx: Ctx) -> int:
    n = ctx.device_ack()
    if not n:
        return IRQ_NONE
    with ctx.irqs_disabled():  # raw_spin_lock_irqsave(&stats_lock, flags)
        _account(ctx, n)
    return IRQ_HANDLED


def timer_tick(ctx: Ctx) -> int:
    n = ctx.device_ack()
    if not n:
        return IRQ_NONE
    s: Stats = ctx.state
    s.stats += n
    s.ticks += n
    ctx.trace_printk(f"timer: stats -> {s.stats}")
    return IRQ_HANDLED


def check(s: Stats, facts: Facts) -> bool:
    assert not any(facts.unhandled.values()), f"events never acknowledged: {facts.unhandled}"
    assert s.stats == s.dma + s.ticks, (
        f"lost update: stats {s.stats}, but {s.dma} DMA completions + {s.ticks} ticks")
    return True


def _driver(name: str, dma: object) -> Driver:
    return Driver(
        name,
        lines=(Line("dma", "level"), Line("timer", "edge")),
        requests=(Request("dma", "dma", dma),  # type: ignore[arg-type]
                  Request("timer", "timer", timer_tick, None, IRQF_NO_THREAD)),
        state=Stats, check=check, doc=__doc__ or "")


buggy = _driver("irqs-off-buggy", dma_buggy)
fixed = _driver("irqs-off-fixed", dma_fixed)
