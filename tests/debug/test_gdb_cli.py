"""``--gdb PORT`` on the command line: range-checked, refused in one line where it cannot
be honoured, and a scenario's first machine debugged with its facts unchanged."""

from __future__ import annotations

import json
import re
import socket

import pytest
from gdbclient import free_port, gdb_batch, irqemu
from helpers import ROOT, firmware, need_tool


def _fails(*args: str) -> str:
    p = irqemu(ROOT, *args)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("irqemu: "), err
    return err


@pytest.mark.parametrize("port", ["0", "65536", "-1", "gdb"])
def test_port_out_of_range(port: str) -> None:
    elf = str(firmware("armv7", "timer.elf"))
    assert "--gdb" in _fails("boot", elf, "--gdb", port)
    assert "--gdb" in _fails("scenario", "fiq-debugger", "--gdb", port)


def test_port_in_use() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        err = _fails("boot", str(firmware("armv7", "timer.elf")), "--gdb", str(port))
    assert f"--gdb {port}: cannot listen on 127.0.0.1:{port}" in err


@pytest.mark.parametrize("args,why", [
    (["shared-irq", "--model-only"], "no emulated cores"),
    (["napi-storm", "--sweep"], "--sweep"),
])
def test_scenario_refusals(args: list[str], why: str) -> None:
    assert why in _fails("scenario", *args, "--gdb", "1234")


def test_scenario_under_gdb_keeps_its_facts() -> None:
    """fiq-debugger's first machine stops for gdb at its first instruction; breaking on
    its FIQ handler and continuing leaves the scenario's --json as without gdb."""
    gdb = need_tool("gdb-multiarch", "the gdb stub's end-to-end test")
    plain = irqemu(ROOT, "scenario", "fiq-debugger", "--json")
    expect, err = plain.communicate(timeout=120)
    assert plain.returncode == 0, err
    port = free_port()
    p = irqemu(ROOT, "scenario", "fiq-debugger", "--json", "--gdb", str(port))
    try:
        assert p.stderr is not None
        line = p.stderr.readline()
        assert "waiting for gdb" in line and "fiq_watchdog.elf" in line, line
        elf = line.split("gdb-multiarch ", 1)[1].split(" -ex", 1)[0]
        text = gdb_batch(gdb, port, ["break fiq_handler", "continue", "info threads",
                                     "delete", "continue"], elf)
        out, err = p.communicate(timeout=120)
    finally:
        p.kill()
    assert re.search(r"Breakpoint 1, 0x[0-9a-f]+ in fiq_handler \(\)", text), text
    assert "exited normally" in text, text
    assert p.returncode == 0, err
    assert json.loads(out) == json.loads(expect)


def test_scenario_ipi_each_core_is_a_thread() -> None:
    """The four cores of scenario ipi under gdb: a breakpoint on secondary_startup is
    hit by thread 2, 3 and 4 in turn as the boot CPU releases them; --json unchanged."""
    gdb = need_tool("gdb-multiarch", "the gdb stub's end-to-end test")
    plain = irqemu(ROOT, "scenario", "ipi", "--json")
    expect, err = plain.communicate(timeout=300)
    assert plain.returncode == 0, err
    port = free_port()
    p = irqemu(ROOT, "scenario", "ipi", "--json", "--gdb", str(port))
    try:
        assert p.stderr is not None
        assert "waiting for gdb" in p.stderr.readline()
        text = gdb_batch(gdb, port, ["break secondary_startup", "continue", "continue",
                                     "continue", "info threads", "delete", "continue"],
                         firmware("armv7", "kernel.elf"))
        out, err = p.communicate(timeout=300)
    finally:
        p.kill()
    hits = re.findall(r"Thread (\d) hit Breakpoint 1, 0x[0-9a-f]+ in secondary_startup", text)
    assert hits == ["2", "3", "4"], text
    assert re.search(r"\* 4\s+Thread 4 \(core 3 \(running", text), text
    assert "exited normally" in text, text
    assert json.loads(out) == json.loads(expect)
