"""irq_chip, the flow handlers and the chip helpers (kernel/irq/chip.c, 4.6).

Each flow handler follows 4.6's order of chip calls exactly; the [6.x]
difference modelled here is that mask_irq/unmask_irq skip the chip when the
line is already (un)masked (v4.13 "genirq: Avoid unnecessary low level irq
function calls"). The rest of 6.x's flow-handler changes are not modelled.
"""

from __future__ import annotations

from typing import Any

from irqemu.kernel.context import kfunc
from irqemu.kernel.genirq.handle import (
    handle_bad_irq,
    handle_irq_event,
    handle_irq_event_percpu,
    run_handler,
)
from irqemu.kernel.genirq.resend import check_irq_resend
from irqemu.kernel.genirq.types import (
    IRQ_DISABLE_UNLAZY,
    IRQ_NOPROBE,
    IRQ_NOREQUEST,
    IRQ_NOTHREAD,
    IRQCHIP_EOI_IF_HANDLED,
    IRQCHIP_EOI_THREADED,
    IRQD_IRQ_INPROGRESS,
    IRQD_WAKEUP_ARMED,
    IRQS_ONESHOT,
    IRQS_PENDING,
    IRQS_POLL_INPROGRESS,
    IRQS_REPLAY,
    IRQS_WAITING,
    FlowHandler,
    IrqChip,
    IrqData,
    IrqDesc,
    kstat_incr_irqs_this_cpu,
    no_irq_chip,
)

# -- chip helpers ---------------------------------------------------------------------


@kfunc()
def mask_irq(desc: IrqDesc) -> None:
    k = desc.kernel
    if k.config.lazy_mask_check and desc.irqd_irq_masked():
        return
    chip = desc.irq_data.chip
    if chip.irq_mask is not None:
        chip.irq_mask(desc.irq_data)
        desc.irq_state_set_masked()


@kfunc()
def unmask_irq(desc: IrqDesc) -> None:
    k = desc.kernel
    if k.config.lazy_mask_check and not desc.irqd_irq_masked():
        return
    chip = desc.irq_data.chip
    if chip.irq_unmask is not None:
        chip.irq_unmask(desc.irq_data)
        desc.irq_state_clr_masked()


@kfunc()
def unmask_threaded_irq(desc: IrqDesc) -> None:
    chip = desc.irq_data.chip
    if chip.flags & IRQCHIP_EOI_THREADED and chip.irq_eoi is not None:
        chip.irq_eoi(desc.irq_data)
    if chip.irq_unmask is not None:
        chip.irq_unmask(desc.irq_data)
        desc.irq_state_clr_masked()


@kfunc()
def mask_ack_irq(desc: IrqDesc) -> None:
    """chip.c mask_ack_irq: mask_ack if present, else mask then ack (if present)."""
    chip = desc.irq_data.chip
    if chip.irq_mask_ack is not None:
        chip.irq_mask_ack(desc.irq_data)
    else:
        if chip.irq_mask is not None:
            chip.irq_mask(desc.irq_data)
        if chip.irq_ack is not None:
            chip.irq_ack(desc.irq_data)
    desc.irq_state_set_masked()


@kfunc()
def irq_enable(desc: IrqDesc) -> None:
    desc.kernel.fentry(..., desc)
    desc.irq_state_clr_disabled()
    chip = desc.irq_data.chip
    if chip.irq_enable is not None:
        chip.irq_enable(desc.irq_data)
    elif chip.irq_unmask is not None:
        chip.irq_unmask(desc.irq_data)
    desc.irq_state_clr_masked()


@kfunc()
def irq_disable(desc: IrqDesc) -> None:
    """Lazy disable: without chip.irq_disable (and no DISABLE_UNLAZY) the hardware
    is left alone; the flow handler masks the line if it fires."""
    desc.kernel.fentry(..., desc)
    desc.irq_state_set_disabled()
    chip = desc.irq_data.chip
    if chip.irq_disable is not None:
        chip.irq_disable(desc.irq_data)
        desc.irq_state_set_masked()
    elif desc.settings_has(IRQ_DISABLE_UNLAZY):
        mask_irq(desc)


