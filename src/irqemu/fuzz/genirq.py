"""``irqemu fuzz genirq DRIVER``: search handler orderings of a modelled driver.

A driver (:class:`~irqemu.fuzz.genirq_spec.Driver`, loaded from a Python file
or ``module:attr`` by :func:`load_driver`) declares its lines, its
``request_irq`` / ``request_threaded_irq`` calls, its tasklets, a fresh state
per run and an invariant over it. Hypothesis draws a :class:`Schedule` (each
line's CPU, and arrivals: which line, when, in simulated ns); each is played
on a fresh modelled kernel of the chosen flavour (:mod:`irqemu.fuzz.genirq_world`);
the first that breaks the invariant is shrunk to the fewest, earliest arrivals
on the lowest CPUs, and :func:`save` / :func:`replay` write and reproduce it.

Only the search needs hypothesis; replaying does not.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from irqemu.fuzz.genirq_spec import (
    IRQ_HANDLED,
    IRQ_NONE,
    IRQ_WAKE_THREAD,
    IRQF_NO_THREAD,
    IRQF_ONESHOT,
    IRQF_SHARED,
    Driver,
    DriverError,
    Line,
    Request,
    Tasklet,
)
from irqemu.fuzz.genirq_world import Ctx, Facts, Outcome, Schedule, format_event, run
from irqemu.fuzz.replayfile import read_replay

FORMAT = "irqemu-fuzz-genirq/1"
KERNELS = ("mainline", "threadirqs", "rt")
MAX_CPUS = 8
MAX_EVENTS = 4
DEFAULT_MAX_TIME_NS = 100_000  #: 0.1 ms of simulated time: arrivals fall in [0, this)


def load_driver(spec: str) -> tuple[Driver, str]:
    """The Driver named by ``spec`` (``FILE.py``, ``FILE.py:attr``, ``module:attr``;
    attr defaults to ``driver``) and the sha256 of its file (or "" for a module)."""
    where, _, attr = spec.partition(":")
    attr = attr or "driver"
    if where.endswith(".py") or "/" in where:
        path = Path(where)
        if not path.is_file():
            raise DriverError(f"driver {where}: no such file")
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        mod = _import_file(path, spec, sha)
    else:
        try:
            mod = importlib.import_module(where)
        except ImportError as exc:
            raise DriverError(f"driver {where}: cannot import module: {exc}") from None
        sha = ""
    obj = getattr(mod, attr, None)
    if obj is None:
        raise DriverError(f"driver {spec}: no attribute {attr!r} (define {attr} = Driver(...))")
    if not isinstance(obj, Driver):
        raise DriverError(f"driver {spec}: {attr} is a {type(obj).__name__}, not a Driver")
    obj.validate()
    return obj, sha


def _import_file(path: Path, spec: str, sha: str) -> Any:
    """The module of a driver file, imported once per content (an edited file reloads)."""
    name = f"irqemu_fuzz_driver_{sha[:16]}"
    if name in sys.modules:
        return sys.modules[name]
    loader_spec = importlib.util.spec_from_file_location(name, path)
    if loader_spec is None or loader_spec.loader is None:
        raise DriverError(f"driver {spec}: cannot load as a Python file")
    mod = importlib.util.module_from_spec(loader_spec)
    try:
        loader_spec.loader.exec_module(mod)
    except Exception as exc:  # the user's module: any error is one line
        raise DriverError(f"driver {spec}: {type(exc).__name__}: {exc}") from None
    sys.modules[name] = mod
    return mod


@dataclass(frozen=True)
class Campaign:
    """A search's settings: the driver, the kernel flavour, CPUs and run length."""

    driver_spec: str
    kernel: str = "mainline"
    cpus: int = 1
    max_time_ns: int = DEFAULT_MAX_TIME_NS
    max_events: int = MAX_EVENTS

    def check(self) -> None:
        if self.kernel not in KERNELS:
            raise DriverError(f"kernel {self.kernel!r}: one of {', '.join(KERNELS)}")
        if not 1 <= self.cpus <= MAX_CPUS:
            raise DriverError(f"cpus {self.cpus}: must be from 1 to {MAX_CPUS}")
        if self.max_time_ns < 1:
            raise DriverError("max time: must be at least 1 ns")
        if self.max_events < 1:
            raise DriverError("max events: must be at least 1")

    def to_json(self) -> dict[str, Any]:
        return {"driver": self.driver_spec, "kernel": self.kernel, "cpus": self.cpus,
                "max_time_ns": self.max_time_ns, "max_events": self.max_events}


