"""request/free, sharing, ONESHOT, depth counting, forced threading, irq threads."""

from __future__ import annotations

import pytest
from kfakes import RecChip, desc_of, handler, hardirq, make_kernel, new_line

from irqemu.kernel.context import SCHED_FIFO
from irqemu.kernel.genirq.chip import handle_fasteoi_irq
from irqemu.kernel.genirq.irqdesc import irq_set_percpu_devid
from irqemu.kernel.genirq.manage import irq_default_primary_handler
from irqemu.kernel.genirq.types import (
    IRQ_HANDLED,
    IRQ_NONE,
    IRQ_WAKE_THREAD,
    IRQCHIP_ONESHOT_SAFE,
    IRQF_NO_THREAD,
    IRQF_ONESHOT,
    IRQF_PERCPU,
    IRQF_SHARED,
    IRQF_TIMER,
    IRQF_TRIGGER_RISING,
    IRQS_ONESHOT,
)
from irqemu.kernel.ps import ps_axl


def line(flavour="mainline", version="4.6", autorun=True, **kw):
    k = make_kernel(flavour, version, autorun=autorun)
    rec = RecChip(**kw)
    return k, rec, new_line(k, rec, handle_fasteoi_irq)


def test_request_irq_is_request_threaded_irq_with_null_thread_fn():
    k, rec, irq = line()
    h = handler(IRQ_HANDLED)
    assert k.request_irq(irq, h, 0, "dev", None) == 0
    a = desc_of(k, irq).action
    assert a is not None and a.handler is h and a.thread_fn is None and a.thread is None


def test_shared_needs_dev_id_and_matching_flags():
    k, rec, irq = line()
    assert k.request_irq(irq, handler(IRQ_HANDLED), IRQF_SHARED, "a", None) == -22
    assert k.request_irq(irq, handler(IRQ_HANDLED), IRQF_SHARED, "mmc0", 1) == 0
    assert k.request_irq(irq, handler(IRQ_HANDLED), 0, "ehci", 2) == -16
    assert any(m.endswith("] genirq: Flags mismatch irq 16. 00000000 (ehci) vs. "
                          "00000080 (mmc0)") for m in k.dmesg)
    assert k.request_irq(irq, handler(IRQ_HANDLED), IRQF_SHARED | IRQF_TRIGGER_RISING,
                         "trig", 3) == -16
    assert k.request_irq(irq, handler(IRQ_HANDLED), IRQF_SHARED | IRQF_ONESHOT, "os", 4) == -16
    assert k.request_irq(irq, handler(IRQ_HANDLED), IRQF_SHARED | IRQF_PERCPU, "pc", 5) == -16
    assert k.request_irq(irq, handler(IRQ_HANDLED), IRQF_SHARED, "ehci", 6) == 0
    assert [a.name for a in desc_of(k, irq).actions] == ["mmc0", "ehci"]
    assert k.warnings == []


def test_null_handler_requires_oneshot_unless_chip_oneshot_safe():
    k, rec, irq = line()
    assert k.request_threaded_irq(irq, None, handler(IRQ_HANDLED), 0, "t", None) == -22
    assert k.dmesg[-1].endswith("genirq: Threaded irq requested with handler=NULL and "
                                "!ONESHOT for irq 16")
    assert k.request_threaded_irq(irq, None, None, IRQF_ONESHOT, "t", None) == -22
    assert k.irq_threads() == []  # the failed request's thread is gone
    k2, rec2, irq2 = line(flags=IRQCHIP_ONESHOT_SAFE)
    assert k2.request_threaded_irq(irq2, None, handler(IRQ_HANDLED), 0, "t", None) == 0
    assert desc_of(k2, irq2).action.handler is irq_default_primary_handler  # type: ignore


def test_oneshot_thread_masks_lowest_free_bit():
    k, rec, irq = line()
    for i, name in enumerate("abc"):
        assert k.request_threaded_irq(irq, None, handler(IRQ_HANDLED), IRQF_SHARED | IRQF_ONESHOT,
                                      name, i + 1) == 0
    assert [a.thread_mask for a in desc_of(k, irq).actions] == [1, 2, 4]
    k.free_irq(irq, 2)
    assert k.request_threaded_irq(irq, None, handler(IRQ_HANDLED), IRQF_SHARED | IRQF_ONESHOT,
                                  "d", 9) == 0
    assert [a.thread_mask for a in desc_of(k, irq).actions] == [1, 4, 2]
    assert desc_of(k, irq).istate & IRQS_ONESHOT


def test_depth_counting_and_unbalanced_enable():
    k, rec, irq = line()
    k.request_irq(irq, handler(IRQ_HANDLED), 0, "dev", None)
    desc = desc_of(k, irq)
    k.disable_irq(irq)
    k.disable_irq_nosync(irq)
    assert desc.depth == 2 and desc.irqd_irq_disabled()
    rec.take()
    k.enable_irq(irq)
    assert desc.depth == 1 and desc.irqd_irq_disabled() and rec.take() == []
    k.enable_irq(irq)
    assert desc.depth == 0 and not desc.irqd_irq_disabled() and rec.take() == ["unmask"]
    k.enable_irq(irq)
    assert desc.depth == 0
    assert k.warnings == ["Unbalanced enable for IRQ 16"]
    assert "Unbalanced enable for IRQ 16" in [m.split("] ", 1)[1] for m in k.dmesg]


def test_disable_irq_waits_for_threads():
    k, rec, irq = line(autorun=False)
    ran: list[int] = []
    k.request_threaded_irq(irq, None, lambda i, d: ran.append(i) or IRQ_HANDLED, IRQF_ONESHOT,
                           "t", None)
    hardirq(k, irq)
    assert desc_of(k, irq).threads_active == 1 and ran == []
    assert k.disable_irq(irq) is True  # synchronize_irq ran the thread
    assert ran == [irq] and desc_of(k, irq).threads_active == 0


def test_disable_irq_from_hardirq_is_a_bug():
    k, rec, irq = line(autorun=False)
    k.request_threaded_irq(irq, handler(IRQ_WAKE_THREAD), handler(IRQ_HANDLED), 0, "t", None)
    other = new_line(k, RecChip(), handle_fasteoi_irq)
    k.request_irq(other, lambda i, d: (k.disable_irq(irq), IRQ_HANDLED)[1], 0, "o", None)
    hardirq(k, irq)
    hardirq(k, other)
    assert any("sleeping function called from invalid context" in w for w in k.warnings)


@pytest.mark.parametrize("version,sprio", [("4.6", 49), ("6.x", 50)])
def test_explicit_thread_names_and_priorities(version, sprio):
    k, rec, irq = line("mainline", version)
    k.request_threaded_irq(irq, handler(IRQ_WAKE_THREAD), handler(IRQ_HANDLED), IRQF_SHARED,
                           "mmc0", 1)
    (t,) = k.irq_threads()
    assert (t.comm, t.policy, t.rt_priority, t.prio - 100) == ("irq/16-mmc0", SCHED_FIFO, 50, -51)
    k2, _, irq2 = line("rt", version)
    k2.request_threaded_irq(irq2, handler(IRQ_WAKE_THREAD), handler(IRQ_HANDLED), IRQF_SHARED,
                            "mmc0", 1)
    comms = {t.comm: t.rt_priority for t in k2.irq_threads()}
    assert comms == {"irq/16-mmc0": 50, "irq/16-s-mmc0": sprio}


def test_comm_cut_to_15_characters():
    k, rec, irq = line("threadirqs")
    for _ in range(134):  # push the virq to 150
        new_line(k, RecChip(), handle_fasteoi_irq)
    irq = max(k.irq_descs)
    assert irq == 150
    k.request_irq(irq, handler(IRQ_HANDLED), 0, "2188000.ethernet", None)
    (t,) = k.irq_threads()
    assert t.comm == "irq/150-2188000"
    assert "[irq/150-2188000]" in ps_axl(k)


@pytest.mark.parametrize("flavour", ["mainline", "threadirqs", "rt"])
def test_forced_threading_per_flavour(flavour):
    k, rec, irq = line(flavour)
    k.request_irq(irq, handler(IRQ_HANDLED), IRQF_SHARED, "ehci_hcd:usb3", 1)
    forced = flavour != "mainline"
    a = desc_of(k, irq).action
    assert a is not None
    assert (a.handler is irq_default_primary_handler) == forced
    assert bool(a.flags & IRQF_ONESHOT) == forced and a.forced == forced
    assert [t.comm for t in k.irq_threads()] == (["irq/16-ehci_hcd"] if forced else [])


@pytest.mark.parametrize("flags", [IRQF_NO_THREAD, IRQF_PERCPU, IRQF_ONESHOT, IRQF_TIMER])
def test_forced_threading_exclusions_by_flag(flags):
    k, rec, irq = line("rt")
    h = handler(IRQ_HANDLED)
    assert k.request_irq(irq, h, flags, "tick", None) == 0
    assert desc_of(k, irq).action.handler is h  # type: ignore[union-attr]
    assert k.irq_threads() == []


