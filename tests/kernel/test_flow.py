"""Flow handlers: the exact order of chip calls and the PENDING / INPROGRESS / replay rules."""

from __future__ import annotations

from kfakes import RecChip, desc_of, handler, hardirq, make_kernel, new_line

from irqemu.kernel.genirq.chip import (
    chained_irq_enter,
    chained_irq_exit,
    handle_edge_irq,
    handle_fasteoi_irq,
    handle_level_irq,
    handle_percpu_devid_irq,
    handle_percpu_irq,
    handle_simple_irq,
    irq_set_chained_handler_and_data,
)
from irqemu.kernel.genirq.irqdesc import irq_set_percpu_devid
from irqemu.kernel.genirq.types import (
    IRQ_HANDLED,
    IRQ_NONE,
    IRQ_NOREQUEST,
    IRQ_NOTHREAD,
    IRQ_WAKE_THREAD,
    IRQD_IRQ_INPROGRESS,
    IRQF_ONESHOT,
    IRQF_SHARED,
    IRQS_PENDING,
    IRQS_REPLAY,
)


def setup(flow, *, level=True, flavour="mainline", version="4.6", **chipkw):
    k = make_kernel(flavour, version)
    rec = RecChip(**chipkw)
    irq = new_line(k, rec, flow, level=level)
    return k, rec, irq


def test_level_handled_mask_ack_unmask():
    k, rec, irq = setup(handle_level_irq)
    log: list[str] = []
    assert k.request_irq(irq, handler(IRQ_HANDLED, log), 0, "dev", None) == 0
    assert rec.take() == ["unmask", "set_affinity"]  # irq_startup -> irq_enable; affinity
    hardirq(k, irq)
    assert rec.take() == ["mask", "ack", "unmask"]
    assert log == ["h"] and desc_of(k, irq).kstat_irqs == [1, 0]


def test_level_uses_mask_ack_when_present():
    k, rec, irq = setup(handle_level_irq, mask_ack=True)
    k.request_irq(irq, handler(IRQ_HANDLED), 0, "dev", None)
    rec.take()
    hardirq(k, irq)
    assert rec.take() == ["mask_ack", "unmask"]


def test_level_oneshot_stays_masked_until_thread_finalizes():
    k = make_kernel(autorun=False)
    rec = RecChip()
    irq = new_line(k, rec, handle_level_irq)
    order: list[str] = []

    def thread_fn(i, d):
        order.append("thread")
        assert desc_of(k, irq).irqd_irq_masked()
        return IRQ_HANDLED

    assert k.request_threaded_irq(irq, None, thread_fn, IRQF_ONESHOT, "dev", None) == 0
    rec.take()
    hardirq(k, irq)
    assert rec.take() == ["mask", "ack"]
    desc = desc_of(k, irq)
    assert desc.threads_oneshot == 1 and desc.threads_active == 1
    k.sched.run_pending()
    assert order == ["thread"] and rec.take() == ["unmask"]
    assert desc.threads_oneshot == 0 and desc.threads_active == 0


def test_level_lazy_disable_masks_on_fire_and_never_replays():
    k, rec, irq = setup(handle_level_irq)
    log: list[str] = []
    k.request_irq(irq, handler(IRQ_HANDLED, log), 0, "dev", None)
    rec.take()
    k.disable_irq(irq)
    assert rec.take() == []  # lazy: no chip disable, hardware untouched
    hardirq(k, irq)
    desc = desc_of(k, irq)
    assert rec.take() == ["mask", "ack"] and log == []
    assert desc.istate & IRQS_PENDING and desc.irqd_irq_masked()
    k.enable_irq(irq)
    assert rec.take() == ["unmask"]
    assert not desc.istate & (IRQS_PENDING | IRQS_REPLAY)  # level: the hardware re-asserts
    assert not k.softirq.pending()


def test_chip_disable_is_used_when_present():
    k, rec, irq = setup(handle_level_irq, disable=True)
    k.request_irq(irq, handler(IRQ_HANDLED), 0, "dev", None)
    rec.take()
    k.disable_irq(irq)
    assert rec.take() == ["disable"]
    assert desc_of(k, irq).irqd_irq_masked()


def test_fasteoi_plain_eoi_only():
    k, rec, irq = setup(handle_fasteoi_irq)
    k.request_irq(irq, handler(IRQ_HANDLED), 0, "dev", None)
    rec.take()
    hardirq(k, irq)
    assert rec.take() == ["eoi"]


def test_fasteoi_oneshot_masks_before_handler_unmasks_in_thread():
    k = make_kernel(autorun=False)
    rec = RecChip()
    irq = new_line(k, rec, handle_fasteoi_irq)
    k.request_threaded_irq(irq, None, handler(IRQ_HANDLED), IRQF_ONESHOT, "dev", None)
    rec.take()
    hardirq(k, irq)
    assert rec.take() == ["mask", "eoi"]
    k.sched.run_pending()
    assert rec.take() == ["unmask"]


