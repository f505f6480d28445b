"""What masking interrupts costs: cycles per disable/enable and save/restore, and the
interrupt latency a masked window adds.

Per architecture, a firmware provides ``loop_empty(n)`` and one loop per
masking sequence; the cost of a sequence is ``(cycles(loop) - cycles(empty)) / n``.
The latency experiment runs the firmware's ``main``: a periodic timer against
a loop that keeps interrupts masked for K cycles out of every M, recording
for each interrupt the time from its line's rising edge to its vector.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from irqemu.bench import call, md_table, percentile
from irqemu.boards import build_board
from irqemu.bundled import bundled_firmware
from irqemu.machine.cachemodel import cache_fields
from irqemu.timing.costmodel import estimates, estimates_note


@dataclass(frozen=True)
class MaskingSpec:
    """Where one architecture's masking firmware and its sequences are."""

    arch: str
    board: str
    core: str
    sequences: dict[str, str]  #: label -> loop symbol
    baseline: str = "loop_empty"
    elf: str = "masking.elf"
    board_kw: tuple[tuple[str, str], ...] = ()  #: extra build_board arguments


SPECS: dict[str, MaskingSpec] = {
    "armv7": MaskingSpec("armv7", "imx6q", "cortex-a9", {
        "disable/enable: cpsid i; cpsie i": "loop_disable_enable",
        "irq_save/restore: mrs + cpsid i / msr cpsr_c": "loop_save_restore",
    }),
    "aarch64": MaskingSpec("aarch64", "virt-a53", "cortex-a53", {
        "disable/enable: msr daifset, #2; msr daifclr, #2": "loop_disable_enable",
        "irq_save/restore: mrs daif + msr daifset / msr daif": "loop_save_restore",
    }),
    "x86_64": MaskingSpec("x86_64", "pc", "skylake", {
        "disable/enable: cli; sti": "loop_disable_enable",
        "irq_save/restore: pushf; pop + cli / push; popf": "loop_save_restore",
    }),
}


def _machine(spec: MaskingSpec, engine: str | None = None) -> Any:
    kw = dict(spec.board_kw)
    if engine is not None:
        kw["engine"] = engine
    m = build_board(spec.board, **kw)
    m.load_elf(str(bundled_firmware(spec.arch, spec.elf)))
    return m


def sequence_costs(arch: str, iterations: int = 1000) -> list[dict[str, Any]]:
    """Modelled cycles per masking sequence (and host time per iteration)."""
    spec = SPECS[arch]
    m = _machine(spec)
    _, base, _ = call(m, spec.baseline, iterations)
    rows = []
    for label, sym in spec.sequences.items():
        t0 = time.perf_counter()
        _, cycles, insns = call(m, sym, iterations)
        host = time.perf_counter() - t0
        rows.append({"arch": arch, "core": spec.core, "sequence": label,
                     "cycles_per_op": (cycles - base) / iterations,
                     "instructions_per_iteration": insns / iterations,
                     "host_ns_per_iteration": host / iterations * 1e9})
    return rows


def masked_window_cycles(arch: str, masked_iters: int) -> int:
    """Modelled cycles of the firmware's masked window of ``masked_iters`` iterations."""
    spec = SPECS[arch]
    if masked_iters == 0:
        return 0
    _, cycles, _ = call(_machine(spec), spec.baseline, masked_iters)
    return int(cycles)


def latency_samples(arch: str, masked_iters: int, open_iters: int, interrupts: int = 200,
                    timer_load: int = 2002, engine: str | None = None) -> tuple[list[int], Any]:
    """Each interrupt's assert-to-vector latency in modelled cycles (in arrival order),
    with K of every M cycles masked; and the machine that ran."""
    spec = SPECS[arch]
    m = _machine(spec, engine)
    sym = m.image.symbols
    for name, value in (("masked_iters", masked_iters), ("open_iters", open_iters),
                        ("irq_target", interrupts), ("timer_load", timer_load)):
        m.mem_write(sym[name], value.to_bytes(4, "little"))
    samples: list[int] = []
    clock = m.cpus[0].clock

    def probe(cpu: int, line: int, asserted: int, vector: int) -> None:
        samples.append(clock.to_cycles(vector - asserted))

    m.latency_probe = probe
    r = m.run(max_cycles=200 * interrupts * (timer_load + 1))
    if r.stop_reason != "exit" or r.exit_code != 0:
        raise RuntimeError(f"masking firmware did not finish: {r.stop_reason} {r.message}")
    return samples, m


def latency(arch: str, masked_iters: int, open_iters: int, interrupts: int = 200,
            timer_load: int = 2002) -> dict[str, Any]:
    """Assert-to-vector latency, in modelled cycles, with K of every M cycles masked."""
    spec = SPECS[arch]
    samples, m = latency_samples(arch, masked_iters, open_iters, interrupts, timer_load)
    samples = sorted(samples)
    window = masked_window_cycles(arch, masked_iters)
    period = masked_window_cycles(arch, masked_iters + open_iters)
    return {"arch": arch, "core": spec.core, "masked_cycles": window, "period_cycles": period,
            "interrupts": len(samples), "min": samples[0],
            "median": percentile(samples, 50), "p99": percentile(samples, 99),
            "max": samples[-1], "entry_cycles": m.cost_model.event("exception_entry"),
            **cache_fields(m)}


def latency_sweep(arch: str, masked: list[int], period_iters: int = 500,
                  interrupts: int = 200) -> list[dict[str, Any]]:
    """``latency`` for each masked-iteration count K, with K + open = ``period_iters``."""
    out = []
    for k in masked:
        if not 0 <= k <= period_iters:
            raise ValueError(f"masked iterations {k} outside 0..{period_iters}")
        out.append(latency(arch, k, max(1, period_iters - k), interrupts))
    return out


def run(arches: list[str], quick: bool = False) -> dict[str, Any]:
    """Everything ``irqemu bench masking`` reports."""
    iters = 100 if quick else 1000
    masked = [0, 50, 200] if quick else [0, 25, 50, 100, 200, 400]
    n = 30 if quick else 300
    seqs = [r for a in arches for r in sequence_costs(a, iters)]
    return {"sequences": seqs,
            "latency": [r for a in arches for r in latency_sweep(a, masked, 500, n)],
            "cost_models": estimates([r["core"] for r in seqs])}


def tables(res: dict[str, Any]) -> str:
    seq = md_table(["arch", "core", "sequence", "modelled cycles / op", "host ns / iteration"],
                   [[r["arch"], r["core"], r["sequence"], r["cycles_per_op"],
                     r["host_ns_per_iteration"]] for r in res["sequences"]])
    cached = any("cache_penalty_cycles" in r for r in res["latency"])  # --cache-model
    lat = md_table(["arch", "core", "masked K (cycles)", "period M (cycles)", "interrupts",
                    "min", "median", "p99", "max"] + (["miss cycles"] if cached else []),
                   [[r["arch"], r["core"], r["masked_cycles"], r["period_cycles"], r["interrupts"],
                     r["min"], r["median"], r["p99"], r["max"]]
                    + ([r["cache_penalty_cycles"]] if cached else []) for r in res["latency"]])
    return ("### Masking sequences (modelled cycles per disable/enable or save/restore)\n\n"
            + seq + "\n\n### Added interrupt latency: assert-to-vector, modelled cycles\n\n"
            "A periodic timer against a loop that keeps interrupts masked for K of every M "
            "cycles; latency includes exception entry.\n\n" + lat + "\n\n"
            + estimates_note(list(res.get("cost_models", ()))))
