"""What a driver declares for ``irqemu fuzz genirq``: its lines, its request_irq calls,
its tasklets, its state and the invariant over that state.

A :class:`Driver` is plain data plus functions; the handlers receive a
:class:`~irqemu.fuzz.genirq_world.Ctx` (the driver's view of the modelled
kernel and its devices) and return Linux's ``irqreturn_t`` values. Example::

    from irqemu.fuzz.genirq import IRQ_HANDLED, IRQ_NONE, Driver, Line, Request

    def handler(ctx):
        n = ctx.device_ack()          # read and clear the device's status
        if not n:
            return IRQ_NONE
        ctx.state.events += n
        return IRQ_HANDLED

    driver = Driver("mydev", lines=(Line("rx"),),
                    requests=(Request("rx", "mydev", handler),),
                    state=MyState, check=lambda s, facts: s.events == facts.arrivals["rx"])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from irqemu.kernel.genirq.types import (
    IRQ_HANDLED,
    IRQ_NONE,
    IRQ_WAKE_THREAD,
    IRQF_NO_THREAD,
    IRQF_ONESHOT,
    IRQF_SHARED,
)

if TYPE_CHECKING:
    from irqemu.fuzz.genirq_world import Ctx, Facts

#: a hard handler or thread function: ``fn(ctx) -> IRQ_NONE | IRQ_HANDLED | IRQ_WAKE_THREAD``
HandlerFn = Callable[["Ctx"], int]
#: a tasklet's function: ``fn(ctx)``
TaskletFn = Callable[["Ctx"], None]
#: the invariant: ``check(state, facts)`` returns False or raises AssertionError when broken
CheckFn = Callable[[Any, "Facts"], "bool | None"]

MAX_LINES = 8


class DriverError(Exception):
    """A driver that cannot be loaded or is inconsistent: one line for the user."""


@dataclass(frozen=True)
class Line:
    """A device interrupt line: ``level`` (asserted while the device has unacknowledged
    events; flow handle_fasteoi_irq) or ``edge`` (each event latches an edge at the
    controller; flow handle_edge_irq)."""

    name: str
    trigger: Literal["level", "edge"] = "level"


@dataclass(frozen=True)
class Request:
    """One ``request_threaded_irq(line, handler, thread_fn, flags, name, dev)``.
    ``handler`` None with a ``thread_fn`` is a NULL primary (needs IRQF_ONESHOT)."""

    line: str
    name: str
    handler: HandlerFn | None
    thread_fn: HandlerFn | None = None
    flags: int = 0


@dataclass(frozen=True)
class Tasklet:
    """A tasklet the handlers schedule by name (``ctx.tasklet_schedule(name)``)."""

    name: str
    fn: TaskletFn
    hi: bool = False  #: tasklet_hi_schedule's HI_SOFTIRQ instead of TASKLET_SOFTIRQ


@dataclass(frozen=True)
class Driver:
    """A modelled driver: its lines, request_irq calls, tasklets, a fresh state per run
    and the invariant checked once the run has settled."""

    name: str
    lines: tuple[Line, ...]
    requests: tuple[Request, ...]
    state: Callable[[], Any]
    check: CheckFn
    tasklets: tuple[Tasklet, ...] = ()
    doc: str = ""

    def validate(self) -> None:
        """Raise DriverError (one line) for an inconsistent declaration."""
        names = [ln.name for ln in self.lines]
        if not names:
            raise DriverError(f"driver {self.name}: declares no lines")
        if len(names) > MAX_LINES:
            raise DriverError(f"driver {self.name}: {len(names)} lines, at most {MAX_LINES}")
        if len(set(names)) != len(names):
            raise DriverError(f"driver {self.name}: a line is declared twice")
        for ln in self.lines:
            if ln.trigger not in ("level", "edge"):
                raise DriverError(f"driver {self.name}: line {ln.name}: trigger "
                                  f"{ln.trigger!r} is not level or edge")
        if not self.requests:
            raise DriverError(f"driver {self.name}: no request_irq")
        for r in self.requests:
            if r.line not in names:
                raise DriverError(f"driver {self.name}: request {r.name} on unknown line "
                                  f"{r.line!r} (lines: {', '.join(names)})")
            if r.handler is None and r.thread_fn is None:
                raise DriverError(f"driver {self.name}: request {r.name} has no handler")
        tl = [t.name for t in self.tasklets]
        if len(set(tl)) != len(tl):
            raise DriverError(f"driver {self.name}: a tasklet is declared twice")

    def line(self, name: str) -> Line:
        for ln in self.lines:
            if ln.name == name:
                return ln
        raise DriverError(f"driver {self.name}: no line {name!r}")


__all__ = [
    "IRQF_NO_THREAD", "IRQF_ONESHOT", "IRQF_SHARED", "IRQ_HANDLED", "IRQ_NONE",
    "IRQ_WAKE_THREAD", "CheckFn", "Driver", "DriverError", "HandlerFn", "Line", "Request",
    "Tasklet", "TaskletFn",
]
