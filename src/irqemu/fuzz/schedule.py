"""The interrupt sources a ``fuzz run`` search may drive, and how it drives them.

``--irq SPEC`` names one source: ``WHAT[:KIND][:cpus=A-B][:max=N][:gap=NS][:hold=NS]``.

- ``WHAT``: a line number on the board's interrupt controller (a GIC ID on the
  ARM boards, an IOAPIC pin on the pc), a device the board names its line by
  (``uart1``, ``gpt``, ``pl011``...), or a source added with ``--source``.
- ``KIND``: ``edge`` (default): the line rises and falls at the arrival time,
  a zero-width pulse (an edge-configured input latches it; a level-configured
  one does not, as on hardware); ``level``: the line is held high from the
  arrival for ``hold`` ns (drawn 1..``hold``, default 1000) and then dropped.
  A ``--source`` device ignores KIND: an arrival latches INT_STATUS bit 0 and
  its line stays high until the guest writes INT_ACK, as a real device's does.
- ``cpus=A-B`` (or ``cpus=N``): the CPUs whose private input an arrival may hit
  (GIC PPIs 16..31 only: a shared line is routed by the controller, not here).
- ``max=N``: arrivals of this source per run at most; ``gap=NS``: at least NS
  between two of its arrivals (later ones are dropped).
- ``prio=A-B``: each arrival also draws the line's GIC priority (0 highest ..
  255), written to its GICD_IPRIORITYR byte just before the line rises, so a
  search explores preemption and nesting between lines (GIC boards only).

A schedule is a list of :class:`~irqemu.fuzz.strategies.Arrival`
``(time_ns, source name, cpu, payload)``: payload 1 for edge and source
arrivals, the hold time in ns for level ones; with ``prio=``, ``[that, priority]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from irqemu.fuzz.strategies import Arrival, sort_schedule, uniform_times

KINDS = ("edge", "level")
GICD_IPRIORITYR = 0x400  #: GICv2 distributor: one priority byte per interrupt ID
MAX_PER_SOURCE = 10_000
DEFAULT_HOLD_NS = 1000
MAX_NS = 10**13  #: 10,000 s of simulated time: far past any run


class ScheduleError(ValueError):
    """A bad ``--irq``/``--source`` or schedule entry: one line for the user."""


@dataclass(frozen=True)
class IrqSpec:
    """One ``--irq``: what to drive, how, on which CPUs, how often."""

    name: str  #: as the user wrote it: "68", "uart1", "src0"
    kind: str = "edge"
    cpus: tuple[int, ...] | None = None  #: None: the line is shared (no CPU choice)
    max: int = MAX_PER_SOURCE
    gap_ns: int = 0
    hold_ns: int = DEFAULT_HOLD_NS
    prio: tuple[int, int] | None = None  #: GIC priorities an arrival draws from

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind,
                "cpus": None if self.cpus is None else list(self.cpus),
                "max": self.max, "gap_ns": self.gap_ns, "hold_ns": self.hold_ns,
                "prio": None if self.prio is None else list(self.prio)}

    @classmethod
    def from_json(cls, d: Any) -> IrqSpec:
        if not isinstance(d, dict) or not isinstance(d.get("name"), str):
            raise ScheduleError(f"bad irq entry {d!r}")
        cpus, prio = d.get("cpus"), d.get("prio")
        return cls(d["name"], d.get("kind", "edge"),
                   None if cpus is None else tuple(int(c) for c in cpus),
                   int(d.get("max", MAX_PER_SOURCE)), int(d.get("gap_ns", 0)),
                   int(d.get("hold_ns", DEFAULT_HOLD_NS)),
                   None if prio is None else (int(prio[0]), int(prio[1])))

    @property
    def cpu_choices(self) -> tuple[int, ...]:
        return self.cpus if self.cpus is not None else (0,)


def _int(text: str, what: str, lo: int, hi: int) -> int:
    try:
        v = int(text, 0)
    except ValueError:
        raise ScheduleError(f"{what}: {text!r} is not an integer") from None
    if not lo <= v <= hi:
        raise ScheduleError(f"{what}: {v} out of range {lo}..{hi:,}")
    return v


def parse_irq(text: str) -> IrqSpec:
    """``--irq 68:edge:cpus=0-1:max=20`` as an :class:`IrqSpec` (syntax only; the
    board checks the line in :func:`attach`)."""
    parts = text.split(":")
    name = parts[0].strip()
    where = f"--irq {text!r}"
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
        raise ScheduleError(f"{where}: give a line number or a device name first")
    kw: dict[str, Any] = {}
    for p in parts[1:]:
        key, eq, val = p.partition("=")
        if not eq:
            if p not in KINDS:
                raise ScheduleError(f"{where}: unknown part {p!r} (edge, level, cpus=, max=, "
                                    "gap=, hold=, prio=)")
            kw["kind"] = p
        elif key == "cpus":
            lo, dash, hi = val.partition("-")
            a = _int(lo, f"{where} cpus", 0, 255)
            b = _int(hi, f"{where} cpus", a, 255) if dash else a
            kw["cpus"] = tuple(range(a, b + 1))
        elif key == "max":
            kw["max"] = _int(val, f"{where} max", 1, MAX_PER_SOURCE)
        elif key == "gap":
            kw["gap_ns"] = _int(val, f"{where} gap (ns)", 0, MAX_NS)
        elif key == "hold":
            kw["hold_ns"] = _int(val, f"{where} hold (ns)", 1, MAX_NS)
        elif key == "prio":
            lo, dash, hi = val.partition("-")
            a = _int(lo, f"{where} prio", 0, 255)
            kw["prio"] = (a, _int(hi, f"{where} prio", a, 255) if dash else a)
        else:
            raise ScheduleError(f"{where}: unknown option {key!r} (cpus=, max=, gap=, hold=, "
                                "prio=)")
    return IrqSpec(name, **kw)


@dataclass(frozen=True)
class SourceSpec:
    """``--source NAME@BASE:LINE``: an IrqSource device added to the board."""

    name: str
    base: int
    line: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "base": self.base, "line": self.line}


def parse_source(text: str) -> SourceSpec:
    m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)@(\w+):(\w+)", text.strip())
    if m is None:
        raise ScheduleError(f"--source {text!r}: expected NAME@BASE:LINE (e.g. "
                            "src0@0x021A0000:68)")
    return SourceSpec(m[1], _int(m[2], f"--source {text!r} base", 0, 2**64 - 1),
                      _int(m[3], f"--source {text!r} line", 0, 1023))


def strategy(specs: Sequence[IrqSpec], start_ns: int, end_ns: int, max_events: int,
             masked: Sequence[tuple[int, int, int]] = ()) -> Any:
    """Hypothesis: schedules of up to ``max_events`` arrivals in ``[start_ns, end_ns)``
    over ``specs`` within each one's bounds (shrinks to fewer, earlier, simpler).
    Each arrival is drawn on its own, its time uniform over the window (deleting one
    leaves the others where they were); with ``masked`` windows ``(start_ns, end_ns,
    cpu)``, half of them fall in one of those, or within EDGE_NS of its edges."""
    from hypothesis import strategies as st

    times = arrival_times(start_ns, end_ns, masked)

    def event(spec: IrqSpec) -> Any:
        hold = st.integers(1, spec.hold_ns) if spec.kind == "level" else st.just(1)
        payload: Any = hold if spec.prio is None else \
            st.tuples(hold, st.integers(*spec.prio)).map(list)
        return st.builds(Arrival, time=times, line=st.just(spec.name),
                         cpu=st.sampled_from(spec.cpu_choices), payload=payload)

    by_name = {s.name: s for s in specs}
    events = st.one_of(*(event(s) for s in specs))
    return st.lists(events, max_size=max_events).map(lambda s: bound(s, by_name))


FRACTION = 1 << 16  #: where in its window a biased arrival falls, in 1/65536ths
EDGE_NS = 20  #: how far before and after a masked window biased arrivals may fall


def arrival_times(start_ns: int, end_ns: int, masked: Sequence[tuple[int, int, int]] = ()
                  ) -> Any:
    """Arrival times in ``[start_ns, end_ns)``: uniform, or (with masked windows) half
    uniform and half in a window drawn uniformly among them, edges included."""
    from hypothesis import strategies as st

    uniform = uniform_times(start_ns, end_ns)
    spans = sorted({(max(start_ns, a - EDGE_NS), min(end_ns, b + EDGE_NS + 1))
                    for a, b, _ in masked})
    spans = [(a, b) for a, b in spans if a < b]
    if not spans:
        return uniform

    def place(which: tuple[int, int]) -> int:
        a, b = spans[which[0]]
        return a + which[1] * (b - a) // FRACTION

    inside = st.tuples(uniform_times(0, len(spans)), uniform_times(0, FRACTION)).map(place)
    return st.one_of(uniform, inside)


def bound(schedule: Sequence[Arrival], specs: dict[str, IrqSpec]) -> list[Arrival]:
    """Sorted, with each source's ``max`` and ``gap`` applied (later arrivals dropped)."""
    kept: list[Arrival] = []
    last: dict[tuple[str, int], int] = {}
    count: dict[str, int] = {}
    for a in sort_schedule(schedule):
        spec = specs[a.line]
        key = (a.line, a.cpu)
        if count.get(a.line, 0) >= spec.max:
            continue
        if key in last and a.time - last[key] < spec.gap_ns:
            continue
        last[key] = a.time
        count[a.line] = count.get(a.line, 0) + 1
        kept.append(a)
    return kept


