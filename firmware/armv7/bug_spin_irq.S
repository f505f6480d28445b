/*
 * bug_spin_irq.elf / fix_spin_irq.elf (-DFIXED): a spinlock taken both by
 * the main loop, with IRQs enabled (spin_lock), and by an IRQ handler on the
 * same CPU. An IRQ taken while the main loop holds the lock spins in the
 * handler forever: the holder it waits for is the code it interrupted. On
 * SMP the lock itself is needed (another CPU's handler may take it too); it
 * must be taken with IRQs off on this CPU (spin_lock_irqsave).
 *
 * The main loop, ITERS times: lock, `shared++` and some work, unlock, idle.
 * The handler (IrqSource, classic.h): acknowledge, lock, `shared++`,
 * `handled++`, unlock. The lock is ldrex/strex with dmb (ARMv7 arch_spin_lock
 * without the ticket and WFE).
 *
 * Bug: the run never ends: `irqemu fuzz run` reports a hang (the run did not
 * reach its end within --max-time-ms) and where each CPU was.
 * Fixed: the main loop masks IRQs around its critical section (mrs/cpsid i
 * ... msr cpsr_c: raw_local_irq_save/restore).
 *
 * Exit code 0 when shared == ITERS + handled, else 1.
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
    ldr r7, =lock
    ldr r8, =shared
    mov r6, #ITERS
    cpsie i
1:
#ifdef FIXED
    mrs r5, cpsr                    /* spin_lock_irqsave */
    cpsid i
#endif
    mov r0, r7
    bl spin_lock
    ldr r0, [r8]
    add r0, r0, #1
    str r0, [r8]
    mov r0, #WORK                   /* the critical section's work: an IRQ here spins */
    busy r0
    mov r0, r7
    bl spin_unlock
#ifdef FIXED
    msr cpsr_c, r5                  /* spin_unlock_irqrestore */
#endif
    mov r0, #IDLE
    busy r0
    subs r6, r6, #1
    bne 1b
    cpsid i
    ldr r0, =handled
    ldr r0, [r0]
    add r0, r0, #ITERS
    ldr r1, [r8]
    cmp r0, r1
    moveq r0, #0
    movne r0, #1
    pop {r4-r8, pc}
    .size main, . - main

/* spin_lock(r0 = &lock): clobbers r1-r2 */
    .type spin_lock, %function
spin_lock:
    mov r2, #1
1:  ldrex r1, [r0]
    cmp r1, #0
    bne 1b                          /* held: spin */
    strex r1, r2, [r0]
    cmp r1, #0
    bne 1b
    dmb
    bx lr
    .size spin_lock, . - spin_lock

/* spin_unlock(r0 = &lock): clobbers r1 */
    .type spin_unlock, %function
spin_unlock:
    dmb
    mov r1, #0
    str r1, [r0]
    bx lr
    .size spin_unlock, . - spin_unlock

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r4, r12, lr}
    ldr r3, =GICC_BASE
    ldr r4, [r3, #GICC_IAR]
    ubfx r0, r4, #0, #10
    ldr r1, =GIC_SPURIOUS
    cmp r0, r1
    beq 9f
    ldr r0, =SRC_BASE
    ldr r1, [r0, #SRC_INT_STATUS]
    str r1, [r0, #SRC_INT_ACK]
    ldr r0, =lock
    bl spin_lock
    ldr r0, =shared
    ldr r1, [r0]
    add r1, r1, #1
    str r1, [r0]
    ldr r0, =handled
    ldr r1, [r0]
    add r1, r1, #1
    str r1, [r0]
    ldr r0, =lock
    bl spin_unlock
    clrex
    str r4, [r3, #GICC_EOIR]
9:  pop {r0-r4, r12, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler

    .data
    .align 2
    .global lock, shared, handled
lock:       .word 0
shared:     .word 0
handled:    .word 0
