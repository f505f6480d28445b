"""The same firmware prints the same UART lines on QEMU's sabrelite and on irqemu."""

from __future__ import annotations

import subprocess

import pytest
from helpers import firmware, need_tool

from irqemu.cli import boot


@pytest.mark.parametrize("name", ["timer.elf", "fiq.elf", "exceptions.elf"])
def test_uart_lines_match_qemu_sabrelite(name: str) -> None:
    qemu = need_tool("qemu-system-arm", "reference for UART output")
    elf = firmware("armv7", name)
    proc = subprocess.run(
        [qemu, "-M", "sabrelite", "-nographic", "-semihosting", "-kernel", str(elf)],
        capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    qemu_lines = proc.stdout.decode().replace("\r", "").splitlines()
    ours = boot(str(elf), board="imx6q", max_cycles=None, max_time_ms=None,
                engine="native", quantum=10_000, echo=False)
    assert ours["stop_reason"] == "exit"
    assert ours["uart"].splitlines() == qemu_lines
