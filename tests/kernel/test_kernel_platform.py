"""The modelled kernel on the emulated i.MX6Q: host calls, ChipIO costs, guest-code handlers."""

from __future__ import annotations

import pytest

from irqemu.boards import build_board
from irqemu.bundled import bundled_firmware
from irqemu.kernel import Kernel
from irqemu.kernel.drivers.irq_gic import gic_of_init
from irqemu.kernel.genirq.proc import show_interrupts
from irqemu.kernel.genirq.types import IRQ_HANDLED
from irqemu.kernel.platform import KernelPlatform, MachineCpuOps

PTIMER = 0x00A00600
PERIOD_CYCLES = 8000


def boot(engine: str, handler: str | None, inline: tuple[str, ...] = ("handle_arch_irq",)):
    m = build_board("imx6q", engine=engine)
    m.load_elf(str(bundled_firmware("armv7", "kernel.elf")))
    k = Kernel("mainline", m.num_cpus, ops=MachineCpuOps(m))
    seen: dict[str, object] = {"calls": 0}

    def start(plat: KernelPlatform) -> None:
        gic = gic_of_init(k, plat.io, init_all_cpus=False)
        gic.gic_cpu_init()
        virq = gic.map_ppi(13)  # GIC ID 29, the private timer
        seen["virq"] = virq

        def py_twd(irq: int, evt: object) -> int:
            seen["calls"] = int(seen["calls"]) + 1  # type: ignore[call-overload]
            seen["hardirq"] = k.in_irq()
            seen["current"] = k.current[0].comm
            plat.io.write32(0, PTIMER + 0x0C, 1)
            return IRQ_HANDLED

        fn = py_twd if handler is None else plat.guest_handler(handler)
        assert k.request_percpu_irq(virq, fn, "twd", "evt") == 0
        k.enable_percpu_irq(virq)
        plat.io.write32(0, PTIMER + 0x00, PERIOD_CYCLES // 2 - 1)
        plat.io.write32(0, PTIMER + 0x08, 7)

    plat = KernelPlatform(m, k, on_start=start, inline=inline)
    return m, k, plat, seen


def ticks_in(m, n: int) -> int:
    return (n * PERIOD_CYCLES + PERIOD_CYCLES // 2) * 10**12 // m.cpus[0].clock.hz


@pytest.mark.parametrize("inline", [("handle_arch_irq",), ()])
def test_python_handler_in_hard_irq_context_on_the_interrupted_task(engine: str,
                                                                    inline: tuple) -> None:
    m, k, _, seen = boot(engine, None, inline)
    r = m.run(max_time_ps=ticks_in(m, 20))
    assert r.stop_reason == "time-limit"
    assert seen["calls"] == 20 == sum(k.irq_descs[seen["virq"]].kstat_irqs)
    assert r.interrupts[0]["IRQ"] == 20  # one IRQ exception per interrupt, nothing spurious
    assert seen["hardirq"] is True and seen["current"] == "swapper/0"
    assert "GIC-0  29 Edge      twd" in show_interrupts(k)


def test_inline_and_stopping_host_calls_cost_the_same_modelled_cycles() -> None:
    a = boot("native", None, ("handle_arch_irq",))[0]
    b = boot("native", None, ())[0]
    ra, rb = a.run(max_time_ps=ticks_in(a, 10)), b.run(max_time_ps=ticks_in(b, 10))
    # the host-call slot itself is never charged, whichever way it is taken
    assert ra.cycles == rb.cycles and ra.instructions == rb.instructions
    assert ra.sim_time_ps == rb.sim_time_ps


def test_guest_code_handler_runs_on_the_core(engine: str) -> None:
    m, k, _, seen = boot(engine, "guest_twd_handler", ())
    r = m.run(max_time_ps=ticks_in(m, 12))
    calls = int.from_bytes(m.mem_read(m.image.symbols["guest_irq_calls"], 4), "little")
    assert calls == 12 == sum(k.irq_descs[seen["virq"]].kstat_irqs)
    assert r.interrupts[0]["IRQ"] == 12


def test_guest_handler_needs_a_stopping_host_call() -> None:
    m, k, plat, _ = boot("native", None)
    with pytest.raises(ValueError, match="inline"):
        plat.guest_handler("guest_twd_handler")


def test_platform_refuses_firmware_without_host_call_slots() -> None:
    m = build_board("imx6q")
    m.load_elf(str(bundled_firmware("armv7", "timer.elf")))
    with pytest.raises(ValueError, match="host-call slots"):
        KernelPlatform(m, Kernel("mainline", 4, ops=MachineCpuOps(m)))
