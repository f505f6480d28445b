"""Loading the memory hierarchy files: every number cited, geometry checked."""

from __future__ import annotations

import re

import pytest

from irqemu.errors import CostModelError
from irqemu.timing.costmodel import builtin_cores
from irqemu.timing.hierarchy import _SHIPPED, load_hierarchy, parse_hierarchy, shipped


def test_every_cost_model_core_has_a_hierarchy() -> None:
    assert shipped() == builtin_cores()


@pytest.mark.parametrize("core", shipped())
def test_shipped_hierarchy_builds(core: str) -> None:
    spec = load_hierarchy(core)
    assert spec.core == core
    model = spec.build(4)
    assert model.ncpus == 4
    # every number of every table is cited, and every cache level's replacement
    assert len(spec.citations) == sum(len(t) for t in spec.tables.values()) + len(
        spec.replacement)


def _text(core: str = "cortex-a9") -> str:
    return (_SHIPPED / f"{core}.toml").read_text(encoding="utf-8")


def test_a_number_without_a_source_is_rejected() -> None:
    text = re.sub(r"(?m)^hit_cycles_source = .*\n", "", _text(), count=1)
    with pytest.raises(CostModelError, match=r"\[l1d\] hit_cycles: has no hit_cycles_source"):
        parse_hierarchy(text, "x.toml")


def test_a_source_without_a_section_is_rejected() -> None:
    text = re.sub(r'(?m)^(hit_cycles_source = )".*"$', r'\1"7-cpu"', _text(), count=1)
    with pytest.raises(CostModelError, match="must name the section"):
        parse_hierarchy(text, "x.toml")


@pytest.mark.parametrize("old,new,match", [
    ("line = 32\n", "line = 48\n", "power of two"),
    ("ways = 16\n", "ways = 0\n", "whole"),
    ("[coherence]", "[coherence]\n[l4]", "unknown table"),
    ("shared = true\n", "", "shared"),
    ("size = 1048576\n", "size = -1\n", "integer"),
])
def test_bad_geometry_is_rejected(old: str, new: str, match: str) -> None:
    with pytest.raises(CostModelError, match=match):
        parse_hierarchy(_text().replace(old, new, 1), "x.toml")


def test_missing_file_is_one_line() -> None:
    with pytest.raises(CostModelError, match="not found"):
        load_hierarchy("/nonexistent/h.toml")
    with pytest.raises(CostModelError, match="no cache model for core 'z80'"):
        load_hierarchy("z80")
