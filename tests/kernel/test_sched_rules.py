"""Linux 4.6's scheduling and threading rules, case by case, on model CPUs (the
standalone runner). The same rules on the emulated cores: test_core_sched_rules.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.kernel import Kernel
from irqemu.kernel.config import make
from irqemu.kernel.context import SCHED_FIFO, Task
from irqemu.kernel.genirq.manage import disable_irq_sleep, synchronize_irq_sleep
from irqemu.kernel.genirq.types import EBUSY, IRQ_HANDLED, IRQ_WAKE_THREAD, IRQF_SHARED
from irqemu.kernel.sched import SLEEP, Sched, SimCpuOps, is_rt, runner_of, spawn, standalone_kernel
from irqemu.scenarios.model_board import ModelBoard

MS = 10**9
US = 10**6
SPI = 40


def hog(slices: int, cycles: int = 79_200) -> Callable[[], Iterator[int]]:
    """``slices`` preemption points of ``cycles`` each (0.1 ms at 792 MHz)."""
    def body() -> Iterator[int]:
        for _ in range(slices):
            yield cycles
    return body


def board(flavour: str = "mainline", cpus: int = 4, **sched_kw: Any) -> ModelBoard:
    return ModelBoard(flavour, cpus, ops=SimCpuOps(cpus), sched=Sched(**sched_kw))


def threaded_line(b: ModelBoard, log: list[tuple[str, int, int]],
                  spi: int = SPI) -> int:
    """A level SPI whose primary handler quiets the device and wakes its thread;
    ``log`` gets (who, cpu, time) for the hard handler and the thread function."""
    k = b.kernel
    irq = b.gic.map_spi(spi)

    def hard(i: int, d: Any) -> int:
        b.set_spi(spi, False)
        log.append(("hard", k.ops.smp_processor_id(), k.ops.now_ps()))
        return IRQ_WAKE_THREAD

    def thread(i: int, d: Any) -> int:
        log.append(("thread", k.ops.smp_processor_id(), k.ops.now_ps()))
        return IRQ_HANDLED

    assert k.request_threaded_irq(irq, hard, thread, 0, "dev", None) == 0
    return irq


def raise_at(b: ModelBoard, when: int, cpu: int = 0, spi: int = SPI) -> None:
    def fire() -> None:
        b.set_spi(spi, True)
        b.fire(cpu)
    runner_of(b.kernel).at(when, cpu, fire, "dev")


# -- select_task_rq_rt / find_lowest_rq, push and pull ----------------------------------------


def test_woken_rt_irq_thread_goes_to_an_idle_cpu_not_behind_a_higher_fifo() -> None:
    """kernel/sched/rt.c select_task_rq_rt: when task_cpu(p) runs an RT task of
    higher (or equal) priority, p wakes on find_lowest_rq's CPU, here an idle one."""
    b = board()
    k, r = b.kernel, runner_of(b.kernel)
    log: list[tuple[str, int, int]] = []
    threaded_line(b, log)
    with k.on_cpu(0):
        spawn(k, "fifo90", hog(100), policy=SCHED_FIFO, rt_priority=90)
    raise_at(b, 1 * MS)
    r.run(20 * MS)
    (_, hcpu, ht), (_, tcpu, tt) = log
    assert hcpu == 0 and tcpu != 0
    assert tt - ht < 50 * US  # not the ~9 ms the hog still had on CPU0


def test_preempted_fifo_is_pushed_to_an_idle_cpu() -> None:
    """rt.c pick_next_task_rt -> queue_push_tasks -> push_rt_tasks: a FIFO task
    preempted by a higher one moves to a CPU running something lower at once."""
    k = standalone_kernel("mainline", 2, rt_runtime_us=-1)
    r = runner_of(k)
    with k.on_cpu(0):
        lo = spawn(k, "lo", hog(100), policy=SCHED_FIFO, rt_priority=10)
    r.at(1 * MS, 0, lambda: spawn(k, "hi", hog(50), policy=SCHED_FIFO, rt_priority=60))
    r.run(2 * MS)
    assert k.current[0].comm == "hi" and k.current[1] is lo


