"""Kernel flavours and version presets.

``flavour`` is one of:

- ``mainline``: a mainline kernel without forced threading; only drivers that
  call request_threaded_irq() get irq threads.
- ``threadirqs``: mainline booted with the ``threadirqs`` parameter
  (kernel/irq/manage.c: force_irqthreads set by setup_forced_irqthreads).
- ``rt``: PREEMPT_RT (4.6-rt: "genirq: Force interrupt thread on RT";
  [6.x]: PREEMPT_RT is merged and forces threading the same way).

``version`` selects behaviours that changed after the talk's kernel:
``"4.6"`` (default, the talk's kernels) or ``"6.x"`` (6.18 as read for the
spec). Each field below names where it differs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

FLAVOURS = ("mainline", "threadirqs", "rt")
VERSIONS = ("4.6", "6.x")
ARCHES = ("arm", "x86")


@dataclass(frozen=True)
class KernelConfig:
    """What the modelled kernel was built and booted with."""

    flavour: str = "mainline"
    version: str = "4.6"
    #: ``arm`` (GENERIC_IRQ_SHOW_LEVEL, IPI rows, HARDIRQS_SW_RESEND) or ``x86``
    arch: str = "arm"
    #: CONFIG_HZ: 100 is the i.MX default (imx_v6_v7_defconfig), x86 distros use 250
    hz: int = 100
    #: NR_IRQS_LEGACY descriptors allocated at early_irq_init (ARM: 16)
    nr_irqs_legacy: int = 16
    #: initial nr_irqs (grows as descriptors are allocated, as irq_expand_nr_irqs does)
    nr_irqs: int = 16
    #: the "noirqdebug" boot option: no note_interrupt at all
    noirqdebug: bool = False
    #: CONFIG_DEBUG_SHIRQ (off in imx_v6_v7_defconfig): __setup_irq's "Flags
    #: mismatch" also dumps the stack, and __free_irq calls a shared handler once
    #: more after removing it (4.6: request_threaded_irq's call is _FIXME'd out)
    debug_shirq: bool = False

    def __post_init__(self) -> None:
        if self.flavour not in FLAVOURS:
            raise ValueError(f"unknown kernel flavour {self.flavour!r}; one of {FLAVOURS}")
        if self.version not in VERSIONS:
            raise ValueError(f"unknown kernel version {self.version!r}; one of {VERSIONS}")
        if self.arch not in ARCHES:
            raise ValueError(f"unknown arch {self.arch!r}; one of {ARCHES}")

    # -- derived switches -------------------------------------------------------
    @property
    def preempt_rt(self) -> bool:
        return self.flavour == "rt"

    @property
    def force_irqthreads(self) -> bool:
        """manage.c force_irqthreads: ``threadirqs`` on mainline, always on RT."""
        return self.flavour in ("threadirqs", "rt")

    @property
    def v6(self) -> bool:
        return self.version == "6.x"

    @property
    def secondary_thread_prio(self) -> int:
        """setup_irq_thread: MAX_USER_RT_PRIO/2 - 1 = 49 in 4.6; sched_set_fifo() = 50 [6.x]."""
        return 50 if self.v6 else 49

    @property
    def hardirqs_sw_resend(self) -> bool:
        """CONFIG_HARDIRQS_SW_RESEND: selected by ARM; x86 retriggers through the APIC."""
        return self.arch == "arm"

    @property
    def show_level(self) -> bool:
        """CONFIG_GENERIC_IRQ_SHOW_LEVEL: ARM prints Level/Edge in /proc/interrupts."""
        return self.arch == "arm"

    @property
    def lazy_mask_check(self) -> bool:
        """mask_irq/unmask_irq skip the chip when already (un)masked: since v4.13
        ("genirq: Avoid unnecessary low level irq function calls"), so [6.x] only."""
        return self.v6

    @property
    def release(self) -> str:
        """A uname -r style string."""
        base = "4.6.2" if not self.v6 else "6.18.0"
        return base + ("-rt5" if self.preempt_rt and not self.v6 else "")

    def with_(self, **kw: object) -> KernelConfig:
        return replace(self, **kw)  # type: ignore[arg-type]


def make(flavour: str = "mainline", version: str = "4.6", **kw: object) -> KernelConfig:
    """``make("rt")``, ``make("threadirqs", "6.x", arch="x86")``."""
    return KernelConfig(flavour, version, **kw)  # type: ignore[arg-type]


MAINLINE = KernelConfig("mainline")
THREADIRQS = KernelConfig("threadirqs")
RT = KernelConfig("rt")
