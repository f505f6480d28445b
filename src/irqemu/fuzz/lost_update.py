"""The shipped fuzzing example: a task and an IRQ handler race on one counter.

``firmware/<arch>/lost_update.elf`` runs a task loop that increments a shared
counter ``task_iters`` times while an IRQ handler increments it once per
interrupt, both with the variant's increment sequence (see the firmware's
comment for where the race window is and why the fixed variants are right
on real hardware). Two :class:`~irqemu.devices.irq_source.IrqSource`
devices, connected here at free SoC addresses, raise the interrupts at the
times a schedule gives (core cycles of CPU 0 since reset). After the run the
counter is compared with ``task_done + handled`` read from guest memory.

:func:`search` lets hypothesis look for a schedule that loses an update and
shrink it; :meth:`SearchResult.save` writes it as JSON; :func:`replay` plays
it again, bit for bit (same board, firmware, schedule, engine: identical
counts, cycles and simulated time).

Variants: ``plain``, ``irqsave``, ``ldrex`` on the i.MX6Q (Cortex-A9);
``lse`` (ARMv8.1 ``ldadd``) and the AArch64 baselines ``plain-a64``,
``irqsave-a64``, ``llsc-a64`` on QEMU virt with the LSE core (Cortex-A55).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from irqemu.devices.irq_source import IrqSource
from irqemu.fuzz.strategies import (
    Arrival,
    schedule_from_json,
    schedule_to_json,
    sort_schedule,
)

FORMAT = "irqemu-fuzz/1"
SCENARIO = "lost-update"
FIRMWARE = "lost_update.elf"
TASK_ITERS = 100  #: the task's increments (the .data word ``task_iters``)
MAX_EVENTS = 4  #: arrivals per schedule in a search
MAX_CYCLES = 10**7  #: a run that gets here is a harness bug, not a finding
PAYLOAD_MAX = 0xFF  #: payloads are INT_STATUS bits 1..0xFF, shrinking towards 1


class FuzzError(Exception):
    """Bad input (an unknown variant, a malformed replay file): one line for the user."""


@dataclass(frozen=True)
class VariantSpec:
    """One way of incrementing the counter, and where it runs."""

    name: str
    arch: str
    board: str
    core: str
    index: int  #: the firmware's ``variant`` word
    sequence: str  #: the increment, for people
    loses: bool  #: does this variant lose updates? (what the search should find)
    #: (MMIO base, GIC ID) of each IrqSource; the GIC IDs are the schedule's lines
    sources: tuple[tuple[int, int], ...]

    @property
    def lines(self) -> tuple[int, ...]:
        return tuple(gic_id for _, gic_id in self.sources)


#: i.MX6Q: I2C1's and I2C2's slots (SPI 36, 37), unused by this board model
_IMX = ((0x021A0000, 32 + 36), (0x021A4000, 32 + 37))
#: QEMU virt: unused device-window space, SPIs 10 and 11 (nothing of virt's)
_VIRT = ((0x09100000, 32 + 10), (0x09101000, 32 + 11))

VARIANTS: dict[str, VariantSpec] = {v.name: v for v in (
    VariantSpec("plain", "armv7", "imx6q", "cortex-a9", 0,
                "ldr; adds; bvs; str (no protection)", True, _IMX),
    VariantSpec("irqsave", "armv7", "imx6q", "cortex-a9", 1,
                "mrs cpsr; cpsid i; ldr; adds; bvs; str; msr cpsr_c", False, _IMX),
    VariantSpec("ldrex", "armv7", "imx6q", "cortex-a9", 2,
                "ldrex; adds; bvs; strex; teq; bne (task and handler)", False, _IMX),
    VariantSpec("lse", "aarch64", "virt-a53", "cortex-a55", 3,
                "ldadd (ARMv8.1 LSE; task and handler)", False, _VIRT),
    VariantSpec("plain-a64", "aarch64", "virt-a53", "cortex-a55", 0,
                "ldr; adds; b.vs; str (no protection)", True, _VIRT),
    VariantSpec("irqsave-a64", "aarch64", "virt-a53", "cortex-a55", 1,
                "mrs daif; msr daifset, #2; ldr; adds; b.vs; str; msr daif", False, _VIRT),
    VariantSpec("llsc-a64", "aarch64", "virt-a53", "cortex-a55", 2,
                "ldxr; adds; b.vs; stxr; cbnz (task and handler)", False, _VIRT),
)}


def variant_spec(name: str) -> VariantSpec:
    try:
        return VARIANTS[name]
    except KeyError:
        raise FuzzError(f"unknown variant {name!r} (known: {', '.join(VARIANTS)})") from None


class _MarkedSource(IrqSource):
    """An IrqSource that also records when the guest writes INT_ENABLE: the
    firmware writes it (with no effect) as it enters and leaves its task loop."""

    def __init__(self, machine: Any, base: int, name: str) -> None:
        super().__init__(machine, base, name)
        self.marks: list[int] = []

    def write_INT_ENABLE(self, cpu: int, index: int, value: int) -> None:
        self.marks.append(self.machine.now())
        super().write_INT_ENABLE(cpu, index, value)


@dataclass
class Outcome:
    """What one run did, read from guest memory and the machine."""

    counter: int
    task_done: int
    handled: int
    handled_per_line: dict[int, int]
    fired: int  #: source events raised (arrivals; coalesced ones included)
    stop_reason: str
    exit_code: int | None
    cycles: int  #: CPU 0's modelled busy cycles
    instructions: int
    sim_time_ps: int
    loop_cycles: tuple[int, int]  #: CPU 0 cycle counts at the task loop's markers
    uart: str = ""

    @property
    def expected(self) -> int:
        return self.task_done + self.handled

    @property
    def lost(self) -> int:
        """Updates lost: expected - counter (0 when the counter is right)."""
        return self.expected - self.counter

    @property
    def lost_update(self) -> bool:
        return self.lost > 0

    def summary(self) -> str:
        what = (f"{self.lost} update{'s' if self.lost != 1 else ''} lost" if self.lost > 0
                else "no update lost")
        return (f"counter {self.counter}, expected {self.expected} "
                f"({self.task_done} task + {self.handled} irq): {what}")

    def facts(self) -> dict[str, Any]:
        """The deterministic part, as plain data (what a replay must reproduce)."""
        d = asdict(self)
        d["handled_per_line"] = {str(k): v for k, v in self.handled_per_line.items()}
        d["loop_cycles"] = list(self.loop_cycles)
        d.update(expected=self.expected, lost=self.lost)
        return d


def _firmware(spec: VariantSpec) -> Path:
    from irqemu.bundled import bundled_firmware

    return bundled_firmware(spec.arch, FIRMWARE)


def firmware_sha256(spec: VariantSpec) -> str:
    return hashlib.sha256(_firmware(spec).read_bytes()).hexdigest()


def run_schedule(variant: str | VariantSpec, schedule: list[Arrival], *,
                 task_iters: int = TASK_ITERS, engine: str = "native") -> Outcome:
    """Boot the lost-update firmware, play ``schedule`` (times in CPU 0 cycles,
    lines = the variant's GIC IDs, payload = INT_STATUS bits), run to its exit."""
    from irqemu.boards import build_board

    spec = variant if isinstance(variant, VariantSpec) else variant_spec(variant)
    schedule = sort_schedule(schedule)
    check_schedule(spec, schedule)
    kw: dict[str, Any] = {"core": spec.core} if spec.board == "virt-a53" else {}
    m = build_board(spec.board, num_cpus=1, engine=engine, **kw)
    sources: dict[int, _MarkedSource] = {}
    for i, (base, gic_id) in enumerate(spec.sources):
        src = _MarkedSource(m, base, f"fuzz{i}")
        src.irq.connect(m.irq_controller.input(gic_id))
        m.add_device(f"fuzz{i}", src, base, src.SIZE)
        sources[gic_id] = src
    m.load_elf(str(_firmware(spec)))
    syms = m.image.symbols if m.image is not None else {}

    def word(name: str, offset: int = 0) -> int:
        return int.from_bytes(m.mem_read(syms[name] + offset, 4), "little")

    def patch(name: str, value: int) -> None:
        m.mem_write(syms[name], value.to_bytes(4, "little"))

    patch("variant", spec.index)
    patch("task_iters", task_iters)
    patch("arrivals", len(schedule))
    clock = m.cpus[0].clock
    for a in schedule:
        def fire(src: _MarkedSource = sources[a.line], bits: int = a.payload) -> None:
            src.fire(bits)

        m.schedule(clock.to_ps(a.time), fire, f"fuzz.arrival@{a.time}")
    result = m.run(max_cycles=MAX_CYCLES)
    marks = [clock.to_cycles(t) for t in sources[spec.lines[0]].marks]
    per_line = {gic_id: word("handled_line", 4 * i) for i, gic_id in enumerate(spec.lines)}
    out = Outcome(
        counter=word("counter"), task_done=word("task_done"), handled=word("handled"),
        handled_per_line=per_line, fired=sum(s.fired for s in sources.values()),
        stop_reason=result.stop_reason, exit_code=result.exit_code, cycles=result.cycles[0],
        instructions=result.instructions[0], sim_time_ps=result.sim_time_ps,
        loop_cycles=(marks[0], marks[1]) if len(marks) >= 2 else (0, 0),
        uart=m.console.decode("utf-8", "replace"))
    if result.stop_reason != "exit" or out.exit_code == 2 or word("unexpected"):
        raise RuntimeError(f"lost_update firmware ({spec.name}) did not finish cleanly: "
                           f"{result.stop_reason} {result.exit_code} {result.message}".rstrip())
    if out.lost < 0:
        raise RuntimeError(f"lost_update ({spec.name}): counter {out.counter} above "
                           f"expected {out.expected}")
    return out


def check_schedule(spec: VariantSpec, schedule: list[Arrival]) -> None:
    """``FuzzError`` unless every arrival is on one of the variant's lines, CPU 0,
    with a payload of INT_STATUS bits."""
    for i, a in enumerate(schedule):
        if a.line not in spec.lines:
            raise FuzzError(f"schedule entry {i}: line {a.line!r} is not one of variant "
                            f"{spec.name}'s lines {list(spec.lines)}")
        if a.cpu != 0:
            raise FuzzError(f"schedule entry {i}: cpu {a.cpu}: the lost-update firmware "
                            "runs on CPU 0 only")
        if not isinstance(a.payload, int) or isinstance(a.payload, bool) \
                or not 0 <= a.payload <= 0xFFFFFFFF:
            raise FuzzError(f"schedule entry {i}: payload must be a 32-bit INT_STATUS value")
        if a.time > MAX_CYCLES // 2:
            raise FuzzError(f"schedule entry {i}: time {a.time} is past the run's end")


@lru_cache(maxsize=32)
def loop_window(variant: str, task_iters: int = TASK_ITERS) -> tuple[int, int]:
    """CPU 0 cycles at which the undisturbed task loop starts and ends (a
    calibration run's markers): where a search aims its arrivals."""
    out = run_schedule(variant, [], task_iters=task_iters)
    start, end = out.loop_cycles
    if end <= start:
        raise RuntimeError(f"lost_update ({variant}): no task-loop markers")
    return start, end


@dataclass
class SearchResult:
    """What :func:`search` found; ``minimal`` is None when no schedule lost an update."""

    variant: str
    seed: int
    examples: int
    max_events: int
    task_iters: int
    window: tuple[int, int]
    runs: int  #: firmware runs, generation and shrinking together
    first: list[Arrival] | None
    minimal: list[Arrival] | None
    outcome: Outcome | None  #: the minimal schedule's run
    engine: str = "native"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> VariantSpec:
        return VARIANTS[self.variant]

    @property
    def found(self) -> bool:
        return self.minimal is not None

    @property
    def as_predicted(self) -> bool:
        """The plain variants lose an update; the fixed ones survive."""
        return self.found == self.spec.loses

    def to_json(self) -> dict[str, Any]:
        from irqemu import __version__

        spec = self.spec
        schedule = self.minimal or []
        outcome = self.outcome or run_schedule(spec, schedule, task_iters=self.task_iters,
                                               engine=self.engine)
        return {
            "format": FORMAT,
            "scenario": SCENARIO,
            "irqemu_version": __version__,
            "variant": spec.name,
            "arch": spec.arch,
            "board": spec.board,
            "core": spec.core,
            "num_cpus": 1,
            "engine": self.engine,
            "firmware": f"{spec.arch}/{FIRMWARE}",
            "firmware_sha256": firmware_sha256(spec),
            "sources": [{"base": base, "line": gic_id} for base, gic_id in spec.sources],
            "task_iters": self.task_iters,
            "time_unit": "cycles",
            "seed": self.seed,
            "examples": self.examples,
            "max_events": self.max_events,
            "window": list(self.window),
            "found": self.found,
            "schedule": schedule_to_json(schedule),
            "outcome": outcome.facts(),
        }

    def save(self, path: str | Path) -> None:
        """Write the minimal schedule (or the empty one when nothing was found) and
        everything needed to replay it as JSON."""
        Path(path).write_text(json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n")


def search(variant: str, examples: int = 100, seed: int = 0, *, max_events: int = MAX_EVENTS,
           task_iters: int = TASK_ITERS, engine: str = "native") -> SearchResult:
    """Let hypothesis look for a schedule that loses an update, then shrink it.

    Up to ``examples`` schedules of up to ``max_events`` arrivals, timed inside
    the task loop (:func:`loop_window`), on either line, payload 1..255. The
    same ``seed`` gives the same result. Needs hypothesis.
    """
    try:
        from hypothesis import HealthCheck, Phase, settings
        from hypothesis import strategies as st
        from hypothesis.errors import NoSuchExample

        from irqemu.fuzz.seeded import find_seeded
    except ImportError:
        raise FuzzError("irqemu fuzz needs hypothesis (pip install hypothesis)") from None
    from irqemu.fuzz.strategies import arrival_schedules

    spec = variant_spec(variant)
    if examples < 1:
        raise FuzzError("--examples must be at least 1")
    window = loop_window(spec.name, task_iters)
    strategy = arrival_schedules(spec.lines, (0,), max_events=max_events, start=window[0],
                                 horizon=window[1], payloads=st.integers(1, PAYLOAD_MAX))
    runs = 0
    first: list[list[Arrival]] = []

    def loses(schedule: list[Arrival]) -> bool:
        nonlocal runs
        runs += 1
        lost = run_schedule(spec, schedule, task_iters=task_iters, engine=engine).lost_update
        if lost and not first:
            first.append(schedule)
        return lost

    config = settings(max_examples=examples, database=None, deadline=None,
                      phases=(Phase.generate, Phase.shrink),
                      suppress_health_check=list(HealthCheck))
    try:
        minimal: list[Arrival] | None = find_seeded(strategy, loses, settings=config,
                                                    seed=seed)
    except NoSuchExample:
        minimal = None
    outcome = None
    if minimal is not None:
        minimal = sort_schedule(minimal)
        outcome = run_schedule(spec, minimal, task_iters=task_iters, engine=engine)
    return SearchResult(spec.name, seed, examples, max_events, task_iters, window, runs,
                        first[0] if first else None, minimal, outcome, engine)


@dataclass
class ReplayResult:
    """A saved schedule played again: did it reproduce what was recorded?"""

    variant: str
    schedule: list[Arrival]
    outcome: Outcome
    recorded: dict[str, Any] | None  #: the file's outcome (None when replayed on another variant)
    differences: list[str]
    notes: list[str]
    data: dict[str, Any]

    @property
    def reproduced(self) -> bool:
        return self.recorded is not None and not self.differences


def _load(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FuzzError(f"{path}: not a text (JSON) file") from None
    except OSError as exc:
        raise FuzzError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FuzzError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise FuzzError(f"{path}: not an irqemu fuzz file (no \"format\": \"{FORMAT}\")")
    if data.get("scenario") != SCENARIO:
        raise FuzzError(f"{path}: unknown scenario {data.get('scenario')!r} "
                        f"(this irqemu replays {SCENARIO!r})")
    for key, kind in (("variant", str), ("schedule", list), ("task_iters", int)):
        if not isinstance(data.get(key), kind):
            raise FuzzError(f"{path}: missing or bad {key!r}")
    if not 0 <= data["task_iters"] <= 1_000_000:
        raise FuzzError(f"{path}: task_iters {data['task_iters']} out of range 0..1000000")
    if data.get("engine", "native") not in ("native", "reference"):
        raise FuzzError(f"{path}: unknown engine {data.get('engine')!r}")
    return data


def replay(path: str | Path, *, variant: str | None = None,
           engine: str | None = None) -> ReplayResult:
    """Play a saved schedule again. With ``variant``, play it on another variant
    of the same architecture (does the fix survive the schedule that broke
    plain?); then there is nothing recorded to compare with."""
    from irqemu import __version__

    data = _load(path)
    try:
        saved = variant_spec(data["variant"])
        schedule = schedule_from_json(data["schedule"])
        spec = variant_spec(variant) if variant is not None else saved
        if spec.arch != saved.arch:
            raise FuzzError(f"variant {spec.name} runs on {spec.arch}; the schedule was "
                            f"made for {saved.arch} ({saved.name})")
        check_schedule(spec, schedule)
    except (FuzzError, ValueError) as exc:
        raise FuzzError(f"{path}: {exc}") from None
    for key, want in (("board", saved.board), ("core", saved.core), ("arch", saved.arch)):
        if key in data and data[key] != want:
            raise FuzzError(f"{path}: {key} {data[key]!r} does not match variant "
                            f"{saved.name} ({want!r})")
    notes = []
    if data.get("irqemu_version") != __version__:
        notes.append(f"recorded with irqemu {data.get('irqemu_version')}, replaying with "
                     f"{__version__}")
    if data.get("firmware_sha256") not in (None, firmware_sha256(spec)):
        notes.append(f"firmware {spec.arch}/{FIRMWARE} differs from the recorded one")
    eng = engine or data.get("engine", "native")
    outcome = run_schedule(spec, schedule, task_iters=data["task_iters"], engine=eng)
    recorded = data.get("outcome") if spec is saved else None
    diffs: list[str] = []
    if isinstance(recorded, dict):
        for k, v in outcome.facts().items():
            if k != "uart" and recorded.get(k) != v:
                diffs.append(f"{k}: recorded {recorded.get(k)!r}, now {v!r}")
    elif spec is saved:
        recorded = None
        notes.append("the file records no outcome to compare with")
    return ReplayResult(spec.name, schedule, outcome, recorded, diffs, notes, data)
