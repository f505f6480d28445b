"""``irqemu fuzz run FIRMWARE``: on the bundled lost_update.elf the search finds the lost
update with a --check on its counter and shrinks it; the replay reproduces it on both
engines; a check that holds survives; the same seed gives the same minimal schedule;
the --check language refuses what it does not know; bad input is one line, exit 2."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.bundled import bundled_firmware
from irqemu.fuzz import run as fr
from irqemu.fuzz import run_cli
from irqemu.fuzz.check import Check, CheckError
from irqemu.fuzz.schedule import IrqSpec, ScheduleError, bound, parse_irq, parse_source
from irqemu.fuzz.strategies import Arrival

FW = str(bundled_firmware("armv7", "lost_update.elf"))
#: the firmware's two IrqSources (see lost_update.S), which it reads and acknowledges
SOURCES = ("src0@0x021A0000:68", "src1@0x021A4000:69")
CHECK = "counter == task_done + handled"
EXAMPLES = 100  #: the search stops at its first failure: about 40 runs of 60 ms each
SEED = 1


def _target(check: str | None = CHECK, **kw: object) -> fr.Target:
    return fr.Target(FW, irqs=(parse_irq("src0"), parse_irq("src1")),
                     sources=tuple(parse_source(s) for s in SOURCES), check=check,
                     **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def prepared() -> fr.Prepared:
    return fr.prepare(_target())


@pytest.fixture(scope="module")
def found(prepared: fr.Prepared) -> fr.SearchResult:
    return fr.search(prepared, examples=EXAMPLES, seed=SEED)


def test_undisturbed_run_holds(prepared: fr.Prepared) -> None:
    window, out = fr.calibrate(prepared)
    assert out.passed and out.stop_reason == "exit" and out.exit_code == 0
    assert out.values == {"counter": 100, "task_done": 100, "handled": 0}
    assert out.fired == [] and out.taken == []
    assert window == (0, out.sim_time_ps // 1000)


def test_search_finds_the_lost_update_and_shrinks_it(found: fr.SearchResult) -> None:
    assert found.found and found.minimal is not None
    assert len(found.minimal) == 1
    (a,) = found.minimal
    assert a.line == "src0" and a.cpu == 0 and a.payload == 1  # shrunk to the first source
    assert found.window_ns[0] <= a.time < found.window_ns[1]
    out = found.outcome
    assert not out.passed and "is false" in out.why
    assert out.values["counter"] == out.values["task_done"] + out.values["handled"] - 1
    assert out.exit_code == 1  # the firmware's own verdict agrees
    # the interrupt split the plain increment between its load and its store
    assert len(out.taken) == 1 and out.fired[0][0] <= out.taken[0][0]
    text = fr.timeline(found.prepared, out)
    assert "src0 (line 68) fires" in text and "IRQ (GIC ID 68) taken at PC" in text


def test_timeline_names_the_interrupted_pc_and_symbol(found: fr.SearchResult) -> None:
    """The "taken" line: the PC the interrupt interrupted, as recorded by the machine's
    interrupt hook, and its ELF symbol: inside the plain increment, between its load
    and its store; shrunk to the earliest, so right after the load (interrupts are
    taken at the instruction their arrival falls on)."""
    from irqemu.arch.disasm import CS_ARCH_ARM, CS_MODE_ARM, decoder

    p, out = found.prepared, found.outcome
    (ps, cpu, exc, pc, ident) = out.taken[0]
    assert (cpu, exc, ident) == (0, "IRQ", 68)
    inc = p.image.symbols["inc_plain"]
    seg = next(s for s in p.image.segments if s.address <= inc < s.address + len(s.data))
    code = bytes(seg.data[inc - seg.address:inc - seg.address + 0x10])
    insns = {i.address: i.mnemonic for i in decoder(CS_ARCH_ARM, CS_MODE_ARM).disasm(code, inc)}
    assert insns[inc] == "ldr" and insns[inc + 0xC] == "str"
    assert pc == inc + 4  # the load ran, the store did not
    rows = fr.timeline(p, out).splitlines()
    taken = [r for r in rows if "taken at" in r]
    assert taken == [f"{ps / 10**6:>12,.3f} us  cpu0  IRQ (GIC ID 68) taken at PC "
                     f"{pc:#010x} <inc_plain+0x4>"]


def test_interrupt_hook_agrees_on_both_engines(found: fr.SearchResult) -> None:
    assert found.minimal is not None
    ref = fr.run_schedule(found.prepared, found.minimal, engine="reference")
    assert ref.taken == found.outcome.taken and ref.end_pcs == found.outcome.end_pcs


def test_prio_sets_the_lines_gic_priority_per_arrival() -> None:
    """--irq src0:prio=A-B: each arrival writes its drawn priority to GICD_IPRIORITYR
    before the line rises; the arrival's payload carries it."""
    seen: list[int] = []

    def record(machine: object) -> bool:
        seen.append(machine.irq_controller.priority(68, 0))  # type: ignore[attr-defined]
        return True

    t = dataclasses.replace(_target(), irqs=(parse_irq("src0:prio=0x10-0x30"),),
                            predicate=record, check=None)
    p = fr.prepare(t)
    out = fr.run_schedule(p, [Arrival(5000, "src0", 0, [1, 0x20])])
    assert out.passed and seen == [0x20]
    with pytest.raises(ScheduleError, match="payload"):
        fr.run_schedule(p, [Arrival(5000, "src0", 0, [1, 0x40])])
    with pytest.raises(ScheduleError, match="payload"):
        fr.run_schedule(p, [Arrival(5000, "src0", 0, 1)])
    assert parse_irq("68:prio=5").prio == (5, 5)
    with pytest.raises(ScheduleError, match="prio"):
        parse_irq("68:prio=300")


