"""What the kernel model needs of the world, as small protocols, plus defaults.

The model never touches Unicorn or the Machine. The lead connects it to the
emulated cores by implementing:

- :class:`CpuOps`: which CPU the model runs on now, charging modelled cycles
  to it, its architectural interrupt mask, and simulated time;
- :class:`ChipIO`: 32-bit controller register accesses on behalf of a CPU
  (implemented over the device models, charging modelled MMIO cycles);
- :class:`Scheduler` (a base class, its optional members do nothing by default):
  waking kernel threads, the hard-IRQ exit hook, need_resched, the tick.

Standalone defaults (:class:`StandaloneCpuOps`, :class:`DeviceChipIO`,
:class:`DeferredRunner`) let the model run without cores, for unit tests and
model-level scenarios.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel


class CpuOps(Protocol):
    """The CPU the model is running on (the core that made the host call)."""

    def smp_processor_id(self) -> int: ...

    def charge(self, cycles: int) -> None:
        """Add ``cycles`` modelled cycles to this CPU (the cost of model work)."""
        ...

    def irqs_disabled(self) -> bool:
        """This CPU's architectural IRQ mask (CPSR.I, DAIF.I, !RFLAGS.IF)."""
        ...

    def local_irq_disable(self) -> None: ...

    def local_irq_enable(self) -> None: ...

    def now_ps(self) -> int:
        """Simulated time in picoseconds (this CPU's local time)."""
        ...


@runtime_checkable
class SwitchableCpuOps(CpuOps, Protocol):
    """CpuOps whose current CPU model code chooses (model CPUs, no cores):
    ``Kernel.on_cpu`` runs model code as another CPU through it."""

    def on_cpu(self, cpu: int) -> AbstractContextManager[None]: ...


class ChipIO(Protocol):
    """Interrupt-controller register access on behalf of a CPU (physical addresses)."""

    def read32(self, cpu: int, addr: int) -> int: ...

    def write32(self, cpu: int, addr: int, value: int) -> None: ...


class Scheduler:
    """What the kernel model asks of its scheduler; the defaults do nothing.

    :class:`DeferredRunner` (run woken threads after the hard IRQ) and
    :class:`~irqemu.kernel.sched.Sched` (run queues, policies, a backend that runs
    the decisions) implement it; kernel code calls the members directly.
    """

    def attach(self, kernel: Kernel) -> None:
        """The kernel is built (its per-CPU state and idle tasks exist)."""

    def wake_up_process(self, task: Task) -> bool:
        """Make ``task`` runnable; False if it already was."""
        raise NotImplementedError

    def hardirq_done(self, cpu: int) -> None:
        """Called when ``cpu`` leaves its outermost hard-IRQ (after irq_exit)."""

    def run_pending(self, limit: int = 1_000_000) -> int:
        """Run runnable tasks until none is left (a sleeping wait's stand-in);
        returns how many runs or slices."""
        return 0

    def need_resched(self, cpu: int) -> bool:
        """TIF_NEED_RESCHED on ``cpu``'s current task."""
        return False

    def irq_window(self, cpu: int) -> None:
        """Model code on ``cpu`` runs with interrupts enabled: take due hard IRQs."""

    def scheduler_tick(self, cpu: int) -> None:
        """The periodic tick on ``cpu`` (update_process_times)."""


# -- tasks ------------------------------------------------------------------------

SCHED_NORMAL, SCHED_FIFO, SCHED_RR = 0, 1, 2

PF_EXITING = 0x00000004
PF_FORKNOEXEC = 0x00000040
PF_SUPERPRIV = 0x00000100
PF_KTHREAD = 0x00200000

TASK_COMM_LEN = 16  #: comm holds 15 characters and the NUL


@dataclass(eq=False)
class Task:
    """A task_struct, reduced to what the IRQ layers and ``ps`` need."""

    pid: int
    comm: str
    ppid: int = 2
    policy: int = SCHED_NORMAL
    rt_priority: int = 0
    nice: int = 0
    flags: int = PF_KTHREAD | PF_FORKNOEXEC
    #: "S" sleeping, "R" runnable/running, "D", "X" dead
    state: str = "S"
    #: one iteration of the thread's main loop; run by the scheduler when woken
    fn: Callable[[], None] | None = None
    cpus_allowed: frozenset[int] | None = None  #: None = all CPUs
    cpu: int = 0  #: the CPU it last ran on
    sum_exec_ps: int = 0
    #: PREEMPT_RT softirq state (kept here for the softirq layer)
    softirq_nestcnt: int = 0
    softirqs_raised: int = 0
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.comm = self.comm[: TASK_COMM_LEN - 1]  # __set_task_comm / strlcpy

    @property
    def is_kthread(self) -> bool:
        return bool(self.flags & PF_KTHREAD)

    @property
    def prio(self) -> int:
        """Kernel prio: 99 - rt_priority for RT tasks, 120 + nice otherwise."""
        if self.policy in (SCHED_FIFO, SCHED_RR):
            return 99 - self.rt_priority
        return 120 + self.nice

    def __repr__(self) -> str:
        return f"<Task {self.pid} {self.comm}>"


