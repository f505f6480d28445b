"""A scenario's text output says how much of it rests on estimated kernel cost entries."""

from __future__ import annotations

import re

from irqemu.cli import main
from irqemu.kernel.costs import KERNEL_COST_TABLES, KernelCost, kernel_estimates_note


def test_scenario_text_ends_with_the_estimates_note(capsys) -> None:
    assert main(["scenario", "shared-irq", "--model-only"]) == 0
    out = capsys.readouterr().out.rstrip("\n").splitlines()
    m = re.fullmatch(r"Modelled kernel cycles rest on (\d+) cost entries in (\d+) tables, "
                     r"(\d+) of them estimates .*", out[-1])
    assert m, out[-1]
    entries = [c for t in KERNEL_COST_TABLES.values() for c in t.values()]
    assert int(m[1]) == len(entries) and int(m[2]) == len(KERNEL_COST_TABLES)
    assert int(m[3]) == sum(c.estimated for c in entries)


def test_note_counts_what_is_registered() -> None:
    before = kernel_estimates_note()
    KERNEL_COST_TABLES["_probe"] = {"x": KernelCost(1, "Some TRM, Table 1", False, "")}
    try:
        after = kernel_estimates_note()
    finally:
        del KERNEL_COST_TABLES["_probe"]
    n = int(re.search(r"on (\d+) cost", before)[1])  # type: ignore[index]
    e = int(re.search(r"(\d+) of them", before)[1])  # type: ignore[index]
    assert f"on {n + 1} cost entries" in after and f"{e} of them" in after
