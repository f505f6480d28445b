"""Count the model call stacks that reach a function, printed like bcc's stackcount.

Each hit of a probed model function (``kernel.enter(name)``) records
``kernel.stack()``: the Linux names of the model frames, innermost first.
``bcc_symbols=True`` renames ``__do_softirq`` as bcc resolved it on the talk's
4.6 x86-64 kernel: ``__softirqentry_text_start`` (the __softirq_entry section
starts at __do_softirq).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from irqemu.kernel import Kernel

BCC_NAMES = {"__do_softirq": "__softirqentry_text_start"}


class StackCount:
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
        if not self._attached:
            for f in self.functions:
                self.kernel.register_kprobe(f, self._hit)
            self._attached = True
        return self

    def detach(self) -> None:
        if self._attached:
            for f in self.functions:
                self.kernel.unregister_kprobe(f, self._hit)
            self._attached = False

    def __enter__(self) -> StackCount:
        return self.attach()

    def __exit__(self, *exc: object) -> None:
        self.detach()

    def total(self) -> int:
        return sum(self.counts.values())

    def with_frame(self, frame: str) -> int:
        """Hits whose stack contains ``frame``."""
        return sum(v for k, v in self.counts.items() if frame in k)

    def format(self, top: int | None = None) -> str:
        """As bcc prints it: stacks by ascending count, frames indented two spaces,
        the count indented four, a blank line after each."""
        what = ", ".join(self.functions)
        lines = [f'Tracing {len(self.functions)} functions for "{what}"... Hit Ctrl-C to end.',
                 "^C"]
        items = sorted(self.counts.items(), key=lambda kv: (kv[1], kv[0]))
        if top is not None:
            items = items[-top:]
        for stack, n in items:
            lines.extend(f"  {f}" for f in stack)
            lines.append(f"    {n}")
            lines.append("")
        lines.append("Detaching...")
        return "\n".join(lines) + "\n"


__all__ = ["StackCount"]
