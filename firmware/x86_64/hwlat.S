# hwlat.elf -- a hardware-latency detector as kernel/trace/trace_hwlat.c (4.9):
# with interrupts disabled, read the TSC back to back for `width` out of
# every `window`; the largest gap between the two reads of one iteration is
# the "inner" latency, the largest gap from one iteration's second read to
# the next iteration's first read the "outer" one.  Any gap over `thresh`
# is something the OS did not do: an SMI (or an NMI, of which there are
# none here).  Each sample over the threshold prints a line as the hwlat
# tracer does:   #1     inner/outer(us):    0/50    ts:0.001050123
# (ts from the TSC, seconds since reset).  Between samples the detector
# sleeps (LAPIC timer one-shot, sti; hlt) for window - width, as the kthread
# msleep()s.  Per-sample results go to `samples` for the emulator to read.
#
# Parameters (`params`, patchable before the run): tsc_khz, width_us,
# window_us, thresh_us, nsamples.
    .include "pc.inc"

    .equ TIMER_VEC,  0x20
    .equ SPUR_VEC,   0xff
    .equ MAX_SAMPLES, 64
    .equ P_TSC_KHZ, 0
    .equ P_WIDTH,   8
    .equ P_WINDOW,  16
    .equ P_THRESH,  24
    .equ P_N,       32
    .equ S_START, 0                 # samples[i]: start, end, inner, outer (TSC cycles)
    .equ S_END,   8
    .equ S_INNER, 16
    .equ S_OUTER, 24
    .equ S_SIZE,  32

    .text
    .code64
    .global main
main:
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    pushq %rbp
    movl $TIMER_VEC, %edi
    leaq timer_isr(%rip), %rsi
    call set_gate
    leaq str_banner(%rip), %rsi
    call puts
    movl $LAPIC, %ebx
    movl $0, LAPIC_TPR(%rbx)
    movl $(SVR_ENABLE | SPUR_VEC), LAPIC_SVR(%rbx)
    movl $0xb, LAPIC_TMR_DCR(%rbx)              # divide by 1: 1 tick = 1 ns
    movl $TIMER_VEC, LAPIC_LVT_TMR(%rbx)        # one-shot

    leaq params(%rip), %rbp
    movq P_WIDTH(%rbp), %rax                    # width and threshold in TSC cycles
    call us_to_cycles
    movq %rax, width_cyc(%rip)
    movq P_THRESH(%rbp), %rax
    call us_to_cycles
    movq %rax, thresh_cyc(%rip)
    movq P_N(%rbp), %rax
    cmpq $MAX_SAMPLES, %rax
    jbe 1f
    movq $MAX_SAMPLES, P_N(%rbp)
1:
    cli
sample_loop:
    movl nsamples_done(%rip), %eax
    cmpq P_N(%rbp), %rax
    jae all_done
    call get_sample
    incl nsamples_done(%rip)
    # sleep window - width: the kthread's msleep
    movq P_WINDOW(%rbp), %rax
    subq P_WIDTH(%rbp), %rax
    jbe sample_loop
    imulq $1000, %rax                           # ns = LAPIC ticks
    movl $0, timer_fired(%rip)
    movl %eax, LAPIC_TMR_ICR(%rbx)
2:  cli
    cmpl $0, timer_fired(%rip)
    jne sample_loop
    sti                                         # the STI shadow covers the hlt
    hlt
    jmp 2b

all_done:
    leaq str_sum1(%rip), %rsi
    call puts
    movl nsamples_done(%rip), %eax
    call put_dec
    leaq str_sum2(%rip), %rsi
    call puts
    movl count(%rip), %eax
    call put_dec
    leaq str_sum3(%rip), %rsi
    call puts
    movq max_seen(%rip), %rax
    call cycles_to_us
    call put_dec
    leaq str_sum4(%rip), %rsi
    call puts
    xorl %eax, %eax
    popq %rbp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    ret

# time_get: %rax = TSC (trace_clock_local's role); clobbers %rdx
    .global time_get
time_get:
    rdtsc
    shlq $32, %rdx
    orq %rdx, %rax
    ret

# get_sample: one sample of `width`, interrupts disabled (they are: cli)
    .global get_sample
get_sample:
    call time_get
    movq %rax, %r12                 # start
    xorl %r13d, %r13d               # inner max
    xorl %r14d, %r14d               # outer max
    xorl %r15d, %r15d               # last_t2
1:  call time_get
    movq %rax, %r8                  # t1
    call time_get                   # %rax = t2
    testq %r15, %r15
    jz 2f
    movq %r8, %rcx                  # outer: t1 - last_t2
    subq %r15, %rcx
    cmpq %r14, %rcx
    jbe 2f
    movq %rcx, %r14
2:  movq %rax, %r15                 # last_t2 = t2
    movq %rax, %rcx                 # inner: t2 - t1
    subq %r8, %rcx
    cmpq %r13, %rcx
    jbe 3f
    movq %rcx, %r13