def test_shrinking_moves_the_arrival_earlier(found: fr.SearchResult) -> None:
    """Minimal: one arrival earlier than the found one loses no update."""
    assert found.minimal is not None
    (a,) = found.minimal
    earlier = fr.run_schedule(found.prepared, [a._replace(time=a.time - 1)])
    assert earlier.passed


def test_same_seed_same_minimal_example(prepared: fr.Prepared, found: fr.SearchResult) -> None:
    again = fr.search(prepared, examples=EXAMPLES, seed=SEED)
    assert (again.minimal, again.runs, again.window_ns) == (found.minimal, found.runs,
                                                            found.window_ns)
    assert again.outcome == found.outcome


def test_exit_code_finds_it_too(prepared: fr.Prepared, found: fr.SearchResult) -> None:
    """The firmware exits 1 on a lost update: --exit-code 0 fails on the same schedule."""
    p = fr.prepare(_target(check=None, exit_code=0))
    assert found.minimal is not None
    out = fr.run_schedule(p, found.minimal)
    assert not out.passed and out.why == "expected exit code 0, got exit code 1"
    assert fr.run_schedule(p, []).passed


def test_python_check_api(found: fr.SearchResult) -> None:
    def counted(m: object) -> bool:
        syms = m.image.symbols  # type: ignore[attr-defined]

        def word(n: str) -> int:
            return int.from_bytes(m.mem_read(syms[n], 4), "little")  # type: ignore[attr-defined]

        return word("counter") == word("task_done") + word("handled")

    p = fr.prepare(_target(check=None, predicate=counted))
    assert found.minimal is not None
    assert not fr.run_schedule(p, found.minimal).passed
    assert fr.run_schedule(p, []).passed


@pytest.mark.parametrize("variant", [1, 2])  # irqsave, ldrex
def test_a_check_that_holds_survives(variant: int) -> None:
    p = fr.prepare(_target(sets=(("variant", variant),)))
    r = fr.search(p, examples=12, seed=SEED)
    assert not r.found and r.minimal is None and r.outcome.passed
    assert r.runs == 12 + 1  # every example ran, plus the calibration run


@pytest.mark.parametrize("engine,fabric", [("native", "native"), ("native", "python"),
                                           ("reference", None)])
def test_replay_reproduces_bit_for_bit(found: fr.SearchResult, tmp_path: Path,
                                       engine: str, fabric: str | None) -> None:
    path = tmp_path / "lost.json"
    fr.save(found, path)
    data = json.loads(path.read_text())
    assert data["format"] == fr.FORMAT and data["target"]["firmware"] == FW
    assert data["board_resolved"] == "imx6q" and data["engine"] == "native"
    r = fr.replay(path, engine=engine, fabric=fabric)
    assert r.reproduced, r.differences
    assert r.outcome == found.outcome


