"""e1000e-storm: the talk's x86 stackcount shapes from the 82574L model on the pc.

By default the scheduler runs on the pc's core: the irq thread, ksoftirqd and a
busy user task are tasks there, every hard IRQ is taken by the core. The small
runs below start the load at 0.7 ms, while the busy task's first burst (from
boot to ~1 ms) is still running, so some receives land on it.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from helpers import no_engine
from hypothesis import given, settings
from hypothesis import strategies as st

from irqemu.kernel.context import kfunc
from irqemu.scenarios import e1000e_storm as S
from irqemu.scenarios import get
from irqemu.scenarios._pc_context import (
    IDLE_FRAMES,
    NANOSLEEP,
    PAGE_FAULT,
    PIPE_WRITE,
    suspended_frames,
)
from irqemu.scenarios.base import OptionError

MS = 1.5  #: simulated ms under load: ~450 frames, ~30 interrupts
CALM_MS = 0.5  #: the load starts at 0.7 ms, inside the busy task's first burst
#: the talk's stacks of a hard IRQ interrupting a busy user task (4.6.2)
TALK_PIPE_WRITE = ("e1000_receive_skb", "e1000e_poll", "net_rx_action",
                   "__softirqentry_text_start", "irq_exit", "do_IRQ", "ret_from_intr",
                   "pipe_write", "__vfs_write", "vfs_write", "sys_write",
                   "entry_SYSCALL_64_fastpath")
TALK_PAGE_FAULT = ("e1000_receive_skb", "e1000e_poll", "net_rx_action",
                   "__softirqentry_text_start", "irq_exit", "do_IRQ", "ret_from_intr",
                   "__alloc_pages_nodemask", "alloc_pages_vma", "handle_pte_fault",
                   "handle_mm_fault", "__do_page_fault", "do_page_fault", "page_fault")


@functools.cache
def _run(flavour: str, engine: str = "native", model_only: bool = False,
         again: int = 0) -> tuple[str, dict[str, Any]]:
    return S.run(flavour, duration_ms=MS, calm_ms=CALM_MS, engine=engine,
                 model_only=model_only)


def _stacks(f: dict[str, Any]) -> dict[tuple[str, ...], int]:
    return {tuple(st): n for st, n in f["stacks"]}


@pytest.mark.parametrize("flavour", ["mainline", "threadirqs", "rt"])
def test_talks_shape_on_the_core(flavour: str) -> None:
    """The check passes; the core took every hard IRQ and switched tasks; the guest's
    current_task agreed with the model's current at every one."""
    text, f = _run(flavour)
    assert S.check(f) == []
    assert f["mode"] == "cores"
    cores = f["cores"]
    assert cores["hard_irqs"] >= f["interrupts"] > 0
    assert cores["context_switches"] > 0
    assert cores["current_checks"] == {"agree": cores["hard_irqs"], "disagree": 0}
    assert f["busy_task"]["bursts"] >= 1 and f["busy_task"]["pid"] > 0
    assert "On the core:" in text and "context switches" in text
    assert all(S.linux_x86_stack(tuple(st)) for st, _n in f["stacks"])


def test_mainline_receives_from_irq_exit_on_idle_and_on_the_busy_task() -> None:
    """The talk's 4.6.2 shape: irq_exit under the idle loop most, and the hard IRQs
    that interrupted the busy user task's write(2) and page faults run NET_RX on top
    of them, exactly as the talk's stacks show."""
    _t, f = _run("mainline")
    stacks = _stacks(f)
    usual = tuple(f["usual_stack"])
    assert usual[: len(S.TALK_STACKS["mainline"])] == S.TALK_STACKS["mainline"]
    assert usual[-1] == "x86_64_start_kernel"  # CPU 0's idle loop below
    assert f["origins"]["ksoftirqd"] == 0 and f["origins"]["irq_exit"] == f["delivered"]
    assert stacks.get(TALK_PIPE_WRITE, 0) > 0 and stacks.get(TALK_PAGE_FAULT, 0) > 0
    on_busy = sum(n for st, n in stacks.items()
                  if S.interrupted_part(st) in S.BUSY_CONTEXTS)
    assert on_busy == f["receives_on_busy_task"] > 0
    assert f["usual_count"] + on_busy == f["delivered"]
    assert f["usual_count"] > on_busy  # the CPU idles most of the time
    # each receive ran in a hard IRQ that interrupted what its stack names
    irqs = f["interrupted"]
    assert irqs["pipe_write"] > 0 and irqs["page_fault"] > 0
    assert sum(irqs.values()) == f["interrupts"]
    assert f["kprobes"][S.KSOFT] == {"calm": 0, "storm": 0}


