"""Observation: tracepoints with Linux's names and fields, kprobe-like probes, stack
counting like bcc's stackcount, and the /proc and mpstat views of softirqs.

- :class:`~irqemu.trace.tracepoints.Tracer`: irq_handler_entry/exit,
  softirq_raise/entry/exit, sched_switch, sched_wakeup, formatted as ftrace does;
- :class:`~irqemu.trace.kprobes.Kprobe`: pre/post handlers and hit counts on any
  model function name that calls ``kernel.enter(name, ...)``;
- :class:`~irqemu.trace.stackcount.StackCount`: ``kernel.stack()`` per hit,
  aggregated and printed like bcc's stackcount;
- :func:`~irqemu.trace.proc.proc_softirqs` and :class:`~irqemu.trace.proc.Mpstat`
  (``mpstat -I SCPU``).
"""

from irqemu.trace.kprobes import Kprobe
from irqemu.trace.proc import Mpstat, proc_softirqs
from irqemu.trace.stackcount import StackCount
from irqemu.trace.tracepoints import TraceEvent, Tracer

__all__ = ["Kprobe", "Mpstat", "StackCount", "TraceEvent", "Tracer", "proc_softirqs"]
