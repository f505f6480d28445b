"""i.MX6 System Reset Controller (SRC): register offsets and SCR bits, as the
i.MX6DQ reference manual (chapter 60) and Linux's arch/arm/mach-imx/src.c name them."""

from __future__ import annotations

SRC_BASE = 0x020D8000
SRC_SCR = 0x000
SRC_SBMR1 = 0x004
SRC_SRSR = 0x008
SRC_SISR = 0x014
SRC_SIMR = 0x018
SRC_SBMR2 = 0x01C
SRC_GPR1 = 0x020  #: GPR1..GPR10; core N's entry is GPR(2N+1) = SRC_GPR1 + 8N

BP_SRC_SCR_CORE1_RST = 14  #: core N reset is bit 13+N (core0: 13)
BP_SRC_SCR_CORE1_ENABLE = 22  #: core N enable is bit 21+N
SCR_SELF_CLEARING = (1 << 3) | (1 << 12) | (0xF << 13)  #: sw_ipu1/2_rst, core0-3_rst
