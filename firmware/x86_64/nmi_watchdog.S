# nmi_watchdog.elf -- NMIs on a PC: a perf-style watchdog NMI arrives while
# the main code spins with interrupts disabled (cli), and a second NMI is
# held until the first handler's iretq.
#
# As Linux's hard-lockup detector does (perf_event_nmi_handler), the LAPIC's
# performance-counter LVT (LVT_PMC, 0x340) is set to delivery mode NMI; the
# emulator's scenario models the counter overflowing every 200 us. On an
# overflow the CPU masks LVT_PMC (SDM 18.x: "the mask flag of the LVT
# performance counter register is set"), so the handler re-arms it, as
# intel_pmu_handle_irq writes APIC_LVTPC = APIC_DM_NMI (on every NMI:
# the handler cannot tell a counter overflow from an NMI IPI here).
#
# From inside the second watchdog NMI the handler sends itself an NMI IPI
# through the ICR (shorthand self, delivery mode NMI), as
# arch_trigger_cpumask_backtrace does to other CPUs: NMIs are blocked until
# the running handler's iretq, so it does not nest; it is taken right after.
# The handler counts nesting depth and whether the interrupted RFLAGS had IF.
    .include "pc.inc"

    .equ LAPIC_LVT_PMC, 0x340
    .equ LAPIC_ICR_LO,  0x300
    .equ LAPIC_ICR_HI,  0x310
    .equ DM_NMI,        0x400
    .equ ICR_SELF,      (1 << 18)
    .equ NWDOG,         4               # watchdog NMIs before main stops spinning
    .equ SPUR_VEC,      0xff
    .equ RFLAGS_IF,     0x200

    .text
    .code64
    .global main
main:
    pushq %rbx
    movl $2, %edi
    leaq nmi_handler(%rip), %rsi
    call set_gate
    leaq str_banner(%rip), %rsi
    call puts

    movl $LAPIC, %ebx
    movl $0, LAPIC_TPR(%rbx)
    movl $(SVR_ENABLE | SPUR_VEC), LAPIC_SVR(%rbx)
    leaq str_spin(%rip), %rsi
    call puts

    cli
    movl $DM_NMI, LAPIC_LVT_PMC(%rbx)   # perf counter overflow -> NMI
    .global spin_loop
spin_loop:
    incq spins(%rip)
    cmpl $NWDOG, wdog_nmis(%rip)
    jb spin_loop
    .global spin_loop_end
spin_loop_end:

    leaq str_sum1(%rip), %rsi
    call puts
    movl nmi_total(%rip), %eax
    call put_dec
    leaq str_sum2(%rip), %rsi
    call puts
    movl max_depth(%rip), %eax
    call put_dec
    leaq str_sum3(%rip), %rsi
    call puts
    movl if_seen(%rip), %eax
    call put_dec
    movb $'\n', %al
    call putc
    movl $1, %eax                   # failure unless every check holds
    cmpl $1, max_depth(%rip)
    jne 9f
    cmpl $0, if_seen(%rip)
    jne 9f
    cmpl $1, ipi_taken(%rip)
    jne 9f
    cmpl $(NWDOG + 1), nmi_total(%rip)
    jne 9f
    leaq str_done(%rip), %rsi
    call puts
    xorl %eax, %eax
    popq %rbx
    ret
9:  leaq str_fail(%rip), %rsi
    call puts
    movl $1, %eax
    popq %rbx
    ret

# ---- the NMI handler (vector 2) ----
    .equ FRAME, 6 * 8               # our pushes below the CPU's frame
nmi_handler:
    pushq %rax
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbx
    incl depth(%rip)
    movl depth(%rip), %eax
    cmpl max_depth(%rip), %eax
    jbe 1f
    movl %eax, max_depth(%rip)
1:  incl nmi_total(%rip)
    movl $LAPIC, %ebx               # re-arm first, as intel_pmu_handle_irq does:
    movl $DM_NMI, LAPIC_LVT_PMC(%rbx)   # an overflow masks LVT_PMC
    movq FRAME + 16(%rsp), %rax     # the interrupted RFLAGS
    testl $RFLAGS_IF, %eax
    jz 2f
    incl if_seen(%rip)
