"""x86 local APIC (xAPIC, memory-mapped at 0xFEE00000), one per CPU, and the APIC bus.

Register layout, reset values and rules from the Intel SDM vol. 3A chapter 11
("Advanced Programmable Interrupt Controller"): table 11-1 (register
addresses), 11.5.4 (timer), 11.6 (ICR, destinations, shorthands), 11.8
(IRR/ISR/TMR, priorities, TPR/PPR, EOI), 11.9 (spurious-interrupt vector).
Behaviour cross-checked with QEMU's hw/intc/apic.c.

Every CPU sees its own LAPIC at the same address: ``LocalAPICs`` is the
device mapped at 0xFEE00000 and forwards each access to the accessing CPU's
``LocalAPIC``. It is also the board's interrupt controller: ``acknowledge``
is the INTA cycle the architecture runs when it takes INTR, and
``ack_counts`` counts acknowledged interrupts by *vector*, per CPU (x86 has
no global IRQ numbering at the CPU; ``names`` says what raised each vector).

Modelling choices: the timer counts at ``bus_hz`` / divide (1 GHz by default,
as QEMU's APIC timer); a periodic timer interrupts every ``initial count``
ticks (the count goes initial -> 0 and reloads); TSC-deadline mode is not
modelled (the timer stays idle in it). Registers are 16 bytes apart; only the
first 4 bytes of each slot decode. Lowest-priority delivery picks the
matching CPU with the lowest TPR (ties: lowest APIC ID). SIPI starts a
CPU held in wait-for-SIPI in long mode at vector * 4096 (irqemu's x86 cores
have no real mode: see irqemu.arch.x86_64).
"""

from __future__ import annotations

from typing import Any

from irqemu.devices.base import CPU_IRQ, Device, MachineContext
from irqemu.devices.regmap import Reg
from irqemu.hw.apic import (
    APIC_ARBPRI,
    APIC_DEFAULT_PHYS_BASE,
    APIC_DELIVERY_MODE_EXTINT,
    APIC_DELIVERY_MODE_FIXED,
    APIC_DELIVERY_MODE_INIT,
    APIC_DELIVERY_MODE_LOWESTPRIO,
    APIC_DELIVERY_MODE_NMI,
    APIC_DELIVERY_MODE_SMI,
    APIC_DELIVERY_MODE_STARTUP,
    APIC_DEST_ALLBUT,
    APIC_DEST_ALLINC,
    APIC_DEST_LOGICAL,
    APIC_DEST_NOSHORT,
    APIC_DEST_SELF,
    APIC_DEST_SHORTHAND_SHIFT,
    APIC_DFR,
    APIC_EOI,
    APIC_ESR,
    APIC_ESR_RECVILL,
    APIC_ESR_SENDILL,
    APIC_ICR,
    APIC_ICR2,
    APIC_ICR_BUSY,
    APIC_ID,
    APIC_INT_ASSERT,
    APIC_INT_LEVELTRIG,
    APIC_IRR,
    APIC_ISR,
    APIC_LDR,
    APIC_LVR,
    APIC_LVT0,
    APIC_LVT1,
    APIC_LVT_MASKED,
    APIC_LVT_TIMER_ONESHOT,
    APIC_LVT_TIMER_PERIODIC,
    APIC_LVT_TIMER_SHIFT,
    APIC_LVT_TIMER_TSCDEADLINE,
    APIC_LVTCMCI,
    APIC_LVTERR,
    APIC_LVTPC,
    APIC_LVTT,
    APIC_LVTTHMR,
    APIC_PROCPRI,
    APIC_RRR,
    APIC_SPIV,
    APIC_SPIV_APIC_ENABLED,
    APIC_SPIV_DIRECTED_EOI,
    APIC_TASKPRI,
    APIC_TDCR,
    APIC_TMCCT,
    APIC_TMICT,
    APIC_TMR,
)
from irqemu.sim.events import Event

LAPIC_BASE = APIC_DEFAULT_PHYS_BASE
APIC_BUS_HZ = 1_000_000_000
PS_PER_S = 10**12

