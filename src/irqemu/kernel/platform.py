"""The modelled kernel on an emulated machine: the glue the design calls host calls.

``firmware/<arch>/kernel.elf`` holds the guest half (vector stubs, the idle
loop) and a table of host-call addresses, ``hc_<name>``, which this module
fills in before the run. When the guest branches to one, the machine stops
the core at the host-call page and calls the model on that core; the model's
costs are charged to it; the stub then continues with the CPU in whatever
state the model left it (mask bits included).

- :class:`MachineCpuOps` is the model's ``CpuOps`` over the core that made the
  host call;
- :class:`MachineChipIO` is its ``ChipIO`` over the board's device models,
  charging the cost model's MMIO cycles as the guest's own accesses would;
- :class:`MachineMemIO` is model code's access to guest RAM (drivers' DMA rings),
  charging modelled cycles per access;
- :class:`KernelPlatform` wires them and the host calls.

Model work inside one host call can be long (a softirq at irq_exit, a NAPI poll),
and the devices do not stop meanwhile: :func:`catch_up` fires the machine events
due by the running core's local time (both ChipIO and MemIO offer it), and
:meth:`KernelPlatform.irq_window` lets the core take a hard IRQ that became
pending while model code has interrupts enabled, nested, as Linux's
``__do_softirq`` is interrupted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from irqemu._core import Core
from irqemu.devices.base import Device
from irqemu.kernel import Kernel
from irqemu.kernel.costs import estimate, kernel_cost_table, linux_basis
from irqemu.kernel.drivers.imx_src import imx_boot_secondary
from irqemu.kernel.drivers.irq_apic import X86Apic
from irqemu.kernel.drivers.psci import PsciInvoke, psci_boot_secondary
from irqemu.kernel.entry import IrqEntry
from irqemu.kernel.footprint import attach_footprints
from irqemu.kernel.preempt import HARDIRQ_MASK, SOFTIRQ_OFFSET
from irqemu.kernel.sched import is_rt
from irqemu.machine.machine import CpuSlot, Machine


class MachineCpuOps:
    """``CpuOps`` for model code running on behalf of a machine's core."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        #: the core the model runs on while KernelPlatform holds it here for a host call
        #: (the machine's current core throughout the call); None: ask the machine
        self.pinned: CpuSlot | None = None
        self.arch = machine.arch
        self._irq_shift = machine.arch.mask_shifts[0]
        self._invert = machine.arch.mask_invert
        self._mask_reg = machine.arch.mask_reg
        if machine.engine == "native" and machine.fabric is not None:
            # the same charge and CPU in one C call each (``_core.modelio``): the running
            # core is the pinned one whenever one is pinned (a host call runs on it)
            from irqemu._core import load_native

            running = load_native("modelio").RunningCore(machine.fabric)
            self.charge = running.charge  # type: ignore[method-assign]
            self.smp_processor_id = running.smp_processor_id  # type: ignore[method-assign]

    def _slot(self) -> CpuSlot:
        slot = self.pinned or self.machine.current_cpu
        if slot is None:
            raise RuntimeError("model code ran outside a host call (no current CPU)")
        return slot

    def smp_processor_id(self) -> int:
        slot = self.pinned or self.machine.current_cpu
        return 0 if slot is None else slot.index

    def charge(self, cycles: int) -> None:
        slot = self.pinned or self.machine.current_cpu
        if slot is not None:
            slot.core.cycles += cycles

    def irqs_disabled(self) -> bool:
        slot = self.pinned or self._slot()
        v = slot.core.reg_read(self._mask_reg) ^ self._invert
        return (v >> self._irq_shift & 1) == 1

    def _set_masked(self, masked: bool) -> None:
        core = self._slot().core
        bit = 1 << self._irq_shift
        v = core.reg_read(self.arch.mask_reg)
        want_set = masked != bool(self._invert & bit)
        core.reg_write(self.arch.mask_reg, (v | bit) if want_set else (v & ~bit))

    def local_irq_disable(self) -> None:
        self._set_masked(True)

    def local_irq_enable(self) -> None:
        self._set_masked(False)

    def now_ps(self) -> int:
        slot = self.pinned or self.machine.current_cpu
        return int(self.machine.now(None if slot is None else slot.index))


def catch_up(machine: Machine, slot: CpuSlot | None) -> None:
    """Fire the machine events due by ``slot``'s local time (none without a core): the
    devices ran on while model code ran inside one host call. Each event sees the
    core's local time as its ``now``, as an MMIO access by that core would."""
    if slot is None:
        return
    now = slot.local_ps()
    events = machine.events
    ev = events.pop_due(now)
    while ev is not None:
        ev.fn()
        ev = events.pop_due(now)


