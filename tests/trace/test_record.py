"""``irqemu record``: trace.dat read back by the real ``trace-cmd report``, the Perfetto
trace decoded with Perfetto's own protos, the VCD parsed back with pyvcd; the same run
gives the same bytes; a bare-metal boot's exceptions match what the machine counted."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import firmware

from irqemu.cli import main
from irqemu.trace.record import Recorder

STORM = ["scenario", "napi-storm", "--kernel", "rt", "--duration-ms", "0.3"]


def record(tmp_path: Path, name: str, command: list[str]) -> tuple[Path, Recorder]:
    """Run ``irqemu record -o tmp/name command`` in this process; the file and the
    recorder it used (the one ``cmd_record`` built, caught through write)."""
    import irqemu.trace.record as rmod

    seen: list[Recorder] = []
    real = rmod.write

    def spy(rec: Recorder, path: str, fmt: str) -> int:
        seen.append(rec)
        return real(rec, path, fmt)

    rmod.write = spy  # type: ignore[assignment]
    try:
        out = tmp_path / name
        assert main(["record", "-o", str(out), *command]) == 0
    finally:
        rmod.write = real  # type: ignore[assignment]
    return out, seen[0]


@pytest.fixture(scope="module")
def storm_dat(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Recorder]:
    return record(tmp_path_factory.mktemp("rec"), "storm.dat", STORM)


REPORT = re.compile(r"^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+\[(?P<cpu>\d+)\]\s+(?:\S+\s+)?"
                    r"(?P<ts>\d+\.\d+):\s+(?P<name>\w+):\s+(?P<rest>.*)$")


def _usecs(ts: str) -> int:
    """trace-cmd's "seconds.microseconds" as microseconds."""
    sec, usec = ts.split(".")
    return int(sec) * 10**6 + int(usec)


@pytest.mark.skipif(shutil.which("trace-cmd") is None, reason="trace-cmd not installed "
                    "(CI installs it: .ci/run)")
