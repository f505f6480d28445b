/* i.MX6Q board constants shared by the armv7 test firmware (cpp header). */
#ifndef BOARD_H
#define BOARD_H

/* CPSR modes and mask bits */
#define MODE_USR    0x10
#define MODE_FIQ    0x11
#define MODE_IRQ    0x12
#define MODE_SVC    0x13
#define MODE_ABT    0x17
#define MODE_UND    0x1b
#define MODE_SYS    0x1f
#define PSR_T       (1 << 5)
#define PSR_F       (1 << 6)
#define PSR_I       (1 << 7)
#define PSR_A       (1 << 8)

/* SCTLR bits */
#define SCTLR_M     (1 << 0)
#define SCTLR_A     (1 << 1)
#define SCTLR_C     (1 << 2)
#define SCTLR_I     (1 << 12)
#define SCTLR_V     (1 << 13)

/* Cortex-A9 MPCore private region */
#define A9_PERIPH       0x00A00000
#define GICC_BASE       0x00A00100
#define GICC_CTLR       0x00
#define GICC_PMR        0x04
#define GICC_BPR        0x08
#define GICC_IAR        0x0C
#define GICC_EOIR       0x10
#define GICC_RPR        0x14
#define GICC_HPPIR      0x18
#define GICC_IIDR       0xFC
#define PTIMER_BASE     0x00A00600
#define PTIMER_LOAD     0x00
#define PTIMER_COUNTER  0x04
#define PTIMER_CTRL     0x08    /* bit0 enable, bit1 auto-reload, bit2 IRQ enable, 15:8 prescaler */
#define PTIMER_ISR      0x0C    /* bit0 event flag, write 1 to clear */
#define PTIMER_ID       29
#define GICD_BASE       0x00A01000
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
#define GIC_SPURIOUS    1023
#define GIC_NUM_IRQS    160     /* i.MX6Q: 32 private + 128 shared */

/* UART1 (imx UART) */
#define UART1_BASE      0x02020000
#define UART_UTXD       0x40
#define UART_UCR1       0x80
#define UART_UCR2       0x84
#define UART_USR1       0x94
#define UART_USR2       0x98
#define UCR1_UARTEN     (1 << 0)
#define UCR2_SRST       (1 << 0)
#define UCR2_RXEN       (1 << 1)
#define UCR2_TXEN       (1 << 2)
#define UCR2_IRTS       (1 << 14)
#define USR1_TRDY       (1 << 13)
#define USR2_TXDC       (1 << 3)

/* GPT (general purpose timer) */
#define GPT_BASE        0x02098000
#define GPT_CR          0x00
#define GPT_PR          0x04
#define GPT_SR          0x08
#define GPT_IR          0x0C
#define GPT_OCR1        0x10
#define GPT_CNT         0x24
#define GPT_CR_EN       (1 << 0)
#define GPT_CR_ENMOD    (1 << 1)
#define GPT_CR_CLKSRC_IPG (1 << 6)
#define GPT_CR_FRR      (1 << 9)
#define GPT_SR_OF1      (1 << 0)
#define GPT_IR_OF1IE    (1 << 0)
#define GPT_ID          87      /* SPI 55 */

/* ARM semihosting */
#define SEMIHOST_SVC            0x123456
#define SYS_EXIT                0x18
#define ADP_Stopped_ApplicationExit     0x20026
#define ADP_Stopped_RunTimeErrorUnknown 0x20023

#endif
