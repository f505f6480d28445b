"""`irqemu bench masking|atomics`: the code paths at small sizes, and the invariants
the figures must satisfy (the figures themselves live in BENCHMARKS.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from irqemu.bench import atomics, masking, percentile
from irqemu.timing import load_cost_model

A9 = load_cost_model("cortex-a9")


def _static_cost(arch: str, symbol: str) -> int:
    """Cost-model price of a loop function's instructions, read from the ELF."""
    from irqemu.arch import get_arch
    from irqemu.machine.elf import read_elf

    spec = masking.SPECS[arch]
    image = read_elf(masking.bundled_firmware(spec.arch, spec.elf))
    start = image.symbols[symbol]
    ends = sorted(a for a in image.symbols.values() if a > start)
    seg = next(sg for sg in image.segments if sg.address <= start < sg.address + len(sg.data))
    code = seg.data[start - seg.address: ends[0] - seg.address]
    a = get_arch(arch)
    model = load_cost_model(spec.core)
    cs = a._cs if hasattr(a, "_cs") else a._cs_arm
    return sum(model.cycles(a.classify(i)) for i in cs.disasm(code, start))


@pytest.mark.parametrize("arch", sorted(masking.SPECS))
def test_masking_sequence_costs_come_from_the_cost_model(arch: str) -> None:
    """Measured by running the loops = the static price of the extra instructions."""
    rows = {r["sequence"].split(":")[0]: r for r in masking.sequence_costs(arch, 200)}
    base = _static_cost(arch, "loop_empty")
    for label, sym in (("disable/enable", "loop_disable_enable"),
                       ("irq_save/restore", "loop_save_restore")):
        assert rows[label]["cycles_per_op"] == _static_cost(arch, sym) - base


@pytest.mark.parametrize("arch", sorted(masking.SPECS))
@pytest.mark.parametrize("k", [0, 60, 300])
def test_latency_stays_within_the_masked_window(arch: str, k: int) -> None:
    r = masking.latency(arch, k, 500 - k, interrupts=40)
    model = load_cost_model(masking.SPECS[arch].core)
    entry = model.event("exception_entry")
    assert r["interrupts"] == 40
    assert r["min"] >= entry
    # A masked window delays the vector by at most the window itself plus the
    # unmasking instruction, the block it ends and the entry.
    slack = 2 * model.cycles("mask") + 4 * model.cycles("branch") + 2 * model.cycles("alu")
    assert r["max"] <= r["masked_cycles"] + entry + slack
    if k:
        assert r["max"] >= r["masked_cycles"] // 2, "some interrupt should land in the window"


def test_latency_grows_with_the_window() -> None:
    small, large = masking.latency_sweep("armv7", [20, 300], 500, 40)
    assert small["p99"] < large["p99"]


def test_atomic_variants_count_exactly_on_one_core() -> None:
    rows = atomics.single_core("armv7", 300)
    assert {r["symbol"] for r in rows} == {v.symbol for v in atomics.SPECS["armv7"].variants}
    plain = next(r for r in rows if r["symbol"] == "plain_add")
    # ldr, add, str, subs, bne
    expect = A9.cycles("load") + A9.cycles("store") + 2 * A9.cycles("alu") + A9.cycles("branch")
    # ... per iteration, plus the function's own bx lr once
    assert round(plain["cycles_per_op"] * 300) == 300 * expect + A9.cycles("branch")
    assert all(r["cycles_per_op"] > plain["cycles_per_op"] for r in rows if r is not plain)


@pytest.mark.parametrize("spec", sorted(atomics.SPECS))
def test_every_runnable_variant_counts_exactly_on_one_core(spec: str) -> None:
    rows = atomics.single_core(spec, 100)  # raises if a count is off
    assert len(rows) == len(atomics.SPECS[spec].runnable())


@pytest.mark.parametrize("spec", sorted(atomics.SPECS))
@pytest.mark.parametrize("cpus", [2, 4])
def test_correct_variants_count_exactly_with_contention(spec: str, cpus: int) -> None:
    for r in atomics.contended(spec, cpus, 150):
        assert r["expected"] == cpus * 150
        if r["correct_smp"]:
            assert r["count"] == r["expected"], r


def test_percentile_nearest_rank() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2
    assert percentile([5], 99) == 5
    assert percentile(list(range(1, 101)), 99) == 99


def test_cli_bench_json_and_bad_arch() -> None:
    p = subprocess.run([sys.executable, "-m", "irqemu", "bench", "atomics", "--quick", "--json"],
                       capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["single"]
    p = subprocess.run([sys.executable, "-m", "irqemu", "bench", "masking", "--arch", "mips"],
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert p.returncode == 2 and "no masking benchmark for architecture 'mips'" in p.stderr
