/*
 * lost_update.elf -- a task and an IRQ handler both increment one shared
 * counter, for `irqemu fuzz lost-update` (irqemu.fuzz.lost_update).
 *
 * The host connects two IrqSource devices (INT_STATUS +0x00, INT_ACK +0x04,
 * FIRED +0x0C) in free i.MX6Q slots -- 0x021A0000 (I2C1's, SPI 36 = GIC ID 68)
 * and 0x021A4000 (I2C2's, SPI 37 = GIC ID 69) -- and schedules their firing
 * times. main runs `task_iters` increments of `counter` through the variant's
 * increment function and counts them in `task_done`; the IRQ handler reads
 * and acknowledges the source's INT_STATUS, does one increment through the
 * same function and counts it in `handled` (per line in `handled_line`).
 * With no lost update, counter == task_done + handled.
 *
 * Variants (the .data word `variant`, patched by the host), each a function
 * inc(r0 = &counter) used by both the task and the handler:
 *   0 inc_plain    ldr; adds; bvs; str -- no protection
 *   1 inc_irqsave  raw_local_irq_save (mrs r3, cpsr; cpsid i) around the
 *                  same read-modify-write, raw_local_irq_restore (msr cpsr_c)
 *   2 inc_ldrex    ldrex; adds; bvs; strex; teq; bne -- ARMv7 atomic_inc
 *
 * Where the race is: irqemu (like QEMU) takes an interrupt only at a
 * translation-block boundary, so a ldr/add/str inside one basic block can
 * never be split. Compiled code rarely has that luxury: here the counter
 * saturates like refcount_t (`adds` then `bvs` to the saturation path), and
 * that conditional branch ends the block between the load and the store, as
 * on a real core where an IRQ can arrive after any instruction. An IRQ taken
 * at that boundary increments the counter in the handler; the task then
 * stores its stale value and one update is lost.
 *
 * Why the fixed variants are correct on real hardware, not just here:
 *   irqsave: the IRQ cannot be taken between mask and restore (single core;
 *            the handler runs with CPSR.I set).
 *   ldrex:   the handler increments with ldrex/strex too; its STREX leaves
 *            the local monitor in Open Access state, so the interrupted
 *            task's STREX fails and it retries with the new value. ARMv7
 *            exception entry and return do not clear the local monitor
 *            (ARM ARM A3.4.5), so the handler also executes CLREX before
 *            returning, as Linux's ARMv7 exception return does
 *            (arch/arm/kernel/entry-header.S); a handler that only did a
 *            plain STR would not be enough (whether a non-exclusive store
 *            by the same core clears the monitor is IMPLEMENTATION DEFINED).
 *
 * main sets INT_ENABLE of both sources to all ones (any INT_STATUS bit
 * raises the line; the reset value enables bit 0 only) as the task loop
 * starts, and writes the first source's again (no change) when the loop
 * ends: its two writes are markers the host's model records to aim
 * arrival times at the loop.
 *
 * After its loop, main waits (cpsid i; check; wfi; cpsie i) until the
 * sources have fired `arrivals` times between them (patched by the host:
 * the length of the schedule) with nothing left pending, prints the counts
 * and exits through semihosting: 0 when counter == task_done + handled,
 * 1 when an update was lost, 2 on a bad `variant` or an unexpected IRQ.
 */
#include "board.h"

#define SRC0_BASE       0x021A0000
#define SRC1_BASE       0x021A4000
#define SRC0_ID         (32 + 36)
#define SRC1_ID         (32 + 37)
#define SRC_INT_STATUS  0x00
#define SRC_INT_ACK     0x04
#define SRC_INT_ENABLE  0x08
#define SRC_FIRED       0x0C
#define NVARIANTS       3

    .syntax unified
    .arm
    .text

/* ---- the increment variants: inc(r0 = &counter), clobber r1-r3 ---- */
    .global inc_plain, inc_irqsave, inc_ldrex

    .type inc_plain, %function
inc_plain:
    ldr r1, [r0]
    adds r1, r1, #1
    bvs 9f                          /* saturated: leave it (ends the block) */
    str r1, [r0]                    /* <- an IRQ taken just before this is lost */
9:  bx lr
    .size inc_plain, . - inc_plain

    .type inc_irqsave, %function
inc_irqsave:
    mrs r3, cpsr                    /* raw_local_irq_save (ARMv6+) */
    cpsid i
    ldr r1, [r0]
    adds r1, r1, #1
    bvs 9f
    str r1, [r0]
9:  msr cpsr_c, r3                  /* raw_local_irq_restore */
    bx lr
    .size inc_irqsave, . - inc_irqsave

    .type inc_ldrex, %function
inc_ldrex:
1:  ldrex r1, [r0]
    adds r1, r1, #1
    bvs 9f
    strex r2, r1, [r0]              /* fails if the monitor was cleared meanwhile */
    teq r2, #0
    bne 1b
    bx lr
9:  clrex
    bx lr
    .size inc_ldrex, . - inc_ldrex

    .align 2
inc_table:
    .word inc_plain, inc_irqsave, inc_ldrex

/* ------------------------------------------------------------------ */
    .global main
    .type main, %function
