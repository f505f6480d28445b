/*
 * hello_timer.S -- a complete bare-metal program for irqemu's virt-a53 board
 * (Cortex-A53 on QEMU virt's memory map; QEMU's virt runs it too).
 * docs/firmware.md explains every step.  It prints a line on the PL011,
 * takes three interrupts from the ARM generic timer's virtual timer (GIC ID
 * 27) and exits through ARM semihosting with status 0.
 */
    .equ GICD,      0x08000000      // GIC distributor
    .equ GICC,      0x08010000      // GIC CPU interface
    .equ UART,      0x09000000      // PL011: DR +0, FR +0x18 (TXFF: bit 5), CR +0x30
    .equ VTIMER_ID, 27              // the virtual timer's PPI
    .equ NTICKS,    3

    .text
/* The ELF entry: EL1 (non-secure), SP_EL1 selected, DAIF masked, MMU off. */
    .global _start
_start:
    ldr  x0, =stack_top
    mov  sp, x0
    ldr  x0, =vectors
    msr  vbar_el1, x0
    isb

    ldr  x1, =UART
    mov  w0, #0x301                 // UARTCR: UARTEN | TXE | RXE
    str  w0, [x1, #0x30]
    ldr  x0, =str_hello
    bl   puts

    ldr  x1, =GICD                  // the virtual timer's PPI: priority 0xa0, enabled
    mov  w0, #0xa0
    strb w0, [x1, #0x400 + VTIMER_ID]   // GICD_IPRIORITYRn (byte access)
    mov  w0, #1 << VTIMER_ID
    str  w0, [x1, #0x100]           // GICD_ISENABLER0
    mov  w0, #1
    str  w0, [x1, #0x000]           // GICD_CTLR: forward interrupts
    ldr  x1, =GICC
    mov  w0, #0xf0
    str  w0, [x1, #0x04]            // GICC_PMR: let priority 0xa0 through
    mov  w0, #1
    str  w0, [x1, #0x00]            // GICC_CTLR: signal IRQ to the core

    mrs  x0, cntfrq_el0             // the counter's frequency (62.5 MHz)
    mov  x1, #100
    udiv x0, x0, x1                 // 10 ms of it
    ldr  x1, =period
    str  x0, [x1]
    msr  cntv_tval_el0, x0          // fire 10 ms from now
    mov  x0, #1
    msr  cntv_ctl_el0, x0           // ENABLE, IMASK clear
    isb

    ldr  x19, =ticks
    mov  x20, #0                    // ticks printed
1:  msr  daifset, #2                // look at ticks with IRQs masked...
    ldr  x0, [x19]
    cmp  x20, x0
    b.ne 2f
    wfi                             // ...and sleep: a pending IRQ still wakes the core
    msr  daifclr, #2                // the IRQ is taken here
    b    1b
2:  msr  daifclr, #2
    add  x20, x20, #1
    ldr  x0, =str_tick
    bl   puts
    add  w0, w20, #'0'
    bl   putc
    mov  w0, #'\n'
    bl   putc
    cmp  x20, #NTICKS
    b.lo 1b

    ldr  x0, =str_done
    bl   puts
    ldr  x1, =exit_block            // semihosting SYS_EXIT: x1 -> [reason, subcode]
    mov  w0, #0x18
    hlt  #0xf000
hang:
    b    hang

/* IRQ: acknowledge at the GIC, re-arm (or stop) the timer, count, end of interrupt. */
irq_entry:
    stp  x0, x1, [sp, #-32]!
    stp  x2, x3, [sp, #16]
    ldr  x1, =GICC
    ldr  w0, [x1, #0x0c]            // GICC_IAR: which interrupt
    and  w2, w0, #0x3ff
    cmp  w2, #VTIMER_ID
    b.ne 1f
    ldr  x3, =ticks
    ldr  x2, [x3]
    add  x2, x2, #1
    str  x2, [x3]
    cmp  x2, #NTICKS
    b.hs 3f
    ldr  x3, =period
    ldr  x3, [x3]
    msr  cntv_tval_el0, x3          // the next tick; the timer's output drops
    b    4f
3:  msr  cntv_ctl_el0, xzr          // the last tick: stop the timer
4:  isb
1:  and  w2, w0, #0x3ff
    cmp  w2, #1023                  // spurious: no end of interrupt
    b.eq 2f
    str  w0, [x1, #0x10]            // GICC_EOIR
2:  ldp  x2, x3, [sp, #16]
    ldp  x0, x1, [sp], #32
    eret

/* putc(w0): wait while UARTFR.TXFF, write UARTDR.  puts(x0): a NUL-terminated string. */
putc:
    ldr  x1, =UART
1:  ldr  w2, [x1, #0x18]
    tbnz w2, #5, 1b
    str  w0, [x1]
    ret
puts:
    stp  x29, x30, [sp, #-32]!
    str  x19, [sp, #16]
    mov  x19, x0
1:  ldrb w0, [x19], #1
    cbz  w0, 2f
    bl   putc
    b    1b
2:  ldr  x19, [sp, #16]
    ldp  x29, x30, [sp], #32
    ret

/* The vector table: 16 entries of 0x80 bytes, 2 KiB aligned (VBAR_EL1). */
    .balign 2048
vectors:
    .rept 5                         // EL1t: sync, IRQ, FIQ, SError; EL1h: sync
    b    hang
    .balign 0x80
    .endr
    b    irq_entry                  // 0x280: IRQ at EL1 with SP_EL1
    .balign 0x80
    .rept 10                        // EL1h FIQ, SError; lower ELs
    b    hang
    .balign 0x80
    .endr

    .section .rodata
str_hello: .asciz "hello from irqemu (aarch64, virt-a53)\n"
str_tick:  .asciz "tick "
str_done:  .asciz "done: 3 timer interrupts\n"
    .balign 8
exit_block: .quad 0x20026, 0        // ADP_Stopped_ApplicationExit, status 0

    .data
    .balign 8
ticks:  .quad 0
period: .quad 0

    .bss
    .balign 16
    .space 8192
stack_top:
