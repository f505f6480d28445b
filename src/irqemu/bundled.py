"""Where the firmware ELFs that ship with irqemu are: package data, or the source tree."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from irqemu.errors import FirmwareNotFoundError


def bundled_firmware(arch: str, name: str) -> Path:
    """Path of ``firmware/<arch>/<name>`` shipped inside the package (or in a checkout)."""
    res = resources.files("irqemu") / "firmware" / arch / name
    if res.is_file():
        return Path(str(res))
    src = Path(__file__).resolve().parents[2] / "firmware" / arch / name
    if src.is_file():
        return src
    raise FirmwareNotFoundError(f"bundled firmware {arch}/{name} not found (broken install?)")
