"""``--cache-model`` on the command line and in the benchmark script."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import ROOT

from irqemu.cli import main


def _boot_json(capsys, *extra: str) -> dict:
    assert main(["boot", "armv7/timer.elf", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_boot_json_gains_cache_only_when_on(capsys) -> None:
    off = _boot_json(capsys)
    on = _boot_json(capsys, "--cache-model")
    named = _boot_json(capsys, "--cache-model=skylake")
    assert "cache" not in off
    assert on["cache"]["core"] == "cortex-a9" and named["cache"]["core"] == "skylake"
    cpu0 = on["cache"]["cpus"][0]
    assert on["cycles"][0] - off["cycles"][0] == cpu0["penalty_cycles"] > 0
    assert on["cache"]["estimated_figures"] + on["cache"]["cited_figures"] > 0


def test_refusals_are_one_line(capsys) -> None:
    for argv, words in (
            (["scenario", "shared-irq", "--model-only", "--cache-model"], "--model-only"),
            (["boot", "--cache-model", "armv7/timer.elf"], "neither a shipped hierarchy"),
            (["boot", "armv7/timer.elf", "--cache-model", "/nonexistent.toml"], "not found"),
            (["bench", "atomics", "--quick", "--cache-model", "--write-md", "/tmp/x.md"],
             "--write-md")):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's refusal
            code = int(exc.code or 0)
        err = capsys.readouterr().err.strip()
        assert code != 0 and words in err and "\n" not in err, (argv, err)


def test_benchmark_runs_quick() -> None:
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cache_model.py"), "--quick",
                        "--json"], capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert res["loop"]["cold_cycles_on"] - res["loop"]["cold_cycles_off"] == \
        res["loop"]["penalty_cycles"] > 0
    assert res["atomics"]["transfers"] > 0
