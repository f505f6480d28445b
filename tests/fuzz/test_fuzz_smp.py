"""``fuzz run --interleave search`` on the bundled SMP lost update (bug_smp_counter.elf:
a thread on CPU0 and an IRQ handler on CPU1 each increment a shared counter with a
plain ldr/add/str): whole rounds never split it, the search finds the fine
interleaving that does and shrinks it to one arrival and the coarsest interleaving,
the same seed gives the same minimal example, the replay reproduces it on the
reference engine, and the ldrex/strex fix survives the same search."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.helpers import ROOT

from irqemu.bundled import bundled_firmware
from irqemu.fuzz import interleave as il
from irqemu.fuzz import run as fr
from irqemu.fuzz import run_cli
from irqemu.fuzz.schedule import parse_irq, parse_source
from irqemu.fuzz.strategies import Arrival

SOURCE = "src0@0x021A0000:68"
EXAMPLES, SEED = 60, 1


def _prepared(name: str, **kw: object) -> fr.Prepared:
    fw = str(bundled_firmware("armv7", name))
    return fr.prepare(fr.Target(fw, irqs=(parse_irq("src0"),),
                                sources=(parse_source(SOURCE),), exit_code=0,
                                **kw))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def found() -> fr.SearchResult:
    return il.search_interleaved(_prepared("bug_smp_counter.elf"), examples=EXAMPLES,
                                 seed=SEED)


@settings(max_examples=5, deadline=None, derandomize=True)
@given(times=st.lists(st.integers(0, 50_000), min_size=1, max_size=3))
def test_whole_rounds_never_split_the_cross_core_update(times: list[int]) -> None:
    p = _prepared("bug_smp_counter.elf")
    out = fr.run_schedule(p, [Arrival(t, "src0", 0, 1) for t in sorted(times)])
    assert out.passed, out.why
    assert any(cpu == 1 for _, cpu, *_ in out.taken)  # the handler runs on CPU1


def test_search_finds_and_shrinks_the_smp_lost_update(found: fr.SearchResult) -> None:
    assert found.found and len(found.minimal or []) == 1
    assert found.outcome.why == "expected exit code 0, got exit code 1"
    assert found.outcome.taken and all(cpu == 1 for _, cpu, *_ in found.outcome.taken)
    t = found.prepared.target
    assert t.interleave_seed is not None and t.quantum_cycles < 10_000
    # minimal: without its arrival, or one level coarser, the run holds
    p = _prepared("bug_smp_counter.elf")
    assert fr.run_schedule(found.prepared, []).passed
    level = next(lv for lv in range(il.MAX_LEVEL + 1)
                 if il.round_cycles(10_000, lv) == t.quantum_cycles)
    coarser = il.with_interleaving(p, 10_000, level - 1, t.interleave_seed)
    assert fr.run_schedule(coarser, found.minimal or []).passed


def _documented() -> tuple[list[str], str, str]:
    """docs/fuzzing.md's cross-core command: argv, its interleaving and FAILED lines."""
    section = (ROOT / "docs" / "fuzzing.md").read_text().split(
        "## Races between cores", 1)[1].split("\n## ", 1)[0]
    m = re.search(r"^\$ irqemu fuzz run (.+)\n.*\ninterleaving found: (.+)\n(FAILED: .+)$",
                  section, re.M)
    assert m is not None
    return shlex.split(m[1]), m[2], m[3]


def test_same_seed_same_minimal_example_through_the_documented_command(
        found: fr.SearchResult, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    argv, how, failed = _documented()
    assert argv[argv.index("--seed") + 1] == str(SEED)
    assert argv[argv.index("--examples") + 1] == str(EXAMPLES)
    save = tmp_path / "smp.json"
    monkeypatch.chdir(ROOT)
    rc = run_cli.main([*argv, "--json", "--no-progress", "--save", str(save)])
    res = json.loads(capsys.readouterr().out)
    assert rc == 1 and res["found"]
    assert res["interleave"]["description"] == how
    assert f"FAILED: {res['outcome']['why']}" == failed
    assert res["schedule"] == [list(a) for a in found.minimal or []]
    assert res["interleave"] == il.interleave_json(found.prepared)
    assert res["outcome"] == found.outcome.facts()
    rc = run_cli.main(["--replay", str(save), "--engine", "reference"])
    out = capsys.readouterr().out
    assert rc == 0 and "reproduced exactly" in out and "interleave seed" in out


def test_the_ldrex_fix_survives_the_same_search() -> None:
    r = il.search_interleaved(_prepared("fix_smp_counter.elf"), examples=EXAMPLES, seed=SEED)
    assert not r.found and r.outcome.passed


def test_a_seeded_interleaving_alone_is_honoured() -> None:
    """--interleave SEED: every run with that interleaving (the Target records it)."""
    p = _prepared("bug_smp_counter.elf", quantum_cycles=40, interleave_seed=5)
    a = fr.run_schedule(p, [Arrival(9_000, "src0", 0, 1)])
    b = fr.run_schedule(p, [Arrival(9_000, "src0", 0, 1)], engine="reference")
    assert a.facts() == b.facts()
    whole = fr.run_schedule(_prepared("bug_smp_counter.elf"), [Arrival(9_000, "src0", 0, 1)])
    assert a.cycles != whole.cycles  # another interleaving: the cores met at other points


@pytest.mark.parametrize("args, msg", [
    (["--interleave", "sometimes"], "expected fixed, search or a seed"),
    (["--quantum", "0"], "--quantum"),
])
def test_bad_interleave_options_one_line(args: list[str], msg: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    fw = str(bundled_firmware("armv7", "bug_smp_counter.elf"))
    with pytest.raises(SystemExit) as exc:
        run_cli.main([fw, "--irq", "68", "--exit-code", "0", *args])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and msg in err and len(err.strip().splitlines()) == 1


def test_replay_rejects_interleave_options(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    rc = run_cli.main(["--replay", str(tmp_path / "x.json"), "--quantum", "50"])
    assert rc == 2 and "drop --quantum" in capsys.readouterr().err
