"""The hard-IRQ fast path (genirq.fast) against the reference functions.

The same random sequence of line changes, interrupts, enable/disable calls and
mid-run probe attachments runs on two model boards, one with the fast path and
one without (``Kernel.hardirq_fast = False``); every observable must agree: the
handlers' view (time, CPU, model stack, context), the descriptors, the counts,
the charged cycles, dmesg with its stack dumps, and what the probes and tracers
attached mid-run record.
"""

from __future__ import annotations

import sys
from types import CodeType
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.kernel.context import model_stack
from irqemu.kernel.genirq.fast import handle_domain_irq_fast
from irqemu.kernel.genirq.types import (
    IRQ_HANDLED,
    IRQ_NONE,
    IRQ_TYPE_LEVEL_HIGH,
    IRQ_WAKE_THREAD,
    IRQF_ONESHOT,
    IRQF_SHARED,
)
from irqemu.kernel.softirq import NET_RX_SOFTIRQ, kernel_softirq
from irqemu.scenarios.model_board import ModelBoard
from irqemu.trace.kprobes import Kprobe
from irqemu.trace.stackcount import StackCount
from irqemu.trace.tracepoints import Tracer

SPIS = (40, 41, 42, 43)  #: plain, shared (two actions), threaded oneshot, noirqdebug-free
PPI = 13  #: GIC ID 29, the private timer's
RESULTS = (IRQ_HANDLED, IRQ_HANDLED, IRQ_NONE, IRQ_WAKE_THREAD, IRQ_HANDLED | IRQ_WAKE_THREAD)
EFFECTS = ("none", "none", "none", "stack", "softirq", "softirq", "irqs_on", "irqs_on",
           "attach")
#: what a probe attached mid-run watches
WATCHED = ("irq_handler_entry", "irq_handler_exit", "irq_exit", "irq_enter",
           "handle_fasteoi_irq", "__handle_domain_irq", "note_interrupt", "softirq_entry",
           "gic_handle_irq", "handle_irq_event_percpu", "__irq_wake_thread")


