"""The genirq types: include/linux/irq.h + irqdesc.h + interrupt.h (4.6).

Every record type the generic IRQ layer shares (irq_chip, irq_data, irq_desc,
irqaction, irq_domain), every IRQ_*/IRQD_*/IRQS_*/IRQCHIP_*/IRQF_* flag and
irqreturn_t code, plus the few static inlines of those headers and of
kernel/irq/internals.h the behaviour modules all use. It imports no genirq
behaviour module, so each of those imports this one and no other's types.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import Task, kfunc

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

# errno values (include/uapi/asm-generic/errno-base.h, errno.h)
ENOMEM, EBUSY, EEXIST, EINVAL, ENOSYS = 12, 16, 17, 22, 38

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

# include/linux/irqreturn.h
IRQ_NONE = 0
IRQ_HANDLED = 1 << 0
IRQ_WAKE_THREAD = 1 << 1

# action->thread_flags bits (kernel/irq/internals.h)
IRQTF_RUNTHREAD = 1 << 0
IRQTF_WARNED = 1 << 1
IRQTF_AFFINITY = 1 << 2
IRQTF_FORCED_THREAD = 1 << 3


def irqreturn_name(ret: int) -> str:
    return {IRQ_NONE: "IRQ_NONE", IRQ_HANDLED: "IRQ_HANDLED",
            IRQ_WAKE_THREAD: "IRQ_WAKE_THREAD"}.get(ret, f"{ret:#x}")


# irq_chip flags (include/linux/irq.h)
IRQCHIP_SET_TYPE_MASKED = 1 << 0
IRQCHIP_EOI_IF_HANDLED = 1 << 1
IRQCHIP_MASK_ON_SUSPEND = 1 << 2
IRQCHIP_ONOFFLINE_ENABLED = 1 << 3
IRQCHIP_SKIP_SET_WAKE = 1 << 4
IRQCHIP_ONESHOT_SAFE = 1 << 5
IRQCHIP_EOI_THREADED = 1 << 6

# irq_set_type / irq_set_affinity return codes
IRQ_SET_MASK_OK = 0
IRQ_SET_MASK_OK_NOCOPY = 1
IRQ_SET_MASK_OK_DONE = 2

# -- IRQF_* (include/linux/interrupt.h, 4.6) ---------------------------------------
IRQF_TRIGGER_NONE = 0x00000000
IRQF_TRIGGER_RISING = 0x00000001
IRQF_TRIGGER_FALLING = 0x00000002
IRQF_TRIGGER_HIGH = 0x00000004
IRQF_TRIGGER_LOW = 0x00000008
IRQF_TRIGGER_MASK = (IRQF_TRIGGER_HIGH | IRQF_TRIGGER_LOW | IRQF_TRIGGER_RISING
                     | IRQF_TRIGGER_FALLING)
IRQF_TRIGGER_PROBE = 0x00000010
IRQF_SHARED = 0x00000080
IRQF_PROBE_SHARED = 0x00000100
__IRQF_TIMER = 0x00000200
IRQF_PERCPU = 0x00000400
IRQF_NOBALANCING = 0x00000800
IRQF_IRQPOLL = 0x00001000
IRQF_ONESHOT = 0x00002000
IRQF_NO_SUSPEND = 0x00004000
IRQF_FORCE_RESUME = 0x00008000
IRQF_NO_THREAD = 0x00010000
IRQF_EARLY_RESUME = 0x00020000
IRQF_COND_SUSPEND = 0x00040000
IRQF_TIMER = __IRQF_TIMER | IRQF_NO_SUSPEND | IRQF_NO_THREAD
IRQF_NOTHREAD = IRQF_NO_THREAD  #: the talk's spelling

FlowHandler = Callable[["IrqDesc"], None]
DataFn = Callable[["IrqData"], None]
Handler = Callable[[int, Any], int]


# -- struct irq_chip (include/linux/irq.h) and kernel/irq/dummychip.c's chips ------------

@dataclass(eq=False)
class IrqChip:
    """struct irq_chip: callbacks are None when the chip lacks them."""

    name: str | None
    irq_startup: Callable[[IrqData], int] | None = None
    irq_shutdown: DataFn | None = None
    irq_enable: DataFn | None = None
    irq_disable: DataFn | None = None
    irq_ack: DataFn | None = None
    irq_mask: DataFn | None = None
    irq_mask_ack: DataFn | None = None
    irq_unmask: DataFn | None = None
    irq_eoi: DataFn | None = None
    irq_set_affinity: Callable[[IrqData, frozenset[int], bool], int] | None = None
    irq_retrigger: Callable[[IrqData], int] | None = None
    irq_set_type: Callable[[IrqData, int], int] | None = None
    irq_set_wake: Callable[[IrqData, int], int] | None = None
    irq_print_chip: Callable[[IrqData], str] | None = None
    flags: int = 0

    def __repr__(self) -> str:
        return f"<irq_chip {self.name}>"


def _noop(d: IrqData) -> None:
    pass


#: no_irq_chip (kernel/irq/dummychip.c): what an unset descriptor has
no_irq_chip = IrqChip("none", irq_enable=_noop, irq_disable=_noop, irq_ack=_noop)
#: dummy_irq_chip: for lines without a real controller
dummy_irq_chip = IrqChip("dummy", irq_enable=_noop, irq_disable=_noop, irq_ack=_noop,
                         irq_mask=_noop, irq_unmask=_noop)


# -- struct irq_data, irq_desc (include/linux/irq.h, irqdesc.h) -------------------------


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
        self.chip: IrqChip = no_irq_chip
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

    def __init__(self, kernel: Kernel, irq: int, handle_irq: FlowHandler) -> None:
        self.kernel = kernel
        self.irq_common_data = IrqCommonData()
        self.irq_data = IrqData(irq, self.irq_common_data, self)
        self.kstat_irqs = [0] * kernel.num_cpus
        self.handle_irq = handle_irq  #: handle_bad_irq until a flow handler is set
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
        #: wait_for_threads: tasks sleeping in synchronize_irq until threads_active is 0
        self.wait_for_threads: list[Task] = []
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


def kstat_incr_irqs_this_cpu(desc: IrqDesc) -> None:
    """kernel/irq/internals.h inline: count this interrupt on this CPU."""
    desc.kstat_irqs[desc.kernel.ops.smp_processor_id()] += 1


# -- struct irqaction (include/linux/interrupt.h) ---------------------------------------


@dataclass(eq=False)
class IrqAction:
    """struct irqaction."""

    kernel: Kernel
    handler: Handler
    dev_id: Any
    name: str
    flags: int = 0
    thread_fn: Handler | None = None
    thread: Task | None = None
    secondary: IrqAction | None = None
    irq: int = 0
    thread_flags: int = 0
    thread_mask: int = 0
    percpu_dev_id: list[Any] | None = None
    #: statistics of the model (not in Linux): handler results seen
    results: list[int] = field(default_factory=list, repr=False)

    @property
    def forced(self) -> bool:
        return bool(self.thread_flags & IRQTF_FORCED_THREAD)

    def __repr__(self) -> str:
        return f"<irqaction {self.irq} {self.name}>"


# -- struct irq_domain (include/linux/irqdomain.h) --------------------------------------


@dataclass
class IrqFwspec:
    """struct irq_fwspec: a device-tree interrupt specifier (e.g. GIC <0 118 4>)."""

    fwnode: str
    param: Sequence[int]


@dataclass
class IrqDomainOps:
    """struct irq_domain_ops: ``map`` for legacy domains; ``translate``, ``alloc``,
    ``free`` for hierarchy domains."""

    map: Callable[[IrqDomain, int, int], int] | None = None
    translate: Callable[[IrqDomain, IrqFwspec], tuple[int, int, int]] | None = None
    alloc: Callable[[IrqDomain, int, int, IrqFwspec], int] | None = None
    free: Callable[[IrqDomain, int, int], None] | None = None


class IrqDomain:
    """struct irq_domain with a linear revmap."""

    def __init__(self, kernel: Kernel, name: str, size: int, ops: IrqDomainOps,
                 host_data: Any = None, parent: IrqDomain | None = None,
                 fwnode: str = "") -> None:
        self.kernel = kernel
        self.name = name
        self.revmap_size = size
        self.linear_revmap = [0] * size
        self.ops = ops
        self.host_data = host_data
        self.parent = parent
        self.fwnode = fwnode
        self.revmap_direct_max_irq = 0

    @property
    def hierarchy(self) -> bool:
        return self.ops.alloc is not None

    def __repr__(self) -> str:
        return f"<irq_domain {self.name}>"


@kfunc()
def irq_find_mapping(domain: IrqDomain | None, hwirq: int) -> int:
    """0 when unmapped (linear map only). An inline of include/linux/irqdomain.h
    since 5.14; kept with the types so irq_desc handling needs no irqdomain.c."""
    if domain is None:
        return 0
    if 0 <= hwirq < domain.revmap_size:
        return domain.linear_revmap[hwirq]
    return 0


# -- calls up the module order -----------------------------------------------------------


def _unwired(*args: Any) -> Any:
    raise RuntimeError("genirq upcall made before irqemu.kernel.genirq wired it")


class Upcalls:
    """The calls that go up genirq's import order: spurious.c calls chip.c's
    irq_disable and handle.c's handle_irq_event_percpu, handle.c calls manage.c's
    irq_finalize_oneshot. Those modules import the callers, so the callers reach
    them through this table, which :mod:`irqemu.kernel.genirq` fills once at import."""

    def __init__(self) -> None:
        self.irq_disable: Callable[[IrqDesc], None] = _unwired
        self.handle_irq_event_percpu: Callable[[IrqDesc], int] = _unwired
        self.irq_finalize_oneshot: Callable[[IrqDesc, IrqAction], None] = _unwired


UPCALLS = Upcalls()
