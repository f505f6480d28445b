"""One deterministic run of a modelled driver on the modelled kernel (``irqemu fuzz genirq``).

The kernel runs beside the cores, as the Python model on model CPUs
(:func:`irqemu.kernel.sched.standalone_kernel`: per-CPU simulated clocks, the
real scheduler, softirqs, tasklets and genirq): a run is a few hundred
microseconds of host time, so a search tries thousands of schedules a minute.

The world around the driver is a small interrupt controller and one device per
line. A device counts the events it raised and not yet had acknowledged; a
level line is asserted while that count is non-zero, an edge line latches one
edge per event (cleared when the CPU takes it). The controller delivers a line
that is asserted or latched and not masked to the CPU its affinity names, when
that CPU has interrupts on: between task slices, or at a preemption point
(``ctx.preempt_point()``), where the hard IRQ nests in the running task as the
model's irq_window does. Every run records the kernel's own tracepoints
(irq_handler_entry/exit, softirq_entry/exit, sched_switch) plus the arrivals
and the driver's ``trace_printk`` lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from irqemu.fuzz.genirq_spec import Driver, DriverError, HandlerFn, Line, Request
from irqemu.kernel import Kernel
from irqemu.kernel.genirq.chip import (
    handle_edge_irq,
    handle_fasteoi_irq,
    irq_set_chip_and_handler_name,
)
from irqemu.kernel.genirq.irqdesc import handle_domain_irq, irq_alloc_descs_from
from irqemu.kernel.genirq.types import (
    IRQ_LEVEL,
    IRQ_TYPE_EDGE_RISING,
    IRQ_TYPE_LEVEL_HIGH,
    IRQD_LEVEL,
    IrqChip,
    IrqData,
)
from irqemu.kernel.sched import StandaloneRunner, runner_of, standalone_kernel
from irqemu.kernel.tasklet import TaskletStruct, tasklet_hi_schedule, tasklet_init, tasklet_schedule
from irqemu.trace.tracepoints import TraceEvent, Tracer

FIRST_IRQ = 32  #: the first Linux irq number the driver's lines get
KERNEL_EVENTS = ("irq_handler_entry", "irq_handler_exit", "softirq_entry", "softirq_exit",
                 "sched_switch")
SETTLE_PS = 10**9  #: after the last arrival, the world runs at most this long to settle
#: hard IRQs one run takes at most: more is a storm (a level line its handler never
#: acknowledges); Linux's "nobody cared" would need 100,000
MAX_HARDIRQS = 5_000
NS = 1000


@dataclass(frozen=True)
class Schedule:
    """What a search varies: each line's CPU (irq affinity, in the driver's line order)
    and the arrivals, ``(time_ns, line name)``, in time order."""

    affinity: tuple[int, ...]
    arrivals: tuple[tuple[int, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {"affinity": list(self.affinity), "arrivals": [list(a) for a in self.arrivals]}

    @staticmethod
    def from_json(d: Any) -> Schedule:
        return Schedule(tuple(int(c) for c in d["affinity"]),
                        tuple((int(t), str(ln)) for t, ln in d["arrivals"]))


@dataclass
class Facts:
    """What the world saw, for the invariant: events each device raised, events still
    unacknowledged after the run settled, handler calls, the kernel's warnings."""

    kernel: str
    cpus: int
    arrivals: dict[str, int]
    unhandled: dict[str, int]
    calls: dict[str, int]  #: handler and thread calls by request name ("name" / "name:thread")
    disabled: list[str]  #: lines left disabled (depth > 0) or masked
    warnings: list[str]
    settled: bool
    hardirqs: int = 0  #: hard IRQs the CPUs took

    def to_json(self) -> dict[str, Any]:
        return {"kernel": self.kernel, "cpus": self.cpus, "arrivals": self.arrivals,
                "unhandled": self.unhandled, "calls": self.calls, "disabled": self.disabled,
                "warnings": self.warnings, "settled": self.settled, "hardirqs": self.hardirqs}