VERSION = 0x00060014  #: version 0x14 (integrated xAPIC), 7 LVT entries (max LVT index 6)
LVT_MASKED = APIC_LVT_MASKED
LVT_TIMER_MODE_SHIFT = APIC_LVT_TIMER_SHIFT
#: LVTT timer modes, as field values (0, 1, 2)
TIMER_ONESHOT = APIC_LVT_TIMER_ONESHOT >> APIC_LVT_TIMER_SHIFT
TIMER_PERIODIC = APIC_LVT_TIMER_PERIODIC >> APIC_LVT_TIMER_SHIFT
TIMER_TSC_DEADLINE = APIC_LVT_TIMER_TSCDEADLINE >> APIC_LVT_TIMER_SHIFT
SVR_ENABLE = APIC_SPIV_APIC_ENABLED
SVR_SUPPRESS_EOI_BROADCAST = APIC_SPIV_DIRECTED_EOI
ICR_DELIVERY_STATUS = APIC_ICR_BUSY
ESR_SEND_ILLEGAL_VECTOR, ESR_RECV_ILLEGAL_VECTOR = APIC_ESR_SENDILL, APIC_ESR_RECVILL
DM_FIXED, DM_LOWEST, DM_SMI, DM_NMI, DM_INIT, DM_SIPI, DM_EXTINT = (
    APIC_DELIVERY_MODE_FIXED, APIC_DELIVERY_MODE_LOWESTPRIO, APIC_DELIVERY_MODE_SMI,
    APIC_DELIVERY_MODE_NMI, APIC_DELIVERY_MODE_INIT, APIC_DELIVERY_MODE_STARTUP,
    APIC_DELIVERY_MODE_EXTINT)
#: ICR destination shorthands, as field values (0..3)
SH_NONE = APIC_DEST_NOSHORT >> APIC_DEST_SHORTHAND_SHIFT
SH_SELF = APIC_DEST_SELF >> APIC_DEST_SHORTHAND_SHIFT
SH_ALL = APIC_DEST_ALLINC >> APIC_DEST_SHORTHAND_SHIFT
SH_OTHERS = APIC_DEST_ALLBUT >> APIC_DEST_SHORTHAND_SHIFT
LVT_NAMES = ("LVT_CMCI", "LVT_TIMER", "LVT_THERMAL", "LVT_PMC", "LVT_LINT0", "LVT_LINT1",
             "LVT_ERROR")


def _r(offset: int, name: str, **kw: Any) -> Reg:
    """A LAPIC register: slots are 16 bytes apart, so the table is indexed by offset / 4."""
    return Reg(offset >> 2, name, **kw)


def _highest(bits: int) -> int:
    return bits.bit_length() - 1


