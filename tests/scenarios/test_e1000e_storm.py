"""e1000e-storm: the talk's x86 stackcount shapes from the 82574L model on the pc."""

from __future__ import annotations

import json

import pytest

from irqemu.scenarios import e1000e_storm as S
from irqemu.scenarios import get
from irqemu.scenarios.base import OptionError

MS = 1.5  #: simulated ms under load: ~450 frames, ~30 interrupts


@pytest.fixture(scope="module")
def runs() -> dict[str, dict]:
    return {fl: S.run(fl, duration_ms=MS)[1] for fl in ("mainline", "rt")}


def test_mainline_receives_from_irq_exit_on_the_idle_cpu(runs: dict[str, dict]) -> None:
    f = runs["mainline"]
    assert S.check(f) == []
    assert tuple(f["usual_stack"][: len(S.TALK_STACKS["mainline"])]) \
        == S.TALK_STACKS["mainline"]
    assert f["usual_stack"][-1] == "x86_64_start_kernel"  # CPU 0's idle loop below
    assert f["origins"]["ksoftirqd"] == 0 and f["usual_count"] == f["delivered"]
    assert f["kprobes"][S.KSOFT] == {"calm": 0, "storm": 0}


def test_rt_receives_in_the_irq_thread(runs: dict[str, dict]) -> None:
    f = runs["rt"]
    assert S.check(f) == []
    assert tuple(f["usual_stack"]) == S.TALK_STACKS["rt"]
    assert f["origins"]["ksoftirqd"] == 0


def test_the_regime_is_the_drivers_defaults(runs: dict[str, dict]) -> None:
    """ITR holds interrupts to ~20,000/s: each poll takes a batch under the weight."""
    for f in runs.values():
        assert f["irq_chip"] == "PCI-MSI 32768-edge eth0"  # PCI_DEVID(0, 0x10) << 11
        assert f["delivered"] == f["offered"] and f["dropped"] == 0
        per_s = f["interrupts"] / ((f["calm_ms"] + f["duration_ms"]) / 1000)
        assert per_s <= 20_000 * 1.05
        assert 1 < f["delivered"] / f["polls"] < 64
        assert f["throttled"] > 0  # ITR held some back
        assert f["core_interrupts"]  # the hard IRQs were taken by the core


def test_deterministic_and_engines_agree(runs: dict[str, dict]) -> None:
    again = S.run("rt", duration_ms=MS)[1]
    ref = S.run("rt", duration_ms=MS, engine="reference")[1]
    ref["engine"] = again["engine"]
    assert json.dumps(again, sort_keys=True) == json.dumps(runs["rt"], sort_keys=True)
    assert json.dumps(ref, sort_keys=True) == json.dumps(again, sort_keys=True)


def test_overload_hands_receive_to_ksoftirqd() -> None:
    """Above what the core keeps up with, polls fill their weight and never complete:
    ksoftirqd takes over (what the ARM default storm shows), and the check says the
    talk's shape is not there."""
    _t, f = S.run("rt", rate=1_400_000, duration_ms=2.0, calm_ms=0.5)
    assert f["ksoftirqd_count"] > f["usual_count"]
    assert f["kprobes"][S.KSOFT]["storm"] > 0
    assert any("not far above" in p for p in S.check(f))


def test_bcc_view() -> None:
    model = ("e1000_receive_skb", "e1000_clean_rx_irq", "e1000e_poll", "napi_poll",
             "net_rx_action", "__do_softirq", "irq_exit", "do_IRQ", "handle_arch_irq",
             "common_interrupt", "cpuidle_enter")
    assert S.bcc_x86_stack(model) == (
        "e1000_receive_skb", "e1000e_poll", "net_rx_action", "__softirqentry_text_start",
        "irq_exit", "do_IRQ", "ret_from_intr", "cpuidle_enter")
    thread = ("e1000_receive_skb", "e1000_clean_rx_irq", "e1000e_poll", "napi_poll",
              "net_rx_action", "do_current_softirqs", "run_ksoftirqd", "smpboot_thread_fn",
              "kthread", "ret_from_fork", "do_IRQ", "common_interrupt")
    assert S.bcc_x86_stack(thread)[-4:] == ("run_ksoftirqd", "smpboot_thread_fn", "kthread",
                                            "ret_from_fork")


def test_options() -> None:
    sc = get("e1000e-storm")
    assert sc.options().arch == "x86" and sc.options().rate == S.DEFAULT_RATE
    with pytest.raises(OptionError, match="x86_64"):
        sc.options({"arch": "arm"})
    with pytest.raises(OptionError, match="sweep"):
        sc.options({"sweep": True})
    with pytest.raises(OptionError, match="model"):
        sc.options({"model_only": True})
