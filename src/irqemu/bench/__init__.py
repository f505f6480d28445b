"""Benchmarks users run: what masking and atomic operations cost, per architecture.

Modelled figures (cycles) come from running the guest code on the emulated
core with its cost model, so they are deterministic; host figures (how fast
the emulator ran) are labelled as such and vary run to run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def boot_stack(machine: Any) -> int | None:
    """The firmware's boot stack (by its linker symbol), for host calls made before,
    or instead of, the firmware's own start-up."""
    syms = machine.image.symbols
    for name in ("__stack_svc_top", "stack_top"):
        if name in syms:
            return int(syms[name])
    if "__stack_base" in syms and "__stack_size" in syms:
        return int(syms["__stack_base"] + syms["__stack_size"])
    return None


def call(machine: Any, symbol: str, *args: int) -> tuple[int, int, int]:
    """``machine.call`` on CPU 0 with the firmware's boot stack."""
    return machine.call(0, symbol, *args, stack=boot_stack(machine))  # type: ignore[no-any-return]


def percentile(sorted_values: list[int], q: float) -> int:
    """The nearest-rank percentile ``q`` (0..100) of an already sorted list."""
    if not sorted_values:
        raise ValueError("no samples")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


def md_table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table; numbers right-aligned."""
    def cell(v: object) -> str:
        return f"{v:,}" if isinstance(v, int) else f"{v:.2f}" if isinstance(v, float) else str(v)

    aligns = ["---:" if rows and isinstance(rows[0][i], int | float) else "---"
              for i in range(len(headers))]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(aligns) + "|"]
    out += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(out)


def write_md_section(path: Path, section: str, body: str) -> None:
    """Replace the text between ``<!-- section:begin -->`` and ``<!-- section:end -->``
    in ``path`` (appending the section if it is new); the rest is left alone."""
    begin, end = f"<!-- {section}:begin -->", f"<!-- {section}:end -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)
