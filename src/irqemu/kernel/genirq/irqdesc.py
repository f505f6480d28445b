"""Interrupt descriptors: irq_desc, irq_data, and their state bits.

include/linux/irqdesc.h, include/linux/irq.h, kernel/irq/internals.h,
kernel/irq/settings.h, kernel/irq/irqdesc.c (4.6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from irqemu.kernel import Kernel
    from irqemu.kernel.genirq.chip import IrqChip
    from irqemu.kernel.genirq.irqdomain import IrqDomain
    from irqemu.kernel.genirq.manage import IrqAction

# -- irq types (include/linux/irq.h) ------------------------------------------------
IRQ_TYPE_NONE = 0x0
IRQ_TYPE_EDGE_RISING = 0x1
IRQ_TYPE_EDGE_FALLING = 0x2
IRQ_TYPE_EDGE_BOTH = 0x3
IRQ_TYPE_LEVEL_HIGH = 0x4
IRQ_TYPE_LEVEL_LOW = 0x8
IRQ_TYPE_LEVEL_MASK = 0xC
IRQ_TYPE_SENSE_MASK = 0xF
IRQ_TYPE_DEFAULT = IRQ_TYPE_SENSE_MASK

# -- irq settings: desc->status_use_accessors (include/linux/irq.h "IRQ_*") ---------
IRQ_LEVEL = 1 << 8
IRQ_PER_CPU = 1 << 9
IRQ_NOPROBE = 1 << 10
IRQ_NOREQUEST = 1 << 11
IRQ_NOAUTOEN = 1 << 12
IRQ_NO_BALANCING = 1 << 13
IRQ_MOVE_PCNTXT = 1 << 14
IRQ_NESTED_THREAD = 1 << 15
IRQ_NOTHREAD = 1 << 16
IRQ_PER_CPU_DEVID = 1 << 17
IRQ_IS_POLLED = 1 << 18
IRQ_DISABLE_UNLAZY = 1 << 19
IRQ_HIDDEN = 1 << 20  #: [6.x] (5.10+): not shown in /proc/interrupts

# -- irq_data state: irq_common_data.state_use_accessors (IRQD_*) ------------------
IRQD_TRIGGER_MASK = 0xF
IRQD_SETAFFINITY_PENDING = 1 << 8
IRQD_NO_BALANCING = 1 << 10
IRQD_PER_CPU = 1 << 11
IRQD_AFFINITY_SET = 1 << 12
IRQD_LEVEL = 1 << 13
IRQD_WAKEUP_STATE = 1 << 14
IRQD_MOVE_PCNTXT = 1 << 15
IRQD_IRQ_DISABLED = 1 << 16
IRQD_IRQ_MASKED = 1 << 17
IRQD_IRQ_INPROGRESS = 1 << 18
IRQD_WAKEUP_ARMED = 1 << 19

# -- desc->istate (kernel/irq/internals.h IRQS_*) --------------------------------------
IRQS_AUTODETECT = 0x00000001
IRQS_SPURIOUS_DISABLED = 0x00000002
IRQS_POLL_INPROGRESS = 0x00000008
IRQS_ONESHOT = 0x00000020
IRQS_REPLAY = 0x00000040
IRQS_WAITING = 0x00000080
IRQS_PENDING = 0x00000200
IRQS_SUSPENDED = 0x00000800

ISTATE_NAMES = {
    IRQS_AUTODETECT: "AUTODETECT",
    IRQS_SPURIOUS_DISABLED: "SPURIOUS_DISABLED",
    IRQS_POLL_INPROGRESS: "POLL_INPROGRESS",
    IRQS_ONESHOT: "ONESHOT",
    IRQS_REPLAY: "REPLAY",
    IRQS_WAITING: "WAITING",
    IRQS_PENDING: "PENDING",
    IRQS_SUSPENDED: "SUSPENDED",
}
IRQD_NAMES = {
    IRQD_PER_CPU: "PER_CPU",
    IRQD_LEVEL: "LEVEL",
    IRQD_IRQ_DISABLED: "IRQ_DISABLED",
    IRQD_IRQ_MASKED: "IRQ_MASKED",
    IRQD_IRQ_INPROGRESS: "IRQ_INPROGRESS",
    IRQD_WAKEUP_ARMED: "WAKEUP_ARMED",
}

FlowHandler = Callable[["IrqDesc"], None]


class IrqCommonData:
    """struct irq_common_data: state shared by every level of a hierarchy."""

    __slots__ = ("state_use_accessors", "handler_data", "affinity")

    def __init__(self) -> None:
        self.state_use_accessors = 0
        self.handler_data: Any = None
        self.affinity: frozenset[int] | None = None  #: None = all CPUs


class IrqData:
    """struct irq_data: one level of an interrupt's chip hierarchy."""

    __slots__ = ("irq", "hwirq", "common", "chip", "domain", "parent_data", "chip_data", "desc")

    def __init__(self, irq: int, common: IrqCommonData, desc: IrqDesc) -> None:
        self.irq = irq
        self.hwirq = 0
        self.common = common
        self.chip: IrqChip = _no_irq_chip()
        self.domain: IrqDomain | None = None
        self.parent_data: IrqData | None = None
        self.chip_data: Any = None
        self.desc = desc

    @property
    def state(self) -> int:
        return self.common.state_use_accessors

    # irqd_* accessors
    def irqd_set(self, mask: int) -> None:
        self.common.state_use_accessors |= mask

    def irqd_clear(self, mask: int) -> None:
        self.common.state_use_accessors &= ~mask

    def irqd_has(self, mask: int) -> bool:
        return bool(self.common.state_use_accessors & mask)

    def irqd_get_trigger_type(self) -> int:
        return self.common.state_use_accessors & IRQD_TRIGGER_MASK

    def irqd_is_level_type(self) -> bool:
        return bool(self.common.state_use_accessors & IRQD_LEVEL)

    def __repr__(self) -> str:
        return f"<irq_data irq={self.irq} hwirq={self.hwirq} chip={self.chip.name}>"


