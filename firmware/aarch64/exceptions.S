/*
 * exceptions.elf -- takes SVC (from EL1h and from EL0), BRK, an undefined
 * instruction (UDF) and an IRQ (SGI 1, pending while masked, taken at the
 * `msr daifclr, #2` that unmasks it), on QEMU virt (Cortex-A53).
 *
 * The vector stub (common.S) saves state and calls sync_handler /
 * irq_handler, which record SPSR_EL1, ESR_EL1, ELR_EL1, the vector entry
 * index (0-15) and DAIF as seen on entry.  BRK and UDF return past the
 * instruction (ELR += 4); the SVC from EL0 returns to EL1h (the handler
 * rewrites the saved SPSR and ELR).  main prints per exception: SPSR, ESR,
 * elr-off = ELR minus the trigger instruction's address, the entry index,
 * the DAIF seen on entry and NZCV|DAIF read after execution resumed, each
 * compared with the architecturally expected value.  Before every trigger
 * the flags are nZCv (0x60000000).
 */
#include "board.h"

#define FLAGS   0x60000000              /* nZCv */

/* rec layout (filled by the handlers) */
#define R_SPSR  0
#define R_ESR   8
#define R_ELR   16
#define R_IDX   24
#define R_DAIF  32
#define R_N     40

    .text
/*
 * check(x0 = name): x19 = trigger address, x20 = expected SPSR, x21 =
 * expected ESR, x22 = expected elr-off, x23 = expected entry index,
 * x24 = NZCV|DAIF after resuming, x25 = expected value of that
 */
