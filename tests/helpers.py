"""Helpers shared by the tests: firmware paths and host-tool detection."""

from __future__ import annotations

import shutil
from pathlib import Path

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
