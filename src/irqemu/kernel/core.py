"""The modelled kernel's global state: the :class:`Kernel` object.

It holds what Linux keeps in globals and per-CPU variables (descriptors,
domains, tasks, preempt counts, the printk log, probe points) and the few
entry points the world calls: ``handle_arch_irq`` (what the IRQ vector stub calls
through its pointer),
``irq_enter``/``irq_exit``, the driver API (thin calls into genirq.manage).
The behaviour lives in the modules Linux keeps it in (genirq/, softirq, smp,
preempt, sched, ...); the protocols the world implements are in
:mod:`irqemu.kernel.context`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import EllipsisType
from typing import Any

from irqemu.kernel import costs as _costs
from irqemu.kernel import preempt as _preempt
from irqemu.kernel import smp as _smp
from irqemu.kernel.config import KernelConfig, make
from irqemu.kernel.context import (
    PF_EXITING,
    PF_FORKNOEXEC,
    PF_KTHREAD,
    PF_SUPERPRIV,
    SCHED_NORMAL,
    CpuOps,
    DeferredRunner,
    Scheduler,
    StandaloneCpuOps,
    SwitchableCpuOps,
    Task,
    frame_run,
    kfunc,
    model_stack,
    ret_from_fork,
)
from irqemu.kernel.drivers.irq_apic import X86_ARCH_ROWS
from irqemu.kernel.entry import IrqEntry
from irqemu.kernel.genirq import irqdesc as _irqdesc
from irqemu.kernel.genirq import manage as _manage
from irqemu.kernel.genirq.fast import HardirqCosts, handle_domain_irq_fast
from irqemu.kernel.genirq.types import Handler, IrqDesc, IrqDomain
from irqemu.kernel.preempt import HARDIRQ_MASK, HARDIRQ_OFFSET, NMI_MASK, SOFTIRQ_MASK
from irqemu.kernel.smp import NR_IPI, RootIrqChip
from irqemu.kernel.softirq import Softirq
from irqemu.kernel.tasklet import TaskletStruct


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
        sched: Scheduler | None = None,
        softirq: Softirq | None = None,
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
        #: how model code runs as another CPU (None: the ops follow the cores)
        self._switch_cpu: Callable[[int], AbstractContextManager[None]] | None = (
            self.ops.on_cpu if isinstance(self.ops, SwitchableCpuOps) else None)
        self.sched: Scheduler = sched if sched is not None else DeferredRunner()
        self.softirq: Softirq = softirq if softirq is not None else Softirq()
        #: take the hard-IRQ fast path (genirq.fast) when no probe is attached
        self.hardirq_fast = True
        self.hardirq_costs: HardirqCosts
        self.costs = _costs.default_costs() if costs is None else costs
        self.BITS_PER_LONG = 32 if config.arch == "arm" else 64
        self.pointer_bytes = self.BITS_PER_LONG // 8

        # genirq state
        self.irq_descs: dict[int, IrqDesc] = {}
        self.nr_irqs = config.nr_irqs
        self.irq_domains: list[IrqDomain] = []
        self.irq_default_domain: IrqDomain | None = None
        self.irqs_resend: set[int] = set()
        self.resend_tasklet: TaskletStruct | None = None  #: genirq's, made at first resend
        self.napi: object | None = None  #: the NAPI layer, made by napi.napi_layer at first use
        self.irq_err_count = 0
        self.irq_mis_count = 0
        self.report_bad_irq_count = 0
        self.spurious_poll_armed: int | None = None
        self._handle_arch_irq: Callable[[], None] | None = None
        #: the root handler's fast path, ``fn(cpu)`` (None: it has none); see set_handle_irq
        self._handle_arch_irq_fast: Callable[[int], None] | None = None
        #: the frames a stack shows below the root handler (the stub, what it interrupted)
        self.irq_entry = IrqEntry(config.arch)
        self.irqchip: RootIrqChip | None = None  #: the root irqchip driver (set by its init)
        self.ipi_counts = [[0] * NR_IPI for _ in range(num_cpus)]
        self.ipi_handlers: dict[int, Callable[[int], None]] = {}
        self.arch_stats: dict[str, list[int]] = {n: [0] * num_cpus for n, _ in X86_ARCH_ROWS}
        self.fiq_owner: str | None = None
        # early_irq_init: NR_IRQS_LEGACY descriptors, allocated but unused
        if config.nr_irqs_legacy:
            _irqdesc.irq_alloc_descs(self, 0, 0, config.nr_irqs_legacy)

        # tasks and per-CPU state
        self.tasks: dict[int, Task] = {}
        self._next_pid = 1
        self.idle = [Task(0, f"swapper/{c}", ppid=0, flags=PF_KTHREAD, state="R", cpu=c)
                     for c in range(num_cpus)]
        self.current: list[Task] = list(self.idle)
        self.preempt_count = [0] * num_cpus
        #: cpu_online_mask (the root domain's span): every CPU unless a platform brings
        #: them up one by one (KernelPlatform: CPU0, then each secondary that starts)
        self.cpu_online: set[int] = set(range(num_cpus))
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
        self.sched.attach(self)
        self.softirq.attach(self)

    # -- probe points and costs ---------------------------------------------------------
    @property
    def costs(self) -> dict[str, int]:
        """Modelled cycles charged on entry to each named model function (mutable:
        drivers add their own entries)."""
        return self._costs

    @costs.setter
    def costs(self, table: dict[str, int]) -> None:
        self._costs = _costs.CostTable(table, self._costs_changed)
        self._cost = self._costs.get  # fentry's lookup, bound once per table
        self._costs_changed()

    def _costs_changed(self) -> None:
        self.hardirq_costs = HardirqCosts(self._costs)

    def fentry(self, name: str | EllipsisType, *args: Any) -> None:
        """The first call of every ``@kfunc`` model function (ftrace's fentry),
        written ``kernel.fentry(..., *args)``: charge the function's modelled cost
        and fire the probes attached to it. ``@kfunc`` has replaced the ``...``
        with the function's Linux name; a ``...`` reaching here means the
        function is not declared with ``@kfunc``."""
        c = self._cost(name)  # type: ignore[arg-type]
        if c:
            self.ops.charge(c)
        elif name is ...:
            raise RuntimeError("fentry(...) in a function not declared with @kfunc")
        probes = self.probes
        if probes:
            fns = probes.get(name)  # type: ignore[arg-type]
            if fns:
                for fn in fns:
                    fn(self, name, *args)

    def enter(self, name: str, *args: Any) -> None:
        """``fentry`` under an explicit name: for model code outside the kernel
        model (scenarios' drivers) and probe points that are not functions."""
        c = self._cost(name)
        if c:
            self.ops.charge(c)
        probes = self.probes
        if probes:
            fns = probes.get(name)
            if fns:
                for fn in fns:
                    fn(self, name, *args)

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

    in_irq = _preempt.in_irq
    in_interrupt = _preempt.in_interrupt
    in_softirq = _preempt.in_softirq
    in_atomic = _preempt.in_atomic

    # -- hard-IRQ context (kernel/softirq.c irq_enter/irq_exit) ---------------------------
    @kfunc()
    def irq_enter(self) -> None:
        self.fentry(...)
        cpu = self.ops.smp_processor_id()
        self.preempt_count[cpu] += HARDIRQ_OFFSET
        self.hardirq_nesting[cpu] += 1

    @kfunc()
    def irq_exit(self) -> None:
        self.fentry(...)
        cpu = self.ops.smp_processor_id()
        self.preempt_count[cpu] -= HARDIRQ_OFFSET
        self.hardirq_nesting[cpu] -= 1
        self.softirq.irq_exit(cpu)

    def local_bh_disable(self) -> None:
        self.softirq.local_bh_disable(self.ops.smp_processor_id())

    def local_bh_enable(self) -> None:
        self.softirq.local_bh_enable(self.ops.smp_processor_id())

    # -- the arch entry point -----------------------------------------------------------------
    def set_handle_irq(self, fn: Callable[[], None],
                       fast: Callable[[int], None] | None = None) -> None:
        """arch/arm/kernel/irq.c set_handle_irq: the root irqchip's handler. ``fast(cpu)``,
        when given, does what ``fn`` does on CPU ``cpu`` when no probe is attached and
        :attr:`hardirq_fast` is on (it falls back to ``fn`` if one is attached meanwhile)."""
        self._handle_arch_irq = fn
        self._handle_arch_irq_fast = fast

    @frame_run
    def handle_arch_irq(self, cpu: int = -1) -> None:
        """What the IRQ vector stub calls (interrupts masked by the exception entry).
        ``current`` stays the interrupted task. When the CPU leaves its outermost
        hard IRQ the scheduler hook runs (the default runner runs woken threads).
        Not a frame of its own (a pointer in Linux): its frames are the stub and what
        it interrupted (:class:`~irqemu.kernel.entry.IrqEntry`). ``cpu``: the CPU the
        model runs on, when the caller knows it (smp_processor_id())."""
        if cpu < 0:
            cpu = self.ops.smp_processor_id()
        frames = self.irq_entry.frames(self, cpu)  # noqa: F841 (read by model_stack)
        fast = self._handle_arch_irq_fast
        if fast is not None and self.hardirq_fast and not self.probes:
            fast(cpu)
        elif self._handle_arch_irq is None:
            raise RuntimeError("handle_arch_irq: no root irqchip registered (set_handle_irq)")
        else:
            self._handle_arch_irq()
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
        """Standalone: run model code as CPU ``cpu`` (no-op for CpuOps that follow
        the cores: the core that made the host call is the CPU)."""
        switch = self._switch_cpu
        if switch is None:
            yield
            return
        with switch(cpu):
            yield

    # -- handling an irq by number, and IPIs (genirq irqdesc.c, arch/arm/kernel/smp.c) ----------
    generic_handle_irq = _irqdesc.generic_handle_irq
    handle_domain_irq = _irqdesc.handle_domain_irq
    handle_domain_irq_fast = handle_domain_irq_fast
    handle_IPI = _smp.handle_IPI
    smp_cross_call = _smp.smp_cross_call

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
        self.sched.run_pending()
        return cond()

    # -- driver API (thin wrappers over genirq.manage) ----------------------------------------
    def request_threaded_irq(self, irq: int, handler: Handler | None,
                             thread_fn: Handler | None, flags: int, name: str,
                             dev_id: Any) -> int:
        return _manage.request_threaded_irq(self, irq, handler, thread_fn, flags, name, dev_id)

    def request_irq(self, irq: int, handler: Handler | None, flags: int, name: str,
                    dev_id: Any) -> int:
        return _manage.request_irq(self, irq, handler, flags, name, dev_id)

    def request_percpu_irq(self, irq: int, handler: Handler, name: str,
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
