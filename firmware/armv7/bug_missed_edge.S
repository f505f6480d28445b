/*
 * bug_missed_edge.elf / fix_missed_edge.elf (-DFIXED): an edge-triggered
 * source re-armed (acknowledged) only after the handler's work, so an event
 * arriving in between is lost.
 *
 * The IrqSource (classic.h) latches each event in INT_STATUS bit 0 and holds
 * its line high until the guest writes INT_ACK; GIC ID 68 is configured
 * edge-triggered (GICD_ICFGR), so the GIC sees one rising edge per latch.
 * The handler reads INT_STATUS, records the device's event count (FIRED) in
 * `seen`, does its work, and only then writes the bits it read to INT_ACK.
 * An event during the work finds bit 0 already set: no new edge, and the
 * late acknowledge clears it unseen. It takes two arrivals: one to enter
 * the handler, the second inside its work.
 *
 * Fixed: acknowledge the bits read first, then read FIRED and do the work.
 * An event before the acknowledge is merged into the one being handled (and
 * counted by the FIRED read after it); one after it latches a new edge and
 * the handler runs again.
 *
 * At the end main masks IRQs, waits until INT_STATUS is clear, snapshots
 * FIRED into `fired` and exits: 0 when seen == fired (every event was
 * followed by a handler run), else 1. `--check 'seen == fired'` says the same.
 */
#include "classic.h"

#define ITERS       40      /* main loop turns */
#define IDLE        60      /* busy iterations per turn */
#define WORK        300     /* busy iterations of the handler's work */

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    push {r4-r8, lr}
    ldr r4, =SRC_BASE
    mov r0, #0
    str r0, [r4, #SRC_INT_ENABLE]   /* line low while the GIC is set up */
    classic_gic_init
    ldr r0, =GICD_BASE + GICD_ICFGR + (SRC_ID / 16) * 4
    ldr r1, [r0]
    orr r1, r1, #(2 << ((SRC_ID % 16) * 2))   /* Int_config[1]: edge-triggered */
    str r1, [r0]
    mov r0, #1
    str r0, [r4, #SRC_INT_ENABLE]   /* an event latched before now is an edge now */
    mov r6, #ITERS
    cpsie i
1:  mov r0, #IDLE                   /* the main loop: nothing to do but wait */
    busy r0
    subs r6, r6, #1
    bne 1b

2:  cpsid i                         /* the end: no event left latched */
    ldr r5, [r4, #SRC_FIRED]
    ldr r0, [r4, #SRC_INT_STATUS]
    cmp r0, #0
    beq 3f
    wfi                             /* wakes on the pending IRQ though masked */
    cpsie i
    b 2b
3:  ldr r0, =fired
    str r5, [r0]
    ldr r0, =seen
    ldr r0, [r0]
    cmp r0, r5
    moveq r0, #0
    movne r0, #1
    pop {r4-r8, pc}
    .size main, . - main

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r4, r12, lr}
    ldr r2, =GICC_BASE
    ldr r3, [r2, #GICC_IAR]
    ubfx r0, r3, #0, #10
    ldr r1, =GIC_SPURIOUS
    cmp r0, r1
    beq 9f
    ldr r4, =SRC_BASE
    ldr r1, [r4, #SRC_INT_STATUS]
#ifdef FIXED
    str r1, [r4, #SRC_INT_ACK]      /* re-arm first: a later event is a new edge */
#endif
    ldr r0, [r4, #SRC_FIRED]
    ldr r12, =seen
    str r0, [r12]
    mov r0, #WORK                   /* the handler's work: an event now ... */
    busy r0
#ifndef FIXED
    str r1, [r4, #SRC_INT_ACK]      /* ... is cleared here, never seen */
#endif
    ldr r0, =handled
    ldr r12, [r0]
    add r12, r12, #1
    str r12, [r0]
    str r3, [r2, #GICC_EOIR]
9:  pop {r0-r4, r12, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler

    .data
    .align 2
    .global seen, fired, handled
seen:       .word 0
fired:      .word 0
handled:    .word 0
