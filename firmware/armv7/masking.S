/*
 * masking.elf -- what masking IRQs costs on ARMv7, for benchmarks of
 * `irqemu bench masking` (irqemu.bench.masking).
 *
 * Functions the host calls one at a time (AAPCS: r0 = iterations):
 *   loop_empty(n)        the loop alone (subs/bne), the baseline
 *   loop_disable_enable  cpsid i ; cpsie i              per iteration
 *   loop_save_restore    mrs r1, cpsr ; cpsid i ; msr cpsr_c, r1
 *                        (arch_local_irq_save / _restore for ARMv6+,
 *                        arch/arm/include/asm/irqflags.h)
 * main: the added-latency experiment. The Cortex-A9 private timer fires
 * every `timer_load`+1 PERIPHCLK ticks; the loop keeps IRQs masked for
 * `masked_iters` iterations of subs/bne and open for `open_iters`, until
 * `irq_target` interrupts were handled (all four words in .data, patched by
 * the host), then stops the timer, prints one line and returns 0.
 */
#include "board.h"

    .syntax unified
    .arm
    .text

    .global loop_empty, loop_disable_enable, loop_save_restore
    .type loop_empty, %function
loop_empty:
1:  subs r0, r0, #1
    bne 1b
    bx lr
    .size loop_empty, . - loop_empty

    .type loop_disable_enable, %function
loop_disable_enable:
1:  cpsid i
    cpsie i
    subs r0, r0, #1
    bne 1b
    bx lr
    .size loop_disable_enable, . - loop_disable_enable

    .type loop_save_restore, %function
loop_save_restore:
1:  mrs r1, cpsr
    cpsid i
    msr cpsr_c, r1
    subs r0, r0, #1
    bne 1b
    bx lr
    .size loop_save_restore, . - loop_save_restore

    .global main
    .type main, %function
main:
    push {r4-r8, lr}
    ldr r0, =str_banner
    bl uart_puts

    bl gic_dist_reset
    mov r0, #PTIMER_ID
    mov r1, #0xa0
    bl gic_enable
    ldr r4, =GICC_BASE
    mov r0, #0xf0
    str r0, [r4, #GICC_PMR]
    mov r0, #1
    str r0, [r4, #GICC_CTLR]
    ldr r0, =GICD_BASE
    mov r1, #1
    str r1, [r0, #GICD_CTLR]

    ldr r4, =PTIMER_BASE
    mov r0, #0
    str r0, [r4, #PTIMER_CTRL]
    mov r0, #1
    str r0, [r4, #PTIMER_ISR]
    ldr r0, =timer_load
    ldr r0, [r0]
    str r0, [r4, #PTIMER_LOAD]

    ldr r5, =ticks
    ldr r6, =masked_iters
    ldr r6, [r6]
    ldr r7, =open_iters
    ldr r7, [r7]
    ldr r8, =irq_target
    ldr r8, [r8]
    mov r0, #7                      /* enable | auto-reload | IRQ enable */
    str r0, [r4, #PTIMER_CTRL]
    cpsie i

window:
    cpsid i                         /* masked for masked_iters iterations */
    movs r0, r6
    beq 3f
1:  subs r0, r0, #1
    bne 1b
3:  cpsie i                         /* open for open_iters iterations */
    movs r0, r7
    beq 4f
2:  subs r0, r0, #1
    bne 2b
4:
    ldr r0, [r5]
    cmp r0, r8
    blo window

    cpsid i
    mov r0, #0
    str r0, [r4, #PTIMER_CTRL]
    ldr r0, =str_done
    bl uart_puts
    ldr r0, [r5]
    bl uart_put_dec
    bl uart_nl
    mov r0, #0
    pop {r4-r8, pc}
    .size main, . - main

str_banner: .asciz "irqemu masking (armv7)\n"
str_done:   .asciz "masking: interrupts handled "
    .align 2

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r3, lr}
    ldr r1, =GICC_BASE
    ldr r0, [r1, #GICC_IAR]
    ubfx r2, r0, #0, #10
    ldr r3, =GIC_SPURIOUS
    cmp r2, r3
    beq 2f
    ldr r3, =PTIMER_BASE
    mov r2, #1
    str r2, [r3, #PTIMER_ISR]       /* clear the event flag */
    ldr r3, =ticks
    ldr r2, [r3]
    add r2, r2, #1
    str r2, [r3]
    str r0, [r1, #GICC_EOIR]
2:  pop {r0-r3, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler

    .data
    .align 2
    .global timer_load, masked_iters, open_iters, irq_target
timer_load:   .word 2002
masked_iters: .word 100
open_iters:   .word 400
irq_target:   .word 200

    .bss
    .align 2
ticks:      .space 4