class IrqDesc:
    """struct irq_desc."""

    def __init__(self, kernel: Kernel, irq: int) -> None:
        self.kernel = kernel
        self.irq_common_data = IrqCommonData()
        self.irq_data = IrqData(irq, self.irq_common_data, self)
        self.kstat_irqs = [0] * kernel.num_cpus
        self.handle_irq: FlowHandler = kernel.handle_bad_irq
        self.actions: list[IrqAction] = []  #: desc->action list, registration order
        self.status_use_accessors = 0  #: IRQ_* settings
        self.istate = 0
        self.depth = 1  #: alloc_desc: disabled until started
        self.wake_depth = 0
        self.irq_count = 0
        self.last_unhandled = 0  #: jiffies
        self.irqs_unhandled = 0
        self.threads_handled = 0
        self.threads_handled_last = 0
        self.threads_oneshot = 0
        self.threads_active = 0
        self.percpu_enabled: set[int] = set()
        self.name: str | None = None  #: flow name shown by /proc/interrupts ("fasteoi")
        self.parent_irq = 0
        self.chained = False  #: irq_desc_is_chained: handler installed by a chained setup
        #: finalize_oneshot calls waiting for INPROGRESS to clear (a thread on another CPU)
        self.finalize_waiters: list[IrqAction] = []
        self.irq_data.irqd_set(IRQD_IRQ_DISABLED | IRQD_IRQ_MASKED)  # desc_set_defaults

    # convenience
    @property
    def irq(self) -> int:
        return self.irq_data.irq

    @property
    def action(self) -> IrqAction | None:
        return self.actions[0] if self.actions else None

    @property
    def chip(self) -> IrqChip:
        return self.irq_data.chip

    def irqd_irq_disabled(self) -> bool:
        return bool(self.irq_common_data.state_use_accessors & IRQD_IRQ_DISABLED)

    def irqd_irq_masked(self) -> bool:
        return bool(self.irq_common_data.state_use_accessors & IRQD_IRQ_MASKED)

    def irqd_irq_inprogress(self) -> bool:
        return bool(self.irq_common_data.state_use_accessors & IRQD_IRQ_INPROGRESS)

    # irq_state_set_/clr_ helpers (internals.h)
    def irq_state_set_disabled(self) -> None:
        self.irq_data.irqd_set(IRQD_IRQ_DISABLED)

    def irq_state_clr_disabled(self) -> None:
        self.irq_data.irqd_clear(IRQD_IRQ_DISABLED)

    def irq_state_set_masked(self) -> None:
        self.irq_data.irqd_set(IRQD_IRQ_MASKED)

    def irq_state_clr_masked(self) -> None:
        self.irq_data.irqd_clear(IRQD_IRQ_MASKED)

    # irq_settings_* (settings.h)
    def settings_has(self, mask: int) -> bool:
        return bool(self.status_use_accessors & mask)

    def irq_settings_is_level(self) -> bool:
        return bool(self.status_use_accessors & IRQ_LEVEL)

    def irq_settings_can_thread(self) -> bool:
        return not self.status_use_accessors & IRQ_NOTHREAD

    def irq_settings_can_request(self) -> bool:
        return not self.status_use_accessors & IRQ_NOREQUEST

    def irq_settings_can_autoenable(self) -> bool:
        return not self.status_use_accessors & IRQ_NOAUTOEN

    def irq_settings_is_per_cpu_devid(self) -> bool:
        return bool(self.status_use_accessors & IRQ_PER_CPU_DEVID)

    def kstat_total(self) -> int:
        return sum(self.kstat_irqs)

    def describe(self) -> str:
        """print_irq_desc-like one-liner (tests, debugging)."""
        ist = "|".join(n for b, n in ISTATE_NAMES.items() if self.istate & b) or "0"
        st = "|".join(n for b, n in IRQD_NAMES.items() if self.irq_data.state & b) or "0"
        return (f"irq {self.irq}, desc: handle_irq={getattr(self.handle_irq, '__name__', '?')} "
                f"depth={self.depth} istate={ist} state={st} "
                f"threads_oneshot={self.threads_oneshot:#x} threads_active={self.threads_active}")

    def __repr__(self) -> str:
        return f"<irq_desc {self.irq}>"