def test_fasteoi_oneshot_primary_handles_all_eoi_then_unmask():
    k = make_kernel()
    rec = RecChip()
    irq = new_line(k, rec, handle_fasteoi_irq)
    k.request_threaded_irq(irq, handler(IRQ_HANDLED), handler(IRQ_HANDLED), IRQF_ONESHOT,
                           "dev", None)
    rec.take()
    hardirq(k, irq)
    assert rec.take() == ["mask", "eoi", "unmask"]


def test_fasteoi_disabled_pending_mask_eoi_and_6x_skips_redundant_mask():
    for version, expect in (("4.6", ["mask", "eoi", "mask", "eoi"]),
                            ("6.x", ["mask", "eoi", "eoi"])):
        k, rec, irq = setup(handle_fasteoi_irq, version=version)
        k.request_irq(irq, handler(IRQ_HANDLED), 0, "dev", None)
        k.disable_irq(irq)
        rec.take()
        hardirq(k, irq)
        hardirq(k, irq)
        assert rec.take() == expect, version
        assert desc_of(k, irq).istate & IRQS_PENDING


def test_fasteoi_in_progress_elsewhere_eoi_only():
    k, rec, irq = setup(handle_fasteoi_irq)
    inner: list[list[str]] = []

    def h(i, d):
        rec.take()
        hardirq(k, irq, cpu=1)  # the line fires on CPU1 while CPU0 runs the handler
        inner.append(rec.take())
        return IRQ_HANDLED

    k.request_irq(irq, h, 0, "dev", None)
    rec.take()
    hardirq(k, irq)
    assert inner == [["eoi"]]
    assert rec.take() == ["eoi"]
    assert desc_of(k, irq).kstat_irqs == [1, 0]


def test_edge_ack_then_loop_replays_edge_arriving_in_progress():
    k, rec, irq = setup(handle_edge_irq, level=False)
    seen: list[str] = []

    def h(i, d):
        seen.append("h")
        if len(seen) == 1:
            hardirq(k, irq, cpu=1)  # a second edge on CPU1 while in progress
            assert desc_of(k, irq).istate & IRQS_PENDING
        return IRQ_HANDLED

    k.request_irq(irq, h, 0, "dev", None)
    rec.take()
    hardirq(k, irq)
    # outer ack; inner: PENDING + mask_ack; outer loop: unmask and run again
    assert rec.take() == ["ack", "mask", "ack", "unmask"]
    assert seen == ["h", "h"]
    assert desc_of(k, irq).kstat_irqs == [1, 0]  # the replay is not counted


def test_edge_while_disabled_replayed_on_enable_by_sw_resend_tasklet():
    k, rec, irq = setup(handle_edge_irq, level=False)
    log: list[str] = []
    k.request_irq(irq, handler(IRQ_HANDLED, log), 0, "dev", None)
    k.disable_irq(irq)
    rec.take()
    hardirq(k, irq)
    assert rec.take() == ["mask", "ack"] and log == []
    k.enable_irq(irq)
    assert rec.take() == ["unmask"]
    desc = desc_of(k, irq)
    assert desc.istate & IRQS_REPLAY and irq in k.irqs_resend and k.softirq.pending()
    k.softirq.run_pending()  # TASKLET_SOFTIRQ: resend_irqs -> handle_edge_irq
    assert log == ["h"] and rec.take() == ["ack"]
    assert not desc.istate & IRQS_REPLAY and desc.kstat_total() == 1  # disabled: uncounted


def test_edge_replay_uses_chip_retrigger_when_it_works():
    k, rec, irq = setup(handle_edge_irq, level=False, retrigger=True)
    k.request_irq(irq, handler(IRQ_HANDLED), 0, "dev", None)
    k.disable_irq(irq)
    hardirq(k, irq)
    rec.take()
    k.enable_irq(irq)
    assert rec.take() == ["unmask", "retrigger"]
    assert not k.softirq.pending()


def test_replay_runs_at_irq_exit_when_enabled_from_hardirq():
    k, rec, irq = setup(handle_edge_irq, level=False)
    log: list[str] = []
    k.request_irq(irq, handler(IRQ_HANDLED, log), 0, "dev", None)
    k.disable_irq(irq)
    hardirq(k, irq)
    other = new_line(k, RecChip(), handle_simple_irq)

    def enabler(i, d):
        k.enable_irq(irq)
        return IRQ_HANDLED

    k.request_irq(other, enabler, 0, "other", None)
    hardirq(k, other)  # enable_irq in hard IRQ: the tasklet runs from irq_exit
    assert log == ["h"]


def test_simple_no_chip_calls_and_pending_when_disabled():
    k, rec, irq = setup(handle_simple_irq)
    log: list[str] = []
    k.request_irq(irq, handler(IRQ_HANDLED, log), 0, "dev", None)
    rec.take()
    hardirq(k, irq)
    assert rec.take() == [] and log == ["h"]
    k.disable_irq(irq)
    hardirq(k, irq)
    assert rec.take() == [] and desc_of(k, irq).istate & IRQS_PENDING


