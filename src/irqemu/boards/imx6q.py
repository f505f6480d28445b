"""NXP i.MX6 Quad: four Cortex-A9 cores at the SoC's addresses.

Addresses and interrupt numbers from the i.MX6DQ reference manual and Linux's
arch/arm/boot/dts/imx6qdl.dtsi; the same firmware boots on QEMU's
``sabrelite`` machine. GIC IDs are SPI number + 32.

Boot state (docs/boards.md): CPU 0 starts in Secure SVC at the ELF entry, CPUs
1-3 wait for the SRC, and UART1 is enabled as the boot ROM leaves it (UCR1.UARTEN,
UCR2.TXEN; QEMU's imx_serial_reset_at_boot). Clocks: cores at 792 MHz, the A9
private and global timers at PERIPHCLK = CPU / 2 (396 MHz; QEMU's run at 100 MHz),
GPT and FEC at IPG 66 MHz.
"""

from __future__ import annotations

from irqemu.arch.armv7 import ARMv7
from irqemu.boards.native import native_a9_timers, native_gic
from irqemu.boards.reference import reference_gic
from irqemu.devices.a9mpcore import A9SCU, A9GlobalTimer, A9PrivateTimer
from irqemu.devices.imx_fec import ImxFEC
from irqemu.devices.imx_gpt import ImxGPT
from irqemu.devices.imx_src import ImxSRC
from irqemu.devices.imx_uart import ImxUART
from irqemu.machine.machine import Machine
from irqemu.timing import CostModel, load_cost_model

DDR_BASE = 0x10000000  #: MMDC DDR window (QEMU sabrelite's RAM base)
OCRAM_BASE, OCRAM_SIZE = 0x00900000, 0x40000
A9_PERIPH_BASE = 0x00A00000  #: SCU, GIC CPU interface, timers, GIC distributor
SCU_BASE = 0x00A00000
GICC_BASE = 0x00A00100
GTIMER_BASE = 0x00A00200
PTIMER_BASE = 0x00A00600
GICD_BASE = 0x00A01000
AIPS1_BASE, AIPS2_BASE, AIPS_SIZE = 0x02000000, 0x02100000, 0x100000
UART1_BASE = 0x02020000
GPT_BASE = 0x02098000
SRC_BASE = 0x020D8000
ENET_BASE = 0x02188000

IRQ_GTIMER, IRQ_PTIMER = 27, 29  #: PPIs
IRQ_UART1 = 32 + 26
IRQ_GPT = 32 + 55
IRQ_ENET, IRQ_ENET_1588 = 32 + 118, 32 + 119  #: "2188000.ethernet"
NUM_IRQS = 160
IPG_HZ = 66_000_000


def build(*, engine: str = "native", fabric: str | None = None,
          num_cpus: int = 4, ram_size: int = 256 << 20,
          cost_model: CostModel | None = None, quantum_cycles: int = 10_000) -> Machine:
    """An i.MX6Q: CPU0 runs from the loaded ELF's entry, CPUs 1-3 wait for the SRC."""
    model = cost_model or load_cost_model("cortex-a9")
    m = Machine(ARMv7(), model, num_cpus=num_cpus, cpu_model="cortex-a9", engine=engine,
                fabric=fabric, quantum_cycles=quantum_cycles)
    m.add_ram(DDR_BASE, ram_size)
    m.add_ram(OCRAM_BASE, OCRAM_SIZE)
    m.add_window(A9_PERIPH_BASE, 0x2000, "a9mpcore")
    m.add_window(AIPS1_BASE, AIPS_SIZE, "aips1")
    m.add_window(AIPS2_BASE, AIPS_SIZE, "aips2")

    gic_class = native_gic() if m.fabric is not None else reference_gic()
    gic = gic_class(m, GICD_BASE, "gic", cpu_if_base=GICC_BASE, num_cpus=num_cpus,
                num_irqs=NUM_IRQS)
    m.add_device("gic.dist", gic.distributor, GICD_BASE, 0x1000)
    m.add_device("gic.cpu", gic.cpu_interface, GICC_BASE, 0x100)
    m.add_device("scu", A9SCU(m, SCU_BASE, "scu", num_cpus=num_cpus), SCU_BASE, 0x100)

    periphclk = m.cpus[0].clock.hz // 2  # PERIPHCLK = CPU clock / 2 (A9 MPCore TRM)
    # The native engine's timers are the native fabric's (C state, C events); the
    # reference engine keeps the Python models, their executable reference.
    timers = native_a9_timers() if m.fabric is not None else (A9PrivateTimer, A9GlobalTimer)
    ptimer = timers[0](m, PTIMER_BASE, "twd", hz=periphclk, num_cpus=num_cpus)
    gtimer = timers[1](m, GTIMER_BASE, "gtimer", hz=periphclk, num_cpus=num_cpus)
    for cpu in range(num_cpus):
        ptimer.irqs[cpu].connect(gic.input(IRQ_PTIMER, cpu))
        gtimer.irqs[cpu].connect(gic.input(IRQ_GTIMER, cpu))
    m.add_device("twd", ptimer, PTIMER_BASE, 0x100)
    m.add_device("gtimer", gtimer, GTIMER_BASE, 0x100)

    uart = ImxUART(m, UART1_BASE, "uart1", on_tx=lambda b: m.uart_output(bytes([b])))
    uart.irq.connect(gic.input(IRQ_UART1))
    m.add_device("uart1", uart, UART1_BASE, 0x4000)

    gpt = ImxGPT(m, GPT_BASE, "gpt", ipg_hz=IPG_HZ)
    gpt.irq.connect(gic.input(IRQ_GPT))
    m.add_device("gpt", gpt, GPT_BASE, 0x4000)

    m.add_device("src", ImxSRC(m, SRC_BASE, "src"), SRC_BASE, 0x4000)

    fec = ImxFEC(m, ENET_BASE, "fec", ipg_hz=IPG_HZ)
    fec.irq.connect(gic.input(IRQ_ENET))
    fec.irq_1588.connect(gic.input(IRQ_ENET_1588))
    m.add_device("fec", fec, ENET_BASE, 0x4000)

    m.irq_controller = gic
    m.irq_line_names = {IRQ_GTIMER: "gtimer", IRQ_PTIMER: "twd", IRQ_UART1: "uart1",
                        IRQ_GPT: "gpt", IRQ_ENET: "2188000.ethernet"}
    return m
