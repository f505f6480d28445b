/*
 * Shared start-up and helpers for the irqemu aarch64 test firmware (QEMU virt).
 *
 *  - _start (EL1h, DAIF masked): CPUs other than 0 park in wfi; SP_EL1 =
 *    per-CPU stack, .bss clear, VBAR_EL1 = vectors, PL011 enable, `bl main`;
 *    main's w0 = 0 -> SYS_EXIT ApplicationExit, anything else ->
 *    SYS_EXIT RunTimeErrorUnknown (semihosting, hlt #0xf000)
 *  - vectors: the 16-entry VBAR_EL1 table; each entry saves x0-x18, x29,
 *    x30, ELR_EL1 and SPSR_EL1 in a 192-byte frame on SP_EL1 and calls
 *    sync_handler / irq_handler / fiq_handler / serror_handler (weak) with
 *    x0 = frame, x1 = entry index 0-15; they may change the saved ELR/SPSR
 *    (FRAME_ELR, FRAME_SPSR); the entry restores everything and `eret`s
 *  - uart_putc/uart_puts/uart_put_hex/uart_put_hexn/uart_put_dec/uart_nl
 *    (AAPCS64: clobber only x0-x7, x16, x17; x19-x28 preserved)
 *  - gic_* helpers, semihost_exit
 */
#include "board.h"

#define FRAME_SIZE  192
#define FRAME_X30   160
#define FRAME_ELR   168
#define FRAME_SPSR  176

/* ------------------------------------------------------------------ */
    .section .text.start, "ax"
    .global _start
    .type _start, %function
_start:
    mrs x0, mpidr_el1
    and x0, x0, #0xff
    cbnz x0, park
    ldr x1, =__stack_base
    ldr x2, =__stack_size
    add sp, x1, x2              /* CPU 0: first stack */

    ldr x0, =__bss_start
    ldr x1, =__bss_end
1:  cmp x0, x1
    b.hs 2f
    str xzr, [x0], #8
    b 1b
2:
    ldr x0, =vectors
    msr vbar_el1, x0
    isb

    bl uart_init
    bl main
    b semihost_exit
park:
    wfi
    b park
    .size _start, . - _start

/* ------------------------------------------------------------------ */
    .section .vectors, "ax"
    .align 11
    .global vectors
