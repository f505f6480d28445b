"""The talk's shared line through the whole emulated path (cores, GIC, kernel.elf stubs)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from irqemu.scenarios import _oncore
from irqemu.scenarios.shared_irq import check, run_on_board


@pytest.mark.parametrize("flavour", ["mainline", "threadirqs", "rt"])
def test_shared_irq_on_the_board_shows_the_talks_threads(flavour: str) -> None:
    text, facts = run_on_board(flavour, events=2, period_ms=0.5)
    assert check(facts) == []
    # one exception per interrupt on CPU0, besides its tick (HZ=100, every CPU, all along)
    ticks = facts["cores"]["ticks"]
    assert facts["exceptions"]["IRQ"] - ticks[0] == facts["kstat"] > 0
    assert facts["cores"]["cpus_online"] == 4 and ticks == [99] * 4  # 1 s from boot
    mmc = facts["handled_in"]["mmc0"]
    if flavour == "mainline":
        # the primary handler in hard-IRQ context, current = the interrupted (idle) task
        assert mmc[0] == "sdhci_irq@hardirq:swapper/0"
        assert facts["handled_in"]["ehci_hcd:usb3"][0] == "usb_hcd_irq@hardirq:swapper/0"
    else:
        assert mmc[0] == f"sdhci_irq@thread:irq/{facts['irq']}-mmc0"
    assert mmc[1] == f"sdhci_thread_irq@thread:irq/{facts['irq']}-" + (
        "mmc0" if flavour == "mainline" else "s-mmc0")
    # Linux irq 16 is the twd's PPI (mapped at time_init), the shared SPI comes next
    assert facts["irq"] == 17 and "GIC-0  54 Level     mmc0, ehci_hcd:usb3" in facts["proc_row"]
    assert "Quiz" in text or "forced threads" in text


def test_engines_agree_on_the_scenario() -> None:
    a = run_on_board("rt", events=1, engine="native")[1]
    b = run_on_board("rt", events=1, engine="reference")[1]
    a.pop("engine"), b.pop("engine"), a["cores"].pop("engine"), b["cores"].pop("engine")
    assert a == b


@pytest.mark.parametrize("argv,expect", [
    (["scenario", "shared-irq", "--kernel", "rt"], "irq/17-s-mmc0"),
    (["scenario", "shared-irq", "--kernel", "rt", "--arch", "x86"], "irq/16-s-mmc0"),
    (["mpstat", "-I", "SCPU", "--scenario", "shared-irq"],
     "  3      0.00     99.00      0.00"),
    (["ps", "--kernel", "mainline"], "[irq/17-mmc0]"),
    (["proc", "interrupts", "--kernel", "threadirqs"], "mmc0, ehci_hcd:usb3"),
    (["proc", "interrupts", "--arch", "x86"], "IO-APIC  16-fasteoi"),
])
def test_cli(argv: list[str], expect: str) -> None:
    p = subprocess.run([sys.executable, "-m", "irqemu", *argv], capture_output=True, text=True,
                       timeout=300, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    assert expect in p.stdout


@pytest.mark.parametrize("board", ["imx6q", "pc"])
def test_python_fabric_agrees(monkeypatch: pytest.MonkeyPatch, board: str) -> None:
    """The native fabric and the Python one give the same run, ticks included."""
    native = run_on_board("rt", events=1, board=board)
    build = _oncore.build_board
    monkeypatch.setattr(_oncore, "build_board",
                        lambda name, **kw: build(name, fabric="python", **kw))
    assert run_on_board("rt", events=1, board=board) == native
