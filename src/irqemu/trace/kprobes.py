"""kprobe-like probes on model functions (samples/kprobes/kprobe_example.c, modelled).

A model function is probe-able when it calls ``kernel.enter(name, *args)`` at its
top. As with a real kprobe, both handlers run at the function's entry: the
pre_handler before the probed (first) instruction, the post_handler after it.
``unregister`` prints the talk's module-exit lines: "%s: %d hits" and
"kprobe at %p unregistered".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from irqemu.kernel import Kernel

Handler = Callable[["Kprobe", tuple[Any, ...]], None]


class Kprobe:
    """``struct kprobe`` with ``symbol_name``, ``pre_handler``, ``post_handler``."""

    def __init__(self, kernel: Kernel, symbol_name: str, pre_handler: Handler | None = None,
                 post_handler: Handler | None = None) -> None:
        self.kernel = kernel
        self.symbol_name = symbol_name
        self.pre_handler = pre_handler
        self.post_handler = post_handler
        self.hits = 0
        self.data: dict[str, Any] = {}  #: counters a probe module keeps in its kprobe
        self.registered = False

    @property
    def addr(self) -> str:
        """The address a kprobe module prints for it (made up, stable per symbol)."""
        return self.kernel.fake_addr(("kprobe", self.symbol_name))

    def _fire(self, kernel: Kernel, name: str, *args: Any) -> None:
        self.hits += 1
        if self.pre_handler is not None:
            self.pre_handler(self, args)
        if self.post_handler is not None:
            self.post_handler(self, args)

    def register(self) -> Kprobe:
        """register_kprobe: prints "Planted kprobe at %p"."""
        if not self.registered:
            self.kernel.register_kprobe(self.symbol_name, self._fire)
            self.registered = True
            self.kernel.printk(f"Planted kprobe at {self.addr}")
        return self

    def unregister(self) -> None:
        """unregister_kprobe: prints the hit count and "kprobe at %p unregistered"."""
        if self.registered:
            self.kernel.unregister_kprobe(self.symbol_name, self._fire)
            self.registered = False
            self.kernel.printk(f"{self.symbol_name}: {self.hits} hits")
            self.kernel.printk(f"kprobe at {self.addr} unregistered")

    def __enter__(self) -> Kprobe:
        return self.register()

    def __exit__(self, *exc: object) -> None:
        self.unregister()


__all__ = ["Kprobe"]
