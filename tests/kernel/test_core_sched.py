"""The scheduler on the emulated cores: tasks as register contexts, slices, preemption."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import imx6q_with_irq_source

from irqemu.kernel import Kernel
from irqemu.kernel.context import SCHED_FIFO
from irqemu.kernel.drivers.irq_gic import gic_of_init
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE, IRQ_TYPE_LEVEL_HIGH, IRQ_WAKE_THREAD
from irqemu.kernel.platform import CoreRunner, MachineCpuOps, scheduler_platform
from irqemu.kernel.sched import Sched, spawn

DEV = 0x02190000
MS = 10**9


def boot(flavour: str, engine: str = "native", long_task: bool = False) -> dict[str, Any]:
    m, dev = imx6q_with_irq_source(DEV, 22, engine)
    runner = CoreRunner()
    k = Kernel(flavour, m.num_cpus, ops=MachineCpuOps(m), sched=Sched(backend=runner))
    log: list[tuple[str, str, bool]] = []
    slices = [0]

    def start(p: Any) -> None:
        gic = gic_of_init(k, p.io, init_all_cpus=False)
        gic.gic_cpu_init()
        irq = gic.map_spi(22, IRQ_TYPE_LEVEL_HIGH)

        def hard(i: int, d: Any) -> int:
            st = p.io.read32(0, DEV)
            if not st:
                return IRQ_NONE
            p.io.write32(0, DEV + 4, st)
            log.append(("hard", k.current[0].comm, k.in_irq()))
            return IRQ_WAKE_THREAD

        def thread(i: int, d: Any) -> int:
            log.append(("thread", k.current[0].comm, k.in_irq()))
            return IRQ_HANDLED

        assert k.request_threaded_irq(irq, hard, thread, 0x80, "dev0", dev) == 0
        if long_task:
            def busy() -> Any:  # a CPU hog in 200 slices of 20,000 cycles
                for _ in range(200):
                    slices[0] += 1
                    yield 20_000
            spawn(k, "hog", busy, policy=SCHED_FIFO, rt_priority=10)

    plat = scheduler_platform(m, k, on_start=start)
    dev.fire_at([i * MS for i in range(1, 6)])
    r = m.run(max_time_ps=8 * MS)
    return {"log": log, "checks": dict(plat.current_checks), "switches": runner.switches,
            "irqs": r.interrupts[0].get("IRQ", 0), "slices": slices[0], "cycles": r.cycles,
            "threads": sorted(t.comm for t in k.irq_threads())}


def test_rt_forced_threads_run_as_tasks_on_the_core() -> None:
    f = boot("rt")
    assert f["threads"] == ["irq/16-dev0", "irq/16-s-dev0"]
    assert f["log"][:2] == [("hard", "irq/16-dev0", False), ("thread", "irq/16-s-dev0", False)]
    assert f["irqs"] == 5 and len(f["log"]) == 10
    assert f["switches"] >= 10  # idle -> irq thread -> s- thread -> idle, per interrupt
    assert f["checks"] == {"agree": 5, "disagree": 0}


def test_mainline_hard_handler_runs_on_the_interrupted_task() -> None:
    f = boot("mainline")
    assert f["log"][:2] == [("hard", "swapper/0", True), ("thread", "irq/16-dev0", False)]
    assert f["checks"]["disagree"] == 0


def test_hard_irqs_interrupt_a_running_task_between_slices() -> None:
    f = boot("mainline", long_task=True)
    assert f["slices"] == 200
    # some interrupts arrived while the hog was current on the core; the guest's
    # sp-derived current agreed with the model's each time
    assert ("hard", "hog", True) in f["log"]
    assert f["checks"]["disagree"] == 0 and f["checks"]["agree"] == f["irqs"] == 5


def test_rt_irq_thread_preempts_the_lower_priority_hog() -> None:
    f = boot("rt", long_task=True)
    # the hard IRQ wakes irq/16-dev0 (FIFO 50) which preempts the hog (FIFO 10)
    assert ("hard", "irq/16-dev0", False) in f["log"]
    assert f["slices"] == 200 and f["checks"]["disagree"] == 0


@pytest.mark.parametrize("flavour", ["mainline", "rt"])
def test_engines_agree(flavour: str) -> None:
    assert boot(flavour, "native", True) == boot(flavour, "reference", True)
