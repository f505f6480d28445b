"""irqemu timerlat / cyclictest on the command line: rtla's and cyclictest's layouts
parse, --json parses, every bad option is one line and exit 2."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.cli import main
from irqemu.latency.hist import Latencies

TOP_ROW = re.compile(r"^\s*(\d+) #(\d+)\s+\|" + r"\s+(\d+)" * 4 + r" \|" + r"\s+(\d+)" * 4 + "$")
HIST_ROW = re.compile(r"^(\d+)\s+((?:\d+\s+)+)$")
CYCLIC = re.compile(r"^T:\s*(\d+) \(\s*(\d+)\) P:(\d+) I:(\d+) C:\s*(\d+) Min:\s*(\d+) "
                    r"Act:\s*(\d+) Avg:\s*(\d+) Max:\s*(\d+)$")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_timerlat_top_layout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "timerlat", "-d", "3", "--cpus", "2", "-n")
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0].startswith("# irqemu timerlat: kernel mainline 4.6 on the emulated imx6q")
    assert "IRQ Timer Latency (ns)" in lines[2] and "Thread Timer Latency (ns)" in lines[2]
    rows = [TOP_ROW.match(x) for x in lines if TOP_ROW.match(x)]
    assert [int(m.group(1)) for m in rows if m] == [0, 1]
    for m in rows:
        assert m is not None
        cur, mn, avg, mx = (int(m.group(i)) for i in range(3, 7))
        assert 0 < mn <= avg <= mx and mn <= cur <= mx
        tmin = int(m.group(8))
        assert tmin >= mn  # thread latency is never below IRQ latency
    assert any(x.startswith("ALL #6 ") for x in lines)
    assert any("simulated time" in x and "cortex-a9" in x for x in lines)
    assert any("are estimates" in x for x in lines)


def test_timerlat_hist_layout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "timerlat", "hist", "-d", "3", "--cpus", "1", "-n",
                          "-b", "100", "-E", "100", "--load", "hog")
    assert code == 0
    lines = out.splitlines()
    assert lines[1:4] == ["# RTLA timerlat histogram", "# Time unit is nanoseconds (ns)",
                          "# Duration:   0 00:00:00"]
    assert lines[4].split() == ["Index", "IRQ-000", "Thr-000"]
    counts = [0, 0]
    for x in lines[5:]:
        m = HIST_ROW.match(x)
        if not m:
            break
        assert int(m.group(1)) % 100 == 0
        for i, n in enumerate(m.group(2).split()):
            counts[i] += int(n)
    summary = {x.split(":")[0]: x.split(":")[1].split() for x in lines
               if x.split(":")[0] in ("over", "count", "min", "avg", "max")}
    assert [int(c) for c in summary["count"]] == [counts[i] + int(summary["over"][i])
                                                   for i in range(2)]
    assert int(summary["min"][1]) >= int(summary["min"][0])


def test_timerlat_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "timerlat", "--json", "-d", "2", "--cpus", "1", "--board",
                          "pc")
    assert code == 0
    facts = json.loads(out)
    assert facts["board"] == "pc" and facts["arch"] == "x86"
    assert facts["cpus"]["0"]["irq"]["count"] >= 1
    assert facts["basis"]["cost_model"].startswith("skylake")
    assert "cycles" in facts["units"] and "ns" in facts["units"]


def test_cyclictest_summary_and_histogram(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "cyclictest", "-p", "80", "-i", "500", "-l", "6", "-t", "2",
                         "-h", "8")
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0] == "# Histogram"
    buckets = [x for x in lines if re.match(r"^\d{6} \d{6}\t\d{6}$", x)]
    assert len(buckets) == 8
    total = [x for x in lines if x.startswith("# Total:")][0].split()[2:]
    over = [x for x in lines if x.startswith("# Histogram Overflows:")][0].split()[3:]
    stats = [CYCLIC.match(x) for x in lines if x.startswith("T:")]
    assert len(stats) == 2
    for i, m in enumerate(stats):
        assert m is not None
        assert (int(m.group(1)), int(m.group(3)), int(m.group(4)), int(m.group(5))) == \
            (i, 80, 500, 6)
        assert int(total[i]) + int(over[i]) == 6
        assert int(m.group(6)) <= int(m.group(8)) <= int(m.group(9))


def test_cyclictest_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "cyclictest", "-l", "4", "--json", "--kernel", "rt",
                          "--load", "mask")
    assert code == 0
    facts = json.loads(out)
    th = facts["threads"][0]
    assert th["cycles"] == 4 and th["count"] == 4 and th["min_ns"] > 0
    assert facts["basis"]["thread_path_adds"][-1]["entry"] == "kernel do_nanosleep"


@pytest.mark.parametrize("argv", [
    ("timerlat", "-p", "10"), ("timerlat", "-d", "0"), ("timerlat", "--cpus", "5"),
    ("timerlat", "--rate", "1000"), ("timerlat", "--load", "storm", "--rate", "0"),
    ("timerlat", "--board", "pc", "--arch", "arm"), ("timerlat", "-E", "5"),
    ("timerlat", "--kernel", "bsd"), ("timerlat", "-d", "0.5"), ("timerlat", "-x"),
    ("cyclictest", "-p", "0"), ("cyclictest", "-p", "100"), ("cyclictest", "-i", "10"),
    ("cyclictest", "-l", "0"), ("cyclictest", "-t", "5"), ("cyclictest", "-h", "0"),
    ("cyclictest", "-l", "100000", "-i", "1000"), ("cyclictest", "-m"),
    ("cyclictest", "--rate", "5"),
])
def test_bad_options_are_one_line(capsys: pytest.CaptureFixture[str],
                                  argv: tuple[str, ...]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2, (argv, out, err)
    assert err.count("\n") == 1 and err.startswith("irqemu"), err


@settings(max_examples=30)
@given(st.lists(st.integers(1, 10**9), min_size=1, max_size=50), st.integers(1, 2000),
       st.integers(10, 300))
def test_histogram_accounts_for_every_sample(samples: list[int], bucket: int,
                                             entries: int) -> None:
    lat = Latencies(792_000_000, samples)
    counts, over = lat.histogram("ns", bucket, entries)
    assert sum(counts) + over == len(samples)
    s = lat.summary("ns")
    assert s is not None and s["min"] <= s["avg"] <= s["max"]
    facts = lat.facts(bucket, entries)
    assert sum(n for _b, n in facts["hist"]) + facts["hist_over"] == len(samples)
