/*
 * uart_boot.elf -- prints through UART1 in the state the boot chain left it.
 *
 * The i.MX boot ROM (and U-Boot) hand over with the console UART enabled;
 * QEMU's sabrelite models this (imx_serial_reset_at_boot: UCR1.UARTEN,
 * UCR2.TXEN).  This firmware never writes a UART control register: it has
 * its own _start (not common.S's, which calls uart_init), reads UCR1 and
 * UCR2 back and prints them, waits for USR1.TRDY before each byte, and
 * exits with semihosting SYS_EXIT.  Standalone: no vectors, no .bss, only
 * the SVC stack it sets up.  On a UART left at its power-on reset it prints
 * nothing and still exits 0.
 */
#include "board.h"

    .syntax unified
    .arm

    .section .text.start, "ax"
    .global _start
    .type _start, %function
_start:
    cpsid aif, #MODE_SVC
    ldr sp, =__stack_svc_top
    ldr r0, =str_hello
    bl puts
    ldr r0, =str_ucr1
    bl puts
    ldr r4, =UART1_BASE
    ldr r0, [r4, #UART_UCR1]
    bl put_hex4
    ldr r0, =str_ucr2
    bl puts
    ldr r0, [r4, #UART_UCR2]
    bl put_hex4
    ldr r0, =str_end
    bl puts
    mov r0, #SYS_EXIT
    ldr r1, =ADP_Stopped_ApplicationExit
    svc SEMIHOST_SVC
1:  wfi                         /* not reached under semihosting */
    b 1b
    .size _start, . - _start

    .text
/* putc(r0 = byte): wait for USR1.TRDY, write UTXD (r1-r2 clobbered) */
putc:
    ldr r1, =UART1_BASE
1:  ldr r2, [r1, #UART_USR1]
    tst r2, #USR1_TRDY
    beq 1b
    str r0, [r1, #UART_UTXD]
    bx lr

/* puts(r0 = NUL-terminated string) */
puts:
    push {r5, lr}
    mov r5, r0
1:  ldrb r0, [r5], #1
    cmp r0, #0
    popeq {r5, pc}
    bl putc
    b 1b

/* put_hex4(r0 = value): the low 16 bits as four lower-case hex digits */
put_hex4:
    push {r5, r6, lr}
    mov r5, r0
    mov r6, #16
1:  subs r6, r6, #4
    poplt {r5, r6, pc}
    lsr r0, r5, r6
    and r0, r0, #0xf
    cmp r0, #10
    addlo r0, r0, #'0'
    addhs r0, r0, #('a' - 10)
    bl putc
    b 1b

    .section .rodata
str_hello:  .asciz "uart_boot: UART1 as the boot chain left it\n"
str_ucr1:   .asciz "UCR1="
str_ucr2:   .asciz " UCR2="
str_end:    .asciz "\nPASS: printed without touching a UART control register\n"
