"""The modelled Linux kernel: genirq now; softirqs, scheduler, NAPI in later issues.

Entry points for the layer that connects the model to the cores:

- ``Kernel(config, num_cpus, ops=..., sched=..., softirq=...)``;
- ``kernel.handle_arch_irq()``: what the IRQ vector stub calls (set by the
  irqchip driver, e.g. :func:`irqemu.kernel.drivers.irq_gic.gic_of_init`);
- ``kernel.request_irq(...)``, ``kernel.request_threaded_irq(...)``, ...;
- probe points: ``kernel.register_kprobe(name, fn)``.

The protocols the world implements are in :mod:`irqemu.kernel.context`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from irqemu.kernel import costs as _costs
from irqemu.kernel.config import KernelConfig, make
from irqemu.kernel.context import (
    PF_EXITING,
    PF_FORKNOEXEC,
    PF_KTHREAD,
    PF_SUPERPRIV,
    SCHED_NORMAL,
    ChipIO,
    CpuOps,
    DeferredRunner,
    DeviceChipIO,
    Scheduler,
    StandaloneCpuOps,
    Task,
    kfunc,
    model_stack,
    ret_from_fork,
)
from irqemu.kernel.genirq import chip as _chip
from irqemu.kernel.genirq import manage as _manage
from irqemu.kernel.genirq.irqdesc import (
    IrqDesc,
    irq_alloc_descs,
    kstat_incr_irqs_this_cpu,
)
from irqemu.kernel.genirq.irqdomain import IrqDomain, irq_find_mapping

# include/linux/preempt.h
PREEMPT_MASK = 0x000000FF
SOFTIRQ_MASK = 0x0000FF00
HARDIRQ_MASK = 0x000F0000
NMI_MASK = 0x00100000
SOFTIRQ_OFFSET = 0x00000100
SOFTIRQ_DISABLE_OFFSET = 2 * SOFTIRQ_OFFSET
HARDIRQ_OFFSET = 0x00010000
NMI_OFFSET = 0x00100000

#: arch/arm/kernel/smp.c ipi_types (4.6), indexed by IPI number
ARM_IPI_TYPES = (
    "CPU wakeup interrupts",
    "Timer broadcast interrupts",
    "Rescheduling interrupts",
    "Function call interrupts",
    "CPU stop interrupts",
    "IRQ work interrupts",
    "completion interrupts",
)
IPI_WAKEUP, IPI_TIMER, IPI_RESCHEDULE, IPI_CALL_FUNC, IPI_CPU_STOP, IPI_IRQ_WORK, \
    IPI_COMPLETION = range(7)
NR_IPI = 7

#: arch/x86/kernel/irq.c arch_show_interrupts rows (4.6, a typical x86-64 config)
X86_ARCH_ROWS = (
    ("NMI", "Non-maskable interrupts"),
    ("LOC", "Local timer interrupts"),
    ("SPU", "Spurious interrupts"),
    ("PMI", "Performance monitoring interrupts"),
    ("IWI", "IRQ work interrupts"),
    ("RTR", "APIC ICR read retries"),
    ("RES", "Rescheduling interrupts"),
    ("CAL", "Function call interrupts"),
    ("TLB", "TLB shootdowns"),
    ("TRM", "Thermal event interrupts"),
    ("THR", "Threshold APIC interrupts"),
    ("DFR", "Deferred Error APIC interrupts"),
    ("MCE", "Machine check exceptions"),
    ("MCP", "Machine check polls"),
)


class SoftirqOps:
    """Placeholder softirq layer (the softirq issue replaces it).

    Keeps Linux's preempt_count arithmetic for BH disabling; tasklets (only the
    genirq resend tasklet uses them so far) run at irq_exit when not in
    interrupt, at the outermost local_bh_enable, or from :meth:`run_pending`.
    """

    def __init__(self) -> None:
        self.kernel: Kernel | None = None
        self.tasklets: list[tuple[str, Callable[[], None]]] = []

    def attach(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def tasklet_schedule(self, name: str, fn: Callable[[], None]) -> None:
        if any(n == name for n, _ in self.tasklets):
            return  # TASKLET_STATE_SCHED already set
        self.tasklets.append((name, fn))

    def pending(self) -> bool:
        return bool(self.tasklets)

    def run_pending(self) -> None:
        k = self.kernel
        assert k is not None
        cpu = k.ops.smp_processor_id()
        while self.tasklets:
            batch, self.tasklets = self.tasklets, []
            k.preempt_count[cpu] += SOFTIRQ_OFFSET
            try:
                for _name, fn in batch:
                    fn()
            finally:
                k.preempt_count[cpu] -= SOFTIRQ_OFFSET

    def irq_exit(self, cpu: int) -> None:
        k = self.kernel
        assert k is not None
        if not k.in_interrupt() and self.tasklets:
            self.run_pending()

    def local_bh_disable(self, cpu: int) -> None:
        k = self.kernel
        assert k is not None
        k.preempt_count[cpu] += SOFTIRQ_DISABLE_OFFSET

    def local_bh_enable(self, cpu: int) -> None:
        k = self.kernel
        assert k is not None
        k.preempt_count[cpu] -= SOFTIRQ_DISABLE_OFFSET
        if not k.in_interrupt() and self.tasklets:
            self.run_pending()


#: called with every new Kernel: how tools (``irqemu stackcount``, mpstat) attach
#: to the kernel a scenario builds for itself
KERNEL_CREATED: list[Callable[[Kernel], None]] = []


class Kernel:
    """The modelled kernel's global state: descriptors, domains, tasks, per-CPU
    state, the printk log and probe points."""

    BITS_PER_LONG = 32

    def __init__(
        self,
        config: KernelConfig | str = "mainline",
        num_cpus: int = 1,
        *,
        version: str | None = None,
        arch: str | None = None,
        ops: CpuOps | None = None,
        sched: Any = None,
        softirq: Any = None,
        costs: dict[str, int] | None = None,
    ) -> None:
        if isinstance(config, str):
            kw: dict[str, object] = {}
            if arch is not None:
                kw["arch"] = arch
            config = make(config, version or "4.6", **kw)
        elif version is not None or arch is not None:
            config = config.with_(**{k: v for k, v in (("version", version), ("arch", arch))
                                     if v is not None})
        self.config: KernelConfig = config
        self.num_cpus = num_cpus
        self.ops: CpuOps = ops if ops is not None else StandaloneCpuOps(num_cpus)
        self.sched: Scheduler = sched if sched is not None else DeferredRunner()
        if softirq is None:
            from irqemu.kernel.softirq import Softirq

            softirq = Softirq()
        self.softirq: Any = softirq
        self.costs: dict[str, int] = _costs.default_costs() if costs is None else costs
        self.BITS_PER_LONG = 32 if config.arch == "arm" else 64
        self.pointer_bytes = self.BITS_PER_LONG // 8

        # genirq state
        self.irq_descs: dict[int, IrqDesc] = {}
        self.nr_irqs = config.nr_irqs
        self.irq_domains: list[IrqDomain] = []
        self.irq_default_domain: IrqDomain | None = None
        self.irqs_resend: set[int] = set()
        self.irq_err_count = 0
        self.irq_mis_count = 0
        self.report_bad_irq_count = 0
        self.spurious_poll_armed: int | None = None
        self._handle_arch_irq: Callable[[], None] | None = None
        self.irqchip: Any = None  #: the root irqchip driver (set by its init)
        self.ipi_counts = [[0] * NR_IPI for _ in range(num_cpus)]
        self.ipi_handlers: dict[int, Callable[[int], None]] = {}
        self.arch_stats: dict[str, list[int]] = {n: [0] * num_cpus for n, _ in X86_ARCH_ROWS}
        self.fiq_owner: str | None = None
        # early_irq_init: NR_IRQS_LEGACY descriptors, allocated but unused
        if config.nr_irqs_legacy:
            irq_alloc_descs(self, 0, 0, config.nr_irqs_legacy)

        # tasks and per-CPU state
        self.tasks: dict[int, Task] = {}
        self._next_pid = 1
        self.idle = [Task(0, f"swapper/{c}", ppid=0, flags=PF_KTHREAD, state="R", cpu=c)
                     for c in range(num_cpus)]
        self.current: list[Task] = list(self.idle)
        self.preempt_count = [0] * num_cpus
        self.hardirq_nesting = [0] * num_cpus
        self._new_task("init", ppid=0, flags=PF_SUPERPRIV, kthread=False)
        self.kthreadd = self._new_task("kthreadd", ppid=0, flags=PF_KTHREAD | PF_FORKNOEXEC)

        # observation
        self.dmesg: list[str] = []
        self.warnings: list[str] = []
        self._once: set[str] = set()
        self.probes: dict[str, list[Callable[..., None]]] = {}
        self._addrs: dict[int, int] = {}

        # the scheduler and the softirq layer attach last: they create kthreads
        # (ksoftirqd/N, ktimersoftd/N) and per-CPU run queues
        for part in (self.sched, self.softirq):
            attach = getattr(part, "attach", None)
            if attach is not None:
                attach(self)
        for hook in list(KERNEL_CREATED):
            hook(self)

    # -- probe points and costs ---------------------------------------------------------
    def enter(self, name: str, *args: Any) -> None:
        """Called at the top of every model function: charge its modelled cost and
        fire any probe attached to it."""
        c = self.costs.get(name)
        if c:
            self.ops.charge(c)
        if self.probes:
            self.fire(name, *args)

    def fire(self, name: str, *args: Any) -> None:
        for fn in self.probes.get(name, ()):
            fn(self, name, *args)

    def register_kprobe(self, name: str, fn: Callable[..., None]) -> None:
        """Attach ``fn(kernel, name, *args)`` to a model function or tracepoint."""
        self.probes.setdefault(name, []).append(fn)

    def unregister_kprobe(self, name: str, fn: Callable[..., None]) -> None:
        lst = self.probes.get(name, [])
        if fn in lst:
            lst.remove(fn)
        if not lst:
            self.probes.pop(name, None)

    @staticmethod
    def stack() -> list[str]:
        """Model functions on the current call stack, innermost first."""
        return model_stack()

    def fake_addr(self, obj: object) -> str:
        """A stable kernel-looking address for ``obj`` (for %p-style output)."""
        key = id(obj)
        if key not in self._addrs:
            base = 0xC0A00000 if self.pointer_bytes == 4 else 0xFFFFFFFF81A00000
            self._addrs[key] = base + 0x40 * len(self._addrs)
        return f"{self._addrs[key]:0{2 * self.pointer_bytes}x}"

    # -- printk ---------------------------------------------------------------------------
    def printk(self, msg: str, level: int = 6) -> None:
        t = self.ops.now_ps()
        sec, rem = divmod(t, 10**12)
        self.dmesg.append(f"[{sec:5d}.{rem // 10**6:06d}] {msg}")

    def printk_once(self, key: str, msg: str, level: int = 6) -> None:
        if key not in self._once:
            self._once.add(key)
            self.printk(msg, level)

    def dump_stack(self) -> None:
        cpu = self.ops.smp_processor_id()
        cur = self.current[cpu]
        self.printk(f"CPU: {cpu} PID: {cur.pid} Comm: {cur.comm} Not tainted "
                    f"{self.config.release} #1")
        for name in model_stack():
            self.printk(f" {name}")

    def warn(self, msg: str) -> None:
        """WARN(1, msg): the cut-here block with the message and a stack dump."""
        cpu = self.ops.smp_processor_id()
        frames = model_stack()
        where = frames[0] if frames else "?"
        self.printk("------------[ cut here ]------------", level=4)
        self.printk(f"WARNING: CPU: {cpu} PID: {self.current[cpu].pid} at {where}", level=4)
        self.printk(msg, level=4)
        self.dump_stack()
        self.printk("---[ end trace ]---", level=4)
        self.warnings.append(msg)

    def warn_once(self, key: str, msg: str) -> None:
        if key not in self._once:
            self._once.add(key)
            self.warn(msg)

    # -- time -------------------------------------------------------------------------------
    @property
    def jiffies(self) -> int:
        return self.ops.now_ps() * self.config.hz // 10**12

    # -- contexts ----------------------------------------------------------------------------
    def in_irq(self) -> bool:
        return bool(self.preempt_count[self.ops.smp_processor_id()] & HARDIRQ_MASK)

    def in_interrupt(self) -> bool:
        cpu = self.ops.smp_processor_id()
        pc = self.preempt_count[cpu]
        if pc & (HARDIRQ_MASK | SOFTIRQ_MASK | NMI_MASK):
            return True
        # [6.x] PREEMPT_RT: softirq_count() is current->softirq_disable_cnt
        return self.config.preempt_rt and self.config.v6 and \
            bool(self.current[cpu].softirq_nestcnt)

    def in_softirq(self) -> bool:
        return bool(self.preempt_count[self.ops.smp_processor_id()] & SOFTIRQ_MASK)

    def in_atomic(self) -> bool:
        pc = self.preempt_count[self.ops.smp_processor_id()]
        return bool(pc) or self.ops.irqs_disabled()

    @kfunc()
    def irq_enter(self) -> None:
        self.enter("irq_enter")
        cpu = self.ops.smp_processor_id()
        self.preempt_count[cpu] += HARDIRQ_OFFSET
        self.hardirq_nesting[cpu] += 1

    #: called by irq_exit after the hardirq count drops (the softirq layer's invoke_softirq)
    irq_exit_hook: Callable[[int], None] | None = None

    @kfunc()
    def irq_exit(self) -> None:
        self.enter("irq_exit")
        cpu = self.ops.smp_processor_id()
        self.preempt_count[cpu] -= HARDIRQ_OFFSET
        self.hardirq_nesting[cpu] -= 1
        if self.irq_exit_hook is not None:
            self.irq_exit_hook(cpu)
        else:
            self.softirq.irq_exit(cpu)

    def local_bh_disable(self) -> None:
        self.softirq.local_bh_disable(self.ops.smp_processor_id())

    def local_bh_enable(self) -> None:
        self.softirq.local_bh_enable(self.ops.smp_processor_id())

    def tasklet_schedule(self, name: str, fn: Callable[[], None]) -> None:
        self.softirq.tasklet_schedule(name, fn)

    # -- the arch entry point -----------------------------------------------------------------
    def set_handle_irq(self, fn: Callable[[], None]) -> None:
        """arch/arm/kernel/irq.c set_handle_irq: the root irqchip's handler."""
        self._handle_arch_irq = fn

    @kfunc()
    def handle_arch_irq(self) -> None:
        """What the IRQ vector stub calls (interrupts masked by the exception entry).
        ``current`` stays the interrupted task. When the CPU leaves its outermost
        hard IRQ the scheduler hook runs (the default runner runs woken threads)."""
        if self._handle_arch_irq is None:
            raise RuntimeError("handle_arch_irq: no root irqchip registered (set_handle_irq)")
        self._handle_arch_irq()
        cpu = self.ops.smp_processor_id()
        if not self.preempt_count[cpu] & (HARDIRQ_MASK | SOFTIRQ_MASK | NMI_MASK):
            self.sched.hardirq_done(cpu)

    def irq(self, cpu: int = 0) -> None:
        """Standalone helper: take an IRQ exception on ``cpu`` as the architecture
        would (mask, call handle_arch_irq, unmask). Needs StandaloneCpuOps."""
        with self.on_cpu(cpu):
            was = self.ops.irqs_disabled()
            self.ops.local_irq_disable()
            self.handle_arch_irq()
            if not was:
                self.ops.local_irq_enable()

    @contextmanager
    def on_cpu(self, cpu: int) -> Iterator[None]:
        """Standalone: run model code as CPU ``cpu`` (no-op for other CpuOps)."""
        on = getattr(self.ops, "on_cpu", None)
        if on is None:
            yield
            return
        with on(cpu):
            yield

    @kfunc()
    def generic_handle_irq(self, irq: int) -> int:
        self.enter("generic_handle_irq", irq)
        desc = self.irq_descs.get(irq)
        if desc is None:
            return -22
        desc.handle_irq(desc)
        return 0

    @kfunc("__handle_domain_irq")
    def handle_domain_irq(self, domain: IrqDomain | None, hwirq: int, lookup: bool = True) -> int:
        """irq_enter, irq_find_mapping, generic_handle_irq (or ack_bad_irq), irq_exit."""
        self.enter("__handle_domain_irq", hwirq)
        self.irq_enter()
        irq = irq_find_mapping(domain, hwirq) if lookup else hwirq
        ret = 0
        if not irq or irq >= self.nr_irqs:
            self.ack_bad_irq(irq)
            ret = -22
        else:
            self.generic_handle_irq(irq)
        self.irq_exit()
        return ret

    def ack_bad_irq(self, irq: int) -> None:
        """ARM: irq_err_count++ and the "unexpected IRQ trap" message."""
        self.irq_err_count += 1
        self.printk(f"unexpected IRQ trap at vector {irq:02x}", level=2)

    @kfunc()
    def handle_bad_irq(self, desc: IrqDesc) -> None:
        self.enter("handle_bad_irq", desc)
        self.printk(desc.describe())
        kstat_incr_irqs_this_cpu(desc)
        self.ack_bad_irq(desc.irq)

    @kfunc()
    def handle_IPI(self, ipinr: int) -> None:
        """arch/arm/kernel/smp.c: count the kind, run its hook; all but RESCHEDULE
        (and WAKEUP, which does nothing) inside irq_enter/irq_exit."""
        self.enter("handle_IPI", ipinr)
        cpu = self.ops.smp_processor_id()
        if 0 <= ipinr < NR_IPI:
            self.ipi_counts[cpu][ipinr] += 1
            if self.probes:
                self.fire("ipi_entry", ARM_IPI_TYPES[ipinr])
        else:
            self.printk(f"CPU{cpu}: Unknown IPI message {ipinr:#x}", level=2)
            return
        hook = self.ipi_handlers.get(ipinr)
        if ipinr in (IPI_WAKEUP, IPI_RESCHEDULE):
            if hook is not None:
                hook(cpu)
        else:
            self.irq_enter()
            if hook is not None:
                hook(cpu)
            self.irq_exit()
        if self.probes:
            self.fire("ipi_exit", ARM_IPI_TYPES[ipinr])

    def smp_cross_call(self, targets: set[int] | frozenset[int], ipinr: int) -> None:
        """Send IPI ``ipinr`` to ``targets`` through the root irqchip (GIC: SGIR)."""
        raise_ipi = getattr(self.irqchip, "raise_softirq", None)
        if raise_ipi is None:
            raise RuntimeError("smp_cross_call: the irqchip cannot send IPIs")
        raise_ipi(frozenset(targets), ipinr)

    # -- tasks ------------------------------------------------------------------------------------
    def _new_task(self, comm: str, *, ppid: int, flags: int, kthread: bool = True,
                  **kw: Any) -> Task:
        pid = self._next_pid
        self._next_pid += 1
        t = Task(pid, comm, ppid=ppid, flags=flags, **kw)
        self.tasks[pid] = t
        return t

    def kthread_create(self, fn: Callable[[], None] | None, comm: str, *,
                       policy: int = SCHED_NORMAL, rt_priority: int = 0, nice: int = 0,
                       cpus_allowed: frozenset[int] | None = None) -> Task:
        """kthread_create (+ sched_setscheduler_nocheck); comm is cut to 15 characters."""
        return self._new_task(comm, ppid=self.kthreadd.pid, flags=PF_KTHREAD | PF_FORKNOEXEC,
                              policy=policy, rt_priority=rt_priority, nice=nice, fn=fn,
                              cpus_allowed=cpus_allowed)

    def kthread_stop(self, task: Task) -> None:
        task.flags |= PF_EXITING
        task.state = "X"
        self.tasks.pop(task.pid, None)

    def wake_up_process(self, task: Task) -> bool:
        return self.sched.wake_up_process(task)

    def run_task_on(self, cpu: int, task: Task) -> None:
        """Run one pass of a kthread on ``cpu`` in task context (used by the default
        runner): ``current`` is the task, preempt_count 0, interrupts enabled."""
        assert task.fn is not None
        with self.on_cpu(cpu):
            prev, prev_pc = self.current[cpu], self.preempt_count[cpu]
            was = self.ops.irqs_disabled()
            self.current[cpu] = task
            self.preempt_count[cpu] = 0
            task.cpu = cpu
            t0 = self.ops.now_ps()
            self.ops.local_irq_enable()
            try:
                ret_from_fork(task)
            finally:
                task.sum_exec_ps += self.ops.now_ps() - t0
                if was:
                    self.ops.local_irq_disable()
                self.current[cpu] = prev
                self.preempt_count[cpu] = prev_pc

    def wait_for(self, cond: Callable[[], bool], what: str) -> bool:
        """A sleeping wait (wait_event). The model cannot block: in atomic context it
        warns as might_sleep does; otherwise it lets the default runner run the
        threads the condition waits for. Returns whether ``cond`` holds."""
        if cond():
            return True
        if self.in_atomic():
            self.warn_once(f"sleep:{what}",
                           f"BUG: sleeping function called from invalid context ({what})")
            return cond()
        run = getattr(self.sched, "run_pending", None)
        if run is not None:
            run()
        return cond()

    # -- driver API (thin wrappers over genirq.manage) ----------------------------------------
    def request_threaded_irq(self, irq: int, handler: _manage.Handler | None,
                             thread_fn: _manage.Handler | None, flags: int, name: str,
                             dev_id: Any) -> int:
        return _manage.request_threaded_irq(self, irq, handler, thread_fn, flags, name, dev_id)

    def request_irq(self, irq: int, handler: _manage.Handler | None, flags: int, name: str,
                    dev_id: Any) -> int:
        return _manage.request_irq(self, irq, handler, flags, name, dev_id)

    def request_percpu_irq(self, irq: int, handler: _manage.Handler, name: str,
                           percpu_dev_id: list[Any]) -> int:
        return _manage.request_percpu_irq(self, irq, handler, name, percpu_dev_id)

    def enable_percpu_irq(self, irq: int, type_: int = 0) -> None:
        _manage.enable_percpu_irq(self, irq, type_)

    def free_irq(self, irq: int, dev_id: Any) -> str | None:
        return _manage.free_irq(self, irq, dev_id)

    def disable_irq(self, irq: int) -> bool:
        return _manage.disable_irq(self, irq)

    def disable_irq_nosync(self, irq: int) -> None:
        _manage.disable_irq_nosync(self, irq)

    def enable_irq(self, irq: int) -> None:
        _manage.enable_irq(self, irq)

    def irq_set_affinity(self, irq: int, mask: set[int] | frozenset[int]) -> int:
        return _manage.irq_set_affinity(self, irq, mask)

    def irq_threads(self) -> list[Task]:
        return [t for t in self.tasks.values() if "irqaction" in t.data]


__all__ = [
    "ChipIO", "CpuOps", "DeferredRunner", "DeviceChipIO", "Kernel", "KernelConfig",
    "Scheduler", "SoftirqOps", "StandaloneCpuOps", "Task", "make", "_chip",
]
