/*
 * irq_bench.elf -- a fast periodic timer IRQ for benchmarks/irq_rate.py.
 *
 * As timer.elf (GIC ID 29 = private timer, group 0 signalled as IRQ, PMR
 * 0xf0, priority 0xa0), but the timer reloads every LOAD+1 = 1000 PERIPHCLK
 * ticks (2000 CPU cycles on the i.MX6Q, where PERIPHCLK = CPU clock / 2) and
 * the handler counts silently up to `irq_target` (.data, default 20000; a
 * host may patch it before running), stopping the timer from the handler at
 * the last tick so the count is exact.  main spins in an ALU loop until the
 * count is reached (or, when `irq_wfi` is nonzero, sleeps in wfi between
 * interrupts), then prints one line and exits through semihosting.
 */
#include "board.h"

#define TIMER_LOAD  999

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    push {r4-r10, lr}
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
    str r0, [r4, #PTIMER_ISR]
    ldr r0, =TIMER_LOAD
    str r0, [r4, #PTIMER_LOAD]

    ldr r5, =ticks
    ldr r7, =irq_target
    ldr r7, [r7]
    ldr r10, =irq_wfi
    ldr r10, [r10]
    mov r8, #0
    mov r9, #0
    mov r0, #7                      /* enable | auto-reload | IRQ enable */
    str r0, [r4, #PTIMER_CTRL]
    cpsie i
    .global irq_bench_loop      /* the main loop (benchmarks run it alone as a baseline) */
irq_bench_loop:
1:  cmp r10, #0
    beq 2f
    wfi
2:  add r8, r8, #1                  /* some work between interrupts */
    eor r9, r9, r8, ror #7
    ldr r0, [r5]
    cmp r0, r7
    blo 1b

    cpsid i
    mov r0, #0
    str r0, [r4, #PTIMER_CTRL]
    mov r0, #PTIMER_ID
    bl gic_disable

    ldr r0, =str_done1
    bl uart_puts
    ldr r0, [r5]
    bl uart_put_dec
    ldr r0, =str_done2
    bl uart_puts
    ldr r0, =unexpected
    ldr r0, [r0]
    bl uart_put_dec
    bl uart_nl
    ldr r0, =unexpected
    ldr r0, [r0]
    pop {r4-r10, pc}
    .size main, . - main

str_banner: .asciz "irqemu irq_bench (armv7)\n"
str_done1:  .asciz "irq_bench: "
str_done2:  .asciz " timer interrupts, unexpected "
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
    ldr r12, =irq_target
    ldr r12, [r12]
    cmp r2, r12
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

    .data
    .align 2
    .global irq_target, irq_wfi
irq_target: .word 20000
irq_wfi:    .word 0

    .bss
    .align 2
ticks:      .space 4
unexpected: .space 4
