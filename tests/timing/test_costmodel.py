"""Cost models: every number sourced, user files honoured."""

from __future__ import annotations

from pathlib import Path

import pytest

from irqemu.timing import CostModelError, load_cost_model
from irqemu.timing.costmodel import builtin_cores


@pytest.mark.parametrize("core", builtin_cores())
def test_every_shipped_cost_has_a_source(core: str) -> None:
    model = load_cost_model(core)
    for table in (model.classes, model.events):
        for name, cost in table.items():
            assert cost.source.strip(), f"{core}: {name} has no source"
    assert model.hz > 0


def test_unsourced_entry_is_rejected(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text('core = "x"\narch = "armv7"\nhz = 1000\nhz_estimate = "a test"\n'
                 "[classes.alu]\ncycles = 1\n")
    with pytest.raises(CostModelError, match="no source"):
        load_cost_model(str(f))


def test_user_cost_model_file(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text('core = "x"\narch = "armv7"\nhz = 1000\nhz_estimate = "a test"\n'
                 '[classes.alu]\ncycles = 3\nestimate = "measured on my board, no write-up"\n')
    model = load_cost_model(str(f))
    assert model.cycles("alu") == 3 and model.cycles("load") == 3


def test_unknown_core_names_the_shipped_ones() -> None:
    with pytest.raises(CostModelError, match="cortex-a9"):
        load_cost_model("cortex-z99")
