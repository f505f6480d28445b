"""The engines that run guest code: native (Cython) and reference (pure Python).

``unicorn`` is imported first so that ctypes loads the wheel's libunicorn by
full path; the native extension then binds to that same loaded library.
"""

import unicorn as _unicorn  # noqa: F401  (must load libunicorn before the extension)

from irqemu._core.common import (
    ACCESS_FETCH,
    ACCESS_READ,
    ACCESS_WRITE,
    UNMASKABLE,
    Core,
    MmioHandler,
    StopReason,
)

__all__ = ["ACCESS_FETCH", "ACCESS_READ", "ACCESS_WRITE", "UNMASKABLE", "Core", "MmioHandler",
           "StopReason",
           "native_core_class", "native_fabric_class", "reference_core_class"]


def native_core_class() -> type:
    """The Cython ``Core`` (raises ImportError if the extension was not built)."""
    from irqemu._core.engine import Core

    return Core


def native_fabric_class() -> type:
    """The native interrupt fabric (``fabric.Fabric``) the native engine's devices share."""
    from irqemu._core.fabric import Fabric

    return Fabric


def reference_core_class() -> type:
    """The pure-Python ``Core`` with the same semantics as the native one."""
    from irqemu._core.reference import Core

    return Core