# -- standalone defaults ----------------------------------------------------------


class StandaloneCpuOps:
    """CpuOps without cores: a settable current CPU, per-CPU cycle counters and
    mask flags, and time derived from the charged cycles of the busiest CPU."""

    def __init__(self, num_cpus: int = 1, hz: int = 1_000_000_000) -> None:
        self.num_cpus = num_cpus
        self.hz = hz
        self.cpu = 0
        self.cycles = [0] * num_cpus
        self.masked = [False] * num_cpus
        self.extra_ps = 0  #: advanced by ``advance_ps`` (idle time, tests)

    def smp_processor_id(self) -> int:
        return self.cpu

    def charge(self, cycles: int) -> None:
        self.cycles[self.cpu] += cycles

    def irqs_disabled(self) -> bool:
        return self.masked[self.cpu]

    def local_irq_disable(self) -> None:
        self.masked[self.cpu] = True

    def local_irq_enable(self) -> None:
        self.masked[self.cpu] = False

    def now_ps(self) -> int:
        return self.cycles[self.cpu] * 10**12 // self.hz + self.extra_ps

    def advance_ps(self, ps: int) -> None:
        self.extra_ps += ps

    @contextmanager
    def on_cpu(self, cpu: int) -> Iterator[None]:
        old, self.cpu = self.cpu, cpu
        try:
            yield
        finally:
            self.cpu = old


class DeviceChipIO:
    """ChipIO straight onto device models (``mmio_read(cpu, offset, size)``), no
    cycle charging: for model-level use. ``windows`` maps base address -> device."""

    def __init__(self, windows: Mapping[int, Any], sizes: Mapping[int, int] | None = None) -> None:
        self._windows = sorted(windows.items())
        self._sizes = dict(sizes or {})
        self.log: list[tuple[str, int, int, int]] | None = None  #: ("r"/"w", cpu, addr, value)

    def _find(self, addr: int) -> tuple[Any, int]:
        for base, dev in reversed(self._windows):
            size = self._sizes.get(base, getattr(dev, "SIZE", 0x1000))
            if base <= addr < base + size:
                return dev, addr - base
        raise ValueError(f"ChipIO: no controller at {addr:#010x}")

    def read32(self, cpu: int, addr: int) -> int:
        dev, off = self._find(addr)
        value = int(dev.mmio_read(cpu, off, 4))
        if self.log is not None:
            self.log.append(("r", cpu, addr, value))
        return value

    def write32(self, cpu: int, addr: int, value: int) -> None:
        dev, off = self._find(addr)
        if self.log is not None:
            self.log.append(("w", cpu, addr, value))
        dev.mmio_write(cpu, off, 4, value & 0xFFFFFFFF)


