"""A PC: x86-64 cores with local APICs, an I/O APIC, COM1 and QEMU's debug-exit port.

Addresses as on every PC and in QEMU's ``pc``/``q35`` machines: RAM from 0,
each CPU's local APIC at 0xFEE00000, the I/O APIC at 0xFEC00000, the 16550
COM1 at I/O port 0x3F8 on ISA IRQ 4 (IOAPIC pin 4, as the ACPI MADT's
identity mapping of ISA IRQs 1-15), and an ``isa-debug-exit`` port at 0xF4
(QEMU: ``-device isa-debug-exit,iobase=0xf4,iosize=0x04``). The legacy 8259
PICs are not modelled (as if masked, as firmware using the IOAPIC leaves
them). CPU 0 starts at the ELF entry; the others wait for INIT/SIPI.

Port I/O: the x86 architecture's IN/OUT hooks call ``machine.io_ports``
(a ``PortBus``). A write of value v to port 0xF4 ends the run with exit code
v; ``irqemu boot`` of a multiboot image then exits with QEMU's status, (v << 1) | 1.
CPU 0 starts at the ELF entry in long mode, or a multiboot image's in 32-bit
protected mode (``irqemu.loader.multiboot``).

Boot state (docs/boards.md): COM1 as QEMU's reset and SeaBIOS leave it (LCR 0,
MCR.OUT2 set, divisor 0x0C, IER 0). Clocks: the core and TSC at 4 GHz, the
LAPIC timer's bus at 1 GHz.
"""

from __future__ import annotations

import bisect
from typing import Any, cast

from irqemu._core.common import FabricCore
from irqemu.arch.x86_64 import X86_64
from irqemu.boards.native import native_lapic
from irqemu.devices.e1000e import attach_pc as attach_e1000e
from irqemu.devices.ioapic import IOAPIC, IOAPIC_BASE
from irqemu.devices.lapic import APIC_BUS_HZ, LAPIC_BASE, LocalAPICs
from irqemu.devices.uart16550 import COM1_IRQ, COM1_PORT, UART16550
from irqemu.machine.machine import Machine
from irqemu.timing import CostModel, load_cost_model

DEBUG_EXIT_PORT = 0xF4
RAM_SIZE = 256 << 20


class PortBus:
    """The x86 I/O port space: devices at port ranges; unclaimed ports read all ones."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._devs: list[tuple[int, int, Any]] = []
        self.unimplemented: dict[int, int] = {}

    def add(self, base: int, size: int, device: Any) -> None:
        i = bisect.bisect_left(self._starts, base)
        for j in (i - 1, i):
            if 0 <= j < len(self._devs):
                b, s, d = self._devs[j]
                if b < base + size and base < b + s:
                    raise ValueError(f"{device!r} at port {base:#x} overlaps {d!r}")
        self._starts.insert(i, base)
        self._devs.insert(i, (base, size, device))

    def _find(self, port: int) -> tuple[int, Any] | None:
        i = bisect.bisect_right(self._starts, port) - 1
        if i >= 0:
            base, size, dev = self._devs[i]
            if port < base + size:
                return base, dev
        return None

    def read(self, cpu: int, port: int, size: int) -> int:
        hit = self._find(port)
        if hit is None:
            self.unimplemented[port] = self.unimplemented.get(port, 0) + 1
            return (1 << (8 * size)) - 1
        return int(hit[1].mmio_read(cpu, port - hit[0], size))

    def write(self, cpu: int, port: int, size: int, value: int) -> None:
        hit = self._find(port)
        if hit is None:
            self.unimplemented[port] = self.unimplemented.get(port, 0) + 1
            return
        hit[1].mmio_write(cpu, port - hit[0], size, value)


class DebugExit:
    """QEMU's isa-debug-exit: a write ends the run; irqemu's exit code is the value written."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine

    def mmio_read(self, cpu: int, offset: int, size: int) -> int:
        return (1 << (8 * size)) - 1

    def mmio_write(self, cpu: int, offset: int, size: int, value: int) -> None:
        self.machine.finish("exit", value & 0xFF)

    def __repr__(self) -> str:
        return f"<DebugExit @ port {DEBUG_EXIT_PORT:#x}>"


def build(*, engine: str = "native", fabric: str | None = None,
          num_cpus: int = 4, ram_size: int = RAM_SIZE,
          cost_model: CostModel | None = None, quantum_cycles: int = 10_000,
          bus_hz: int = APIC_BUS_HZ) -> Machine:
    """A PC with ``num_cpus`` Skylake cores: CPU 0 runs the ELF, the rest wait for SIPI."""
    model = cost_model or load_cost_model("skylake")
    arch = X86_64()
    m = Machine(arch, model, num_cpus=num_cpus, cpu_model="skylake", engine=engine,
                fabric=fabric, quantum_cycles=quantum_cycles)
    m.add_ram(0, ram_size)
    m.add_window(IOAPIC_BASE, 0x1000, "ioapic")
    m.add_window(LAPIC_BASE, 0x1000, "lapic")
    # The native fabric's LAPICs are C (their timer and EOI path never reach Python);
    # the reference engine and fabric="python" keep the Python model, their reference.
    lapic_class = native_lapic() if m.fabric is not None else LocalAPICs
    lapics = lapic_class(m, arch, num_cpus, bus_hz=bus_hz)
    m.add_device("lapic", lapics, LAPIC_BASE, 0x1000)
    if m.fabric is not None:
        for slot in m.cpus:  # an INTR the engine takes in C gets its vector here
            cast(FabricCore, slot.core).attach_apic(lapics)
    ioapic = IOAPIC(m, IOAPIC_BASE, "ioapic", lapics, pin_names={COM1_IRQ: "com1"})
    lapics.ioapics.append(ioapic)
    m.add_device("ioapic", ioapic, IOAPIC_BASE, 0x1000)

    ports = PortBus()
    uart = UART16550(m, COM1_PORT, "com1", on_tx=lambda b: m.uart_output(bytes([b])))
    uart.irq.connect(ioapic.input(COM1_IRQ))
    ports.add(COM1_PORT, 8, uart)
    ports.add(DEBUG_EXIT_PORT, 4, DebugExit(m))
    m.devices["com1"] = uart
    setattr(m, "io_ports", ports)  # noqa: B010 - read by X86_64's IN/OUT hooks

    m.irq_controller = lapics
    m.irq_line_names = lapics.names
    # an Intel 82574L (e1000e) at QEMU's usual BAR0, MSI to the LAPICs or INTA on pin 17
    attach_e1000e(m, lapics, ioapic)
    return m
