"""How irqemu imports its native modules: libunicorn bound lazily, its own symbols first.

Python loads extensions RTLD_NOW, which binds libunicorn's 7.8k PLT slots up front;
lazily, only those a run calls are bound. RTLD_DEEPBIND looks the library's ~30k
references to its own symbols up in its own table first, not after every object of
the global scope. Together ~12 M host instructions off every start (BENCHMARKS.md,
start-up). A module of its own (standard library only), so that ``ucerror`` can use it
without importing the ``_core`` package.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType

#: how the first native module that links libunicorn (ucengine, engine or cache) loads it
UNICORN_DLOPEN_FLAGS = os.RTLD_LAZY | getattr(os, "RTLD_DEEPBIND", 0)


def load_native(name: str) -> ModuleType:
    """The native module ``irqemu._core.<name>``, imported with
    :data:`UNICORN_DLOPEN_FLAGS` (the process's flags are restored after)."""
    full = f"irqemu._core.{name}"
    module = sys.modules.get(full)
    if module is None:
        flags = sys.getdlopenflags()
        sys.setdlopenflags(UNICORN_DLOPEN_FLAGS)
        try:
            __import__(full)
        finally:
            sys.setdlopenflags(flags)
        module = sys.modules[full]
    return module


__all__ = ["UNICORN_DLOPEN_FLAGS", "load_native"]
