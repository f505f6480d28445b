"""Secondary Cortex-A9 cores wait in reset until the SRC releases them."""

from __future__ import annotations

from pathlib import Path

from elfgen import arm_elf

from irqemu.cli import boot

# CPU0: SRC_GPR3 = &cpu1; SRC_SCR |= core1_enable; park in wfi.
# CPU1 (at cpu1): enable UART1 (UCR1/UCR2), print "1\n" on UART1, semihosting SYS_EXIT.
RELEASE_CPU1 = [
    0xE59F0048, 0xE28F1014, 0xE5801028, 0xE5902000, 0xE3822501, 0xE5802000, 0xE320F003,
    0xEAFFFFFD, 0xE59F002C, 0xE3A01001, 0xE5801080, 0xE59F1024, 0xE5801084, 0xE3A01031,
    0xE5801040, 0xE3A0100A, 0xE5801040, 0xE3A00018, 0xE59F100C, 0xEF123456, 0x020D8000,
    0x02020000, 0x00004007, 0x00020026,
]


def test_src_releases_cpu1_at_its_gpr_entry(tmp_path: Path, engine: str) -> None:
    elf = arm_elf(tmp_path / "smp.elf", RELEASE_CPU1)
    r = boot(str(elf), board="imx6q", max_cycles=10**6, max_time_ms=None, engine=engine,
             quantum=1000, echo=False)
    assert r["stop_reason"] == "exit" and r["exit_code"] == 0
    assert r["uart"] == "1\n"
    assert r["instructions"][1] > 0, "cpu1 ran"
    assert r["instructions"][2:] == [0, 0], "cpu2 and cpu3 stay held"


def test_nothing_runs_on_secondaries_without_release(tmp_path: Path) -> None:
    elf = arm_elf(tmp_path / "park.elf", [0xE320F003, 0xEAFFFFFD])  # wfi; b .-4
    r = boot(str(elf), board="imx6q", max_cycles=10**6, max_time_ms=None, engine="native",
             quantum=1000, echo=False)
    assert r["stop_reason"] == "idle"
    assert r["instructions"][1:] == [0, 0, 0]


# Each core reads MPIDR and prints its Aff0 digit; CPU0 then releases CPU1 at the
# same entry, waits a little and exits. (Unicorn answers CPU 0's MPIDR on every
# core; irqemu fixes up the mrc per core.)
MPIDR_PRINT = [
    0xEE105FB0, 0xE2055003, 0xE59F0054, 0xE3A01001, 0xE5801080, 0xE59F104C, 0xE5801084,
    0xE2851030, 0xE5801040, 0xE3550000, 0x1A00000B, 0xE59F0038, 0xE3A01201, 0xE5801028,
    0xE5902000, 0xE3822501, 0xE5802000, 0xE3A03801, 0xE2533001, 0x1AFFFFFD, 0xE3A00018,
    0xE59F1014, 0xEF123456, 0xE320F003, 0xEAFFFFFD, 0x02020000, 0x00004007, 0x020D8000,
    0x00020026,
]


def test_mpidr_reads_each_cores_own_number(tmp_path: Path, engine: str) -> None:
    elf = arm_elf(tmp_path / "mpidr.elf", MPIDR_PRINT)
    r = boot(str(elf), board="imx6q", max_cycles=10**7, max_time_ms=None, engine=engine,
             quantum=1000, echo=False)
    assert r["stop_reason"] == "exit", r["message"]
    assert r["uart"] == "01"
