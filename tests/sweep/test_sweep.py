"""irqemu sweep: the same table, byte for byte, whether the points ran in this process,
on two local processes or on a Dask cluster; Parquet holds the same rows, typed; a
grid that cannot run is one line, exit 2, and nothing is written."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from irqemu import cli
from irqemu.sweep import runner
from irqemu.sweep.table import flatten, row

#: a small grid: timerlat on one CPU for 2 ms, mainline and rt, two seeds of a storm
GRID = ["timerlat", "--kernel", "mainline,rt", "--load", "storm", "--rate", "200000",
        "--duration", "2", "--cpus", "1", "--seed", "1,2"]


def sweep(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["sweep", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def serial_csv(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("serial") / "t.csv"
    assert cli.main(["sweep", *GRID, "--jobs", "1", "-o", str(out)]) == 0
    return out.read_bytes()


def test_table_has_a_row_per_point(serial_csv: bytes) -> None:
    rows = list(csv.DictReader(serial_csv.decode().splitlines()))
    assert [(r["point"], r["kernel"], r["seed"]) for r in rows] == [
        ("0", "mainline", "1"), ("1", "mainline", "2"), ("2", "rt", "1"), ("3", "rt", "2")]
    header = serial_csv.decode().splitlines()[0].split(",")
    assert header[:6] == ["point", "kernel", "load", "rate", "duration_ms", "cpus"]
    for r in rows:  # the run's own facts, flattened
        assert r["tool"] == "timerlat" and r["board"] == "imx6q"
        assert int(r["cpus.0.thread.count"]) > 0
        assert int(r["cpus.0.thread.max_ns"]) >= int(r["cpus.0.irq.max_ns"]) > 0
        assert "facts.seed" not in r  # the run's seed is the point's: one column
    # the kernels give different thread latencies under the storm (the talk's point)
    assert rows[0]["cpus.0.thread.hist"] != rows[2]["cpus.0.thread.hist"]


def test_two_local_processes_give_the_same_bytes(serial_csv: bytes, tmp_path: Path) -> None:
    out = tmp_path / "t.csv"
    assert cli.main(["sweep", *GRID, "--jobs", "2", "-o", str(out)]) == 0
    assert out.read_bytes() == serial_csv


def test_a_dask_cluster_gives_the_same_bytes(serial_csv: bytes, tmp_path: Path) -> None:
    from distributed import LocalCluster

    out = tmp_path / "t.csv"
    # two threads of one in-process worker: points run side by side, and fast to start;
    # the command reaches its scheduler by address, as it would a lab's
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as lc:
        assert cli.main(["sweep", *GRID, "--dask", lc.scheduler_address, "-o",
                         str(out)]) == 0
    assert out.read_bytes() == serial_csv


def test_rows_come_back_in_point_order() -> None:
    """However the tasks finish, the rows are put back in point order."""
    from concurrent.futures import Future

    class Client:
        def map(self, fn: Any, targets: list[str], idx: list[int], pts: list[Any],
                pure: bool) -> list[Future[Any]]:
            futures = []
            for i in reversed(idx):  # finished last to first
                f: Future[Any] = Future()
                f.set_result({"point": i, **pts[i]})
                futures.append(f)
            return futures

    import distributed

    pts = [{"x": i} for i in range(5)]
    real = distributed.as_completed
    try:
        distributed.as_completed = iter  # type: ignore[assignment]
        rows = runner.run_dask("t", pts, Client(), lambda: None)
    finally:
        distributed.as_completed = real
    assert [r["point"] for r in rows] == [0, 1, 2, 3, 4]


def test_parquet_holds_the_rows_typed(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    import pyarrow.parquet as pq

    out, pq_out = tmp_path / "t.csv", tmp_path / "t.parquet"
    code, stdout, _err = sweep(capsys, "timerlat", "--kernel", "mainline,threadirqs",
                               "--duration", "2", "--cpus", "1", "--jobs", "1", "-o",
                               str(out), "--parquet", str(pq_out))
    assert code == 0 and "2 points, 0 failed" in stdout
    t = pq.read_table(pq_out)
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert t.num_rows == len(rows) == 2 and t.column_names == list(rows[0])
    assert str(t.schema.field("cpus.0.irq.max_ns").type) == "int64"
    assert str(t.schema.field("duration_ms").type) == "double"
    assert t.column("kernel").to_pylist() == ["mainline", "threadirqs"]
    assert [str(v) for v in t.column("cpus.0.thread.max_ns").to_pylist()] == \
        [r["cpus.0.thread.max_ns"] for r in rows]


def test_sweep_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import xml.etree.ElementTree as ET

    out, fig = tmp_path / "t.csv", tmp_path / "t.svg"
    code, _o, _e = sweep(capsys, "timerlat", "--load", "storm", "--rate", "1e5,4e5",
                         "--duration", "2", "--cpus", "1", "--jobs", "1", "-o", str(out),
                         "--plot", str(fig))
    assert code == 0
    text = " ".join(el.text or "" for el in ET.parse(fig).getroot().iter())
    for want in ("offered load (frames per second)", "CPU 0's max latency (ns of simulated "
                 "time)", "cpus.0.thread.max_ns", "board imx6q"):
        assert want in text


REFUSED = [
    (["nosuch"], "no scenario or latency tool 'nosuch'"),
    (["napi-storm", "--load", "idle"], "does not take --load"),
    (["napi-storm", "--kernel", "linux"], "'linux': not one of"),
    (["napi-storm", "--rate", "1:2"], "a range is LO:HI:N"),
    (["napi-storm", "--arch", "x86"], "does not take --arch x86"),
    (["napi-storm", "--rate", "1e9"], "--rate 1000000000.0: must be more than 0"),
    (["timerlat", "--period", "100", "--duration", "0.05"], "shorter than one period"),
    (["timerlat", "--rate", "1e5"], "applies to --load storm"),
    (["cyclictest", "--threads", "5"], "-t 5: from 1 to 4"),
    (["timerlat", "--jobs", "2", "--dask", "tcp://127.0.0.1:1"], "--jobs does not apply"),
    (["timerlat", "--plot", "{d}/f.png"], "no axis has several values"),
    (["timerlat", "--kernel", "mainline,rt", "--x", "rate", "--plot", "{d}/f.png"],
     "--x rate: not an axis"),
    (["e1000e-storm", "--kernel", "mainline,rt", "--plot", "{d}/f.png"],
     "no default columns"),
    (["timerlat", "--y", "max"], "add --plot"),
]


@pytest.mark.parametrize(("argv", "why"), REFUSED)
def test_refused_before_any_point(argv: list[str], why: str, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def no_run(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("a point ran although the grid was refused")

    for name in ("run_serial", "run_local", "run_dask", "connect"):
        monkeypatch.setattr(runner, name, no_run)
    out = tmp_path / "t.csv"
    code, stdout, err = sweep(capsys, *[a.format(d=tmp_path) for a in argv], "-o", str(out))
    assert code == 2 and stdout == ""
    assert err.count("\n") == 1 and why in err, err
    assert not list(tmp_path.iterdir())


def test_unreachable_scheduler_is_one_line(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "connect", lambda a: (_ for _ in ()).throw(
        ConnectionError(f"--dask {a}: cannot reach the scheduler (OSError: refused)")))
    code, _o, err = sweep(capsys, "timerlat", "--dask", "tcp://127.0.0.1:1", "-o",
                          str(tmp_path / "t.csv"))
    assert code == 2 and err == ("irqemu sweep: --dask tcp://127.0.0.1:1: cannot reach the "
                                 "scheduler (OSError: refused)\n")
    assert not list(tmp_path.iterdir())


def test_a_failing_point_is_a_row_with_its_error(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from irqemu.sweep import targets

    tl = targets.TOOLS["timerlat"]

    def run(point: dict[str, Any]) -> dict[str, Any]:
        if point["kernel"] == "rt":
            raise RuntimeError("kernel.elf never started the tracer")
        return {"tool": "timerlat", "max_ns": 5}

    monkeypatch.setitem(targets.TOOLS, "timerlat", targets.Target(
        "timerlat", tl.axes, tl.check, run))
    out = tmp_path / "t.csv"
    code, stdout, err = sweep(capsys, "timerlat", "--kernel", "mainline,rt", "--jobs", "1",
                              "-o", str(out))
    assert code == 3 and "2 points, 1 failed" in stdout
    assert "point 1 failed: RuntimeError: kernel.elf never started the tracer" in err
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert list(rows[0]) == ["point", "kernel", "error", "max_ns", "tool"]
    assert rows[0]["error"] == "" and rows[0]["max_ns"] == "5"
    assert rows[1]["error"].startswith("RuntimeError") and rows[1]["max_ns"] == ""


def test_flatten_and_row() -> None:
    facts = {"a": {"b": 1, "c": {"d": None}}, "e": [1, 2.5], "f": [{"g": True}], "h": {},
             "rate": 5.0, "kernel": "rt"}
    assert flatten(facts) == {"a.b": 1, "a.c.d": None, "e": "[1,2.5]", "f.0.g": True,
                              "h": "{}", "rate": 5.0, "kernel": "rt"}
    r = row(3, {"rate": 5.0, "kernel": "mainline"}, facts)
    assert r["rate"] == 5.0 and r["kernel"] == "mainline" and r["facts.kernel"] == "rt"


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bar(quiet: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A bar of points on stderr where bars show (IRQEMU_PROGRESS=1 stands for a
    terminal); none with --no-progress."""
    monkeypatch.setenv("IRQEMU_PROGRESS", "1")
    out = tmp_path / "t.csv"
    code, _o, err = sweep(capsys, "timerlat", "--kernel", "mainline,rt", "--duration", "2",
                          "--cpus", "1", "-j", "1", "-o", str(out),
                          *(["--no-progress"] if quiet else []))
    assert code == 0
    assert ("sweep timerlat" in err and "/2 points" in err) != quiet, err


def test_dask_needs_distributed(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else real(name, *a))
    code, _o, err = sweep(capsys, "timerlat", "--dask", "tcp://127.0.0.1:1", "-o",
                          str(tmp_path / "t.csv"))
    assert code == 2 and err == ("irqemu sweep: --dask needs dask.distributed: pip install "
                                 "'irqemu[sweep]'\n")
    assert not list(tmp_path.iterdir())
