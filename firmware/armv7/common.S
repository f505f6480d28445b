/*
 * Shared start-up and helpers for the irqemu armv7 test firmware.
 *
 *  - vector table at 0x10000000 (VBAR), each entry jumps through a literal
 *    to a weak handler; a firmware overrides the ones it uses
 *  - _start: per-mode stacks, .bss clear, VBAR, SCTLR (V=0, A=0), UART1
 *    enable, then `bl main`; main's r0 = 0 -> SYS_EXIT ApplicationExit,
 *    anything else -> SYS_EXIT RunTimeErrorUnknown
 *  - uart_putc/uart_puts/uart_put_hex/uart_put_dec/uart_nl (AAPCS: clobber
 *    only r0-r3, r12, lr; none of them touches r4-r11)
 *  - gic_* helpers, semihost_exit
 */
#include "board.h"

    .syntax unified
    .arm

/* ------------------------------------------------------------------ */
    .section .vectors, "ax"
    .align 5
    .global vectors
vectors:
    ldr pc, vec_reset
    ldr pc, vec_und
    ldr pc, vec_svc
    ldr pc, vec_pabt
    ldr pc, vec_dabt
    ldr pc, vec_hyp
    ldr pc, vec_irq
    ldr pc, vec_fiq
vec_reset:  .word _start
vec_und:    .word und_handler
vec_svc:    .word svc_handler
vec_pabt:   .word pabt_handler
vec_dabt:   .word dabt_handler
vec_hyp:    .word hyp_handler
vec_irq:    .word irq_handler
vec_fiq:    .word fiq_handler

/* ------------------------------------------------------------------ */
    .section .text.start, "ax"
    .global _start
    .type _start, %function
_start:
    cpsid aif, #MODE_FIQ
    ldr sp, =__stack_fiq_top
    cps #MODE_IRQ
    ldr sp, =__stack_irq_top
    cps #MODE_ABT
    ldr sp, =__stack_abt_top
    cps #MODE_UND
    ldr sp, =__stack_und_top
    cps #MODE_SYS
    ldr sp, =__stack_sys_top
    cps #MODE_SVC
    ldr sp, =__stack_svc_top

    /* clear .bss */
    ldr r0, =__bss_start
    ldr r1, =__bss_end
    mov r2, #0
1:  cmp r0, r1
    strlo r2, [r0], #4
    blo 1b

    /* VBAR = vectors; SCTLR: V=0 (use VBAR), A=0, MMU/caches stay off */
    ldr r0, =vectors
    mcr p15, 0, r0, c12, c0, 0
    mrc p15, 0, r0, c1, c0, 0
    bic r0, r0, #SCTLR_V
    bic r0, r0, #SCTLR_A
    mcr p15, 0, r0, c1, c0, 0
    isb

    bl uart_init
    bl main
    b semihost_exit
    .size _start, . - _start

/* ------------------------------------------------------------------ */
    .text

/* semihost_exit(r0 = 0 ok / nonzero failure): SYS_EXIT, never returns */
    .global semihost_exit
    .type semihost_exit, %function
semihost_exit:
    cmp r0, #0
    ldreq r1, =ADP_Stopped_ApplicationExit
    ldrne r1, =ADP_Stopped_RunTimeErrorUnknown
    mov r0, #SYS_EXIT
    svc SEMIHOST_SVC
1:  wfi                         /* not reached under semihosting */
    b 1b
    .size semihost_exit, . - semihost_exit

/* uart_init: UCR1.UARTEN, UCR2 = SRST|RXEN|TXEN|IRTS */
    .global uart_init
    .type uart_init, %function
