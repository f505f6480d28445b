"""The public seams between arch, machine and the kernel platform."""

from __future__ import annotations

import pytest

from irqemu.arch import Arch, get_arch
from irqemu.boards import build_board
from irqemu.errors import GuestError

BOARDS = {"armv7": "imx6q", "aarch64": "virt-a53", "x86_64": "pc"}


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_get_arch_gives_an_arch(name: str) -> None:
    arch = get_arch(name)
    assert isinstance(arch, Arch) and arch.name == name


@pytest.mark.parametrize("name", sorted(BOARDS))
def test_a_new_task_context_returns_from_the_host_call_to_its_entry(name: str) -> None:
    m = build_board(BOARDS[name])
    arch, core = m.arch, m.cpus[0].core
    top = next(a for a in (0x10202000, 0x40202000, 0x202000) if m.has_memory(a - 8, 8))
    entry = top - 0x1000
    arch.start_task(core, top, entry, [7, 9])
    assert [arch.call_arg(core, i) for i in (0, 1)] == [7, 9]
    arch.hostcall_return(core)
    assert core.reg_read(arch.pc_reg) == entry
    assert core.reg_read(arch.sp_reg) == top


def test_vectored_interrupts_only_on_x86() -> None:
    assert [get_arch(n).vectored_interrupts for n in ("armv7", "aarch64", "x86_64")] == [
        False, False, True]


def test_current_cpu_is_the_core_running_a_host_call() -> None:
    m = build_board("imx6q", num_cpus=1)
    seen = []
    addr = m.register_hostcall(lambda mach, cpu: seen.append(mach.current_cpu))
    m.arch.reset(m.cpus[0].core, addr)
    assert m.current_cpu is None
    m.call(0, addr)
    assert seen == [m.cpus[0]]
    assert m.current_cpu is None


def test_device_at_finds_the_device_and_its_offset() -> None:
    m = build_board("imx6q")
    dev, off = m.device_at(0x00A00604)  # the Cortex-A9 private timer's counter
    assert off == 4 and dev in m.devices.values()
    assert m.device_at(0x00A00600) == (dev, 0)
    with pytest.raises(GuestError):
        m.device_at(0x7FFF0000)
