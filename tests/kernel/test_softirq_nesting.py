"""Hard IRQs nest inside __do_softirq at irq_exit on the cores; gic_handle_irq's IAR loop
takes an SPI that became pending during a handler (issue 12 item 6, last bullet).

The experiment on each board's kernel.elf (imx6q ARMv7, virt-a53 AArch64, pc x86-64),
mainline 4.6 with the scheduler on the cores: device A's hard handler raises three
softirq vectors whose actions each run ``VECTOR_US``; device B fires while the
first of them runs at irq_exit. In Linux ``__do_softirq`` runs its vectors with
interrupts enabled, so B's hard IRQ is taken there, nested (ARM: ``__irq_svc`` again
on the same stack; x86: the vector's stub again), with SOFTIRQ_OFFSET in
preempt_count (in_serving_softirq() for the context it interrupted); its irq_exit
only raises: the vector B raises runs in the outer ``__do_softirq``'s restart.
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
from irqemu.kernel.context import model_stack
from irqemu.kernel.drivers.irq_apic import x86_apic_init
from irqemu.kernel.drivers.irq_gic import gic_of_init
from irqemu.kernel.genirq.types import (
    IRQ_HANDLED,
    IRQ_NONE,
    IRQ_TYPE_LEVEL_HIGH,
    IRQ_WAKE_THREAD,
)
from irqemu.kernel.platform import CoreRunner, KernelPlatform, MachineCpuOps, scheduler_platform
from irqemu.kernel.preempt import HARDIRQ_MASK, SOFTIRQ_OFFSET
from irqemu.kernel.sched import Sched
from irqemu.kernel.softirq import (
    BLOCK_SOFTIRQ,
    HRTIMER_SOFTIRQ,
    IRQ_POLL_SOFTIRQ,
    SCHED_SOFTIRQ,
    kernel_softirq,
)

US = 10**6  #: picoseconds
A_AT = 1000 * US
#: the long softirq device A raises: three vectors of VECTOR_US each
LONG_VECTORS = (BLOCK_SOFTIRQ, IRQ_POLL_SOFTIRQ, SCHED_SOFTIRQ)
VECTOR_US = 250
#: what B's hard handler raises (runs after B's hard IRQ returned, in the outer loop)
B_VECTOR = HRTIMER_SOFTIRQ

#: board -> (kernel.elf arch, A's and B's register bases, their lines)
BOARDS = {
    "imx6q": ("armv7", (0x02190000, 0x02194000), (22, 23)),
    "virt-a53": ("aarch64", (0x09010000, 0x09030000), (2, 3)),
    "pc": ("x86_64", (0xFEB00000, 0xFEB01000), (16, 17)),
}
BOARD_NAMES = sorted(BOARDS)
#: the frames of a hard IRQ's entry into the model (the guest stub's host call)
ENTRY = {"imx6q": "gic_handle_irq", "virt-a53": "gic_handle_irq", "pc": "do_IRQ"}


def _irqchip(k: Kernel, p: KernelPlatform, board: str, lines: tuple[int, ...]) -> list[int]:
    """The irqchip driver's init on the boot CPU; the devices' Linux irqs."""
    if board == "pc":
        apic = x86_apic_init(k, p.io)
        return [apic.map_pin(pin, IRQ_TYPE_LEVEL_HIGH) for pin in lines]
    if board == "virt-a53":
        gic = gic_of_init(k, p.io, 0x08000000, 0x08010000, init_all_cpus=False,
                          fwnode="/intc@8000000")
    else:
        gic = gic_of_init(k, p.io, init_all_cpus=False)
    gic.gic_cpu_init()
    return [gic.map_spi(spi, IRQ_TYPE_LEVEL_HIGH) for spi in lines]


def _wire(m: Any, board: str, dev: IrqSource, line: int) -> None:
    if board == "pc":
        dev.irq.connect(m.devices["ioapic"].input(line))
    else:
        dev.irq.connect(m.irq_controller.input(32 + line))


def boot(board: str, b_at: int, *, engine: str = "native", fabric: str = "native",
         softirqs: bool = True, threaded_b: bool = False) -> dict[str, Any]:
    """Boot kernel.elf (mainline, scheduler on the cores); A fires at ``A_AT``, B at
    ``b_at``. ``softirqs=False``: A raises nothing, its hard handler runs ``VECTOR_US``
    instead (the IAR loop case). ``threaded_b``: B's primary handler wakes its irq
    thread (SCHED_FIFO 50) instead of raising a softirq."""
    arch, bases, lines = BOARDS[board]
    m = build_board(board, engine=engine, fabric=fabric)
    m.load_elf(str(bundled_firmware(arch, "kernel.elf")))
    if board == "pc":
        m.add_window(bases[0], 0x2000, "pci-mmio")
    devs = []
    for name, base, line in zip("ab", bases, lines, strict=True):
        dev = IrqSource(m, base, name)
        m.add_device(name, dev, base, 0x1000)
        _wire(m, board, dev, line)
        devs.append(dev)
    k = Kernel("mainline", 1, arch="x86" if board == "pc" else "arm", ops=MachineCpuOps(m),
               sched=Sched(backend=CoreRunner()))
    log: list[tuple[Any, ...]] = []
    vector_cycles = m.cost_model.hz * VECTOR_US // 10**6

    def now() -> int:
        return k.ops.now_ps()

    def start(p: KernelPlatform) -> None:
        s = kernel_softirq(k)
        for nr in LONG_VECTORS:
            def action(nr: int = nr) -> None:
                log.append(("softirq", nr, now()))
                k.ops.charge(vector_cycles)
                log.append(("softirq-end", nr, now()))
            s.open_softirq(nr, action, f"long_action{nr}")
        s.open_softirq(B_VECTOR, lambda: log.append(
            ("b-softirq", now(), k.preempt_count[0], tuple(model_stack()))), "b_action")
        for name, irq, dev in zip("ab", _irqchip(k, p, board, lines), devs, strict=True):
            def hard(i: int, d: Any, name: str = name, base: int = dev.base) -> int:
                status = p.io.read32(0, base)
                if not status:
                    return IRQ_NONE
                p.io.write32(0, base + 4, status)
                log.append(("hard", name, now(), k.preempt_count[0], k.current[0].comm,
                            tuple(model_stack())))
                if name == "b":
                    if threaded_b:
                        return IRQ_WAKE_THREAD
                    s.raise_softirq_irqoff(B_VECTOR)
                elif softirqs:
                    for nr in LONG_VECTORS:
                        s.raise_softirq_irqoff(nr)
                else:
                    k.ops.charge(vector_cycles)
                return IRQ_HANDLED
            def thread(i: int, d: Any) -> int:
                log.append(("thread", now(), k.current[0].comm))
                return IRQ_HANDLED

            assert k.request_threaded_irq(irq, hard, thread if name == "b" else None, 0,
                                          name, dev) == 0

    runner = k.sched.backend
    plat = scheduler_platform(m, k, on_start=start)
    devs[0].fire_at([A_AT])
    devs[1].fire_at([b_at])
    r = m.run(max_time_ps=A_AT + 3000 * US)
    return {"log": log, "checks": dict(plat.current_checks), "windows": dict(plat.irq_windows),
            "interrupts": r.interrupts, "cycles": r.cycles, "dmesg": list(k.dmesg),
            "ran_in": dict(k.softirq.ran_in), "switches": runner.switches}


VECTOR_PS = VECTOR_US * US


def _hard(f: dict[str, Any], name: str) -> tuple[Any, ...]:
    (entry,) = [e for e in f["log"] if e[0] == "hard" and e[1] == name]
    return entry


@pytest.mark.parametrize("board", BOARD_NAMES)
def test_hard_irq_nests_inside_the_softirq_at_irq_exit(board: str) -> None:
    b_at = A_AT + 100 * US  # during the first long vector
    f = boot(board, b_at)
    log = f["log"]
    hard_b = _hard(f, "b")
    starts = [e for e in log if e[0] == "softirq"]
    ends = [e for e in log if e[0] == "softirq-end"]
    assert [e[1] for e in starts] == list(LONG_VECTORS)
    assert starts[0][2] < b_at < ends[0][2]
    # taken at the first interrupts-on moment after B fired: the end of the vector that
    # was running, before the next one starts; not after the whole softirq
    assert ends[0][2] <= hard_b[2] < starts[1][2]
    assert hard_b[2] - b_at < VECTOR_PS
    # the interrupted context is a softirq being served at irq_exit: SOFTIRQ_OFFSET held,
    # the nested IRQ adds its HARDIRQ_OFFSET; current is still the interrupted task
    count = hard_b[3]
    assert count & SOFTIRQ_OFFSET and count & HARDIRQ_MASK
    assert hard_b[4] == "swapper/0"
    # the stack nests as Linux's: B's handler <- its entry <- __do_softirq <- irq_exit
    # <- A's entry (the same frames, once more)
    stack = list(hard_b[5])
    entry = ENTRY[board]
    assert stack.count(entry) == 2 and stack.count("__do_softirq") == 1
    assert stack.index(entry) < stack.index("__do_softirq") < stack.index("irq_exit") \
        < len(stack) - 1 - stack[::-1].index(entry)
    assert "__do_softirq" not in _hard(f, "a")[5]
    # B's irq_exit did not run softirqs: its vector ran in the outer __do_softirq's
    # restart, after A's vectors, from the outer irq_exit (one entry on the stack)
    (b_soft,) = [e for e in log if e[0] == "b-softirq"]
    assert b_soft[1] >= ends[-1][2]
    assert b_soft[2] & SOFTIRQ_OFFSET and not b_soft[2] & HARDIRQ_MASK
    assert list(b_soft[3]).count(entry) == 1 and b_soft[3][:2] == ("__do_softirq", "irq_exit")
    assert f["ran_in"] == {"irq_exit": len(LONG_VECTORS) + 1}
    # two exceptions on the core, the guest's current agreeing with the model's each time
    assert sum(f["interrupts"][0].values()) == 2
    assert f["checks"] == {"agree": 2, "disagree": 0}
    assert f["windows"]["nested"] == 1


@pytest.mark.parametrize("board", BOARD_NAMES)
def test_no_nesting_when_the_second_irq_comes_after_the_softirq(board: str) -> None:
    f = boot(board, A_AT + 2000 * US)
    hard_b = _hard(f, "b")
    assert not hard_b[3] & SOFTIRQ_OFFSET and "__do_softirq" not in hard_b[5]
    assert f["windows"]["nested"] == 0 and f["checks"]["disagree"] == 0


@pytest.mark.parametrize("board", BOARD_NAMES)
def test_the_nested_irq_return_does_not_preempt_the_softirq(board: str) -> None:
    """B's primary wakes its irq thread (FIFO 50) from inside the softirq: the nested
    return goes back into __do_softirq (preempt_count is not 0), which finishes its
    vectors; the thread runs when the outermost IRQ returns (preempt_schedule_irq)."""
    f = boot(board, A_AT + 100 * US, threaded_b=True)
    hard_b = _hard(f, "b")
    ends = [e for e in f["log"] if e[0] == "softirq-end"]
    (thread,) = [e for e in f["log"] if e[0] == "thread"]
    assert hard_b[3] & SOFTIRQ_OFFSET and hard_b[2] < ends[1][2]
    assert len(ends) == len(LONG_VECTORS) and thread[1] >= ends[-1][2]
    assert thread[2].startswith("irq/") and thread[2].endswith("-b")
    assert f["switches"] >= 2 and f["checks"] == {"agree": 2, "disagree": 0}


@pytest.mark.parametrize("board", ["imx6q", "virt-a53"])
def test_gic_iar_loop_takes_an_spi_that_became_pending_during_the_handler(board: str) -> None:
    b_at = A_AT + 50 * US
    f = boot(board, b_at, softirqs=False)
    hard_a, hard_b = _hard(f, "a"), _hard(f, "b")
    # one exception: gic_handle_irq read B's SPI from GICC_IAR after A's handler
    assert sum(f["interrupts"][0].values()) == 1
    assert hard_a[2] < b_at < hard_b[2] < hard_a[2] + VECTOR_PS + 10 * US
    assert hard_b[5].count("gic_handle_irq") == 1 and not hard_b[3] & SOFTIRQ_OFFSET
    assert f["checks"] == {"agree": 1, "disagree": 0}


def _facts(f: dict[str, Any]) -> dict[str, Any]:
    return {key: f[key] for key in ("log", "checks", "windows", "interrupts", "cycles",
                                    "dmesg", "ran_in")}


@pytest.mark.parametrize(("board", "softirqs"), [
    *((b, True) for b in BOARD_NAMES), ("imx6q", False), ("virt-a53", False)])
def test_engines_and_fabrics_agree(board: str, softirqs: bool) -> None:
    """Nesting (and, without softirqs, the IAR loop's catch-up) is the same on the
    reference engine, the native engine with the Python fabric and with its own."""
    b_at = A_AT + 100 * US
    ref = _facts(boot(board, b_at, engine="reference", fabric="python", softirqs=softirqs))
    assert _facts(boot(board, b_at, softirqs=softirqs)) == ref
    assert _facts(boot(board, b_at, fabric="python", softirqs=softirqs)) == ref


@settings(max_examples=12, deadline=None)
@given(st.integers(min_value=1, max_value=900))
def test_nested_latency_is_bounded_by_one_vector(delay_us: int) -> None:
    """Wherever B fires in A's softirq, it waits at most for the vector then running
    (plus the entry), and the softirq still runs each raised vector exactly once."""
    b_at = A_AT + delay_us * US
    f = boot("imx6q", b_at)
    hard_b = _hard(f, "b")
    assert hard_b[2] - b_at <= VECTOR_PS + 5 * US
    assert sorted(e[1] for e in f["log"] if e[0] == "softirq") == sorted(LONG_VECTORS)
    assert len([e for e in f["log"] if e[0] == "b-softirq"]) == 1
    assert f["checks"]["disagree"] == 0