class LocalAPIC(Device):
    """One CPU's local APIC: interrupt acceptance and priority, EOI, timer, IPIs."""

    SIZE = 0x1000
    REGS = (
        _r(APIC_ID, "ID", wmask=0xFF000000, doc="APIC ID in bits 31:24"),
        _r(APIC_LVR, "VERSION", reset=VERSION, access="r"),
        _r(APIC_TASKPRI, "TPR", wmask=0xFF, doc="task priority: bits 7:4 class, 3:0 sub-class"),
        _r(APIC_ARBPRI, "APR", access="r"),
        _r(APIC_PROCPRI, "PPR", access="r", doc="processor priority = max(TPR, ISRV class)"),
        _r(APIC_EOI, "EOI", access="w"),
        _r(APIC_RRR, "RRD", access="r"),
        _r(APIC_LDR, "LDR", wmask=0xFF000000, doc="logical APIC ID in bits 31:24"),
        _r(APIC_DFR, "DFR", reset=0xFFFFFFFF, wmask=0xF0000000,
           doc="model 31:28: 0xF flat, 0x0 cluster; 27:0 read as 1"),
        _r(APIC_SPIV, "SVR", reset=0xFF, wmask=0x13FF, doc="spurious vector 7:0, APIC enable 8"),
        _r(APIC_ISR, "ISR", access="r", count=8),
        _r(APIC_TMR, "TMR", access="r", count=8),
        _r(APIC_IRR, "IRR", access="r", count=8),
        _r(APIC_ESR, "ESR"),
        _r(APIC_LVTCMCI, "LVT_CMCI", reset=LVT_MASKED, wmask=0x107FF),
        _r(APIC_ICR, "ICR_LO", doc="vector 7:0, delivery mode 10:8, dest mode 11, level 14, "
                                "trigger 15, shorthand 19:18; a write sends the IPI"),
        _r(APIC_ICR2, "ICR_HI", wmask=0xFF000000, doc="destination 31:24"),
        _r(APIC_LVTT, "LVT_TIMER", reset=LVT_MASKED, wmask=0x700FF,
           doc="vector, mask 16, mode 18:17"),
        _r(APIC_LVTTHMR, "LVT_THERMAL", reset=LVT_MASKED, wmask=0x107FF),
        _r(APIC_LVTPC, "LVT_PMC", reset=LVT_MASKED, wmask=0x107FF),
        _r(APIC_LVT0, "LVT_LINT0", reset=LVT_MASKED, wmask=0x1A7FF),
        _r(APIC_LVT1, "LVT_LINT1", reset=LVT_MASKED, wmask=0x1A7FF),
        _r(APIC_LVTERR, "LVT_ERROR", reset=LVT_MASKED, wmask=0x100FF),
        _r(APIC_TMICT, "TIMER_ICR", doc="initial count; writing starts the timer (0 stops it)"),
        _r(APIC_TMCCT, "TIMER_CCR", access="r", doc="current count, from simulated time"),
        _r(APIC_TDCR, "TIMER_DCR", wmask=0xB, doc="divide: bits 3,1:0; 0b1011 = 1"),
    )

    def __init__(self, machine: MachineContext, bus: LocalAPICs, cpu: int,
                 base: int = LAPIC_BASE, *, bus_hz: int = APIC_BUS_HZ) -> None:
        super().__init__(machine, base, f"lapic{cpu}")
        self.bus = bus
        self.cpu = cpu
        self.bus_hz = bus_hz
        self._v = self.regs.values
        self.irr = self.isr = self.tmr = 0
        self.esr_pending = 0
        self._intr = False
        self.t_start = 0  #: time the current count started from the initial count
        self.t_fired = 0  #: expiries since t_start
        self.t_event: Event | None = None
        self._v["ID"][0] = cpu << 24

    def reg(self, name: str) -> int:
        return self._v[name][0]

    def reset(self) -> None:
        """Power-on / INIT state (SDM 11.4.7.1); the APIC ID survives INIT."""
        apic_id = self._v["ID"][0]
        self._timer_stop()
        super().reset()
        self._v["ID"][0] = apic_id
        self.irr = self.isr = self.tmr = 0
        self.esr_pending = 0
        self.update()

    # -- bus accesses: 16-byte slots, 32-bit registers ----------------------
    def mmio_read(self, cpu: int, offset: int, size: int) -> int:
        if offset & 0xF:
            return 0
        return self.regs.read(cpu, offset >> 2, min(size, 4))

    def mmio_write(self, cpu: int, offset: int, size: int, value: int) -> None:
        if offset & 0xF:
            return
        self.regs.write(cpu, offset >> 2, min(size, 4), value & 0xFFFFFFFF)

    # -- priorities and the INTR output --------------------------------------
    @property
    def enabled(self) -> bool:
        return bool(self.reg("SVR") & SVR_ENABLE)

    @property
    def apic_id(self) -> int:
        return self.reg("ID") >> 24

    def ppr(self) -> int:
        """Processor priority (SDM 11.8.3.1)."""
        tpr = self.reg("TPR") & 0xFF
        isrv = max(_highest(self.isr), 0)
        return tpr if (tpr >> 4) >= (isrv >> 4) else isrv & 0xF0

    def pending_vector(self) -> int | None:
        """The vector INTR would deliver: the highest IRR one if its class beats the PPR's."""
        irrv = _highest(self.irr)
        if irrv < 0 or not self.enabled:
            return None
        return irrv if (irrv & 0xF0) > (self.ppr() & 0xF0) else None

    def update(self) -> None:
        want = self.pending_vector() is not None
        if want != self._intr:
            self._intr = want
            self.machine.set_cpu_input(self.cpu, CPU_IRQ, want)

    def accept(self, vector: int, level: bool = False, source: str = "") -> None:
        """A fixed interrupt for this CPU arrives (from the IOAPIC, an IPI or an LVT)."""
        if vector < 16:
            self._error(ESR_RECV_ILLEGAL_VECTOR)
            return
        bit = 1 << vector
        self.irr |= bit
        self.tmr = (self.tmr | bit) if level else (self.tmr & ~bit)
        if source:
            self.bus.names.setdefault(vector, source)
        self.update()

    def acknowledge(self) -> int:
        """INTA: highest deliverable IRR vector moves to the ISR; the spurious vector if none."""
        v = self.pending_vector()
        if v is None:
            return self.reg("SVR") & 0xFF
        self.irr &= ~(1 << v)
        self.isr |= 1 << v
        self.update()
        return v

    def _error(self, bit: int) -> None:
        """Record an error in the ESR and signal it through the LVT error entry. An
        illegal vector (0-15) in that entry is itself a receive-illegal-vector error:
        recorded, not delivered (SDM 11.5.3), so an error never reports itself again."""
        self.esr_pending |= bit
        lvt = self.reg("LVT_ERROR")
        if not lvt & LVT_MASKED:
            if lvt & 0xFF < 16:
                self.esr_pending |= ESR_RECV_ILLEGAL_VECTOR
                return
            self.accept(lvt & 0xFF, source=f"{self.name} error")

    # -- registers ---------------------------------------------------------
    def write_TPR(self, cpu: int, index: int, value: int) -> None:
        self._v["TPR"][0] = value
        self.update()

    def read_PPR(self, cpu: int, index: int) -> int:
        return self.ppr()

    def read_APR(self, cpu: int, index: int) -> int:
        return self.ppr()

    def write_EOI(self, cpu: int, index: int, value: int) -> None:
        v = _highest(self.isr)
        if v < 0:
            return
        self.isr &= ~(1 << v)
        if self.tmr >> v & 1 and not self.reg("SVR") & SVR_SUPPRESS_EOI_BROADCAST:
            self.bus.broadcast_eoi(v)
        self.update()

    def write_SVR(self, cpu: int, index: int, value: int) -> None:
        self._v["SVR"][0] = value
        if not value & SVR_ENABLE:
            for name in LVT_NAMES:  # software disable masks every LVT entry (11.4.7.2)
                self._v[name][0] |= LVT_MASKED
        self.update()

    def read_ISR(self, cpu: int, index: int) -> int:
        return (self.isr >> (32 * index)) & 0xFFFFFFFF

    def read_TMR(self, cpu: int, index: int) -> int:
        return (self.tmr >> (32 * index)) & 0xFFFFFFFF

    def read_IRR(self, cpu: int, index: int) -> int:
        return (self.irr >> (32 * index)) & 0xFFFFFFFF

    def write_ESR(self, cpu: int, index: int, value: int) -> None:
        """A write latches the errors seen since the previous write (11.5.3)."""
        self._v["ESR"][0] = self.esr_pending
        self.esr_pending = 0

    def write_ICR_LO(self, cpu: int, index: int, value: int) -> None:
        self._v["ICR_LO"][0] = value & 0x000CCFFF & ~ICR_DELIVERY_STATUS
        self.bus.send_ipi(self, value, self.reg("ICR_HI"))

    def _write_lvt(self, name: str, value: int) -> None:
        if not self.enabled:
            value |= LVT_MASKED
        self._v[name][0] = value

    def write_LVT_TIMER(self, cpu: int, index: int, value: int) -> None:
        old_mode = self._timer_mode()
        self._write_lvt("LVT_TIMER", value)
        if self._timer_mode() != old_mode:
            self._timer_schedule()

    def write_LVT_CMCI(self, cpu: int, index: int, value: int) -> None:
        self._write_lvt("LVT_CMCI", value)

    def write_LVT_THERMAL(self, cpu: int, index: int, value: int) -> None:
        self._write_lvt("LVT_THERMAL", value)

    def write_LVT_PMC(self, cpu: int, index: int, value: int) -> None:
        self._write_lvt("LVT_PMC", value)

    def write_LVT_LINT0(self, cpu: int, index: int, value: int) -> None:
        self._write_lvt("LVT_LINT0", value)

    def write_LVT_LINT1(self, cpu: int, index: int, value: int) -> None:
        self._write_lvt("LVT_LINT1", value)

    def write_LVT_ERROR(self, cpu: int, index: int, value: int) -> None:
        self._write_lvt("LVT_ERROR", value)

    # -- timer (SDM 11.5.4) ------------------------------------------------
    def divider(self) -> int:
        dcr = self.reg("TIMER_DCR")
        code = (dcr & 3) | ((dcr >> 1) & 4)
        return 1 if code == 7 else 2 << code

    def tick_ps(self) -> int:
        return self.divider() * PS_PER_S // self.bus_hz

    def _timer_mode(self) -> int:
        return (self.reg("LVT_TIMER") >> LVT_TIMER_MODE_SHIFT) & 3

    def _period_ps(self) -> int:
        return self.reg("TIMER_ICR") * self.tick_ps()

    def _timer_stop(self) -> None:
        if self.t_event is not None:
            self.t_event.cancel()
        self.t_event = None

    def _timer_schedule(self) -> None:
        """(Re)schedule the next expiry from t_start, t_fired and the current mode."""
        self._timer_stop()
        initial = self.reg("TIMER_ICR")
        mode = self._timer_mode()
        if initial == 0 or mode == TIMER_TSC_DEADLINE:
            return
        if mode == TIMER_ONESHOT and self.t_fired:
            return
        when = self.t_start + (self.t_fired + 1) * self._period_ps()
        self.t_event = self.machine.schedule(when, self._timer_fire, f"{self.name}.timer")

    def _timer_fire(self) -> None:
        self.t_event = None
        self.t_fired += 1
        lvt = self.reg("LVT_TIMER")
        if not lvt & LVT_MASKED:
            self.accept(lvt & 0xFF, source="lapic-timer")
        self._timer_schedule()

    def write_TIMER_ICR(self, cpu: int, index: int, value: int) -> None:
        if self._timer_mode() == TIMER_TSC_DEADLINE:
            return  # ignored in TSC-deadline mode
        self._v["TIMER_ICR"][0] = value
        self.t_start = self.machine.now(cpu)
        self.t_fired = 0
        self._timer_schedule()

    def current_count(self, now: int) -> int:
        initial = self.reg("TIMER_ICR")
        if initial == 0 or self._timer_mode() == TIMER_TSC_DEADLINE:
            return 0
        ticks = (now - self.t_start) // self.tick_ps()
        if self._timer_mode() == TIMER_PERIODIC:
            return initial - ticks % initial
        return max(0, initial - ticks)

    def read_TIMER_CCR(self, cpu: int, index: int) -> int:
        return self.current_count(self.machine.now(cpu))

    def write_TIMER_DCR(self, cpu: int, index: int, value: int) -> None:
        """A new divider applies from now on; the current count is kept."""
        now = self.machine.now(cpu)
        count = self.current_count(now)
        self._v["TIMER_DCR"][0] = value
        initial = self.reg("TIMER_ICR")
        if initial and self.t_event is not None:
            self.t_start = now - (initial - count) * self.tick_ps()
            self.t_fired = 0
            self._timer_schedule()


