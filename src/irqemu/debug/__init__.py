"""Debugging the guest: a GDB remote-protocol stub for a machine's cores.

``rsp`` is the packet layer, ``targets`` what gdb sees of each architecture
(registers, target.xml), ``stub`` the server that stops the cores inside a
Unicorn code hook without changing what they execute, ``session`` attaches it to
the first machine a command builds.
"""

from irqemu.debug.stub import GdbError, GdbStub

__all__ = ["GdbError", "GdbStub"]
