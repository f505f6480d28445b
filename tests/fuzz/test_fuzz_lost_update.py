"""The shipped lost-update example: the search finds and shrinks the race in the
plain variant, the fixed variants survive, saved schedules replay bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from irqemu.fuzz import cli as fuzz_cli
from irqemu.fuzz import lost_update as lu
from irqemu.fuzz.strategies import Arrival

FIXED = [name for name, spec in lu.VARIANTS.items() if not spec.loses]
EXAMPLES = 25  #: small: CI has 2 cores; each example boots the firmware once


@pytest.fixture(scope="module")
def plain() -> lu.SearchResult:
    return lu.search("plain", examples=EXAMPLES, seed=0)


@pytest.mark.parametrize("variant", list(lu.VARIANTS))
def test_undisturbed_run_counts_exactly(variant: str) -> None:
    out = lu.run_schedule(variant, [])
    assert (out.counter, out.task_done, out.handled, out.lost) == (lu.TASK_ITERS,) * 2 + (0, 0)
    assert out.stop_reason == "exit" and out.exit_code == 0
    assert "lost_update: counter 100, expected 100" in out.uart
    start, end = lu.loop_window(variant)
    assert 0 < start < end < out.cycles


def test_plain_search_finds_and_shrinks_to_one_interrupt(plain: lu.SearchResult) -> None:
    assert plain.found and plain.as_predicted
    assert plain.first is not None and plain.minimal is not None
    assert len(plain.minimal) == 1
    (a,) = plain.minimal
    assert (a.line, a.cpu, a.payload) == (68, 0, 1)
    assert plain.window[0] <= a.time < plain.window[1]
    assert plain.outcome is not None
    assert plain.outcome.lost == 1 and plain.outcome.handled == 1
    assert plain.outcome.exit_code == 1  # the firmware's own verdict agrees


def test_search_is_deterministic(plain: lu.SearchResult) -> None:
    again = lu.search("plain", examples=EXAMPLES, seed=0)
    assert (again.minimal, again.first, again.runs) == (plain.minimal, plain.first, plain.runs)
    assert again.outcome == plain.outcome


def test_the_window_is_between_load_and_store() -> None:
    """One loop iteration, every arrival cycle: plain loses at some, the fixed never."""
    start, _ = lu.loop_window("plain")
    times = range(start + 12, start + 36)
    lost = {v: [t for t in times if lu.run_schedule(v, [Arrival(t, 68, 0, 1)]).lost_update]
            for v in ("plain", "irqsave", "ldrex")}
    assert 0 < len(lost["plain"]) < len(times)
    assert lost["irqsave"] == lost["ldrex"] == []


@pytest.mark.parametrize("variant", FIXED)
def test_fixed_variants_survive_the_search(variant: str) -> None:
    r = lu.search(variant, examples=EXAMPLES, seed=0)
    assert not r.found and r.as_predicted and r.minimal is None
    assert r.runs == EXAMPLES


def test_plain_a64_loses_too() -> None:
    r = lu.search("plain-a64", examples=EXAMPLES, seed=0)
    assert r.found and r.minimal is not None and len(r.minimal) <= 2
    assert r.outcome is not None and r.outcome.lost >= 1


def test_save_and_replay_reproduce_exactly(plain: lu.SearchResult, tmp_path: Path) -> None:
    path = tmp_path / "lost.json"
    plain.save(path)
    data = json.loads(path.read_text())
    assert data["variant"] == "plain" and data["board"] == "imx6q"
    assert data["firmware"] == "armv7/lost_update.elf" and data["seed"] == 0
    assert data["schedule"] == [list(a) for a in plain.minimal or []]
    r = lu.replay(path)
    assert r.reproduced and r.differences == [] and r.notes == []
    assert r.outcome == plain.outcome
    ref = lu.replay(path, engine="reference")  # the Python engine: the same, bit for bit
    assert ref.reproduced, ref.differences


@pytest.mark.parametrize("variant", ["irqsave", "ldrex"])
def test_fixed_variants_survive_the_schedule_that_broke_plain(
        plain: lu.SearchResult, variant: str, tmp_path: Path) -> None:
    for schedule in (plain.first, plain.minimal):
        assert schedule is not None
        out = lu.run_schedule(variant, schedule)
        assert out.lost == 0 and out.handled >= 1


def test_replay_detects_a_changed_outcome(plain: lu.SearchResult, tmp_path: Path) -> None:
    path = tmp_path / "lost.json"
    data = plain.to_json()
    data["outcome"]["cycles"] += 1
    path.write_text(json.dumps(data))
    r = lu.replay(path)
    assert not r.reproduced and r.differences[0].startswith("cycles: recorded")
    assert fuzz_cli.main(["--replay", str(path)]) == 1


def _bad(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bad.json"
    p.write_text(text)
    return p


GOOD = {"format": lu.FORMAT, "scenario": lu.SCENARIO, "variant": "plain", "task_iters": 100,
        "schedule": [[2600, 68, 0, 1]]}


@pytest.mark.parametrize("change, msg", [
    (None, "not JSON"),
    ({"format": "other"}, "not an irqemu fuzz file"),
    ({"scenario": "napi"}, "unknown scenario"),
    ({"variant": "nope"}, "unknown variant 'nope'"),
    ({"variant": 3}, "missing or bad 'variant'"),
    ({"schedule": {"t": 1}}, "missing or bad 'schedule'"),
    ({"schedule": [[1, 2]]}, "entry 0 is not"),
    ({"schedule": [[100, 42, 0, 1]]}, "line 42 is not one of variant plain's lines"),
    ({"schedule": [[100, 68, 1, 1]]}, "CPU 0 only"),
    ({"schedule": [[100, 68, 0, "x"]]}, "payload"),
    ({"task_iters": -1}, "task_iters"),
    ({"board": "pc"}, "board 'pc' does not match"),
])
def test_bad_replay_files_give_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        change: dict[str, object] | None, msg: str) -> None:
    path = _bad(tmp_path, "{ nope" if change is None else json.dumps(GOOD | change))
    with pytest.raises(lu.FuzzError, match=msg):
        lu.replay(path)
    assert fuzz_cli.main(["--replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"irqemu: {path}: ") and "Traceback" not in err


def test_missing_replay_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert fuzz_cli.main(["--replay", str(tmp_path / "none.json")]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_cli_search_save_and_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.json"
    assert fuzz_cli.main(["lost-update", "--variant", "plain", "--examples", str(EXAMPLES),
                          "--seed", "0", "--save", str(path)]) == 0
    out = capsys.readouterr().out
    assert "LOST UPDATE: minimal schedule (1 interrupt" in out and "1 update lost" in out
    assert fuzz_cli.main(["--replay", str(path)]) == 0
    assert "reproduced exactly" in capsys.readouterr().out
    assert fuzz_cli.main(["--replay", str(path), "--variant", "ldrex"]) == 0
    assert "no update lost" in capsys.readouterr().out
    assert fuzz_cli.main(["--replay", str(path), "--variant", "lse"]) == 2


def test_cli_fixed_variant_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert fuzz_cli.main(["lost-update", "--variant", "ldrex", "--examples", "10"]) == 0
    assert "the fixed variant survives" in capsys.readouterr().out


def test_cli_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert fuzz_cli.main([]) == 2
    with pytest.raises(SystemExit):
        fuzz_cli.main(["lost-update", "--variant", "bogus"])
    assert fuzz_cli.main(["lost-update", "--variant", "all", "--save", "x.json"]) == 2