@kfunc()
def irq_startup(desc: IrqDesc, resend: bool) -> int:
    desc.irq_state_clr_disabled()
    desc.depth = 0
    ret = 0
    chip = desc.irq_data.chip
    if chip.irq_startup is not None:
        ret = chip.irq_startup(desc.irq_data)
        desc.irq_state_clr_masked()
    else:
        irq_enable(desc)
    if resend:
        check_irq_resend(desc)
    return ret


@kfunc()
def irq_shutdown(desc: IrqDesc) -> None:
    desc.irq_state_set_disabled()
    desc.depth = 1
    chip = desc.irq_data.chip
    if chip.irq_shutdown is not None:
        chip.irq_shutdown(desc.irq_data)
    elif chip.irq_disable is not None:
        chip.irq_disable(desc.irq_data)
    elif chip.irq_mask is not None:
        chip.irq_mask(desc.irq_data)
    desc.irq_state_set_masked()


def irq_percpu_enable(desc: IrqDesc, cpu: int) -> None:
    chip = desc.irq_data.chip
    if chip.irq_enable is not None:
        chip.irq_enable(desc.irq_data)
    elif chip.irq_unmask is not None:
        chip.irq_unmask(desc.irq_data)
    desc.percpu_enabled.add(cpu)


def irq_percpu_disable(desc: IrqDesc, cpu: int) -> None:
    chip = desc.irq_data.chip
    if chip.irq_disable is not None:
        chip.irq_disable(desc.irq_data)
    elif chip.irq_mask is not None:
        chip.irq_mask(desc.irq_data)
    desc.percpu_enabled.discard(cpu)


# -- flow handlers ----------------------------------------------------------------------


def irq_may_run(desc: IrqDesc) -> bool:
    """False while the line is in progress (another CPU handles it) or wakeup-armed,
    unless a spurious poll is what runs it (then irq_wait_for_poll decides)."""
    if not desc.irq_data.irqd_has(IRQD_IRQ_INPROGRESS | IRQD_WAKEUP_ARMED):
        return True
    if desc.irq_data.irqd_has(IRQD_WAKEUP_ARMED):
        return False  # irq_pm_check_wakeup: suspend abort path, not modelled further
    if not desc.istate & IRQS_POLL_INPROGRESS:
        return False
    # irq_wait_for_poll: the poller on another CPU finishes first; with no true
    # concurrency in the model the poll has already completed when we get here.
    return not desc.irqd_irq_disabled() and bool(desc.actions)


@kfunc()
def handle_level_irq(desc: IrqDesc) -> None:
    desc.kernel.fentry(..., desc)
    mask_ack_irq(desc)
    if not irq_may_run(desc):
        return
    desc.istate &= ~(IRQS_REPLAY | IRQS_WAITING)
    if not desc.actions or desc.irqd_irq_disabled():
        desc.istate |= IRQS_PENDING
        return
    kstat_incr_irqs_this_cpu(desc)
    _handle_irq_event(desc)
    cond_unmask_irq(desc)


def cond_unmask_irq(desc: IrqDesc) -> None:
    if not desc.irqd_irq_disabled() and desc.irqd_irq_masked() and not desc.threads_oneshot:
        unmask_irq(desc)


def cond_unmask_eoi_irq(desc: IrqDesc, chip: IrqChip) -> None:
    assert chip.irq_eoi is not None
    if not desc.istate & IRQS_ONESHOT:
        chip.irq_eoi(desc.irq_data)
        return
    if not desc.irqd_irq_disabled() and desc.irqd_irq_masked() and not desc.threads_oneshot:
        chip.irq_eoi(desc.irq_data)
        unmask_irq(desc)
    elif not chip.flags & IRQCHIP_EOI_THREADED:
        chip.irq_eoi(desc.irq_data)