@dataclass
class Outcome:
    """One run: whether the invariant held, why not, and the timeline."""

    passed: bool
    why: str
    facts: Facts
    events: list[TraceEvent] = field(repr=False)
    sim_time_ps: int = 0

    def to_json(self, lines: dict[int, str]) -> dict[str, Any]:
        return {"passed": self.passed, "why": self.why, "facts": self.facts.to_json(),
                "sim_time_ps": self.sim_time_ps,
                "timeline": [format_event(e, lines) for e in self.events]}


class _Device:
    """A device behind one line: unacknowledged events, and the controller's view."""

    def __init__(self, line: Line, irq: int, cpu: int) -> None:
        self.line = line
        self.irq = irq
        self.cpu = cpu  #: the controller's target (irq affinity)
        self.events = 0
        self.raised = 0
        self.latched = False  #: edge: an edge waits at the controller
        self.masked = False

    @property
    def edge(self) -> bool:
        return self.line.trigger == "edge"

    def asserted(self) -> bool:
        return self.latched if self.edge else self.events > 0

    def deliverable(self, cpu: int) -> bool:
        return self.cpu == cpu and not self.masked and self.asserted()


class Ctx:
    """The driver's view of the modelled kernel and its devices, passed to every
    handler, thread function and tasklet."""

    def __init__(self, world: World, state: Any) -> None:
        self._w = world
        self.state = state  #: the driver's state (``Driver.state()``, fresh each run)
        self.line: str | None = None  #: the line whose handler runs now (None in a tasklet)

    @property
    def kernel(self) -> Kernel:
        """The modelled kernel (for what the Ctx does not wrap)."""
        return self._w.k

    @property
    def cpu(self) -> int:
        return self._w.k.ops.smp_processor_id()

    @property
    def now_ns(self) -> int:
        return self._w.k.ops.now_ps() // NS

    def _dev(self, line: str | None) -> _Device:
        name = line or self.line
        if name is None:
            raise DriverError("ctx: name the line (no handler of a line runs here)")
        try:
            return self._w.devices[name]
        except KeyError:
            raise DriverError(f"ctx: no line {name!r}") from None

    def device_events(self, line: str | None = None) -> int:
        """Read the device's status: events raised and not yet acknowledged."""
        self._w.catch_up()
        return self._dev(line).events

    def device_ack(self, line: str | None = None, n: int | None = None) -> int:
        """Acknowledge ``n`` events (all by default) at the device; a level line
        deasserts when none is left. Returns how many were acknowledged."""
        self._w.catch_up()
        d = self._dev(line)
        took = d.events if n is None else max(0, min(n, d.events))
        d.events -= took
        return took

    def tasklet_schedule(self, name: str) -> bool:
        """tasklet_schedule (or tasklet_hi_schedule for a ``hi`` tasklet)."""
        return self._w.schedule_tasklet(name)

    def preempt_point(self) -> None:
        """A point where this code runs with interrupts on (a task: an irq thread,
        ksoftirqd): hard IRQs due by now are taken here, nested, and on mainline the
        softirqs they raise run at their irq_exit. A no-op with interrupts off."""
        k = self._w.k
        k.sched.irq_window(k.ops.smp_processor_id())

    def work(self, cycles: int) -> None:
        """Charge ``cycles`` modelled cycles of work (simulated time passes)."""
        self._w.k.ops.charge(max(0, int(cycles)))

    @contextmanager
    def bh_disabled(self) -> Iterator[None]:
        """local_bh_disable()/local_bh_enable() around the block (spin_lock_bh's bh
        part): no softirq runs on this CPU inside it."""
        k = self._w.k
        k.local_bh_disable()
        try:
            yield
        finally:
            k.local_bh_enable()

    @contextmanager
    def irqs_disabled(self) -> Iterator[None]:
        """local_irq_save()/local_irq_restore() around the block."""
        ops = self._w.k.ops
        was = ops.irqs_disabled()
        ops.local_irq_disable()
        try:
            yield
        finally:
            if not was:
                ops.local_irq_enable()

    def disable_irq_nosync(self, line: str | None = None) -> None:
        self._w.k.disable_irq_nosync(self._dev(line).irq)

    def enable_irq(self, line: str | None = None) -> None:
        self._w.k.enable_irq(self._dev(line).irq)

    def trace_printk(self, msg: str) -> None:
        """A line in the run's timeline, at this CPU and time."""
        self._w.note("trace_printk", {"msg": str(msg)})