#: a decoded register address: the device's mmio_read, its mmio_write, the offset
_Decoded = tuple[Callable[[int, int, int], int], Callable[[int, int, int, int], None], int]


class _RunningCoreIO:
    """What model code's ChipIO and MemIO share: the machine and the core it runs on."""

    machine: Machine
    pinned: CpuSlot | None

    def catch_up(self) -> None:
        """:func:`catch_up` on the running core, written out (once per IAR loop of every
        hard IRQ, before gic_handle_irq's next GICC_IAR read, and once per descriptor of
        a driver's RX loop): the same pops, two calls fewer."""
        slot = self.pinned or self.machine.current_cpu
        if slot is None:
            return
        now = slot.clock.to_ps(slot.core.cycles)  # slot.local_ps()
        pop_due = self.machine.events.pop_due
        ev = pop_due(now)
        while ev is not None:
            ev.fn()
            ev = pop_due(now)


class MachineChipIO(_RunningCoreIO):
    """``ChipIO`` over the board's devices; each access costs what a guest one does."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.pinned: CpuSlot | None = None  #: as MachineCpuOps.pinned
        self.mmio_cost = machine.cost_model.event("mmio_access")
        #: address -> (the device's mmio_read, its mmio_write, offset in it): a driver
        #: touches the same few registers, so each is decoded once
        self._decoded: dict[int, _Decoded] = {}

    def _decode(self, addr: int) -> _Decoded:
        hit = self._decoded.get(addr)
        if hit is None:
            dev, off = self.machine.device_at(addr)
            hit = self._decoded[addr] = (dev.mmio_read, dev.mmio_write, off)
        return hit

    def read32(self, cpu: int, addr: int) -> int:
        slot = self.pinned or self.machine.current_cpu
        if slot is not None:
            slot.core.cycles += self.mmio_cost
        try:
            read, _write, off = self._decoded[addr]
        except KeyError:
            read, _write, off = self._decode(addr)
        return int(read(cpu, off, 4))

    def write32(self, cpu: int, addr: int, value: int) -> None:
        slot = self.pinned or self.machine.current_cpu
        if slot is not None:
            slot.core.cycles += self.mmio_cost
        try:
            _read, write, off = self._decoded[addr]
        except KeyError:
            _read, write, off = self._decode(addr)
        write(cpu, off, 4, value & 0xFFFFFFFF)

    def register32(self, addr: int) -> Any:
        """The register at ``addr`` as a ``_core.modelio.NativeRegister`` (``read(cpu)``,
        ``write(cpu, value)``: this ChipIO's read32/write32 there, charge included, in
        one C call) when a native device answers it on the native engine; else None
        (use read32/write32). For the registers a hot model path touches on every
        interrupt."""
        read, _write, off = self._decode(addr)
        dev = getattr(read, "__self__", None)
        if self.machine.engine != "native" or self.machine.fabric is None:
            return None
        from irqemu._core import load_native

        if not isinstance(dev, load_native("fabric").NativeDevice):
            return None
        return load_native("modelio").NativeRegister(dev, off, self.mmio_cost)

    def writer32(self, addr: int) -> tuple[Callable[[int, int, int], None], int, int] | None:
        """What a 32-bit :meth:`write32` at ``addr`` reaches with nothing else on the way:
        (handler, index, mask) of the register's fast entry in a :class:`Device`'s
        register file, or None. Charging ``mmio_cost`` to the running core, then calling
        ``handler(cpu, index, value & mask)``, is that write (a driver's per-frame
        writes, resolved once)."""
        _read, write, off = self._decode(addr)
        dev = getattr(write, "__self__", None)
        if not isinstance(dev, Device) or type(dev).mmio_write is not Device.mmio_write:
            return None
        fast = dev.regs._fast_write.get(off)
        if fast is None or fast[2] != 4:
            return None
        return fast[0], fast[1], fast[3] & 0xFFFFFFFF



#: model code's access to DMA-coherent guest memory (name -> KernelCost)
PLATFORM_COSTS = kernel_cost_table("PLATFORM_COSTS", {
    "dma_alloc_coherent/access": estimate(
        60, "one access by model code to DMA-coherent guest memory: dma_alloc_coherent "
        "is mapped normal non-cacheable on ARMv7, so each descriptor access goes to DDR, "
        "roughly 60-100 ns on an i.MX6Q at 792 MHz; 60 cycles is the low end",
        linux_basis("arch/arm/mm/dma-mapping.c __dma_alloc() (pgprot_dmacoherent)")
        + "; RAM latency + 110 ns, https://www.7-cpu.com/cpu/Cortex-A9.html"),
})
DMA_COHERENT_ACCESS_CYCLES = PLATFORM_COSTS["dma_alloc_coherent/access"].cycles


class MachineMemIO(_RunningCoreIO):
    """Model code's accesses to guest RAM (descriptor rings and DMA buffers), as the
    driver's loads and stores would make them: each access charges
    ``access_cycles`` modelled cycles to the running core.

    ``catch_up()`` fires the machine events due by the running core's local time
    (bus masters such as the FEC's uDMA keep writing the ring while model code
    runs inside one host call); call it before reading memory a device may have
    written meanwhile.
    """

    def __init__(self, machine: Machine, access_cycles: int = DMA_COHERENT_ACCESS_CYCLES) -> None:
        self.machine = machine
        self.pinned: CpuSlot | None = None  #: as MachineCpuOps.pinned
        self.access_cycles = access_cycles

    def read(self, cpu: int, addr: int, size: int) -> bytes:
        slot = self.pinned or self.machine.current_cpu
        if slot is not None:
            slot.core.cycles += self.access_cycles
        return bytes(self.machine.mem_read(addr, size))

    def write(self, cpu: int, addr: int, data: bytes) -> None:
        slot = self.pinned or self.machine.current_cpu
        if slot is not None:
            slot.core.cycles += self.access_cycles
        self.machine.mem_write(addr, data)


HOSTCALLS = ("handle_arch_irq", "kernel_start", "cpu_idle")

#: host-call slots a kernel.elf may have (SMP bring-up, tasks on the cores)
OPTIONAL_HOSTCALLS = ("secondary_start", "task_step")


class KernelPlatform:
    """Connects a :class:`Kernel` to a machine that has loaded ``kernel.elf``.

    ``on_start(platform)`` runs at the guest's ``kernel_start`` host call, on
    CPU 0, with interrupts still masked: the place to init the irqchip and
    request IRQs, as start_kernel and the drivers' probes do. ``on_idle``
    runs each time a CPU enters its idle loop.
    """

    def __init__(self, machine: Machine, kernel: Kernel,
                 on_start: Callable[[KernelPlatform], None] | None = None,
                 on_idle: Callable[[KernelPlatform, int], None] | None = None,
                 inline: tuple[str, ...] = ("handle_arch_irq",),
                 on_secondary: Callable[[KernelPlatform, int], None] | None = None) -> None:
        self.machine = machine
        self._vectored = machine.arch.vectored_interrupts
        self.inline = inline
        self.on_secondary = on_secondary
        self.online: set[int] = {0}
        kernel.cpu_online = self.online  # set_cpu_online: CPU0, then each secondary as it starts
        self.runner: CoreRunner | None = None
        #: the guest's current (the task its IRQ stub names) vs the model's, at each hard IRQ
        self.current_checks = {"agree": 0, "disagree": 0}
        #: per CPU: handle_arch_irq host calls in progress (2 while a nested one runs)
        self.hardirq_calls = [0] * machine.num_cpus
        #: irq_window calls (``opened``) and those in which the core took a hard IRQ
        #: nested inside the model work (``nested``)
        self.irq_windows = {"opened": 0, "nested": 0}
        #: the IRQ stub's argument that names current: after the vector when it passes one
        self._current_arg = int(self._vectored)
        self.kernel = kernel
        if machine.arch.name == "aarch64":  # the model's arch is "arm"; arm64's stubs are el1_irq
            kernel.irq_entry = IrqEntry("arm64", contexts=kernel.irq_entry.contexts)
        self.on_start = on_start
        self.on_idle = on_idle
        self.io = MachineChipIO(machine)
        #: model code's view of guest RAM (drivers' descriptor rings)
        self.mem = MachineMemIO(machine)
        #: the kernel's CpuOps when they are this machine's (held during host calls)
        self._ops = kernel.ops if isinstance(kernel.ops, MachineCpuOps) \
            and kernel.ops.machine is machine else None
        image = machine.image
        if image is None:
            raise ValueError("load kernel.elf into the machine before the platform")
        #: the loaded kernel.elf
        self.image = image
        #: kernel.elf's irq_window (None in a kernel.elf without one: no nesting)
        self._window = image.symbols.get("irq_window")
        missing = [n for n in HOSTCALLS if f"hc_{n}" not in image.symbols]
        if missing:
            raise ValueError(f"{image.path}: no host-call slots for {', '.join(missing)} "
                             "(is this a kernel.elf?)")
        width = machine.arch.word_bytes
        for name in HOSTCALLS + tuple(n for n in OPTIONAL_HOSTCALLS
                                      if f"hc_{n}" in image.symbols):
            if name == "cpu_idle" and on_idle is None and "hc_nop" in image.symbols:
                addr = image.symbols["hc_nop"]  # nothing to do: skip the host round trip
            else:
                # handle_arch_irq runs only model code: inline, without stopping the core
                addr = machine.register_hostcall(getattr(self, f"_hc_{name}"),
                                                 inline=name in self.inline)
            machine.mem_write(image.symbols[f"hc_{name}"], addr.to_bytes(width, "little"))
        #: with --cache-model, the kernel's functions touch their text and data through it
        self.footprint = attach_footprints(kernel, machine)

    def guest_handler(self, symbol: str) -> Callable[[int, Any], int]:
        """An IRQ handler that is guest code: ``irqreturn_t fn(int irq)`` named by an
        ELF symbol, run on the core that takes the interrupt (its cycles are the
        core's). Needs ``handle_arch_irq`` to be a stopping host call (construct
        the platform with ``inline=()``): an inline one cannot run guest code."""
        if "handle_arch_irq" in self.inline:
            raise ValueError("guest-code handlers need KernelPlatform(..., inline=())")
        image = self.image
        if symbol not in image.symbols:
            raise ValueError(f"{image.path}: no symbol {symbol!r} for a guest handler")
        machine = self.machine

        def handler(irq: int, dev_id: Any) -> int:
            cpu = self.kernel.ops.smp_processor_id()
            ret, _cycles, _insns = machine.call(cpu, symbol, irq, preserve=True)
            return int(ret)

        handler.__name__ = symbol
        return handler

    # -- host calls: (machine, cpu) -> None ------------------------------------------
    def _hc_task_step(self, machine: Any, cpu: int) -> None:
        if self.runner is None:
            raise RuntimeError("task_step host call without a scheduler on the cores")
        # as _hc_handle_arch_irq: the task's model code charges and accesses this core
        ops, io, mem = self._ops, self.io, self.mem
        slot = machine.cpus[cpu]
        io_held, mem_held = io.pinned, mem.pinned
        ops_held = None if ops is None else ops.pinned
        io.pinned = mem.pinned = slot
        if ops is not None:
            ops.pinned = slot
        try:
            self.runner.task_step(cpu)
        finally:
            io.pinned, mem.pinned = io_held, mem_held
            if ops is not None:
                ops.pinned = ops_held

    def _check_current(self, machine: Machine, cpu: int) -> None:
        """The IRQ stub passes the guest's current: on ARM thread_info->task, read from
        ``sp & ~(THREAD_SIZE - 1)`` (r0 / x0); on x86 the per-CPU ``current_task``
        read through %gs (%rsi, after the vector). Count whether it is the model's."""
        pid = machine.arch.call_arg(machine.cpus[cpu].core, self._current_arg)
        key = "agree" if pid == self.kernel.current[cpu].pid else "disagree"
        self.current_checks[key] += 1

    def _hc_handle_arch_irq(self, machine: Any, cpu: int) -> None:
        # The model runs on this core for the whole call: its CpuOps, ChipIO and MemIO
        # hold the core instead of asking the machine at each charge and access. (ChipIO
        # and MemIO are pinned and unpinned together: io's is what both held.)
        io, mem, ops = self.io, self.mem, self._ops
        slot = machine.cpus[cpu]
        held = io.pinned  # (a host call inside machine.call)
        io.pinned = mem.pinned = slot
        ops_held = None
        if ops is not None:
            ops_held, ops.pinned = ops.pinned, slot
        calls = self.hardirq_calls
        calls[cpu] += 1
        try:
            if self.runner is not None:
                self._check_current(machine, cpu)
            if self._vectored:
                self._vectored_irq(machine, cpu)
            else:
                self.kernel.handle_arch_irq(cpu)  # ARM: the model reads the interrupt from the GIC
        finally:
            calls[cpu] -= 1
            io.pinned = mem.pinned = held
            if ops is not None:
                ops.pinned = ops_held

    def irq_window(self, cpu: int) -> bool:
        """Model code on ``cpu`` has interrupts enabled inside a stopping host call
        (``__do_softirq`` at irq_exit, between vectors). The devices catch up to the
        core's local time; if an interrupt is then deliverable, the core runs
        kernel.elf's ``irq_window`` (a plain return) and takes it at its first
        instruction, as the real core takes it wherever ``__do_softirq`` is: the IRQ
        stub pushes a new frame below the interrupted one on the same stack and makes
        a nested ``handle_arch_irq`` host call. True if the core took one."""
        machine = self.machine
        slot = machine.cpus[cpu]
        self.irq_windows["opened"] += 1
        catch_up(machine, slot)
        if self._window is None or not slot.core.deliverable():
            return False
        machine.call(cpu, self._window, preserve=True)
        self.irq_windows["nested"] += 1
        return True

    def _vectored_irq(self, machine: Any, cpu: int) -> None:
        # x86: the stub passes the vector (its ~orig_ax) as its first argument
        # (firmware/x86_64/kernel.S common_interrupt); the root irqchip (irq_apic's
        # do_IRQ entry) takes it
        vector = machine.arch.call_arg(machine.cpus[cpu].core, 0) & 0xFF
        chip = self.kernel.irqchip
        assert isinstance(chip, X86Apic), "a vectored interrupt needs the x86 APIC driver"
        chip.handle_arch_irq(vector)

    def _hc_kernel_start(self, machine: Any, cpu: int) -> None:
        if self.on_start is not None:
            self.on_start(self)

    def boot_secondaries(self, cpus: Any = None) -> None:
        """smp_init: start CPUs (default all but 0) at kernel.elf's secondary entry, by
        the enable method the kernel.elf provides for (:data:`SMP_ENABLE_METHODS`): PSCI
        CPU_ON (virt), INIT/SIPI (pc), else the i.MX6 SRC as imx_boot_secondary does.
        Each CPU runs when the machine next schedules it; its ``secondary_start``
        host call marks it online. A failure is printk'd as __cpu_up does."""
        boot: Callable[[KernelPlatform, int], int] = _boot_imx_src
        for symbol, method in SMP_ENABLE_METHODS:
            if symbol in self.image.symbols:
                boot = method
                break
        for cpu in (range(1, self.kernel.num_cpus) if cpus is None else cpus):
            ret = boot(self, cpu)
            if ret:
                self.kernel.printk(f"CPU{cpu}: failed to boot: {ret}", level=3)

    def symbol(self, name: str) -> int:
        """The address of kernel.elf symbol ``name``; a one-line error if it has none."""
        addr = self.image.symbols.get(name)
        if addr is None:
            raise ValueError(f"{self.image.path}: no symbol {name!r}")
        return addr

    def guest_function(self, symbol: str) -> Callable[..., int]:
        """Guest code of kernel.elf as a model function: a call runs ``symbol`` on the
        calling CPU (``Machine.call`` with every register preserved) and returns its
        result. Only from a stopping host call (not an inline one)."""
        addr = self.symbol(symbol)
        machine = self.machine

        def call(*args: int) -> int:
            cpu = self.kernel.ops.smp_processor_id()
            return int(machine.call(cpu, addr, *args, preserve=True)[0])

        call.__name__ = symbol
        return call

    def _hc_secondary_start(self, machine: Any, cpu: int) -> None:
        """secondary_start_kernel: bring this CPU's interrupt controller interface up."""
        self.online.add(cpu)
        if self.on_secondary is not None:
            self.on_secondary(self, cpu)
        else:
            chip = self.kernel.irqchip
            if chip is not None:
                chip.starting_cpu()

    def _hc_cpu_idle(self, machine: Any, cpu: int) -> None:
        if self.on_idle is not None:
            self.on_idle(self, cpu)


