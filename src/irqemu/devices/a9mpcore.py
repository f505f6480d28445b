"""Cortex-A9 MPCore private peripherals: private timers, global timer, SCU.

Timers count from simulated time (integer picoseconds) and PERIPHCLK ``hz``;
an event is scheduled only for the next expiry. Tick k after an epoch happens
at ``epoch + ceil(k * scale * 10**12 / hz)``, so periods never drift.
Behaviour follows the Cortex-A9 MPCore TRM and QEMU's hw/timer/arm_mptimer.c
and a9gtimer.c.
"""

from __future__ import annotations

from irqemu.devices.base import Device, IrqLine, MachineContext
from irqemu.devices.regmap import Reg
from irqemu.sim.events import Event

PS_PER_S = 10**12

PT_ENABLE, PT_AUTO_RELOAD, PT_IRQ_ENABLE = 1, 2, 4


def _prescale(control: int) -> int:
    return ((control >> 8) & 0xFF) + 1


class _TimerBlock:
    """One CPU's private timer: a down-counter that wraps to Load one tick after 0."""

    def __init__(self, owner: A9PrivateTimer, cpu: int) -> None:
        self.owner = owner
        self.cpu = cpu
        self.irq = IrqLine(f"{owner.name}.cpu{cpu}")
        self.load = self.count = self.control = self.status = 0
        self.running = False
        self.epoch = self.c0 = self.expiries = 0
        self.event: Event | None = None

    def _tick_time(self, k: int) -> int:
        return self.epoch + -(-k * _prescale(self.control) * PS_PER_S // self.owner.hz)

    def counter(self, now: int) -> int:
        if not self.running:
            return self.count
        k = (now - self.epoch) * self.owner.hz // (_prescale(self.control) * PS_PER_S)
        if k <= self.c0:
            return self.c0 - k
        if self.control & PT_AUTO_RELOAD and self.load:
            return self.load - (k - self.c0 - 1) % (self.load + 1)
        return 0

    def freeze(self, now: int) -> None:
        """Stop counting, keeping the current value (before a reprogram)."""
        if self.running:
            self.count = self.counter(now)
            self.running = False
        if self.event is not None:
            self.event.cancel()
            self.event = None

    def start(self, now: int) -> None:
        if not self.control & PT_ENABLE:
            return
        if self.count == 0:
            if not (self.control & PT_AUTO_RELOAD and self.load):
                return
            self.count = self.load
        self.running, self.epoch, self.c0, self.expiries = True, now, self.count, 0
        self._schedule()

    def _schedule(self) -> None:
        k = self.c0 + self.expiries * (self.load + 1)
        self.event = self.owner.machine.schedule(
            self._tick_time(k), self._expire, f"{self.owner.name}.cpu{self.cpu}"
        )

    def _expire(self) -> None:
        self.event = None
        self.status = 1
        if self.control & PT_AUTO_RELOAD and self.load:
            self.expiries += 1
            self._schedule()
        else:
            self.running, self.count = False, 0
        self.update_irq()

    def update_irq(self) -> None:
        self.irq.set(bool(self.status and self.control & PT_IRQ_ENABLE))


class A9PrivateTimer(Device):
    """Per-CPU private timers (0x00A00600 on i.MX6Q), banked by the accessing CPU.

    ``irqs[n]`` is CPU n's timer output, for PPI 29 on that CPU (edge-sensitive
    in the A9 GIC). Like QEMU it is level ``event flag & IRQ enable``. Writing Load
    also sets Counter. The interval is (Load+1)*(prescaler+1) PERIPHCLK cycles,
    the first expiry Counter*(prescaler+1) cycles after the timer starts. The
    watchdog registers are plain unbanked storage.
    """

    SIZE = 0x100
    REGS = (
        Reg(0x00, "PTIMER_LOAD"),
        Reg(0x04, "PTIMER_COUNTER"),
        Reg(0x08, "PTIMER_CONTROL", wmask=0xFF07,
            doc="Enable 0, Auto-reload 1, IRQ Enable 2, Prescaler 15:8"),
        Reg(0x0C, "PTIMER_ISR", doc="event flag, write 1 to clear"),
        Reg(0x20, "WDT_LOAD"),
        Reg(0x24, "WDT_COUNTER"),
        Reg(0x28, "WDT_CONTROL"),
        Reg(0x2C, "WDT_ISR"),
        Reg(0x30, "WDT_RESET_STATUS"),
        Reg(0x34, "WDT_DISABLE", access="w"),
    )

    def __init__(
        self,
        machine: MachineContext,
        base: int = 0x00A00600,
        name: str = "ptimer",
        *,
        hz: int,
        num_cpus: int | None = None,
    ) -> None:
        super().__init__(machine, base, name)
        self.hz = hz
        n = machine.num_cpus if num_cpus is None else num_cpus
        self.blocks = [_TimerBlock(self, cpu) for cpu in range(n)]
        self.irqs = [b.irq for b in self.blocks]

    def reset(self) -> None:
        super().reset()
        for b in self.blocks:
            b.freeze(0)
            b.load = b.count = b.control = b.status = 0
            b.update_irq()

    def read_PTIMER_LOAD(self, cpu: int, index: int) -> int:
        return self.blocks[cpu].load

    def write_PTIMER_LOAD(self, cpu: int, index: int, value: int) -> None:
        b, now = self.blocks[cpu], self.machine.now(cpu)
        b.freeze(now)
        b.load = b.count = value
        b.start(now)

    def read_PTIMER_COUNTER(self, cpu: int, index: int) -> int:
        return self.blocks[cpu].counter(self.machine.now(cpu))

    def write_PTIMER_COUNTER(self, cpu: int, index: int, value: int) -> None:
        b, now = self.blocks[cpu], self.machine.now(cpu)
        b.freeze(now)
        b.count = value
        b.start(now)

    def read_PTIMER_CONTROL(self, cpu: int, index: int) -> int:
        return self.blocks[cpu].control

    def write_PTIMER_CONTROL(self, cpu: int, index: int, value: int) -> None:
        b, now = self.blocks[cpu], self.machine.now(cpu)
        if (b.control ^ value) & 0xFF03:  # enable, reload mode or prescaler changed
            b.freeze(now)
            b.control = value
            b.start(now)
        else:
            b.control = value
        b.update_irq()

    def read_PTIMER_ISR(self, cpu: int, index: int) -> int:
        return self.blocks[cpu].status

    def write_PTIMER_ISR(self, cpu: int, index: int, value: int) -> None:
        b = self.blocks[cpu]
        b.status &= ~value & 1
        b.update_irq()


GT_ENABLE, GT_COMP_ENABLE, GT_IRQ_ENABLE, GT_AUTO_INC = 1, 2, 4, 8


class A9GlobalTimer(Device):
    """The 64-bit global timer (0x00A00200 on i.MX6Q), PPI 27 on each CPU.

    Counter, enable and prescaler are shared; comparator, auto-increment, the
    comp/IRQ/auto-increment control bits and the event flag are banked per CPU.
    The event flag is set when the counter reaches (>=) the comparator.
    """

    SIZE = 0x100
    REGS = (
        Reg(0x00, "GTIMER_COUNTER_LO"),
        Reg(0x04, "GTIMER_COUNTER_HI"),
        Reg(0x08, "GTIMER_CONTROL"),
        Reg(0x0C, "GTIMER_ISR"),
        Reg(0x10, "GTIMER_COMPARATOR_LO"),
        Reg(0x14, "GTIMER_COMPARATOR_HI"),
        Reg(0x18, "GTIMER_AUTO_INCREMENT"),
    )

    def __init__(
        self,
        machine: MachineContext,
        base: int = 0x00A00200,
        name: str = "gtimer",
        *,
        hz: int,
        num_cpus: int | None = None,
    ) -> None:
        super().__init__(machine, base, name)
        self.hz = hz
        n = machine.num_cpus if num_cpus is None else num_cpus
        self.irqs = [IrqLine(f"{name}.cpu{c}") for c in range(n)]
        self.shared = 0  # enable + prescaler
        self.count = self.epoch = 0
        self.banked = [0] * n
        self.status = [0] * n
        self.comparator = [0] * n
        self.autoinc = [0] * n
        self.events: list[Event | None] = [None] * n

    def counter(self, now: int) -> int:
        if not self.shared & GT_ENABLE:
            return self.count
        ticks = (now - self.epoch) * self.hz // (_prescale(self.shared) * PS_PER_S)
        return (self.count + ticks) & (2**64 - 1)

    def _rebase(self, now: int) -> None:
        self.count, self.epoch = self.counter(now), now

    def _reschedule(self, cpu: int, now: int) -> None:
        ev = self.events[cpu]
        if ev is not None:
            ev.cancel()
            self.events[cpu] = None
        if not (self.shared & GT_ENABLE and self.banked[cpu] & GT_COMP_ENABLE):
            return
        ahead = self.comparator[cpu] - self.count  # ticks after the epoch
        scale = _prescale(self.shared)
        when = max(now, self.epoch + -(-max(ahead, 0) * scale * PS_PER_S // self.hz))
        self.events[cpu] = self.machine.schedule(
            when, lambda: self._fire(cpu), f"{self.name}.cpu{cpu}"
        )

    def _fire(self, cpu: int) -> None:
        self.events[cpu] = None
        self.status[cpu] = 1
        now = self.machine.now()
        if self.banked[cpu] & GT_AUTO_INC:
            self.comparator[cpu] = (self.comparator[cpu] + self.autoinc[cpu]) & (2**64 - 1)
            self._reschedule(cpu, now)
        self._update_irq(cpu)

    def _update_irq(self, cpu: int) -> None:
        self.irqs[cpu].set(bool(self.status[cpu] and self.banked[cpu] & GT_IRQ_ENABLE))

    def _all(self, now: int) -> None:
        for cpu in range(len(self.irqs)):
            self._reschedule(cpu, now)

    def read_GTIMER_COUNTER_LO(self, cpu: int, index: int) -> int:
        return self.counter(self.machine.now(cpu)) & 0xFFFFFFFF

    def read_GTIMER_COUNTER_HI(self, cpu: int, index: int) -> int:
        return self.counter(self.machine.now(cpu)) >> 32

    def _write_count(self, cpu: int, value: int, shift: int) -> None:
        now = self.machine.now(cpu)
        self._rebase(now)
        self.count = (self.count & ~(0xFFFFFFFF << shift)) | (value << shift)
        self._all(now)

    def write_GTIMER_COUNTER_LO(self, cpu: int, index: int, value: int) -> None:
        self._write_count(cpu, value, 0)

    def write_GTIMER_COUNTER_HI(self, cpu: int, index: int, value: int) -> None:
        self._write_count(cpu, value, 32)

    def read_GTIMER_CONTROL(self, cpu: int, index: int) -> int:
        return self.shared | self.banked[cpu]

    def write_GTIMER_CONTROL(self, cpu: int, index: int, value: int) -> None:
        now = self.machine.now(cpu)
        self._rebase(now)
        self.shared = value & 0xFF01
        self.banked[cpu] = value & 0xE
        self._all(now)
        self._update_irq(cpu)

    def read_GTIMER_ISR(self, cpu: int, index: int) -> int:
        return self.status[cpu]

    def write_GTIMER_ISR(self, cpu: int, index: int, value: int) -> None:
        self.status[cpu] &= ~value & 1
        self._update_irq(cpu)

    def read_GTIMER_COMPARATOR_LO(self, cpu: int, index: int) -> int:
        return self.comparator[cpu] & 0xFFFFFFFF

    def read_GTIMER_COMPARATOR_HI(self, cpu: int, index: int) -> int:
        return self.comparator[cpu] >> 32

    def _write_comp(self, cpu: int, value: int, shift: int) -> None:
        now = self.machine.now(cpu)
        self._rebase(now)
        c = self.comparator[cpu]
        self.comparator[cpu] = (c & ~(0xFFFFFFFF << shift)) | (value << shift)
        self._reschedule(cpu, now)

    def write_GTIMER_COMPARATOR_LO(self, cpu: int, index: int, value: int) -> None:
        self._write_comp(cpu, value, 0)

    def write_GTIMER_COMPARATOR_HI(self, cpu: int, index: int, value: int) -> None:
        self._write_comp(cpu, value, 32)

    def read_GTIMER_AUTO_INCREMENT(self, cpu: int, index: int) -> int:
        return self.autoinc[cpu]

    def write_GTIMER_AUTO_INCREMENT(self, cpu: int, index: int, value: int) -> None:
        self.autoinc[cpu] = value


class A9SCU(Device):
    """Snoop Control Unit (0x00A00000): enough for Linux's scu_get_core_count/scu_enable."""

    SIZE = 0x100
    REGS = (
        Reg(0x00, "SCU_CONTROL"),
        Reg(0x04, "SCU_CONFIGURATION", access="r"),
        Reg(0x08, "SCU_CPU_POWER_STATUS"),
        Reg(0x0C, "SCU_INVALIDATE_ALL", access="w"),
        Reg(0x40, "SCU_FILTER_START"),
        Reg(0x44, "SCU_FILTER_END"),
        Reg(0x50, "SCU_SAC", reset=0xF),
        Reg(0x54, "SCU_SNSAC"),
    )

    def __init__(
        self,
        machine: MachineContext,
        base: int = 0x00A00000,
        name: str = "scu",
        *,
        num_cpus: int | None = None,
    ) -> None:
        super().__init__(machine, base, name)
        self.num_cpus = machine.num_cpus if num_cpus is None else num_cpus

    def read_SCU_CONFIGURATION(self, cpu: int, index: int) -> int:
        """CPU number field [1:0] = cores - 1; SMP bits [7:4] = one per core."""
        return (((1 << self.num_cpus) - 1) << 4) | (self.num_cpus - 1)
