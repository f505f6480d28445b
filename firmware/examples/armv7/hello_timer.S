/*
 * hello_timer.S -- a complete bare-metal program for irqemu's imx6q board
 * (Cortex-A9, i.MX6Q; QEMU's sabrelite runs it too).  docs/firmware.md
 * explains every step.  It prints a line on UART1, takes three interrupts
 * from the Cortex-A9 private timer (twd, GIC ID 29) and exits through ARM
 * semihosting with status 0.
 */
    .syntax unified
    .arm

    .equ GICC,       0x00A00100     @ GIC CPU interface
    .equ GICD,       0x00A01000     @ GIC distributor
    .equ TWD,        0x00A00600     @ private timer: LOAD +0, CONTROL +8, ISR +0xC
    .equ UART1,      0x02020000     @ UTXD +0x40, USR1 +0x94 (TRDY: bit 13)
    .equ TWD_ID,     29             @ the private timer's PPI
    .equ PERIOD,     3960000 - 1    @ 10 ms of PERIPHCLK (396 MHz = CPU clock / 2)
    .equ NTICKS,     3

/* The vector table: VBAR points here (32-byte aligned); one branch per exception. */
    .section .vectors, "ax"
vectors:
    b   _start          @ 0x00 reset
    b   hang            @ 0x04 undefined instruction
    b   hang            @ 0x08 supervisor call
    b   hang            @ 0x0c prefetch abort
    b   hang            @ 0x10 data abort
    b   hang            @ 0x14 (hyp trap)
    b   irq_entry       @ 0x18 IRQ
    b   hang            @ 0x1c FIQ

    .text
/* The ELF entry: secure SVC mode, IRQ/FIQ/aborts masked, MMU and caches off. */
    .global _start
_start:
    cps  #0x12                      @ IRQ mode: its own banked SP
    ldr  sp, =irq_stack_top
    cps  #0x13                      @ back to SVC mode
    ldr  sp, =svc_stack_top
    ldr  r0, =vectors
    mcr  p15, 0, r0, c12, c0, 0     @ VBAR
    isb

    ldr  r0, =str_hello             @ UART1 is on: the boot ROM left UCR1.UARTEN, UCR2.TXEN
    bl   puts

    ldr  r4, =GICD                  @ the twd's PPI: priority 0xa0, enabled
    mov  r0, #0xa0
    strb r0, [r4, #0x400 + TWD_ID]  @ GICD_IPRIORITYRn (byte access)
    mov  r0, #1 << TWD_ID
    str  r0, [r4, #0x100]           @ GICD_ISENABLER0
    mov  r0, #1
    str  r0, [r4, #0x000]           @ GICD_CTLR: forward interrupts
    ldr  r5, =GICC
    mov  r0, #0xf0
    str  r0, [r5, #0x04]            @ GICC_PMR: let priority 0xa0 through
    mov  r0, #1
    str  r0, [r5, #0x00]            @ GICC_CTLR: signal IRQ to the core

    ldr  r6, =TWD
    ldr  r0, =PERIOD
    str  r0, [r6, #0x00]            @ LOAD
    mov  r0, #7
    str  r0, [r6, #0x08]            @ CONTROL: enable | auto-reload | IRQ enable

    ldr  r7, =ticks
    mov  r8, #0                     @ ticks printed
1:  cpsid i                         @ look at ticks with IRQs masked...
    ldr  r0, [r7]
    cmp  r8, r0
    bne  2f
    wfi                             @ ...and sleep: a pending IRQ still wakes the core
    cpsie i                         @ the IRQ is taken here
    b    1b
2:  cpsie i
    add  r8, r8, #1
    ldr  r0, =str_tick
    bl   puts
    add  r0, r8, #'0'
    bl   putc
    mov  r0, #'\n'
    bl   putc
    cmp  r8, #NTICKS
    blo  1b

    ldr  r0, =str_done
    bl   puts
    mov  r0, #0x18                  @ semihosting SYS_EXIT
    ldr  r1, =0x20026               @ ADP_Stopped_ApplicationExit: status 0
    svc  0x123456
hang:
    b    hang

/* IRQ: acknowledge at the GIC, clear the timer's event flag, count, end of interrupt. */
irq_entry:
    sub  lr, lr, #4                 @ the interrupted instruction
    push {r0-r3, lr}
    ldr  r1, =GICC
    ldr  r0, [r1, #0x0c]            @ GICC_IAR: which interrupt
    ldr  r2, =0x3ff
    and  r2, r0, r2
    cmp  r2, #TWD_ID
    bne  1f
    ldr  r3, =TWD
    mov  r2, #1
    str  r2, [r3, #0x0c]            @ ISR: write 1 to clear the event flag
    ldr  r3, =ticks
    ldr  r2, [r3]
    add  r2, r2, #1
    str  r2, [r3]
    cmp  r2, #NTICKS
    movhs r2, #0
    ldrhs r3, =TWD
    strhs r2, [r3, #0x08]           @ the last tick: stop the timer
1:  ldr  r2, =0x3ff
    and  r2, r0, r2
    ldr  r3, =1023
    cmp  r2, r3                     @ 1023: spurious, no end of interrupt
    strne r0, [r1, #0x10]           @ GICC_EOIR
    ldm  sp!, {r0-r3, pc}^          @ return, restoring CPSR from SPSR_irq

/* putc(r0): wait for USR1.TRDY, write UTXD.  puts(r0): a NUL-terminated string. */
putc:
    ldr  r1, =UART1
1:  ldr  r2, [r1, #0x94]
    tst  r2, #1 << 13
    beq  1b
    str  r0, [r1, #0x40]
    bx   lr
puts:
    push {r4, lr}
    mov  r4, r0
1:  ldrb r0, [r4], #1
    cmp  r0, #0
    popeq {r4, pc}
    bl   putc
    b    1b

    .section .rodata
str_hello: .asciz "hello from irqemu (armv7, imx6q)\n"
str_tick:  .asciz "tick "
str_done:  .asciz "done: 3 timer interrupts\n"

    .data
    .balign 4
ticks: .word 0

    .bss
    .balign 8
    .space 1024
irq_stack_top:
    .space 4096
svc_stack_top:
