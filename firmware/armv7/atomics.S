/*
 * atomics.elf -- atomic_add and cmpxchg written the ways ARM Linux has
 * written them, for `irqemu bench atomics` (irqemu.bench.atomics).
 *
 * Each variant is a function f(r0 = counter address, r1 = iterations) that
 * adds 1 to *counter r1 times:
 *   plain_add            ldr/add/str, no protection (the broken baseline)
 *   atomic_add_irqsave   pre-ARMv6 arch/arm/include/asm/atomic.h: interrupts
 *                        masked around a plain read-modify-write, with the
 *                        ARMv5 raw_local_irq_save (mrs; orr #PSR_I; msr)
 *   cmpxchg_irqsave      the same protection around compare-and-exchange
 *   atomic_add_ldrex     ARMv6+/v7: ldrex/add/strex/teq/bne between dmb ish
 *                        (atomic_add_return's full barriers)
 *   cmpxchg_ldrex        ARMv7 cmpxchg: dmb; ldrex/cmp/strexeq loop; dmb
 *
 * main: the SMP experiment. CPU0 releases CPUs 1..`ncpus`-1 through the SRC
 * (each at its own entry, which gives it its number); every CPU runs
 * variant `variant` for `iters` iterations on the shared `counter`, then
 * counts itself done with ldrex/strex; CPU0 waits for all and prints the
 * count. `ncpus`, `variant` and `iters` sit in .data for the host to patch.
 */
#include "board.h"

#define SRC_BASE    0x020D8000
#define SRC_SCR     0x00
#define SRC_GPR1    0x20
#define STACK_SIZE  0x1000

    .syntax unified
    .arm
    .text

    .global plain_add, atomic_add_irqsave, cmpxchg_irqsave
    .global atomic_add_ldrex, cmpxchg_ldrex

    .type plain_add, %function
plain_add:
1:  ldr r2, [r0]
    add r2, r2, #1
    str r2, [r0]
    subs r1, r1, #1
    bne 1b
    bx lr
    .size plain_add, . - plain_add

    .type atomic_add_irqsave, %function
atomic_add_irqsave:
    push {r4}
1:  mrs r4, cpsr                    /* raw_local_irq_save (ARMv5) */
    orr r3, r4, #PSR_I
    msr cpsr_c, r3
    ldr r2, [r0]                    /* v->counter += i */
    add r2, r2, #1
    str r2, [r0]
    msr cpsr_c, r4                  /* raw_local_irq_restore */
    subs r1, r1, #1
    bne 1b
    pop {r4}
    bx lr
    .size atomic_add_irqsave, . - atomic_add_irqsave

    .type cmpxchg_irqsave, %function
cmpxchg_irqsave:
    push {r4-r5}
1:  ldr r2, [r0]                    /* old = *p; new = old + 1 */
    add r5, r2, #1
    mrs r4, cpsr
    orr r3, r4, #PSR_I
    msr cpsr_c, r3
    ldr r3, [r0]                    /* ret = *p; if (ret == old) *p = new */
    cmp r3, r2
    streq r5, [r0]
    msr cpsr_c, r4
    bne 1b                          /* lost the race: retry this iteration */
    subs r1, r1, #1
    bne 1b
    pop {r4-r5}
    bx lr
    .size cmpxchg_irqsave, . - cmpxchg_irqsave

    .type atomic_add_ldrex, %function
atomic_add_ldrex:
1:  dmb ish
2:  ldrex r2, [r0]
    add r2, r2, #1
    strex r3, r2, [r0]
    teq r3, #0
    bne 2b
    dmb ish
    subs r1, r1, #1
    bne 1b
    bx lr
    .size atomic_add_ldrex, . - atomic_add_ldrex

    .type cmpxchg_ldrex, %function
cmpxchg_ldrex:
    push {r4-r5}
1:  ldr r2, [r0]                    /* old */
    add r5, r2, #1                  /* new */
    dmb ish
2:  ldrex r3, [r0]
    mov r4, #0
    teq r3, r2
    strexeq r4, r5, [r0]
    teq r4, #0
    bne 2b
    dmb ish
    teq r3, r2
    bne 1b                          /* value changed: retry this iteration */
    subs r1, r1, #1
    bne 1b
    pop {r4-r5}
    bx lr
    .size cmpxchg_ldrex, . - cmpxchg_ldrex

variants:
    .word plain_add, atomic_add_irqsave, cmpxchg_irqsave
    .word atomic_add_ldrex, cmpxchg_ldrex

/* worker(r0 = cpu number): run the chosen variant, then count itself done */
    .type worker, %function
worker:
    push {r4, lr}
    ldr r2, =variant
    ldr r2, [r2]
    ldr r3, =variants
    ldr r3, [r3, r2, lsl #2]
    ldr r0, =counter
    ldr r1, =iters
    ldr r1, [r1]
    blx r3
    ldr r0, =done
1:  ldrex r1, [r0]
    add r1, r1, #1
    strex r2, r1, [r0]
    teq r2, #0
    bne 1b
    dmb ish
    pop {r4, pc}
    .size worker, . - worker

    .macro secondary n
    .global secondary\n
    .type secondary\n, %function
secondary\n:
    ldr sp, =smp_stacks + (\n + 1) * STACK_SIZE
    mov r0, #\n
    bl worker
1:  wfi
    b 1b
    .size secondary\n, . - secondary\n
    .endm
    secondary 1
    secondary 2
    secondary 3

entries:
    .word 0, secondary1, secondary2, secondary3

    .global main
    .type main, %function
main:
    push {r4-r6, lr}
    ldr r0, =str_banner
    bl uart_puts
    ldr r4, =SRC_BASE
    ldr r5, =ncpus
    ldr r5, [r5]
    mov r6, #1
1:  cmp r6, r5                      /* release CPUs 1..ncpus-1 */
    bhs 2f
    ldr r0, =entries
    ldr r0, [r0, r6, lsl #2]
    add r1, r4, #SRC_GPR1
    str r0, [r1, r6, lsl #3]        /* SRC_GPR(2n+1) = entry */
    ldr r0, [r4, #SRC_SCR]
    add r1, r6, #21
    mov r2, #1
    orr r0, r0, r2, lsl r1          /* SCR.core<n>_enable = bit 21 + n */
    str r0, [r4, #SRC_SCR]
    add r6, r6, #1
    b 1b
2:  mov r0, #0
    bl worker
    ldr r0, =done
3:  ldr r1, [r0]                    /* wait for every CPU */
    cmp r1, r5
    blo 3b
    ldr r0, =str_count
    bl uart_puts
    ldr r0, =counter
    ldr r0, [r0]
    bl uart_put_dec
    bl uart_nl
    mov r0, #0
    pop {r4-r6, pc}
    .size main, . - main

str_banner: .asciz "irqemu atomics (armv7)\n"
str_count:  .asciz "atomics: counter "
    .align 2

    .data
    .align 2
    .global ncpus, variant, iters, counter, done
ncpus:   .word 1
variant: .word 3
iters:   .word 1000
counter: .word 0
done:    .word 0

    .bss
    .align 3
smp_stacks: .space 4 * STACK_SIZE
