"""The modelled kernel's own memory traffic under ``--cache-model``.

The kernel's functions are cost-table entries run as host calls, so the memory
hierarchy model would never see their instruction fetches or data accesses. With the
model on, each function charged also touches its footprint through the same C model
(``Hierarchy.touch_regions``, one call per charge): its text, fetched, and the few
kernel objects it reads or writes, at fixed synthetic addresses in a modelled kernel
address range. A path that ran long ago then comes in cold, as on hardware.

Layout (deterministic): functions' text one after the other from the kernel's text
start, in :data:`FOOTPRINTS`' order (the cost tables' order), each aligned to 64
bytes; shared objects (an irq_desc, the timekeeper) once, so CPUs that write them move
their lines between L1Ds; per-CPU objects (run queue, hrtimer base,
the stack) once per CPU, :data:`PERCPU_STRIDE` apart. Every size is an estimate with
its basis, checked by ``costmodel.citation`` (docs/cache.md, "The kernel's footprint").
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import Any, NamedTuple

from irqemu.kernel.costs import COST_TABLE
from irqemu.kernel.drivers.arm_arch_timer import ARCH_TIMER_COSTS
from irqemu.kernel.drivers.arm_twd import TWD_COSTS
from irqemu.kernel.hrtimer import HRTIMER_COSTS
from irqemu.kernel.napi import NAPI_COSTS

#: the touch kinds of ``_core.cache.Hierarchy.touch``
FETCH, READ, WRITE = 0, 1, 2

#: where the footprint's text basis comes from
TEXT_BASIS = ("Linux v4.6 source of the function (kernel.org, tag v4.6); A32 "
              "instructions are 4 bytes each (ARM Architecture Reference Manual ARMv7-A/R, "
              "ARM DDI 0406C, section A1.2 'ARM and Thumb instruction set overview')")
#: the most instructions one call is taken to fetch: beyond this an entry's cycles are
#: loops and callees' repeated work, not more distinct text
TEXT_CAP_INSNS = 256


class DataObject(NamedTuple):
    """A kernel object a function touches: its bytes, per CPU or shared, read or written."""

    size: int
    per_cpu: bool
    kind: int
    estimate: str
    basis: str


def _obj(size: int, per_cpu: bool, kind: int, how: str, where: str) -> DataObject:
    return DataObject(size, per_cpu, kind, how,
                      f"Linux v4.6 {where} (kernel.org, tag v4.6), the fields the "
                      "modelled functions use; 32-byte lines of the Cortex-A9 L1D "
                      "(ARM DDI 0388I, section 7.1)")


#: the objects, by name (sizes: the fields the functions touch, not the whole struct)
DATA: dict[str, DataObject] = {
    "stack": _obj(64, True, WRITE, "one frame: the saved registers and locals",
                  "arch/arm/kernel/entry-armv.S and the callee's prologue"),
    "thread_info": _obj(32, True, WRITE, "preempt_count and flags at the stack's base",
                        "arch/arm/include/asm/thread_info.h struct thread_info"),
    "irq_stat": _obj(32, True, WRITE, "the softirq pending word (irq_cpustat_t)",
                     "include/linux/irq_cpustat.h irq_stat"),
    "rcu_data": _obj(32, True, WRITE, "the dynticks counter and nesting",
                     "kernel/rcu/tree.h struct rcu_dynticks"),
    "tick_sched": _obj(64, True, WRITE, "idle and tick-stop state",
                       "include/linux/tick.h, kernel/time/tick-sched.h struct tick_sched"),
    "jiffies": _obj(64, False, READ, "jiffies_64 and the timekeeper's seqcount, read by "
                    "every CPU's tick",
                    "kernel/time/timekeeping.c tk_core, kernel/time/tick-common.c"),
    "timekeeper": _obj(64, False, WRITE, "do_timer's jiffies_64 and timekeeping update "
                       "(the periodic tick's CPU writes them)",
                       "kernel/time/timekeeping.c update_wall_time, kernel/time/timer.c"),
    "timer_base": _obj(64, True, WRITE, "the timer wheel base's lock, clk and next",
                       "kernel/time/timer.c struct tvec_base"),
    "hrtimer_base": _obj(64, True, WRITE, "the lock, expires_next, the active clock base",
                         "include/linux/hrtimer.h struct hrtimer_cpu_base"),
    "clockevent": _obj(32, True, READ, "mode, next_event, the set_next_event pointer",
                       "include/linux/clockchips.h struct clock_event_device"),
    "tasklet_vec": _obj(32, True, WRITE, "the per-CPU list head and tail",
                        "kernel/softirq.c struct tasklet_head"),
    "task": _obj(128, True, WRITE, "state, pi_lock, on_rq, the sched_entity's hot fields "
                 "(the task woken or switched to; per CPU in the model)",
                 "include/linux/sched.h struct task_struct"),
    "rq": _obj(128, True, WRITE, "lock, nr_running, curr, clock, the rt and cfs heads",
               "kernel/sched/sched.h struct rq"),
    "irq_desc": _obj(64, False, READ, "irq_data, the flow handler and action pointers "
                     "(one descriptor stands for the line handled)",
                     "include/linux/irqdesc.h struct irq_desc"),
    "irq_desc_lock": _obj(32, False, WRITE, "the descriptor's lock, istate and counters, "
                          "written by the flows that lock it (not the per-CPU flows)",
                          "include/linux/irqdesc.h struct irq_desc, kernel/irq/chip.c"),
    "kstat_irqs": _obj(32, True, WRITE, "the line's per-CPU interrupt count",
                       "include/linux/irqdesc.h kstat_irqs"),
    "irqaction": _obj(32, False, READ, "handler, dev_id, thread, flags",
                      "include/linux/interrupt.h struct irqaction"),
    "irq_domain": _obj(32, False, READ, "revmap_size and the linear revmap entry",
                       "include/linux/irqdomain.h struct irq_domain"),
    "gic_data": _obj(32, False, READ, "the distributor and CPU interface bases",
                     "drivers/irqchip/irq-gic.c struct gic_chip_data"),
    "napi": _obj(64, False, WRITE, "state, poll list, weight, gro list",
                 "include/linux/netdevice.h struct napi_struct"),
    "softnet_data": _obj(64, True, WRITE, "poll_list, the backlog's counters",
                         "include/linux/netdevice.h struct softnet_data"),
}

_GENIRQ = ("irq_desc", "irq_desc_lock", "kstat_irqs")
_PERCPU_FLOW = ("irq_desc", "kstat_irqs")
#: what each function touches besides its text (a function not listed: its stack frame)
USES: dict[str, tuple[str, ...]] = {
    "irq_enter": ("thread_info", "rcu_data", "stack"),
    "irq_exit": ("thread_info", "irq_stat", "rcu_data", "tick_sched"),
    "__raise_softirq_irqoff": ("irq_stat",),
    "raise_softirq_irqoff": ("irq_stat",),
    "raise_softirq": ("irq_stat",),
    "__raise_softirq_irqoff_ksoft": ("irq_stat", "task"),
    "wakeup_softirqd": ("task",),
    "invoke_softirq": ("irq_stat",),
    "__do_softirq": ("irq_stat", "thread_info", "stack"),
    "do_current_softirqs": ("irq_stat", "thread_info", "stack"),
    "local_bh_disable": ("thread_info",),
    "__local_bh_enable_ip": ("thread_info", "irq_stat"),
    "__local_bh_enable": ("thread_info",),
    "run_ksoftirqd": ("irq_stat", "stack"),
    "run_timersd": ("irq_stat", "stack"),
    "__tasklet_schedule": ("tasklet_vec", "irq_stat"),
    "__tasklet_hi_schedule": ("tasklet_vec", "irq_stat"),
    "tasklet_action": ("tasklet_vec", "stack"),
    "tasklet_hi_action": ("tasklet_vec", "stack"),
    "tick_handle_periodic": ("timekeeper", "task", "rq", "rcu_data", "timer_base"),
    "run_timer_softirq": ("timer_base", "stack"),
    "call_timer_fn": ("timer_base",),
    "run_hrtimer_softirq": ("hrtimer_base", "stack"),
    "try_to_wake_up": ("task", "rq"),
    "__schedule": ("rq", "task", "thread_info", "stack"),
    "__handle_domain_irq": ("irq_domain", "stack"),
    "irq_find_mapping": ("irq_domain",),
    "generic_handle_irq": ("irq_desc",),
    "handle_bad_irq": _GENIRQ,
    "handle_level_irq": _GENIRQ,
    "handle_fasteoi_irq": _GENIRQ,
    "handle_edge_irq": _GENIRQ,
    "handle_simple_irq": _GENIRQ,
    "handle_percpu_irq": _PERCPU_FLOW,
    "handle_percpu_devid_irq": _PERCPU_FLOW,
    "handle_irq_event": ("irq_desc_lock",),
    "handle_irq_event_percpu": ("irqaction", "stack"),
    "__irq_wake_thread": ("irq_desc_lock", "task"),
    "note_interrupt": ("irq_desc_lock",),
    "irq_thread": ("irq_desc", "irqaction", "stack"),
    "irq_thread_fn": ("irqaction",),
    "irq_forced_thread_fn": ("irqaction", "thread_info"),
    "irq_finalize_oneshot": ("irq_desc_lock",),
    "gic_handle_irq": ("gic_data", "stack"),
    "handle_IPI": ("irq_stat", "stack"),
    "hrtimer_interrupt": ("hrtimer_base", "clockevent", "stack"),
    "__hrtimer_run_queues": ("hrtimer_base",),
    "__run_hrtimer": ("hrtimer_base",),
    "tick_sched_timer": ("tick_sched", "jiffies", "task", "rq", "rcu_data", "timer_base"),
    "hrtimer_start_range_ns": ("hrtimer_base",),
    "hrtimer_cancel": ("hrtimer_base",),
    "clockevents_program_event": ("clockevent",),
    "twd_handler": ("clockevent",),
    "arch_timer_handler_virt": ("clockevent",),
    "arch_timer_set_next_event_virt": ("clockevent",),
    "napi_schedule_prep": ("napi",),
    "__napi_schedule": ("napi", "softnet_data", "irq_stat"),
    "napi_complete_done": ("napi", "softnet_data"),
    "napi_poll": ("napi",),
    "net_rx_action": ("softnet_data", "stack"),
    "napi_gro_receive": ("napi", "stack"),
    "__netif_receive_skb_core": ("softnet_data", "stack"),
    # the latency tools' own entries (latency/costs.py; the use layer)
    "timerlat_irq": ("task", "stack"),
    "timerlat_main": ("task", "stack"),
    "hrtimer_wakeup": ("task",),
    "do_nanosleep": ("hrtimer_base", "task", "stack"),
}


class Footprint(NamedTuple):
    """One kernel function's footprint: bytes of text fetched per call, the data objects
    it touches, and the citation of the text size (an estimate and its basis)."""

    text_bytes: int
    uses: tuple[str, ...]
    estimate: str
    basis: str = TEXT_BASIS


def _from_cycles(name: str, cycles: int) -> Footprint:
    insns = min(cycles, TEXT_CAP_INSNS)
    how = (f"{insns} instructions x 4 bytes: the cost entry's {cycles} cycles at about "
           "one instruction a cycle" + (f", capped at {TEXT_CAP_INSNS} (the rest are loops "
                                        "and callees' repeated work)"
                                        if cycles > TEXT_CAP_INSNS else ""))
    return Footprint(4 * insns, USES.get(name, ("stack",)), how)


#: the latency tools' entries (their tables live in the use layer): cycles as there
_TOOL_CYCLES = {"timerlat_irq": 60, "timerlat_main": 80, "hrtimer_wakeup": 25,
                "do_nanosleep": 250}


def _table() -> dict[str, Footprint]:
    out: dict[str, Footprint] = {}
    for table in (COST_TABLE, HRTIMER_COSTS, TWD_COSTS, ARCH_TIMER_COSTS, NAPI_COSTS):
        for name, cost in table.items():
            out[name] = _from_cycles(name, cost.cycles)
    for name, cycles in _TOOL_CYCLES.items():
        out[name] = _from_cycles(name, cycles)
    return out


#: name -> Footprint, in layout order
FOOTPRINTS: dict[str, Footprint] = _table()

#: the modelled kernel's addresses by pointer width: text start (ARM: PAGE_OFFSET +
#: TEXT_OFFSET, 0xC0008000; arm64's and x86-64's kernel image bases), shared data,
#: per-CPU data
BASES = {4: (0xC0008000, 0xC0800000, 0xC0900000),
         8: (0xFFFFFFC000080000, 0xFFFFFFC000800000, 0xFFFFFFC000900000)}
#: distance between two CPUs' copies of the per-CPU objects
PERCPU_STRIDE = 0x8000
ALIGN = 64


def _align(v: int) -> int:
    return (v + ALIGN - 1) // ALIGN * ALIGN


class Layout:
    """The synthetic addresses: each function's text, each object's (per CPU)."""

    def __init__(self, footprints: dict[str, Footprint], ncpus: int, pointer_bytes: int = 4
                 ) -> None:
        text, shared, percpu = BASES[pointer_bytes]
        self.text: dict[str, int] = {}
        for name, fp in footprints.items():
            self.text[name] = text
            text = _align(text + fp.text_bytes)
        self.data: dict[str, list[int]] = {}
        off_shared = off_percpu = 0
        for name, obj in DATA.items():
            if obj.per_cpu:
                self.data[name] = [percpu + c * PERCPU_STRIDE + off_percpu
                                   for c in range(ncpus)]
                off_percpu = _align(off_percpu + obj.size)
            else:
                self.data[name] = [shared + off_shared] * ncpus
                off_shared = _align(off_shared + obj.size)
        self.text_end = text

    def regions(self, name: str, fp: Footprint, cpu: int) -> array[int]:
        """``name``'s (addr, size, kind) triples on ``cpu``: its text, then its objects."""
        out = array("Q", [self.text[name], fp.text_bytes, FETCH])
        for use in fp.uses:
            obj = DATA[use]
            out.extend((self.data[use][cpu], obj.size, obj.kind))
        return out


