/*
 * irq_cold.elf -- interrupt latency with the caches disturbed before each
 * interrupt: JBLopen's bare-metal Cortex-A9 experiment ("Improving Interrupt
 * Latency on the ARM Cortex-A9", Figure 1), for irqemu.latency.validate.
 *
 * main, per sample: a random number (0 .. max_accesses-1) of random data reads
 * over a 2 MiB buffer (twice the i.MX6Q's 1 MiB L2) and of calls into random
 * slots of a 64 KiB block of code (twice the 32 KiB L1 I-cache), then the
 * trigger: read the global timer (t0), start the private timer one tick from
 * expiry, spin on a flag. The IRQ handler reads the global timer first (t1)
 * and stores t1 - t0, in global-timer ticks (PERIPHCLK, half the core clock),
 * into samples[]. After `n_samples` samples main returns 0.
 * The random numbers are an LCG (glibc's constants) from `seed`; `seed`,
 * `n_samples` and `max_accesses` are .data words the host may patch.
 */
#include "board.h"

#define GTIMER_BASE     0x00A00200
#define GTIMER_LO       0x00
#define GTIMER_CONTROL  0x08
#define BUF_BYTES       0x200000        /* 2 MiB of data */
#define BUF_LINES_MASK  0x1FFFE0        /* a 32-byte line inside it */
#define SLOT_BYTES      32              /* one Cortex-A9 cache line per code slot */
#define SLOTS           2048            /* 64 KiB of code */
#define MAX_SAMPLES     4096

    .syntax unified
    .arm
    .text

    /* r5 = r5 * 1103515245 + 12345 (clobbers r0) */
    .macro lcg
    ldr r0, =1103515245
    mul r5, r5, r0
    ldr r0, =12345
    add r5, r5, r0
    .endm

    .global main
    .type main, %function
main:
    push {r4-r11, lr}
    ldr r0, =str_banner
    bl uart_puts

    bl gic_dist_reset
    mov r0, #PTIMER_ID
    mov r1, #0xa0
    bl gic_enable
    ldr r4, =GICC_BASE
    mov r0, #0xf0
    str r0, [r4, #GICC_PMR]
    mov r0, #1
    str r0, [r4, #GICC_CTLR]
    ldr r0, =GICD_BASE
    mov r1, #1
    str r1, [r0, #GICD_CTLR]

    ldr r10, =GTIMER_BASE
    mov r0, #1                      /* global timer: enable, prescaler 0 */
    str r0, [r10, #GTIMER_CONTROL]
    ldr r11, =PTIMER_BASE
    mov r0, #0
    str r0, [r11, #PTIMER_CTRL]
    mov r0, #1
    str r0, [r11, #PTIMER_ISR]

    ldr r5, =seed
    ldr r5, [r5]
    ldr r6, =buffer
    ldr r7, =code_slots
    mov r4, #0                      /* samples taken */
    cpsie i

sample:
    lcg
    ldr r1, =max_accesses
    ldr r1, [r1]
    lsr r9, r5, #24                 /* r9 = (r5 >> 24) % max_accesses */
1:  cmp r9, r1
    subhs r9, r9, r1
    bhs 1b
    cmp r9, #0
    beq trigger
access:
    lcg
    ldr r2, =BUF_LINES_MASK
    and r2, r2, r5, lsr #8
    ldr r3, [r6, r2]                /* a random data line */
    lcg
    lsr r2, r5, #8
    ldr r3, =(SLOTS - 1)
    and r2, r2, r3
    add r2, r7, r2, lsl #5
    blx r2                          /* a random code line */
    subs r9, r9, #1
    bne access

trigger:
    ldr r8, =irq_done
    mov r0, #0
    str r0, [r8]
    ldr r0, [r10, #GTIMER_LO]
    ldr r1, =t0
    str r0, [r1]
    mov r0, #1
    str r0, [r11, #PTIMER_LOAD]
    mov r0, #5                      /* enable | IRQ enable, one shot */
    str r0, [r11, #PTIMER_CTRL]
wait:
    ldr r0, [r8]
    cmp r0, #0
    beq wait

    add r4, r4, #1
    ldr r0, =n_samples
    ldr r0, [r0]
    cmp r4, r0
    blo sample

    cpsid i
    ldr r0, =str_done
    bl uart_puts
    mov r0, r4
    bl uart_put_dec
    bl uart_nl
    mov r0, #0
    pop {r4-r11, pc}
    .size main, . - main

str_banner: .asciz "irqemu irq_cold (armv7)\n"
str_done:   .asciz "irq_cold: samples "
    .align 2

    .global irq_handler
    .type irq_handler, %function
irq_handler:
    push {r0-r3, lr}
    ldr r1, =GTIMER_BASE
    b 0f                            /* end the entry's block: the model charges a block's */
0:  ldr r0, [r1, #GTIMER_LO]        /* misses at its end, so t1 is read after them */
    ldr r1, =GICC_BASE
    ldr r2, [r1, #GICC_IAR]
    ubfx r3, r2, #0, #10
    ldr r1, =GIC_SPURIOUS
    cmp r3, r1
    beq 2f
    ldr r3, =PTIMER_BASE
    mov r1, #0
    str r1, [r3, #PTIMER_CTRL]      /* stop */
    mov r1, #1
    str r1, [r3, #PTIMER_ISR]       /* clear the event flag */
    ldr r3, =t0
    ldr r3, [r3]
    sub r0, r0, r3                  /* t1 - t0, global-timer ticks */
    ldr r3, =sample_index
    ldr r1, [r3]
    cmp r1, #MAX_SAMPLES
    bhs 1f
    add r1, r1, #1
    str r1, [r3]
    sub r1, r1, #1
    ldr r3, =samples
    str r0, [r3, r1, lsl #2]
1:  ldr r1, =GICC_BASE
    str r2, [r1, #GICC_EOIR]
    ldr r3, =irq_done
    mov r1, #1
    str r1, [r3]
2:  pop {r0-r3, lr}
    subs pc, lr, #4
    .size irq_handler, . - irq_handler
    .ltorg

    /* the code the random instruction accesses call: one `bx lr` per line */
    .balign SLOT_BYTES
    .global code_slots
code_slots:
    .rept SLOTS
    bx lr
    .balign SLOT_BYTES
    .endr

    .data
    .align 2
    .global seed, n_samples, max_accesses
seed:         .word 1
n_samples:    .word 2000
max_accesses: .word 64

    .bss
    .align 5
    .global samples, sample_index
t0:           .space 4
irq_done:     .space 4
sample_index: .space 4
    .align 5
samples:      .space MAX_SAMPLES * 4
    .align 5
buffer:       .space BUF_BYTES
