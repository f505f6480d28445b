/*
 * timer.elf -- the ARM generic timer's virtual timer (PPI, GIC ID 27) as a
 * periodic IRQ, on QEMU virt (Cortex-A53).
 *
 * GIC: distributor + CPU interface enabled, every ID group 0, PMR 0xf0, ID 27
 * at priority 0xa0.  Virtual timer: CNTV_TVAL_EL0 = 10 ms of the counter,
 * CNTV_CTL_EL0 = ENABLE.  The IRQ handler: IAR (1023 = spurious: return
 * without EOI), count, re-arm CNTV_TVAL_EL0 (which drops the level), disable
 * the timer at the 10th tick, EOIR with the IAR value; the vector stub
 * `eret`s.  main: `msr daifclr, #2`, then wfi and print one line per new
 * tick; output does not depend on timing.
 */
#include "board.h"

#define NTICKS      10

    .text
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
    mov w0, #1                      /* enable the CPU interface (group 0 -> IRQ) */
    str w0, [x19, #GICC_CTLR]
    ldr x0, =GICD_BASE
    mov w1, #1
    str w1, [x0, #GICD_CTLR]

    msr cntv_ctl_el0, xzr
    mrs x0, cntfrq_el0
    mov x1, #100
    udiv x0, x0, x1                 /* 10 ms of the counter */
    adr x1, period
    str x0, [x1]
    msr cntv_tval_el0, x0
    mov x0, #CNT_CTL_ENABLE
    msr cntv_ctl_el0, x0
    isb

    adr x20, ticks
    mov x21, #0                     /* ticks printed so far */
    msr daifclr, #2
1:  wfi
2:  ldr x0, [x20]
    cmp x21, x0
    b.hs 3f
    add x21, x21, #1
    adr x0, str_tick
    bl uart_puts
    mov x0, x21
    bl uart_put_dec
    bl uart_nl
    b 2b
3:  cmp x21, #NTICKS
    b.lo 1b

    msr daifset, #2
    msr cntv_ctl_el0, xzr           /* (the handler already stopped it) */
    mov w0, #VTIMER_ID
    bl gic_disable

    adr x0, unexpected
    ldr x0, [x0]
    cbnz x0, 9f
    adr x0, str_done1
    bl uart_puts
    ldr x0, [x20]
    bl uart_put_dec
    adr x0, str_done2
    bl uart_puts
    mov w0, #0
    b 8f
9:  adr x0, str_fail
    bl uart_puts
    mov w0, #1
8:  ldp x21, x22, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #48
    ret
    .size main, . - main

str_banner: .asciz "irqemu timer test (aarch64)\n"
str_tick:   .asciz "tick "
str_done1:  .asciz "timer: "
str_done2:  .asciz " ticks, done\n"
str_fail:   .asciz "timer: FAIL, interrupt other than ID 27 taken\n"
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
    b.eq 2f                         /* spurious: no EOI */
    cmp w2, #VTIMER_ID
    b.ne 1f
    adr x4, ticks
    ldr x2, [x4]
    add x2, x2, #1
    str x2, [x4]
    cmp x2, #NTICKS
    b.hs 4f
    adr x3, period
    ldr x3, [x3]
    msr cntv_tval_el0, x3           /* next tick; the timer output drops */
    b 3f
4:  msr cntv_ctl_el0, xzr           /* stop after the last tick */
    b 3f
1:  adr x4, unexpected
    ldr x2, [x4]
    add x2, x2, #1
    str x2, [x4]
3:  isb
    str w0, [x1, #GICC_EOIR]
2:  ret
    .size irq_handler, . - irq_handler

    .bss
    .align 3
ticks:      .space 8
unexpected: .space 8
period:     .space 8
