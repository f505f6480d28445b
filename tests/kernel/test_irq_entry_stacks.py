"""Every hard-IRQ stack is one Linux 4.6 could show: the vector stub below the root
handler, and below it what the CPU was running (kernel.entry.IrqEntry).

handle_arch_irq is a pointer on ARM (arch/arm/kernel/entry-armv.S, the irq_handler
macro: ``ldr pc, [handle_arch_irq]`` with lr inside __irq_svc/__irq_usr) and does not
exist on x86_64 (arch/x86/entry/entry_64.S: common_interrupt calls do_IRQ and returns
to ret_from_intr; a system vector's apicinterrupt stub calls its handler): no stack
names it. arm64 (arch/arm64/kernel/entry.S) calls it from el1_irq/el0_irq. Checked in
the model's standalone runner (--model-only) and on the cores of each board.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.boards import build_board
from irqemu.bundled import bundled_firmware
from irqemu.devices.irq_source import IrqSource
from irqemu.kernel import Kernel
from irqemu.kernel.context import SCHED_FIFO, kfunc, model_stack
from irqemu.kernel.drivers.irq_apic import x86_apic_init
from irqemu.kernel.drivers.irq_gic import gic_of_init
from irqemu.kernel.entry import IrqEntry
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE, IRQ_TYPE_LEVEL_HIGH
from irqemu.kernel.platform import KernelPlatform, MachineCpuOps
from irqemu.kernel.sched import Sched, SimCpuOps, runner_of, spawn
from irqemu.kernel.timer import Timers

TICK = 10**10  #: ps per jiffy at HZ=100

#: the tick's handler chain on each arch, innermost first: ARM 4.6 with the Cortex-A9
#: twd (drivers/clocksource/arm_global_timer.c's sibling arch/arm/kernel/smp_twd.c
#: twd_handler <- kernel/irq/chip.c handle_percpu_devid_irq <- kernel/irq/irqdesc.c
#: generic_handle_irq, __handle_domain_irq <- drivers/irqchip/irq-gic.c gic_handle_irq);
#: x86 with the LAPIC timer (arch/x86/kernel/apic/apic.c local_apic_timer_interrupt
#: <- smp_apic_timer_interrupt <- entry_64.S apic_timer_interrupt, its stub)
TICK_CHAIN = {
    "arm": ("tick_handle_periodic", "twd_handler", "handle_percpu_devid_irq",
            "generic_handle_irq", "__handle_domain_irq", "gic_handle_irq"),
    "x86": ("tick_handle_periodic", "local_apic_timer_interrupt", "smp_apic_timer_interrupt",
            "apic_timer_interrupt"),
}
#: the idle loop below the stub. ARM: __irq_svc's saved pc is in arch_cpu_idle
#: (arch/arm/kernel/process.c: interrupts come on after cpu_do_idle), then
#: kernel/sched/idle.c cpu_startup_entry <- init/main.c rest_init <- start_kernel, or
#: arch/arm/kernel/smp.c secondary_start_kernel. x86 (the talk's intel_idle; the walk
#: skips cpuidle_enter_state, the interrupted function): drivers/cpuidle/cpuidle.c
#: cpuidle_enter <- kernel/sched/idle.c call_cpuidle <- cpu_startup_entry <- rest_init
#: <- start_kernel <- arch/x86/kernel/head64.c x86_64_start_reservations <-
#: x86_64_start_kernel, or arch/x86/kernel/smpboot.c start_secondary
IDLE = {
    ("arm", 0): ("__irq_svc", "arch_cpu_idle", "cpu_startup_entry", "rest_init",
                 "start_kernel"),
    ("arm", 1): ("__irq_svc", "arch_cpu_idle", "cpu_startup_entry", "secondary_start_kernel"),
    ("x86", 0): ("cpuidle_enter", "call_cpuidle", "cpu_startup_entry", "rest_init",
                 "start_kernel", "x86_64_start_reservations", "x86_64_start_kernel"),
    ("x86", 1): ("cpuidle_enter", "call_cpuidle", "cpu_startup_entry", "start_secondary"),
}
#: where a Linux stack may end: the boot or a secondary CPU's start, a task's start
#: (kernel/kthread.c kthread <- ret_from_fork), or (from user mode) the stub itself
BOTTOMS = {
    "arm": {"start_kernel", "secondary_start_kernel", "ret_from_fork", "__irq_usr"},
    "x86": {"x86_64_start_kernel", "start_secondary", "ret_from_fork", "apic_timer_interrupt",
            "ret_from_intr"},
}
FOREIGN = {"arm": {"ret_from_intr", "apic_timer_interrupt", "do_IRQ", "common_interrupt",
                   "el1_irq", "el0_irq"},
           "x86": {"__irq_svc", "__irq_usr", "gic_handle_irq", "__handle_domain_irq",
                   "el1_irq", "el0_irq"}}


def model_kernel(arch: str, cpus: int) -> tuple[Kernel, Any, Timers]:
    k = Kernel("mainline", cpus, arch=arch, ops=SimCpuOps(cpus, 792_000_000), sched=Sched())
    r = runner_of(k)
    timers = Timers(k)
    timers.start_tick(r)
    return k, r, timers


def tick_stacks(k: Kernel) -> dict[tuple[str, ...], int]:
    seen: dict[tuple[str, ...], int] = {}

    def probe(*_: Any) -> None:
        s = tuple(model_stack())
        seen[s] = seen.get(s, 0) + 1

    k.register_kprobe("tick_handle_periodic", probe)
    return seen


@kfunc("worker_loop")
def _loop(cycles: int) -> Any:
    while True:
        yield cycles


@pytest.mark.parametrize("arch", ["arm", "x86"])
def test_the_standalone_tick_shows_the_arch_entry_and_what_it_interrupted(arch: str) -> None:
    """Idle CPUs, a kthread between two slices, a user task between two slices."""
    k, r, _ = model_kernel(arch, 3)
    seen = tick_stacks(k)
    spawn(k, "worker", lambda: _loop(10**6), cpus=frozenset({1}))
    spawn(k, "user", lambda: _loop(10**6), cpus=frozenset({2}), kthread=False)
    r.run(5 * TICK + TICK // 2)
    chain = TICK_CHAIN[arch]
    stub = () if arch == "x86" else ("__irq_svc",)
    user = () if arch == "x86" else ("__irq_usr",)
    assert seen == {
        (*chain, *IDLE[arch, 0]): 5,
        (*chain, *stub, "worker_loop", "kthread", "ret_from_fork"): 5,
        (*chain, *user): 5,
    }


@pytest.mark.parametrize("arch", ["arm", "x86"])
def test_a_tick_taken_inside_a_slice_nests_on_the_task_frames(arch: str) -> None:
    """irq_window inside a kthread's slice: the stub, then the task's own frames."""
    k, r, _ = model_kernel(arch, 1)
    seen = tick_stacks(k)

    @kfunc("long_work")
    def body() -> None:
        k.ops.charge(792_000_000 // 100 * 3)  # three jiffies of work
        k.sched.irq_window(k.ops.smp_processor_id())

    spawn(k, "worker", body, policy=SCHED_FIFO, rt_priority=10)
    r.run(TICK // 2)
    stub = () if arch == "x86" else ("__irq_svc",)
    # the three ticks that fell due during the work, all taken at its window
    assert seen == {(*TICK_CHAIN[arch], *stub, "long_work", "kthread", "ret_from_fork"): 3}


@settings(max_examples=25, deadline=None)
@given(arch=st.sampled_from(["arm", "x86"]), cpus=st.integers(1, 3),
       tasks=st.lists(st.tuples(st.booleans(), st.integers(0, 2),
                                st.integers(10**5, 2 * 10**6)), max_size=4),
       jiffies=st.integers(1, 6))
def test_every_standalone_stack_is_one_linux_could_show(arch: str, cpus: int,
                                                        tasks: list[tuple[bool, int, int]],
                                                        jiffies: int) -> None:
    k, r, _ = model_kernel(arch, cpus)
    seen = tick_stacks(k)
    for i, (kthread, cpu, cycles) in enumerate(tasks):
        spawn(k, f"t{i}", lambda c=cycles: _loop(c), cpus=frozenset({cpu % cpus}),
              kthread=kthread)
    r.run(jiffies * TICK + TICK // 2)  # a slice is at most 2.6 ms: every tick is taken
    assert sum(seen.values()) == jiffies * cpus
    for stack in seen:
        assert "handle_arch_irq" not in stack and not set(stack) & FOREIGN[arch], stack
        assert stack[:len(TICK_CHAIN[arch])] == TICK_CHAIN[arch], stack
        assert stack[-1] in BOTTOMS[arch], stack


# -- on the cores ------------------------------------------------------------------------
#: board -> (firmware, kernel arch, device base, GIC SPI or IO-APIC pin)
BOARDS = {"imx6q": ("armv7", "arm", 0x02190000, 22),
          "virt-a53": ("aarch64", "arm", 0x09010000, 2),
          "pc": ("x86_64", "x86", 0xFEB00000, 16)}
#: the device's flow, innermost first, below its handler (kernel/irq/handle.c, chip.c)
EVENT = ("handle_irq_event_percpu", "handle_irq_event", "handle_fasteoi_irq")
#: below the flow handler to the idle loop on CPU0: ARM irqdesc.c generic_handle_irq,
#: __handle_domain_irq <- irq-gic.c gic_handle_irq <- the stub; x86 irq_64.c handle_irq
#: <- irq.c do_IRQ <- common_interrupt's ret_from_intr
BELOW = {
    "imx6q": ("generic_handle_irq", "__handle_domain_irq", "gic_handle_irq", *IDLE["arm", 0]),
    "virt-a53": ("generic_handle_irq", "__handle_domain_irq", "gic_handle_irq", "el1_irq",
                 *IDLE["arm", 0][1:]),
    "pc": ("handle_irq", "do_IRQ", "ret_from_intr", *IDLE["x86", 0]),
}


@pytest.mark.parametrize("board", list(BOARDS))
def test_a_device_irq_on_the_cores_shows_the_boards_entry(board: str) -> None:
    fw, arch, base, line = BOARDS[board]
    m = build_board(board, num_cpus=1)
    m.load_elf(str(bundled_firmware(fw, "kernel.elf")))
    if board == "pc":
        m.add_window(base, 0x1000, "pci-mmio")
    dev = IrqSource(m, base, "dev")
    m.add_device("dev", dev, base, 0x1000)
    if board == "pc":
        dev.irq.connect(m.devices["ioapic"].input(line))
    else:
        dev.irq.connect(m.irq_controller.input(32 + line))
    k = Kernel("mainline", 1, arch=arch, ops=MachineCpuOps(m))
    stacks: list[tuple[str, ...]] = []

    def start(p: KernelPlatform) -> None:
        if board == "pc":
            irq = x86_apic_init(k, p.io).map_pin(line, IRQ_TYPE_LEVEL_HIGH)
        else:
            dist, cpu_if = (0x08000000, 0x08010000) if board == "virt-a53" else (None, None)
            kw: dict[str, Any] = {} if dist is None else {"fwnode": "/intc@8000000"}
            gic = gic_of_init(k, p.io, *((dist, cpu_if) if dist else ()),
                              init_all_cpus=False, **kw)
            gic.gic_cpu_init()
            irq = gic.map_spi(line, IRQ_TYPE_LEVEL_HIGH)

        @kfunc("dev_irq")
        def handler(i: int, d: Any) -> int:
            k.fentry(..., i)
            status = p.io.read32(0, base)
            if not status:
                return IRQ_NONE
            p.io.write32(0, base + 4, status)
            stacks.append(tuple(model_stack()))
            return IRQ_HANDLED

        assert k.request_irq(irq, handler, 0, "dev", dev) == 0

    KernelPlatform(m, k, on_start=start)
    dev.fire_at([10**9, 2 * 10**9])
    m.run(max_time_ps=3 * 10**9)
    assert stacks == [("dev_irq", *EVENT, *BELOW[board])] * 2


def test_an_entry_that_does_not_name_the_context_adds_only_the_stub() -> None:
    """A world that names the interrupted context from the guest (e1000e-storm's pc)
    gets only the vector stub from the kernel: ARM's __irq_svc, nothing on x86 (the
    stub there is the vector's, named by the IDT dispatch)."""
    for arch, want in (("arm", ("__irq_svc",)), ("x86", ())):
        k = Kernel("mainline", 1, arch=arch)
        assert IrqEntry(arch, contexts=False).frames(k, 0) == want
        assert k.irq_entry.frames(k, 0) == IDLE[arch, 0]
    with pytest.raises(ValueError, match="arch is one of"):
        IrqEntry("mips")
