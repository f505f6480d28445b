"""Scenario options: what each scenario honours, what it refuses (one line, exit 2,
saying why), the range checks, ``scenario --list`` and ``--json`` on every command."""

from __future__ import annotations

import json

import pytest

from irqemu import cli
from irqemu.scenarios import NAMES, all_scenarios, get
from irqemu.scenarios.base import OptionError, Options


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


REFUSED = [
    (["scenario", "softirq-current", "--kernel", "mainline"], "only on PREEMPT_RT"),
    (["scenario", "softirq-starvation", "--kernel", "rt"], "four fixed kernels"),
    (["scenario", "softirq-starvation", "--version", "6.x"], "4.6 presets"),
    (["scenario", "two-paths", "--arch", "x86"], "i.MX6Q's FEC"),
    (["scenario", "two-paths", "--model-only", "--engine", "reference"], "no emulated cores"),
    (["scenario", "two-paths", "--rate", "5"], "fixed load"),
    (["scenario", "ipi", "--arch", "x86"], "ARM SGIs"),
    (["scenario", "ipi", "--model-only"], "emulated cores"),
    (["scenario", "ipi", "--duration-ms", "3"], "does not take --duration-ms"),
    (["scenario", "shared-irq", "--sweep"], "does not take --sweep"),
    (["scenario", "shared-irq", "--model-only", "--engine", "native"], "--model-only"),
    (["scenario", "napi-storm", "--model-only"], "FEC"),
    (["scenario", "napi-storm", "--sweep", "--rate", "1e5"], "its own rates"),
    (["scenario", "napi-storm", "--arch", "x86"], "i.MX6Q"),
    (["scenario", "gpc-wake", "--kernel", "mainline"], "no kernel model"),
    (["scenario", "nmi", "--arch", "arm"], "x86 LAPIC NMIs"),
    (["scenario", "smi-hwlat", "--version", "4.6"], "no kernel model"),
    (["scenario", "fiq-debugger", "--model-only"], "no kernel model"),
    (["ps", "--scenario", "softirq-starvation", "--kernel", "mainline"], "fixed kernels"),
    (["mpstat", "--scenario", "two-paths", "--model-only", "--engine", "native"],
     "no emulated cores"),
]


@pytest.mark.parametrize(("argv", "why"), REFUSED)
def test_an_option_not_honoured_is_refused_in_one_line(argv: list[str], why: str,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("irqemu: ") and why in err, err


@pytest.mark.parametrize(("value", "ok"), [("0", False), ("-1", False), ("nan", False),
                                           ("inf", False), ("2e8", False), ("1e8", True)])
def test_rate_is_range_checked(value: str, ok: bool) -> None:
    if ok:
        assert get("napi-storm").options({"rate": float(value)}).rate == float(value)
        return
    with pytest.raises(OptionError, match=r"--rate .*: must be more than 0 and at most"):
        get("napi-storm").options({"rate": float(value)})


@pytest.mark.parametrize("value", ["0", "-3", "nan", "60001", "1e9"])
def test_duration_is_range_checked(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scenario", "napi-storm", "--duration-ms", value)
    assert code == 2 and "--duration-ms" in err and "at most 60000" in err


def test_defaults_apply_only_when_not_given() -> None:
    assert get("softirq-current").options({}).kernel == "rt"
    assert get("softirq-current").options({"kernel": "rt"}).kernel == "rt"
    assert get("napi-storm").options({"kernel": None}) == Options()
    opts = get("shared-irq").options({"arch": "x86", "model_only": True})
    assert (opts.arch, opts.model_only, opts.engine) == ("x86", True, "native")


def test_every_scenario_is_registered_with_a_summary() -> None:
    scs = all_scenarios()
    assert [s.name for s in scs] == list(NAMES)
    for s in scs:
        assert s.summary and "\n" not in s.summary and len(s.summary) < 100
        assert set(s.honours) <= set(Options.names())
        for opt in set(Options.names()) - set(s.honours):
            assert s.refusal(opt), (s.name, opt)


def test_scenario_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scenario", "--list")
    assert code == 0
    for n in NAMES:
        assert any(line.startswith(n + " ") for line in out.splitlines())
    code, out, _ = run(capsys, "scenario", "--list", "--json")
    rows = json.loads(out)
    assert code == 0 and [r["name"] for r in rows] == list(NAMES)
    ipi = next(r for r in rows if r["name"] == "ipi")
    assert ipi["options"]["arch"] == ["arm"] and ipi["options"]["kernel"] is None


def test_scenario_without_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "scenario")
    assert code == 2 and "--list" in err


def test_json_on_ps_and_proc(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ps", "--kernel", "rt", "--model-only", "--json")
    assert code == 0
    d = json.loads(out)
    threads = d["kernels"][0]["threads"]
    assert d["scenario"] == "shared-irq"
    assert [t["comm"] for t in threads] == ["irq/16-mmc0", "irq/16-s-mmc0", "irq/16-ehci_hcd"]
    assert threads[0] | {"cpu_time_ps": 0} == {
        "pid": threads[0]["pid"], "ppid": 2, "comm": "irq/16-mmc0", "policy": "SCHED_FIFO",
        "rt_priority": 50, "nice": 0, "pri": -51, "state": "S", "kthread": True,
        "cpu_time_ps": 0}
    code, out, _ = run(capsys, "proc", "interrupts", "--model-only", "--json")
    k = json.loads(out)["kernels"][0]
    assert code == 0 and k["num_cpus"] == 4 and k["errors"] == {"ERR": 0}
    row = k["irqs"][0]
    assert row == {"irq": 16, "counts": [7, 0, 0, 0], "chip": "GIC-0", "hwirq": 54,
                   "type": "level", "handler": None, "actions": ["mmc0", "ehci_hcd:usb3"]}
    assert [r["name"] for r in k["arch_rows"]][:2] == ["IPI0", "IPI1"]
    code, out, _ = run(capsys, "proc", "interrupts", "--model-only", "--arch", "x86",
                       "--json")
    k = json.loads(out)["kernels"][0]
    assert k["irqs"][0]["chip"] == "IO-APIC" and set(k["errors"]) == {"ERR", "MIS"}


def test_json_on_demo(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--json")
    d = json.loads(out)
    assert code == 0 and d["board"] == "imx6q" and "tick" in d["uart"]
    assert d["explanation"].startswith("What you just saw")