uart_init:
    ldr r1, =UART1_BASE
    mov r0, #UCR1_UARTEN
    str r0, [r1, #UART_UCR1]
    ldr r0, =(UCR2_SRST | UCR2_RXEN | UCR2_TXEN | UCR2_IRTS)  /* 0x4007 */
    str r0, [r1, #UART_UCR2]
    bx lr
    .size uart_init, . - uart_init

/* uart_putc(r0 = byte): waits for USR1.TRDY, then writes UTXD */
    .global uart_putc
    .type uart_putc, %function
uart_putc:
    ldr r1, =UART1_BASE
1:  ldr r2, [r1, #UART_USR1]
    tst r2, #USR1_TRDY
    beq 1b
    str r0, [r1, #UART_UTXD]
    bx lr
    .size uart_putc, . - uart_putc

/* uart_puts(r0 = NUL-terminated string) */
    .global uart_puts
    .type uart_puts, %function
uart_puts:
    push {r4, lr}
    mov r4, r0
1:  ldrb r0, [r4], #1
    cmp r0, #0
    popeq {r4, pc}
    bl uart_putc
    b 1b
    .size uart_puts, . - uart_puts

/* uart_nl: "\n" */
    .global uart_nl
    .type uart_nl, %function
uart_nl:
    mov r0, #'\n'
    b uart_putc
    .size uart_nl, . - uart_nl

/* uart_put_hex(r0 = value): exactly 8 lower-case hex digits, no prefix */
    .global uart_put_hex
    .type uart_put_hex, %function
uart_put_hex:
    mov r1, #8
    /* fall through */
/* uart_put_hexn(r0 = value, r1 = digits 1..8): low r1 nibbles */
    .global uart_put_hexn
uart_put_hexn:
    push {r4, r5, lr}
    lsl r5, r1, #2              /* bit position after the top digit */
    mov r4, r0
1:  subs r5, r5, #4
    poplt {r4, r5, pc}
    lsr r0, r4, r5
    and r0, r0, #0xf
    cmp r0, #10
    addlo r0, r0, #'0'
    addhs r0, r0, #('a' - 10)
    bl uart_putc
    b 1b
    .size uart_put_hex, . - uart_put_hex

/* uart_put_dec(r0 = unsigned value): decimal, no leading zeros */
    .global uart_put_dec
    .type uart_put_dec, %function
uart_put_dec:
    push {r4, r5, r6, lr}
    mov r4, r0
    adr r5, pow10
    mov r6, #0                  /* 1 once a digit was printed */
1:  ldr r1, [r5], #4
    cmp r1, #1
    beq 3f
    mov r0, #'0'
2:  cmp r4, r1
    subhs r4, r4, r1
    addhs r0, r0, #1
    bhs 2b
    cmp r0, #'0'
    movne r6, #1
    cmp r6, #0
    beq 1b
    bl uart_putc
    b 1b
3:  add r0, r4, #'0'            /* last digit is always printed */
    bl uart_putc
    pop {r4, r5, r6, pc}
pow10:
    .word 1000000000, 100000000, 10000000, 1000000, 100000
    .word 10000, 1000, 100, 10, 1
    .size uart_put_dec, . - uart_put_dec

/* uart_put_sdec(r0 = signed value): "+N" / "-N" */
    .global uart_put_sdec
    .type uart_put_sdec, %function
uart_put_sdec:
    push {r4, lr}
    mov r4, r0
    cmp r4, #0
    movge r0, #'+'
    movlt r0, #'-'
    bl uart_putc
    cmp r4, #0
    rsblt r4, r4, #0
    mov r0, r4
    pop {r4, lr}
    b uart_put_dec
    .size uart_put_sdec, . - uart_put_sdec

/*
 * gic_dist_reset: distributor and CPU interface off, every interrupt
 * disabled and not pending, group 0, priority 0xa0, SPIs targeted at CPU0.
 */
    .global gic_dist_reset
    .type gic_dist_reset, %function
gic_dist_reset:
    ldr r0, =GICD_BASE
    mov r1, #0
    str r1, [r0, #GICD_CTLR]
    ldr r2, =GICC_BASE
    str r1, [r2, #GICC_CTLR]
    mvn r2, #0
    mov r3, #0
1:  add r12, r0, r3, lsl #2
    str r2, [r12, #GICD_ICENABLER]
    str r2, [r12, #GICD_ICPENDR]
    str r1, [r12, #GICD_IGROUPR]
    add r3, r3, #1
    cmp r3, #(GIC_NUM_IRQS / 32)
    blo 1b
    ldr r2, =0xa0a0a0a0
    ldr r1, =0x01010101
    mov r3, #0
2:  add r12, r0, r3
    str r2, [r12, #GICD_IPRIORITYR]
    cmp r3, #32                 /* ITARGETSR0-7 (private IDs) are read-only */
    addhs r12, r12, #GICD_ITARGETSR
    strhs r1, [r12]
    add r3, r3, #4
    cmp r3, #GIC_NUM_IRQS
    blo 2b
    bx lr
    .size gic_dist_reset, . - gic_dist_reset

/* gic_enable(r0 = ID, r1 = priority): set priority byte, set-enable bit */
    .global gic_enable
    .type gic_enable, %function
gic_enable:
    ldr r2, =GICD_BASE
    add r3, r2, #GICD_IPRIORITYR
    strb r1, [r3, r0]
    and r1, r0, #31
    mov r3, #1
    lsl r3, r3, r1
    lsr r1, r0, #5
    add r2, r2, r1, lsl #2
    str r3, [r2, #GICD_ISENABLER]
    bx lr
    .size gic_enable, . - gic_enable

/* gic_disable(r0 = ID) */
    .global gic_disable
    .type gic_disable, %function
gic_disable:
    ldr r2, =GICD_BASE
    and r1, r0, #31
    mov r3, #1
    lsl r3, r3, r1
    lsr r1, r0, #5
    add r2, r2, r1, lsl #2
    str r3, [r2, #GICD_ICENABLER]
    bx lr
    .size gic_disable, . - gic_disable

/* ------------------------------------------------------------------ */
/* Default (weak) handlers: report the unexpected exception and fail.  */
    .macro default_handler name, mode, tag
    .weak \name
    .type \name, %function
\name:
    mov r4, lr
    mrs r5, spsr
    adr r6, 9f
    b unexpected_exception
9:  .asciz "\tag"
    .align 2
    .size \name, . - \name
    .endm

    default_handler und_handler,  MODE_UND, und
    default_handler svc_handler,  MODE_SVC, svc
    default_handler pabt_handler, MODE_ABT, pabt
    default_handler dabt_handler, MODE_ABT, dabt
    default_handler hyp_handler,  MODE_SVC, hyp
    default_handler irq_handler,  MODE_IRQ, irq
    default_handler fiq_handler,  MODE_FIQ, fiq

/* r4 = lr, r5 = spsr, r6 = name; prints and exits with failure */
unexpected_exception:
    adr r0, str_unexp
    bl uart_puts
    mov r0, r6
    bl uart_puts
    adr r0, str_lr
    bl uart_puts
    mov r0, r4
    bl uart_put_hex
    adr r0, str_spsr
    bl uart_puts
    mov r0, r5
    bl uart_put_hex
    bl uart_nl
    mov r0, #1
    b semihost_exit
str_unexp:  .asciz "FAIL: unexpected exception "
str_lr:     .asciz " lr="
str_spsr:   .asciz " spsr="
    .align 2