def test_percpu_ack_actions_eoi_no_inprogress():
    k, rec, irq = setup(handle_percpu_irq)
    states: list[bool] = []

    def h(i, d):
        states.append(desc_of(k, i).irq_data.irqd_has(IRQD_IRQ_INPROGRESS))
        rec.calls.append("handler")
        return IRQ_HANDLED

    k.request_irq(irq, h, 0, "dev", None)
    rec.take()
    hardirq(k, irq, cpu=1)
    assert rec.take() == ["ack", "handler", "eoi"] and states == [False]
    assert desc_of(k, irq).kstat_irqs == [0, 1]


def test_percpu_devid_dev_id_per_cpu_and_no_spurious_accounting():
    k, rec, irq = setup(handle_percpu_devid_irq)
    irq_set_percpu_devid(desc_of(k, irq))
    got: list[object] = []

    def h(i, d):
        got.append(d)
        return IRQ_NONE

    assert k.request_percpu_irq(irq, h, "twd", ["cpu0-dev", "cpu1-dev"]) == 0
    for cpu in (0, 1):
        with k.on_cpu(cpu):
            k.enable_percpu_irq(irq)
    rec.take()
    hardirq(k, irq, cpu=1)
    hardirq(k, irq, cpu=0)
    assert got == ["cpu1-dev", "cpu0-dev"]
    assert rec.take() == ["ack", "eoi", "ack", "eoi"]
    assert desc_of(k, irq).irq_count == 0  # note_interrupt not called
    # per-CPU devid lines cannot be requested with request_irq
    assert k.request_irq(irq, h, 0, "x", None) == -22


def test_shared_actions_all_run_in_order_whatever_they_return():
    k, rec, irq = setup(handle_fasteoi_irq)
    log: list[str] = []
    k.request_irq(irq, handler(IRQ_NONE, log, "a"), IRQF_SHARED, "a", 1)
    k.request_irq(irq, handler(IRQ_HANDLED, log, "b"), IRQF_SHARED, "b", 2)
    k.request_irq(irq, handler(IRQ_NONE, log, "c"), IRQF_SHARED, "c", 3)
    hardirq(k, irq)
    assert log == ["a", "b", "c"]


def test_wake_thread_without_thread_fn_warns_once():
    k, rec, irq = setup(handle_fasteoi_irq)
    k.request_irq(irq, handler(IRQ_WAKE_THREAD), 0, "bad", None)
    hardirq(k, irq)
    hardirq(k, irq)
    msgs = [m for m in k.dmesg if "returned IRQ_WAKE_THREAD" in m]
    assert len(msgs) == 1
    assert msgs[0].endswith("IRQ 16 device bad returned IRQ_WAKE_THREAD but no thread "
                            "function available.")


def test_handler_enabling_interrupts_warns():
    k, rec, irq = setup(handle_fasteoi_irq)

    def h(i, d):
        k.ops.local_irq_enable()
        return IRQ_HANDLED

    k.request_irq(irq, h, 0, "dev", None)
    hardirq(k, irq)
    assert any("irq 16 handler h+0x0/0x0 enabled interrupts" in m for m in k.dmesg)


def test_no_action_fasteoi_sets_pending_and_masks():
    k, rec, irq = setup(handle_fasteoi_irq)
    hardirq(k, irq)
    assert rec.take() == ["mask", "eoi"]
    assert desc_of(k, irq).istate & IRQS_PENDING


def test_chained_handler_enter_exit_and_refuses_requests():
    k = make_kernel()
    parent = RecChip("PARENT")
    pirq = new_line(k, parent, handle_level_irq)
    child_rec = RecChip("CHILD")
    child = new_line(k, child_rec, handle_simple_irq)
    log: list[str] = []
    k.request_irq(child, handler(IRQ_HANDLED, log), 0, "child-dev", None)

    def demux(desc):
        chip = desc.irq_data.chip
        chained_irq_enter(chip, desc)
        k.generic_handle_irq(child)
        chained_irq_exit(chip, desc)

    pdesc = desc_of(k, pirq)
    irq_set_chained_handler_and_data(pdesc, demux, None)
    assert pdesc.settings_has(IRQ_NOREQUEST | IRQ_NOTHREAD)
    assert k.request_irq(pirq, handler(IRQ_HANDLED), 0, "x", None) == -22
    parent.take()
    hardirq(k, pirq)
    assert log == ["h"]
    assert parent.take() == ["eoi"]  # fasteoi parent: nothing on entry, eoi on exit
    noeoi = RecChip("P2", eoi=False)
    pdesc.irq_data.chip = noeoi.chip
    hardirq(k, pirq)
    assert noeoi.take() == ["mask", "ack", "unmask"]
