"""Each shipped cost model's TOML text and what tomllib parses it to.

Made by irqemu.timing.costmodel.shipped_models_source(); do not edit.
load_cost_model uses a parse only while the shipped file's text is this text.
"""
# ruff: noqa: E501

from typing import Any

MODELS: dict[str, tuple[str, dict[str, Any]]] = {}

MODELS['cortex-a53'] = (
    '# Modelled cycle costs for the ARM Cortex-A53 (ARMv8.0-A, in-order, dual-issue, no LSE).\n'
    '# Every entry names its source; "EST" marks an estimate derived from other\n'
    '# figures, not a measurement. Costs are per instruction, added per block.\n'
    'core = "cortex-a53"\n'
    'arch = "aarch64"\n'
    'hz = 1_200_000_000\n'
    'hz_source = "Raspberry Pi 3 Model B: BCM2837, quad Cortex-A53 at 1.2 GHz (raspberrypi.com product brief)"\n'
    '\n'
    '[classes.alu]\n'
    'cycles = 1\n'
    'source = "Cortex-A53 TRM (DDI0500) ch. 1: in-order dual-issue pipeline; EST 1 cycle per data-processing instruction (dual issue not modelled)"\n'
    '\n'
    '[classes.nop]\n'
    'cycles = 1\n'
    'source = "EST: NOP occupies an issue slot like a data-processing instruction"\n'
    '\n'
    '[classes.multiply]\n'
    'cycles = 3\n'
    'source = "EST: Cortex-A53 integer MUL/MADD latency of order 3-4 cycles (LLVM AArch64SchedA53.td, a compiler model, not a measurement)"\n'
    '\n'
    '[classes.divide]\n'
    'cycles = 12\n'
    'source = "EST: Cortex-A53 SDIV/UDIV are iterative, of order 4-20 cycles depending on operands (LLVM AArch64SchedA53.td)"\n'
    '\n'
    '[classes.load]\n'
    'cycles = 1\n'
    'source = "EST: single load/pair load issues in 1 cycle, L1 hit latency (3c, LLVM AArch64SchedA53.td) hidden"\n'
    '\n'
    '[classes.store]\n'
    'cycles = 1\n'
    'source = "EST: single store/pair store issues in 1 cycle (store buffer)"\n'
    '\n'
    '[classes.branch]\n'
    'cycles = 1\n'
    'source = "EST: predicted branch, 1 issue cycle; mispredicts not modelled"\n'
    '\n'
    '[classes.mask]\n'
    'cycles = 10\n'
    'source = "TIMING.md: msr daifset/daifclr/mrs daif on Cortex-A53 - no published figure; EST: serialising, pipeline drain of order 10c (Neoverse N1\'s 1c in LLVM is a compiler placeholder)"\n'
    '\n'
    '[classes.load_exclusive]\n'
    'cycles = 2\n'
    'source = "TIMING.md: exclusive load result latency 2c (Cortex-R4 TRM); EST for LDXR/LDAXR on Cortex-A53"\n'
    '\n'
    '[classes.store_exclusive]\n'
    'cycles = 3\n'
    'source = "TIMING.md: exclusive store 3c (ARM1176 TRM); EST for STXR/STLXR on Cortex-A53"\n'
    '\n'
    '[classes.atomic]\n'
    'cycles = 10\n'
    'source = "EST: Cortex-A53 (ARMv8.0) has no LSE atomics (they are UNDEFINED); priced as an LDXR/op/STXR/CBNZ loop (2+1+3+1c) plus a barrier-like drain, only so mixed code can be costed"\n'
    '\n'
    '[classes.barrier]\n'
    'cycles = 10\n'
    'source = "EST: DMB/DSB/ISB drain the pipeline; TIMING.md lists them as variable (Cortex-R4 TRM)"\n'
    '\n'
    '[classes.coprocessor]\n'
    'cycles = 5\n'
    'source = "EST: MRS/MSR of system registers other than DAIF are serialising system-register accesses"\n'
    '\n'
    '[classes.exception]\n'
    'cycles = 10\n'
    'source = "EST: SVC/HVC/BRK/HLT flush the pipeline like an exception entry"\n'
    '\n'
    '[classes.exception_return]\n'
    'cycles = 10\n'
    'source = "EST: ERET restores PSTATE and refills the 8-stage pipeline (order of a mispredict, ~8-10c)"\n'
    '\n'
    '[classes.hint]\n'
    'cycles = 1\n'
    'source = "EST: WFI/WFE issue cost only; the wait itself is simulated time"\n'
    '\n'
    '[events.exception_entry]\n'
    'cycles = 30\n'
    'source = "EST: taken from the Cortex-A9 bare-metal figure in TIMING.md (best case under 100 cycles to the first ISR instruction, jblopen.com); 30c for the entry itself, no A53 figure published"\n'
    '\n'
    '[events.mmio_access]\n'
    'cycles = 20\n'
    'source = "EST: uncached Device-nGnRE access over the interconnect, tens of core cycles (TIMING.md: random-memory ISR latency min 154c on Cortex-A9)"\n'
    ,
    {'core': 'cortex-a53',
     'arch': 'aarch64',
     'hz': 1200000000,
     'hz_source': 'Raspberry Pi 3 Model B: BCM2837, quad Cortex-A53 at 1.2 GHz (raspberrypi.com '
                  'product brief)',
     'classes': {'alu': {'cycles': 1,
                         'source': 'Cortex-A53 TRM (DDI0500) ch. 1: in-order dual-issue pipeline; '
                                   'EST 1 cycle per data-processing instruction (dual issue not '
                                   'modelled)'},
                 'nop': {'cycles': 1,
                         'source': 'EST: NOP occupies an issue slot like a data-processing '
                                   'instruction'},
                 'multiply': {'cycles': 3,
                              'source': 'EST: Cortex-A53 integer MUL/MADD latency of order 3-4 '
                                        'cycles (LLVM AArch64SchedA53.td, a compiler model, not a '
                                        'measurement)'},
                 'divide': {'cycles': 12,
                            'source': 'EST: Cortex-A53 SDIV/UDIV are iterative, of order 4-20 '
                                      'cycles depending on operands (LLVM AArch64SchedA53.td)'},
                 'load': {'cycles': 1,
                          'source': 'EST: single load/pair load issues in 1 cycle, L1 hit latency '
                                    '(3c, LLVM AArch64SchedA53.td) hidden'},
                 'store': {'cycles': 1,
                           'source': 'EST: single store/pair store issues in 1 cycle (store '
                                     'buffer)'},
                 'branch': {'cycles': 1,
                            'source': 'EST: predicted branch, 1 issue cycle; mispredicts not '
                                      'modelled'},
                 'mask': {'cycles': 10,
                          'source': 'TIMING.md: msr daifset/daifclr/mrs daif on Cortex-A53 - no '
                                    'published figure; EST: serialising, pipeline drain of order '
                                    "10c (Neoverse N1's 1c in LLVM is a compiler placeholder)"},
                 'load_exclusive': {'cycles': 2,
                                    'source': 'TIMING.md: exclusive load result latency 2c '
                                              '(Cortex-R4 TRM); EST for LDXR/LDAXR on Cortex-A53'},
                 'store_exclusive': {'cycles': 3,
                                     'source': 'TIMING.md: exclusive store 3c (ARM1176 TRM); EST '
                                               'for STXR/STLXR on Cortex-A53'},
                 'atomic': {'cycles': 10,
                            'source': 'EST: Cortex-A53 (ARMv8.0) has no LSE atomics (they are '
                                      'UNDEFINED); priced as an LDXR/op/STXR/CBNZ loop (2+1+3+1c) '
                                      'plus a barrier-like drain, only so mixed code can be '
                                      'costed'},
                 'barrier': {'cycles': 10,
                             'source': 'EST: DMB/DSB/ISB drain the pipeline; TIMING.md lists them '
                                       'as variable (Cortex-R4 TRM)'},
                 'coprocessor': {'cycles': 5,
                                 'source': 'EST: MRS/MSR of system registers other than DAIF are '
                                           'serialising system-register accesses'},
                 'exception': {'cycles': 10,
                               'source': 'EST: SVC/HVC/BRK/HLT flush the pipeline like an '
                                         'exception entry'},
                 'exception_return': {'cycles': 10,
                                      'source': 'EST: ERET restores PSTATE and refills the 8-stage '
                                                'pipeline (order of a mispredict, ~8-10c)'},
                 'hint': {'cycles': 1,
                          'source': 'EST: WFI/WFE issue cost only; the wait itself is simulated '
                                    'time'}},
     'events': {'exception_entry': {'cycles': 30,
                                    'source': 'EST: taken from the Cortex-A9 bare-metal figure in '
                                              'TIMING.md (best case under 100 cycles to the first '
                                              'ISR instruction, jblopen.com); 30c for the entry '
                                              'itself, no A53 figure published'},
                'mmio_access': {'cycles': 20,
                                'source': 'EST: uncached Device-nGnRE access over the '
                                          'interconnect, tens of core cycles (TIMING.md: '
                                          'random-memory ISR latency min 154c on Cortex-A9)'}}}
)

MODELS['cortex-a55'] = (
    '# Modelled cycle costs for the ARM Cortex-A55 (ARMv8.2-A, in-order, with LSE atomics).\n'
    '# Every entry names its source; "EST" marks an estimate derived from other\n'
    '# figures, not a measurement. Costs are per instruction, added per block.\n'
    'core = "cortex-a55"\n'
    'arch = "aarch64"\n'
    'hz = 2_000_000_000\n'
    'hz_source = "Rockchip RK3568: quad Cortex-A55 up to 2.0 GHz (Rockchip RK3568 datasheet)"\n'
    '\n'
    '[classes.alu]\n'
    'cycles = 1\n'
    'source = "Cortex-A55 TRM (DDI0516): in-order dual-issue pipeline; EST 1 cycle per data-processing instruction (dual issue not modelled)"\n'
    '\n'
    '[classes.nop]\n'
    'cycles = 1\n'
    'source = "EST: NOP occupies an issue slot like a data-processing instruction"\n'
    '\n'
    '[classes.multiply]\n'
    'cycles = 3\n'
    'source = "EST: Cortex-A55 integer MUL/MADD latency of order 3-4 cycles (LLVM AArch64SchedA55.td, a compiler model, not a measurement)"\n'
    '\n'
    '[classes.divide]\n'
    'cycles = 12\n'
    'source = "EST: Cortex-A55 SDIV/UDIV are iterative, of order 4-20 cycles depending on operands (LLVM AArch64SchedA55.td)"\n'
    '\n'
    '[classes.load]\n'
    'cycles = 1\n'
    'source = "EST: single load/pair load issues in 1 cycle, L1 hit latency (LLVM AArch64SchedA55.td) hidden"\n'
    '\n'
    '[classes.store]\n'
    'cycles = 1\n'
    'source = "EST: single store/pair store issues in 1 cycle (store buffer)"\n'
    '\n'
    '[classes.branch]\n'
    'cycles = 1\n'
    'source = "EST: predicted branch, 1 issue cycle; mispredicts not modelled"\n'
    '\n'
    '[classes.mask]\n'
    'cycles = 10\n'
    'source = "TIMING.md: msr daifset/daifclr/mrs daif on Cortex-A55 - no published figure; EST: serialising, pipeline drain of order 10c (Neoverse N1\'s 1c in LLVM is a compiler placeholder)"\n'
    '\n'
    '[classes.load_exclusive]\n'
    'cycles = 2\n'
    'source = "TIMING.md: exclusive load result latency 2c (Cortex-R4 TRM); EST for LDXR/LDAXR on Cortex-A55"\n'
    '\n'
    '[classes.store_exclusive]\n'
    'cycles = 3\n'
    'source = "TIMING.md: exclusive store 3c (ARM1176 TRM); EST for STXR/STLXR on Cortex-A55"\n'
    '\n'
    '[classes.atomic]\n'
    'cycles = 8\n'
    'source = "EST: LSE LDADD/CAS/SWP on a small in-order core; TIMING.md: CAS about 14c on Cortex-A78 (llvm-project PR 211195) and LSE vs LL/SC is core-dependent (per-CPU add 6.4-6.6 ns LL/SC vs 45.8-67.7 ns LSE on Cortex-A520 hot data); 8c assumes an uncontended L1 hit near the LL/SC loop (2+1+3+1c)"\n'
    '\n'
    '[classes.barrier]\n'
    'cycles = 10\n'
    'source = "EST: DMB/DSB/ISB drain the pipeline; TIMING.md lists them as variable (Cortex-R4 TRM)"\n'
    '\n'
    '[classes.coprocessor]\n'
    'cycles = 5\n'
    'source = "EST: MRS/MSR of system registers other than DAIF are serialising system-register accesses"\n'
    '\n'
    '[classes.exception]\n'
    'cycles = 10\n'
    'source = "EST: SVC/HVC/BRK/HLT flush the pipeline like an exception entry"\n'
    '\n'
    '[classes.exception_return]\n'
    'cycles = 10\n'
    'source = "EST: ERET restores PSTATE and refills the pipeline (order of a mispredict, ~8-10c)"\n'
    '\n'
    '[classes.hint]\n'
    'cycles = 1\n'
    'source = "EST: WFI/WFE issue cost only; the wait itself is simulated time"\n'
    '\n'
    '[events.exception_entry]\n'
    'cycles = 30\n'
    'source = "EST: taken from the Cortex-A9 bare-metal figure in TIMING.md (best case under 100 cycles to the first ISR instruction, jblopen.com); 30c for the entry itself, no A55 figure published"\n'
    '\n'
    '[events.mmio_access]\n'
    'cycles = 20\n'
    'source = "EST: uncached Device-nGnRE access over the interconnect, tens of core cycles (TIMING.md: random-memory ISR latency min 154c on Cortex-A9)"\n'
    ,
    {'core': 'cortex-a55',
     'arch': 'aarch64',
     'hz': 2000000000,
     'hz_source': 'Rockchip RK3568: quad Cortex-A55 up to 2.0 GHz (Rockchip RK3568 datasheet)',
     'classes': {'alu': {'cycles': 1,
                         'source': 'Cortex-A55 TRM (DDI0516): in-order dual-issue pipeline; EST 1 '
                                   'cycle per data-processing instruction (dual issue not '
                                   'modelled)'},
                 'nop': {'cycles': 1,
                         'source': 'EST: NOP occupies an issue slot like a data-processing '
                                   'instruction'},
                 'multiply': {'cycles': 3,
                              'source': 'EST: Cortex-A55 integer MUL/MADD latency of order 3-4 '
                                        'cycles (LLVM AArch64SchedA55.td, a compiler model, not a '
                                        'measurement)'},
                 'divide': {'cycles': 12,
                            'source': 'EST: Cortex-A55 SDIV/UDIV are iterative, of order 4-20 '
                                      'cycles depending on operands (LLVM AArch64SchedA55.td)'},
                 'load': {'cycles': 1,
                          'source': 'EST: single load/pair load issues in 1 cycle, L1 hit latency '
                                    '(LLVM AArch64SchedA55.td) hidden'},
                 'store': {'cycles': 1,
                           'source': 'EST: single store/pair store issues in 1 cycle (store '
                                     'buffer)'},
                 'branch': {'cycles': 1,
                            'source': 'EST: predicted branch, 1 issue cycle; mispredicts not '
                                      'modelled'},
                 'mask': {'cycles': 10,
                          'source': 'TIMING.md: msr daifset/daifclr/mrs daif on Cortex-A55 - no '
                                    'published figure; EST: serialising, pipeline drain of order '
                                    "10c (Neoverse N1's 1c in LLVM is a compiler placeholder)"},
                 'load_exclusive': {'cycles': 2,
                                    'source': 'TIMING.md: exclusive load result latency 2c '
                                              '(Cortex-R4 TRM); EST for LDXR/LDAXR on Cortex-A55'},
                 'store_exclusive': {'cycles': 3,
                                     'source': 'TIMING.md: exclusive store 3c (ARM1176 TRM); EST '
                                               'for STXR/STLXR on Cortex-A55'},
                 'atomic': {'cycles': 8,
                            'source': 'EST: LSE LDADD/CAS/SWP on a small in-order core; TIMING.md: '
                                      'CAS about 14c on Cortex-A78 (llvm-project PR 211195) and '
                                      'LSE vs LL/SC is core-dependent (per-CPU add 6.4-6.6 ns '
                                      'LL/SC vs 45.8-67.7 ns LSE on Cortex-A520 hot data); 8c '
                                      'assumes an uncontended L1 hit near the LL/SC loop '
                                      '(2+1+3+1c)'},
                 'barrier': {'cycles': 10,
                             'source': 'EST: DMB/DSB/ISB drain the pipeline; TIMING.md lists them '
                                       'as variable (Cortex-R4 TRM)'},
                 'coprocessor': {'cycles': 5,
                                 'source': 'EST: MRS/MSR of system registers other than DAIF are '
                                           'serialising system-register accesses'},
                 'exception': {'cycles': 10,
                               'source': 'EST: SVC/HVC/BRK/HLT flush the pipeline like an '
                                         'exception entry'},
                 'exception_return': {'cycles': 10,
                                      'source': 'EST: ERET restores PSTATE and refills the '
                                                'pipeline (order of a mispredict, ~8-10c)'},
                 'hint': {'cycles': 1,
                          'source': 'EST: WFI/WFE issue cost only; the wait itself is simulated '
                                    'time'}},
     'events': {'exception_entry': {'cycles': 30,
                                    'source': 'EST: taken from the Cortex-A9 bare-metal figure in '
                                              'TIMING.md (best case under 100 cycles to the first '
                                              'ISR instruction, jblopen.com); 30c for the entry '
                                              'itself, no A55 figure published'},
                'mmio_access': {'cycles': 20,
                                'source': 'EST: uncached Device-nGnRE access over the '
                                          'interconnect, tens of core cycles (TIMING.md: '
                                          'random-memory ISR latency min 154c on Cortex-A9)'}}}
)

