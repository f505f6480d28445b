# atomics.elf -- atomic_add and cmpxchg on x86-64, for `irqemu bench atomics`.
#
# Each variant is f(%rdi = counter address, %rsi = iterations) adding 1 to
# the 32-bit *counter %rsi times:
#   plain_add      mov/inc/mov, no protection (the broken baseline)
#   atomic_add_irqsave  mov/inc/mov with this CPU's interrupts off
#                  (pushfq; cli ... popfq: arch_local_irq_save/restore):
#                  safe against this CPU's handlers, not other CPUs
#   atomic_add     (e) lock addl $1, (%rdi)   (arch_atomic_add)
#   cmpxchg_lock   (e) lock cmpxchgl loop     (arch_cmpxchg, try_cmpxchg loop)
#
# main: the SMP experiment. CPU0 starts CPUs 1..`ncpus`-1 with INIT + SIPI
# (the AP trampoline is copied below 1 MiB, where a SIPI vector can point;
# irqemu starts APs in long mode there); each CPU finds its number in its
# LAPIC ID, runs variant `variant` for `iters` iterations on `counter`,
# counts itself done with lock incl, and CPU0 prints the count.
    .include "pc.inc"

    .equ LAPIC_ICR_LO, 0x300
    .equ LAPIC_ICR_HI, 0x310
    .equ TRAMPOLINE,   0x8000           # SIPI vector 0x08
    .equ STACK_SIZE,   4096

    .text
    .code64
    .global plain_add, atomic_add_irqsave, atomic_add, cmpxchg_lock
plain_add:
1:  movl (%rdi), %eax
    incl %eax
    movl %eax, (%rdi)
    decq %rsi
    jnz 1b
    ret

atomic_add_irqsave:
1:  pushfq                              # arch_local_irq_save
    cli
    movl (%rdi), %eax
    incl %eax
    movl %eax, (%rdi)
    popfq                               # arch_local_irq_restore
    decq %rsi
    jnz 1b
    ret

atomic_add:
1:  lock addl $1, (%rdi)
    decq %rsi
    jnz 1b
    ret

cmpxchg_lock:
1:  movl (%rdi), %eax                   # old
2:  leal 1(%rax), %ecx                  # new
    lock cmpxchgl %ecx, (%rdi)          # fails: %eax = current value, retry
    jnz 2b
    decq %rsi
    jnz 1b
    ret

variants:
    .quad plain_add, atomic_add_irqsave, atomic_add, cmpxchg_lock

# worker: run the chosen variant, then count this CPU done
worker:
    movl variant(%rip), %eax
    leaq variants(%rip), %rcx
    movq (%rcx,%rax,8), %rax
    leaq counter(%rip), %rdi
    movl iters(%rip), %esi
    call *%rax
    lock incl done(%rip)
    ret

# the AP trampoline, copied to TRAMPOLINE: jump to ap_main in high memory
ap_trampoline:
    movabsq $ap_main, %rax
    jmp *%rax
ap_trampoline_end:

ap_main:
    movl $LAPIC, %ebx
    movl LAPIC_ID(%rbx), %eax
    shrl $24, %eax                      # this CPU's APIC ID = its number here
    incl %eax
    imull $STACK_SIZE, %eax
    leaq ap_stacks(%rip), %rsp
    addq %rax, %rsp
    lgdt gdt_ptr(%rip)
    call worker
1:  cli
    hlt
    jmp 1b

    .global main
main:
    pushq %rbx
    pushq %r12
    pushq %r13
    leaq str_banner(%rip), %rsi
    call puts
    leaq ap_trampoline(%rip), %rsi      # copy the trampoline below 1 MiB
    movl $TRAMPOLINE, %edi
    movl $(ap_trampoline_end - ap_trampoline), %ecx
    rep movsb
    movl $LAPIC, %ebx
    movl $(SVR_ENABLE | 0xff), LAPIC_SVR(%rbx)
    movl ncpus(%rip), %r12d
    movl $1, %r13d
1:  cmpl %r12d, %r13d                   # INIT, then SIPI, to CPUs 1..ncpus-1
    jae 2f
    movl %r13d, %eax
    shll $24, %eax
    movl %eax, LAPIC_ICR_HI(%rbx)
    movl $0x4500, LAPIC_ICR_LO(%rbx)    # INIT, assert
    movl %eax, LAPIC_ICR_HI(%rbx)
    movl $(0x4600 | (TRAMPOLINE >> 12)), LAPIC_ICR_LO(%rbx)   # SIPI
    incl %r13d
    jmp 1b
2:  call worker
3:  movl done(%rip), %eax
    cmpl %r12d, %eax
    jb 3b
    leaq str_count(%rip), %rsi
    call puts
    movl counter(%rip), %eax
    call put_dec
    movb $'\n', %al
    call putc
    xorl %eax, %eax
    popq %r13
    popq %r12
    popq %rbx
    ret

    .section .rodata
str_banner: .asciz "irqemu atomics (x86_64)\n"
str_count:  .asciz "atomics: counter "

    .data
    .balign 4
    .global ncpus, variant, iters, counter, done
ncpus:   .long 1
variant: .long 2
iters:   .long 1000
counter: .long 0
done:    .long 0

    .bss
    .balign 16
ap_stacks: .skip 4 * STACK_SIZE
