/*
 * bug_early_unmask.elf / fix_early_unmask.elf (-DFIXED): the main loop takes
 * the events an IRQ handler counted in `pending` with IRQs masked, as it
 * should, but unmasks one instruction too early: `cpsie i` comes before the
 * store that zeroes `pending`. An event that arrived while IRQs were masked
 * is taken right at the unmask, its handler does `pending++; handled++`, and
 * the store then wipes it: that event is never processed. The bug lives only
 * at the masked window's edge: an arrival in the window (a few ns per loop
 * turn) or in the two instructions after it; anywhere else in the long turn
 * of work the event is handled and taken by the next turn. One arrival.
 *
 * Fixed: the store comes before `cpsie i` (Linux: the update is whole inside
 * local_irq_disable()/local_irq_enable()).
 *
 * At the end main masks IRQs, processes what is still pending and exits
 * through semihosting: 0 when processed == handled, else 1. `--check
 * 'processed == handled'` says the same from the ELF symbols.
 */
#include "classic.h"

#define ITERS       40      /* main loop turns */
#define WORK        400     /* busy iterations of work per turn, IRQs enabled */

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    push {r4-r8, lr}
    classic_gic_init
    ldr r7, =pending
    ldr r8, =processed
    mov r6, #ITERS
    cpsie i
loop:
    mov r0, #WORK
    busy r0
    cpsid i                         /* local_irq_disable */
    ldr r4, [r7]                    /* the events counted so far */
    mov r5, #0
#ifdef FIXED
    str r5, [r7]                    /* pending = 0 ... */
    cpsie i                         /* ... then local_irq_enable: whole */
#else
    cpsie i                         /* local_irq_enable: an IRQ pending is taken here */
    str r5, [r7]                    /* ... and this store wipes its pending++ */
#endif
    ldr r0, [r8]
    add r0, r0, r4
    str r0, [r8]                    /* processed += what was taken */
    subs r6, r6, #1
    bne loop

    cpsid i                         /* the end: what is still pending is processed */
    ldr r0, [r7]
    ldr r2, [r8]
    add r2, r2, r0
    str r2, [r8]
    mov r0, #0
    str r0, [r7]
    ldr r0, =handled
    ldr r0, [r0]
    cmp r0, r2
    moveq r0, #0
    movne r0, #1
    pop {r4-r8, pc}
    .size main, . - main

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
