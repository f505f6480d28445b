"""``irqemu fuzz genirq DRIVER``: the bundled ring driver's lost update is found on mainline
and shrunk to two arrivals (the same minimal schedule twice from one seed), its fixed
version survives, the buggy one survives on threadirqs and rt (its tasklet no longer runs
over the RX thread), while the irqs_off driver's bug exists only where its handler is
force-threaded; a saved schedule replays exactly; a correct driver over shared,
oneshot and edge lines never loses an event on any flavour; bad input is one line, exit 2."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irqemu.fuzz import genirq as g
from irqemu.fuzz import genirq_cli
from irqemu.fuzz.cli import main as fuzz_main
from irqemu.fuzz.genirq_world import Ctx, Facts

BUGGY = "irqemu.fuzz.examples.ring:buggy"
FIXED = "irqemu.fuzz.examples.ring:fixed"
IRQS_OFF = "irqemu.fuzz.examples.irqs_off:"
EXAMPLES = 60


@pytest.fixture(scope="module")
def found() -> g.SearchResult:
    return g.search(g.Campaign(BUGGY), examples=EXAMPLES, seed=0)


def test_buggy_ring_is_found_and_shrunk(found: g.SearchResult) -> None:
    assert found.found and found.minimal is not None
    assert [ln for _, ln in found.minimal.arrivals] == ["rx", "tx"]
    assert found.minimal.affinity == (0, 0)
    assert "lost update: prod 1, but 1 RX refills + 1 TX reclaims" in found.outcome.why
    rows = g.timeline(found.driver, found.outcome).splitlines()
    tasklet = next(i for i, r in enumerate(rows) if "softirq TASKLET runs" in r)
    read = next(i for i, r in enumerate(rows) if "read prod 0" in r)
    write = next(i for i, r in enumerate(rows) if "write prod 1" in r)
    assert read < tasklet < write  # the tasklet ran inside the thread's read-modify-write
    assert "irq/32-ring-rx" in rows[tasklet]  # on top of the thread, at irq_exit


def test_same_seed_same_minimal_schedule(found: g.SearchResult) -> None:
    again = g.search(g.Campaign(BUGGY), examples=EXAMPLES, seed=0)
    assert again.minimal == found.minimal and again.runs == found.runs
    assert again.outcome.to_json({}) == found.outcome.to_json({})


def test_shrunk_tx_arrival_is_the_first_that_breaks_it(found: g.SearchResult) -> None:
    """Shrinking moved the TX arrival as early as it can be: one ns earlier lands
    before the thread read the index, and the invariant holds."""
    assert found.minimal is not None
    (t_rx, _), (t_tx, _) = found.minimal.arrivals
    assert t_rx == 0
    earlier = replace(found.minimal, arrivals=((0, "rx"), (t_tx - 1, "tx")))
    assert g.play(found.driver, found.campaign, earlier).passed


@pytest.mark.parametrize(("spec", "kernel"), [(FIXED, "mainline"), (FIXED, "rt"),
                                              (BUGGY, "threadirqs"), (BUGGY, "rt")])
def test_survives(spec: str, kernel: str) -> None:
    r = g.search(g.Campaign(spec, kernel, cpus=2), examples=EXAMPLES, seed=0)
    assert not r.found and r.runs == EXAMPLES + 1


def test_flavours_differ_on_the_minimal_schedule(found: g.SearchResult) -> None:
    assert found.minimal is not None
    for kernel, passed in (("mainline", False), ("threadirqs", True), ("rt", True)):
        out = g.play(found.driver, replace(found.campaign, kernel=kernel), found.minimal)
        assert out.passed == passed, (kernel, out.why)
        names = " ".join(e.comm for e in out.events)
        assert ("irq/33-ring-tx" in names) == (kernel != "mainline")  # forced threading


@pytest.mark.parametrize(("spec", "kernel", "fails"), [
    (IRQS_OFF + "buggy", "mainline", False), (IRQS_OFF + "buggy", "threadirqs", True),
    (IRQS_OFF + "buggy", "rt", True), (IRQS_OFF + "fixed", "rt", False)])
def test_threaded_only_bug(spec: str, kernel: str, fails: bool) -> None:
    """Two hard handlers share a counter relying on interrupts being off: the bug exists
    only where the first is force-threaded (threadirqs, rt) and the other is not."""
    r = g.search(g.Campaign(spec, kernel), examples=EXAMPLES, seed=0)
    assert r.found == fails, r.outcome.why
    if fails:
        assert r.minimal is not None and [ln for _, ln in r.minimal.arrivals] == ["dma", "timer"]
        rows = g.timeline(r.driver, r.outcome)
        assert "irq/32-dma       hard irq 33 [timer] -> timer" in rows  # nested in the thread


def test_replay_reproduces_exactly(found: g.SearchResult, tmp_path: Path) -> None:
    path = tmp_path / "ring.json"
    g.save(found, path)
    r = g.replay(path)
    assert r.reproduced and not r.outcome.passed and r.notes == []
    data = json.loads(path.read_text())
    data["outcome"]["timeline"][3] = "tampered"
    path.write_text(json.dumps(data))
    assert not g.replay(path).reproduced
    other = g.replay(path, kernel="rt")
    assert other.outcome.passed and other.notes[0].startswith("recorded on mainline")


def test_cli_search_save_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.json"
    assert fuzz_main(["genirq", BUGGY, "--examples", str(EXAMPLES), "--save", str(path)]) == 1
    out = capsys.readouterr().out
    assert "FAILED: check: lost update" in out and "minimal schedule: affinity rx->CPU0" in out
    assert fuzz_main(["genirq", "--replay", str(path)]) == 0
    assert "reproduced exactly" in capsys.readouterr().out
    assert fuzz_main(["genirq", "--replay", str(path), "--kernel", "rt"]) == 0  # holds on rt
    assert "recorded on mainline, played on rt" in capsys.readouterr().out


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert genirq_cli.main([FIXED, "--examples", "10", "--kernel", "rt", "--cpus", "2",
                            "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["found"] is False and data["runs"] == 11
    assert data["campaign"] == {"driver": FIXED, "kernel": "rt", "cpus": 2,
                                "max_time_ns": g.DEFAULT_MAX_TIME_NS, "max_events": 4}


# -- a correct driver never loses an event -------------------------------------------------


@dataclass
class Counts:
    a: int = 0
    b: int = 0
    b_tasklet: int = 0


def _a_thread(ctx: Ctx) -> int:
    n = ctx.device_ack()
    ctx.work(3000)
    ctx.preempt_point()
    with ctx.bh_disabled():
        ctx.state.a += n
    return g.IRQ_HANDLED if n else g.IRQ_NONE


def _a_plain(ctx: Ctx) -> int:
    return g.IRQ_NONE  # the other device on the shared line never has anything


def _b_hard(ctx: Ctx) -> int:
    n = ctx.device_ack()
    ctx.state.b += n
    if n:
        ctx.tasklet_schedule("b_bh")
    return g.IRQ_HANDLED if n else g.IRQ_NONE


def _b_bh(ctx: Ctx) -> None:
    ctx.state.b_tasklet += 1


def _counts_hold(s: Counts, facts: Facts) -> bool:
    assert facts.unhandled == {"a": 0, "b": 0}, facts.unhandled
    assert (s.a, s.b) == (facts.arrivals["a"], facts.arrivals["b"])
    assert (s.b_tasklet > 0) == (s.b > 0) and s.b_tasklet <= s.b
    assert facts.disabled == [] and facts.warnings == []
    return True


COUNTING = g.Driver(
    "counting", lines=(g.Line("a", "level"), g.Line("b", "edge")),
    requests=(g.Request("a", "a-thr", None, _a_thread, g.IRQF_SHARED | g.IRQF_ONESHOT),
              g.Request("a", "a-other", _a_plain, None, g.IRQF_SHARED | g.IRQF_ONESHOT),
              g.Request("b", "b-hard", _b_hard)),
    tasklets=(g.Tasklet("b_bh", _b_bh),), state=Counts, check=_counts_hold)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(kernel=st.sampled_from(g.KERNELS), cpus=st.integers(1, 2), data=st.data())
def test_no_event_is_lost(kernel: str, cpus: int, data: st.DataObject) -> None:
    s = data.draw(g.schedules(COUNTING, cpus, 30_000, 6))
    out = g.run(COUNTING, kernel, cpus, s, 30_000)
    assert out.passed, (out.why, g.describe(COUNTING, s))
    assert out.facts.settled


# -- loading drivers and bad input --------------------------------------------------------

DRIVER_FILE = '''
from irqemu.fuzz.genirq import IRQ_HANDLED, Driver, Line, Request

def h(ctx):
    ctx.state.append(ctx.device_ack())
    return IRQ_HANDLED

driver = Driver("file", lines=(Line("x"),), requests=(Request("x", "file", h),),
                state=list, check=lambda s, f: sum(s) == f.arrivals["x"])
not_a_driver = 3
'''


def test_driver_from_a_file(tmp_path: Path) -> None:
    f = tmp_path / "drv.py"
    f.write_text(DRIVER_FILE)
    d, sha = g.load_driver(str(f))
    assert d.name == "file" and len(sha) == 64
    r = g.search(g.Campaign(str(f)), examples=10, seed=0)
    assert not r.found
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "drv.py").write_text(DRIVER_FILE)
    r = replace(r, campaign=replace(r.campaign, driver_spec="drv.py"))
    g.save(r, moved / "r.json")
    assert g.replay(moved / "r.json").reproduced  # the driver beside the replay file


@pytest.mark.parametrize(("spec", "what"), [
    ("missing.py", "no such file"),
    ("{f}:nope", "no attribute 'nope'"),
    ("{f}:not_a_driver", "not_a_driver is a int, not a Driver"),
    ("{bad}", "SyntaxError"),
    ("no_such_module_xyz:driver", "cannot import module"),
])
def test_bad_driver_is_one_line(spec: str, what: str, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "drv.py"
    f.write_text(DRIVER_FILE)
    bad = tmp_path / "bad.py"
    bad.write_text("def (:\n")
    spec = spec.format(f=f, bad=bad)
    assert genirq_cli.main([spec, "--examples", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and what in err, err


@pytest.mark.parametrize(("argv", "what"), [
    ([BUGGY, "--cpus", "0"], "--cpus"),
    ([BUGGY, "--cpus", "9"], "--cpus"),
    ([BUGGY, "--examples", "0"], "--examples"),
    ([BUGGY, "--max-events", "0"], "--max-events"),
    ([BUGGY, "--max-time-ms", "0"], "--max-time-ms"),
    ([BUGGY, "--max-time-ms", "5000"], "--max-time-ms"),
    ([BUGGY, "--max-time-ms", "1e-9"], "less than one nanosecond"),
    ([BUGGY, "--kernel", "preempt"], "--kernel"),
    ([BUGGY, "--seed", "x"], "--seed"),
    ([], "give a DRIVER"),
    (["--replay", "r.json", BUGGY], "drop DRIVER"),
    (["--replay", "r.json", "--cpus", "2"], "drop --cpus"),
    (["--replay", "/nonexistent/r.json"], "cannot read"),
    ([BUGGY, "--save", "/nonexistent/dir/x.json"], "--save"),
])
def test_cli_errors_are_one_line(argv: list[str], what: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = genirq_cli.main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and what in err, err


def test_driver_errors_at_run_time_are_one_line(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "oops.py"
    f.write_text(DRIVER_FILE.replace("ctx.state.append(ctx.device_ack())",
                                     "ctx.tasklet_schedule('nope')"))
    assert genirq_cli.main([str(f), "--examples", "20"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no tasklet 'nope'" in err
    f.write_text(DRIVER_FILE.replace("ctx.state.append(ctx.device_ack())", "1 / 0"))
    assert genirq_cli.main([str(f), "--examples", "20"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ZeroDivisionError" in err and "file" in err


def test_a_storm_ends_the_run(tmp_path: Path) -> None:
    """A level line whose handler never acknowledges its device storms: the run stops at
    MAX_HARDIRQS and says so, and the shown timeline is cut."""
    from irqemu.fuzz.genirq_world import MAX_HARDIRQS

    f = tmp_path / "noack.py"
    f.write_text(DRIVER_FILE.replace("ctx.state.append(ctx.device_ack())", "pass"))
    d, _ = g.load_driver(str(f))
    out = g.run(d, "mainline", 1, g.Schedule((0,), ((0, "x"),)), 1000)
    assert not out.passed and out.why.startswith("interrupt storm")
    assert out.facts.hardirqs == MAX_HARDIRQS and out.facts.unhandled == {"x": 1}
    rows = g.timeline(d, out, limit=40).splitlines()
    assert len(rows) == 41 and "rows ..." in rows[30]


def test_inconsistent_driver_is_refused() -> None:
    d = replace(COUNTING, requests=(g.Request("zz", "x", _a_plain),))
    with pytest.raises(g.DriverError, match="unknown line 'zz'"):
        d.validate()
    unshared = replace(COUNTING, requests=(g.Request("a", "p", _a_plain),
                                           g.Request("a", "q", _a_plain)))
    with pytest.raises(g.DriverError, match="request_threaded_irq"):
        g.run(unshared, "mainline", 1, g.Schedule((0, 0), ()), 1000)
