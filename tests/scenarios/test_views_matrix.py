"""Every kernel view on every scenario and kernel flavour: text and JSON, no traceback.

Each (scenario, flavour) runs once, with the views' observers (mpstat, a stackcount
on the irq_handler_entry tracepoint) attached; the views then render from its
kernels. A flavour a scenario does not honour must be refused in one line, and a
hardware scenario must refuse the views.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from irqemu import cli
from irqemu.scenarios import NAMES, get
from irqemu.scenarios.base import OptionError, ScenarioResult
from irqemu.trace.proc import Mpstat
from irqemu.trace.stackcount import StackCount

FLAVOURS = ("mainline", "threadirqs", "rt")
#: small loads where a scenario honours them, to keep the matrix fast
SMALL: dict[str, dict[str, Any]] = {"napi-storm": {"duration_ms": 0.5, "rate": 200_000.0}}
KERNEL_SCENARIOS = [n for n in NAMES if get(n).kernel_model]
HARDWARE_SCENARIOS = [n for n in NAMES if not get(n).kernel_model]

_cache: dict[tuple[str, str | None], ScenarioResult | str] = {}


def _observers() -> list[Any]:
    return [Mpstat, lambda k: StackCount(k, "irq_handler_entry").attach()]


def result(name: str, flavour: str | None) -> ScenarioResult | str:
    """The run (cached), or the one-line refusal of the flavour (None: the default)."""
    key = (name, flavour)
    if key not in _cache:
        sc = get(name)
        try:
            opts = sc.options({"kernel": flavour, **SMALL.get(name, {})})
        except OptionError as exc:
            _cache[key] = str(exc)
        else:
            _cache[key] = sc.run(opts, _observers())
    return _cache[key]


@pytest.mark.parametrize("flavour", FLAVOURS)
@pytest.mark.parametrize("name", KERNEL_SCENARIOS)
def test_every_view_on_every_scenario_and_flavour(name: str, flavour: str) -> None:
    res = result(name, flavour)
    if isinstance(res, str):  # refused in one line that says why: the views on its default
        assert "\n" not in res and "--kernel" in res and ": " in res
        res = result(name, None)
        assert not isinstance(res, str)
    assert res.kernels, f"{name} ran no kernel"
    assert name in ("softirq-starvation", "softirq-current") or all(
        r.kernel.config.preempt_rt == (flavour == "rt") for r in res.kernels)
    texts = {
        "ps": cli.view_ps(res),
        "ps --all": cli.view_ps(res, all_tasks=True),
        "interrupts": cli.view_interrupts(res),
        "softirqs": cli.view_softirqs(res),
        "mpstat": cli.view_mpstat(res, index=0),
        "stackcount": cli.view_stackcount(res, "irq_handler_entry", index=1)[0],
    }
    for view, text in texts.items():
        assert text.endswith("\n") and text.strip(), view
    assert "CPU0" in texts["interrupts"] and "NET_RX:" in texts["softirqs"]
    assert "COMMAND" in texts["ps"] and "[kthreadd]" in texts["ps --all"]
    assert "/s" in texts["mpstat"] and texts["stackcount"].startswith(("Tracing", "# "))
    data = {
        "ps": json.loads(cli.view_ps(res, as_json=True)),
        "interrupts": json.loads(cli.view_interrupts(res, as_json=True)),
        "softirqs": json.loads(cli.view_softirqs(res, as_json=True)),
        "mpstat": json.loads(cli.view_mpstat(res, as_json=True, index=0)),
        "stackcount": json.loads(cli.view_stackcount(res, "irq_handler_entry", True,
                                                     index=1)[0]),
    }
    for view, d in data.items():
        assert d["scenario"] == name and len(d["kernels"]) == len(res.kernels), view
    k0 = data["interrupts"]["kernels"][0]
    for row in k0["irqs"]:  # every row /proc/interrupts shows, and its counts
        assert f"{row['irq']}:" in texts["interrupts"]
        assert len(row["counts"]) == k0["num_cpus"]
    for t in data["ps"]["kernels"][0]["threads"]:
        assert t["comm"].startswith("irq/") and t["policy"] == "SCHED_FIFO"
    stacks = data["stackcount"]["kernels"][0]["stacks"]
    assert sum(s["count"] for s in stacks) == res.kernels[0].attached[1].total()


@pytest.mark.parametrize("name", HARDWARE_SCENARIOS)
@pytest.mark.parametrize("argv", [["ps"], ["proc", "interrupts"], ["proc", "softirqs"],
                                  ["mpstat", "-I", "SCPU"]])
def test_views_refuse_hardware_scenarios_in_one_line(name: str, argv: list[str],
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    assert cli.main([*argv, "--scenario", name]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no kernel model" in err


@pytest.mark.parametrize("name", HARDWARE_SCENARIOS)
def test_stackcount_refuses_hardware_scenarios(name: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["stackcount", "irq_handler_entry", "--", name]) == 2
    assert "no kernel model" in capsys.readouterr().err


@pytest.mark.parametrize("name", HARDWARE_SCENARIOS)
def test_hardware_scenarios_refuse_kernel_options(name: str) -> None:
    for given in ({"kernel": "rt"}, {"version": "6.x"}, {"model_only": True},
                  {"rate": 5.0}):
        with pytest.raises(OptionError, match="does not take"):
            get(name).options(given)