def test_cli_search_save_and_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "f.json"
    argv = ["run", FW, *(x for s in SOURCES for x in ("--source", s)), "--irq", "src0",
            "--irq", "src1", "--check", CHECK, "--examples", str(EXAMPLES), "--seed", str(SEED),
            "--save", str(path)]
    from irqemu.fuzz import cli as fuzz_cli

    assert fuzz_cli.main(argv) == run_cli.EXIT_FOUND
    out = capsys.readouterr().out
    assert "FAILED: --check" in out and "minimal schedule: 1 arrival" in out
    assert "<inc_plain+" in out
    for engine in ("native", "reference"):
        assert run_cli.main(["--replay", str(path), "--engine", engine]) == 0
        assert "reproduced exactly" in capsys.readouterr().out


def test_replay_refuses_other_firmware(found: fr.SearchResult, tmp_path: Path) -> None:
    fw = tmp_path / "fw.elf"
    shutil.copy(FW, fw)
    p = fr.prepare(dataclasses.replace(_target(), firmware=str(fw)))
    r = fr.SearchResult(p, "native", 0, 1, 1, found.window_ns, 1, found.minimal, found.outcome)
    path = tmp_path / "r.json"
    fr.save(r, path)
    with fw.open("ab") as fh:
        fh.write(b"\0")
    with pytest.raises(fr.FuzzRunError, match="differs from the recorded one"):
        fr.replay(path)


# -- the --check language --------------------------------------------------------
SYMS = {"counter", "task_done", "handled", "handled_line"}


@pytest.mark.parametrize("text,what", [
    ("counter == open('x')", "call"),
    ("counter.real == 1", "attribute"),
    ("nosuch == 1", "unknown symbol 'nosuch'"),
    ("__import__ == 1", "unknown symbol"),
    ("counter == 'a'", "only integers"),
    ("handled_line[counter] == 0", "only symbol[constant index"),
    ("[c for c in counter]", "is not allowed"),
    ("lambda: 1", "is not allowed"),
    ("counter ==", "not an expression"),
    ("counter if 1 else 2", "is not allowed"),
])
def test_check_refuses(text: str, what: str) -> None:
    with pytest.raises(CheckError, match=r"^--check .*" + _re(what)):
        Check(text, SYMS)


def _re(s: str) -> str:
    import re

    return re.escape(s)


def test_check_reads_and_evaluates() -> None:
    c = Check("counter == task_done + handled and handled_line[1] <= 3 or not counter", SYMS)
    assert c.reads == [("counter", 0), ("task_done", 0), ("handled", 0), ("handled_line", 1)]
    words = {("counter", 0): 10, ("task_done", 0): 7, ("handled", 0): 3, ("handled_line", 1): 2}
    vals = c.values(lambda n, i: words[(n, i)])
    assert vals == {"counter": 10, "task_done": 7, "handled": 3, "handled_line[1]": 2}
    assert c.holds(vals)
    assert not c.holds(vals | {"handled_line[1]": 4})
    assert c.holds(vals | {"counter": 0, "handled_line[1]": 9})
    with pytest.raises(CheckError, match="division by zero"):
        Check("counter // handled == 1", SYMS).holds({"counter": 1, "handled": 0})


@settings(max_examples=200, deadline=None, database=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1),
       st.sampled_from(["+", "-", "*", "&", "|", "^"]),
       st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
def test_check_agrees_with_integer_arithmetic(a: int, b: int, c: int, op: str, cmp: str
                                              ) -> None:
    import operator as o

    binop = {"+": o.add, "-": o.sub, "*": o.mul, "&": o.and_, "|": o.or_, "^": o.xor}[op]
    rel = {"==": o.eq, "!=": o.ne, "<": o.lt, "<=": o.le, ">": o.gt, ">=": o.ge}[cmp]
    chk = Check(f"counter {op} task_done {cmp} handled", SYMS)
    assert chk.holds({"counter": a, "task_done": b, "handled": c}) == rel(binop(a, b), c)


# -- schedules and sources ---------------------------------------------------------
def test_parse_irq() -> None:
    s = parse_irq("40:level:cpus=0-1:max=20:gap=100:hold=50")
    assert s == IrqSpec("40", "level", (0, 1), 20, 100, 50)
    assert parse_irq("uart1") == IrqSpec("uart1")
    for bad, what in [("40:pulse", "unknown part"), ("40:max=0", "out of range"),
                      ("40:cpus=3-1", "out of range"), ("40:foo=1", "unknown option"),
                      ("", "line number or a device"), ("40:max=x", "not an integer")]:
        with pytest.raises(ScheduleError, match=what):
            parse_irq(bad)


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.sampled_from(["a", "b"])), max_size=12),
       st.integers(1, 4), st.integers(0, 300))
