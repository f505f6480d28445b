"""x86 IPIs through the LAPIC ICR, counted in /proc/interrupts' RES, CAL and IWI rows."""

from __future__ import annotations

from irqemu.boards import build_board
from irqemu.bundled import bundled_firmware
from irqemu.kernel import Kernel
from irqemu.kernel.drivers.irq_apic import x86_apic_init
from irqemu.kernel.genirq.proc import show_interrupts
from irqemu.kernel.platform import KernelPlatform, MachineCpuOps


def row(proc: str, name: str) -> list[int]:
    line = next(ln for ln in proc.splitlines() if ln.strip().startswith(f"{name}:"))
    return [int(x) for x in line.split(":", 1)[1].split()[:1]]


def test_self_ipis_arrive_through_the_icr_and_are_counted(engine: str) -> None:
    m = build_board("pc", engine=engine, num_cpus=1)
    m.load_elf(str(bundled_firmware("x86_64", "kernel.elf")))
    k = Kernel("mainline", 1, arch="x86", ops=MachineCpuOps(m))

    def start(plat: KernelPlatform) -> None:
        x86_apic_init(k, plat.io)
        k.smp_cross_call(frozenset({0}), 2)  # reschedule -> RESCHEDULE_VECTOR
        k.smp_cross_call(frozenset({0}), 3)  # call function -> CALL_FUNCTION_VECTOR
        k.smp_cross_call(frozenset({0}), 5)  # irq work

    KernelPlatform(m, k, on_start=start)
    r = m.run(max_time_ps=10**9)
    proc = show_interrupts(k)
    assert row(proc, "RES") == [1] and row(proc, "CAL") == [1] and row(proc, "IWI") == [1]
    # delivered as three real interrupts once kernel_start returned and sti ran
    assert r.interrupts[0].get("INTR", 0) == 3
