# A multiboot (v1) image for the pc, booted the same way by `irqemu boot mb.elf
# --board pc --smp N --append ARGS` and `qemu-system-x86_64 -M pc -smp N -kernel
# mb.elf -append ARGS -device isa-debug-exit`: entered in 32-bit protected mode
# (EAX = 0x2BADB002, EBX = the multiboot information), it builds identity page
# tables, enters long mode itself, prints its command line and RAM size on COM1,
# starts the APs with INIT/SIPI (each prints its APIC ID, in ID order) and
# leaves through isa-debug-exit (port 0xf4) with 0x10: QEMU exits with 0x21.
#
# The AP trampoline is a polyglot: a real-mode AP (QEMU, the architecture) reads
# "mov ax, 0; jmp real16"; irqemu's pc starts APs in long mode (no real mode),
# where the same bytes read "mov eax, imm32" and fall through to a 64-bit jump.

    .equ MB_MAGIC,      0x1BADB002
    .equ MB_FLAGS,      0x00000003          # page-align modules, memory info
    .equ MB_BOOT_MAGIC, 0x2BADB002
    .equ COM1,          0x3f8
    .equ DEBUG_EXIT,    0xf4
    .equ LAPIC,         0xfee00000
    .equ LAPIC_ID,      0x20
    .equ ICR_LO,        0x300
    .equ PML4,          0x10000             # page tables in conventional memory
    .equ PDPT,          0x11000
    .equ PD,            0x12000             # four PDs: 4 GiB in 2 MiB pages
    .equ TRAMPOLINE,    0x8000              # SIPI vector 0x08
    .equ AP_WAIT,       500000              # spins without a new AP before giving up

    .section .text
    .code32
    .globl _start
    .align 4
mb_header:
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

_start:
    cmpl $MB_BOOT_MAGIC, %eax
    jne bad_magic
    movl %ebx, mbi
    call paging32
    lgdt gdtr
    ljmp $0x18, $long64
bad_magic:
    movb $3, %al
    outb %al, $DEBUG_EXIT
1:  hlt
    jmp 1b

# Identity-map 4 GiB with 2 MiB pages; CR4.PAE, CR3, EFER.LME, CR0.PG.
paging32:
    movl $PDPT + 3, PML4
    movl $0, PML4 + 4
    movl $PDPT, %edi
    movl $PD + 3, %eax
    xorl %ecx, %ecx
1:  movl %eax, (%edi,%ecx,8)
    movl $0, 4(%edi,%ecx,8)
    addl $0x1000, %eax
    addl $1, %ecx
    cmpl $4, %ecx
    jne 1b
    movl $PD, %edi
    movl $0x83, %eax                        # present, writable, 2 MiB
    xorl %ecx, %ecx
1:  movl %eax, (%edi,%ecx,8)
    movl $0, 4(%edi,%ecx,8)
    addl $0x200000, %eax
    addl $1, %ecx
    cmpl $2048, %ecx
    jne 1b
long_mode32:                                # shared with the real-mode AP path
    movl %cr4, %eax
    orl $0x20, %eax
    movl %eax, %cr4
    movl $PML4, %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx
    rdmsr
    orl $0x100, %eax
    wrmsr
    movl %cr0, %eax
    orl $0x80000001, %eax
    movl %eax, %cr0
    ret

    .code64
long64:
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    leaq stack_top(%rip), %rsp
    leaq s_cmdline(%rip), %rdi
    call puts
    movl mbi(%rip), %ebx
    testl $4, (%rbx)                        # MBI_CMDLINE
    jz 1f
    movl 16(%rbx), %edi
    call puts
1:  leaq s_nl(%rip), %rdi
    call puts
    leaq s_mem(%rip), %rdi
    call puts
    movl mbi(%rip), %ebx
    movl 8(%rbx), %edi                      # mem_upper (KiB above 1 MiB), as MiB of
    addl $1024 + 1023, %edi                 # RAM rounded up: QEMU's SeaBIOS keeps the
    shrl $10, %edi                          # top 128 KiB for ACPI, irqemu has none
    call putdec
    leaq s_kib(%rip), %rdi
    call puts
    call start_aps
    leaq s_cpus(%rip), %rdi
    call puts
    movl alive(%rip), %edi
    addl $1, %edi
    call putdec
    leaq s_nl(%rip), %rdi
    call puts
    movl $1, %r12d                          # let each AP print, in APIC ID order
2:  cmpl $64, %r12d
    je 4f
    btl %r12d, started(%rip)
    jnc 3f
    movl %r12d, turn(%rip)
5:  pause
    cmpl %r12d, done(%rip)
    jne 5b
3:  addl $1, %r12d
    jmp 2b
4:  leaq s_bye(%rip), %rdi
    call puts
    movb $0x10, %al
    outb %al, $DEBUG_EXIT
6:  hlt
    jmp 6b