def test_bound_keeps_max_and_gap(raw: list[tuple[int, str]], most: int, gap: int) -> None:
    specs = {"a": IrqSpec("a", max=most, gap_ns=gap), "b": IrqSpec("b")}
    sched = bound([Arrival(t, n, 0, 1) for t, n in raw], specs)
    assert sched == sorted(sched)
    a_times = [x.time for x in sched if x.line == "a"]
    assert len(a_times) <= most
    assert all(y - x >= gap for x, y in zip(a_times, a_times[1:], strict=False))
    assert [x for x in sched if x.line == "b"] == sorted(Arrival(t, n, 0, 1) for t, n in raw
                                                          if n == "b")


def test_level_line_by_device_name_is_held_then_dropped() -> None:
    """--irq 68:level on the GIC itself: the line is high for the hold time, then low."""
    p = fr.prepare(fr.Target(FW, irqs=(parse_irq("68:level:hold=500"),),
                             sources=(parse_source("src1@0x021A4000:69"),),
                             exit_code=0, window_ns=(0, 1000)))
    b = fr._build(p, "reference")
    gic = b.machine.irq_controller
    b.machine.schedule(0, lambda: b.drivers["68"](Arrival(0, "68", 0, 300)))
    seen: list[bool] = []
    for t in (1, 299_000, 301_000):
        b.machine.schedule(t, lambda: seen.append(bool(gic._spi["level"] >> 68 & 1)))
    b.machine.run(max_time_ps=400_000)
    assert seen == [True, True, False]


# -- the command line: one line, exit 2 ----------------------------------------------
BASE = ["--source", SOURCES[0], "--irq", "src0"]


