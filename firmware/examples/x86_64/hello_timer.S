# hello_timer.S -- a complete bare-metal program for irqemu's pc board
# (x86-64 with local APICs and COM1; QEMU's pc runs it too, with
# -device isa-debug-exit).  docs/firmware.md explains every step.  It prints a
# line on COM1, takes three interrupts from the local APIC timer (vector 32)
# and exits through the debug-exit port with status 0.
    .equ COM1,       0x3f8          # THR +0, LCR +3, LSR +5 (THRE: bit 5)
    .equ DEBUG_EXIT, 0xf4           # QEMU's isa-debug-exit port
    .equ LAPIC,      0xfee00000     # EOI +0xb0, SVR +0xf0, LVT timer +0x320,
                                    # initial count +0x380, divide +0x3e0
    .equ TIMER_VEC,  32
    .equ SPUR_VEC,   0xff
    .equ PERIOD,     10000000       # 10 ms of the APIC bus clock (1 GHz: 1 ns a count)
    .equ NTICKS,     3

    .text
    .code64
# The ELF entry: 64-bit mode, the loader's flat GDT (code 0x08, data 0x10),
# RFLAGS.IF clear, no IDT, no stack.
    .global _start
_start:
    leaq stack_top(%rip), %rsp
    movl $TIMER_VEC, %edi           # IDT: the timer's vector and the spurious one
    leaq timer_isr(%rip), %rsi
    call set_gate
    movl $SPUR_VEC, %edi
    leaq spurious_isr(%rip), %rsi
    call set_gate
    lidt idt_ptr(%rip)

    movw $(COM1 + 3), %dx
    movb $0x03, %al
    outb %al, %dx                   # LCR: 8N1 (the BIOS left the divisor set)
    leaq str_hello(%rip), %rsi
    call puts

    movl $LAPIC, %ebx
    movl $(0x100 | SPUR_VEC), 0xf0(%rbx)    # SVR: APIC software enable
    movl $0xb, 0x3e0(%rbx)                  # divide by 1
    movl $(0x20000 | TIMER_VEC), 0x320(%rbx) # LVT timer: periodic, vector 32
    movl $PERIOD, 0x380(%rbx)               # initial count: starts the timer

    xorl %r12d, %r12d               # ticks printed
1:  cli                             # look at ticks with interrupts off...
    cmpl ticks(%rip), %r12d
    jne 2f
    sti                             # ...then sti; hlt: the interrupt cannot slip
    hlt                             # in between (the STI shadow covers the hlt)
    jmp 1b
2:  sti
    incl %r12d
    leaq str_tick(%rip), %rsi
    call puts
    movb %r12b, %al
    addb $'0', %al
    call putc
    movb $'\n', %al
    call putc
    cmpl $NTICKS, %r12d
    jb 1b

    leaq str_done(%rip), %rsi
    call puts
    movb $0, %al
    outb %al, $DEBUG_EXIT           # irqemu: exit status 0 (QEMU: (0 << 1) | 1)
hang:
    cli
    hlt
    jmp hang

# The local APIC timer's interrupt: count, stop at the last tick, EOI.
timer_isr:
    pushq %rax
    pushq %rbx
    movl $LAPIC, %ebx
    movl ticks(%rip), %eax
    incl %eax
    movl %eax, ticks(%rip)
    cmpl $NTICKS, %eax
    jb 1f
    movl $0x10000, 0x320(%rbx)      # the last tick: mask the timer's LVT entry
1:  movl $0, 0xb0(%rbx)             # EOI
    popq %rbx
    popq %rax
    iretq

spurious_isr:                       # the spurious vector takes no EOI
    iretq

# set_gate(%edi = vector, %rsi = handler): a 64-bit interrupt gate, DPL 0.
set_gate:
    movl %edi, %eax
    shll $4, %eax
    leaq idt(%rip), %rdx
    addq %rax, %rdx
    movw %si, (%rdx)                # offset 15:0
    movw $0x08, 2(%rdx)             # the code segment
    movw $0x8e00, 4(%rdx)           # present, DPL 0, type 0xe (interrupt gate)
    shrq $16, %rsi
    movw %si, 6(%rdx)               # offset 31:16
    shrq $16, %rsi
    movl %esi, 8(%rdx)              # offset 63:32
    movl $0, 12(%rdx)
    ret

# putc(%al): wait for LSR.THRE, write THR.  puts(%rsi): a NUL-terminated string.
putc:
    movb %al, %cl
    movw $(COM1 + 5), %dx
1:  inb %dx, %al
    testb $0x20, %al
    jz 1b
    movw $COM1, %dx
    movb %cl, %al
    outb %al, %dx
    ret
puts:
1:  movb (%rsi), %al
    testb %al, %al
    jz 2f
    call putc
    incq %rsi
    jmp 1b
2:  ret

    .section .rodata
str_hello: .asciz "hello from irqemu (x86_64, pc)\n"
str_tick:  .asciz "tick "
str_done:  .asciz "done: 3 timer interrupts\n"
    .balign 8
idt_ptr:
    .word 256 * 16 - 1
    .quad idt

    .data
    .balign 4
ticks: .long 0

    .bss
    .balign 16
idt:
    .space 256 * 16
    .space 8192
stack_top:
