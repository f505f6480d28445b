/*
 * exceptions.elf -- takes SVC, UND, PABT (BKPT), DABT (unaligned LDREX), IRQ
 * (SGI 1, group 1) and FIQ (SGI 0, group 0, FIQEn) and a Thumb SVC.
 *
 * Each handler records CPSR and SPSR as seen on entry, LR, and one extra
 * value (SVC immediate, UND instruction, IFSR, DFSR+DFAR, IAR), then
 * returns with the architectural sequence for its kind:
 *   SVC, UND       movs pc, lr
 *   PABT (BKPT)    add lr, lr, #4 (skip the BKPT) ; subs pc, lr, #4
 *   DABT           clear SCTLR.A, align the base register, subs pc, lr, #8
 *                  (the faulting ldr is re-executed and now succeeds)
 *   IRQ            sub lr, lr, #4 ; srsdb sp!, #SVC ; cps #SVC ; ... ; rfeia sp!
 *   FIQ            subs pc, lr, #4
 * main prints, per exception: the recorded CPSR/SPSR, lr-off = LR minus
 * the address of the trigger instruction (the svc/udf/bkpt/ldr, or for
 * IRQ/FIQ the `cpsie` that unmasks the already pending interrupt; the
 * interrupt must be taken at the first instruction boundary after it),
 * the extra value, and the CPSR read right after execution resumed.  Each
 * value is compared against the architecturally expected one.
 * Before every trigger the flags are set to nZCv (0x60000000) and CPSR.A
 * is clear, so SPSR/CPSR show that flags are preserved and which of
 * A/I/F the exception entry sets.
 */
#include "board.h"


#define FLAGS   0x60000000              /* nZCv */

/* rec layout (filled by the handlers) */
#define R_CPSR  0
#define R_SPSR  4
#define R_LR    8
#define R_X0    12
#define R_X1    16
#define R_N     20                      /* handler invocations */

    .syntax unified
    .arm
    .text

