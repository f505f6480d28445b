/*
 * bug_smp_counter.elf / fix_smp_counter.elf (-DFIXED): a counter shared by
 * two CPUs, incremented by a thread loop on CPU0 and by an IRQ handler on
 * CPU1, each with a plain ldr/add/str (a lost update across cores).
 *
 * CPU0 routes the IrqSource's SPI (classic.h) to CPU1 (GICD_ITARGETSR),
 * releases CPU1 through the SRC and, ITERS times, does `shared++` and some
 * work. CPU1 sets up its own exception vectors, IRQ stack and GIC CPU
 * interface, enables IRQs and polls `quiesce`; its handler acknowledges the
 * source and does `shared++; handled++`. Masking interrupts cannot help:
 * the other increment runs on another core. It takes a fine interleaving of
 * the two cores (`irqemu fuzz run --interleave search`): one core's load and
 * store split by the other's whole increment. With whole rounds (a fixed
 * quantum) CPU1's handler runs after CPU0's turn and never splits it.
 *
 * Fixed: both increments are atomic_add (ldrex/add/strex loop between
 * dmb ish), exact under any interleaving.
 *
 * At the end CPU0 disables the SPI, asks CPU1 to stop (quiesce; CPU1 answers
 * from its poll loop, so not inside its handler) and exits through
 * semihosting: 0 when shared == ITERS + handled, else 1.
 */
#include "classic.h"

#define ITERS       200     /* thread loop turns on CPU0 */
#define WORK        8       /* busy iterations between two increments */
#define IMX_SRC     0x020D8000  /* i.MX6 System Reset Controller: core release */
#define IMX_SRC_SCR  0x00
#define IMX_SRC_GPR3 0x28   /* CPU1's entry address */
#define SCR_CORE1_ENABLE (1 << 22)
#define STACK_SIZE  0x400

    .syntax unified
    .arm
    .text

/* shared++ on the word at \reg (clobbers r1, r2): plain, or atomic_add when FIXED */
    .macro inc_shared reg
#ifdef FIXED
    dmb ish
9101: ldrex r1, [\reg]
    add r1, r1, #1
    strex r2, r1, [\reg]
    teq r2, #0
    bne 9101b
    dmb ish
#else
    ldr r1, [\reg]
    add r1, r1, #1
    str r1, [\reg]
#endif
    .endm

    .global main
    .type main, %function
main:
    push {r4-r8, lr}
    classic_gic_init
    ldr r0, =GICD_BASE + GICD_ITARGETSR + SRC_ID
    mov r1, #2                      /* the source's SPI goes to CPU1 */
    strb r1, [r0]
    ldr r4, =IMX_SRC                /* release CPU1 at secondary */
    ldr r0, =secondary
    str r0, [r4, #IMX_SRC_GPR3]
    ldr r0, [r4, #IMX_SRC_SCR]
    orr r0, r0, #SCR_CORE1_ENABLE
    str r0, [r4, #IMX_SRC_SCR]
    ldr r0, =cpu1_ready
1:  ldr r1, [r0]                    /* wait until CPU1 takes interrupts */
    cmp r1, #0
    beq 1b
    ldr r7, =shared
    mov r6, #ITERS
thread_loop:
    inc_shared r7
    mov r0, #WORK
    busy r0
    subs r6, r6, #1
    bne thread_loop

    mov r0, #SRC_ID                 /* no more interrupts; CPU1 stops polling */
    bl gic_disable
    ldr r0, =quiesce
    mov r1, #1
    str r1, [r0]
    ldr r0, =quiesced
2:  ldr r1, [r0]
    cmp r1, #0
    beq 2b
    ldr r0, =handled
    ldr r0, [r0]
    add r0, r0, #ITERS
    ldr r1, [r7]
    cmp r0, r1
    moveq r0, #0
    movne r0, #1
    pop {r4-r8, pc}
    .size main, . - main

/* CPU1: its own vectors (VBAR is per core), stacks and GIC CPU interface */
    .type secondary, %function
secondary:
    cps #MODE_IRQ
    ldr sp, =cpu1_irq_stack + STACK_SIZE
    cps #MODE_SVC
    ldr sp, =cpu1_svc_stack + STACK_SIZE
    ldr r0, =vectors
    mcr p15, 0, r0, c12, c0, 0
    mrc p15, 0, r0, c1, c0, 0
    bic r0, r0, #SCTLR_V
    mcr p15, 0, r0, c1, c0, 0
    isb
    ldr r0, =GICC_BASE
    mov r1, #0xf0
    str r1, [r0, #GICC_PMR]
    mov r1, #1
    str r1, [r0, #GICC_CTLR]
    ldr r0, =cpu1_ready
    str r1, [r0]
    cpsie i
    ldr r0, =quiesce
1:  ldr r1, [r0]                    /* poll: an IRQ here runs the handler whole */
    cmp r1, #0
    beq 1b
    cpsid i
    ldr r0, =quiesced
    str r1, [r0]
2:  wfi
    b 2b
    .size secondary, . - secondary

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r3, r12, lr}
    ldr r3, =GICC_BASE
    ldr r12, [r3, #GICC_IAR]
    ubfx r0, r12, #0, #10
    ldr r1, =GIC_SPURIOUS
    cmp r0, r1
    beq 9f
    ldr r0, =SRC_BASE
    ldr r1, [r0, #SRC_INT_STATUS]
    str r1, [r0, #SRC_INT_ACK]
    ldr r0, =shared
    inc_shared r0
    ldr r0, =handled
    ldr r1, [r0]
    add r1, r1, #1
    str r1, [r0]
    str r12, [r3, #GICC_EOIR]
9:  pop {r0-r3, r12, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler

    .data
    .align 2
    .global shared, handled, cpu1_ready, quiesce, quiesced
shared:     .word 0
handled:    .word 0
cpu1_ready: .word 0
quiesce:    .word 0
quiesced:   .word 0

    .bss
    .align 3
cpu1_irq_stack: .space STACK_SIZE
cpu1_svc_stack: .space STACK_SIZE