def test_trace_cmd_report_prints_every_event(storm_dat: tuple[Path, Recorder]) -> None:
    path, rec = storm_dat
    out = subprocess.run(["trace-cmd", "report", str(path)], capture_output=True, text=True,
                         check=True).stdout
    rows = [m.groupdict() for ln in out.splitlines() if (m := REPORT.match(ln))]
    assert len(rows) == len(rec.events) > 100
    # the same events: name, CPU, pid and microsecond timestamp, each CPU in its order
    # (trace-cmd rounds nanoseconds to the nearest microsecond)
    want = sorted((e.cpu, (e.ts_ps // 1000 + 500) // 1000, e.name, e.pid)
                   for e in rec.events)
    got = sorted((int(r["cpu"]), _usecs(r["ts"]), r["name"], int(r["pid"])) for r in rows)
    assert got == want
    for cpu in range(rec.nr_cpus):
        mine = [r["name"] for r in rows if int(r["cpu"]) == cpu]
        assert mine == [e.name for e in rec.sorted_events() if e.cpu == cpu]
    names = {r["name"] for r in rows}
    assert {"irq_handler_entry", "irq_handler_exit", "softirq_raise", "softirq_entry",
            "softirq_exit", "sched_switch", "sched_wakeup", "napi_poll", "exception_entry",
            "exception_return", "mask_change", "cpu_input", "irq_line"} <= names
    # fields printed with the kernel's formats, tasks named from saved_cmdlines
    entry = next(r for r in rows if r["name"] == "irq_handler_entry")
    assert re.fullmatch(r"irq=\d+ name=2188000\.ethernet", entry["rest"])
    assert any(r["rest"] == "vec=3 [action=NET_RX]" for r in rows if r["name"] == "softirq_entry")
    threads = {r["comm"].strip() for r in rows}
    assert any(c.startswith("irq/") for c in threads)
    poll = next(r for r in rows if r["name"] == "napi_poll")
    assert re.fullmatch(r"napi poll on napi struct 0x[0-9a-f]+ for device eth0 work \d+ "
                        r"budget 64", poll["rest"])


def test_hardirq_nesting_in_the_recording(storm_dat: tuple[Path, Recorder]) -> None:
    """Per CPU: each irq_handler_exit closes the entry before it, each exception return
    an entry, and softirq entry/exit alternate."""
    _, rec = storm_dat
    for cpu in range(rec.nr_cpus):
        open_irq: list[int] = []
        depth = 0
        for e in rec.sorted_events():
            if e.cpu != cpu:
                continue
            if e.name == "irq_handler_entry":
                open_irq.append(e.values[0])
            elif e.name == "irq_handler_exit":
                assert open_irq.pop() == e.values[0]
            elif e.name == "exception_entry":
                depth += 1
            elif e.name == "exception_return":
                depth -= 1
                assert depth >= 0
        assert not open_irq


def test_same_run_same_bytes(tmp_path: Path, storm_dat: tuple[Path, Recorder]) -> None:
    again, _ = record(tmp_path, "again.dat", STORM)
    assert again.read_bytes() == storm_dat[0].read_bytes()


def test_perfetto_decodes_with_its_protos(tmp_path: Path) -> None:
    from perfetto.protos.perfetto.trace.perfetto_trace_pb2 import Trace

    path, rec = record(tmp_path, "storm.perfetto-trace", STORM)
    trace = Trace()
    trace.ParseFromString(path.read_bytes())
    bundles = [p.ftrace_events for p in trace.packet if p.HasField("ftrace_events")]
    kinds: dict[str, int] = {}
    for b in bundles:
        last = 0
        for ev in b.event:
            which = ev.WhichOneof("event")
            kinds[which] = kinds.get(which, 0) + 1
            assert ev.timestamp >= last
            last = ev.timestamp
            if which == "irq_handler_entry":
                assert ev.irq_handler_entry.name == "2188000.ethernet"
    for name in ("irq_handler_entry", "softirq_entry", "sched_switch", "sched_wakeup"):
        assert kinds[name] == sum(1 for e in rec.events if e.name == name) > 0
    threads = {t.name for p in trace.packet if p.HasField("process_tree")
               for t in p.process_tree.threads}
    assert any(t.startswith("irq/17-") for t in threads) and "ksoftirqd/0" in threads
    tracks = {p.track_descriptor.name for p in trace.packet if p.HasField("track_descriptor")}
    assert {"cpu0 exceptions", "cpu0 CPSR.I", "fec.irq"} <= tracks
    slices = [p.track_event.type for p in trace.packet if p.HasField("track_event")]
    assert slices.count(1) == sum(1 for e in rec.events if e.name == "exception_entry")


def test_vcd_parses_back(tmp_path: Path) -> None:
    from vcd.reader import TokenKind, tokenize

    path, rec = record(tmp_path, "storm.vcd", STORM)
    ids: dict[str, str] = {}
    changes: list[tuple[int, str, Any]] = []
    now = 0
    with open(path, "rb") as f:
        scope: list[str] = []
        for tok in tokenize(f):
            if tok.kind is TokenKind.SCOPE:
                scope.append(tok.scope.ident)
            elif tok.kind is TokenKind.UPSCOPE:
                scope.pop()
            elif tok.kind is TokenKind.VAR:
                ids[tok.var.id_code] = ".".join([*scope, tok.var.reference])
            elif tok.kind is TokenKind.CHANGE_TIME:
                now = tok.time_change
            elif tok.kind in (TokenKind.CHANGE_SCALAR, TokenKind.CHANGE_VECTOR):
                changes.append((now, ids[tok.data.id_code], tok.data.value))
    assert {"irqemu.cpu0.CPSR_I", "irqemu.cpu0.IRQ", "irqemu.lines.fec.irq",
            "irqemu.cpu0.exception_depth"} <= set(ids.values())
    fec = [(t, v) for t, n, v in changes if n == "irqemu.lines.fec.irq" and t > 0]
    want = [(e.ts_ps // 1000, str(e.values[0])) for e in rec.sorted_events()
            if e.name == "irq_line" and e.ts_ps >= 1000]
    assert fec == want and len(fec) > 2


def test_boot_exceptions_match_the_machine(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A bare-metal boot: one exception_entry per interrupt the machine counted, each
    returned from, and the boot's --json unchanged by recording."""
    fw = str(firmware("armv7", "timer.elf"))
    assert main(["boot", fw, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    _, rec = record(tmp_path, "boot.dat", ["boot", fw, "--json"])
    recorded = json.loads(capsys.readouterr().out)
    for r in (plain, recorded):
        r.pop("host")
    assert recorded == plain
    taken = sum(sum(c) for c in plain["irqs"].values())
    entries = [e for e in rec.events if e.name == "exception_entry"]
    assert len(entries) == taken > 0
    assert sum(1 for e in rec.events if e.name == "exception_return") == taken
    assert all(e.pid == 0 for e in rec.events)


def test_unknown_ending_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["record", "-o", str(tmp_path / "x.txt"), *STORM]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--format" in err


def test_overhead_benchmark_runs_quick() -> None:
    """benchmarks/record_overhead.py --quick: each case timed plain and recorded."""
    import sys

    from helpers import ROOT

    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "record_overhead.py"),
                        "--quick", "--json"], capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    cases = json.loads(p.stdout)["cases"]
    assert set(cases) == {"napi-storm rt", "boot timer.elf"}
    assert all(c["ratio"] > 0 and c["dat_bytes"] % 4096 == 0 < c["dat_bytes"]
               for c in cases.values())


def test_a_refused_command_writes_nothing(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "x.dat"
    assert main(["record", "-o", str(out), "scenario", "napi-storm", "--arch", "x86"]) == 2
    assert not out.exists()
    assert capsys.readouterr().err.count("\n") == 1
