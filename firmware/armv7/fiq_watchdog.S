/*
 * fiq_watchdog.elf -- a FIQ as an NMI-like watchdog, as Android's fiq_debugger
 * uses it: IRQ masking (cpsid i) does not mask FIQ.
 *
 * GIC (secure accesses): every ID group 1 (IRQ) except the GPT (ID 87),
 * which stays group 0 and, with GICC_CTLR.FIQEn, is signalled as FIQ.
 * The A9 private timer (ID 29, group 1 = IRQ) fires once early on.
 *
 * main masks IRQs (cpsid i, CPSR.F stays clear) and "hangs" in a loop that
 * never pets the watchdog.  The private timer's IRQ becomes pending and is
 * not taken.  The GPT compare (2 ms) is the watchdog: its FIQ is taken.  The
 * handler, like fiq_debugger's, keeps its state in the banked R8-R12
 * (r8 = interrupted PC, r9 = interrupted CPSR, r10 = &fiq_state, r11/r12
 * scratch), reads the interrupted mode's SP and LR by switching to it with
 * IRQs and FIQs masked (fiq_debugger_arm.c get_mode_regs), prints a dump on
 * its own stack, and breaks the hang by setting the flag the loop polls.
 * Then main unmasks IRQs and the pending private-timer IRQ is taken at last.
 */
#include "board.h"

#define WDT_TICKS       132000          /* 2 ms of 66 MHz ipg_clk */

#define ST_PC           0
#define ST_CPSR         4
#define ST_SP           8
#define ST_LR           12
#define ST_COUNT        16

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    push {r4-r11, lr}
    ldr r0, =str_banner
    bl uart_puts

    /* GIC: everything group 1 except GPT (ID 87) in group 0 -> FIQ */
    bl gic_dist_reset
    ldr r4, =GICD_BASE
    mvn r0, #0
    mov r1, #0