@kfunc()
def handle_fasteoi_irq(desc: IrqDesc) -> None:
    desc.kernel.fentry(..., desc)
    chip = desc.irq_data.chip
    assert chip.irq_eoi is not None, f"{chip.name}: fasteoi flow needs irq_eoi"
    if not irq_may_run(desc):
        if not chip.flags & IRQCHIP_EOI_IF_HANDLED:
            chip.irq_eoi(desc.irq_data)
        return
    desc.istate &= ~(IRQS_REPLAY | IRQS_WAITING)
    if not desc.actions or desc.irqd_irq_disabled():
        desc.istate |= IRQS_PENDING
        mask_irq(desc)
        if not chip.flags & IRQCHIP_EOI_IF_HANDLED:
            chip.irq_eoi(desc.irq_data)
        return
    kstat_incr_irqs_this_cpu(desc)
    if desc.istate & IRQS_ONESHOT:
        mask_irq(desc)
    _handle_irq_event(desc)
    cond_unmask_eoi_irq(desc, chip)


@kfunc()
def handle_edge_irq(desc: IrqDesc) -> None:
    desc.kernel.fentry(..., desc)
    desc.istate &= ~(IRQS_REPLAY | IRQS_WAITING)
    if not irq_may_run(desc):
        desc.istate |= IRQS_PENDING
        mask_ack_irq(desc)
        return
    if desc.irqd_irq_disabled() or not desc.actions:
        desc.istate |= IRQS_PENDING
        mask_ack_irq(desc)
        return
    kstat_incr_irqs_this_cpu(desc)
    chip = desc.irq_data.chip
    assert chip.irq_ack is not None, f"{chip.name}: edge flow needs irq_ack"
    chip.irq_ack(desc.irq_data)
    while True:
        if not desc.actions:
            mask_irq(desc)
            return
        if desc.istate & IRQS_PENDING:
            if not desc.irqd_irq_disabled() and desc.irqd_irq_masked():
                unmask_irq(desc)
        _handle_irq_event(desc)
        if not (desc.istate & IRQS_PENDING and not desc.irqd_irq_disabled()):
            break


@kfunc()
def handle_simple_irq(desc: IrqDesc) -> None:
    desc.kernel.fentry(..., desc)
    if not irq_may_run(desc):
        return
    desc.istate &= ~(IRQS_REPLAY | IRQS_WAITING)
    if not desc.actions or desc.irqd_irq_disabled():
        desc.istate |= IRQS_PENDING
        return
    kstat_incr_irqs_this_cpu(desc)
    _handle_irq_event(desc)


@kfunc()
def handle_percpu_irq(desc: IrqDesc) -> None:
    """No lock, no INPROGRESS: kstat, ack, every action, eoi."""

    desc.kernel.fentry(..., desc)
    chip = desc.irq_data.chip
    kstat_incr_irqs_this_cpu(desc)
    if chip.irq_ack is not None:
        chip.irq_ack(desc.irq_data)
    handle_irq_event_percpu(desc)
    if chip.irq_eoi is not None:
        chip.irq_eoi(desc.irq_data)


@kfunc()
def handle_percpu_devid_irq(desc: IrqDesc) -> None:
    """kstat, ack, the one action's handler with this CPU's dev_id, eoi; no spurious
    accounting. (A missing action: 6.x's "Spurious percpu IRQ" path, in both versions.)"""

    k = desc.kernel
    k.fentry(..., desc)
    chip = desc.irq_data.chip
    cpu = k.ops.smp_processor_id()
    desc.kstat_irqs[cpu] += 1  # kstat_incr_irqs_this_cpu
    if chip.irq_ack is not None:
        chip.irq_ack(desc.irq_data)
    action = desc.actions[0] if desc.actions else None
    if action is not None:
        dev_id = action.percpu_dev_id[cpu] if action.percpu_dev_id is not None else None
        run_handler(desc, action, dev_id)
    else:
        enabled = cpu in desc.percpu_enabled
        if enabled:
            irq_percpu_disable(desc, cpu)
        k.printk_once(f"percpu{desc.irq}",
                      f"Spurious{' enabled' if enabled else ''} percpu IRQ{desc.irq} on CPU{cpu}")
    if chip.irq_eoi is not None:
        chip.irq_eoi(desc.irq_data)


