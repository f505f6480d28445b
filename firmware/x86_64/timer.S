# timer.elf -- the LAPIC timer as a periodic interrupt on a PC (x86-64).
#
# Entered in 64-bit mode (irqemu's "loader" state: flat GDT, IF clear, no
# IDT, no stack).  Loads its own GDT (null, code 0x08, data 0x10) and IDT
# (vectors 0-31: a handler that reports the exception and exits 1; 0x20: the
# timer; 0xff: spurious), sets a stack, programs COM1 (115200 8N1, OUT2),
# enables the LAPIC (SVR = 0x1ff), runs its timer periodic on vector 0x20
# (divide by 16, initial count 62500: 1 ms at a 1 GHz APIC bus), `sti` and
# idles in `sti; hlt`.  The handler counts and writes EOI; main prints one
# line per new tick, stops the timer after the 10th and exits through the
# debug-exit port with 0.  Output does not depend on timing.
    .include "pc.inc"

    .equ NTICKS,     10
    .equ TIMER_VEC,  0x20
    .equ SPUR_VEC,   0xff
    .equ TIMER_INIT, 62500

    .section .text.start, "ax"
    .code64
    .global _start
_start:
    leaq stack_top(%rip), %rsp
    lgdt gdt_ptr(%rip)
    pushq $KCODE                    # reload CS with a far return
    leaq 1f(%rip), %rax
    pushq %rax
    lretq
1:  movl $KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss

    xorl %edi, %edi                 # vectors 0-31: unexpected exception
2:  leaq exc_fail(%rip), %rsi
    call set_gate
    incl %edi
    cmpl $32, %edi
    jb 2b
    movl $TIMER_VEC, %edi
    leaq timer_isr(%rip), %rsi
    call set_gate
    movl $SPUR_VEC, %edi
    leaq spurious_isr(%rip), %rsi
    call set_gate
    lidt idt_ptr(%rip)

    call uart_init
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
exit:                               # exit code in %al
    outb %al, $DEBUG_EXIT
    cli
4:  hlt
    jmp 4b

# -- interrupt handlers ------------------------------------------------------
timer_isr:
    pushq %rbx
    incl ticks(%rip)
    movl $LAPIC, %ebx
    movl $0, LAPIC_EOI(%rbx)
    popq %rbx
    iretq

spurious_isr:                       # no EOI for the spurious vector
    iretq

exc_fail:
    leaq str_fail(%rip), %rsi
    call puts
    movb $1, %al
    jmp exit

# -- helpers -------------------------------------------------------------------
# set_gate: IDT[%edi] = 64-bit interrupt gate to %rsi, selector KCODE, DPL 0
set_gate:
    movl %edi, %eax
    shll $4, %eax
    leaq idt(%rip), %rdx
    addq %rax, %rdx
    movw %si, (%rdx)
    movw $KCODE, 2(%rdx)
    movw $0x8e00, 4(%rdx)           # IST 0, present, DPL 0, type 0xe
    shrq $16, %rsi
    movw %si, 6(%rdx)
    shrq $16, %rsi
    movl %esi, 8(%rdx)
    movl $0, 12(%rdx)
    ret

uart_init:
    movw $(COM1 + 1), %dx
    xorb %al, %al
    outb %al, %dx                   # IER = 0: polled output
    movw $(COM1 + 3), %dx
    movb $0x80, %al
    outb %al, %dx                   # LCR.DLAB
    movw $COM1, %dx
    movb $1, %al
    outb %al, %dx                   # DLL = 1: 115200 baud
    movw $(COM1 + 1), %dx
    xorb %al, %al
    outb %al, %dx                   # DLM = 0
    movw $(COM1 + 3), %dx
    movb $0x03, %al
    outb %al, %dx                   # 8N1
    movw $(COM1 + 2), %dx
    movb $0xc7, %al
    outb %al, %dx                   # FIFO on, cleared
    movw $(COM1 + 4), %dx
    movb $0x0b, %al
    outb %al, %dx                   # DTR, RTS, OUT2
    ret

# putc: %al
putc:
    movb %al, %cl
    movw $(COM1 + 5), %dx
1:  inb %dx, %al
    testb $LSR_THRE, %al
    jz 1b
    movw $COM1, %dx
    movb %cl, %al
    outb %al, %dx
    ret

# puts: NUL-terminated string at %rsi
puts:
1:  movb (%rsi), %al
    testb %al, %al
    jz 2f
    call putc
    incq %rsi
    jmp 1b
2:  ret

# put_dec: %eax (0-99)
put_dec:
    xorl %edx, %edx
    movl $10, %ecx
    divl %ecx
    testl %eax, %eax
    jz 1f
    pushq %rdx
    addb $'0', %al
    call putc
    popq %rdx
1:  movb %dl, %al
    addb $'0', %al
    jmp putc

    .section .rodata
str_banner: .asciz "irqemu timer test (x86_64)\n"
str_tick:   .asciz "tick "
str_done:   .asciz "timer: 10 ticks, done\n"
str_fail:   .asciz "FAIL: unexpected exception\n"

    .data
    .balign 16
gdt:
    .quad 0
    .quad 0x00af9a000000ffff        # 0x08: 64-bit code, DPL 0
    .quad 0x00cf92000000ffff        # 0x10: data, DPL 0
gdt_end:
    .balign 8
    .word 0, 0, 0
gdt_ptr:
    .word gdt_end - gdt - 1
    .quad gdt
    .word 0, 0, 0
idt_ptr:
    .word 256 * 16 - 1
    .quad idt

    .bss
    .balign 16
idt:    .skip 256 * 16
ticks:  .long 0
    .balign 16
stack:  .skip 8192
stack_top:
