/*
 * bug_eoi_early.elf / fix_eoi_early.elf (-DFIXED): a level-triggered line
 * acknowledged at the GIC (EOI) before its source is cleared, in a handler
 * that lets interrupts nest: the still-asserted line is taken again at once
 * and the second entry finds nothing to do (a spurious re-entry).
 *
 * The IrqSource (classic.h) holds its level line high until INT_ACK. The
 * IRQ entry saves LR_irq and SPSR_irq on the System-mode stack (srsdb),
 * acknowledges at the GIC (IAR), and runs `isr` in System mode with IRQs
 * enabled, so a higher-priority interrupt may preempt it (the GIC's running
 * priority keeps the same and lower priorities out); a nested entry runs its
 * isr with IRQs masked (one level of nesting, counted in `nesting`). `isr` reads
 * INT_STATUS: non-zero, it acknowledges the device and counts the event in
 * `handled`; zero, the entry was spurious (`spurious`++).
 *
 * Bug: EOIR is written right after IAR. That drops the running priority
 * while the source still holds its line high, so the line is pending again
 * and is taken as soon as `cpsie i` opens the window: the nested entry
 * handles the event (handled++) and the outer isr then reads INT_STATUS 0
 * (spurious++): one event, two entries. (This GIC's level pending follows
 * the line, so without the window between EOI and the clear nothing shows;
 * a handler that enabled IRQs at every depth would re-enter without end.)
 * Fixed: EOIR once isr has cleared the source (Linux's fasteoi flow).
 *
 * Exit code 0 when spurious == 0, else 1; `--check 'spurious == 0'`.
 */
#include "classic.h"

#define ITERS       40
#define IDLE        60
#define WORK        100

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    push {r4-r8, lr}
    classic_gic_init
    mov r6, #ITERS
    cpsie i
1:  mov r0, #IDLE
    busy r0
    subs r6, r6, #1
    bne 1b
    cpsid i
    ldr r0, =spurious
    ldr r0, [r0]
    cmp r0, #0
    moveq r0, #0
    movne r0, #1
    pop {r4-r8, pc}
    .size main, . - main

/* isr: the device's handler, IRQs enabled. Clobbers r0-r3. */
    .type isr, %function
isr:
    ldr r0, =SRC_BASE
    ldr r1, [r0, #SRC_INT_STATUS]
    cmp r1, #0
    ldreq r2, =spurious             /* nothing latched: a spurious entry */
    beq 1f
    str r1, [r0, #SRC_INT_ACK]      /* the source drops its line */
    ldr r2, =handled
1:  ldr r3, [r2]
    add r3, r3, #1
    str r3, [r2]
    mov r0, #WORK
    busy r0
    bx lr
    .size isr, . - isr

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    sub lr, lr, #4
    srsdb sp!, #MODE_SYS            /* LR_irq, SPSR_irq onto the System stack */
    cps #MODE_SYS
    push {r0-r5, r12, lr}
    ldr r4, =GICC_BASE
    ldr r5, [r4, #GICC_IAR]
    ubfx r0, r5, #0, #10
    ldr r1, =GIC_SPURIOUS
    cmp r0, r1
    beq 9f
#ifndef FIXED
    str r5, [r4, #GICC_EOIR]        /* EOI while the source still holds its line */
#endif
    ldr r2, =nesting
    ldr r3, [r2]
    add r3, r3, #1
    str r3, [r2]
    cmp r3, #1
    bne 1f                          /* nested already: one level of nesting */
    cpsie i                         /* nesting: a higher priority may preempt */
1:  bl isr
    cpsid i
    ldr r2, =nesting
    ldr r3, [r2]
    sub r3, r3, #1
    str r3, [r2]
#ifdef FIXED
    str r5, [r4, #GICC_EOIR]        /* EOI after the source was cleared */
#endif
9:  pop {r0-r5, r12, lr}
    rfeia sp!
    .size irq_handler, . - irq_handler

    .data
    .align 2
    .global handled, spurious
handled:    .word 0
spurious:   .word 0
nesting:    .word 0             /* handler depth: only the outermost enables IRQs */
