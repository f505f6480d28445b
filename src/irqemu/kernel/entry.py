"""The interrupt entry as Linux 4.6's stacks show it: the vector stub and what it interrupted.

``handle_arch_irq`` is a function pointer on ARM (arch/arm/kernel/entry-armv.S,
the ``irq_handler`` macro: ``ldr pc, [handle_arch_irq]`` with lr in the stub),
so no stack shows it: below the root handler comes the stub, ``__irq_svc``
(kernel mode) or ``__irq_usr`` (user mode), then on ``__irq_svc`` the
interrupted function and its callers (the ARM unwinder continues at the saved
pc). x86_64 has no handle_arch_irq at all: the IDT stub calls ``do_IRQ`` from
``common_interrupt``, whose return address is the label ``ret_from_intr``
(arch/x86/entry/entry_64.S), or a system vector's handler from its own stub
(``apicinterrupt``: ``apic_timer_interrupt``...); irq_apic names that stub,
per vector. Below it the frame pointers lead to the interrupted function's
callers (not the function itself), or nowhere from user mode.

:class:`IrqEntry` gives the frames below the root handler for the CPU's
state at the interrupt, from the scheduler's view of it: the idle loop, a
model task between two slices (a kthread in its loop, a user task in user
mode), or model code already on the host stack (a task's slice with
interrupts enabled, a hard IRQ nested in ``__do_softirq``), whose own frames
follow the stub. ``Kernel.irq_entry`` holds one per kernel; a world that names
the interrupted context itself, from the guest's registers, makes one with
``contexts=False`` (only the stub is added).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from irqemu.kernel.context import FRAME_RUN, KFUNC_CODES, Task, frame_run
from irqemu.kernel.preempt import HARDIRQ_MASK, NMI_MASK, SOFTIRQ_MASK

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

_T = TypeVar("_T")
#: preempt_count bits of a hard IRQ, softirq or NMI context
_IN_INTERRUPT = HARDIRQ_MASK | SOFTIRQ_MASK | NMI_MASK

#: a kthread's stack ends here (kernel/kthread.c kthread, called from ret_from_fork)
KTHREAD_TAIL = ("kthread", "ret_from_fork")
#: a kthread's loop function by its comm: where it is between two passes
#: (kernel/irq/manage.c irq_thread, kernel/smpboot.c smpboot_thread_fn)
COMM_LOOPS = (("irq/", "irq_thread"), ("ksoftirqd/", "smpboot_thread_fn"),
              ("ktimersoftd/", "smpboot_thread_fn"))


@dataclass(frozen=True)
class ArchEntry:
    """One architecture's entry frames, innermost first."""

    #: the stub below the root handler from kernel and from user mode (None: the
    #: stub is the vector's, named by the root irqchip driver: x86)
    stub_kernel: str | None
    stub_user: str | None
    #: the idle loop on the boot CPU and on a secondary
    idle_boot: tuple[str, ...]
    idle_secondary: tuple[str, ...]


#: ARMv7, 4.6: __irq_svc's saved pc is in arch_cpu_idle (it re-enables interrupts
#: after cpu_do_idle's wfi); cpu_startup_entry from rest_init (CPU0, reached by a
#: branch from __mmap_switched) or secondary_start_kernel (a branch from
#: __secondary_switched)
ARM = ArchEntry(
    "__irq_svc", "__irq_usr",
    ("arch_cpu_idle", "cpu_startup_entry", "rest_init", "start_kernel"),
    ("arch_cpu_idle", "cpu_startup_entry", "secondary_start_kernel"))

#: arm64, 4.6 (arch/arm64/kernel/entry.S el1_irq / el0_irq; the irq_handler macro
#: calls handle_arch_irq through its pointer as on ARM)
ARM64 = ArchEntry(
    "el1_irq", "el0_irq",
    ("arch_cpu_idle", "cpu_startup_entry", "rest_init", "start_kernel"),
    ("arch_cpu_idle", "cpu_startup_entry", "secondary_start_kernel"))

#: x86_64, 4.6, the talk's machine (intel_idle: the interrupt is taken in
#: cpuidle_enter_state, which the frame-pointer walk does not show): the boot CPU's
#: idle path from x86_64_start_kernel, a secondary's from start_secondary
X86 = ArchEntry(
    None, None,
    ("cpuidle_enter", "call_cpuidle", "cpu_startup_entry", "rest_init", "start_kernel",
     "x86_64_start_reservations", "x86_64_start_kernel"),
    ("cpuidle_enter", "call_cpuidle", "cpu_startup_entry", "start_secondary"))

ARCH_ENTRIES = {"arm": ARM, "arm64": ARM64, "x86": X86}


def suspended_frames(task: Task) -> tuple[str, ...]:
    """A model kthread's frames where its last slice left it, innermost first: the
    model functions its generator chain is suspended in, or its loop function
    between passes, then kthread <- ret_from_fork."""
    names: list[str] = []
    gen = task.data.get("gen")
    while gen is not None:
        frame = getattr(gen, "gi_frame", None)
        if frame is None:
            break
        name = KFUNC_CODES.get(frame.f_code)
        if name is not None and name != FRAME_RUN:
            names.append(name)
        gen = getattr(gen, "gi_yieldfrom", None)
    names.reverse()
    if not names:
        names = [loop for prefix, loop in COMM_LOOPS if task.comm.startswith(prefix)][:1]
    return (*names, *KTHREAD_TAIL)


class IrqEntry:
    """The frames below the root interrupt handler on one kernel (module docstring)."""

    def __init__(self, arch: str, *, contexts: bool = True) -> None:
        if arch not in ARCH_ENTRIES:
            raise ValueError(f"IrqEntry: arch is one of {', '.join(ARCH_ENTRIES)}, "
                             f"not {arch!r}")
        self.arch = arch
        self.entry = ARCH_ENTRIES[arch]
        self.contexts = contexts
        e = self.entry
        kstub = () if e.stub_kernel is None else (e.stub_kernel,)
        self._stub = kstub
        self._user = () if e.stub_user is None else (e.stub_user,)
        self._idle = (kstub + e.idle_boot, kstub + e.idle_secondary)
        #: the scheduler last asked, and its in_task_pass (None: it has none)
        self._sched: object = None
        self._in_pass: Callable[[int], Task | None] | None = None

    def frames(self, kernel: Kernel, cpu: int) -> tuple[str, ...]:
        """What a stack shows below the root handler of a hard IRQ on ``cpu`` now."""
        if not self.contexts or kernel.preempt_count[cpu] & _IN_INTERRUPT:
            return self._stub  # nested in model code whose frames are on the host stack
        sched = kernel.sched
        if sched is not self._sched:  # (looked up once per scheduler, not per interrupt)
            self._sched, self._in_pass = sched, getattr(sched, "in_task_pass", None)
        in_pass = self._in_pass
        if in_pass is not None and in_pass(cpu) is not None:
            return self._stub  # a task's slice, with interrupts enabled
        curr = kernel.current[cpu]
        if curr is kernel.idle[cpu]:
            return self._idle[cpu != 0]
        if curr.is_kthread:
            return self._stub + suspended_frames(curr)
        return self._user  # a user task between slices: in user mode

    def run(self, kernel: Kernel, cpu: int, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(*args)`` under the frames below the root handler (for a model path
        that reaches its handler without ``Kernel.handle_arch_irq``: the standalone tick)."""
        return under(self.frames(kernel, cpu), fn, *args)


@frame_run
def under(frames: Sequence[str], fn: Callable[..., _T], *args: Any) -> _T:
    """Run ``fn(*args)`` with ``frames`` (innermost first) as the model frames below it."""
    return fn(*args)


__all__ = ["ARCH_ENTRIES", "ARM", "ARM64", "COMM_LOOPS", "KTHREAD_TAIL", "X86", "ArchEntry",
           "IrqEntry", "suspended_frames", "under"]
