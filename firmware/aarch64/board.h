/* QEMU virt (hw/arm/virt.c base_memmap) constants for the aarch64 test firmware. */
#ifndef BOARD_H
#define BOARD_H

/* PSTATE / SPSR bits */
#define PSR_F       (1 << 6)
#define PSR_I       (1 << 7)
#define PSR_A       (1 << 8)
#define PSR_D       (1 << 9)
#define PSR_IL      (1 << 20)

/* GICv2 */
#define GICD_BASE       0x08000000
#define GICC_BASE       0x08010000
#define GICD_CTLR       0x000
#define GICD_TYPER      0x004
#define GICD_IIDR       0x008
#define GICD_IGROUPR    0x080
#define GICD_ISENABLER  0x100
#define GICD_ICENABLER  0x180
#define GICD_ISPENDR    0x200
#define GICD_ICPENDR    0x280
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR  0x800
#define GICD_ICFGR      0xC00
#define GICD_SGIR       0xF00
#define GICC_CTLR       0x00
#define GICC_PMR        0x04
#define GICC_BPR        0x08
#define GICC_IAR        0x0C
#define GICC_EOIR       0x10
#define GICC_RPR        0x14
#define GICC_HPPIR      0x18
#define GICC_IIDR       0xFC
#define GIC_SPURIOUS    1023
#define GIC_NUM_IRQS    288     /* virt: 32 private + 256 shared */

/* Generic timer PPIs */
#define VTIMER_ID       27
#define PTIMER_ID       30
#define CNT_CTL_ENABLE  1
#define CNT_CTL_IMASK   2
#define CNT_CTL_ISTATUS 4

/* PL011 UART0 */
#define UART_BASE       0x09000000
#define UART_DR         0x000
#define UART_FR         0x018
#define UART_CR         0x030
#define UART_IMSC       0x038
#define UART_ICR        0x044
#define UART_FR_TXFF    (1 << 5)
#define UART_CR_EN      0x301   /* UARTEN | TXE | RXE */
#define UART_ID         33      /* SPI 1 */

/* ARM semihosting (AArch64: hlt #0xf000, w0 = op, x1 = parameter block) */
#define SEMIHOST_HLT            0xf000
#define SYS_EXIT                0x18
#define ADP_Stopped_ApplicationExit     0x20026
#define ADP_Stopped_RunTimeErrorUnknown 0x20023

#endif