class World:
    """The modelled kernel, the controller and the devices of one run."""

    def __init__(self, driver: Driver, kernel: str, cpus: int, schedule: Schedule) -> None:
        self.driver = driver
        self.k = standalone_kernel(kernel, cpus)
        self.runner: StandaloneRunner = runner_of(self.k)
        self.flavour = kernel
        self.cpus = cpus
        self.ctx = Ctx(self, driver.state())
        self.devices: dict[str, _Device] = {}
        self.by_irq: dict[int, _Device] = {}
        self.calls: dict[str, int] = {}
        self.tracer = Tracer(self.k, KERNEL_EVENTS)
        self._armed = [False] * cpus
        self._due: list[tuple[int, str]] = []  #: arrivals not yet applied to their device
        self.hardirqs = 0  #: hard IRQs taken (a storm stops delivery at MAX_HARDIRQS)
        self.error: str = ""
        self._lines(schedule.affinity)
        self.tasklets = {t.name: (t, self._tasklet(t.name, t.fn)) for t in driver.tasklets}
        for r in driver.requests:
            self._request(r)
        self._arrivals(schedule.arrivals)

    # -- building --------------------------------------------------------------------------
    def _chip(self) -> IrqChip:
        def mask(d: IrqData) -> None:
            self.by_irq[d.irq].masked = True

        def unmask(d: IrqData) -> None:
            dev = self.by_irq[d.irq]
            dev.masked = False
            self.kick(dev.cpu)

        def eoi(d: IrqData) -> None:
            self.kick(self.by_irq[d.irq].cpu)

        def set_affinity(d: IrqData, m: frozenset[int], force: bool) -> int:
            self.by_irq[d.irq].cpu = min(m)
            return 0

        return IrqChip("FUZZ", irq_mask=mask, irq_unmask=unmask, irq_ack=lambda d: None,
                       irq_eoi=eoi, irq_set_type=lambda d, t: 0, irq_set_affinity=set_affinity)

    def _lines(self, affinity: tuple[int, ...]) -> None:
        k, chip = self.k, self._chip()
        lines = self.driver.lines
        if len(affinity) != len(lines) or any(not 0 <= c < self.cpus for c in affinity):
            raise DriverError(f"schedule: affinity {list(affinity)} does not fit "
                              f"{len(lines)} lines on {self.cpus} CPUs")
        base = irq_alloc_descs_from(k, FIRST_IRQ, len(lines))
        for i, ln in enumerate(lines):
            irq = base + i
            desc = k.irq_descs[irq]
            level = ln.trigger == "level"
            irq_set_chip_and_handler_name(desc, chip, handle_fasteoi_irq if level
                                          else handle_edge_irq)
            t = IRQ_TYPE_LEVEL_HIGH if level else IRQ_TYPE_EDGE_RISING
            desc.status_use_accessors |= t | (IRQ_LEVEL if level else 0)
            desc.irq_data.common.state_use_accessors |= t | (IRQD_LEVEL if level else 0)
            dev = _Device(ln, irq, affinity[i])
            self.devices[ln.name] = dev
            self.by_irq[irq] = dev
        k.set_handle_irq(self._root_handler)

    def _wrap(self, line: str, fn: HandlerFn, key: str) -> Callable[[int, Any], int]:
        ctx = self.ctx

        def handler(irq: int, dev_id: Any) -> int:
            self.calls[key] = self.calls.get(key, 0) + 1
            # an irq thread (a forced-threaded handler too) runs with interrupts on:
            # what is pending is taken before its first line; a no-op in hard IRQ context
            ctx.preempt_point()
            saved, ctx.line = ctx.line, line
            try:
                return int(user_call(key, fn, ctx))
            finally:
                ctx.line = saved

        handler.__name__ = getattr(fn, "__name__", key)
        return handler

    def _request(self, r: Request) -> None:
        dev = self.devices[r.line]
        h = None if r.handler is None else self._wrap(r.line, r.handler, r.name)
        t = None if r.thread_fn is None else self._wrap(r.line, r.thread_fn, f"{r.name}:thread")
        with self.k.on_cpu(0):
            ret = self.k.request_threaded_irq(dev.irq, h, t, r.flags, r.name, r)
        if ret:
            why = self.k.dmesg[-1] if self.k.dmesg else f"error {ret}"
            raise DriverError(f"driver {self.driver.name}: request_threaded_irq({r.line}, "
                              f"{r.name}) failed: {why}")
        with self.k.on_cpu(0):
            self.k.irq_set_affinity(dev.irq, {dev.cpu})

    def _tasklet(self, name: str, fn: Callable[[Any], None]) -> TaskletStruct:
        ctx = self.ctx

        def func(data: Any) -> None:
            self.calls[f"tasklet:{name}"] = self.calls.get(f"tasklet:{name}", 0) + 1
            saved, ctx.line = ctx.line, None
            try:
                user_call(f"tasklet {name}", fn, ctx)
            finally:
                ctx.line = saved

        return tasklet_init(func, 0, name)

    def schedule_tasklet(self, name: str) -> bool:
        try:
            spec, t = self.tasklets[name]
        except KeyError:
            raise DriverError(f"ctx.tasklet_schedule: no tasklet {name!r}") from None
        return (tasklet_hi_schedule if spec.hi else tasklet_schedule)(self.k, t)

    def _arrivals(self, arrivals: tuple[tuple[int, str], ...]) -> None:
        for t_ns, name in sorted(arrivals):
            if name not in self.devices:
                raise DriverError(f"schedule: arrival on unknown line {name!r}")
            self._due.append((t_ns * NS, name))
            cpu = self.devices[name].cpu
            self.runner.at(t_ns * NS, cpu, self._taker(cpu), f"arrival {name}")

    def _taker(self, cpu: int) -> Callable[[], None]:
        return lambda: self.take(cpu)

    # -- the controller ----------------------------------------------------------------------
    def catch_up(self) -> None:
        """Apply the arrivals due by the current CPU's time to their devices."""
        now = self.k.ops.now_ps()
        while self._due and self._due[0][0] <= now:
            t, name = self._due.pop(0)
            dev = self.devices[name]
            dev.events += 1
            dev.raised += 1
            if dev.edge:
                dev.latched = True
            with self._at(dev.cpu):
                self.note("irq_raise", {"line": name, "irq": dev.irq}, t)

    @contextmanager
    def _at(self, cpu: int) -> Iterator[None]:
        with self.k.on_cpu(cpu):
            yield

    def kick(self, cpu: int) -> None:
        """Something may be deliverable to ``cpu``: take it as soon as it can."""
        if not self._armed[cpu]:
            self._armed[cpu] = True
            self.runner.at(self.k.ops.now_ps(), cpu, self._taker(cpu), "kick")

    def take(self, cpu: int) -> None:
        """The CPU has interrupts on: take the deliverable lines one by one."""
        self._armed[cpu] = False
        self.catch_up()
        if self.storm:
            return
        for dev in self.devices.values():
            if dev.deliverable(cpu):
                self.hardirqs += 1
                self.k.irq(cpu)
                self.kick(cpu)  # more may be waiting: another pass, as a new exception
                return

    @property
    def storm(self) -> bool:
        return self.hardirqs >= MAX_HARDIRQS

    def _root_handler(self) -> None:
        """The controller's IAR: the first deliverable line for this CPU."""
        cpu = self.k.ops.smp_processor_id()
        for dev in self.devices.values():
            if dev.deliverable(cpu):
                dev.latched = False  # acknowledged at the controller
                handle_domain_irq(self.k, None, dev.irq, lookup=False)
                return

    # -- the timeline ------------------------------------------------------------------------
    def note(self, name: str, fields: dict[str, Any], ts: int | None = None) -> None:
        k = self.k
        cpu = k.ops.smp_processor_id()
        cur = k.current[cpu]
        self.tracer.buffer.append(TraceEvent(k.ops.now_ps() if ts is None else ts, cpu,
                                             cur.comm, cur.pid, name, fields))


