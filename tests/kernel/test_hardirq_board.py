"""The hard-IRQ fast path on the emulated i.MX6Q: the timer PPI through kernel.elf.

Probes and tracers attached mid-run (by a machine event between interrupts, or by
a handler inside one) see every hard IRQ from then on, exactly what the run
without the fast path sees; the modelled cycles do not depend on the path; the
platform holds the core in its CpuOps/ChipIO/MemIO only for the host call.
"""

from __future__ import annotations

from typing import Any

import pytest

from irqemu.boards import build_board
from irqemu.bundled import bundled_firmware
from irqemu.kernel import Kernel
from irqemu.kernel.drivers.irq_gic import gic_of_init
from irqemu.kernel.genirq.types import IRQ_HANDLED
from irqemu.kernel.platform import KernelPlatform, MachineCpuOps
from irqemu.trace.kprobes import Kprobe
from irqemu.trace.stackcount import StackCount
from irqemu.trace.tracepoints import Tracer

PTIMER = 0x00A00600
PERIOD_CYCLES = 6000
TICKS = 30
ATTACH_AT = 11  #: the tick after which the observers attach


class Timer:
    """kernel.elf on imx6q, the private timer's PPI with a Python twd handler."""

    def __init__(self, flavour: str, fast: bool, *, attach_in_handler: bool = False) -> None:
        m = self.m = build_board("imx6q")
        m.load_elf(str(bundled_firmware("armv7", "kernel.elf")))
        k = self.k = Kernel(flavour, m.num_cpus, ops=MachineCpuOps(m))
        k.hardirq_fast = fast
        self.ticks = 0
        self.log: list[tuple[int, int]] = []  #: (tick, the core's cycles in the handler)
        self.observers: list[Any] = []
        self.held: list[bool] = []

        def start(plat: KernelPlatform) -> None:
            gic = gic_of_init(k, plat.io, init_all_cpus=False)
            gic.gic_cpu_init()
            virq = gic.map_ppi(13)

            def twd(irq: int, evt: object) -> int:
                slot = m.current_cpu
                ops = k.ops
                assert isinstance(ops, MachineCpuOps)
                self.held.append(ops.pinned is slot and plat.io.pinned is slot
                                 and plat.mem.pinned is slot)
                plat.io.write32(0, PTIMER + 0x0C, 1)
                self.ticks += 1
                assert slot is not None
                self.log.append((self.ticks, slot.core.cycles))
                if attach_in_handler and self.ticks == ATTACH_AT:
                    self.attach()
                return IRQ_HANDLED

            assert k.request_percpu_irq(virq, twd, "twd", "evt") == 0
            k.enable_percpu_irq(virq)
            plat.io.write32(0, PTIMER + 0x00, PERIOD_CYCLES // 2 - 1)
            plat.io.write32(0, PTIMER + 0x08, 7)

        self.plat = KernelPlatform(m, k, on_start=start)
        self.hz = m.cpus[0].clock.hz
        if not attach_in_handler:  # between two interrupts: a machine event
            m.schedule(self.tick_ps(ATTACH_AT) + self.tick_ps(1) // 2, self.attach, "attach")

    def tick_ps(self, n: int) -> int:
        return n * PERIOD_CYCLES * 10**12 // self.hz

    def attach(self) -> None:
        k = self.k
        self.observers = [
            Tracer(k).start(),
            StackCount(k, ["irq_enter", "irq_exit", "handle_percpu_devid_irq",
                           "gic_handle_irq", "irq_handler_entry", "irq_handler_exit"]).attach(),
            Kprobe(k, "generic_handle_irq").register()]

    def run(self) -> dict[str, Any]:
        r = self.m.run(max_time_ps=self.tick_ps(TICKS) + self.tick_ps(1) // 2)
        tracer, stacks, kprobe = self.observers
        return {"cycles": r.cycles, "log": self.log, "trace": tracer.format(),
                "stacks": sorted(stacks.counts.items()), "hits": kprobe.hits,
                "dmesg": self.k.dmesg, "kstat": [d.kstat_irqs for d in self.k.irq_descs.values()]}


@pytest.mark.parametrize("flavour", ["mainline", "rt"])
@pytest.mark.parametrize("in_handler", [False, True])
def test_observers_attached_mid_run_see_every_hard_irq(flavour: str, in_handler: bool) -> None:
    fast = Timer(flavour, True, attach_in_handler=in_handler)
    got = fast.run()
    want = Timer(flavour, False, attach_in_handler=in_handler).run()
    assert got == want
    after = TICKS - ATTACH_AT
    tracer, stacks, kprobe = fast.observers
    entries = [e for e in tracer.buffer if e.name == "irq_handler_entry"]
    exits = [e for e in tracer.buffer if e.name == "irq_handler_exit"]
    # attached inside tick 11's handler: its exit is seen, its entry was before
    assert len(entries) == after and len(exits) == after + in_handler
    # 4.6 ARM, the tick taken in CPU0's idle loop: kernel/irq/irqdesc.c
    # __handle_domain_irq <- drivers/irqchip/irq-gic.c gic_handle_irq <- __irq_svc
    # (arch/arm/kernel/entry-armv.S: handle_arch_irq is the pointer it calls through)
    # <- arch_cpu_idle <- cpu_startup_entry <- rest_init <- start_kernel
    below = ("__handle_domain_irq", "gic_handle_irq", "__irq_svc", "arch_cpu_idle",
             "cpu_startup_entry", "rest_init", "start_kernel")
    assert stacks.counts[("irq_exit", *below)] == after + in_handler
    assert stacks.counts[("irq_enter", *below)] == after
    assert not any("handle_arch_irq" in st for st in stacks.counts)
    assert kprobe.hits == after
    assert fast.ticks == TICKS


def test_the_core_is_held_for_the_host_call_only() -> None:
    t = Timer("mainline", True)
    t.run()
    assert t.held == [True] * TICKS
    ops = t.k.ops
    assert isinstance(ops, MachineCpuOps)
    assert ops.pinned is None and t.plat.io.pinned is None and t.plat.mem.pinned is None
