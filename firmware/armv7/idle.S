/*
 * idle.elf -- prints one line, turns every interrupt source off and then
 * sleeps in `wfi` forever with IRQ and FIQ unmasked.  Nothing can wake the
 * core: private timer and GPT are stopped with their interrupts disabled,
 * every GIC ID is disabled and not pending (distributor and CPU interface
 * are enabled, so only the per-ID enables keep it quiet).  Never exits;
 * no semihosting.
 */
#include "board.h"

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    ldr r0, =str_banner
    bl uart_puts

    ldr r1, =PTIMER_BASE            /* private timer off, event cleared */
    mov r0, #0
    str r0, [r1, #PTIMER_CTRL]
    mov r0, #1
    str r0, [r1, #PTIMER_ISR]
    ldr r1, =GPT_BASE               /* GPT off, interrupts off, status clear */
    mov r0, #0
    str r0, [r1, #GPT_CR]
    str r0, [r1, #GPT_IR]
    mov r0, #0x3f
    str r0, [r1, #GPT_SR]

    bl gic_dist_reset               /* all IDs disabled, not pending */
    ldr r1, =GICC_BASE
    mov r0, #0xf0
    str r0, [r1, #GICC_PMR]
    mov r0, #1
    str r0, [r1, #GICC_CTLR]
    ldr r1, =GICD_BASE
    str r0, [r1, #GICD_CTLR]

    ldr r0, =str_idle
    bl uart_puts
    cpsie if
1:  wfi
    b 1b
    .size main, . - main

str_banner: .asciz "irqemu idle test (armv7)\n"
str_idle:   .asciz "idle: all interrupt sources off, IRQ/FIQ unmasked, entering wfi forever\n"
    .align 2
