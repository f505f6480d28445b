"""What atomic operations cost, and which survive several cores: atomic_add and
cmpxchg the ways Linux writes them.

Per architecture, a firmware provides one function per variant,
``f(counter, n)`` adding 1 to ``*counter`` n times, and a ``main`` that runs
a chosen variant on ``ncpus`` cores contending on one counter. Single-core
figures are modelled cycles per operation (the loop's own subs/bne
included, as in the kernel's callers). The SMP run reports the final count
and the updates LOST: cores interleave at instruction granularity in rounds
whose length is drawn in [1, quantum] cycles from a seed
(``Machine.interleave_seed``), so a plain read-modify-write, and one that
only masks its own core's interrupts, loses updates as on hardware, while
the SMP-safe variants stay exact whatever the quantum and seed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from irqemu.bench import call, md_table
from irqemu.boards import build_board
from irqemu.bundled import bundled_firmware
from irqemu.machine.cachemodel import cache_fields
from irqemu.timing.costmodel import estimates, estimates_note


@dataclass(frozen=True)
class Variant:
    symbol: str
    label: str
    correct_smp: bool  #: correct with several cores contending (not just vs. local IRQs)
    lse: bool = False  #: needs ARMv8.1 LSE atomics


@dataclass(frozen=True)
class AtomicsSpec:
    arch: str
    board: str
    core: str
    variants: tuple[Variant, ...]  #: in the firmware's `variants` table order
    elf: str = "atomics.elf"
    board_kw: tuple[tuple[str, str], ...] = ()  #: extra build_board arguments
    has_lse: bool = False

    def runnable(self) -> list[tuple[int, Variant]]:
        """(index in the firmware's table, variant) for the variants this core runs."""
        return [(i, v) for i, v in enumerate(self.variants) if self.has_lse or not v.lse]


#: the contended runs' default interleaving: rounds of 1..100 cycles drawn from seed 1
#: (a fixed quantum that a loop's length divides meets the loop at one instruction
#: each time, and may never split its read-modify-write)
QUANTUM = 100
SEED = 1

SPECS: dict[str, AtomicsSpec] = {
    "armv7": AtomicsSpec("armv7", "imx6q", "cortex-a9", (
        Variant("plain_add", "plain ldr/add/str (no protection)", False),
        Variant("atomic_add_irqsave", "(a) atomic_add, pre-ARMv6: irq save + RMW", False),
        Variant("cmpxchg_irqsave", "(a) cmpxchg, pre-ARMv6: irq save + compare/store", False),
        Variant("atomic_add_ldrex", "(b) atomic_add: dmb; ldrex/strex loop; dmb", True),
        Variant("cmpxchg_ldrex", "(b) cmpxchg: dmb; ldrex/cmp/strexeq loop; dmb", True),
    )),
}
_A64 = (
    Variant("plain_add", "plain ldr/add/str (no protection)", False),
    Variant("atomic_add_irqsave", "irq save alone (daif) + ldr/add/str", False),
    Variant("atomic_add_llsc", "(c) atomic_add: ldxr/add/stxr loop", True),
    Variant("cmpxchg_llsc", "(c) cmpxchg: ldxr/eor/stlxr loop; dmb ish", True),
    Variant("atomic_add_lse", "(d) atomic_add, LSE: stadd", True, lse=True),
    Variant("cmpxchg_lse", "(d) cmpxchg, LSE: casal", True, lse=True),
)
SPECS["x86_64"] = AtomicsSpec("x86_64", "pc", "skylake", (
    Variant("plain_add", "plain mov/inc/mov (no protection)", False),
    Variant("atomic_add_irqsave", "irq save alone (pushfq; cli) + mov/inc/mov", False),
    Variant("atomic_add", "(e) atomic_add: lock addl", True),
    Variant("cmpxchg_lock", "(e) cmpxchg: lock cmpxchgl loop", True),
))
SPECS["aarch64"] = AtomicsSpec("aarch64", "virt-a53", "cortex-a53", _A64)
SPECS["aarch64-lse"] = AtomicsSpec("aarch64", "virt-a53", "cortex-a55", _A64,
                                   board_kw=(("core", "cortex-a55"),), has_lse=True)


def _machine(spec: AtomicsSpec, num_cpus: int = 4, quantum: int = 10_000,
             seed: int | None = None, engine: str = "native",
             fabric: str | None = None) -> Any:
    m = build_board(spec.board, num_cpus=num_cpus, quantum_cycles=quantum, engine=engine,
                    fabric=fabric, **dict(spec.board_kw))
    m.interleave_seed = seed
    m.load_elf(str(bundled_firmware(spec.arch, spec.elf)))
    return m


def _word(m: Any, name: str) -> int:
    return int.from_bytes(m.mem_read(m.image.symbols[name], 4), "little")


def _set(m: Any, name: str, value: int) -> None:
    m.mem_write(m.image.symbols[name], value.to_bytes(4, "little"))


def single_core(arch: str, iterations: int = 1000) -> list[dict[str, Any]]:
    """Modelled cycles per operation, uncontended, and host speed."""
    spec = SPECS[arch]
    m = _machine(spec)
    counter = m.image.symbols["counter"]
    rows = []
    for _, v in spec.runnable():
        _set(m, "counter", 0)
        t0 = time.perf_counter()
        _, cycles, insns = call(m, v.symbol, counter, iterations)
        host = time.perf_counter() - t0
        if _word(m, "counter") != iterations:
            raise RuntimeError(f"{arch} {v.symbol}: counter {_word(m, 'counter')} "
                               f"after {iterations} adds")
        rows.append({"arch": spec.arch, "core": spec.core, "variant": v.label,
                     "symbol": v.symbol, "cycles_per_op": cycles / iterations,
                     "instructions_per_op": insns / iterations,
                     "host_ops_per_s": iterations / host if host else 0.0})
    return rows


def contended(arch: str, ncpus: int, iterations: int = 2000, quantum: int = QUANTUM,
              seed: int | None = SEED, engine: str = "native",
              fabric: str | None = None) -> list[dict[str, Any]]:
    """Every variant on ``ncpus`` cores adding to one counter: the final counts and the
    updates lost, with rounds of 1..``quantum`` cycles from ``seed`` (None: exactly
    ``quantum``)."""
    spec = SPECS[arch]
    rows = []
    for idx, v in spec.runnable():
        m = _machine(spec, 4, quantum, seed, engine, fabric)
        _set(m, "ncpus", ncpus)
        _set(m, "variant", idx)
        _set(m, "iters", iterations)
        r = m.run(max_cycles=400 * iterations * ncpus + 10**6)
        if r.stop_reason != "exit" or r.exit_code != 0:
            raise RuntimeError(f"{arch} atomics on {ncpus} CPUs: {r.stop_reason} {r.message}")
        # CPUs 1..n-1 run only the worker; CPU0 also prints and waits for the others.
        workers = range(1, ncpus)
        count = _word(m, "counter")
        rows.append({"arch": spec.arch, "core": spec.core, "cpus": ncpus, "variant": v.label,
                     "symbol": v.symbol, "correct_smp": v.correct_smp,
                     "expected": ncpus * iterations, "count": count,
                     "lost": ncpus * iterations - count,
                     "quantum_cycles": quantum, "interleave_seed": seed,
                     "cycles_per_op": max(r.cycles[c] for c in workers) / iterations,
                     **cache_fields(m, range(ncpus))})
    return rows


def run(arches: list[str], quick: bool = False, quantum: int = QUANTUM,
        seed: int | None = SEED) -> dict[str, Any]:
    """Everything ``irqemu bench atomics`` reports."""
    n = 200 if quick else 2000
    single = [r for a in arches for r in single_core(a, n)]
    return {"single": single, "cost_models": estimates([r["core"] for r in single]),
            "smp": [r for a in arches for c in (2, 4)
                    for r in contended(a, c, n, quantum, seed)],
            "interleave": {"quantum_cycles": quantum, "seed": seed}}


def _cache_cells(row: dict[str, Any]) -> list[object]:
    """With --cache-model: the line transfers between the CPUs and their miss cycles."""
    if "cache_transfers" not in row:
        return []
    return [row["cache_transfers"], row["cache_penalty_cycles"]]


def tables(res: dict[str, Any]) -> str:
    single = md_table(["arch", "core", "variant", "modelled cycles / op", "instructions / op",
                       "host ops / s"],
                      [[r["arch"], r["core"], r["variant"], r["cycles_per_op"],
                        r["instructions_per_op"], int(r["host_ops_per_s"])]
                       for r in res["single"]])
    cached = any("cache_transfers" in r for r in res["smp"])  # --cache-model
    smp = md_table(["arch", "core", "CPUs", "variant", "SMP-safe", "final count", "expected",
                    "lost", "modelled cycles / op (slowest secondary CPU)"]
                   + (["line transfers", "miss cycles"] if cached else []),
                   [[r["arch"], r["core"], r["cpus"], r["variant"],
                     "yes" if r["correct_smp"] else "no", r["count"], r["expected"],
                     r["lost"], r["cycles_per_op"]] + _cache_cells(r)
                    for r in res["smp"]])
    il = res["interleave"]
    how = (f"rounds of 1..{il['quantum_cycles']:,} cycles drawn from interleave seed "
           f"{il['seed']}" if il["seed"] is not None
           else f"rounds of exactly {il['quantum_cycles']:,} cycles")
    return ("### Uncontended, one core (modelled cycles; host speed separately labelled)\n\n"
            + single + f"\n\n### Contended: every CPU adds to one counter ({how})\n\n" + smp
            + "\n\nCores interleave at instruction granularity: a round (a slice of simulated "
            "time each core runs in turn) may end between a load and its store, and the "
            "other cores then run before the store. Updates a variant LOST are the expected "
            "count minus the final one: a plain read-modify-write loses them, and so does "
            "one that masks only its own core's interrupts (irq save alone protects "
            "against this core's handlers, not against other cores); ldrex/strex, ldxr/stxr, "
            "LSE and `lock` stay exact under every quantum and seed. How many are lost "
            "depends on the interleaving, as on hardware it depends on timing. "
            + ("Modelled (--cache-model): each CPU's accesses through its caches, a "
               "contended line moving between L1Ds (line transfers, all CPUs) and the miss "
               "cycles they cost; cores still run one at a time within a round (CPU 0 "
               "first). " if cached else
               "Not modelled: cache coherence traffic, so contention adds no cycles per "
               "operation, and cores run one at a time within a round (CPU 0 first). ")
            + estimates_note(list(res.get("cost_models", ())))).rstrip()
