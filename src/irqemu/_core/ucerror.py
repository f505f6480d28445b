"""UcError: a libunicorn call failed; carries the ``uc_err`` code and uc_strerror's text.

Our own type, so that the native engine's boot path never imports the ``unicorn``
package. It keeps that package's interface (``errno``; ``str()`` is the library's
message). When the reference engine loads the package (``load_unicorn``), the
package's UcError is made a subclass of this one, so every ``except UcError`` in
irqemu catches a failure from either engine's handle.
"""

from __future__ import annotations

import sys
from types import ModuleType


class UcError(Exception):
    """A libunicorn call returned ``errno`` (a ``UC_ERR_*``)."""

    __slots__ = ()  # Exception's layout, so the package's UcError can take it as its base

    def __init__(self, errno: int = 0, message: str | None = None) -> None:
        # (the package's UcError calls this with no arguments, then sets errno)
        super().__init__(errno)
        self.errno = errno
        self._message = message

    def __str__(self) -> str:
        if self._message is None:
            from irqemu._core.native import load_native

            self._message = load_native("ucengine").strerror(self.errno)
        return self._message


def _adopt(module: ModuleType) -> None:
    """Make the unicorn package's UcError a subclass of ours (once)."""
    theirs = module.UcError
    if theirs is not UcError and not issubclass(theirs, UcError):
        theirs.__bases__ = (UcError,)


def load_unicorn() -> ModuleType:
    """The ``unicorn`` Python package (the reference engine, x86's Python hooks), imported
    on first use, with its UcError caught by ``except UcError``."""
    import unicorn

    _adopt(unicorn)
    return unicorn


if "unicorn" in sys.modules:  # imported before irqemu (tests that drive Uc directly)
    _adopt(sys.modules["unicorn"])
