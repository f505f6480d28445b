/*
 * fiq.elf -- GPT (GIC ID 87, SPI 55) routed as FIQ; FIQ banked R8-R12.
 *
 * GIC (secure accesses; the GIC has the Security Extensions): every ID is
 * put in group 1 (IRQ) except ID 87, which stays group 0; GICC_CTLR =
 * EnableGrp0 | EnableGrp1 | FIQEn, so group 0 is signalled as FIQ.  If
 * GICD_IGROUPR does not read back as written (a GIC without groups) the
 * firmware says so and fails.
 *
 * The FIQ handler uses only its banked R8-R12 (no stack, nothing saved):
 *   r8  = FIQ count               (persistent, set up once in FIQ mode)
 *   r9  = checksum, r9 = r9*33 + r8 after each FIQ, starting at 5381
 *   r10 = pointer to fiq_state    (persistent)
 *   r11, r12 = scratch
 * It acknowledges (IAR), clears GPT SR.OF1, updates r8/r9, publishes them
 * through r10, stops the GPT after NFIQ FIQs, EOIs, `subs pc, lr, #4`.
 * The interrupted SVC code holds fixed patterns in its own R8-R12 and
 * checks them after every FIQ, then peeks at the FIQ bank.
 */
#include "board.h"

#define NFIQ        8
#define GPT_PERIOD  100000          /* compare value; GPT clock = ipg_clk */

#define ST_COUNT    0
#define ST_SUM      4
#define ST_IAR      8
#define ST_BAD      12

#define PAT8        0x88a5a508
#define PAT9        0x99a5a509
#define PAT10       0xaaa5a50a
#define PAT11       0xbba5a50b
#define PAT12       0xcca5a50c

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    push {r4-r11, lr}
    ldr r0, =str_banner
    bl uart_puts

    /* --- GIC: everything group 1 except GPT (ID 87) in group 0 --- */
    bl gic_dist_reset
    ldr r4, =GICD_BASE
    mvn r0, #0
    mov r1, #0