3:  movq %rax, %rcx                 # total = t2 - start
    subq %r12, %rcx
    cmpq width_cyc(%rip), %rcx
    jbe 1b
    # store the sample
    movl nsamples_done(%rip), %eax
    shll $5, %eax
    leaq samples(%rip), %rcx
    addq %rax, %rcx
    movq %r12, S_START(%rcx)
    movq %r15, S_END(%rcx)
    movq %r13, S_INNER(%rcx)
    movq %r14, S_OUTER(%rcx)
    movq %r13, %rax
    cmpq %r14, %rax
    jae 4f
    movq %r14, %rax
4:  cmpq max_seen(%rip), %rax
    jbe 5f
    movq %rax, max_seen(%rip)
5:  cmpq thresh_cyc(%rip), %rax
    jbe 9f
    # over the threshold: "#seq     inner/outer(us): %4llu/%-5llu ts:%lld.%09ld"
    incl count(%rip)
    movb $'#', %al
    call putc
    movl count(%rip), %eax
    movl $5, %ecx
    call put_dec_left
    leaq str_io(%rip), %rsi
    call puts
    movq %r13, %rax
    call cycles_to_us
    movl $4, %ecx
    call put_dec_right
    movb $'/', %al
    call putc
    movq %r14, %rax
    call cycles_to_us
    movl $5, %ecx
    call put_dec_left
    leaq str_ts(%rip), %rsi
    call puts
    movq %r15, %rax                 # ts: ns since reset
    imulq $1000000, %rax
    xorl %edx, %edx
    divq P_TSC_KHZ(%rbp)
    movq $1000000000, %rcx
    xorl %edx, %edx
    divq %rcx
    pushq %rdx
    call put_dec
    movb $'.', %al
    call putc
    popq %rax
    movl $9, %ecx
    call put_dec_zero
    movb $'\n', %al
    call putc
9:  ret

# us_to_cycles / cycles_to_us: %rax converted with params.tsc_khz; clobber %rdx
us_to_cycles:
    imulq P_TSC_KHZ(%rbp), %rax
    xorl %edx, %edx
    movq $1000, %rcx
    divq %rcx
    ret
cycles_to_us:
    imulq $1000, %rax
    xorl %edx, %edx
    divq P_TSC_KHZ(%rbp)
    ret

# decimal digits of %eax into digits[] (reversed); %ecx = count (at least 1)
to_digits:
    leaq digits(%rip), %rsi
    xorl %edi, %edi
1:  xorl %edx, %edx
    movl $10, %r9d
    divl %r9d
    addb $'0', %dl
    movb %dl, (%rsi, %rdi)
    incl %edi
    testl %eax, %eax
    jnz 1b
    ret
# print digits[edi-1..0]
put_digits:
    leaq digits(%rip), %rsi
1:  decl %edi
    js 2f
    movb (%rsi, %rdi), %al
    pushq %rsi
    pushq %rdi
    call putc
    popq %rdi
    popq %rsi
    jmp 1b
2:  ret
# put_pad: %r10d spaces/zeros (char in %r11b)
put_pad:
1:  testl %r10d, %r10d
    jle 2f
    movb %r11b, %al
    call putc
    decl %r10d
    jmp 1b
2:  ret
# put_dec_left(%eax, width %ecx): left-aligned, space padded (%-Nu)
put_dec_left:
    movl %ecx, %r10d
    call to_digits
    subl %edi, %r10d
    call put_digits
    movb $' ', %r11b
    jmp put_pad
# put_dec_right(%eax, width %ecx): right-aligned (%Nu)
put_dec_right:
    movl %ecx, %r10d
    call to_digits
    subl %edi, %r10d
    movb $' ', %r11b
    pushq %rdi
    call put_pad
    popq %rdi
    jmp put_digits
# put_dec_zero(%eax, width %ecx): zero padded (%0Nu)
put_dec_zero:
    movl %ecx, %r10d
    call to_digits
    subl %edi, %r10d
    movb $'0', %r11b
    pushq %rdi
    call put_pad
    popq %rdi
    jmp put_digits

timer_isr:
    pushq %rbx
    movl $1, timer_fired(%rip)
    incl timer_irqs(%rip)
    movl $LAPIC, %ebx
    movl $0, LAPIC_EOI(%rbx)
    popq %rbx
    iretq

    .section .rodata
str_banner: .asciz "irqemu hwlat detector (x86_64): TSC read back to back with interrupts off\n"
str_io:     .asciz " inner/outer(us): "
str_ts:     .asciz " ts:"
str_sum1:   .asciz "hwlat: "
str_sum2:   .asciz " samples, "
str_sum3:   .asciz " over threshold, max latency "
str_sum4:   .asciz " us\n"

    .data
    .balign 8
    .global params
params:
    .quad 4000000                   # tsc_khz (Skylake model: 4 GHz)
    .quad 500                       # width_us
    .quad 1500                      # window_us
    .quad 10                        # thresh_us (tracing_thresh default)
    .quad 6                         # nsamples

    .bss
    .balign 8
    .global samples, nsamples_done, timer_irqs
samples:       .skip MAX_SAMPLES * S_SIZE
width_cyc:     .quad 0
thresh_cyc:    .quad 0
max_seen:      .quad 0
nsamples_done: .long 0
count:         .long 0
timer_fired:   .long 0
timer_irqs:    .long 0
digits:        .skip 24
