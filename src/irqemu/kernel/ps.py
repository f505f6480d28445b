"""``ps axl``-style listing of the model's tasks (procps output.c formats).

Columns F UID PID PPID PRI NI VSZ RSS WCHAN STAT TTY TIME COMMAND. As in
procps: F is (task flags >> 6) & 7 (kthreads show 1, PF_FORKNOEXEC), PRI is
the /proc/PID/stat priority (prio - 100: 20 for nice 0, -(rt_priority + 1) for
SCHED_FIFO, so -51 for an irq thread at 50), kthreads are shown in [brackets]
with VSZ and RSS 0. NI and WCHAN are shown as on the talk's slide ("0", "-").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from irqemu.kernel.context import Task

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

HEADER = "F   UID   PID  PPID PRI  NI    VSZ   RSS WCHAN  STAT TTY        TIME COMMAND"


def _time(ps: int) -> str:
    s = ps // 10**12
    return f"{s // 60}:{s % 60:02d}"


def ps_line(t: Task) -> str:
    f = (t.flags >> 6) & 7
    pri = t.prio - 100
    cmd = f"[{t.comm}]" if t.is_kthread else f"/sbin/{t.comm}" if t.comm == "init" else t.comm
    stat = t.state if t.state in ("R", "S", "D") else "S"
    if not t.is_kthread and t.pid == 1:
        stat += "s"
    vsz, rss = (0, 0) if t.is_kthread else (1640, 496)
    return (f"{f:1d} {0:5d} {t.pid:5d} {t.ppid:5d} {pri:3d} {t.nice:3d} {vsz:6d} {rss:5d} "
            f"{'-':<6} {stat:<4} {'?':<8} {_time(t.sum_exec_ps):>6} {cmd}")


def ps_axl(kernel: Kernel, grep: str | None = None) -> str:
    """All tasks by PID (``grep`` keeps the header and lines containing it, like
    ``ps axl | grep irq`` without the header loss)."""
    lines = [HEADER]
    for pid in sorted(kernel.tasks):
        line = ps_line(kernel.tasks[pid])
        if grep is None or grep in line:
            lines.append(line)
    return "\n".join(lines) + "\n"
