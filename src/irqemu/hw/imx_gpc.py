"""i.MX6 General Power Controller (GPC): register offsets and bits, as the i.MX6DQ
reference manual (chapter 20) and Linux's arch/arm/mach-imx/gpc.c name them."""

from __future__ import annotations

GPC_BASE = 0x020DC000
GPC_CNTR = 0x000
GPC_PGR = 0x004
GPC_IMR1 = 0x008  #: IMR1..IMR4, one bit per GPC line (SPI n)
GPC_ISR1 = 0x018  #: ISR1..ISR4
PGC_GPU_CTRL = 0x260
PGC_GPU_PUPSCR = 0x264
PGC_GPU_PDNSCR = 0x268
PGC_GPU_SR = 0x26C
PGC_CPU_CTRL = 0x2A0
PGC_CPU_PUPSCR = 0x2A4
PGC_CPU_PDNSCR = 0x2A8
PGC_CPU_SR = 0x2AC

IMR_NUM = 4
GPC_MAX_IRQS = IMR_NUM * 32
CNTR_GPU_VPU_PDN_REQ, CNTR_GPU_VPU_PUP_REQ = 1 << 0, 1 << 1
