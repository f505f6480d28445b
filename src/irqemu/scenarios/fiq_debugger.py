"""ARM's FIQ as an NMI: a watchdog FIQ that a hung, IRQs-off loop cannot mask
(the talk's "ARM's Fast Interrupt reQuest ... the basis for Android's fiq_debugger").

fiq_watchdog.elf masks IRQs with ``cpsid i`` and hangs in a loop. The GIC
routes the GPT (the watchdog) as group 0, signalled as FIQ; the Cortex-A9
private timer is group 1 (IRQ). CPSR.I holds the timer's IRQ off for the
whole hang; CPSR.F is clear, so the watchdog's FIQ is taken. Its handler,
like fiq_debugger, needs nothing saved to start: the banked R8-R12 hold the
interrupted PC and CPSR, and it dumps them with the interrupted mode's SP/LR.
"""

from __future__ import annotations

import re
from typing import Any

from irqemu.scenarios.base import NO_KERNEL, Observe, Options, Scenario

PS_PER_MS = 10**9


def run(*, engine: str = "native") -> tuple[str, dict[str, Any]]:
    from irqemu.boards import build_board
    from irqemu.bundled import bundled_firmware

    m = build_board("imx6q", engine=engine, num_cpus=1)
    image = m.load_elf(str(bundled_firmware("armv7", "fiq_watchdog.elf")))
    result = m.run(max_time_ps=50 * PS_PER_MS)
    out = m.console.decode(errors="replace")
    dump = re.search(r"fiq: watchdog, pc=([0-9a-f]{8}) cpsr=([0-9a-f]{8}) mode (\w+), "
                     r"IRQs (masked|enabled)", out)
    pc = int(dump.group(1), 16) if dump else None
    cpsr = int(dump.group(2), 16) if dump else None
    loop = image.symbols.get("hung_loop", 0)
    loop_end = image.symbols.get("hung_loop_end", 0)
    exc = result.interrupts[0]
    facts: dict[str, Any] = {
        "engine": engine,
        "stop_reason": result.stop_reason,
        "exit_code": result.exit_code,
        "uart": out,
        "fiq_pc": pc,
        "fiq_cpsr": cpsr,
        "fiq_mode": dump.group(3) if dump else None,
        "irqs_masked_at_fiq": bool(cpsr is not None and cpsr & 0x80),
        "fiq_clear_at_fiq": bool(cpsr is not None and not cpsr & 0x40),
        "pc_in_hung_loop": pc is not None and loop <= pc < loop_end,
        "exceptions": dict(exc),
        "irqs": m.interrupt_counts(),
        "sim_time_ps": result.sim_time_ps,
    }
    symbol = m.image.symbolize(pc) if (pc is not None and m.image) else ""
    text = "\n".join([
        "FIQ watchdog on an emulated i.MX6Q (one Cortex-A9): IRQs masked, FIQ not",
        "",
        "$ console",
        out.rstrip("\n"),
        "",
        f"Exceptions taken: {', '.join(f'{k} {v}' for k, v in sorted(exc.items()))}. "
        f"The FIQ interrupted {symbol or 'the loop'} with CPSR.I set: masking IRQs "
        "(local_irq_disable, cpsid i) never masks FIQ, which is why fiq_debugger and "
        "FIQ-based watchdogs can look into a core that hangs with interrupts off. The "
        "handler's state lives in the banked R8-R12, so its first instructions save "
        "nothing; the twd IRQ that went pending during the hang was taken only after "
        "cpsie i.",
    ])
    return text, facts


def check(facts: dict[str, Any]) -> list[str]:
    problems = []
    if facts["stop_reason"] != "exit" or facts["exit_code"] != 0:
        problems.append(f"firmware did not exit cleanly: {facts['stop_reason']} "
                        f"{facts['exit_code']}")
    if "FAIL" in facts["uart"]:
        problems.append("firmware reported FAIL")
    if facts["fiq_pc"] is None:
        problems.append("no fiq_debugger-style dump printed")
        return problems
    if not facts["irqs_masked_at_fiq"] or not facts["fiq_clear_at_fiq"]:
        problems.append(f"FIQ did not interrupt IRQs-masked code (cpsr {facts['fiq_cpsr']:#x})")
    if facts["fiq_mode"] != "svc":
        problems.append(f"interrupted mode is {facts['fiq_mode']}, expected svc")
    if not facts["pc_in_hung_loop"]:
        problems.append("the FIQ did not interrupt the hung loop")
    if facts["exceptions"].get("FIQ") != 1 or facts["exceptions"].get("IRQ") != 1:
        problems.append(f"expected one FIQ and one IRQ, got {facts['exceptions']}")
    return problems


def _run(opts: Options, observe: Observe) -> tuple[str, dict[str, Any]]:
    return run(engine=opts.engine)


SCENARIO = Scenario(
    "fiq-debugger", "ARM FIQ as an NMI: a watchdog FIQ a hung IRQs-off loop cannot mask",
    _run, check,
    honours={"engine": None, "arch": ("arm",)},
    why={"arch": "FIQ is an ARM exception", "": NO_KERNEL},
    kernel_model=False,
)
