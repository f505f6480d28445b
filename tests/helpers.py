"""Helpers shared by the tests: firmware paths, host-tool detection, scenario facts."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware"


def firmware(arch: str, name: str) -> Path:
    path = FIRMWARE / arch / name
    if not path.exists():
        pytest.fail(f"committed firmware {path} is missing")
    return path


def need_tool(name: str, why: str) -> str:
    """Skip (saying why) when a host tool such as qemu-system-arm is not installed."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} not installed ({why}); .ci/run installs it")
    return path


def no_engine(obj: Any) -> Any:
    """Scenario facts without the echo of the engine option (the one thing that differs
    between ``--engine native`` and ``--engine reference``)."""
    if isinstance(obj, dict):
        return {k: no_engine(v) for k, v in obj.items() if k != "engine"}
    if isinstance(obj, list):
        return [no_engine(v) for v in obj]
    return obj


def imx6q_with_irq_source(base: int, spi: int, engine: str = "native") -> tuple[Any, Any]:
    """(machine, source): the imx6q with kernel.elf loaded and an IrqSource at ``base``
    wired to GIC SPI ``spi`` (the on-core scheduler tests' board)."""
    from irqemu.boards import build_board
    from irqemu.bundled import bundled_firmware
    from irqemu.devices.irq_source import IrqSource

    m = build_board("imx6q", engine=engine)
    m.load_elf(str(bundled_firmware("armv7", "kernel.elf")))
    dev = IrqSource(m, base, "dev")
    m.add_device("dev", dev, base, 0x4000)
    dev.irq.connect(m.irq_controller.input(32 + spi))
    return m, dev
