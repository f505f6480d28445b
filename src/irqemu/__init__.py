"""irqemu: a cycle-approximate emulator for studying interrupts.

The Python API (docs/api.md) is what ``__all__`` names. Each name is imported from
its module on first use, so ``import irqemu`` (and the command's start-up) imports
nothing else; ``__init__.pyi`` gives type checkers the real types.
"""

__version__ = "0.1.0"

#: every public name and the module that defines it
_API = {
    "ApiError": "irqemu.api", "add_irq_source": "irqemu.api", "boot": "irqemu.api",
    "load": "irqemu.api", "read_reg": "irqemu.api", "read_u32": "irqemu.api",
    "reg_id": "irqemu.api", "run_scenario": "irqemu.api", "symbol": "irqemu.api",
    "write_reg": "irqemu.api", "write_trace": "irqemu.api", "write_u32": "irqemu.api",
    "Machine": "irqemu.machine.machine", "RunResult": "irqemu.machine.machine",
    "BOARDS": "irqemu.boards", "build_board": "irqemu.boards",
    "bundled_firmware": "irqemu.bundled", "bundled_names": "irqemu.bundled",
    "resolve_firmware": "irqemu.bundled",
    "IrqSource": "irqemu.devices.irq_source",
    "Kprobe": "irqemu.trace.kprobes", "StackCount": "irqemu.trace.stackcount",
    "Recorder": "irqemu.trace.record",
    "ScenarioResult": "irqemu.scenarios.base",
    "GuestError": "irqemu.errors", "IrqemuError": "irqemu.errors",
}

__all__ = ["__version__", *sorted(_API)]


def __getattr__(name: str) -> object:
    """Import a public name's module the first time the name is used."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'irqemu' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
