"""/proc/softirqs (kernel/softirq.c show_softirqs, 4.6) and ``mpstat -I SCPU``; the
JSON shapes of the kernel views (``irqemu ps|proc|mpstat --json``).

/proc/softirqs: 20 spaces, then "CPU%-8d" per possible CPU; one row per vector,
"%12s:" then " %10u" per CPU. mpstat -I SCPU prints per-CPU softirq rates over
an interval; the talk's slides show the columns HI/s TIMER/s NET_TX/s NET_RX/s
BLOCK/s TASKLET/s SCHED/s HRTIMER/s RCU/s (vector 5 left out), which is the
default here (``all_vectors=True`` adds it under its version's name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import SCHED_FIFO, SCHED_NORMAL, SCHED_RR
from irqemu.kernel.drivers.irq_apic import X86_ARCH_ROWS
from irqemu.kernel.genirq.proc import show_interrupts
from irqemu.kernel.ps import ps_axl
from irqemu.kernel.smp import ARM_IPI_TYPES
from irqemu.kernel.softirq import IRQ_POLL_SOFTIRQ, NR_SOFTIRQS, kernel_softirq

if TYPE_CHECKING:
    from irqemu.kernel import Kernel


def proc_softirqs(kernel: Kernel) -> str:
    s = kernel_softirq(kernel)
    out = [" " * 20 + "".join(f"CPU{c:<8d}" for c in range(kernel.num_cpus))]
    for nr in range(NR_SOFTIRQS):
        row = f"{s.names[nr]:>12s}:" + "".join(
            f" {s.kstat[c][nr]:10d}" for c in range(kernel.num_cpus))
        out.append(row)
    return "\n".join(out) + "\n"


class Mpstat:
    """``mpstat -I SCPU INTERVAL``: call :meth:`sample` at the interval's start and
    :meth:`report` at its end (simulated time)."""

    def __init__(self, kernel: Kernel, *, all_vectors: bool = False,
                 hostname: str = "irqemu") -> None:
        self.kernel = kernel
        self.all_vectors = all_vectors
        self.hostname = hostname
        self._t0 = 0
        self._k0: list[list[int]] = []
        self.sample()

    def sample(self) -> None:
        k = self.kernel
        self._t0 = max(self._now(c) for c in range(k.num_cpus))
        self._k0 = [list(r) for r in kernel_softirq(k).kstat]

    def _now(self, cpu: int) -> int:
        clock = getattr(self.kernel.ops, "clock", None)
        if clock is not None:
            return int(clock(cpu))
        return self.kernel.ops.now_ps()

    def vectors(self) -> list[int]:
        return [nr for nr in range(NR_SOFTIRQS) if self.all_vectors or nr != IRQ_POLL_SOFTIRQ]

    def rates(self) -> list[list[float]]:
        k = self.kernel
        t1 = max(self._now(c) for c in range(k.num_cpus))
        dt = max(1, t1 - self._t0) / 10**12
        ks = kernel_softirq(k).kstat
        return [[(ks[c][nr] - self._k0[c][nr]) / dt for nr in self.vectors()]
                for c in range(k.num_cpus)]

    def notes(self) -> list[str]:
        """Why TIMER/s may be far from HZ: no tick in the scenario's kernel, or an
        interval shorter than one tick period (mpstat would show the same)."""
        k = self.kernel
        hz = k.config.hz
        t1 = max(self._now(c) for c in range(k.num_cpus))
        out = []
        if getattr(k, "timers", None) is None:
            out.append("this scenario's kernel runs no periodic tick: TIMER/s stays 0")
        elif (t1 - self._t0) * hz < 10**12:
            out.append(f"the interval ({(t1 - self._t0) / 10**9:.1f} ms) is shorter than "
                       f"one tick (HZ={hz}): TIMER/s counts at most one tick")
        return out

    def as_json(self) -> dict[str, Any]:
        """Per CPU, softirqs per second of simulated time by vector name."""
        names = kernel_softirq(self.kernel).names
        vecs = self.vectors()
        return {"release": self.kernel.config.release, "notes": self.notes(),
                "cpus": [{"cpu": c, "per_s": {names[nr]: round(v, 2)
                                              for nr, v in zip(vecs, row, strict=True)}}
                         for c, row in enumerate(self.rates())]}

    def report(self) -> str:
        k = self.kernel
        s = kernel_softirq(k)
        arch = "armv7l" if k.config.arch == "arm" else "x86_64"
        cols = [f"{s.names[nr]}/s" for nr in self.vectors()]
        widths = [max(9, len(c)) for c in cols]
        head = f"Linux {k.config.release} ({self.hostname}) \t01/01/70 \t_{arch}_\t" \
               f"({k.num_cpus} CPU)"
        pairs = list(zip(cols, widths, strict=True))
        lines = [head, "", "CPU " + " ".join(f"{c:>{w}}" for c, w in pairs)]
        for c, row in enumerate(self.rates()):
            vals = zip(row, widths, strict=True)
            lines.append(f"{c:>3d} " + " ".join(f"{v:>{w}.2f}" for v, w in vals))
        lines.extend(f"(irqemu: {n})" for n in self.notes())
        return "\n".join(lines) + "\n"


def softirqs_json(kernel: Kernel) -> dict[str, Any]:
    """/proc/softirqs as data: per vector name, the count per CPU."""
    s = kernel_softirq(kernel)
    return {"release": kernel.config.release,
            "softirqs": [{"name": s.names[nr],
                          "counts": [s.kstat[c][nr] for c in range(kernel.num_cpus)]}
                         for nr in range(NR_SOFTIRQS)]}


def interrupts_json(kernel: Kernel) -> dict[str, Any]:
    """/proc/interrupts as data: the rows it shows (irq, per-CPU counts, chip, hwirq,
    type, flow handler, actions), then the architecture's rows (IPIs, or x86's
    NMI/LOC/...), then the error counters."""
    text = show_interrupts(kernel)
    shown = []
    for line in text.splitlines()[1:]:
        head = line.split(":", 1)[0].strip()
        if head.isdigit():
            shown.append(int(head))
    cpus = range(kernel.num_cpus)
    rows = []
    for irq in shown:
        desc = kernel.irq_descs[irq]
        data = desc.irq_data
        rows.append({
            "irq": irq, "counts": [desc.kstat_irqs[c] for c in cpus],
            "chip": data.chip.name or "-",
            "hwirq": data.hwirq if data.domain is not None else None,
            "type": "level" if data.irqd_is_level_type() else "edge",
            "handler": desc.name,
            "actions": [] if desc.chained else [a.name for a in desc.actions],
        })
    arch: list[dict[str, Any]] = []
    errors: dict[str, int] = {"ERR": kernel.irq_err_count}
    if kernel.config.arch == "arm":
        arch = [{"name": f"IPI{i}", "counts": [kernel.ipi_counts[c][i] for c in cpus],
                 "description": name} for i, name in enumerate(ARM_IPI_TYPES)]
        if kernel.fiq_owner:
            arch.insert(0, {"name": "FIQ", "owner": kernel.fiq_owner})
    else:
        arch = [{"name": sym, "counts": list(kernel.arch_stats[sym]), "description": name}
                for sym, name in X86_ARCH_ROWS]
        errors["MIS"] = kernel.irq_mis_count
    return {"release": kernel.config.release, "arch": kernel.config.arch,
            "num_cpus": kernel.num_cpus, "irqs": rows, "arch_rows": arch, "errors": errors}


#: sched_setscheduler's policy names
POLICIES = {SCHED_NORMAL: "SCHED_OTHER", SCHED_FIFO: "SCHED_FIFO", SCHED_RR: "SCHED_RR"}


def ps_lines(kernel: Kernel, *, all_tasks: bool = False) -> str:
    """``ps axl`` (or ``ps axl | grep irq/`` by default): the header and the lines."""
    return ps_axl(kernel, grep=None if all_tasks else "irq/")


def ps_json(kernel: Kernel, *, all_tasks: bool = False) -> dict[str, Any]:
    """The tasks ``ps`` shows: pid, ppid, comm, policy, priority (rt_priority, nice,
    and ps's PRI), state, kthread, and the simulated CPU time."""
    tasks = [kernel.tasks[pid] for pid in sorted(kernel.tasks)]
    if not all_tasks:
        tasks = [t for t in tasks if "irq/" in t.comm]
    return {"release": kernel.config.release, "threads": [
        {"pid": t.pid, "ppid": t.ppid, "comm": t.comm,
         "policy": POLICIES.get(t.policy, str(t.policy)), "rt_priority": t.rt_priority,
         "nice": t.nice, "pri": t.prio - 100, "state": t.state, "kthread": t.is_kthread,
         "cpu_time_ps": t.sum_exec_ps} for t in tasks]}


__all__ = ["POLICIES", "Mpstat", "interrupts_json", "proc_softirqs", "ps_json", "ps_lines",
           "softirqs_json"]
