"""The benchmark scripts' code paths, at tiny sizes (figures live in BENCHMARKS.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import ROOT


@pytest.mark.parametrize("script", ["engine_throughput.py", "irq_rate.py"])
def test_benchmark_runs_quick_and_reports_json(script: str) -> None:
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--quick", "--json"],
                       capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data


def test_genirq_rate_runs_quick() -> None:
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "genirq_rate.py"), "--quick",
                        "--json"], capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    runs = json.loads(p.stdout)["runs"]
    # every timer interrupt went through the model: its handler count = the descriptor's kstat
    assert all(r["interrupts"] == r["kstat"] > 0 for r in runs)
    assert all(r["cpu_seconds"] > 0 and r["irq_per_cpu_s"] > 0 for r in runs)