# Copy the trampoline to TRAMPOLINE, INIT + SIPI to all but self; wait until no new
# AP has arrived for AP_WAIT spins.
start_aps:
    leaq trampoline(%rip), %rsi
    movl $TRAMPOLINE, %edi
    movl $(trampoline_end - trampoline), %ecx
    rep movsb
    movl $LAPIC, %ebx
    movl $0x000c4500, ICR_LO(%rbx)          # INIT, all excluding self
    movl $0x000c4600 | (TRAMPOLINE >> 12), ICR_LO(%rbx)   # SIPI
    xorl %edx, %edx                          # APs seen
1:  xorl %ecx, %ecx
2:  pause
    movl alive(%rip), %eax
    cmpl %edx, %eax
    jne 3f
    addl $1, %ecx
    cmpl $AP_WAIT, %ecx
    jne 2b
    ret
3:  movl %eax, %edx
    jmp 1b

# An AP in long mode, paging on (QEMU) or off (irqemu): record itself, wait for its turn.
ap_long:
    lgdt gdtr(%rip)
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl $LAPIC, %eax
    movl LAPIC_ID(%rax), %ebx
    shrl $24, %ebx
    movl %ebx, %eax
    addl $1, %eax
    shll $12, %eax
    leaq ap_stacks(%rip), %rsp
    addq %rax, %rsp
    lock btsl %ebx, started(%rip)
    lock incl alive(%rip)
1:  pause
    cmpl %ebx, turn(%rip)
    jne 1b
    leaq s_ap(%rip), %rdi
    call puts
    movl %ebx, %edi
    call putdec
    leaq s_up(%rip), %rdi
    call puts
    movl %ebx, done(%rip)
2:  cli
    hlt
    jmp 2b

# COM1 as the firmware leaves it: wait for THRE (LSR bit 5), write THR.
putc:
    movw $COM1 + 5, %dx
1:  inb %dx, %al
    testb $0x20, %al
    jz 1b
    movw $COM1, %dx
    movb %dil, %al
    outb %al, %dx
    ret

puts:                                       # rdi: NUL-terminated string
    pushq %rbx
    movq %rdi, %rbx
1:  movzbl (%rbx), %edi
    testl %edi, %edi
    jz 2f
    call putc
    incq %rbx
    jmp 1b
2:  popq %rbx
    ret

putdec:                                     # edi: unsigned, in decimal
    pushq %rbx
    movl %edi, %eax
    leaq numbuf_end(%rip), %rbx
    movb $0, (%rbx)
    movl $10, %ecx
1:  xorl %edx, %edx
    divl %ecx
    addb $'0', %dl
    decq %rbx
    movb %dl, (%rbx)
    testl %eax, %eax
    jnz 1b
    movq %rbx, %rdi
    call puts
    popq %rbx
    ret

# Copied to TRAMPOLINE; entered in real mode (QEMU) or long mode (irqemu).
    .code16
trampoline:
    .byte 0xb8, 0x00, 0x00                  # 16-bit: mov ax, 0 / 64-bit: mov eax, imm32..
    .byte 0xeb, real16 - (. + 1)            # 16-bit: jmp real16 / ..its top two bytes
    .code64
    movl $ap_long, %eax                     # zero-extends: a 64-bit jump target
    jmp *%rax
    .code16
real16:
    cli
    xorw %ax, %ax
    movw %ax, %ds
    lgdtl TRAMPOLINE + (tramp_gdtr - trampoline)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $0x08, $TRAMPOLINE + (prot32 - trampoline)
    .code32
prot32:
    movl $0x10, %eax
    movl %eax, %ds
    movl %eax, %es
    movl %eax, %ss
    movl $long_mode32, %eax                 # the BSP's switch, called by address
    movl $TRAMPOLINE + 0x800, %esp          # a scratch stack in the trampoline page
    call *%eax
    ljmp $0x18, $TRAMPOLINE + (long_tramp - trampoline)
    .code64
long_tramp:
    movl $ap_long, %eax                     # zero-extends: a 64-bit jump target
    jmp *%rax
    .align 4
tramp_gdtr:
    .word gdt_end - gdt - 1
    .long gdt
trampoline_end:

    .section .data
    .align 16
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff                # 0x08: 32-bit code
    .quad 0x00cf92000000ffff                # 0x10: data
    .quad 0x00af9a000000ffff                # 0x18: 64-bit code
gdt_end:
gdtr:
    .word gdt_end - gdt - 1
    .long gdt, 0
mbi:     .long 0
alive:   .long 0
turn:    .long 0
done:    .long 0
started: .quad 0
s_cmdline: .asciz "cmdline: "
s_mem:     .asciz "memory: "
s_kib:     .asciz " MiB\n"
s_cpus:    .asciz "cpus: "
s_ap:      .asciz "AP "
s_up:      .asciz " up\n"
s_bye:     .asciz "bye\n"
s_nl:      .asciz "\n"
numbuf:    .space 16
numbuf_end: .byte 0

    .section .bss
    .align 4096
stack:     .space 4096
stack_top:
ap_stacks: .space 4096 * 64
