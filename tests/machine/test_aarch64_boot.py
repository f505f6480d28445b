"""AArch64 on the virt-a53 board: committed firmware boots on both engines with identical
results, prints what QEMU's virt prints, and the generic timer / PL011 / MPIDR answer from
the model (simulated time, the core's own index), never from the host."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import FIRMWARE, firmware, need_tool

from irqemu.arch.aarch64 import AArch64
from irqemu.boards import DEFAULT_BOARD, build_board
from irqemu.cli import boot
from irqemu.devices.arm_generic_timer import ArmGenericTimer

NAMES = ["timer.elf", "exceptions.elf"]


def run(name: str, engine: str = "native", board: str | None = None, quantum: int = 10_000):
    return boot(str(firmware("aarch64", name)), board=board, max_cycles=None, max_time_ms=None,
                engine=engine, quantum=quantum, echo=False)


def comparable(r: dict) -> dict:
    return {k: v for k, v in r.items() if k not in ("host", "engine")}


@pytest.mark.parametrize("name", NAMES)
def test_firmware_passes_on_both_engines_with_identical_results(name: str) -> None:
    native, ref = run(name, "native"), run(name, "reference")
    assert native["stop_reason"] == "exit", native["message"]
    assert native["exit_code"] == 0, native["uart"]
    assert "FAIL" not in native["uart"] and "MISMATCH" not in native["uart"]
    assert comparable(native) == comparable(ref)


def test_board_is_picked_from_the_elf_machine_type() -> None:
    assert DEFAULT_BOARD["EM_AARCH64"] == "virt-a53"
    r = run("timer.elf")
    assert r["board"] == "virt-a53"


def test_timer_ticks_on_the_virtual_timer_ppi27_of_cpu0() -> None:
    r = run("timer.elf")
    assert r["uart"].splitlines()[0] == "irqemu timer test (aarch64)"
    assert r["uart"].count("tick ") == 10
    assert r["irqs"]["27"] == [10, 0, 0, 0]
    assert r["irq_names"]["27"] == "vtimer"
    assert r["exceptions"][0] == {"IRQ": 10}
    assert r["instructions"][1:] == [0, 0, 0], "secondaries are held"
    assert r["idle_cycles"][0] > r["cycles"][0]
    # ten 10 ms periods of the 62.5 MHz counter
    assert 100_000_000_000 <= r["sim_time_ps"] < 101_000_000_000


@pytest.mark.parametrize("quantum", [1, 997, 10_000])
def test_runs_are_bit_identical(quantum: int) -> None:
    assert comparable(run("timer.elf", quantum=quantum)) == comparable(
        run("timer.elf", quantum=quantum))


@pytest.mark.parametrize("name", NAMES)
def test_uart_lines_match_qemu_virt(name: str) -> None:
    qemu = need_tool("qemu-system-aarch64", "reference for UART output")
    elf = firmware("aarch64", name)
    proc = subprocess.run(
        [qemu, "-M", "virt", "-cpu", "cortex-a53", "-nographic", "-semihosting",
         "-kernel", str(elf)],
        capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    qemu_lines = proc.stdout.decode().replace("\r", "").splitlines()
    ours = run(name)
    assert ours["stop_reason"] == "exit"
    assert ours["uart"].splitlines() == qemu_lines


def test_committed_aarch64_elfs_are_current(tmp_path: Path) -> None:
    need_tool("aarch64-linux-gnu-gcc", "rebuilds firmware/aarch64")
    need_tool("make", "runs the firmware Makefile")
    work = tmp_path / "aarch64"
    shutil.copytree(FIRMWARE / "aarch64", work, ignore=shutil.ignore_patterns("*.elf", "*.o"))
    subprocess.run(["make", "-s", "-C", str(work)], check=True, capture_output=True)
    committed = sorted(p.name for p in (FIRMWARE / "aarch64").glob("*.elf"))
    assert committed == sorted(p.name for p in work.glob("*.elf"))
    for name in committed:
        assert (work / name).read_bytes() == (FIRMWARE / "aarch64" / name).read_bytes(), \
            f"firmware/aarch64/{name} is stale: run make -C firmware and commit it"


# -- the generic timer, MPIDR and PSCI through real MRS/MSR instructions ---------------
def _run_code(words: list[int], num_cpus: int = 2, engine: str = "native", cpu: int = 0):
    """Run ``words`` (ending in hlt #0xf000 SYS_EXIT) on ``cpu`` of a fresh virt board."""
    import struct

    from unicorn import arm64_const as A

    m = build_board("virt-a53", engine=engine, num_cpus=num_cpus)
    base = 0x40000000
    m.mem_write(base, b"".join(struct.pack("<I", w) for w in words))
    m.mem_write(base + 0x1000, struct.pack("<QQ", 0x20026, 0))
    m.arch.reset(m.cpus[0].core, base)
    return m, A


EXIT = [0x52800300, 0xD2820001, 0xF2A80001, 0xD45E0000]  # mov w0,#0x18; x1=0x40001000; hlt


def test_mpidr_and_counter_come_from_the_model() -> None:
    # mrs x2, mpidr_el1; mrs x3, cntfrq_el0; mrs x4, cntvct_el0; <exit>
    m, A = _run_code([0xD53800A2, 0xD53BE003, 0xD53BE044] + EXIT)
    r = m.run()
    assert r.stop_reason == "exit" and r.exit_code == 0
    core = m.cpus[0].core
    assert core.reg_read(A.UC_ARM64_REG_X2) == 0x80000000
    assert core.reg_read(A.UC_ARM64_REG_X3) == 62_500_000
    cnt = core.reg_read(A.UC_ARM64_REG_X4)
    assert 0 <= cnt < 1000  # a few hundred cycles of simulated time, not the host clock


def test_psci_cpu_on_starts_a_secondary_that_reads_its_own_mpidr() -> None:
    # cpu0: x0 = CPU_ON_64, x1 = 1 (target), x2 = entry (0x40000100), x3 = 0x55; hvc #0; wfi loop
    words = [0xD2800060, 0xF2B88000, 0xD2800021, 0xD2802002, 0xF2A80002, 0xD2800AA3,
             0xD4000002, 0xD503207F, 0x17FFFFFF]
    words += [0xD503201F] * (0x40 - len(words))
    # secondary at +0x100: mov x6, x0; mrs x5, mpidr_el1; <exit>
    words += [0xAA0003E6, 0xD53800A5] + EXIT
    m, A = _run_code(words)
    r = m.run()
    assert r.stop_reason == "exit", r.message
    c1 = m.cpus[1].core
    assert c1.reg_read(A.UC_ARM64_REG_X5) == 0x80000001
    assert c1.reg_read(A.UC_ARM64_REG_X6) == 0x55  # context id in x0 at entry
    assert m.cpus[0].core.reg_read(A.UC_ARM64_REG_X0) == 0  # PSCI_SUCCESS


class _FakeMachine:
    num_cpus = 1

    def __init__(self) -> None:
        from irqemu.sim import EventQueue

        self.t = 0
        self.events = EventQueue()

    def now(self, cpu: int | None = None) -> int:
        return self.t

    def schedule(self, when, fn, name=""):
        return self.events.schedule(when, fn, name)


class _FabricFake(_FakeMachine):
    """The fake with a native fabric: time and events are the Fabric's."""

    def __init__(self) -> None:
        from irqemu._core.fabric import Fabric

        self.fabric = Fabric(62_500_000, 1, self)
        self.events = self.fabric.events

    @property
    def t(self) -> int:
        return int(self.fabric.now_ps)

    @t.setter
    def t(self, value: int) -> None:
        self.fabric.now_ps = value


@pytest.mark.parametrize("impl", ["python", "native"])
def test_generic_timer_tval_ctl_and_level_output(impl: str) -> None:
    """The Python model and the native one (irqemu._core.gentimer) alike."""
    from irqemu._core.gentimer import ArmGenericTimer as NativeGenericTimer

    m = _FakeMachine() if impl == "python" else _FabricFake()
    cls = ArmGenericTimer if impl == "python" else NativeGenericTimer
    t = cls(m, hz=62_500_000)  # type: ignore[arg-type]
    levels: list[bool] = []
    t.virt_irqs[0].connect(levels.append)
    m.t = 16_000 * 100  # count 100
    assert t.sysreg_read(0, "CNTVCT_EL0") == 100
    t.sysreg_write(0, "CNTV_TVAL_EL0", 50)
    assert t.sysreg_read(0, "CNTV_CVAL_EL0") == 150
    t.sysreg_write(0, "CNTV_CTL_EL0", 1)
    assert t.sysreg_read(0, "CNTV_CTL_EL0") == 1
    assert t.sysreg_read(0, "CNTV_TVAL_EL0") == 50
    assert m.events.peek_time() == 150 * 16_000
    m.t = 150 * 16_000
    ev = m.events.pop_due(m.t)
    assert ev is not None
    ev.fn()
    assert levels == [True]
    assert t.sysreg_read(0, "CNTV_CTL_EL0") == 5  # ENABLE | ISTATUS
    t.sysreg_write(0, "CNTV_CTL_EL0", 3)  # IMASK: output drops, ISTATUS stays
    assert levels == [True, False]
    assert t.sysreg_read(0, "CNTV_CTL_EL0") == 7
    assert t.sysreg_read(0, "CNTV_TVAL_EL0") == 0
    t.sysreg_write(0, "CNTV_TVAL_EL0", 0xFFFFFFFF)  # -1: already expired
    assert t.sysreg_read(0, "CNTV_CVAL_EL0") == 149


def test_arch_is_registered() -> None:
    from irqemu.arch import get_arch

    assert isinstance(get_arch("aarch64"), AArch64)
