"""Each softirq scenario shows what it claims, on the cores (the default) and with
--model-only."""

from __future__ import annotations

import pytest

from irqemu.scenarios import softirq_current, softirq_starvation, two_paths


@pytest.mark.parametrize("flavour", ["mainline", "threadirqs", "rt"])
def test_two_paths(flavour):
    text, facts = two_paths.run(flavour, duration_ms=150)
    assert two_paths.check(facts) == []
    assert "stackcount.py napi_gro_receive" in text
    if flavour == "rt":
        assert "do_current_softirqs\n  __local_bh_enable\n  irq_forced_thread_fn" in text
    if flavour == "mainline":
        assert "__do_softirq\n  irq_exit" in text and "run_ksoftirqd" in text


def test_softirq_current_counts_both_contexts_and_prints_comm():
    text, facts = softirq_current.run(duration_ms=150)
    assert softirq_current.check(facts) == []
    assert f"task->comm is {facts['thread_comm']}" in text
    assert len(facts["thread_comm"]) == 15 and facts["thread_comm"].endswith("2188000.")
    assert "task->comm is ksoftirqd/0" in text
    assert "do_current_softirqs: " in text and " hits" in text


def test_softirq_starvation():
    text, facts = softirq_starvation.run()
    assert softirq_starvation.check(facts) == []
    assert "sched: RT throttling activated" in text
    assert facts["rt-no-ktimersoftd"]["during_load"] < facts["mainline"]["during_load"]


@pytest.mark.parametrize("flavour", ["mainline", "threadirqs", "rt"])
def test_two_paths_model_only(flavour):
    text, facts = two_paths.run(flavour, duration_ms=150, model_only=True)
    assert two_paths.check(facts) == [] and facts["mode"] == "model-only"
    assert "Model only (--model-only)" in text


def test_softirq_current_and_starvation_model_only():
    text, facts = softirq_current.run(duration_ms=150, model_only=True)
    assert softirq_current.check(facts) == [] and "Model only" in text
    assert facts["thread_comm"] == "irq/16-2188000."
    text, facts = softirq_starvation.run(model_only=True)
    assert softirq_starvation.check(facts) == [] and "Model only" in text
    assert "cores" not in facts and facts["mode"] == "model-only"


def test_scenarios_are_deterministic():
    assert two_paths.run("rt", duration_ms=60)[0] == two_paths.run("rt", duration_ms=60)[0]
