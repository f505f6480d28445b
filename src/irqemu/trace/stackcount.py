"""Count the model call stacks that reach a function, printed like bcc's stackcount.

Each hit of a probed model function (``kernel.enter(name)``) records
``kernel.stack()``: the Linux names of the model frames, innermost first.
``bcc_symbols=True`` renames ``__do_softirq`` as bcc resolved it on the talk's
4.6 x86-64 kernel: ``__softirqentry_text_start`` (the __softirq_entry section
starts at __do_softirq).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import Counter
from typing import TYPE_CHECKING, Any

import irqemu.kernel
from irqemu.kernel.context import KFUNC_NAMES
from irqemu.trace.tracepoints import EVENTS

if TYPE_CHECKING:
    from irqemu.kernel import Kernel

BCC_NAMES = {"__do_softirq": "__softirqentry_text_start"}

#: tracepoints the model fires besides :data:`~irqemu.trace.tracepoints.EVENTS`
MORE_TRACEPOINTS = ("ipi_entry", "ipi_exit", "napi_poll_tp")


def instrumented_names(kernel: Kernel | None = None) -> set[str]:
    """Every name a probe can attach to: the registered model functions (kfunc
    names), the tracepoints, and the probe points with a modelled cost in
    ``kernel``'s cost table. Model functions defined inside a scenario register when
    the scenario builds them, so ask after the run."""
    for mod in pkgutil.walk_packages(irqemu.kernel.__path__, "irqemu.kernel."):
        importlib.import_module(mod.name)  # each registers its model functions on import
    names = set(KFUNC_NAMES.values()) | set(EVENTS) | set(MORE_TRACEPOINTS)
    if kernel is not None:
        names |= set(kernel.costs)
    return names


class StackCount:
    """bcc's stackcount on model functions: the call stacks that reach them, counted."""

    def __init__(self, kernel: Kernel, functions: list[str] | str, *,
                 bcc_symbols: bool = False) -> None:
        self.kernel = kernel
        self.functions = [functions] if isinstance(functions, str) else list(functions)
        self.bcc_symbols = bcc_symbols
        self.counts: Counter[tuple[str, ...]] = Counter()
        self._attached = False

    def _hit(self, kernel: Kernel, name: str, *args: Any) -> None:
        frames = kernel.stack()
        if not frames or frames[0] != name:
            frames = [name, *frames]
        if self.bcc_symbols:
            frames = [BCC_NAMES.get(f, f) for f in frames]
        self.counts[tuple(frames)] += 1

    def attach(self) -> StackCount:
        """Start counting (a probe on each function); returns self."""
        if not self._attached:
            for f in self.functions:
                self.kernel.register_kprobe(f, self._hit)
            self._attached = True
        return self

    def detach(self) -> None:
        """Stop counting; the counts stay."""
        if self._attached:
            for f in self.functions:
                self.kernel.unregister_kprobe(f, self._hit)
            self._attached = False

    def __enter__(self) -> StackCount:
        return self.attach()

    def __exit__(self, *exc: object) -> None:
        self.detach()

    def total(self) -> int:
        """Hits over every stack."""
        return sum(self.counts.values())

    def with_frame(self, frame: str) -> int:
        """Hits whose stack contains ``frame``."""
        return sum(v for k, v in self.counts.items() if frame in k)

    def stacks(self, top: int | None = None) -> list[tuple[tuple[str, ...], int]]:
        """The counted stacks by ascending count (the ``top`` most frequent)."""
        items = sorted(self.counts.items(), key=lambda kv: (kv[1], kv[0]))
        return items if top is None else items[-top:]

    def as_json(self, top: int | None = None) -> dict[str, Any]:
        """The stacks, most frequent first: frames innermost first, and the count."""
        return {"functions": self.functions, "total": self.total(),
                "stacks": [{"frames": list(st), "count": n}
                           for st, n in reversed(self.stacks(top))]}

    def format(self, top: int | None = None) -> str:
        """As bcc prints it: stacks by ascending count, frames indented two spaces,
        the count indented four, a blank line after each."""
        what = ", ".join(self.functions)
        lines = [f'Tracing {len(self.functions)} functions for "{what}"... Hit Ctrl-C to end.',
                 "^C"]
        for stack, n in self.stacks(top):
            lines.extend(f"  {f}" for f in stack)
            lines.append(f"    {n}")
            lines.append("")
        lines.append("Detaching...")
        return "\n".join(lines) + "\n"


__all__ = ["MORE_TRACEPOINTS", "StackCount", "instrumented_names"]
