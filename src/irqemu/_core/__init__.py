"""The engines that run guest code: native (Cython) and reference (pure Python).

The native engine drives libunicorn through its C API (``ucengine.Uc``); the
extensions find the wheel's library through their rpath, so the ``unicorn`` Python
package is imported only by the reference engine and by x86's Python hooks.
"""

from __future__ import annotations

from irqemu._core.common import (
    ACCESS_FETCH,
    ACCESS_READ,
    ACCESS_WRITE,
    UNMASKABLE,
    Core,
    MmioHandler,
    StopReason,
)
from irqemu._core.native import UNICORN_DLOPEN_FLAGS, load_native

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ACCESS_FETCH", "ACCESS_READ", "ACCESS_WRITE", "UNMASKABLE", "Core", "MmioHandler",
           "StopReason", "UNICORN_DLOPEN_FLAGS", "load_native",
           "native_core_class", "native_fabric_class", "open_uc", "reference_core_class"]

def open_uc(engine: str, uc_arch: int, uc_mode: int) -> Any:
    """A new Unicorn instance for a core of ``engine``: the native handle (no Python
    package) for the native engine, the unicorn package's ``Uc`` for the reference
    engine (its hooks are Python callbacks) and on x86, whose arch drives port I/O and
    CPUID through the package's instruction hooks."""
    from irqemu._core.ucconst import UC_ARCH_X86

    if engine == "native" and uc_arch != UC_ARCH_X86:
        return load_native("ucengine").Uc(uc_arch, uc_mode)
    from irqemu._core.ucerror import load_unicorn

    return load_unicorn().Uc(uc_arch, uc_mode)


def native_core_class() -> type:
    """The Cython ``Core`` (raises ImportError if the extension was not built)."""
    return load_native("engine").Core  # type: ignore[no-any-return]


def native_fabric_class() -> type:
    """The native interrupt fabric (``fabric.Fabric``) the native engine's devices share."""
    from irqemu._core.fabric import Fabric

    return Fabric


def reference_core_class() -> type:
    """The pure-Python ``Core`` with the same semantics as the native one."""
    from irqemu._core.reference import Core

    return Core