def check_schedule(schedule: Sequence[Arrival], specs: dict[str, IrqSpec]) -> None:
    """ScheduleError unless every arrival names a known source and one of its CPUs."""
    for i, a in enumerate(schedule):
        spec = specs.get(a.line)
        if spec is None:
            raise ScheduleError(f"schedule entry {i}: no --irq {a.line!r} "
                                f"(known: {', '.join(specs)})")
        if a.cpu not in spec.cpu_choices:
            raise ScheduleError(f"schedule entry {i}: cpu {a.cpu} is not one of --irq "
                                f"{a.line}'s cpus {list(spec.cpu_choices)}")
        if not _payload_ok(a.payload, spec):
            raise ScheduleError(f"schedule entry {i}: payload {a.payload!r} out of range"
                                f"{' (give [hold, priority] with prio=)' if spec.prio else ''}")
        if a.time >= MAX_NS:
            raise ScheduleError(f"schedule entry {i}: time {a.time} ns is past any run")


def _int_in(v: Any, lo: int, hi: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def _payload_ok(payload: Any, spec: IrqSpec) -> bool:
    """1..hold (level; 1 otherwise), and with prio= a [that, priority in range] pair."""
    if spec.prio is None:
        return _int_in(payload, 1, max(spec.hold_ns, 1))
    return (isinstance(payload, list | tuple) and len(payload) == 2
            and _int_in(payload[0], 1, max(spec.hold_ns, 1))
            and _int_in(payload[1], *spec.prio))


def hold_of(a: Arrival) -> int:
    """The arrival's hold time (ns, level) or 1, without its priority."""
    return int(a.payload[0] if isinstance(a.payload, list | tuple) else a.payload)


def priority_of(a: Arrival) -> int | None:
    """The GIC priority the arrival gives its line, or None (no prio=)."""
    return int(a.payload[1]) if isinstance(a.payload, list | tuple) else None


# -- wiring the sources into a machine -------------------------------------------
Driver = Callable[[Arrival], None]


def _line_sink(m: Any, line: int, cpu: int | None, where: str) -> Callable[[bool], None]:
    """The controller input ``line`` (of ``cpu`` for a private one), or ScheduleError."""
    ctl = m.irq_controller
    try:
        if hasattr(ctl, "input"):
            return ctl.input(line, cpu)  # type: ignore[no-any-return]
        ioapic = m.devices.get("ioapic")
        if ioapic is not None and cpu is None:
            return ioapic.input(line)  # type: ignore[no-any-return]
    except (ValueError, IndexError, OverflowError) as exc:
        raise ScheduleError(f"{where}: {exc}") from None
    raise ScheduleError(f"{where}: this board's controller takes no line by number")


def is_private(m: Any, line: int) -> bool:
    """A per-CPU input (GIC PPI 16..31): the only kind whose CPU a schedule picks."""
    return hasattr(m.irq_controller, "input") and 16 <= line < 32


def line_number(m: Any, name: str, sources: dict[str, Any]) -> int | None:
    """The controller line ``name`` means: a number, or a device the board names; None
    for a ``--source`` device (driven through its registers, not a raw line)."""
    if name in sources:
        return None
    if name.isdigit() or name.lower().startswith("0x"):
        return int(name, 0)
    for line, dev in m.irq_line_names.items():
        if dev == name:
            return int(line)
    known = sorted(set(map(str, m.irq_line_names.values())) | set(sources))
    raise ScheduleError(f"--irq {name}: no such line or device on this board (devices: "
                        f"{', '.join(known)}; or a line number)")


def attach(m: Any, specs: Sequence[IrqSpec], sources: dict[str, Any],
           source_lines: dict[str, int] | None = None) -> dict[str, Driver]:
    """One driver per spec (checked against the board): ``drive(arrival)`` fires it now;
    ``source_lines``: the controller line of each ``--source`` device (for ``prio=``)."""
    drivers: dict[str, Driver] = {}
    for spec in specs:
        where = f"--irq {spec.name}"
        line = line_number(m, spec.name, sources)
        if line is None:
            if spec.cpus is not None:
                raise ScheduleError(f"{where}: cpus= applies to private lines (GIC PPIs "
                                    "16..31); a --source device's line is shared")
            src = sources[spec.name]
            drivers[spec.name] = _prioritised(m, spec, (source_lines or {}).get(spec.name, -1),
                                              _source_driver(src))
            continue
        if is_private(m, line):
            cpus = spec.cpu_choices
            for c in cpus:
                if not 0 <= c < m.num_cpus:
                    raise ScheduleError(f"{where}: cpu {c} out of range (the board has "
                                        f"{m.num_cpus} CPU{'s' if m.num_cpus != 1 else ''})")
            sinks = {c: _line_sink(m, line, c, where) for c in cpus}
        else:
            if spec.cpus is not None:
                raise ScheduleError(f"{where}: line {line} is shared; the controller routes "
                                    "it (cpus= applies to GIC PPIs 16..31)")
            sinks = {0: _line_sink(m, line, None, where)}
        drivers[spec.name] = _prioritised(m, spec, line, _line_driver(m, spec, sinks))
    return drivers


def _prioritised(m: Any, spec: IrqSpec, line: int, drive: Driver) -> Driver:
    """``drive``, first writing the arrival's priority to the line's GICD_IPRIORITYR
    byte (as the CPU the arrival targets: PPI priorities are banked per CPU)."""
    if spec.prio is None:
        return drive
    if line < 0:
        raise ScheduleError(f"--irq {spec.name}: prio= needs the source's line")
    dist = m.devices.get("gic.dist")
    if dist is None:
        raise ScheduleError(f"--irq {spec.name}: prio= needs a GIC (this board's controller "
                            "has no per-line priority the search can set)")
    reg = dist.base + GICD_IPRIORITYR + line

    def drive_with_priority(a: Arrival) -> None:
        prio = priority_of(a)
        if prio is not None:
            m.mmio_write(a.cpu, reg, 1, prio)
        drive(a)

    return drive_with_priority


def _source_driver(src: Any) -> Driver:
    def drive(a: Arrival) -> None:
        src.fire(1)

    return drive


def _line_driver(m: Any, spec: IrqSpec, sinks: dict[int, Callable[[bool], None]]) -> Driver:
    held = dict.fromkeys(sinks, 0)  #: level arrivals still holding each CPU's line high

    def drop(cpu: int) -> None:
        held[cpu] -= 1
        if not held[cpu]:
            sinks[cpu](False)

    def drive(a: Arrival) -> None:
        sink = sinks[a.cpu]
        if spec.kind == "edge":
            if not held[a.cpu]:  # a line held high by a level arrival shows no edge
                sink(True)
                sink(False)
            return
        held[a.cpu] += 1
        sink(True)
        m.schedule(m.now() + hold_of(a) * 1000, lambda: drop(a.cpu), f"fuzz.{spec.name}.drop")

    return drive


__all__ = ["IrqSpec", "ScheduleError", "SourceSpec", "attach", "bound", "check_schedule",
           "parse_irq", "parse_source", "strategy"]