MODELS['cortex-a9'] = (
    '# Modelled cycle costs for the ARM Cortex-A9 (ARMv7-A, dual-issue out-of-order).\n'
    '# Every entry names its source; "EST" marks an estimate derived from other\n'
    '# figures, not a measurement. Costs are per instruction, added per block.\n'
    'core = "cortex-a9"\n'
    'arch = "armv7"\n'
    'hz = 792_000_000\n'
    'hz_source = "i.MX6Q 792 MHz operating point (Linux arch/arm/boot/dts/imx6q.dtsi operating-points)"\n'
    '\n'
    '[classes.alu]\n'
    'cycles = 1\n'
    'source = "Cortex-A9 TRM r4p1 (DDI0388) ch. 3: most data-processing instructions issue in 1 cycle"\n'
    '\n'
    '[classes.nop]\n'
    'cycles = 1\n'
    'source = "Cortex-A9 TRM: NOP issues like a data-processing instruction (1 cycle)"\n'
    '\n'
    '[classes.multiply]\n'
    'cycles = 2\n'
    'source = "Cortex-A9 TRM, MUL/MLA issue cycles 2 (EST: latency hidden behind issue)"\n'
    '\n'
    '[classes.divide]\n'
    'cycles = 20\n'
    'source = "EST: Cortex-A9 has no hardware divider; a libgcc __aeabi_uidiv call costs tens of cycles"\n'
    '\n'
    '[classes.load]\n'
    'cycles = 1\n'
    'source = "Cortex-A9 TRM: single load issues in 1 cycle, L1 hit latency hidden (EST)"\n'
    '\n'
    '[classes.store]\n'
    'cycles = 1\n'
    'source = "Cortex-A9 TRM: single store issues in 1 cycle (EST)"\n'
    '\n'
    '[classes.load_multiple]\n'
    'cycles = 4\n'
    'source = "EST: LDM of about 4-8 registers at 2 registers per cycle (Cortex-A9 TRM ch. 3)"\n'
    '\n'
    '[classes.store_multiple]\n'
    'cycles = 4\n'
    'source = "EST: STM of about 4-8 registers at 2 registers per cycle (Cortex-A9 TRM ch. 3)"\n'
    '\n'
    '[classes.branch]\n'
    'cycles = 1\n'
    'source = "Cortex-A9 TRM: predicted branch folds into 1 cycle (EST, mispredicts not modelled)"\n'
    '\n'
    '[classes.mask]\n'
    'cycles = 10\n'
    'source = "TIMING.md: cpsid/cpsie/mrs/msr on Cortex-A9 - no published figure; EST: serialising, pipeline drain of order 10c"\n'
    '\n'
    '[classes.load_exclusive]\n'
    'cycles = 2\n'
    'source = "TIMING.md: ldrex result latency 2c (Cortex-R4 TRM), EST for Cortex-A9"\n'
    '\n'
    '[classes.store_exclusive]\n'
    'cycles = 3\n'
    'source = "TIMING.md: strex result latency 3c (ARM1176 TRM), EST for Cortex-A9"\n'
    '\n'
    '[classes.barrier]\n'
    'cycles = 10\n'
    'source = "EST: DMB/DSB/ISB drain the pipeline; TIMING.md lists them as variable (Cortex-R4 TRM)"\n'
    '\n'
    '[classes.coprocessor]\n'
    'cycles = 5\n'
    'source = "EST: CP15 MCR/MRC are serialising system-register accesses (Cortex-A9 TRM ch. 4)"\n'
    '\n'
    '[classes.exception]\n'
    'cycles = 10\n'
    'source = "EST: SVC/BKPT/UDF flush the pipeline like an exception entry"\n'
    '\n'
    '[classes.exception_return]\n'
    'cycles = 10\n'
    'source = "EST: SUBS PC, LR / RFE restore CPSR and refill the pipeline (order of a mispredict, ~8-13c)"\n'
    '\n'
    '[classes.hint]\n'
    'cycles = 1\n'
    'source = "EST: WFI/WFE issue cost only; the wait itself is simulated time"\n'
    '\n'
    '[events.exception_entry]\n'
    'cycles = 30\n'
    'source = "TIMING.md: Cortex-A9 bare metal best case under 100 cycles to the first ISR instruction (jblopen.com); EST 30c for the entry itself, the rest is the vector code"\n'
    '\n'
    '[events.mmio_access]\n'
    'cycles = 20\n'
    'source = "EST: uncached strongly-ordered access to the A9 private peripheral bus / AIPS, tens of core cycles (TIMING.md: random-memory ISR latency min 154c)"\n'
    ,
    {'core': 'cortex-a9',
     'arch': 'armv7',
     'hz': 792000000,
     'hz_source': 'i.MX6Q 792 MHz operating point (Linux arch/arm/boot/dts/imx6q.dtsi '
                  'operating-points)',
     'classes': {'alu': {'cycles': 1,
                         'source': 'Cortex-A9 TRM r4p1 (DDI0388) ch. 3: most data-processing '
                                   'instructions issue in 1 cycle'},
                 'nop': {'cycles': 1,
                         'source': 'Cortex-A9 TRM: NOP issues like a data-processing instruction '
                                   '(1 cycle)'},
                 'multiply': {'cycles': 2,
                              'source': 'Cortex-A9 TRM, MUL/MLA issue cycles 2 (EST: latency '
                                        'hidden behind issue)'},
                 'divide': {'cycles': 20,
                            'source': 'EST: Cortex-A9 has no hardware divider; a libgcc '
                                      '__aeabi_uidiv call costs tens of cycles'},
                 'load': {'cycles': 1,
                          'source': 'Cortex-A9 TRM: single load issues in 1 cycle, L1 hit latency '
                                    'hidden (EST)'},
                 'store': {'cycles': 1,
                           'source': 'Cortex-A9 TRM: single store issues in 1 cycle (EST)'},
                 'load_multiple': {'cycles': 4,
                                   'source': 'EST: LDM of about 4-8 registers at 2 registers per '
                                             'cycle (Cortex-A9 TRM ch. 3)'},
                 'store_multiple': {'cycles': 4,
                                    'source': 'EST: STM of about 4-8 registers at 2 registers per '
                                              'cycle (Cortex-A9 TRM ch. 3)'},
                 'branch': {'cycles': 1,
                            'source': 'Cortex-A9 TRM: predicted branch folds into 1 cycle (EST, '
                                      'mispredicts not modelled)'},
                 'mask': {'cycles': 10,
                          'source': 'TIMING.md: cpsid/cpsie/mrs/msr on Cortex-A9 - no published '
                                    'figure; EST: serialising, pipeline drain of order 10c'},
                 'load_exclusive': {'cycles': 2,
                                    'source': 'TIMING.md: ldrex result latency 2c (Cortex-R4 TRM), '
                                              'EST for Cortex-A9'},
                 'store_exclusive': {'cycles': 3,
                                     'source': 'TIMING.md: strex result latency 3c (ARM1176 TRM), '
                                               'EST for Cortex-A9'},
                 'barrier': {'cycles': 10,
                             'source': 'EST: DMB/DSB/ISB drain the pipeline; TIMING.md lists them '
                                       'as variable (Cortex-R4 TRM)'},
                 'coprocessor': {'cycles': 5,
                                 'source': 'EST: CP15 MCR/MRC are serialising system-register '
                                           'accesses (Cortex-A9 TRM ch. 4)'},
                 'exception': {'cycles': 10,
                               'source': 'EST: SVC/BKPT/UDF flush the pipeline like an exception '
                                         'entry'},
                 'exception_return': {'cycles': 10,
                                      'source': 'EST: SUBS PC, LR / RFE restore CPSR and refill '
                                                'the pipeline (order of a mispredict, ~8-13c)'},
                 'hint': {'cycles': 1,
                          'source': 'EST: WFI/WFE issue cost only; the wait itself is simulated '
                                    'time'}},
     'events': {'exception_entry': {'cycles': 30,
                                    'source': 'TIMING.md: Cortex-A9 bare metal best case under 100 '
                                              'cycles to the first ISR instruction (jblopen.com); '
                                              'EST 30c for the entry itself, the rest is the '
                                              'vector code'},
                'mmio_access': {'cycles': 20,
                                'source': 'EST: uncached strongly-ordered access to the A9 private '
                                          'peripheral bus / AIPS, tens of core cycles (TIMING.md: '
                                          'random-memory ISR latency min 154c)'}}}
)

