"""The GIC and GPC irqchip drivers against the GICv2 device model, through ChipIO."""

from __future__ import annotations

from irqemu.kernel.genirq.types import IRQ_HANDLED, IRQ_TYPE_EDGE_RISING, IRQF_ONESHOT
from irqemu.kernel.smp import IPI_CALL_FUNC, IPI_RESCHEDULE
from irqemu.scenarios.model_board import ModelBoard


def test_init_programs_distributor_and_cpu_interfaces():
    b = ModelBoard("mainline", 2)
    g = b.gic_dev
    assert g.dctlr == 1 and g.cctlr == [1, 1] and g.pmr == [0xF0, 0xF0]
    assert g.priority(118 + 32, 0) == 0xA0 and g.priority(29, 1) == 0xA0
    assert g._spi["en"] == 0 and g._priv["en"][1] == 0xFFFF
    assert g._targets[150] == 1  # boot CPU
    assert b.gic.cpu_map[:2] == [1, 2]


def test_request_unmasks_and_targets_one_cpu_and_set_type():
    b = ModelBoard("mainline", 2)
    virq = b.gic.map_spi(118)
    assert b.kernel.request_irq(virq, lambda i, d: IRQ_HANDLED, 0, "fec", None) == 0
    assert b.gic_dev._spi["en"] >> 150 & 1
    edge = b.gic.map_spi(119, IRQ_TYPE_EDGE_RISING)
    assert b.gic_dev._edge_spi >> 151 & 1
    assert not b.kernel.irq_descs[edge].irq_data.irqd_is_level_type()
    assert b.kernel.irq_set_affinity(virq, {1}) == 0
    assert b.gic_dev._targets[150] == 2


def test_gic_handle_irq_iar_eoi_loop():
    b = ModelBoard("mainline", 2)
    k = b.kernel
    virq = b.gic.map_spi(118)
    seen = []

    def h(i, d):
        seen.append((i, k.in_irq()))
        b.set_spi(118, False)  # the driver clears its device's interrupt
        return IRQ_HANDLED

    k.request_irq(virq, h, 0, "fec", None)
    log: list = []
    b.io.log = log
    b.set_spi(118, True)
    assert b.irq_asserted(0) and not b.irq_asserted(1)
    assert b.fire(0) == 1
    assert seen == [(virq, True)] and k.irq_descs[virq].kstat_irqs == [1, 0]
    regs = [(rw, addr, val) for rw, _c, addr, val in log]
    assert regs == [("r", 0xA0010C, 150), ("w", 0xA00110, 150), ("r", 0xA0010C, 1023)]
    assert not b.gic_dev._spi["act"] and k.ops.cycles[0] > 0  # type: ignore[attr-defined]


def test_oneshot_thread_keeps_gic_line_disabled_until_done():
    b = ModelBoard("rt", 1)
    k = b.kernel
    k.sched.autorun = False  # type: ignore[attr-defined]
    virq = b.gic.map_spi(118)
    k.request_threaded_irq(virq, None, lambda i, d: (b.set_spi(118, False), IRQ_HANDLED)[1],
                           IRQF_ONESHOT, "fec", None)
    b.set_spi(118, True)
    b.fire(0)
    assert not b.gic_dev._spi["en"] >> 150 & 1 and not b.irq_asserted(0)
    k.sched.run_pending()
    assert b.gic_dev._spi["en"] >> 150 & 1


def test_ipis_counted_by_kind_and_wrapped():
    b = ModelBoard("mainline", 2)
    k = b.kernel
    ctx: list = []
    k.ipi_handlers[IPI_CALL_FUNC] = lambda cpu: ctx.append(("call", cpu, k.in_irq()))
    k.ipi_handlers[IPI_RESCHEDULE] = lambda cpu: ctx.append(("resched", cpu, k.in_irq()))
    k.smp_cross_call({1}, IPI_CALL_FUNC)
    k.smp_cross_call({0, 1}, IPI_RESCHEDULE)
    b.fire()
    assert k.ipi_counts[1][IPI_CALL_FUNC] == 1 and k.ipi_counts[0][IPI_RESCHEDULE] == 1
    assert k.ipi_counts[1][IPI_RESCHEDULE] == 1 and k.ipi_counts[0][IPI_CALL_FUNC] == 0
    assert ("call", 1, True) in ctx and ("resched", 0, False) in ctx


def test_unmapped_interrupt_is_a_bad_irq():
    b = ModelBoard("mainline", 1)
    g = b.gic_dev
    g._spi["en"] |= 1 << 100
    b.gic_dev.set_irq(100, True)
    b.kernel.irq(0)
    assert b.kernel.irq_err_count == 1
    assert b.kernel.dmesg[-1].endswith("unexpected IRQ trap at vector 00")


def test_gpc_imr_masking_and_wake():
    b = ModelBoard("mainline", 1)
    assert b.gpc is not None
    assert [b.gpc_dev.imr(i) for i in range(4)] == [0xFFFFFFFF] * 4
    virq = b.gpc.map_spi(55)
    k = b.kernel
    k.request_irq(virq, lambda i, d: IRQ_HANDLED, 0, "i.MX Timer Tick", None)
    assert b.gpc_dev.imr(1) == 0xFFFFFFFF & ~(1 << 23)
    assert b.gic_dev._spi["en"] >> 87 & 1
    desc = k.irq_descs[virq]
    assert desc.irq_data.chip.name == "GPC" and desc.irq_data.parent_data is not None
    assert desc.irq_data.parent_data.hwirq == 87
    k.disable_irq(virq)  # lazy: nothing yet
    assert b.gpc_dev.imr(1) == 0xFFFFFFFF & ~(1 << 23)
    b.set_spi(55, True)
    b.kernel.irq(0)  # fires once: masked at both levels, EOI through the parent
    assert b.gpc_dev.imr(1) == 0xFFFFFFFF and not b.gic_dev._spi["en"] >> 87 & 1
    assert not b.gic_dev._spi["act"]
    assert desc.irq_data.chip.irq_set_wake is not None
    desc.irq_data.chip.irq_set_wake(desc.irq_data, 1)
    b.gpc.pre_suspend()
    assert b.gpc_dev.imr(1) == 0xFFFFFFFF & ~(1 << 23) and b.gpc_dev.imr(0) == 0xFFFFFFFF
    b.gpc.post_resume()
    assert b.gpc_dev.imr(1) == 0xFFFFFFFF
