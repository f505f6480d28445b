# timer.elf -- the LAPIC timer as a periodic interrupt on a PC (x86-64).
#
# After common.S's start-up (GDT, IDT, stack, COM1): enables the LAPIC
# (SVR = 0x1ff), runs its timer periodic on vector 0x20 (divide by 16,
# initial count 62500: 1 ms at a 1 GHz APIC bus), `sti` and idles in
# `sti; hlt`.  The handler counts and writes EOI; main prints one line per
# new tick, stops the timer after the 10th and returns 0 (exit code 0
# through the debug-exit port).  Output does not depend on timing.
    .include "pc.inc"

    .equ NTICKS,     10
    .equ TIMER_VEC,  0x20
    .equ SPUR_VEC,   0xff
    .equ TIMER_INIT, 62500

    .text
    .code64
    .global main
main:
    pushq %rbx
    pushq %r12
    movl $TIMER_VEC, %edi
    leaq timer_isr(%rip), %rsi
    call set_gate
    leaq str_banner(%rip), %rsi
    call puts

    movl $LAPIC, %ebx
    movl $0, LAPIC_TPR(%rbx)
    movl $(SVR_ENABLE | SPUR_VEC), LAPIC_SVR(%rbx)
    movl $3, LAPIC_TMR_DCR(%rbx)                    # divide by 16
    movl $(LVT_PERIODIC | TIMER_VEC), LAPIC_LVT_TMR(%rbx)
    movl $TIMER_INIT, LAPIC_TMR_ICR(%rbx)           # starts the timer

    xorl %r12d, %r12d               # ticks printed
main_loop:
    cli
    cmpl ticks(%rip), %r12d
    jne 3f
    sti                             # the STI shadow covers the HLT: no lost wakeup
    hlt
    jmp main_loop
3:  sti
    incl %r12d
    leaq str_tick(%rip), %rsi
    call puts
    movl %r12d, %eax
    call put_dec
    movb $'\n', %al
    call putc
    cmpl $NTICKS, %r12d
    jb main_loop

    movl $LAPIC, %ebx
    movl $(LVT_MASKED | TIMER_VEC), LAPIC_LVT_TMR(%rbx)
    movl $0, LAPIC_TMR_ICR(%rbx)
    leaq str_done(%rip), %rsi
    call puts
    xorl %eax, %eax
    popq %r12
    popq %rbx
    ret

timer_isr:
    pushq %rbx
    incl ticks(%rip)
    movl $LAPIC, %ebx
    movl $0, LAPIC_EOI(%rbx)
    popq %rbx
    iretq

    .section .rodata
str_banner: .asciz "irqemu timer test (x86_64)\n"
str_tick:   .asciz "tick "
str_done:   .asciz "timer: 10 ticks, done\n"

    .bss
ticks:  .long 0
