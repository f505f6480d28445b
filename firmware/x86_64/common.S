# Shared start-up and helpers for the irqemu x86_64 test firmware (pc board).
#
#  - _start: entered in 64-bit mode (irqemu's "loader" state: flat GDT, IF
#    clear, no IDT, no stack): stack, own GDT (null, code 0x08, data 0x10)
#    and IDT (vectors 0-31: exc_fail, which reports and exits 1; 0xff:
#    spurious, no EOI), COM1 (115200 8N1, OUT2), then `call main`; main's
#    %eax is the exit code written to the debug-exit port.
#  - set_gate(%edi = vector, %rsi = handler): 64-bit interrupt gate, DPL 0
#  - putc(%al), puts(%rsi), put_dec(%eax): polled COM1 output
#    (clobber %rax, %rcx, %rdx, %rsi; nothing else)
#  - exit(%al): debug-exit port, never returns
    .include "pc.inc"

    .equ SPUR_VEC,   0xff

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
    movl $SPUR_VEC, %edi
    leaq spurious_isr(%rip), %rsi
    call set_gate
    lidt idt_ptr(%rip)

    call uart_init
    call main
    .global exit
exit:                               # exit code in %al
    outb %al, $DEBUG_EXIT
    cli
4:  hlt
    jmp 4b

    .text
spurious_isr:                       # no EOI for the spurious vector
    iretq

exc_fail:
    leaq str_fail(%rip), %rsi
    call puts
    movb $1, %al
    jmp exit

# set_gate: IDT[%edi] = 64-bit interrupt gate to %rsi, selector KCODE, DPL 0
    .global set_gate
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
    .global putc
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
    .global puts
puts:
1:  movb (%rsi), %al
    testb %al, %al
    jz 2f
    call putc
    incq %rsi
    jmp 1b
2:  ret

# put_dec: %eax, unsigned decimal
    .global put_dec
put_dec:
    movl $10, %ecx
    xorl %edx, %edx
    divl %ecx
    testl %eax, %eax
    jz 1f
    pushq %rdx
    call put_dec                    # the higher digits first
    popq %rdx
1:  movb %dl, %al
    addb $'0', %al
    jmp putc

    .section .rodata
str_fail:   .asciz "FAIL: unexpected exception\n"

    .data
    .balign 16
    .global gdt_ptr
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
    .balign 16
stack:  .skip 8192
stack_top:
