"""``irqemu fuzz run FIRMWARE``: search interrupt arrival schedules against your own firmware.

A :class:`Target` is the firmware, the board, the interrupt sources a search
may drive (:mod:`irqemu.fuzz.schedule`), the run's length and what must hold
at its end: the guest's semihosting exit code, a ``--check`` expression on ELF
symbols (:mod:`irqemu.fuzz.check`), or a Python ``check(machine) -> bool``.
:func:`run_schedule` boots it once and plays one schedule (times in ns of
simulated time); :func:`search` lets hypothesis draw schedules, shrinks a
failing one and returns it with its timeline; :func:`save` / :func:`replay`
write and replay it bit for bit on either engine.

Every run is deterministic: simulated time only, the same machine built from
scratch, each interrupt taken recorded with the PC it interrupted through the
machine's ``interrupt_hooks``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from irqemu.fuzz.check import Check, CheckError, word_reader
from irqemu.fuzz.replayfile import read_replay
from irqemu.fuzz.schedule import (
    IrqSpec,
    ScheduleError,
    SourceSpec,
    attach,
    bound,
    check_schedule,
)
from irqemu.fuzz.seeded import find_seeded
from irqemu.fuzz.strategies import Arrival, schedule_from_json, schedule_to_json

FORMAT = "irqemu-fuzz-run/1"
MAX_EVENTS = 4
ARRIVALS = ("masked", "uniform")  #: how a search draws arrival times (Target.arrivals)
DEFAULT_MAX_TIME_NS = 10_000_000  #: 10 ms of simulated time per run


class FuzzRunError(Exception):
    """Bad input (firmware, options, a replay file): one line for the user."""


@dataclass(frozen=True)
class Target:
    """What a search runs and what must hold at the end of each run."""

    firmware: str
    irqs: tuple[IrqSpec, ...]
    board: str | None = None
    num_cpus: int | None = None
    sources: tuple[SourceSpec, ...] = ()
    sets: tuple[tuple[str, int], ...] = ()  #: (symbol, word) written before the run
    check: str | None = None
    exit_code: int | None = None
    max_time_ns: int = DEFAULT_MAX_TIME_NS
    window_ns: tuple[int, int] | None = None  #: arrival times; None: the calibration run's
    #: a run must end by itself (exit) within max_time_ns, else it hangs; None: when the
    #: undisturbed run does (a search resolves it before its first schedule)
    must_end: bool | None = None
    #: the longest round a core runs before the next core's turn (Machine.quantum_cycles)
    quantum_cycles: int = 10_000
    #: None: rounds of exactly quantum_cycles; a seed: rounds of 1..quantum_cycles drawn
    #: from it (Machine.interleave_seed), so cores interleave at varying instructions
    interleave_seed: int | None = None
    #: how arrival times are drawn: "uniform" over the window, or "masked": half of
    #: them in or at the edges of the IRQ-masked windows the undisturbed run went through
    arrivals: str = "uniform"
    #: the API's predicate: ``check(machine) -> bool`` after the run
    predicate: Callable[[Any], bool] | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"firmware": self.firmware, "board": self.board, "num_cpus": self.num_cpus,
                "irqs": [s.to_json() for s in self.irqs],
                "sources": [s.to_json() for s in self.sources],
                "sets": [list(s) for s in self.sets], "check": self.check,
                "exit_code": self.exit_code, "max_time_ns": self.max_time_ns,
                "window_ns": None if self.window_ns is None else list(self.window_ns),
                "must_end": self.must_end, "quantum_cycles": self.quantum_cycles,
                "interleave_seed": self.interleave_seed, "arrivals": self.arrivals}


@dataclass
class Prepared:
    """A :class:`Target` checked against its ELF and board, ready to run."""

    target: Target
    path: Path
    sha256: str
    board: str
    image: Any  #: the firmware's ElfImage: symbols for --set, --check and the timeline
    check: Check | None
    lines: dict[str, int] = field(default_factory=dict)  #: each --irq's controller line
    id_kind: str = ""  #: how the timeline names a taken interrupt's ID ("GIC ID", "vector")


def prepare(target: Target) -> Prepared:
    """Check everything a run needs once, before any search: the firmware, the board,
    each --irq and --source against it, --set and --check symbols."""
    from irqemu.boards import board_for_elf
    from irqemu.machine.elf import ElfLoadError, read_elf

    path = Path(target.firmware)
    if not path.is_file():
        raise FuzzRunError(f"firmware {target.firmware}: no such file")
    try:
        image = read_elf(path)
        board = target.board or board_for_elf(image.machine)
    except (ElfLoadError, ValueError) as exc:
        raise FuzzRunError(str(exc)) from None
    if not target.irqs:
        raise FuzzRunError("give at least one --irq for the search to drive")
    if target.arrivals not in ARRIVALS:
        raise FuzzRunError(f"arrivals {target.arrivals!r}: one of {', '.join(ARRIVALS)}")
    if target.check is None and target.exit_code is None and target.predicate is None:
        raise FuzzRunError("give what must hold: --check EXPR or --exit-code N")
    names = [s.name for s in target.irqs]
    if len(set(names)) != len(names):
        raise FuzzRunError(f"--irq: a source is named twice ({', '.join(names)})")
    for sym, _ in target.sets:
        if sym not in image.symbols:
            raise FuzzRunError(f"--set {sym}: no such symbol in {path.name}")
    try:
        check = None if target.check is None else Check(target.check, image.symbols)
    except CheckError as exc:
        raise FuzzRunError(str(exc)) from None
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    prepared = Prepared(target, path, sha, board, image, check)
    built = _build(prepared, "native" if _native_available() else "reference")  # the wiring
    prepared.lines, prepared.id_kind = built.lines, built.id_kind
    return prepared


def _native_available() -> bool:
    try:
        from irqemu._core import native_core_class

        native_core_class()
    except (ImportError, RuntimeError):
        return False
    return True


@dataclass
class _Built:
    machine: Any
    drivers: dict[str, Callable[[Arrival], None]]
    taken: list[tuple[int, int, str, int, int]]
    lines: dict[str, int]
    id_kind: str  #: what the fifth field of ``taken`` is: "GIC ID", "vector" or ""


def _build(p: Prepared, engine: str, fabric: str | None = None) -> _Built:
    """A fresh machine with the sources wired, the firmware loaded and patched."""
    from irqemu.boards import build_board
    from irqemu.devices.irq_source import IrqSource
    from irqemu.fuzz.schedule import _line_sink, line_number

    t = p.target
    kw: dict[str, Any] = {} if t.num_cpus is None else {"num_cpus": t.num_cpus}
    if fabric is not None:
        kw["fabric"] = fabric
    try:
        m = build_board(p.board, engine=engine, quantum_cycles=t.quantum_cycles, **kw)
    except ValueError as exc:
        raise FuzzRunError(str(exc)) from None
    m.interleave_seed = t.interleave_seed
    sources: dict[str, Any] = {}
    try:
        for s in t.sources:
            if s.name in m.devices:
                raise ScheduleError(f"--source {s.name}: the board has a device of that name")
            src = IrqSource(m, s.base, s.name)
            src.irq.connect(_line_sink(m, s.line, None, f"--source {s.name}"))
            m.add_device(s.name, src, s.base, src.SIZE)
            sources[s.name] = src
        drivers = attach(m, t.irqs, sources, {s.name: s.line for s in t.sources})
        lines = {s.name: s.line for s in t.sources}
        lines.update({i.name: n for i in t.irqs
                      if (n := line_number(m, i.name, sources)) is not None})
    except ScheduleError as exc:
        raise FuzzRunError(str(exc)) from None
    except ValueError as exc:  # add_device: an overlapping window
        raise FuzzRunError(f"--source: {exc}") from None
    m.load_elf(str(p.path))
    for sym, value in t.sets:
        m.mem_write(p.image.symbols[sym], (value & 0xFFFFFFFF).to_bytes(4, "little"))
    taken: list[tuple[int, int, str, int, int]] = []
    id_kind, ident_of = _taken_id(m)

    def record(cpu: int, line: int, pc: int, ps: int) -> None:
        taken.append((ps, cpu, m.arch.interrupt_name(line), pc, ident_of(cpu)))

    m.interrupt_hooks.append(record)
    return _Built(m, drivers, taken, lines, id_kind)


def _taken_id(m: Any) -> tuple[str, Callable[[int], int]]:
    """What identifies an interrupt as a core takes it (read in the machine's hook):
    on a GIC the ID the guest will acknowledge (GICC_HPPIR: the IAR to come); on
    x86 the vector the LAPIC just acknowledged (the highest ISR bit); else -1."""
    hppir = getattr(m.irq_controller, "highest_pending_id", None)
    if hppir is not None:
        return "GIC ID", lambda cpu: int(hppir(cpu)) & 0x3FF
    if "lapic" in m.devices:
        from irqemu.devices.lapic import LAPIC_BASE

        return "vector", lambda cpu: _in_service(m, cpu, LAPIC_BASE)
    return "", lambda cpu: -1


def _in_service(m: Any, cpu: int, base: int) -> int:
    """The highest vector in the LAPIC's ISR (0x100 + 0x10*i: eight 32-bit words), or -1."""
    for i in range(7, -1, -1):
        word = int(m.mmio_read(cpu, base + 0x100 + 0x10 * i, 4))
        if word:
            return 32 * i + word.bit_length() - 1
    return -1


def _taken_what(exc: str, ident: int, kind: str) -> str:
    if ident < 0:
        return exc
    return f"{exc} (vector {ident:#04x})" if kind == "vector" else f"{exc} ({kind} {ident})"


@dataclass
class Outcome:
    """What one run did and whether what must hold held."""

    passed: bool
    why: str  #: "" when passed, else what failed, in a line
    stop_reason: str
    exit_code: int | None
    message: str
    sim_time_ps: int
    cycles: list[int]
    instructions: list[int]
    values: dict[str, int]  #: the words --check read
    fired: list[tuple[int, str, int]]  #: (ps, source, cpu) of each arrival played
    #: (ps, cpu, exception, interrupted PC, GIC ID the guest acknowledges / x86 vector, or -1)
    taken: list[tuple[int, int, str, int, int]]
    end_pcs: list[int]  #: each CPU's PC when the run ended (where a hang spins)
    uart: str = ""

    def facts(self) -> dict[str, Any]:
        """The deterministic part, as plain data: what a replay must reproduce."""
        d = asdict(self)
        d["fired"] = [list(f) for f in self.fired]
        d["taken"] = [list(t) for t in self.taken]
        return d


def run_schedule(p: Prepared, schedule: Sequence[Arrival], *, engine: str = "native",
                 fabric: str | None = None) -> Outcome:
    """Boot the firmware, play ``schedule`` (times in ns), run to its end, judge it."""
    from irqemu.machine.machine import GuestError

    specs = {s.name: s for s in p.target.irqs}
    check_schedule(schedule, specs)
    b = _build(p, engine, fabric)
    m = b.machine
    fired: list[tuple[int, str, int]] = []
    for a in schedule:
        def fire(a: Arrival = a) -> None:
            fired.append((m.now(), a.line, a.cpu))
            b.drivers[a.line](a)

        m.schedule(a.time * 1000, fire, f"fuzz.{a.line}@{a.time}ns")
    try:
        r = m.run(max_time_ps=p.target.max_time_ns * 1000)
        stop, code, msg = r.stop_reason, r.exit_code, r.message
        sim, cycles, insns = r.sim_time_ps, r.cycles, r.instructions
    except GuestError as exc:  # a schedule that crashes the guest is a finding
        stop, code, msg = "guest-error", None, str(exc)
        sim, cycles = m.now(), [s.core.cycles for s in m.cpus]
        insns = [s.core.instructions for s in m.cpus]
    values: dict[str, int] = {}
    end_pcs = [int(s.core.reg_read(m.arch.pc_reg)) for s in m.cpus]
    why = _hang(p, stop, end_pcs) or _judge(p, m, stop, code, msg, values)
    return Outcome(not why, why, stop, code, msg, sim, list(cycles), list(insns), values,
                   fired, list(b.taken), end_pcs, m.console.decode("utf-8", "replace"))


def _hang(p: Prepared, stop: str, end_pcs: list[int]) -> str:
    """"" unless the run had to end by itself and did not: a hang, with where each
    running CPU was (a spin names its loop)."""
    if not p.target.must_end or stop in ("exit", "guest-error"):
        return ""
    how = ("every CPU waits in WFI with nothing to wake it" if stop == "idle"
           else f"it did not end within {p.target.max_time_ns / 10**6:g} ms of simulated time")
    where = ", ".join(f"cpu{i} at {_where(p, pc)}" for i, pc in enumerate(end_pcs)
                      if i == 0 or pc)
    return f"hang: {how} (the run without interrupts ends by itself); {where}"


def _where(p: Prepared, pc: int) -> str:
    sym = p.image.symbolize(pc)
    return f"PC {pc:#010x}" + (f" <{sym}>" if sym else "")


def _judge(p: Prepared, m: Any, stop: str, code: int | None, msg: str,
           values: dict[str, int]) -> str:
    """"" when everything that must hold held, else why not (and the words read)."""
    t = p.target
    if stop == "guest-error":
        return f"guest error: {msg}"
    if t.exit_code is not None and stop == "exit" and code != t.exit_code:
        return f"expected exit code {t.exit_code}, got exit code {code}"
    if t.exit_code is not None and stop != "exit" and not t.must_end:
        return f"expected exit code {t.exit_code}, got no exit ({stop})"
    if p.check is not None:
        try:
            values.update(p.check.values(word_reader(m)))
            ok = p.check.holds(values)
        except CheckError as exc:
            return str(exc)
        if not ok:
            shown = ", ".join(f"{k} = {v}" for k, v in values.items())
            return f"--check {p.check.text!r} is false ({shown})"
    if t.predicate is not None and not t.predicate(m):
        return f"check {getattr(t.predicate, '__name__', 'predicate')}(machine) is false"
    return ""


def calibrate(p: Prepared, engine: str = "native") -> tuple[tuple[int, int], Outcome]:
    """The arrival window (ns) and the undisturbed run: the target's window, else from
    0 to where the run without any interrupt ended."""
    out = run_schedule(p, [], engine=engine)
    if p.target.window_ns is not None:
        return p.target.window_ns, out
    end = min(out.sim_time_ps // 1000, p.target.max_time_ns)
    return (0, max(end, 1)), out


def masked_windows(p: Prepared, engine: str = "native") -> list[tuple[int, int, int]]:
    """The IRQ-masked windows ``(start_ns, end_ns, cpu)`` of the undisturbed run: from
    each mask instruction a core executes to its next unmask (:mod:`irqemu.fuzz.masked`)."""
    from irqemu.fuzz.masked import mask_edges, pair, record_edges

    b = _build(p, engine)
    edges = mask_edges(p.image, b.machine.arch.name)
    if not edges:
        return []
    seen = record_edges(b.machine, edges)
    try:
        r = b.machine.run(max_time_ps=p.target.max_time_ns * 1000)
        end = r.sim_time_ps
    except Exception:  # noqa: BLE001 - a guest error in the undisturbed run: judged there
        end = b.machine.now()
    return pair(seen, end)


@dataclass
class SearchResult:
    """A search's verdict: ``minimal`` is the shrunk failing schedule, or None."""

    prepared: Prepared
    engine: str
    seed: int
    examples: int
    max_events: int
    window_ns: tuple[int, int]
    runs: int
    minimal: list[Arrival] | None
    outcome: Outcome  #: the minimal schedule's run (the undisturbed one if none failed)
    masked: int = 0  #: the IRQ-masked windows half the arrival times were drawn in

    @property
    def found(self) -> bool:
        return self.minimal is not None

    def to_json(self) -> dict[str, Any]:
        from irqemu import __version__

        p = self.prepared
        return {"format": FORMAT, "irqemu_version": __version__,
                "firmware_sha256": p.sha256, "board_resolved": p.board,
                "engine": self.engine, "seed": self.seed, "examples": self.examples,
                "max_events": self.max_events, "window_resolved_ns": list(self.window_ns),
                "target": p.target.to_json(), "found": self.found,
                "masked_windows": self.masked,
                "schedule": schedule_to_json(self.minimal or []),
                "outcome": self.outcome.facts()}


def search(p: Prepared, *, examples: int = 100, seed: int = 0, max_events: int = MAX_EVENTS,
           engine: str = "native", progress: Callable[[int, int, int | None], None] | None = None
           ) -> SearchResult:
    """Let hypothesis draw up to ``examples`` schedules of up to ``max_events`` arrivals,
    shrink the first failure to the smallest schedule; the same seed, the same result."""
    try:
        from hypothesis import HealthCheck, Phase, settings
        from hypothesis.errors import NoSuchExample
    except ImportError:
        raise FuzzRunError("irqemu fuzz needs hypothesis (pip install hypothesis)") from None
    from irqemu.fuzz.schedule import strategy

    window, base = calibrate(p, engine)
    if p.target.must_end is None:
        p.target = replace(p.target, must_end=base.stop_reason == "exit")
    if window[1] <= window[0]:
        raise FuzzRunError(f"--window {window[0]}:{window[1]} ns is empty")
    masked = masked_windows(p, engine) if p.target.arrivals == "masked" else []
    strat = strategy(p.target.irqs, window[0], window[1], max_events, masked)
    runs = 0
    best: int | None = None
    seen: dict[str, bool] = {}  #: each schedule's verdict: a run is deterministic

    def fails(schedule: list[Arrival]) -> bool:
        nonlocal runs, best
        runs += 1
        key = json.dumps(schedule_to_json(schedule))
        if key not in seen:
            seen[key] = not run_schedule(p, schedule, engine=engine).passed
        bad = seen[key]
        if bad and (best is None or len(schedule) < best):
            best = len(schedule)
        if progress is not None:
            progress(runs, examples, best)
        return bad

    # derandomize=False: the seed decides, whatever profile the caller loaded (a test
    # suite's derandomize=True would ignore it and give another search than the CLI)
    config = settings(max_examples=examples, database=None, deadline=None, derandomize=False,
                      phases=(Phase.generate, Phase.shrink),
                      suppress_health_check=list(HealthCheck))
    minimal: list[Arrival] | None
    if not base.passed:  # fails with no interrupt at all: the empty schedule is minimal
        minimal = []
    else:
        try:
            minimal = one_minimal(find_seeded(strat, fails, config, seed), fails,
                                  _delay_of(p, base, engine))
        except NoSuchExample:
            minimal = None
    outcome = base if not minimal else run_schedule(p, minimal, engine=engine)
    return SearchResult(p, engine, seed, examples, max_events, window, runs + 1, minimal,
                        outcome, len(masked))


def one_minimal(schedule: list[Arrival], fails: Callable[[list[Arrival]], bool],
                delay: Callable[[Arrival], int] | None = None) -> list[Arrival]:
    """``schedule`` with arrivals deleted while it still fails, until deleting any one
    makes it hold. Hypothesis' shrinker deletes too, but may stop early when another
    part of its choice sequence changed at the same time; this settles it. With
    ``delay`` (ns an arrival's handling holds the firmware back), a deletion that
    makes the run hold is tried again with the later arrivals moved that much
    earlier: they then meet the code at the point they met it before."""
    i = 0
    while i < len(schedule):
        gone = schedule[i]
        fewer = schedule[:i] + schedule[i + 1:]
        if fails(fewer):
            schedule, i = fewer, 0
            continue
        d = delay(gone) if delay is not None else 0
        moved = [a._replace(time=a.time - d) if a.time > gone.time else a for a in fewer]
        if d > 0 and all(a.time >= 0 for a in moved) and fails(sort_moved := sorted(
                moved, key=lambda a: a.time)):
            schedule, i = sort_moved, 0
        else:
            i += 1
    return schedule


def _delay_of(p: Prepared, base: Outcome, engine: str) -> Callable[[Arrival], int]:
    """ns one arrival alone holds its CPU back: the cycles its handling added to a run
    that exits, at the CPU's clock (0 when either run does not exit)."""
    cache: dict[str, int] = {}
    clocks = [s.clock for s in _build(p, engine).machine.cpus]

    def delay(a: Arrival) -> int:
        key = json.dumps(schedule_to_json([a]))
        if key not in cache:
            out = run_schedule(p, [a], engine=engine)
            cpu = a.cpu if a.cpu < len(clocks) else 0
            extra = out.cycles[cpu] - base.cycles[cpu]
            ok = base.stop_reason == out.stop_reason == "exit" and extra > 0
            cache[key] = clocks[cpu].to_ps(extra) // 1000 if ok else 0
        return cache[key]

    return delay


def save(result: SearchResult, path: str | Path) -> None:
    Path(path).write_text(json.dumps(result.to_json(), indent=1, sort_keys=True) + "\n")


@dataclass
class ReplayResult:
    prepared: Prepared
    engine: str
    schedule: list[Arrival]
    outcome: Outcome
    differences: list[str]
    notes: list[str]

    @property
    def reproduced(self) -> bool:
        return not self.differences


def load(path: str | Path) -> dict[str, Any]:
    """A replay file's JSON, checked for shape; FuzzRunError in one line otherwise."""
    return read_replay(path, FORMAT, "irqemu fuzz run",
                       (("target", dict), ("schedule", list), ("outcome", dict),
                        ("firmware_sha256", str)), FuzzRunError)


def target_from_json(d: dict[str, Any], base_dir: Path | None = None) -> Target:
    """The :class:`Target` a replay file records (firmware relative to the file's
    directory if it is not found as written)."""
    fw = str(d["firmware"])
    if base_dir is not None and not Path(fw).is_file() and (base_dir / fw).is_file():
        fw = str(base_dir / fw)
    win = d.get("window_ns")
    return Target(
        firmware=fw, board=d.get("board"), num_cpus=d.get("num_cpus"),
        irqs=tuple(IrqSpec.from_json(s) for s in d.get("irqs", [])),
        sources=tuple(SourceSpec(str(s["name"]), int(s["base"]), int(s["line"]))
                      for s in d.get("sources", [])),
        sets=tuple((str(k), int(v)) for k, v in d.get("sets", [])),
        check=d.get("check"), exit_code=d.get("exit_code"),
        max_time_ns=int(d.get("max_time_ns", DEFAULT_MAX_TIME_NS)),
        window_ns=None if win is None else (int(win[0]), int(win[1])),
        must_end=None if d.get("must_end") is None else bool(d["must_end"]),
        quantum_cycles=int(d.get("quantum_cycles", 10_000)),
        interleave_seed=None if d.get("interleave_seed") is None
        else int(d["interleave_seed"]),
        arrivals=str(d.get("arrivals", "uniform")))


def replay(path: str | Path, *, engine: str | None = None, fabric: str | None = None,
           predicate: Callable[[Any], bool] | None = None) -> ReplayResult:
    """Play a saved schedule again and compare every recorded fact."""
    from irqemu import __version__

    data = load(path)
    try:
        target = target_from_json(data["target"], Path(path).parent)
        if predicate is not None:
            target = replace(target, predicate=predicate)
        schedule = schedule_from_json(data["schedule"])
    except (KeyError, TypeError, ValueError) as exc:
        raise FuzzRunError(f"{path}: bad entry: {exc}") from None
    p = prepare(target)
    if p.sha256 != data["firmware_sha256"]:
        raise FuzzRunError(f"{path}: firmware {target.firmware} differs from the recorded one "
                           f"(sha256 {p.sha256[:12]}..., recorded "
                           f"{data['firmware_sha256'][:12]}...)")
    notes = []
    if data.get("irqemu_version") != __version__:
        notes.append(f"recorded with irqemu {data.get('irqemu_version')}, replaying with "
                     f"{__version__}")
    eng = engine or str(data.get("engine", "native"))
    try:
        outcome = run_schedule(p, schedule, engine=eng, fabric=fabric)
    except ScheduleError as exc:
        raise FuzzRunError(f"{path}: {exc}") from None
    now = outcome.facts()
    diffs = [f"{k}: recorded {data['outcome'].get(k)!r}, now {v!r}"
             for k, v in now.items() if data["outcome"].get(k) != v]
    return ReplayResult(p, eng, schedule, outcome, diffs, notes)


def _us(ps: int) -> str:
    return f"{ps / 10**6:>12,.3f} us"


def timeline(p: Prepared, out: Outcome) -> str:
    """The run as people read it: each arrival and each interrupt taken, in time order,
    with the CPU, the source and the PC and symbol the interrupt was taken at."""
    rows: list[tuple[int, int, str]] = []
    for ps, name, cpu in out.fired:
        kind = next((s.kind for s in p.target.irqs if s.name == name), "")
        n = p.lines.get(name)
        line = f"line {name}" if name.isdigit() else name if n is None else f"{name} (line {n})"
        rows.append((ps, 0, f"{_us(ps)}  cpu{cpu}  {line} raised ({kind})"
                     if not any(s.name == name for s in p.target.sources)
                     else f"{_us(ps)}  cpu{cpu}  {line} fires (INT_STATUS bit 0)"))
    for ps, cpu, exc, pc, ident in out.taken:
        what = _taken_what(exc, ident, p.id_kind)
        rows.append((ps, 1, f"{_us(ps)}  cpu{cpu}  {what} taken at {_where(p, pc)}"))
    if not rows:
        return "  (no interrupts)"
    return "\n".join(r for _, _, r in sorted(rows, key=lambda r: (r[0], r[1])))


def progress_bar(stream: Any = sys.stderr) -> Callable[[int, int, int | None], None]:
    """A one-line progress display: runs so far, examples asked, best failure."""
    def show(runs: int, examples: int, best: int | None) -> None:
        found = "none failed yet" if best is None else f"smallest failure so far: {best} arrivals"
        stream.write(f"\r  run {runs} ({examples} examples + shrinking), {found}   ")
        stream.flush()

    return show


__all__ = ["FORMAT", "FuzzRunError", "Outcome", "Prepared", "ReplayResult", "SearchResult",
           "Target", "bound", "calibrate", "load", "prepare", "replay", "run_schedule",
           "save", "search"]
