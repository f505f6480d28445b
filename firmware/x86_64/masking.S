# masking.elf -- what masking IRQs costs on x86-64, for `irqemu bench masking`.
#
# Host-called functions (System V: %rdi = iterations):
#   loop_empty(n)           dec/jnz alone, the baseline
#   loop_disable_enable(n)  cli ; sti     (native_irq_disable / _enable)
#   loop_save_restore(n)    pushf ; pop %rax ; cli ; push %rax ; popf
#                           (arch_local_irq_save / _restore: native_save_fl,
#                           native_irq_disable, native_restore_fl)
# main: the added-latency experiment. The LAPIC timer (divide by 1, periodic,
# vector 0x20) fires every `timer_load` bus ticks; the loop keeps IF clear
# for `masked_iters` iterations and set for `open_iters`, until
# `irq_target` interrupts were handled (.data words the host patches).
    .include "pc.inc"

    .equ TIMER_VEC,  0x20
    .equ SPUR_VEC,   0xff

    .text
    .code64
    .global loop_empty, loop_disable_enable, loop_save_restore
loop_empty:
1:  decq %rdi
    jnz 1b
    ret

loop_disable_enable:
1:  cli
    sti
    decq %rdi
    jnz 1b
    ret

loop_save_restore:
1:  pushfq
    popq %rax
    cli
    pushq %rax
    popfq
    decq %rdi
    jnz 1b
    ret

    .global main
main:
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    movl $TIMER_VEC, %edi
    leaq timer_isr(%rip), %rsi
    call set_gate
    leaq str_banner(%rip), %rsi
    call puts

    movl masked_iters(%rip), %r12d
    movl open_iters(%rip), %r13d
    movl irq_target(%rip), %r14d
    movl $LAPIC, %ebx
    movl $0, LAPIC_TPR(%rbx)
    movl $(SVR_ENABLE | SPUR_VEC), LAPIC_SVR(%rbx)
    movl $0xb, LAPIC_TMR_DCR(%rbx)                  # divide by 1
    movl $(LVT_PERIODIC | TIMER_VEC), LAPIC_LVT_TMR(%rbx)
    movl timer_load(%rip), %eax
    movl %eax, LAPIC_TMR_ICR(%rbx)                  # starts the timer
    sti

window:
    cli                             # masked for masked_iters iterations
    movl %r12d, %ecx
    testl %ecx, %ecx
    jz 3f
1:  decl %ecx
    jnz 1b
3:  sti                             # open for open_iters iterations
    movl %r13d, %ecx
    testl %ecx, %ecx
    jz 4f
2:  decl %ecx
    jnz 2b
4:  cmpl ticks(%rip), %r14d
    ja window

    cli
    movl $(LVT_MASKED | TIMER_VEC), LAPIC_LVT_TMR(%rbx)
    movl $0, LAPIC_TMR_ICR(%rbx)
    leaq str_done(%rip), %rsi
    call puts
    movl ticks(%rip), %eax
    call put_dec
    movb $'\n', %al
    call putc
    xorl %eax, %eax
    popq %r14
    popq %r13
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
str_banner: .asciz "irqemu masking (x86_64)\n"
str_done:   .asciz "masking: interrupts handled "

    .data
    .balign 4
    .global timer_load, masked_iters, open_iters, irq_target
timer_load:   .long 1009                # APIC bus ticks (1 GHz, divide by 1)
masked_iters: .long 100
open_iters:   .long 400
irq_target:   .long 200

    .bss
ticks:  .long 0
