"""NAPI (net/core/dev.c, include/linux/netdevice.h): the polling half of network receive.

Modelled on v4.6 (and 4.6-rt), with the [6.x] differences noted:

- ``napi_schedule_prep``: not DISABLE pending and ``test_and_set_bit(SCHED)`` was
  clear. ``__napi_schedule``: irqsave, add to this CPU's ``softnet_data.poll_list``
  tail, ``__raise_softirq_irqoff(NET_RX_SOFTIRQ)``. ``napi_schedule`` = both.
- ``net_rx_action``: ``time_limit = jiffies + 2`` ([6.x]: ``usecs_to_jiffies(
  netdev_budget_usecs)``, default 2 s / HZ, the same 2 jiffies), ``budget =
  netdev_budget`` (300). Splice the poll list off (irqs off), then loop: take the
  first instance, ``budget -= napi_poll(n, repoll)``; when ``budget <= 0`` or
  ``jiffies >= time_limit``: ``time_squeeze++`` and stop. The loop ends when the
  list is empty; instances that used their whole weight are on ``repoll`` and
  end the loop too (so with one device every net_rx_action polls once). What is
  left (unpolled, repoll, newly scheduled) goes back on the poll list and NET_RX
  is raised again: ``__raise_softirq_irqoff`` on mainline, ``__raise_softirq_irqoff_ksoft``
  on 4.6-rt (the leftovers go to ksoftirqd).
- ``napi_poll``: unlink, ``work = n->poll(n, weight)`` if SCHED is set; work <
  weight: done (the driver completed); else (DISABLE pending: complete) flush GRO
  and add to ``repoll``.
- ``napi_complete_done``: NPSVC set -> return; flush GRO; clear SCHED (if the
  instance is still on a list, unlink it with interrupts off). ``napi_complete(n)``
  = ``napi_complete_done(n, 0)`` (what fec_main.c of 4.6 calls).
- ``napi_gro_receive`` -> ``netif_receive_skb`` core (``softnet_data.processed++``,
  delivery to the handler the test or scenario installs).
- ``/proc/net/softnet_stat``: one line per CPU, ``%08x`` columns processed,
  dropped, time_squeeze, five zeros ("was fastroute"), cpu_collision,
  received_rps, flow_limit_count; [6.x] adds backlog length and the CPU index.

Not modelled: RPS, busy polling, threaded NAPI ([6.x]), the 6.x NAPIF_STATE_MISSED
reschedule, GRO merging (frames go up one by one: the FEC's test frames are not IP).

Every function is declared with its Linux name by :func:`~irqemu.kernel.context.kfunc`
(stackcount) and calls ``kernel.fentry(..., *args)`` (costs, kprobes).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from irqemu.kernel.context import kfunc
from irqemu.kernel.costs import A9_LOCK_TIMING, A9_TIMING, estimate, kernel_cost_table, linux_basis
from irqemu.kernel.softirq import NET_RX_SOFTIRQ, kernel_softirq

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

# include/linux/netdevice.h (4.6) enum { NAPI_STATE_* }
NAPI_STATE_SCHED = 0  #: poll is scheduled
NAPI_STATE_DISABLE = 1  #: disable pending
NAPI_STATE_NPSVC = 2  #: netpoll: don't dequeue from the poll list
NAPI_STATE_HASHED = 3  #: in the NAPI hash (busy polling)
NAPI_STATE_NO_BUSY_POLL = 4

NAPI_POLL_WEIGHT = 64
NETDEV_BUDGET = 300  #: net.core.netdev_budget
NETDEV_MAX_BACKLOG = 1000  #: net.core.netdev_max_backlog
USEC_PER_SEC = 1_000_000

def _dev(fn: str, lock: bool = False) -> str:
    return linux_basis(f"net/core/dev.c {fn}()", A9_LOCK_TIMING if lock else A9_TIMING)


#: name -> KernelCost, merged into ``kernel.costs`` (without overriding) by
#: :func:`napi_layer`; estimates as kernel/costs.py's: instruction counts of the 4.6
#: ARM build at about one cycle each on an in-order A9, ldrex/strex 7-10 cycles
NAPI_COSTS = kernel_cost_table("NAPI_COSTS", {
    "napi_schedule_prep": estimate(12, "test_bit + test_and_set_bit (ldrex/strex)",
                                   _dev("napi_schedule_prep", True)),
    "__napi_schedule": estimate(30, "irqsave, list_add_tail, or into pending, irqrestore",
                                _dev("__napi_schedule")),
    "napi_complete_done": estimate(40, "NPSVC test, gro_list test, test_and_clear_bit",
                                   _dev("napi_complete_done", True)),
    "napi_poll": estimate(35, "list_del_init, netpoll lock, SCHED test, indirect call",
                          _dev("napi_poll")),
    "net_rx_action": estimate(70, "list splices with irqs off, jiffies compare, "
                              "__kfree_skb_flush, net_rps_action_and_irq_enable",
                              _dev("net_rx_action")),
    "napi_gro_receive": estimate(250, "skb_gro_reset_offset, dev_gro_receive ptype walk "
                                 "(no offload for the frame's EtherType), napi_skb_finish",
                                 _dev("napi_gro_receive")),
    "__netif_receive_skb_core": estimate(450, "timestamp, rcu lock, ptype_all/ptype_base "
                                         "walk, no handler -> rx_nohandler++, kfree_skb",
                                         _dev("__netif_receive_skb_core")),
})


def napi_costs() -> dict[str, int]:
    return {n: c.cycles for n, c in NAPI_COSTS.items()}


@dataclass(eq=False)
class NapiStruct:
    """``struct napi_struct``: state bits, weight, the poll function, its device."""

    poll: Callable[[NapiStruct, int], int]
    weight: int = NAPI_POLL_WEIGHT
    name: str = "napi"
    dev: Any = None
    state: int = 0
    #: which CPU's poll_list holds it (None: not on a poll list)
    on_list: int | None = None
    #: frames held by GRO until a flush (the model passes frames straight up)
    gro_count: int = 0
    #: statistics of the model
    polls: int = 0
    work: int = 0
    completes: int = 0

    def test_bit(self, bit: int) -> bool:
        return bool(self.state >> bit & 1)

    def set_bit(self, bit: int) -> None:
        self.state |= 1 << bit

    def clear_bit(self, bit: int) -> None:
        self.state &= ~(1 << bit)

    def test_and_set_bit(self, bit: int) -> bool:
        was = self.test_bit(bit)
        self.set_bit(bit)
        return was

    def test_and_clear_bit(self, bit: int) -> bool:
        was = self.test_bit(bit)
        self.clear_bit(bit)
        return was


@dataclass
class SoftnetData:
    """``struct softnet_data`` of one CPU, reduced to NAPI's part."""

    cpu: int
    poll_list: deque[NapiStruct] = field(default_factory=deque)
    processed: int = 0
    dropped: int = 0
    time_squeeze: int = 0
    cpu_collision: int = 0
    received_rps: int = 0
    flow_limit_count: int = 0
    #: statistics of the model: net_rx_action runs and polls made
    net_rx_actions: int = 0
    polls: int = 0
    reraises: int = 0


