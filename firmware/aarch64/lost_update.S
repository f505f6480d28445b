/*
 * lost_update.elf -- a task and an IRQ handler both increment one shared
 * counter, for `irqemu fuzz lost-update` (irqemu.fuzz.lost_update), AArch64.
 *
 * As firmware/armv7/lost_update.S, on QEMU virt: the host connects two
 * IrqSource devices (INT_STATUS +0x00, INT_ACK +0x04, INT_ENABLE +0x08,
 * FIRED +0x0C) in an unused part of virt's device window, 0x09100000
 * (SPI 10 = GIC ID 42) and 0x09101000 (SPI 11 = GIC ID 43), and schedules
 * their firing times. main runs `task_iters` increments of `counter` and
 * counts them in `task_done`; the IRQ handler reads and acknowledges the
 * source's INT_STATUS, does one increment with the same variant and counts
 * it in `handled`. With no lost update, counter == task_done + handled.
 *
 * Variants (.data word `variant`), inc(x0 = &counter), clobbering x1-x3:
 *   0 inc_plain    ldr; adds; b.vs; str -- no protection
 *   1 inc_irqsave  arch_local_irq_save (mrs daif; msr daifset, #2) around the
 *                  read-modify-write, arch_local_irq_restore (msr daif)
 *   2 inc_llsc     ldxr; adds; b.vs; stxr; cbnz -- arm64 LL/SC atomic_inc
 *   3 inc_lse      ARMv8.1 LSE: ldadd (one instruction, cannot be split),
 *                  then the refcount_t-style check of the old value
 * Variant 3 needs a core with LSE atomics (the cortex-a55).
 *
 * Where the race is: interrupts are taken at translation-block boundaries
 * (as in QEMU); the refcount-style saturation check (`adds`, then `b.vs`)
 * ends the block between the load and the store, as compiled code often
 * does, so an IRQ can land there exactly as it could after any instruction
 * on a real core. The LL/SC handler's STXR clears the local monitor, so the
 * interrupted task's STXR fails and retries; the handler also executes CLREX
 * (ARMv8 exception return clears the monitor anyway; belt and braces, and
 * the same code is then right on ARMv7).
 *
 * main sets INT_ENABLE of both sources to all ones (any INT_STATUS bit
 * raises the line) as the task loop starts and writes the first source's
 * again (no change) when it ends: markers the host's model records to aim
 * arrival times at the loop. After the loop main waits
 * (daifset; check; wfi; daifclr) until the sources have fired `arrivals`
 * times with nothing left pending, prints the counts and exits through
 * semihosting: 0 when counter == task_done + handled, 1 when an update was
 * lost, 2 on a bad `variant` or an unexpected IRQ.
 */
#include "board.h"

#define SRC0_BASE       0x09100000
#define SRC1_BASE       0x09101000
#define SRC0_ID         (32 + 10)
#define SRC1_ID         (32 + 11)
#define SRC_INT_STATUS  0x00
#define SRC_INT_ACK     0x04
#define SRC_INT_ENABLE  0x08
#define SRC_FIRED       0x0C
#define NVARIANTS       4

    .arch_extension lse
    .text

/* ---- the increment variants: inc(x0 = &counter), clobber x1-x3 ---- */
    .global inc_plain, inc_irqsave, inc_llsc, inc_lse

    .type inc_plain, %function
inc_plain:
    ldr w1, [x0]
    adds w1, w1, #1
    b.vs 9f                         /* saturated: leave it (ends the block) */
    str w1, [x0]                    /* <- an IRQ taken just before this is lost */
9:  ret
    .size inc_plain, . - inc_plain

    .type inc_irqsave, %function
inc_irqsave:
    mrs x3, daif                    /* arch_local_irq_save */
    msr daifset, #2
    ldr w1, [x0]
    adds w1, w1, #1
    b.vs 9f
    str w1, [x0]
9:  msr daif, x3                    /* arch_local_irq_restore */
    ret
    .size inc_irqsave, . - inc_irqsave

    .type inc_llsc, %function
inc_llsc:
1:  ldxr w1, [x0]
    adds w1, w1, #1
    b.vs 9f
    stxr w2, w1, [x0]               /* fails if the monitor was cleared meanwhile */
    cbnz w2, 1b
    ret
9:  clrex
    ret
    .size inc_llsc, . - inc_llsc

    .type inc_lse, %function
inc_lse:
    mov w1, #1
    ldadd w1, w2, [x0]              /* atomic: old value in w2 */
    adds w2, w2, #1
    b.vs 9f
    ret
9:  mov w1, #0x7fffffff             /* saturate, as refcount_warn_saturate */
    str w1, [x0]
    ret
    .size inc_lse, . - inc_lse

    .align 3
inc_table:
    .quad inc_plain, inc_irqsave, inc_llsc, inc_lse

/* ------------------------------------------------------------------ */
    .global main
    .type main, %function
