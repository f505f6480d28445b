"""QEMU ``virt`` with Cortex-A53 cores: the memory map of hw/arm/virt.c (base_memmap).

RAM at 0x40000000, GICv2 distributor at 0x08000000 and CPU interface at
0x08010000 (QEMU's default ``gic-version=2``, no Security Extensions), PL011
UART at 0x09000000 on SPI 1 (ID 33), and the per-CPU ARM generic timer on
PPIs 27 (virtual) and 30 (non-secure physical) with QEMU's 62.5 MHz counter,
so the same firmware boots on ``qemu-system-aarch64 -M virt -cpu cortex-a53``.
CPU 0 starts at the ELF entry; the others are held until a PSCI CPU_ON
(``hvc #0``, QEMU virt's PSCI conduit without EL2 firmware).

Boot state (docs/boards.md): nothing runs before the ELF on QEMU's virt with
``-kernel``, so the PL011 is at its reset values (UARTCR TXE | RXE) and, as in
QEMU, transmits without UARTEN.
"""

from __future__ import annotations

from irqemu.arch.aarch64 import TIMER_DEVICE, TIMER_REGS, AArch64
from irqemu.boards.native import native_generic_timer, native_gic
from irqemu.boards.reference import reference_gic
from irqemu.devices.arm_generic_timer import QEMU_CNTFRQ, ArmGenericTimer
from irqemu.devices.pl011 import PL011
from irqemu.machine.machine import Machine
from irqemu.timing import CostModel, load_cost_model

RAM_BASE = 0x40000000
GICD_BASE = 0x08000000
GICC_BASE = 0x08010000
UART_BASE = 0x09000000
PERIPH_BASE, PERIPH_SIZE = 0x08000000, 0x02000000  #: GIC .. UART/RTC/GPIO window

IRQ_VTIMER, IRQ_PTIMER_NS = 27, 30  #: PPIs (virt.h ARCH_TIMER_VIRT_IRQ 11 + 16, NS_EL1 14 + 16)
IRQ_UART = 32 + 1
NUM_IRQS = 288  #: virt.c NUM_IRQS 256 SPIs + 32 private


#: GICv2 PIDR4-7, PIDR0-3, CIDR0-3 as QEMU's gic_id_gicv2 (PIDR2 0x2B: architecture v2)
GICV2_ID_REGS = (0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1)


def build(*, engine: str = "native", fabric: str | None = None,
          num_cpus: int = 4, ram_size: int = 256 << 20,
          cost_model: CostModel | None = None, quantum_cycles: int = 10_000,
          core: str = "cortex-a53") -> Machine:
    """A virt machine: CPU0 runs from the loaded ELF's entry, CPUs 1-3 wait for PSCI CPU_ON.

    ``core`` picks the cost model and Unicorn CPU (``cortex-a55`` for the LSE core).
    """
    if not 1 <= num_cpus <= 8:
        raise ValueError("virt with GICv2 has 1 to 8 CPUs")
    model = cost_model or load_cost_model(core)
    m = Machine(AArch64(), model, num_cpus=num_cpus, cpu_model=core, engine=engine,
                fabric=fabric, quantum_cycles=quantum_cycles)
    m.add_ram(RAM_BASE, ram_size)
    m.add_window(PERIPH_BASE, PERIPH_SIZE, "virt-periph")

    gic_class = native_gic() if m.fabric is not None else reference_gic()
    gic = gic_class(m, GICD_BASE, "gic", cpu_if_base=GICC_BASE, num_cpus=num_cpus,
                num_irqs=NUM_IRQS, security_extensions=False, priority_bits=8,
                gicd_iidr=0x0000043B, gicc_iidr=0x0002043B,  # as QEMU 7.2 reads them
                ppi_icfgr=0,  # QEMU virt: every PPI level-sensitive
                groups=True,  # a GICv2 has interrupt groups without Security Extensions
                id_regs=GICV2_ID_REGS)
    m.add_device("gic.dist", gic.distributor, GICD_BASE, 0x1000)
    m.add_device("gic.cpu", gic.cpu_interface, GICC_BASE, 0x1000)

    if m.fabric is not None:  # the native fabric's timer: MRS/MSR answered in C
        timer = native_generic_timer()(m, TIMER_DEVICE, hz=QEMU_CNTFRQ, num_cpus=num_cpus)
        codes = timer.codes()
        for slot in m.cpus:
            slot.core.map_native_sysregs(  # type: ignore[attr-defined]
                {enc: codes[name] for enc, name in TIMER_REGS.items()}, timer)
    else:
        timer = ArmGenericTimer(m, TIMER_DEVICE, hz=QEMU_CNTFRQ, num_cpus=num_cpus)
    for cpu in range(num_cpus):
        timer.virt_irqs[cpu].connect(gic.input(IRQ_VTIMER, cpu))
        timer.phys_irqs[cpu].connect(gic.input(IRQ_PTIMER_NS, cpu))
    m.devices[TIMER_DEVICE] = timer  # system registers, not MMIO: reached by MRS/MSR traps

    uart = PL011(m, UART_BASE, "uart0", on_tx=lambda b: m.uart_output(bytes([b])))
    uart.irq.connect(gic.input(IRQ_UART))
    m.add_device("uart0", uart, UART_BASE, 0x1000)

    m.irq_controller = gic
    m.irq_line_names = {IRQ_VTIMER: "vtimer", IRQ_PTIMER_NS: "ptimer", IRQ_UART: "pl011"}
    return m
