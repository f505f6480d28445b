"""Tracepoints with Linux's names and fields, recorded and printed as ftrace does.

Events (include/trace/events/irq.h, sched.h):
irq_handler_entry "irq=%d name=%s"; irq_handler_exit "irq=%d ret=%s" (``ret ?
"handled" : "unhandled"``: IRQ_WAKE_THREAD prints as handled);
softirq_raise / softirq_entry / softirq_exit "vec=%u [action=%s]";
sched_switch "prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s ==> next_comm=%s
next_pid=%d next_prio=%d"; sched_wakeup "comm=%s pid=%d prio=%d target_cpu=%03d".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from irqemu.kernel import Kernel

EVENTS = ("irq_handler_entry", "irq_handler_exit", "softirq_raise", "softirq_entry",
          "softirq_exit", "sched_switch", "sched_wakeup")


@dataclass
class TraceEvent:
    ts_ps: int
    cpu: int
    comm: str
    pid: int
    name: str
    fields: dict[str, Any]
    flags: str = "...."

    def format(self) -> str:
        sec, rem = divmod(self.ts_ps, 10**12)
        task = f"{self.comm}-{self.pid}"
        return (f"{task:>16s} [{self.cpu:03d}] {self.flags} {sec:5d}.{rem // 10**6:06d}: "
                f"{self.name}: {_fmt(self.name, self.fields)}")


def _fmt(name: str, f: dict[str, Any]) -> str:
    if name == "irq_handler_entry":
        return f"irq={f['irq']} name={f['name']}"
    if name == "irq_handler_exit":
        return f"irq={f['irq']} ret={'handled' if f['ret'] else 'unhandled'}"
    if name.startswith("softirq_"):
        return f"vec={f['vec']} [action={f['action']}]"
    if name == "sched_switch":
        return (f"prev_comm={f['prev_comm']} prev_pid={f['prev_pid']} "
                f"prev_prio={f['prev_prio']} prev_state={f['prev_state']} ==> "
                f"next_comm={f['next_comm']} next_pid={f['next_pid']} "
                f"next_prio={f['next_prio']}")
    if name == "sched_wakeup":
        return (f"comm={f['comm']} pid={f['pid']} prio={f['prio']} "
                f"target_cpu={f['target_cpu']:03d}")
    return " ".join(f"{k}={v}" for k, v in f.items())


class Tracer:
    """Record the named tracepoints (all of :data:`EVENTS` by default)."""

    def __init__(self, kernel: Kernel, events: tuple[str, ...] | list[str] = EVENTS,
                 limit: int = 1_000_000) -> None:
        self.kernel = kernel
        self.events = tuple(events)
        self.limit = limit
        self.buffer: list[TraceEvent] = []
        self.dropped = 0
        self._on = False

    def _flags(self) -> str:
        k = self.kernel
        cpu = k.ops.smp_processor_id()
        pc = k.preempt_count[cpu]
        irqs = "d" if k.ops.irqs_disabled() else "."
        ctx = "h" if pc & 0xF0000 else "s" if pc & 0xFF00 else "."
        return f"{irqs}.{ctx}{pc & 0xFF:x}" if pc & 0xFF else f"{irqs}.{ctx}."

    def _record(self, kernel: Kernel, name: str, *args: Any) -> None:
        if len(self.buffer) >= self.limit:
            self.dropped += 1
            return
        cpu = kernel.ops.smp_processor_id()
        cur = kernel.current[cpu]
        fields = self._fields(name, args)
        self.buffer.append(TraceEvent(kernel.ops.now_ps(), cpu, cur.comm, cur.pid, name,
                                      fields, self._flags()))

    def _fields(self, name: str, args: tuple[Any, ...]) -> dict[str, Any]:
        k = self.kernel
        if name == "irq_handler_entry":
            irq, action = args[0], args[1]
            return {"irq": irq, "name": getattr(action, "name", str(action))}
        if name == "irq_handler_exit":
            # TP_fast_assign keeps the irqreturn_t as is; TP_printk prints
            # ret ? "handled" : "unhandled", so IRQ_WAKE_THREAD shows as handled
            return {"irq": args[0], "ret": int(args[2]) if len(args) > 2 else 0}
        if name.startswith("softirq_"):
            vec = int(args[0])
            names = getattr(k.softirq, "names", ())
            return {"vec": vec, "action": names[vec] if vec < len(names) else "?"}
        if name == "sched_switch":
            prev, nxt = args[0], args[1]
            st = prev.state if prev.state in ("S", "D", "X") else "R"
            if prev.state == "R" and prev.pid:
                st = "R+"
            return {"prev_comm": prev.comm, "prev_pid": prev.pid, "prev_prio": prev.prio,
                    "prev_state": st, "next_comm": nxt.comm, "next_pid": nxt.pid,
                    "next_prio": nxt.prio}
        if name == "sched_wakeup":
            t, target = args[0], args[1]
            return {"comm": t.comm, "pid": t.pid, "prio": t.prio, "target_cpu": target}
        return {f"arg{i}": a for i, a in enumerate(args)}

    def start(self) -> Tracer:
        if not self._on:
            for e in self.events:
                self.kernel.register_kprobe(e, self._record)
            self._on = True
        return self

    def stop(self) -> None:
        if self._on:
            for e in self.events:
                self.kernel.unregister_kprobe(e, self._record)
            self._on = False

    def __enter__(self) -> Tracer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def count(self, name: str) -> int:
        return sum(1 for e in self.buffer if e.name == name)

    def format(self, last: int | None = None) -> str:
        evs = self.buffer if last is None else self.buffer[-last:]
        head = ["# tracer: nop", "#", "#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION",
                "#              | |       |   ||||       |         |"]
        return "\n".join(head + [e.format() for e in evs]) + "\n"


__all__ = ["EVENTS", "TraceEvent", "Tracer"]