main:
    stp x29, x30, [sp, #-64]!
    stp x19, x20, [sp, #16]
    stp x21, x22, [sp, #32]
    stp x23, x24, [sp, #48]
    ldr x0, =variant
    ldr w19, [x0]
    cmp w19, #NVARIANTS
    b.hs 8f
    ldr x0, =inc_table
    ldr x20, [x0, x19, lsl #3]
    ldr x0, =inc_fn
    str x20, [x0]

    bl gic_dist_reset
    mov w0, #SRC0_ID
    mov w1, #0xa0
    bl gic_enable
    mov w0, #SRC1_ID
    mov w1, #0xa0
    bl gic_enable
    ldr x0, =GICC_BASE
    mov w1, #0xf0
    str w1, [x0, #GICC_PMR]
    mov w1, #1
    str w1, [x0, #GICC_CTLR]
    ldr x0, =GICD_BASE
    str w1, [x0, #GICD_CTLR]

    ldr x0, =task_iters
    ldr w21, [x0]
    ldr x22, =counter
    ldr x23, =task_done
    ldr x19, =SRC0_BASE
    ldr x1, =SRC1_BASE
    mov w0, #-1
    str w0, [x1, #SRC_INT_ENABLE]   /* every INT_STATUS bit raises the line */
    msr daifclr, #2
    str w0, [x19, #SRC_INT_ENABLE]  /* the same, and the marker: the loop starts */
    cbz w21, 2f
1:  mov x0, x22                     /* the task: task_iters increments */
    blr x20
    ldr w0, [x23]
    add w0, w0, #1
    str w0, [x23]
    subs w21, w21, #1
    b.ne 1b

2:  mov w0, #-1
    str w0, [x19, #SRC_INT_ENABLE]  /* marker (no change): the task loop ended */
    ldr x20, =SRC1_BASE             /* wait for every scheduled arrival */
    ldr x0, =arrivals
    ldr w21, [x0]
3:  msr daifset, #2
    ldr w0, [x19, #SRC_FIRED]
    ldr w1, [x20, #SRC_FIRED]
    add w0, w0, w1
    cmp w0, w21
    b.lo 4f
    ldr w0, [x19, #SRC_INT_STATUS]
    ldr w1, [x20, #SRC_INT_STATUS]
    orr w0, w0, w1
    cbz w0, 5f
4:  wfi                             /* wakes on a pending IRQ even while masked */
    msr daifclr, #2
    b 3b

5:  ldr x0, =str_counter            /* IRQs stay masked from here on */
    bl uart_puts
    ldr w0, [x22]
    bl uart_put_dec
    ldr x0, =str_expected
    bl uart_puts
    ldr x24, =handled
    ldr w0, [x23]
    ldr w1, [x24]
    add w0, w0, w1
    bl uart_put_dec
    ldr x0, =str_task
    bl uart_puts
    ldr w0, [x23]
    bl uart_put_dec
    ldr x0, =str_irqs
    bl uart_puts
    ldr w0, [x24]
    bl uart_put_dec
    ldr x0, =str_close
    bl uart_puts
    ldr x0, =unexpected
    ldr w0, [x0]
    cbnz w0, 8f
    ldr w0, [x23]
    ldr w1, [x24]
    add w0, w0, w1
    ldr w1, [x22]
    cmp w0, w1
    cset w0, ne
    b 9f
8:  mov w0, #2
9:  ldp x23, x24, [sp, #48]
    ldp x21, x22, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #64
    ret
    .size main, . - main

str_counter:  .asciz "lost_update: counter "
str_expected: .asciz ", expected "
str_task:     .asciz " ("
str_irqs:     .asciz " task + "
str_close:    .asciz " irq)\n"
    .align 2

/* irq_handler(x0 = frame, x1 = entry index): may clobber x0-x18 */
    .global irq_handler
    .type irq_handler, %function
irq_handler:
    stp x29, x30, [sp, #-16]!
    ldr x4, =GICC_BASE
    ldr w5, [x4, #GICC_IAR]
    and w0, w5, #0x3ff
    mov w1, #GIC_SPURIOUS
    cmp w0, w1
    b.eq 9f                         /* spurious: no EOI */
    ldr x2, =SRC0_BASE
    mov x3, #0
    cmp w0, #SRC0_ID
    b.eq 1f
    ldr x2, =SRC1_BASE
    mov x3, #1
    cmp w0, #SRC1_ID
    b.eq 1f
    ldr x2, =unexpected
    ldr w1, [x2]
    add w1, w1, #1
    str w1, [x2]
    b 8f
1:  ldr w1, [x2, #SRC_INT_STATUS]   /* read the events and acknowledge them */
    str w1, [x2, #SRC_INT_ACK]
    ldr x2, =handled_line
    ldr w1, [x2, x3, lsl #2]
    add w1, w1, #1
    str w1, [x2, x3, lsl #2]
    ldr x2, =handled
    ldr w1, [x2]
    add w1, w1, #1
    str w1, [x2]
    ldr x0, =counter                /* the handler's increment, same variant */
    ldr x1, =inc_fn
    ldr x1, [x1]
    blr x1
8:  clrex
    str w5, [x4, #GICC_EOIR]
9:  ldp x29, x30, [sp], #16
    ret
    .size irq_handler, . - irq_handler

    .data
    .align 3
inc_fn:       .quad 0
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
