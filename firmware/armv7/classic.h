/*
 * Shared by the classic-bug firmware (bug_*.S; fix_*.elf is the same source
 * built with -DFIXED): one IrqSource device the host adds with
 * `--source src0@0x021A0000:68` (INT_STATUS +0x00, INT_ACK +0x04 write 1 to
 * clear, INT_ENABLE +0x08, FIRED +0x0C), in I2C1's free i.MX6Q slot, SPI 36 =
 * GIC ID 68, and the GIC set-up every one of them does.
 */
#ifndef CLASSIC_H
#define CLASSIC_H
#include "board.h"

#define SRC_BASE        0x021A0000
#define SRC_ID          (32 + 36)
#define SRC_INT_STATUS  0x00
#define SRC_INT_ACK     0x04
#define SRC_INT_ENABLE  0x08
#define SRC_FIRED       0x0C

#ifdef __ASSEMBLER__
/* GIC: distributor reset, SRC_ID enabled at priority 0xa0 (group 0 -> IRQ),
 * priority mask 0xf0, CPU interface and distributor on. Clobbers r0-r3, r12. */
    .macro classic_gic_init
    bl gic_dist_reset
    mov r0, #SRC_ID
    mov r1, #0xa0
    bl gic_enable
    ldr r0, =GICC_BASE
    mov r1, #0xf0
    str r1, [r0, #GICC_PMR]
    mov r1, #1
    str r1, [r0, #GICC_CTLR]
    ldr r0, =GICD_BASE
    str r1, [r0, #GICD_CTLR]
    .endm

/* spin \reg down to zero: \reg loop iterations of modelled work */
    .macro busy reg
9001: subs \reg, \reg, #1
    bne 9001b
    .endm
#endif
#endif
