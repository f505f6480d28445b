"""A model-level network receive load shared by the softirq scenarios' ``--model-only``
path (on the cores they use the FEC device model and driver instead).

A toy i.MX6 FEC (``2188000.ethernet``, GIC SPI 118 on the model board) receives
frames at a fixed rate; its level interrupt is asserted while frames wait and
RXF is unmasked. The driver follows fec_enet_interrupt / fec_enet_rx_napi:
the hard-IRQ handler masks RXF (IMASK = FEC_NAPI_IMASK) and calls
``__napi_schedule`` -> ``__raise_softirq_irqoff(NET_RX_SOFTIRQ)``;
``net_rx_action`` polls with budget 300 and weight 64 within 2 jiffies, each
frame through ``napi_gro_receive``; a poll that finishes its work calls
napi_complete and unmasks RXF, otherwise NET_RX is raised again
(``__raise_softirq_irqoff_ksoft`` on RT: the leftovers go to ksoftirqd).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from irqemu.kernel import Kernel
from irqemu.kernel.context import kfunc
from irqemu.kernel.costs import estimate, kernel_cost_table, linux_basis
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE, IRQ_TYPE_LEVEL_HIGH
from irqemu.kernel.sched import Sched, SimCpuOps, StandaloneRunner, runner_of
from irqemu.kernel.softirq import NET_RX_SOFTIRQ, Softirq, kernel_softirq
from irqemu.kernel.timer import Timers
from irqemu.scenarios.model_board import ModelBoard

FEC_SPI = 118  #: i.MX6Q ENET: SPI 118 = GIC hwirq 150
NAPI_WEIGHT = 64
NETDEV_BUDGET = 300
#: the toy FEC's work per received frame (name -> KernelCost)
NETLOAD_COSTS = kernel_cost_table("NETLOAD_COSTS", {
    "netload/rx_frame": estimate(
        1800, "fec_enet_rx's per-frame work, GRO and netif_receive_skb in one charge",
        linux_basis("drivers/net/ethernet/freescale/fec_main.c fec_enet_rx_queue(), "
                    "net/core/dev.c napi_gro_receive() and __netif_receive_skb_core()")),
})
RX_FRAME_CYCLES = NETLOAD_COSTS["netload/rx_frame"].cycles


@dataclass
class Fec:
    board: ModelBoard
    runner: StandaloneRunner
    rx_waiting: int = 0
    rxf_enabled: bool = True
    napi_scheduled: bool = False
    received: int = 0
    arrived: int = 0
    level: bool = False
    contexts: dict[str, int] = field(default_factory=dict)

    def update_line(self) -> None:
        level = self.rx_waiting > 0 and self.rxf_enabled
        if level != self.level:
            self.level = level
            self.board.set_spi(FEC_SPI, level)
        if level and self.board.irq_asserted(0):
            k = self.board.kernel
            self.runner.at(k.ops.now_ps(), 0, self.take_irq, "fec-irq")

    def take_irq(self) -> None:
        if self.board.irq_asserted(0):
            self.board.kernel.irq(0)

    def frame_arrives(self) -> None:
        self.arrived += 1
        self.rx_waiting += 1
        self.update_line()


def build(flavour: str, *, version: str = "4.6", num_cpus: int = 1, ktimersoftd: bool | None
          = None, hz_cpu: int = 792_000_000, observe: Callable[[Kernel], object] | None = None,
          **sched_kw: Any) -> tuple[ModelBoard, Kernel, StandaloneRunner, Timers]:
    """The model board with a kernel on model CPUs; ``observe(kernel)`` right after
    the kernel is built."""
    ops = SimCpuOps(num_cpus, hz_cpu)
    board = ModelBoard(flavour, num_cpus, version=version, ops=ops, sched=Sched(**sched_kw),
                       softirq=Softirq(ktimersoftd=ktimersoftd), observe=observe)
    k = board.kernel
    r = runner_of(k)
    timers = Timers(k)
    return board, k, r, timers


def attach_fec(board: ModelBoard, k: Kernel, r: StandaloneRunner) -> tuple[Fec, int]:
    fec = Fec(board, r)
    irq = board.gic.map_spi(FEC_SPI, IRQ_TYPE_LEVEL_HIGH)
    s = kernel_softirq(k)

    @kfunc()
    def fec_enet_interrupt(irq_: int, dev: Any) -> int:
        k.fentry(..., irq_)
        if not fec.rx_waiting:
            return IRQ_NONE
        if not fec.napi_scheduled:  # napi_schedule_prep
            fec.napi_scheduled = True
            fec.rxf_enabled = False  # writel(FEC_NAPI_IMASK, fep->hwp + FEC_IMASK)
            fec.update_line()
            __napi_schedule()
        return IRQ_HANDLED

    @kfunc()
    def __napi_schedule() -> None:
        k.fentry(...)
        s.raise_softirq_irqoff_nowake(NET_RX_SOFTIRQ)

    @kfunc()
    def napi_gro_receive() -> None:
        k.fentry(...)
        k.ops.charge(RX_FRAME_CYCLES)
        fec.received += 1
        cpu = k.ops.smp_processor_id()
        where = "irq_exit" if s._at_irq_exit[cpu] else k.current[cpu].comm
        fec.contexts[where] = fec.contexts.get(where, 0) + 1

    @kfunc()
    def fec_enet_rx_napi(budget: int) -> int:
        k.fentry(..., budget)
        done = 0
        while done < budget and fec.rx_waiting:
            fec.rx_waiting -= 1
            napi_gro_receive()
            done += 1
            if done % 8 == 0:
                s._irq_window()
        if done < budget:  # napi_complete_done; writel(FEC_DEFAULT_IMASK)
            fec.napi_scheduled = False
            fec.rxf_enabled = True
            fec.update_line()
        return done

    @kfunc()
    def net_rx_action() -> None:
        k.fentry(...)
        time_limit = k.jiffies + 2
        budget = NETDEV_BUDGET
        while fec.napi_scheduled:
            work = fec_enet_rx_napi(NAPI_WEIGHT)
            budget -= work
            if budget <= 0 or k.jiffies >= time_limit:
                break
            if work < NAPI_WEIGHT:
                break
        if fec.napi_scheduled:
            k.ops.local_irq_disable()
            if k.config.preempt_rt:
                s.raise_softirq_irqoff_ksoft(NET_RX_SOFTIRQ)
            else:
                s.raise_softirq_irqoff_nowake(NET_RX_SOFTIRQ)
            k.ops.local_irq_enable()

    s.open_softirq(NET_RX_SOFTIRQ, net_rx_action, "net_rx_action")
    ret = k.request_irq(irq, fec_enet_interrupt, 0, "2188000.ethernet", fec)
    assert ret == 0, ret
    return fec, irq


def flood(r: StandaloneRunner, fec: Fec, *, start_ps: int, end_ps: int, rate_pps: int,
          burst: int = 1) -> int:
    """Frames at ``rate_pps`` (in bursts of ``burst``) from start to end (one pending
    event at a time); returns how many will arrive."""
    gap = 10**12 * burst // rate_pps

    def arrive_at(t: int) -> None:
        def arrive() -> None:
            for _ in range(burst):
                fec.frame_arrives()
            if t + gap < end_ps:
                arrive_at(t + gap)
        r.at(t, 0, arrive, "rx")

    if start_ps < end_ps:
        arrive_at(start_ps)
    return burst * max(0, -(-(end_ps - start_ps) // gap))


__all__ = ["FEC_SPI", "Fec", "attach_fec", "build", "flood"]
