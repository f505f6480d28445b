/*
 * gpc_wake.elf -- i.MX6 GPC: which interrupts wake a core sleeping in wfi
 * in a low-power mode (CCM_CLPCR.LPM = WAIT).
 *
 * GIC: GPT (ID 87 = GPC line 55) and UART1 (ID 58 = GPC line 26) enabled,
 * group 0 signalled as IRQ.  GPC: all IMRs masked (as Linux's imx_gpc_init),
 * then lines unmasked per phase.  GPT free-running at ipg_clk (66 MHz),
 * output compare 1 one millisecond ahead each time.
 *
 *  1. LPM = WAIT, line 55 unmasked, cpsie i; wfi: the GPT wakes the core.
 *  2. LPM = WAIT, line 55 masked, line 26 (UART1 receive) unmasked, cpsid i;
 *     wfi: the GPT compare passes and its interrupt is pending at the GIC, but
 *     the core sleeps on until a byte arrives on UART1 (the emulator's scenario
 *     types one at 3 ms).  Printed: who was pending when the core woke.
 *  3. LPM = RUN, line 55 still masked, cpsid i; wfi: in RUN mode wfi only
 *     gates the clock and the GIC wakes the core; the IMRs do not matter.
 * Every line printed depends only on the interrupt order, not on timing,
 * except the GPT counter values, which are deterministic in the emulator.
 */
#include "board.h"

#define CCM_BASE        0x020C4000
#define CCM_CLPCR       0x54
#define LPM_MASK        3
#define LPM_RUN         0
#define LPM_WAIT        1
#define GPC_BASE        0x020DC000
#define GPC_IMR1        0x08
#define GPC_IMR2        0x0C
#define GPC_IMR3        0x10
#define GPC_IMR4        0x14
#define GPC_ISR1        0x18
#define GPC_ISR2        0x1C
#define GPT_LINE_BIT    (1 << (55 - 32))        /* IMR2/ISR2 bit 23 */
#define UART_LINE_BIT   (1 << 26)               /* IMR1/ISR1 bit 26 */
#define UART1_ID        58
#define UART_URXD       0x00
#define UCR1_RRDYEN     (1 << 9)
#define PERIOD          66000                   /* 1 ms of 66 MHz ipg_clk */

    .syntax unified
    .arm
    .text

    .global main
    .type main, %function