# -- how a kernel.elf starts its secondary CPUs (Linux: smp_ops, cpu_ops' enable-method) ------
def _boot_imx_src(plat: KernelPlatform, cpu: int) -> int:
    """i.MX6: the entry into SRC_GPR, then the core's enable bit (imx_boot_secondary)."""
    return imx_boot_secondary(plat.kernel, plat.io, cpu, plat.symbol("secondary_startup"))


def _boot_psci(plat: KernelPlatform, cpu: int) -> int:
    """arm64 enable-method "psci": CPU_ON through the guest's hvc conduit."""
    invoke: PsciInvoke = plat.guest_function("__invoke_psci_fn_hvc")
    return psci_boot_secondary(invoke, cpu, plat.symbol("secondary_startup"))


def _boot_init_sipi(plat: KernelPlatform, cpu: int) -> int:
    """x86 native_cpu_up: the logical CPU's APIC ID where the trampoline looks it up
    (physflat, as the MADT lists them: APIC ID = CPU number), then do_boot_cpu's
    INIT/SIPI/SIPI to the trampoline page."""
    chip = plat.kernel.irqchip
    if not isinstance(chip, X86Apic):
        raise ValueError("INIT/SIPI bring-up needs the x86 APIC driver (x86_apic_init first)")
    apicid = cpu
    me = plat.kernel.ops.smp_processor_id()
    plat.mem.write(me, plat.symbol("cpuid_to_apicid") + cpu, bytes([apicid]))
    return chip.do_boot_cpu(apicid, cpu, plat.symbol("trampoline_base"))