class KernelFootprint:
    """The kprobes that make each charged function touch its footprint on the CPU that
    runs it (one C call per charge; no Python per guest access)."""

    def __init__(self, kernel: Any, model: Any, ncpus: int,
                 footprints: dict[str, Footprint] | None = None) -> None:
        self.kernel = kernel
        self.model = model
        self.footprints = FOOTPRINTS if footprints is None else footprints
        self.layout = Layout(self.footprints, ncpus, kernel.pointer_bytes)
        #: name -> per-CPU regions
        self._regions = {name: [self.layout.regions(name, fp, c) for c in range(ncpus)]
                         for name, fp in self.footprints.items()}
        #: penalty cycles the touches charged, per CPU
        self.penalty = [0] * ncpus
        for name in self.footprints:
            kernel.register_kprobe(name, self._probe)

    def _probe(self, kernel: Any, name: str, *args: Any) -> None:
        """Touch ``name``'s footprint; its penalty, added to the CPU's pending like a guest
        access's, goes on the core at once: model code reads the core's time inside the
        same host call (a latency sample in the handler), before any block boundary."""
        cpu = kernel.ops.smp_processor_id()
        model = self.model
        pen = model.touch_regions(cpu, self._regions[name][cpu])
        if pen:
            self.penalty[cpu] += pen
            kernel.ops.charge(model.take(cpu))

    def detach(self) -> None:
        for name in self.footprints:
            self.kernel.unregister_kprobe(name, self._probe)


def attach_footprints(kernel: Any, machine: Any) -> KernelFootprint | None:
    """With the machine's cache model on, the kernel's functions touch their footprints
    through it; without it, nothing (None)."""
    cache = getattr(machine, "cache", None)
    if cache is None:
        return None
    fp = KernelFootprint(kernel, cache.model, machine.num_cpus)
    cache.footprints = [*getattr(cache, "footprints", []), fp]  # what validate reports
    return fp


def citations(footprints: Iterable[Footprint] | None = None) -> list[dict[str, str]]:
    """Every size as a citation entry (``estimate`` and ``basis``): the texts', then the
    objects'."""
    fps = FOOTPRINTS.values() if footprints is None else footprints
    return ([{"estimate": fp.estimate, "basis": fp.basis} for fp in fps]
            + [{"estimate": o.estimate, "basis": o.basis} for o in DATA.values()])
