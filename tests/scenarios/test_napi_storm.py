"""The packet-storm experiment on the emulated i.MX6Q (kernel.elf, FEC model, NAPI)."""

from __future__ import annotations

from typing import Any

import pytest

from irqemu.scenarios.napi_storm import KSOFT, check, origin, run, sweep

_RUNS: dict[str, tuple[str, dict[str, Any]]] = {}


def _run(flavour: str) -> tuple[str, dict[str, Any]]:
    if flavour not in _RUNS:
        _RUNS[flavour] = run(flavour, rate=1_000_000, duration_ms=2.5, calm_rate=20_000,
                             calm_ms=1.0)
    return _RUNS[flavour]


@pytest.mark.parametrize("flavour", ["mainline", "threadirqs", "rt"])
def test_storm_reproduces_the_talk(flavour: str) -> None:
    text, facts = _run(flavour)
    assert check(facts) == []
    kp = facts["kprobes"]
    assert kp[KSOFT]["calm"] == 0  # ksoft hits appear only once the storm starts
    assert (kp[KSOFT]["storm"] > 0) == (flavour == "rt")
    # calm: every frame its own interrupt and its own completion
    assert kp["napi_complete_done"]["calm"] == facts["calm"]["interrupts"] \
        == facts["calm"]["receives"] == 20
    # storm: the interrupt stays masked, polling and ksoftirqd carry the load
    assert facts["interrupts"] - facts["calm"]["interrupts"] <= 2
    assert facts["origins"]["ksoftirqd"] > 0
    assert facts["delivered"] + facts["dropped"] == facts["offered"]
    assert "stackcount.py napi_gro_receive" in text and "softnet_stat" in text


def test_stack_origins_per_flavour() -> None:
    ml = _run("mainline")[1]["usual_stack"]
    assert ml[:6] == ["napi_gro_receive", "fec_enet_rx_queue", "fec_enet_rx_napi", "napi_poll",
                      "net_rx_action", "__do_softirq"] and ml[6] == "irq_exit"
    ti = _run("threadirqs")[1]["usual_stack"]
    assert ti[5:] == ["__do_softirq", "do_softirq", "__local_bh_enable_ip",
                      "irq_forced_thread_fn", "irq_thread", "kthread", "ret_from_fork"]
    rt = _run("rt")[1]["usual_stack"]
    assert rt[5:] == ["do_current_softirqs", "__local_bh_enable", "irq_forced_thread_fn",
                      "irq_thread", "kthread", "ret_from_fork"]
    # under the storm, ksoftirqd: the talk's run_ksoftirqd stacks
    ks = [st for st, _n in _run("rt")[1]["stacks"] if origin(tuple(st)) == "ksoftirqd"]
    assert ks and ks[0][5:] == ["do_current_softirqs", "run_ksoftirqd", "smpboot_thread_fn",
                                "kthread", "ret_from_fork"]


def test_sweep_finds_the_knee() -> None:
    text, facts = sweep("mainline", [20_000, 100_000, 500_000, 1_000_000], duration_ms=2.0)
    assert check(facts) == []
    rows = facts["rows"]
    # below the knee each frame is one interrupt and one poll
    for row in rows[:2]:
        assert row["irqs_per_frame"] == 1.0 and row["dropped"] == 0
        assert row["interrupts"] == row["offered"] == row["polls"]
    # above it interrupts per frame collapse and polls dominate
    top = rows[-1]
    assert top["irqs_per_frame"] < 0.01 and top["polls"] > 10 * top["interrupts"]
    assert top["dropped"] > 0 and top["ksoftirqd_share"] > 0.3
    assert facts["knee"] == 500_000
    assert "Knee" in text


def test_runs_are_deterministic() -> None:
    a = run("rt", rate=500_000, duration_ms=1.0, calm_ms=0.5)[1]
    b = run("rt", rate=500_000, duration_ms=1.0, calm_ms=0.5)[1]
    assert a == b
