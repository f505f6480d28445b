"""``irqemu record``: collect what a boot, scenario or bench run did, for the writers.

A :class:`Recorder` listens to the kernel model's tracepoints (irq, sched, napi,
ipi) on every kernel it is given and, on every machine built while it is installed
(``machine.MACHINE_CREATED``), to the hardware: each interrupt a core takes (the
machine's ``interrupt_hooks``; the native fabric's C loop steps aside while one is
set, so interrupts are then taken by the machine's Python entry), the return from
it and the mask bits (a Unicorn block hook per core: both are seen at block
boundaries, where a core can take an interrupt), the cores' interrupt inputs and
the devices' interrupt lines. Nothing here runs unless a recorder is installed.

Each kernel or machine run starts at simulated time 0; a command that runs several
(a sweep, mainline then rt) gets them one after the other, each *segment* starting
where the previous one ended. Times are simulated picoseconds only, so the same run
records the same events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irqemu.trace.events import (
    KERNEL_TRACEPOINTS,
    PREV_STATE,
    SOFTIRQ_NAMES,
    TASK_STATE_MAX,
    TRACE_FLAG_HARDIRQ,
    TRACE_FLAG_IRQS_OFF,
    TRACE_FLAG_SOFTIRQ,
)

if TYPE_CHECKING:
    from irqemu.kernel import Kernel
    from irqemu.machine.machine import Machine

#: the gap between two segments (one run's end and the next run's start)
SEGMENT_GAP_PS = 1_000_000

#: where the modelled kernel's napi_structs "are" (napi_poll prints their address)
NAPI_BASE = 0xFFFF800010A00000

#: the mask bit of each interrupt input, by architecture (the manuals' names)
MASK_BITS = {"armv7": ("CPSR.I", "CPSR.F"), "aarch64": ("PSTATE.I", "PSTATE.F"),
             "x86_64": ("RFLAGS.IF",)}


@dataclass(slots=True)
class Rec:
    """One event: simulated time, CPU, task, ftrace's common flags and preempt count."""

    ts_ps: int
    cpu: int
    pid: int
    flags: int
    preempt: int
    name: str
    values: tuple[Any, ...]


@dataclass
class Segment:
    """One machine's or model kernel's run inside the recording."""

    label: str
    base_ps: int
    machine: Any = None
    kernels: list[Any] = field(default_factory=list)


class Recorder:
    """Collect events from kernels and machines; hand them to a writer."""

    def __init__(self, hardware: bool = True) -> None:
        self.hardware = hardware
        self.events: list[Rec] = []
        self.comms: dict[int, str] = {0: "<idle>"}
        self.segments: list[Segment] = []
        self.nr_cpus = 1
        self.softirq_names: tuple[str, ...] = SOFTIRQ_NAMES
        self.end_ps = 0
        #: the first kernel's release (Perfetto reads sched_switch's prev_state by it)
        self.release = "4.6.0"
        #: napi_struct -> the address napi_poll prints (kept alive with its instance)
        self.napi_addresses: dict[int, tuple[Any, int]] = {}

    # -- segments ---------------------------------------------------------------
    def _segment_for(self, machine: Any, label: str) -> Segment:
        """The current segment if it is ``machine``'s, else a new one after it."""
        if machine is not None:
            for seg in reversed(self.segments):
                if seg.machine is machine:
                    return seg
        base = self.end_ps + SEGMENT_GAP_PS if self.segments else 0
        seg = Segment(label, base, machine)
        self.segments.append(seg)
        return seg

    def _add(self, seg: Segment, ts_ps: int, cpu: int, pid: int, flags: int, preempt: int,
             name: str, values: tuple[Any, ...]) -> None:
        ts = seg.base_ps + ts_ps
        if ts > self.end_ps:
            self.end_ps = ts
        self.events.append(Rec(ts, cpu, pid, flags, preempt, name, values))

    # -- the kernel model -------------------------------------------------------
    def attach_kernel(self, kernel: Kernel) -> KernelProbe:
        """Record ``kernel``'s tracepoints (a scenario observer's signature)."""
        machine = getattr(kernel.ops, "machine", None)
        seg = self._segment_for(machine, kernel.config.release)
        if not any(s.kernels for s in self.segments):
            self.release = str(kernel.config.release)
        seg.kernels.append(kernel)
        self.nr_cpus = max(self.nr_cpus, kernel.num_cpus)
        names = getattr(kernel.softirq, "names", None)
        if names:
            self.softirq_names = tuple(names)
        for t in kernel.tasks.values():
            self.comms.setdefault(t.pid, t.comm)
        return KernelProbe(self, kernel, seg).start()

    # -- the hardware -------------------------------------------------------------
    def attach_machine(self, machine: Machine) -> None:
        """Record ``machine``'s exception entries and returns, mask bits, inputs, lines."""
        seg = self._segment_for(machine, machine.arch.name)
        self.nr_cpus = max(self.nr_cpus, len(machine.cpus))
        if self.hardware:
            HardwareProbe(self, machine, seg).start()

    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        """While inside: every Machine built is recorded (``MACHINE_CREATED``)."""
        from irqemu.machine import machine as machine_mod

        machine_mod.MACHINE_CREATED.append(self.attach_machine)
        try:
            yield self
        finally:
            machine_mod.MACHINE_CREATED.remove(self.attach_machine)

    def sorted_events(self) -> list[Rec]:
        """Every event in time order (ties: the order they were recorded)."""
        return sorted(self.events, key=lambda e: e.ts_ps)