#: (kernel.elf symbol that marks the method, how it boots a CPU), first match wins;
#: a kernel.elf with neither starts its secondaries through the i.MX6 SRC
SMP_ENABLE_METHODS: tuple[tuple[str, Callable[[KernelPlatform, int], int]], ...] = (
    ("__invoke_psci_fn_hvc", _boot_psci),
    ("trampoline_start", _boot_init_sipi),
)


# -- the scheduler on the cores ---------------------------------------------------------------
#: ARMv7's 8 KiB kernel stacks, thread_info at the bottom (a kernel.elf may say otherwise
#: with its ``THREAD_SIZE`` symbol: 16 KiB on arm64 and x86-64)
THREAD_SIZE = 0x2000
#: where ARMv7 kernel.elf's model tasks get their stacks (+ pid * THREAD_SIZE); a kernel.elf
#: may say otherwise with its ``task_stacks`` symbol
TASK_STACKS = 0x10200000


class CoreRunner:
    """The :class:`~irqemu.kernel.sched.Sched` backend that runs tasks on the cores.

    Every task is a register context on its core. The idle task (swapper/N) is
    kernel.elf's idle loop; a model task (a kthread: irq thread, ksoftirqd, ...)
    runs ``task_loop``, which makes one ``task_step`` host call per slice of the
    task's model work, so between slices the core is in guest code with its real
    mask bits and takes pending hard IRQs there; inside a slice, where the model
    has interrupts on (between softirq vectors, between NAPI polls) it takes them
    nested (:meth:`irq_window`), so a slice delays a hard IRQ by at most one vector
    or poll, as in Linux. Switching task = saving the
    core's Unicorn context into the old task and restoring the new one's, inside
    a stopping host call: at ``cpu_idle`` (the idle loop), at ``task_step`` (a
    task yields, sleeps or is preempted) and when the outermost hard IRQ returns
    with need_resched set (``__irq_svc``'s preempt_schedule_irq; the interrupted
    context, inside the IRQ stub, resumes later and returns from the exception).

    Each task's stack is ``THREAD_SIZE`` aligned with its pid at the bottom
    (thread_info), so ``sp & ~(THREAD_SIZE - 1)`` in the guest's IRQ stub finds
    the same task the model calls ``current`` (ARM); where the kernel.elf keeps
    current in a per-CPU variable (x86's ``current_task`` through %gs), its
    ``__switch_to`` runs on the new stack right after each switch to update it.
    The platform counts agreements in ``current_checks``. Registers that belong
    to the CPU rather than the task (``Arch.percpu_regs``: x86's GS base) stay
    with the core when a task's context moves to another CPU.
    """

    def __init__(self) -> None:
        self.kernel: Any = None
        self.sched: Any = None
        self.platform: KernelPlatform | None = None
        self.switches = 0
        #: slices suspended by preempt_irq (a task preempted inside a NAPI poll)
        self.preemptions = 0
        self.thread_size = THREAD_SIZE  #: set from kernel.elf by scheduler_platform
        self.task_stacks = TASK_STACKS
        #: kernel.elf's __switch_to (updates a per-CPU current), if it has one
        self.switch_to: int | None = None
        #: per CPU: the task whose slice (a task_step host call) is running there
        self._slice: dict[int, Any] = {}

    def attach(self, kernel: Any, sched: Any) -> None:
        self.kernel = kernel
        self.sched = sched

    # -- Backend --------------------------------------------------------------------------
    def kick(self, cpu: int) -> None:
        """A task woke on another CPU: send it a reschedule IPI, as smp_send_reschedule."""
        me = self.kernel.ops.smp_processor_id()
        if cpu != me and self.kernel.irqchip is not None:
            self.kernel.smp_cross_call(frozenset({cpu}), 2)  # IPI_RESCHEDULE

    def irq_window(self, cpu: int) -> None:
        """Model code with interrupts on: the platform lets the core take a pending hard
        IRQ now, nested in the host call (:meth:`KernelPlatform.irq_window`), as Linux
        takes it wherever the code is. In ``__do_softirq`` at irq_exit (inside a hard
        IRQ's host call, the softirq count held so the nested IRQ's return cannot
        preempt) and in a task's slice (ksoftirqd's vectors and NAPI polls, the
        softirqs an irq thread runs at local_bh_enable): there a woken task takes the
        CPU when the slice ends (:meth:`irq_return`)."""
        plat = self.platform
        if plat is None:
            return
        count = self.kernel.preempt_count[cpu]
        if count & HARDIRQ_MASK:
            return
        if plat.hardirq_calls[cpu]:
            if not count & SOFTIRQ_OFFSET:
                return
        elif cpu not in self._slice:
            return
        if not self.kernel.ops.irqs_disabled():
            plat.irq_window(cpu)

    def irq_return(self, cpu: int) -> None:
        """The outermost hard IRQ returns: preempt if a higher-priority task woke. Not
        while it interrupted a task's slice (its model frames are on the host stack):
        need_resched stays set and the task yields the CPU when the slice ends, at
        most a softirq vector or a NAPI poll later, unless the slice is a NAPI poll
        with per-packet windows in a preemptible task (:meth:`preempt_irq`)."""
        rq = self.sched.rq[cpu]
        if rq.need_resched and not self.kernel.preempt_count[cpu] \
                and cpu not in self._slice:
            self.switch(cpu)

    def preempt_irq(self, cpu: int) -> None:
        """preempt_schedule_irq inside a slice (NAPI's per-packet window): the slice's
        task is preemptible (preempt_count 0: an irq thread or ksoftirqd on PREEMPT_RT,
        where softirqs hold no count) and a higher-priority RT model task woke. Its
        model frames stay suspended on the host stack (migrate_disable'd, as RT's
        local_bh_disable does) while the woken task's slices run nested; then it
        resumes where it stopped. Elsewhere need_resched waits for the slice's end."""
        plat = self.platform
        prev = self._slice.get(cpu)
        rq = self.sched.rq[cpu]
        if plat is None or prev is None or plat.hardirq_calls[cpu] or not rq.need_resched \
                or self.kernel.preempt_count[cpu] or rq.rt_throttled:
            return
        if not self._nests(prev, self.sched.pick_next_task(cpu)):
            return
        self.preemptions += 1
        pinned, prev.cpus_allowed = prev.cpus_allowed, frozenset({cpu})
        in_pass = self.sched._in_pass.get(cpu)
        try:
            self.switch(cpu)
            self._run_nested(cpu, prev)
        finally:
            prev.cpus_allowed = pinned
            self._slice[cpu] = prev
            if in_pass is not None:
                self.sched._in_pass[cpu] = in_pass

    def _nests(self, prev: Any, nxt: Any) -> bool:
        """May ``nxt`` run nested over ``prev``'s suspended slice: an RT model task above it."""
        return nxt is not prev and nxt.fn is not None and nxt is not self.sched.rq[nxt.cpu].idle \
            and is_rt(nxt) and (not is_rt(prev) or nxt.rt_priority > prev.rt_priority)

    def _run_nested(self, cpu: int, prev: Any) -> None:
        """Run the current task's slices until ``prev`` is current again; hard IRQs are
        taken between slices (the task's guest loop would take them there). A pick that
        cannot run nested (throttling, a task below ``prev``) resumes ``prev`` with
        need_resched left set, so it yields at its slice's end."""
        assert self.platform is not None
        sched = self.sched
        rq = sched.rq[cpu]
        while rq.curr is not prev:
            curr = rq.curr
            self._slice[cpu] = curr
            result = sched.task_step(curr)
            sched.update_curr(cpu)
            self.platform.irq_window(cpu)
            if result == "yield" and not rq.need_resched and sched._queued(curr):
                continue
            nxt = sched.pick_next_task(cpu)
            if nxt is prev or self._nests(prev, nxt):
                self.switch(cpu)
            else:
                self.switch(cpu, resume=prev)
                rq.need_resched = True

    # -- host-call side --------------------------------------------------------------------
    def _core(self, cpu: int) -> Core:
        assert self.platform is not None
        return self.platform.machine.cpus[cpu].core

    def switch(self, cpu: int, resume: Any = None) -> None:
        """schedule() on ``cpu`` and, if it picks another task, swap register contexts
        (``resume``: to that task, see :meth:`Sched.schedule`)."""
        sched = self.sched
        rq = sched.rq[cpu]
        prev = rq.curr
        nxt = sched.schedule(cpu, resume)
        if nxt is prev:
            return
        core = self._core(cpu)
        assert self.platform is not None
        machine = self.platform.machine
        percpu = [(r, core.reg_read(r)) for r in machine.arch.percpu_regs]
        prev.data["uc_context"] = core.uc.context_save()
        ctx = nxt.data.get("uc_context")
        if ctx is not None:
            core.uc.context_restore(ctx)
            for reg, value in percpu:
                core.reg_write(reg, value)
        else:
            self._start_task(core, nxt)
        if self.switch_to is not None:
            machine.call(cpu, self.switch_to, preserve=True)
        self.switches += 1

    def _start_task(self, core: Core, task: Any) -> None:
        """A task's first run: its own stack, thread_info, and task_loop as the
        return address of the host call being returned from."""
        assert self.platform is not None
        machine = self.platform.machine
        assert machine.image is not None
        base = self.task_stacks + task.pid * self.thread_size
        machine.mem_write(base, task.pid.to_bytes(machine.arch.word_bytes, "little"))
        machine.arch.start_task(core, base + self.thread_size, machine.image.symbols["task_loop"])

    def task_step(self, cpu: int) -> None:
        """One slice of ``current``; then schedule if it slept, ended or must yield."""
        sched = self.sched
        rq = sched.rq[cpu]
        curr = rq.curr
        if curr is rq.idle:
            self.switch(cpu)
            return
        self._slice[cpu] = curr
        try:
            result = sched.task_step(curr)
        finally:
            del self._slice[cpu]
        sched.update_curr(cpu)
        if result != "yield" or rq.need_resched or not sched._queued(curr):
            self.switch(cpu)

    def cpu_idle(self, cpu: int) -> None:
        rq = self.sched.rq[cpu]
        if rq.need_resched or self.sched.pick_next_task(cpu) is not rq.idle:
            self.switch(cpu)


