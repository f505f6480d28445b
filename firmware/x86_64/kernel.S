# kernel.elf -- the x86-64 side of irqemu's modelled Linux kernel (pc board).
#
# The guest always runs; the kernel model (Python) is reached through host
# calls: a host call is a `call *hc_<name>(%rip)` to an address in irqemu's
# host-call page, which the host writes into the `hostcalls` table below
# (8-byte slots) before the run (irqemu.kernel.platform). The model runs
# with the CPU exactly in the state the stub left it (RFLAGS.IF, stack) and
# returns as `ret`.
#
#  - irq_entries_start: one 16-byte stub per vector 0x20-0xff, as Linux's
#    irq_entries_start (arch/x86/entry/entry_64.S): push ~vector + 0x80
#    (the pt_regs orig_ax slot; fits a signed byte) and jump to
#    common_interrupt. main points IDT gates 0x20-0xff at them (64-bit
#    interrupt gates: IF cleared on entry).
#  - common_interrupt: `addq $-0x80, (%rsp)` leaves ~vector in orig_ax, as
#    Linux; saves the caller-saved registers (rax, rcx, rdx, rsi, rdi,
#    r8-r11) and calls the host call handle_arch_irq with the vector in
#    %rdi (the model's do_IRQ / system-vector entry); then `cli` (the model
#    may have opened IRQs for softirqs at irq_exit), restores, drops
#    orig_ax and `iretq`s. A nested interrupt taken while the model has IF
#    set enters here again with its own frame, as on Linux.
#  - main (after common.S start-up: GDT, IDT, stack, COM1): the gates, host
#    call kernel_start (IF still clear: the model sets up the LAPIC and the
#    IO-APIC and requests IRQs), `sti`, then the idle loop: `cli`, host call
#    cpu_idle (the model's scheduler decides whether to idle), `sti; hlt`
#    (the STI shadow covers the HLT: no wakeup is lost), repeat. The host
#    ends the run when its scenario is over.
    .include "pc.inc"

    .equ FIRST_EXTERNAL_VECTOR, 0x20
    .equ NR_VECTORS,            0x100

    .macro hostcall name
    call *hc_\name(%rip)
    .endm

    .text
    .code64

    .balign 16
    .global irq_entries_start
irq_entries_start:
    vector = FIRST_EXTERNAL_VECTOR
    .rept NR_VECTORS - FIRST_EXTERNAL_VECTOR
    .balign 16
    pushq $(~vector + 0x80)         # orig_ax: ~vector + 0x80, a signed byte
    jmp common_interrupt
    vector = vector + 1
    .endr

    .balign 16
    .global common_interrupt
    .type common_interrupt, @function
common_interrupt:
    addq $-0x80, (%rsp)             # orig_ax = ~vector (in [-256, -1])
    pushq %rdi                      # the caller-saved registers (pt_regs' lower half)
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rax
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    subq $8, %rsp                   # 16-byte aligned at the call (SysV ABI)
    movq 80(%rsp), %rdi             # orig_ax
    notq %rdi                       # the vector
    hostcall handle_arch_irq        # do_IRQ(vector) or the system vector's handler
    cli                             # restore with IF clear (iretq reloads RFLAGS)
    addq $8, %rsp
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rax
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    addq $8, %rsp                   # orig_ax
    iretq
    .size common_interrupt, . - common_interrupt

    .global main
    .type main, @function
main:
    pushq %rbx
    movl $FIRST_EXTERNAL_VECTOR, %ebx
    leaq irq_entries_start(%rip), %rsi
1:  movl %ebx, %edi
    pushq %rsi
    call set_gate                   # IDT[%edi] = interrupt gate to %rsi
    popq %rsi
    addq $16, %rsi
    incl %ebx
    cmpl $NR_VECTORS, %ebx
    jb 1b

    hostcall kernel_start
    sti
idle:
    cli
    hostcall cpu_idle
    sti                             # the STI shadow covers the HLT
    hlt
    jmp idle
    .size main, . - main

# hc_nop: what a host-call slot points at when the model has nothing to do
# there (e.g. cpu_idle without a scheduler): a plain return, no host call.
    .global hc_nop
    .type hc_nop, @function
hc_nop:
    ret
    .size hc_nop, . - hc_nop

    .data
    .balign 8
    .global hostcalls
hostcalls:
    .global hc_handle_arch_irq, hc_kernel_start, hc_cpu_idle
hc_handle_arch_irq: .quad 0
hc_kernel_start:    .quad 0
hc_cpu_idle:        .quad 0
