# kernel.elf -- the x86-64 side of irqemu's modelled Linux kernel (pc board).
#
# The guest always runs; the kernel model (Python) is reached through host
# calls: a host call is a `call *hc_<name>(%rip)` to an address in irqemu's
# host-call page, which the host writes into the `hostcalls` table below
# (8-byte slots) before the run (irqemu.kernel.platform). The model runs
# with the CPU exactly in the state the stub left it (RFLAGS.IF, stack) and
# returns as `ret`.
#
#  - irq_entries_start: one 16-byte stub per vector 0x20-0xff, as Linux's
#    irq_entries_start (arch/x86/entry/entry_64.S): push ~vector + 0x80
#    (the pt_regs orig_ax slot; fits a signed byte) and jump to
#    common_interrupt. main points IDT gates 0x20-0xff at them (64-bit
#    interrupt gates: IF cleared on entry).
#  - common_interrupt: `addq $-0x80, (%rsp)` leaves ~vector in orig_ax, as
#    Linux; saves the caller-saved registers (rax, rcx, rdx, rsi, rdi,
#    r8-r11) and calls the host call handle_arch_irq with the vector in
#    %rdi (the model's do_IRQ / system-vector entry); then `cli` (the model
#    may have opened IRQs for softirqs at irq_exit), restores, drops
#    orig_ax and `iretq`s. A nested interrupt taken while the model has IF
#    set enters here again with its own frame, as on Linux.
#  - main (after common.S start-up: GDT, IDT, stack, COM1): the gates, host
#    call kernel_start (IF still clear: the model sets up the LAPIC and the
#    IO-APIC and requests IRQs), `sti`, then the idle loop: `cli`, host call
#    cpu_idle (the model's scheduler decides whether to idle), `sti; hlt`
#    (the STI shadow covers the HLT: no wakeup is lost), repeat. The host
#    ends the run when its scenario is over.
#  - per-CPU data as x86-64 Linux keeps it: each CPU's GS base (IA32_GS_BASE)
#    points to its area in __per_cpu_area, whose first slot is current_task
#    (this CPU's current, the model's pid for it); common_interrupt passes it
#    to handle_arch_irq beside the vector (%rsi), so the model can check it
#    against its own current (irqemu.kernel.platform.CoreRunner). Kernel
#    stacks are THREAD_SIZE (16 KiB, as x86-64 4.6) aligned with the task's pid
#    at the bottom (thread_info); swapper/N's is idle_stacks + N * THREAD_SIZE.
#  - __switch_to: run by the host right after it switched register contexts
#    (a task's first run included): current_task = the pid at the bottom of
#    the new stack, as __switch_to's this_cpu_write(current_task, next_p).
#  - irq_window: where a hard IRQ that becomes pending while the model runs
#    softirqs at irq_exit (IF set) is taken, nested in the first one.
#  - task_loop: where a model task (kthread) runs on the core: one host call
#    task_step per slice of its model work, IF set in between.
#  - SMP bring-up by INIT/SIPI: main copies the trampoline to trampoline_base
#    (a page below 1 MiB, as setup_real_mode copies the real-mode blob); the
#    model's do_boot_cpu fills cpuid_to_apicid and sends INIT, INIT de-assert
#    and two STARTUP IPIs with vector trampoline_base >> 12. The pc's SIPI
#    starts a CPU in long mode at vector * 4096 (irqemu has no real mode), so
#    the trampoline only jumps to secondary_startup_64: find this CPU's number
#    from its LAPIC ID, take swapper/N's stack, load the GDT and IDT, set up
#    its per-CPU area (GS base, current_task, the APIC ID it read), host call
#    secondary_start (%rdi = that APIC ID), sti, idle loop.
    .include "pc.inc"

    .equ THREAD_SIZE_,      0x4000          # x86-64 4.6: 16 KiB kernel stacks
    .global THREAD_SIZE, task_stacks, idle_stacks, init_thread_info, trampoline_base
    .equ THREAD_SIZE,       THREAD_SIZE_
    .equ task_stacks,       0x01000000      # model tasks' stacks: + pid * THREAD_SIZE
    .equ idle_stacks,       0x00200000      # swapper/N's stack: + N * THREAD_SIZE
    .equ init_thread_info,  idle_stacks     # swapper/0's thread_info
    .equ trampoline_base,   0x8000          # the SIPI page (vector 0x08)
    .equ NR_CPUS,           64              # xAPIC: 8-bit APIC IDs; 64 areas here
    .equ PCPU_SIZE,         64              # one per-CPU area
    .equ PCPU_current_task, 0               # the model's pid of this CPU's current
    .equ PCPU_cpu_number,   8
    .equ PCPU_apicid,       16              # the APIC ID this CPU read from its LAPIC
    .equ PCPU_this_cpu_off, 24              # the area's own address
    .equ MSR_GS_BASE,       0xc0000101

    .equ FIRST_EXTERNAL_VECTOR, 0x20
    .equ NR_VECTORS,            0x100

    .macro hostcall name
    call *hc_\name(%rip)
    .endm

    .text
    .code64

    .balign 16
    .global irq_entries_start