def scheduler_platform(machine: Machine, kernel: Kernel,
                       on_start: Callable[[KernelPlatform], None] | None = None,
                       **kw: Any) -> KernelPlatform:
    """A KernelPlatform whose kernel's scheduler runs on the cores (:class:`CoreRunner`).

    The kernel must have been built with ``sched=Sched(backend=CoreRunner())``.
    Works the same on every board whose kernel.elf has ``task_loop`` (imx6q's
    ARMv7, virt-a53's AArch64, the pc's x86-64): ``on_start(platform)`` runs at
    kernel_start on CPU 0 with interrupts masked (init the irqchip, request
    IRQs, spawn tasks there); call ``platform.boot_secondaries()`` from it to
    bring the other CPUs up (SRC, PSCI or INIT/SIPI as the kernel.elf does).
    Other keyword arguments go to :class:`KernelPlatform` (``on_secondary``).
    """
    runner = getattr(kernel.sched, "backend", None)
    if not isinstance(runner, CoreRunner):
        raise ValueError("build the Kernel with sched=Sched(backend=CoreRunner())")
    plat = KernelPlatform(machine, kernel, on_start=on_start, inline=(),
                          on_idle=lambda p, cpu: runner.cpu_idle(cpu), **kw)
    sym = plat.image.symbols
    if "task_loop" not in sym:
        raise ValueError(f"{plat.image.path}: no task_loop (a kernel.elf that runs tasks "
                         "on the cores)")
    runner.platform = plat
    runner.thread_size = sym.get("THREAD_SIZE", THREAD_SIZE)
    runner.task_stacks = sym.get("task_stacks", TASK_STACKS)
    runner.switch_to = sym.get("__switch_to")
    plat.runner = runner
    # swapper/0's thread_info: the bottom of CPU0's boot stack
    width = machine.arch.word_bytes
    if "init_thread_info" in sym:
        machine.mem_write(sym["init_thread_info"], bytes(width))
    elif "__stack_svc_top" in sym:  # ARMv7 common.S: the SVC stack's top
        bottom = (sym["__stack_svc_top"] - 1) & ~(runner.thread_size - 1)
        machine.mem_write(bottom, bytes(width))
    return plat