class Rig:
    """A model board with scripted handlers that log what they see."""

    def __init__(self, flavour: str, version: str, fast: bool, script: list[int]) -> None:
        self.board = ModelBoard(flavour, 2, version=version, with_gpc=False)
        k = self.kernel = self.board.kernel
        k.hardirq_fast = fast
        self.script = script
        self.n = 0
        self.log: list[tuple[Any, ...]] = []
        self.callers: list[CodeType] = []  #: the Python function that called each handler
        self.observers: list[Any] = []
        s = kernel_softirq(k)
        s.open_softirq(NET_RX_SOFTIRQ, self._net_rx, "net_rx_action")
        gic = self.board.gic
        self.irqs = [gic.map_spi(spi, IRQ_TYPE_LEVEL_HIGH) for spi in SPIS]
        self.spi_of = dict(zip(self.irqs, SPIS, strict=True))
        a, b, c, d = self.irqs
        assert k.request_irq(a, self._handler("a"), 0, "a", "a") == 0
        assert k.request_irq(b, self._handler("b1"), IRQF_SHARED, "b1", "b1") == 0
        assert k.request_irq(b, self._handler("b2"), IRQF_SHARED, "b2", "b2") == 0
        assert k.request_threaded_irq(c, self._handler("c"), self._handler("c-thread"),
                                      IRQF_ONESHOT, "c", "c") == 0
        assert k.request_irq(d, self._handler("d"), 0, "d", "d") == 0
        self.ppi = gic.map_ppi(PPI)
        assert k.request_percpu_irq(self.ppi, self._handler("twd"), "twd", ["t0", "t1"]) == 0
        for cpu in (0, 1):
            with k.on_cpu(cpu):
                k.enable_percpu_irq(self.ppi)

    def _next(self) -> int:
        v = self.script[self.n % len(self.script)] if self.script else 0
        self.n += 1
        return v

    def _handler(self, name: str) -> Any:
        def handler(irq: int, dev: Any) -> int:
            k = self.kernel
            v = self._next()
            cpu = k.ops.smp_processor_id()
            effect = EFFECTS[v % len(EFFECTS)]
            self.log.append((name, irq, dev, cpu, k.ops.now_ps(), k.preempt_count[cpu],
                             effect, tuple(model_stack())))
            self.callers.append(sys._getframe(1).f_code)
            spi = self.spi_of.get(irq)
            if spi is not None:
                self.board.set_spi(spi, False)  # the device is serviced: its line drops
            if effect == "softirq":
                kernel_softirq(k).raise_softirq(NET_RX_SOFTIRQ)
            elif effect == "irqs_on":
                k.ops.local_irq_enable()
            elif effect == "attach":
                self.attach()
            if name.endswith("thread"):
                return IRQ_HANDLED
            return RESULTS[(v // len(EFFECTS)) % len(RESULTS)]

        handler.__name__ = f"{name}_handler"
        return handler

    def _net_rx(self) -> None:
        k = self.kernel
        self.log.append(("net_rx", k.ops.now_ps(), tuple(model_stack())))

    def attach(self) -> None:
        """Probes and a tracer, attached wherever the run is (a handler, between IRQs)."""
        k = self.kernel
        i = len(self.observers)
        self.observers.append(Tracer(k).start())
        self.observers.append(StackCount(k, list(WATCHED[i % 3:])).attach())
        self.observers.append(Kprobe(k, WATCHED[i % len(WATCHED)]).register())

    def detach(self) -> None:
        """Every probe and tracer off: the fast path is back (what they saw is kept)."""
        for o in self.observers:
            if isinstance(o, Tracer):
                o.stop()
            elif isinstance(o, StackCount):
                o.detach()
            else:
                o.unregister()

    def step(self, op: tuple[Any, ...]) -> None:
        b, k = self.board, self.kernel
        kind = op[0]
        if kind == "irq":  # a device raises its line; a CPU takes the interrupt
            b.set_spi(SPIS[op[1]], True)
            b.fire(op[2])
        elif kind == "raise":  # ... taken later, by whichever CPU fires next
            b.set_spi(SPIS[op[1]], True)
        elif kind == "ppi":
            b.gic_dev.set_irq(PPI + 16, True, op[1])
            b.gic_dev.set_irq(PPI + 16, False, op[1])
            b.fire(op[1])
        elif kind == "fire":
            b.fire(op[1])
        elif kind == "disable":
            with k.on_cpu(op[1]):
                k.disable_irq_nosync(self.irqs[op[2]])
        elif kind == "enable":
            with k.on_cpu(op[1]):
                k.enable_irq(self.irqs[op[2]])
        elif kind == "attach":
            self.attach()
        elif kind == "detach":
            self.detach()

    def state(self) -> dict[str, Any]:
        k = self.kernel
        descs = {}
        for irq in (*self.irqs, self.ppi):
            d = k.irq_descs[irq]
            descs[irq] = (list(d.kstat_irqs), d.istate, d.depth, d.irq_count,
                          d.irqs_unhandled, d.threads_oneshot, d.threads_active,
                          d.irq_common_data.state_use_accessors, d.last_unhandled)
        obs = []
        for o in self.observers:
            if isinstance(o, Tracer):
                obs.append(o.format())
            elif isinstance(o, StackCount):
                obs.append(sorted(o.counts.items()))
            else:
                obs.append(o.hits)
        s = kernel_softirq(k)
        return {"log": self.log, "descs": descs, "cycles": list(k.ops.cycles),  # type: ignore[attr-defined]
                "dmesg": k.dmesg, "warnings": k.warnings, "preempt": k.preempt_count,
                "nesting": k.hardirq_nesting, "softirq": (s.kstat, s.pending_mask, s.ran_in),
                "outputs": [self.board.irq_asserted(c) for c in (0, 1)], "observers": obs,
                "tasks": [(t.pid, t.state, t.sum_exec_ps) for t in k.tasks.values()]}


def _op(kind: str) -> st.SearchStrategy[tuple[Any, ...]]:
    cpu, spi = st.integers(0, 1), st.integers(0, len(SPIS) - 1)
    return {"irq": st.tuples(st.just("irq"), spi, cpu),
            "raise": st.tuples(st.just("raise"), spi),
            "ppi": st.tuples(st.just("ppi"), cpu),
            "fire": st.tuples(st.just("fire"), cpu),
            "disable": st.tuples(st.just("disable"), cpu, spi),
            "enable": st.tuples(st.just("enable"), cpu, spi),
            "attach": st.tuples(st.just("attach")),
            "detach": st.tuples(st.just("detach"))}[kind]


#: mostly interrupts; now and then a line is disabled, or a probe comes or goes
OPS = st.sampled_from(["irq"] * 6 + ["raise"] * 2 + ["ppi"] * 3 + ["fire", "disable", "enable",
                                                                    "attach", "detach"]
                      ).flatmap(_op)


def run(flavour: str, version: str, fast: bool, script: list[int],
        ops: list[tuple[Any, ...]]) -> dict[str, Any]:
    rig = Rig(flavour, version, fast, script)
    for op in ops:
        rig.step(op)
    rig.board.fire()
    return rig.state()


@settings(max_examples=60, deadline=None)
@given(flavour=st.sampled_from(["mainline", "threadirqs", "rt"]),
       version=st.sampled_from(["4.6", "6.x"]),
       script=st.lists(st.integers(0, 10_000), max_size=12),
       ops=st.lists(OPS, min_size=5, max_size=50))
def test_fast_path_is_the_reference_path(flavour: str, version: str, script: list[int],
                                         ops: list[tuple[Any, ...]]) -> None:
    assert run(flavour, version, True, script, ops) == run(flavour, version, False, script, ops)


def _attach_in_second_irq(fast: bool) -> Rig:
    """Two interrupts on SPI 40; the second one's handler attaches the probes."""
    rig = Rig("mainline", "4.6", fast, [EFFECTS.index("none")])
    rig.step(("irq", 0, 0))
    rig.script[:] = [EFFECTS.index("attach")]
    rig.step(("irq", 0, 0))
    return rig


def test_a_probe_attached_by_a_handler_sees_the_rest_of_that_interrupt() -> None:
    """Unprobed, both interrupts take the fast path (their handlers are called from
    it); the probes the second handler attaches see what follows it in that
    interrupt, with the stacks the reference functions show."""
    fast = _attach_in_second_irq(True)
    ref = _attach_in_second_irq(False)
    assert fast.callers == [handle_domain_irq_fast.__code__] * 2
    assert handle_domain_irq_fast.__code__ not in ref.callers
    assert fast.state() == ref.state()
    tracer, stacks = fast.observers[0], fast.observers[1]
    assert isinstance(tracer, Tracer) and isinstance(stacks, StackCount)
    assert [e.name for e in tracer.buffer] == ["irq_handler_exit"]
    # 4.6 ARM, an SPI taken in CPU0's idle loop: __irq_svc calls gic_handle_irq through
    # the handle_arch_irq pointer (arch/arm/kernel/entry-armv.S irq_handler; no frame of
    # its own), its saved pc is in arch_cpu_idle (arch/arm/kernel/process.c), called
    # from cpu_startup_entry (kernel/sched/idle.c) <- rest_init <- start_kernel (init/main.c)
    idle = ("__irq_svc", "arch_cpu_idle", "cpu_startup_entry", "rest_init", "start_kernel")
    outer = ("__handle_domain_irq", "gic_handle_irq", *idle)  # kernel/irq/irqdesc.c
    event = ("handle_irq_event_percpu", "handle_irq_event", "handle_fasteoi_irq",
             "generic_handle_irq", *outer)  # kernel/irq/handle.c, chip.c
    assert dict(stacks.counts) == {
        ("irq_handler_exit", *event): 1, ("note_interrupt", *event): 1,
        ("irq_exit", *outer): 1, ("gic_handle_irq", *idle): 1}