1:  add r2, r4, r1, lsl #2
    str r0, [r2, #GICD_IGROUPR]
    add r1, r1, #1
    cmp r1, #(GIC_NUM_IRQS / 32)
    blo 1b
    mvn r0, #(1 << (GPT_ID - 64))
    str r0, [r4, #(GICD_IGROUPR + 8)]
    ldr r1, [r4, #(GICD_IGROUPR + 8)]
    cmp r1, r0
    bne fail
    mov r0, #GPT_ID
    mov r1, #0x80
    bl gic_enable
    mov r0, #PTIMER_ID
    mov r1, #0xa0
    bl gic_enable
    ldr r5, =GICC_BASE
    mov r0, #0xf0
    str r0, [r5, #GICC_PMR]
    mov r0, #0xf                    /* EnableGrp0 | EnableGrp1 | AckCtl | FIQEn */
    str r0, [r5, #GICC_CTLR]
    mov r0, #3
    str r0, [r4, #GICD_CTLR]

    /* FIQ bank: r10 = &fiq_state, set once */
    ldr r0, =fiq_state
    cps #MODE_FIQ
    mov r10, r0
    mov r8, #0
    mov r9, #0
    cps #MODE_SVC

    /* IRQs masked from here on; FIQs enabled */
    cpsid i
    cpsie f
    ldr r0, =str_masked
    bl uart_puts

    /* private timer: one shot, 10 us, IRQ enable -> its IRQ stays pending */
    ldr r6, =PTIMER_BASE
    mov r0, #0
    str r0, [r6, #PTIMER_CTRL]
    mov r0, #1
    str r0, [r6, #PTIMER_ISR]
    ldr r0, =3960                   /* 10 us at PERIPHCLK 396 MHz */
    str r0, [r6, #PTIMER_LOAD]
    mov r0, #5                      /* enable | IRQ enable, no auto-reload */
    str r0, [r6, #PTIMER_CTRL]

    /* GPT as the watchdog: restart mode, compare 1 after WDT_TICKS */
    ldr r6, =GPT_BASE
    mov r0, #0
    str r0, [r6, #GPT_CR]
    mov r0, #(1 << 15)
    str r0, [r6, #GPT_CR]
2:  ldr r0, [r6, #GPT_CR]
    tst r0, #(1 << 15)
    bne 2b
    mov r0, #0
    str r0, [r6, #GPT_PR]
    mov r0, #0x3f
    str r0, [r6, #GPT_SR]
    ldr r0, =WDT_TICKS
    str r0, [r6, #GPT_OCR1]
    mov r0, #GPT_IR_OF1IE
    str r0, [r6, #GPT_IR]
    mov r0, #(GPT_CR_CLKSRC_IPG | GPT_CR_ENMOD)
    str r0, [r6, #GPT_CR]
    orr r0, r0, #GPT_CR_EN
    str r0, [r6, #GPT_CR]
    ldr r0, =str_hang
    bl uart_puts

    /* the hang: spin with IRQs masked, never petting the watchdog */
    ldr r7, =hang_broken
    mov r0, #0
    mov r1, #0
    .global hung_loop
hung_loop:
    add r1, r1, #1
    ldr r0, [r7]
    cmp r0, #0
    beq hung_loop
hung_loop_end:
    ldr r2, =spins
    str r1, [r2]

    /* out of the hang: was the timer's IRQ pending all along, untaken? */
    ldr r0, =irq_count
    ldr r8, [r0]                    /* IRQs taken so far (expect 0) */
    ldr r0, [r4, #GICD_ISPENDR]     /* IDs 0-31: private timer = bit 29 */
    tst r0, #(1 << PTIMER_ID)
    beq fail
    cmp r8, #0
    bne fail
    ldr r0, =str_pending
    bl uart_puts
    ldr r0, =spins
    ldr r0, [r0]
    bl uart_put_dec
    ldr r0, =str_pending2
    bl uart_puts
    ldr r5, =irq_count
    cpsie i
3:  ldr r0, [r5]
    cmp r0, #0
    beq 3b
    cpsid i
    ldr r0, =str_irq
    bl uart_puts
    ldr r0, =fiq_state
    ldr r0, [r0, #ST_COUNT]
    cmp r0, #1
    bne fail
    ldr r0, =str_done
    bl uart_puts
    mov r0, #0
    pop {r4-r11, pc}
fail:
    ldr r0, =str_fail
    bl uart_puts
    mov r0, #1
    pop {r4-r11, pc}
    .size main, . - main

str_banner:   .asciz "irqemu fiq watchdog test (armv7): FIQ as an NMI, fiq_debugger style\n"
str_masked:   .asciz "main: cpsid i (CPSR.I=1, F=0); GPT (ID 87) is group 0 -> FIQ, twd (ID 29) group 1 -> IRQ\n"
str_hang:     .asciz "main: hung in a loop with IRQs masked; the watchdog will not be petted\n"
str_pending:  .asciz "main: out of the hang after "
str_pending2: .asciz " spins; twd IRQ (ID 29) was pending all along and never taken (CPSR.I=1)\n"
str_irq:      .asciz "main: cpsie i -> the pending twd IRQ is taken now\n"
str_done:     .asciz "fiq: done\n"
str_fail:     .asciz "fiq: FAIL\n"
    .align 2

/* ---- FIQ handler: the watchdog bark / fiq_debugger entry ---- */
    .global fiq_handler
    .type fiq_handler, %function
fiq_handler:
    sub r8, lr, #4                  /* banked: the interrupted PC */
    mrs r9, spsr                    /* banked: the interrupted CPSR */
    str r8, [r10, #ST_PC]
    str r9, [r10, #ST_CPSR]
    ldr r11, =GICC_BASE
    ldr r12, [r11, #GICC_IAR]
    ubfx r11, r12, #0, #10
    cmp r11, #GPT_ID
    bne 9f                          /* spurious or stray: just EOI-less return */
    ldr r11, =GPT_BASE
    mov r12, #0
    str r12, [r11, #GPT_IR]         /* stop the watchdog */
    str r12, [r11, #GPT_CR]
    mov r12, #GPT_SR_OF1
    str r12, [r11, #GPT_SR]
    ldr r11, =GICC_BASE
    mov r12, #GPT_ID
    str r12, [r11, #GICC_EOIR]
    /* the interrupted mode's banked SP/LR: switch to it, IRQ+FIQ masked.
       Only r0-r7 are shared across modes: free them on the FIQ stack first. */
    push {r0-r3, lr}
    mrs r2, cpsr
    and r3, r9, #0x1f
    orr r3, r3, #(PSR_I | PSR_F)
    msr cpsr_c, r3
    mov r0, sp
    mov r1, lr
    msr cpsr_c, r2
    str r0, [r10, #ST_SP]
    str r1, [r10, #ST_LR]
    ldr r12, [r10, #ST_COUNT]
    add r12, r12, #1
    str r12, [r10, #ST_COUNT]
    ldr r0, =str_bark
    bl uart_puts
    mov r0, r8
    bl uart_put_hex
    ldr r0, =str_cpsr
    bl uart_puts
    mov r0, r9
    bl uart_put_hex
    ldr r0, =str_mode
    bl uart_puts
    and r0, r9, #0x1f
    bl put_mode
    tst r9, #PSR_I
    ldrne r0, =str_imasked
    ldreq r0, =str_ienabled
    bl uart_puts
    ldr r0, =str_regs
    bl uart_puts
    ldr r0, [r10, #ST_SP]
    bl uart_put_hex
    ldr r0, =str_lr
    bl uart_puts
    ldr r0, [r10, #ST_LR]
    bl uart_put_hex
    ldr r0, =str_where
    bl uart_puts
    ldr r0, =hung_loop
    cmp r8, r0
    blo 5f
    ldr r0, =hung_loop_end
    cmp r8, r0
    ldrlo r0, =str_in_loop
    blo 6f
5:  ldr r0, =str_elsewhere
6:  bl uart_puts
    ldr r0, =str_break
    bl uart_puts
    pop {r0-r3, lr}
    ldr r11, =hang_broken           /* break the hang */
    mov r12, #1
    str r12, [r11]
9:  subs pc, lr, #4
    .size fiq_handler, . - fiq_handler

/* put_mode(r0 = mode bits) */
put_mode:
    cmp r0, #MODE_SVC
    ldreq r0, =str_svc
    beq uart_puts
    cmp r0, #MODE_SYS
    ldreq r0, =str_sys
    beq uart_puts
    cmp r0, #MODE_USR
    ldreq r0, =str_usr
    beq uart_puts
    cmp r0, #MODE_IRQ
    ldreq r0, =str_irqm
    beq uart_puts
    ldr r0, =str_other
    b uart_puts

str_bark:      .asciz "fiq: watchdog, pc="
str_cpsr:      .asciz " cpsr="
str_mode:      .asciz " mode "
str_imasked:   .asciz ", IRQs masked\n"
str_ienabled:  .asciz ", IRQs enabled\n"
str_regs:      .asciz "fiq:   sp="
str_lr:        .asciz " lr="
str_where:     .asciz " (r8 = pc, r9 = cpsr: banked FIQ registers, nothing saved)\n"
str_in_loop:   .asciz "fiq:   pc is in hung_loop\n"
str_elsewhere: .asciz "fiq:   pc is outside hung_loop\n"
str_break:     .asciz "fiq: breaking the hang\n"
str_svc:       .asciz "svc"
str_sys:       .asciz "sys"
str_usr:       .asciz "usr"
str_irqm:      .asciz "irq"
str_other:     .asciz "other"
    .align 2

/* ---- IRQ handler: the private timer, taken only after cpsie i ---- */
    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r3, r12, lr}
    ldr r1, =GICC_BASE
    ldr r0, [r1, #GICC_IAR]
    ubfx r2, r0, #0, #10
    cmp r2, #1020
    bhs 1f
    cmp r2, #PTIMER_ID
    ldreq r3, =PTIMER_BASE
    moveq r12, #1
    streq r12, [r3, #PTIMER_ISR]
    ldr r3, =irq_count
    ldr r2, [r3]
    add r2, r2, #1
    str r2, [r3]
    str r0, [r1, #GICC_EOIR]
1:  pop {r0-r3, r12, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler

    .bss
    .align 2
fiq_state:   .space 32
hang_broken: .space 4
irq_count:   .space 4
spins:       .space 4
