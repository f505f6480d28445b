"""Each shipped cost model's TOML text and what tomllib parses it to.

Made by irqemu.timing.costmodel.shipped_models_source(); do not edit.
load_cost_model uses a parse only while the shipped file's text is this text.
"""
# ruff: noqa: E501

from __future__ import annotations

TYPE_CHECKING = False  # True for mypy; typing is not imported at run time (start-up)
if TYPE_CHECKING:
    from typing import Any

MODELS: dict[str, tuple[str, dict[str, Any]]] = {}

MODELS['cortex-a53'] = (
    '# Modelled cycle costs for the ARM Cortex-A53 (ARMv8.0-A, in-order, dual-issue, no LSE).\n'
    '# Every entry cites a public source by section (`source`), or says how it was\n'
    '# derived (`estimate`) and what public figures that rests on (`basis`); see\n'
    '# docs/timing.md. Arm publishes no instruction timings for the Cortex-A53 (no\n'
    '# software optimization guide), so its figures are estimates resting on the\n'
    "# compilers' scheduling models Arm contributed and on related cores' manuals.\n"
    '# Costs are per instruction, added per block.\n'
    'core = "cortex-a53"\n'
    'arch = "aarch64"\n'
    'hz = 1_200_000_000\n'
    'hz_source = "Raspberry Pi 3 Model B product page, specifications section: quad Cortex-A53 (BCM2837) at 1.2 GHz, https://www.raspberrypi.com/products/raspberry-pi-3-model-b/"\n'
    '\n'
    '[classes.alu]\n'
    'cycles = 1\n'
    'estimate = "1 cycle per data-processing instruction (dual issue not modelled)"\n'
    'basis = "ARM Cortex-A53 TRM (ARM DDI 0500) section 1.1 \'About the Cortex-A53 processor\' (in-order, dual-issue pipeline)"\n'
    '\n'
    '[classes.nop]\n'
    'cycles = 1\n'
    'estimate = "NOP occupies an issue slot like a data-processing instruction"\n'
    'basis = "ARM DDI 0500 section 1.1 (in-order dual-issue pipeline)"\n'
    '\n'
    '[classes.multiply]\n'
    'cycles = 3\n'
    'estimate = "MUL/MADD latency of 3-4 cycles; 3 taken"\n'
    'basis = "GCC, the Cortex-A53 pipeline description in gcc/config/arm (contributed by ARM), insn reservation cortex_a53_mul: latency 3 (4 in later revisions); LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, WriteRes<WriteIM32>: latency 4"\n'
    '\n'
    '[classes.divide]\n'
    'cycles = 12\n'
    'estimate = "SDIV/UDIV are iterative, taking longer for larger quotients; 12 cycles for the middle of the range"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, WriteRes<WriteID32> (a flat latency of 4, not operand-dependent); Cortex-R4 TRM (ARM DDI 0363E) section 14.8 \'Divide\' (result latency 3 + about half the quotient bits cycles on a related iterative divider)"\n'
    '\n'
    '[classes.load]\n'
    'cycles = 1\n'
    'estimate = "a load or load pair issues in 1 cycle; the L1 hit latency of 3-4 cycles is hidden"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, CortexA53Model LoadLatency 3 (assuming bypass) and WriteRes<WriteLD>: latency 4"\n'
    '\n'
    '[classes.store]\n'
    'cycles = 1\n'
    'estimate = "a store or store pair issues in 1 cycle into the store buffer"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, WriteRes<WriteST> (one load/store unit, A53UnitLdSt)"\n'
    '\n'
    '[classes.branch]\n'
    'cycles = 1\n'
    'estimate = "a correctly predicted branch costs its issue cycle; mispredicts are not modelled"\n'
    'basis = "ARM DDI 0500 ch. 6 \'Level 1 Memory System\', section \'Program flow prediction\'"\n'
    '\n'
    '[classes.mask]\n'
    'cycles = 10\n'
    'estimate = "MSR DAIFSet/DAIFClr and MRS DAIF: no published figure; priced as a serializing drain of the 8-stage pipeline, of order 10 cycles (LLVM\'s 1 cycle for Neoverse N1 is a scheduling placeholder)"\n'
    'basis = "ARM DDI 0500 section 1.1 (8-stage in-order pipeline); Cortex-R8 TRM (Arm document 100400) Appendix B.6 \'Serializing instructions\' (MSR and CPS serialize on a related core)"\n'
    '\n'
    '[classes.load_exclusive]\n'
    'cycles = 2\n'
    'estimate = "LDXR/LDAXR priced as the exclusive-load result latency ARM publishes for an in-order ARMv7 core"\n'
    'basis = "Cortex-R4 TRM (ARM DDI 0363E) ch. 14 \'Cycle Timings and Interlock Behavior\' (LDREX result latency 2)"\n'
    '\n'
    '[classes.store_exclusive]\n'
    'cycles = 3\n'
    'estimate = "STXR/STLXR priced as the exclusive-store result latency ARM publishes for ARM11"\n'
    'basis = "ARM1176JZF-S TRM (ARM DDI 0301H) ch. 16 \'Cycle Timings and Interlock Behavior\' (STREX result latency 3)"\n'
    '\n'
    '[classes.atomic]\n'
    'cycles = 10\n'
    'estimate = "the Cortex-A53 (ARMv8.0) has no LSE atomics (UNDEFINED); priced as an LDXR/op/STXR/CBNZ loop (2+1+3+1 cycles) plus a barrier-like drain, only so mixed code can be costed"\n'
    'basis = "ARM DDI 0500 section 1.1 (ARMv8.0-A, no Large System Extensions); the load_exclusive and store_exclusive entries above"\n'
    '\n'
    '[classes.barrier]\n'
    'cycles = 10\n'
    'estimate = "DMB/DSB/ISB wait for outstanding accesses or refetch: a pipeline drain of order 10 cycles with an idle memory system"\n'
    'basis = "ARM DDI 0500 section 1.1 (8-stage pipeline); Cortex-A Series Programmer\'s Guide for ARMv8-A (ARM DEN0024A) ch. 13 \'Memory Ordering\'"\n'
    '\n'
    '[classes.coprocessor]\n'
    'cycles = 5\n'
    'estimate = "MRS/MSR of system registers other than DAIF are serializing accesses: half a pipeline drain"\n'
    'basis = "Cortex-R8 TRM (Arm document 100400) Appendix B.6 \'Serializing instructions\' (system register writes serialize on a related core)"\n'
    '\n'
    '[classes.exception]\n'
    'cycles = 10\n'
    'estimate = "SVC/HVC/BRK/HLT flush the pipeline like a mispredicted branch before the exception entry (charged as events.exception_entry)"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, CortexA53Model MispredictPenalty (9 cycles)"\n'
    '\n'
    '[classes.exception_return]\n'
    'cycles = 10\n'
    'estimate = "ERET restores PSTATE and refills the 8-stage pipeline: of the order of a mispredict"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, CortexA53Model MispredictPenalty (9 cycles)"\n'
    '\n'
    '[classes.hint]\n'
    'cycles = 1\n'
    'estimate = "WFI/WFE cost their issue only; the wait itself is simulated time"\n'
    'basis = "ARM DDI 0500 section 1.1 (in-order dual-issue pipeline)"\n'
    '\n'
    '[events.exception_entry]\n'
    'cycles = 30\n'
    'estimate = "no Cortex-A53 figure is published: the Cortex-A9 model\'s 30 cycles for the entry itself (mode switch, vector fetch)"\n'
    'basis = "JBLopen, \'ARM Cortex-A Interrupt Latency\', https://www.jblopen.com/arm-cortex-a-interrupt-latency/ (Zynq-7000 Cortex-A9 bare metal: under 100 cycles to the first ISR instruction, best case)"\n'
    '\n'
    '[events.mmio_access]\n'
    'cycles = 20\n'
    'estimate = "an uncached Device-nGnRE access over the interconnect to the GIC or a timer: tens of core cycles"\n'
    'basis = "https://www.jblopen.com/arm-cortex-a-interrupt-latency/ (Cortex-A9: random-memory-load latency minimum 154 cycles, an upper bound for one device access)"\n'
    ,
    {'core': 'cortex-a53',
     'arch': 'aarch64',
     'hz': 1200000000,
     'hz_source': 'Raspberry Pi 3 Model B product page, specifications section: quad Cortex-A53 '
                  '(BCM2837) at 1.2 GHz, '
                  'https://www.raspberrypi.com/products/raspberry-pi-3-model-b/',
     'classes': {'alu': {'cycles': 1,
                         'estimate': '1 cycle per data-processing instruction (dual issue not '
                                     'modelled)',
                         'basis': "ARM Cortex-A53 TRM (ARM DDI 0500) section 1.1 'About the "
                                  "Cortex-A53 processor' (in-order, dual-issue pipeline)"},
                 'nop': {'cycles': 1,
                         'estimate': 'NOP occupies an issue slot like a data-processing '
                                     'instruction',
                         'basis': 'ARM DDI 0500 section 1.1 (in-order dual-issue pipeline)'},
                 'multiply': {'cycles': 3,
                              'estimate': 'MUL/MADD latency of 3-4 cycles; 3 taken',
                              'basis': 'GCC, the Cortex-A53 pipeline description in gcc/config/arm '
                                       '(contributed by ARM), insn reservation cortex_a53_mul: '
                                       'latency 3 (4 in later revisions); LLVM '
                                       'llvm/lib/Target/AArch64/AArch64SchedA53.td, '
                                       'WriteRes<WriteIM32>: latency 4'},
                 'divide': {'cycles': 12,
                            'estimate': 'SDIV/UDIV are iterative, taking longer for larger '
                                        'quotients; 12 cycles for the middle of the range',
                            'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, '
                                     'WriteRes<WriteID32> (a flat latency of 4, not '
                                     'operand-dependent); Cortex-R4 TRM (ARM DDI 0363E) section '
                                     "14.8 'Divide' (result latency 3 + about half the quotient "
                                     'bits cycles on a related iterative divider)'},
                 'load': {'cycles': 1,
                          'estimate': 'a load or load pair issues in 1 cycle; the L1 hit latency '
                                      'of 3-4 cycles is hidden',
                          'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, '
                                   'CortexA53Model LoadLatency 3 (assuming bypass) and '
                                   'WriteRes<WriteLD>: latency 4'},
                 'store': {'cycles': 1,
                           'estimate': 'a store or store pair issues in 1 cycle into the store '
                                       'buffer',
                           'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, '
                                    'WriteRes<WriteST> (one load/store unit, A53UnitLdSt)'},
                 'branch': {'cycles': 1,
                            'estimate': 'a correctly predicted branch costs its issue cycle; '
                                        'mispredicts are not modelled',
                            'basis': "ARM DDI 0500 ch. 6 'Level 1 Memory System', section 'Program "
                                     "flow prediction'"},
                 'mask': {'cycles': 10,
                          'estimate': 'MSR DAIFSet/DAIFClr and MRS DAIF: no published figure; '
                                      'priced as a serializing drain of the 8-stage pipeline, of '
                                      "order 10 cycles (LLVM's 1 cycle for Neoverse N1 is a "
                                      'scheduling placeholder)',
                          'basis': 'ARM DDI 0500 section 1.1 (8-stage in-order pipeline); '
                                   "Cortex-R8 TRM (Arm document 100400) Appendix B.6 'Serializing "
                                   "instructions' (MSR and CPS serialize on a related core)"},
                 'load_exclusive': {'cycles': 2,
                                    'estimate': 'LDXR/LDAXR priced as the exclusive-load result '
                                                'latency ARM publishes for an in-order ARMv7 core',
                                    'basis': "Cortex-R4 TRM (ARM DDI 0363E) ch. 14 'Cycle Timings "
                                             "and Interlock Behavior' (LDREX result latency 2)"},
                 'store_exclusive': {'cycles': 3,
                                     'estimate': 'STXR/STLXR priced as the exclusive-store result '
                                                 'latency ARM publishes for ARM11',
                                     'basis': "ARM1176JZF-S TRM (ARM DDI 0301H) ch. 16 'Cycle "
                                              "Timings and Interlock Behavior' (STREX result "
                                              'latency 3)'},
                 'atomic': {'cycles': 10,
                            'estimate': 'the Cortex-A53 (ARMv8.0) has no LSE atomics (UNDEFINED); '
                                        'priced as an LDXR/op/STXR/CBNZ loop (2+1+3+1 cycles) plus '
                                        'a barrier-like drain, only so mixed code can be costed',
                            'basis': 'ARM DDI 0500 section 1.1 (ARMv8.0-A, no Large System '
                                     'Extensions); the load_exclusive and store_exclusive entries '
                                     'above'},
                 'barrier': {'cycles': 10,
                             'estimate': 'DMB/DSB/ISB wait for outstanding accesses or refetch: a '
                                         'pipeline drain of order 10 cycles with an idle memory '
                                         'system',
                             'basis': 'ARM DDI 0500 section 1.1 (8-stage pipeline); Cortex-A '
                                      "Series Programmer's Guide for ARMv8-A (ARM DEN0024A) ch. 13 "
                                      "'Memory Ordering'"},
                 'coprocessor': {'cycles': 5,
                                 'estimate': 'MRS/MSR of system registers other than DAIF are '
                                             'serializing accesses: half a pipeline drain',
                                 'basis': 'Cortex-R8 TRM (Arm document 100400) Appendix B.6 '
                                          "'Serializing instructions' (system register writes "
                                          'serialize on a related core)'},
                 'exception': {'cycles': 10,
                               'estimate': 'SVC/HVC/BRK/HLT flush the pipeline like a mispredicted '
                                           'branch before the exception entry (charged as '
                                           'events.exception_entry)',
                               'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, '
                                        'CortexA53Model MispredictPenalty (9 cycles)'},
                 'exception_return': {'cycles': 10,
                                      'estimate': 'ERET restores PSTATE and refills the 8-stage '
                                                  'pipeline: of the order of a mispredict',
                                      'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA53.td, '
                                               'CortexA53Model MispredictPenalty (9 cycles)'},
                 'hint': {'cycles': 1,
                          'estimate': 'WFI/WFE cost their issue only; the wait itself is simulated '
                                      'time',
                          'basis': 'ARM DDI 0500 section 1.1 (in-order dual-issue pipeline)'}},
     'events': {'exception_entry': {'cycles': 30,
                                    'estimate': 'no Cortex-A53 figure is published: the Cortex-A9 '
                                                "model's 30 cycles for the entry itself (mode "
                                                'switch, vector fetch)',
                                    'basis': "JBLopen, 'ARM Cortex-A Interrupt Latency', "
                                             'https://www.jblopen.com/arm-cortex-a-interrupt-latency/ '
                                             '(Zynq-7000 Cortex-A9 bare metal: under 100 cycles to '
                                             'the first ISR instruction, best case)'},
                'mmio_access': {'cycles': 20,
                                'estimate': 'an uncached Device-nGnRE access over the interconnect '
                                            'to the GIC or a timer: tens of core cycles',
                                'basis': 'https://www.jblopen.com/arm-cortex-a-interrupt-latency/ '
                                         '(Cortex-A9: random-memory-load latency minimum 154 '
                                         'cycles, an upper bound for one device access)'}}}
)

