"""docs/api.md runs: its ```python blocks, in order, as one doctest (issue 14 item 3)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python fences, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_guide_has_examples_for_every_part() -> None:
    text = GUIDE.read_text()
    blocks = python_blocks(text)
    assert len(blocks) >= 10
    code = "\n".join(blocks)
    for call in ("irqemu.boot(", "irqemu.load(", "read_reg(", "write_reg(", "read_u32(",
                 "add_irq_source(", "fire_at(", "Kprobe(", "StackCount(", "run_scenario(",
                 ".facts", "Recorder()", "write_trace("):
        assert call in code, call


def test_every_example_in_the_guide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the traces it writes land here
    text = "\n\n".join(python_blocks(GUIDE.read_text()))
    test = doctest.DocTestParser().get_doctest(text, {}, "docs/api.md", str(GUIDE), 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    out: list[str] = []
    runner.run(test, out=out.append)
    result = runner.summarize(verbose=False)
    assert result.attempted > 40
    assert result.failed == 0, "".join(out)
    assert (tmp_path / "tasklet.dat").stat().st_size > 0


def test_a_wrong_example_fails() -> None:
    """The runner above does fail on a wrong output (the check can fail)."""
    test = doctest.DocTestParser().get_doctest(">>> 1 + 1\n3\n", {}, "x", "x", 0)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test, out=lambda s: None)
    assert runner.summarize(verbose=False).failed == 1