class KernelProbe:
    """The kprobes on one kernel's tracepoints, turning each hit into a :class:`Rec`."""

    def __init__(self, rec: Recorder, kernel: Kernel, seg: Segment) -> None:
        self.rec, self.kernel, self.seg = rec, kernel, seg
        self.ipi_reasons: dict[str, int] = {}

    def start(self) -> KernelProbe:
        for tp in KERNEL_TRACEPOINTS:
            self.kernel.register_kprobe(tp, self._hit)
        return self

    def _context(self) -> tuple[int, int, int, int]:
        """CPU, current pid, ftrace's common_flags and preempt_count byte."""
        k = self.kernel
        cpu = k.ops.smp_processor_id()
        pc = k.preempt_count[cpu]
        flags = TRACE_FLAG_IRQS_OFF if k.ops.irqs_disabled() else 0
        if pc & 0xF0000:
            flags |= TRACE_FLAG_HARDIRQ
        if pc & 0xFF00:
            flags |= TRACE_FLAG_SOFTIRQ
        return cpu, k.current[cpu].pid, flags, pc & 0xFF

    def _hit(self, kernel: Kernel, tp: str, *args: Any) -> None:
        name = KERNEL_TRACEPOINTS[tp]
        cpu, pid, flags, preempt = self._context()
        values = getattr(self, "_v_" + name)(*args)
        self.rec._add(self.seg, kernel.ops.now_ps(), cpu, pid, flags, preempt, name, values)

    def _v_irq_handler_entry(self, irq: int, action: Any, *_: Any) -> tuple[Any, ...]:
        return (irq, str(getattr(action, "name", action)))

    def _v_irq_handler_exit(self, irq: int, action: Any = None, ret: Any = 0
                            ) -> tuple[Any, ...]:
        return (irq, int(ret))

    def _v_softirq_entry(self, vec: int, *_: Any) -> tuple[Any, ...]:
        return (int(vec),)

    _v_softirq_exit = _v_softirq_raise = _v_softirq_entry

    def _task(self, t: Any) -> None:
        self.rec.comms.setdefault(t.pid, t.comm)

    def _v_sched_switch(self, prev: Any, nxt: Any, *_: Any) -> tuple[Any, ...]:
        self._task(prev)
        self._task(nxt)
        state = PREV_STATE.get(prev.state, 0)
        if not state and prev.pid:
            state = TASK_STATE_MAX  # preempted while runnable: "R+"
        return (prev.comm, prev.pid, prev.prio, state, nxt.comm, nxt.pid, nxt.prio)

    def _v_sched_wakeup(self, t: Any, target: int, *_: Any) -> tuple[Any, ...]:
        self._task(t)
        return (t.comm, t.pid, t.prio, 1, int(target))

    def _v_napi_poll(self, n: Any, work: int, budget: int, *_: Any) -> tuple[Any, ...]:
        dev = getattr(n, "dev", None)
        name = getattr(dev, "name", None) or getattr(n, "name", "napi")
        return (self._napi_address(n), str(name), int(work), int(budget))

    def _napi_address(self, n: Any) -> int:
        """A stable stand-in for &napi_struct: one per instance, in first-poll order."""
        addrs = self.rec.napi_addresses
        key = id(n)
        if key not in addrs:
            addrs[key] = (n, NAPI_BASE + 0x400 * len(addrs))
        return int(addrs[key][1])

    def _v_ipi_entry(self, reason: str, *_: Any) -> tuple[Any, ...]:
        return (str(reason),)

    _v_ipi_exit = _v_ipi_entry