def schedules(driver: Driver, cpus: int, horizon_ns: int, max_events: int) -> Any:
    """Hypothesis strategy of :class:`Schedule`: shrinks towards fewer arrivals, earlier
    times, the first line and CPU 0."""
    from hypothesis import strategies as st

    names = [ln.name for ln in driver.lines]
    affinity = st.tuples(*[st.integers(0, cpus - 1) for _ in names])
    arrival = st.tuples(st.integers(0, horizon_ns - 1), st.sampled_from(names))
    arrivals = st.lists(arrival, max_size=max_events)
    return st.builds(lambda a, xs: Schedule(a, tuple(sorted(xs))), affinity, arrivals)


def play(driver: Driver, c: Campaign, schedule: Schedule) -> Outcome:
    """One run of ``schedule``."""
    return run(driver, c.kernel, c.cpus, schedule, c.max_time_ns)


@dataclass
class SearchResult:
    campaign: Campaign
    driver: Driver
    driver_sha256: str
    seed: int
    examples: int
    runs: int
    minimal: Schedule | None
    outcome: Outcome  #: the minimal schedule's run (the empty schedule's if none failed)

    @property
    def found(self) -> bool:
        return self.minimal is not None

    def line_names(self) -> dict[int, str]:
        return line_names(self.driver)

    def to_json(self) -> dict[str, Any]:
        from irqemu import __version__

        sched = self.minimal if self.minimal is not None else Schedule(
            (0,) * len(self.driver.lines), ())
        return {"format": FORMAT, "irqemu_version": __version__,
                "campaign": self.campaign.to_json(), "driver_sha256": self.driver_sha256,
                "seed": self.seed, "examples": self.examples, "found": self.found,
                "schedule": sched.to_json(), "outcome": self.outcome.to_json(self.line_names())}


def line_names(driver: Driver) -> dict[int, str]:
    from irqemu.fuzz.genirq_world import FIRST_IRQ

    return {FIRST_IRQ + i: ln.name for i, ln in enumerate(driver.lines)}


def search(c: Campaign, *, examples: int = 100, seed: int = 0,
           progress: Callable[[int, int, int | None], None] | None = None) -> SearchResult:
    """Let hypothesis draw up to ``examples`` schedules; shrink the first failure to the
    smallest. The same seed gives the same minimal schedule."""
    try:
        from hypothesis import HealthCheck, Phase, settings
        from hypothesis.errors import NoSuchExample

        from irqemu.fuzz.seeded import find_seeded
    except ImportError:
        raise DriverError("irqemu fuzz genirq needs hypothesis (pip install hypothesis)"
                          ) from None
    c.check()
    driver, sha = load_driver(c.driver_spec)
    empty = Schedule((0,) * len(driver.lines), ())
    base = play(driver, c, empty)
    runs = 1
    best: int | None = None

    def fails(s: Schedule) -> bool:
        nonlocal runs, best
        runs += 1
        bad = not play(driver, c, s).passed
        if bad and (best is None or len(s.arrivals) < best):
            best = len(s.arrivals)
        if progress is not None:
            progress(runs, examples, best)
        return bad

    # derandomize=False: the seed decides, under any loaded profile (the test suite's
    # derandomizes)
    config = settings(max_examples=examples, database=None, deadline=None, derandomize=False,
                      phases=(Phase.generate, Phase.shrink),
                      suppress_health_check=list(HealthCheck))
    minimal: Schedule | None
    if not base.passed:  # broken without any interrupt: the empty schedule is minimal
        minimal = empty
    else:
        try:
            minimal = find_seeded(schedules(driver, c.cpus, c.max_time_ns, c.max_events),
                                  fails, settings=config, seed=seed)
        except NoSuchExample:
            minimal = None
    outcome = base if minimal is None or minimal == empty else play(driver, c, minimal)
    return SearchResult(c, driver, sha, seed, examples, runs, minimal, outcome)


