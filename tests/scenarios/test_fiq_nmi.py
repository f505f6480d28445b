"""NMI-like interrupts: an ARM FIQ watchdog under cpsid i, and x86 NMIs under cli."""

from __future__ import annotations

from irqemu.boards import build_board
from irqemu.devices.lapic import LVT_MASKED
from irqemu.scenarios import fiq_debugger, nmi


def test_fiq_watchdog_interrupts_an_irqs_masked_hang(engine: str) -> None:
    text, facts = fiq_debugger.run(engine=engine)
    assert fiq_debugger.check(facts) == [], facts["uart"]
    assert "fiq: watchdog, pc=" in text and "mode svc, IRQs masked" in text
    assert facts["exceptions"] == {"FIQ": 1, "IRQ": 1}
    assert facts["irqs"] == {87: [1], 29: [1]}


def test_fiq_watchdog_is_deterministic_across_engines() -> None:
    a = fiq_debugger.run(engine="native")[1]
    b = fiq_debugger.run(engine="reference")[1]
    a.pop("engine")
    b.pop("engine")
    assert a == b


def test_nmi_watchdog_is_taken_with_if_clear_and_held_until_iretq(engine: str) -> None:
    text, facts = nmi.run(engine=engine)
    assert nmi.check(facts) == [], facts["uart"]
    assert facts["nmis_taken"] == 5 and facts["intr_taken"] == 0
    assert "held, not nested" in text


def test_nmi_is_deterministic_across_engines() -> None:
    a = nmi.run(engine="native")[1]
    b = nmi.run(engine="reference")[1]
    a.pop("engine")
    b.pop("engine")
    assert a == b


def test_pmc_overflow_follows_lvt_pmc_and_masks_it() -> None:
    m = build_board("pc", num_cpus=1)
    pmc = nmi.PmcOverflow(m, period_ps=10**6, count=1)
    lvt = m.irq_controller.apics[0].regs.values["LVT_PMC"]
    assert lvt[0] & LVT_MASKED  # reset: masked, so the overflow is dropped
    pmc._overflow()
    assert pmc.masked_overflows == 1 and not m.cpus[0].core.pending
    lvt[0] = 0x400  # delivery mode NMI
    pmc._overflow()
    assert m.cpus[0].core.pending & (1 << 2)
    assert lvt[0] & LVT_MASKED, "an overflow masks LVT_PMC until the handler re-arms it"
