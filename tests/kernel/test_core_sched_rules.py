"""Linux 4.6's scheduling and threading rules on the emulated cores: kernel.elf on
the imx6q, the scheduler's decisions run by CoreRunner (tasks are register
contexts), the tick from each CPU's twd. The same rules on model CPUs:
test_sched_rules.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers import imx6q_with_irq_source

from irqemu.boards.imx6q import PTIMER_BASE
from irqemu.devices.irq_source import IrqSource
from irqemu.kernel import Kernel
from irqemu.kernel.context import SCHED_FIFO, SCHED_NORMAL, SCHED_RR, Task
from irqemu.kernel.drivers.arm_twd import TWD_PPI, twd_local_timer_register
from irqemu.kernel.drivers.irq_gic import gic_of_init
from irqemu.kernel.genirq.manage import synchronize_irq_sleep
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE, IRQ_TYPE_LEVEL_HIGH, IRQ_WAKE_THREAD
from irqemu.kernel.platform import CoreRunner, KernelPlatform, MachineCpuOps, scheduler_platform
from irqemu.kernel.sched import Sched, spawn
from irqemu.kernel.timer import Timers, tick_handle_periodic
from irqemu.machine.machine import Machine

DEV = 0x02190000  #: an IrqSource on GIC SPI 22
MS = 10**9
US = 10**6
CPU_HZ = 792_000_000
SLICE = 79_200  #: 0.1 ms of model work


@dataclass
class Booted:
    machine: Machine
    kernel: Kernel
    runner: CoreRunner
    platform: KernelPlatform
    dev: IrqSource
    log: list[tuple[str, int, int]] = field(default_factory=list)  #: (who, cpu, ps)
    irq: int = 0
    tasks: dict[str, Task] = field(default_factory=dict)

    def sched(self) -> Sched:
        s = self.kernel.sched
        assert isinstance(s, Sched)
        return s


def boot(flavour: str = "mainline", *, booted: int = 4, threaded: bool = True,
         on_start: Callable[[Booted], None] | None = None, engine: str = "native",
         **sched_kw: Any) -> Booted:
    """kernel.elf on the imx6q with 4 CPUs in the kernel model, ``booted`` of them
    brought up (the others stay in reset), the twd tick at HZ on each, and (if
    ``threaded``) a threaded handler on the IrqSource's SPI."""
    m, dev = imx6q_with_irq_source(DEV, 22, engine)
    runner = CoreRunner()
    k = Kernel(flavour, m.num_cpus, ops=MachineCpuOps(m), sched=Sched(backend=runner, **sched_kw))
    timers = Timers(k)
    parts: dict[str, Any] = {}
    b: Booted

    def start(p: KernelPlatform) -> None:
        gic = parts["gic"] = gic_of_init(k, p.io, init_all_cpus=False)
        gic.gic_cpu_init()
        twd = parts["twd"] = twd_local_timer_register(
            k, p.io, gic.map_ppi(TWD_PPI), PTIMER_BASE, CPU_HZ // 2,
            lambda cpu: tick_handle_periodic(timers, cpu))
        twd.twd_timer_setup()
        if threaded:
            b.irq = gic.map_spi(22, IRQ_TYPE_LEVEL_HIGH)

            def hard(i: int, d: Any) -> int:
                st = p.io.read32(0, DEV)
                if not st:
                    return IRQ_NONE
                p.io.write32(0, DEV + 4, st)
                b.log.append(("hard", k.ops.smp_processor_id(), k.ops.now_ps()))
                return IRQ_WAKE_THREAD

            def thread(i: int, d: Any) -> int:
                b.log.append(("thread", k.ops.smp_processor_id(), k.ops.now_ps()))
                return IRQ_HANDLED

            assert k.request_threaded_irq(b.irq, hard, thread, 0, "dev0", dev) == 0
        if on_start is not None:
            on_start(b)
        if booted > 1:
            p.boot_secondaries(range(1, booted))

    def secondary(p: KernelPlatform, cpu: int) -> None:
        parts["gic"].starting_cpu()
        parts["twd"].twd_timer_setup()

    plat = scheduler_platform(m, k, on_start=start, on_secondary=secondary)
    b = Booted(m, k, runner, plat, dev)
    return b


def hog(b: Booted, name: str, slices: int, cycles: int = SLICE,
        done: list[str] | None = None) -> Callable[[], Iterator[int]]:
    def body() -> Iterator[int]:
        for _ in range(slices):
            yield cycles
        if done is not None:
            done.append(name)
    return body


def add(b: Booted, name: str, body: Callable[[], Any], **kw: Any) -> None:
    b.tasks[name] = spawn(b.kernel, name, body, **kw)


# -- select_task_rq_rt on the cores -------------------------------------------------------------


@pytest.mark.parametrize("engine", ["native", "reference"])
def test_woken_rt_irq_thread_runs_at_once_on_an_idle_core(engine: str) -> None:
    """kernel/sched/rt.c select_task_rq_rt -> find_lowest_rq: the irq thread woken
    on CPU0, where a FIFO 90 task runs, goes to an idle CPU (a reschedule IPI)
    and runs there within microseconds, not after the hog's remaining ~9 ms."""
    def start(b: Booted) -> None:
        add(b, "fifo90", hog(b, "fifo90", 100), policy=SCHED_FIFO, rt_priority=90)

    b = boot(on_start=start, engine=engine)
    b.dev.fire_at([2 * MS])
    b.machine.run(max_time_ps=15 * MS)
    (_, hcpu, ht), (_, tcpu, tt) = b.log
    assert hcpu == 0 and tcpu != 0
    assert tt - ht < 100 * US
    assert b.platform.current_checks["disagree"] == 0


