"""The events ``irqemu record`` writes, declared once as the kernel declares them.

Each :class:`EventSpec` is one ``events/<system>/<name>/format`` file: its fields in
``TP_STRUCT__entry`` order (after the common header) and its ``print fmt``. The
kernel-side ones are Linux 4.6's (include/trace/events/irq.h, sched.h, napi.h,
ipi.h) on a 64-bit kernel; the ``irqemu`` system is the hardware side, which Linux
cannot trace: a core's exception entry and return, its mask bits, its interrupt
inputs and the devices' interrupt lines. A recorded event's values are a tuple in
the order of its spec's fields.
"""

from __future__ import annotations

from dataclasses import dataclass

#: field kinds: C declaration (``%s`` is the name), size, signed
KINDS: dict[str, tuple[str, int, int]] = {
    "int": ("int %s", 4, 1),
    "uint": ("unsigned int %s", 4, 0),
    "pid": ("pid_t %s", 4, 1),
    "long": ("long %s", 8, 1),
    "u64": ("u64 %s", 8, 0),
    "ptr": ("void * %s", 8, 0),
    "cptr": ("const char * %s", 8, 0),
    "comm": ("char %s[16]", 16, 1),
    "str": ("__data_loc char[] %s", 4, 1),
}

#: Linux 4.6's softirq names (show_softirq_name), the default ``__print_symbolic`` table
SOFTIRQ_NAMES = ("HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "BLOCK_IOPOLL", "TASKLET",
                 "SCHED", "HRTIMER", "RCU")

#: sched_switch's prev_state bits as 4.6's TP_printk names them; TASK_STATE_MAX marks
#: a preempted (still runnable) task, printed "R+"
PREV_STATE = {"S": 1, "D": 2, "X": 32}
TASK_STATE_MAX = 2048


@dataclass(frozen=True)
class EventSpec:
    system: str
    name: str
    fields: tuple[tuple[str, str], ...]  #: (kind, name)
    print_fmt: str


def _softirq(name: str) -> EventSpec:
    return EventSpec("irq", name, (("uint", "vec"),),
                     '"vec=%u [action=%s]", REC->vec, __print_symbolic(REC->vec, '
                     "@SOFTIRQS@)")


_SWITCH_FMT = (
    '"prev_comm=%s prev_pid=%d prev_prio=%d prev_state=%s%s ==> next_comm=%s next_pid=%d '
    'next_prio=%d", REC->prev_comm, REC->prev_pid, REC->prev_prio, '
    "REC->prev_state & (2048-1) ? __print_flags(REC->prev_state & (2048-1), \"|\", "
    '{ 1, "S"} , { 2, "D" }, { 4, "T" }, { 8, "t" }, { 16, "Z" }, { 32, "X" }, '
    '{ 64, "x" }, { 128, "K" }, { 256, "W" }, { 512, "P" }, { 1024, "N" }) : "R", '
    'REC->prev_state & 2048 ? "+" : "", REC->next_comm, REC->next_pid, REC->next_prio')

SPECS: tuple[EventSpec, ...] = (
    EventSpec("irq", "irq_handler_entry", (("int", "irq"), ("str", "name")),
              '"irq=%d name=%s", REC->irq, __get_str(name)'),
    EventSpec("irq", "irq_handler_exit", (("int", "irq"), ("int", "ret")),
              '"irq=%d ret=%s", REC->irq, REC->ret ? "handled" : "unhandled"'),
    _softirq("softirq_entry"), _softirq("softirq_exit"), _softirq("softirq_raise"),
    EventSpec("sched", "sched_switch",
              (("comm", "prev_comm"), ("pid", "prev_pid"), ("int", "prev_prio"),
               ("long", "prev_state"), ("comm", "next_comm"), ("pid", "next_pid"),
               ("int", "next_prio")), _SWITCH_FMT),
    EventSpec("sched", "sched_wakeup",
              (("comm", "comm"), ("pid", "pid"), ("int", "prio"), ("int", "success"),
               ("int", "target_cpu")),
              '"comm=%s pid=%d prio=%d target_cpu=%03d", REC->comm, REC->pid, REC->prio, '
              "REC->target_cpu"),
    EventSpec("napi", "napi_poll",
              (("ptr", "napi"), ("str", "dev_name"), ("int", "work"), ("int", "budget")),
              '"napi poll on napi struct %p for device %s work %d budget %d", REC->napi, '
              "__get_str(dev_name), REC->work, REC->budget"),
    EventSpec("ipi", "ipi_entry", (("cptr", "reason"),), '"(%s)", REC->reason'),
    EventSpec("ipi", "ipi_exit", (("cptr", "reason"),), '"(%s)", REC->reason'),
    EventSpec("irqemu", "exception_entry",
              (("u64", "pc"), ("uint", "line"), ("str", "kind")),
              '"kind=%s line=%u pc=0x%llx", __get_str(kind), REC->line, REC->pc'),
    EventSpec("irqemu", "exception_return",
              (("u64", "pc"), ("uint", "line"), ("str", "kind")),
              '"kind=%s line=%u pc=0x%llx", __get_str(kind), REC->line, REC->pc'),
    EventSpec("irqemu", "mask_change", (("int", "masked"), ("str", "bit")),
              '"%s=%d", __get_str(bit), REC->masked'),
    EventSpec("irqemu", "cpu_input", (("int", "level"), ("str", "input")),
              '"input=%s level=%d", __get_str(input), REC->level'),
    EventSpec("irqemu", "irq_line", (("int", "level"), ("str", "line")),
              '"line=%s level=%d", __get_str(line), REC->level'),
)

BY_NAME: dict[str, EventSpec] = {s.name: s for s in SPECS}
#: the kernel model's tracepoints recorded, and the event each becomes
KERNEL_TRACEPOINTS = {"irq_handler_entry": "irq_handler_entry",
                      "irq_handler_exit": "irq_handler_exit",
                      "softirq_raise": "softirq_raise", "softirq_entry": "softirq_entry",
                      "softirq_exit": "softirq_exit", "sched_switch": "sched_switch",
                      "sched_wakeup": "sched_wakeup", "napi_poll_tp": "napi_poll",
                      "ipi_entry": "ipi_entry", "ipi_exit": "ipi_exit"}
HARDWARE_EVENTS = ("exception_entry", "exception_return", "mask_change", "cpu_input",
                   "irq_line")

#: trace_entry.flags bits (TRACE_FLAG_*)
TRACE_FLAG_IRQS_OFF, TRACE_FLAG_HARDIRQ, TRACE_FLAG_SOFTIRQ = 0x01, 0x08, 0x10