def test_cpu_that_drops_its_rt_task_pulls_a_waiting_one() -> None:
    """rt.c pick_next_task_rt -> need_pull_rt_task -> pull_rt_task: a CPU whose
    RT task sleeps takes a waiting RT task another CPU's higher one keeps off."""
    k = standalone_kernel("mainline", 2, rt_runtime_us=-1)
    r = runner_of(k)
    with k.on_cpu(0):
        spawn(k, "a90", hog(100), policy=SCHED_FIFO, rt_priority=90, cpus=frozenset({0}))
        spawn(k, "b80", hog(10), policy=SCHED_FIFO, rt_priority=80, cpus=frozenset({1}))
        w = spawn(k, "w50", hog(100), policy=SCHED_FIFO, rt_priority=50)
    r.run(int(0.5 * MS))
    assert k.current[1] is not w  # b80 holds CPU1, a90 holds CPU0: w50 waits
    r.run(2 * MS)  # b80 ended after 1 ms: CPU1 pulled w50
    assert k.current[1] is w


def rt_waits_behind_lower(k: Kernel) -> list[str]:
    """RT tasks queued (not running) while a CPU they may run on runs something of
    lower priority: what push/pull exist to prevent. A CPU with need_resched set
    has not had its chance yet (its clock may be a slice ahead of the waker's)."""
    s = k.sched
    assert isinstance(s, Sched)
    bad = []
    for rq in s.rq:
        if rq.need_resched:
            continue
        for q in rq.rt.values():
            for p in q:
                if p is rq.curr or any(o.curr is p for o in s.rq):
                    continue
                for c in s._allowed(p):
                    if s.rq[c].need_resched:
                        continue
                    cur = s.rq[c].curr
                    if not is_rt(cur) or cur.rt_priority < p.rt_priority:
                        bad.append(f"{p.comm} waits on CPU{rq.cpu} while CPU{c} runs {cur.comm}")
    return bad


def schedule_task(k: Kernel, i: int, prio: int, cpus: set[int] | None, wcpu: int, when: int,
                  n: int, again: bool) -> None:
    """FIFO task ``t<i>``, woken from CPU ``wcpu`` at ``when`` x 0.1 ms: ``n`` slices of
    0.1 ms, then (``again``) a sleep until 1 ms after."""
    r = runner_of(k)
    mask = None if cpus is None else frozenset(cpus)

    def body() -> Iterator[Any]:
        for _ in range(n):
            yield 79_200
        if again:
            yield SLEEP

    def wake() -> None:
        t = spawn(k, f"t{i}", body, policy=SCHED_FIFO, rt_priority=prio, cpus=mask,
                  wake=False)
        t.cpu = wcpu if mask is None else min(mask)
        k.wake_up_process(t)
        if again:
            rewake = k.ops.now_ps() + (n + 10) * 100 * US
            r.at(rewake, wcpu, lambda: k.wake_up_process(t), f"rewake{i}")

    r.at(when * 100 * US, wcpu, wake, f"wake{i}")


TASK = st.tuples(st.integers(1, 99),  # rt_priority
                 st.sampled_from([None, None, {0}, {1}, {3}]),  # any CPU, or pinned
                 st.integers(0, 3),  # waking CPU
                 st.integers(0, 40),  # wake time, 0.1 ms units
                 st.integers(1, 60),  # slices of 0.1 ms before it sleeps
                 st.booleans())  # wakes again 1 ms after it sleeps