class LocalAPICs(Device):
    """The LAPIC window at 0xFEE00000 (banked by CPU), the APIC bus, the INTA source."""

    SIZE = 0x1000

    def __init__(self, machine: Any, arch: Any, num_cpus: int, base: int = LAPIC_BASE, *,
                 bus_hz: int = APIC_BUS_HZ) -> None:
        super().__init__(machine, base, "lapic")
        self.board: Any = machine  #: the Machine: CPU hold/release for INIT/SIPI
        self.arch = arch
        self.names: dict[int, str] = {}
        self.apics = [LocalAPIC(machine, self, cpu, base, bus_hz=bus_hz)
                      for cpu in range(num_cpus)]
        #: vector -> acknowledged interrupts per CPU
        self.ack_counts: dict[int, list[int]] = {}
        self.ioapics: list[Any] = []

    def mmio_read(self, cpu: int, offset: int, size: int) -> int:
        return self.apics[cpu].mmio_read(cpu, offset, size)

    def mmio_write(self, cpu: int, offset: int, size: int, value: int) -> None:
        self.apics[cpu].mmio_write(cpu, offset, size, value)

    def acknowledge(self, cpu: int) -> int:
        """The INTA cycle of ``cpu``: the vector it takes."""
        v = self.apics[cpu].acknowledge()
        counts = self.ack_counts.setdefault(v, [0] * len(self.apics))
        counts[cpu] += 1
        return v

    def broadcast_eoi(self, vector: int) -> None:
        for io in self.ioapics:
            io.eoi(vector)

    # -- destinations (SDM 11.6.2) -----------------------------------------
    def targets(self, dest: int, logical: bool) -> list[LocalAPIC]:
        if not logical:
            return [a for a in self.apics if dest == 0xFF or a.apic_id == dest]
        out = []
        for a in self.apics:
            ldr = a.reg("LDR") >> 24
            if dest == 0xFF:
                out.append(a)
            elif a.reg("DFR") >> 28 == 0xF:  # flat model
                if ldr & dest:
                    out.append(a)
            elif dest >> 4 == ldr >> 4 and dest & ldr & 0xF:  # cluster model
                out.append(a)
        return out

    def deliver(self, dest: int, logical: bool, mode: int, vector: int, level: bool = False,
                source: str = "", targets: list[LocalAPIC] | None = None) -> None:
        """An interrupt message on the APIC bus (from the IOAPIC or an IPI)."""
        apics = self.targets(dest, logical) if targets is None else targets
        if mode == DM_LOWEST and apics:
            apics = [min(apics, key=lambda a: (a.reg("TPR") & 0xFF, a.apic_id))]
        for a in apics:
            if mode in (DM_FIXED, DM_LOWEST):
                a.accept(vector, level, source)
            elif mode == DM_NMI:
                self.arch.raise_nmi(self.machine, a.cpu)
            elif mode == DM_INIT:  # the CPU waits for a SIPI
                a.reset()
                self.board.hold_cpu(a.cpu)
            elif mode == DM_SIPI:
                if self.board.cpus[a.cpu].state == "held":
                    self.board.release_cpu(a.cpu, (vector & 0xFF) << 12)

    def send_ipi(self, src: LocalAPIC, lo: int, hi: int) -> None:
        """A write to ICR_LO sends an IPI (SDM 11.6.1)."""
        vector = lo & 0xFF
        mode = (lo >> 8) & 7
        level = bool(lo & APIC_INT_ASSERT)
        trigger_level = bool(lo & APIC_INT_LEVELTRIG)
        shorthand = (lo >> APIC_DEST_SHORTHAND_SHIFT) & 3
        if mode == DM_INIT and trigger_level and not level:
            return  # INIT level de-assert: only synchronises arbitration IDs
        if mode in (DM_FIXED, DM_LOWEST) and vector < 16:
            src._error(ESR_SEND_ILLEGAL_VECTOR)
            return
        targets: list[LocalAPIC] | None = None
        if shorthand == SH_SELF:
            targets = [src]
        elif shorthand == SH_ALL:
            targets = list(self.apics)
        elif shorthand == SH_OTHERS:
            targets = [a for a in self.apics if a is not src]
        self.deliver(hi >> 24, bool(lo & APIC_DEST_LOGICAL), mode, vector, level=False,
                     source=f"ipi from cpu{src.cpu}", targets=targets)
