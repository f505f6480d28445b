"""The machine: cores, shared RAM, the MMIO bus, devices and simulated time.

The run loop advances simulated time in rounds. A round's target is the
earlier of ``now + quantum`` and the next event; each runnable core executes
until its own clock reaches the target (or it sleeps in WFI, exits, ...);
then the events due by the target fire. Cores that idle in WFI cost no host
time: they are skipped and their clock jumps to the time they are woken.
Everything the guest can observe is derived from simulated time.
"""

from __future__ import annotations

import mmap
import time
from collections.abc import Callable

from irqemu._core import (
    ACCESS_FETCH,
    ACCESS_READ,
    ACCESS_WRITE,
    Core,
    MmioHandler,
    StopReason,
    open_uc,
    ucconst,
)
from irqemu._core.common import FabricCore
from irqemu._core.ucerror import UcError
from irqemu.arch import Arch
from irqemu.errors import GuestError
from irqemu.machine.bus import Window
from irqemu.machine.elf import MACHINE_NAMES, ElfImage, ElfLoadError, read_elf
from irqemu.sim import Clock, EventQueue
from irqemu.sim.events import Event
from irqemu.timing import BlockCoster, CostModel
from irqemu.timing.insnsplit import InsnSplitter

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any, cast
else:
    def cast(_typ: object, val: object) -> object:
        """typing.cast, which returns ``val`` as it is."""
        return val

#: translated-code buffer per core (QEMU's tb_flush empties it when full)
TCG_BUFFER_BYTES = 32 << 20
#: instructions one core run may execute; a run that ends there with the core's cycle
#: count unchanged means simulated time has stopped (a cost model with zero-cost blocks)
STALL_INSTRUCTIONS = 1_000_000

#: each called as hook(machine) at the end of every Machine's construction, before
#: its board adds devices (``irqemu record`` attaches its hardware probes here)
MACHINE_CREATED: list[Callable[[Machine], None]] = []

# Core run states
RUNNING, ASLEEP, HELD, EXITED = "running", "wfi", "held", "exited"
# Stop reasons as plain ints: compared on every stop of the run loop and of a call
_DEADLINE, _IRQ, _WFI = int(StopReason.DEADLINE), int(StopReason.IRQ), int(StopReason.WFI)
_HOSTCALL, _EXCEPTION = int(StopReason.HOSTCALL), int(StopReason.EXCEPTION)
_FAULT, _ERROR = int(StopReason.FAULT), int(StopReason.ERROR)
_M64 = (1 << 64) - 1


