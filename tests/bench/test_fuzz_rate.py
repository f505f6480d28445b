"""benchmarks/fuzz_rate.py --quick: every campaign kind measured (figures: BENCHMARKS.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import ROOT


def test_fuzz_rate_quick_measures_every_campaign_kind() -> None:
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "fuzz_rate.py"), "--quick",
                        "--json"], capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    rows = {r["kind"]: r for r in res["kinds"]}
    assert set(rows) == {"uniform", "masked", "interleave", "genirq ring", "genirq irqs_off"}
    for r in rows.values():
        # the fixed targets survive the search, which then ran every example (and its
        # base run); the baseline ran as many plain runs
        assert not r["passing"]["found"], r["kind"]
        assert r["passing"]["runs"] > res["examples"] == 10
        assert r["baseline"]["runs"] == r["passing"]["runs"]
        f = r["failing"]
        # the buggy target: found and shrunk to a non-empty schedule, or all examples spent
        assert (f["found"] and f["minimal_arrivals"] >= 1) or f["runs"] > res["examples"]
