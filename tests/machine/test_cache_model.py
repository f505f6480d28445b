"""The memory hierarchy model on real firmware: both engines agree, the penalty is the
whole difference, cold costs more than warm by the model's own miss penalty, and a
contended line bounces between cores."""

from __future__ import annotations

import pytest

from irqemu.bench import call
from irqemu.bench.atomics import contended
from irqemu.boards import build_board
from irqemu.bundled import bundled_firmware
from irqemu.cli import boot
from irqemu.machine.cachemodel import CacheModelOption

ARCHES = ("armv7", "aarch64", "x86_64")
#: a function of each timer.elf that touches code, stack and data, and its arguments
#: (x86-64: set_gate writes an IDT entry; its put_dec polls the UART, whose state the
#: first call changes)
FUNCTION = {"armv7": ("uart_put_dec", 1234567), "aarch64": ("uart_put_dec", 1234567),
            "x86_64": ("set_gate", 40, 0x100000)}
BOARD = {"armv7": "imx6q", "aarch64": "virt-a53", "x86_64": "pc"}


def _boot(arch: str, engine: str, cache: bool) -> tuple[dict, list[dict[str, int]]]:
    def run() -> dict:
        return boot(f"firmware/{arch}/timer.elf", board=None, max_cycles=None,
                    max_time_ms=50, engine=engine, quantum=10_000, echo=False)

    if not cache:
        return run(), []
    with CacheModelOption() as opt:
        r = run()
    assert len(opt.attached) == 1
    return r, opt.attached[0].stats()


@pytest.mark.parametrize("arch", ARCHES)
def test_engines_agree_and_the_penalty_is_the_difference(arch: str) -> None:
    on_native, stats = _boot(arch, "native", True)
    on_ref, stats_ref = _boot(arch, "reference", True)
    off, _ = _boot(arch, "native", False)
    keys = ("cycles", "instructions", "sim_time_ps", "stop_reason", "uart", "irqs")
    assert {k: on_native[k] for k in keys} == {k: on_ref[k] for k in keys}
    assert stats == stats_ref
    assert on_native["cache"] == on_ref["cache"]
    assert "cache" not in off  # off: the JSON shape is unchanged
    # the same instructions ran; every extra cycle is a charged penalty, none twice
    assert on_native["instructions"] == off["instructions"]
    penalties = [s["penalty_cycles"] for s in stats]
    assert penalties[0] > 0
    assert [a - b for a, b in zip(on_native["cycles"], off["cycles"], strict=True)] == penalties


def _machine(arch: str) -> object:
    m = build_board(BOARD[arch])
    m.load_elf(str(bundled_firmware(arch, "timer.elf")))
    return m


@pytest.mark.parametrize("arch", ARCHES)
def test_cold_costs_more_than_warm_by_the_miss_penalty(arch: str) -> None:
    """The same call twice: the first pays misses, the second hits; the difference in
    cycles is the difference in the model's reported penalty, and the cycles without
    the penalty are the cycles without the model."""
    plain = _machine(arch)
    _, base, _ = call(plain, *FUNCTION[arch])
    with CacheModelOption() as opt:
        m = _machine(arch)
    cache = opt.attached[0]
    runs = []
    for _ in range(2):
        before = cache.penalty_cycles(0)
        _, cycles, _ = call(m, *FUNCTION[arch])
        runs.append((cycles, cache.penalty_cycles(0) - before))
    (cold, cold_pen), (warm, warm_pen) = runs
    assert cold_pen > warm_pen
    assert cold - warm == cold_pen - warm_pen
    assert cold - cold_pen == warm - warm_pen == base


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("ncpus", [2, 4])
def test_contended_atomics_move_lines(arch: str, ncpus: int) -> None:
    """Every CPU adding to one counter: the SMP-safe variants (ldrex/strex, ldxr/stxr,
    lock) stay exact, their line moves between L1Ds, and they cost more per operation
    than without the model."""
    off = {r["symbol"]: r for r in contended(arch, ncpus, 100)}
    with CacheModelOption():
        on = {r["symbol"]: r for r in contended(arch, ncpus, 100)}
    for sym, row in on.items():
        assert "cache_transfers" not in off[sym]
        if row["correct_smp"]:
            assert row["lost"] == 0
            assert row["cache_transfers"] > 0
            assert row["cycles_per_op"] > off[sym]["cycles_per_op"]


def test_contended_atomics_same_on_both_engines() -> None:
    """With the model on, cores interleaving in drawn rounds (blocks split at deadlines)
    give the same figures on both engines."""
    rows = []
    for engine in ("native", "reference"):
        with CacheModelOption():
            rows.append(contended("armv7", 2, 50, engine=engine))
    assert rows[0] == rows[1]


@pytest.mark.parametrize("arch", ARCHES)
def test_fabrics_agree(arch: str) -> None:
    """The native fabric's rounds in C (``run_fabric``) and the Python round loop charge
    the same penalties at the same points."""
    out = []
    for fabric in ("native", "python"):
        with CacheModelOption() as opt:
            m = build_board(BOARD[arch], fabric=fabric)
        m.load_elf(str(bundled_firmware(arch, "timer.elf")))
        r = m.run(max_time_ps=20 * 10**9)
        out.append((r.cycles, r.instructions, r.sim_time_ps, opt.attached[0].stats()))
    assert out[0] == out[1]