def user_call(what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call the driver's code: an AssertionError is a finding; any other error is the
    driver's bug, reported in one line (DriverError)."""
    try:
        return fn(*args)
    except (AssertionError, DriverError):
        raise
    except Exception as exc:  # the user's code: any error is one line
        raise DriverError(f"{what} raised {type(exc).__name__}: {exc}") from None


def format_event(e: TraceEvent, lines: dict[int, str]) -> str:
    """One timeline row: simulated time, CPU, the task that was current, what happened."""
    f = e.fields
    if e.name == "irq_raise":
        what = f"device raises {f['line']} (irq {f['irq']})"
    elif e.name == "irq_handler_entry":
        what = f"hard irq {f['irq']} [{lines.get(f['irq'], '?')}] -> {f['name']}"
    elif e.name == "irq_handler_exit":
        what = f"hard irq {f['irq']} [{lines.get(f['irq'], '?')}] returns " \
               f"{'handled' if f['ret'] else 'unhandled'}"
    elif e.name == "softirq_entry":
        what = f"softirq {f['action']} runs"
    elif e.name == "softirq_exit":
        what = f"softirq {f['action']} done"
    elif e.name == "sched_switch":
        what = f"switch {f['prev_comm']} ({f['prev_state']}) -> {f['next_comm']}"
    elif e.name == "trace_printk":
        what = f"  {f['msg']}"
    else:
        what = f"{e.name} {f}"
    return f"{e.ts_ps / 10**6:>11.3f} us  CPU{e.cpu}  {e.comm:<16} {what}"


def run(driver: Driver, kernel: str, cpus: int, schedule: Schedule, max_time_ns: int) -> Outcome:
    """Play ``schedule`` on a fresh kernel and driver, let the world settle, check."""
    w = World(driver, kernel, cpus, schedule)
    w.tracer.start()
    why = ""
    try:
        w.runner.run(max_time_ns * NS)
        settled = _settle(w)
    except AssertionError as exc:
        why, settled = f"assertion in the driver's code: {exc or 'AssertionError'}", False
    w.tracer.stop()
    facts = _facts(w, settled)
    if not why:
        why = _judge(driver, w.ctx.state, facts)
    end = max(w.k.ops.clock(c) for c in range(cpus))  # type: ignore[attr-defined]
    events = sorted(w.tracer.buffer, key=lambda e: e.ts_ps)  # arrivals are noted when applied
    return Outcome(not why, why, facts, events, end)


def _settle(w: World) -> bool:
    """Run until no task is runnable and no line is deliverable (at most SETTLE_PS more)."""
    r, k = w.runner, w.k
    limit = max(k.ops.clock(c) for c in range(w.cpus)) + SETTLE_PS  # type: ignore[attr-defined]
    for _ in range(1000):
        r.run_until_idle(100_000)
        if w.storm:
            return False
        busy = [c for c in range(w.cpus)
                if any(d.deliverable(c) for d in w.devices.values())]
        if not busy and not w._due:
            return True
        now = max(k.ops.clock(c) for c in range(w.cpus))  # type: ignore[attr-defined]
        if now >= limit:
            return False
        for c in busy:
            w.kick(c)
        r.run(now + 10**6)
    return False


def _facts(w: World, settled: bool) -> Facts:
    k = w.k
    disabled = [d.line.name for d in w.devices.values()
                if k.irq_descs[d.irq].depth > 0 or d.masked]
    return Facts(w.flavour, w.cpus, {n: d.raised for n, d in w.devices.items()},
                 {n: d.events for n, d in w.devices.items()}, dict(sorted(w.calls.items())),
                 disabled, list(k.warnings), settled, w.hardirqs)


def _judge(driver: Driver, state: Any, facts: Facts) -> str:
    if facts.hardirqs >= MAX_HARDIRQS:
        return (f"interrupt storm: {facts.hardirqs:,} hard IRQs in one run "
                "(a level line whose events are never acknowledged?)")
    if not facts.settled:
        return "the world did not settle (an interrupt storm or a task that never sleeps)"
    try:
        ok = user_call(f"check of {driver.name}", driver.check, state, facts)
    except AssertionError as exc:
        return f"check: {exc or 'AssertionError'}"
    return "" if ok is None or ok else f"check({driver.name}) is false"
