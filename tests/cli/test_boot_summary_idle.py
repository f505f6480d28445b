"""The boot summary names the instruction an idle core waits in: hlt on the pc (x86
has no WFI), WFI on the ARM boards."""

from __future__ import annotations

import pytest
from helpers import firmware

from irqemu.cli import main


@pytest.mark.parametrize(("arch", "insn", "other"), [("x86_64", "hlt", "WFI"),
                                                     ("armv7", "WFI", "hlt")])
def test_idle_cycles_name_the_wait_instruction(arch: str, insn: str, other: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["boot", str(firmware(arch, "timer.elf"))]) == 0
    cpu0 = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("cpu0 "))
    assert cpu0.endswith(f"idle cycles in {insn}") and other not in cpu0