def test_rt_irq_thread_preempts_the_busy_task() -> None:
    """On RT the hard IRQs that land on the busy task wake irq/N-eth0 (FIFO 50), which
    preempts it and receives there: no receive runs on top of the busy task."""
    text, f = _run("rt")
    assert tuple(f["usual_stack"]) == S.TALK_STACKS["rt"]
    assert f["origins"]["ksoftirqd"] == 0 and f["usual_count"] == f["delivered"]
    on_task = sum(n for kind, n in f["interrupted"].items() if kind != "idle")
    assert on_task > 0 and f["receives_on_busy_task"] == 0
    # each of them: busy -> irq thread -> busy, besides idle <-> thread switches
    assert f["cores"]["context_switches"] >= 2 * f["interrupts"]
    assert "preempting the busy task" in text


def test_the_regime_is_the_drivers_defaults() -> None:
    """ITR holds interrupts to ~20,000/s: each poll takes a batch under the weight."""
    for fl in ("mainline", "rt"):
        f = _run(fl)[1]
        assert f["irq_chip"] == "PCI-MSI 32768-edge eth0"  # PCI_DEVID(0, 0x10) << 11
        assert f["delivered"] == f["offered"] and f["dropped"] == 0
        per_s = f["interrupts"] / ((f["calm_ms"] + f["duration_ms"]) / 1000)
        assert per_s <= 20_000 * 1.05
        assert 1 < f["delivered"] / f["polls"] < 64
        assert f["throttled"] > 0  # ITR held some back
        assert f["core_interrupts"]  # the hard IRQs were taken by the core


def test_deterministic_and_engines_agree() -> None:
    for fl in ("mainline", "rt"):
        first = _run(fl)[1]
        again = _run(fl, again=1)[1]
        ref = _run(fl, engine="reference")[1]
        assert json.dumps(again, sort_keys=True) == json.dumps(first, sort_keys=True)
        assert json.dumps(no_engine(ref), sort_keys=True) \
            == json.dumps(no_engine(first), sort_keys=True)


def test_python_fabric_and_texts_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python fabric gives the same facts; the reference engine the same text."""
    import irqemu.boards as boards

    assert _run("rt", engine="reference")[0].replace("reference engine", "native engine") \
        == _run("rt")[0]
    expected = _run("mainline")  # on the native fabric (cached before the patch)
    board = boards.build_board
    built: list[Any] = []

    def python_fabric(name: str, **kw: Any) -> Any:
        built.append(board(name, fabric="python", **kw))
        return built[-1]

    monkeypatch.setattr(boards, "build_board", python_fabric)
    assert S.run("mainline", duration_ms=MS, calm_ms=CALM_MS) == expected
    assert len(built) == 1


def test_model_only_is_the_explicit_shortcut() -> None:
    """--model-only: the kthreads run in the kernel model's runner after the hard IRQ,
    no busy task, no tick; it says so; the talk's shapes still come out."""
    for fl in ("mainline", "rt"):
        text, f = _run(fl, model_only=True)
        assert f["mode"] == "model-only" and S.check(f) == []
        assert f["cores"]["context_switches"] == 0 and f["busy_task"] is None
        assert f["cores"]["ticks"] == [0]
        assert f["interrupted"] == {"idle": f["interrupts"]}
        assert "--model-only" in text and "not as tasks on the core" in text
    ref = _run("rt", engine="reference", model_only=True)[1]
    assert no_engine(ref) == no_engine(_run("rt", model_only=True)[1])


def test_overload_hands_receive_to_ksoftirqd() -> None:
    """Above what the core keeps up with, polls fill their weight and never complete:
    ksoftirqd takes over (what the ARM default storm shows), and the check says the
    talk's shape is not there."""
    _t, f = S.run("rt", rate=1_400_000, duration_ms=2.0, calm_ms=0.5)
    assert f["ksoftirqd_count"] > f["usual_count"]
    assert f["kprobes"][S.KSOFT]["storm"] > 0
    assert any("not far above" in p for p in S.check(f))
    assert all(S.linux_x86_stack(tuple(st)) for st, _n in f["stacks"])


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
    tick = ("e1000_receive_skb", "e1000_clean_rx_irq", "e1000e_poll", "napi_poll",
            "net_rx_action", "__do_softirq", "irq_exit", "smp_apic_timer_interrupt",
            "handle_arch_irq", "common_interrupt", *PIPE_WRITE)
    assert S.bcc_x86_stack(tick)[4:8] == ("irq_exit", "smp_apic_timer_interrupt",
                                          "apic_timer_interrupt", "pipe_write")
    assert S.linux_x86_stack(S.bcc_x86_stack(tick))


