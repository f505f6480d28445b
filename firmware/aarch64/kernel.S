/*
 * kernel.elf -- the AArch64 side of irqemu's modelled Linux kernel (QEMU virt).
 *
 * The guest always runs; the kernel model (Python) is reached through host
 * calls: a host call is a `blr` to an address in irqemu's host-call page,
 * which the host writes into the `hostcalls` table below (8-byte slots)
 * before the run (irqemu.kernel.platform). The model runs with the CPU
 * exactly in the state the stub left it (EL, DAIF, SP) and returns as `ret`.
 *
 *  - kvectors: this kernel's VBAR_EL1 table. The IRQ entries (current EL
 *    with SP_ELx, lower EL AArch64) are Linux's el1_irq / el0_irq:
 *    kernel_entry saves the caller-saved registers (x0-x18, x29, x30) and
 *    ELR_EL1/SPSR_EL1 in a frame on SP_EL1, then the host call
 *    handle_arch_irq (the model: gic_handle_irq on this CPU), then
 *    kernel_exit: IRQs masked again (the model may have opened them for
 *    softirqs at irq_exit), ELR/SPSR and the registers restored, `eret`.
 *    A nested IRQ taken while the model has IRQs open enters here again
 *    and gets its own frame, as on Linux. Every other entry goes to
 *    common.S's table at the same offset, which reports and fails.
 *  - main (CPU0 after common.S start-up): VBAR_EL1 = kvectors, host call
 *    kernel_start (IRQs still masked: the model inits the irqchip and
 *    requests IRQs), `msr daifclr, #2`, then the idle loop: host call
 *    cpu_idle (the model's scheduler decides whether to idle), wfi, repeat.
 *    The host ends the run when its scenario is over.
 *  - el_irq passes current (x0) to handle_arch_irq: thread_info->task, the
 *    pid at the bottom of the THREAD_SIZE (16 KiB, as arm64 4.6) aligned
 *    kernel stack the IRQ was taken on (SP_EL1: sp & ~(THREAD_SIZE - 1), as
 *    Linux's get_thread_info), so the model can check it against its own
 *    `current` (irqemu.kernel.platform.CoreRunner).
 *  - irq_window: where a hard IRQ that becomes pending while the model runs
 *    softirqs at irq_exit (IRQs open) is taken, nested in the first one.
 *  - task_loop: where a model task (kthread) runs on the core: one host call
 *    task_step per slice of its model work, IRQs open in between.
 *  - secondary_startup: where PSCI CPU_ON starts CPUs 1-7 (the model asks for
 *    it through __invoke_psci_fn_hvc, as psci_cpu_on does): SP_EL1 = this
 *    CPU's boot stack (found from MPIDR_EL1.Aff0), VBAR_EL1, host call
 *    secondary_start (x0 = MPIDR_EL1 as this CPU read it), unmask, idle.
 */
#include "board.h"

#define THREAD_SIZE_ 0x4000         /* arm64 4.6: 16 KiB kernel stacks */
    .global THREAD_SIZE, task_stacks, init_thread_info
    .equ THREAD_SIZE, THREAD_SIZE_
    /* model tasks' stacks (pid * THREAD_SIZE): above the 16 MiB the image links to */
    .equ task_stacks, 0x41000000
    /* swapper/0's thread_info: the bottom of CPU 0's boot stack (common.S, link.ld) */
    .equ init_thread_info, 0x40100000

