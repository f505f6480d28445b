"""Debian's gdb-multiarch, in batch mode, against ``irqemu boot --gdb``: it loads the
ELF's symbols itself, breaks on the interrupt handler by name, reads registers, the
backtrace and memory, single-steps and continues to the firmware's exit; the run's
--json is the same as without the debugger."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from gdbclient import free_port, gdb_batch, irqemu
from helpers import ROOT, firmware, need_tool

from irqemu.machine.elf import read_elf

CASES = {  # arch: (firmware, handler symbol, gdb's name for the pc)
    "armv7": ("timer.elf", "irq_handler", "pc"),
    "aarch64": ("timer.elf", "irq_handler", "pc"),
    "x86_64": ("timer.elf", "timer_isr", "rip"),
}


def _plain_json(elf: Path) -> dict:
    p = irqemu(ROOT, "boot", str(elf), "--json")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    return json.loads(out)


def _debugged(elf: Path, gdb_commands: list[str]) -> tuple[str, dict]:
    """gdb's output and irqemu's --json for a boot under gdb running ``gdb_commands``."""
    gdb = need_tool("gdb-multiarch", "the gdb stub's end-to-end test")
    port = free_port()
    irq = irqemu(ROOT, "boot", str(elf), "--json", "--gdb", str(port))
    try:
        assert irq.stderr is not None
        line = irq.stderr.readline()
        assert "waiting for gdb" in line, line + irq.stderr.read()
        text = gdb_batch(gdb, port, gdb_commands, elf)
        out, err = irq.communicate(timeout=120)
    finally:
        irq.kill()
    assert irq.returncode == 0, err
    return text, json.loads(out)


def _no_host(r: dict) -> dict:
    return {k: v for k, v in r.items() if k != "host"}


@pytest.mark.parametrize("arch", sorted(CASES))
def test_gdb_breaks_steps_reads_and_continues(arch: str) -> None:
    name, handler, pc = CASES[arch]
    elf = firmware(arch, name)
    image = read_elf(str(elf))
    address = image.symbols[handler]
    code = image_bytes(image, address, 4)
    text, result = _debugged(elf, [
        "info threads", f"break *{handler}", "continue", "info registers",
        "backtrace", f"x/4xb {handler}", f"printf \"PC=%#x\\n\", ${pc}", "stepi",
        f"printf \"PC=%#x\\n\", ${pc}", "monitor time", "delete", "continue"])
    assert re.search(rf"Thread 1 hit Breakpoint 1, (0x[0-9a-f]+ in )?{handler} \(\)", text), text
    assert set(re.findall(r"Thread (\d) \(core (\d) ", text)) == {
        (str(i + 1), str(i)) for i in range(4)}, text  # each board's four cores
    pcs = [int(v, 16) for v in re.findall(r"PC=(0x[0-9a-f]+)", text)]
    assert pcs[0] == address, text
    assert pcs[1] != pcs[0], text  # stepi moved on by one instruction
    dumped = re.search(rf"<{handler}>:\s+((?:0x[0-9a-f]{{2}}\s*){{4}})", text)
    assert dumped is not None, text
    assert bytes(int(b, 16) for b in dumped.group(1).split()) == code
    assert "#0" in text and "simulated time" in text, text
    assert "exited normally" in text, text
    assert _no_host(result) == _no_host(_plain_json(elf))


def image_bytes(image: object, address: int, size: int) -> bytes:
    for seg in image.segments:  # type: ignore[attr-defined]
        if seg.address <= address and address + size <= seg.address + len(seg.data):
            off = address - seg.address
            return bytes(seg.data[off: off + size])
    raise AssertionError(f"{address:#x} is in no loaded segment")


def test_arm_registers_and_backtrace_in_the_irq_handler() -> None:
    elf = firmware("armv7", "timer.elf")
    text, _ = _debugged(elf, ["break irq_handler", "continue", "info registers cpsr",
                              "backtrace", "continue"])
    cpsr = int(re.search(r"cpsr\s+(0x[0-9a-f]+)", text).group(1), 16)  # type: ignore[union-attr]
    assert cpsr & 0x1F == 0x12, text  # the core is in IRQ mode in its handler
    assert re.search(r"#1\s+0x[0-9a-f]+ in main \(\)", text), text  # interrupted main


def test_x86_sse_and_x87_registers_write_and_read_back() -> None:
    """The 128-bit xmm, 80-bit st and 32-bit mxcsr registers go through p/P (what the
    core holds at reset is Unicorn's: zeros)."""
    elf = firmware("x86_64", "timer.elf")
    text, _ = _debugged(elf, [
        "p/x $mxcsr", "set $mxcsr = 0x1f80", "p/x $mxcsr",
        "set $xmm3.v2_int64[0] = 0x0123456789abcdef", "set $xmm3.v2_int64[1] = 0x7edcba98",
        "p/x $xmm3.v2_int64", "p/x $xmm3.uint128", "set $st0 = 1.5", "p $st0", "kill"])
    assert re.findall(r"\$\d+ = (.+)", text) == [
        "0x0", "0x1f80", "{0x123456789abcdef, 0x7edcba98}",
        "0x7edcba980123456789abcdef", "1.5"], text
