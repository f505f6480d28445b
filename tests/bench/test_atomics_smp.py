"""`irqemu bench atomics` on several cores: updates lost by the variants that are not
SMP-safe (plain, irq save alone), none by the atomic ones, the same on every engine."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.bench import atomics

ARCHES = ("armv7", "aarch64", "x86_64")


def _by_symbol(rows: list[dict]) -> dict[str, dict]:
    return {r["symbol"]: r for r in rows}


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("cpus", [2, 4])
def test_plain_and_irqsave_lose_updates_atomics_stay_exact(arch: str, cpus: int) -> None:
    rows = _by_symbol(atomics.contended(arch, cpus, 200))
    assert rows["plain_add"]["lost"] > 0
    irqsave = [r for s, r in rows.items() if "irqsave" in s]
    assert irqsave, f"{arch} has no irq-save-alone variant"
    for r in irqsave:  # masking this core's interrupts does not stop the other cores
        assert not r["correct_smp"] and r["lost"] > 0, r
    for r in rows.values():
        assert r["lost"] == r["expected"] - r["count"] and r["expected"] == cpus * 200
        if r["correct_smp"]:
            assert r["lost"] == 0, r


@pytest.mark.parametrize("arch", ARCHES)
def test_lost_updates_identical_on_both_engines_and_fabrics(arch: str) -> None:
    want = atomics.contended(arch, 2, 120, engine="native", fabric="native")
    assert atomics.contended(arch, 2, 120, engine="native", fabric="python") == want
    assert atomics.contended(arch, 2, 120, engine="reference", fabric="python") == want
    assert any(r["lost"] for r in want)


def test_the_interleave_seed_decides_the_loss() -> None:
    """Same seed, same loss; rounds of exactly 1000 cycles, which the 5-cycle plain loop
    divides, meet it at one instruction each time and never split its ldr/str."""
    a = _by_symbol(atomics.contended("armv7", 2, 300, quantum=100, seed=7))["plain_add"]
    b = _by_symbol(atomics.contended("armv7", 2, 300, quantum=100, seed=7))["plain_add"]
    assert a == b and a["lost"] > 0
    fixed = _by_symbol(atomics.contended("armv7", 2, 300, quantum=1000, seed=None))
    assert fixed["plain_add"]["lost"] == 0


@settings(max_examples=6, deadline=None, derandomize=True)
@given(quantum=st.integers(1, 400), seed=st.integers(0, 2**63 - 1),
       arch=st.sampled_from(ARCHES))
def test_smp_safe_variants_exact_under_any_interleaving(quantum: int, seed: int,
                                                         arch: str) -> None:
    for r in atomics.contended(arch, 2, 60, quantum=quantum, seed=seed):
        assert 0 <= r["lost"] <= r["expected"]
        if r["correct_smp"]:
            assert r["lost"] == 0, r


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "irqemu", "bench", *args],
                          capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)


def test_cli_json_reports_lost_and_the_interleaving() -> None:
    p = _cli("atomics", "--quick", "--json", "--arch", "armv7", "--quantum", "60",
             "--interleave-seed", "3")
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert res["interleave"] == {"quantum_cycles": 60, "seed": 3}
    rows = _by_symbol([r for r in res["smp"] if r["cpus"] == 2])
    assert rows["plain_add"]["lost"] > 0 and rows["atomic_add_ldrex"]["lost"] == 0
    assert all(r["quantum_cycles"] == 60 and r["interleave_seed"] == 3 for r in res["smp"])


@pytest.mark.parametrize("args, msg", [
    (["masking", "--quantum", "50"], "--quantum: bench masking runs one core"),
    (["masking", "--interleave-seed", "2"], "--interleave-seed: bench masking runs one core"),
    (["atomics", "--fixed-quantum", "--interleave-seed", "2"], "choose one"),
    (["atomics", "--quantum", "0"], "--quantum"),
])
def test_cli_bad_interleave_options_one_line(args: list[str], msg: str) -> None:
    p = _cli(*args)
    assert p.returncode == 2 and msg in p.stderr and not p.stdout, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