# -- the tick on the cores ------------------------------------------------------------------------


def test_tick_shares_a_throttled_rt_window_between_cfs_tasks() -> None:
    """kernel/sched/core.c scheduler_tick -> task_tick_fair -> check_preempt_tick:
    in the 50 ms RT throttling leaves of each second (rt.c sched_rt_runtime_exceeded),
    two SCHED_OTHER tasks take turns at the twd tick, as they would standalone."""
    def start(b: Booted) -> None:
        add(b, "rt", hog(b, "rt", 20_000), policy=SCHED_FIFO, rt_priority=50)
        add(b, "a", hog(b, "a", 20_000), policy=SCHED_NORMAL)
        add(b, "b", hog(b, "b", 20_000), policy=SCHED_NORMAL)

    b = boot(booted=1, threaded=False, on_start=start, rt_runtime_share=False)
    b.machine.run(max_time_ps=1000 * MS)
    a, bb = b.tasks["a"].sum_exec_ps, b.tasks["b"].sum_exec_ps
    assert any("RT throttling activated" in m for m in b.kernel.dmesg)
    assert a + bb > 40 * MS  # the window went to them
    assert min(a, bb) > 15 * MS  # and the tick split it (one tick = 10 ms)


def test_tick_expires_sched_rr_slices() -> None:
    """kernel/sched/rt.c task_tick_rt: a SCHED_RR task's 100 ms slice (RR_TIMESLICE)
    runs out at the tick and it goes to the tail of its priority's queue."""
    def start(b: Booted) -> None:
        add(b, "rr1", hog(b, "rr1", 20_000), policy=SCHED_RR, rt_priority=20)
        add(b, "rr2", hog(b, "rr2", 20_000), policy=SCHED_RR, rt_priority=20)

    b = boot(booted=1, threaded=False, on_start=start)
    b.machine.run(max_time_ps=450 * MS)
    r1, r2 = b.tasks["rr1"].sum_exec_ps, b.tasks["rr2"].sum_exec_ps
    assert 150 * MS < r1 < 300 * MS and 150 * MS < r2 < 300 * MS


# -- RT runtime sharing on a kernel whose secondaries never started --------------------------------


def test_rt_runtime_not_borrowed_from_cpus_never_brought_up() -> None:
    """kernel/sched/rt.c do_balance_runtime lends from rd->span (the online CPUs):
    a 4-CPU kernel with CPUs 1-3 never brought up throttles its FIFO hog at
    950 ms of the period (RT_RUNTIME_SHARE has nobody to borrow from)."""
    def start(b: Booted) -> None:
        add(b, "hog", hog(b, "hog", 2_000, 792_000), policy=SCHED_FIFO, rt_priority=50)

    b = boot(booted=1, threaded=False, on_start=start)
    b.machine.run(max_time_ps=990 * MS)
    rq0 = b.sched().rq[0]
    assert b.kernel.cpu_online == {0}
    assert rq0.rt_runtime == 950 * MS and rq0.rt_throttled
    assert any("RT throttling activated" in m for m in b.kernel.dmesg)


# -- synchronize_irq from a task on the cores ---------------------------------------------------


def test_synchronize_irq_from_a_task_on_the_core_sleeps_until_the_thread_ran() -> None:
    """kernel/irq/manage.c synchronize_irq: wait_event(desc->wait_for_threads, ...):
    a FIFO 60 task on the core that outranks the irq thread sleeps in it, the thread
    runs, and its wake_threads_waitq wakes the task."""
    def start(b: Booted) -> None:
        def caller() -> Iterator[Any]:
            for _ in range(30):  # 3 ms of work: the interrupt arrives at 2 ms
                yield SLICE
            b.log.append(("call", b.kernel.ops.smp_processor_id(), 0))
            yield from synchronize_irq_sleep(b.kernel, b.irq)
            b.log.append(("returned", b.kernel.ops.smp_processor_id(), 0))
        add(b, "caller", caller, policy=SCHED_FIFO, rt_priority=60)

    b = boot(booted=1, on_start=start)
    b.dev.fire_at([2 * MS])
    b.machine.run(max_time_ps=6 * MS)
    assert [w for w, _, _ in b.log] == ["hard", "call", "thread", "returned"]


# -- irq_set_affinity on the cores ----------------------------------------------------------------


def test_irq_thread_follows_irq_set_affinity_before_its_handler_on_the_cores() -> None:
    """kernel/irq/manage.c irq_thread_check_affinity -> set_cpus_allowed_ptr(current):
    after irq_set_affinity(irq, {2}) the next thread run's handler runs on CPU2."""
    b = boot()
    moved: list[int] = []
    b.machine.schedule(3 * MS, lambda: moved.append(b.kernel.irq_set_affinity(b.irq, {2})),
                       "smp_affinity")
    b.dev.fire_at([2 * MS, 5 * MS])
    b.machine.run(max_time_ps=7 * MS)
    assert moved == [0]
    assert [(w, c) for w, c, _ in b.log] == [("hard", 0), ("thread", 0), ("hard", 2),
                                             ("thread", 2)]
    assert b.platform.current_checks["disagree"] == 0