2:  cmpl $0, ipi_sent(%rip)
    je watchdog
    cmpl $0, ipi_taken(%rip)
    jne watchdog
    movl $1, ipi_taken(%rip)        # the self NMI IPI, held until the last iretq
    leaq str_nmi(%rip), %rsi
    call puts
    movl nmi_total(%rip), %eax
    call put_dec
    leaq str_ipi(%rip), %rsi
    call puts
    movq spins(%rip), %rax
    subq spins_at_ipi(%rip), %rax
    call put_dec
    leaq str_ipi2(%rip), %rsi
    call puts
    jmp nmi_out

watchdog:
    incl wdog_nmis(%rip)
    leaq str_nmi(%rip), %rsi
    call puts
    movl nmi_total(%rip), %eax
    call put_dec
    leaq str_wd(%rip), %rsi
    call puts
    movq FRAME(%rsp), %rax          # the interrupted RIP
    call put_hex32
    leaq str_if(%rip), %rsi
    call puts
    movq FRAME + 16(%rsp), %rax
    shrl $9, %eax
    andl $1, %eax
    call put_dec
    leaq str_where(%rip), %rsi
    call puts
    movq FRAME(%rsp), %rax
    leaq spin_loop(%rip), %rcx
    cmpq %rcx, %rax
    jb 3f
    leaq spin_loop_end(%rip), %rcx
    cmpq %rcx, %rax
    ja 3f
    leaq str_inloop(%rip), %rsi
    jmp 4f
3:  leaq str_elsewhere(%rip), %rsi
4:  call puts
    cmpl $2, wdog_nmis(%rip)
    jne nmi_out
    # second watchdog NMI: an NMI IPI to ourselves, from inside the handler
    movq spins(%rip), %rax
    movq %rax, spins_at_ipi(%rip)
    movl $1, ipi_sent(%rip)
    movl $0, LAPIC_ICR_HI(%rbx)
    movl $(ICR_SELF | DM_NMI), LAPIC_ICR_LO(%rbx)
    movl $20000, %ecx               # stay in the handler a while
5:  decl %ecx
    jnz 5b
    leaq str_held(%rip), %rsi
    cmpl $1, depth(%rip)
    je 6f
    leaq str_nested(%rip), %rsi
6:  call puts
nmi_out:
    decl depth(%rip)
    popq %rbx
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rax
    iretq

# put_hex32: %eax as 8 hex digits (clobbers %rax, %rcx, %rdx, %rsi, %rdi)
put_hex32:
    movl %eax, %edi
    movl $28, %esi
1:  movl %edi, %eax
    movl %esi, %ecx
    shrl %cl, %eax
    andl $0xf, %eax
    cmpb $10, %al
    jb 2f
    addb $('a' - 10 - '0'), %al
2:  addb $'0', %al
    call putc
    subl $4, %esi
    jns 1b
    ret

    .section .rodata
str_banner: .asciz "irqemu nmi watchdog test (x86_64): LVT_PMC delivery mode NMI\n"
str_spin:   .asciz "main: cli, spinning with IF=0 (a hard lockup)\n"
str_nmi:    .asciz "nmi: #"
str_wd:     .asciz " watchdog (perf counter overflow), rip="
str_if:     .asciz " IF="
str_where:  .asciz ", "
str_inloop: .asciz "in spin_loop\n"
str_elsewhere: .asciz "outside spin_loop\n"
str_held:   .asciz "nmi:   NMI IPI sent to self from inside the handler: held, not nested (NMIs blocked until iretq)\n"
str_nested: .asciz "nmi:   NMI IPI sent to self from inside the handler: NESTED\n"
str_ipi:    .asciz " NMI IPI (backtrace style), taken after the previous handler's iretq; spins since sent: "
str_ipi2:   .asciz "\n"
str_sum1:   .asciz "nmi: "
str_sum2:   .asciz " NMIs taken while IF=0, max nesting depth "
str_sum3:   .asciz ", interrupted with IF=1: "
str_done:   .asciz "nmi: done\n"
str_fail:   .asciz "nmi: FAIL\n"

    .bss
    .balign 8
spins:        .quad 0
spins_at_ipi: .quad 0
nmi_total:    .long 0
wdog_nmis:    .long 0
depth:        .long 0
max_depth:    .long 0
if_seen:      .long 0
ipi_sent:     .long 0
ipi_taken:    .long 0
