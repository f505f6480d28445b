"""AArch64 kernel.elf: VBAR_EL1 IRQ entry -> host call -> the modelled gic_handle_irq.

The virt-a53 board boots ``firmware/aarch64/kernel.elf``; at its kernel_start
host call the model inits the GICv2 driver at virt's addresses, requests the
generic timer's virtual PPI (27, per-CPU devid, handle_percpu_devid_irq) as
arch_timer does, and a device line (an IrqSource at the PL031 RTC's address
on its SPI 2, handle_fasteoi_irq). Every interrupt is a real IRQ exception on
CPU 0 whose vector stub calls the model.
"""

from __future__ import annotations

from typing import Any

import pytest

from irqemu.boards import build_board
from irqemu.bundled import bundled_firmware
from irqemu.devices.irq_source import IrqSource
from irqemu.kernel import Kernel
from irqemu.kernel.drivers.irq_gic import gic_of_init
from irqemu.kernel.genirq.proc import show_interrupts
from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_NONE, IRQ_TYPE_LEVEL_HIGH
from irqemu.kernel.platform import KernelPlatform, MachineCpuOps

RTC_BASE, RTC_SPI = 0x09010000, 2  #: QEMU virt: VIRT_RTC at 0x09010000, SPI 2
GICD, GICC = 0x08000000, 0x08010000
MS = 10**9


def boot(engine: str = "native", *, flavour: str = "mainline", fires: int = 4,
         run_ms: int = 45, timer_ms: int = 10) -> dict[str, Any]:
    m = build_board("virt-a53", engine=engine, num_cpus=2)
    m.load_elf(str(bundled_firmware("aarch64", "kernel.elf")))
    dev = IrqSource(m, RTC_BASE, "rtc0")
    m.add_device("rtc0", dev, RTC_BASE, 0x1000)
    gicdev = m.irq_controller
    dev.irq.connect(gicdev.input(32 + RTC_SPI))
    timer = m.devices["generic_timer"]
    k = Kernel(flavour, m.num_cpus, ops=MachineCpuOps(m))
    seen: list[str] = []
    ticks: list[int] = []
    st: dict[str, Any] = {}
    period = timer.hz * timer_ms // 1000

    def start(plat: KernelPlatform) -> None:
        gic = gic_of_init(k, plat.io, GICD, GICC, init_all_cpus=False,
                          fwnode="/intc@8000000")
        gic.gic_cpu_init()
        # arch_timer: the virtual timer's PPI, per CPU (arch_timer_handler_virt re-arms)
        tirq = gic.map_ppi(27 - 16, IRQ_TYPE_LEVEL_HIGH)

        def arch_timer_handler_virt(irq_: int, evt: Any) -> int:
            cpu = k.ops.smp_processor_id()
            ticks.append(cpu)
            timer.sysreg_write(cpu, "CNTV_TVAL_EL0", period)  # set_next_event
            return IRQ_HANDLED

        tret = k.request_percpu_irq(tirq, arch_timer_handler_virt, "arch_timer",
                                    [object()] * k.num_cpus)
        k.enable_percpu_irq(tirq, 0)
        timer.sysreg_write(0, "CNTV_TVAL_EL0", period)
        timer.sysreg_write(0, "CNTV_CTL_EL0", 1)
        irq = gic.map_spi(RTC_SPI, IRQ_TYPE_LEVEL_HIGH)

        def handler(irq_: int, d: Any) -> int:
            cpu = k.ops.smp_processor_id()
            status = plat.io.read32(cpu, RTC_BASE)
            if not status:
                return IRQ_NONE
            plat.io.write32(cpu, RTC_BASE + 4, status)
            seen.append(f"{irq_}@{'hardirq' if k.in_irq() else 'task'}:"
                        f"{k.current[cpu].comm}")
            return IRQ_HANDLED

        st.update(irq=irq, tirq=tirq, tret=tret,
                  ret=k.request_irq(irq, handler, 0, "rtc0", dev))

    KernelPlatform(m, k, on_start=start)
    dev.fire_at([(10 * i + 5) * MS for i in range(fires)])
    result = m.run(max_time_ps=run_ms * MS)
    irq, tirq = st["irq"], st["tirq"]
    return {
        "irq": irq, "tirq": tirq, "ret": st["ret"], "tret": st["tret"], "seen": seen,
        "ticks": len(ticks), "kstat": list(k.irq_descs[irq].kstat_irqs),
        "tkstat": list(k.irq_descs[tirq].kstat_irqs), "proc": show_interrupts(k),
        "dmesg": list(k.dmesg), "fired": dev.fired, "exceptions": dict(result.interrupts[0]),
        "cycles": result.cycles, "sim_time_ps": result.sim_time_ps,
        "err": k.irq_err_count,
    }


def test_device_spi_and_timer_ppi_through_the_whole_path() -> None:
    f = boot()
    assert f["ret"] == 0 and f["tret"] == 0
    assert f["fired"] == 4
    assert f["seen"] == [f"{f['irq']}@hardirq:swapper/0"] * 4
    assert f["kstat"] == [4, 0]
    assert f["ticks"] == 4 and f["tkstat"] == [4, 0]  # 10 ms ticks at 10, 20, 30, 40 ms
    # one IRQ exception per interrupt (none coincide: ticks at 10k ms, device at 10k + 5)
    assert f["exceptions"] == {"IRQ": 8}
    lines = f["proc"].splitlines()
    assert f"{f['irq']:3d}:          4          0     GIC-0  34 Level     rtc0" in lines
    assert f"{f['tirq']:3d}:          4          0     GIC-0  27 Level     arch_timer" in lines
    assert f["err"] == 0 and f["dmesg"] == []


def test_threaded_flavour_runs_handler_in_irq_thread() -> None:
    f = boot(flavour="rt", fires=2, run_ms=25)
    assert f["kstat"] == [2, 0]
    assert f["seen"] == [f"{f['irq']}@task:irq/{f['irq']}-rtc0"] * 2
    assert f["ticks"] == 2  # the per-CPU timer line is never threaded


def test_platform_patches_8_byte_slots() -> None:
    m = build_board("virt-a53", num_cpus=1)
    image = m.load_elf(str(bundled_firmware("aarch64", "kernel.elf")))
    KernelPlatform(m, Kernel("mainline", 1, ops=MachineCpuOps(m)))
    for name in ("hc_handle_arch_irq", "hc_kernel_start", "hc_cpu_idle"):
        addr = int.from_bytes(m.mem_read(image.symbols[name], 8), "little")
        assert addr == image.symbols["hc_nop"] or addr >> 12 == m.hostcall_base >> 12


@pytest.mark.parametrize("kw", [{}, {"flavour": "threadirqs", "fires": 2, "run_ms": 25}])
def test_engines_agree(kw: dict[str, Any]) -> None:
    assert boot("native", **kw) == boot("reference", **kw)
