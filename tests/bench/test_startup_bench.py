"""benchmarks/startup.py: its code path at two rounds, and the shape of what it reports
(the figures themselves live in BENCHMARKS.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT


def test_startup_benchmark_runs_quick_and_reports_json() -> None:
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "startup.py"), "--quick",
                        "--json"], capture_output=True, text=True, timeout=600,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    wall = res["wall"]
    assert "python -m irqemu" in wall and "floor: python -c pass" in wall
    for w in wall.values():
        assert 0 < w["best_s"] <= w["median_s"] and 0 < w["best_cpu_s"]
    phases = res["phases"]["phases_ms"]
    assert phases["machine.run"] > 0 and res["phases"]["guest_instructions"] > 10_000
    packages = {p["package"] for p in res["importtime"]["by_package_ms"]}
    assert any(p.startswith("irqemu") for p in packages)  # time is attributed to packages
    assert "unicorn" not in packages  # a native boot opens libunicorn without the package
    if shutil.which("qemu-system-arm") is None:
        assert "not installed" in res["qemu"]
    else:
        assert res["ratio"] == res["ratios"][res["ratio_command"]] > 0


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind")
def test_host_instructions_counts_a_process_under_callgrind(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """--instructions: one callgrind run per command; more work, more instructions."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    import startup

    cmds = {"pass": [sys.executable, "-c", "pass"],
            "more": [sys.executable, "-c", "sum(range(3_000_000))"]}
    env = dict(os.environ)
    got = startup.host_instructions(cmds, {k: env for k in cmds})
    assert isinstance(got, dict)
    assert 0 < got["pass"] < got["more"]