1:  add r2, r4, r1, lsl #2
    str r0, [r2, #GICD_IGROUPR]
    add r1, r1, #1
    cmp r1, #(GIC_NUM_IRQS / 32)
    blo 1b
    mvn r0, #(1 << (GPT_ID - 64))   /* IGROUPR2 bit 23 = ID 87 -> group 0 */
    str r0, [r4, #(GICD_IGROUPR + 8)]
    ldr r1, [r4, #(GICD_IGROUPR + 8)]
    cmp r1, r0
    bne no_groups
    mov r0, #GPT_ID
    mov r1, #0x80
    bl gic_enable
    ldr r5, =GICC_BASE
    mov r0, #0xf0
    str r0, [r5, #GICC_PMR]
    mov r0, #0xb                    /* EnableGrp0 | EnableGrp1 | FIQEn */
    str r0, [r5, #GICC_CTLR]
    mov r0, #3                      /* distributor: group 0 and group 1 */
    str r0, [r4, #GICD_CTLR]
    ldr r0, =str_route
    bl uart_puts

    /* --- FIQ bank: set up once, never saved by the handler --- */
    ldr r0, =fiq_state
    cps #MODE_FIQ
    mov r8, #0
    ldr r9, =5381
    mov r10, r0
    cps #MODE_SVC

    /* --- GPT: restart mode, peripheral clock, compare 1 interrupt --- */
    ldr r4, =GPT_BASE
    mov r0, #0
    str r0, [r4, #GPT_CR]
    mov r0, #(1 << 15)              /* SWR */
    str r0, [r4, #GPT_CR]
2:  ldr r0, [r4, #GPT_CR]
    tst r0, #(1 << 15)
    bne 2b
    mov r0, #0
    str r0, [r4, #GPT_PR]
    mov r0, #0x3f
    str r0, [r4, #GPT_SR]
    ldr r0, =GPT_PERIOD
    str r0, [r4, #GPT_OCR1]
    mov r0, #GPT_IR_OF1IE
    str r0, [r4, #GPT_IR]
    mov r0, #(GPT_CR_CLKSRC_IPG | GPT_CR_ENMOD)
    str r0, [r4, #GPT_CR]
    orr r0, r0, #GPT_CR_EN
    str r0, [r4, #GPT_CR]

    /* --- our own (SVC/usr bank) R8-R12 hold patterns during the FIQs --- */
    ldr r8, =PAT8
    ldr r9, =PAT9
    ldr r10, =PAT10
    ldr r11, =PAT11
    ldr r12, =PAT12
    ldr r5, =fiq_state
    mov r6, #0                      /* FIQs seen */
    mov r7, #0                      /* pattern mismatches */
    cpsie if
3:  wfi
    ldr r0, [r5, #ST_COUNT]
    cmp r0, r6
    beq 3b
    mov r6, r0
    ldr r0, =PAT8
    cmp r8, r0
    addne r7, r7, #1
    ldr r0, =PAT9
    cmp r9, r0
    addne r7, r7, #1
    ldr r0, =PAT10
    cmp r10, r0
    addne r7, r7, #1
    ldr r0, =PAT11
    cmp r11, r0
    addne r7, r7, #1
    ldr r0, =PAT12
    cmp r12, r0
    addne r7, r7, #1
    cmp r6, #NFIQ
    blo 3b
    cpsid if

    /* --- peek at the FIQ bank --- */
    cps #MODE_FIQ
    mov r0, r8
    mov r1, r9
    mov r2, r10
    cps #MODE_SVC
    mov r4, r0                      /* FIQ r8 */
    mov r5, r1                      /* FIQ r9 */
    mov r6, r2                      /* FIQ r10 */
    /* expected checksum */
    ldr r1, =5381
    mov r0, #1
4:  add r1, r1, r1, lsl #5
    add r1, r1, r0
    add r0, r0, #1
    cmp r0, #NFIQ
    bls 4b
    cmp r5, r1
    addne r7, r7, #0x100
    cmp r4, #NFIQ
    addne r7, r7, #0x100
    ldr r0, =fiq_state
    cmp r6, r0
    addne r7, r7, #0x100
    ldr r1, [r0, #ST_BAD]
    cmp r1, #0
    addne r7, r7, #0x10000
    ldr r1, =irq_count
    ldr r1, [r1]
    cmp r1, #0
    addne r7, r7, #0x10000

    /* "fiq: 8 FIQs, r8-r12 banked ok" */
    ldr r0, =str_fiq
    bl uart_puts
    mov r0, r4
    bl uart_put_dec
    ldr r0, =str_fiqs
    bl uart_puts
    tst r7, #0xff
    ldreq r0, =str_ok
    ldrne r0, =str_bad
    bl uart_puts
    /* "fiq: FIQ-mode r8=8 r9=... r10=fiq_state kept ok" */
    ldr r0, =str_bank1
    bl uart_puts
    mov r0, r4
    bl uart_put_dec
    ldr r0, =str_bank2
    bl uart_puts
    mov r0, r5
    bl uart_put_hex
    ldr r0, =str_bank3
    bl uart_puts
    tst r7, #0xff00
    ldreq r0, =str_ok
    ldrne r0, =str_bad
    bl uart_puts
    tst r7, #0xff0000
    ldrne r0, =str_stray
    blne uart_puts
    cmp r7, #0
    bne 8f
    ldr r0, =str_done
    bl uart_puts
    mov r0, #0
    pop {r4-r11, pc}
8:  ldr r0, =str_failed
    bl uart_puts
    mov r0, #1
    pop {r4-r11, pc}

no_groups:
    ldr r0, =str_nogroups
    bl uart_puts
    mov r0, #1
    pop {r4-r11, pc}
    .size main, . - main

str_banner:   .asciz "irqemu fiq test (armv7)\n"
str_route:    .asciz "fiq: GPT (ID 87) group 0 -> FIQ, all other IDs group 1 -> IRQ\n"
str_fiq:      .asciz "fiq: "
str_fiqs:     .asciz " FIQs, r8-r12 banked "
str_ok:       .asciz "ok\n"
str_bad:      .asciz "CORRUPTED\n"
str_bank1:    .asciz "fiq: FIQ-mode r8="
str_bank2:    .asciz " r9="
str_bank3:    .asciz " r10=&fiq_state, kept across FIQs "
str_stray:    .asciz "fiq: unexpected interrupt (IRQ or FIQ other than ID 87)\n"
str_done:     .asciz "fiq: done\n"
str_failed:   .asciz "fiq: FAIL\n"
str_nogroups: .asciz "fiq: FAIL, GICD_IGROUPR is not writable (GIC without groups/Security Extensions), cannot route as FIQ\n"
    .align 2

/* ---- FIQ handler: only banked r8-r12, no stack ---- */
    .global fiq_handler
    .type fiq_handler, %function
fiq_handler:
    ldr r11, =GICC_BASE
    ldr r12, [r11, #GICC_IAR]
    str r12, [r10, #ST_IAR]
    ubfx r12, r12, #0, #10
    cmp r12, #GPT_ID
    beq 1f
    ldr r11, =GIC_SPURIOUS
    cmp r12, r11
    beq 3f                          /* spurious: no EOI */
    ldr r11, [r10, #ST_BAD]         /* some other ID: count it, EOI */
    add r11, r11, #1
    str r11, [r10, #ST_BAD]
    b 2f
1:  ldr r11, =GPT_BASE
    mov r12, #GPT_SR_OF1
    str r12, [r11, #GPT_SR]         /* clear the compare 1 event */
    add r8, r8, #1
    add r9, r9, r9, lsl #5
    add r9, r9, r8
    str r8, [r10, #ST_COUNT]
    str r9, [r10, #ST_SUM]
    cmp r8, #NFIQ
    movhs r12, #0
    strhs r12, [r11, #GPT_IR]       /* last one: interrupt off, GPT off */
    strhs r12, [r11, #GPT_CR]
2:  ldr r11, =GICC_BASE
    ldr r12, [r10, #ST_IAR]
    str r12, [r11, #GICC_EOIR]
3:  subs pc, lr, #4
    .size fiq_handler, . - fiq_handler

/* ---- IRQ handler: nothing should arrive as IRQ here ---- */
    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r3, r12, lr}
    ldr r1, =GICC_BASE
    ldr r0, [r1, #GICC_IAR]
    ubfx r2, r0, #0, #10
    cmp r2, #1020
    bhs 1f                          /* 1022/1023: nothing to EOI */
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
fiq_state:  .space 16
irq_count:  .space 4