@settings(max_examples=40, deadline=None)
@given(st.lists(TASK, min_size=1, max_size=9))
def test_no_rt_task_waits_while_a_cpu_runs_lower(tasks: list[Any]) -> None:
    """rt.c select_task_rq_rt, push_rt_tasks, pull_rt_task together: after any
    wakeups on 4 CPUs, once each CPU has rescheduled, no RT task waits on a run
    queue while a CPU it may run on runs a lower-priority task (or idles).
    Tasks may run anywhere or on one CPU: with partial masks 4.6 can leave one
    waiting (push_rt_task stops at the first task it cannot place, "other cpus
    will pull from us when ready", and an idle CPU does not pull)."""
    k = standalone_kernel("mainline", 4, rt_runtime_us=-1)
    r = runner_of(k)
    for i, spec in enumerate(tasks):
        schedule_task(k, i, *spec)
    for step in range(1, 16):
        r.run(step * 700 * US)
        assert rt_waits_behind_lower(k) == []


# -- RT runtime sharing -----------------------------------------------------------------------


def test_rt_runtime_borrowed_only_from_online_cpus() -> None:
    """rt.c do_balance_runtime: weight = cpumask_weight(rd->span) and the lenders
    are for_each_cpu(i, rd->span): a CPU never brought up lends nothing, so a FIFO
    hog on the only online CPU of four throttles at 950 ms of the period."""
    def run(online: set[int]) -> tuple[int, bool]:
        k = standalone_kernel("mainline", 4)
        k.cpu_online = online
        r = runner_of(k)
        with k.on_cpu(0):
            spawn(k, "hog", hog(12_000, 792_000), policy=SCHED_FIFO, rt_priority=50,
                  cpus=frozenset({0}))
        r.run(990 * MS)
        s = k.sched
        assert isinstance(s, Sched)
        return s.rq[0].rt_runtime, s.rq[0].rt_throttled
    assert run({0}) == (950 * MS, True)
    runtime, throttled = run({0, 1, 2, 3})  # three lenders: borrows up to the period
    assert runtime == 1000 * MS and not throttled


# -- synchronize_irq / disable_irq from a task ------------------------------------------------


def sync_board(call: str) -> tuple[list[str], Task]:
    """One CPU: the irq thread (FIFO 50) is woken but a FIFO 60 task holds the CPU
    and calls ``call`` on the line."""
    b = board(cpus=1)
    k, r = b.kernel, runner_of(b.kernel)
    log: list[tuple[str, int, int]] = []
    irq = threaded_line(b, log)

    def caller() -> Iterator[Any]:
        yield 79_200  # the interrupt arrives during this slice
        log.append(("call", 0, 0))
        fn = disable_irq_sleep if call == "disable_irq" else synchronize_irq_sleep
        ok = yield from fn(k, irq)
        log.append((f"returned {ok}", 0, 0))

    raise_at(b, 50 * US)
    with k.on_cpu(0):
        t = spawn(k, "caller", caller, policy=SCHED_FIFO, rt_priority=60)
    r.run(5 * MS)
    return [w for w, _, _ in log], t


def test_synchronize_irq_from_a_task_sleeps_until_the_thread_returned() -> None:
    """kernel/irq/manage.c synchronize_irq: wait_event(desc->wait_for_threads,
    !atomic_read(&desc->threads_active)); irq_thread's wake_threads_waitq wakes it.
    The caller (FIFO 60) outranks the thread (FIFO 50): only its sleep lets it run."""
    events, t = sync_board("synchronize_irq")
    assert events == ["hard", "call", "thread", "returned True"]
    assert t.state == "S"  # its pass ended; it sleeps until woken again


def test_disable_irq_from_a_task_waits_for_the_thread() -> None:
    """kernel/irq/manage.c disable_irq: __disable_irq_nosync, then synchronize_irq."""
    events, _ = sync_board("disable_irq")
    assert events == ["hard", "call", "thread", "returned True"]


def test_plain_synchronize_irq_inside_a_task_pass_is_refused_when_it_would_sleep() -> None:
    """A model task cannot block inside a plain call: it says how to sleep instead."""
    b = board(cpus=1)
    k, r = b.kernel, runner_of(b.kernel)
    irq = threaded_line(b, [])
    errors: list[str] = []

    def caller() -> Iterator[Any]:
        yield 79_200
        try:
            k.disable_irq(irq)
        except RuntimeError as e:
            errors.append(str(e))

    raise_at(b, 50 * US)
    with k.on_cpu(0):
        spawn(k, "caller", caller, policy=SCHED_FIFO, rt_priority=60)
    r.run(2 * MS)
    assert errors and "yield from synchronize_irq_sleep" in errors[0]


# -- irq_set_affinity moves the thread before its handler runs ---------------------------------


def test_irq_thread_moves_at_its_next_wakeup_before_the_handler_runs() -> None:
    """kernel/irq/manage.c irq_thread: irq_thread_check_affinity ->
    set_cpus_allowed_ptr(current, mask) before handler_fn, so the first thread run
    after irq_set_affinity runs on the new CPU."""
    b = board(cpus=2)
    k, r = b.kernel, runner_of(b.kernel)
    log: list[tuple[str, int, int]] = []
    irq = threaded_line(b, log)
    raise_at(b, 1 * MS, cpu=0)
    r.run(2 * MS)
    assert [(w, c) for w, c, _ in log] == [("hard", 0), ("thread", 0)]
    assert k.irq_set_affinity(irq, {1}) == 0
    raise_at(b, 3 * MS, cpu=1)  # the GIC now routes the line to CPU1
    r.run(5 * MS)
    assert [(w, c) for w, c, _ in log[2:]] == [("hard", 1), ("thread", 1)]
    thread = k.irq_threads()[0]
    assert thread.cpus_allowed == frozenset({1}) and thread.cpu == 1


# -- CONFIG_DEBUG_SHIRQ --------------------------------------------------------------------------


def mismatch(debug_shirq: bool) -> list[str]:
    k = Kernel(make("mainline", debug_shirq=debug_shirq), 1)
    b = ModelBoard(k.config, 1)
    irq = b.gic.map_spi(SPI)
    kb = b.kernel
    assert kb.request_irq(irq, lambda i, d: IRQ_HANDLED, 0, "first", None) == 0
    assert kb.request_irq(irq, lambda i, d: IRQ_HANDLED, IRQF_SHARED, "second", 2) == -EBUSY
    return kb.dmesg


def test_flags_mismatch_dumps_the_stack_only_with_config_debug_shirq() -> None:
    """kernel/irq/manage.c __setup_irq mismatch: pr_err, and dump_stack() under
    #ifdef CONFIG_DEBUG_SHIRQ only."""
    plain = mismatch(False)
    assert any("genirq: Flags mismatch irq" in m for m in plain)
    assert not any("Not tainted" in m for m in plain)
    debug = mismatch(True)
    assert any("Not tainted" in m for m in debug)
    assert any("__setup_irq" in m for m in debug)


def debug_shirq_free(debug: bool) -> list[bool]:
    """Whether interrupts were off at each call of a shared handler that was
    requested and freed with no interrupt in between."""
    b = ModelBoard(make("mainline", debug_shirq=debug), 1)
    k = b.kernel
    irq = b.gic.map_spi(SPI)
    calls: list[bool] = []

    def h(i: int, d: Any) -> int:
        calls.append(k.ops.irqs_disabled())
        return IRQ_HANDLED

    assert k.request_irq(irq, h, IRQF_SHARED, "a", 1) == 0
    k.free_irq(irq, 1)
    return calls


def test_debug_shirq_free_irq_calls_the_shared_handler_once_more() -> None:
    """kernel/irq/manage.c __free_irq: under CONFIG_DEBUG_SHIRQ a shared handler is
    called once after it was removed (interrupts off); without it, never."""
    assert debug_shirq_free(False) == []
    assert debug_shirq_free(True) == [True]
