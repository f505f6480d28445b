"""The ARM generic timer (ARMv8-A ARM ARM chapter D11): per-CPU physical and virtual timers.

It has no MMIO: the guest reaches it through system registers (CNTFRQ_EL0,
CNTPCT_EL0, CNTVCT_EL0, CNTP_/CNTV_ TVAL/CTL/CVAL_EL0), which
``irqemu.arch.aarch64`` traps with Unicorn MRS/MSR hooks and forwards to
``sysreg_read`` / ``sysreg_write``. The system counter is derived from
simulated time only: ``count = now_ps * hz // 10**12``, and CNTVOFF is 0 so
the virtual count equals the physical one (as QEMU's virt without EL2 software).

Behaviour follows QEMU's target/arm/helper.c (gt_recalc_timer, gt_tval_read,
gt_tval_write): ISTATUS = ENABLE and count >= CVAL; the output is the level
``ENABLE and ISTATUS and not IMASK``; a TVAL write sets CVAL = count +
SignExtend(TVAL[31:0]); a TVAL read is (CVAL - count)[31:0]. Each timer's
output is an ``IrqLine`` for its PPI on its own CPU (virt board: virtual 27,
non-secure physical 30). An event is scheduled only for the next expiry.
"""

from __future__ import annotations

from irqemu.devices.base import IrqLine, MachineContext
from irqemu.sim.events import Event

PS_PER_S = 10**12
CTL_ENABLE, CTL_IMASK, CTL_ISTATUS = 1, 2, 4
MASK64 = (1 << 64) - 1
#: QEMU's default counter frequency up to 8.x: 1 GHz / GTIMER_SCALE (16)
QEMU_CNTFRQ = 62_500_000


class _Timer:
    """One CPU's physical or virtual timer: CTL and CVAL against the system counter."""

    def __init__(self, owner: ArmGenericTimer, cpu: int, kind: str) -> None:
        self.owner = owner
        self.cpu = cpu
        self.kind = kind
        self.irq = IrqLine(f"{owner.name}.{kind}.cpu{cpu}")
        self.ctl = 0
        self.cval = 0
        self.event: Event | None = None

    def istatus(self, count: int) -> bool:
        return bool(self.ctl & CTL_ENABLE) and count >= self.cval

    def read_ctl(self, count: int) -> int:
        return (self.ctl & (CTL_ENABLE | CTL_IMASK)) | (CTL_ISTATUS if self.istatus(count) else 0)

    def recalc(self, now: int) -> None:
        """Drive the output for time ``now`` and schedule the next expiry if any."""
        count = self.owner.count(now)
        ist = self.istatus(count)
        self.irq.set(ist and not self.ctl & CTL_IMASK)
        if self.event is not None:
            self.event.cancel()
            self.event = None
        if self.ctl & CTL_ENABLE and not ist:
            when = self.owner.time_of(self.cval)
            self.event = self.owner.machine.schedule(
                when, self._expire, f"{self.owner.name}.{self.kind}.cpu{self.cpu}")

    def _expire(self) -> None:
        self.event = None
        self.recalc(self.owner.machine.now())


class ArmGenericTimer:
    """Per-CPU ARM generic timers and the system counter they compare against.

    ``virt_irqs[n]`` / ``phys_irqs[n]`` are CPU n's virtual / non-secure physical
    timer outputs (level-sensitive PPIs).
    """

    def __init__(self, machine: MachineContext, name: str = "generic_timer", *,
                 hz: int = QEMU_CNTFRQ, num_cpus: int | None = None) -> None:
        if hz <= 0:
            raise ValueError("counter frequency must be positive")
        self.machine = machine
        self.name = name
        self.hz = hz
        n = machine.num_cpus if num_cpus is None else num_cpus
        self.phys = [_Timer(self, cpu, "phys") for cpu in range(n)]
        self.virt = [_Timer(self, cpu, "virt") for cpu in range(n)]
        self.phys_irqs = [t.irq for t in self.phys]
        self.virt_irqs = [t.irq for t in self.virt]

    def reset(self) -> None:
        for t in self.phys + self.virt:
            t.ctl = t.cval = 0
            t.recalc(0)

    # -- the system counter ---------------------------------------------------
    def count(self, now_ps: int) -> int:
        return (now_ps * self.hz // PS_PER_S) & MASK64

    def time_of(self, count: int) -> int:
        """The first picosecond at which the counter reads ``count`` or more."""
        return -(-count * PS_PER_S // self.hz)

    # -- system-register view (what MRS/MSR see on CPU ``cpu``) -----------------
    def _timer(self, cpu: int, name: str) -> _Timer:
        return (self.virt if name.startswith("CNTV_") else self.phys)[cpu]

    def sysreg_read(self, cpu: int, name: str) -> int:
        count = self.count(self.machine.now(cpu))
        if name == "CNTFRQ_EL0":
            return self.hz
        if name in ("CNTPCT_EL0", "CNTVCT_EL0"):
            return count
        t = self._timer(cpu, name)
        if name.endswith("_CTL_EL0"):
            return t.read_ctl(count)
        if name.endswith("_CVAL_EL0"):
            return t.cval
        if name.endswith("_TVAL_EL0"):
            return (t.cval - count) & 0xFFFFFFFF
        raise ValueError(f"{self.name}: no register {name}")

    def sysreg_write(self, cpu: int, name: str, value: int) -> None:
        if name in ("CNTFRQ_EL0", "CNTPCT_EL0", "CNTVCT_EL0"):
            return  # CNTFRQ_EL0 is writable only at the highest EL; counters are RO
        now = self.machine.now(cpu)
        t = self._timer(cpu, name)
        if name.endswith("_CTL_EL0"):
            t.ctl = value & (CTL_ENABLE | CTL_IMASK)
        elif name.endswith("_CVAL_EL0"):
            t.cval = value & MASK64
        elif name.endswith("_TVAL_EL0"):
            tval = value & 0xFFFFFFFF
            if tval & 0x80000000:
                tval -= 1 << 32
            t.cval = (self.count(now) + tval) & MASK64
        else:
            raise ValueError(f"{self.name}: no register {name}")
        t.recalc(now)