@pytest.mark.parametrize("argv,what", [
    ([FW, "--irq", "5000", "--exit-code", "0"], "no input for interrupt 5000"),
    ([FW, "--irq", "nodev", "--exit-code", "0"], "no such line or device"),
    ([FW, "--irq", "68:cpus=0-1", "--exit-code", "0"], "line 68 is shared"),
    ([FW, "--irq", "twd:cpus=0-7", "--exit-code", "0"], "cpu 4 out of range"),
    ([FW, *BASE, "--check", "counter == len(x)"], "refused"),
    ([FW, *BASE, "--check", "nosuch == 1"], "unknown symbol 'nosuch'"),
    ([FW, *BASE], "give what must hold"),
    ([FW, "--check", CHECK], "at least one --irq"),
    (["/nonexistent/fw.elf", *BASE, "--check", CHECK], "no such file"),
    ([FW, *BASE, "--check", CHECK, "--set", "nosym=1"], "--set nosym: no such symbol"),
    ([FW, *BASE, "--check", CHECK, "--window", "5:5"], "out of range"),
    ([FW, *BASE, "--check", CHECK, "--examples", "0"], "out of range"),
    ([FW, *BASE, "--check", CHECK, "--max-time-ms", "-1"], "out of range"),
    ([FW, "--irq", "68:bogus", "--check", CHECK], "unknown part"),
    (["--replay", "/nonexistent.json"], "cannot read"),
    (["--replay", "x.json", "--seed", "3"], "drop --seed"),
    ([FW, *BASE, "--check", CHECK, "--arrivals", "edge"], "--arrivals"),
    (["--replay", "x.json", "--arrivals", "masked"], "drop --arrivals"),
])
def test_cli_errors_are_one_line(argv: list[str], what: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = run_cli.main(argv)
    except SystemExit as exc:  # argparse's own checks
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and what in err, err


# -- a campaign is a function of its seed, whatever ran before it ----------------------
def _tried(p: fr.Prepared, monkeypatch: pytest.MonkeyPatch, seed: int, examples: int = 15
           ) -> tuple[list[list[Arrival]], fr.SearchResult]:
    """Every schedule a search ran, in order, and its result."""
    tried: list[list[Arrival]] = []
    play = fr.run_schedule

    def logged(p: fr.Prepared, s: list[Arrival], **kw: object) -> fr.Outcome:
        tried.append(list(s))
        return play(p, s, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(fr, "run_schedule", logged)
    r = fr.search(p, examples=examples, seed=seed)
    monkeypatch.setattr(fr, "run_schedule", play)
    return tried, r


def test_campaign_repeats_after_unrelated_ones(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Campaign A, then a genirq campaign and a freshly imported module full of integer
    constants (hypothesis collects those from every local module it sees), then A
    again: the same schedules tried in the same order, the same minimal example."""
    import importlib
    import sys

    from irqemu.fuzz import genirq as g

    p = fr.prepare(_target(sets=(("variant", 1),)))  # holds: every example runs
    first, r1 = _tried(p, monkeypatch, 5)
    g.search(g.Campaign("irqemu.fuzz.examples.ring:buggy"), examples=10, seed=3)
    (tmp_path / "h14_user_consts.py").write_text(
        "".join(f"K{i} = {v}\n" for i, v in enumerate(range(17, 40_000, 97))))
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("h14_user_consts")
    try:
        again, r2 = _tried(p, monkeypatch, 5)
    finally:
        sys.modules.pop("h14_user_consts", None)
    assert len(first) == 15 + 1 and not r1.found
    assert again == first and (r2.minimal, r2.runs) == (r1.minimal, r1.runs)


def test_x86_timeline_names_the_vector_taken() -> None:
    """On the pc board the "taken" line names the vector the LAPIC acknowledged (the
    highest ISR bit as the core takes it): timer.elf's LAPIC timer runs on 0x20."""
    p = fr.prepare(fr.Target(str(bundled_firmware("x86_64", "timer.elf")), irqs=(parse_irq("4"),),
                             exit_code=0, max_time_ns=100_000_000))
    assert p.board == "pc" and p.id_kind == "vector"
    out = fr.run_schedule(p, [])
    assert out.passed and out.taken
    assert {(exc, ident) for _, _, exc, _, ident in out.taken} == {("INTR", 0x20)}
    rows = [r for r in fr.timeline(p, out).splitlines() if "taken at" in r]
    assert len(rows) == len(out.taken) and all("INTR (vector 0x20) taken at PC" in r for r in rows)
    assert fr.run_schedule(p, [], engine="reference").taken == out.taken


# -- arrivals biased towards the IRQ-masked windows ----------------------------------
FIXED_COUNTER = "firmware/armv7/fix_shared_counter.elf"


def _counter_target(arrivals: str) -> fr.Target:
    from tests.helpers import ROOT

    return fr.Target(str(ROOT / FIXED_COUNTER), irqs=(parse_irq("src0"),),
                     sources=(parse_source("src0@0x021A0000:68"),),
                     check="processed == handled", arrivals=arrivals)


def test_mask_edges_are_the_cpsid_and_cpsie_in_the_code() -> None:
    """capstone finds each cpsid i / cpsie i of the fixed firmware (the start-up's and
    main's), and nothing else; the undisturbed run goes through one window per loop
    turn plus the start-up's, timed the same on both engines."""
    from irqemu.fuzz.masked import MASK, UNMASK, mask_edges

    p = fr.prepare(_counter_target("masked"))
    edges = mask_edges(p.image, "armv7")
    assert sorted(edges.values()) == sorted([MASK] * 3 + [UNMASK] * 3)
    main = p.image.symbols["main"]
    assert sum(1 for a, k in edges.items() if k == MASK and main <= a < main + 0x100) == 2
    w = fr.masked_windows(p)
    assert len(w) == 1 + 40 + 1  # start-up, the 40 loop turns, the final cpsid to exit
    assert all(a <= b and cpu == 0 for a, b, cpu in w)
    assert fr.masked_windows(p, "reference") == w


@pytest.mark.parametrize("arrivals", ["uniform", "masked"])
def test_masked_arrivals_land_in_the_windows(arrivals: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """With --arrivals masked about half the arrivals fall in (or within EDGE_NS of) one
    of the masked windows, chosen uniformly among them; uniform arrivals land in the
    loop's short windows in proportion to the time they cover (under a fifth)."""
    from irqemu.fuzz.schedule import EDGE_NS

    p = fr.prepare(_counter_target(arrivals))
    w = fr.masked_windows(p)
    short = [(a - EDGE_NS, b + EDGE_NS) for a, b, _ in w[1:-1]]
    tried, r = _tried(p, monkeypatch, 1, 60)
    times = [a.time for s in tried for a in s]
    assert len(times) > 40 and not r.found
    share = sum(any(a <= t <= b for a, b in short) for t in times) / len(times)
    covered = sum(b - a for a, b in short) / (r.window_ns[1] - r.window_ns[0])
    assert covered < 0.2
    # expected: uniform, the share of time they cover; masked, half of that plus half
    # the arrivals in a window drawn among all (the short ones are all but two of them)
    expected = covered if arrivals == "uniform" else (covered + len(short) / len(w)) / 2
    assert abs(share - expected) < 0.1, (share, expected)
    assert r.masked == (len(w) if arrivals == "masked" else 0)
