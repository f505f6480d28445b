"""What a hard IRQ on the pc interrupted, as 4.6 x86_64's unwinder shows it, and a busy user task.

bcc's stackcount on 4.6 x86_64 walks frame pointers. The interrupt entry
(common_interrupt) builds no frame, so below do_IRQ's return address
(``ret_from_intr``) come the return addresses of the interrupted context: the
caller chain of the function that was running, never that function itself
(its frame pointer leads to its caller's return address). On the pc the core
takes each hard IRQ in kernel.elf's guest code: in the idle loop, or in
``task_loop`` between two slices of a model task (the scheduler on the
cores). :class:`InterruptedEntry` runs the model's x86 entry under model
frames that name that context (:func:`irqemu.kernel.entry.under`, one
:func:`~irqemu.kernel.context.frame_run` frame, so a stack capture sees them as a
walk would); the idle frames, a kthread's frames and :func:`suspended_frames` are
kernel.entry's, for x86:

- the idle loop: the boot CPU's idle path (interrupted in
  cpuidle_enter_state, which re-enables interrupts after the idle
  instruction: ``cpuidle_enter <- call_cpuidle <- cpu_startup_entry <-
  rest_init <- start_kernel <- x86_64_start_reservations <- x86_64_start_kernel``);
- the busy user task (:class:`BusyTask`): where the slice that was running
  when the interrupt became pending had the task (the core takes it at the
  slice's end): user mode (no kernel frames: the stack ends at
  ret_from_intr), ``write()`` to a pipe (``pipe_write <- __vfs_write <-
  vfs_write <- sys_write <- entry_SYSCALL_64_fastpath``, interrupted in a
  callee such as copy_page_from_iter), an anonymous page fault
  (``__alloc_pages_nodemask <- ... <- page_fault``), or the return from its
  nanosleep (``finish_task_switch <- __schedule <- schedule <- do_nanosleep <-
  hrtimer_nanosleep <- sys_nanosleep <- entry_SYSCALL_64_fastpath``, interrupted
  in _raw_spin_unlock_irq);
- a kthread: its loop (``irq_thread`` or ``smpboot_thread_fn``) above
  ``kthread <- ret_from_fork``, or the model functions it is suspended in.
"""

from __future__ import annotations

import bisect
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from irqemu.kernel import Kernel
from irqemu.kernel.costs import SKYLAKE_TIMING, estimate, kernel_cost_table, linux_basis
from irqemu.kernel.entry import COMM_LOOPS, KTHREAD_TAIL, X86, IrqEntry, suspended_frames, under
from irqemu.kernel.sched import SLEEP, spawn

#: innermost first; the interrupted function itself is not among them (see above)
IDLE_FRAMES = X86.idle_boot
USER_MODE: tuple[str, ...] = ()  #: the kernel stack of an interrupt from user mode ends there
PIPE_WRITE = ("pipe_write", "__vfs_write", "vfs_write", "sys_write",
              "entry_SYSCALL_64_fastpath")
PAGE_FAULT = ("__alloc_pages_nodemask", "alloc_pages_vma", "handle_pte_fault",
              "handle_mm_fault", "__do_page_fault", "do_page_fault", "page_fault")
NANOSLEEP = ("finish_task_switch", "__schedule", "schedule", "do_nanosleep",
             "hrtimer_nanosleep", "sys_nanosleep", "entry_SYSCALL_64_fastpath")

#: the interrupted contexts a hard IRQ is counted under
KINDS = ("idle", "user", "pipe_write", "page_fault", "nanosleep", "kthread", "other")
_BUSY_KINDS = {USER_MODE: "user", PIPE_WRITE: "pipe_write", PAGE_FAULT: "page_fault",
               NANOSLEEP: "nanosleep"}

#: kernel.elf's common_interrupt frame below the host call's return address: alignment
#: pad, r11..rdi (9 registers), orig_ax, then the iret frame's RIP
_IRET_RIP = 8 * (1 + 1 + 9 + 1)


class InterruptedEntry:
    """Wraps the x86 APIC driver's entry (``X86Apic.handle_arch_irq``) so the model's
    hard IRQ runs under the frames of what the core was running (module docstring),
    and counts hard IRQs by what they interrupted (all, and those of ``irq``)."""

    def __init__(self, machine: Any, apic: Any, irq: int = -1) -> None:
        self.machine = machine
        self.apic = apic
        self.kernel: Kernel = apic.kernel
        self.irq = irq
        image = machine.image
        pairs = sorted((a, n) for n, a in image.symbols.items())
        self._addrs = [a for a, _n in pairs]
        self._names = [n for _a, n in pairs]
        self._entry = apic.handle_arch_irq
        self.counts: Counter[str] = Counter()  #: every hard IRQ by what it interrupted
        self.irq_counts: Counter[str] = Counter()  #: the hard IRQs of ``irq``
        apic.handle_arch_irq = self.handle_arch_irq
        # the kernel's entry adds only the vector's stub: the context is named here
        self.kernel.irq_entry = IrqEntry(self.kernel.config.arch, contexts=False)

    def _symbol(self, addr: int) -> str:
        i = bisect.bisect_right(self._addrs, addr) - 1
        return self._names[i] if i >= 0 else ""

    def interrupted_rip(self, cpu: int) -> int:
        core = self.machine.cpus[cpu].core
        sp = core.reg_read(self.machine.arch.sp_reg)
        return int.from_bytes(self.machine.mem_read(sp + _IRET_RIP, 8), "little")

    def context(self, cpu: int) -> tuple[str, tuple[str, ...]]:
        """(kind, frames) of what the hard IRQ on ``cpu`` interrupted."""
        where = self._symbol(self.interrupted_rip(cpu))
        if where == "idle":
            return "idle", IDLE_FRAMES
        if where == "task_loop":
            task = self.kernel.current[cpu]
            busy = task.data.get("busy_where")
            if busy is not None:
                return _BUSY_KINDS[busy], busy
            if task.is_kthread:
                return "kthread", suspended_frames(task)
        # not expected on this kernel.elf: name the guest symbol, a frame no Linux stack
        # has, so the scenario's check refuses the stack instead of passing it as user mode
        return "other", (f"<kernel.elf:{where or '?'}>",)

    def handle_arch_irq(self, vector: int) -> None:
        cpu = self.kernel.ops.smp_processor_id()
        kind, frames = self.context(cpu)
        self.counts[kind] += 1
        desc = self.apic.vector_irq[cpu][vector]
        if getattr(desc, "irq", None) == self.irq:
            self.irq_counts[kind] += 1
        under(frames, self._entry, vector)


# -- the busy user task ------------------------------------------------------------------
#: the busy task's round on a 4 GHz Skylake (name -> KernelCost)
BUSY_TASK_COSTS = kernel_cost_table("BUSY_TASK_COSTS", {
    "user_mode/slice": estimate(
        4000, "one slice of user-mode work between two system calls: 1 us at 4 GHz, the "
        "task's own computation, whatever it is",
        "a workload parameter, not a hardware figure; 4 GHz is the i7-6700K's base "
        "frequency, Intel ARK, Core i7-6700K, specifications section"),
    "pipe_write/4KiB": estimate(
        4000, "write(2) of 4 KiB into a pipe, 4.6 without page-table isolation: syscall "
        "entry/exit ~100 ns, copy_page_from_iter of a page ~300 ns, the pipe mutex and "
        "the reader's wakeup ~400-600 ns: ~1 us",
        linux_basis("fs/pipe.c pipe_write() and lib/iov_iter.c copy_page_from_iter()",
                    SKYLAKE_TIMING)),
    "do_anonymous_page/fault": estimate(
        6000, "an anonymous write fault: exception entry, find_vma, "
        "__alloc_pages_nodemask, clear_page of 4 KiB from DRAM, set_pte, return: ~1.5 us",
        linux_basis("mm/memory.c handle_mm_fault(), do_anonymous_page()", SKYLAKE_TIMING)
        + "; the DRAM latency of https://www.7-cpu.com/cpu/Skylake.html"),
})
USER_SLICE_CYCLES = BUSY_TASK_COSTS["user_mode/slice"].cycles
PIPE_WRITE_CYCLES = BUSY_TASK_COSTS["pipe_write/4KiB"].cycles
PAGE_FAULT_CYCLES = BUSY_TASK_COSTS["do_anonymous_page/fault"].cycles
#: a round: user work, write() to the pipe, a page fault
ROUND = ((USER_MODE, USER_SLICE_CYCLES), (PIPE_WRITE, PIPE_WRITE_CYCLES),
         (PAGE_FAULT, PAGE_FAULT_CYCLES))
ROUND_CYCLES = sum(c for _w, c in ROUND)


@dataclass
class BusyTask:
    """A SCHED_OTHER user task that works in bursts: ``rounds`` rounds of
    :data:`ROUND` (user work, a 4 KiB pipe write, a page fault), then
    ``nanosleep(sleep_ps)``. The model's hrtimers expire at the tick, so it wakes
    at the first tick after the sleep: one burst per tick at most. Each slice's
    work varies between half and one and a half times its estimate (a seeded
    generator: the same every run), as a real task's does; with fixed slices the
    ITR-paced interrupts lock onto one phase of the round and land in the same
    kind of slice every time."""

    kernel: Kernel
    timers: Any  #: the kernel's Timers (nanosleep's hrtimer)
    rounds: int
    sleep_ps: int
    comm: str = "busy"
    seed: int = 0
    task: Any = None
    bursts: int = 0
    slices: Counter[str] = field(default_factory=Counter)

    def body(self) -> Any:
        k, timers = self.kernel, self.timers
        rng = random.Random(self.seed)
        while True:
            self.bursts += 1
            for _ in range(self.rounds):
                for where, cycles in ROUND:
                    self.task.data["busy_where"] = where
                    self.slices[_BUSY_KINDS[where]] += 1
                    yield rng.randint(cycles // 2, cycles * 3 // 2)
            self.task.data["busy_where"] = NANOSLEEP
            self.slices["nanosleep"] += 1
            timers.hrtimer_start(k.ops.now_ps() + self.sleep_ps, self._wake, "nanosleep")
            yield SLEEP

    def _wake(self, _timer: Any) -> None:
        self.kernel.wake_up_process(self.task)

    def start(self) -> Any:
        """Fork it (a user task, nice 0) and wake it; it starts in user mode."""
        self.task = spawn(self.kernel, self.comm, self.body, kthread=False, wake=False)
        self.task.data["busy_where"] = USER_MODE
        self.kernel.wake_up_process(self.task)
        return self.task

    def facts(self) -> dict[str, Any]:
        return {"comm": self.comm, "pid": self.task.pid if self.task else 0,
                "policy": "SCHED_OTHER", "rounds_per_burst": self.rounds,
                "sleep_ps": self.sleep_ps, "bursts": self.bursts,
                "slices": {k: self.slices[k] for k in sorted(self.slices)}}


__all__ = ["COMM_LOOPS", "IDLE_FRAMES", "KINDS", "KTHREAD_TAIL", "NANOSLEEP", "PAGE_FAULT",
           "PIPE_WRITE", "ROUND_CYCLES", "USER_MODE", "BusyTask", "InterruptedEntry",
           "suspended_frames"]