MODELS['skylake'] = (
    '# Modelled cycle costs for an Intel Skylake client core (x86-64, out-of-order).\n'
    '# Every entry names its source; "EST" marks an estimate derived from other\n'
    '# figures, not a measurement. Costs are per instruction, added per block;\n'
    '# throughput-bound figures are used for simple instructions (a 4-wide core\n'
    '# overlaps them), latency for serialising and locked ones.\n'
    'core = "skylake"\n'
    'arch = "x86_64"\n'
    'hz = 4_000_000_000\n'
    'hz_source = "Intel Core i7-6700K (CPUID 0x506E3, the part InstLatx64\'s Skylake tables measure) base frequency 4.0 GHz (Intel ARK)"\n'
    '\n'
    '[classes.alu]\n'
    'cycles = 1\n'
    'source = "Agner Fog, instruction tables (Skylake): simple integer ops reciprocal throughput 0.25-0.5c; EST 1c per instruction for a block"\n'
    '\n'
    '[classes.nop]\n'
    'cycles = 1\n'
    'source = "Agner Fog, instruction tables (Skylake): NOP throughput 0.25c; EST 1c like alu"\n'
    '\n'
    '[classes.multiply]\n'
    'cycles = 3\n'
    'source = "Agner Fog, instruction tables (Skylake): IMUL r64,r64 latency 3c"\n'
    '\n'
    '[classes.divide]\n'
    'cycles = 26\n'
    'source = "Agner Fog, instruction tables (Skylake): DIV r32 latency about 26c"\n'
    '\n'
    '[classes.load]\n'
    'cycles = 1\n'
    'source = "EST: L1 hit load, 2 loads per cycle, latency 4-5c mostly hidden by out-of-order execution (Intel optimization manual, Skylake)"\n'
    '\n'
    '[classes.store]\n'
    'cycles = 1\n'
    'source = "EST: one store per cycle on Skylake (Intel optimization manual)"\n'
    '\n'
    '[classes.branch]\n'
    'cycles = 1\n'
    'source = "EST: predicted taken branch, 1-2 per cycle (Agner Fog microarchitecture guide, Skylake); mispredicts not modelled"\n'
    '\n'
    '[classes.mask]\n'
    'cycles = 20\n'
    'source = "TIMING.md: cli/sti on Skylake have no published figure (privileged); EST 20c, of the order of popf (24.1c pushf+popf pair, InstLatx64) since both write RFLAGS.IF"\n'
    '\n'
    '[classes.mask_save]\n'
    'cycles = 1\n'
    'source = "TIMING.md: pushf alone T 1.08c on Skylake (InstLatx64 GenuineIntel00506E3_Skylake)"\n'
    '\n'
    '[classes.mask_restore]\n'
    'cycles = 23\n'
    'source = "TIMING.md: pushf+popf pair L 24.1c minus pushf 1.08c (InstLatx64 Skylake); EST for popf alone"\n'
    '\n'
    '[classes.atomic]\n'
    'cycles = 18\n'
    'source = "TIMING.md: lock add [m],r L 18.1c, xchg r,[m] 18.1c on Skylake (InstLatx64); lock xadd/cmpxchg comparable (EST, Schweizer/Besta/Hoefler 2015)"\n'
    '\n'
    '[classes.barrier]\n'
    'cycles = 33\n'
    'source = "TIMING.md: mfence 33.4c on Skylake (InstLatx64)"\n'
    '\n'
    '[classes.barrier_light]\n'
    'cycles = 5\n'
    'source = "EST: lfence/sfence do not drain the store buffer; Agner Fog\'s Skylake table gives reciprocal throughputs of about 4c (LFENCE) and 6c (SFENCE)"\n'
    '\n'
    '[classes.serialize]\n'
    'cycles = 100\n'
    'source = "EST: cpuid/wrmsr/lidt serialise the pipeline; cpuid is of the order of 100-200c on Intel cores (Agner Fog\'s tables list CPUID at 100-250c)"\n'
    '\n'
    '[classes.rdtsc]\n'
    'cycles = 25\n'
    'source = "Agner Fog, instruction tables (Skylake): RDTSC reciprocal throughput about 25c (EST for RDTSCP, listed about 32c)"\n'
    '\n'
    '[classes.port_io]\n'
    'cycles = 1\n'
    'source = "EST: issue cost only; the bus access is the port_io event below"\n'
    '\n'
    '[classes.exception]\n'
    'cycles = 20\n'
    'source = "EST: int/int3/ud2/syscall flush the pipeline like a mispredict (about 15-20c on Skylake, Agner Fog microarchitecture guide); the delivery itself is events.exception_entry"\n'
    '\n'
    '[classes.exception_return]\n'
    'cycles = 40\n'
    'source = "EST: iretq is microcoded and serialising; of the order of tens of cycles (sel4bench issue 41: Skylake IPC call+reply 383c+389c including two kernel entries and exits)"\n'
    '\n'
    '[classes.hint]\n'
    'cycles = 1\n'
    'source = "EST: hlt issue cost only; the wait itself is simulated time"\n'
    '\n'
    '[classes.pause]\n'
    'cycles = 140\n'
    'source = "Intel 64 and IA-32 Architectures Optimization Reference Manual: PAUSE latency extended to as many as 140 cycles on Skylake (about 10c on earlier cores)"\n'
    '\n'
    '[events.exception_entry]\n'
    'cycles = 100\n'
    'source = "EST: interrupt delivery through an IDT gate (microcoded: gate and descriptor checks, 5-slot frame push, pipeline flush); of the order of 100c, consistent with sel4bench\'s 383c IPC call on Skylake covering a syscall entry, exit and the IPC path"\n'
    '\n'
    '[events.mmio_access]\n'
    'cycles = 50\n'
    'source = "EST: uncached (UC) access to the xAPIC page, tens of cycles; x2APIC MSRs were introduced to avoid this cost (Intel SDM vol. 3A 11.12)"\n'
    '\n'
    '[events.port_io]\n'
    'cycles = 4000\n'
    'source = "EST: an ISA I/O port access takes about 1 us (the reason Linux\'s outb_p writes to port 0x80 as a delay); 4000c at 4 GHz"\n'
    ,
    {'core': 'skylake',
     'arch': 'x86_64',
     'hz': 4000000000,
     'hz_source': "Intel Core i7-6700K (CPUID 0x506E3, the part InstLatx64's Skylake tables "
                  'measure) base frequency 4.0 GHz (Intel ARK)',
     'classes': {'alu': {'cycles': 1,
                         'source': 'Agner Fog, instruction tables (Skylake): simple integer ops '
                                   'reciprocal throughput 0.25-0.5c; EST 1c per instruction for a '
                                   'block'},
                 'nop': {'cycles': 1,
                         'source': 'Agner Fog, instruction tables (Skylake): NOP throughput 0.25c; '
                                   'EST 1c like alu'},
                 'multiply': {'cycles': 3,
                              'source': 'Agner Fog, instruction tables (Skylake): IMUL r64,r64 '
                                        'latency 3c'},
                 'divide': {'cycles': 26,
                            'source': 'Agner Fog, instruction tables (Skylake): DIV r32 latency '
                                      'about 26c'},
                 'load': {'cycles': 1,
                          'source': 'EST: L1 hit load, 2 loads per cycle, latency 4-5c mostly '
                                    'hidden by out-of-order execution (Intel optimization manual, '
                                    'Skylake)'},
                 'store': {'cycles': 1,
                           'source': 'EST: one store per cycle on Skylake (Intel optimization '
                                     'manual)'},
                 'branch': {'cycles': 1,
                            'source': 'EST: predicted taken branch, 1-2 per cycle (Agner Fog '
                                      'microarchitecture guide, Skylake); mispredicts not '
                                      'modelled'},
                 'mask': {'cycles': 20,
                          'source': 'TIMING.md: cli/sti on Skylake have no published figure '
                                    '(privileged); EST 20c, of the order of popf (24.1c pushf+popf '
                                    'pair, InstLatx64) since both write RFLAGS.IF'},
                 'mask_save': {'cycles': 1,
                               'source': 'TIMING.md: pushf alone T 1.08c on Skylake (InstLatx64 '
                                         'GenuineIntel00506E3_Skylake)'},
                 'mask_restore': {'cycles': 23,
                                  'source': 'TIMING.md: pushf+popf pair L 24.1c minus pushf 1.08c '
                                            '(InstLatx64 Skylake); EST for popf alone'},
                 'atomic': {'cycles': 18,
                            'source': 'TIMING.md: lock add [m],r L 18.1c, xchg r,[m] 18.1c on '
                                      'Skylake (InstLatx64); lock xadd/cmpxchg comparable (EST, '
                                      'Schweizer/Besta/Hoefler 2015)'},
                 'barrier': {'cycles': 33,
                             'source': 'TIMING.md: mfence 33.4c on Skylake (InstLatx64)'},
                 'barrier_light': {'cycles': 5,
                                   'source': 'EST: lfence/sfence do not drain the store buffer; '
                                             "Agner Fog's Skylake table gives reciprocal "
                                             'throughputs of about 4c (LFENCE) and 6c (SFENCE)'},
                 'serialize': {'cycles': 100,
                               'source': 'EST: cpuid/wrmsr/lidt serialise the pipeline; cpuid is '
                                         "of the order of 100-200c on Intel cores (Agner Fog's "
                                         'tables list CPUID at 100-250c)'},
                 'rdtsc': {'cycles': 25,
                           'source': 'Agner Fog, instruction tables (Skylake): RDTSC reciprocal '
                                     'throughput about 25c (EST for RDTSCP, listed about 32c)'},
                 'port_io': {'cycles': 1,
                             'source': 'EST: issue cost only; the bus access is the port_io event '
                                       'below'},
                 'exception': {'cycles': 20,
                               'source': 'EST: int/int3/ud2/syscall flush the pipeline like a '
                                         'mispredict (about 15-20c on Skylake, Agner Fog '
                                         'microarchitecture guide); the delivery itself is '
                                         'events.exception_entry'},
                 'exception_return': {'cycles': 40,
                                      'source': 'EST: iretq is microcoded and serialising; of the '
                                                'order of tens of cycles (sel4bench issue 41: '
                                                'Skylake IPC call+reply 383c+389c including two '
                                                'kernel entries and exits)'},
                 'hint': {'cycles': 1,
                          'source': 'EST: hlt issue cost only; the wait itself is simulated time'},
                 'pause': {'cycles': 140,
                           'source': 'Intel 64 and IA-32 Architectures Optimization Reference '
                                     'Manual: PAUSE latency extended to as many as 140 cycles on '
                                     'Skylake (about 10c on earlier cores)'}},
     'events': {'exception_entry': {'cycles': 100,
                                    'source': 'EST: interrupt delivery through an IDT gate '
                                              '(microcoded: gate and descriptor checks, 5-slot '
                                              'frame push, pipeline flush); of the order of 100c, '
                                              "consistent with sel4bench's 383c IPC call on "
                                              'Skylake covering a syscall entry, exit and the IPC '
                                              'path'},
                'mmio_access': {'cycles': 50,
                                'source': 'EST: uncached (UC) access to the xAPIC page, tens of '
                                          'cycles; x2APIC MSRs were introduced to avoid this cost '
                                          '(Intel SDM vol. 3A 11.12)'},
                'port_io': {'cycles': 4000,
                            'source': 'EST: an ISA I/O port access takes about 1 us (the reason '
                                      "Linux's outb_p writes to port 0x80 as a delay); 4000c at 4 "
                                      'GHz'}}}
)
