"""x86-64 kernel.elf: IDT stubs -> common_interrupt -> host call -> the modelled do_IRQ.

The pc board boots ``firmware/x86_64/kernel.elf``; at its kernel_start host
call the model sets up the local APIC (with its timer as the per-CPU clock
event on LOCAL_TIMER_VECTOR) and the IO-APIC (irq_apic), and a driver requests
IO-APIC pin 16 (level, fasteoi) for an IrqSource device. Every interrupt is a
real IDT delivery on CPU 0 whose stub passes the vector to the model.
"""

from __future__ import annotations

from typing import Any

import pytest

from irqemu.boards import build_board
from irqemu.bundled import bundled_firmware
from irqemu.devices.irq_source import IrqSource
from irqemu.kernel import Kernel
from irqemu.kernel.drivers.irq_apic import (
    LOCAL_TIMER_VECTOR,
    X86Apic,
    x86_apic_init,
)
from irqemu.kernel.genirq.proc import show_interrupts
from irqemu.kernel.genirq.types import (
    IRQ_HANDLED,
    IRQ_NONE,
    IRQ_TYPE_EDGE_RISING,
    IRQ_TYPE_LEVEL_HIGH,
)
from irqemu.kernel.platform import KernelPlatform, MachineCpuOps

DEV_BASE = 0xFEB00000  #: in the PCI MMIO hole below the IO-APIC
MS = 10**9


def boot(engine: str = "native", *, pin: int = 16, type_: int = IRQ_TYPE_LEVEL_HIGH,
         fires: int = 4, flavour: str = "mainline", run_ms: int = 45) -> dict[str, Any]:
    m = build_board("pc", engine=engine, num_cpus=2)
    m.load_elf(str(bundled_firmware("x86_64", "kernel.elf")))
    m.add_window(DEV_BASE, 0x1000, "pci-mmio")
    dev = IrqSource(m, DEV_BASE, "dev0")
    m.add_device("dev0", dev, DEV_BASE, 0x1000)
    dev.irq.connect(m.devices["ioapic"].input(pin))
    k = Kernel(flavour, m.num_cpus, arch="x86", ops=MachineCpuOps(m))
    seen: list[str] = []
    ticks: list[int] = []
    st: dict[str, Any] = {}

    def start(plat: KernelPlatform) -> None:
        apic = x86_apic_init(k, plat.io)
        apic.setup_APIC_timer(ticks.append)
        irq = apic.map_pin(pin, type_)

        def handler(irq_: int, d: Any) -> int:
            cpu = k.ops.smp_processor_id()
            status = plat.io.read32(cpu, DEV_BASE)
            if not status:
                return IRQ_NONE
            plat.io.write32(cpu, DEV_BASE + 4, status)
            seen.append(f"{irq_}@{'hardirq' if k.in_irq() else 'task'}:"
                        f"{k.current[cpu].comm}")
            return IRQ_HANDLED

        st.update(apic=apic, irq=irq, ret=k.request_irq(irq, handler, 0, "dev0", dev))

    KernelPlatform(m, k, on_start=start)
    dev.fire_at([(10 * i + 5) * MS for i in range(fires)])
    result = m.run(max_time_ps=run_ms * MS)
    apic: X86Apic = st["apic"]
    irq = st["irq"]
    proc = show_interrupts(k)
    return {
        "irq": irq, "ret": st["ret"], "seen": seen, "ticks": len(ticks),
        "kstat": list(k.irq_descs[irq].kstat_irqs), "loc": list(k.arch_stats["LOC"]),
        "proc": proc, "dmesg": list(k.dmesg), "fired": dev.fired,
        "vector": apic.irq_cfg[irq][0], "exceptions": dict(result.interrupts[0]),
        "ack_counts": {v: list(c) for v, c in m.irq_controller.ack_counts.items()},
        "cycles": result.cycles, "sim_time_ps": result.sim_time_ps,
        "redir": m.devices["ioapic"].redir[pin], "mis": k.irq_mis_count,
    }