class CpuSlot:
    """A core plus the machine's view of it.

    CpuSlot and RunResult are written out as @dataclass would make them (init, repr,
    eq): making a dataclass costs about a millisecond of a boot's start-up
    (tests/cli/test_startup.py checks they behave as the dataclasses would)."""

    __match_args__ = ("index", "core", "clock", "state", "idle_cycles", "interrupts",
                      "asserted_at")

    def __init__(self, index: int, core: Core, clock: Clock, state: str = RUNNING,
                 idle_cycles: int = 0, interrupts: dict[str, int] | None = None,
                 asserted_at: dict[int, int] | None = None) -> None:
        self.index = index
        self.core = core
        self.clock = clock
        self.state = state
        self.idle_cycles = idle_cycles
        self.interrupts: dict[str, int] = {} if interrupts is None else interrupts
        #: simulated time at which each interrupt input last went from low to high
        self.asserted_at: dict[int, int] = {} if asserted_at is None else asserted_at

    def __repr__(self) -> str:
        return _repr(self, CpuSlot.__match_args__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        keys = CpuSlot.__match_args__
        return _fields(self, keys) == _fields(other, keys)

    __hash__ = None  # type: ignore[assignment]

    def local_ps(self) -> int:
        return self.clock.to_ps(self.core.cycles)


class RunResult:
    """How a run ended and what it cost (modelled) and took (host)."""

    __match_args__ = ("stop_reason", "exit_code", "sim_time_ps", "cycles", "idle_cycles",
                      "instructions", "interrupts", "host_seconds", "message")

    def __init__(self, stop_reason: str, exit_code: int | None, sim_time_ps: int,
                 cycles: list[int], idle_cycles: list[int], instructions: list[int],
                 interrupts: list[dict[str, int]], host_seconds: float,
                 message: str = "") -> None:
        self.stop_reason = stop_reason
        self.exit_code = exit_code
        self.sim_time_ps = sim_time_ps
        self.cycles = cycles
        self.idle_cycles = idle_cycles
        self.instructions = instructions
        self.interrupts = interrupts
        self.host_seconds = host_seconds
        self.message = message

    def __repr__(self) -> str:
        return _repr(self, RunResult.__match_args__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        keys = RunResult.__match_args__
        return _fields(self, keys) == _fields(other, keys)

    __hash__ = None  # type: ignore[assignment]

    @property
    def host_mips(self) -> float:
        """Guest instructions per host second, in millions (a host figure)."""
        if self.host_seconds <= 0:
            return 0.0
        return sum(self.instructions) / self.host_seconds / 1e6


def _fields(obj: object, names: tuple[str, ...]) -> tuple[Any, ...]:
    """A written-out record's fields in order (what a dataclass's ``==`` compares)."""
    return tuple(getattr(obj, n) for n in names)


def _repr(obj: object, names: tuple[str, ...]) -> str:
    """A written-out record's repr, as a dataclass's."""
    inner = ", ".join(f"{n}={getattr(obj, n)!r}" for n in names)
    return f"{type(obj).__qualname__}({inner})"


class Machine:
    """Cores sharing one RAM buffer, an MMIO bus and a deterministic event queue."""

    def __init__(
        self,
        arch: Arch,
        cost_model: CostModel,
        *,
        num_cpus: int = 1,
        cpu_model: str = "cortex-a9",
        hz: int | None = None,
        engine: str = "native",
        fabric: str | None = None,
        quantum_cycles: int = 10_000,
        hostcall_base: int = 0xFFFE0000,
        semihosting: bool = True,
    ) -> None:
        if num_cpus < 1:
            raise ValueError("a machine needs at least one CPU")
        if quantum_cycles < 1:
            raise ValueError("quantum must be at least one cycle")
        self.arch = arch
        self.cost_model = cost_model
        self.num_cpus = num_cpus
        self.engine = engine
        self.quantum_cycles = quantum_cycles
        #: None: every round lasts ``quantum_cycles`` (loops whose length divides it meet
        #: its end at the same instruction each time). A seed: each round's length is
        #: drawn in [1, quantum_cycles] from the seed and the round's start time, so
        #: cores interleave at varying instructions, as bus and cache timing vary them
        #: on hardware, and the same seed gives the same interleaving on every engine
        self.interleave_seed: int | None = None
        self.semihosting = semihosting
        hz = hz or cost_model.hz
        #: the native interrupt fabric (native engine): one C event queue for every
        #: device, time and CPU inputs for the native device models; None: all Python
        self.fabric: Any = None
        fabric = fabric or ("native" if engine == "native" else "python")
        if fabric not in ("native", "python"):
            raise ValueError(f"unknown fabric {fabric!r} (native or python)")
        if fabric == "native" and engine != "native":
            raise ValueError("the native fabric needs the native engine")
        if fabric == "native":
            from irqemu._core import native_fabric_class

            self.fabric = native_fabric_class()(hz, num_cpus, self)
            self.events = self.fabric.events
        else:
            self.events = EventQueue()
        self.events.on_schedule = self._on_schedule
        self._now_ps = 0
        self._running_slot: CpuSlot | None = None
        self._ram: list[tuple[int, int, mmap.mmap]] = []
        #: the RAM region mem_read/mem_write used last (base, end, buffer): most runs of
        #: accesses stay in one
        self._ram_hit: tuple[int, int, mmap.mmap | bytearray] = (0, -1, bytearray())
        self._windows: list[Window] = []
        self.devices: dict[str, Any] = {}
        self.console = bytearray()
        self.console_echo: Callable[[bytes], None] | None = None
        self.image: ElfImage | None = None
        self.hostcall_base = hostcall_base
        self._hostcalls: dict[int, Callable[[Machine, int], None]] = {}
        self._mask_invert = arch.mask_invert
        self._call_return: int | None = None
        self._finished: tuple[str, int | None, str] | None = None
        self._cpu_model = cpu_model
        #: called as probe(cpu, line, asserted_ps, vector_ps) each time a core takes an
        #: interrupt: the input's rising edge and the time its vector starts executing
        self.latency_probe: Callable[[int, int, int, int], None] | None = None
        #: each called as hook(cpu, line, pc, ps) when a core takes an interrupt: the PC it
        #: interrupted (before the entry moved it) at the core's time; while any is set,
        #: interrupts are taken by the machine's entry (as with a latency probe), not in C
        self.interrupt_hooks: list[Callable[[int, int, int, int], None]] = []
        #: the board's interrupt controller (has ``ack_counts``) and its line names
        self.irq_controller: Any = None
        #: the board's I/O-port bus (x86), if it has one
        self.io_ports: Any = None
        #: a board's extra condition for an input to wake a core from WFI (the i.MX6
        #: GPC in low-power modes); None: every input the arch allows wakes it
        self.wake_filter: Callable[[CpuSlot, int], bool] | None = None
        self.irq_line_names: dict[int, str] = {}
        #: how the native engine takes interrupts in C (None: the arch's Python entry)
        self._native_entry = arch.native_entry()
        self.cpus: list[CpuSlot] = []
        #: the memory hierarchy model (``machine.cachemodel.attach_cache``), or None
        self.cache: Any = None
        core_cls = self._core_class(engine)
        for i in range(num_cpus):
            uc = open_uc(engine, arch.uc_arch, arch.uc_mode)
            if i and hasattr(uc, "defer_setup"):
                # held in reset: the native handle queues its set-up until the core is
                # released or otherwise used (Unicorn's machine init is most of a core)
                uc.defer_setup()
            if cpu_model not in arch.cpu_models:
                raise ValueError(f"unknown CPU model {cpu_model!r} for {arch.name} "
                                 f"(known: {', '.join(arch.cpu_models)})")
            uc.ctl_set_cpu_model(arch.cpu_models[cpu_model])
            # Unicorn reserves 1 GiB of translated code per core by default; a guest
            # running through fresh RAM fills it. Bounded, QEMU flushes and retranslates.
            uc.ctl_set_tcg_buffer_size(TCG_BUFFER_BYTES)  # type: ignore[attr-defined]  # not in its stubs
            uc.ctl_exits_enabled(True)
            uc.ctl_set_exits([])
            coster = BlockCoster(cost_model, arch, None, uc.mem_read)
            core = core_cls(uc, i, coster, pc_reg=arch.pc_reg, mask_reg=arch.mask_reg,
                            mask_shifts=arch.mask_shifts,
                            host_range=(hostcall_base, hostcall_base + 0x1000),
                            mmio_cost=cost_model.event("mmio_access"),
                            thumb_reg=arch.thumb_reg, thumb_shift=arch.thumb_shift,
                            mask_invert=arch.mask_invert)
            coster.regs = core
            core.splitter = InsnSplitter(cost_model, arch, core, uc.mem_read)
            core.insn_budget = STALL_INSTRUCTIONS
            if self.fabric is not None:
                core.attach_fabric(self.fabric)
                entry = self._native_entry
                if entry is not None:
                    core.set_native_entry(*entry, cost_model.event("exception_entry"))
            slot = CpuSlot(i, core, Clock(hz), HELD if i else RUNNING)
            self.cpus.append(slot)
            arch.attach(self, slot)  # per-core arch state and hooks: MRS/MSR traps, port I/O
        page = bytearray(arch.hostcall_fill * (0x1000 // len(arch.hostcall_fill)))
        # Read-only to the guest (irqemu fills it through the host buffer): a guest
        # write there is the architecture's abort or a one-line error (_fault).
        self.add_ram(hostcall_base, 0x1000, bytes(page),
                     prot=ucconst.UC_PROT_READ | ucconst.UC_PROT_EXEC)
        for hook in MACHINE_CREATED:
            hook(self)

    # The machine's time and running core, mirrored into the native fabric (whose
    # devices read them in C) when there is one.
    @property
    def _now(self) -> int:
        return self._now_ps if self.fabric is None else int(self.fabric.now_ps)

    @_now.setter
    def _now(self, value: int) -> None:
        self._now_ps = value
        if self.fabric is not None:
            self.fabric.now_ps = value

    @property
    def _running(self) -> CpuSlot | None:
        return self._running_slot

    @_running.setter
    def _running(self, slot: CpuSlot | None) -> None:
        self._running_slot = slot
        if self.fabric is not None:
            self.fabric.running = -1 if slot is None else slot.index

    def _fabric_solo(self, slot: CpuSlot) -> bool:
        """May ``slot``'s core run its rounds in C (``Core.run_fabric``)? Only as the
        one runnable core, with nothing in Python that watches each interrupt (a
        latency probe) or decides a wake-up (a board's wake filter)."""
        if (self.fabric is None or self.latency_probe is not None or self.interrupt_hooks
                or self.wake_filter is not None or self._native_entry is None
                or self.interleave_seed is not None):  # C's rounds have a fixed length
            return False
        return all(s is slot or s.state != RUNNING for s in self.cpus)
    @staticmethod
    def _core_class(engine: str) -> type:
        from irqemu._core import native_core_class, reference_core_class

        if engine == "native":
            return native_core_class()
        if engine == "reference":
            return reference_core_class()
        raise ValueError(f"unknown engine {engine!r} (native or reference)")

    # -- memory ----------------------------------------------------------
    def add_ram(self, base: int, size: int, init: bytes = b"",
                prot: int = ucconst.UC_PROT_ALL) -> None:
        """Map ``size`` bytes of RAM at ``base`` into every core (one shared host buffer);
        ``prot`` is what the guest may do there (``mem_write`` may always write)."""
        buf = mmap.mmap(-1, size)
        if init:
            buf[: len(init)] = init
        import ctypes

        ptr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
        for slot in self.cpus:
            slot.core.uc.mem_map_ptr(base, size, prot, ptr)
        self._ram.append((base, size, buf))
        if self.cache is not None:
            self.cache.add_ram(base, size)

    def add_window(self, base: int, size: int, name: str) -> Window:
        """Map a page-aligned MMIO window into every core."""
        win = Window(base, size, name)
        for slot in self.cpus:
            slot.core.map_mmio(base, size, win)
        self._windows.append(win)
        return win

    def add_device(self, name: str, device: Any, base: int, size: int) -> Any:
        """Map ``device`` at [base, base+size) inside an MMIO window; a native device's
        guest accesses then go to it in C (the window still routes model accesses)."""
        for win in self._windows:
            if win.base <= base < win.base + win.size:
                win.add(base, size, device)
                self.devices[name] = device
                if self.fabric is not None and self.fabric.is_native(device):
                    for slot in self.cpus:
                        cast(FabricCore, slot.core).map_native(base, size, device)
                return device
        raise ValueError(f"device {name} at {base:#x} is in no MMIO window")

    def _window_at(self, address: int) -> tuple[Window, int]:
        for win in self._windows:
            if win.base <= address < win.base + win.size:
                return win, address - win.base
        raise GuestError(f"no device window at {address:#x}")

    def device_at(self, address: int) -> tuple[MmioHandler, int]:
        """The model a register access at ``address`` reaches and the offset in it: the
        device mapped there, or the MMIO window itself where none is (reads 0, writes
        ignored, both logged as unimplemented). GuestError outside every window."""
        win, off = self._window_at(address)
        found = win.find(address)
        return (win, off) if found is None else (found[1], address - found[0])

    def mmio_read(self, cpu: int, address: int, size: int) -> int:
        """A device register read on behalf of ``cpu`` (model code, not the guest)."""
        win, off = self._window_at(address)
        return win.mmio_read(cpu, off, size)

    def mmio_write(self, cpu: int, address: int, size: int, value: int) -> None:
        """A device register write on behalf of ``cpu`` (model code, not the guest)."""
        win, off = self._window_at(address)
        win.mmio_write(cpu, off, size, value)

    def _ram_at(self, address: int, size: int) -> tuple[int, mmap.mmap] | None:
        for base, rsize, buf in self._ram:
            if base <= address and address + size <= base + rsize:
                self._ram_hit = (base, base + rsize, buf)
                return address - base, buf
        return None

    def ram_view(self, address: int, size: int) -> tuple[int, mmap.mmap] | None:
        """The RAM region holding [address, address+size): its base and the host buffer
        the cores map (writable; typed native views of DMA rings), or None."""
        hit = self._ram_at(address, size)
        return None if hit is None else (address - hit[0], hit[1])

    def has_memory(self, address: int, size: int) -> bool:
        """Is [address, address+size) inside one RAM region?"""
        return self._ram_at(address, size) is not None

    def mem_read(self, address: int, size: int) -> bytes:
        """``size`` bytes of guest RAM at ``address`` (GuestError where it is not RAM)."""
        base, end, buf = self._ram_hit  # the region last used, else the search
        if not base <= address <= end - size:
            hit = self._ram_at(address, size)
            if hit is None:
                raise GuestError(f"memory read of {size} bytes at {address:#x}: not RAM")
            base, buf = address - hit[0], hit[1]
        return bytes(buf[address - base: address - base + size])

    def mem_write(self, address: int, data: bytes) -> None:
        """Write ``data`` into guest RAM at ``address``, read-only pages included."""
        base, end, buf = self._ram_hit  # the region last used, else the search
        size = len(data)
        if not base <= address <= end - size:
            hit = self._ram_at(address, size)
            if hit is None:
                raise GuestError(f"memory write of {size} bytes at {address:#x}: not RAM")
            base, buf = address - hit[0], hit[1]
        buf[address - base: address - base + size] = data

    def read_cstring(self, address: int, limit: int = 4096) -> bytes:
        """The NUL-terminated string at ``address`` (without the NUL; at most ``limit``)."""
        out = bytearray()
        while len(out) < limit:
            b = self.mem_read(address + len(out), 1)
            if b == b"\0":
                break
            out += b
        return bytes(out)

    # -- loading ---------------------------------------------------------
    def load_elf(self, path: str, image: ElfImage | None = None) -> ElfImage:
        """Load an ELF's segments into RAM and point CPU 0 at its entry (``image``:
        ``read_elf(path)`` when the caller has already parsed it)."""
        if image is None:
            image = read_elf(path)
        if image.machine != self.arch.elf_machine:
            got = MACHINE_NAMES.get(image.machine, image.machine)
            want = MACHINE_NAMES.get(self.arch.elf_machine, self.arch.elf_machine)
            raise ElfLoadError(f"{path}: ELF is for {got} ({image.machine}); this board's "
                               f"cores are {want}")
        for seg in image.segments:
            if self._ram_at(seg.address, max(seg.memsz, 1)) is None:
                raise ElfLoadError(f"{path}: segment at {seg.address:#x} (+{seg.memsz:#x}) "
                                   "is outside RAM")
        for seg in image.segments:
            self.mem_write(seg.address, seg.data + bytes(seg.memsz - len(seg.data)))
        self.image = image
        self.arch.reset(self.cpus[0].core, image.entry)
        return image

    # -- services for devices --------------------------------------------
    @property
    def current_cpu(self) -> CpuSlot | None:
        """The core whose run (or host call) is executing now; None between runs."""
        return self._running_slot

    def now(self, cpu: int | None = None) -> int:
        """Simulated time in picoseconds; inside a core's run, that core's local time."""
        if self.fabric is not None:  # also right while the fabric fires an event in C
            return int(self.fabric.now_of(-1 if cpu is None else cpu))
        if cpu is not None:
            return self.cpus[cpu].local_ps()
        slot = self._running_slot  # (the _running property's value, without the call)
        if slot is not None:
            return slot.clock.to_ps(slot.core.cycles)  # slot.local_ps()
        return self._now

    def schedule(self, when: int, fn: Callable[[], None], name: str = "") -> Event:
        """Call ``fn()`` at simulated time ``when`` (picoseconds); ties keep their order."""
        return self.events.schedule(when, fn, name)

    def _on_schedule(self, when: int) -> None:
        slot = self._running_slot
        if slot is not None:
            limit = slot.clock.to_cycles(when)
            if limit < slot.core.deadline:
                slot.core.deadline = limit

    def set_cpu_input(self, cpu: int, line: int, level: bool) -> None:
        """An interrupt controller drives core ``cpu``'s input ``line``."""
        slot = self.cpus[cpu]
        core = slot.core
        bit = 1 << line
        if level and not core.pending & bit:
            slot.asserted_at[line] = self.now()
        core.pending = (core.pending | bit) if level else (core.pending & ~bit)
        if level and slot.state == ASLEEP and self._wakes(slot, line):
            self._wake(slot)

    def _wakes(self, slot: CpuSlot, line: int) -> bool:
        """Does input ``line`` end this core's wait (WFI: any interrupt; x86 hlt
        with IF=0: only NMI)? Asks the arch's rule, then the board's ``wake_filter``
        (i.MX6 low-power modes: only GPC-unmasked lines)."""
        if not self.arch.wakes(slot, line):
            return False
        return self.wake_filter is None or bool(self.wake_filter(slot, line))

    def _woken(self, slot: CpuSlot) -> bool:
        """After a WFI/hlt: is an input already asserted that ends the wait?"""
        pending = slot.core.pending
        return bool(pending) and any(pending >> line & 1 and self._wakes(slot, line)
                                     for line in range(4))

    def _wake(self, slot: CpuSlot) -> None:
        if self.fabric is not None:
            self.fabric.another_core_runs()  # a core in run_fabric is no longer alone
        t = self.now()
        target = slot.clock.to_cycles(t)
        if target > slot.core.cycles:
            slot.idle_cycles += target - slot.core.cycles
            slot.core.cycles = target
        slot.state = RUNNING

    def release_cpu(self, cpu: int, entry: int) -> None:
        """Start a secondary core at ``entry`` (as the SoC's reset controller does)."""
        slot = self.cpus[cpu]
        self.arch.reset(slot.core, entry)
        self._wake(slot)

    def hold_cpu(self, cpu: int) -> None:
        """Hold core ``cpu`` in reset (it runs no more until released)."""
        self.cpus[cpu].state = HELD

    def register_hostcall(self, fn: Callable[[Machine, int], None], *,
                          inline: bool = False) -> int:
        """Give ``fn(machine, cpu)`` a host-call address the guest can branch to.

        An ``inline`` host call runs from the engine's block hook without
        stopping the core (about half the host cost); it must not run guest
        code itself (no ``Machine.call``) and returns as the architecture's
        plain return instruction does. Others stop the core and may do anything.
        """
        addr = self.hostcall_base + 4 * (len(self._hostcalls) + 1)
        self._hostcalls[addr] = fn
        if inline:
            ret = self.arch.return_insn
            self.mem_write(addr, ret + bytes(4 - len(ret)))
            for slot in self.cpus:
                slot.core.flush_costs()
                slot.core.uc.ctl_remove_cache(addr, addr + 4)
                slot.core.set_inline_hostcall(addr, self._inline_hostcall)
        return addr

    def _inline_hostcall(self, address: int) -> None:
        slot = self._running_slot  # (the property's getter, without its call)
        if slot is None:
            raise RuntimeError("inline host call outside a core's run")
        self._hostcalls[address](self, slot.index)

    def call(self, cpu: int, function: str | int, *args: int, stack: int | None = None,
             max_cycles: int = 10**9, preserve: bool = False) -> tuple[int, int, int]:
        """Run a guest function on core ``cpu`` until it returns; interrupts stay as
        the guest left them.

        ``function`` is an ELF symbol or an address; ``stack`` (an address),
        when given, becomes the stack pointer for the call. With ``preserve``
        every register is restored afterwards, so the call can be made from
        inside a (stopping) host call, on the stack the guest is using: the
        modelled kernel calling a guest-code handler. Returns ``(result,
        modelled cycles, instructions)`` spent inside the call. Other cores do
        not run; events due meanwhile fire at the end.
        """
        slot = self.cpus[cpu]
        core = slot.core
        if isinstance(function, str):
            if self.image is None or function not in self.image.symbols:
                raise GuestError(f"no symbol {function!r} in the loaded ELF")
            function = self.image.symbols[function]
        ret = self._call_return
        if ret is None:
            ret = self._call_return = self.register_hostcall(lambda m, c: None)
        saved = core.uc.context_save() if preserve else None
        if stack is not None:  # before prepare_call: x86 pushes the return address
            core.reg_write(self.arch.sp_reg, stack)
        self.arch.prepare_call(core, function, list(args), ret)
        c0, i0 = core.cycles, core.instructions
        state, slot.state = slot.state, RUNNING
        outer, self._running = self._running, slot
        try:
            while True:
                reason = self._run_bounded(slot, c0 + max_cycles)
                if reason == _HOSTCALL and core.reg_read(self.arch.pc_reg) == ret:
                    break
                if reason == _DEADLINE:
                    if core.cycles < c0 + max_cycles:
                        continue  # the run's instruction bound, not the deadline
                    raise GuestError(f"call to {function:#x} ran past {max_cycles} cycles "
                                     f"({self.describe_pc(slot)})")
                if reason == _WFI:
                    if not core.pending:
                        raise GuestError(f"call to {function:#x} waits in wfi with nothing "
                                         f"to wake it ({self.describe_pc(slot)})")
                    continue
                self._dispatch(slot, reason)
        finally:
            self._running = outer
            slot.state = state
        result = self.arch.call_result(core)
        if saved is not None:
            core.uc.context_restore(saved)
        return result, core.cycles - c0, core.instructions - i0

    def finish(self, reason: str, exit_code: int | None = None, message: str = "") -> None:
        """End the run after the current step (semihosting exit, a scenario's end, ...):
        the running core stops at its next instruction boundary the engine sees (the
        next block, or a stop point), and no further event fires."""
        if self._finished is None:
            self._finished = (reason, exit_code, message)
        if self._running is not None:
            self._running.core.request_stop()

    def uart_output(self, data: bytes) -> None:
        """A console device transmitted ``data``: kept in ``console``, echoed if asked."""
        self.console += data
        if self.console_echo is not None:
            self.console_echo(data)

    def interrupt_counts(self) -> dict[int, list[int]]:
        """Interrupts acknowledged per controller line, per CPU."""
        ctl = self.irq_controller
        if ctl is None:
            return {}
        return {k: list(v) for k, v in ctl.ack_counts.items() if any(v)}

    def irq_names(self) -> dict[str, str]:
        """The board's name for each interrupt-controller line (``"29": "twd"``)."""
        return {str(k): v for k, v in self.irq_line_names.items()}

    # -- describing where a core is --------------------------------------
    def describe_pc(self, slot: CpuSlot, pc: int | None = None) -> str:
        """``core N, PC 0x... <sym+off>: mnemonic operands`` for error messages."""
        core = slot.core
        if pc is None:
            pc = core.reg_read(self.arch.pc_reg)
        where = f"core {slot.index}, PC {pc:#010x}"
        if self.image is not None:
            sym = self.image.symbolize(pc)
            if sym:
                where += f" <{sym}>"
        try:
            code = b""
            for size in (16, 8, 4, 2):  # x86 instructions are up to 15 bytes long
                try:
                    code = bytes(core.uc.mem_read(pc, size))
                    break
                except UcError:
                    continue
            if not code:
                raise UcError(ucconst.UC_ERR_READ_UNMAPPED)
            insn = next(self.arch.disassembler(core).disasm(code, pc), None)
            if insn is not None:
                where += f": {insn.mnemonic} {insn.op_str}".rstrip()
            else:
                where += f": undecodable {code[:4].hex()}"
        except UcError:
            where += ": (no memory at PC)"
        return where

    # -- the run loop ------------------------------------------------------
    def run(self, *, max_cycles: int | None = None, max_time_ps: int | None = None) -> RunResult:
        """Run until the guest exits, every core idles for good, or a limit is hit."""
        host_start = time.perf_counter()
        self._finished = None
        quantum_ps = max(1, self.cpus[0].clock.to_ps(self.quantum_cycles))
        try:
            while self._finished is None:
                if max_time_ps is not None and self._now >= max_time_ps:
                    self._finished = ("time-limit", None, "")
                    break
                next_ev = self.events.peek_time()
                runnable = [s for s in self.cpus if s.state == RUNNING]
                if not runnable:
                    if next_ev is None:
                        self._finished = ("idle", None, "every core waits in WFI and no "
                                          "event is left that could wake one")
                        break
                    if max_time_ps is not None and next_ev > max_time_ps:
                        # nothing happens before the limit: the run ends there, not at
                        # the next event beyond it
                        self._now = max(self._now, max_time_ps)
                        continue
                    self._now = max(self._now, next_ev)
                    self._fire_due()
                    continue
                target = self._now + (quantum_ps if self.interleave_seed is None
                                      else self._seeded_round_ps())
                if next_ev is not None and next_ev < target:
                    target = max(next_ev, self._now)
                if max_time_ps is not None:
                    target = min(target, max_time_ps)
                for slot in runnable:
                    if slot.state == RUNNING:
                        # a core that ran its rounds in C returns the round it ended in
                        target = self._run_core(slot, target, max_cycles, max_time_ps)
                    if self._finished is not None:
                        break
                live = self.events.peek_time()
                if live is not None and live < target:
                    target = max(live, self._now)
                self._now = max(self._now, target)
                self._fire_due()
        finally:
            self._running = None
        host = time.perf_counter() - host_start
        for slot in self.cpus:  # a core still asleep has idled until now
            if slot.state == ASLEEP:
                target = slot.clock.to_cycles(self._now)
                if target > slot.core.cycles:
                    slot.idle_cycles += target - slot.core.cycles
                    slot.core.cycles = target
        reason, code, message = self._finished
        return RunResult(
            stop_reason=reason,
            exit_code=code,
            sim_time_ps=max([self._now] + [s.local_ps() for s in self.cpus if s.state != HELD]),
            cycles=[s.core.cycles - s.idle_cycles for s in self.cpus],
            idle_cycles=[s.idle_cycles for s in self.cpus],
            instructions=[s.core.instructions for s in self.cpus],
            interrupts=[dict(s.interrupts) for s in self.cpus],
            host_seconds=host,
            message=message,
        )

    def _seeded_round_ps(self) -> int:
        """A round's length under ``interleave_seed``: [1, quantum] cycles, a function of
        the seed and the round's start alone (splitmix64's finaliser mixes them)."""
        x = (cast(int, self.interleave_seed) * 0x9E3779B97F4A7C15 + self._now) & _M64
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
        x ^= x >> 31
        return max(1, self.cpus[0].clock.to_ps(1 + x % self.quantum_cycles))

    def _fire_due(self) -> None:
        while self._finished is None:  # an exit request ends the run: no more events
            ev = self.events.pop_due(self._now)
            if ev is None:
                return
            ev.fn()

    def _run_core(self, slot: CpuSlot, target_ps: int, max_cycles: int | None,
                  max_time_ps: int | None = None) -> int:
        """Run ``slot``'s core to the round's target; returns the target of the round it
        ended in (later than ``target_ps`` if it ran rounds in C)."""
        core = slot.core
        self._running = slot
        try:
            while slot.state == RUNNING and self._finished is None:
                # An event the guest scheduled during this round (a timer it just
                # programmed) may be due before the round's target: stop there.
                due = self.events.peek_time()
                if due is not None and due < target_ps:
                    target_ps = max(due, self._now)
                deadline = slot.clock.to_cycles(target_ps)
                if max_cycles is not None:
                    busy_limit = max_cycles + slot.idle_cycles
                    if core.cycles - slot.idle_cycles >= max_cycles:
                        self.finish("max-cycles", None, f"ran past --max-cycles "
                                    f"{max_cycles} ({self.describe_pc(slot)})")
                        return target_ps
                    deadline = min(deadline, busy_limit)
                if core.cycles >= deadline:
                    return target_ps
                if self._fabric_solo(slot):
                    reason = self._run_fabric(slot, target_ps, max_cycles, max_time_ps)
                    target_ps = cast(FabricCore, core).round_target
                    if reason == _WFI:
                        if not self._woken(slot):
                            slot.state = ASLEEP
                    elif reason != _DEADLINE:
                        self._dispatch(slot, reason)
                    continue
                if core.pending and core.deliverable():
                    self._take_interrupt(slot)
                reason = self._run_bounded(slot, deadline)
                if reason == _DEADLINE:
                    continue
                if reason == _WFI:
                    if not self._woken(slot):
                        slot.state = ASLEEP
                    continue
                self._dispatch(slot, reason)
            return target_ps
        finally:
            self._running = None

    def _run_fabric(self, slot: CpuSlot, target_ps: int, max_cycles: int | None,
                    max_time_ps: int | None) -> int:
        """``Core.run_fabric`` for ``slot``, with the stall check of ``_run_bounded``;
        what C did (interrupts taken, inputs raised, idle time) is brought back into
        the slot, in the order the Python path would have recorded it."""
        core = cast(FabricCore, slot.core)
        none = (1 << 64) - 1
        quantum_ps = max(1, slot.clock.to_ps(self.quantum_cycles))
        core.idle_cycles = slot.idle_cycles
        c0, i0 = core.cycles, core.instructions
        try:
            reason = core.run_fabric(target_ps, quantum_ps,
                                     none if max_time_ps is None else max_time_ps,
                                     none if max_cycles is None else max_cycles)
        finally:
            slot.idle_cycles = core.idle_cycles
            taken, raised = core.collect_taken()
            for line, n in taken:
                name = self.arch.interrupt_name(line)
                slot.interrupts[name] = slot.interrupts.get(name, 0) + n
            slot.asserted_at.update(raised)
        if (reason == _DEADLINE and core.cycles == c0 and core.insn_budget
                and core.instructions - i0 >= core.insn_budget):
            model = self.cost_model.path or self.cost_model.core
            raise GuestError(f"simulated time does not advance: {core.instructions - i0:,} "
                             f"instructions at 0 cycles (cost model {model} has zero-cost "
                             f"instructions) ({self.describe_pc(slot)})")
        return int(reason)

    def _run_bounded(self, slot: CpuSlot, deadline: int) -> int:
        """``core.run(deadline)``, which also returns DEADLINE after ``insn_budget``
        instructions; if all of those cost nothing, simulated time has stopped and no
        limit (--max-cycles, --max-time-ms, the next event) could ever be reached."""
        core = slot.core
        c0, i0 = core.cycles, core.instructions
        reason = core.run(deadline)
        if (reason == _DEADLINE and core.cycles == c0 and core.cycles < deadline
                and core.insn_budget and core.instructions - i0 >= core.insn_budget):
            model = self.cost_model.path or self.cost_model.core
            raise GuestError(f"simulated time does not advance: {core.instructions - i0:,} "
                             f"instructions at 0 cycles (cost model {model} has zero-cost "
                             f"instructions) ({self.describe_pc(slot)})")
        return reason

    # -- what a stop means -------------------------------------------------
    def _dispatch(self, slot: CpuSlot, reason: int) -> None:
        """Act on a stop of ``slot``'s core, in the run loop and in ``call`` alike: take
        the interrupt, run the host call, enter the exception, report the fault or the
        hook's error; STOP needs nothing. DEADLINE and WFI are the caller's to handle."""
        if reason == _IRQ:
            self._take_interrupt(slot)
        elif reason == _HOSTCALL:
            self._hostcall(slot)
        elif reason == _EXCEPTION:
            self._exception(slot, slot.core.intno)
        elif reason == _FAULT:
            self._fault(slot)
        elif reason == _ERROR:
            exc = slot.core.take_error()
            if isinstance(exc, GuestError):
                raise GuestError(f"{exc} ({self.describe_pc(slot)})") from None
            raise exc if exc is not None else RuntimeError("engine error")

    def _take_interrupt(self, slot: CpuSlot) -> None:
        core = slot.core
        cpsr = core.reg_read(self.arch.mask_reg) ^ self._mask_invert
        for line in self.arch.interrupt_order():
            if core.pending & (1 << line) and not (cpsr >> self.arch.mask_shifts[line]) & 1:
                pc = core.reg_read(self.arch.pc_reg) if self.interrupt_hooks else 0
                if self.arch.take_interrupt(self, slot, line) < 0:
                    return  # the arch held it back (an NMI while NMIs are blocked)
                for hook in self.interrupt_hooks:
                    hook(slot.index, line, pc, slot.local_ps())
                core.cycles += self.cost_model.event("exception_entry")
                name = self.arch.interrupt_name(line)
                slot.interrupts[name] = slot.interrupts.get(name, 0) + 1
                if self.latency_probe is not None:
                    self.latency_probe(slot.index, line, slot.asserted_at.get(line, 0),
                                       slot.local_ps())
                return

    def _hostcall(self, slot: CpuSlot) -> None:
        pc = slot.core.reg_read(self.arch.pc_reg)
        fn = self._hostcalls.get(pc)
        if fn is None:
            raise GuestError(f"core {slot.index}: branch into the host-call page at {pc:#x}, "
                             "where no host call is registered")
        fn(self, slot.index)
        self.arch.hostcall_return(slot.core)

    def _exception(self, slot: CpuSlot, intno: int) -> None:
        self.arch.handle_exception(self, slot, intno)
        slot.core.cycles += self.cost_model.event("exception_entry")

    def _fault(self, slot: CpuSlot) -> None:
        core = slot.core
        err = core.last_error
        if core.fault_access:
            kind = {ACCESS_READ: "read from", ACCESS_FETCH: "instruction fetch from"}.get(
                core.fault_access, "write to")
            pc = core.reg_read(self.arch.pc_reg)
            if (core.fault_access == ACCESS_WRITE
                    and self.hostcall_base <= core.fault_addr < self.hostcall_base + 0x1000):
                if self.arch.handle_write_fault(self, slot, core.fault_addr):
                    core.cycles += self.cost_model.event("exception_entry")
                    return
                raise GuestError(f"write to the read-only host-call page at "
                                 f"{core.fault_addr:#010x} ({self.describe_pc(slot)})")
            if core.fault_access == ACCESS_FETCH:
                if self.arch.handle_fetch_fault(self, slot, core.fault_addr):
                    core.cycles += self.cost_model.event("exception_entry")
                    return
                where = f"core {slot.index}, PC {pc:#010x}"
                if self.image is not None and self.image.symbolize(pc):
                    where += f" <{self.image.symbolize(pc)}>"
                raise GuestError(f"{kind} unmapped address {core.fault_addr:#010x} ({where})")
            raise GuestError(f"{kind} unmapped address {core.fault_addr:#010x} "
                             f"({self.describe_pc(slot)})")
        if err == ucconst.UC_ERR_INSN_INVALID:
            if self.arch.handle_undefined(self, slot):
                slot.core.cycles += self.cost_model.event("exception_entry")
                return
            raise GuestError(f"undefined instruction with no handler ({self.describe_pc(slot)})")
        raise GuestError(f"{core.error_text} ({self.describe_pc(slot)})")