irq_entries_start:
    vector = FIRST_EXTERNAL_VECTOR
    .rept NR_VECTORS - FIRST_EXTERNAL_VECTOR
    .balign 16
    pushq $(~vector + 0x80)         # orig_ax: ~vector + 0x80, a signed byte
    jmp common_interrupt
    vector = vector + 1
    .endr

    .balign 16
    .global common_interrupt
    .type common_interrupt, @function
common_interrupt:
    addq $-0x80, (%rsp)             # orig_ax = ~vector (in [-256, -1])
    pushq %rdi                      # the caller-saved registers (pt_regs' lower half)
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rax
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    subq $8, %rsp                   # 16-byte aligned at the call (SysV ABI)
    movq 80(%rsp), %rdi             # orig_ax
    notq %rdi                       # the vector
    movq %gs:PCPU_current_task, %rsi  # this CPU's current (per-CPU current_task)
    hostcall handle_arch_irq        # do_IRQ(vector) or the system vector's handler
    cli                             # restore with IF clear (iretq reloads RFLAGS)
    addq $8, %rsp
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rax
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    addq $8, %rsp                   # orig_ax
    iretq
    .size common_interrupt, . - common_interrupt

    .global main
    .type main, @function
main:
    movq $(idle_stacks + THREAD_SIZE_), %rsp  # swapper/0's stack (main never returns)
    movl $FIRST_EXTERNAL_VECTOR, %ebx
    leaq irq_entries_start(%rip), %rsi
1:  movl %ebx, %edi
    pushq %rsi
    call set_gate                   # IDT[%edi] = interrupt gate to %rsi
    popq %rsi
    addq $16, %rsi
    incl %ebx
    cmpl $NR_VECTORS, %ebx
    jb 1b
    sidt idt_descr(%rip)            # the IDT (common.S's) the APs load too
    xorl %edi, %edi
    call cpu_init_percpu            # CPU 0's GS base and per-CPU area
    leaq trampoline_start(%rip), %rsi  # setup_real_mode: the trampoline to its page
    movl $trampoline_base, %edi
    movl $(trampoline_end - trampoline_start), %ecx
    rep movsb

    hostcall kernel_start
    sti
idle:
    cli
    hostcall cpu_idle
    sti                             # the STI shadow covers the HLT
    hlt
    jmp idle
    .size main, . - main

# cpu_init_percpu(%edi = cpu): GS base = this CPU's per-CPU area; current_task =
# swapper (pid 0), the CPU number and the APIC ID its LAPIC reports. Clobbers
# %rax, %rcx, %rdx, %rsi.
    .balign 16
    .type cpu_init_percpu, @function
cpu_init_percpu:
    movl %edi, %eax
    shll $6, %eax                   # * PCPU_SIZE
    leaq __per_cpu_area(%rip), %rsi
    addq %rax, %rsi
    movq %rsi, PCPU_this_cpu_off(%rsi)
    movq $0, PCPU_current_task(%rsi)
    movl %edi, %eax
    movq %rax, PCPU_cpu_number(%rsi)
    movl $LAPIC, %ecx
    movl LAPIC_ID(%rcx), %eax
    shrl $24, %eax
    movq %rax, PCPU_apicid(%rsi)
    movl $MSR_GS_BASE, %ecx
    movl %esi, %eax
    movq %rsi, %rdx
    shrq $32, %rdx
    wrmsr
    ret
    .size cpu_init_percpu, . - cpu_init_percpu

# __switch_to tail, called by the host on the new task's stack right after it
# switched register contexts: this_cpu_write(current_task, next).
    .balign 16
    .global __switch_to
    .type __switch_to, @function