main:
    push {r4-r11, lr}
    ldr r0, =str_banner
    bl uart_puts

    /* GIC: GPT and UART1 enabled, group 0 as IRQ */
    bl gic_dist_reset
    mov r0, #GPT_ID
    mov r1, #0xa0
    bl gic_enable
    mov r0, #UART1_ID
    mov r1, #0xa0
    bl gic_enable
    ldr r4, =GICC_BASE
    mov r0, #0xf0
    str r0, [r4, #GICC_PMR]
    mov r0, #1
    str r0, [r4, #GICC_CTLR]
    ldr r4, =GICD_BASE
    str r0, [r4, #GICD_CTLR]

    /* GPC: everything masked, as imx_gpc_init leaves it */
    ldr r9, =GPC_BASE
    mvn r0, #0
    str r0, [r9, #GPC_IMR1]
    str r0, [r9, #GPC_IMR2]
    str r0, [r9, #GPC_IMR3]
    str r0, [r9, #GPC_IMR4]

    /* GPT: software reset, free-run, ipg_clk, compare 1 interrupt */
    ldr r10, =GPT_BASE
    mov r0, #0
    str r0, [r10, #GPT_CR]
    mov r0, #(1 << 15)
    str r0, [r10, #GPT_CR]
1:  ldr r0, [r10, #GPT_CR]
    tst r0, #(1 << 15)
    bne 1b
    mov r0, #0
    str r0, [r10, #GPT_PR]
    mov r0, #0x3f
    str r0, [r10, #GPT_SR]
    mov r0, #GPT_IR_OF1IE
    str r0, [r10, #GPT_IR]
    ldr r0, =(GPT_CR_CLKSRC_IPG | GPT_CR_ENMOD | GPT_CR_FRR)
    str r0, [r10, #GPT_CR]
    orr r0, r0, #GPT_CR_EN
    str r0, [r10, #GPT_CR]

    /* ---- phase 1: WAIT, GPT line unmasked in the GPC ---- */
    mov r0, #LPM_WAIT
    bl set_lpm
    ldr r0, [r9, #GPC_IMR2]
    bic r0, r0, #GPT_LINE_BIT
    str r0, [r9, #GPC_IMR2]
    ldr r0, =str_p1
    bl uart_puts
    bl arm_gpt                      /* r0 = compare value */
    ldr r5, =gpt_irqs
    cpsie i
2:  wfi
    ldr r0, [r5]
    cmp r0, #0
    beq 2b
    ldr r0, =str_woken_gpt
    bl uart_puts
    ldr r0, =str_at
    bl uart_puts
    ldr r0, =gpt_cnt
    ldr r0, [r0]
    bl uart_put_dec
    bl uart_nl

    /* ---- phase 2: WAIT, GPT masked, UART1 receive unmasked ---- */
    cpsid i
    ldr r0, [r9, #GPC_IMR2]
    orr r0, r0, #GPT_LINE_BIT
    str r0, [r9, #GPC_IMR2]
    ldr r0, [r9, #GPC_IMR1]
    bic r0, r0, #UART_LINE_BIT
    str r0, [r9, #GPC_IMR1]
    ldr r1, =UART1_BASE
    ldr r0, [r1, #UART_UCR1]
    orr r0, r0, #UCR1_RRDYEN
    str r0, [r1, #UART_UCR1]
    ldr r0, =str_p2
    bl uart_puts
    bl arm_gpt
    mov r6, r0                      /* r6 = GPT compare value */
    wfi                             /* the idle loop's wfi, IRQs masked */
    ldr r7, [r10, #GPT_CNT]         /* r7 = when we woke */
    ldr r8, [r4, #(GICD_ISPENDR + 4)]   /* IDs 32-63: UART1 = bit 26 */
    ldr r11, [r4, #(GICD_ISPENDR + 8)]  /* IDs 64-95: GPT = bit 23 */
    tst r8, #(1 << (UART1_ID - 32))
    beq 8f
    ldr r0, =str_woken_uart
    bl uart_puts
    ldr r0, =str_at
    bl uart_puts
    mov r0, r7
    bl uart_put_dec
    bl uart_nl
    tst r11, #(1 << (GPT_ID - 64))
    beq 8f
    cmp r7, r6
    bls 8f
    ldr r0, =str_gpt_pending1
    bl uart_puts
    mov r0, r6
    bl uart_put_dec
    ldr r0, =str_gpt_pending2
    bl uart_puts
    ldr r0, [r9, #GPC_ISR2]
    tst r0, #GPT_LINE_BIT
    ldrne r0, =str_isr_set
    ldreq r0, =str_isr_clear
    bl uart_puts
    /* now take both */
    ldr r5, =gpt_irqs
    ldr r8, =uart_irqs
    cpsie i
3:  ldr r0, [r5]
    cmp r0, #2
    blo 3b
    ldr r0, [r8]
    cmp r0, #1
    blo 3b
    ldr r0, =str_handled
    bl uart_puts
    ldr r0, =rx_char
    ldrb r0, [r0]
    bl uart_putc
    ldr r0, =str_handled2
    bl uart_puts

    /* ---- phase 3: RUN, GPT still masked in the GPC ---- */
    cpsid i
    mov r0, #LPM_RUN
    bl set_lpm
    ldr r0, =str_p3
    bl uart_puts
    bl arm_gpt
    mov r6, r0
    wfi
    ldr r7, [r10, #GPT_CNT]
    ldr r11, [r4, #(GICD_ISPENDR + 8)]
    tst r11, #(1 << (GPT_ID - 64))
    beq 8f
    cmp r7, r6
    blo 8f
    ldr r0, =str_woken_run
    bl uart_puts
    ldr r0, =str_at
    bl uart_puts
    mov r0, r7
    bl uart_put_dec
    bl uart_nl
    cpsie i
4:  ldr r0, [r5]
    cmp r0, #3
    blo 4b
    cpsid i
    ldr r0, =unexpected
    ldr r0, [r0]
    cmp r0, #0
    bne 8f
    ldr r0, =str_done
    bl uart_puts
    mov r0, #0
    pop {r4-r11, pc}
8:  cpsid i
    ldr r0, =str_fail
    bl uart_puts
    mov r0, #1
    pop {r4-r11, pc}
    .size main, . - main

/* set_lpm(r0 = mode): CCM_CLPCR.LPM = mode, prints it */
set_lpm:
    push {r4, lr}
    ldr r2, =CCM_BASE
    ldr r1, [r2, #CCM_CLPCR]
    bic r1, r1, #LPM_MASK
    orr r1, r1, r0
    str r1, [r2, #CCM_CLPCR]
    cmp r0, #LPM_WAIT
    ldreq r0, =str_lpm_wait
    ldrne r0, =str_lpm_run
    bl uart_puts
    pop {r4, pc}

/* arm_gpt: clear GPT status, compare 1 = CNT + PERIOD; returns the compare value */
arm_gpt:
    ldr r2, =GPT_BASE
    mov r1, #0x3f
    str r1, [r2, #GPT_SR]
    ldr r0, [r2, #GPT_CNT]
    ldr r1, =PERIOD
    add r0, r0, r1
    str r0, [r2, #GPT_OCR1]
    bx lr

str_banner:     .asciz "irqemu gpc wake test (armv7, i.MX6 GPC + CCM)\n"
str_lpm_wait:   .asciz "ccm: CLPCR.LPM = WAIT (wfi stops the ARM clock; only the GPC wakes it)\n"
str_lpm_run:    .asciz "ccm: CLPCR.LPM = RUN (wfi only gates the clock; the GIC wakes it)\n"
str_p1:         .asciz "gpc: IMR2 bit 23 (line 55, GPT) clear; wfi with IRQs enabled\n"
str_woken_gpt:  .asciz "gpc: woken by GPT (IMR unmasked)\n"
str_at:         .asciz "gpc:   GPT_CNT at wake-up "
str_p2:         .asciz "gpc: IMR2 bit 23 (GPT) set, IMR1 bit 26 (line 26, UART1) clear; wfi with IRQs masked\n"
str_woken_uart: .asciz "gpc: woken by UART1 receive (IMR unmasked)\n"
str_gpt_pending1: .asciz "gpc: GPT interrupt pending since GPT_CNT "
str_gpt_pending2: .asciz " but did not wake the core (IMR masked); "
str_isr_set:    .asciz "GPC_ISR2 bit 23 set\n"
str_isr_clear:  .asciz "GPC_ISR2 bit 23 clear\n"
str_handled:    .asciz "gpc: after cpsie i both handled: GPT and UART1 ('"
str_handled2:   .asciz "')\n"
str_p3:         .asciz "gpc: IMR2 bit 23 (GPT) still set; wfi with IRQs masked\n"
str_woken_run:  .asciz "gpc: woken by GPT although masked in the GPC (RUN mode: the IMRs gate only low-power wake-up)\n"
str_done:       .asciz "gpc: done\n"
str_fail:       .asciz "gpc: FAIL\n"
    .align 2

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r3, r12, lr}
    ldr r1, =GICC_BASE
    ldr r0, [r1, #GICC_IAR]
    ubfx r2, r0, #0, #10
    ldr r3, =GIC_SPURIOUS
    cmp r2, r3
    beq 9f
    cmp r2, #GPT_ID
    bne 1f
    ldr r3, =GPT_BASE
    mov r12, #GPT_SR_OF1
    str r12, [r3, #GPT_SR]
    ldr r12, [r3, #GPT_CNT]
    ldr r3, =gpt_cnt
    str r12, [r3]
    ldr r3, =gpt_irqs
    b 3f
1:  cmp r2, #UART1_ID
    bne 2f
    ldr r3, =UART1_BASE
    ldr r12, [r3, #UART_URXD]
    ldr r3, =rx_char
    strb r12, [r3]
    ldr r3, =uart_irqs
    b 3f
2:  ldr r3, =unexpected
3:  ldr r12, [r3]
    add r12, r12, #1
    str r12, [r3]
    str r0, [r1, #GICC_EOIR]
9:  pop {r0-r3, r12, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler

    .bss
    .align 2
gpt_irqs:   .space 4
uart_irqs:  .space 4
gpt_cnt:    .space 4
unexpected: .space 4
rx_char:    .space 4