def test_ioapic_line_and_lapic_timer_through_the_whole_path() -> None:
    f = boot()
    assert f["ret"] == 0 and f["irq"] == 16
    assert f["fired"] == 4
    assert f["seen"] == ["16@hardirq:swapper/0"] * 4
    assert f["kstat"] == [4, 0]
    assert f["vector"] == 0x41  # 4.6's first dynamic vector (0x30-0x3f are ISA)
    # LAPIC timer at HZ=100 on CPU 0: LOC counts every tick, and ticks ran the clock event
    assert f["loc"][0] == f["ticks"] == 4 and f["loc"][1] == 0
    # every INTR the core took is one of the two vectors, acknowledged on CPU 0
    assert f["exceptions"] == {"INTR": 8}
    assert f["ack_counts"] == {0x41: [4, 0], LOCAL_TIMER_VECTOR: [4, 0]}
    lines = f["proc"].splitlines()
    assert " 16:          4          0   IO-APIC  16-fasteoi   dev0" in lines
    assert "LOC:          4          0   Local timer interrupts" in lines
    assert f["mis"] == 0 and f["dmesg"] == []
    assert not f["redir"] & (1 << 14)  # remote IRR clear again: every level EOI reached it


def test_edge_pin_uses_handle_edge_irq() -> None:
    f = boot(pin=5, type_=IRQ_TYPE_EDGE_RISING, fires=3, run_ms=35)
    assert f["irq"] == 5 and f["vector"] == 0x35  # ISA_IRQ_VECTOR(5)
    assert f["kstat"] == [3, 0]
    assert "  5:          3          0   IO-APIC   5-edge      dev0" in f["proc"].splitlines()


def test_threaded_flavour_runs_handler_in_irq_thread() -> None:
    f = boot(flavour="threadirqs", fires=2, run_ms=25)
    assert f["kstat"] == [2, 0]
    assert f["seen"] == ["16@task:irq/16-dev0"] * 2


def test_unknown_vector_is_reported_and_acked() -> None:
    """do_IRQ with no descriptor for the vector: the 4.6 message and an EOI."""
    m = build_board("pc", num_cpus=1)
    m.load_elf(str(bundled_firmware("x86_64", "kernel.elf")))
    k = Kernel("mainline", 1, arch="x86", ops=MachineCpuOps(m))
    st: dict[str, Any] = {}

    def start(plat: KernelPlatform) -> None:
        st["apic"] = x86_apic_init(k, plat.io)
        lapic = m.irq_controller.apics[0]
        lapic.accept(0x99)  # as if an IPI or a stale IO-APIC entry sent it

    KernelPlatform(m, k, on_start=start)
    m.run(max_time_ps=1 * MS)
    assert any("do_IRQ: 0.153 No irq handler for vector" in ln for ln in k.dmesg)
    assert m.irq_controller.apics[0].isr == 0  # the EOI was written


@pytest.mark.parametrize("kw", [{}, {"flavour": "rt", "fires": 2, "run_ms": 25}])
def test_engines_agree(kw: dict[str, Any]) -> None:
    a = boot("native", **kw)
    b = boot("reference", **kw)
    assert a == b


@pytest.mark.parametrize("flavour", ["mainline", "threadirqs", "rt"])
def test_shared_irq_scenario_on_the_pc(flavour: str) -> None:
    """The talk's line as the talk had it: mmc0 and ehci share IO-APIC 16, fasteoi."""
    from irqemu.scenarios.shared_irq import check, run_on_board

    text, facts = run_on_board(flavour, events=2, period_ms=0.5, board="pc")
    assert check(facts) == [], text
    assert facts["irq"] == 16
    # one IDT delivery per interrupt on CPU0, besides its LAPIC timer tick (HZ=100)
    ticks = facts["cores"]["ticks"]
    assert facts["exceptions"]["INTR"] - ticks[0] == facts["kstat"] > 0
    assert ticks == [99] * 4  # every CPU, 1 s from boot
    assert "IO-APIC  16-fasteoi   mmc0, ehci_hcd:usb3" in facts["proc_row"]
    mmc = facts["handled_in"]["mmc0"]
    if flavour == "mainline":
        assert mmc[0] == "sdhci_irq@hardirq:swapper/0"
        assert facts["handled_in"]["ehci_hcd:usb3"][0] == "usb_hcd_irq@hardirq:swapper/0"
    else:
        assert mmc[0] == "sdhci_irq@thread:irq/16-mmc0"
    assert mmc[1] == "sdhci_thread_irq@thread:irq/16-" + (
        "mmc0" if flavour == "mainline" else "s-mmc0")
    assert facts["dmesg"] == []


def test_shared_irq_scenario_on_the_pc_engines_agree() -> None:
    from irqemu.scenarios.shared_irq import run_on_board

    a = run_on_board("rt", events=1, engine="native", board="pc")[1]
    b = run_on_board("rt", events=1, engine="reference", board="pc")[1]
    a.pop("engine"), b.pop("engine"), a["cores"].pop("engine"), b["cores"].pop("engine")
    assert a == b