class Napi:
    """The NAPI layer of one kernel (``napi_layer(kernel)``): per-CPU softnet_data,
    the NET_RX softirq action, the sysctls."""

    def __init__(self, kernel: Kernel, *, netdev_budget: int = NETDEV_BUDGET,
                 netdev_budget_usecs: int | None = None) -> None:
        self.kernel = kernel
        self.netdev_budget = netdev_budget
        #: [6.x] net.core.netdev_budget_usecs (default 2 * USEC_PER_SEC / HZ)
        self.netdev_budget_usecs = (2 * USEC_PER_SEC // kernel.config.hz
                                    if netdev_budget_usecs is None else netdev_budget_usecs)
        self.softnet = [SoftnetData(c) for c in range(kernel.num_cpus)]
        self.instances: list[NapiStruct] = []
        #: where received frames go after __netif_receive_skb_core (a protocol handler)
        self.deliver: Callable[[Any, bytes], None] | None = None
        #: a hard IRQ may nest after each received packet, not only between polls (a
        #: poll runs with interrupts on in Linux; off keeps the storm scenarios' recorded
        #: figures; the latency tools turn it on)
        self.irq_window_per_packet = False
        for name, cycles in napi_costs().items():
            kernel.costs.setdefault(name, cycles)
        s = kernel_softirq(kernel)
        s.open_softirq(NET_RX_SOFTIRQ, lambda: net_rx_action(self), "net_rx_action")

    def this_sd(self) -> SoftnetData:
        return self.softnet[self.kernel.ops.smp_processor_id()]

    def time_limit_jiffies(self) -> int:
        """How many jiffies net_rx_action may run: 2 (4.6); usecs_to_jiffies of
        netdev_budget_usecs ([6.x])."""
        k = self.kernel
        if not k.config.v6:
            return 2
        hz = k.config.hz
        return max(1, -(-self.netdev_budget_usecs * hz // USEC_PER_SEC))


def napi_layer(kernel: Kernel) -> Napi:
    """The kernel's NAPI layer, created (and NET_RX opened) on first use."""
    n = kernel.napi
    if isinstance(n, Napi):
        return n
    n = Napi(kernel)
    kernel.napi = n
    return n


# -- setup (netif_napi_add, napi_enable, napi_disable) -------------------------------
@kfunc(stack=False)
def netif_napi_add(kernel: Kernel, dev: Any, poll: Callable[[NapiStruct, int], int],
                   weight: int = NAPI_POLL_WEIGHT, name: str = "napi") -> NapiStruct:
    """netif_napi_add: a new instance, SCHED set (disabled) until napi_enable."""
    kernel.fentry(..., dev)
    layer = napi_layer(kernel)
    if weight > NAPI_POLL_WEIGHT:
        kernel.printk(f"netif_napi_add() called with weight {weight} on device {name}")
    n = NapiStruct(poll, weight, name, dev)
    n.set_bit(NAPI_STATE_SCHED)
    layer.instances.append(n)
    return n


@kfunc(stack=False)
def napi_enable(kernel: Kernel, n: NapiStruct) -> None:
    kernel.fentry(..., n)
    n.clear_bit(NAPI_STATE_SCHED)
    n.clear_bit(NAPI_STATE_NPSVC)


@kfunc(stack=False)
def napi_disable(kernel: Kernel, n: NapiStruct) -> None:
    """Set DISABLE, take SCHED (the model cannot sleep: SCHED must be free), clear DISABLE."""
    kernel.fentry(..., n)
    n.set_bit(NAPI_STATE_DISABLE)
    if n.test_and_set_bit(NAPI_STATE_SCHED):
        kernel.warn("napi_disable: instance still scheduled (the model cannot msleep)")
    n.clear_bit(NAPI_STATE_DISABLE)


# -- scheduling -----------------------------------------------------------------------
@kfunc()
def napi_schedule_prep(kernel: Kernel, n: NapiStruct) -> bool:
    """``!napi_disable_pending(n) && !test_and_set_bit(NAPI_STATE_SCHED, &n->state)``."""
    kernel.fentry(..., n)
    return not n.test_bit(NAPI_STATE_DISABLE) and not n.test_and_set_bit(NAPI_STATE_SCHED)


@kfunc("__napi_schedule")
def napi_schedule_core(kernel: Kernel, n: NapiStruct) -> None:
    """__napi_schedule: local_irq_save; ____napi_schedule (poll_list tail +
    __raise_softirq_irqoff(NET_RX_SOFTIRQ)); local_irq_restore."""
    kernel.fentry(..., n)
    ops = kernel.ops
    was = ops.irqs_disabled()
    ops.local_irq_disable()
    layer = napi_layer(kernel)
    sd = layer.this_sd()
    if n.on_list is None:
        sd.poll_list.append(n)
        n.on_list = sd.cpu
    kernel_softirq(kernel).raise_softirq_irqoff_nowake(NET_RX_SOFTIRQ)
    if not was:
        ops.local_irq_enable()


def napi_schedule(kernel: Kernel, n: NapiStruct) -> bool:
    """(static inline) ``if (napi_schedule_prep(n)) __napi_schedule(n)``."""
    if napi_schedule_prep(kernel, n):
        napi_schedule_core(kernel, n)
        return True
    return False


def _unlink(kernel: Kernel, n: NapiStruct) -> None:
    if n.on_list is not None:
        sd = napi_layer(kernel).softnet[n.on_list]
        if n in sd.poll_list:
            sd.poll_list.remove(n)
        n.on_list = None


@kfunc()
def napi_gro_flush(kernel: Kernel, n: NapiStruct, flush_old: bool = False) -> None:
    kernel.fentry(..., n)
    n.gro_count = 0


@kfunc()
def napi_complete_done(kernel: Kernel, n: NapiStruct, work_done: int = 0) -> bool:
    """4.6: NPSVC -> return; flush GRO; clear SCHED (unlinking with irqs off if the
    instance is still on a poll list). Returns True as [6.x]'s version does when it
    completed."""
    kernel.fentry(..., n, work_done)
    if n.test_bit(NAPI_STATE_NPSVC):
        return False
    if n.gro_count:
        napi_gro_flush(kernel, n, False)
    if n.on_list is None:
        if not n.test_and_clear_bit(NAPI_STATE_SCHED):
            kernel.warn_once("napi_complete_done", "WARNING: napi_complete_done: "
                             "NAPI_STATE_SCHED was not set")
    else:
        ops = kernel.ops
        was = ops.irqs_disabled()
        ops.local_irq_disable()
        _unlink(kernel, n)  # __napi_complete
        n.clear_bit(NAPI_STATE_SCHED)
        if not was:
            ops.local_irq_enable()
    n.completes += 1
    return True


def napi_complete(kernel: Kernel, n: NapiStruct) -> bool:
    """(static inline in 4.6) ``napi_complete_done(n, 0)``."""
    return napi_complete_done(kernel, n, 0)


# -- receive ----------------------------------------------------------------------------
@kfunc()
def napi_gro_receive(kernel: Kernel, n: NapiStruct, skb: bytes) -> int:
    """napi_gro_receive: GRO finds no offload for the frame (GRO_NORMAL) and passes it
    to netif_receive_skb_internal. Returns GRO_NORMAL (4)."""
    kernel.fentry(..., n, skb)
    netif_receive_skb_core(kernel, n, skb)
    return 4


@kfunc("__netif_receive_skb_core")
def netif_receive_skb_core(kernel: Kernel, n: NapiStruct, skb: bytes) -> None:
    kernel.fentry(..., skb)
    layer: Napi = kernel.napi or napi_layer(kernel)  # type: ignore[assignment]
    cpu = kernel.ops.smp_processor_id()
    layer.softnet[cpu].processed += 1  # this_sd()
    if layer.deliver is not None:
        layer.deliver(n.dev, skb)
    if layer.irq_window_per_packet:
        kernel.sched.irq_window(cpu)
        preempt = getattr(kernel.sched, "preempt_irq", None)  # Sched's, on the cores
        if preempt is not None:
            preempt(cpu)  # an irq thread / ksoftirqd on RT is preemptible here


# -- polling ----------------------------------------------------------------------------
@kfunc()
def napi_poll(kernel: Kernel, n: NapiStruct, repoll: list[NapiStruct]) -> int:
    kernel.fentry(..., n)
    _unlink(kernel, n)  # list_del_init(&n->poll_list)
    weight = n.weight
    work = 0
    if n.test_bit(NAPI_STATE_SCHED):
        work = n.poll(n, weight)
        n.polls += 1
        n.work += work
        if kernel.probes:
            kernel.fire("napi_poll_tp", n, work, weight)  # trace_napi_poll
    if work > weight:
        kernel.warn_once("napi_poll_weight", f"WARNING: {n.name}->poll() returned {work} > "
                         f"weight {weight}")
    if work < weight:
        return work
    if n.test_bit(NAPI_STATE_DISABLE):
        napi_complete(kernel, n)
        return work
    if n.gro_count:
        napi_gro_flush(kernel, n, kernel.config.hz >= 1000)
    if n.on_list is not None:
        kernel.printk_once("napi_resched", f"{n.name}: Budget exhausted after napi "
                           "rescheduled")
        return work
    repoll.append(n)
    return work


@kfunc()
def net_rx_action(layer: Napi) -> None:
    """The NET_RX_SOFTIRQ action (see the module docstring)."""
    k = layer.kernel
    k.fentry(...)
    ops = k.ops
    sd = layer.this_sd()
    sd.net_rx_actions += 1
    time_limit = k.jiffies + layer.time_limit_jiffies()
    budget = layer.netdev_budget
    ops.local_irq_disable()
    work_list: deque[NapiStruct] = sd.poll_list
    sd.poll_list = deque()  # list_splice_init(&sd->poll_list, &list)
    for n in work_list:
        n.on_list = None
    ops.local_irq_enable()
    repoll: list[NapiStruct] = []
    while True:
        if not work_list:
            if not repoll:
                return
            break
        n = work_list.popleft()  # napi_poll's list_del_init, from the local list
        budget -= napi_poll(k, n, repoll)
        sd.polls += 1
        k.sched.irq_window(sd.cpu)  # interrupts are on between polls
        if budget <= 0 or k.jiffies >= time_limit:
            sd.time_squeeze += 1
            break
    ops.local_irq_disable()
    # list_splice_tail_init(&sd->poll_list, &list); list_splice_tail(&repoll, &list);
    # list_splice(&list, &sd->poll_list)
    left = [*work_list, *sd.poll_list, *repoll]
    sd.poll_list = deque(left)
    for n in left:
        n.on_list = sd.cpu
    if sd.poll_list:
        sd.reraises += 1
        s = kernel_softirq(k)
        if s.rt:
            s.raise_softirq_irqoff_ksoft(NET_RX_SOFTIRQ)  # 4.6-rt
        else:
            s.raise_softirq_irqoff_nowake(NET_RX_SOFTIRQ)
    ops.local_irq_enable()  # net_rps_action_and_irq_enable


# -- /proc/net/softnet_stat --------------------------------------------------------------
def proc_softnet_stat(kernel: Kernel) -> str:
    """/proc/net/softnet_stat (net/core/net-procfs.c softnet_seq_show)."""
    layer = napi_layer(kernel)
    lines = []
    for sd in layer.softnet:
        cols = [sd.processed, sd.dropped, sd.time_squeeze, 0, 0, 0, 0, 0, sd.cpu_collision,
                sd.received_rps, sd.flow_limit_count]
        if kernel.config.v6:
            cols += [0, sd.cpu]  # softnet_backlog_len (no backlog queue modelled), cpu
        lines.append(" ".join(f"{c & 0xFFFFFFFF:08x}" for c in cols))
    return "\n".join(lines) + "\n"


__all__ = [
    "NAPI_COSTS", "NAPI_POLL_WEIGHT", "NAPI_STATE_DISABLE", "NAPI_STATE_HASHED",
    "NAPI_STATE_NO_BUSY_POLL", "NAPI_STATE_NPSVC", "NAPI_STATE_SCHED", "NETDEV_BUDGET",
    "NETDEV_MAX_BACKLOG", "Napi", "NapiStruct", "SoftnetData", "napi_complete",
    "napi_complete_done", "napi_disable", "napi_enable", "napi_gro_flush", "napi_gro_receive",
    "napi_layer", "napi_poll", "napi_schedule", "napi_schedule_core", "napi_schedule_prep",
    "net_rx_action", "netif_napi_add", "netif_receive_skb_core", "proc_softnet_stat",
]
