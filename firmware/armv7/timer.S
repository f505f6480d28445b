/*
 * timer.elf -- Cortex-A9 private timer (PPI, GIC ID 29) as a periodic IRQ.
 *
 * GIC: distributor + CPU interface enabled, every ID group 0 (the reset
 * value), FIQEn = 0 so group 0 is signalled as IRQ, PMR 0xf0, ID 29 at
 * priority 0xa0.  Private timer: auto-reload, IRQ enable, prescaler 0.
 * The IRQ handler: IAR (1023 = spurious: return without EOI), clear the
 * timer event flag, count, stop the timer at the 10th tick, EOIR with the
 * IAR value, `subs pc, lr, #4`.  main: `cpsie i`, then wfi and print one
 * line per new tick; output does not depend on timing.
 */
#include "board.h"

#define NTICKS      10
#define TIMER_LOAD  999999          /* 10 ms at QEMU's 100 MHz PERIPHCLK */

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    push {r4-r6, lr}
    ldr r0, =str_banner
    bl uart_puts

    bl gic_dist_reset
    mov r0, #PTIMER_ID
    mov r1, #0xa0
    bl gic_enable
    ldr r4, =GICC_BASE
    mov r0, #0xf0
    str r0, [r4, #GICC_PMR]
    mov r0, #1                      /* EnableGrp0, FIQEn = 0: group 0 -> IRQ */
    str r0, [r4, #GICC_CTLR]
    ldr r0, =GICD_BASE
    mov r1, #1
    str r1, [r0, #GICD_CTLR]

    ldr r4, =PTIMER_BASE
    mov r0, #0
    str r0, [r4, #PTIMER_CTRL]
    mov r0, #1
    str r0, [r4, #PTIMER_ISR]       /* clear a stale event */
    ldr r0, =TIMER_LOAD
    str r0, [r4, #PTIMER_LOAD]
    mov r0, #7                      /* enable | auto-reload | IRQ enable */
    str r0, [r4, #PTIMER_CTRL]

    ldr r5, =ticks
    mov r6, #0                      /* ticks printed so far */
    cpsie i
1:  wfi
2:  ldr r0, [r5]
    cmp r6, r0
    bhs 3f
    add r6, r6, #1
    ldr r0, =str_tick
    bl uart_puts
    mov r0, r6
    bl uart_put_dec
    bl uart_nl
    b 2b
3:  cmp r6, #NTICKS
    blo 1b

    cpsid i
    mov r0, #0
    str r0, [r4, #PTIMER_CTRL]      /* (the handler already stopped it) */
    mov r0, #PTIMER_ID
    bl gic_disable

    ldr r0, =unexpected
    ldr r0, [r0]
    cmp r0, #0
    bne 9f
    ldr r0, =str_done1
    bl uart_puts
    ldr r0, [r5]
    bl uart_put_dec
    ldr r0, =str_done2
    bl uart_puts
    mov r0, #0
    pop {r4-r6, pc}
9:  ldr r0, =str_fail
    bl uart_puts
    mov r0, #1
    pop {r4-r6, pc}
    .size main, . - main

str_banner: .asciz "irqemu timer test (armv7)\n"
str_tick:   .asciz "tick "
str_done1:  .asciz "timer: "
str_done2:  .asciz " ticks, done\n"
str_fail:   .asciz "timer: FAIL, interrupt other than ID 29 taken\n"
    .align 2

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r3, r12, lr}
    ldr r1, =GICC_BASE
    ldr r0, [r1, #GICC_IAR]
    ubfx r2, r0, #0, #10
    ldr r3, =GIC_SPURIOUS
    cmp r2, r3
    beq 2f                          /* spurious: no EOI */
    cmp r2, #PTIMER_ID
    bne 1f
    ldr r3, =PTIMER_BASE
    mov r12, #1
    str r12, [r3, #PTIMER_ISR]      /* clear the event flag */
    ldr r12, =ticks
    ldr r2, [r12]
    add r2, r2, #1
    str r2, [r12]
    cmp r2, #NTICKS
    movhs r2, #0
    strhs r2, [r3, #PTIMER_CTRL]    /* stop after the last tick */
    b 3f
1:  ldr r12, =unexpected
    ldr r2, [r12]
    add r2, r2, #1
    str r2, [r12]
3:  str r0, [r1, #GICC_EOIR]
2:  pop {r0-r3, r12, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler

    .bss
    .align 2
ticks:      .space 4
unexpected: .space 4