class DeferredRunner(Scheduler):
    """Placeholder scheduler: woken threads run after the hard IRQ returns,
    highest SCHED_FIFO priority first (then SCHED_OTHER), in wake order among
    equals, synchronously, on the CPU that woke them (if allowed, else the first
    allowed CPU). With ``autorun=False`` nothing runs until :meth:`run_pending`
    or :meth:`run_task` is called (tests step threads one by one).
    """

    def __init__(self, autorun: bool = True) -> None:
        self.autorun = autorun
        self.kernel: Kernel | None = None
        self.runqueue: list[tuple[Task, int]] = []  # (task, waking cpu)
        self._running = False

    def attach(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def wake_up_process(self, task: Task) -> bool:
        if task.state == "R" or task.state == "X":
            return False
        task.state = "R"
        cpu = self.kernel.ops.smp_processor_id() if self.kernel else 0
        self.runqueue.append((task, cpu))
        return True

    def hardirq_done(self, cpu: int) -> None:
        if self.autorun and self.runqueue:
            self.run_pending()

    def _pick(self) -> int:
        best = 0
        for i, (t, _c) in enumerate(self.runqueue):
            if t.prio < self.runqueue[best][0].prio:
                best = i
        return best

    def run_pending(self, limit: int = 1_000_000) -> int:
        """Run runnable tasks until none is left; return how many runs."""
        if self._running:
            return 0
        n = 0
        self._running = True
        try:
            while self.runqueue and n < limit:
                task, cpu = self.runqueue.pop(self._pick())
                self._run(task, cpu)
                n += 1
        finally:
            self._running = False
        return n

    def run_task(self, task: Task) -> bool:
        """Run one specific runnable task once (tests). False if it was not runnable."""
        for i, (t, cpu) in enumerate(self.runqueue):
            if t is task:
                del self.runqueue[i]
                self._run(task, cpu)
                return True
        return False

    def runnable(self) -> list[Task]:
        return [t for t, _ in self.runqueue]

    def _run(self, task: Task, cpu: int) -> None:
        k = self.kernel
        task.state = "S"
        if k is None or task.fn is None:
            return
        if task.cpus_allowed is not None and cpu not in task.cpus_allowed:
            cpu = min(task.cpus_allowed)
        k.run_task_on(cpu, task)


# -- probe points and model call stacks -------------------------------------------

#: code object of every traced model function -> its Linux name
KFUNC_NAMES: dict[CodeType, str] = {}
_BOUND: dict[tuple[CodeType, str], CodeType] = {}  #: (code with ..., name) -> bound code
#: the subset shown in call stacks (:func:`model_stack`, stackcount)
KFUNC_CODES: dict[CodeType, str] = {}

_F = TypeVar("_F", bound=Callable[..., Any])


def kfunc(name: str | None = None, *, stack: bool = True) -> Callable[[_F], _F]:
    """Declare a model function under its Linux name (default: its Python name):
    the one place the name is written.

    The body starts with ``kernel.fentry(..., *args)`` (ftrace's fentry: charge
    the function's modelled cost, fire the probes attached to it). The ``...``
    is the name's placeholder: this decorator binds it at definition time, by
    replacing the Ellipsis constant in the function's code with the name, so the
    call costs what ``kernel.enter("name", *args)`` costs and no frame is looked
    up. ``...`` must not be used for anything else in the body (a test checks).

    ``stack=False``: charged and probed, but not shown in call stacks (static
    inline functions, setup calls a stack capture does not show).

    Adds no wrapper and so no per-call cost: the function object is returned.
    """

    def deco(fn: _F) -> _F:
        linux = name or fn.__name__
        code = fn.__code__
        if Ellipsis in code.co_consts:
            # a nested model function is decorated each time its scope runs: bind its
            # code once, so the registries do not grow with every run
            bound = _BOUND.get((code, linux))
            if bound is None:
                bound = _BOUND[(code, linux)] = code.replace(co_consts=tuple(
                    linux if c is Ellipsis else c for c in code.co_consts))
            code = fn.__code__ = bound
        KFUNC_NAMES[code] = linux
        if stack:
            KFUNC_CODES[code] = linux
        return fn

    return deco


#: the KFUNC_CODES entry of a fast-path function that stands for several model
#: functions at once (:func:`frame_run`)
FRAME_RUN = "<frame run>"


def frame_run(fn: _F) -> _F:
    """Declare a fast-path function that does the work of several model functions in
    one Python frame. Its local ``frames`` names the model functions it stands for
    at each point, innermost first (it assigns a new tuple as it moves from one to
    the next), so :func:`model_stack` shows what the model functions themselves
    would show whenever the stack is looked at (a probe, a WARN's dump_stack)."""
    if "frames" not in fn.__code__.co_varnames:
        raise ValueError(f"{fn.__qualname__}: a frame run keeps its frames in a local 'frames'")
    KFUNC_CODES[fn.__code__] = FRAME_RUN
    return fn


#: code flags of frames that can be suspended and resumed by another caller
#: (inspect.CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR, without importing inspect)
_RESUMABLE = 0x20 | 0x80 | 0x200


class _Above:
    """:func:`model_stack`'s memo: the last walk's second model frame and the model
    names above it. While that frame lives, its callers are the same frames, and
    they are all in a call, so their names cannot change: a walk that reaches it
    again stops there. (A frame that can be suspended, a generator's, is never
    remembered: it may be resumed from another stack.) The hot case is a
    stackcount on a function a long-lived loop calls, as fec_enet_rx_queue calls
    napi_gro_receive once per frame, from 40 frames down."""

    frame: FrameType | None = None
    names: list[str] = []


def _names(f: FrameType, name: str) -> Sequence[str]:
    return f.f_locals["frames"] if name is FRAME_RUN else (name,)


def model_stack(limit: int = 64) -> list[str]:
    """The Linux names of the registered model functions on the Python stack,
    innermost first (what a stackcount on the model would show). A task's stack
    ends at ``ret_from_fork``, as in Linux: whatever Python frame ran the task (a
    hard IRQ's host call that woke it, a runner) is not part of it."""
    out: list[str] = []
    f: FrameType | None = sys._getframe(1)
    anchor: FrameType | None = None  #: the second model frame met
    mark = 0  #: len(out) after the anchor's own names
    seen = 0
    while f is not None and len(out) < limit:
        name = KFUNC_CODES.get(f.f_code)
        if name is not None:
            seen += 1
            if seen == 2:
                if f is _Above.frame:
                    out.extend(_names(f, name))
                    out.extend(_Above.names)
                    del out[limit:]
                    return out
                if not f.f_code.co_flags & _RESUMABLE:
                    anchor = f
            out.extend(_names(f, name))
            if f is anchor:
                mark = len(out)
            if name == "ret_from_fork":
                f = None  # a task's stack ends here: below it is the host's, not Linux's
                break
        f = f.f_back
    if anchor is not None and f is None:  # a whole walk: remember what is above
        _Above.frame, _Above.names = anchor, out[mark:]
    del out[limit:]
    return out


# -- task entry frames (what a stack trace of a kthread ends with) ----------------


@kfunc()
def ret_from_fork(task: Task) -> Any:
    """A task's first frame: kthreads continue in kthread(), user tasks in their body.
    Returns what the body returned (a generator for model tasks that yield)."""
    if task.is_kthread:
        return kthread(task)
    assert task.fn is not None
    return task.fn()


@kfunc()
def kthread(task: Task) -> Any:
    assert task.fn is not None
    return task.fn()
