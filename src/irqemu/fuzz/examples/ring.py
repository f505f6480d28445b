"""A NIC-like driver whose RX thread and TX-completion tasklet both advance one ring
producer index: ``buggy`` without a lock, ``fixed`` with the RX side under
local_bh_disable (spin_lock_bh's bh half, all a one-CPU tasklet needs).

- RX line (level): ``request_threaded_irq`` with a primary that only checks the
  device (IRQ_WAKE_THREAD) and a thread that acknowledges the events and, for each
  received buffer, refills one ring slot: it reads ``prod``, copies (work, with a
  preemption point: the thread runs with interrupts on) and writes ``prod + 1``.
- TX line (edge): a plain hard handler that acknowledges the completion and
  schedules the ``tx_reclaim`` tasklet, which puts one buffer back: ``prod += 1``.

The invariant: ``prod`` advanced once per RX buffer and once per reclaim, and every
device event was acknowledged.

On mainline the TX hard IRQ can land in the RX thread between its read and its
write; the tasklet runs at that IRQ's irq_exit, on top of the thread, and the
thread's write then loses the tasklet's update. With ``threadirqs`` or on ``rt``
the TX handler is force-threaded: its tasklet runs when that thread's
local_bh_enable runs, after the RX thread's pass, and nothing is lost on one CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

from irqemu.fuzz.genirq_spec import (
    IRQ_HANDLED,
    IRQ_NONE,
    IRQ_WAKE_THREAD,
    IRQF_ONESHOT,
    Driver,
    Line,
    Request,
    Tasklet,
)
from irqemu.fuzz.genirq_world import Ctx, Facts

COPY_CYCLES = 8_000  #: one buffer's copy in the RX thread (~10 us at 792 MHz)


@dataclass
class Ring:
    prod: int = 0  #: the producer index both paths advance
    rx_refills: int = 0  #: touched by the RX thread only
    tx_reclaims: int = 0  #: touched by the tasklet only


def rx_primary(ctx: Ctx) -> int:
    return IRQ_WAKE_THREAD if ctx.device_events() else IRQ_NONE


def _refill_one(ctx: Ctx) -> None:
    ring: Ring = ctx.state
    prod = ring.prod
    ctx.trace_printk(f"rx refill: read prod {prod}")
    ctx.work(COPY_CYCLES // 2)
    ctx.preempt_point()
    ctx.work(COPY_CYCLES // 2)
    ring.prod = prod + 1
    ring.rx_refills += 1
    ctx.trace_printk(f"rx refill: write prod {prod + 1}")


def rx_thread_buggy(ctx: Ctx) -> int:
    for _ in range(ctx.device_ack()):
        _refill_one(ctx)
    return IRQ_HANDLED


def rx_thread_fixed(ctx: Ctx) -> int:
    for _ in range(ctx.device_ack()):
        with ctx.bh_disabled():  # spin_lock_bh(&ring->lock)
            _refill_one(ctx)
    return IRQ_HANDLED


def tx_handler(ctx: Ctx) -> int:
    if not ctx.device_ack():
        return IRQ_NONE
    ctx.tasklet_schedule("tx_reclaim")
    return IRQ_HANDLED


def tx_reclaim(ctx: Ctx) -> None:
    ring: Ring = ctx.state
    ring.prod += 1
    ring.tx_reclaims += 1
    ctx.trace_printk(f"tx reclaim: prod -> {ring.prod}")


def check(ring: Ring, facts: Facts) -> bool:
    assert not any(facts.unhandled.values()), f"events never acknowledged: {facts.unhandled}"
    assert ring.prod == ring.rx_refills + ring.tx_reclaims, (
        f"lost update: prod {ring.prod}, but {ring.rx_refills} RX refills + "
        f"{ring.tx_reclaims} TX reclaims")
    return True


def _driver(name: str, thread: object) -> Driver:
    return Driver(
        name,
        lines=(Line("rx", "level"), Line("tx", "edge")),
        requests=(Request("rx", "ring-rx", rx_primary, thread, IRQF_ONESHOT),  # type: ignore[arg-type]
                  Request("tx", "ring-tx", tx_handler)),
        tasklets=(Tasklet("tx_reclaim", tx_reclaim),),
        state=Ring, check=check, doc=__doc__ or "")


buggy = _driver("ring-buggy", rx_thread_buggy)
fixed = _driver("ring-fixed", rx_thread_fixed)
