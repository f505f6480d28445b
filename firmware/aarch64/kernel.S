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
 */
#include "board.h"

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
