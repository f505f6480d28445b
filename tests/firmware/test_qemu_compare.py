"""The same firmware prints the same UART lines on QEMU's sabrelite and on irqemu.

uart_boot.elf never writes a UART control register: it prints only because the
boot chain (QEMU: imx_serial_reset_at_boot) left UART1 enabled, and it prints
the UCR1/UCR2 it found, so the boot state itself is compared."""

from __future__ import annotations

import subprocess

import pytest
from helpers import firmware, need_tool

from irqemu.cli import boot


@pytest.mark.parametrize("name", ["timer.elf", "fiq.elf", "exceptions.elf", "uart_boot.elf"])
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


def test_uart_boot_needs_the_boot_state() -> None:
    """Without the boot ROM's UART set-up (power-on reset values) it prints nothing."""
    from irqemu.boards import build_board

    m = build_board("imx6q", engine="native", num_cpus=1)
    m.devices["uart1"].boot_state = False
    m.devices["uart1"].reset()
    m.load_elf(str(firmware("armv7", "uart_boot.elf")))
    result = m.run(max_time_ps=10**9)
    assert result.stop_reason == "exit" and result.exit_code == 0
    assert m.console == b""
