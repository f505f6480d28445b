"""SMP bring-up through the SRC and IPIs as real SGIs, counted per kind."""

from __future__ import annotations

import pytest

from irqemu.scenarios import _oncore
from irqemu.scenarios.ipi import check, run


def test_ipis_arrive_as_sgis_and_are_counted(engine: str) -> None:
    text, facts = run(engine=engine)
    assert check(facts) == []
    # each target CPU took its SGIs in a single IRQ exception (gic_handle_irq loops on IAR)
    assert facts["other_exceptions"] == [1, 1, 1, 0]
    # and its tick at HZ=100 all along (kernel/time/tick-common.c tick_handle_periodic):
    # the twd's row in /proc/interrupts, TIMER_SOFTIRQ every tick, on every CPU
    cores = facts["cores"]
    assert cores["cpus_online"] == 4 and cores["ticks"] == [99] * 4  # 1 s, from boot
    assert [e.get("IRQ", 0) for e in facts["exceptions"]] == [100, 100, 100, 99]
    assert " 16:         99         99         99         99     GIC-0  29 Edge      twd" in text
    assert "IPI4:          0          1          0          0  CPU stop interrupts" in text


def test_engines_agree() -> None:
    a, b = run(engine="native")[1], run(engine="reference")[1]
    a.pop("engine"), b.pop("engine"), a["cores"].pop("engine"), b["cores"].pop("engine")
    assert a == b


def test_mpstat_shows_the_tick_on_every_cpu() -> None:
    """issue 12: mpstat -I SCPU over the scenario shows TIMER at about HZ on each CPU."""
    from irqemu.scenarios import get
    from irqemu.trace.proc import Mpstat

    res = get("ipi").run(observers=[Mpstat])
    mp = res.kernels[0].attached[0]
    assert isinstance(mp, Mpstat) and mp.notes() == []
    timer = [row[1] for row in mp.rates()]
    assert all(98 <= t <= 100 for t in timer), timer


def test_python_fabric_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """The native fabric (the GIC and twd in C) and the Python one give the same run."""
    native = run()
    board = _oncore.build_board
    monkeypatch.setattr(_oncore, "build_board",
                        lambda name, **kw: board(name, fabric="python", **kw))
    assert run() == native