_HEAD = ("e1000_receive_skb", "e1000_clean_rx_irq", "e1000e_poll", "napi_poll",
         "net_rx_action", "__do_softirq", "irq_exit")


@settings(max_examples=60, deadline=None)
@given(ctx=st.sampled_from([IDLE_FRAMES, (), PIPE_WRITE, PAGE_FAULT, NANOSLEEP,
                            ("smpboot_thread_fn", "kthread", "ret_from_fork"),
                            ("irq_thread", "kthread", "ret_from_fork")]),
       sysvec=st.sampled_from([None, *S.SYSVEC_ENTRIES]),
       drop=st.integers(0, 40))
def test_stacks_linux_could_show(ctx: tuple[str, ...], sysvec: str | None, drop: int) -> None:
    """A receive at irq_exit over any context this pc has, through do_IRQ or a system
    vector, is a stack 4.6 x86_64 shows, and the context read back from it is the one
    interrupted; with any one of its frames missing it is not (no artefact passes),
    but for a kthread's loop function (then it was interrupted in that function)."""
    handler = ("do_IRQ",) if sysvec is None else (sysvec,)
    model = (*_HEAD, *handler, "handle_arch_irq", "common_interrupt", *ctx)
    bcc = S.bcc_x86_stack(model)
    assert S.linux_x86_stack(bcc)
    assert S.interrupted_part(bcc) == ctx
    i = drop % len(bcc)
    broken = bcc[:i] + bcc[i + 1:]
    if bcc[i] not in S.KTHREAD_LOOPS:  # a kthread interrupted in its loop function itself
        assert not S.linux_x86_stack(broken)


def test_artefacts_are_not_linux_stacks() -> None:
    """The stacks issue 12 calls artefacts fail the check."""
    bad = [
        ("e1000_receive_skb", "e1000e_poll", "net_rx_action", "__softirqentry_text_start",
         "irq_exit", "__irq_svc"),
        ("e1000_receive_skb", "e1000e_poll", "net_rx_action", "do_current_softirqs",
         "__local_bh_enable", "irq_forced_thread_fn", "irq_thread", "kthread",
         "ret_from_fork", "handle_arch_irq"),
        ("e1000_receive_skb", "e1000e_poll", "net_rx_action", "__softirqentry_text_start",
         "irq_exit", "do_IRQ", "ret_from_intr", "handle_arch_irq"),
    ]
    for st_ in bad:
        assert not S.linux_x86_stack(st_)


def test_options() -> None:
    sc = get("e1000e-storm")
    assert sc.options().arch == "x86" and sc.options().rate == S.DEFAULT_RATE
    assert not sc.options().model_only and sc.options({"model_only": True}).model_only
    with pytest.raises(OptionError, match="x86_64"):
        sc.options({"arch": "arm"})
    with pytest.raises(OptionError, match="sweep"):
        sc.options({"sweep": True})


class _Task:
    def __init__(self, comm: str, gen: Any = None) -> None:
        self.comm = comm
        self.data = {"gen": gen}


@kfunc("net_rx_action")
def _inner() -> Any:
    yield 1


@kfunc("do_current_softirqs")
def _middle() -> Any:
    yield from _inner()


def _body() -> Any:  # a task body that is not a model function
    yield from _middle()


def test_a_kthread_interrupted_between_slices() -> None:
    """Between passes a kthread is in its loop; inside one, in the model functions its
    generators are suspended in; kthread <- ret_from_fork below either."""
    assert suspended_frames(_Task("ksoftirqd/0")) == ("smpboot_thread_fn", "kthread",
                                                     "ret_from_fork")
    assert suspended_frames(_Task("irq/24-eth0")) == ("irq_thread", "kthread", "ret_from_fork")
    assert suspended_frames(_Task("kworker/0:1")) == ("kthread", "ret_from_fork")
    gen = _body()
    next(gen)
    assert suspended_frames(_Task("ksoftirqd/0", gen)) == (
        "net_rx_action", "do_current_softirqs", "kthread", "ret_from_fork")
