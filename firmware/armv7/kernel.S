/*
 * kernel.elf -- the ARMv7 side of irqemu's modelled Linux kernel.
 *
 * The guest always runs; the kernel model (Python) is reached through host
 * calls: a host call is a `blx` to an address in irqemu's host-call page,
 * which the host writes into the `hostcalls` table below before the run
 * (irqemu.kernel.platform). The model then runs with the CPU exactly in the
 * state the stub left it (mode, mask bits, stack) and returns as `bx lr`.
 *
 *  - irq vector: as Linux's __irq_svc, leave IRQ mode for SVC before
 *    calling the model (srsdb saves LR_irq/SPSR_irq on the SVC stack, cps
 *    to SVC), so a nested IRQ taken while the model has interrupts enabled
 *    (softirqs at irq_exit) does not clobber LR_irq; rfeia returns.
 *  - irq_window: where a hard IRQ that becomes pending while the model runs
 *    softirqs at irq_exit (IRQs enabled) is taken, nested in the first one.
 *  - main (CPU0 after common.S start-up): hostcall kernel_start, unmask
 *    IRQs, then the idle loop: hostcall cpu_idle (the model's scheduler
 *    decides whether to idle), wfi, repeat. The model ends the run
 *    (semihosting-free: the host stops the machine) when its scenario is over.
 *  - secondary_startup: where the SRC starts CPUs 1-3 (the model writes it
 *    into SRC_GPR as imx_boot_secondary does): per-CPU mode stacks found
 *    from MPIDR, VBAR, hostcall secondary_start (the model brings this CPU's
 *    GIC interface up), unmask, the same idle loop.
 */
#include "board.h"

    .syntax unified
    .arm
    .text

    .macro hostcall name
    ldr r12, =hc_\name
    ldr r12, [r12]
    blx r12
    .endm

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    sub lr, lr, #4
    srsdb sp!, #MODE_SVC            /* LR_irq and SPSR_irq onto the SVC stack */
    cps #MODE_SVC
    push {r0-r3, r12, lr}           /* AAPCS caller-saved registers + lr_svc */
    mov r0, sp                      /* current_thread_info(): sp & ~(THREAD_SIZE - 1) */
    bic r0, r0, #0x1F00
    bic r0, r0, #0x00FF
    ldr r0, [r0]                    /* thread_info->task: the model's pid for it */
    hostcall handle_arch_irq        /* the model: gic_handle_irq on this CPU */
    pop {r0-r3, r12, lr}
    rfeia sp!
    .size irq_handler, . - irq_handler

    .global main
    .type main, %function
main:
    push {r4, lr}
    hostcall kernel_start
    cpsie i
idle:
    hostcall cpu_idle
    wfi
    b idle
    .size main, . - main

/* task_loop: where a model task (kthread) runs on the core. Each task has its
 * own THREAD_SIZE (8 KiB) aligned SVC stack with its pid at the bottom (our
 * thread_info); the scheduler switches tasks by swapping the core's register
 * context inside a host call. One slice of the task's model work per host
 * call; between slices the core is back here, in guest code, IRQs enabled. */
    .global task_loop
    .type task_loop, %function
task_loop:
    cpsie i
1:  hostcall task_step
    b 1b
    .size task_loop, . - task_loop

/* irq_window: __do_softirq's interrupts-on stretch between softirq vectors at
 * irq_exit. The model (inside the hard IRQ's host call, IRQs already enabled by
 * its local_irq_enable) calls it when an interrupt is pending; the core takes
 * it at this first instruction: irq_handler runs again on the same SVC stack,
 * below the interrupted one's frame (a nested __irq_svc), and returns here. */
    .global irq_window
    .type irq_window, %function
irq_window:
    bx lr
    .size irq_window, . - irq_window

#define PERCPU_SIZE 0x4000             /* per CPU: IRQ/FIQ/ABT/UND 1 KiB each, SVC 8 KiB */
/* The secondaries' stacks: a fixed block after common.S's CPU0 stacks, like
 * them outside the ELF image (no .bss to clear at boot). */
#define percpu_stacks 0x10110000

    .global secondary_startup
    .type secondary_startup, %function
secondary_startup:
    mrc p15, 0, r0, c0, c0, 5       /* MPIDR.Aff0: this CPU's number */
    and r0, r0, #3
    ldr r1, =percpu_stacks
    mov r2, #PERCPU_SIZE
    mla r1, r0, r2, r1              /* this CPU's stack block */
    cpsid aif, #MODE_IRQ
    add sp, r1, #0x0400
    cps #MODE_FIQ
    add sp, r1, #0x0800
    cps #MODE_ABT
    add sp, r1, #0x0C00
    cps #MODE_UND
    add sp, r1, #0x1000
    cps #MODE_SVC
    add sp, r1, #PERCPU_SIZE        /* SVC: the top 8 KiB (THREAD_SIZE aligned) */
    ldr r0, =vectors
    mcr p15, 0, r0, c12, c0, 0      /* VBAR */
    isb
    hostcall secondary_start
    cpsie i
    b idle
    .size secondary_startup, . - secondary_startup

/* Guest-code interrupt handlers the model can register by ELF symbol
 * (KernelPlatform.guest_handler): irqreturn_t handler(int irq), AAPCS. */
    .global guest_irq_count
    .type guest_irq_count, %function
guest_irq_count:                    /* counts calls; IRQ_NONE: touches no device */
    ldr r1, =guest_irq_calls
    ldr r2, [r1]
    add r2, r2, #1
    str r2, [r1]
    mov r0, #0                      /* IRQ_NONE */
    bx lr
    .size guest_irq_count, . - guest_irq_count

    .global guest_twd_handler
    .type guest_twd_handler, %function
guest_twd_handler:                  /* Cortex-A9 private timer: clear the event flag */
    ldr r1, =PTIMER_BASE
    mov r2, #1
    str r2, [r1, #PTIMER_ISR]
    ldr r1, =guest_irq_calls
    ldr r2, [r1]
    add r2, r2, #1
    str r2, [r1]
    mov r0, #1                      /* IRQ_HANDLED */
    bx lr
    .size guest_twd_handler, . - guest_twd_handler

/* hc_nop: what a host-call slot points at when the model has nothing to do
 * there (e.g. cpu_idle without a scheduler): a plain return, no host call. */
    .global hc_nop
    .type hc_nop, %function
hc_nop:
    bx lr
    .size hc_nop, . - hc_nop

    .data
    .align 2
    .global hostcalls
hostcalls:
    .global hc_handle_arch_irq, hc_kernel_start, hc_cpu_idle
hc_handle_arch_irq: .word 0
hc_kernel_start:    .word 0
hc_cpu_idle:        .word 0
    .global hc_secondary_start
hc_secondary_start: .word 0
    .global hc_task_step
hc_task_step:       .word 0
    .global guest_irq_calls
guest_irq_calls:    .word 0