def _no_irq_chip() -> IrqChip:
    from irqemu.kernel.genirq.chip import no_irq_chip

    return no_irq_chip


def irq_to_desc(kernel: Kernel, irq: int) -> IrqDesc | None:
    return kernel.irq_descs.get(irq)


def irq_alloc_descs(kernel: Kernel, irq: int, from_: int, cnt: int) -> int:
    """__irq_alloc_descs: ``irq`` >= 0 asks for exactly that number; else the first
    free run of ``cnt`` at or above ``from_``. Returns the first irq or -EEXIST/-ENOMEM."""
    from irqemu.kernel.genirq.manage import EEXIST

    if irq >= 0:
        if from_ > irq:
            return -22
        from_ = irq
    start = max(from_, 0)
    while any(i in kernel.irq_descs for i in range(start, start + cnt)):
        if irq >= 0:
            return -EEXIST
        start += 1
    for i in range(start, start + cnt):
        kernel.irq_descs[i] = IrqDesc(kernel, i)
    kernel.nr_irqs = max(kernel.nr_irqs, start + cnt)  # irq_expand_nr_irqs
    return start


def irq_alloc_descs_from(kernel: Kernel, from_: int, cnt: int) -> int:
    return irq_alloc_descs(kernel, -1, from_, cnt)


def irq_free_descs(kernel: Kernel, irq: int, cnt: int) -> None:
    for i in range(irq, irq + cnt):
        kernel.irq_descs.pop(i, None)


def kstat_incr_irqs_this_cpu(desc: IrqDesc) -> None:
    desc.kstat_irqs[desc.kernel.ops.smp_processor_id()] += 1


def kstat_irqs_cpu(desc: IrqDesc, cpu: int) -> int:
    return desc.kstat_irqs[cpu]


def irq_set_status_flags(desc: IrqDesc, set_: int, clr: int = 0) -> None:
    """irq_modify_status (the settings part; IRQD mirrors for PER_CPU/LEVEL)."""
    desc.status_use_accessors = (desc.status_use_accessors & ~clr) | set_
    d = desc.irq_data
    d.irqd_clear(IRQD_PER_CPU | IRQD_NO_BALANCING | IRQD_LEVEL)
    if desc.status_use_accessors & IRQ_PER_CPU:
        d.irqd_set(IRQD_PER_CPU)
    if desc.status_use_accessors & IRQ_NO_BALANCING:
        d.irqd_set(IRQD_NO_BALANCING)
    if desc.status_use_accessors & IRQ_LEVEL:
        d.irqd_set(IRQD_LEVEL)
    trig = desc.status_use_accessors & IRQ_TYPE_SENSE_MASK
    if trig:
        d.common.state_use_accessors = (d.state & ~IRQD_TRIGGER_MASK) | trig


def irq_set_percpu_devid(desc: IrqDesc) -> None:
    """irq_set_percpu_devid: IRQ_NOAUTOEN | IRQ_PER_CPU | IRQ_NOTHREAD | IRQ_NOPROBE
    | IRQ_PER_CPU_DEVID (irq_set_percpu_devid_flags)."""
    irq_set_status_flags(
        desc, IRQ_NOAUTOEN | IRQ_PER_CPU | IRQ_NOTHREAD | IRQ_NOPROBE | IRQ_PER_CPU_DEVID
    )