def _handle_irq_event(desc: IrqDesc) -> None:

    handle_irq_event(desc)


FLOW_NAMES: dict[Any, str] = {
    handle_level_irq: "level",
    handle_edge_irq: "edge",
    handle_fasteoi_irq: "fasteoi",
    handle_simple_irq: "simple",
    handle_percpu_irq: "percpu",
    handle_percpu_devid_irq: "percpu_devid",
}


# -- setting chips and handlers ----------------------------------------------------


def irq_set_chip_and_handler_name(desc: IrqDesc, chip: IrqChip | None, handle: FlowHandler,
                                  name: str | None = None) -> None:
    desc.irq_data.chip = chip if chip is not None else no_irq_chip
    __irq_set_handler(desc, handle, False, name)


def irq_set_handler(desc: IrqDesc, handle: FlowHandler, name: str | None = None) -> None:
    __irq_set_handler(desc, handle, False, name)


def irq_set_chained_handler_and_data(desc: IrqDesc, handle: FlowHandler, data: Any) -> None:
    desc.irq_common_data.handler_data = data
    __irq_set_handler(desc, handle, True, None)


def __irq_set_handler(desc: IrqDesc, handle: FlowHandler, is_chained: bool,
                      name: str | None) -> None:
    desc.handle_irq = handle
    desc.name = name
    if is_chained and handle is not handle_bad_irq:
        desc.status_use_accessors |= IRQ_NOPROBE | IRQ_NOREQUEST | IRQ_NOTHREAD
        desc.chained = True
        irq_startup(desc, True)


def chained_irq_enter(chip: IrqChip, desc: IrqDesc) -> None:
    """Nothing for a fasteoi parent; else mask_ack (or mask + ack)."""
    if chip.irq_eoi is not None:
        return
    if chip.irq_mask_ack is not None:
        chip.irq_mask_ack(desc.irq_data)
    else:
        if chip.irq_mask is not None:
            chip.irq_mask(desc.irq_data)
        if chip.irq_ack is not None:
            chip.irq_ack(desc.irq_data)


def chained_irq_exit(chip: IrqChip, desc: IrqDesc) -> None:
    if chip.irq_eoi is not None:
        chip.irq_eoi(desc.irq_data)
    elif chip.irq_unmask is not None:
        chip.irq_unmask(desc.irq_data)


# -- hierarchy: *_parent callbacks forward to the parent domain's chip ---------------


def _parent(d: IrqData) -> IrqData:
    assert d.parent_data is not None, f"irq {d.irq}: no parent irq_data"
    return d.parent_data


def irq_chip_mask_parent(d: IrqData) -> None:
    p = _parent(d)
    assert p.chip.irq_mask is not None
    p.chip.irq_mask(p)


def irq_chip_unmask_parent(d: IrqData) -> None:
    p = _parent(d)
    assert p.chip.irq_unmask is not None
    p.chip.irq_unmask(p)


def irq_chip_eoi_parent(d: IrqData) -> None:
    p = _parent(d)
    assert p.chip.irq_eoi is not None
    p.chip.irq_eoi(p)


def irq_chip_set_type_parent(d: IrqData, type_: int) -> int:
    p = _parent(d)
    if p.chip.irq_set_type is None:
        return -38  # -ENOSYS
    return p.chip.irq_set_type(p, type_)


def irq_chip_set_affinity_parent(d: IrqData, mask: frozenset[int], force: bool) -> int:
    p = _parent(d)
    if p.chip.irq_set_affinity is None:
        return -38
    return p.chip.irq_set_affinity(p, mask, force)


def irq_chip_retrigger_hierarchy(d: IrqData) -> int:
    p: IrqData | None = d.parent_data
    while p is not None:
        if p.chip.irq_retrigger is not None:
            return p.chip.irq_retrigger(p)
        p = p.parent_data
    return 0
