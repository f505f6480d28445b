/*
 * atomics.elf -- atomic_add and cmpxchg the ways arm64 Linux writes them,
 * for `irqemu bench atomics`.
 *
 * Each variant is f(x0 = counter address, x1 = iterations) adding 1 to the
 * 32-bit *counter x1 times:
 *   plain_add          ldr/add/str, no protection (the broken baseline)
 *   atomic_add_irqsave ldr/add/str with this core's IRQs and FIQs masked
 *                      (arch_local_irq_save/restore: mrs daif; msr daifset):
 *                      safe against this core's handlers, not other cores
 *   atomic_add_llsc    (c) arm64 LL/SC atomic_add: prfm; ldxr/add/stxr/cbnz
 *   cmpxchg_llsc       (c) __cmpxchg_case_mb_32: ldxr/eor/cbnz/stlxr/cbnz; dmb ish
 *   atomic_add_lse     (d) ARMv8.1 LSE atomic_add: stadd
 *   cmpxchg_lse        (d) LSE cmpxchg (full barrier): casal
 * The LSE variants need a core with LSE atomics (cortex-a55 here).
 *
 * main: the SMP experiment, as on ARMv7: CPU0 starts CPUs 1..`ncpus`-1 with
 * PSCI CPU_ON (hvc #0), each runs variant `variant` for `iters` iterations
 * on `counter`, counts itself done, and CPU0 prints the count.
 */
#include "board.h"

#define PSCI_CPU_ON_64  0xC4000003

    .text
    .global plain_add, atomic_add_irqsave, atomic_add_llsc, cmpxchg_llsc, atomic_add_lse, cmpxchg_lse

    .type plain_add, %function
plain_add:
1:  ldr w2, [x0]
    add w2, w2, #1
    str w2, [x0]
    subs x1, x1, #1
    b.ne 1b
    ret
    .size plain_add, . - plain_add

    .type atomic_add_irqsave, %function
atomic_add_irqsave:
1:  mrs x4, daif                    /* arch_local_irq_save */
    msr daifset, #3
    ldr w2, [x0]
    add w2, w2, #1
    str w2, [x0]
    msr daif, x4                    /* arch_local_irq_restore */
    subs x1, x1, #1
    b.ne 1b
    ret
    .size atomic_add_irqsave, . - atomic_add_irqsave

    .type atomic_add_llsc, %function
atomic_add_llsc:
    prfm pstl1strm, [x0]
1:  ldxr w2, [x0]
    add w2, w2, #1
    stxr w3, w2, [x0]
    cbnz w3, 1b
    subs x1, x1, #1
    b.ne atomic_add_llsc
    ret
    .size atomic_add_llsc, . - atomic_add_llsc

    .type cmpxchg_llsc, %function
cmpxchg_llsc:
1:  ldr w4, [x0]                    /* old */
    add w5, w4, #1                  /* new */
    prfm pstl1strm, [x0]
2:  ldxr w2, [x0]
    eor w3, w2, w4
    cbnz w3, 3f
    stlxr w3, w5, [x0]
    cbnz w3, 2b
    dmb ish
3:  cmp w2, w4
    b.ne 1b                         /* value changed: retry this iteration */
    subs x1, x1, #1
    b.ne 1b
    ret
    .size cmpxchg_llsc, . - cmpxchg_llsc

    .arch_extension lse
    .type atomic_add_lse, %function
atomic_add_lse:
    mov w2, #1
1:  stadd w2, [x0]
    subs x1, x1, #1
    b.ne 1b
    ret
    .size atomic_add_lse, . - atomic_add_lse

    .type cmpxchg_lse, %function
cmpxchg_lse:
1:  ldr w4, [x0]                    /* old */
    add w5, w4, #1                  /* new */
    mov w2, w4
    casal w2, w5, [x0]              /* w2 = value found */
    cmp w2, w4
    b.ne 1b
    subs x1, x1, #1
    b.ne 1b
    ret
    .size cmpxchg_lse, . - cmpxchg_lse

variants:
    .quad plain_add, atomic_add_irqsave, atomic_add_llsc, cmpxchg_llsc, atomic_add_lse, cmpxchg_lse

/* worker(): run the chosen variant, then count this CPU done */
    .type worker, %function
worker:
    stp x29, x30, [sp, #-16]!
    ldr x2, =variant
    ldr w2, [x2]
    ldr x3, =variants
    ldr x3, [x3, x2, lsl #3]
    ldr x0, =counter
    ldr x1, =iters
    ldr w1, [x1]
    blr x3
    ldr x0, =done
1:  ldxr w1, [x0]
    add w1, w1, #1
    stxr w2, w1, [x0]
    cbnz w2, 1b
    dmb ish
    ldp x29, x30, [sp], #16
    ret
    .size worker, . - worker

/* secondary(x0 = context = CPU number): own stack, worker, then sleep */
    .type secondary, %function
secondary:
    ldr x1, =__stack_base
    ldr x2, =__stack_size
    add x3, x0, #1
    madd x1, x2, x3, x1
    mov sp, x1
    bl worker
1:  wfi
    b 1b
    .size secondary, . - secondary

    .global main
    .type main, %function
main:
    stp x29, x30, [sp, #-32]!
    stp x19, x20, [sp, #16]
    adr x0, str_banner
    bl uart_puts
    ldr x19, =ncpus
    ldr w19, [x19]
    mov x20, #1
1:  cmp x20, x19                    /* CPU_ON for CPUs 1..ncpus-1 */
    b.hs 2f
    ldr x0, =PSCI_CPU_ON_64
    mov x1, x20                     /* target MPIDR: Aff0 = n */
    adr x2, secondary
    mov x3, x20                     /* context: the CPU number */
    hvc #0
    add x20, x20, #1
    b 1b
2:  bl worker
    ldr x0, =done
3:  ldr w1, [x0]
    cmp w1, w19
    b.lo 3b
    adr x0, str_count
    bl uart_puts
    ldr x0, =counter
    ldr w0, [x0]
    bl uart_put_dec
    bl uart_nl
    mov w0, #0
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #32
    ret
    .size main, . - main

str_banner: .asciz "irqemu atomics (aarch64)\n"
str_count:  .asciz "atomics: counter "
    .align 2

    .data
    .align 2
    .global ncpus, variant, iters, counter, done
ncpus:   .word 1
variant: .word 2
iters:   .word 1000
counter: .word 0
done:    .word 0
