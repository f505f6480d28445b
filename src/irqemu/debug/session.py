"""A gdb session around a command: the stub attaches to the first machine built while
it runs (``irqemu.machine.machine.MACHINE_CREATED``), and learns how the run ended."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from irqemu.debug.stub import GdbStub
from irqemu.machine import machine as _machine


@contextmanager
def gdb_session(port: int, announce: Callable[[str], None] | None = None
                ) -> Iterator[GdbStub]:
    """Listen on ``port``; the first machine built inside the block stops for gdb
    before its first instruction. An exception leaving the block (a guest fault) is
    shown to gdb as SIGSEGV at the faulting core first; the caller reports a normal
    end with :meth:`GdbStub.ended`."""
    stub = GdbStub(port, announce=announce)
    _machine.MACHINE_CREATED.append(stub.attach)
    try:
        yield stub
    except Exception as exc:
        stub.faulted(exc)
        raise
    finally:
        _machine.MACHINE_CREATED.remove(stub.attach)
        stub.close()
        if stub.error is not None and announce is not None:
            announce(f"the gdb stub failed ({type(stub.error).__name__}: {stub.error}); "
                     "the run went on without it")
