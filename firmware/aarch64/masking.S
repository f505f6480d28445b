/*
 * masking.elf -- what masking IRQs costs on AArch64, for `irqemu bench masking`.
 *
 * Host-called functions (AAPCS64: x0 = iterations):
 *   loop_empty(n)           subs/b.ne alone, the baseline
 *   loop_disable_enable(n)  msr daifset, #2 ; msr daifclr, #2
 *                           (arch_local_irq_disable / _enable, arm64 irqflags.h)
 *   loop_save_restore(n)    mrs x1, daif ; msr daifset, #2 ; msr daif, x1
 *                           (arch_local_irq_save / _restore)
 * main: the added-latency experiment. The virtual generic timer (PPI 27)
 * fires every `timer_load` counter ticks, re-armed from the handler with
 * CVAL += period so the ticks do not drift with handling; the loop keeps
 * IRQs masked for `masked_iters` iterations and open for `open_iters`,
 * until `irq_target` interrupts were handled (.data words the host patches).
 */
#include "board.h"

    .text
    .global loop_empty, loop_disable_enable, loop_save_restore

    .type loop_empty, %function
loop_empty:
1:  subs x0, x0, #1
    b.ne 1b
    ret
    .size loop_empty, . - loop_empty

    .type loop_disable_enable, %function
loop_disable_enable:
1:  msr daifset, #2
    msr daifclr, #2
    subs x0, x0, #1
    b.ne 1b
    ret
    .size loop_disable_enable, . - loop_disable_enable

    .type loop_save_restore, %function
loop_save_restore:
1:  mrs x1, daif
    msr daifset, #2
    msr daif, x1
    subs x0, x0, #1
    b.ne 1b
    ret
    .size loop_save_restore, . - loop_save_restore

    .global main
    .type main, %function
main:
    stp x29, x30, [sp, #-48]!
    stp x19, x20, [sp, #16]
    stp x21, x22, [sp, #32]
    adr x0, str_banner
    bl uart_puts

    bl gic_dist_reset
    mov w0, #VTIMER_ID
    mov w1, #0xa0
    bl gic_enable
    ldr x19, =GICC_BASE
    mov w0, #0xf0
    str w0, [x19, #GICC_PMR]
    mov w0, #1
    str w0, [x19, #GICC_CTLR]
    ldr x0, =GICD_BASE
    mov w1, #1
    str w1, [x0, #GICD_CTLR]

    ldr x0, =timer_load
    ldr w0, [x0]
    mrs x1, cntvct_el0
    add x1, x1, x0
    msr cntv_cval_el0, x1
    mov x0, #CNT_CTL_ENABLE
    msr cntv_ctl_el0, x0
    isb

    ldr x0, =masked_iters
    ldr w19, [x0]
    ldr x0, =open_iters
    ldr w20, [x0]
    ldr x0, =irq_target
    ldr w21, [x0]
    ldr x22, =ticks
    msr daifclr, #2

window:
    msr daifset, #2                 /* masked for masked_iters iterations */
    mov x0, x19
    cbz x0, 3f
1:  subs x0, x0, #1
    b.ne 1b
3:  msr daifclr, #2                 /* open for open_iters iterations */
    mov x0, x20
    cbz x0, 4f
2:  subs x0, x0, #1
    b.ne 2b
4:  ldr w0, [x22]
    cmp w0, w21
    b.lo window

    msr daifset, #2
    msr cntv_ctl_el0, xzr
    adr x0, str_done
    bl uart_puts
    ldr w0, [x22]
    bl uart_put_dec
    bl uart_nl
    mov w0, #0
    ldp x21, x22, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #48
    ret
    .size main, . - main

str_banner: .asciz "irqemu masking (aarch64)\n"
str_done:   .asciz "masking: interrupts handled "
    .align 2

/* irq_handler(x0 = frame, x1 = entry index): may clobber x0-x18 */
    .global irq_handler
    .type irq_handler, %function
irq_handler:
    ldr x1, =GICC_BASE
    ldr w0, [x1, #GICC_IAR]
    and w2, w0, #0x3ff
    mov w3, #GIC_SPURIOUS
    cmp w2, w3
    b.eq 2f
    ldr x3, =timer_load
    ldr w3, [x3]
    mrs x4, cntv_cval_el0
    add x4, x4, x3
    msr cntv_cval_el0, x4           /* next tick, one period after the last */
    isb
    ldr x3, =ticks
    ldr w2, [x3]
    add w2, w2, #1
    str w2, [x3]
    str w0, [x1, #GICC_EOIR]
2:  ret
    .size irq_handler, . - irq_handler

    .data
    .align 2
    .global timer_load, masked_iters, open_iters, irq_target
timer_load:   .word 211                 /* counter ticks (62.5 MHz) */
masked_iters: .word 100
open_iters:   .word 400
irq_target:   .word 200

    .bss
    .align 3
ticks:      .space 8
