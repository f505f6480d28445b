"""The classic-bug firmware (issue 13 item 4): each command of docs/fuzzing.md's
"Classic bugs" section, run as written, finds its bug and shrinks it to the
fewest arrivals the bug needs, with the failure the docs print; the same command
on the fixed build survives; a hang is a reported failure, not a crash."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from tests.helpers import ROOT

from irqemu.fuzz import run as fr
from irqemu.fuzz import run_cli
from irqemu.fuzz.schedule import IrqSpec, SourceSpec
from irqemu.fuzz.strategies import Arrival

DOC = ROOT / "docs" / "fuzzing.md"
#: the fewest arrivals each bug needs (see the firmware's header comment)
MINIMAL = {"shared_counter": 2, "missed_edge": 2, "eoi_early": 1, "spin_irq": 1,
           "early_unmask": 1}


def _documented() -> dict[str, tuple[list[str], str]]:
    """{bug: (argv after `irqemu fuzz run`, the FAILED line the docs print)}."""
    text = DOC.read_text()
    section = text.split("## Classic bugs", 1)[1].split("\n## ", 1)[0]
    found = {}
    for m in re.finditer(r"^\$ irqemu fuzz run (.+)\n(FAILED: .+)$", section, re.M):
        argv = shlex.split(m[1])
        name = re.fullmatch(r"firmware/armv7/bug_(\w+)\.elf", argv[0])
        assert name is not None, argv[0]
        found[name[1]] = (argv, m[2])
    return found


COMMANDS = _documented()


def _run(argv: list[str], capsys: pytest.CaptureFixture[str],
         monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict]:
    monkeypatch.chdir(ROOT)
    code = run_cli.main([*argv, "--json", "--no-progress"])
    return code, json.loads(capsys.readouterr().out)


def test_every_classic_bug_is_documented() -> None:
    assert set(COMMANDS) == set(MINIMAL)
    for bug in MINIMAL:
        for kind in ("bug", "fix"):
            assert (ROOT / "firmware" / "armv7" / f"{kind}_{bug}.elf").is_file()


@pytest.mark.parametrize("bug", sorted(MINIMAL))
def test_bug_found_and_shrunk_by_its_documented_command(
        bug: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    argv, failed = COMMANDS[bug]
    code, r = _run(argv, capsys, monkeypatch)
    assert code == run_cli.EXIT_FOUND and r["found"]
    assert len(r["schedule"]) == MINIMAL[bug]
    assert "FAILED: " + r["outcome"]["why"] == failed
    # minimal: dropping any one arrival makes the run hold
    p = fr.prepare(fr.target_from_json(r["target"], ROOT))
    sched = [Arrival(*a) for a in r["schedule"]]
    for i in range(len(sched)):
        assert fr.run_schedule(p, sched[:i] + sched[i + 1:]).passed


@pytest.mark.parametrize("bug", sorted(MINIMAL))
def test_fix_survives_the_same_search(
        bug: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    argv, _ = COMMANDS[bug]
    code, r = _run([argv[0].replace("/bug_", "/fix_"), *argv[1:]], capsys, monkeypatch)
    assert code == 0 and not r["found"] and r["runs"] == r["examples"] + 1


def test_a_hang_names_where_each_cpu_spins(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    argv, _ = COMMANDS["spin_irq"]
    code, r = _run(argv, capsys, monkeypatch)
    out = r["outcome"]
    assert out["stop_reason"] == "time-limit" and out["exit_code"] is None
    assert r["target"]["must_end"] is True
    image = fr.prepare(fr.target_from_json(r["target"], ROOT)).image
    lock = image.symbols["spin_lock"]
    assert lock <= out["end_pcs"][0] < lock + 0x20  # the handler's spin on the held lock
    assert "hang: it did not end within 0.2 ms" in out["why"]


def test_hang_needs_the_run_to_end_by_itself(tmp_path: Path) -> None:
    """must_end False (a firmware that never exits): a time limit is no failure."""
    t = fr.Target(str(ROOT / "firmware/armv7/bug_spin_irq.elf"),
                  irqs=(IrqSpec("src0"),), sources=(SourceSpec("src0", 0x021A0000, 68),),
                  check="handled == 1", max_time_ns=200_000, must_end=False)
    p = fr.prepare(t)
    out = fr.run_schedule(p, [Arrival(5000, "src0", 0, 1)])
    assert out.stop_reason == "time-limit" and not out.why.startswith("hang")


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_shrunk_schedule_is_one_minimal_on_other_seeds(seed: int) -> None:
    """Whatever the seed, the search ends at the fewest arrivals the bug needs (two
    for the shared counter), and dropping any one of them makes the run hold."""
    t = fr.Target(str(ROOT / "firmware/armv7/bug_shared_counter.elf"), irqs=(IrqSpec("src0"),),
                  sources=(SourceSpec("src0", 0x021A0000, 68),), check="processed == handled")
    p = fr.prepare(t)
    r = fr.search(p, examples=60, seed=seed)
    assert r.minimal is not None and len(r.minimal) == MINIMAL["shared_counter"]
    for i in range(len(r.minimal)):
        assert fr.run_schedule(p, r.minimal[:i] + r.minimal[i + 1:]).passed


def test_one_minimal_deletes_what_hypothesis_left() -> None:
    """one_minimal: a failing schedule padded with arrivals the failure does not need
    loses them all, and keeps the ones it needs."""
    need = [Arrival(10, "a", 0, 1), Arrival(30, "a", 0, 1)]
    extra = [Arrival(5, "a", 0, 1), Arrival(20, "a", 0, 1), Arrival(40, "a", 0, 1)]

    def fails(s: list[Arrival]) -> bool:
        return all(a in s for a in need)

    assert fr.one_minimal(sorted(need + extra), fails) == need


def test_masked_arrivals_find_a_window_edge_bug_sooner() -> None:
    """bug_early_unmask.elf fails only for an arrival in its short masked windows (or
    the two instructions after): over six seeds, arrivals aimed at the masked windows
    reach the first failure in well under half the examples uniform ones need (a
    search that never fails counts as examples + 1)."""
    def first_failures(arrivals: str) -> list[int]:
        t = fr.Target(str(ROOT / "firmware/armv7/bug_early_unmask.elf"),
                      irqs=(IrqSpec("src0"),), sources=(SourceSpec("src0", 0x021A0000, 68),),
                      check="processed == handled", arrivals=arrivals)
        p = fr.prepare(t)
        out = []
        for seed in range(6):
            first: list[int] = []

            def note(runs: int, examples: int, best: int | None, first: list[int] = first
                     ) -> None:
                if best is not None and not first:
                    first.append(runs)  # the examples tried so far, this one included

            fr.search(p, examples=40, seed=seed, progress=note)
            out.append(first[0] if first else 41)
        return out

    uniform, masked = first_failures("uniform"), first_failures("masked")
    assert max(masked) <= 40  # found on every seed
    assert 2 * sum(masked) < sum(uniform), (masked, uniform)