check:
    stp x29, x30, [sp, #-16]!
    bl uart_puts
    adr x26, rec
    mov x27, #0                         /* mismatches in this line */
    adr x0, str_spsr
    bl uart_puts
    ldr x0, [x26, #R_SPSR]
    cmp x0, x20
    cinc x27, x27, ne
    mov x1, #8
    bl uart_put_hexn
    adr x0, str_esr
    bl uart_puts
    ldr x0, [x26, #R_ESR]
    cmp x0, x21
    cinc x27, x27, ne
    mov x1, #8
    bl uart_put_hexn
    adr x0, str_elroff
    bl uart_puts
    ldr x0, [x26, #R_ELR]
    sub x0, x0, x19
    cmp x0, x22
    cinc x27, x27, ne
    bl uart_put_dec
    adr x0, str_idx
    bl uart_puts
    ldr x0, [x26, #R_IDX]
    cmp x0, x23
    cinc x27, x27, ne
    bl uart_put_dec
    adr x0, str_daif
    bl uart_puts
    ldr x0, [x26, #R_DAIF]
    cmp x0, #0x3c0                      /* entry masks D, A, I and F */
    cinc x27, x27, ne
    mov x1, #3
    bl uart_put_hexn
    adr x0, str_resumed
    bl uart_puts
    cmp x24, x25
    cinc x27, x27, ne
    mov x0, x24
    mov x1, #8
    bl uart_put_hexn
    adr x0, str_ok
    cbz x27, 1f
    adr x0, str_mismatch
    adr x1, failures
    ldr x2, [x1]
    add x2, x2, #1
    str x2, [x1]
1:  bl uart_puts
    ldp x29, x30, [sp], #16
    ret

/* resumed state: x24 = NZCV | DAIF */
    .macro resumed
    mrs x24, nzcv
    mrs x0, daif
    orr x24, x24, x0
    .endm

    .macro flags
    mov x0, #FLAGS
    msr nzcv, x0
    .endm

    .global main
    .type main, %function
main:
    stp x29, x30, [sp, #-96]!
    stp x19, x20, [sp, #16]
    stp x21, x22, [sp, #32]
    stp x23, x24, [sp, #48]
    stp x25, x26, [sp, #64]
    stp x27, x28, [sp, #80]
    adr x0, str_banner
    bl uart_puts

    /* SVC from EL1h, everything masked */
    msr daifset, #0xf
    flags
    adr x19, 1f
1:  svc #0x42
    resumed
    ldr x20, =(FLAGS | 0x3c5)
    ldr x21, =0x56000042
    mov x22, #4
    mov x23, #4
    ldr x25, =(FLAGS | 0x3c0)
    adr x0, str_svc
    bl check

    /* BRK */
    flags
    adr x19, 1f
1:  brk #0x17
    resumed
    ldr x20, =(FLAGS | 0x3c5)
    ldr x21, =0xf2000017
    mov x22, #0
    mov x23, #4
    ldr x25, =(FLAGS | 0x3c0)
    adr x0, str_brk
    bl check

    /* undefined instruction */
    flags
    adr x19, 1f
1:  udf #0x5a
    resumed
    ldr x20, =(FLAGS | 0x3c5)
    ldr x21, =0x02000000
    mov x22, #0
    mov x23, #4
    ldr x25, =(FLAGS | 0x3c0)
    adr x0, str_udf
    bl check

    /* IRQ: SGI 1 to this CPU, pending while masked; taken at daifclr */
    bl gic_dist_reset
    ldr x1, =GICC_BASE
    mov w0, #0xf0
    str w0, [x1, #GICC_PMR]
    mov w0, #1
    str w0, [x1, #GICC_CTLR]
    ldr x1, =GICD_BASE
    str w0, [x1, #GICD_CTLR]
    ldr w0, =((2 << 24) | 1)            /* TargetListFilter = this CPU, SGI 1 */
    str w0, [x1, #GICD_SGIR]
    dsb sy
    isb
    flags
    adr x19, 1f
1:  msr daifclr, #2
    resumed
    msr daifset, #2
    ldr x20, =(FLAGS | 0x345)
    ldr x21, =0x02000000
    mov x22, #4
    mov x23, #5
    ldr x25, =(FLAGS | 0x340)
    adr x0, str_irq
    bl check

    /* SVC from EL0: eret to EL0t (DAIF masked), svc, the handler returns to el0_back */
    ldr x0, =__stack_base
    msr sp_el0, x0                      /* EL0 stack: below CPU0's EL1 stack */
    mov x0, #0x3c0                      /* EL0t, D A I F masked */
    msr spsr_el1, x0
    adr x0, el0_code
    msr elr_el1, x0
    isb
    eret
el0_code:
    flags
    adr x19, 1f
1:  svc #0x7
    b .                                 /* not reached: the handler returns to EL1 */
el0_back:
    resumed
    ldr x20, =(FLAGS | 0x3c0)
    ldr x21, =0x56000007
    mov x22, #4
    mov x23, #8
    ldr x25, =(FLAGS | 0x3c0)
    adr x0, str_svc0
    bl check

    adr x0, str_sum1
    bl uart_puts
    adr x0, rec
    ldr x0, [x0, #R_N]
    bl uart_put_dec
    adr x1, failures
    ldr x1, [x1]
    adr x0, str_sum_ok
    cbz x1, 1f
    adr x0, str_sum_bad
1:  bl uart_puts
    adr x1, failures
    ldr x1, [x1]
    cmp x1, #0
    cset w0, ne
    ldp x27, x28, [sp, #80]
    ldp x25, x26, [sp, #64]
    ldp x23, x24, [sp, #48]
    ldp x21, x22, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #96
    ret
    .size main, . - main

/* record(x0 = frame, x1 = entry index): SPSR, ESR, ELR, index, DAIF */
record:
    adr x2, rec
    ldr x3, [x0, #176]                  /* FRAME_SPSR */
    str x3, [x2, #R_SPSR]
    mrs x3, esr_el1
    str x3, [x2, #R_ESR]
    ldr x3, [x0, #168]                  /* FRAME_ELR */
    str x3, [x2, #R_ELR]
    str x1, [x2, #R_IDX]
    mrs x3, daif
    str x3, [x2, #R_DAIF]
    ldr x3, [x2, #R_N]
    add x3, x3, #1
    str x3, [x2, #R_N]
    ret

    .global sync_handler
    .type sync_handler, %function
sync_handler:
    mov x9, x30
    bl record
    mov x30, x9
    mrs x3, esr_el1
    lsr x4, x3, #26
    cmp x4, #0x15                       /* SVC */
    b.ne 1f
    cmp x1, #8                          /* from EL0: go back to EL1h at el0_back */
    b.ne 2f
    mov x4, #0x3c5
    ldr x5, [x0, #176]
    and x5, x5, #0xf0000000             /* keep the flags */
    orr x4, x4, x5
    str x4, [x0, #176]
    adr x4, el0_back
    str x4, [x0, #168]
2:  ret
1:  ldr x4, [x0, #168]                  /* BRK, UDF: skip the instruction */
    add x4, x4, #4
    str x4, [x0, #168]
    ret
    .size sync_handler, . - sync_handler

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    mov x9, x30
    bl record
    mov x30, x9
    ldr x1, =GICC_BASE
    ldr w0, [x1, #GICC_IAR]
    and w2, w0, #0x3ff
    mov w3, #GIC_SPURIOUS
    cmp w2, w3
    b.eq 1f
    str w0, [x1, #GICC_EOIR]
1:  ret
    .size irq_handler, . - irq_handler

str_banner:   .asciz "irqemu exceptions test (aarch64)\n"
str_svc:      .asciz "svc(el1h): "
str_brk:      .asciz "brk: "
str_udf:      .asciz "udf: "
str_irq:      .asciz "irq(sgi1): "
str_svc0:     .asciz "svc(el0): "
str_spsr:     .asciz "spsr="
str_esr:      .asciz " esr="
str_elroff:   .asciz " elr-off="
str_idx:      .asciz " entry="
str_daif:     .asciz " entry-daif="
str_resumed:  .asciz " resumed="
str_ok:       .asciz " ok\n"
str_mismatch: .asciz " MISMATCH\n"
str_sum1:     .asciz "exceptions: "
str_sum_ok:   .asciz " taken, all as expected\n"
str_sum_bad:  .asciz " taken, FAIL\n"
    .align 3

    .bss
    .align 3
rec:        .space 48
failures:   .space 8