vectors:
    .irp idx, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .align 7
    sub sp, sp, #FRAME_SIZE
    stp x0, x1, [sp, #0]
    mov x1, #\idx
    b exc_common
    .endr

    .text
/* x1 = entry index; x0, x1 already saved */
exc_common:
    stp x2, x3, [sp, #16]
    stp x4, x5, [sp, #32]
    stp x6, x7, [sp, #48]
    stp x8, x9, [sp, #64]
    stp x10, x11, [sp, #80]
    stp x12, x13, [sp, #96]
    stp x14, x15, [sp, #112]
    stp x16, x17, [sp, #128]
    stp x18, x29, [sp, #144]
    mrs x2, elr_el1
    mrs x3, spsr_el1
    stp x30, x2, [sp, #FRAME_X30]
    str x3, [sp, #FRAME_SPSR]
    mov x0, sp
    and x2, x1, #3
    adr x3, handlers
    ldr x3, [x3, x2, lsl #3]
    blr x3
    ldp x30, x2, [sp, #FRAME_X30]
    ldr x3, [sp, #FRAME_SPSR]
    msr elr_el1, x2
    msr spsr_el1, x3
    ldp x2, x3, [sp, #16]
    ldp x4, x5, [sp, #32]
    ldp x6, x7, [sp, #48]
    ldp x8, x9, [sp, #64]
    ldp x10, x11, [sp, #80]
    ldp x12, x13, [sp, #96]
    ldp x14, x15, [sp, #112]
    ldp x16, x17, [sp, #128]
    ldp x18, x29, [sp, #144]
    ldp x0, x1, [sp, #0]
    add sp, sp, #FRAME_SIZE
    eret

    .align 3
handlers:
    .quad sync_handler, irq_handler, fiq_handler, serror_handler

/* ------------------------------------------------------------------ */
/* semihost_exit(w0 = 0 ok / nonzero failure): SYS_EXIT, never returns */
    .global semihost_exit
    .type semihost_exit, %function
semihost_exit:
    ldr x1, =ADP_Stopped_ApplicationExit
    ldr x2, =ADP_Stopped_RunTimeErrorUnknown
    cmp w0, #0
    csel x1, x1, x2, eq
    sub sp, sp, #16
    stp x1, xzr, [sp]           /* [reason, subcode] */
    mov x1, sp
    mov w0, #SYS_EXIT
    hlt #SEMIHOST_HLT
1:  wfi                         /* not reached under semihosting */
    b 1b
    .size semihost_exit, . - semihost_exit

/* uart_init: UARTCR = UARTEN | TXE | RXE, interrupts masked */
    .global uart_init
    .type uart_init, %function
uart_init:
    ldr x1, =UART_BASE
    str wzr, [x1, #UART_IMSC]
    mov w0, #UART_CR_EN
    str w0, [x1, #UART_CR]
    ret
    .size uart_init, . - uart_init

/* uart_putc(w0 = byte): waits while UARTFR.TXFF, then writes UARTDR */
    .global uart_putc
    .type uart_putc, %function
uart_putc:
    ldr x1, =UART_BASE
1:  ldr w2, [x1, #UART_FR]
    tbnz w2, #5, 1b
    str w0, [x1, #UART_DR]
    ret
    .size uart_putc, . - uart_putc

/* uart_puts(x0 = NUL-terminated string) */
    .global uart_puts
    .type uart_puts, %function
uart_puts:
    stp x29, x30, [sp, #-16]!
    mov x3, x0
1:  ldrb w0, [x3], #1
    cbz w0, 2f
    bl uart_putc                /* clobbers only x0-x2 */
    b 1b
2:  ldp x29, x30, [sp], #16
    ret
    .size uart_puts, . - uart_puts

/* uart_nl: "\n" */
    .global uart_nl
    .type uart_nl, %function
uart_nl:
    mov w0, #'\n'
    b uart_putc
    .size uart_nl, . - uart_nl

/* uart_put_hex(x0 = value): 16 lower-case hex digits, no prefix */
    .global uart_put_hex
    .type uart_put_hex, %function
uart_put_hex:
    mov x1, #16
    /* fall through */
/* uart_put_hexn(x0 = value, x1 = digits 1..16): low x1 nibbles */
    .global uart_put_hexn
uart_put_hexn:
    stp x29, x30, [sp, #-16]!
    mov x4, x0
    lsl x5, x1, #2              /* bit position after the top digit */
1:  cbz x5, 2f
    sub x5, x5, #4
    lsr x0, x4, x5
    and x0, x0, #0xf
    cmp x0, #10
    add x6, x0, #'0'
    add x7, x0, #('a' - 10)
    csel x0, x6, x7, lo
    bl uart_putc
    b 1b
2:  ldp x29, x30, [sp], #16
    ret
    .size uart_put_hex, . - uart_put_hex

/* uart_put_dec(x0 = unsigned value): decimal, no leading zeros */
    .global uart_put_dec
    .type uart_put_dec, %function
uart_put_dec:
    stp x29, x30, [sp, #-48]!
    add x4, sp, #40             /* digits fill [sp+16, sp+40) backwards */
    mov x5, #10
1:  udiv x6, x0, x5
    msub x7, x6, x5, x0
    add x7, x7, #'0'
    strb w7, [x4, #-1]!
    mov x0, x6
    cbnz x0, 1b
    add x3, sp, #40
2:  ldrb w0, [x4], #1
    bl uart_putc
    cmp x4, x3
    b.lo 2b
    ldp x29, x30, [sp], #48
    ret
    .size uart_put_dec, . - uart_put_dec

/*
 * gic_dist_reset: distributor and CPU interface off, every interrupt
 * disabled and not pending, group 0, priority 0xa0, SPIs targeted at CPU0.
 */
    .global gic_dist_reset
    .type gic_dist_reset, %function
gic_dist_reset:
    ldr x0, =GICD_BASE
    str wzr, [x0, #GICD_CTLR]
    ldr x2, =GICC_BASE
    str wzr, [x2, #GICC_CTLR]
    mov w2, #-1
    mov x3, #0
1:  add x4, x0, x3, lsl #2
    str w2, [x4, #GICD_ICENABLER]
    str w2, [x4, #GICD_ICPENDR]
    str wzr, [x4, #GICD_IGROUPR]
    add x3, x3, #1
    cmp x3, #(GIC_NUM_IRQS / 32)
    b.lo 1b
    ldr w2, =0xa0a0a0a0
    ldr w1, =0x01010101
    mov x3, #0
2:  add x4, x0, x3
    str w2, [x4, #GICD_IPRIORITYR]
    cmp x3, #32                 /* ITARGETSR0-7 (private IDs) are read-only */
    b.lo 3f
    add x4, x4, #GICD_ITARGETSR
    str w1, [x4]
3:  add x3, x3, #4
    cmp x3, #GIC_NUM_IRQS
    b.lo 2b
    ret
    .size gic_dist_reset, . - gic_dist_reset

/* gic_enable(w0 = ID, w1 = priority): set priority byte, set-enable bit */
    .global gic_enable
    .type gic_enable, %function
gic_enable:
    ldr x2, =GICD_BASE
    add x3, x2, #GICD_IPRIORITYR
    strb w1, [x3, w0, uxtw]
    and w1, w0, #31
    mov w3, #1
    lsl w3, w3, w1
    lsr w1, w0, #5
    add x2, x2, w1, uxtw #2
    str w3, [x2, #GICD_ISENABLER]
    ret
    .size gic_enable, . - gic_enable

/* gic_disable(w0 = ID) */
    .global gic_disable
    .type gic_disable, %function
gic_disable:
    ldr x2, =GICD_BASE
    and w1, w0, #31
    mov w3, #1
    lsl w3, w3, w1
    lsr w1, w0, #5
    add x2, x2, w1, uxtw #2
    str w3, [x2, #GICD_ICENABLER]
    ret
    .size gic_disable, . - gic_disable

/* ------------------------------------------------------------------ */
/* Default (weak) handlers: report the unexpected exception and fail.  */
    .macro default_handler name, tag
    .weak \name
    .type \name, %function
\name:
    adr x2, 9f
    b unexpected_exception
9:  .asciz "\tag"
    .align 2
    .size \name, . - \name
    .endm

    default_handler sync_handler, sync
    default_handler irq_handler, irq
    default_handler fiq_handler, fiq
    default_handler serror_handler, serror

/* x0 = frame, x1 = entry index, x2 = name; prints and exits with failure */
unexpected_exception:
    mov x19, x0
    mov x20, x1
    mov x21, x2
    adr x0, str_unexp
    bl uart_puts
    mov x0, x21
    bl uart_puts
    adr x0, str_idx
    bl uart_puts
    mov x0, x20
    bl uart_put_dec
    adr x0, str_elr
    bl uart_puts
    ldr x0, [x19, #FRAME_ELR]
    bl uart_put_hex
    adr x0, str_esr
    bl uart_puts
    mrs x0, esr_el1
    mov x1, #8
    bl uart_put_hexn
    bl uart_nl
    mov w0, #1
    b semihost_exit
str_unexp:  .asciz "FAIL: unexpected exception "
str_idx:    .asciz " entry="
str_elr:    .asciz " elr="
str_esr:    .asciz " esr="
    .align 2