MODELS['cortex-a55'] = (
    '# Modelled cycle costs for the ARM Cortex-A55 (ARMv8.2-A, in-order, with LSE atomics).\n'
    '# Every entry cites a public source by section (`source`), or says how it was\n'
    '# derived (`estimate`) and what public figures that rests on (`basis`); see\n'
    "# docs/timing.md. Arm's Cortex-A55 Software Optimization Guide (ARM-EPM-128372)\n"
    "# tabulates latencies; LLVM's AArch64SchedA55.td follows it (without forwarding).\n"
    '# Costs are per instruction, added per block.\n'
    'core = "cortex-a55"\n'
    'arch = "aarch64"\n'
    'hz = 2_000_000_000\n'
    'hz_source = "Rockchip RK3568 datasheet, chapter 1 (introduction, features): quad-core Cortex-A55 up to 2.0 GHz"\n'
    '\n'
    '[classes.alu]\n'
    'cycles = 1\n'
    'estimate = "1 cycle per data-processing instruction (dual issue and forwarding not modelled)"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, CortexA55Model (IssueWidth 2, in-order) and ReadAdvance<ReadI, 2> (back-to-back dependent ALU operations)"\n'
    '\n'
    '[classes.nop]\n'
    'cycles = 1\n'
    'estimate = "NOP occupies an issue slot like a data-processing instruction"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, CortexA55Model (IssueWidth 2)"\n'
    '\n'
    '[classes.multiply]\n'
    'cycles = 3\n'
    'estimate = "MUL/MADD: LLVM\'s latency of 4 without forwarding, less the one cycle its MAC operand forwarding saves"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, WriteRes<WriteIM32>: latency 4 and ReadAdvance<ReadIM, 1>; Arm Cortex-A55 Software Optimization Guide (ARM-EPM-128372) v3.0, which that model follows"\n'
    '\n'
    '[classes.divide]\n'
    'cycles = 12\n'
    'estimate = "SDIV/UDIV are iterative and operand-dependent; 12 cycles for the middle of the range"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, WriteRes<WriteID32>: latency 8, not pipelined (ReleaseAtCycles 8)"\n'
    '\n'
    '[classes.load]\n'
    'cycles = 1\n'
    'estimate = "a load or load pair issues in 1 cycle; the L1 hit latency (3 cycles for most loads) is hidden"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, CortexA55Model LoadLatency comment (the optimisation guide shows most loads at latency 3) and WriteRes<WriteLD>: latency 3"\n'
    '\n'
    '[classes.store]\n'
    'cycles = 1\n'
    'estimate = "a store or store pair issues in 1 cycle into the store buffer"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, WriteRes<WriteST>: latency 1"\n'
    '\n'
    '[classes.branch]\n'
    'cycles = 1\n'
    'estimate = "a correctly predicted branch costs its issue cycle; mispredicts (8 cycles) are not modelled"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, CortexA55Model MispredictPenalty 8"\n'
    '\n'
    '[classes.mask]\n'
    'cycles = 10\n'
    'estimate = "MSR DAIFSet/DAIFClr and MRS DAIF: no published figure; priced as a serializing drain of the pipeline, of order 10 cycles"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, CortexA55Model MispredictPenalty 8 (the cost of a pipeline refill); Cortex-R8 TRM (Arm document 100400) Appendix B.6 \'Serializing instructions\' (MSR and CPS serialize on a related core)"\n'
    '\n'
    '[classes.load_exclusive]\n'
    'cycles = 2\n'
    'estimate = "LDXR/LDAXR priced as the exclusive-load result latency ARM publishes for an in-order ARMv7 core"\n'
    'basis = "Cortex-R4 TRM (ARM DDI 0363E) ch. 14 \'Cycle Timings and Interlock Behavior\' (LDREX result latency 2)"\n'
    '\n'
    '[classes.store_exclusive]\n'
    'cycles = 3\n'
    'estimate = "STXR/STLXR priced as the exclusive-store result latency ARM publishes for ARM11 (LLVM models STXR at latency 4)"\n'
    'basis = "ARM1176JZF-S TRM (ARM DDI 0301H) ch. 16 \'Cycle Timings and Interlock Behavior\' (STREX result latency 3); LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, WriteRes<WriteSTX>: latency 4"\n'
    '\n'
    '[classes.atomic]\n'
    'cycles = 8\n'
    'estimate = "LSE LDADD/CAS/SWP on an uncontended L1 hit, near the LL/SC loop it replaces (2+1+3+1 cycles); LSE against LL/SC is core-dependent"\n'
    'basis = "Arm Cortex-A55 Software Optimization Guide (ARM-EPM-128372) v3.0 revision history (atomic instructions section revised); llvm-project PR 211195 (CAS about 14 cycles on Cortex-A78, llvm-exegesis)"\n'
    '\n'
    '[classes.barrier]\n'
    'cycles = 10\n'
    'estimate = "DMB/DSB/ISB wait for outstanding accesses or refetch: a pipeline drain of order 10 cycles with an idle memory system"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, MispredictPenalty 8; Programmer\'s Guide for ARMv8-A (ARM DEN0024A) ch. 13 \'Memory Ordering\'"\n'
    '\n'
    '[classes.coprocessor]\n'
    'cycles = 5\n'
    'estimate = "MRS/MSR of system registers other than DAIF are serializing accesses: half a pipeline drain"\n'
    'basis = "Cortex-R8 TRM (Arm document 100400) Appendix B.6 \'Serializing instructions\' (system register writes serialize on a related core)"\n'
    '\n'
    '[classes.exception]\n'
    'cycles = 10\n'
    'estimate = "SVC/HVC/BRK/HLT flush the pipeline like a mispredicted branch before the exception entry (charged as events.exception_entry)"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, CortexA55Model MispredictPenalty 8"\n'
    '\n'
    '[classes.exception_return]\n'
    'cycles = 10\n'
    'estimate = "ERET restores PSTATE and refills the pipeline: of the order of a mispredict"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, CortexA55Model MispredictPenalty 8"\n'
    '\n'
    '[classes.hint]\n'
    'cycles = 1\n'
    'estimate = "WFI/WFE cost their issue only; the wait itself is simulated time"\n'
    'basis = "LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, WriteRes<WriteHint> (one branch-unit slot)"\n'
    '\n'
    '[events.exception_entry]\n'
    'cycles = 30\n'
    'estimate = "no Cortex-A55 figure is published: the Cortex-A9 model\'s 30 cycles for the entry itself (mode switch, vector fetch)"\n'
    'basis = "JBLopen, \'ARM Cortex-A Interrupt Latency\', https://www.jblopen.com/arm-cortex-a-interrupt-latency/ (Zynq-7000 Cortex-A9 bare metal: under 100 cycles to the first ISR instruction, best case)"\n'
    '\n'
    '[events.mmio_access]\n'
    'cycles = 20\n'
    'estimate = "an uncached Device-nGnRE access over the interconnect to the GIC or a timer: tens of core cycles"\n'
    'basis = "https://www.jblopen.com/arm-cortex-a-interrupt-latency/ (Cortex-A9: random-memory-load latency minimum 154 cycles, an upper bound for one device access)"\n'
    ,
    {'core': 'cortex-a55',
     'arch': 'aarch64',
     'hz': 2000000000,
     'hz_source': 'Rockchip RK3568 datasheet, chapter 1 (introduction, features): quad-core '
                  'Cortex-A55 up to 2.0 GHz',
     'classes': {'alu': {'cycles': 1,
                         'estimate': '1 cycle per data-processing instruction (dual issue and '
                                     'forwarding not modelled)',
                         'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, CortexA55Model '
                                  '(IssueWidth 2, in-order) and ReadAdvance<ReadI, 2> '
                                  '(back-to-back dependent ALU operations)'},
                 'nop': {'cycles': 1,
                         'estimate': 'NOP occupies an issue slot like a data-processing '
                                     'instruction',
                         'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, CortexA55Model '
                                  '(IssueWidth 2)'},
                 'multiply': {'cycles': 3,
                              'estimate': "MUL/MADD: LLVM's latency of 4 without forwarding, less "
                                          'the one cycle its MAC operand forwarding saves',
                              'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                       'WriteRes<WriteIM32>: latency 4 and ReadAdvance<ReadIM, 1>; '
                                       'Arm Cortex-A55 Software Optimization Guide '
                                       '(ARM-EPM-128372) v3.0, which that model follows'},
                 'divide': {'cycles': 12,
                            'estimate': 'SDIV/UDIV are iterative and operand-dependent; 12 cycles '
                                        'for the middle of the range',
                            'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                     'WriteRes<WriteID32>: latency 8, not pipelined '
                                     '(ReleaseAtCycles 8)'},
                 'load': {'cycles': 1,
                          'estimate': 'a load or load pair issues in 1 cycle; the L1 hit latency '
                                      '(3 cycles for most loads) is hidden',
                          'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                   'CortexA55Model LoadLatency comment (the optimisation guide '
                                   'shows most loads at latency 3) and WriteRes<WriteLD>: latency '
                                   '3'},
                 'store': {'cycles': 1,
                           'estimate': 'a store or store pair issues in 1 cycle into the store '
                                       'buffer',
                           'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                    'WriteRes<WriteST>: latency 1'},
                 'branch': {'cycles': 1,
                            'estimate': 'a correctly predicted branch costs its issue cycle; '
                                        'mispredicts (8 cycles) are not modelled',
                            'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                     'CortexA55Model MispredictPenalty 8'},
                 'mask': {'cycles': 10,
                          'estimate': 'MSR DAIFSet/DAIFClr and MRS DAIF: no published figure; '
                                      'priced as a serializing drain of the pipeline, of order 10 '
                                      'cycles',
                          'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                   'CortexA55Model MispredictPenalty 8 (the cost of a pipeline '
                                   'refill); Cortex-R8 TRM (Arm document 100400) Appendix B.6 '
                                   "'Serializing instructions' (MSR and CPS serialize on a related "
                                   'core)'},
                 'load_exclusive': {'cycles': 2,
                                    'estimate': 'LDXR/LDAXR priced as the exclusive-load result '
                                                'latency ARM publishes for an in-order ARMv7 core',
                                    'basis': "Cortex-R4 TRM (ARM DDI 0363E) ch. 14 'Cycle Timings "
                                             "and Interlock Behavior' (LDREX result latency 2)"},
                 'store_exclusive': {'cycles': 3,
                                     'estimate': 'STXR/STLXR priced as the exclusive-store result '
                                                 'latency ARM publishes for ARM11 (LLVM models '
                                                 'STXR at latency 4)',
                                     'basis': "ARM1176JZF-S TRM (ARM DDI 0301H) ch. 16 'Cycle "
                                              "Timings and Interlock Behavior' (STREX result "
                                              'latency 3); LLVM '
                                              'llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                              'WriteRes<WriteSTX>: latency 4'},
                 'atomic': {'cycles': 8,
                            'estimate': 'LSE LDADD/CAS/SWP on an uncontended L1 hit, near the '
                                        'LL/SC loop it replaces (2+1+3+1 cycles); LSE against '
                                        'LL/SC is core-dependent',
                            'basis': 'Arm Cortex-A55 Software Optimization Guide (ARM-EPM-128372) '
                                     'v3.0 revision history (atomic instructions section revised); '
                                     'llvm-project PR 211195 (CAS about 14 cycles on Cortex-A78, '
                                     'llvm-exegesis)'},
                 'barrier': {'cycles': 10,
                             'estimate': 'DMB/DSB/ISB wait for outstanding accesses or refetch: a '
                                         'pipeline drain of order 10 cycles with an idle memory '
                                         'system',
                             'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                      "MispredictPenalty 8; Programmer's Guide for ARMv8-A (ARM "
                                      "DEN0024A) ch. 13 'Memory Ordering'"},
                 'coprocessor': {'cycles': 5,
                                 'estimate': 'MRS/MSR of system registers other than DAIF are '
                                             'serializing accesses: half a pipeline drain',
                                 'basis': 'Cortex-R8 TRM (Arm document 100400) Appendix B.6 '
                                          "'Serializing instructions' (system register writes "
                                          'serialize on a related core)'},
                 'exception': {'cycles': 10,
                               'estimate': 'SVC/HVC/BRK/HLT flush the pipeline like a mispredicted '
                                           'branch before the exception entry (charged as '
                                           'events.exception_entry)',
                               'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                        'CortexA55Model MispredictPenalty 8'},
                 'exception_return': {'cycles': 10,
                                      'estimate': 'ERET restores PSTATE and refills the pipeline: '
                                                  'of the order of a mispredict',
                                      'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                               'CortexA55Model MispredictPenalty 8'},
                 'hint': {'cycles': 1,
                          'estimate': 'WFI/WFE cost their issue only; the wait itself is simulated '
                                      'time',
                          'basis': 'LLVM llvm/lib/Target/AArch64/AArch64SchedA55.td, '
                                   'WriteRes<WriteHint> (one branch-unit slot)'}},
     'events': {'exception_entry': {'cycles': 30,
                                    'estimate': 'no Cortex-A55 figure is published: the Cortex-A9 '
                                                "model's 30 cycles for the entry itself (mode "
                                                'switch, vector fetch)',
                                    'basis': "JBLopen, 'ARM Cortex-A Interrupt Latency', "
                                             'https://www.jblopen.com/arm-cortex-a-interrupt-latency/ '
                                             '(Zynq-7000 Cortex-A9 bare metal: under 100 cycles to '
                                             'the first ISR instruction, best case)'},
                'mmio_access': {'cycles': 20,
                                'estimate': 'an uncached Device-nGnRE access over the interconnect '
                                            'to the GIC or a timer: tens of core cycles',
                                'basis': 'https://www.jblopen.com/arm-cortex-a-interrupt-latency/ '
                                         '(Cortex-A9: random-memory-load latency minimum 154 '
                                         'cycles, an upper bound for one device access)'}}}
)

MODELS['cortex-a9'] = (
    '# Modelled cycle costs for the ARM Cortex-A9 (ARMv7-A, dual-issue out-of-order).\n'
    '# Every entry cites a public source by section (`source`), or says how it was\n'
    '# derived (`estimate`) and what public figures that rests on (`basis`); see\n'
    '# docs/timing.md. Costs are per instruction, added per block.\n'
    'core = "cortex-a9"\n'
    'arch = "armv7"\n'
    'hz = 792_000_000\n'
    'hz_source = "Linux arch/arm/boot/dts/imx6q.dtsi, cpu@0 operating-points table: 792000 kHz (the i.MX6Q\'s 792 MHz operating point)"\n'
    '\n'
    '[classes.alu]\n'
    'cycles = 1\n'
    'source = "ARM Cortex-A9 TRM r4p1 (ARM DDI 0388I) Appendix B \'Cycle Timings and Interlock Behavior\', data-processing instructions section: MOV and simple data processing without shifts take 1 cycle"\n'
    '\n'
    '[classes.nop]\n'
    'cycles = 1\n'
    'estimate = "NOP occupies one issue cycle like a simple data-processing instruction"\n'
    'basis = "ARM DDI 0388I Appendix B, data-processing instructions (simple data processing: 1 cycle)"\n'
    '\n'
    '[classes.multiply]\n'
    'cycles = 2\n'
    'source = "ARM Cortex-A9 TRM r4p1 (ARM DDI 0388I) Appendix B \'Cycle Timings and Interlock Behavior\', multiplication instructions section: MUL/MLA take 2 cycles (their result latency is hidden behind issue here)"\n'
    '\n'
    '[classes.divide]\n'
    'cycles = 20\n'
    'estimate = "the Cortex-A9 has no integer divide instruction: Linux calls __aeabi_uidiv, a shift-and-subtract loop of a few instructions per quotient bit; 20 cycles for typical small quotients"\n'
    'basis = "Linux arch/arm/lib/lib1funcs.S (__aeabi_uidiv); ARM DDI 0388I Appendix B, data-processing instructions (1 cycle each)"\n'
    '\n'
    '[classes.load]\n'
    'cycles = 1\n'
    'source = "ARM Cortex-A9 TRM r4p1 (ARM DDI 0388I) Appendix B.3, Table B-2 \'Single load and store operation cycle timings\': LDR [reg], [reg, imm] take 1 AGU cycle (result latency 2-3 cycles, hidden here)"\n'
    '\n'
    '[classes.store]\n'
    'cycles = 1\n'
    'source = "ARM Cortex-A9 TRM r4p1 (ARM DDI 0388I) Appendix B.3, Table B-2 \'Single load and store operation cycle timings\': single stores with register or immediate offset take 1 AGU cycle"\n'
    '\n'
    '[classes.load_multiple]\n'
    'cycles = 4\n'
    'estimate = "an LDM of 7-8 registers (Linux\'s pop of r4-r11/lr) at two registers per AGU cycle; shorter lists cost less, longer more"\n'
    'basis = "ARM DDI 0388I Appendix B.3, Table B-3 \'Load multiple operations cycle timings\' (LDM of 7-8 registers, 64-bit aligned: 4 AGU cycles)"\n'
    '\n'
    '[classes.store_multiple]\n'
    'cycles = 4\n'
    'estimate = "an STM of 7-8 registers (Linux\'s push of r4-r11/lr) at two registers per AGU cycle, as for LDM"\n'
    'basis = "ARM DDI 0388I Appendix B.3 (two 32-bit registers loaded or stored per cycle; Table B-3 for the load multiple counts)"\n'
    '\n'
    '[classes.branch]\n'
    'cycles = 1\n'
    'estimate = "a correctly predicted branch costs its issue cycle; mispredicts are not modelled"\n'
    'basis = "ARM DDI 0388I section 7.3 \'About the L1 instruction side memory system\' (BTAC, GHB and return stack predict branches)"\n'
    '\n'
    '[classes.mask]\n'
    'cycles = 10\n'
    'estimate = "CPSID/CPSIE and MSR CPSR are serializing: priced as a drain of the pipeline of order 10 cycles; no cycle count is published"\n'
    'basis = "ARM DDI 0388I Appendix B \'Serializing instructions\' (CPS and MSR CPSR modifying control bits serialize); Cortex-R4 TRM (ARM DDI 0363E) section 14.9 \'Branches\', Table 14-10 (8-9 cycles for a mispredicted branch) as the order of a drain"\n'
    '\n'
    '[classes.load_exclusive]\n'
    'cycles = 2\n'
    'estimate = "LDREX priced as the result latency ARM publishes for a related in-order core; the Cortex-A9 TRM gives no LDREX timing"\n'
    'basis = "Cortex-R4 TRM (ARM DDI 0363E) ch. 14 \'Cycle Timings and Interlock Behavior\' (LDREX result latency 2)"\n'
    '\n'
    '[classes.store_exclusive]\n'
    'cycles = 3\n'
    'estimate = "STREX priced as the result latency ARM publishes for ARM11; the Cortex-A9 TRM gives no STREX timing"\n'
    'basis = "ARM1176JZF-S TRM (ARM DDI 0301H) ch. 16 \'Cycle Timings and Interlock Behavior\' (STREX result latency 3)"\n'
    '\n'
    '[classes.barrier]\n'
    'cycles = 10\n'
    'estimate = "DMB/DSB/ISB wait for outstanding accesses or refetch: a pipeline drain of order 10 cycles with an idle memory system"\n'
    'basis = "ARM DDI 0388I Appendix B \'Serializing instructions\' (DSB serializes); Cortex-A Series Programmer\'s Guide (ARM DEN0013D) ch. 10 \'Memory Ordering\'"\n'
    '\n'
    '[classes.coprocessor]\n'
    'cycles = 5\n'
    'estimate = "CP15 MCR/MRC are serializing system-register accesses; half a pipeline drain"\n'
    'basis = "ARM DDI 0388I Appendix B \'Serializing instructions\' (MCR to CP15 serializes) and ch. 4 \'System Control\'"\n'
    '\n'
    '[classes.exception]\n'
    'cycles = 10\n'
    'estimate = "SVC/BKPT/UDF flush the pipeline like a mispredicted branch before the exception entry (charged as events.exception_entry)"\n'
    'basis = "ARM DDI 0388I Appendix B \'Serializing instructions\' (SVC, BKPT and Undefined Instruction entry serialize)"\n'
    '\n'
    '[classes.exception_return]\n'
    'cycles = 10\n'
    'estimate = "SUBS PC, LR / RFE / LDM ^ restore CPSR and refill the pipeline: of the order of a branch mispredict (8-13 cycles on ARM\'s in-order and Cortex-A8 cores)"\n'
    'basis = "ARM DDI 0388I Appendix B \'Serializing instructions\'; Cortex-A8 TRM (ARM DDI 0344E) section 5.1 (13-cycle mispredict penalty)"\n'
    '\n'
    '[classes.hint]\n'
    'cycles = 1\n'
    'estimate = "WFI/WFE cost their issue only; the wait itself is simulated time"\n'
    'basis = "ARM DDI 0388I Appendix B, data-processing instructions (1 cycle each)"\n'
    '\n'
    '[events.exception_entry]\n'
    'cycles = 30\n'
    'estimate = "30 cycles for the IRQ exception entry itself (mode switch, vector fetch), the part of a sub-100-cycle bare-metal response that is not the vector code"\n'
    'basis = "JBLopen, \'ARM Cortex-A Interrupt Latency\', https://www.jblopen.com/arm-cortex-a-interrupt-latency/ (Zynq-7000 Cortex-A9 bare metal: under 100 cycles to the first ISR instruction, best case)"\n'
    '\n'
    '[events.mmio_access]\n'
    'cycles = 20\n'
    'estimate = "an uncached, strongly-ordered access to the private peripheral region (GIC CPU interface, TWD) or the AIPS bus: tens of core cycles"\n'
    'basis = "Cortex-A9 MPCore TRM (ARM DDI 0407) ch. 1 (private memory region); https://www.jblopen.com/arm-cortex-a-interrupt-latency/ (Zynq-7000: random-memory-load latency minimum 154 cycles)"\n'
    ,
    {'core': 'cortex-a9',
     'arch': 'armv7',
     'hz': 792000000,
     'hz_source': 'Linux arch/arm/boot/dts/imx6q.dtsi, cpu@0 operating-points table: 792000 kHz '
                  "(the i.MX6Q's 792 MHz operating point)",
     'classes': {'alu': {'cycles': 1,
                         'source': "ARM Cortex-A9 TRM r4p1 (ARM DDI 0388I) Appendix B 'Cycle "
                                   "Timings and Interlock Behavior', data-processing instructions "
                                   'section: MOV and simple data processing without shifts take 1 '
                                   'cycle'},
                 'nop': {'cycles': 1,
                         'estimate': 'NOP occupies one issue cycle like a simple data-processing '
                                     'instruction',
                         'basis': 'ARM DDI 0388I Appendix B, data-processing instructions (simple '
                                  'data processing: 1 cycle)'},
                 'multiply': {'cycles': 2,
                              'source': "ARM Cortex-A9 TRM r4p1 (ARM DDI 0388I) Appendix B 'Cycle "
                                        "Timings and Interlock Behavior', multiplication "
                                        'instructions section: MUL/MLA take 2 cycles (their result '
                                        'latency is hidden behind issue here)'},
                 'divide': {'cycles': 20,
                            'estimate': 'the Cortex-A9 has no integer divide instruction: Linux '
                                        'calls __aeabi_uidiv, a shift-and-subtract loop of a few '
                                        'instructions per quotient bit; 20 cycles for typical '
                                        'small quotients',
                            'basis': 'Linux arch/arm/lib/lib1funcs.S (__aeabi_uidiv); ARM DDI '
                                     '0388I Appendix B, data-processing instructions (1 cycle '
                                     'each)'},
                 'load': {'cycles': 1,
                          'source': 'ARM Cortex-A9 TRM r4p1 (ARM DDI 0388I) Appendix B.3, Table '
                                    "B-2 'Single load and store operation cycle timings': LDR "
                                    '[reg], [reg, imm] take 1 AGU cycle (result latency 2-3 '
                                    'cycles, hidden here)'},
                 'store': {'cycles': 1,
                           'source': 'ARM Cortex-A9 TRM r4p1 (ARM DDI 0388I) Appendix B.3, Table '
                                     "B-2 'Single load and store operation cycle timings': single "
                                     'stores with register or immediate offset take 1 AGU cycle'},
                 'load_multiple': {'cycles': 4,
                                   'estimate': "an LDM of 7-8 registers (Linux's pop of r4-r11/lr) "
                                               'at two registers per AGU cycle; shorter lists cost '
                                               'less, longer more',
                                   'basis': "ARM DDI 0388I Appendix B.3, Table B-3 'Load multiple "
                                            "operations cycle timings' (LDM of 7-8 registers, "
                                            '64-bit aligned: 4 AGU cycles)'},
                 'store_multiple': {'cycles': 4,
                                    'estimate': "an STM of 7-8 registers (Linux's push of "
                                                'r4-r11/lr) at two registers per AGU cycle, as for '
                                                'LDM',
                                    'basis': 'ARM DDI 0388I Appendix B.3 (two 32-bit registers '
                                             'loaded or stored per cycle; Table B-3 for the load '
                                             'multiple counts)'},
                 'branch': {'cycles': 1,
                            'estimate': 'a correctly predicted branch costs its issue cycle; '
                                        'mispredicts are not modelled',
                            'basis': "ARM DDI 0388I section 7.3 'About the L1 instruction side "
                                     "memory system' (BTAC, GHB and return stack predict "
                                     'branches)'},
                 'mask': {'cycles': 10,
                          'estimate': 'CPSID/CPSIE and MSR CPSR are serializing: priced as a drain '
                                      'of the pipeline of order 10 cycles; no cycle count is '
                                      'published',
                          'basis': "ARM DDI 0388I Appendix B 'Serializing instructions' (CPS and "
                                   'MSR CPSR modifying control bits serialize); Cortex-R4 TRM (ARM '
                                   "DDI 0363E) section 14.9 'Branches', Table 14-10 (8-9 cycles "
                                   'for a mispredicted branch) as the order of a drain'},
                 'load_exclusive': {'cycles': 2,
                                    'estimate': 'LDREX priced as the result latency ARM publishes '
                                                'for a related in-order core; the Cortex-A9 TRM '
                                                'gives no LDREX timing',
                                    'basis': "Cortex-R4 TRM (ARM DDI 0363E) ch. 14 'Cycle Timings "
                                             "and Interlock Behavior' (LDREX result latency 2)"},
                 'store_exclusive': {'cycles': 3,
                                     'estimate': 'STREX priced as the result latency ARM publishes '
                                                 'for ARM11; the Cortex-A9 TRM gives no STREX '
                                                 'timing',
                                     'basis': "ARM1176JZF-S TRM (ARM DDI 0301H) ch. 16 'Cycle "
                                              "Timings and Interlock Behavior' (STREX result "
                                              'latency 3)'},
                 'barrier': {'cycles': 10,
                             'estimate': 'DMB/DSB/ISB wait for outstanding accesses or refetch: a '
                                         'pipeline drain of order 10 cycles with an idle memory '
                                         'system',
                             'basis': "ARM DDI 0388I Appendix B 'Serializing instructions' (DSB "
                                      "serializes); Cortex-A Series Programmer's Guide (ARM "
                                      "DEN0013D) ch. 10 'Memory Ordering'"},
                 'coprocessor': {'cycles': 5,
                                 'estimate': 'CP15 MCR/MRC are serializing system-register '
                                             'accesses; half a pipeline drain',
                                 'basis': "ARM DDI 0388I Appendix B 'Serializing instructions' "
                                          "(MCR to CP15 serializes) and ch. 4 'System Control'"},
                 'exception': {'cycles': 10,
                               'estimate': 'SVC/BKPT/UDF flush the pipeline like a mispredicted '
                                           'branch before the exception entry (charged as '
                                           'events.exception_entry)',
                               'basis': "ARM DDI 0388I Appendix B 'Serializing instructions' (SVC, "
                                        'BKPT and Undefined Instruction entry serialize)'},
                 'exception_return': {'cycles': 10,
                                      'estimate': 'SUBS PC, LR / RFE / LDM ^ restore CPSR and '
                                                  'refill the pipeline: of the order of a branch '
                                                  "mispredict (8-13 cycles on ARM's in-order and "
                                                  'Cortex-A8 cores)',
                                      'basis': "ARM DDI 0388I Appendix B 'Serializing "
                                               "instructions'; Cortex-A8 TRM (ARM DDI 0344E) "
                                               'section 5.1 (13-cycle mispredict penalty)'},
                 'hint': {'cycles': 1,
                          'estimate': 'WFI/WFE cost their issue only; the wait itself is simulated '
                                      'time',
                          'basis': 'ARM DDI 0388I Appendix B, data-processing instructions (1 '
                                   'cycle each)'}},
     'events': {'exception_entry': {'cycles': 30,
                                    'estimate': '30 cycles for the IRQ exception entry itself '
                                                '(mode switch, vector fetch), the part of a '
                                                'sub-100-cycle bare-metal response that is not the '
                                                'vector code',
                                    'basis': "JBLopen, 'ARM Cortex-A Interrupt Latency', "
                                             'https://www.jblopen.com/arm-cortex-a-interrupt-latency/ '
                                             '(Zynq-7000 Cortex-A9 bare metal: under 100 cycles to '
                                             'the first ISR instruction, best case)'},
                'mmio_access': {'cycles': 20,
                                'estimate': 'an uncached, strongly-ordered access to the private '
                                            'peripheral region (GIC CPU interface, TWD) or the '
                                            'AIPS bus: tens of core cycles',
                                'basis': 'Cortex-A9 MPCore TRM (ARM DDI 0407) ch. 1 (private '
                                         'memory region); '
                                         'https://www.jblopen.com/arm-cortex-a-interrupt-latency/ '
                                         '(Zynq-7000: random-memory-load latency minimum 154 '
                                         'cycles)'}}}
)

MODELS['skylake'] = (
    '# Modelled cycle costs for an Intel Skylake client core (x86-64, out-of-order).\n'
    '# Every entry cites a public source by section (`source`), or says how it was\n'
    '# derived (`estimate`) and what public figures that rests on (`basis`); see\n'
    '# docs/timing.md. Costs are per instruction, added per block; throughput-bound\n'
    '# figures are used for simple instructions (a 4-wide core overlaps them),\n'
    '# latency for serialising and locked ones.\n'
    'core = "skylake"\n'
    'arch = "x86_64"\n'
    'hz = 4_000_000_000\n'
    'hz_source = "Intel ARK, Core i7-6700K (CPUID 0x506E3, the part InstLatx64\'s Skylake tables measure), specifications section: base frequency 4.00 GHz, https://ark.intel.com/content/www/us/en/ark/products/88195/intel-core-i76700k-processor-8m-cache-up-to-4-20-ghz.html"\n'
    '\n'
    '[classes.alu]\n'
    'cycles = 1\n'
    'estimate = "1 cycle per simple integer instruction in a block; a 4-wide core overlaps them (reciprocal throughput 0.25-0.5), dependencies and front-end limits are not modelled"\n'
    'basis = "Agner Fog, \'Instruction tables\', Intel Skylake section (MOV/ADD/SUB/AND/OR/XOR r,r: reciprocal throughput 0.25), https://www.agner.org/optimize/instruction_tables.pdf"\n'
    '\n'
    '[classes.nop]\n'
    'cycles = 1\n'
    'estimate = "NOP costed like alu"\n'
    'basis = "Agner Fog, \'Instruction tables\', Intel Skylake section (NOP: reciprocal throughput 0.25)"\n'
    '\n'
    '[classes.multiply]\n'
    'cycles = 3\n'
    'source = "uops.info, https://uops.info/table.html, IMUL (R64, R64), SKL column: latency 3, throughput 1; Agner Fog, \'Instruction tables\', Intel Skylake section: IMUL r64,r64 latency 3"\n'
    '\n'
    '[classes.divide]\n'
    'cycles = 26\n'
    'source = "Agner Fog, \'Instruction tables\', Intel Skylake section, https://www.agner.org/optimize/instruction_tables.pdf: DIV r32 latency 26"\n'
    '\n'
    '[classes.load]\n'
    'cycles = 1\n'
    'estimate = "an L1 hit load, 2 per cycle, its 4-5 cycle load-to-use latency mostly hidden by out-of-order execution"\n'
    'basis = "Intel 64 and IA-32 Architectures Optimization Reference Manual (order no. 248966), chapter 2, Skylake client microarchitecture section (L1 data cache: 4-5 cycle load latency, two loads per cycle)"\n'
    '\n'
    '[classes.store]\n'
    'cycles = 1\n'
    'estimate = "one store per cycle into the store buffer"\n'
    'basis = "Intel Optimization Reference Manual (248966), chapter 2, Skylake client microarchitecture section (one store per cycle)"\n'
    '\n'
    '[classes.branch]\n'
    'cycles = 1\n'
    'estimate = "a predicted taken branch, 1-2 per cycle; mispredicts not modelled"\n'
    'basis = "Agner Fog, \'The microarchitecture of Intel, AMD and VIA CPUs\', Skylake chapter, section \'Branch prediction\', https://www.agner.org/optimize/microarchitecture.pdf"\n'
    '\n'
    '[classes.mask]\n'
    'cycles = 20\n'
    'estimate = "CLI/STI are privileged and unmeasured by uops.info; priced of the order of POPF, since both write RFLAGS.IF"\n'
    'basis = "InstLatx64, GenuineIntel00506E3_Skylake_InstLatX64.txt, https://github.com/InstLatx64/InstLatx64 (PUSHF+POPF pair: latency 24.1 cycles)"\n'
    '\n'
    '[classes.mask_save]\n'
    'cycles = 1\n'
    'source = "InstLatx64, GenuineIntel00506E3_Skylake_InstLatX64.txt, https://github.com/InstLatx64/InstLatx64: PUSHF throughput 1.08 cycles"\n'
    '\n'
    '[classes.mask_restore]\n'
    'cycles = 23\n'
    'estimate = "POPF alone: the PUSHF+POPF pair\'s latency less PUSHF\'s throughput (24.1 - 1.08 cycles)"\n'
    'basis = "InstLatx64, GenuineIntel00506E3_Skylake_InstLatX64.txt, https://github.com/InstLatx64/InstLatx64 (PUSHF+POPF pair L 24.1, PUSHF T 1.08)"\n'
    '\n'
    '[classes.atomic]\n'
    'cycles = 18\n'
    'source = "InstLatx64, GenuineIntel00506E3_Skylake_InstLatX64.txt, https://github.com/InstLatx64/InstLatx64: LOCK ADD [m],r latency 18.1 cycles, XCHG r,[m] 18.1 cycles (lock xadd/cmpxchg of similar latency, as Schweizer, Besta and Hoefler, \'Evaluating the Cost of Atomic Operations on Modern Architectures\', PACT 2015, found)"\n'
    '\n'
    '[classes.barrier]\n'
    'cycles = 33\n'
    'source = "InstLatx64, GenuineIntel00506E3_Skylake_InstLatX64.txt, https://github.com/InstLatx64/InstLatx64: MFENCE 33.4 cycles; Agner Fog, \'Instruction tables\', Intel Skylake section: MFENCE reciprocal throughput 33"\n'
    '\n'
    '[classes.barrier_light]\n'
    'cycles = 5\n'
    'estimate = "LFENCE/SFENCE do not drain the store buffer; between their reciprocal throughputs"\n'
    'basis = "Agner Fog, \'Instruction tables\', Intel Skylake section (LFENCE reciprocal throughput 4, SFENCE 6)"\n'
    '\n'
    '[classes.serialize]\n'
    'cycles = 100\n'
    'estimate = "CPUID/WRMSR/LIDT serialise the pipeline; the low end of CPUID\'s range"\n'
    'basis = "Agner Fog, \'Instruction tables\', Intel Skylake section (CPUID: 100-250 cycles)"\n'
    '\n'
    '[classes.rdtsc]\n'
    'cycles = 25\n'
    'source = "Agner Fog, \'Instruction tables\', Intel Skylake section, https://www.agner.org/optimize/instruction_tables.pdf: RDTSC reciprocal throughput 25 (RDTSCP, 32, is costed the same)"\n'
    '\n'
    '[classes.port_io]\n'
    'cycles = 1\n'
    'estimate = "issue cost only; the bus access is the port_io event below"\n'
    'basis = "the events.port_io entry below"\n'
    '\n'
    '[classes.exception]\n'
    'cycles = 20\n'
    'estimate = "INT/INT3/UD2/SYSCALL flush the pipeline like a mispredict (about 15-20 cycles on Skylake); the delivery itself is events.exception_entry"\n'
    'basis = "Agner Fog, \'The microarchitecture of Intel, AMD and VIA CPUs\', Skylake chapter, section \'Branch prediction\' (misprediction penalty), https://www.agner.org/optimize/microarchitecture.pdf"\n'
    '\n'
    '[classes.exception_return]\n'
    'cycles = 40\n'
    'estimate = "IRETQ is microcoded and serialising: tens of cycles, a share of a measured kernel round trip"\n'
    'basis = "seL4 sel4bench issue 41, https://github.com/seL4/sel4bench/issues/41 (Skylake IPC Call + Reply: 383 + 389 cycles, each with a kernel entry and exit)"\n'
    '\n'
    '[classes.hint]\n'
    'cycles = 1\n'
    'estimate = "HLT costs its issue only; the wait itself is simulated time"\n'
    'basis = "the alu entry above"\n'
    '\n'
    '[classes.pause]\n'
    'cycles = 140\n'
    'source = "Intel 64 and IA-32 Architectures Optimization Reference Manual (order no. 248966), chapter 2, section \'Pause Latency in Skylake Microarchitecture\': PAUSE latency extended to as many as 140 cycles (about 10 on earlier cores)"\n'
    '\n'
    '[events.exception_entry]\n'
    'cycles = 100\n'
    'estimate = "interrupt delivery through an IDT gate (microcoded: gate and descriptor checks, 5-slot frame push, pipeline flush): of the order of 100 cycles"\n'
    'basis = "seL4 sel4bench issue 41, https://github.com/seL4/sel4bench/issues/41 (Skylake IPC Call 383 cycles covering a syscall entry, exit and the IPC path)"\n'
    '\n'
    '[events.mmio_access]\n'
    'cycles = 50\n'
    'estimate = "an uncached (UC) access to the xAPIC page: tens of cycles; x2APIC MSRs were introduced to avoid this cost"\n'
    'basis = "Intel 64 and IA-32 Architectures Software Developer\'s Manual, vol. 3A, section 11.12 \'Extended XAPIC (x2APIC)\'"\n'
    '\n'
    '[events.port_io]\n'
    'cycles = 4000\n'
    'estimate = "an ISA I/O port access takes about 1 us (why Linux\'s outb_p writes to port 0x80 as a delay): 4000 cycles at 4 GHz"\n'
    'basis = "Linux arch/x86/kernel/io_delay.c (port 0x80 write as the I/O delay) and arch/x86/include/asm/io.h (outb_p)"\n'
    ,
    {'core': 'skylake',
     'arch': 'x86_64',
     'hz': 4000000000,
     'hz_source': "Intel ARK, Core i7-6700K (CPUID 0x506E3, the part InstLatx64's Skylake tables "
                  'measure), specifications section: base frequency 4.00 GHz, '
                  'https://ark.intel.com/content/www/us/en/ark/products/88195/intel-core-i76700k-processor-8m-cache-up-to-4-20-ghz.html',
     'classes': {'alu': {'cycles': 1,
                         'estimate': '1 cycle per simple integer instruction in a block; a 4-wide '
                                     'core overlaps them (reciprocal throughput 0.25-0.5), '
                                     'dependencies and front-end limits are not modelled',
                         'basis': "Agner Fog, 'Instruction tables', Intel Skylake section "
                                  '(MOV/ADD/SUB/AND/OR/XOR r,r: reciprocal throughput 0.25), '
                                  'https://www.agner.org/optimize/instruction_tables.pdf'},
                 'nop': {'cycles': 1,
                         'estimate': 'NOP costed like alu',
                         'basis': "Agner Fog, 'Instruction tables', Intel Skylake section (NOP: "
                                  'reciprocal throughput 0.25)'},
                 'multiply': {'cycles': 3,
                              'source': 'uops.info, https://uops.info/table.html, IMUL (R64, R64), '
                                        'SKL column: latency 3, throughput 1; Agner Fog, '
                                        "'Instruction tables', Intel Skylake section: IMUL r64,r64 "
                                        'latency 3'},
                 'divide': {'cycles': 26,
                            'source': "Agner Fog, 'Instruction tables', Intel Skylake section, "
                                      'https://www.agner.org/optimize/instruction_tables.pdf: DIV '
                                      'r32 latency 26'},
                 'load': {'cycles': 1,
                          'estimate': 'an L1 hit load, 2 per cycle, its 4-5 cycle load-to-use '
                                      'latency mostly hidden by out-of-order execution',
                          'basis': 'Intel 64 and IA-32 Architectures Optimization Reference Manual '
                                   '(order no. 248966), chapter 2, Skylake client '
                                   'microarchitecture section (L1 data cache: 4-5 cycle load '
                                   'latency, two loads per cycle)'},
                 'store': {'cycles': 1,
                           'estimate': 'one store per cycle into the store buffer',
                           'basis': 'Intel Optimization Reference Manual (248966), chapter 2, '
                                    'Skylake client microarchitecture section (one store per '
                                    'cycle)'},
                 'branch': {'cycles': 1,
                            'estimate': 'a predicted taken branch, 1-2 per cycle; mispredicts not '
                                        'modelled',
                            'basis': "Agner Fog, 'The microarchitecture of Intel, AMD and VIA "
                                     "CPUs', Skylake chapter, section 'Branch prediction', "
                                     'https://www.agner.org/optimize/microarchitecture.pdf'},
                 'mask': {'cycles': 20,
                          'estimate': 'CLI/STI are privileged and unmeasured by uops.info; priced '
                                      'of the order of POPF, since both write RFLAGS.IF',
                          'basis': 'InstLatx64, GenuineIntel00506E3_Skylake_InstLatX64.txt, '
                                   'https://github.com/InstLatx64/InstLatx64 (PUSHF+POPF pair: '
                                   'latency 24.1 cycles)'},
                 'mask_save': {'cycles': 1,
                               'source': 'InstLatx64, GenuineIntel00506E3_Skylake_InstLatX64.txt, '
                                         'https://github.com/InstLatx64/InstLatx64: PUSHF '
                                         'throughput 1.08 cycles'},
                 'mask_restore': {'cycles': 23,
                                  'estimate': "POPF alone: the PUSHF+POPF pair's latency less "
                                              "PUSHF's throughput (24.1 - 1.08 cycles)",
                                  'basis': 'InstLatx64, '
                                           'GenuineIntel00506E3_Skylake_InstLatX64.txt, '
                                           'https://github.com/InstLatx64/InstLatx64 (PUSHF+POPF '
                                           'pair L 24.1, PUSHF T 1.08)'},
                 'atomic': {'cycles': 18,
                            'source': 'InstLatx64, GenuineIntel00506E3_Skylake_InstLatX64.txt, '
                                      'https://github.com/InstLatx64/InstLatx64: LOCK ADD [m],r '
                                      'latency 18.1 cycles, XCHG r,[m] 18.1 cycles (lock '
                                      'xadd/cmpxchg of similar latency, as Schweizer, Besta and '
                                      "Hoefler, 'Evaluating the Cost of Atomic Operations on "
                                      "Modern Architectures', PACT 2015, found)"},
                 'barrier': {'cycles': 33,
                             'source': 'InstLatx64, GenuineIntel00506E3_Skylake_InstLatX64.txt, '
                                       'https://github.com/InstLatx64/InstLatx64: MFENCE 33.4 '
                                       "cycles; Agner Fog, 'Instruction tables', Intel Skylake "
                                       'section: MFENCE reciprocal throughput 33'},
                 'barrier_light': {'cycles': 5,
                                   'estimate': 'LFENCE/SFENCE do not drain the store buffer; '
                                               'between their reciprocal throughputs',
                                   'basis': "Agner Fog, 'Instruction tables', Intel Skylake "
                                            'section (LFENCE reciprocal throughput 4, SFENCE 6)'},
                 'serialize': {'cycles': 100,
                               'estimate': 'CPUID/WRMSR/LIDT serialise the pipeline; the low end '
                                           "of CPUID's range",
                               'basis': "Agner Fog, 'Instruction tables', Intel Skylake section "
                                        '(CPUID: 100-250 cycles)'},
                 'rdtsc': {'cycles': 25,
                           'source': "Agner Fog, 'Instruction tables', Intel Skylake section, "
                                     'https://www.agner.org/optimize/instruction_tables.pdf: RDTSC '
                                     'reciprocal throughput 25 (RDTSCP, 32, is costed the same)'},
                 'port_io': {'cycles': 1,
                             'estimate': 'issue cost only; the bus access is the port_io event '
                                         'below',
                             'basis': 'the events.port_io entry below'},
                 'exception': {'cycles': 20,
                               'estimate': 'INT/INT3/UD2/SYSCALL flush the pipeline like a '
                                           'mispredict (about 15-20 cycles on Skylake); the '
                                           'delivery itself is events.exception_entry',
                               'basis': "Agner Fog, 'The microarchitecture of Intel, AMD and VIA "
                                        "CPUs', Skylake chapter, section 'Branch prediction' "
                                        '(misprediction penalty), '
                                        'https://www.agner.org/optimize/microarchitecture.pdf'},
                 'exception_return': {'cycles': 40,
                                      'estimate': 'IRETQ is microcoded and serialising: tens of '
                                                  'cycles, a share of a measured kernel round trip',
                                      'basis': 'seL4 sel4bench issue 41, '
                                               'https://github.com/seL4/sel4bench/issues/41 '
                                               '(Skylake IPC Call + Reply: 383 + 389 cycles, each '
                                               'with a kernel entry and exit)'},
                 'hint': {'cycles': 1,
                          'estimate': 'HLT costs its issue only; the wait itself is simulated time',
                          'basis': 'the alu entry above'},
                 'pause': {'cycles': 140,
                           'source': 'Intel 64 and IA-32 Architectures Optimization Reference '
                                     "Manual (order no. 248966), chapter 2, section 'Pause Latency "
                                     "in Skylake Microarchitecture': PAUSE latency extended to as "
                                     'many as 140 cycles (about 10 on earlier cores)'}},
     'events': {'exception_entry': {'cycles': 100,
                                    'estimate': 'interrupt delivery through an IDT gate '
                                                '(microcoded: gate and descriptor checks, 5-slot '
                                                'frame push, pipeline flush): of the order of 100 '
                                                'cycles',
                                    'basis': 'seL4 sel4bench issue 41, '
                                             'https://github.com/seL4/sel4bench/issues/41 (Skylake '
                                             'IPC Call 383 cycles covering a syscall entry, exit '
                                             'and the IPC path)'},
                'mmio_access': {'cycles': 50,
                                'estimate': 'an uncached (UC) access to the xAPIC page: tens of '
                                            'cycles; x2APIC MSRs were introduced to avoid this '
                                            'cost',
                                'basis': "Intel 64 and IA-32 Architectures Software Developer's "
                                         "Manual, vol. 3A, section 11.12 'Extended XAPIC "
                                         "(x2APIC)'"},
                'port_io': {'cycles': 4000,
                            'estimate': "an ISA I/O port access takes about 1 us (why Linux's "
                                        'outb_p writes to port 0x80 as a delay): 4000 cycles at 4 '
                                        'GHz',
                            'basis': 'Linux arch/x86/kernel/io_delay.c (port 0x80 write as the I/O '
                                     'delay) and arch/x86/include/asm/io.h (outb_p)'}}}
)
