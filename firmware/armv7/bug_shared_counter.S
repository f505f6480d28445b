/*
 * bug_shared_counter.elf / fix_shared_counter.elf (-DFIXED): a counter of
 * pending events shared between an IRQ handler and the main loop, updated
 * by the main loop without masking interrupts (a lost update).
 *
 * The IRQ handler reads and acknowledges the IrqSource (classic.h) and does
 * `pending++; handled++`. The main loop, ITERS times, takes one event when
 * pending is non-zero: it snapshots pending, runs `consume` (the event's
 * work, processed++), then stores snapshot - 1. An event handled while
 * consume runs increments pending, and the stale store overwrites it: that
 * event is never processed. It takes two arrivals: one to make pending
 * non-zero, the second inside consume.
 *
 * Fixed: the read-modify-write of pending runs with IRQs masked (cpsid i /
 * cpsie i, Linux's local_irq_disable on one CPU), before consume.
 *
 * At the end main masks IRQs, processes what is still pending and exits
 * through semihosting: 0 when processed == handled, else 1. `--check
 * 'processed == handled'` says the same from the ELF symbols.
 */
#include "classic.h"

#define ITERS       40      /* main loop turns */
#define CONSUME     300     /* busy iterations of one event's work */
#define IDLE        60      /* busy iterations between two looks at pending */

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    push {r4-r8, lr}
    classic_gic_init
    ldr r7, =pending
    mov r6, #ITERS
    cpsie i
loop:
#ifdef FIXED
    cpsid i                         /* local_irq_disable */
#endif
    ldr r4, [r7]
    cmp r4, #0
    beq idle
#ifdef FIXED
    sub r4, r4, #1
    str r4, [r7]
    cpsie i                         /* local_irq_enable: the update is whole */
    bl consume
#else
    bl consume                      /* an IRQ here does pending++ ... */
    sub r4, r4, #1
    str r4, [r7]                    /* ... and this stale store undoes it */
#endif
idle:
#ifdef FIXED
    cpsie i
#endif
    mov r0, #IDLE
    busy r0
    subs r6, r6, #1
    bne loop

    cpsid i                         /* the end: what is still pending is processed */
    ldr r0, [r7]
    ldr r1, =processed
    ldr r2, [r1]
    add r2, r2, r0
    str r2, [r1]
    mov r0, #0
    str r0, [r7]
    ldr r0, =handled
    ldr r0, [r0]
    cmp r0, r2
    moveq r0, #0
    movne r0, #1
    pop {r4-r8, pc}
    .size main, . - main

/* consume: one event's work; processed++. Clobbers r0-r1. */
    .type consume, %function
consume:
    mov r0, #CONSUME
    busy r0
    ldr r0, =processed
    ldr r1, [r0]
    add r1, r1, #1
    str r1, [r0]
    bx lr
    .size consume, . - consume

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r3, r12, lr}
    ldr r2, =GICC_BASE
    ldr r3, [r2, #GICC_IAR]
    ubfx r0, r3, #0, #10
    ldr r1, =GIC_SPURIOUS
    cmp r0, r1
    beq 9f
    ldr r0, =SRC_BASE
    ldr r1, [r0, #SRC_INT_STATUS]
    str r1, [r0, #SRC_INT_ACK]
    ldr r0, =pending
    ldr r1, [r0]
    add r1, r1, #1
    str r1, [r0]
    ldr r0, =handled
    ldr r1, [r0]
    add r1, r1, #1
    str r1, [r0]
    str r3, [r2, #GICC_EOIR]
9:  pop {r0-r3, r12, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler

    .data
    .align 2
    .global pending, processed, handled
pending:    .word 0
processed:  .word 0
handled:    .word 0
