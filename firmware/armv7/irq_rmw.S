/*
 * irq_rmw.elf -- the plainest interrupt race: a main loop doing `ldr; add;
 * str` on a counter that an SPI handler also increments, with no branch
 * between the load and the store (issue 13 item 0).
 *
 * On a real core an IRQ can be taken after any instruction: one taken after
 * the `ldr` and before the `str` increments the counter in the handler, and
 * the loop then stores its stale value: one update is lost. irqemu delivers
 * an interrupt at the instruction its arrival time falls on, so some arrival
 * times lose an update here (tests/machine/test_insn_precise.py scans them).
 *
 * The host connects an IrqSource (INT_STATUS +0x00, INT_ACK +0x04,
 * INT_ENABLE +0x08) at 0x021A0000 (I2C1's free slot, SPI 36 = GIC ID 68),
 * patches `variant`, `iters` and `arrivals`, and schedules the firings.
 *   variant 0  ldr; add; str               (no protection)
 *   variant 1  cpsid i; ldr; add; str; cpsie i   (IRQs masked around it)
 * main writes INT_ENABLE (all ones) as its loop starts and again as it ends:
 * markers the host records. It then waits (cpsid i; check; wfi; cpsie i)
 * until `arrivals` IRQs were handled, and exits through semihosting with 0
 * when counter == iters + handled, 1 when an update was lost.
 */
#include "board.h"

#define SRC_BASE        0x021A0000
#define SRC_ID          (32 + 36)
#define SRC_INT_STATUS  0x00
#define SRC_INT_ACK     0x04
#define SRC_INT_ENABLE  0x08

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    push {r4-r8, lr}
    bl gic_dist_reset
    mov r0, #SRC_ID
    mov r1, #0xa0
    bl gic_enable
    ldr r0, =GICC_BASE
    mov r1, #0xf0
    str r1, [r0, #GICC_PMR]
    mov r1, #1                      /* EnableGrp0, FIQEn = 0: group 0 -> IRQ */
    str r1, [r0, #GICC_CTLR]
    ldr r0, =GICD_BASE
    str r1, [r0, #GICD_CTLR]

    ldr r0, =iters
    ldr r6, [r0]
    ldr r7, =counter
    ldr r4, =SRC_BASE
    ldr r0, =variant
    ldr r5, [r0]
    mvn r0, #0
    cpsie i
    str r0, [r4, #SRC_INT_ENABLE]   /* marker: the loop starts */
    cmp r6, #0
    beq 3f
    cmp r5, #0
    bne 2f

    .global rmw_loop, rmw_loop_end
rmw_loop:
1:  ldr r1, [r7]                    /* variant 0: the plain read-modify-write */
    add r1, r1, #1
    str r1, [r7]                    /* <- an IRQ taken just before this is lost */
    subs r6, r6, #1
rmw_loop_end:
    bne 1b
    b 3f

2:  cpsid i                         /* variant 1: masked around the same three */
    ldr r1, [r7]
    add r1, r1, #1
    str r1, [r7]
    cpsie i
    subs r6, r6, #1
    bne 2b

3:  mvn r0, #0
    str r0, [r4, #SRC_INT_ENABLE]   /* marker: the loop ended */
    ldr r5, =arrivals
    ldr r5, [r5]
    ldr r6, =handled
4:  cpsid i                         /* wait for every scheduled arrival */
    ldr r0, [r6]
    cmp r0, r5
    bhs 5f
    wfi                             /* wakes on a pending IRQ even while masked */
    cpsie i
    b 4b

5:  ldr r0, =str_counter
    bl uart_puts
    ldr r0, [r7]
    bl uart_put_dec
    ldr r0, =str_expected
    bl uart_puts
    ldr r0, =iters
    ldr r0, [r0]
    ldr r1, [r6]
    add r8, r0, r1
    mov r0, r8
    bl uart_put_dec
    ldr r0, =str_nl
    bl uart_puts
    ldr r1, [r7]
    cmp r1, r8
    moveq r0, #0
    movne r0, #1
    pop {r4-r8, pc}
    .size main, . - main

str_counter:  .asciz "irq_rmw: counter "
str_expected: .asciz ", expected "
str_nl:       .asciz "\n"
    .align 2

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
    ldr r2, =SRC_BASE
    ldr r1, [r2, #SRC_INT_STATUS]   /* read the events and acknowledge them */
    str r1, [r2, #SRC_INT_ACK]
    ldr r2, =handled
    ldr r1, [r2]
    add r1, r1, #1
    str r1, [r2]
    ldr r2, =counter                /* the handler's increment */
    ldr r1, [r2]
    add r1, r1, #1
    str r1, [r2]
    str r5, [r4, #GICC_EOIR]
9:  pop {r0-r5, r12, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler

    .data
    .align 2
    .global variant, iters, arrivals, counter, handled
variant:      .word 0               /* patched: 0 plain, 1 IRQs masked */
iters:        .word 100             /* patched: the loop's increments */
arrivals:     .word 0               /* patched: scheduled source firings */
counter:      .word 0
handled:      .word 0