def save(result: SearchResult, path: str | Path) -> None:
    Path(path).write_text(json.dumps(result.to_json(), indent=1, sort_keys=True) + "\n")


@dataclass
class ReplayResult:
    campaign: Campaign
    driver: Driver
    schedule: Schedule
    outcome: Outcome
    differences: list[str]
    notes: list[str]

    @property
    def reproduced(self) -> bool:
        return not self.differences


def load(path: str | Path) -> dict[str, Any]:
    """A replay file's JSON, checked for shape; DriverError in one line otherwise."""
    return read_replay(path, FORMAT, "irqemu fuzz genirq",
                       (("campaign", dict), ("schedule", dict), ("outcome", dict)), DriverError)


def replay(path: str | Path, *, kernel: str | None = None) -> ReplayResult:
    """Play a saved schedule again (on its kernel, or ``kernel``) and compare the outcome,
    timeline included, with the recorded one."""
    from irqemu import __version__

    data = load(path)
    try:
        cd = data["campaign"]
        c = Campaign(str(cd["driver"]), str(cd["kernel"]), int(cd["cpus"]),
                     int(cd["max_time_ns"]), int(cd.get("max_events", MAX_EVENTS)))
        schedule = Schedule.from_json(data["schedule"])
    except (KeyError, TypeError, ValueError) as exc:
        raise DriverError(f"{path}: bad entry: {exc}") from None
    c = replace(c, driver_spec=_beside(c.driver_spec, Path(path).parent))
    notes: list[str] = []
    if kernel is not None and kernel != c.kernel:
        notes.append(f"recorded on {c.kernel}, played on {kernel}: nothing to compare")
        c = replace(c, kernel=kernel)
    c.check()
    driver, sha = load_driver(c.driver_spec)
    if sha != data.get("driver_sha256", ""):
        notes.append(f"driver {c.driver_spec} differs from the recorded one")
    if data.get("irqemu_version") != __version__:
        notes.append(f"recorded with irqemu {data.get('irqemu_version')}, replaying with "
                     f"{__version__}")
    outcome = play(driver, c, schedule)
    diffs: list[str] = []
    if not any(n.startswith("recorded on") for n in notes):
        now = outcome.to_json(line_names(driver))
        diffs = [f"{k}: recorded {data['outcome'].get(k)!r}, now {v!r}"
                 for k, v in now.items() if data["outcome"].get(k) != v]
    return ReplayResult(c, driver, schedule, outcome, diffs, notes)


def _beside(spec: str, base: Path) -> str:
    """A driver file named relative to the replay file's directory when it is not found
    as written (a replay file moved together with its driver)."""
    where, colon, attr = spec.partition(":")
    if (where.endswith(".py") or "/" in where) and not Path(where).is_file() \
            and (base / where).is_file():
        return f"{base / where}{colon}{attr}"
    return spec


def timeline(driver: Driver, outcome: Outcome, limit: int = 400) -> str:
    """The run's rows: simulated time, CPU, current task, what happened (the first and
    last of them when there are more than ``limit``, as in a storm)."""
    names = line_names(driver)
    rows = [format_event(e, names) for e in outcome.events]
    if len(rows) > limit:
        head, tail = rows[: limit - limit // 4], rows[-(limit // 4):]
        rows = [*head, f"  ... {len(rows) - len(head) - len(tail):,} rows ...", *tail]
    return "\n".join(rows)


def describe(driver: Driver, s: Schedule) -> str:
    """A schedule in words: each line's CPU and each arrival."""
    aff = ", ".join(f"{ln.name}->CPU{c}" for ln, c in zip(driver.lines, s.affinity, strict=True))
    arr = ", ".join(f"{ln} at {t:,} ns" for t, ln in s.arrivals) or "no arrival"
    return f"affinity {aff}; {arr}"


__all__ = [
    "FORMAT", "IRQF_NO_THREAD", "IRQF_ONESHOT", "IRQF_SHARED", "IRQ_HANDLED", "IRQ_NONE",
    "IRQ_WAKE_THREAD", "KERNELS", "Campaign", "Ctx", "Driver", "DriverError", "Facts", "Line",
    "Outcome", "ReplayResult", "Request", "Schedule", "SearchResult", "Tasklet", "describe",
    "load", "load_driver", "play", "replay", "save", "schedules", "search", "timeline",
]
