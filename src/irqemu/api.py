"""The Python API's helpers (docs/api.md): boot a firmware, name registers as the
architecture manuals do, reach ELF symbols, add an interrupt source, run a scenario.

Everything here is a thin layer over :class:`~irqemu.machine.machine.Machine`, the
boards and the scenario registry; it adds names, not behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from irqemu.errors import IrqemuError

if TYPE_CHECKING:
    from irqemu.devices.irq_source import IrqSource
    from irqemu.machine.machine import Machine, RunResult
    from irqemu.scenarios.base import Observer, ScenarioResult
    from irqemu.trace.record import Recorder

#: Unicorn's register constants (irqemu's copy: no unicorn package import) and their
#: prefix, for each architecture
_REG_CONSTS = {"armv7": ("irqemu._core.ucconst.arm", "UC_ARM_REG_"),
               "aarch64": ("irqemu._core.ucconst.arm64", "UC_ARM64_REG_"),
               "x86_64": ("irqemu._core.ucconst.x86", "UC_X86_REG_")}


class ApiError(IrqemuError):
    """A name the API does not know (a register, a symbol): one line saying which."""


def load(firmware: str | Path, board: str | None = None, *, engine: str = "native",
         **board_options: Any) -> Machine:
    """A fresh board with ``firmware`` (a path or a bundled name) loaded, not yet run."""
    from irqemu.boards import board_for_elf, build_board
    from irqemu.bundled import resolve_firmware
    from irqemu.machine.elf import read_elf

    path = str(resolve_firmware(str(firmware), board))
    name = board if board is not None else board_for_elf(read_elf(path).machine)
    machine = build_board(name, engine=engine, **board_options)
    machine.load_elf(path)
    return machine


def boot(firmware: str | Path, board: str | None = None, *, engine: str = "native",
         max_cycles: int | None = None, max_time_ms: float | None = None
         ) -> tuple[Machine, RunResult]:
    """:func:`load` then run to the firmware's exit, idle or a limit: (machine, result)."""
    machine = load(firmware, board, engine=engine)
    max_time_ps = None if max_time_ms is None else int(max_time_ms * 10**9)
    return machine, machine.run(max_cycles=max_cycles, max_time_ps=max_time_ps)


def reg_id(arch: str, name: str) -> int:
    """Unicorn's number for register ``name`` (``r0``, ``cpsr``, ``x0``, ``rflags``)."""
    import importlib

    try:
        module, prefix = _REG_CONSTS[arch]
    except KeyError:
        raise ApiError(f"no registers known for architecture {arch!r}") from None
    value = getattr(importlib.import_module(module), prefix + name.upper(), None)
    if not isinstance(value, int):
        raise ApiError(f"{arch} has no register {name!r}")
    return value


def read_reg(machine: Machine, name: str, cpu: int = 0) -> int:
    """Register ``name`` of core ``cpu``, by its architecture-manual name."""
    return int(machine.cpus[cpu].core.reg_read(reg_id(machine.arch.name, name)))


def write_reg(machine: Machine, name: str, value: int, cpu: int = 0) -> None:
    """Set register ``name`` of core ``cpu`` (before a run, or from a host call)."""
    machine.cpus[cpu].core.reg_write(reg_id(machine.arch.name, name), value)


def symbol(machine: Machine, name: str) -> int:
    """The address of ELF symbol ``name`` in the loaded firmware."""
    syms = machine.image.symbols if machine.image is not None else {}
    if name not in syms:
        raise ApiError(f"no symbol {name!r} in the loaded firmware")
    return int(syms[name])


def _address(machine: Machine, where: int | str) -> int:
    return symbol(machine, where) if isinstance(where, str) else where


def read_u32(machine: Machine, where: int | str) -> int:
    """The little-endian 32-bit word at an address or ELF symbol."""
    return int.from_bytes(machine.mem_read(_address(machine, where), 4), "little")


def write_u32(machine: Machine, where: int | str, value: int) -> None:
    """Write a little-endian 32-bit word at an address or ELF symbol."""
    machine.mem_write(_address(machine, where), (value & 0xFFFFFFFF).to_bytes(4, "little"))


def add_irq_source(machine: Machine, name: str, base: int, line: int) -> IrqSource:
    """An :class:`~irqemu.devices.irq_source.IrqSource` at ``base`` driving interrupt
    controller input ``line`` (GIC ID, IO-APIC pin); ``fire``/``fire_at`` raise it."""
    from irqemu.devices.irq_source import IrqSource

    src = IrqSource(machine, base, name)
    machine.add_device(name, src, base, src.SIZE)
    src.irq.connect(machine.irq_controller.input(line))
    return src


def run_scenario(name: str, observers: Sequence[Observer] = (), **options: Any
                 ) -> ScenarioResult:
    """Run scenario ``name`` with ``options`` (as ``irqemu scenario NAME --OPTION``);
    each observer is called with every kernel it builds."""
    from irqemu.scenarios import get

    sc = get(name)
    return sc.run(sc.options(options), observers)


def write_trace(recorder: Recorder, path: str | Path, fmt: str | None = None) -> int:
    """Write what ``recorder`` saw to ``path`` as trace-cmd's trace.dat, a Perfetto trace
    or a VCD (``fmt``: dat, perfetto, vcd; default by the name's ending); the events written."""
    from irqemu.trace.record import FORMATS, format_for, write

    fmt = fmt or format_for(str(path))
    if fmt is None:
        raise ApiError(f"{path}: give fmt ({', '.join(FORMATS)}) or end the name in .dat, "
                       ".perfetto-trace or .vcd")
    return write(recorder, str(path), fmt)


__all__ = ["ApiError", "add_irq_source", "boot", "load", "read_reg", "read_u32", "reg_id",
           "run_scenario", "symbol", "write_reg", "write_trace", "write_u32"]
