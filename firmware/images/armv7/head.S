/*
 * A 32-bit ARM zImage-style image (the header of Linux's
 * arch/arm/boot/compressed/head.S: magic 0x016f2818 at 0x24, then start and
 * end) booted as QEMU's -kernel boots one: r0 = 0, r1 = machine number
 * (0xffffffff for a device-tree boot), r2 = the DTB (or ATAGs).  Linked at
 * the address QEMU loads it to (RAM base + 0x10000).  Sets up a stack after its
 * own end, calls image_main(r0, r1, r2) and stops with semihosting SYS_EXIT.
 */
    .syntax unified
    .arm

    .section .text.head, "ax"
    .global _head
_head:
    .rept 8
    mov r0, r0                  /* Linux's zImage starts with 8 no-ops */
    .endr
    b start
    .word 0x016f2818            /* zImage magic */
    .word 0                     /* start address (0: position independent) */
    .word _edata - _head        /* end address: the image's size */

start:
    cpsid aif
    adr sp, _head               /* PC-relative: no relocation as an ET_DYN */
    ldr r4, stack_offset
    add sp, sp, r4
    bl image_main
    cmp r0, #0
    ldreq r1, =0x20026          /* ADP_Stopped_ApplicationExit */
    ldrne r1, =0x20023          /* ADP_Stopped_RunTimeErrorUnknown */
    mov r0, #0x18               /* SYS_EXIT */
    svc 0x123456                /* ARM-state semihosting call */
1:  wfi
    b 1b
stack_offset:
    .word __stack_top - _head
    .ltorg
