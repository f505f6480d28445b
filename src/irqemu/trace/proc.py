"""/proc/softirqs (kernel/softirq.c show_softirqs, 4.6) and ``mpstat -I SCPU``.

/proc/softirqs: 20 spaces, then "CPU%-8d" per possible CPU; one row per vector,
"%12s:" then " %10u" per CPU. mpstat -I SCPU prints per-CPU softirq rates over
an interval; the talk's slides show the columns HI/s TIMER/s NET_TX/s NET_RX/s
BLOCK/s TASKLET/s SCHED/s HRTIMER/s RCU/s (vector 5 left out), which is the
default here (``all_vectors=True`` adds it under its version's name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
        return "\n".join(lines) + "\n"


__all__ = ["Mpstat", "proc_softirqs"]
