"""The softirq and NAPI scenarios on the emulated cores (their default).

Each runs kernel.elf on the imx6q with its kthreads as tasks on the cores; at a
small load: the talk's shape comes out (the scenario's own check), the cores took
hard IRQs and switched tasks, the guest's current agreed with the model's at every
hard IRQ, and two runs, the two engines and the two fabrics give the same facts.
``--model-only`` is the explicit shortcut and says so.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from helpers import no_engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irqemu.scenarios import (
    _oncore,
    get,
    napi_storm,
    softirq_current,
    softirq_starvation,
    two_paths,
)
from irqemu.scenarios.base import OptionError

#: (scenario, flavour) -> a small run: name, function, keyword arguments
SMALL: dict[str, tuple[Any, dict[str, Any]]] = {
    "two-paths mainline": (two_paths.run, {"flavour": "mainline", "duration_ms": 60}),
    "two-paths threadirqs": (two_paths.run, {"flavour": "threadirqs", "duration_ms": 60}),
    "two-paths rt": (two_paths.run, {"flavour": "rt", "duration_ms": 60}),
    "softirq-current": (softirq_current.run, {"duration_ms": 60}),
    "softirq-starvation": (softirq_starvation.run, {"duration_ms": 1300, "load_from_ms": 20,
                                                    "load_to_ms": 1200}),
    "napi-storm rt": (napi_storm.run, {"flavour": "rt", "rate": 500_000, "duration_ms": 1.0,
                                       "calm_ms": 0.5}),
    "napi-storm sweep": (napi_storm.sweep, {"flavour": "mainline",
                                            "rates": [20_000, 1_000_000], "duration_ms": 1.0}),
}


def _check(case: str) -> Any:
    name = case.split()[0]
    return {"two-paths": two_paths.check, "softirq-current": softirq_current.check,
            "softirq-starvation": softirq_starvation.check,
            "napi-storm": napi_storm.check}[name]


@functools.cache
def _run(case: str, engine: str = "native", again: int = 0) -> tuple[str, dict[str, Any]]:
    fn, kw = SMALL[case]
    return fn(engine=engine, **kw)  # type: ignore[no-any-return]


def _cores(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """Every ``cores`` record in the facts (one per kernel booted on the board)."""
    out = []
    if "cores" in facts and "board" in facts["cores"]:
        out.append(facts["cores"])
    for v in facts.values():
        if isinstance(v, dict) and isinstance(v.get("cores"), dict) and "board" in v["cores"]:
            out.append(v["cores"])
    return out


@pytest.mark.parametrize("case", list(SMALL))
def test_talks_shape_on_the_cores(case: str) -> None:
    text, facts = _run(case)
    assert _check(case)(facts) == []
    assert facts["mode"] == "cores"
    assert "On the cores: " in text and "on an emulated i.MX6Q" in text
    assert facts["cores"]["hard_irqs"] > 0 and facts["cores"]["context_switches"] > 0
    for c in _cores(facts):
        assert c["hard_irqs"] > 0 and c["context_switches"] > 0
        # the guest's current_thread_info() named the model's current at every hard IRQ
        assert c["current_checks"] == {"agree": c["hard_irqs"], "disagree": 0}


@pytest.mark.parametrize("case", list(SMALL))
def test_two_runs_and_both_engines_agree(case: str) -> None:
    facts = _run(case)[1]
    assert _run(case, again=1)[1] == facts
    ref = _run(case, "reference")[1]
    assert no_engine(ref) == no_engine(facts)
    assert _run(case, "reference")[0].replace("reference engine", "native engine") \
        == _run(case)[0]


def test_python_fabric_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    board = _oncore.build_board
    monkeypatch.setattr(_oncore, "build_board",
                        lambda name, **kw: board(name, fabric="python", **kw))
    assert two_paths.run("rt", duration_ms=60) == _run("two-paths rt")


def test_kthreads_are_tasks_on_the_core() -> None:
    facts = _run("two-paths rt")[1]
    # a kthread's stack ends at ret_from_fork: nothing of the hard IRQ that woke it
    for stack in facts["stacks"]:
        frames = stack.split(" <- ")
        assert frames[-1] == "ret_from_fork" and "handle_arch_irq" not in frames
    ml = _run("two-paths mainline")[1]["stacks"]
    assert any("__do_softirq <- irq_exit <- " in s for s in ml)


def test_tick_is_the_twd_on_every_online_cpu() -> None:
    c = _run("softirq-starvation")[1]["mainline"]["cores"]
    assert c["cpus_online"] == 1 and c["ticks"] == [c["hard_irqs"]] == [129]  # 1.29 s, HZ=100
    storm = _run("napi-storm rt")[1]["cores"]
    assert storm["cpus_online"] == 4 and len(storm["ticks"]) == 4


def test_irq_thread_named_as_linux_names_it() -> None:
    text, facts = _run("napi-storm rt")
    comm = f"irq/{facts['irq']}-2188000."
    assert facts["irq_thread"] == comm and f"the handler runs in {comm};" in text
    assert "irq/150" not in text
    assert _run("softirq-current")[1]["thread_comm"] == comm
    assert _run("softirq-current")[0].startswith("Kernel: 4.6.2-rt5;")


@pytest.mark.parametrize("name", ["two-paths", "softirq-current", "softirq-starvation"])
def test_model_only_is_the_explicit_shortcut(name: str) -> None:
    sc = get(name)
    opts = sc.options({"model_only": True})
    assert opts.model_only
    with pytest.raises(OptionError, match="--engine with --model-only") as e:
        sc.options({"model_only": True, "engine": "reference"})
    assert "\n" not in str(e.value)


def test_model_only_says_so() -> None:
    text, facts = two_paths.run("rt", duration_ms=60, model_only=True)
    assert facts["mode"] == "model-only" and "cores" not in facts
    assert "Model only (--model-only)" in text and "On the cores" not in text
    assert two_paths.check(facts) == []


@pytest.mark.parametrize("name", ["two-paths", "softirq-current", "napi-storm"])
def test_arch_x86_refused_in_one_line(name: str) -> None:
    with pytest.raises(OptionError) as e:
        get(name).options({"arch": "x86"})
    assert "\n" not in str(e.value) and "--arch x86" in str(e.value)
    assert "e1000e-storm" in str(e.value)  # where the talk's x86 networking runs


@functools.cache
def _x86(engine: str) -> dict[str, Any]:
    return softirq_starvation.run_case_on_cores("rt-no-ktimersoftd", arch="x86", engine=engine,
                                                duration_ms=300, load_from_ms=20,
                                                load_to_ms=250)


def test_starvation_on_the_pc() -> None:
    f = _x86("native")
    c = f["cores"]
    assert c["board"] == "pc" and c["cpus_online"] == 1
    # the tick is the LAPIC timer's, HZ=100: 29 in 300 ms, every one a hard IRQ
    assert c["ticks"] == [29] and c["hard_irqs"] == 29 and c["context_switches"] > 0
    assert c["current_checks"] == {"agree": 29, "disagree": 0}
    assert f["during_load"] <= 2  # ksoftirqd (SCHED_OTHER) starved by the FIFO 50 load
    assert no_engine(_x86("reference")) == no_engine(f)
    sc = get("softirq-starvation")
    assert sc.options({"arch": "x86"}).arch == "x86"
    with pytest.raises(OptionError, match="--arch x86 with --model-only"):
        sc.options({"arch": "x86", "model_only": True})


def test_options_reach_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake(flavour: str, **kw: Any) -> tuple[str, dict[str, Any]]:
        seen.update(kw, flavour=flavour)
        return "", {"paths": dict.fromkeys(["irq_exit", "irq_thread", "ksoftirqd",
                                            "do_current_softirqs", "__do_softirq"], 0),
                    "flavour": "rt", "arrived": 0, "received": 0}

    monkeypatch.setattr(two_paths, "run_on_cores", fake)
    sc = get("two-paths")
    sc.run(sc.options({"kernel": "threadirqs", "engine": "reference", "version": "6.x"}))
    assert seen["flavour"] == "threadirqs" and seen["engine"] == "reference"
    assert seen["version"] == "6.x"


def test_softirq_current_refuses_what_has_no_do_current_softirqs() -> None:
    sc = get("softirq-current")
    for opts in ({"kernel": "mainline"}, {"version": "6.x"}):
        with pytest.raises(OptionError) as e:
            sc.options(opts)
        assert "\n" not in str(e.value) and "do_current_softirqs" in str(e.value)


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(rate=st.integers(10_000, 1_500_000), seed=st.integers(0, 3),
       flavour=st.sampled_from(["mainline", "threadirqs", "rt"]))
def test_every_frame_accounted_and_current_agrees(rate: int, seed: int, flavour: str) -> None:
    facts = napi_storm.run(flavour, rate=rate, duration_ms=0.5, calm_ms=0.2, seed=seed)[1]
    assert facts["delivered"] + facts["dropped"] == facts["offered"]
    c = facts["cores"]
    assert c["current_checks"] == {"agree": c["hard_irqs"], "disagree": 0}
    assert c["hard_irqs"] >= facts["interrupts"]  # the FEC's, plus any tick


@pytest.mark.parametrize("flavour", ["mainline", "threadirqs", "rt"])
def test_version_6x_shapes_on_the_cores(flavour: str) -> None:
    text, facts = two_paths.run(flavour, version="6.x", duration_ms=60)
    assert two_paths.check(facts) == [] and facts["cores"]["context_switches"] > 0
    p = facts["paths"]
    assert not p["do_current_softirqs"]  # 4.x-rt's; 6.x RT runs __do_softirq in the thread
    storm = napi_storm.run(flavour, version="6.x", rate=1_000_000, duration_ms=1.0,
                           calm_ms=0.5)[1]
    assert napi_storm.check(storm) == []
    assert storm["kprobes"]["__raise_softirq_irqoff_ksoft"]["storm"] == 0