/* record r0..r3, r12 into rec (r4 = scratch, caller saved it) */
    .macro RECORD
    ldr r4, =rec
    stmia r4, {r0-r3, r12}
    ldr r0, [r4, #R_N]
    add r0, r0, #1
    str r0, [r4, #R_N]
    .endm

/* ------------------------------------------------------------------ */
    .global main
    .type main, %function
main:
    push {r4-r11, lr}
    ldr r0, =str_banner
    bl uart_puts
    cpsie a                         /* A clear: entry to ABT/IRQ/FIQ sets it */
    mov r11, #0                     /* mismatch count */

    /* ---- SVC (ARM) ---- */
    msr APSR_nzcvq, #FLAGS
svc_trig:
    svc #0x42
    mrs r5, cpsr
    ldr r0, =str_svc
    ldr r1, =svc_trig
    ldr r2, =exp_svc
    bl report_head
    ldr r0, =str_imm
    bl uart_puts
    ldr r0, =rec
    ldr r0, [r0, #R_X0]
    mov r1, #6
    bl uart_put_hexn
    mov r0, r5
    bl report_tail

    /* ---- SVC (Thumb) ---- */
    msr APSR_nzcvq, #FLAGS
    blx thumb_svc                   /* returns the CPSR read after the svc */
    mov r5, r0
    ldr r0, =str_tsvc
    ldr r1, =thumb_svc_trig
    ldr r2, =exp_tsvc
    bl report_head
    ldr r0, =str_imm
    bl uart_puts
    ldr r0, =rec
    ldr r0, [r0, #R_X0]
    mov r1, #2
    bl uart_put_hexn
    mov r0, r5
    bl report_tail

    /* ---- UND (ARM udf) ---- */
    msr APSR_nzcvq, #FLAGS
und_trig:
    udf #0x12
    mrs r5, cpsr
    ldr r0, =str_und
    ldr r1, =und_trig
    ldr r2, =exp_und
    bl report_head
    ldr r0, =str_insn
    bl uart_puts
    ldr r0, =rec
    ldr r0, [r0, #R_X0]
    bl uart_put_hex
    mov r0, r5
    bl report_tail

    /* ---- PABT (BKPT = debug event, taken as a Prefetch Abort) ---- */
    msr APSR_nzcvq, #FLAGS
pabt_trig:
    bkpt #0x77
    mrs r5, cpsr
    ldr r0, =str_pabt
    ldr r1, =pabt_trig
    ldr r2, =exp_pabt
    bl report_head
    ldr r0, =str_ifsr
    bl uart_puts
    ldr r0, =rec
    ldr r0, [r0, #R_X0]
    bl fsr_status
    mov r1, #2
    bl uart_put_hexn
    mov r0, r5
    bl report_tail

    /* ---- DABT (alignment fault: LDREX from an unaligned address always
     * faults, whatever SCTLR.A; the handler aligns r1 -> retried) ---- */
    ldr r1, =dabt_data + 1
    msr APSR_nzcvq, #FLAGS
dabt_trig:
    ldrex r6, [r1]                  /* faults; handler aligns r1 -> retried */
    mrs r5, cpsr
    ldr r0, =str_dabt
    ldr r1, =dabt_trig
    ldr r2, =exp_dabt
    bl report_head
    ldr r0, =str_dfsr
    bl uart_puts
    ldr r0, =rec
    ldr r0, [r0, #R_X0]
    bl fsr_status
    mov r1, #2
    bl uart_put_hexn
    ldr r0, =str_far
    bl uart_puts
    ldr r0, =rec
    ldr r0, [r0, #R_X1]
    ldr r1, =dabt_data
    sub r0, r0, r1
    bl uart_put_sdec
    ldr r0, =str_retried
    bl uart_puts
    mov r0, r6
    bl uart_put_hex
    ldr r0, =0x11223344             /* the word at dabt_data */
    cmp r6, r0
    addne r11, r11, #1
    mrc p15, 0, r0, c1, c0, 0
    tst r0, #SCTLR_A
    addne r11, r11, #1
    mov r0, r5
    bl report_tail

    /* ---- GIC for IRQ/FIQ: SGI 0 group 0 (FIQ), SGI 1 group 1 (IRQ) ---- */
    bl gic_dist_reset
    ldr r4, =GICD_BASE
    mov r0, #0xfffffffe             /* ID 0 group 0, IDs 1-31 group 1 */
    str r0, [r4, #GICD_IGROUPR]
    mov r0, #0
    mov r1, #0x80
    bl gic_enable
    mov r0, #1
    mov r1, #0xa0
    bl gic_enable
    ldr r5, =GICC_BASE
    mov r0, #0xf0
    str r0, [r5, #GICC_PMR]
    mov r0, #0xf                    /* EnableGrp0|EnableGrp1|AckCtl|FIQEn */
    str r0, [r5, #GICC_CTLR]
    mov r0, #3
    str r0, [r4, #GICD_CTLR]

    /* ---- IRQ: SGI 1 made pending while masked, taken at cpsie i ---- */
    ldr r0, =(0x00010000 | (1 << 15) | 1)   /* CPU0, NSATT=1 (group 1), ID 1 */
    str r0, [r4, #GICD_SGIR]
    mov r0, #(1 << 1)
    bl wait_pending
    msr APSR_nzcvq, #FLAGS
irq_trig:
    cpsie i
    mrs r5, cpsr
    cpsid i
    ldr r0, =str_irq
    ldr r1, =irq_trig
    ldr r2, =exp_irq
    bl report_head
    ldr r0, =str_iar
    bl uart_puts
    ldr r0, =rec
    ldr r0, [r0, #R_X0]
    bl uart_put_hex
    mov r0, r5
    bl report_tail

    /* ---- FIQ: SGI 0 (group 0, FIQEn) pending while masked, cpsie f ---- */
    ldr r0, =0x00010000             /* CPU0, NSATT=0 (group 0), ID 0 */
    str r0, [r4, #GICD_SGIR]
    mov r0, #(1 << 0)
    bl wait_pending
    msr APSR_nzcvq, #FLAGS
fiq_trig:
    cpsie f
    mrs r5, cpsr
    cpsid f
    ldr r0, =str_fiq
    ldr r1, =fiq_trig
    ldr r2, =exp_fiq
    bl report_head
    ldr r0, =str_iar
    bl uart_puts
    ldr r0, =rec
    ldr r0, [r0, #R_X0]
    bl uart_put_hex
    mov r0, r5
    bl report_tail

    /* ---- summary ---- */
    ldr r0, =rec
    ldr r4, [r0, #R_N]
    cmp r4, #7
    addne r11, r11, #1
    ldr r0, =str_sum1
    bl uart_puts
    mov r0, r4
    bl uart_put_dec
    cmp r11, #0
    ldreq r0, =str_sum_ok
    ldrne r0, =str_sum_bad
    bl uart_puts
    movs r0, r11
    movne r0, #1
    pop {r4-r11, pc}
    .size main, . - main

/* wait_pending(r0 = ISPENDR0 bit): wait until the SGI shows as pending */
wait_pending:
    ldr r1, =GICD_BASE
    ldr r3, =1000000
1:  ldr r2, [r1, #GICD_ISPENDR]
    tst r2, r0
    bxne lr
    subs r3, r3, #1
    bne 1b
    add r11, r11, #1                /* never became pending */
    bx lr

/* fsr_status(r0 = short-descriptor FSR) -> r0 = FS[4:0] */
fsr_status:
    and r1, r0, #0xf
    tst r0, #(1 << 10)
    orrne r1, r1, #0x10
    mov r0, r1
    bx lr

/*
 * report_head(r0 = name, r1 = trigger address, r2 = expected {cpsr, spsr,
 * lr-off, resumed cpsr}): prints "name: cpsr=X spsr=Y lr-off=+N" and
 * checks the first three; report_tail(r0 = resumed cpsr) prints
 * " resumed=Z (mode)" and a newline and checks it.
 */
report_head:
    push {r4-r6, lr}
    bic r5, r1, #1
    ldr r1, =cur_exp
    str r2, [r1]
    mov r6, r2
    bl uart_puts
    ldr r4, =rec
    ldr r0, =str_cpsr
    bl uart_puts
    ldr r0, [r4, #R_CPSR]
    bl uart_put_hex
    ldr r0, =str_spsr
    bl uart_puts
    ldr r0, [r4, #R_SPSR]
    bl uart_put_hex
    ldr r0, =str_lroff
    bl uart_puts
    ldr r0, [r4, #R_LR]
    sub r5, r0, r5
    mov r0, r5
    bl uart_put_sdec
    ldr r0, [r4, #R_CPSR]
    ldr r1, [r6, #0]
    cmp r0, r1
    addne r11, r11, #1
    ldr r0, [r4, #R_SPSR]
    ldr r1, [r6, #4]
    cmp r0, r1
    addne r11, r11, #1
    ldr r1, [r6, #8]
    cmp r5, r1
    addne r11, r11, #1
    pop {r4-r6, pc}

report_tail:
    push {r4, lr}
    mov r4, r0
    ldr r0, =str_resumed
    bl uart_puts
    mov r0, r4
    bl uart_put_hex
    mov r0, #' '
    bl uart_putc
    mov r0, r4
    bl print_mode
    ldr r0, =cur_exp
    ldr r0, [r0]
    ldr r0, [r0, #12]
    cmp r0, r4
    addne r11, r11, #1
    ldreq r0, =str_ok
    ldrne r0, =str_mismatch
    bl uart_puts
    ldr r0, =rec                    /* clear the record for the next one */
    mov r1, #0
    str r1, [r0, #R_CPSR]
    str r1, [r0, #R_SPSR]
    str r1, [r0, #R_LR]
    str r1, [r0, #R_X0]
    str r1, [r0, #R_X1]
    pop {r4, pc}

/* print_mode(r0 = psr): "(svc)", "(irq)", ... */
print_mode:
    push {r4, lr}
    mov r4, r0
    mov r0, #'('
    bl uart_putc
    and r0, r4, #0x1f
    ldr r1, =mode_table
1:  ldr r2, [r1], #8
    cmp r2, #0
    beq 2f
    cmp r2, r0
    bne 1b
    ldr r0, [r1, #-4]
    b 3f
2:  ldr r0, =str_m_unk
3:  bl uart_puts
    mov r0, #')'
    bl uart_putc
    pop {r4, pc}

/* ------------------------------------------------------------------ */
    .thumb
    .type thumb_svc, %function
    .thumb_func
thumb_svc:
    push {lr}                       /* SVC from SVC mode overwrites LR_svc */
    /* resuming here in ARM state instead of Thumb would crash; MRS reads
       CPSR.T as 0, so the "resumed" value has no T bit */
thumb_svc_trig:
    svc #0x43
    mrs r0, cpsr
    pop {pc}
    .size thumb_svc, . - thumb_svc
    .arm

/* ------------------------------------------------------------------ */
/* Handlers.  r0-r4, r12, lr saved on the mode's own stack.            */

    .global svc_handler
    .type svc_handler, %function
svc_handler:
    push {r0-r4, r12, lr}
    mrs r0, cpsr
    mrs r1, spsr
    mov r2, lr
    tst r1, #PSR_T
    ldrhne r3, [lr, #-2]            /* Thumb: svc #imm8 */
    andne r3, r3, #0xff
    ldreq r3, [lr, #-4]             /* ARM: svc #imm24 */
    biceq r3, r3, #0xff000000
    mov r12, #0
    RECORD
    pop {r0-r4, r12, lr}
    movs pc, lr
    .size svc_handler, . - svc_handler

    .global und_handler
    .type und_handler, %function
und_handler:
    push {r0-r4, r12, lr}
    mrs r0, cpsr
    mrs r1, spsr
    mov r2, lr
    tst r1, #PSR_T
    ldrhne r3, [lr, #-2]
    ldreq r3, [lr, #-4]             /* the undefined instruction */
    mov r12, #0
    RECORD
    pop {r0-r4, r12, lr}
    movs pc, lr                     /* LR = next instruction */
    .size und_handler, . - und_handler

    .global pabt_handler
    .type pabt_handler, %function
pabt_handler:
    push {r0-r4, r12, lr}
    mrs r0, cpsr
    mrs r1, spsr
    mov r2, lr
    mrc p15, 0, r3, c5, c0, 1       /* IFSR */
    mrc p15, 0, r12, c6, c0, 2      /* IFAR (not printed) */
    RECORD
    pop {r0-r4, r12, lr}
    add lr, lr, #4                  /* skip the BKPT, it would re-trap */
    subs pc, lr, #4
    .size pabt_handler, . - pabt_handler

    .global dabt_handler
    .type dabt_handler, %function
dabt_handler:
    push {r0-r4, r12, lr}
    mrs r0, cpsr
    mrs r1, spsr
    mov r2, lr
    mrc p15, 0, r3, c5, c0, 0       /* DFSR */
    mrc p15, 0, r12, c6, c0, 0      /* DFAR */
    RECORD
    ldr r0, [sp, #4]                /* interrupted r1: align it */
    bic r0, r0, #3
    str r0, [sp, #4]
    pop {r0-r4, r12, lr}
    subs pc, lr, #8                 /* re-execute the ldr */
    .size dabt_handler, . - dabt_handler

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0, r1}                   /* IRQ stack: capture the entry CPSR */
    mrs r0, cpsr
    ldr r1, =irq_entry_cpsr
    str r0, [r1]
    pop {r0, r1}
    sub lr, lr, #4
    srsdb sp!, #MODE_SVC            /* {LR_irq-4, SPSR_irq} -> SVC stack */
    cps #MODE_SVC
    push {r0-r4, r12, lr}
    ldr r0, =irq_entry_cpsr
    ldr r0, [r0]
    ldr r2, [sp, #28]               /* stacked return address */
    add r2, r2, #4                  /* = LR_irq on entry */
    ldr r1, [sp, #32]               /* stacked SPSR_irq */
    ldr r12, =GICC_BASE
    ldr r3, [r12, #GICC_IAR]
    ubfx r4, r3, #0, #10
    cmp r4, #1020
    strlo r3, [r12, #GICC_EOIR]
    mov r12, #0
    RECORD
    pop {r0-r4, r12, lr}
    rfeia sp!                       /* PC and CPSR from the SVC stack */
    .size irq_handler, . - irq_handler

    .global fiq_handler
    .type fiq_handler, %function
fiq_handler:
    push {r0-r4, r12, lr}
    mrs r0, cpsr
    mrs r1, spsr
    mov r2, lr
    ldr r12, =GICC_BASE
    ldr r3, [r12, #GICC_IAR]
    ubfx r4, r3, #0, #10
    cmp r4, #1020
    strlo r3, [r12, #GICC_EOIR]
    mov r12, #0
    RECORD
    pop {r0-r4, r12, lr}
    subs pc, lr, #4
    .size fiq_handler, . - fiq_handler

/* ------------------------------------------------------------------ */
    .section .rodata
    .align 2
/* expected {cpsr in handler, spsr, lr-off, cpsr after return} */
exp_svc:  .word 0x600000d3, 0x600000d3, 4, 0x600000d3
exp_tsvc: .word 0x600000d3, 0x600000f3, 2, 0x600000d3  /* MRS reads T as 0 */
exp_und:  .word 0x600000db, 0x600000d3, 4, 0x600000d3
exp_pabt: .word 0x600001d7, 0x600000d3, 4, 0x600000d3
exp_dabt: .word 0x600001d7, 0x600000d3, 8, 0x600000d3
exp_irq:  .word 0x600001d2, 0x60000053, 8, 0x60000053
exp_fiq:  .word 0x600001d1, 0x60000093, 8, 0x60000093
dabt_data: .word 0x11223344, 0x55667788
mode_table:
    .word MODE_USR, str_m_usr, MODE_FIQ, str_m_fiq, MODE_IRQ, str_m_irq
    .word MODE_SVC, str_m_svc, MODE_ABT, str_m_abt, MODE_UND, str_m_und
    .word MODE_SYS, str_m_sys, 0, 0

str_banner:   .asciz "irqemu exceptions test (armv7)\n"
str_svc:      .asciz "svc: "
str_tsvc:     .asciz "svc(thumb): "
str_und:      .asciz "und: "
str_pabt:     .asciz "pabt(bkpt): "
str_dabt:     .asciz "dabt(ldrex-align): "
str_irq:      .asciz "irq(sgi1,rfe): "
str_fiq:      .asciz "fiq(sgi0): "
str_cpsr:     .asciz "cpsr="
str_spsr:     .asciz " spsr="
str_lroff:    .asciz " lr-off="
str_imm:      .asciz " imm="
str_insn:     .asciz " insn="
str_ifsr:     .asciz " ifsr.fs="
str_dfsr:     .asciz " dfsr.fs="
str_far:      .asciz " far-off="
str_retried:  .asciz " retried-ldr="
str_iar:      .asciz " iar="
str_resumed:  .asciz " resumed="
str_ok:       .asciz " ok\n"
str_mismatch: .asciz " MISMATCH\n"
str_sum1:     .asciz "exceptions: "
str_sum_ok:   .asciz " taken, all as expected\n"
str_sum_bad:  .asciz " taken, FAIL\n"
str_m_usr:    .asciz "usr"
str_m_fiq:    .asciz "fiq"
str_m_irq:    .asciz "irq"
str_m_svc:    .asciz "svc"
str_m_abt:    .asciz "abt"
str_m_und:    .asciz "und"
str_m_sys:    .asciz "sys"
str_m_unk:    .asciz "???"

    .bss
    .align 2
rec:            .space 24
cur_exp:        .space 4
irq_entry_cpsr: .space 4
