/*
 * bench_loop.elf -- the guest loop of benchmarks/engine_throughput.py.
 *
 * bench_loop(r0 = iterations >= 1, r1 = 16-byte word-aligned buffer) runs an
 * ALU/load/store loop: 14 instructions per iteration (2 loads, 3 stores,
 * 7 ALU, subs, bne), one translation block, plus 3 instructions before and
 * 3 after (the final `bx lr` included): 14 * N + 6 instructions in all.
 * bench_short(r0, r1) is the same kind of loop cut into short blocks: 12
 * instructions per iteration in 3 blocks of 4 (each ends in a branch), 12 * N + 6
 * in all, so per-block costs weigh three to four times as much.
 * Both return a checksum in r0.  The benchmark calls it directly (PC = bench_loop,
 * LR = an address it stops at); main only makes the ELF runnable on its own
 * (QEMU sabrelite or `irqemu boot`): it runs `bench_iters` iterations, prints
 * the checksum and exits through semihosting.
 */
#include "board.h"

    .syntax unified
    .arm
    .text

    .global bench_loop
    .type bench_loop, %function
bench_loop:
    push {r4-r7}
    mov r2, #0
    mov r3, #1
1:  ldr r4, [r1]
    add r2, r2, r4
    eor r3, r3, r2, ror #3
    str r3, [r1, #4]
    ldr r5, [r1, #8]
    add r4, r4, r3
    str r4, [r1]
    orr r6, r5, r2
    add r5, r5, #7
    str r5, [r1, #8]
    sub r7, r6, r3
    add r2, r2, r7, lsr #2
    subs r0, r0, #1
    bne 1b
    mov r0, r2
    pop {r4-r7}
    bx lr
    .size bench_loop, . - bench_loop

    .global bench_short
    .type bench_short, %function
bench_short:
    push {r4-r7}
    mov r2, #0
    mov r3, #1
1:  ldr r4, [r1]
    add r2, r2, r4
    str r2, [r1, #4]
    b 2f
2:  eor r3, r3, r2, ror #3
    add r4, r4, r3
    str r4, [r1]
    b 3f
3:  add r5, r3, r2
    str r5, [r1, #8]
    subs r0, r0, #1
    bne 1b
    mov r0, r2
    pop {r4-r7}
    bx lr
    .size bench_short, . - bench_short

    .global main
    .type main, %function
main:
    push {r4, lr}
    ldr r0, =str_banner
    bl uart_puts
    ldr r0, =bench_iters
    ldr r0, [r0]
    ldr r1, =bench_buf
    bl bench_loop
    mov r4, r0
    ldr r0, =bench_iters
    ldr r0, [r0]
    ldr r1, =bench_buf
    bl bench_short
    add r4, r4, r0
    ldr r0, =str_sum
    bl uart_puts
    mov r0, r4
    bl uart_put_hex
    bl uart_nl
    mov r0, #0
    pop {r4, pc}
    .size main, . - main

str_banner: .asciz "irqemu bench_loop (armv7)\n"
str_sum:    .asciz "bench_loop: checksum "
    .align 2

    .data
    .align 2
    .global bench_iters
bench_iters: .word 100000

    .bss
    .align 4
    .global bench_buf
bench_buf:  .space 16