def test_forced_threading_skips_nothread_lines():
    k, rec, irq = line("rt")
    irq_set_percpu_devid(desc_of(k, irq))
    assert k.request_percpu_irq(irq, handler(IRQ_HANDLED), "twd", [None, None]) == 0
    assert k.irq_threads() == []


def test_forced_thread_runs_handler_with_bh_disabled_then_unmasks():
    k, rec, irq = line("threadirqs", autorun=False)
    seen: list[tuple[bool, bool, str]] = []

    def h(i, d):
        seen.append((k.in_irq(), k.in_softirq(), k.current[k.ops.smp_processor_id()].comm))
        assert desc_of(k, irq).irqd_irq_masked()  # oneshot: still masked in the thread
        return IRQ_HANDLED

    k.request_irq(irq, h, 0, "dev", None)
    rec.take()
    hardirq(k, irq)
    assert rec.take() == ["mask", "eoi"] and seen == []
    k.register_kprobe("irq_finalize_oneshot", lambda kk, n, *a: seen.append(tuple(kk.stack())))
    k.sched.run_pending()
    assert seen[0] == (False, True, "irq/16-dev")  # BH-disabled section counts as softirq
    assert seen[1][:3] == ("irq_finalize_oneshot", "irq_forced_thread_fn", "irq_thread")
    assert rec.take() == ["unmask"]


def test_forced_secondary_thread_runs_original_thread_fn():
    k, rec, irq = line("rt", autorun=False)
    order: list[str] = []

    def primary(i, d):
        order.append("primary:" + k.current[0].comm)
        return IRQ_WAKE_THREAD

    def thread_fn(i, d):
        order.append("thread_fn:" + k.current[0].comm)
        return IRQ_HANDLED

    k.request_threaded_irq(irq, primary, thread_fn, IRQF_SHARED, "mmc0", 1)
    a = desc_of(k, irq).action
    assert a is not None and a.secondary is not None and a.secondary.thread_mask == 0
    hardirq(k, irq)
    k.sched.run_pending()
    assert order == ["primary:irq/16-mmc0", "thread_fn:irq/16-s-mmc0"]
    assert desc_of(k, irq).threads_active == 0 and not desc_of(k, irq).irqd_irq_masked()


def test_threads_run_highest_priority_first():
    k, rec, irq = line("rt", autorun=False)
    order: list[str] = []
    k.request_threaded_irq(irq, lambda i, d: IRQ_WAKE_THREAD,
                           lambda i, d: order.append("s") or IRQ_HANDLED, IRQF_SHARED, "a", 1)
    k.request_irq(irq, lambda i, d: order.append("b") or IRQ_HANDLED, IRQF_SHARED, "b", 2)
    hardirq(k, irq)
    k.sched.run_pending()
    assert order == ["b", "s"]  # irq/16-b (FIFO 50) before irq/16-s-a (FIFO 49)


def test_free_irq_last_action_shuts_down_and_stops_threads():
    k, rec, irq = line("rt")
    k.request_threaded_irq(irq, handler(IRQ_WAKE_THREAD), handler(IRQ_HANDLED), IRQF_SHARED,
                           "mmc0", 1)
    k.request_irq(irq, handler(IRQ_HANDLED), IRQF_SHARED, "ehci", 2)
    assert len(k.irq_threads()) == 3
    rec.take()
    assert k.free_irq(irq, 1) == "mmc0"
    assert [t.comm for t in k.irq_threads()] == ["irq/16-ehci"] and rec.take() == []
    k.free_irq(irq, 2)
    assert k.irq_threads() == [] and rec.take() == ["mask"]
    desc = desc_of(k, irq)
    assert desc.depth == 1 and desc.irqd_irq_disabled()
    k.free_irq(irq, 2)
    assert k.warnings == ["Trying to free already-free IRQ 16"]


def test_affinity_moves_thread_on_next_run():
    k, rec, irq = line("rt", autorun=False)
    k.request_irq(irq, handler(IRQ_HANDLED), 0, "dev", None)
    assert k.irq_set_affinity(irq, {1}) == 0
    hardirq(k, irq)
    k.sched.run_pending()
    (t,) = k.irq_threads()
    assert t.cpus_allowed == frozenset({1}) and t.cpu in (0, 1)
    hardirq(k, irq)
    k.sched.run_pending()
    assert t.cpu == 1


def test_note_interrupt_sees_thread_results_one_interrupt_later():
    k, rec, irq = line("mainline")
    k.request_threaded_irq(irq, None, handler(IRQ_NONE), IRQF_ONESHOT, "t", None)
    for _ in range(3):
        hardirq(k, irq)
    desc = desc_of(k, irq)
    assert desc.irqs_unhandled == 2  # first deferred, then judged by the thread's NONE
