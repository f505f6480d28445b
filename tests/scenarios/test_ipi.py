"""SMP bring-up through the SRC and IPIs as real SGIs, counted per kind."""

from __future__ import annotations

from irqemu.scenarios.ipi import check, run


def test_ipis_arrive_as_sgis_and_are_counted(engine: str) -> None:
    text, facts = run(engine=engine)
    assert check(facts) == []
    # each target CPU took its SGIs in a single IRQ exception (gic_handle_irq loops on IAR)
    assert [e.get("IRQ", 0) for e in facts["exceptions"]] == [1, 1, 1, 0]
    assert "IPI4:          0          1          0          0  CPU stop interrupts" in text


def test_engines_agree() -> None:
    a, b = run(engine="native")[1], run(engine="reference")[1]
    a.pop("engine"), b.pop("engine")
    assert a == b
