"""The x86 interrupt path: local APIC, IO-APIC and do_IRQ (arch/x86/kernel/apic/, irq.c, 4.6).

The x86 kernel has no ``handle_arch_irq``: each IDT vector has a stub that
pushes ~vector and reaches ``do_IRQ`` (device vectors) or a system vector's
own handler (``smp_apic_timer_interrupt``, ``smp_spurious_interrupt``, ...).
irqemu's ``firmware/x86_64/kernel.S`` sends every vector 0x20-0xff through one
common entry that passes the vector to the model (``KernelPlatform`` calls
:meth:`X86Apic.handle_arch_irq`); this module dispatches it as Linux's IDT
would:

- device vectors -> :meth:`X86Apic.do_IRQ`: irq_enter, the per-CPU
  ``vector_irq[vector]`` descriptor, generic_handle_irq_desc, irq_exit; a
  vector with no descriptor gets "do_IRQ: cpu.vector No irq handler for
  vector" and an EOI (``ack_APIC_irq`` = LAPIC EOI write through ChipIO);
- LOCAL_TIMER_VECTOR (0xef) -> ``smp_apic_timer_interrupt``: EOI first
  (entering_ack_irq), the per-CPU clock event's handler, counted in the LOC
  row of /proc/interrupts (``kernel.arch_stats``);
- SPURIOUS_APIC_VECTOR (0xff), ERROR_APIC_VECTOR (0xfe) and the IPI vectors
  (RES, CAL, IWI, ...) -> their handlers and rows.

The IO-APIC is an irq_domain of its pins ("IO-APIC", or "IR-IO-APIC" with
interrupt remapping) whose lines use ``handle_fasteoi_irq`` when level
triggered and ``handle_edge_irq`` when edge triggered, named "fasteoi" /
"edge" as ``mp_register_handler`` names them, so /proc/interrupts shows
``IO-APIC  16-fasteoi``. Level lines EOI through ``ioapic_ack_level`` (LAPIC
EOI, whose broadcast clears the pin's remote IRR), edge lines ack through
``apic_ack_edge``. As in Linux with ACPI, GSI n is Linux irq n.

Modelling choices (kept small, documented): the IO-APIC domain is a linear
domain rather than a hierarchy under x86_vector_domain (the chip callbacks
that Linux reaches through the parent, apic_ack_edge and the vector
assignment, are called directly); delivery is physflat (fixed, physical
destination = the target CPU's APIC ID); vectors are assigned by 4.6's
``__assign_irq_vector`` walk (0x41, 0x51, ... skipping used ones), legacy
pins 0-15 use ISA_IRQ_VECTOR(pin) = 0x30 + pin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from irqemu.hw.apic import (
    APIC_DEFAULT_PHYS_BASE,
    APIC_DEST_PHYSICAL,
    APIC_DM_EXTINT,
    APIC_DM_FIXED,
    APIC_DM_INIT,
    APIC_DM_NMI,
    APIC_DM_STARTUP,
    APIC_EOI,
    APIC_EOI_ACK,
    APIC_ESR,
    APIC_ICR,
    APIC_ICR2,
    APIC_ICR_BUSY,
    APIC_INT_ASSERT,
    APIC_INT_LEVELTRIG,
    APIC_ISR,
    APIC_LVR,
    APIC_LVT0,
    APIC_LVT1,
    APIC_LVT_MASKED,
    APIC_LVT_TIMER_PERIODIC,
    APIC_LVTERR,
    APIC_LVTT,
    APIC_SPIV,
    APIC_SPIV_APIC_ENABLED,
    APIC_TASKPRI,
    APIC_TDCR,
    APIC_TDR_DIV_16,
    APIC_TMICT,
    APIC_TMR,
    IO_APIC_DEFAULT_PHYS_BASE,
    IO_APIC_REDIR_DEST_SHIFT,
    IO_APIC_REDIR_LEVEL_TRIGGER,
    IO_APIC_REDIR_MASKED,
    IO_APIC_REDIR_POLARITY_LOW,
    IOAPIC_EOI,
    IOAPIC_REDTBL,
    IOREGSEL,
    IOWIN,
)
from irqemu.kernel.context import ChipIO, frame_run, kfunc
from irqemu.kernel.genirq.chip import (
    handle_edge_irq,
    handle_fasteoi_irq,
    irq_set_chip_and_handler_name,
)
from irqemu.kernel.genirq.irqdesc import irq_alloc_descs, irq_set_status_flags
from irqemu.kernel.genirq.irqdomain import irq_domain_add_linear, irq_domain_associate
from irqemu.kernel.genirq.types import (
    IRQ_LEVEL,
    IRQ_TYPE_EDGE_FALLING,
    IRQ_TYPE_EDGE_RISING,
    IRQ_TYPE_LEVEL_HIGH,
    IRQ_TYPE_LEVEL_LOW,
    IRQ_TYPE_LEVEL_MASK,
    IRQCHIP_SKIP_SET_WAKE,
    IrqChip,
    IrqData,
    IrqDomain,
    IrqDomainOps,
    irq_find_mapping,
)
from irqemu.kernel.smp import RootIrqChip

if TYPE_CHECKING:
    from irqemu.kernel.core import Kernel

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

LAPIC_BASE = APIC_DEFAULT_PHYS_BASE
IOAPIC_BASE = IO_APIC_DEFAULT_PHYS_BASE
APIC_DIVISOR = 16  #: apic.c: the LAPIC timer runs divided by 16

# arch/x86/include/asm/irq_vectors.h (4.6)
FIRST_EXTERNAL_VECTOR = 0x20
VECTOR_OFFSET_START = 1
IRQ_MOVE_CLEANUP_VECTOR = FIRST_EXTERNAL_VECTOR
IA32_SYSCALL_VECTOR = 0x80
IRQ0_VECTOR = (FIRST_EXTERNAL_VECTOR + 16) & ~15  #: 0x30: ISA_IRQ_VECTOR(0)
SPURIOUS_APIC_VECTOR = 0xFF
ERROR_APIC_VECTOR = 0xFE
RESCHEDULE_VECTOR = 0xFD
CALL_FUNCTION_VECTOR = 0xFC
CALL_FUNCTION_SINGLE_VECTOR = 0xFB
THERMAL_APIC_VECTOR = 0xFA
THRESHOLD_APIC_VECTOR = 0xF9
REBOOT_VECTOR = 0xF8
X86_PLATFORM_IPI_VECTOR = 0xF7
IRQ_WORK_VECTOR = 0xF6
DEFERRED_ERROR_VECTOR = 0xF4
LOCAL_TIMER_VECTOR = 0xEF
FIRST_SYSTEM_VECTOR = LOCAL_TIMER_VECTOR
NR_VECTORS = 256
NR_IRQS_LEGACY = 16

#: vector_irq entries (4.6: struct irq_desc * per vector; VECTOR_UNUSED is NULL)
VECTOR_UNUSED = None
VECTOR_RETRIGGERED = -1

#: arch/x86/entry/entry_64.S (4.6): the stub each system vector's handler returns
#: into (apicinterrupt); a device vector's do_IRQ returns to common_interrupt's
#: ret_from_intr. What a stack shows below the handler.
DEVICE_STUB = "ret_from_intr"
SYSTEM_VECTOR_STUBS = {
    LOCAL_TIMER_VECTOR: "apic_timer_interrupt",
    SPURIOUS_APIC_VECTOR: "spurious_interrupt",
    ERROR_APIC_VECTOR: "error_interrupt",
    RESCHEDULE_VECTOR: "reschedule_interrupt",
    CALL_FUNCTION_VECTOR: "call_function_interrupt",
    CALL_FUNCTION_SINGLE_VECTOR: "call_function_single_interrupt",
    IRQ_WORK_VECTOR: "irq_work_interrupt",
    THERMAL_APIC_VECTOR: "thermal_interrupt",
    THRESHOLD_APIC_VECTOR: "threshold_interrupt",
    DEFERRED_ERROR_VECTOR: "deferred_error_interrupt",
}
_DEVICE_FRAMES = (DEVICE_STUB,)
_SYSTEM_FRAMES = {v: (n,) for v, n in SYSTEM_VECTOR_STUBS.items()}

#: the ARM IPI numbers Kernel.smp_cross_call uses -> x86 vectors (arch/x86/kernel/smp.c)
IPI_VECTORS = {2: RESCHEDULE_VECTOR, 3: CALL_FUNCTION_VECTOR, 5: IRQ_WORK_VECTOR}


class X86Apic(RootIrqChip):
    """The local APIC driver, the IO-APIC irq domain and the x86 vector entry for
    one kernel: what apic.c, io_apic.c, vector.c and irq.c set up at boot."""

    def __init__(self, kernel: Kernel, io: ChipIO, *, lapic_base: int = LAPIC_BASE,
                 ioapic_base: int = IOAPIC_BASE, nr_pins: int = 24,
                 intr_remap: bool = False, lapic_timer_frequency: int = 1_000_000_000) -> None:
        self.kernel = kernel
        self.io = io
        self.lapic_base = lapic_base
        self.ioapic_base = ioapic_base
        self.nr_pins = nr_pins
        #: the APIC bus clock the LAPIC timer counts (calibrate_APIC_clock's result)
        self.lapic_timer_frequency = lapic_timer_frequency
        n = kernel.num_cpus
        #: per-CPU vector -> irq_desc (arch/x86/kernel/irq.c vector_irq)
        self.vector_irq: list[list[Any]] = [[VECTOR_UNUSED] * NR_VECTORS for _ in range(n)]
        self.used_vectors: set[int] = {IA32_SYSCALL_VECTOR, IRQ_MOVE_CLEANUP_VECTOR}
        self.used_vectors.update(range(FIRST_SYSTEM_VECTOR, NR_VECTORS))
        self.current_vector = FIRST_EXTERNAL_VECTOR + VECTOR_OFFSET_START
        self.current_offset = VECTOR_OFFSET_START % 16
        #: irq -> (vector, cpu) as irq_cfg
        self.irq_cfg: dict[int, tuple[int, int]] = {}
        #: the per-CPU LAPIC clock event: event_handler(cpu) or None; LOC counts in arch_stats
        self.clockevent_handlers: list[Callable[[int], None] | None] = [None] * n
        self.lapic_timer_periodic_ticks = [0] * n
        #: per-CPU: the vector the stub passed, until the entry reads it (pt_regs orig_ax)
        self._vector = [-1] * n
        self.chip = IrqChip(
            "IR-IO-APIC" if intr_remap else "IO-APIC",
            irq_startup=self.startup_ioapic_irq,
            irq_mask=self.mask_ioapic_irq,
            irq_unmask=self.unmask_ioapic_irq,
            irq_ack=self.apic_ack_edge,
            irq_eoi=self.ioapic_ack_level,
            irq_set_affinity=self.ioapic_set_affinity,
            flags=IRQCHIP_SKIP_SET_WAKE,
        )
        self.domain: IrqDomain | None = None
        #: pin -> (trigger level?, active low?) as the MADT / _PRT says
        self.pin_config: dict[int, tuple[bool, bool]] = {}
        self.system_vectors: dict[int, Callable[[], None]] = {
            LOCAL_TIMER_VECTOR: self.smp_apic_timer_interrupt,
            SPURIOUS_APIC_VECTOR: self.smp_spurious_interrupt,
            ERROR_APIC_VECTOR: self.smp_error_interrupt,
            RESCHEDULE_VECTOR: self.smp_reschedule_interrupt,
            CALL_FUNCTION_VECTOR: self.smp_call_function_interrupt,
            CALL_FUNCTION_SINGLE_VECTOR: self.smp_call_function_single_interrupt,
            IRQ_WORK_VECTOR: self.smp_irq_work_interrupt,
            THERMAL_APIC_VECTOR: lambda: self._stat_irq("TRM"),
            THRESHOLD_APIC_VECTOR: lambda: self._stat_irq("THR"),
            DEFERRED_ERROR_VECTOR: lambda: self._stat_irq("DFR"),
        }

    # -- register access ---------------------------------------------------------------
    def _cpu(self) -> int:
        return self.kernel.ops.smp_processor_id()

    def apic_read(self, reg: int) -> int:
        return self.io.read32(self._cpu(), self.lapic_base + reg)

    def apic_write(self, reg: int, value: int) -> None:
        self.io.write32(self._cpu(), self.lapic_base + reg, value & 0xFFFFFFFF)

    def io_apic_read(self, reg: int) -> int:
        cpu = self._cpu()
        self.io.write32(cpu, self.ioapic_base + IOREGSEL, reg)
        return self.io.read32(cpu, self.ioapic_base + IOWIN)

    def io_apic_write(self, reg: int, value: int) -> None:
        cpu = self._cpu()
        self.io.write32(cpu, self.ioapic_base + IOREGSEL, reg)
        self.io.write32(cpu, self.ioapic_base + IOWIN, value & 0xFFFFFFFF)

    def ioapic_write_entry(self, pin: int, entry: int) -> None:
        """__ioapic_write_entry: the high word (destination) first, then the low word."""
        self.io_apic_write(IOAPIC_REDTBL + 2 * pin + 1, entry >> 32)
        self.io_apic_write(IOAPIC_REDTBL + 2 * pin, entry & 0xFFFFFFFF)

    def ioapic_read_entry(self, pin: int) -> int:
        lo = self.io_apic_read(IOAPIC_REDTBL + 2 * pin)
        hi = self.io_apic_read(IOAPIC_REDTBL + 2 * pin + 1)
        return (hi << 32) | lo

    @kfunc("ack_APIC_irq")
    def ack_APIC_irq(self) -> None:
        """apic_eoi: write APIC_EOI_ACK to the EOI register."""
        self.kernel.fentry(...)
        self.apic_write(APIC_EOI, APIC_EOI_ACK)

    # -- local APIC init (apic.c) ------------------------------------------------------------
    def setup_local_APIC(self) -> None:
        """On each CPU as it comes up: TPR 0 (accept all), software-enable with the
        spurious vector, LINT0 ExtINT masked, LINT1 NMI on the BSP, the error vector."""
        cpu = self._cpu()
        self.apic_write(APIC_TASKPRI, self.apic_read(APIC_TASKPRI) & ~0xFF)
        value = self.apic_read(APIC_SPIV) & ~0xFF
        self.apic_write(APIC_SPIV, value | APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR)
        self.apic_write(APIC_LVT0, APIC_DM_EXTINT | APIC_LVT_MASKED)
        self.apic_write(APIC_LVT1, APIC_DM_NMI | (0 if cpu == 0 else APIC_LVT_MASKED))
        # setup_local_APIC -> lapic_setup_esr
        self.apic_write(APIC_LVTERR, ERROR_APIC_VECTOR)
        self.apic_write(APIC_ESR, 0)
        self.apic_write(APIC_ESR, 0)

    def starting_cpu(self) -> None:
        """start_secondary -> smp_callin -> apic_ap_setup: this CPU's LAPIC comes up."""
        self.setup_local_APIC()

    # -- SMP bring-up (smpboot.c, 4.6) ------------------------------------------------------
    def lapic_get_maxlvt(self) -> int:
        return (self.apic_read(APIC_LVR) >> 16) & 0xFF

    def apic_icr_write(self, low: int, apicid: int) -> None:
        """native_apic_icr_write: the destination (ICR2) first, then ICR sends."""
        self.apic_write(APIC_ICR2, apicid << 24)
        self.apic_write(APIC_ICR, low)

    def safe_apic_wait_icr_idle(self) -> int:
        """native_safe_apic_wait_icr_idle: the delivery-status bit (the model's IPIs
        are delivered at once, so one read sees it idle)."""
        return self.apic_read(APIC_ICR) & APIC_ICR_BUSY

    @kfunc("wakeup_secondary_cpu_via_init")
    def wakeup_secondary_cpu_via_init(self, phys_apicid: int, start_eip: int) -> int:
        """The INIT-SIPI-SIPI sequence (Intel MP spec B.4): clear ESR, INIT assert,
        INIT de-assert, then two STARTUP IPIs with vector ``start_eip >> 12``, ESR
        checked after each; 0 or the send/accept status. The udelay()s between the
        steps are not modelled (init_udelay is 0 on family 6+ CPUs; the model
        does not spin), so each step follows at once."""
        self.kernel.fentry(..., phys_apicid, start_eip)
        maxlvt = self.lapic_get_maxlvt()
        if maxlvt > 3:  # the Pentium erratum 3AP
            self.apic_write(APIC_ESR, 0)
        self.apic_read(APIC_ESR)
        self.apic_icr_write(APIC_INT_LEVELTRIG | APIC_INT_ASSERT | APIC_DM_INIT, phys_apicid)
        send_status = self.safe_apic_wait_icr_idle()
        self.apic_icr_write(APIC_INT_LEVELTRIG | APIC_DM_INIT, phys_apicid)
        send_status = self.safe_apic_wait_icr_idle()
        accept_status = 0
        for _ in range(2):  # num_starts: an integrated APIC takes two STARTUPs
            if maxlvt > 3:
                self.apic_write(APIC_ESR, 0)
            self.apic_read(APIC_ESR)
            self.apic_icr_write(APIC_DM_STARTUP | (start_eip >> 12), phys_apicid)
            send_status = self.safe_apic_wait_icr_idle()
            if maxlvt > 3:
                self.apic_write(APIC_ESR, 0)
            accept_status = self.apic_read(APIC_ESR) & 0xEF
            if send_status or accept_status:
                break
        return send_status | accept_status

    @kfunc("do_boot_cpu")
    def do_boot_cpu(self, apicid: int, cpu: int, start_ip: int) -> int:
        """do_boot_cpu: wake ``cpu`` (APIC ID ``apicid``) at the trampoline ``start_ip``
        (page aligned, below 1 MiB); 0 or -EIO. The caller has put what the AP needs
        (its stack, its per-CPU area) where the trampoline finds it."""
        self.kernel.fentry(..., apicid, cpu, start_ip)
        if start_ip & 0xFFF or start_ip >= 0x100000:
            raise ValueError(f"x86: trampoline at {start_ip:#x} is not a page below 1 MiB")
        return -5 if self.wakeup_secondary_cpu_via_init(apicid, start_ip) else 0

    # -- the LAPIC timer as a clock event (apic.c lapic_clockevent) -----------------------------
    def setup_APIC_timer(self, event_handler: Callable[[int], None] | None = None,
                         hz: int | None = None) -> None:
        """setup_APIC_timer + lapic_timer_set_periodic on this CPU: a periodic tick at
        ``hz`` (default CONFIG_HZ) on LOCAL_TIMER_VECTOR, divide by 16 (__setup_APIC_LVTT)."""
        cpu = self._cpu()
        self.clockevent_handlers[cpu] = event_handler or (lambda c: None)
        hz = hz or self.kernel.config.hz
        clocks = self.lapic_timer_frequency // hz
        self.apic_write(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_TIMER_PERIODIC)
        self.apic_write(APIC_TDCR, (self.apic_read(APIC_TDCR) & ~0xB) | APIC_TDR_DIV_16)
        self.apic_write(APIC_TMICT, clocks // APIC_DIVISOR)

    def setup_APIC_timer_oneshot(self, event_handler: Callable[[int], None]) -> None:
        """setup_APIC_timer + lapic_timer_set_oneshot on this CPU (high resolution mode):
        LVTT one-shot on LOCAL_TIMER_VECTOR, divide by 16; counting starts at the first
        :meth:`lapic_next_event`."""
        cpu = self._cpu()
        self.clockevent_handlers[cpu] = event_handler
        self.apic_write(APIC_LVTT, LOCAL_TIMER_VECTOR)  # timer mode 0: one-shot
        self.apic_write(APIC_TDCR, (self.apic_read(APIC_TDCR) & ~0xB) | APIC_TDR_DIV_16)

    def lapic_next_event(self, cpu: int, delta: int) -> None:
        """lapic_next_event: TMICT = delta (in bus clocks / APIC_DIVISOR) starts the count."""
        self.io.write32(cpu, self.lapic_base + APIC_TMICT, delta & 0xFFFFFFFF)

    def lapic_timer_shutdown(self) -> None:
        v = self.apic_read(APIC_LVTT)
        self.apic_write(APIC_LVTT, v | APIC_LVT_MASKED | LOCAL_TIMER_VECTOR)
        self.apic_write(APIC_TMICT, 0)

    # -- the entry: what the vector stub reaches -----------------------------------------------
    @kfunc("common_interrupt", stack=False)
    def handle_arch_irq(self, vector: int) -> None:
        """The x86 entry for ``vector`` (called by KernelPlatform with the vector the
        stub passes): keeps it for :meth:`_entry` and runs the kernel's
        handle_arch_irq (which ends with the scheduler's hardirq_done). No frame: the
        stub a stack shows is the vector's (:meth:`_entry`)."""
        cpu = self._cpu()
        self._vector[cpu] = vector
        self.kernel.handle_arch_irq()

    @frame_run
    def _entry(self) -> None:
        """The root handler set with set_handle_irq: the IDT dispatch, under the frame
        of the stub the handler returns into (ret_from_intr below do_IRQ, a system
        vector's own stub below its handler)."""
        cpu = self._cpu()
        vector = self._vector[cpu]
        self._vector[cpu] = -1
        if vector < 0:
            raise RuntimeError("x86: handle_arch_irq without a vector (call "
                               "X86Apic.handle_arch_irq(vector), as the stub does)")
        frames = _SYSTEM_FRAMES.get(vector, _DEVICE_FRAMES)  # noqa: F841 (model_stack)
        sysvec = self.system_vectors.get(vector)
        if sysvec is not None:
            sysvec()
        else:
            self.do_IRQ(vector)

    @kfunc("do_IRQ")
    def do_IRQ(self, vector: int) -> int:
        """arch/x86/kernel/irq.c do_IRQ (4.6)."""
        k = self.kernel
        k.fentry(..., vector)
        cpu = self._cpu()
        k.irq_enter()  # entering_irq
        desc = self.vector_irq[cpu][vector]
        if not self.handle_irq(desc):
            self.ack_APIC_irq()
            if desc is not VECTOR_RETRIGGERED:
                k.printk(f"do_IRQ: {cpu}.{vector} No irq handler for vector", level=0)
            else:
                self.vector_irq[cpu][vector] = VECTOR_UNUSED
        k.irq_exit()  # exiting_irq
        return 1

    @kfunc("handle_irq")
    def handle_irq(self, desc: Any) -> bool:
        """irq_64.c handle_irq: false for a missing (or retriggered) descriptor (a
        frame of do_IRQ's stacks: it is in another file, so not inlined)."""
        if desc is None or desc is VECTOR_RETRIGGERED:
            return False
        desc.handle_irq(desc)  # generic_handle_irq_desc
        return True

    # -- system vectors (apic.c, smp.c, irq_work.c) ---------------------------------------------
    def _stat(self, row: str) -> None:
        self.kernel.arch_stats[row][self._cpu()] += 1

    def _stat_irq(self, row: str) -> None:
        """A system vector whose handler only counts: entering_ack_irq .. exiting_irq."""
        self.ack_APIC_irq()
        self.kernel.irq_enter()
        self._stat(row)
        self.kernel.irq_exit()

    @kfunc("smp_apic_timer_interrupt")
    def smp_apic_timer_interrupt(self) -> None:
        """EOI first (entering_ack_irq), then local_apic_timer_interrupt: LOC++ and
        the clock event's handler, inside irq_enter/irq_exit."""
        k = self.kernel
        k.fentry(...)
        self.ack_APIC_irq()
        k.irq_enter()
        cpu = self._cpu()
        handler = self.clockevent_handlers[cpu]
        if handler is None:
            k.printk(f"Spurious LAPIC timer interrupt on cpu {cpu}", level=4)
            self.lapic_timer_shutdown()
        else:
            self._stat("LOC")  # inc_irq_stat(apic_timer_irqs)
            self.lapic_timer_periodic_ticks[cpu] += 1
            handler(cpu)
        k.irq_exit()

    @kfunc("smp_spurious_interrupt")
    def smp_spurious_interrupt(self) -> None:
        """EOI only if the vector is in service (a real spurious one is not); SPU++."""
        k = self.kernel
        k.irq_enter()
        v = self.apic_read(APIC_ISR + ((SPURIOUS_APIC_VECTOR & ~0x1F) >> 1))
        if v & (1 << (SPURIOUS_APIC_VECTOR & 0x1F)):
            self.ack_APIC_irq()
        self._stat("SPU")
        k.printk(f"spurious APIC interrupt on CPU#{self._cpu()}, should never happen.")
        k.irq_exit()

    @kfunc("smp_error_interrupt")
    def smp_error_interrupt(self) -> None:
        k = self.kernel
        k.irq_enter()
        self.apic_write(APIC_ESR, 0)
        v = self.apic_read(APIC_ESR)
        self.ack_APIC_irq()
        k.irq_err_count += 1
        k.printk(f"APIC error on CPU{self._cpu()}: 00({v:02x})")
        k.irq_exit()

    def _ipi(self, row: str, ipinr: int, enter: bool = True) -> None:
        k = self.kernel
        self.ack_APIC_irq()
        if enter:
            k.irq_enter()
        self._stat(row)
        hook = k.ipi_handlers.get(ipinr)
        if hook is not None:
            hook(self._cpu())
        if enter:
            k.irq_exit()

    @kfunc("smp_reschedule_interrupt")
    def smp_reschedule_interrupt(self) -> None:
        """ack, RES++, scheduler_ipi (no irq_enter: 4.6 smp.c)."""
        self._ipi("RES", 2, enter=False)

    @kfunc("smp_call_function_interrupt")
    def smp_call_function_interrupt(self) -> None:
        self._ipi("CAL", 3)

    @kfunc("smp_call_function_single_interrupt")
    def smp_call_function_single_interrupt(self) -> None:
        self._ipi("CAL", 3)

    @kfunc("smp_irq_work_interrupt")
    def smp_irq_work_interrupt(self) -> None:
        self._ipi("IWI", 5)

    def raise_softirq(self, mask: frozenset[int], ipinr: int) -> None:
        """Kernel.smp_cross_call: send the IPI's vector to each target (ICR2, then ICR)."""
        vector = IPI_VECTORS.get(ipinr)
        if vector is None:
            raise ValueError(f"x86: no IPI vector for ipi {ipinr}")
        for cpu in sorted(mask):
            self.apic_write(APIC_ICR2, cpu << 24)  # physflat: APIC ID = CPU number
            self.apic_write(APIC_ICR, APIC_DEST_PHYSICAL | APIC_DM_FIXED | vector)

    # -- vector assignment (vector.c __assign_irq_vector, 4.6) ----------------------------------
    def assign_irq_vector(self, irq: int, cpu: int = 0) -> int:
        desc = self.kernel.irq_descs[irq]
        if irq < NR_IRQS_LEGACY:
            vector = IRQ0_VECTOR + irq  # ISA_IRQ_VECTOR(irq), set up by init_IRQ
        else:
            vector, offset = self.current_vector, self.current_offset
            while True:
                vector += 16
                if vector >= FIRST_SYSTEM_VECTOR:
                    offset = (offset + 1) % 16
                    vector = FIRST_EXTERNAL_VECTOR + offset
                if vector == self.current_vector:
                    raise RuntimeError("x86: no free interrupt vector (-ENOSPC)")
                if vector in self.used_vectors or self.vector_irq[cpu][vector] is not None:
                    continue
                break
            self.current_vector, self.current_offset = vector, offset
        self.vector_irq[cpu][vector] = desc
        self.irq_cfg[irq] = (vector, cpu)
        return vector

    # -- the IO-APIC domain and chip (io_apic.c) --------------------------------------------
    def mp_irqdomain_map(self, domain: IrqDomain, virq: int, pin: int) -> int:
        """mp_irqdomain_alloc + mp_setup_entry + mp_register_handler for one pin."""
        level, active_low = self.pin_config.get(pin, (True, False))
        cpu = 0
        vector = self.assign_irq_vector(virq, cpu)
        # physflat: destination = the CPU's APIC ID
        entry = vector | APIC_DM_FIXED | (cpu << IO_APIC_REDIR_DEST_SHIFT)
        if level:
            entry |= IO_APIC_REDIR_LEVEL_TRIGGER | IO_APIC_REDIR_MASKED  # level: masked
        if active_low:
            entry |= IO_APIC_REDIR_POLARITY_LOW
        self.ioapic_write_entry(pin, entry)
        desc = self.kernel.irq_descs[virq]
        if level:
            irq_set_status_flags(desc, IRQ_LEVEL | (IRQ_TYPE_LEVEL_LOW if active_low
                                                    else IRQ_TYPE_LEVEL_HIGH))
        else:
            irq_set_status_flags(desc, IRQ_TYPE_EDGE_FALLING if active_low
                                 else IRQ_TYPE_EDGE_RISING, clr=IRQ_LEVEL)
        irq_set_chip_and_handler_name(desc, self.chip,
                                      handle_fasteoi_irq if level else handle_edge_irq,
                                      "fasteoi" if level else "edge")
        desc.irq_data.chip_data = self
        return 0

    def map_pin(self, pin: int, type_: int = IRQ_TYPE_LEVEL_LOW) -> int:
        """mp_map_gsi_to_irq for the first IO-APIC: irq = GSI = pin (ACPI's strict
        mapping); ``type_`` as the MADT override or PCI _PRT gives it (PCI INTx:
        level, active low; ISA: edge, active high). Returns the irq."""
        assert self.domain is not None
        if not 0 <= pin < self.nr_pins:
            raise ValueError(f"IO-APIC has pins 0-{self.nr_pins - 1}, not {pin}")
        virq = irq_find_mapping(self.domain, pin)
        if virq:
            return virq
        self.pin_config[pin] = (bool(type_ & IRQ_TYPE_LEVEL_MASK),
                                bool(type_ & (IRQ_TYPE_LEVEL_LOW | IRQ_TYPE_EDGE_FALLING)))
        k = self.kernel
        if pin not in k.irq_descs and irq_alloc_descs(k, pin, pin, 1) < 0:
            return 0
        if irq_domain_associate(self.domain, pin, pin):
            return 0
        return pin

    def _pin(self, d: IrqData) -> int:
        return int(d.hwirq)

    def io_apic_modify_irq(self, d: IrqData, and_: int, or_: int, sync: bool) -> None:
        reg = IOAPIC_REDTBL + 2 * self._pin(d)
        self.io_apic_write(reg, (self.io_apic_read(reg) & and_) | or_)
        if sync:  # io_apic_sync: a read posts the write
            self.io.read32(self._cpu(), self.ioapic_base + IOWIN)

    def mask_ioapic_irq(self, d: IrqData) -> None:
        self.io_apic_modify_irq(d, ~0, IO_APIC_REDIR_MASKED, True)

    def unmask_ioapic_irq(self, d: IrqData) -> None:
        self.io_apic_modify_irq(d, ~IO_APIC_REDIR_MASKED, 0, False)

    def startup_ioapic_irq(self, d: IrqData) -> int:
        """No legacy PIC here (the board has none): unmask, nothing was pending."""
        self.unmask_ioapic_irq(d)
        return 0

    def apic_ack_edge(self, d: IrqData) -> None:
        """vector.c apic_ack_edge (irq_chip_ack_parent): irq_complete_move, ack_APIC_irq."""
        self.ack_APIC_irq()

    def ioapic_ack_level(self, d: IrqData) -> None:
        """io_apic.c ioapic_ack_level: LAPIC EOI (its broadcast clears the pin's remote
        IRR); if the LAPIC took the vector as edge (TMR clear), the IO-APIC would
        never see the EOI: count it in MIS and EOI the pin directly."""
        vector = self.irq_cfg.get(d.irq, (0, 0))[0]
        v = self.apic_read(APIC_TMR + ((vector & ~0x1F) >> 1))
        self.ack_APIC_irq()
        if not v & (1 << (vector & 0x1F)):
            self.kernel.irq_mis_count += 1
            self.io.write32(self._cpu(), self.ioapic_base + IOAPIC_EOI, vector)

    def ioapic_set_affinity(self, d: IrqData, mask: frozenset[int], force: bool) -> int:
        """One CPU (physflat): move the vector and rewrite the destination."""
        cands = sorted(c for c in mask if c < self.kernel.num_cpus)
        if not cands:
            return -22
        cpu = cands[0]
        old_vector, old_cpu = self.irq_cfg[d.irq]
        if cpu != old_cpu:
            self.vector_irq[old_cpu][old_vector] = VECTOR_UNUSED
            self.vector_irq[cpu][old_vector] = self.kernel.irq_descs[d.irq]
            self.irq_cfg[d.irq] = (old_vector, cpu)
        self.io_apic_write(IOAPIC_REDTBL + 2 * self._pin(d) + 1, cpu << 24)
        return 0


def x86_apic_init(kernel: Kernel, io: ChipIO, *, intr_remap: bool = False,
                  lapic_timer_frequency: int = 1_000_000_000,
                  init_all_cpus: bool = False) -> X86Apic:
    """init_IRQ + apic_bsp_setup + setup_IO_APIC: the vector tables (legacy
    ISA vectors on CPU 0), the local APIC of the boot CPU (or of every CPU), the
    IO-APIC domain with every pin masked, and the x86 entry as the root handler."""
    apic = X86Apic(kernel, io, intr_remap=intr_remap,
                   lapic_timer_frequency=lapic_timer_frequency)
    with kernel.on_cpu(0):
        # init_IRQ: the legacy ISA irqs own their vectors on the boot CPU
        for irq in range(NR_IRQS_LEGACY):
            desc = kernel.irq_descs.get(irq)
            if desc is not None:
                apic.vector_irq[0][IRQ0_VECTOR + irq] = desc
        ops = IrqDomainOps(map=apic.mp_irqdomain_map)
        apic.domain = irq_domain_add_linear(kernel, "IO-APIC", apic.nr_pins, ops,
                                            host_data=apic, fwnode="ioapic0")
        # clear_IO_APIC: every pin masked
        for pin in range(apic.nr_pins):
            apic.ioapic_write_entry(pin, IO_APIC_REDIR_MASKED)
        kernel.set_handle_irq(apic._entry)
        kernel.irqchip = apic
        apic.setup_local_APIC()
    if init_all_cpus:
        for cpu in range(1, kernel.num_cpus):
            with kernel.on_cpu(cpu):
                apic.setup_local_APIC()
    return apic


__all__ = ["LOCAL_TIMER_VECTOR", "SPURIOUS_APIC_VECTOR", "X86Apic", "x86_apic_init"]
