"""What atomic operations cost: atomic_add and cmpxchg the ways Linux writes them.

Per architecture, a firmware provides one function per variant,
``f(counter, n)`` adding 1 to ``*counter`` n times, and a ``main`` that runs
a chosen variant on ``ncpus`` cores contending on one counter. Single-core
figures are modelled cycles per operation (the loop's own subs/bne
included, as in the kernel's callers); the SMP run reports the final count,
which must be exact for every correct variant, and cycles per operation on
each core.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from irqemu.bench import call, md_table
from irqemu.boards import build_board
from irqemu.bundled import bundled_firmware


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
    Variant("atomic_add_llsc", "(c) atomic_add: ldxr/add/stxr loop", True),
    Variant("cmpxchg_llsc", "(c) cmpxchg: ldxr/eor/stlxr loop; dmb ish", True),
    Variant("atomic_add_lse", "(d) atomic_add, LSE: stadd", True, lse=True),
    Variant("cmpxchg_lse", "(d) cmpxchg, LSE: casal", True, lse=True),
)
SPECS["x86_64"] = AtomicsSpec("x86_64", "pc", "skylake", (
    Variant("plain_add", "plain mov/inc/mov (no protection)", False),
    Variant("atomic_add", "(e) atomic_add: lock addl", True),
    Variant("cmpxchg_lock", "(e) cmpxchg: lock cmpxchgl loop", True),
))
SPECS["aarch64"] = AtomicsSpec("aarch64", "virt-a53", "cortex-a53", _A64)
SPECS["aarch64-lse"] = AtomicsSpec("aarch64", "virt-a53", "cortex-a55", _A64,
                                   board_kw=(("core", "cortex-a55"),), has_lse=True)


def _machine(spec: AtomicsSpec, num_cpus: int = 4, quantum: int = 10_000) -> Any:
    m = build_board(spec.board, num_cpus=num_cpus, quantum_cycles=quantum,
                    **dict(spec.board_kw))
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


def contended(arch: str, ncpus: int, iterations: int = 2000,
              quantum: int = 1000) -> list[dict[str, Any]]:
    """Every variant on ``ncpus`` cores adding to one counter; the final counts."""
    spec = SPECS[arch]
    rows = []
    for idx, v in spec.runnable():
        m = _machine(spec, 4, quantum)
        _set(m, "ncpus", ncpus)
        _set(m, "variant", idx)
        _set(m, "iters", iterations)
        r = m.run(max_cycles=400 * iterations * ncpus + 10**6)
        if r.stop_reason != "exit" or r.exit_code != 0:
            raise RuntimeError(f"{arch} atomics on {ncpus} CPUs: {r.stop_reason} {r.message}")
        # CPUs 1..n-1 run only the worker; CPU0 also prints and waits for the others.
        workers = range(1, ncpus)
        rows.append({"arch": spec.arch, "core": spec.core, "cpus": ncpus, "variant": v.label,
                     "symbol": v.symbol, "correct_smp": v.correct_smp,
                     "expected": ncpus * iterations, "count": _word(m, "counter"),
                     "cycles_per_op": max(r.cycles[c] for c in workers) / iterations})
    return rows


def run(arches: list[str], quick: bool = False) -> dict[str, Any]:
    """Everything ``irqemu bench atomics`` reports."""
    n = 200 if quick else 2000
    return {"single": [r for a in arches for r in single_core(a, n)],
            "smp": [r for a in arches for c in (2, 4) for r in contended(a, c, n)]}


def tables(res: dict[str, Any]) -> str:
    single = md_table(["arch", "core", "variant", "modelled cycles / op", "instructions / op",
                       "host ops / s"],
                      [[r["arch"], r["core"], r["variant"], r["cycles_per_op"],
                        r["instructions_per_op"], int(r["host_ops_per_s"])]
                       for r in res["single"]])
    smp = md_table(["arch", "core", "CPUs", "variant", "final count", "expected", "exact",
                    "modelled cycles / op (slowest secondary CPU)"],
                   [[r["arch"], r["core"], r["cpus"], r["variant"], r["count"], r["expected"],
                     "yes" if r["count"] == r["expected"] else "NO", r["cycles_per_op"]]
                    for r in res["smp"]])
    return ("### Uncontended, one core (modelled cycles; host speed separately labelled)\n\n"
            + single + "\n\n### Contended: every CPU adds to one counter\n\n" + smp
            + "\n\nLimits of the model: cores interleave at translation-block boundaries, so "
            "a read-modify-write inside one block is never split by another core and "
            "variants that are not SMP-safe can still count exactly; and no cache "
            "coherence traffic is modelled, so contention adds no cycles per operation.")