main:
    push {r4-r8, lr}
    ldr r0, =variant
    ldr r4, [r0]
    cmp r4, #NVARIANTS
    bhs 8f
    ldr r0, =inc_table
    ldr r5, [r0, r4, lsl #2]
    ldr r0, =inc_fn
    str r5, [r0]

    bl gic_dist_reset
    mov r0, #SRC0_ID
    mov r1, #0xa0
    bl gic_enable
    mov r0, #SRC1_ID
    mov r1, #0xa0
    bl gic_enable
    ldr r0, =GICC_BASE
    mov r1, #0xf0
    str r1, [r0, #GICC_PMR]
    mov r1, #1                      /* EnableGrp0, FIQEn = 0: group 0 -> IRQ */
    str r1, [r0, #GICC_CTLR]
    ldr r0, =GICD_BASE
    str r1, [r0, #GICD_CTLR]

    ldr r0, =task_iters
    ldr r6, [r0]
    ldr r7, =counter
    ldr r8, =task_done
    ldr r4, =SRC0_BASE
    ldr r1, =SRC1_BASE
    mvn r0, #0
    str r0, [r1, #SRC_INT_ENABLE]   /* every INT_STATUS bit raises the line */
    cpsie i
    str r0, [r4, #SRC_INT_ENABLE]   /* the same, and the marker: the loop starts */
    cmp r6, #0
    beq 2f
1:  mov r0, r7                      /* the task: task_iters increments */
    blx r5
    ldr r0, [r8]
    add r0, r0, #1
    str r0, [r8]
    subs r6, r6, #1
    bne 1b

2:  mvn r0, #0
    str r0, [r4, #SRC_INT_ENABLE]   /* marker (no change): the task loop ended */
    ldr r5, =SRC1_BASE              /* wait for every scheduled arrival */
    ldr r6, =arrivals
    ldr r6, [r6]
3:  cpsid i
    ldr r0, [r4, #SRC_FIRED]
    ldr r1, [r5, #SRC_FIRED]
    add r0, r0, r1
    cmp r0, r6
    blo 4f
    ldr r0, [r4, #SRC_INT_STATUS]
    ldr r1, [r5, #SRC_INT_STATUS]
    orrs r0, r0, r1
    beq 5f
4:  wfi                             /* wakes on a pending IRQ even while masked */
    cpsie i
    b 3b

5:  ldr r0, =str_counter            /* IRQs stay masked from here on */
    bl uart_puts
    ldr r0, [r7]
    bl uart_put_dec
    ldr r0, =str_expected
    bl uart_puts
    ldr r0, [r8]
    ldr r1, =handled
    ldr r1, [r1]
    add r0, r0, r1
    bl uart_put_dec
    ldr r0, =str_task
    bl uart_puts
    ldr r0, [r8]
    bl uart_put_dec
    ldr r0, =str_irqs
    bl uart_puts
    ldr r0, =handled
    ldr r0, [r0]
    bl uart_put_dec
    ldr r0, =str_close
    bl uart_puts
    ldr r0, =unexpected
    ldr r0, [r0]
    cmp r0, #0
    bne 8f
    ldr r0, [r8]
    ldr r1, =handled
    ldr r1, [r1]
    add r0, r0, r1
    ldr r1, [r7]
    cmp r0, r1
    moveq r0, #0
    movne r0, #1
    pop {r4-r8, pc}
8:  mov r0, #2
    pop {r4-r8, pc}
    .size main, . - main

str_counter:  .asciz "lost_update: counter "
str_expected: .asciz ", expected "
str_task:     .asciz " ("
str_irqs:     .asciz " task + "
str_close:    .asciz " irq)\n"
    .align 2

/* ------------------------------------------------------------------ */
    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r5, r12, lr}
    ldr r4, =GICC_BASE
    ldr r5, [r4, #GICC_IAR]
    ubfx r0, r5, #0, #10
    ldr r1, =GIC_SPURIOUS
    cmp r0, r1
    beq 9f                          /* spurious: no EOI */
    cmp r0, #SRC0_ID
    ldreq r2, =SRC0_BASE
    moveq r3, #0
    beq 1f
    cmp r0, #SRC1_ID
    ldreq r2, =SRC1_BASE
    moveq r3, #1
    beq 1f
    ldr r2, =unexpected
    ldr r1, [r2]
    add r1, r1, #1
    str r1, [r2]
    b 8f
1:  ldr r1, [r2, #SRC_INT_STATUS]   /* read the events and acknowledge them */
    str r1, [r2, #SRC_INT_ACK]
    ldr r2, =handled_line
    ldr r1, [r2, r3, lsl #2]
    add r1, r1, #1
    str r1, [r2, r3, lsl #2]
    ldr r2, =handled
    ldr r1, [r2]
    add r1, r1, #1
    str r1, [r2]
    ldr r0, =counter                /* the handler's increment, same variant */
    ldr r1, =inc_fn
    ldr r1, [r1]
    blx r1
8:  clrex                           /* ARMv7 exception return keeps the monitor */
    str r5, [r4, #GICC_EOIR]
9:  pop {r0-r5, r12, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler

    .data
    .align 2
    .global variant, task_iters, arrivals, counter, task_done, handled
    .global handled_line, unexpected
variant:      .word 0               /* patched: index into inc_table */
task_iters:   .word 100             /* patched: the task's increments */
arrivals:     .word 0               /* patched: scheduled source firings */
counter:      .word 0
task_done:    .word 0
handled:      .word 0
handled_line: .word 0, 0
unexpected:   .word 0
inc_fn:       .word 0