class HardwareProbe:
    """A machine's hardware side: exception entry/return, mask bits, inputs, lines."""

    def __init__(self, rec: Recorder, machine: Machine, seg: Segment) -> None:
        self.rec, self.machine, self.seg = rec, machine, seg
        arch = machine.arch
        self.bits = MASK_BITS.get(arch.name, ("IRQ", "FIQ"))
        self.shifts = [s for s in arch.mask_shifts[:len(self.bits)]]
        self.mask_reg, self.invert, self.pc_reg = arch.mask_reg, arch.mask_invert, arch.pc_reg
        n = len(machine.cpus)
        self.masks: list[int | None] = [None] * n
        #: per core: (return pc, input line) of each exception taken and not yet returned
        self.returns: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        self.inputs = [0] * n
        self._lines_done = False

    def start(self) -> None:
        m = self.machine
        m.interrupt_hooks.append(self._entry)
        original = m.set_cpu_input

        def set_cpu_input(cpu: int, line: int, level: bool) -> None:
            self._input(cpu, line, bool(level))
            original(cpu, line, level)

        m.set_cpu_input = set_cpu_input  # type: ignore[method-assign]
        for slot in m.cpus:
            self._hook_core(slot)
        run = m.run

        def run_wrapped(**kw: Any) -> Any:
            self._hook_lines()
            return run(**kw)

        m.run = run_wrapped  # type: ignore[method-assign]

    def _pid(self, cpu: int) -> int:
        for k in self.seg.kernels:
            return int(k.current[cpu].pid)
        return 0

    def _add(self, ts: int, cpu: int, name: str, values: tuple[Any, ...]) -> None:
        self.rec._add(self.seg, ts, cpu, self._pid(cpu), 0, 0, name, values)

    def _entry(self, cpu: int, line: int, pc: int, ps: int) -> None:
        kind = self.machine.arch.interrupt_name(line)
        self.returns[cpu].append((pc, line))
        self._add(ps, cpu, "exception_entry", (pc, line, kind))

    def _input(self, cpu: int, line: int, level: bool) -> None:
        bit = 1 << line
        if bool(self.inputs[cpu] & bit) == level:
            return
        self.inputs[cpu] ^= bit
        self._add(self.machine.now(), cpu, "cpu_input",
                  (int(level), self.machine.arch.interrupt_name(line)))

    def _hook_core(self, slot: Any) -> None:
        import unicorn

        cpu = slot.index
        uc = slot.core.uc

        def block(uc_: Any, address: int, size: int, data: Any) -> None:
            self._block(slot, cpu, address)

        uc.hook_add(unicorn.UC_HOOK_BLOCK, block)

    def _block(self, slot: Any, cpu: int, address: int) -> None:
        """At a block boundary: an exception return and changed mask bits."""
        stack = self.returns[cpu]
        if stack:
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == address:
                    for pc, line in reversed(stack[i:]):
                        self._add(slot.local_ps(), cpu, "exception_return",
                                  (pc, line, self.machine.arch.interrupt_name(line)))
                    del stack[i:]
                    break
        v = slot.core.reg_read(self.mask_reg) ^ self.invert
        old = self.masks[cpu]
        if v == old:
            return
        self.masks[cpu] = v
        for name, shift in zip(self.bits, self.shifts, strict=True):
            now = v >> shift & 1
            if old is None or (old >> shift & 1) != now:
                self._add(slot.local_ps(), cpu, "mask_change", (now, name))

    def _hook_lines(self) -> None:
        """Once the board has added its devices: wrap each device's interrupt wires."""
        if self._lines_done:
            return
        self._lines_done = True
        from irqemu.devices.base import IrqLine

        for dev in self.machine.devices.values():
            for value in list(vars(dev).values()) if hasattr(dev, "__dict__") else ():
                wires = value if isinstance(value, list) else [value]
                for w in wires:
                    if isinstance(w, IrqLine):
                        self._wrap_line(w)

    def _wrap_line(self, line: Any) -> None:
        sink: Callable[[bool], None] | None = line._sink
        if sink is None:
            return
        m = self.machine

        def traced(level: bool) -> None:
            slot = m.current_cpu
            self._add(m.now(), 0 if slot is None else slot.index, "irq_line",
                      (int(level), line.name))
            sink(level)

        line._sink = traced


#: the formats ``irqemu record`` writes, and the file name endings that choose each
FORMATS = ("dat", "perfetto", "vcd")
EXTENSIONS = {".dat": "dat", ".perfetto-trace": "perfetto", ".pftrace": "perfetto",
              ".vcd": "vcd"}


def format_for(path: str) -> str | None:
    """The format a file name's ending asks for, or None."""
    for ext, fmt in EXTENSIONS.items():
        if path.endswith(ext):
            return fmt
    return None


def write(rec: Recorder, path: str, fmt: str) -> int:
    """Write the recording to ``path`` in ``fmt``; the number of events written."""
    if fmt == "dat":
        from irqemu.trace.tracedat import write_tracedat

        return write_tracedat(rec, path)
    if fmt == "perfetto":
        from irqemu.trace.pftrace import write_perfetto

        return write_perfetto(rec, path)
    if fmt == "vcd":
        from irqemu.trace.vcdout import write_vcd

        return write_vcd(rec, path)
    raise ValueError(f"unknown trace format {fmt!r} (have: {', '.join(FORMATS)})")
