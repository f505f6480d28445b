"""irqemu validate: published rows are cited, reproduced with their own options, run
deterministically on both engines, and BENCHMARKS.md's table is a fresh run's."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.errors import CostModelError
from irqemu.latency import validate
from irqemu.latency.published import (
    PUBLISHED,
    by_name,
    cyclictest_options,
    reproduction,
)
from irqemu.timing.costmodel import citation

ROOT = Path(__file__).resolve().parents[2]
CYCLICTEST_ROWS = [r for r in PUBLISHED if r.tool == "cyclictest"
                   and r.arch in validate.REPRODUCIBLE_ARCHES]


@pytest.mark.parametrize("row", PUBLISHED, ids=lambda r: r.name)
def test_every_row_is_cited_as_citation_demands(row) -> None:
    c = citation(row.citation_entry(), f"published {row.name}")
    assert not c.estimated and c.text == row.source
    assert row.unmodelled, "each row says what the model does not reproduce"


def test_a_source_without_its_section_is_rejected() -> None:
    row = dataclasses.replace(PUBLISHED[0], source="someone's blog post")
    with pytest.raises(CostModelError, match="section"):
        citation(row.citation_entry(), "published")


@pytest.mark.parametrize("row", CYCLICTEST_ROWS, ids=lambda r: r.name)
def test_the_reproduction_runs_the_published_options(row) -> None:
    """The run's priority, interval and threads are those parsed from the row's command
    line: checked against the words of the command itself, not only the parser."""
    res = validate.reproduce(row, loops=3)
    opts = reproduction(row)
    s = res["setup"]
    assert (s["prio"], s["interval_us"], s["threads"]) == (
        opts["prio"], opts["interval_us"], opts["threads"])
    interval = re.search(r"(?:^|\s)-i\s*(\d+)", row.command)
    assert interval and s["interval_us"] == int(interval.group(1))
    if row.printed_prio is not None:  # what cyclictest printed for this command line
        assert s["prio"] == row.printed_prio
    else:  # -p 98, -p98 or clustered as -Sp98
        prio = re.search(r"(?:^|\s)-[a-zA-Z]*p\s*(\d+)", row.command)
        assert prio and s["prio"] == int(prio.group(1))
    assert s["kernel"] == row.kernel and res["command"] == row.command
    assert s["loops"] == 3 and res["modelled_samples"] == 3 * s["threads"]


@pytest.mark.parametrize("row", [r for r in PUBLISHED if r.tool == "irq-latency"],
                         ids=lambda r: r.name)
def test_an_irq_latency_run_uses_the_rows_setup(row) -> None:
    res = validate.reproduce(row, loops=4)
    s = res["setup"]
    assert {k: s[k] for k in row.options} == row.options
    assert s["kernel"] == row.kernel and s["periods"] == 4
    assert res["modelled_samples"] == 4 and res["clock_scaled"] == (row.clock_hz is not None)


def test_the_bare_metal_run_is_the_rows_setup() -> None:
    row = by_name("a9-baremetal-irq")
    res = validate.reproduce(row, loops=5)
    assert {k: res["setup"][k] for k in row.options} == row.options
    assert res["setup"]["firmware"] == "armv7/irq_cold.elf"
    assert res["modelled_samples"] == 5 and res["modelled"]["min"] >= 1


def test_evicting_before_the_trigger_costs_only_with_the_cache_model() -> None:
    """irq_cold.elf: random accesses before each trigger (none with max_accesses 1)
    make the handler's path slower on average under the cache model; without it,
    where memory has no state, they move it by less than one global-timer tick (2
    cycles: the trigger's phase against PERIPHCLK)."""
    row = by_name("a9-baremetal-irq")
    none = dataclasses.replace(row, options={**row.options, "max_accesses": 1})
    warm, cold = validate.reproduce(none, loops=40), validate.reproduce(row, loops=40)
    assert cold["cache_model"]["modelled"]["avg"] > warm["cache_model"]["modelled"]["avg"]
    assert abs(cold["modelled"]["avg"] - warm["modelled"]["avg"]) < 2
    assert cold["modelled"]["max"] - cold["modelled"]["min"] <= 2


def test_the_kernel_paths_footprint_is_part_of_the_cache_penalty() -> None:
    """With the cache model the modelled kernel's functions touch their footprints
    (kernel/footprint.py): on a Linux row part of the penalty is theirs and the first,
    cold sample costs more than without the model; bare metal has no kernel path."""
    linux = validate.reproduce(by_name("a9-socfpga-rt-cyclictest"), loops=3)
    bare = validate.reproduce(by_name("a9-baremetal-irq"), loops=5)
    cm = linux["cache_model"]
    assert 0 < cm["kernel_penalty_cycles"] <= cm["penalty_cycles"]
    assert cm["modelled"]["first"] > linux["modelled"]["first"]
    assert bare["cache_model"]["kernel_penalty_cycles"] == 0


def test_a_row_without_a_latency_board_is_listed_not_reproduced() -> None:
    rows = [r for r in PUBLISHED if r.arch not in validate.REPRODUCIBLE_ARCHES]
    for row in rows:
        res = validate.reproduce(row)
        assert res["reproduced"] is False and res["modelled"] is None
        assert f"| {row.name} |" in validate.markdown([res])
        assert "not reproduced" in validate.markdown([res])


def test_clustered_options_parse_as_getopt_does() -> None:
    """-smp is -s, -m and -p whose argument is the next word ("-p"): priority 0, which
    cyclictest defaults to threads + 1 (the published output printed P: 2)."""
    o = cyclictest_options("./cyclictest -smp -p 80 -n -i 10000 -l 10000")
    assert o["system"] and o["mlockall"] and o["prio"] == "-p" and o["operands"] == ["80"]
    assert reproduction(by_name("a9-socfpga-rt-cyclictest"))["prio"] == 2
    assert cyclictest_options("cyclictest -a 1 -t 1 -q")["affinity"] == "1"
    assert reproduction(by_name("am62x-a53-rt-cyclictest-stress"))["prio"] == 98  # -Sp98
    assert reproduction(by_name("x86-rt-cyclictest-isolated"))["threads"] == 1
    with pytest.raises(ValueError, match="-Z"):
        cyclictest_options("cyclictest -Z")
    with pytest.raises(ValueError, match="not a cyclictest"):
        cyclictest_options("hackbench -p 3")


@settings(max_examples=40, derandomize=True, deadline=None)
@given(prio=st.integers(1, 99), interval=st.integers(50, 100_000),
       threads=st.integers(1, 4), hist=st.one_of(st.none(), st.integers(1, 1000)),
       attached=st.booleans(), order=st.permutations(range(4)))
def test_any_command_line_round_trips(prio, interval, threads, hist, attached, order) -> None:
    """Whatever order and spelling (-p80 or -p 80), the parse gives the options written."""
    sep = "" if attached else " "
    parts = [f"-p{sep}{prio}", f"-i{sep}{interval}", f"-t{sep}{threads}", "-m -n -q"]
    if hist is not None:
        parts.append(f"-h{sep}{hist}")
    cmd = "cyclictest " + " ".join(parts[i] for i in order) + " " + " ".join(parts[4:])
    row = dataclasses.replace(CYCLICTEST_ROWS[0], command=cmd, printed_prio=None)
    assert reproduction(row) == {"prio": prio, "interval_us": interval, "threads": threads,
                                 "histogram_us": hist, "published_loops": None,
                                 "affinity": None}


@settings(max_examples=30, derandomize=True)
@given(interval=st.integers(50, 1_000_000), published=st.one_of(st.none(),
                                                                 st.integers(1, 10**9)))
def test_scaled_loops_stay_within_the_caps(interval, published) -> None:
    n = validate.scaled_loops(interval, published)
    assert 1 <= n <= validate.MAX_LOOPS
    assert 1 <= validate.scaled_loops(interval, published, True) <= min(
        n, validate.MAX_LOOPS_LOADED)
    assert n * interval <= max(validate.MAX_SIM_US, interval)
    if published is not None:
        assert n <= published


def test_the_run_is_deterministic_on_both_engines() -> None:
    native = validate.run_all("native", loops=10)
    again = validate.run_all("native", loops=10)
    reference = validate.run_all("reference", loops=10)
    assert native == again
    strip = [{k: v for k, v in r.items() if k != "engine"} for r in native]
    assert strip == [{k: v for k, v in r.items() if k != "engine"} for r in reference]
    assert [r["name"] for r in native] == [r.name for r in PUBLISHED]


def test_benchmarks_md_carries_a_fresh_runs_table() -> None:
    results = validate.run_all()
    assert validate.check_file(str(ROOT / "BENCHMARKS.md"), results) is None
    table = validate.markdown(results)
    for r in results:  # every row, with its published figures
        assert f"| {r['name']} |" in table
        assert f"{r['published']['max']:,}" in table


def test_check_flags_a_stale_table(tmp_path: Path) -> None:
    results = validate.run_all(loops=5)
    good = tmp_path / "good.md"
    good.write_text(f"x\n{validate.BEGIN}\n{validate.markdown(results)}\n{validate.END}\n")
    assert validate.check_file(str(good), results) is None
    stale = tmp_path / "stale.md"
    stale.write_text(good.read_text().replace("| yes |", "| maybe |").replace(
        "| no |", "| maybe |"))
    assert "stale" in (validate.check_file(str(stale), results) or "")
    assert "no " in (validate.check_file(str(tmp_path / "none.md"), results) or "")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "irqemu", "validate", *args],
                          capture_output=True, text=True, timeout=300)


def test_cli_lists_runs_and_rejects_in_one_line(tmp_path: Path) -> None:
    listed = _cli("--list")
    assert listed.returncode == 0
    assert [ln.split(":")[0] for ln in listed.stdout.splitlines()] == [
        r.name for r in PUBLISHED]
    ran = _cli("--loops", "3", "a9-baremetal-irq")
    assert ran.returncode == 0 and ran.stdout.startswith("a9-baremetal-irq: published")
    for bad in (["--loops", "0"], ["--bogus"], ["no-such-row"], ["--list", "--json"],
                ["--check", "x.md", "a9-baremetal-irq"]):
        r = _cli(*bad)
        assert r.returncode == 2, bad
        assert len(r.stderr.strip().splitlines()) == 1, (bad, r.stderr)
    bare = tmp_path / "b.md"  # no section: refused before any run
    bare.write_text("# Benchmarks\n")
    r = _cli("--check", str(bare))
    assert r.returncode == 1 and "section" in r.stderr