#define S_FRAME     192     /* x0-x18, x29, x30, ELR, SPSR; 16-byte aligned */
#define S_X30       160
#define S_PC        168
#define S_PSTATE    176

    .macro hostcall name
    ldr x16, =hc_\name
    ldr x16, [x16]
    blr x16
    .endm

    .macro kernel_entry
    sub sp, sp, #S_FRAME
    stp x0, x1, [sp, #16 * 0]
    stp x2, x3, [sp, #16 * 1]
    stp x4, x5, [sp, #16 * 2]
    stp x6, x7, [sp, #16 * 3]
    stp x8, x9, [sp, #16 * 4]
    stp x10, x11, [sp, #16 * 5]
    stp x12, x13, [sp, #16 * 6]
    stp x14, x15, [sp, #16 * 7]
    stp x16, x17, [sp, #16 * 8]
    stp x18, x29, [sp, #16 * 9]
    mrs x0, elr_el1
    mrs x1, spsr_el1
    stp x30, x0, [sp, #S_X30]
    str x1, [sp, #S_PSTATE]
    .endm

    .macro kernel_exit
    msr daifset, #2                 /* a nested IRQ must not clobber ELR/SPSR now */
    ldp x30, x0, [sp, #S_X30]
    ldr x1, [sp, #S_PSTATE]
    msr elr_el1, x0
    msr spsr_el1, x1
    ldp x2, x3, [sp, #16 * 1]
    ldp x4, x5, [sp, #16 * 2]
    ldp x6, x7, [sp, #16 * 3]
    ldp x8, x9, [sp, #16 * 4]
    ldp x10, x11, [sp, #16 * 5]
    ldp x12, x13, [sp, #16 * 6]
    ldp x14, x15, [sp, #16 * 7]
    ldp x16, x17, [sp, #16 * 8]
    ldp x18, x29, [sp, #16 * 9]
    ldp x0, x1, [sp, #16 * 0]
    add sp, sp, #S_FRAME
    eret
    .endm

/* ------------------------------------------------------------------ */
    .section .vectors, "ax"
    .align 11
    .global kvectors
kvectors:
    .irp idx, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .align 7
    .if \idx == 5 || \idx == 9      /* IRQ: current EL SPx (el1_irq), lower EL A64 (el0_irq) */
    b el_irq
    .else
    b vectors + \idx * 0x80         /* common.S: unexpected exception, report and fail */
    .endif
    .endr

    .text
    .global el_irq
    .type el_irq, %function
el_irq:
    kernel_entry
    mov x0, sp                      /* get_thread_info: sp & ~(THREAD_SIZE - 1) */
    and x0, x0, #~(THREAD_SIZE_ - 1)
    ldr x0, [x0]                    /* thread_info->task: the model's pid for it */
    hostcall handle_arch_irq        /* irq_handler: the model's handle_arch_irq */
    kernel_exit
    .size el_irq, . - el_irq

    .global main
    .type main, %function
main:
    stp x29, x30, [sp, #-16]!
    ldr x0, =kvectors
    msr vbar_el1, x0
    isb
    hostcall kernel_start
    msr daifclr, #2
idle:
    hostcall cpu_idle
    wfi
    b idle
    .size main, . - main

/* irq_window: __do_softirq's interrupts-on stretch between softirq vectors at
 * irq_exit. The model (inside the hard IRQ's host call, DAIF.I already clear by
 * its local_irq_enable) calls it when an interrupt is pending; the core takes
 * it at this first instruction: el_irq pushes a new frame below the interrupted
 * one on SP_EL1 (a nested el1_irq), and returns here. */
    .global irq_window
    .type irq_window, %function
irq_window:
    ret
    .size irq_window, . - irq_window

/* task_loop: where a model task (kthread) runs on the core. Each task has its
 * own THREAD_SIZE aligned stack (SP_EL1) with its pid at the bottom (our
 * thread_info); the scheduler switches tasks by swapping the core's register
 * context inside a host call. One slice of the task's model work per host
 * call; between slices the core is back here, in guest code, IRQs enabled. */
    .global task_loop
    .type task_loop, %function
task_loop:
    msr daifclr, #2
1:  hostcall task_step
    b 1b
    .size task_loop, . - task_loop

/* secondary_startup: PSCI CPU_ON's entry point (x0 = its context id). */
    .global secondary_startup
    .type secondary_startup, %function
secondary_startup:
    mrs x19, mpidr_el1
    and x1, x19, #0xff              /* Aff0: this CPU's number (one cluster) */
    ldr x2, =__stack_base
    ldr x3, =__stack_size
    madd x2, x1, x3, x2
    add sp, x2, x3                  /* this CPU's boot stack: swapper/N's */
    ldr x0, =kvectors
    msr vbar_el1, x0
    isb
    mov x0, x19
    hostcall secondary_start        /* secondary_start_kernel: GIC interface up */
    msr daifclr, #2
    b idle
    .size secondary_startup, . - secondary_startup

/* __invoke_psci_fn_hvc(function_id, arg0, arg1, arg2): the PSCI call through
 * the hypervisor conduit (QEMU virt without EL2 firmware), result in x0. */
    .global __invoke_psci_fn_hvc
    .type __invoke_psci_fn_hvc, %function
__invoke_psci_fn_hvc:
    hvc #0
    ret
    .size __invoke_psci_fn_hvc, . - __invoke_psci_fn_hvc

/* hc_nop: what a host-call slot points at when the model has nothing to do
 * there (e.g. cpu_idle without a scheduler): a plain return, no host call. */
    .global hc_nop
    .type hc_nop, %function
hc_nop:
    ret
    .size hc_nop, . - hc_nop

    .data
    .align 3
    .global hostcalls
hostcalls:
    .global hc_handle_arch_irq, hc_kernel_start, hc_cpu_idle
hc_handle_arch_irq: .quad 0
hc_kernel_start:    .quad 0
hc_cpu_idle:        .quad 0
    .global hc_secondary_start, hc_task_step
hc_secondary_start: .quad 0
hc_task_step:       .quad 0