__switch_to:
    movq %rsp, %rax
    andq $-THREAD_SIZE_, %rax       # thread_info: the bottom of the kernel stack
    movq (%rax), %rax               # thread_info->task: the model's pid
    movq %rax, %gs:PCPU_current_task
    ret
    .size __switch_to, . - __switch_to

# irq_window: __do_softirq's interrupts-on stretch between softirq vectors at
# irq_exit. The model (inside the hard IRQ's host call, IF already set by its
# local_irq_enable) calls it when an interrupt is pending; the core takes it at
# this first instruction: the vector's stub pushes a new frame below the
# interrupted one on the same stack (a nested common_interrupt), and returns here.
    .balign 16
    .global irq_window
    .type irq_window, @function
irq_window:
    ret
    .size irq_window, . - irq_window

# task_loop: where a model task (kthread) runs on the core. Each task has its
# own THREAD_SIZE aligned stack with its pid at the bottom; the scheduler
# switches tasks by swapping the core's register context inside a host call.
# One slice of the task's model work per host call; between slices the core
# is back here, in guest code, IF set.
    .balign 16
    .global task_loop
    .type task_loop, @function
task_loop:
    sti
1:  hostcall task_step
    jmp 1b
    .size task_loop, . - task_loop

# The SIPI trampoline: copied to trampoline_base by main, entered there by an
# AP in long mode (the pc's SIPI semantics); position independent.
    .balign 16
    .global trampoline_start, trampoline_end
trampoline_start:
    movabsq $secondary_startup_64, %rax
    jmpq *%rax
trampoline_end:

# secondary_startup_64: an AP's start, IF clear, no stack yet.
    .balign 16
    .global secondary_startup_64
    .type secondary_startup_64, @function
secondary_startup_64:
    movl $LAPIC, %ecx
    movl LAPIC_ID(%rcx), %ebx
    shrl $24, %ebx                  # this CPU's APIC ID
    leaq cpuid_to_apicid(%rip), %rsi
    xorl %edi, %edi
1:  movzbl (%rsi,%rdi), %eax        # which logical CPU has this APIC ID
    cmpl %ebx, %eax
    je 2f
    incl %edi
    cmpl $NR_CPUS, %edi
    jb 1b
3:  cli                             # not in the table: nobody asked for this CPU
    hlt
    jmp 3b
2:  leal 1(%edi), %eax
    shll $14, %eax                  # (cpu + 1) * THREAD_SIZE
    addl $idle_stacks, %eax
    movq %rax, %rsp                 # swapper/N's stack
    lgdt gdt_ptr(%rip)
    pushq $KCODE                    # reload CS with a far return
    leaq 4f(%rip), %rax
    pushq %rax
    lretq
4:  movl $KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    lidt idt_descr(%rip)
    call cpu_init_percpu            # %edi = cpu
    movq %gs:PCPU_apicid, %rdi      # report the APIC ID this CPU read
    hostcall secondary_start        # start_secondary: this CPU's LAPIC comes up
    sti
    jmp idle
    .size secondary_startup_64, . - secondary_startup_64

# hc_nop: what a host-call slot points at when the model has nothing to do
# there (e.g. cpu_idle without a scheduler): a plain return, no host call.
    .balign 16                      # (symbols of odd functions lose bit 0 in irqemu.machine.elf)
    .global hc_nop
    .type hc_nop, @function
hc_nop:
    ret
    .size hc_nop, . - hc_nop

    .data
    .balign 8
    .global hostcalls
hostcalls:
    .global hc_handle_arch_irq, hc_kernel_start, hc_cpu_idle
hc_handle_arch_irq: .quad 0
hc_kernel_start:    .quad 0
hc_cpu_idle:        .quad 0
    .global hc_secondary_start, hc_task_step
hc_secondary_start: .quad 0
hc_task_step:       .quad 0
    .global cpuid_to_apicid         # logical CPU -> APIC ID (the MADT's order); 0xff: none
cpuid_to_apicid:    .fill NR_CPUS, 1, 0xff
    .balign 16
    .word 0, 0, 0
idt_descr:          .word 0                 # limit, then base (sidt's 10 bytes)
                    .quad 0

    .bss
    .balign 64
    .global __per_cpu_area
__per_cpu_area:     .skip NR_CPUS * PCPU_SIZE
